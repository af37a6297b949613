// Package train fits models built from package layers: shuffled, seeded
// mini-batches, gradient clipping, an optimizer step, validation every
// epoch, the best weights kept, optional early stopping, and a live
// progress display.
//
// A training step (fill the batch, forward, backward, clip, update)
// allocates nothing once the programs are planned; BenchmarkStep shows it.
//
// # Mistakes: errors and panics
//
// Settings out of range (Config's fields, an Evaluate batch size), data
// Fit cannot use (none, or a target outside [0, 1]), a nil Model or
// parameter, parameters of another dtype than the graph's, a Net
// without a Loss or with a Target shaped unlike its Output: NewTrainer,
// Fit, Step and Evaluate return errors naming the field or parameter and
// the values. A graph wired with mismatched shapes inside a Model's Build
// (a Dense whose input size is not its input's, a loss of predictions and
// targets of different sizes) panics in graph.Use, as a bug in the model:
// see Model.
//
// # Stopping and resuming a run
//
// With Config.StateFile, Fit keeps the run's whole state in a file (see
// State), rewritten atomically at every epoch's end and when its context
// stops it: weights, the optimizer's moments, step count and settings, the
// dropout counters, the sampler's random state and the position in the
// epoch's order, the running figures, the best weights, the history, and a
// hash of the data. A later Fit given that state as Config.Resume, with
// the same model (made afresh the same way), data and settings, continues
// from the step where the run stopped and ends with the weights, bit for
// bit, and the figures of the run that was never stopped; anything else
// is refused (ErrStateMismatch) before it changes anything:
//
//	st, err := train.LoadState("run.state")
//	// ... make the model, data and optimizer as the run did ...
//	cfg.Resume, cfg.StateFile = st, "run.state"
//	res, err := train.Fit(ctx, model, trainSet, valSet, cfg)
//
// NewTrainer takes Config.Resume too, and Trainer.SaveState writes a
// trainer's own state, for loops of your own.
package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

// Net is what a model adds to a graph for one batch size B. NewTrainer,
// Fit and Evaluate check it and return an error for a Net without Loss,
// Output or Target, a nil input, or shapes other than these.
type Net struct {
	Inputs []*gorgonia.Node // data inputs, filled by Data.Fill in this order
	Target *gorgonia.Node   // targets, the same shape as Output
	Output *gorgonia.Node   // probabilities of the positive class, (B, 1) or (B)
	Loss   *gorgonia.Node   // scalar mean loss
}

// Model builds its computation for a batch size, in training or inference
// mode (g.Training), over parameters it owns.
//
// Params lists every parameter Build uses; they must have the dtype the
// graph is built in (Config.Dtype, or the Evaluator's), which NewTrainer,
// Fit and Evaluate check before they call Build, returning an error naming
// the parameter. Build wires layers together and returns their Net, or an
// error of its own. A graph wired with mismatched shapes or dtypes (a
// Dense whose input size is not its input's, a loss of predictions and
// targets of different sizes) panics in graph.Use, inside Build: that is a
// bug in the model, and NewTrainer, Fit and Evaluate let the panic through.
type Model interface {
	Params() []*graph.Param
	Build(g *graph.Graph, batch int) (*Net, error)
}

// buildNet builds m into g for batch examples and checks what it returns;
// dtypeFrom names the setting g's dtype comes from, for the errors.
func buildNet(m Model, g *graph.Graph, batch int, dtypeFrom string) (*Net, error) {
	if err := checkModel(m); err != nil {
		return nil, err
	}
	for _, p := range m.Params() {
		if p.Value.Dtype != g.Dtype {
			return nil, fmt.Errorf("train: parameter %s is %v, %s %v: make the model's layers in %[4]v, or set %[3]s to %[2]v",
				p.Name, p.Value.Dtype, dtypeFrom, g.Dtype)
		}
	}
	net, err := m.Build(g, batch)
	if err != nil {
		return nil, err
	}
	if err := net.check(batch); err != nil {
		return nil, fmt.Errorf("train: the model's Net for batch size %d: %w", batch, err)
	}
	return net, nil
}

// checkModel refuses a nil Model and a nil parameter in its Params (a
// layer the model forgot to make), which would otherwise be dereferenced.
func checkModel(m Model) error {
	if m == nil {
		return errors.New("train: nil Model")
	}
	for i, p := range m.Params() {
		if p == nil || p.Value == nil {
			return fmt.Errorf("train: the model's parameter %d (of Params) is nil or has no value", i)
		}
	}
	return nil
}

// check reports what in n is missing or shaped unlike Net's doc.
func (n *Net) check(batch int) error {
	switch {
	case n == nil:
		return errors.New("Build returned no Net and no error")
	case n.Loss == nil:
		return errors.New("no Loss")
	case n.Output == nil:
		return errors.New("no Output")
	case n.Target == nil:
		return errors.New("no Target")
	}
	for i, in := range n.Inputs {
		if in == nil {
			return fmt.Errorf("input %d is nil", i)
		}
	}
	out, target, loss := n.Output.Shape(), n.Target.Shape(), n.Loss.Shape()
	if loss.TotalSize() != 1 {
		return fmt.Errorf("Loss has shape %v, want a scalar", loss)
	}
	if !slices.Equal(out, tensor.Shape{batch}) && !slices.Equal(out, tensor.Shape{batch, 1}) {
		return fmt.Errorf("Output has shape %v, want (%d, 1) or (%d)", out, batch, batch)
	}
	if !slices.Equal(target, out) {
		return fmt.Errorf("Target has shape %v, Output %v: want the same", target, out)
	}
	return nil
}

// Data is an indexable set of examples for a binary classifier. Each
// example's target is its label, 0 or 1, or a probability between them (a
// soft label); Step, Gradients and Evaluate refuse a batch with a target
// outside [0, 1], naming the example.
type Data interface {
	Len() int
	// Fill writes examples idx into the input buffers and their labels into target.
	Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error
}

// Config sets up Fit and NewTrainer. Zero values mean the defaults noted;
// a value outside a field's range is refused with an error naming the field
// (NewTrainer and Fit check them all before planning anything).
type Config struct {
	// Epochs is the number of passes over the training data, at least 1
	// (0: 10).
	Epochs int
	// BatchSize is the number of examples per step, at least 1 (0: 10).
	BatchSize int
	// Seed seeds the default sampler's shuffling (0 is a seed like any
	// other).
	Seed uint64
	// KeepLast trains on the last, short batch of an epoch too (false:
	// drop it, like PyTorch's drop_last=True).
	KeepLast bool
	// Sampler orders the training examples of each epoch (nil: NewShuffle
	// of the training set with Seed). NewBucket groups sequences of
	// similar lengths for packed models.
	Sampler Sampler
	// ClipNorm is the global gradient-norm clip, at least 0 (0: no
	// clipping).
	ClipNorm float64
	// Patience stops the run after this many epochs without a better
	// selection metric, at least 0 (0: never stop early).
	Patience int
	// Select is the figure that picks the best epoch: SelectLoss (the
	// zero value) or SelectAccuracy. Fit measures it on the validation
	// data, or on the training figures when it has none (see Fit).
	Select Select
	// Optimizer updates the weights (nil: optim.NewAdam(1e-3)).
	Optimizer optim.Optimizer
	// Dtype is the float type the model computes in, tensor.Float32 or
	// tensor.Float64 (the zero Dtype: Float32). The model's parameters
	// must have this dtype: layers made with tensor.Float64 need Dtype
	// tensor.Float64 here.
	Dtype tensor.Dtype
	// Device is where the steps and the validation run: the zero value is
	// the CPU; CUDA(ctx) a CUDA device (a build with -tags embercuda, or
	// cudaemu for tests). On CUDA the parameters, their gradients and the
	// optimizer's state live in one device block that the training,
	// last-batch and validation programs share; the model's host
	// parameters are brought up to date where they are read (before
	// OnEpoch, before OnBest and the best-weights copy of an improved
	// epoch) and at the end of Fit. The CUDA executor runs float32, with
	// optim.Adam (and AdamW) or optim.SGD.
	Device Device

	// Progress receives a live bar on a terminal, plain lines otherwise; nil is silent.
	Progress io.Writer
	// OnBest is called after an epoch that improves the selection metric,
	// with the model's parameters holding that epoch's weights (save a
	// checkpoint here); nil: nothing is called. An error stops Fit with it.
	OnBest func(epoch int, s EpochStats) error
	// OnEpoch is called after every epoch's validation, with that epoch's
	// weights in the model (for logging or extra evaluation); nil: nothing
	// is called. An error stops Fit with it.
	OnEpoch func(epoch int, s EpochStats) error

	// StateFile, when set, is where Fit writes the run's training state
	// (see State), atomically, at the end of every epoch (after OnEpoch
	// and OnBest) and when ctx stops the run, so that a run stopped by a
	// signal or a lost machine can continue (Resume). A non-finite loss
	// leaves the file as the last epoch's end wrote it. "": no state is
	// written.
	StateFile string
	// StateMeta is stored with the state as JSON, for the caller
	// (State.DecodeMeta): how to rebuild the model and its data (nil:
	// none).
	StateMeta any
	// Resume continues the run whose state LoadState read (nil: a fresh
	// run from the model's current weights). NewTrainer
	// restores the weights, the optimizer's state and step count, and the
	// dropout counters; Fit also the sampler's position in the epoch
	// where the run stopped (mid-epoch included), the epoch's running
	// figures, the history, and the best weights so far and their epoch,
	// then trains on to Epochs. The resumed run ends, bit for bit, as the
	// run that wrote the state would have (on the same backend).
	//
	// A state of another run is refused (ErrStateMismatch) before anything
	// is changed: another model (parameter names, shapes, dtypes; dropout
	// seeds), BatchSize, Dtype, ClipNorm, optimizer (type, settings,
	// parameter groups, state slots), and for Fit another Seed, KeepLast, Select, sampler,
	// or training or validation data (their contents). Epochs (at least
	// the epoch the state is in), Patience, Progress, the callbacks,
	// StateFile and Device may differ from the run's.
	Resume *State
}

// EpochStats are one epoch's figures.
type EpochStats struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"` // mean loss over the epoch's steps
	TrainAcc  float64 `json:"train_accuracy"`
	// ValLoss and ValAcc are measured on the validation data after the
	// epoch; when Fit has none (Result.Validated false) they are copies
	// of TrainLoss and TrainAcc.
	ValLoss   float64 `json:"val_loss"`
	ValAcc    float64 `json:"val_accuracy"`
	Seconds   float64 `json:"seconds"`
	SeqPerSec float64 `json:"seq_per_s"`
}

// Result is what Fit did.
type Result struct {
	History   []EpochStats
	BestEpoch int // 1-based; 0 if no epoch finished
	// Best is the best epoch's figures, selected by Config.Select on
	// ValLoss or ValAcc: validation figures when Validated, otherwise
	// the training ones.
	Best EpochStats
	// Validated is true when Fit had validation data (a non-nil valData
	// with examples) to score every epoch and select the best one on;
	// false when the training figures stood in for it.
	Validated    bool
	TrainSeconds float64 // time in training steps and validation
	SeqPerSec    float64 // training sequences per second over all epochs (steps only)
	// Steps is the number of optimizer steps (batches trained on);
	// Examples the number of training examples those steps saw, an
	// example counting once per epoch it was trained in.
	Steps, Examples int
	Interrupted     bool // ctx was cancelled; the best weights so far are in the model
	StoppedEarly    bool // Config.Patience epochs passed without a better one
}

// Select names the validation figure that picks the best epoch.
type Select int

const (
	// SelectLoss keeps the epoch with the lowest validation loss.
	SelectLoss Select = iota
	// SelectAccuracy keeps the epoch with the highest validation accuracy,
	// the lower validation loss breaking ties.
	SelectAccuracy
)

func (s Select) String() string {
	if s == SelectAccuracy {
		return "accuracy"
	}
	return "loss"
}

// ParseSelect reads "loss" or "accuracy".
func ParseSelect(v string) (Select, error) {
	switch v {
	case "loss", "":
		return SelectLoss, nil
	case "accuracy", "acc":
		return SelectAccuracy, nil
	}
	return 0, fmt.Errorf("selection metric %q: want loss or accuracy", v)
}

// better reports whether s beats the best epoch so far under sel.
func (sel Select) better(s, best EpochStats, first bool) bool {
	if first {
		return true
	}
	if sel == SelectAccuracy && s.ValAcc != best.ValAcc {
		return s.ValAcc > best.ValAcc
	}
	return s.ValLoss < best.ValLoss
}

// Device selects the backend a Trainer or Evaluator runs on. The zero
// value is the CPU.
type Device struct {
	b        graph.Backend // nil: graph.CPU
	ctx      *cuda.Context
	noGraphs bool
}

// CPU is the CPU backend (the zero Device).
var CPU = Device{}

// CUDA runs on ctx's device (a build with -tags embercuda, or cudaemu for
// the emulator): package cudaexec's backend.
//
// A CUDA trainer runs its first step kernel by kernel, then captures the
// whole step (forward, backward, clipping, the optimizer's update) as a
// CUDA graph and replays it: one launch per step instead of hundreds,
// which is most of a small batch's step time. WithGraphs(false) keeps
// launching kernel by kernel (to measure the difference).
func CUDA(ctx *cuda.Context) Device { return Device{b: cudaexec.New(ctx), ctx: ctx} }

// On runs on backend b: graph.CPU, a cudaexec.Backend, or a backend of
// your own.
func On(b graph.Backend) Device {
	d := Device{b: b}
	if cb, ok := b.(*cudaexec.Backend); ok {
		d.ctx, d.noGraphs = cb.Context(), !cb.Graphs()
	}
	return d
}

// WithGraphs returns d with CUDA-graph replay of training steps on or off.
func (d Device) WithGraphs(on bool) Device {
	d.noGraphs = !on
	if cb, ok := d.b.(*cudaexec.Backend); ok {
		d.b = cb.WithGraphs(on)
	}
	return d
}

// Graphs reports whether a CUDA trainer on d replays its step as a CUDA graph.
func (d Device) Graphs() bool { return d.ctx != nil && !d.noGraphs }

// IsCUDA reports whether d is a CUDA device.
func (d Device) IsCUDA() bool { return d.ctx != nil }

// Context is d's CUDA context (nil for the CPU).
func (d Device) Context() *cuda.Context { return d.ctx }

// Backend is the backend d runs on.
func (d Device) Backend() graph.Backend {
	if d.b == nil {
		return graph.CPU
	}
	return d.b
}

func (d Device) String() string { return d.Backend().String() }

// ErrNonFinite reports a NaN or infinite loss or gradient norm.
var ErrNonFinite = errors.New("non-finite value")

// Trainer runs training steps for one model and batch size, on any
// backend: the model's parameters, their gradients and the optimizer's
// state live in the backend's store (graph.Store), which the trainer of a
// last short batch and the evaluator of a Fit share.
type Trainer struct {
	model    Model
	cfg      Config
	net      *Net
	store    graph.Store
	ownStore bool // Close frees it (a tail trainer borrows its owner's)
	exec     graph.Executable
	params   []*graph.Param
	inputs   []*graph.Buf
	target   *graph.Buf
	output   *graph.Buf
	loss     *graph.Buf
	norm     float64         // the last step's gradient norm (GradNorm)
	prof     stepTimes       // SetProfiling (profile.go)
	drops    []graph.Dropout // the program's dropout ops, for a state file
}

// The defaults of Config's zero values.
const (
	defaultEpochs    = 10
	defaultBatchSize = 10
)

// setUp fills c's zero values with their defaults and checks every field
// that has a range, naming the first one out of it.
func (c *Config) setUp() error {
	if c.Epochs == 0 {
		c.Epochs = defaultEpochs
	}
	if c.BatchSize == 0 {
		c.BatchSize = defaultBatchSize
	}
	if c.Dtype == (tensor.Dtype{}) {
		c.Dtype = tensor.Float32
	}
	if c.Optimizer == nil {
		c.Optimizer = optim.NewAdam(1e-3)
	}
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train: Config.Epochs %d, want at least 1 (0: %d)", c.Epochs, defaultEpochs)
	case c.BatchSize < 1:
		return fmt.Errorf("train: Config.BatchSize %d, want at least 1 (0: %d)", c.BatchSize, defaultBatchSize)
	case !(c.ClipNorm >= 0) || math.IsInf(c.ClipNorm, 1):
		return fmt.Errorf("train: Config.ClipNorm %v, want a finite norm at least 0 (0: no clipping)", c.ClipNorm)
	case c.Patience < 0:
		return fmt.Errorf("train: Config.Patience %d, want at least 0 (0: never stop early)", c.Patience)
	case c.Select != SelectLoss && c.Select != SelectAccuracy:
		return fmt.Errorf("train: Config.Select %d, want SelectLoss (%d) or SelectAccuracy (%d)", int(c.Select), int(SelectLoss), int(SelectAccuracy))
	}
	return checkDtype("Config.Dtype", c.Dtype)
}

// checkDtype checks that dt, set by the setting named what, is a float
// type a model can compute in.
func checkDtype(what string, dt tensor.Dtype) error {
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return fmt.Errorf("train: %s %v, want tensor.Float32 or tensor.Float64", what, dt)
	}
	return nil
}

// NewTrainer plans the training program for cfg.BatchSize on cfg.Device.
// With cfg.Resume it first restores the state's weights, optimizer state
// and dropout counters (see Config.Resume), or refuses a state of another
// model or setup, changing nothing.
func NewTrainer(m Model, cfg Config) (*Trainer, error) {
	return newTrainer(m, cfg, nil)
}

// newTrainer is NewTrainer; a non-nil share is a trainer of the same model
// whose store (parameters, gradients, optimizer state) the new one uses.
func newTrainer(m Model, cfg Config, share *Trainer) (*Trainer, error) {
	if err := cfg.setUp(); err != nil {
		return nil, err
	}
	b := cfg.Device.Backend()
	g, net, gradNodes, err := buildTraining(m, cfg.Dtype, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	params := g.Params()
	t := &Trainer{model: m, cfg: cfg, net: net, params: params}
	plan, err := graph.NewPlan([]*gorgonia.Node{net.Loss, net.Output}, gradNodes, g.Binds())
	if err != nil {
		return nil, err
	}
	for _, st := range plan.Forward {
		if d, ok := st.Op.(graph.Dropout); ok {
			t.drops = append(t.drops, d)
		}
	}
	if r := cfg.Resume; r != nil {
		// On the host, before the store takes the weights and the
		// optimizer's state to the device.
		if err := r.checkDropout(cfg.BatchSize, t.drops); err != nil {
			return nil, err
		}
		if share == nil {
			opt, err := r.checkTrainer(cfg, params)
			if err != nil {
				return nil, err
			}
			if err := r.restoreTrainer(params, opt); err != nil {
				return nil, err
			}
		}
		r.restoreDropout(cfg.BatchSize, t.drops)
	}
	if share != nil {
		if err := sameParams(share.params, params); err != nil {
			return nil, err
		}
		t.store = share.store
	} else {
		if t.store, err = b.NewStore(params, graph.Update{ClipNorm: cfg.ClipNorm, Optimizer: cfg.Optimizer}); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		t.ownStore = true
	}
	if t.exec, err = b.Compile(plan, t.store, gradNodes); err != nil {
		t.Close()
		return nil, err
	}
	for _, n := range net.Inputs {
		t.inputs = append(t.inputs, t.exec.Input(n))
	}
	t.target, t.output, t.loss = t.exec.Input(net.Target), t.exec.Output(net.Output), t.exec.Output(net.Loss)
	return t, nil
}

// sameParams checks that a trainer sharing another's store uses the same
// parameters in the same order.
func sameParams(have, want []*graph.Param) error {
	if len(have) != len(want) {
		return fmt.Errorf("train: the shared trainer has %d parameters, this one %d", len(have), len(want))
	}
	for i := range have {
		if have[i] != want[i] {
			return fmt.Errorf("train: parameter %d (%s) differs from the shared trainer's", i, want[i].Name)
		}
	}
	return nil
}

// buildTraining builds m for one batch size in training mode and
// differentiates its loss with respect to every parameter, for any executor.
func buildTraining(m Model, dt tensor.Dtype, batch int) (*graph.Graph, *Net, []*gorgonia.Node, error) {
	g := graph.New(dt, true)
	net, err := buildNet(m, g, batch, "Config.Dtype")
	if err != nil {
		return nil, nil, nil, err
	}
	gradNodes, err := g.Grad(net.Loss)
	if err != nil {
		return nil, nil, nil, err
	}
	return g, net, gradNodes, nil
}

// Step trains on the examples idx (exactly BatchSize of them, or an error)
// and returns the batch's mean loss and how many it classified correctly.
//
// The backend keeps the updated weights (on a device, in device memory):
// call SyncHost before reading the model's parameters, and SyncDevice
// after changing them. A step whose gradients are not finite is not
// applied and returns an error wrapping ErrNonFinite.
func (t *Trainer) Step(d Data, idx []int) (loss float64, correct int, err error) {
	if len(idx) != t.cfg.BatchSize {
		return 0, 0, t.batchError("Step", len(idx))
	}
	prof := t.prof.on
	var t0 time.Time
	if prof {
		t0 = time.Now()
	}
	if err := d.Fill(idx, t.inputs, t.target); err != nil {
		return 0, 0, err
	}
	if err := checkTargets(idx, t.target); err != nil {
		return 0, 0, err
	}
	if prof {
		t.prof.fill += time.Since(t0)
	}
	t.norm, err = t.exec.Step()
	if err != nil && !errors.Is(err, graph.ErrNonFiniteNorm) {
		return 0, 0, err
	}
	loss = t.loss.At(0)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, fmt.Errorf("loss is %v: %w", loss, ErrNonFinite)
	}
	if err != nil {
		return loss, 0, fmt.Errorf("%w: %w", ErrNonFinite, err)
	}
	if prof {
		t.prof.steps++
		t.prof.wall += time.Since(t0)
	}
	return loss, countCorrect(t.output, t.target), nil
}

// batchError is the error of a Step or Gradients given n examples for a
// program planned for BatchSize (kept out of their allocation-free path).
func (t *Trainer) batchError(method string, n int) error {
	return fmt.Errorf("train: Trainer.%s got %d examples, want the trainer's batch size %d (Config.BatchSize)", method, n, t.cfg.BatchSize)
}

// Outputs returns the model's outputs (probabilities of the positive class)
// for the examples of the last Step, in the order of its idx. The buffer is
// the trainer's own and is overwritten by the next Step; copy what you keep.
func (t *Trainer) Outputs() *graph.Buf { return t.output }

// SyncHost copies the backend's parameters (and the optimizer's state)
// into the model's host parameters (and the optimizer); on the CPU, where
// they are the same, it does nothing.
func (t *Trainer) SyncHost() error { return t.store.SyncHost() }

// SyncDevice copies the model's host parameters to the backend after they
// were changed on the host (e.g. restored); a no-op on the CPU.
func (t *Trainer) SyncDevice() error { return t.store.SyncDevice() }

// Close frees the trainer's device memory (nothing on the CPU). The
// trainer is unusable afterwards.
func (t *Trainer) Close() error {
	var errs []error
	if t.exec != nil {
		errs = append(errs, t.exec.Close())
		t.exec = nil
	}
	if t.ownStore && t.store != nil {
		errs = append(errs, t.store.Close())
		t.store = nil
	}
	return errors.Join(errs...)
}

// checkTargets refuses a target outside [0, 1], the examples of idx as
// Fill wrote them into target: Data is a binary classifier's, and a BCE
// loss of a target of 2 (labels 1 and 2, say) has no minimum to train
// towards. NaN is left to the loss, which reports it (ErrNonFinite).
func checkTargets(idx []int, target *graph.Buf) error {
	for k, i := range idx {
		if v := target.At(k); v < 0 || v > 1 {
			return targetError(i, v)
		}
	}
	return nil
}

// targetError is checkTargets' error (kept out of the allocation-free path).
func targetError(example int, v float64) error {
	return fmt.Errorf("train: example %d has target %v; Data is a binary classifier's: a target must be 0, 1 or a probability between them", example, v)
}

func countCorrect(out, target *graph.Buf) int {
	n := 0
	for i := 0; i < out.Len(); i++ {
		if (out.At(i) >= 0.5) == (target.At(i) >= 0.5) {
			n++
		}
	}
	return n
}

// Fit trains m on trainData, validating on valData after every epoch.
// On return the model holds the weights of the best epoch (cfg.Select).
// Cancelling ctx stops after the current step with Result.Interrupted set
// and no error; a non-finite loss stops with an error wrapping
// ErrNonFinite, the best weights restored. When no epoch finished
// (BestEpoch 0) the weights are not a trained model; a ctx cancelled
// before Fit starts returns at once, before any program is planned.
//
// A nil or empty valData trains without validation: each epoch's ValLoss
// and ValAcc are then its training figures, on which cfg.Select picks the
// best epoch and cfg.Patience stops (Result.Validated says which it was).
//
// Errors, before the first step: a Config field out of its range, a nil
// trainData, one with no examples or (without cfg.KeepLast) fewer than
// one batch, and a model whose parameters are not of cfg.Dtype or whose
// Net is incomplete or misshapen (see Model).
//
// With cfg.StateFile Fit saves the run's state at the end of every epoch
// and when ctx stops it; with cfg.Resume it continues a run from its state
// (see Config.Resume). The Result of a resumed run covers the whole run:
// History from the first epoch, and Steps, Examples, TrainSeconds and
// SeqPerSec over every part of it.
func Fit(ctx context.Context, m Model, trainData, valData Data, cfg Config) (*Result, error) {
	if err := cfg.setUp(); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return &Result{Interrupted: true}, nil
	}
	switch {
	case trainData == nil:
		return nil, errors.New("train: nil training data")
	case trainData.Len() == 0:
		return nil, errors.New("train: the training data has no examples")
	case trainData.Len() < cfg.BatchSize && !cfg.KeepLast:
		return nil, fmt.Errorf("train: %d training examples are fewer than one batch of %d (Config.BatchSize), and Config.KeepLast is off", trainData.Len(), cfg.BatchSize)
	}
	sampler := cfg.Sampler
	if sampler == nil {
		sampler = NewShuffle(trainData.Len(), cfg.Seed)
	} else if b, ok := sampler.(interface{ BatchSize() int }); ok && b.BatchSize() != cfg.BatchSize {
		return nil, fmt.Errorf("train: the sampler makes batches of %d, the batch size is %d", b.BatchSize(), cfg.BatchSize)
	}
	resume, saving := cfg.Resume, cfg.StateFile != ""
	var ids dataID
	if saving || resume != nil {
		var err error
		if ids, err = dataIdentity(m, cfg, trainData, valData); err != nil {
			return nil, err
		}
	}
	if resume != nil {
		// Everything is checked before the model, the optimizer or the
		// sampler is changed.
		if err := resume.checkFit(cfg, m.Params(), ids, sampler); err != nil {
			return nil, err
		}
	}
	tr, err := NewTrainer(m, cfg)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	var tail *Trainer // for a kept short last batch
	if rem := trainData.Len() % cfg.BatchSize; cfg.KeepLast && rem > 0 {
		c := cfg
		c.BatchSize = rem
		if tail, err = newTrainer(m, c, tr); err != nil {
			return nil, err
		}
		defer tail.Close()
	}
	// Validation runs over the trainer's store: the weights as they are on
	// the device, with no copy.
	ev := &Evaluator{model: m, dtype: cfg.Dtype, dev: cfg.Device, progs: map[int]*evalProg{}, store: tr.store}
	defer ev.Close()
	steps := trainData.Len() / cfg.BatchSize
	if tail != nil {
		steps++
	}
	validated := valData != nil && valData.Len() > 0
	bar := newProgress(cfg.Progress, cfg.Epochs, steps, validated)
	res := &Result{Validated: validated}
	best := snapshot(m.Params())
	var stepTime, before time.Duration // before: the resumed run's time so far
	var seen, stepsDone int            // examples and steps trained on over the whole run
	first := 1                         // the first epoch to train
	if resume != nil {
		res.History = slices.Clone(resume.History)
		res.BestEpoch = resume.BestEpoch
		if res.BestEpoch > 0 {
			res.Best = res.History[res.BestEpoch-1]
			resume.restoreBest(best, m.Params())
		}
		seen = resume.meta.Fit.Seen
		// Every complete epoch took the same steps (the sampler orders
		// all the examples, the batch size is the state's).
		stepsDone = resume.Epoch*steps + resume.Step
		stepTime = seconds(resume.sums.StepSeconds)
		before = seconds(resume.sums.TrainSeconds)
		first = resume.Epoch + 1
		// A run that stopped for lack of progress stays stopped, unless
		// the patience now allows more epochs.
		if resume.Step == 0 && cfg.Patience > 0 && resume.Epoch > 0 && resume.Epoch-resume.BestEpoch >= cfg.Patience {
			res.StoppedEarly = true
		}
	}
	start := time.Now()
	// save writes the run's state: complete epochs done, and steps of the
	// next epoch, whose order the sampler draws from samplerState.
	save := func(done, step int, samplerState []byte, lossSum float64, correct, n int, epochTime time.Duration) error {
		if err := tr.SyncHost(); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		var w stateWriter
		if err := w.addTrainer(tr); err != nil {
			return err
		}
		if tail != nil {
			w.addDropout(tail)
		}
		w.addFit(res, best, m.Params(), fitMeta{
			Epochs: cfg.Epochs, Seed: cfg.Seed, KeepLast: cfg.KeepLast, Select: cfg.Select.String(), Patience: cfg.Patience,
			Epoch: done, Step: step, Sampler: samplerState, Correct: correct, Count: n, Seen: seen,
			BestEpoch: res.BestEpoch, StoppedEarly: res.StoppedEarly, Interrupted: res.Interrupted, Data: ids,
		}, fitSums{LossSum: lossSum, EpochSeconds: epochTime.Seconds(), StepSeconds: stepTime.Seconds(),
			TrainSeconds: (before + time.Since(start)).Seconds()})
		if err := w.save(cfg.StateFile, cfg.StateMeta); err != nil {
			return fmt.Errorf("train: saving the training state: %w", err)
		}
		return nil
	}
	for epoch := first; epoch <= cfg.Epochs && !res.StoppedEarly; epoch++ {
		// The sampler's state before it draws this epoch's order: what a
		// state written in the middle of the epoch replays it from.
		var samplerState []byte
		if saving {
			if samplerState, err = sampler.MarshalBinary(); err != nil {
				return res, fmt.Errorf("train: the sampler's state: %w", err)
			}
		}
		order := sampler.Epoch()
		if len(order) != trainData.Len() {
			return res, fmt.Errorf("train: the sampler ordered %d examples of %d", len(order), trainData.Len())
		}
		epochStart := time.Now()
		var lossSum float64
		var correct, n int
		var epochBefore time.Duration // the time of the resumed epoch's earlier steps
		s := 0
		if epoch == first && resume != nil && resume.Step > 0 {
			s, lossSum, correct, n = resume.Step, resume.sums.LossSum, resume.meta.Fit.Correct, resume.meta.Fit.Count
			epochBefore = seconds(resume.sums.EpochSeconds)
		}
		for ; s < steps; s++ {
			if ctx.Err() != nil {
				res.Interrupted = true
				break
			}
			lo := s * cfg.BatchSize
			hi := min(lo+cfg.BatchSize, len(order))
			t := tr
			if hi-lo < cfg.BatchSize {
				t = tail
			}
			t0 := time.Now()
			loss, c, err := t.Step(trainData, order[lo:hi])
			stepTime += time.Since(t0)
			if err != nil {
				restore(m.Params(), best)
				return res, fmt.Errorf("train: epoch %d, step %d: %w", epoch, s+1, err)
			}
			lossSum += loss * float64(hi-lo)
			correct += c
			n += hi - lo
			seen += hi - lo
			stepsDone++
			bar.step(epoch, s+1, lossSum/float64(n), float64(correct)/float64(n), float64(seen)/stepTime.Seconds())
		}
		if res.Interrupted {
			if saving && seen > 0 {
				if err := save(epoch-1, s, samplerState, lossSum, correct, n, epochBefore+time.Since(epochStart)); err != nil {
					return res, err
				}
			}
			break
		}
		if n == 0 {
			break
		}
		// On a device the model's host parameters catch up with the
		// backend's only where they are read: for OnEpoch, the best-weights
		// copy, OnBest and the state file.
		synced := false
		syncHost := func() error {
			if synced {
				return nil
			}
			synced = true
			if err := tr.SyncHost(); err != nil {
				return fmt.Errorf("train: epoch %d: %w", epoch, err)
			}
			return nil
		}
		st := EpochStats{Epoch: epoch, TrainLoss: lossSum / float64(n), TrainAcc: float64(correct) / float64(n)}
		st.SeqPerSec = float64(n) / (epochBefore + time.Since(epochStart)).Seconds()
		if validated {
			r, err := ev.Evaluate(valData, cfg.BatchSize)
			if err != nil {
				return res, err
			}
			st.ValLoss, st.ValAcc = r.Loss, r.Accuracy
		} else {
			st.ValLoss, st.ValAcc = st.TrainLoss, st.TrainAcc
		}
		st.Seconds = (epochBefore + time.Since(epochStart)).Seconds()
		res.History = append(res.History, st)
		if cfg.OnEpoch != nil {
			if err := syncHost(); err != nil {
				return res, err
			}
			if err := cfg.OnEpoch(epoch, st); err != nil {
				return res, err
			}
		}
		improved := !math.IsNaN(st.ValLoss) && cfg.Select.better(st, res.Best, res.BestEpoch == 0)
		bar.epoch(st, improved)
		if improved {
			res.BestEpoch, res.Best = epoch, st
			if err := syncHost(); err != nil {
				return res, err
			}
			best.copyFrom(m.Params())
			if cfg.OnBest != nil {
				if err := cfg.OnBest(epoch, st); err != nil {
					return res, err
				}
			}
		} else if cfg.Patience > 0 && epoch-res.BestEpoch >= cfg.Patience {
			res.StoppedEarly = true
		}
		if saving {
			next, err := sampler.MarshalBinary()
			if err != nil {
				return res, fmt.Errorf("train: the sampler's state: %w", err)
			}
			if err := save(epoch, 0, next, 0, 0, 0, 0); err != nil {
				return res, err
			}
		}
	}
	res.TrainSeconds = (before + time.Since(start)).Seconds()
	res.Steps, res.Examples = stepsDone, seen
	if stepTime > 0 {
		res.SeqPerSec = float64(seen) / stepTime.Seconds()
	}
	// On a device: the weights as they are (kept when no epoch finished)
	// and the optimizer's state, consistent with its step count.
	if err := tr.SyncHost(); err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	if res.BestEpoch > 0 {
		restore(m.Params(), best)
	}
	return res, nil
}

// seconds converts a float number of seconds (as a state file keeps time).
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// weights is a copy of parameter values.
type weights []*graph.Buf

func snapshot(ps []*graph.Param) weights {
	w := make(weights, len(ps))
	for i, p := range ps {
		w[i] = graph.NewBuf(p.Value.Dtype, p.Value.Shape...)
		_ = w[i].CopyFrom(p.Value)
	}
	return w
}

func (w weights) copyFrom(ps []*graph.Param) {
	for i, p := range ps {
		_ = w[i].CopyFrom(p.Value)
	}
}

func restore(ps []*graph.Param, w weights) {
	for i, p := range ps {
		_ = p.Value.CopyFrom(w[i])
	}
}
