//go:build embercuda || cudaemu

package train

import (
	"errors"
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

// cudaTrainer is a Trainer's CUDA half: the training program compiled with
// graph.CompileCUDA (parameters bound and uploaded), the parameters' and
// gradients' device buffers, and Adam's moments on the device.
type cudaTrainer struct {
	ctx    *cuda.Context
	prog   *graph.CUDAProgram
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
	lossH  []float32
	normH  []float32
}

// cudaAdamState is Adam's first and second moments per parameter and the
// gradient-norm scalar, in one device arena; the step count is the host
// optim.Adam's.
type cudaAdamState struct {
	arena *cuda.Arena
	m, v  []cuda.Buffer
	norm  cuda.Buffer
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
	prog, err := graph.CompileCUDA(ctx, []*gorgonia.Node{net.Loss, net.Output}, gradNodes, g.Binds())
	if err != nil {
		return nil, err
	}
	ct := &cudaTrainer{ctx: ctx, prog: prog, net: net, params: params, adam: adam,
		clip: float32(cfg.ClipNorm), lossH: make([]float32, 1), normH: make([]float32, 1)}
	fail := func(err error) (*Trainer, error) {
		prog.Close()
		return nil, err
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
	arena, err := ctx.NewArena(plan.Size())
	if err != nil {
		return nil, fmt.Errorf("train: Adam state on the device: %w", err)
	}
	st := &cudaAdamState{arena: arena, norm: arena.At(normOff, 4)}
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
// uploaded, forward and backward run, the gradients are clipped by their
// global norm and Adam updates the weights, all on the device; only the
// loss, the output probabilities and (when clipping) the norm come back.
//
// A non-finite loss stops before the update, as on the CPU. A non-finite
// gradient norm is seen only after the update (reading it first would cost
// a round trip per step); the step reports ErrNonFinite and the device's
// weights are then spoilt, which Fit handles by restoring the best host
// weights.
func (c *cudaTrainer) step(d Data, idx []int) (loss float64, correct int, err error) {
	if err := d.Fill(idx, c.inputs, c.target); err != nil {
		return 0, 0, err
	}
	for i, n := range c.net.Inputs {
		if err := c.prog.Upload(n, c.inputs[i]); err != nil {
			return 0, 0, err
		}
	}
	if err := c.prog.Upload(c.net.Target, c.target); err != nil {
		return 0, 0, err
	}
	if c.owner != nil {
		if err := c.copyParams(c.pdev, c.owner.pdev); err != nil {
			return 0, 0, err
		}
	}
	if err := c.prog.Run(); err != nil {
		return 0, 0, err
	}
	if err := cuda.Download(c.ctx, c.lossH, c.prog.Device(c.net.Loss)); err != nil {
		return 0, 0, err
	}
	loss = float64(c.lossH[0])
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, fmt.Errorf("loss is %v: %w", loss, ErrNonFinite)
	}
	a := c.adam
	cfg := cuda.AdamConfig{LR: float32(a.LR), Beta1: float32(a.Beta1), Beta2: float32(a.Beta2), Eps: float32(a.Eps),
		WeightDecay: float32(a.WeightDecay)}
	t := a.StepCount() + 1
	err = c.ctx.Do(func() error {
		if c.clip > 0 {
			if err := c.ctx.ClipGradNorm(c.st.norm, c.clip, c.gdev...); err != nil {
				return err
			}
		}
		for i := range c.pdev {
			if err := c.ctx.AdamStep(c.pdev[i], c.gdev[i], c.st.m[i], c.st.v[i], cfg, t); err != nil {
				return fmt.Errorf("adam on %s: %w", c.params[i].Name, err)
			}
		}
		if c.owner != nil {
			return c.copyParams(c.owner.pdev, c.pdev)
		}
		return nil
	})
	if err != nil {
		return loss, 0, err
	}
	if err := a.SetStepCount(t); err != nil {
		return loss, 0, err
	}
	if err := cuda.Download(c.ctx, c.output.F32, c.prog.Device(c.net.Output)); err != nil {
		return loss, 0, err
	}
	if c.clip > 0 {
		if err := cuda.Download(c.ctx, c.normH, c.st.norm); err != nil {
			return loss, 0, err
		}
		if n := float64(c.normH[0]); math.IsNaN(n) || math.IsInf(n, 0) {
			return loss, 0, fmt.Errorf("%w: %w: total norm is %v (on the device; its weights are no longer valid)",
				ErrNonFinite, optim.ErrNonFiniteNorm, n)
		}
	}
	return loss, countCorrect(c.output, c.target), nil
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
	err := c.prog.Close()
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
	prog  *graph.CUDAProgram
	pass  int
	lossH []float32
}

func newCUDAEval(dev Device, g *graph.Graph, net *Net) (*evalProg, error) {
	if g.Dtype != tensor.Float32 {
		return nil, fmt.Errorf("train: the CUDA executor runs float32, not %v", g.Dtype)
	}
	prog, err := graph.CompileCUDA(dev.Context(), []*gorgonia.Node{net.Loss, net.Output}, nil, g.Binds())
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
