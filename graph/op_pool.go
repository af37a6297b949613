package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxOverTime is global max pooling over time: x (T, B, C) time-major to
// y (B, C), y[b,c] = max_t x[t,b,c] (PyTorch: x.max(dim=0).values).
type MaxOverTime struct{ opBase }

func (MaxOverTime) Arity() int               { return 1 }
func (MaxOverTime) Type() hm.Type            { return hm.NewFnType(tt(3), tt(2)) }
func (MaxOverTime) String() string           { return "MaxOverTime" }
func (op MaxOverTime) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op MaxOverTime) Hashcode() uint32      { return hashcode(op) }
func (MaxOverTime) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 1 || len(s[0]) != 3 || s[0][0] < 1 {
		return nil, fmt.Errorf("MaxOverTime: want x (T,B,C) with T ≥ 1, got %v", s)
	}
	return tensor.Shape{s[0][1], s[0][2]}, nil
}
func (op MaxOverTime) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (MaxOverTime) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	t, n := in[0].Shape[0], in[0].Shape[1]*in[0].Shape[2]
	if out.Dtype == tensor.Float32 {
		maxOverTime(out.F32, in[0].F32, t, n)
	} else {
		maxOverTime(out.F64, in[0].F64, t, n)
	}
	return nil
}

func maxOverTime[T Float](y, x []T, t, n int) {
	copy(y[:n], x[:n])
	for s := 1; s < t; s++ {
		xs := x[s*n : (s+1)*n]
		y := y[:n]
		for i, v := range xs {
			y[i] = max(y[i], v)
		}
	}
}

func (MaxOverTime) DiffWRT(int) []bool { return []bool{true} }
func (MaxOverTime) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(MaxOverTimeGrad{}, in[0], out, grad)
	return gorgonia.Nodes{dx}, err
}

// MaxOverTimeGrad routes the gradient dy (B, C) of MaxOverTime back to the
// step that held each maximum (the first, on ties), from x (T, B, C) and
// the forward output y; every other element of dx (T, B, C) is zero.
type MaxOverTimeGrad struct{ opBase }

func (MaxOverTimeGrad) Arity() int               { return 3 }
func (MaxOverTimeGrad) Type() hm.Type            { return hm.NewFnType(tt(3), tt(2), tt(2), tt(3)) }
func (MaxOverTimeGrad) String() string           { return "MaxOverTimeGrad" }
func (op MaxOverTimeGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op MaxOverTimeGrad) Hashcode() uint32      { return hashcode(op) }
func (MaxOverTimeGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op MaxOverTimeGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (MaxOverTimeGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	t, n := in[0].Shape[0], in[0].Shape[1]*in[0].Shape[2]
	if out.Dtype == tensor.Float32 {
		maxOverTimeBwd(out.F32, in[0].F32, in[1].F32, in[2].F32, t, n)
	} else {
		maxOverTimeBwd(out.F64, in[0].F64, in[1].F64, in[2].F64, t, n)
	}
	return nil
}

func maxOverTimeBwd[T Float](dx, x, y, dy []T, t, n int) {
	y, dy = y[:n], dy[:n]
	for i := range n {
		found := false
		for s := 0; s < t; s++ {
			k := s*n + i
			if !found && x[k] == y[i] {
				dx[k], found = dy[i], true
			} else {
				dx[k] = 0
			}
		}
	}
}
