package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Linear is y = x·Wᵀ + b with x (N, in), W (out, in) as in PyTorch, b (out).
type Linear struct{ opBase }

func (Linear) Arity() int               { return 3 }
func (Linear) Type() hm.Type            { return hm.NewFnType(tt(2), tt(2), tt(1), tt(2)) }
func (Linear) String() string           { return "Linear" }
func (op Linear) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Linear) Hashcode() uint32      { return hashcode(op) }

func (op Linear) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 3 || len(s[0]) != 2 || len(s[1]) != 2 || s[0][1] != s[1][1] || sizeOf(s[2]) != s[1][0] {
		return nil, fmt.Errorf("Linear: x %v, W %v, b %v do not fit (want x (N,in), W (out,in), b (out))", s[0], s[1], s[2])
	}
	return tensor.Shape{s[0][0], s[1][0]}, nil
}

func (op Linear) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

func (Linear) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	n, k, m := in[0].Shape[0], in[0].Shape[1], in[1].Shape[0]
	if out.Dtype == tensor.Float32 {
		linearFwd(out.F32, in[0].F32, in[1].F32, in[2].F32, n, k, m)
	} else {
		linearFwd(out.F64, in[0].F64, in[1].F64, in[2].F64, n, k, m)
	}
	return nil
}

func linearFwd[T Float](y, x, w, b []T, n, k, m int) {
	gemm(false, true, n, m, k, 1, x, k, w, k, 0, y, m)
	addRows(y, b, n, m)
}

func (Linear) DiffWRT(int) []bool { return []bool{true, true, true} }

func (Linear) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(LinearGradX{}, grad, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(LinearGradW{}, grad, in[0])
	if err != nil {
		return nil, err
	}
	db, err := gorgonia.ApplyOp(LinearGradB{}, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// LinearGradX is dx = dy·W.
type LinearGradX struct{ opBase }

func (LinearGradX) Arity() int               { return 2 }
func (LinearGradX) Type() hm.Type            { return hm.NewFnType(tt(2), tt(2), tt(2)) }
func (LinearGradX) String() string           { return "LinearGradX" }
func (op LinearGradX) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op LinearGradX) Hashcode() uint32      { return hashcode(op) }
func (op LinearGradX) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][0], s[1][1]}, nil
}
func (op LinearGradX) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (LinearGradX) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	n, m, k := in[0].Shape[0], in[0].Shape[1], in[1].Shape[1]
	if out.Dtype == tensor.Float32 {
		gemm(false, false, n, k, m, 1, in[0].F32, m, in[1].F32, k, 0, out.F32, k)
	} else {
		gemm(false, false, n, k, m, 1, in[0].F64, m, in[1].F64, k, 0, out.F64, k)
	}
	return nil
}

// LinearGradW is dW = dyᵀ·x.
type LinearGradW struct{ opBase }

func (LinearGradW) Arity() int               { return 2 }
func (LinearGradW) Type() hm.Type            { return hm.NewFnType(tt(2), tt(2), tt(2)) }
func (LinearGradW) String() string           { return "LinearGradW" }
func (op LinearGradW) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op LinearGradW) Hashcode() uint32      { return hashcode(op) }
func (op LinearGradW) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][1], s[1][1]}, nil
}
func (op LinearGradW) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (LinearGradW) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	n, m, k := in[0].Shape[0], in[0].Shape[1], in[1].Shape[1]
	if out.Dtype == tensor.Float32 {
		gemm(true, false, m, k, n, 1, in[0].F32, m, in[1].F32, k, 0, out.F32, k)
	} else {
		gemm(true, false, m, k, n, 1, in[0].F64, m, in[1].F64, k, 0, out.F64, k)
	}
	return nil
}

// LinearGradB is db = column sums of dy.
type LinearGradB struct{ opBase }

func (LinearGradB) Arity() int               { return 1 }
func (LinearGradB) Type() hm.Type            { return hm.NewFnType(tt(2), tt(1)) }
func (LinearGradB) String() string           { return "LinearGradB" }
func (op LinearGradB) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op LinearGradB) Hashcode() uint32      { return hashcode(op) }
func (op LinearGradB) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][1]}, nil
}
func (op LinearGradB) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (LinearGradB) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	n, m := in[0].Shape[0], in[0].Shape[1]
	if out.Dtype == tensor.Float32 {
		sumRows(out.F32, in[0].F32, n, m, false)
	} else {
		sumRows(out.F64, in[0].F64, n, m, false)
	}
	return nil
}
