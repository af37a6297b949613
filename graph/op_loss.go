package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Losses reduce to a scalar mean over the batch, as PyTorch's defaults do.

// BCE is binary cross-entropy on probabilities p against targets y (same
// shape): −mean(y·log p + (1−y)·log(1−p)), each log clamped at −100 like
// PyTorch's BCELoss so that p of exactly 0 or 1 gives a finite loss.
type BCE struct {
	opBase
	Dims int
}

func (op BCE) Arity() int            { return 2 }
func (op BCE) Type() hm.Type         { return hm.NewFnType(tt(op.Dims), tt(op.Dims), tt(0)) }
func (op BCE) String() string        { return "BCE" }
func (op BCE) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op BCE) Hashcode() uint32      { return hashcode(op) }
func (op BCE) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return sameShapes("BCE", ns)
}
func (op BCE) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (BCE) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		out.F32[0] = bceFwd(in[0].F32, in[1].F32)
	} else {
		out.F64[0] = bceFwd(in[0].F64, in[1].F64)
	}
	return nil
}

func clampedLog[T Float](x T) float64 {
	return math.Max(math.Log(float64(x)), -100)
}

func bceFwd[T Float](p, y []T) T {
	var s float64
	y = y[:len(p)]
	for i, pv := range p {
		s -= float64(y[i])*clampedLog(pv) + float64(1-y[i])*clampedLog(1-pv)
	}
	return T(s / float64(len(p)))
}

func (BCE) DiffWRT(int) []bool { return []bool{true, false} }
func (op BCE) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dp, err := gorgonia.ApplyOp(BCEGrad{Dims: op.Dims}, in[0], in[1], grad)
	return gorgonia.Nodes{dp, nil}, err
}

// BCEGrad is dp = dl·(p − y)/max(p(1−p), 1e-12)/N (PyTorch's formula).
type BCEGrad struct {
	opBase
	Dims int
}

func (op BCEGrad) Arity() int { return 3 }
func (op BCEGrad) Type() hm.Type {
	return hm.NewFnType(tt(op.Dims), tt(op.Dims), tt(0), tt(op.Dims))
}
func (op BCEGrad) String() string        { return "BCEGrad" }
func (op BCEGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op BCEGrad) Hashcode() uint32      { return hashcode(op) }
func (op BCEGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	if _, err := sameShapes("BCEGrad", ns[:2]); err != nil {
		return nil, err
	}
	return ns[0].(tensor.Shape).Clone(), nil
}
func (op BCEGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (BCEGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		bceBwd(out.F32, in[0].F32, in[1].F32, in[2].F32[0])
	} else {
		bceBwd(out.F64, in[0].F64, in[1].F64, in[2].F64[0])
	}
	return nil
}

func bceBwd[T Float](dp, p, y []T, dl T) {
	scale := dl / T(len(p))
	y, dp = y[:len(p)], dp[:len(p)]
	for i, pv := range p {
		den := pv * (1 - pv)
		if den < 1e-12 {
			den = 1e-12
		}
		dp[i] = scale * (pv - y[i]) / den
	}
}

// BCEWithLogits is binary cross-entropy on logits z, computed stably as
// mean(max(z,0) − z·y + log(1+e^(−|z|))).
type BCEWithLogits struct {
	opBase
	Dims int
}

func (op BCEWithLogits) Arity() int            { return 2 }
func (op BCEWithLogits) Type() hm.Type         { return hm.NewFnType(tt(op.Dims), tt(op.Dims), tt(0)) }
func (op BCEWithLogits) String() string        { return "BCEWithLogits" }
func (op BCEWithLogits) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op BCEWithLogits) Hashcode() uint32      { return hashcode(op) }
func (op BCEWithLogits) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return sameShapes("BCEWithLogits", ns)
}
func (op BCEWithLogits) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (BCEWithLogits) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		out.F32[0] = bceLogitsFwd(in[0].F32, in[1].F32)
	} else {
		out.F64[0] = bceLogitsFwd(in[0].F64, in[1].F64)
	}
	return nil
}

func bceLogitsFwd[T Float](z, y []T) T {
	var s float64
	y = y[:len(z)]
	for i, zv := range z {
		x := float64(zv)
		s += math.Max(x, 0) - x*float64(y[i]) + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return T(s / float64(len(z)))
}

func (BCEWithLogits) DiffWRT(int) []bool { return []bool{true, false} }
func (op BCEWithLogits) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dz, err := gorgonia.ApplyOp(BCEWithLogitsGrad{Dims: op.Dims}, in[0], in[1], grad)
	return gorgonia.Nodes{dz, nil}, err
}

// BCEWithLogitsGrad is dz = dl·(σ(z) − y)/N.
type BCEWithLogitsGrad struct {
	opBase
	Dims int
}

func (op BCEWithLogitsGrad) Arity() int { return 3 }
func (op BCEWithLogitsGrad) Type() hm.Type {
	return hm.NewFnType(tt(op.Dims), tt(op.Dims), tt(0), tt(op.Dims))
}
func (op BCEWithLogitsGrad) String() string        { return "BCEWithLogitsGrad" }
func (op BCEWithLogitsGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op BCEWithLogitsGrad) Hashcode() uint32      { return hashcode(op) }
func (op BCEWithLogitsGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	if _, err := sameShapes("BCEWithLogitsGrad", ns[:2]); err != nil {
		return nil, err
	}
	return ns[0].(tensor.Shape).Clone(), nil
}
func (op BCEWithLogitsGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (BCEWithLogitsGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		bceLogitsBwd(out.F32, in[0].F32, in[1].F32, in[2].F32[0])
	} else {
		bceLogitsBwd(out.F64, in[0].F64, in[1].F64, in[2].F64[0])
	}
	return nil
}

func bceLogitsBwd[T Float](dz, z, y []T, dl T) {
	scale := dl / T(len(z))
	y, dz = y[:len(z)], dz[:len(z)]
	for i, zv := range z {
		dz[i] = scale * (sigmoid(zv) - y[i])
	}
}

// SoftmaxCrossEntropy is −mean over rows of log softmax(logits)[target],
// with logits (N, C) and int32 class indices (N).
type SoftmaxCrossEntropy struct{ opBase }

func (SoftmaxCrossEntropy) Arity() int { return 2 }
func (SoftmaxCrossEntropy) Type() hm.Type {
	return hm.NewFnType(tt(2), ttOf(1, tensor.Int32), tt(0))
}
func (SoftmaxCrossEntropy) String() string           { return "SoftmaxCrossEntropy" }
func (op SoftmaxCrossEntropy) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op SoftmaxCrossEntropy) Hashcode() uint32      { return hashcode(op) }
func (SoftmaxCrossEntropy) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s[0]) != 2 || sizeOf(s[1]) != s[0][0] {
		return nil, fmt.Errorf("SoftmaxCrossEntropy: logits %v and targets %v do not fit", s[0], s[1])
	}
	return tensor.ScalarShape(), nil
}
func (op SoftmaxCrossEntropy) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	return doCPU(op, v...)
}
func (SoftmaxCrossEntropy) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	n, c := in[0].Shape[0], in[0].Shape[1]
	var err error
	if out.Dtype == tensor.Float32 {
		out.F32[0], err = softmaxCEFwd(in[0].F32, in[1].I32, n, c)
	} else {
		out.F64[0], err = softmaxCEFwd(in[0].F64, in[1].I32, n, c)
	}
	return err
}

func logSumExp[T Float](row []T) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func softmaxCEFwd[T Float](z []T, tgt []int32, n, c int) (T, error) {
	var s float64
	for r := 0; r < n; r++ {
		k := tgt[r]
		if k < 0 || int(k) >= c {
			return 0, fmt.Errorf("target %d of row %d is not a class in [0,%d)", k, r, c)
		}
		row := z[r*c : r*c+c]
		s += logSumExp(row) - float64(row[k])
	}
	return T(s / float64(n)), nil
}

func (SoftmaxCrossEntropy) DiffWRT(int) []bool { return []bool{true, false} }
func (SoftmaxCrossEntropy) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dz, err := gorgonia.ApplyOp(SoftmaxCrossEntropyGrad{}, in[0], in[1], grad)
	return gorgonia.Nodes{dz, nil}, err
}

// SoftmaxCrossEntropyGrad is dz = dl·(softmax(z) − onehot(target))/N.
type SoftmaxCrossEntropyGrad struct{ opBase }

func (SoftmaxCrossEntropyGrad) Arity() int { return 3 }
func (SoftmaxCrossEntropyGrad) Type() hm.Type {
	return hm.NewFnType(tt(2), ttOf(1, tensor.Int32), tt(0), tt(2))
}
func (SoftmaxCrossEntropyGrad) String() string           { return "SoftmaxCrossEntropyGrad" }
func (op SoftmaxCrossEntropyGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op SoftmaxCrossEntropyGrad) Hashcode() uint32      { return hashcode(op) }
func (SoftmaxCrossEntropyGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op SoftmaxCrossEntropyGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	return doCPU(op, v...)
}
func (SoftmaxCrossEntropyGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	n, c := in[0].Shape[0], in[0].Shape[1]
	if out.Dtype == tensor.Float32 {
		softmaxCEBwd(out.F32, in[0].F32, in[1].I32, in[2].F32[0], n, c)
	} else {
		softmaxCEBwd(out.F64, in[0].F64, in[1].I32, in[2].F64[0], n, c)
	}
	return nil
}

func softmaxCEBwd[T Float](dz, z []T, tgt []int32, dl T, n, c int) {
	scale := float64(dl) / float64(n)
	for r := 0; r < n; r++ {
		row, drow := z[r*c:r*c+c], dz[r*c:r*c+c]
		lse := logSumExp(row)
		for j, v := range row {
			drow[j] = T(scale * math.Exp(float64(v)-lse))
		}
		if k := int(tgt[r]); k >= 0 && k < c {
			drow[k] -= T(scale)
		}
	}
}

func sameShapes(name string, ns []gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if sizeOf(s[0]) != sizeOf(s[1]) {
		return nil, fmt.Errorf("%s: predictions %v and targets %v differ in size", name, s[0], s[1])
	}
	return tensor.ScalarShape(), nil
}
