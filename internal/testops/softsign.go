// Package testops holds ops that tests use to exercise the executors with
// an op the engine does not know: Softsign has a CPU kernel and no device
// kernel, so a CUDA program runs it through the CPU fallback.
package testops

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Softsign is y = x/(1+|x|), elementwise, on a tensor of rank Dims.
type Softsign struct{ Dims int }

// Apply adds Softsign(x) to x's graph.
func Apply(x *gorgonia.Node) *gorgonia.Node { return graph.Use(Softsign{Dims: x.Dims()}, x) }

func tt(dims int) hm.Type {
	if dims == 0 {
		return hm.TypeVariable('a')
	}
	return gorgonia.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

func hashOf(s fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, s.String())
	return h.Sum32()
}

func (op Softsign) Arity() int                { return 1 }
func (op Softsign) Type() hm.Type             { return hm.NewFnType(tt(op.Dims), tt(op.Dims)) }
func (op Softsign) String() string            { return "Softsign" }
func (op Softsign) WriteHash(h hash.Hash)     { fmt.Fprint(h, op.String()) }
func (op Softsign) Hashcode() uint32          { return hashOf(op) }
func (op Softsign) ReturnsPtr() bool          { return false }
func (op Softsign) CallsExtern() bool         { return false }
func (op Softsign) OverwritesInput() int      { return -1 }
func (op Softsign) DiffWRT(inputs int) []bool { return []bool{true} }
func (op Softsign) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return ns[0].(tensor.Shape).Clone(), nil
}

func (op Softsign) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	return nil, fmt.Errorf("Softsign: run it in a planned program")
}

// ExecCPU is the CPU kernel (the test op's only one).
func (op Softsign) ExecCPU(_ *graph.Ctx, out *graph.Buf, in []*graph.Buf) error {
	for i := range out.Len() {
		x := in[0].At(i)
		out.Set(i, x/(1+math.Abs(x)))
	}
	return nil
}

func (op Softsign) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(SoftsignGrad{Dims: op.Dims}, in[0], grad)
	return gorgonia.Nodes{dx}, err
}

// SoftsignGrad is dx = dy/(1+|x|)², from x and dy.
type SoftsignGrad struct{ Dims int }

func (op SoftsignGrad) Arity() int            { return 2 }
func (op SoftsignGrad) Type() hm.Type         { return hm.NewFnType(tt(op.Dims), tt(op.Dims), tt(op.Dims)) }
func (op SoftsignGrad) String() string        { return "SoftsignGrad" }
func (op SoftsignGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op SoftsignGrad) Hashcode() uint32      { return hashOf(op) }
func (op SoftsignGrad) ReturnsPtr() bool      { return false }
func (op SoftsignGrad) CallsExtern() bool     { return false }
func (op SoftsignGrad) OverwritesInput() int  { return -1 }
func (op SoftsignGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return ns[0].(tensor.Shape).Clone(), nil
}

func (op SoftsignGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	return nil, fmt.Errorf("SoftsignGrad: run it in a planned program")
}

func (op SoftsignGrad) ExecCPU(_ *graph.Ctx, out *graph.Buf, in []*graph.Buf) error {
	for i := range out.Len() {
		d := 1 + math.Abs(in[0].At(i))
		out.Set(i, in[1].At(i)/(d*d))
	}
	return nil
}
