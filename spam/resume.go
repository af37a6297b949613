package spam

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/train"
)

// Run is a training run as its state file records it (LoadRun): the
// options it was started with, the source and labels of its data, the
// vocabulary of its training split, the caller's notes, and the training
// state (train.State) to resume it from. Pass it as Options.Resume, with
// the run's Options (Run.Options, changed only where a run may change).
type Run struct {
	// Options are the run's settings; Progress, Device, OnBest,
	// MaxBytes, StateFile and Resume are left zero.
	Options Options
	Labels  Labels
	Source  string      // the data's source, as the load report named it
	Vocab   *data.Vocab // the training split's vocabulary
	// Extra is what the caller stored with the state (Options.StateExtra):
	// spamrnn keeps its data and output flags there.
	Extra json.RawMessage
	// State is the training state: where the run stands (nil from
	// PeekRun).
	State *train.State
}

// runMeta is the metadata spam stores in a state file.
type runMeta struct {
	Kind      string          `json:"kind"` // FileKind: a spam run
	Model     Config          `json:"config"`
	Epochs    int             `json:"epochs"`
	BatchSize int             `json:"batch_size"`
	LR        float64         `json:"lr"`
	Clip      float64         `json:"clip"`
	Seed      uint64          `json:"seed"`
	Patience  int             `json:"patience"`
	Bucket    int             `json:"bucket"`
	Select    string          `json:"select"`
	MaxVocab  int             `json:"max_vocab"`
	TrainFrac float64         `json:"train_frac"`
	ValFrac   float64         `json:"val_frac"`
	Labels    Labels          `json:"labels"`
	Source    string          `json:"source"`
	Vocab     *data.Vocab     `json:"vocab"`
	Extra     json.RawMessage `json:"extra,omitempty"`
}

func newRunMeta(o Options, cfg Config, labels Labels, source string, vocab *data.Vocab) runMeta {
	return runMeta{Kind: FileKind, Model: cfg, Epochs: o.Epochs, BatchSize: o.BatchSize, LR: o.LR, Clip: o.Clip, Seed: o.Seed,
		Patience: o.Patience, Bucket: o.Bucket, Select: o.Select.String(), MaxVocab: o.MaxVocab, TrainFrac: o.TrainFrac,
		ValFrac: o.ValFrac, Labels: labels, Source: source, Vocab: vocab, Extra: o.StateExtra}
}

// LoadRun reads the state file of a spam training run (Options.StateFile),
// verifying all of it. A truncated, corrupt or foreign file is refused with
// an error naming it.
func LoadRun(path string) (*Run, error) {
	st, err := train.LoadState(path)
	if err != nil {
		return nil, err
	}
	m, err := runMetaOf(path, st.DecodeMeta)
	if err != nil {
		return nil, err
	}
	if !st.FromFit() {
		return nil, fmt.Errorf("training state file %s: a trainer's state without the run's position", path)
	}
	r, err := m.run(path)
	if err != nil {
		return nil, err
	}
	r.State = st
	return r, nil
}

// PeekRun reads what the state file of a spam training run records about
// the run (its Options, Labels, Source, Vocab and Extra) from the file's
// header and metadata alone: the weights and optimizer moments, most of a
// state file, are neither read nor verified, and State is nil. It tells
// what a file given in the wrong place is at a cost that does not grow
// with the model; LoadRun reads the whole file to resume it.
func PeekRun(path string) (*Run, error) {
	h, err := train.PeekState(path)
	if err != nil {
		return nil, err
	}
	m, err := runMetaOf(path, h.DecodeMeta)
	if err != nil {
		return nil, err
	}
	return m.run(path)
}

// runMetaOf is spam's metadata of the state file at path, decoded with
// decode (a train.State's or train.StateHeader's DecodeMeta); the state
// of a run that is not spam's is refused, saying what its metadata lacks.
func runMetaOf(path string, decode func(any) error) (*runMeta, error) {
	var m runMeta
	err := decode(&m)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w (not the state of a spam model's training)", err)
	case m.Kind != FileKind:
		return nil, fmt.Errorf("training state file %s: not the state of a spam model's training: its metadata's kind is %q, not %q", path, m.Kind, FileKind)
	case m.Vocab == nil:
		return nil, fmt.Errorf("training state file %s: not the state of a spam model's training: its metadata has no vocabulary", path)
	}
	return &m, nil
}

// run is the Run that m, the metadata of the state file at path, records,
// without its State.
func (m *runMeta) run(path string) (*Run, error) {
	sel, err := train.ParseSelect(m.Select)
	if err != nil {
		return nil, fmt.Errorf("training state file %s: %w", path, err)
	}
	if m.Model.Vocab != m.Vocab.Size() {
		return nil, fmt.Errorf("training state file %s: the vocabulary has %d words, the model %d", path, m.Vocab.Size(), m.Model.Vocab)
	}
	o := Options{Model: m.Model, Epochs: m.Epochs, BatchSize: m.BatchSize, LR: m.LR, Clip: m.Clip, Seed: m.Seed,
		Patience: m.Patience, Bucket: m.Bucket, Select: sel, MaxVocab: m.MaxVocab, TrainFrac: m.TrainFrac, ValFrac: m.ValFrac,
		StateExtra: m.Extra}
	return &Run{Options: o, Labels: m.Labels, Source: m.Source, Vocab: m.Vocab, Extra: m.Extra}, nil
}

// RunDiff lists the settings of o that differ from the run's and would
// change what it computes (the model, its embedding's padding, batch
// size, learning rate, clipping, seed, selection, bucketing, vocabulary
// limit and split), each as "name value (the run's: value)"; none when o
// may continue the run.
// Epochs, Patience and the outputs may differ.
func (r *Run) RunDiff(o Options) []string {
	o.defaults()
	w := r.Options
	var diffs []string
	add := func(name string, have, want any) {
		if fmt.Sprint(have) != fmt.Sprint(want) {
			diffs = append(diffs, fmt.Sprintf("%s %v (the run's: %v)", name, have, want))
		}
	}
	have, want := o.Model.WithDefaults(), w.Model.WithDefaults()
	add("cell", have.Cell, want.Cell)
	add("sequence length", have.SeqLen, want.SeqLen)
	add("embedding size", have.Embed, want.Embed)
	add("hidden size", have.Hidden, want.Hidden)
	add("layers", have.Layers, want.Layers)
	add("filter widths", have.Widths, want.Widths)
	add("channels", have.Channels, want.Channels)
	add("dropout", have.Dropout, want.Dropout)
	add("packed", have.Packed, want.Packed)
	add("bidirectional", have.Bidirectional, want.Bidirectional)
	add("embedding padding", have.Padding, want.Padding)
	add("batch size", o.BatchSize, w.BatchSize)
	add("learning rate", o.LR, w.LR)
	add("gradient clip", o.Clip, w.Clip)
	add("seed", o.Seed, w.Seed)
	add("selection by validation", o.Select, w.Select)
	if want.Packed {
		add("bucketing chunk", o.Bucket, w.Bucket)
	}
	add("vocabulary limit", o.MaxVocab, w.MaxVocab)
	add("split", [2]float64{o.TrainFrac, o.ValFrac}, [2]float64{w.TrainFrac, w.ValFrac})
	return diffs
}

// checkResume refuses to resume r with options o on data whose labels and
// training vocabulary are labels and vocab.
func (r *Run) checkResume(o Options, labels Labels, vocab *data.Vocab) error {
	where := "training state file " + r.State.Path
	if d := r.RunDiff(o); len(d) > 0 {
		return fmt.Errorf("resuming from %s: %w: %s", where, train.ErrStateMismatch, strings.Join(d, ", "))
	}
	if labels != r.Labels {
		return fmt.Errorf("resuming from %s: %w: the data's labels are %q and %q, the run's %q and %q",
			where, train.ErrStateMismatch, labels.Negative, labels.Positive, r.Labels.Negative, r.Labels.Positive)
	}
	if !slices.Equal(vocab.Words(), r.Vocab.Words()) {
		return fmt.Errorf("resuming from %s: %w: other data: the vocabulary of its training split (%d words) is not the run's (%d words)",
			where, train.ErrStateMismatch, vocab.Size(), r.Vocab.Size())
	}
	return nil
}
