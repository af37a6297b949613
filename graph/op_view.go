package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// View is a window of Shape onto its input's flat storage starting at
// Offset. Executors alias it (no copy). Fused ops that produce several
// results in one buffer (the LSTM's hidden sequence and reserve, its
// gradients) are read through views.
type View struct {
	opBase
	Offset  int
	Shape   tensor.Shape
	InShape tensor.Shape
}

func (op View) Arity() int { return 1 }
func (op View) Type() hm.Type {
	return hm.NewFnType(tt(len(op.InShape)), tt(len(op.Shape)))
}
func (op View) String() string {
	return fmt.Sprintf("View(%d,%v of %v)", op.Offset, op.Shape, op.InShape)
}
func (op View) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op View) Hashcode() uint32      { return hashcode(op) }
func (op View) ViewOffset() int       { return op.Offset }
func (op View) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if op.Offset < 0 || op.Offset+sizeOf(op.Shape) > sizeOf(s[0]) {
		return nil, fmt.Errorf("%v: outside its input %v", op, s[0])
	}
	return op.Shape.Clone(), nil
}
func (op View) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ExecCPU is never called by Program (it aliases); doCPU copies for Do.
func (op View) ExecCPU(*Ctx, *Buf, []*Buf) error { return nil }

func (View) DiffWRT(int) []bool { return []bool{true} }
func (op View) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(ViewGrad{Offset: op.Offset, Shape: op.Shape, InShape: op.InShape}, grad)
	return gorgonia.Nodes{d}, err
}

// NewView returns View(x) at offset with the given shape.
func NewView(x *gorgonia.Node, offset int, shape ...int) *gorgonia.Node {
	return Use(View{Offset: offset, Shape: tensor.Shape(shape), InShape: x.Shape()}, x)
}

// ViewGrad scatters a view's gradient back: zeros of InShape with the
// gradient at Offset.
type ViewGrad struct {
	opBase
	Offset  int
	Shape   tensor.Shape
	InShape tensor.Shape
}

func (op ViewGrad) Arity() int { return 1 }
func (op ViewGrad) Type() hm.Type {
	return hm.NewFnType(tt(len(op.Shape)), tt(len(op.InShape)))
}
func (op ViewGrad) String() string {
	return fmt.Sprintf("ViewGrad(%d,%v into %v)", op.Offset, op.Shape, op.InShape)
}
func (op ViewGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op ViewGrad) Hashcode() uint32      { return hashcode(op) }
func (op ViewGrad) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.InShape.Clone(), nil
}
func (op ViewGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ExecCPU zeroes out, then copies the view's gradient into its window.
// Out is the step's own buffer, which no other kernel writes, so the
// zeros outside the window stay from one run to the next: it is zeroed on
// the first run only (per buffer), and later runs copy the window alone.
// (A fused op's flat output, whose gradient this is, is often several
// times the size of the view read: the LSTM's reserve is 5/6 of it.)
func (op ViewGrad) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	if z := ctxState[zeroed](ctx); z.buf != out.bufID() {
		out.Zero()
		z.buf = out.bufID()
	}
	if out.Dtype == tensor.Float32 {
		copy(out.F32[op.Offset:], in[0].F32)
	} else {
		copy(out.F64[op.Offset:], in[0].F64)
	}
	return nil
}

// zeroed is ViewGrad's record of the buffer it has zeroed.
type zeroed struct{ buf uintptr }

// splitViews returns, for each of ins, a view of its shape onto the flat
// buffer of a fused backward op that writes every input's gradient one
// after the other (the reserve + View recipe: one kernel, several
// results, no copies).
func splitViews(bwd *gorgonia.Node, ins gorgonia.Nodes) (gorgonia.Nodes, error) {
	res := make(gorgonia.Nodes, len(ins))
	off := 0
	for k, n := range ins {
		s := n.Shape()
		v, err := gorgonia.ApplyOp(View{Offset: off, Shape: s.Clone(), InShape: bwd.Shape()}, bwd)
		if err != nil {
			return nil, err
		}
		res[k] = v
		off += sizeOf(s)
	}
	return res, nil
}
