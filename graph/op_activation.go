package graph

import (
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tanh is y = tanh(x), elementwise.
type Tanh struct {
	opBase
	Dims int // rank of x
}

func (op Tanh) Arity() int                                               { return 1 }
func (op Tanh) Type() hm.Type                                            { return unaryType(op.Dims) }
func (op Tanh) String() string                                           { return "Tanh" }
func (op Tanh) WriteHash(h hash.Hash)                                    { writeHash(h, op) }
func (op Tanh) Hashcode() uint32                                         { return hashcode(op) }
func (op Tanh) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) { return sameShape(ns) }
func (op Tanh) Do(v ...gorgonia.Value) (gorgonia.Value, error)           { return doCPU(op, v...) }
func (Tanh) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		mapVec(out.F32, in[0].F32, tanh[float32])
	} else {
		mapVec(out.F64, in[0].F64, tanh[float64])
	}
	return nil
}
func (Tanh) DiffWRT(int) []bool { return []bool{true} }
func (op Tanh) SymDiff(_ gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(TanhGrad{Dims: op.Dims}, out, grad)
	return gorgonia.Nodes{dx}, err
}

// TanhGrad is dx = dy·(1−y²), from the output y of Tanh.
type TanhGrad struct {
	opBase
	Dims int
}

func (op TanhGrad) Arity() int                                               { return 2 }
func (op TanhGrad) Type() hm.Type                                            { return binaryType(op.Dims) }
func (op TanhGrad) String() string                                           { return "TanhGrad" }
func (op TanhGrad) WriteHash(h hash.Hash)                                    { writeHash(h, op) }
func (op TanhGrad) Hashcode() uint32                                         { return hashcode(op) }
func (op TanhGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) { return sameShape(ns) }
func (op TanhGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error)           { return doCPU(op, v...) }
func (TanhGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		zipVec(out.F32, in[0].F32, in[1].F32, tanhBwd[float32])
	} else {
		zipVec(out.F64, in[0].F64, in[1].F64, tanhBwd[float64])
	}
	return nil
}

func tanhBwd[T Float](y, dy T) T { return dy * (1 - y*y) }

// ReLU is y = max(x, 0), elementwise.
type ReLU struct {
	opBase
	Dims int // rank of x
}

func (op ReLU) Arity() int                                               { return 1 }
func (op ReLU) Type() hm.Type                                            { return unaryType(op.Dims) }
func (op ReLU) String() string                                           { return "ReLU" }
func (op ReLU) WriteHash(h hash.Hash)                                    { writeHash(h, op) }
func (op ReLU) Hashcode() uint32                                         { return hashcode(op) }
func (op ReLU) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) { return sameShape(ns) }
func (op ReLU) Do(v ...gorgonia.Value) (gorgonia.Value, error)           { return doCPU(op, v...) }
func (ReLU) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		mapVec(out.F32, in[0].F32, relu[float32])
	} else {
		mapVec(out.F64, in[0].F64, relu[float64])
	}
	return nil
}
func (ReLU) DiffWRT(int) []bool { return []bool{true} }
func (op ReLU) SymDiff(_ gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(ReLUGrad{Dims: op.Dims}, out, grad)
	return gorgonia.Nodes{dx}, err
}

func relu[T Float](x T) T { return max(x, 0) }

// ReLUGrad is dx = dy where y > 0, else 0, from the output y of ReLU (as
// PyTorch, the gradient at 0 is 0).
type ReLUGrad struct {
	opBase
	Dims int
}

func (op ReLUGrad) Arity() int                                               { return 2 }
func (op ReLUGrad) Type() hm.Type                                            { return binaryType(op.Dims) }
func (op ReLUGrad) String() string                                           { return "ReLUGrad" }
func (op ReLUGrad) WriteHash(h hash.Hash)                                    { writeHash(h, op) }
func (op ReLUGrad) Hashcode() uint32                                         { return hashcode(op) }
func (op ReLUGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) { return sameShape(ns) }
func (op ReLUGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error)           { return doCPU(op, v...) }
func (ReLUGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		zipVec(out.F32, in[0].F32, in[1].F32, reluBwd[float32])
	} else {
		zipVec(out.F64, in[0].F64, in[1].F64, reluBwd[float64])
	}
	return nil
}

func reluBwd[T Float](y, dy T) T {
	if y > 0 {
		return dy
	}
	return 0
}

// unaryType is the type of an elementwise op of rank dims: a → a.
func unaryType(dims int) hm.Type { return hm.NewFnType(tt(dims), tt(dims)) }

// binaryType is the type of an elementwise gradient op: a → a → a.
func binaryType(dims int) hm.Type { return hm.NewFnType(tt(dims), tt(dims), tt(dims)) }

// sameShape is the InferShape of elementwise ops: the first input's shape.
func sameShape(ns []gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

// mapVec writes f(x[i]) into y (an indirect call per element: these ops
// are cheap next to the products around them).
func mapVec[T Float](y, x []T, f func(T) T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = f(v)
	}
}

// zipVec writes f(a[i], b[i]) into y.
func zipVec[T Float](y, a, b []T, f func(T, T) T) {
	y, b = y[:len(a)], b[:len(a)]
	for i, v := range a {
		y[i] = f(v, b[i])
	}
}
