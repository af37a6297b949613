package graph

import (
	"fmt"
	"hash"
	"reflect"
	"sync"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Add is out = a + b, elementwise over two values of the same shape. The
// planner runs gorgonia's own elementwise "+" as Add when both operands
// have the output's size: gorgonia.Grad inserts such sums wherever a node
// feeds more than one op (their gradients add up), and a model may add two
// losses with gorgonia.Add. It can also be applied directly.
type Add struct{ opBase }

func (Add) Arity() int { return 2 }
func (Add) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a)
}
func (Add) String() string           { return "Add" }
func (op Add) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Add) Hashcode() uint32      { return hashcode(op) }
func (Add) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 2 {
		return nil, fmt.Errorf("Add: want 2 inputs, got %d", len(s))
	}
	if !s[0].Eq(s[1]) {
		return nil, fmt.Errorf("Add: shapes %v and %v differ", s[0], s[1])
	}
	return s[0].Clone(), nil
}
func (op Add) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

func (Add) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
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

func (Add) DiffWRT(int) []bool { return []bool{true, true} }
func (Add) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return gorgonia.Nodes{grad, grad}, nil
}

// gorgoniaAdd is the type and String of the op gorgonia.Add makes, which
// is also what gorgonia.Grad uses to sum gradients (gorgonia.ReduceAdd).
// The op's type is unexported; it is learnt here from gorgonia's exported
// constructor, not from its name, so that a change in gorgonia shows up as
// a failing test (TestGradSumRecognised) rather than as a silent change of
// behaviour.
var gorgoniaAdd = sync.OnceValues(func() (reflect.Type, string) {
	g := gorgonia.NewGraph()
	a := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(2), gorgonia.WithName("a"))
	b := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(2), gorgonia.WithName("b"))
	s, err := gorgonia.Add(a, b)
	if err != nil {
		panic("graph: gorgonia.Add of two vectors failed: " + err.Error())
	}
	return reflect.TypeOf(s.Op()), s.Op().String()
})

// IsGradSum reports whether op is gorgonia's elementwise addition: the op
// gorgonia.Add makes and gorgonia.Grad inserts to sum the gradients of a
// node used more than once. (Its other elementwise operators share its
// type; they differ in String.)
func IsGradSum(op gorgonia.Op) bool {
	if op == nil {
		return false
	}
	t, s := gorgoniaAdd()
	return reflect.TypeOf(op) == t && op.String() == s
}
