package graph

import (
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sigmoid is y = 1/(1+e^(−x)), elementwise.
type Sigmoid struct {
	opBase
	Dims int // rank of x
}

func (op Sigmoid) Arity() int            { return 1 }
func (op Sigmoid) Type() hm.Type         { return hm.NewFnType(tt(op.Dims), tt(op.Dims)) }
func (op Sigmoid) String() string        { return "Sigmoid" }
func (op Sigmoid) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Sigmoid) Hashcode() uint32      { return hashcode(op) }
func (op Sigmoid) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op Sigmoid) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (Sigmoid) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		sigmoidVec(out.F32, in[0].F32)
	} else {
		sigmoidVec(out.F64, in[0].F64)
	}
	return nil
}

func sigmoidVec[T Float](y, x []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = sigmoid(v)
	}
}

func (Sigmoid) DiffWRT(int) []bool { return []bool{true} }
func (op Sigmoid) SymDiff(_ gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(SigmoidGrad{Dims: op.Dims}, out, grad)
	return gorgonia.Nodes{dx}, err
}

// SigmoidGrad is dx = dy·y·(1−y), from the sigmoid's output y.
type SigmoidGrad struct {
	opBase
	Dims int
}

func (op SigmoidGrad) Arity() int            { return 2 }
func (op SigmoidGrad) Type() hm.Type         { return hm.NewFnType(tt(op.Dims), tt(op.Dims), tt(op.Dims)) }
func (op SigmoidGrad) String() string        { return "SigmoidGrad" }
func (op SigmoidGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op SigmoidGrad) Hashcode() uint32      { return hashcode(op) }
func (op SigmoidGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op SigmoidGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (SigmoidGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		sigmoidBwd(out.F32, in[0].F32, in[1].F32)
	} else {
		sigmoidBwd(out.F64, in[0].F64, in[1].F64)
	}
	return nil
}

func sigmoidBwd[T Float](dx, y, dy []T) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
}
