package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Plan is a graph laid out for execution at fixed shapes, the same for
// every backend: the nodes needed for the forward outputs and then the rest
// of what the backward outputs need, in dependency order; what each node's
// value is (an input the caller fills, a buffer bound to caller-owned
// storage such as a parameter, a constant evaluated once, a window onto
// another value, or the output of a step); and the storage slots the
// values and the kernels' scratch space occupy. An executor (Program on
// the CPU, the CUDA executor of package cudaexec) allocates the slots,
// resolves each step's kernel through its backend's registry and
// dispatches; it decides nothing about order, aliasing or lifetimes.
//
// A Plan is made for one executor: lowering a step adds its kernel's
// scratch slots (AddScratch).
type Plan struct {
	// Values holds every planned node's value, in planning order.
	Values []*Value
	// Forward and Backward are the steps of the two passes. Forward steps
	// are those the forward outputs need; Backward the rest of what the
	// backward outputs (typically gradients) need.
	Forward, Backward []*Step
	// Inputs are the unbound input nodes' values, in planning order: the
	// caller fills them before each run.
	Inputs []*Value
	// Outputs are the values of the forward outputs the plan was made for
	// (NewPlan's fwd), in order; Grads those of its backward outputs.
	Outputs, Grads []*Value
	// Slots are the storage blocks the executor allocates: one per input,
	// constant and step output, and each step's scratch.
	Slots []Slot

	byNode map[*gorgonia.Node]*Value
}

// ValueKind says where a planned value comes from.
type ValueKind uint8

const (
	// ValueComputed values are written by a step.
	ValueComputed ValueKind = iota
	// ValueInput values are filled by the caller before each run (Value.Host
	// holds a node's initial value, if it has one).
	ValueInput
	// ValueBound values live in caller-owned storage, Value.Host (parameters):
	// executors bind it in place or keep it where the backend keeps that
	// storage; they never give it a slot of their own.
	ValueBound
	// ValueConstant values are evaluated once, when planning, into Value.Host.
	ValueConstant
	// ValueView values are windows onto another value's storage (Value.Src, from
	// element Value.Offset): ops implementing Viewer.
	ValueView
)

func (k ValueKind) String() string {
	return [...]string{"computed", "input", "bound", "constant", "view"}[k]
}

// Value is one node's planned value.
type Value struct {
	Node  *gorgonia.Node
	Kind  ValueKind
	Shape tensor.Shape // the empty shape for scalars
	Dtype tensor.Dtype
	// Host is the bound storage (ValueBound), the value computed when planning
	// (ValueConstant), or an input node's initial value (ValueInput; nil when it has
	// none).
	Host *Buf
	// Src and Offset: a ValueView aliases Src's storage from element Offset.
	Src    *Value
	Offset int
	// Slot is the index in Plan.Slots of the storage of a ValueInput,
	// ValueConstant or ValueComputed value; -1 for bound values and views.
	Slot int
}

// Len is the number of elements.
func (v *Value) Len() int { return sizeOf(v.Shape) }

// Root is the value owning v's storage (v itself unless v is a view,
// possibly of a view) and v's element offset into it.
func (v *Value) Root() (*Value, int) {
	off := 0
	for v.Kind == ValueView {
		off += v.Offset
		v = v.Src
	}
	return v, off
}

// Step is one op application: Op computes Out from In. Op is the node's op,
// except that gorgonia's own elementwise sums of gradients (which
// gorgonia.Grad inserts for a node used more than once) are planned as
// this package's Add, so that every backend finds them in its registry.
type Step struct {
	Node    *gorgonia.Node
	Op      gorgonia.Op
	In      []*Value
	Out     *Value
	Phase   string // PhaseForward or PhaseBackward
	Scratch []int  // slots of the kernel's scratch space (AddScratch)
}

// Slot is a block of storage an executor allocates once per program.
type Slot struct {
	Elems int
	Dtype tensor.Dtype
}

// NewPlan plans the nodes needed for fwd and then for bwd. binds maps input
// nodes to the storage they must use (parameters; see Graph.Binds); other
// inputs are filled by the caller. Every value must have a dtype an
// executor can hold (float32, float64 or int32).
func NewPlan(fwd, bwd []*gorgonia.Node, binds map[*gorgonia.Node]*Buf) (*Plan, error) {
	p := &Plan{byNode: map[*gorgonia.Node]*Value{}}
	fwdOrder := topo(fwd, nil)
	inFwd := make(map[*gorgonia.Node]bool, len(fwdOrder))
	for _, n := range fwdOrder {
		inFwd[n] = true
	}
	bwdOrder := topo(bwd, inFwd)
	for _, phase := range []struct {
		order []*gorgonia.Node
		name  string
		dst   *[]*Step
	}{{fwdOrder, PhaseForward, &p.Forward}, {bwdOrder, PhaseBackward, &p.Backward}} {
		for _, n := range phase.order {
			st, err := p.plan(n, binds)
			if err != nil {
				return nil, err
			}
			if st != nil {
				st.Phase = phase.name
				*phase.dst = append(*phase.dst, st)
			}
		}
	}
	for _, n := range fwd {
		p.Outputs = append(p.Outputs, p.byNode[n])
	}
	for _, n := range bwd {
		p.Grads = append(p.Grads, p.byNode[n])
	}
	return p, nil
}

// ReadRange returns the elements [lo, hi) of v that anything reads: the
// union (as one range) of what each step taking v reads (all of it, or
// what its op's RangeReader says), of the views of v and of all of v if
// it is an output of the plan. A step writing v need only write that
// range (a ViewGrad clearing around its window, say); lo == hi when
// nothing reads v.
func (p *Plan) ReadRange(v *Value) (lo, hi int) {
	lo, hi = v.Len(), 0
	add := func(a, b int) {
		if a < b {
			lo, hi = min(lo, a), max(hi, b)
		}
	}
	for _, steps := range [][]*Step{p.Forward, p.Backward} {
		for _, st := range steps {
			for i, in := range st.In {
				if in != v {
					continue
				}
				if r, ok := st.Op.(RangeReader); ok {
					shapes := make([]tensor.Shape, len(st.In))
					for k, x := range st.In {
						shapes[k] = x.Shape
					}
					off, n := r.InputRange(i, shapes)
					add(max(off, 0), min(off+n, v.Len()))
				} else {
					add(0, v.Len())
				}
			}
		}
	}
	for _, w := range p.Values {
		if w.Kind == ValueView && w.Src == v {
			add(w.Offset, w.Offset+w.Len())
		}
	}
	for _, w := range append(p.Outputs[:len(p.Outputs):len(p.Outputs)], p.Grads...) {
		if w == v {
			add(0, v.Len())
		}
	}
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// Value returns node n's planned value, or nil if n is not part of the plan.
func (p *Plan) Value(n *gorgonia.Node) *Value { return p.byNode[n] }

// AddScratch adds a scratch slot of elems elements of dtype dt to step s
// and returns its index in Slots. Executors call it when lowering s, with
// what s's kernel on their backend asks for.
func (p *Plan) AddScratch(s *Step, elems int, dt tensor.Dtype) int {
	i := p.addSlot(elems, dt)
	s.Scratch = append(s.Scratch, i)
	return i
}

// AddSlot adds a slot that belongs to no value of the plan (an executor
// that keeps its own copy of a bound value gives it one) and returns its
// index in Slots.
func (p *Plan) AddSlot(elems int, dt tensor.Dtype) int { return p.addSlot(elems, dt) }

func (p *Plan) addSlot(elems int, dt tensor.Dtype) int {
	p.Slots = append(p.Slots, Slot{Elems: elems, Dtype: dt})
	return len(p.Slots) - 1
}

func nodeShape(n *gorgonia.Node) tensor.Shape {
	if n.IsScalar() {
		return tensor.ScalarShape()
	}
	return n.Shape().Clone()
}

func (p *Plan) plan(n *gorgonia.Node, binds map[*gorgonia.Node]*Buf) (*Step, error) {
	v := &Value{Node: n, Shape: nodeShape(n), Dtype: n.Dtype(), Slot: -1}
	switch v.Dtype {
	case tensor.Float32, tensor.Float64, tensor.Int32:
	default:
		return nil, fmt.Errorf("graph: node %v is %v; executors hold float32, float64 and int32 values", n, v.Dtype)
	}
	add := func() {
		p.Values = append(p.Values, v)
		p.byNode[n] = v
	}
	op := n.Op()
	if op == nil { // an input
		if b, ok := binds[n]; ok {
			if b.Dtype != v.Dtype || sizeOf(b.Shape) != v.Len() {
				return nil, fmt.Errorf("graph: input %s is %v%v, bound buffer is %v%v", n.Name(), v.Dtype, v.Shape, b.Dtype, b.Shape)
			}
			v.Kind, v.Host = ValueBound, b
			add()
			return nil, nil
		}
		v.Kind = ValueInput
		if val := n.Value(); val != nil {
			v.Host = NewBuf(v.Dtype, v.Shape...)
			if err := copyValue(v.Host, val); err != nil {
				return nil, fmt.Errorf("graph: input %s: %w", n.Name(), err)
			}
		}
		v.Slot = p.addSlot(v.Len(), v.Dtype)
		add()
		p.Inputs = append(p.Inputs, v)
		return nil, nil
	}
	cs := children(n)
	in := make([]*Value, len(cs))
	for i, c := range cs {
		if in[i] = p.byNode[c]; in[i] == nil {
			return nil, fmt.Errorf("graph: %v: input %d (%v) was not planned", n, i, c)
		}
	}
	if len(cs) == 0 { // a constant: evaluate once
		val, err := op.Do()
		if err != nil {
			return nil, fmt.Errorf("graph: constant %v: %w", n, err)
		}
		v.Kind, v.Host = ValueConstant, NewBuf(v.Dtype, v.Shape...)
		if err := copyValue(v.Host, val); err != nil {
			return nil, fmt.Errorf("graph: constant %v: %w", n, err)
		}
		v.Slot = p.addSlot(v.Len(), v.Dtype)
		add()
		return nil, nil
	}
	if vw, ok := op.(Viewer); ok {
		src := in[0]
		if vw.ViewOffset() < 0 || vw.ViewOffset()+v.Len() > src.Len() {
			return nil, fmt.Errorf("graph: %v: view [%d:+%d] outside its %d-element input", op, vw.ViewOffset(), v.Len(), src.Len())
		}
		if src.Dtype != v.Dtype {
			return nil, fmt.Errorf("graph: %v: a %v view of a %v value", op, v.Dtype, src.Dtype)
		}
		v.Kind, v.Src, v.Offset = ValueView, src, vw.ViewOffset()
		add()
		return nil, nil
	}
	v.Kind = ValueComputed
	v.Slot = p.addSlot(v.Len(), v.Dtype)
	add()
	if IsGradSum(op) && len(in) == 2 && in[0].Len() == v.Len() && in[1].Len() == v.Len() &&
		in[0].Dtype == v.Dtype && in[1].Dtype == v.Dtype {
		op = Add{}
	}
	return &Step{Node: n, Op: op, In: in, Out: v}, nil
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
