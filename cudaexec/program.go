package cudaexec

import (
	"errors"
	"fmt"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// Program is a graph.Plan executed on a CUDA device (or the cudaemu
// emulator): every slot of the plan is placed in one device arena, views
// alias their source, and the forward and backward passes launch each
// step's registered kernel (see Register). An executor only allocates and
// dispatches: order, values, views and scratch come from the plan.
//
// Bound values (parameters) live where Options.Bind puts them (a
// parameter block shared by every program of a model), or, without it,
// in the program's own arena, uploaded when the program is compiled and
// again by UploadBound. Constants are uploaded when compiling; inputs are
// filled with Upload; results are read back with Download.
//
// Values the kernels need from run to run (the dropout ops' run counters)
// are read from device memory, which PrepareRun rewrites before each run
// (Step.RunState): the enqueued work has no per-run host values in its
// kernel arguments, so it can be captured once as a CUDA graph
// (cuda.Context.Capture around EnqueueForward and EnqueueBackward) and
// replayed.
type Program struct {
	ctx     *cuda.Context
	plan    *graph.Plan
	opts    Options
	host    int // fallback steps
	arena   *cuda.Arena
	fwd     []devStep
	bwd     []devStep
	tensors map[*gorgonia.Node]*Tensor
	scratch []*Tensor
	parts   []*Tensor                     // Step.OutPart's slices of step outputs
	bound   map[*gorgonia.Node]*graph.Buf // host storage of bound values the program keeps itself
	consts  map[*gorgonia.Node]*graph.Buf // uploaded when compiling
	checks  map[*gorgonia.Node][]func(*graph.Buf) error

	runStates map[any]*runState
	runOrder  []*runState
	runWords  int              // uint64 values in all run states
	runBlock  *Tensor          // their device memory
	staging   *cuda.HostBuffer // and its page-locked host copy, uploaded by PrepareRun

	profiling  bool
	timer      *cuda.EventTimer // marks: forward steps+1, then backward steps+1
	times      graph.StepTimes
	pendingFwd bool // marks recorded, not yet collected
	pendingBwd bool
}

type devStep struct {
	op   gorgonia.Op
	name string // in profiles: the op's name, with " (CPU)" for a fallback step
	run  Launch
	host bool // runs on the CPU (fallback): not capturable
}

type runState struct {
	off, n int
	update func([]uint64)
	t      *Tensor
}

// Options adjusts how a program is compiled. The zero value is what
// Compile uses.
type Options struct {
	// Bind, when set, gives the device memory of each bound value (by its
	// host storage, a parameter's Value): the program reads and writes the
	// parameters there instead of keeping copies of its own. ok false
	// keeps the value in the program's arena (uploaded when compiling).
	Bind func(host *graph.Buf) (buf cuda.Buffer, ok bool)
	// Place, when set, gives the device memory of computed values that
	// live outside the program (the gradients a trainer's store keeps):
	// the step computing n writes there. ok false keeps the value in the
	// program's arena.
	Place func(n *gorgonia.Node) (buf cuda.Buffer, ok bool)
	// NoFallback makes a step without a CUDA kernel an error instead of
	// running it on the CPU.
	NoFallback bool
	// Fallback, when set, is told of each step that runs on the CPU, with
	// the reason; Backend uses it to warn once per op.
	Fallback func(op gorgonia.Op, reason string)
}

// Compile plans the nodes needed for fwd and bwd (graph.NewPlan) on ctx's
// device. binds maps input nodes to host buffers (parameters), whose
// contents are uploaded now (and again by UploadBound). Values must be
// float32, or int32 for the inputs of ops that read ids.
func Compile(ctx *cuda.Context, fwd, bwd []*gorgonia.Node, binds map[*gorgonia.Node]*graph.Buf) (*Program, error) {
	plan, err := graph.NewPlan(fwd, bwd, binds)
	if err != nil {
		return nil, err
	}
	return CompilePlan(ctx, plan, Options{})
}

// CompilePlan makes the device program of plan: it looks up every step's
// kernel, lets it ask for scratch and run state, allocates the plan's
// slots in one arena and uploads the constants (and, without
// Options.Bind, the bound values).
func CompilePlan(ctx *cuda.Context, plan *graph.Plan, o Options) (*Program, error) {
	if ctx == nil {
		return nil, errors.New("cudaexec: nil cuda.Context")
	}
	p := &Program{ctx: ctx, plan: plan, opts: o, tensors: map[*gorgonia.Node]*Tensor{}, bound: map[*gorgonia.Node]*graph.Buf{},
		consts: map[*gorgonia.Node]*graph.Buf{}, checks: map[*gorgonia.Node][]func(*graph.Buf) error{},
		runStates: map[any]*runState{}}
	external := map[int]bool{} // slots of values placed outside the arena
	for _, v := range plan.Values {
		if v.Dtype != tensor.Float32 && v.Dtype != tensor.Int32 {
			return nil, fmt.Errorf("cudaexec: node %v is %v; the CUDA executor runs float32 (and int32 ids) only", v.Node, v.Dtype)
		}
		t := &Tensor{Shape: v.Shape, Dtype: v.Dtype, slot: v.Slot}
		switch v.Kind {
		case graph.ValueBound:
			if o.Bind != nil {
				if b, ok := o.Bind(v.Host); ok {
					if b.Len() < v.Len() {
						return nil, fmt.Errorf("cudaexec: %v: bound device buffer holds %d elements, the value %d", v.Node, b.Len(), v.Len())
					}
					t.buf = b.Slice(0, v.Len())
					break
				}
			}
			t.slot = plan.AddSlot(v.Len(), v.Dtype)
			p.bound[v.Node] = v.Host
		case graph.ValueView:
			t.src, t.off = p.tensors[v.Src.Node], v.Offset
			if o.Place != nil {
				// Placed only if the producer writes this part itself
				// (Step.OutPart); else it stays an alias, copied by the caller.
				if b, ok := o.Place(v.Node); ok && b.Len() >= v.Len() {
					t.place = b.Slice(0, v.Len())
				}
			}
		case graph.ValueConstant:
			p.consts[v.Node] = v.Host
		case graph.ValueInput:
			if v.Host != nil {
				p.consts[v.Node] = v.Host
			}
		case graph.ValueComputed:
			if o.Place != nil {
				if b, ok := o.Place(v.Node); ok {
					if b.Len() < v.Len() {
						return nil, fmt.Errorf("cudaexec: %v: placed device buffer holds %d elements, the value %d", v.Node, b.Len(), v.Len())
					}
					t.buf, t.slot = b.Slice(0, v.Len()), -1
					external[v.Slot] = true
				}
			}
		}
		p.tensors[v.Node] = t
	}
	for _, phase := range []struct {
		steps []*graph.Step
		dst   *[]devStep
	}{{plan.Forward, &p.fwd}, {plan.Backward, &p.bwd}} {
		for _, s := range phase.steps {
			st, err := p.lower(s)
			if err != nil {
				return nil, err
			}
			*phase.dst = append(*phase.dst, st)
		}
	}

	// Memory: the plan's slots, then the run states' block.
	var ap cuda.ArenaPlan
	offs := make([]int64, len(plan.Slots))
	for i, s := range plan.Slots {
		if external[i] {
			continue
		}
		offs[i] = ap.AddFloat32(max(s.Elems, 1))
	}
	var runOff int64
	if p.runWords > 0 {
		runOff = ap.AddFloat32(2 * p.runWords)
	}
	arena, err := ctx.NewArena(max(ap.Size(), cuda.Alignment))
	if err != nil {
		return nil, fmt.Errorf("cudaexec: %w", err)
	}
	p.arena = arena
	fail := func(err error) (*Program, error) {
		p.Close()
		return nil, err
	}
	slotBuf := func(i int) cuda.Buffer {
		return arena.At(offs[i], int64(max(plan.Slots[i].Elems, 1))*4).Slice(0, plan.Slots[i].Elems)
	}
	if p.runWords > 0 {
		p.runBlock.buf = arena.At(runOff, int64(p.runWords)*8)
		if p.staging, err = ctx.AllocHost(int64(p.runWords) * 8); err != nil {
			return fail(err)
		}
	}
	for _, v := range plan.Values {
		p.resolve(p.tensors[v.Node], slotBuf)
	}
	for _, t := range p.scratch {
		p.resolve(t, slotBuf)
	}
	for _, t := range p.parts {
		p.resolve(t, slotBuf)
	}
	for _, r := range p.runOrder {
		p.resolve(r.t, slotBuf)
		if r.update == nil {
			return fail(fmt.Errorf("cudaexec: a step reads run state that no step of the program writes"))
		}
	}
	if err := p.UploadBound(); err != nil {
		return fail(err)
	}
	for n, b := range p.consts {
		if err := p.upload(n, b, true, false); err != nil {
			return fail(err)
		}
	}
	return p, nil
}

// lower finds step s's kernel and prepares it; a step without one runs on
// the CPU (fallback).
func (p *Program) lower(s *graph.Step) (devStep, error) {
	st := &Step{Op: s.Op, Out: p.tensors[s.Out.Node], Plan: s, p: p, In: make([]*Tensor, len(s.In))}
	for i, v := range s.In {
		st.In[i] = p.tensors[v.Node]
	}
	reason := "no CUDA kernel is registered for it"
	if k, ok := registry.Lookup(s.Op); ok {
		run, err := k(st)
		if err == nil {
			for _, t := range st.claims {
				t.claimed = true
			}
			name := s.Op.String()
			return devStep{op: s.Op, name: graph.OpName(s.Op),
				run: func(c *cuda.Context) error { return cuda.WithOp(run(c), name) }}, nil
		}
		if !errors.Is(err, ErrUnsupported) {
			return devStep{}, fmt.Errorf("cudaexec: %v: %w", s.Op, err)
		}
		reason = err.Error()
	}
	if p.opts.NoFallback {
		return devStep{}, fmt.Errorf("cudaexec: op %v (%T) of node %v has no CUDA kernel: %s", s.Op, s.Op, s.Node.Name(), reason)
	}
	return p.fallback(s, st, reason), nil
}

// fallback runs step s on the CPU inside the device program: its inputs are
// downloaded into host buffers of their own (a download waits for the
// device work before it), its CPU kernel runs, and its output is uploaded.
// Nothing is allocated per run (beyond what an op without a CPU kernel
// allocates in its Do). Such a step cannot be captured into a CUDA graph.
func (p *Program) fallback(s *graph.Step, st *Step, reason string) devStep {
	kern := graph.CPUKernelOrDo(s.Op)
	in := make([]*graph.Buf, len(s.In))
	for i, v := range s.In {
		in[i] = graph.NewBuf(v.Dtype, v.Shape...)
	}
	out := graph.NewBuf(s.Out.Dtype, s.Out.Shape...)
	kctx := &graph.Ctx{}
	if sc, ok := s.Op.(graph.Scratcher); ok {
		if n := sc.ScratchSize(out, in); n > 0 {
			kctx.Scratch = graph.NewBuf(out.Dtype, n)
		}
	}
	p.host++
	if p.opts.Fallback != nil {
		p.opts.Fallback(s.Op, reason)
	}
	name := s.Op.String()
	run := func(c *cuda.Context) error {
		for i, t := range st.In {
			var err error
			if in[i].Dtype == tensor.Int32 {
				err = cuda.Download(c, in[i].I32, t.buf)
			} else {
				err = cuda.Download(c, in[i].F32, t.buf)
			}
			if err != nil {
				return cuda.WithOp(err, name)
			}
		}
		if err := kern.ExecCPU(kctx, out, in); err != nil {
			return fmt.Errorf("%v (on the CPU): %w", s.Op, err)
		}
		if out.Dtype == tensor.Int32 {
			return cuda.WithOp(cuda.UploadAsync(c, st.Out.buf, out.I32), name)
		}
		return cuda.WithOp(cuda.UploadAsync(c, st.Out.buf, out.F32), name)
	}
	return devStep{op: s.Op, name: graph.OpName(s.Op) + " (CPU)", run: run, host: true}
}

// soleView returns the view of exactly [off, off+n) of out when it is the
// only way that range is read: no other view of out overlaps it, no step
// reads out whole, and out is none of the plan's outputs.
func (p *Program) soleView(out *graph.Value, off, n int) *graph.Value {
	var found *graph.Value
	for _, v := range p.plan.Values {
		if v.Kind != graph.ValueView || v.Src != out || v.Offset >= off+n || v.Offset+v.Len() <= off {
			continue
		}
		if v.Offset != off || v.Len() != n || found != nil {
			return nil
		}
		found = v
	}
	if found == nil {
		return nil
	}
	for _, st := range append(p.plan.Forward[:len(p.plan.Forward):len(p.plan.Forward)], p.plan.Backward...) {
		for _, in := range st.In {
			if in == out {
				return nil
			}
		}
	}
	for _, v := range append(p.plan.Outputs[:len(p.plan.Outputs):len(p.plan.Outputs)], p.plan.Grads...) {
		if v == out {
			return nil
		}
	}
	return found
}

// Placed reports whether node n's value lives in the device memory
// Options.Place gave it: a computed value always, a view (a part of a
// larger output, such as a fused backward op's weight gradient) when its
// producer writes that part there itself (Step.OutPart). A value Place
// offered but that is not placed is an alias of its source, which the
// caller copies where it wants it.
func (p *Program) Placed(n *gorgonia.Node) bool {
	t := p.tensors[n]
	if t == nil {
		return false
	}
	return t.claimed || (t.src == nil && t.slot < 0 && !t.buf.IsNil() && p.plan.Value(n).Kind == graph.ValueComputed)
}

// HostSteps is the number of steps that run on the CPU for want of a CUDA
// kernel. A program with any cannot be captured as a CUDA graph.
func (p *Program) HostSteps() int { return p.host }

func (p *Program) runState(key any, n int, update func([]uint64)) *Tensor {
	r := p.runStates[key]
	if r == nil {
		r = &runState{off: p.runWords, n: n}
		if p.runBlock == nil {
			p.runBlock = &Tensor{Dtype: tensor.Int32, slot: -1}
		}
		r.t = &Tensor{Shape: tensor.Shape{2 * n}, Dtype: tensor.Int32, slot: -1, src: p.runBlock, off: 2 * r.off}
		p.runWords += n
		p.runBlock.Shape = tensor.Shape{2 * p.runWords}
		p.runStates[key] = r
		p.runOrder = append(p.runOrder, r)
	}
	if r.update == nil {
		r.update = update
	}
	return r.t
}

// resolve sets t's device buffer from its slot or source.
func (p *Program) resolve(t *Tensor, slot func(int) cuda.Buffer) cuda.Buffer {
	if t.claimed && t.buf.IsNil() {
		t.buf = t.place
	}
	if !t.buf.IsNil() || (t.src == nil && t.slot < 0) {
		return t.buf
	}
	if t.src != nil {
		s := p.resolve(t.src, slot)
		t.buf = s.Slice(t.off, t.off+t.Len())
	} else {
		t.buf = slot(t.slot)
	}
	return t.buf
}

// Upload copies host buffer b into node n's device buffer (an input, a
// parameter, or any planned node) and waits; b must match the node's dtype
// and size. Inputs some kernel checks (token ids against an embedding's
// vocabulary) are checked first, as the CPU kernels would check them.
func (p *Program) Upload(n *gorgonia.Node, b *graph.Buf) error { return p.upload(n, b, true, true) }

// UploadAsync is Upload queued on the stream without waiting for it (b may
// be reused at once: the driver has taken its copy of ordinary Go memory
// when this returns).
func (p *Program) UploadAsync(n *gorgonia.Node, b *graph.Buf) error {
	return p.upload(n, b, false, true)
}

func (p *Program) upload(n *gorgonia.Node, b *graph.Buf, wait, check bool) error {
	d := p.tensors[n]
	if d == nil {
		return fmt.Errorf("cudaexec: Upload: node %v is not part of the program", n)
	}
	if b.Dtype != d.Dtype || b.Len() != d.Len() {
		return fmt.Errorf("cudaexec: Upload: node %v is %v%v, buffer is %v%v", n, d.Dtype, d.Shape, b.Dtype, b.Shape)
	}
	if check {
		for _, c := range p.checks[n] {
			if err := c(b); err != nil {
				return fmt.Errorf("cudaexec: Upload: %v: %w", n, err)
			}
		}
	}
	switch b.Dtype {
	case tensor.Float32:
		if wait {
			return cuda.Upload(p.ctx, d.buf, b.F32)
		}
		return cuda.UploadAsync(p.ctx, d.buf, b.F32)
	case tensor.Int32:
		if wait {
			return cuda.Upload(p.ctx, d.buf, b.I32)
		}
		return cuda.UploadAsync(p.ctx, d.buf, b.I32)
	}
	return fmt.Errorf("cudaexec: Upload: unsupported dtype %v", b.Dtype)
}

// UploadBound re-uploads the bound host buffers the program keeps copies
// of (the parameters, without Options.Bind), e.g. after a host-side
// optimizer step.
func (p *Program) UploadBound() error {
	for n, b := range p.bound {
		if err := p.upload(n, b, true, false); err != nil {
			return err
		}
	}
	return nil
}

// Download copies node n's device buffer into a new host buffer of its
// shape (waiting for the queued work).
func (p *Program) Download(n *gorgonia.Node) (*graph.Buf, error) {
	b := graph.NewBuf(tensor.Float32, 0)
	if err := p.DownloadInto(n, b); err != nil {
		return nil, err
	}
	return b, nil
}

// DownloadInto is Download into an existing buffer, which is reshaped (and
// reallocated only when too small).
func (p *Program) DownloadInto(n *gorgonia.Node, b *graph.Buf) error {
	d := p.tensors[n]
	if d == nil {
		return fmt.Errorf("cudaexec: Download: node %v is not part of the program", n)
	}
	b.Shape, b.Dtype = d.Shape.Clone(), d.Dtype
	b.F64, b.NonzeroRows = nil, nil
	switch d.Dtype {
	case tensor.Float32:
		if cap(b.F32) < d.Len() {
			b.F32 = make([]float32, d.Len())
		}
		b.F32, b.I32 = b.F32[:d.Len()], nil
		return cuda.Download(p.ctx, b.F32, d.buf)
	default:
		if cap(b.I32) < d.Len() {
			b.I32 = make([]int32, d.Len())
		}
		b.I32, b.F32 = b.I32[:d.Len()], nil
		return cuda.Download(p.ctx, b.I32, d.buf)
	}
}

// Device returns node n's device buffer (a zero Buffer if n is not planned),
// for on-device consumers such as an optimizer.
func (p *Program) Device(n *gorgonia.Node) cuda.Buffer {
	if d := p.tensors[n]; d != nil {
		return d.buf
	}
	return cuda.Buffer{}
}

// Plan is the plan the program runs.
func (p *Program) Plan() *graph.Plan { return p.plan }

// Run executes the forward then the backward steps and waits for them.
func (p *Program) Run() error {
	return p.ctx.Do(func() error {
		if err := p.PrepareRun(); err != nil {
			return err
		}
		if err := p.EnqueueForward(); err != nil {
			return err
		}
		if err := p.EnqueueBackward(); err != nil {
			return err
		}
		return p.syncAndCollect()
	})
}

// Forward runs the steps the forward outputs need and waits for them.
func (p *Program) Forward() error {
	return p.ctx.Do(func() error {
		if err := p.PrepareRun(); err != nil {
			return err
		}
		if err := p.EnqueueForward(); err != nil {
			return err
		}
		return p.syncAndCollect()
	})
}

// Backward runs the remaining steps (gradients) and waits; Forward must
// have run.
func (p *Program) Backward() error {
	return p.ctx.Do(func() error {
		if err := p.EnqueueBackward(); err != nil {
			return err
		}
		return p.syncAndCollect()
	})
}

func (p *Program) syncAndCollect() error {
	if err := p.ctx.Sync(); err != nil {
		return err
	}
	return p.CollectProfile()
}

// PrepareRun starts a run: it has each run state's owner write this run's
// values (the dropout ops advance their run counters, as the CPU executor
// does) and enqueues their upload, so that the steps enqueued next, or a
// graph captured from them, read this run's values. Forward and Run call
// it; a caller that enqueues the steps itself calls it once per run.
func (p *Program) PrepareRun() error {
	if p.runWords == 0 {
		return nil
	}
	words := p.staging.Uint64()
	for _, r := range p.runOrder {
		r.update(words[r.off : r.off+r.n])
	}
	return cuda.UploadAsync(p.ctx, p.runBlock.buf, p.staging.Int32())
}

// EnqueueForward enqueues the forward steps on the Context's stream without
// waiting (nor advancing the run states: see PrepareRun).
func (p *Program) EnqueueForward() error { return p.enqueue(p.fwd, false) }

// EnqueueBackward enqueues the backward steps without waiting.
func (p *Program) EnqueueBackward() error { return p.enqueue(p.bwd, true) }

func (p *Program) enqueue(steps []devStep, backward bool) error {
	return p.ctx.Do(func() error {
		base := -1
		if p.profiling {
			base = 0
			if backward {
				base = len(p.fwd) + 1
				p.pendingBwd = true
			} else {
				p.pendingFwd = true
			}
			if err := p.timer.Mark(base); err != nil {
				return err
			}
		}
		kernels := p.times.FwdKernels
		if backward {
			kernels = p.times.BwdKernels
		}
		for i := range steps {
			k0 := p.ctx.Enqueued()
			if err := steps[i].run(p.ctx); err != nil {
				return fmt.Errorf("cudaexec: %v: %w", steps[i].op, err)
			}
			if base >= 0 {
				kernels[i] += int(p.ctx.Enqueued() - k0)
				if err := p.timer.Mark(base + i + 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SetProfiling turns per-op timing on or off. While on, the enqueued steps
// are separated by CUDA events and CollectProfile (called by Forward,
// Backward and Run themselves) adds each op's device time to the profile.
// Events keep kernels from overlapping and cannot be captured in a graph:
// profile to see where the time goes, measure speed without it.
func (p *Program) SetProfiling(on bool) error {
	if on && p.timer == nil {
		t, err := p.ctx.NewEventTimer(len(p.fwd) + len(p.bwd) + 2)
		if err != nil {
			return err
		}
		p.timer = t
		p.times.Ensure(len(p.fwd), len(p.bwd))
	}
	p.profiling = on
	return nil
}

// CollectProfile adds the device times of the passes enqueued since the
// last collection to the profile; the stream must have been waited for.
func (p *Program) CollectProfile() error {
	if p.timer == nil {
		return nil
	}
	t := &p.times
	collect := func(n, base int, times []time.Duration, calls []int, wall *time.Duration) error {
		for i := 0; i < n; i++ {
			d, err := p.timer.Elapsed(base+i, base+i+1)
			if err != nil {
				return err
			}
			times[i] += d
			calls[i]++
		}
		d, err := p.timer.Elapsed(base, base+n)
		*wall += d
		return err
	}
	if p.pendingFwd {
		p.pendingFwd = false
		t.FwdRuns++
		if err := collect(len(p.fwd), 0, t.Fwd, t.FwdCalls, &t.FwdWall); err != nil {
			return err
		}
	}
	if p.pendingBwd {
		p.pendingBwd = false
		t.BwdRuns++
		if err := collect(len(p.bwd), len(p.fwd)+1, t.Bwd, t.BwdCalls, &t.BwdWall); err != nil {
			return err
		}
	}
	return nil
}

// Profile returns the device times recorded, merged by op name and phase,
// as graph.Program.Profile does on the CPU; Wall is the device time of the
// passes.
func (p *Program) Profile() graph.Profile {
	return p.times.ProfileNamed(func(i int) string { return p.fwd[i].name }, func(i int) string { return p.bwd[i].name })
}

// ResetProfile forgets the times recorded so far.
func (p *Program) ResetProfile() { p.times.Reset() }

// Steps reports how many ops the forward and backward passes run.
func (p *Program) Steps() (forward, backward int) { return len(p.fwd), len(p.bwd) }

// Arena returns the program's device arena (for its size and peak use).
func (p *Program) Arena() *cuda.Arena { return p.arena }

// Close frees the program's device and page-locked host memory; the
// program is unusable after.
func (p *Program) Close() error {
	var err error
	if p.timer != nil {
		err = p.timer.Close()
		p.timer = nil
	}
	if p.staging != nil {
		if e := p.staging.Free(); err == nil {
			err = e
		}
		p.staging = nil
	}
	if p.arena != nil {
		if e := p.arena.Free(); err == nil {
			err = e
		}
		p.arena = nil
	}
	return err
}
