package cudaexec

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// Backend is the graph.Backend of one CUDA device (or of the emulator): its
// stores keep a model's parameters, gradients and optimizer state in one
// device block; its executables upload their inputs, run a whole training
// step on the device (forward, backward, the gradient norm, clipping and
// the optimizer's update) and bring back the forward outputs and the norm,
// with one wait per step. From its second step on, a training executable
// replays its step as one captured CUDA graph (WithGraphs(false) launches
// kernel by kernel instead).
type Backend struct {
	ctx    *cuda.Context
	graphs bool
	warn   *warnings
}

var _ graph.Backend = (*Backend)(nil)

// warnings says each of the backend's warnings once.
type warnings struct {
	mu   sync.Mutex
	said map[string]bool
	to   func(msg string)
}

func (w *warnings) say(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.said[msg] {
		return
	}
	w.said[msg] = true
	if w.to != nil {
		w.to(msg)
		return
	}
	slog.Warn(msg)
}

// New returns the backend of ctx's device. Its warnings (an op that runs
// on the CPU for want of a CUDA kernel, said once per op when the first
// program using it is compiled) go to log/slog's default logger; see
// WithWarnings.
func New(ctx *cuda.Context) *Backend {
	return &Backend{ctx: ctx, graphs: true, warn: &warnings{said: map[string]bool{}}}
}

// WithWarnings returns a copy of b whose warnings go to fn, each once.
func (b *Backend) WithWarnings(fn func(msg string)) *Backend {
	c := *b
	c.warn = &warnings{said: map[string]bool{}, to: fn}
	return &c
}

// fallback is Options.Fallback: the warning of an op run on the CPU.
func (b *Backend) fallback(op gorgonia.Op, reason string) {
	b.warn.say(fmt.Sprintf("cudaexec: %s runs on the CPU inside the CUDA program (%s): its inputs are copied "+
		"to the host and its output back on every run, and a training step using it is launched kernel by "+
		"kernel, not replayed as a CUDA graph", graph.OpName(op), reason))
}

// WithGraphs returns a copy of b whose training executables replay their
// step as a captured CUDA graph (on, the default) or launch it kernel by
// kernel (off: to measure what the graph saves, or to debug).
func (b *Backend) WithGraphs(on bool) *Backend {
	c := *b
	c.graphs = on
	return &c
}

// Graphs reports whether training steps are replayed as CUDA graphs.
func (b *Backend) Graphs() bool { return b.graphs }

// Context is the backend's CUDA context.
func (b *Backend) Context() *cuda.Context { return b.ctx }

func (b *Backend) String() string {
	if b.ctx == nil {
		return "cuda (no context)"
	}
	return b.ctx.Device().String()
}

func (b *Backend) check() error {
	if b.ctx == nil {
		return errors.New("cudaexec: the backend has no cuda.Context")
	}
	return nil
}

// NewStore allocates params (float32) in one device block and uploads
// them; with u.Optimizer, also their gradients, the optimizer's state
// (uploaded from the optimizer where it has some) and its registered
// device update (RegisterOptimizer).
func (b *Backend) NewStore(params []*graph.Param, u graph.Update) (graph.Store, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	s, err := b.newStore(params, u)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Compile makes the executable of plan over st, a store of this backend:
// the plan's parameters are bound to the store's block and, for a
// training executable, its gradients are written there (computed in place
// where the gradient is an op's whole output, copied after the backward
// pass where it is a view of one).
func (b *Backend) Compile(plan *graph.Plan, st graph.Store, grads []*gorgonia.Node) (graph.Executable, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	s, ok := st.(*store)
	if !ok || s.b.ctx != b.ctx {
		return nil, fmt.Errorf("cudaexec: compiling over a store of another backend (%T)", st)
	}
	for _, v := range plan.Values {
		if v.Kind == graph.ValueBound {
			if _, ok := s.bind(v.Host); !ok {
				return nil, fmt.Errorf("cudaexec: input %v is bound to a buffer that is no parameter of the store", v.Node)
			}
		}
	}
	o := Options{Bind: s.bind, Fallback: b.fallback}
	placed := map[*gorgonia.Node]int{}
	if grads != nil {
		if s.opt == nil {
			return nil, errors.New("cudaexec: a training program over a store without an optimizer")
		}
		if len(grads) != len(s.params) {
			return nil, fmt.Errorf("cudaexec: %d gradients for %d parameters", len(grads), len(s.params))
		}
		for i, n := range grads {
			v := plan.Value(n)
			if v == nil || v.Len() != s.params[i].Value.Len() || v.Dtype != tensor.Float32 {
				return nil, fmt.Errorf("cudaexec: the gradient of %s is not a planned float32 value of its size", s.params[i].Name)
			}
			// A computed gradient is written in place; a view of a larger
			// output (a fused backward op's weight gradient) too when its
			// producer writes that part itself (Program.Placed says).
			if _, dup := placed[n]; !dup && (v.Kind == graph.ValueComputed || v.Kind == graph.ValueView) {
				placed[n] = i
			}
		}
		o.Place = func(n *gorgonia.Node) (cuda.Buffer, bool) {
			i, ok := placed[n]
			if !ok {
				return cuda.Buffer{}, false
			}
			return s.g[i], true
		}
	}
	prog, err := CompilePlan(b.ctx, plan, o)
	if err != nil {
		return nil, err
	}
	e := &executable{b: b, prog: prog, st: s, train: grads != nil, byNode: map[*gorgonia.Node]*graph.Buf{},
		outIdx: map[*gorgonia.Node]bool{}}
	e.stepFn, e.forwardFn, e.gradientsFn = e.deviceStep, e.deviceForward, e.deviceGradients
	fail := func(err error) (graph.Executable, error) {
		e.Close()
		return nil, err
	}
	for i, n := range grads {
		if j, ok := placed[n]; ok && j == i && prog.Placed(n) {
			continue
		}
		e.copies = append(e.copies, gradCopy{src: prog.tensors[n], dst: s.g[i]})
	}
	host := func(v *graph.Value) (*graph.Buf, error) {
		h, err := b.ctx.AllocHost(int64(max(v.Len(), 1)) * 4)
		if err != nil {
			return nil, err
		}
		e.hosts = append(e.hosts, h)
		buf := &graph.Buf{Shape: v.Shape.Clone(), Dtype: v.Dtype}
		if v.Dtype == tensor.Int32 {
			buf.I32 = h.Int32()[:v.Len()]
		} else {
			buf.F32 = h.Float32()[:v.Len()]
		}
		return buf, nil
	}
	for _, v := range plan.Inputs {
		buf, err := host(v)
		if err != nil {
			return fail(err)
		}
		if v.Host != nil {
			_ = buf.CopyFrom(v.Host)
		}
		e.inputs = append(e.inputs, ioBuf{node: v.Node, host: buf})
		e.byNode[v.Node] = buf
	}
	for _, v := range plan.Outputs {
		if e.outIdx[v.Node] {
			continue
		}
		buf, err := host(v)
		if err != nil {
			return fail(err)
		}
		e.outIdx[v.Node] = true
		e.outputs = append(e.outputs, ioBuf{node: v.Node, host: buf, dev: prog.tensors[v.Node]})
		if _, in := e.byNode[v.Node]; !in {
			e.byNode[v.Node] = buf
		}
	}
	if e.train {
		h, err := b.ctx.AllocHost(4)
		if err != nil {
			return fail(err)
		}
		e.hosts = append(e.hosts, h)
		e.normH = h.Float32()
	}
	return e, nil
}

type ioBuf struct {
	node *gorgonia.Node
	host *graph.Buf // page-locked
	dev  *Tensor    // outputs
}

// gradCopy is a gradient the program computes as a view of a larger
// output that its producer does not write into the store itself, copied
// there after the backward pass.
type gradCopy struct {
	src *Tensor
	dst cuda.Buffer
}

// executable is a Program with its host buffers and, for training, the
// store's update, run as one step.
type executable struct {
	b       *Backend
	prog    *Program
	st      *store
	train   bool
	inputs  []ioBuf
	outputs []ioBuf
	byNode  map[*gorgonia.Node]*graph.Buf
	outIdx  map[*gorgonia.Node]bool
	copies  []gradCopy
	hosts   []*cuda.HostBuffer
	normH   []float32 // the step's gradient norm (page-locked)

	// Func values of the methods run on the Context's thread, made once
	// so that a step's hand-off allocates nothing.
	stepFn, forwardFn, gradientsFn func() error

	nextStep int         // the step count the running step will have
	ran      bool        // the step has run kernel by kernel (scratch allocated)
	captured *cuda.Graph // the captured step, once captured
	gradsH   []*graph.Buf

	profiling bool
	timer     *cuda.EventTimer // before the norm, after it, after the update
	pending   bool
	clipRuns  int
	// Device operations enqueued before the gradients' copies and at each
	// mark, and the counts of the norm (with the copies) and the update.
	kCopies     int64
	kMarks      [3]int64
	clipK, optK int
	clip, opt   time.Duration
}

func (e *executable) Input(n *gorgonia.Node) *graph.Buf {
	for _, in := range e.inputs {
		if in.node == n {
			return in.host
		}
	}
	return nil
}

func (e *executable) Output(n *gorgonia.Node) *graph.Buf {
	if !e.outIdx[n] {
		return nil
	}
	return e.byNode[n]
}

// upload enqueues the inputs' copies (checking what kernels asked to be
// checked, as the CPU kernels would).
func (e *executable) upload() error {
	for _, in := range e.inputs {
		if err := e.prog.UploadAsync(in.node, in.host); err != nil {
			return err
		}
	}
	return nil
}

// download enqueues the outputs' copies back.
func (e *executable) download() error {
	for _, o := range e.outputs {
		var err error
		if o.host.Dtype == tensor.Int32 {
			err = cuda.DownloadAsync(e.b.ctx, o.host.I32, o.dev.buf)
		} else {
			err = cuda.DownloadAsync(e.b.ctx, o.host.F32, o.dev.buf)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *executable) Forward() error { return e.b.ctx.Do(e.forwardFn) }

func (e *executable) deviceForward() error {
	if err := e.upload(); err != nil {
		return err
	}
	if err := e.prog.PrepareRun(); err != nil {
		return err
	}
	if err := e.prog.EnqueueForward(); err != nil {
		return err
	}
	if err := e.download(); err != nil {
		return err
	}
	if err := e.b.ctx.Sync(); err != nil {
		return err
	}
	return e.prog.CollectProfile()
}

func (e *executable) Step() (float64, error) {
	if !e.train {
		return math.NaN(), errors.New("cudaexec: Step of an inference program")
	}
	if c := e.st.update.Check; c != nil {
		if err := c(); err != nil {
			return math.NaN(), err
		}
	}
	t := e.st.opt.StepCount() + 1
	e.nextStep = t
	if err := e.b.ctx.Do(e.stepFn); err != nil {
		return math.NaN(), err
	}
	norm := float64(e.normH[0])
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, fmt.Errorf("%w: total norm is %v (the update was skipped)", graph.ErrNonFiniteNorm, norm)
	}
	return norm, e.st.opt.SetStepCount(t)
}

// deviceStep is a training step on the Context's thread: the uploads, the
// step's work (or its graph) and the read-back, with one wait.
func (e *executable) deviceStep() error {
	if err := e.start(); err != nil {
		return err
	}
	if err := e.st.prepare(e.nextStep); err != nil {
		return err
	}
	if err := e.runStep(); err != nil {
		return err
	}
	return e.finish()
}

// start enqueues the inputs' uploads and the run's per-run values.
func (e *executable) start() error {
	if err := e.upload(); err != nil {
		return err
	}
	return e.prog.PrepareRun()
}

// finish enqueues the outputs' and the norm's read-back, waits, and
// collects the profile.
func (e *executable) finish() error {
	if err := e.download(); err != nil {
		return err
	}
	if err := cuda.DownloadAsync(e.b.ctx, e.normH, e.st.norm); err != nil {
		return err
	}
	if err := e.b.ctx.Sync(); err != nil {
		return err
	}
	return e.collect()
}

// runStep enqueues the step's device work: kernel by kernel the first time
// (which also allocates the reductions' scratch) and while profiling,
// then, with graphs on, by capturing it once and replaying the graph.
func (e *executable) runStep() error {
	if e.captured != nil && !e.profiling {
		return e.captured.Launch()
	}
	if !e.b.graphs || !e.ran || e.profiling || e.prog.HostSteps() > 0 {
		if err := e.enqueueStep(); err != nil {
			return err
		}
		e.ran = true
		return nil
	}
	g, err := e.b.ctx.Capture(e.enqueueStep)
	if err != nil {
		return fmt.Errorf("cudaexec: capturing the training step as a CUDA graph: %w", err)
	}
	e.captured = g
	return g.Launch()
}

// enqueueStep is the device work of a step, with nothing in its kernel
// arguments that changes from step to step.
func (e *executable) enqueueStep() error {
	if err := e.enqueuePasses(); err != nil {
		return err
	}
	if err := e.mark(0); err != nil {
		return err
	}
	if err := e.enqueueNorm(e.st.clip > 0 && !e.st.update.FoldsClip); err != nil {
		return err
	}
	if err := e.mark(1); err != nil {
		return err
	}
	if err := e.st.update.Launch(e.b.ctx); err != nil {
		return fmt.Errorf("cudaexec: %s update: %w", graph.TypeName(e.st.u.Optimizer), err)
	}
	return e.mark(2)
}

// enqueuePasses is the forward and backward passes and the gradients'
// copies into the store.
func (e *executable) enqueuePasses() error {
	if err := e.prog.EnqueueForward(); err != nil {
		return err
	}
	if err := e.prog.EnqueueBackward(); err != nil {
		return err
	}
	e.kCopies = e.b.ctx.Enqueued()
	for _, c := range e.copies {
		if err := e.b.ctx.CopyDtoD(c.dst, c.src.buf); err != nil {
			return err
		}
	}
	return nil
}

// enqueueNorm measures the gradients' global norm, and clips them to the
// store's clip norm when clip (the update clips them itself when it can:
// OptimizerUpdate.FoldsClip).
func (e *executable) enqueueNorm(clip bool) error {
	grads := e.st.regionBuf(1)
	if clip {
		return e.b.ctx.ClipGradNorm(e.st.norm, e.st.clip, grads)
	}
	return e.b.ctx.GlobalNorm(e.st.norm, grads)
}

func (e *executable) Gradients() (float64, error) {
	if !e.train {
		return math.NaN(), errors.New("cudaexec: Gradients of an inference program")
	}
	if err := e.b.ctx.Do(e.gradientsFn); err != nil {
		return math.NaN(), err
	}
	return float64(e.normH[0]), nil
}

func (e *executable) deviceGradients() error {
	if err := e.start(); err != nil {
		return err
	}
	if err := e.enqueuePasses(); err != nil {
		return err
	}
	if err := e.enqueueNorm(false); err != nil {
		return err
	}
	return e.finish()
}

func (e *executable) Grads() ([]*graph.Buf, error) {
	if !e.train {
		return nil, errors.New("cudaexec: Grads of an inference program")
	}
	if e.gradsH == nil {
		for _, p := range e.st.params {
			e.gradsH = append(e.gradsH, graph.NewBuf(tensor.Float32, p.Value.Shape...))
		}
	}
	for i, g := range e.gradsH {
		if err := cuda.Download(e.b.ctx, g.F32, e.st.g[i]); err != nil {
			return nil, fmt.Errorf("cudaexec: downloading the gradient of %s: %w", e.st.params[i].Name, err)
		}
	}
	return e.gradsH, nil
}

func (e *executable) mark(i int) error {
	if !e.profiling || e.timer == nil {
		return nil
	}
	e.pending = true
	e.kMarks[i] = e.b.ctx.Enqueued()
	return e.timer.Mark(i)
}

// SetProfiling turns per-op device timing on or off: a profiled step
// launches kernel by kernel, separated by CUDA events (which cannot be
// captured in a graph), so profile to see where the time goes and measure
// speed without it.
func (e *executable) SetProfiling(on bool) error {
	if on && e.train && e.timer == nil {
		t, err := e.b.ctx.NewEventTimer(3)
		if err != nil {
			return err
		}
		e.timer = t
	}
	if err := e.prog.SetProfiling(on); err != nil {
		return err
	}
	e.profiling = on
	return nil
}

// collect reads the step's event times, after the step's wait.
func (e *executable) collect() error {
	if err := e.prog.CollectProfile(); err != nil {
		return err
	}
	if !e.pending {
		return nil
	}
	e.pending = false
	clip, err := e.timer.Elapsed(0, 1)
	if err != nil {
		return err
	}
	opt, err := e.timer.Elapsed(1, 2)
	if err != nil {
		return err
	}
	e.clip += clip
	e.opt += opt
	e.clipRuns++
	e.clipK += int(e.kMarks[1] - e.kCopies)
	e.optK += int(e.kMarks[2] - e.kMarks[1])
	return nil
}

func (e *executable) Profile() graph.Profile {
	p := e.prog.Profile()
	if e.clipRuns == 0 {
		return p
	}
	name := graph.ProfileNorm
	if e.st.clip > 0 {
		name = graph.ProfileClip
	}
	return p.Merge(graph.Profile{Ops: []graph.OpTime{
		{Op: name, Phase: graph.PhaseOptimizer, Calls: e.clipRuns, Total: e.clip, Kernels: e.clipK},
		{Op: graph.TypeName(e.st.u.Optimizer), Phase: graph.PhaseOptimizer, Calls: e.clipRuns, Total: e.opt, Kernels: e.optK},
	}})
}

func (e *executable) ResetProfile() {
	e.prog.ResetProfile()
	e.clipRuns, e.clip, e.opt, e.clipK, e.optK = 0, 0, 0, 0, 0
}

func (e *executable) Close() error {
	var errs []error
	if e.timer != nil {
		errs = append(errs, e.timer.Close())
		e.timer = nil
	}
	if e.captured != nil {
		errs = append(errs, e.captured.Close())
		e.captured = nil
	}
	for _, h := range e.hosts {
		errs = append(errs, h.Free())
	}
	e.hosts = nil
	errs = append(errs, e.prog.Close())
	return errors.Join(errs...)
}
