package graph

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Program is a graph planned for execution at fixed shapes: every node has
// a buffer allocated once, parameters are bound to their own storage, views
// alias their input, and Run executes the kernels in topological order with
// no allocation (ops without a CPU kernel fall back to their gorgonia Do,
// which allocates; every op in this package has a kernel).
type Program struct {
	fwd, bwd []step
	bufs     map[*gorgonia.Node]*Buf
	inputs   []*gorgonia.Node

	profiling bool      // SetProfiling
	times     stepTimes // what profiling recorded (profile.go)
}

type step struct {
	node *gorgonia.Node
	kern CPUKernel // nil: fallback through op.Do
	in   []*Buf
	out  *Buf
	ctx  Ctx
}

// Compile plans the nodes needed for fwd and bwd. binds maps input nodes to
// buffers they must use (parameters); other inputs get their own buffers,
// which the caller fills through Buf. Forward steps are those fwd needs; the
// rest of what bwd needs forms the backward steps.
func Compile(fwd, bwd []*gorgonia.Node, binds map[*gorgonia.Node]*Buf) (*Program, error) {
	p := &Program{bufs: map[*gorgonia.Node]*Buf{}}
	fwdOrder := topo(fwd, nil)
	inFwd := make(map[*gorgonia.Node]bool, len(fwdOrder))
	for _, n := range fwdOrder {
		inFwd[n] = true
	}
	bwdOrder := topo(bwd, inFwd)
	for _, phase := range []struct {
		order []*gorgonia.Node
		dst   *[]step
	}{{fwdOrder, &p.fwd}, {bwdOrder, &p.bwd}} {
		for _, n := range phase.order {
			st, err := p.plan(n, binds)
			if err != nil {
				return nil, err
			}
			if st != nil {
				*phase.dst = append(*phase.dst, *st)
			}
		}
	}
	return p, nil
}

// topo returns the ancestors of outs (outs included) in dependency order,
// skipping nodes in done.
func topo(outs []*gorgonia.Node, done map[*gorgonia.Node]bool) []*gorgonia.Node {
	seen := map[*gorgonia.Node]bool{}
	var order []*gorgonia.Node
	var visit func(n *gorgonia.Node)
	visit = func(n *gorgonia.Node) {
		if seen[n] || done[n] {
			return
		}
		seen[n] = true
		for _, c := range children(n) {
			visit(c)
		}
		order = append(order, n)
	}
	for _, n := range outs {
		visit(n)
	}
	return order
}

// children lists a node's inputs in order (gorgonia exports them only
// through the graph's From).
func children(n *gorgonia.Node) []*gorgonia.Node {
	var cs []*gorgonia.Node
	it := n.Graph().From(n.ID())
	for it.Next() {
		cs = append(cs, it.Node().(*gorgonia.Node))
	}
	return cs
}

func (p *Program) plan(n *gorgonia.Node, binds map[*gorgonia.Node]*Buf) (*step, error) {
	shape := n.Shape()
	if n.IsScalar() {
		shape = tensor.ScalarShape()
	}
	dt := n.Dtype()
	op := n.Op()
	if op == nil { // an input
		if b, ok := binds[n]; ok {
			if b.Dtype != dt || !b.Shape.Eq(shape) && sizeOf(b.Shape) != sizeOf(shape) {
				return nil, fmt.Errorf("graph: input %s is %v%v, bound buffer is %v%v", n.Name(), dt, shape, b.Dtype, b.Shape)
			}
			p.bufs[n] = b
			return nil, nil
		}
		b := NewBuf(dt, shape...)
		if v := n.Value(); v != nil {
			if err := copyValue(b, v); err != nil {
				return nil, fmt.Errorf("graph: input %s: %w", n.Name(), err)
			}
		}
		p.bufs[n] = b
		p.inputs = append(p.inputs, n)
		return nil, nil
	}
	cs := children(n)
	in := make([]*Buf, len(cs))
	for i, c := range cs {
		in[i] = p.bufs[c]
		if in[i] == nil {
			return nil, fmt.Errorf("graph: %v: input %d (%v) was not planned", n, i, c)
		}
	}
	if len(cs) == 0 { // a constant: evaluate once
		v, err := op.Do()
		if err != nil {
			return nil, fmt.Errorf("graph: constant %v: %w", n, err)
		}
		b := NewBuf(dt, shape...)
		if err := copyValue(b, v); err != nil {
			return nil, fmt.Errorf("graph: constant %v: %w", n, err)
		}
		p.bufs[n] = b
		return nil, nil
	}
	if v, ok := op.(Viewer); ok {
		src := in[0]
		if v.ViewOffset()+sizeOf(shape) > src.Len() {
			return nil, fmt.Errorf("graph: %v: view [%d:+%d] outside its %d-element input", op, v.ViewOffset(), sizeOf(shape), src.Len())
		}
		p.bufs[n] = src.Slice(v.ViewOffset(), shape)
		return nil, nil
	}
	out := NewBuf(dt, shape...)
	p.bufs[n] = out
	st := &step{node: n, in: in, out: out}
	switch {
	case isGorgoniaAdd(op, in, out):
		st.kern = addKernel{}
	default:
		if k, ok := op.(CPUKernel); ok {
			st.kern = k
		}
	}
	if s, ok := op.(Scratcher); ok && st.kern != nil {
		if k := s.ScratchSize(out, in); k > 0 {
			st.ctx.Scratch = NewBuf(dt, k)
		}
	}
	return st, nil
}

// isGorgoniaAdd recognises the elementwise additions gorgonia.Grad inserts
// to sum the gradients of a node used more than once.
func isGorgoniaAdd(op gorgonia.Op, in []*Buf, out *Buf) bool {
	if len(in) != 2 || reflect.TypeOf(op).String() != "gorgonia.elemBinOp" || !strings.HasPrefix(op.String(), "+") {
		return false
	}
	return in[0].Len() == out.Len() && in[1].Len() == out.Len() && in[0].Dtype == out.Dtype && in[1].Dtype == out.Dtype
}

type addKernel struct{}

func (addKernel) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		addVec(out.F32, in[0].F32, in[1].F32)
	} else {
		addVec(out.F64, in[0].F64, in[1].F64)
	}
	return nil
}

func addVec[T Float](dst, a, b []T) {
	b = b[:len(a)]
	dst = dst[:len(a)]
	for i := range a {
		dst[i] = a[i] + b[i]
	}
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
		p.times.fwdRuns++
		return runTimed(p.fwd, p.times.fwd, p.times.fwdCalls, &p.times.fwdWall)
	}
	return run(p.fwd)
}

// Backward executes the remaining steps (gradients); Forward must have run.
func (p *Program) Backward() error {
	if p.profiling {
		p.times.bwdRuns++
		return runTimed(p.bwd, p.times.bwd, p.times.bwdCalls, &p.times.bwdWall)
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
	if s.kern != nil {
		if err := s.kern.ExecCPU(&s.ctx, s.out, s.in); err != nil {
			return fmt.Errorf("graph: %v: %w", s.node.Op(), err)
		}
		return nil
	}
	return s.fallback()
}

// fallback runs an op that has no CPU kernel through gorgonia's Do.
func (s *step) fallback() error {
	vals := make([]gorgonia.Value, len(s.in))
	for i, b := range s.in {
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
	v, err := s.node.Op().Do(vals...)
	if err != nil {
		return fmt.Errorf("graph: %v: %w", s.node.Op(), err)
	}
	if err := copyValue(s.out, v); err != nil {
		return fmt.Errorf("graph: %v: %w", s.node.Op(), err)
	}
	return nil
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
