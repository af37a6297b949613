package graph

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Program is the CPU executor of a Plan: every slot is a buffer allocated
// once, parameters are bound in place, views alias their input, and Run
// executes the kernels in the plan's order with no allocation. Each step's
// kernel is the op's CPU kernel (CPUKernelOf); an op without one falls back
// to its gorgonia Do, which allocates (every op in this package has a
// kernel).
type Program struct {
	plan     *Plan
	fwd, bwd []step
	bufs     map[*gorgonia.Node]*Buf
	inputs   []*gorgonia.Node

	profiling bool      // SetProfiling
	times     StepTimes // what profiling recorded (profile.go)
}

type step struct {
	node *gorgonia.Node
	op   gorgonia.Op
	kern CPUKernel
	in   []*Buf
	out  *Buf
	ctx  Ctx
}

// Compile plans the nodes needed for fwd and bwd (NewPlan) and makes the
// CPU program that runs them. binds maps input nodes to buffers they must
// use (parameters); other inputs get their own buffers, which the caller
// fills through Buf.
func Compile(fwd, bwd []*gorgonia.Node, binds map[*gorgonia.Node]*Buf) (*Program, error) {
	plan, err := NewPlan(fwd, bwd, binds)
	if err != nil {
		return nil, err
	}
	return CompilePlan(plan)
}

// CompilePlan makes the CPU program of plan: it allocates the plan's slots
// (after adding the scratch of kernels implementing Scratcher) and binds
// every step to its kernel and buffers.
func CompilePlan(plan *Plan) (*Program, error) {
	p := &Program{plan: plan, bufs: make(map[*gorgonia.Node]*Buf, len(plan.Values))}
	for _, v := range plan.Values {
		var b *Buf
		switch v.Kind {
		case ValueBound:
			b = v.Host
		case ValueView:
			root, off := v.Root()
			b = p.bufs[root.Node].Slice(off, v.Shape)
		default:
			b = NewBuf(v.Dtype, v.Shape...)
			if v.Host != nil {
				if err := b.CopyFrom(v.Host); err != nil {
					return nil, fmt.Errorf("graph: %v: %w", v.Node, err)
				}
			}
		}
		p.bufs[v.Node] = b
	}
	for _, v := range plan.Inputs {
		p.inputs = append(p.inputs, v.Node)
	}
	for _, phase := range []struct {
		steps []*Step
		dst   *[]step
	}{{plan.Forward, &p.fwd}, {plan.Backward, &p.bwd}} {
		for _, s := range phase.steps {
			st := step{node: s.Node, op: s.Op, out: p.bufs[s.Out.Node], in: make([]*Buf, len(s.In))}
			for i, v := range s.In {
				st.in[i] = p.bufs[v.Node]
			}
			st.kern = CPUKernelOrDo(s.Op)
			if sc, ok := s.Op.(Scratcher); ok {
				if n := sc.ScratchSize(st.out, st.in); n > 0 {
					plan.AddScratch(s, n, st.out.Dtype)
					st.ctx.Scratch = NewBuf(st.out.Dtype, n)
				}
			}
			*phase.dst = append(*phase.dst, st)
		}
	}
	return p, nil
}

func copyValue(dst *Buf, v gorgonia.Value) error {
	src, err := bufFromValue(v)
	if err != nil {
		return err
	}
	if src.Len() != dst.Len() {
		return fmt.Errorf("value has %d elements, node needs %d", src.Len(), dst.Len())
	}
	for i := 0; i < src.Len(); i++ {
		dst.Set(i, src.At(i))
	}
	return nil
}

// Buf returns the buffer of node n (nil if n is not part of the program).
// Fill input buffers through it before Run; read outputs after.
func (p *Program) Buf(n *gorgonia.Node) *Buf { return p.bufs[n] }

// Scalar returns element 0 of n's buffer as float64 (a loss, say).
func (p *Program) Scalar(n *gorgonia.Node) float64 { return p.bufs[n].At(0) }

// Run executes the forward then the backward steps.
func (p *Program) Run() error {
	if err := p.Forward(); err != nil {
		return err
	}
	return p.Backward()
}

// Forward executes the steps the forward outputs need.
func (p *Program) Forward() error {
	if p.profiling {
		p.times.FwdRuns++
		return runTimed(p.fwd, p.times.Fwd, p.times.FwdCalls, &p.times.FwdWall)
	}
	return run(p.fwd)
}

// Backward executes the remaining steps (gradients); Forward must have run.
func (p *Program) Backward() error {
	if p.profiling {
		p.times.BwdRuns++
		return runTimed(p.bwd, p.times.Bwd, p.times.BwdCalls, &p.times.BwdWall)
	}
	return run(p.bwd)
}

func run(steps []step) error {
	for i := range steps {
		if err := runStep(&steps[i]); err != nil {
			return err
		}
	}
	return nil
}

func runStep(s *step) error {
	if err := s.kern.ExecCPU(&s.ctx, s.out, s.in); err != nil {
		return fmt.Errorf("graph: %v: %w", s.op, err)
	}
	return nil
}

// DoKernel runs an op without a CPU kernel (gorgonia's own, say) through
// its Do, which allocates its result: Program and the device executors'
// CPU fallback use it for such ops.
type DoKernel struct{ Op gorgonia.Op }

// ExecCPU runs Do on values viewing in and copies the result into out.
func (k DoKernel) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	vals := make([]gorgonia.Value, len(in))
	for i, b := range in {
		if len(b.Shape) == 0 {
			if b.Dtype == tensor.Float32 {
				vals[i] = gorgonia.NewF32(b.F32[0])
			} else {
				vals[i] = gorgonia.NewF64(b.F64[0])
			}
			continue
		}
		vals[i] = b.Dense()
	}
	v, err := k.Op.Do(vals...)
	if err != nil {
		return err
	}
	return copyValue(out, v)
}

// Steps reports how many kernels the forward and backward passes run.
func (p *Program) Steps() (forward, backward int) { return len(p.fwd), len(p.bwd) }

// CheckFinite returns an error naming the first node among ns whose buffer
// holds a NaN or infinity.
func (p *Program) CheckFinite(ns ...*gorgonia.Node) error {
	for _, n := range ns {
		b := p.bufs[n]
		if b == nil {
			continue
		}
		for i := 0; i < b.Len(); i++ {
			if v := b.At(i); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("graph: %v has a non-finite value %v at element %d", n, v, i)
			}
		}
	}
	return nil
}
