package spam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/sysmem"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// FileKind marks spam model files.
const FileKind = "ember.spamrnn"

// Classifier is a trained model with the vocabulary and preprocessing it
// needs to score raw text. Train, Load and Import make one; the zero value
// has no model, and its methods return ErrNoModel.
type Classifier struct {
	Model  *Model
	Vocab  *data.Vocab
	Labels Labels
	Info   TrainInfo
	// LoadNote, set by Load, says that the file was in an older layout and
	// was converted (for a program to tell its user); empty otherwise.
	// Save writes the classifier in the current layout.
	LoadNote string
	eval     *train.Evaluator
}

// Labels name a classifier's two classes: ham and spam for the SMS model,
// any two labels for other two-class text (the positive one is what the
// model's probability is of).
type Labels struct {
	Negative string `json:"negative"`
	Positive string `json:"positive"`
}

// SMSLabels are the SMS Spam Collection's classes.
var SMSLabels = Labels{Negative: "ham", Positive: "spam"}

// check refuses labels a model file or export cannot hold.
func (l Labels) check() error {
	if l.Positive == "" || l.Negative == "" || l.Positive == l.Negative || l.Positive == "empty" || l.Negative == "empty" {
		return fmt.Errorf("class labels %q and %q: want two distinct labels, neither \"empty\"", l.Negative, l.Positive)
	}
	return nil
}

// TrainInfo records how a model was trained, for its file and reports.
type TrainInfo struct {
	Source       string  `json:"source"`
	Epochs       int     `json:"epochs"`
	BestEpoch    int     `json:"best_epoch"`
	SelectedBy   string  `json:"selected_by"`
	BatchSize    int     `json:"batch_size"`
	LR           float64 `json:"lr"`
	Clip         float64 `json:"clip"`
	Seed         uint64  `json:"seed"`
	ValAccuracy  float64 `json:"val_accuracy"`
	TestAccuracy float64 `json:"test_accuracy"`
}

// Options configure Train. A zero field takes the default noted with it
// (mostly the reference notebook's settings); Validate says which values
// are out of range.
type Options struct {
	// Model is the model: where zero, Cell, SeqLen, Embed, Hidden and
	// Layers take DefaultConfig's values (Dropout 0 is no dropout, not
	// DefaultConfig's 0.5); Vocab is set from the data.
	Model     Config
	Epochs    int     // at least 1; 0: 10
	BatchSize int     // 1 to 2^20; 0: 10
	LR        float64 // Adam's learning rate, above 0; 0: 1e-3
	Clip      float64 // the gradient-norm clip, finite; negative disables; 0: 5
	// Seed seeds the initialisation, split, shuffling and dropout; 0: 1234
	// (so a seed of 0 cannot be asked for: use another).
	Seed     uint64
	Patience int // stop after this many epochs without a better validation figure; 0 never stops early
	// Bucket is how many of a packed model's batches are sorted together
	// by length (at least 1; 0: train.DefaultChunk).
	Bucket int
	// Select is the validation figure that picks the epoch whose weights
	// Train keeps: train.SelectLoss, the lowest loss (the zero value), or
	// train.SelectAccuracy, the highest accuracy (spamrnn train's default).
	Select train.Select
	// MaxVocab caps the vocabulary's size, padding and unknown included
	// (at least 3); 0 keeps every word of the training split.
	MaxVocab int
	// TrainFrac and ValFrac are the fractions of the messages (those with
	// words) that go to the training and validation splits, the test split
	// having the rest: each in [0, 1), together less than 1. Each zero
	// takes its own default, 0.7 and 0.15, whatever the other is.
	TrainFrac float64
	ValFrac   float64
	// Progress receives training's progress (train.Config.Progress): a
	// live bar on a terminal, plain lines otherwise; nil is silent.
	Progress io.Writer
	// Device is where training and the final validation and test scoring
	// run (train.CPU by default, or train.CUDA(ctx)); the classifier's
	// weights end up in host memory either way, so it saves, loads and
	// predicts the same whichever device trained it.
	Device train.Device
	// OnBest is called with the classifier holding the best weights so far
	// (save a checkpoint here, so an interrupted run loses nothing).
	OnBest func(c *Classifier) error
	// MaxBytes, when not zero, refuses (with ErrTooBig) a model whose
	// training would need more memory than this: the parameters with
	// their gradients and Adam moments, and the activations of a training
	// batch and an evaluation batch (see Config.TrainingBytes).
	MaxBytes uint64

	// StateFile, when set, is where the run's training state is saved
	// (train.Config.StateFile: at every epoch's end and when ctx stops
	// the run), with the run's settings, labels, data source and
	// vocabulary, so that LoadRun and Resume can continue it.
	StateFile string
	// StateExtra is stored with the state for the caller (Run.Extra).
	StateExtra json.RawMessage
	// Resume continues the run a state file holds (LoadRun), on the same
	// data: the options must be the run's (Run.Options), except Epochs (to
	// train on past the run's end), Patience, the callbacks, Device,
	// MaxBytes and StateFile. Other settings, other labels or another
	// training vocabulary are refused (train.ErrStateMismatch), and so is
	// other data with the same vocabulary (by train.Fit, which compares
	// the encoded examples). The run then ends as it would have, had it
	// not been stopped: the same weights, bit for bit, and figures.
	Resume *Run
}

// Errors of Train about the data, for errors.Is. Those that other options
// can avoid come as an *AdviceError, which says what to change.
var (
	// ErrSingleClass: the data (or its training split) has one class.
	ErrSingleClass = errors.New("a classifier needs examples of both classes")
	// ErrTooFew: too few examples for non-empty training, validation and
	// test splits; the error says the minimum.
	ErrTooFew = errors.New("too few examples")
	// ErrTooBig: the model would need more memory than Options.MaxBytes.
	ErrTooBig = errors.New("the model does not fit in memory")
)

// ErrNoModel is the error of a Classifier without a model or vocabulary
// (the zero value).
var ErrNoModel = errors.New("spam: Classifier has no model: use Train, Load or Import")

// check refuses a Classifier that has nothing to score with.
func (c *Classifier) check() error {
	if c == nil || c.Model == nil || c.Vocab == nil {
		return ErrNoModel
	}
	return nil
}

// AdviceError is an error of Train that other Options can avoid (one that
// wraps ErrTooBig, ErrSingleClass or ErrTooFew): Err says what is wrong, and Error
// adds what to change, naming the fields of Fields as Options.Field. A
// program whose users set the options another way (a command's flags)
// words the same advice in its own names with Advise.
type AdviceError struct {
	Err error
	// Fields are the Options fields the advice names, as selectors
	// from Options: "Seed", "BatchSize", "Model.Hidden".
	Fields []string
	advice string // a format whose one %s is Fields listed ("a, b or c")
}

func (e *AdviceError) Error() string {
	return e.Advise(func(field string) string { return "Options." + field })
}

// Unwrap is Err, so that errors.Is matches the kind (ErrTooBig, ...).
func (e *AdviceError) Unwrap() error { return e.Err }

// Advise is the error's text with each field of Fields written as name
// returns it.
func (e *AdviceError) Advise(name func(field string) string) string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = name(f)
	}
	list := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		list = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return e.Err.Error() + fmt.Sprintf(e.advice, list)
}

func (o *Options) defaults() {
	d := DefaultConfig()
	if o.Model.SeqLen == 0 {
		o.Model.SeqLen = d.SeqLen
	}
	if o.Model.Embed == 0 {
		o.Model.Embed = d.Embed
	}
	if o.Model.Hidden == 0 {
		o.Model.Hidden = d.Hidden
	}
	if o.Model.Layers == 0 {
		o.Model.Layers = d.Layers
	}
	if o.Model.Cell == "" {
		o.Model.Cell = d.Cell
	}
	if o.Epochs == 0 {
		o.Epochs = 10
	}
	if o.BatchSize == 0 {
		o.BatchSize = 10
	}
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.Clip == 0 {
		o.Clip = 5
	}
	if o.Seed == 0 {
		o.Seed = 1234
	}
	if o.TrainFrac == 0 {
		o.TrainFrac = 0.7
	}
	if o.ValFrac == 0 {
		o.ValFrac = 0.15
	}
	if o.Bucket == 0 {
		o.Bucket = train.DefaultChunk
	}
}

// maxBatch bounds Options.BatchSize: far above any use of this model, it
// keeps the memory estimate and the search for the smallest split from
// overflowing.
const maxBatch = 1 << 20

// Validate checks the options as Train uses them, each zero value replaced
// by its default: it names the first field out of its range, with its
// value and the range. The model (Model) is checked as Config.Validate
// does, but for its Vocab, which Train sets from the data. Train calls
// Validate before it looks at the data.
func (o Options) Validate() error {
	given := o
	o.defaults()
	switch {
	case o.Epochs < 1:
		return fmt.Errorf("spam: Options.Epochs %d: want at least 1 (0: the default, 10)", o.Epochs)
	case o.BatchSize < 1 || o.BatchSize > maxBatch:
		return fmt.Errorf("spam: Options.BatchSize %d: want 1 to %d (0: the default, 10)", o.BatchSize, maxBatch)
	case !(o.LR > 0) || math.IsInf(o.LR, 1): // NaN too
		return fmt.Errorf("spam: Options.LR %v: want a finite number above 0 (0: the default, 0.001)", o.LR)
	case math.IsNaN(o.Clip) || math.IsInf(o.Clip, 1): // train refuses an infinite norm: its state is JSON
		return fmt.Errorf("spam: Options.Clip %v: want a finite number (negative: no clipping; 0: the default, 5)", o.Clip)
	case o.Patience < 0:
		return fmt.Errorf("spam: Options.Patience %d: want at least 0 (0: no early stopping)", o.Patience)
	case o.Bucket < 1:
		return fmt.Errorf("spam: Options.Bucket %d: want at least 1 (0: the default, %d)", o.Bucket, train.DefaultChunk)
	case o.Select != train.SelectLoss && o.Select != train.SelectAccuracy:
		return fmt.Errorf("spam: Options.Select %d: want train.SelectLoss (0) or train.SelectAccuracy (1)", o.Select)
	case o.MaxVocab < 0 || o.MaxVocab == 1 || o.MaxVocab == 2:
		return fmt.Errorf("spam: Options.MaxVocab %d: want 0 (every word) or at least 3 (padding, unknown and a word)", o.MaxVocab)
	}
	// The fractions are judged together, as given: a zero is its default.
	// A sum within rounding of 1 leaves the test split empty.
	if !(o.TrainFrac >= 0 && o.TrainFrac < 1) || !(o.ValFrac >= 0 && o.ValFrac < 1) || o.TrainFrac+o.ValFrac >= 1-1e-9 {
		frac := func(given, used float64) string {
			if given == 0 {
				return fmt.Sprintf("0 (the default, %g)", used)
			}
			return fmt.Sprint(given)
		}
		return fmt.Errorf("spam: Options.TrainFrac %s and ValFrac %s: want each in [0, 1) and together less than 1 (the test split has the rest)",
			frac(given.TrainFrac, o.TrainFrac), frac(given.ValFrac, o.ValFrac))
	}
	if MinExamples(o.TrainFrac, o.ValFrac, o.BatchSize) == math.MaxInt {
		return fmt.Errorf("spam: Options.TrainFrac %g, ValFrac %g and BatchSize %d: no data set of up to 2^30 messages splits into a training batch and non-empty validation and test splits",
			o.TrainFrac, o.ValFrac, o.BatchSize)
	}
	cfg := o.Model
	cfg.Vocab = 3 // set from the data by Train
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("spam: Options.Model: %w", err)
	}
	return nil
}

// Report is the outcome of Train.
type Report struct {
	// Load is what loading the examples skipped and counted, as given to Train.
	Load data.LoadReport
	// EmptyDropped counts the messages left out for having no words.
	EmptyDropped int
	// Train, Val and Test are the sizes of the three splits, in examples.
	Train, Val, Test int
	// Fit is what training did (history, best epoch, speed).
	Fit *train.Result
	// TestResult and ValResult score the kept weights on the test and
	// validation splits (nil when training was stopped before an epoch
	// ended).
	TestResult *train.EvalResult
	ValResult  *train.EvalResult
}

// Train runs the whole job on loaded examples: split, vocabulary from the
// training split, encode, fit with validation, and score the test split.
// The returned classifier holds the weights of the epoch with the best
// validation figure that Options.Select names: the lowest validation loss
// for the zero value, train.SelectLoss (spamrnn train selects by accuracy
// unless told otherwise). Report.Fit.BestEpoch is that epoch, and
// Classifier.Info.SelectedBy says which figure picked it.
//
// Options out of range are refused before the data is looked at (see
// Options.Validate). Data that cannot train a classifier is refused before
// anything is built: one class only (ErrSingleClass; for the training
// split alone, an *AdviceError), or too few examples for a training split
// of one batch and validation and test splits of one example each
// (ErrTooFew, saying the minimum; an *AdviceError naming BatchSize where
// the batch sets it); so is a model that needs more than
// Options.MaxBytes (ErrTooBig, an *AdviceError). When ctx is cancelled
// before the first epoch ends, Train returns the report with
// Fit.Interrupted set, no best epoch and no validation or test figures:
// the weights are not a trained model.
func Train(ctx context.Context, examples []data.Example, load data.LoadReport, o Options) (*Classifier, *Report, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	o.defaults()
	rep := &Report{Load: load}
	labels := SMSLabels
	if load.Positive != "" {
		labels = Labels{Negative: load.Negative, Positive: load.Positive}
	}
	if labels.Negative == "empty" || labels.Positive == "empty" {
		return nil, nil, errors.New(`the label "empty" is reserved: predictions use it for messages without words`)
	}
	examples, rep.EmptyDropped = data.DropEmpty(examples)
	if err := checkClasses(examples, labels, "the data"); err != nil {
		return nil, nil, err
	}
	if min := MinExamples(o.TrainFrac, o.ValFrac, o.BatchSize); len(examples) < min {
		pct := func(f float64) float64 { return math.Round(f * 100) }
		err := fmt.Errorf("%w: %d messages with words; a %g/%g/%g split with a training batch of %d needs at least %d",
			ErrTooFew, len(examples), pct(o.TrainFrac), pct(o.ValFrac), pct(1-o.TrainFrac-o.ValFrac), o.BatchSize, min)
		if min > MinExamples(o.TrainFrac, o.ValFrac, 1) {
			// The batch sets the minimum: a smaller one is the other way out.
			return nil, nil, &AdviceError{Err: fmt.Errorf("%w, for a training split of one batch and non-empty validation and test splits", err),
				Fields: []string{"BatchSize"}, advice: " (more data, or a smaller %s)"}
		}
		return nil, nil, fmt.Errorf("%w (so that validation and test are not empty)", err)
	}
	trIdx, vaIdx, teIdx, err := data.Split(len(examples), o.TrainFrac, o.ValFrac, int64(o.Seed))
	if err != nil {
		return nil, nil, err
	}
	rep.Train, rep.Val, rep.Test = len(trIdx), len(vaIdx), len(teIdx)
	trainEx := make([]data.Example, len(trIdx))
	for i, j := range trIdx {
		trainEx[i] = examples[j]
	}
	if err := checkClasses(trainEx, labels, "the training split"); err != nil {
		return nil, nil, &AdviceError{Err: err, Fields: []string{"Seed"}, advice: " (another %s, or more data)"}
	}
	toks, err := data.TokenLists(examples, trIdx)
	if err != nil {
		return nil, nil, err
	}
	vocab := data.BuildVocab(toks, o.MaxVocab, 1)
	if o.Resume != nil {
		if err := o.Resume.checkResume(o, labels, vocab); err != nil {
			return nil, nil, err
		}
	}
	cfg := o.Model
	cfg.Vocab = vocab.Size()
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if need := cfg.TrainingBytes(o.BatchSize); o.MaxBytes > 0 && need > o.MaxBytes {
		shrink := []string{"Model.Hidden", "Model.Embed", "Model.Layers", "Model.SeqLen", "BatchSize"}
		if cfg.WithDefaults().Cell == "cnn" {
			shrink = []string{"Model.Channels", "Model.Widths", "Model.Embed", "Model.SeqLen", "BatchSize"}
		}
		return nil, nil, &AdviceError{Err: fmt.Errorf("%w: training %s needs about %s of memory (about %s parameters, batch %d × %d tokens); %s is available",
			ErrTooBig, cfg.describe(), sysmem.Format(need), groupDigits(cfg.paramBound()), o.BatchSize, cfg.SeqLen, sysmem.Format(o.MaxBytes)),
			Fields: shrink, advice: ": make %s smaller"}
	}
	model, err := NewModel(cfg, o.Seed)
	if err != nil {
		return nil, nil, err
	}
	enc := func(idx []int) (Dataset, error) {
		d, err := data.NewDataset(examples, idx, vocab, cfg.SeqLen)
		return Dataset{d}, err
	}
	trainSet, err := enc(trIdx)
	if err != nil {
		return nil, nil, err
	}
	valSet, err := enc(vaIdx)
	if err != nil {
		return nil, nil, err
	}
	testSet, err := enc(teIdx)
	if err != nil {
		return nil, nil, err
	}
	c := &Classifier{Model: model, Vocab: vocab, Labels: labels, Info: TrainInfo{
		Source: load.Source, Epochs: o.Epochs, BatchSize: o.BatchSize, LR: o.LR, Clip: o.Clip, Seed: o.Seed,
		SelectedBy: "validation " + o.Select.String(),
	}}
	tc := train.Config{
		Epochs: o.Epochs, BatchSize: o.BatchSize, Seed: o.Seed, ClipNorm: max(o.Clip, 0),
		Patience: o.Patience, Select: o.Select, Optimizer: optim.NewAdam(o.LR), Progress: o.Progress,
		Device: o.Device, StateFile: o.StateFile,
	}
	if o.StateFile != "" {
		tc.StateMeta = newRunMeta(o, cfg.WithDefaults(), labels, load.Source, vocab)
	}
	if o.Resume != nil {
		tc.Resume = o.Resume.State
	}
	if cfg.Packed {
		if tc.Sampler, err = train.NewBucket(trainSet.SeqLengths(), o.BatchSize, o.Bucket, o.Seed); err != nil {
			return nil, nil, err
		}
	}
	if o.OnBest != nil {
		tc.OnBest = func(epoch int, s train.EpochStats) error {
			c.Info.BestEpoch, c.Info.ValAccuracy = epoch, s.ValAcc
			return o.OnBest(c)
		}
	}
	rep.Fit, err = train.Fit(ctx, model, trainSet, valSet, tc)
	if err != nil {
		return c, rep, err
	}
	if rep.Fit.BestEpoch == 0 {
		// Interrupted before an epoch finished: nothing to score.
		return c, rep, nil
	}
	c.Info.BestEpoch, c.Info.ValAccuracy = rep.Fit.BestEpoch, rep.Fit.Best.ValAcc
	ev := c.evaluator()
	if o.Device.IsCUDA() {
		ev = train.NewEvaluatorOn(model, tensor.Float32, o.Device)
		defer ev.Close()
	}
	if valSet.Len() > 0 {
		if rep.ValResult, err = ev.Evaluate(valSet, 256); err != nil {
			return c, rep, err
		}
	}
	if testSet.Len() > 0 {
		if rep.TestResult, err = ev.Evaluate(testSet, 256); err != nil {
			return c, rep, err
		}
		c.Info.TestAccuracy = rep.TestResult.Accuracy
	}
	return c, rep, nil
}

// checkClasses refuses examples of a single class, naming it.
func checkClasses(ex []data.Example, l Labels, what string) error {
	pos := 0
	for _, e := range ex {
		if e.Spam {
			pos++
		}
	}
	switch {
	case len(ex) == 0:
		return fmt.Errorf("%w: %s has no messages with words", ErrTooFew, what)
	case pos == 0 && l.Negative != "":
		return fmt.Errorf("%w: every message in %s is %s", ErrSingleClass, what, l.Negative)
	case pos == 0:
		return fmt.Errorf("%w: no message in %s is %s", ErrSingleClass, what, l.Positive)
	case pos == len(ex):
		return fmt.Errorf("%w: every message in %s is %s", ErrSingleClass, what, l.Positive)
	}
	return nil
}

// MinExamples is the fewest examples that a trainFrac/valFrac split cuts
// into a training split of at least one batch and validation and test
// splits of at least one example each (data.Split's sizes); math.MaxInt
// when no number up to 2^30 does (fractions that leave a split empty, or
// too small to fill it).
func MinExamples(trainFrac, valFrac float64, batch int) int {
	const limit = 1 << 30
	if !(trainFrac > 0 && valFrac > 0 && trainFrac+valFrac < 1) || batch < 1 {
		return math.MaxInt // no size works
	}
	// The training and validation sizes grow with n: no n below these
	// bounds (less a margin for rounding) fills them. The test size does
	// not grow steadily with n, so from there the sizes are tried in turn.
	from := math.Max((float64(batch)-1e-9)/trainFrac, (1-1e-9)/valFrac) - 2
	if from > limit {
		return math.MaxInt
	}
	for n := max(3, int(from)); n <= limit; n++ {
		tr := int(math.Floor(float64(n)*trainFrac + 1e-9))
		va := int(math.Floor(float64(n)*valFrac + 1e-9))
		if tr >= batch && va >= 1 && n-tr-va >= 1 {
			return n
		}
	}
	return math.MaxInt
}

func (c *Classifier) evaluator() *train.Evaluator {
	if c.eval == nil {
		c.eval = train.NewEvaluator(c.Model, tensor.Float32)
	}
	return c.eval
}

// Evaluate scores labelled examples (messages without words are dropped
// and counted, as in training).
func (c *Classifier) Evaluate(examples []data.Example) (*train.EvalResult, int, error) {
	if err := c.check(); err != nil {
		return nil, 0, err
	}
	kept, dropped := data.DropEmpty(examples)
	if len(kept) == 0 {
		return nil, dropped, fmt.Errorf("no messages with words to evaluate (%d empty)", dropped)
	}
	idx := make([]int, len(kept))
	for i := range idx {
		idx[i] = i
	}
	d, err := data.NewDataset(kept, idx, c.Vocab, c.Model.Cfg.SeqLen)
	if err != nil {
		return nil, dropped, err
	}
	r, err := c.evaluator().Evaluate(Dataset{d}, 256)
	return r, dropped, err
}

// Prediction is the verdict on one message. A message with no words after
// cleaning (Empty: Words is 0) gets Label "empty" and no probability: Prob
// is 0, and the JSON's spam_probability is null.
//
// The JSON names the probability spam_probability whatever the model's
// labels (as benchmarks/pytorch/spamrnn_torch.py's output does): it is the
// probability of the positive class, Classifier.Labels.Positive.
type Prediction struct {
	Text  string `json:"text"`
	Label string `json:"label"` // the class (ham or spam for SMS), or "empty" for a message with no words
	// Prob is the probability of the positive class; 0 for an empty message.
	Prob    float64 `json:"spam_probability"`
	Words   int     `json:"words"`
	Unknown int     `json:"unknown_words"` // words not in the model's vocabulary
}

// Empty reports whether the message had no words to classify.
func (p Prediction) Empty() bool { return p.Words == 0 }

// MarshalJSON writes spam_probability as null for an empty message.
func (p Prediction) MarshalJSON() ([]byte, error) {
	var prob *float64
	if !p.Empty() {
		prob = &p.Prob
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the caller's encoder escapes, or not, as it is set
	err := enc.Encode(struct {
		Text    string   `json:"text"`
		Label   string   `json:"label"`
		Prob    *float64 `json:"spam_probability"`
		Words   int      `json:"words"`
		Unknown int      `json:"unknown_words"`
	}{p.Text, p.Label, prob, p.Words, p.Unknown})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// DefaultThreshold is the probability of the positive class from which
// Predict labels a message positive, and the one train.EvalResult.Accuracy
// is measured at.
const DefaultThreshold = 0.5

// IsPositive is the decision rule of Predict and PredictAt: a message whose
// probability of the positive class is p is labelled positive at threshold
// when p >= threshold. A probability equal to the threshold is positive, as
// the accuracy of training and evaluation (train.EvalResult.Accuracy)
// counts it at 0.5; the model's float32 sigmoid makes such ties possible.
// scikit-learn's LogisticRegression.predict, which compares the decision
// function with 0, calls p == 0.5 negative instead.
func IsPositive(p, threshold float64) bool { return p >= threshold }

// CheckThreshold reports why threshold cannot be a decision threshold: it
// must be a probability strictly between 0 and 1 (at 0 every message would
// be positive, and NaN would make every message negative).
func CheckThreshold(threshold float64) error {
	if !(threshold > 0 && threshold < 1) {
		return fmt.Errorf("spam: threshold %v: want a probability strictly between 0 and 1", threshold)
	}
	return nil
}

// Predict scores raw messages, labelling a message positive when its
// probability is at least DefaultThreshold (PredictAt). A message with no
// words after cleaning gets Label "empty" and no probability (see
// Prediction) rather than a guess.
func (c *Classifier) Predict(texts []string) ([]Prediction, error) {
	return c.PredictAt(texts, DefaultThreshold)
}

// PredictAt is Predict with another decision threshold: a message is
// labelled positive when IsPositive(its probability, threshold). The
// probabilities do not depend on the threshold. A threshold that
// CheckThreshold refuses is an error, before any scoring.
func (c *Classifier) PredictAt(texts []string, threshold float64) ([]Prediction, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := CheckThreshold(threshold); err != nil {
		return nil, err
	}
	out := make([]Prediction, len(texts))
	var ex []data.Example
	var where []int
	for i, t := range texts {
		out[i].Text = t
		toks := data.Tokens(t)
		out[i].Words = len(toks)
		if len(toks) == 0 {
			out[i].Label = "empty"
			continue
		}
		for _, w := range toks {
			if c.Vocab.Index(w) == data.UnkID {
				out[i].Unknown++
			}
		}
		ex = append(ex, data.Example{Text: t, Line: i + 1})
		where = append(where, i)
	}
	if len(ex) == 0 {
		return out, nil
	}
	r, _, err := c.Evaluate(ex)
	if err != nil {
		return nil, err
	}
	for k, i := range where {
		out[i].Prob = r.Probs[k]
		out[i].Label = c.Labels.Negative
		if IsPositive(r.Probs[k], threshold) {
			out[i].Label = c.Labels.Positive
		}
	}
	return out, nil
}

// fileMeta is the JSON part of a model file.
type fileMeta struct {
	Config        Config      `json:"config"`
	Vocab         *data.Vocab `json:"vocab"`
	Labels        *Labels     `json:"labels,omitempty"` // absent in files from before --positive: ham/spam
	Preprocessing string      `json:"preprocessing"`
	Train         TrainInfo   `json:"train"`
}

const preprocessing = "lower-case; remove ASCII punctuation; split on white space; " +
	"index 0 padding, 1 unknown; keep the first seq_len tokens; pad on the left"

// Save writes the classifier to path atomically.
func (c *Classifier) Save(path string) error {
	if err := c.check(); err != nil {
		return err
	}
	labels := c.Labels
	if labels == (Labels{}) {
		labels = SMSLabels
	}
	meta := fileMeta{Config: c.Model.Cfg, Vocab: c.Vocab, Labels: &labels, Preprocessing: preprocessing, Train: c.Info}
	var ts []checkpoint.Tensor
	for _, p := range c.Model.Params() {
		ts = append(ts, checkpoint.Tensor{Name: p.Name, Buf: p.Value})
	}
	return checkpoint.Save(path, FileKind, meta, ts)
}

// Load reads a classifier saved by Save. A file of another kind is refused
// with an error matching checkpoint.ErrKind; a training state (the file
// Options.StateFile names, easily taken for the model beside it) is said
// to be one.
func Load(path string) (*Classifier, error) {
	f, err := checkpoint.Load(path, FileKind)
	if err != nil {
		if kind, kerr := checkpoint.Kind(path); errors.Is(err, checkpoint.ErrKind) && kerr == nil && kind == train.StateKind {
			return nil, fmt.Errorf("model file %s: %w: it holds a training state (LoadRun reads it, to resume its run), not a model",
				path, checkpoint.ErrKind)
		}
		return nil, err
	}
	var meta fileMeta
	if err := f.DecodeMeta(&meta); err != nil {
		return nil, err
	}
	vocab := meta.Vocab
	if vocab == nil {
		return nil, fmt.Errorf("model file %s: no vocabulary", path)
	}
	if vocab.Size() != meta.Config.Vocab {
		return nil, fmt.Errorf("model file %s: vocabulary has %d words, config says %d", path, vocab.Size(), meta.Config.Vocab)
	}
	if err := meta.Config.Validate(); err != nil {
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	// The file holds every parameter: a config that needs more is wrong,
	// and is said before the model is built (which it could make take
	// more memory than the machine has). Files from before the LSTM's
	// second bias hold one bias vector less per layer.
	held := 0
	for _, t := range f.Tensors {
		held += t.Buf.Len()
	}
	need := meta.Config.paramBound()
	if cfg := meta.Config.WithDefaults(); cfg.Cell == "lstm" {
		need -= cfg.Layers * 4 * cfg.Hidden
	}
	if need > held {
		return nil, fmt.Errorf("model file %s: its config describes %s, %s parameters at least, but the file holds %s numbers",
			path, meta.Config.describe(), groupDigits(need), groupDigits(held))
	}
	m, err := NewModel(meta.Config, 1)
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	note := ""
	if m.Cfg.Cell == "lstm" && len(checkpoint.MigrateLSTMBiases(f)) > 0 {
		note = fmt.Sprintf("model file %s was saved before the LSTM kept PyTorch's two biases per layer; "+
			"it was converted on load (bias_ih = its bias, bias_hh = 0) and predicts exactly as before", path)
	}
	if err := checkpoint.Restore(f, m.Params()); err != nil {
		return nil, err
	}
	for _, p := range m.Params() {
		if err := p.CheckFinite(); err != nil {
			return nil, fmt.Errorf("model file %s: %w", path, err)
		}
	}
	labels := SMSLabels
	if meta.Labels != nil {
		labels = *meta.Labels
		if err := labels.check(); err != nil {
			return nil, fmt.Errorf("model file %s: %w", path, err)
		}
	}
	return &Classifier{Model: m, Vocab: vocab, Labels: labels, Info: meta.Train, LoadNote: note}, nil
}

// Summary describes the model in one line ("no model" for the zero value).
func (c *Classifier) Summary() string {
	if c == nil || c.Model == nil {
		return "no model"
	}
	cfg := c.Model.Cfg
	n := 0
	for _, p := range c.Model.Params() {
		n += p.Value.Len()
	}
	// Dropout acts between recurrent layers: one layer has none.
	var notes []string
	if cfg.Layers > 1 {
		notes = append(notes, fmt.Sprintf("dropout %g", cfg.Dropout))
	}
	if cfg.Packed {
		notes = append(notes, "packed: each message from its first word")
	}
	bi := ""
	if cfg.Bidirectional {
		bi = "bidirectional "
	}
	enc := fmt.Sprintf("%d×%s%s %d", cfg.Layers, bi, strings.ToUpper(cfg.Cell), cfg.Hidden)
	if len(notes) > 0 {
		enc += " (" + strings.Join(notes, "; ") + ")"
	}
	if cfg.Cell == "cnn" {
		ws := make([]string, len(cfg.Widths))
		for i, w := range cfg.Widths {
			ws[i] = fmt.Sprint(w)
		}
		enc = fmt.Sprintf("text CNN (widths %s, %d channels each, ReLU, max over time; dropout %g)",
			strings.Join(ws, ","), cfg.Channels, cfg.Dropout)
	}
	emb := ""
	if cfg.Padding == PaddingLearned {
		emb = " (padding row learned)"
	}
	return fmt.Sprintf("embedding %d×%d%s → %s → dense → sigmoid; %s parameters; sequence length %d",
		cfg.Vocab, cfg.Embed, emb, enc, groupDigits(n), cfg.SeqLen)
}

func groupDigits(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
