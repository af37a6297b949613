package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Reverse reverses the time axis of a time-major tensor (T, B, F):
// out[s, b] = x[T−1−s, b]. A bidirectional recurrent layer runs its
// reverse direction as the forward op on Reverse(x) and reverses that
// op's hidden states back, so no recurrent kernel needs a second
// direction. Over left-padded sequences this is PyTorch's bidirectional
// nn.LSTM/nn.GRU on a padded (not packed) batch: the reverse direction
// reads a sequence's real tokens first and its padding last.
//
// Reversal is a permutation that is its own inverse, so the gradient of
// Reverse is Reverse of the incoming gradient.
type Reverse struct{ opBase }

// NewReverse reverses x (T, B, F) along its first axis; with lengths (B
// int32, not nil), each sequence's real steps only (PackedReverse).
func NewReverse(x, lengths *gorgonia.Node) *gorgonia.Node {
	if lengths != nil {
		return Use(PackedReverse{}, x, lengths)
	}
	return Use(Reverse{}, x)
}

func (Reverse) Arity() int               { return 1 }
func (Reverse) Type() hm.Type            { return hm.NewFnType(tt(3), tt(3)) }
func (Reverse) String() string           { return "Reverse" }
func (op Reverse) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Reverse) Hashcode() uint32      { return hashcode(op) }
func (Reverse) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 1 || len(s[0]) != 3 {
		return nil, fmt.Errorf("Reverse: want one (T, B, F) input, got %v", s)
	}
	return s[0].Clone(), nil
}
func (op Reverse) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

func (Reverse) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	t, b, f := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2]
	if out.Dtype == tensor.Float32 {
		reverseSteps(out.F32, in[0].F32, nil, t, 1, b*f)
	} else {
		reverseSteps(out.F64, in[0].F64, nil, t, 1, b*f)
	}
	return nil
}

func (Reverse) DiffWRT(int) []bool { return []bool{true} }

// SymDiff: the gradient is the reversed gradient.
func (Reverse) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(Reverse{}, grad)
	return gorgonia.Nodes{d}, err
}

// PackedReverse is Reverse within each of B left-padded sequences of
// lengths (B int32, each in [0, T]): sequence r of length L keeps its
// tokens in the last L steps, reversed, and zeros in its padding:
// out[T−L+k, r] = x[T−1−k, r] for k < L. This is what PyTorch's reverse
// direction reads from a pack_padded_sequence: each sequence's last token
// first. It too is its own inverse and its own gradient (the padding's
// gradient is zero).
type PackedReverse struct{ opBase }

func (PackedReverse) Arity() int { return 2 }
func (PackedReverse) Type() hm.Type {
	return hm.NewFnType(tt(3), ttOf(1, tensor.Int32), tt(3))
}
func (PackedReverse) String() string           { return "PackedReverse" }
func (op PackedReverse) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedReverse) Hashcode() uint32      { return hashcode(op) }
func (PackedReverse) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 2 || len(s[0]) != 3 {
		return nil, fmt.Errorf("PackedReverse: want a (T, B, F) input and lengths, got %v", s)
	}
	if err := packedLengths("PackedReverse", s[0], s[1]); err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op PackedReverse) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

func (op PackedReverse) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	x, lengths := in[0], in[1]
	t, b, f := x.Shape[0], x.Shape[1], x.Shape[2]
	if lengths.I32 == nil || lengths.Len() != b {
		return fmt.Errorf("%v: lengths must be %d int32 values, got %v%v", op, b, lengths.Dtype, lengths.Shape)
	}
	for r, l := range lengths.I32 {
		if l < 0 || int(l) > t {
			return fmt.Errorf("%v: sequence length %d of row %d is outside [0, %d]", op, l, r, t)
		}
	}
	if out.Dtype == tensor.Float32 {
		reverseSteps(out.F32, x.F32, lengths.I32, t, b, f)
	} else {
		reverseSteps(out.F64, x.F64, lengths.I32, t, b, f)
	}
	return nil
}

func (PackedReverse) DiffWRT(int) []bool { return []bool{true, false} }

// SymDiff: the gradient is the gradient reversed within the same lengths.
func (PackedReverse) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(PackedReverse{}, grad, in[1])
	return gorgonia.Nodes{d, nil}, err
}

// reverseSteps reverses t steps of b rows of w elements each (a step is
// b*w elements): out[s, r] = x[t−1−s, r]. With lens (one per row), row
// r's last lens[r] steps are reversed among themselves and its earlier
// steps zeroed (every element is written: buffers are reused). Reverse
// passes a whole step as one row, the packed op one row per sequence.
func reverseSteps[T Float](out, x []T, lens []int32, t, b, w int) {
	step := b * w
	for r := 0; r < b; r++ {
		pad := 0
		if lens != nil {
			pad = t - int(lens[r])
		}
		for s := 0; s < pad; s++ {
			clear(out[s*step+r*w : s*step+(r+1)*w])
		}
		for s := pad; s < t; s++ { // s = pad+k reads t−1−k
			src := pad + t - 1 - s
			copy(out[s*step+r*w:s*step+(r+1)*w], x[src*step+r*w:src*step+(r+1)*w])
		}
	}
}
