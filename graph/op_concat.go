package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Concat joins matrices (N, Widths[i]) side by side into (N, ΣWidths), as
// torch.cat(xs, dim=1) (the text CNN joins its pooled features so).
type Concat struct {
	opBase
	Widths []int
}

// NewConcat joins the matrices xs (N, ·) along their second axis.
func NewConcat(xs ...*gorgonia.Node) *gorgonia.Node {
	ws := make([]int, len(xs))
	for i, x := range xs {
		ws[i] = x.Shape()[len(x.Shape())-1]
	}
	return Use(Concat{Widths: ws}, xs...)
}

func (op Concat) Arity() int { return len(op.Widths) }
func (op Concat) Type() hm.Type {
	ts := make([]hm.Type, len(op.Widths)+1)
	for i := range ts {
		ts[i] = tt(2)
	}
	return hm.NewFnType(ts...)
}
func (op Concat) String() string        { return fmt.Sprintf("Concat%v", op.Widths) }
func (op Concat) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Concat) Hashcode() uint32      { return hashcode(op) }
func (op Concat) total() int {
	n := 0
	for _, w := range op.Widths {
		n += w
	}
	return n
}
func (op Concat) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != len(op.Widths) || len(s) == 0 {
		return nil, fmt.Errorf("%v: got %d inputs", op, len(s))
	}
	for i, si := range s {
		if len(si) != 2 || si[0] != s[0][0] || si[1] != op.Widths[i] {
			return nil, fmt.Errorf("%v: input %d is %v, want (%d, %d)", op, i, si, s[0][0], op.Widths[i])
		}
	}
	return tensor.Shape{s[0][0], op.total()}, nil
}
func (op Concat) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (op Concat) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	total, off := op.total(), 0
	for i, b := range in {
		w := op.Widths[i]
		if out.Dtype == tensor.Float32 {
			copyCols(out.F32, b.F32, out.Shape[0], total, off, w, true)
		} else {
			copyCols(out.F64, b.F64, out.Shape[0], total, off, w, true)
		}
		off += w
	}
	return nil
}

// copyCols copies, for each of rows rows, w columns between a matrix of
// wide columns (big, from column off) and a matrix of exactly w columns
// (small): into big when toBig, else out of it.
func copyCols[T Float](big, small []T, rows, wide, off, w int, toBig bool) {
	for r := 0; r < rows; r++ {
		b, s := big[r*wide+off:r*wide+off+w], small[r*w:(r+1)*w]
		if toBig {
			copy(b, s)
		} else {
			copy(s, b)
		}
	}
}

func (op Concat) DiffWRT(int) []bool {
	d := make([]bool, len(op.Widths))
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff gives each input the columns of the gradient that it filled.
func (op Concat) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	res := make(gorgonia.Nodes, len(in))
	off := 0
	for i, w := range op.Widths {
		d, err := gorgonia.ApplyOp(ConcatGrad{Offset: off, Width: w, Total: op.total()}, grad)
		if err != nil {
			return nil, err
		}
		res[i], off = d, off+w
	}
	return res, nil
}

// ConcatGrad takes columns [Offset, Offset+Width) of a (N, Total) matrix:
// the gradient of one input of Concat.
type ConcatGrad struct {
	opBase
	Offset, Width, Total int
}

func (op ConcatGrad) Arity() int    { return 1 }
func (op ConcatGrad) Type() hm.Type { return hm.NewFnType(tt(2), tt(2)) }
func (op ConcatGrad) String() string {
	return fmt.Sprintf("ConcatGrad(%d:+%d of %d)", op.Offset, op.Width, op.Total)
}
func (op ConcatGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op ConcatGrad) Hashcode() uint32      { return hashcode(op) }
func (op ConcatGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 1 || len(s[0]) != 2 || s[0][1] != op.Total || op.Offset < 0 || op.Offset+op.Width > op.Total {
		return nil, fmt.Errorf("%v: input %v", op, s)
	}
	return tensor.Shape{s[0][0], op.Width}, nil
}
func (op ConcatGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (op ConcatGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		copyCols(in[0].F32, out.F32, out.Shape[0], op.Total, op.Offset, op.Width, false)
	} else {
		copyCols(in[0].F64, out.F64, out.Shape[0], op.Total, op.Offset, op.Width, false)
	}
	return nil
}
