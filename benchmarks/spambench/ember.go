package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

// Training settings of the reference notebook, which the PyTorch script
// hard-codes too.
const (
	learningRate = 1e-3
	clipNorm     = 5.0
	trainFrac    = 0.7
	valFrac      = 0.15
)

// batchOrderSalt derives the batch-order seed from --seed, so the order is
// not the same permutation stream that chose the split.
const batchOrderSalt = 0x62617463686573 // "batches"

// DataInfo describes the data both engines trained on.
type DataInfo struct {
	Name         string `json:"name"`   // "SMS Spam Collection" or the demo corpus
	Source       string `json:"source"` // file path or embedded-corpus label
	Demo         bool   `json:"demo"`
	Format       string `json:"format"`
	Rows         int    `json:"rows"` // loaded
	Skipped      int    `json:"skipped"`
	DroppedEmpty int    `json:"dropped_empty"`
	Train        int    `json:"train"`
	Val          int    `json:"val"`
	Test         int    `json:"test"`
	TrainSpam    int    `json:"train_spam"`
	Vocab        int    `json:"vocab"`
}

// prepared is the data, encoded once and shared by every run.
type prepared struct {
	info     DataInfo
	examples []data.Example // as loaded, for the PyTorch script's copy
	train    spam.Dataset
	cfg      spam.Config
	note     string // said to the reader when the demo corpus stands in
}

// loadData reads --data, or the shared SMS Spam Collection, or falls back
// to the embedded demo corpus when the shared data is not there; seed
// chooses the split, as spam.Train's does; cell is the model's encoder and
// bidirectional its recurrent layers' directions.
func loadData(path string, seed uint64, cell string, bidirectional bool) (*prepared, error) {
	p := &prepared{}
	var rep data.LoadReport
	var err error
	switch {
	case path != "":
		p.examples, rep, err = data.LoadSMSFile(path, data.FormatAuto)
		p.info.Name = "SMS data from --data"
	default:
		shared, perr := shareddata.Path("sms_spam", "SMSSpamCollection")
		if perr == nil {
			p.examples, rep, err = data.LoadSMSFile(shared, data.FormatAuto)
			p.info.Name = "SMS Spam Collection"
			break
		}
		p.examples, rep, err = data.DemoCorpus()
		p.info.Name, p.info.Demo = "demo corpus", true
		p.note = fmt.Sprintf("the SMS Spam Collection was not found (%v); using the %s. "+
			"Speeds are close to the real data's (only the vocabulary, so the embedding table, is smaller); losses are not comparable", perr, data.DemoDescription)
	}
	if err != nil {
		return nil, err
	}
	p.info.Source, p.info.Format = rep.Source, rep.Format.String()
	p.info.Rows, p.info.Skipped = rep.Loaded, rep.Skipped

	// The same preprocessing as spam.Train, so the timed model is the
	// trained one.
	kept, dropped := data.DropEmpty(p.examples)
	p.info.DroppedEmpty = dropped
	trIdx, vaIdx, teIdx, err := data.Split(len(kept), trainFrac, valFrac, int64(seed))
	if err != nil {
		return nil, err
	}
	p.info.Train, p.info.Val, p.info.Test = len(trIdx), len(vaIdx), len(teIdx)
	toks, err := data.TokenLists(kept, trIdx)
	if err != nil {
		return nil, err
	}
	vocab := data.BuildVocab(toks, 0, 1)
	p.cfg = spam.DefaultConfig()
	p.cfg.Cell = cell
	p.cfg.Bidirectional = bidirectional
	p.cfg.Vocab = vocab.Size()
	p.cfg = p.cfg.WithDefaults()
	p.info.Vocab = vocab.Size()
	ds, err := data.NewDataset(kept, trIdx, vocab, p.cfg.SeqLen)
	if err != nil {
		return nil, err
	}
	p.train = spam.Dataset{Dataset: ds}
	p.info.TrainSpam = ds.Spam()
	return p, nil
}

// flopsPerStep counts one training step analytically, as the PyTorch
// script does: per sample, each recurrent layer's input and recurrent
// products into its gates (4 for the LSTM, 3 for the GRU),
// 2·(in+H)·gates·H per step and direction (two when bidirectional, when
// the next layer's input and the dense layer's are 2·H wide), over T
// steps, or for the text CNN each
// filter width w's 2·(T−w+1)·channels·in·w, plus the dense layer, all times
// 3 (forward, backward to inputs, backward to weights).
func flopsPerStep(cfg spam.Config, batch int) float64 {
	return flopsPerStepAt(cfg, batch, float64(cfg.SeqLen))
}

// flopsPerStepAt is flopsPerStep with the recurrent products counted over
// steps time steps per message (a packed run's mean tokens per message).
func flopsPerStepAt(cfg spam.Config, batch int, steps float64) float64 {
	cfg = cfg.WithDefaults()
	if cfg.Cell == "cnn" {
		conv := 0.0
		for _, w := range cfg.Widths {
			conv += 2 * float64((cfg.SeqLen-w+1)*cfg.Channels*cfg.Embed*w)
		}
		return 3 * float64(batch) * (conv + 2*float64(cfg.Channels*len(cfg.Widths)))
	}
	gates := 4.0
	if cfg.Cell == "gru" {
		gates = 3
	}
	dirs := 1
	if cfg.Bidirectional {
		dirs = 2
	}
	perStep := 0.0
	in := cfg.Embed
	for range cfg.Layers {
		perStep += float64(dirs) * 2 * float64(in+cfg.Hidden) * gates * float64(cfg.Hidden)
		in = dirs * cfg.Hidden
	}
	fwd := float64(batch) * (steps*perStep + 2*float64(dirs*cfg.Hidden))
	return 3 * fwd
}

// timing is what the warm-up and timed repeats of one engine produced.
type timing struct {
	ms, seqPerS, cpuUtil []float64
	finalLoss            float64
	meanLastRepeat       float64
}

// fill turns a timing into a result's figures.
func (t timing) fill(r *Result, flops float64) {
	r.OK = true
	r.MsRepeats, r.SeqPerSRepeats, r.CPUUtil = t.ms, t.seqPerS, t.cpuUtil
	r.MsPerStep, r.SeqPerS = median(t.ms), median(t.seqPerS)
	r.MsPerStepMin, r.MsPerStepMax = minOf(t.ms), maxOf(t.ms)
	r.FinalLoss = ptr(t.finalLoss)
	r.MeanLossLastRepeat = ptr(t.meanLastRepeat)
	r.FlopsPerStep = flops
	r.GFlopsPerS = flops / (r.MsPerStep / 1000) / 1e9
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// benchEmberModes times this engine's training step at one batch size on
// dev (the CPU, or a CUDA device: the whole step then runs there), in each
// of modes (false: padded; true: packed, the packed model on
// length-bucketed batches: warm-up steps from one epoch, then each repeat
// the first --packed-steps batches (0: all) of a new epoch). A failure is
// recorded in its result rather than returned, so the other batch sizes
// and engines still run; only cancellation is returned.
//
// The modes run one after the other, or with --interleave their repeats
// in turn (padded
// repeat 1, packed repeat 1, padded repeat 2, …), both trainers set up and
// warmed first, so that a host that drifts during the run weighs on both
// modes alike. It returns a result per mode; only cancellation is an error.
func benchEmberModes(ctx context.Context, p *prepared, batch int, o options, log io.Writer, dev train.Device, modes []bool) ([]Result, error) {
	var out []Result
	if !o.interleave || len(modes) < 2 {
		for _, packed := range modes {
			run, err := newEmberRun(ctx, p, batch, o, log, dev, packed)
			if err == nil && run.failed == nil {
				for rep := 0; rep < o.repeats && err == nil && run.failed == nil; rep++ {
					err = run.repeat(ctx, rep)
				}
			}
			if err != nil {
				run.close()
				return out, err
			}
			r, err := run.finish(ctx)
			run.close()
			if err != nil {
				return out, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	runs := make([]*emberRun, len(modes))
	defer func() {
		for _, run := range runs {
			run.close()
		}
	}()
	for k, packed := range modes {
		run, err := newEmberRun(ctx, p, batch, o, log, dev, packed)
		if err != nil {
			return out, err
		}
		runs[k] = run
	}
	for rep := range o.repeats {
		for _, run := range runs {
			if run.failed != nil {
				continue
			}
			if err := run.repeat(ctx, rep); err != nil {
				return out, err
			}
		}
	}
	// Every run reports before any trainer closes, so that each one's
	// device memory counts both.
	for _, run := range runs {
		r, err := run.finish(ctx)
		if err != nil {
			return out, err
		}
		r.Interleaved = true
		if r.PeakHostScope != "" && runs[0].r.PeakHostScope == "process" {
			r.PeakHostScope = "process" // the padded run's reset, which both share, failed
		}
		out = append(out, r)
	}
	return out, nil
}

// emberRun is one mode's measurement at one batch size: set up and warmed
// by newEmberRun, timed a repeat at a time, reported by finish.
type emberRun struct {
	r      Result
	label  string
	log    io.Writer
	o      options
	packed bool
	batch  int
	cfg    spam.Config
	dev    train.Device
	tr     *train.Trainer
	// failed is the failure the result records (the run goes no further).
	failed error

	order   []int
	next    int
	nb      int
	steps   int
	bucket  *train.Bucket
	lengths []int
	tokens  int
	step    int
	d       train.Data
	t       timing
}

func (e *emberRun) fail(err error) {
	e.r.Error = err.Error()
	e.failed = err
	fmt.Fprintf(e.log, "%s: failed: %v\n", e.label, err)
}

func (e *emberRun) close() {
	if e != nil && e.tr != nil {
		e.tr.Close()
		e.tr = nil
	}
}

// batchIdx is the next batch: real training rows in one seeded shuffled
// order (the same for every device), cycled when the run needs more
// batches than the split has, as the PyTorch script cycles its own.
func (e *emberRun) batchIdx() []int {
	k := e.next % e.nb
	e.next++
	return e.order[k*e.batch : (k+1)*e.batch]
}

func (e *emberRun) doStep(ctx context.Context) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	e.step++
	loss, _, err := e.tr.Step(e.d, e.batchIdx())
	if err != nil {
		return 0, fmt.Errorf("step %d: %w", e.step, err)
	}
	return loss, nil
}

// newEmberRun sets up the trainer and runs the warm-up steps. A failure
// is recorded in the run (failed); only cancellation is returned.
func newEmberRun(ctx context.Context, p *prepared, batch int, o options, log io.Writer, dev train.Device, packed bool) (*emberRun, error) {
	devName := "cpu"
	switch {
	case dev.Graphs():
		devName = "cuda"
	case dev.IsCUDA():
		devName = "cuda-nograph"
	}
	e := &emberRun{log: log, o: o, packed: packed, batch: batch, d: p.train, cfg: p.cfg, dev: dev,
		r: Result{Engine: "ember", Device: devName, Batch: batch, Mode: modeName(packed), FlopsPerStep: flopsPerStep(p.cfg, batch)}}
	e.label = fmt.Sprintf("ember %s batch %d", devName, batch)
	if packed {
		e.label += " packed"
	}
	n := p.train.Len()
	e.nb = n / batch
	if e.nb == 0 {
		e.fail(fmt.Errorf("the training split has %d rows, fewer than one batch of %d", n, batch))
		return e, nil
	}
	e.order = data.Permutation(n, int64(o.seed^batchOrderSalt))
	e.steps = o.steps
	e.lengths = p.train.SeqLengths()
	if packed {
		var err error
		if e.bucket, err = train.NewBucket(e.lengths, batch, o.bucket, o.seed^batchOrderSalt); err != nil {
			e.fail(err)
			return e, nil
		}
		e.steps = e.nb
		if o.packedSteps > 0 {
			e.steps = min(o.packedSteps, e.nb)
		}
		// A new epoch's order for the warm-up and for each repeat.
		e.order = e.bucket.Epoch()
	}

	// Start each batch size from the memory the process really needs, so
	// its peak is its own (with --interleave, both modes' together).
	runtime.GC()
	debug.FreeOSMemory()
	e.r.PeakHostScope = "batch"
	if o.interleave && o.packed {
		e.r.PeakHostScope = "batch, both modes"
	}
	// With --interleave the padded trainer stays alive beside the packed
	// one: the padded run's reset starts the peak of both.
	if !(o.interleave && packed) {
		if err := resetPeakRSS(); err != nil {
			e.r.PeakHostScope = "process"
		}
	}

	cfg := p.cfg
	cfg.Packed = packed
	model, err := spam.NewModel(cfg, o.seed)
	if err != nil {
		e.fail(err)
		return e, nil
	}
	e.tr, err = train.NewTrainer(model, train.Config{
		BatchSize: batch, ClipNorm: clipNorm, Optimizer: optim.NewAdam(learningRate), Seed: o.seed, Device: dev,
	})
	if err != nil {
		e.fail(err)
		return e, nil
	}
	t0 := time.Now()
	for range o.warmup {
		if _, err := e.doStep(ctx); err != nil {
			if ctx.Err() != nil {
				e.close()
				return e, ctx.Err()
			}
			e.fail(err)
			return e, nil
		}
	}
	if o.warmup > 0 {
		fmt.Fprintf(log, "%s: %d warm-up steps in %.1f s\n", e.label, o.warmup, time.Since(t0).Seconds())
	}
	return e, nil
}

// repeat times the run's rep-th repeat of steps.
func (e *emberRun) repeat(ctx context.Context, rep int) error {
	if e.packed {
		e.order, e.next, e.tokens = e.bucket.Epoch(), 0, 0
		for _, i := range e.order[:e.steps*e.batch] {
			e.tokens += e.lengths[i]
		}
	}
	var sum float64
	cpu0, w0 := processCPU(), time.Now()
	for range e.steps {
		loss, err := e.doStep(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			e.fail(err)
			return nil
		}
		sum += loss
		e.t.finalLoss = loss
	}
	wall := time.Since(w0)
	t := &e.t
	t.ms = append(t.ms, float64(wall.Microseconds())/1000/float64(e.steps))
	t.seqPerS = append(t.seqPerS, float64(e.batch*e.steps)/wall.Seconds())
	if c := processCPU() - cpu0; c > 0 {
		t.cpuUtil = append(t.cpuUtil, c.Seconds()/wall.Seconds())
	}
	t.meanLastRepeat = sum / float64(e.steps)
	fmt.Fprintf(e.log, "%s: repeat %d/%d: %.1f ms/step, %.1f seq/s, loss %.4f\n",
		e.label, rep+1, e.o.repeats, t.ms[rep], t.seqPerS[rep], t.finalLoss)
	return nil
}

// finish fills the result (and with --profile, profiles more steps); the
// caller closes the trainer. Only cancellation is returned.
func (e *emberRun) finish(ctx context.Context) (Result, error) {
	r := e.r
	if e.failed != nil {
		return r, nil
	}
	r.StepsPerRepeat = e.steps
	if e.packed {
		// The products a packed step computes: at the mean tokens per
		// message of the last repeat rather than at the sequence length.
		r.MeanTokens = float64(e.tokens) / float64(e.steps*e.batch)
		r.FlopsPerStep = flopsPerStepAt(e.cfg, e.batch, r.MeanTokens)
	}
	e.t.fill(&r, r.FlopsPerStep)
	if dev := e.dev; dev.IsCUDA() {
		// Device memory in use with the trainer's arena still allocated
		// (all processes on the device; the GPU is assumed otherwise idle).
		if free, total, err := dev.Context().MemInfo(); err == nil {
			r.PeakDeviceMB = ptr(float64(total-free) / (1 << 20))
		}
	}
	if peak, ok := peakRSS(); ok {
		r.PeakHostMB = ptr(float64(peak) / (1 << 20))
	} else {
		r.PeakHostScope = ""
	}
	if e.o.profile {
		// After the figures above, so that they are the same with or
		// without --profile; a failure here leaves them standing.
		p, err := profileSteps(e.tr, e.o.profileSteps, func() (float64, error) { return e.doStep(ctx) })
		if err != nil {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			p = &OpProfile{Error: err.Error()}
			fmt.Fprintf(e.log, "%s: profiling failed: %v\n", e.label, err)
		}
		r.Profile = p
		if p.Error == "" {
			fmt.Fprintf(e.log, "%s: %d profiled steps, %.1f ms/step\n", e.label, p.Steps, p.MsPerStep)
		}
	}
	return r, nil
}

// modeName is a result's Mode.
func modeName(packed bool) string {
	if packed {
		return "packed"
	}
	return "padded"
}
