//go:build embercuda || cudaemu

package train

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

// cudaTrainer is a Trainer's CUDA half: the training program compiled with
// cudaexec.Compile (parameters bound and uploaded), the parameters' and
// gradients' device buffers, Adam's moments on the device, and the step
// captured as a CUDA graph once it has run.
type cudaTrainer struct {
	ctx    *cuda.Context
	prog   *cudaexec.Program
	net    *Net
	params []*graph.Param
	pdev   []cuda.Buffer // parameters, in the program's arena
	gdev   []cuda.Buffer // their gradients
	inputs []*graph.Buf  // host staging of the data inputs (the Trainer's)
	target *graph.Buf
	output *graph.Buf
	clip   float32
	adam   *optim.Adam
	st     *cudaAdamState
	owner  *cudaTrainer // a tail trainer borrows owner's parameters for its step

	// back receives [loss, gradient norm, outputs...] from the device
	// (page-locked, so the three copies are queued and waited for once).
	back *cuda.HostBuffer
	// bcH stages Adam's bias corrections for the step (page-locked).
	bcH *cuda.HostBuffer

	prof cudaStepProfile

	useGraph bool
	ran      bool        // the step has run kernel by kernel (scratch allocated)
	graph    *cuda.Graph // the captured step, once captured
	// deviceStepFn is c.deviceStep as a func value, made once so that a
	// step's hand-off to the Context's thread allocates nothing.
	deviceStepFn func() error
	graphCfg     cuda.AdamConfig // the hyper-parameters captured in it
}

// cudaAdamState is Adam's first and second moments per parameter, the
// gradient-norm scalar and the step's bias corrections, in one device
// arena; the step count is the host optim.Adam's.
type cudaAdamState struct {
	arena *cuda.Arena
	m, v  []cuda.Buffer
	norm  cuda.Buffer
	bc    cuda.Buffer // [1-b1^t, 1-b2^t], written before each step
}

func newCUDATrainer(m Model, cfg Config, share *Trainer) (*Trainer, error) {
	ctx := cfg.Device.Context()
	if cfg.Dtype != tensor.Float32 {
		return nil, fmt.Errorf("train: the CUDA executor runs float32, not %v", cfg.Dtype)
	}
	adam, ok := cfg.Optimizer.(*optim.Adam)
	if !ok {
		return nil, fmt.Errorf("train: the CUDA trainer updates with optim.Adam; %T runs on the CPU only", cfg.Optimizer)
	}
	if adam.Decoupled && adam.WeightDecay != 0 {
		return nil, errors.New("train: the CUDA trainer's Adam has coupled (L2) weight decay only, not AdamW's decoupled decay")
	}
	g, net, gradNodes, err := buildTraining(m, tensor.Float32, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	params := g.Params()
	prog, err := cudaexec.Compile(ctx, []*gorgonia.Node{net.Loss, net.Output}, gradNodes, g.Binds())
	if err != nil {
		return nil, err
	}
	ct := &cudaTrainer{ctx: ctx, prog: prog, net: net, params: params, adam: adam,
		clip: float32(cfg.ClipNorm), useGraph: cfg.Device.Graphs()}
	ct.deviceStepFn = ct.deviceStep
	fail := func(err error) (*Trainer, error) {
		ct.close()
		return nil, err
	}
	if ct.back, err = ctx.AllocHost(int64(2+net.Output.Shape().TotalSize()) * 4); err != nil {
		return fail(err)
	}
	if ct.bcH, err = ctx.AllocHost(2 * 4); err != nil {
		return fail(err)
	}
	for i, p := range params {
		ct.pdev = append(ct.pdev, prog.Device(g.Param(p)))
		ct.gdev = append(ct.gdev, prog.Device(gradNodes[i]))
		if ct.gdev[i].Len() != p.Value.Len() {
			return fail(fmt.Errorf("train: CUDA: gradient of %s has %d elements, the parameter %d", p.Name, ct.gdev[i].Len(), p.Value.Len()))
		}
	}
	for _, n := range net.Inputs {
		ct.inputs = append(ct.inputs, graph.NewBuf(n.Dtype(), n.Shape()...))
	}
	ct.target = graph.NewBuf(net.Target.Dtype(), net.Target.Shape()...)
	ct.output = graph.NewBuf(net.Output.Dtype(), net.Output.Shape()...)
	if share != nil && share.cu != nil {
		o := share.cu
		if len(o.params) != len(params) {
			return fail(fmt.Errorf("train: CUDA: the shared trainer has %d parameters, this one %d", len(o.params), len(params)))
		}
		for i := range params {
			if o.params[i] != params[i] {
				return fail(fmt.Errorf("train: CUDA: parameter %d differs from the shared trainer's", i))
			}
		}
		ct.st, ct.owner = o.st, o
	} else if ct.st, err = newCUDAAdamState(ctx, params, adam); err != nil {
		return fail(err)
	}
	t := &Trainer{model: m, cfg: cfg, net: net, params: params, inputs: ct.inputs, target: ct.target,
		output: ct.output, cu: ct}
	return t, nil
}

// newCUDAAdamState allocates zeroed moments, or uploads the ones adam
// already holds (a resumed run).
func newCUDAAdamState(ctx *cuda.Context, params []*graph.Param, adam *optim.Adam) (*cudaAdamState, error) {
	var plan cuda.ArenaPlan
	offs := make([][2]int64, len(params))
	for i, p := range params {
		offs[i] = [2]int64{plan.AddFloat32(max(p.Value.Len(), 1)), plan.AddFloat32(max(p.Value.Len(), 1))}
	}
	normOff := plan.AddFloat32(1)
	bcOff := plan.AddFloat32(2)
	arena, err := ctx.NewArena(plan.Size())
	if err != nil {
		return nil, fmt.Errorf("train: Adam state on the device: %w", err)
	}
	st := &cudaAdamState{arena: arena, norm: arena.At(normOff, 4), bc: arena.At(bcOff, 8)}
	if err := ctx.Zero(arena.Buffer()); err != nil {
		arena.Free()
		return nil, err
	}
	for i, p := range params {
		bytes := int64(p.Value.Len()) * 4
		st.m = append(st.m, arena.At(offs[i][0], bytes))
		st.v = append(st.v, arena.At(offs[i][1], bytes))
		if s := adam.State(p); s != nil {
			m, v := s[optim.SlotExpAvg], s[optim.SlotExpAvgSq]
			if m == nil || v == nil || m.Dtype != tensor.Float32 || v.Dtype != tensor.Float32 ||
				m.Len() != p.Value.Len() || v.Len() != p.Value.Len() {
				arena.Free()
				return nil, fmt.Errorf("train: Adam state of %s does not fit the parameter", p.Name)
			}
			if err := firstError(cuda.Upload(ctx, st.m[i], m.F32), cuda.Upload(ctx, st.v[i], v.F32)); err != nil {
				arena.Free()
				return nil, err
			}
		}
	}
	return st, nil
}

func firstError(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// step is Trainer.Step on the device: the batch is filled on the host and
// uploaded with the step's dropout counters and Adam bias corrections; the
// forward and backward passes, the global gradient norm, clipping and Adam
// then run on the device (as a replay of the captured CUDA graph after the
// first step), and the loss, the norm and the output probabilities come
// back in one wait.
//
// A non-finite loss or gradient norm makes the Adam kernel skip the update
// (it reads the norm on the device), so, as on the CPU, such a step leaves
// the weights and Adam's state as they were and reports ErrNonFinite.
func (c *cudaTrainer) step(d Data, idx []int) (loss float64, correct int, err error) {
	var t0 time.Time
	if c.prof.on {
		t0 = time.Now()
	}
	if err := d.Fill(idx, c.inputs, c.target); err != nil {
		return 0, 0, err
	}
	if c.prof.on {
		c.prof.fill += time.Since(t0)
		defer func() {
			if err == nil {
				c.prof.steps++
				c.prof.wall += time.Since(t0)
			}
		}()
	}
	a := c.adam
	t := a.StepCount() + 1
	bc := c.bcH.Float32()
	bc[0], bc[1] = cuda.AdamBiasCorrection(float32(a.Beta1), t), cuda.AdamBiasCorrection(float32(a.Beta2), t)
	back := c.back.Float32()
	if err = c.ctx.Do(c.deviceStepFn); err != nil {
		return 0, 0, err
	}
	loss, norm := float64(back[0]), float64(back[1])
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, fmt.Errorf("loss is %v: %w (the step was not applied)", loss, ErrNonFinite)
	}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return loss, 0, fmt.Errorf("%w: %w: total norm is %v (the step was not applied)", ErrNonFinite,
			optim.ErrNonFiniteNorm, norm)
	}
	if err := a.SetStepCount(t); err != nil {
		return loss, 0, err
	}
	copy(c.output.F32, back[2:])
	return loss, countCorrect(c.output, c.target), nil
}

// deviceStep is the device half of step, run on the Context's thread: the
// uploads, the step's kernels (or its graph), and the read-back into c.back.
func (c *cudaTrainer) deviceStep() error {
	bc, back := c.bcH.Float32(), c.back.Float32()
	for i, n := range c.net.Inputs {
		if err := c.prog.UploadAsync(n, c.inputs[i]); err != nil {
			return err
		}
	}
	if err := c.prog.UploadAsync(c.net.Target, c.target); err != nil {
		return err
	}
	if err := c.prog.PrepareRun(); err != nil {
		return err
	}
	if err := cuda.UploadAsync(c.ctx, c.st.bc, bc); err != nil {
		return err
	}
	if err := c.runStep(); err != nil {
		return err
	}
	if err := firstError(
		cuda.DownloadAsync(c.ctx, back[0:1], c.prog.Device(c.net.Loss)),
		cuda.DownloadAsync(c.ctx, back[1:2], c.st.norm),
		cuda.DownloadAsync(c.ctx, back[2:], c.prog.Device(c.net.Output))); err != nil {
		return err
	}
	if err := c.ctx.Sync(); err != nil {
		return err
	}
	return c.collectProfile()
}

// runStep enqueues the step's device work: kernel by kernel the first time
// (which also allocates the reductions' scratch), then, with graphs on,
// by capturing it once and replaying the graph.
func (c *cudaTrainer) runStep() error {
	if c.graph != nil && c.graphCfg != c.adamConfig() {
		// The learning rate (say) changed: the captured one is stale.
		if err := c.graph.Close(); err != nil {
			return err
		}
		c.graph = nil
	}
	if c.graph != nil {
		return c.graph.Launch()
	}
	if !c.useGraph || !c.ran || c.prof.on {
		if err := c.enqueueStep(); err != nil {
			return err
		}
		c.ran = true
		return nil
	}
	g, err := c.ctx.Capture(c.enqueueStep)
	if err != nil {
		return fmt.Errorf("train: capturing the training step as a CUDA graph: %w", err)
	}
	c.graph, c.graphCfg = g, c.adamConfig()
	return g.Launch()
}

func (c *cudaTrainer) adamConfig() cuda.AdamConfig {
	a := c.adam
	return cuda.AdamConfig{LR: float32(a.LR), Beta1: float32(a.Beta1), Beta2: float32(a.Beta2), Eps: float32(a.Eps),
		WeightDecay: float32(a.WeightDecay)}
}

// enqueueStep is the device work of a step, with nothing in its kernel
// arguments that changes from step to step (the dropout counters and the
// bias corrections are read from device memory).
func (c *cudaTrainer) enqueueStep() error {
	if c.owner != nil {
		if err := c.copyParams(c.pdev, c.owner.pdev); err != nil {
			return err
		}
	}
	if err := c.prog.EnqueueForward(); err != nil {
		return err
	}
	if err := c.prog.EnqueueBackward(); err != nil {
		return err
	}
	if err := c.prof.mark(0); err != nil {
		return err
	}
	// The norm is computed even without clipping: Adam reads it to skip a
	// step whose gradients are not finite.
	if c.clip > 0 {
		if err := c.ctx.ClipGradNorm(c.st.norm, c.clip, c.gdev...); err != nil {
			return err
		}
	} else if err := c.ctx.GlobalNorm(c.st.norm, c.gdev...); err != nil {
		return err
	}
	if err := c.prof.mark(1); err != nil {
		return err
	}
	cfg := c.adamConfig()
	for i := range c.pdev {
		if err := c.ctx.AdamStepAt(c.pdev[i], c.gdev[i], c.st.m[i], c.st.v[i], cfg, c.st.bc, c.st.norm); err != nil {
			return fmt.Errorf("adam on %s: %w", c.params[i].Name, err)
		}
	}
	if err := c.prof.mark(2); err != nil {
		return err
	}
	if c.owner != nil {
		return c.copyParams(c.owner.pdev, c.pdev)
	}
	return nil
}

func (c *cudaTrainer) copyParams(dst, src []cuda.Buffer) error {
	return c.ctx.Do(func() error {
		for i := range dst {
			if err := c.ctx.CopyDtoD(dst[i], src[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// syncHost downloads the parameters into the model's host values and
// Adam's moments into the optim.Adam, whose step count is already current.
func (c *cudaTrainer) syncHost() error {
	src := c
	if c.owner != nil {
		src = c.owner
	}
	for i, p := range c.params {
		if err := cuda.Download(c.ctx, p.Value.F32, src.pdev[i]); err != nil {
			return fmt.Errorf("downloading %s: %w", p.Name, err)
		}
		if c.adam.StepCount() == 0 {
			continue
		}
		m := graph.NewBuf(tensor.Float32, p.Value.Shape...)
		v := graph.NewBuf(tensor.Float32, p.Value.Shape...)
		if err := firstError(cuda.Download(c.ctx, m.F32, c.st.m[i]), cuda.Download(c.ctx, v.F32, c.st.v[i])); err != nil {
			return fmt.Errorf("downloading Adam's state of %s: %w", p.Name, err)
		}
		if err := c.adam.SetState(p, map[string]*graph.Buf{optim.SlotExpAvg: m, optim.SlotExpAvgSq: v}); err != nil {
			return err
		}
	}
	return nil
}

// syncDevice uploads the model's host parameters (to the owner's program
// too, for a tail trainer).
func (c *cudaTrainer) syncDevice() error {
	if c.owner != nil {
		if err := c.owner.prog.UploadBound(); err != nil {
			return err
		}
	}
	return c.prog.UploadBound()
}

func (c *cudaTrainer) close() error {
	var errs []error
	if c.prof.timer != nil {
		errs = append(errs, c.prof.timer.Close())
		c.prof.timer = nil
	}
	if c.graph != nil {
		errs = append(errs, c.graph.Close())
		c.graph = nil
	}
	for _, h := range []*cuda.HostBuffer{c.back, c.bcH} {
		if h != nil {
			errs = append(errs, h.Free())
		}
	}
	c.back, c.bcH = nil, nil
	err := firstError(append(errs, c.prog.Close())...)
	if c.owner == nil && c.st != nil && c.st.arena != nil {
		if e := c.st.arena.Free(); err == nil {
			err = e
		}
		c.st.arena = nil
	}
	return err
}

// cudaEval is an evaluation program on the device.
type cudaEval struct {
	ctx   *cuda.Context
	prog  *cudaexec.Program
	pass  int
	lossH []float32
}

func newCUDAEval(dev Device, g *graph.Graph, net *Net) (*evalProg, error) {
	if g.Dtype != tensor.Float32 {
		return nil, fmt.Errorf("train: the CUDA executor runs float32, not %v", g.Dtype)
	}
	prog, err := cudaexec.Compile(dev.Context(), []*gorgonia.Node{net.Loss, net.Output}, nil, g.Binds())
	if err != nil {
		return nil, err
	}
	p := &evalProg{net: net, target: graph.NewBuf(net.Target.Dtype(), net.Target.Shape()...),
		output: graph.NewBuf(net.Output.Dtype(), net.Output.Shape()...),
		cu:     &cudaEval{ctx: dev.Context(), prog: prog, lossH: make([]float32, 1)}}
	for _, n := range net.Inputs {
		p.inputs = append(p.inputs, graph.NewBuf(n.Dtype(), n.Shape()...))
	}
	return p, nil
}

// forward runs p's filled batch on the device (uploading the model's
// weights first in a new Evaluate pass) and reads back the loss and the
// probabilities into p.output.
func (c *cudaEval) forward(p *evalProg, pass int) (float64, error) {
	if c.pass != pass {
		if err := c.prog.UploadBound(); err != nil {
			return 0, err
		}
		c.pass = pass
	}
	for i, n := range p.net.Inputs {
		if err := c.prog.Upload(n, p.inputs[i]); err != nil {
			return 0, err
		}
	}
	if err := c.prog.Upload(p.net.Target, p.target); err != nil {
		return 0, err
	}
	if err := c.prog.Forward(); err != nil {
		return 0, err
	}
	if err := cuda.Download(c.ctx, c.lossH, c.prog.Device(p.net.Loss)); err != nil {
		return 0, err
	}
	if err := cuda.Download(c.ctx, p.output.F32, c.prog.Device(p.net.Output)); err != nil {
		return 0, err
	}
	return float64(c.lossH[0]), nil
}

func (c *cudaEval) close() error { return c.prog.Close() }

// cudaStepProfile is the CUDA trainer's half of Trainer.Profile: the
// program's per-op device times, plus the device time of clipping (with
// the global norm) and of Adam from three events of its own, and the host
// time of filling the batch and of whole steps. A profiled step launches
// kernel by kernel (events cannot be captured in a graph).
type cudaStepProfile struct {
	on        bool
	timer     *cuda.EventTimer // before clipping, after it, after Adam
	pending   bool
	steps     int
	wall      time.Duration
	fill      time.Duration
	clip, opt time.Duration
}

func (p *cudaStepProfile) mark(i int) error {
	if !p.on {
		return nil
	}
	p.pending = true
	return p.timer.Mark(i)
}

func (c *cudaTrainer) setProfiling(on bool) error {
	if on && c.prof.timer == nil {
		t, err := c.ctx.NewEventTimer(3)
		if err != nil {
			return err
		}
		c.prof.timer = t
	}
	if err := c.prog.SetProfiling(on); err != nil {
		return err
	}
	c.prof.on = on
	return nil
}

// collectProfile reads the step's event times, after the step's Sync.
func (c *cudaTrainer) collectProfile() error {
	if !c.prof.pending {
		return nil
	}
	c.prof.pending = false
	if err := c.prog.CollectProfile(); err != nil {
		return err
	}
	clip, err := c.prof.timer.Elapsed(0, 1)
	if err != nil {
		return err
	}
	opt, err := c.prof.timer.Elapsed(1, 2)
	if err != nil {
		return err
	}
	c.prof.clip += clip
	c.prof.opt += opt
	return nil
}

func (c *cudaTrainer) profile() graph.Profile {
	p := c.prog.Profile()
	s := &c.prof
	p.Steps, p.Wall = s.steps, s.wall
	if s.steps == 0 {
		return p
	}
	clipName := ProfileClip
	if c.clip <= 0 {
		clipName = "GlobalNorm"
	}
	return p.Merge(graph.Profile{Ops: []graph.OpTime{
		{Op: ProfileFill, Phase: graph.PhaseData, Calls: s.steps, Total: s.fill},
		{Op: clipName, Phase: graph.PhaseOptimizer, Calls: s.steps, Total: s.clip},
		{Op: "Adam", Phase: graph.PhaseOptimizer, Calls: s.steps, Total: s.opt},
	}})
}

func (c *cudaTrainer) resetProfile() {
	c.prog.ResetProfile()
	on, timer := c.prof.on, c.prof.timer
	c.prof = cudaStepProfile{on: on, timer: timer}
}
