package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PackedGRU is GRU over sequences of different lengths, PyTorch's nn.GRU
// on a pack_padded_sequence: each sequence's recurrence starts from the
// zero state at its first real token, and no work and no gradient goes
// into its padding.
//
// Inputs: GRU's x (T, B, I), Wih (3H, I), Whh (3H, H), bih (3H) and bhh
// (3H), then lengths (B) int32, each in [0, T]. The sequences are
// left-padded, as for PackedLSTM: sequence r's tokens are its last
// lengths[r] steps, so GRULast reads each one's final state (zero for a
// sequence of length 0); only the steps from the longest sequence's first
// token on run, each on the rows that have started, and the hidden states
// of padding steps are zeros. The output layout is GRU's.
type PackedGRU struct{ opBase }

func (PackedGRU) Arity() int { return 6 }
func (PackedGRU) Type() hm.Type {
	return hm.NewFnType(tt(3), tt(2), tt(2), tt(1), tt(1), ttOf(1, tensor.Int32), tt(1))
}
func (PackedGRU) String() string           { return "PackedGRU" }
func (op PackedGRU) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedGRU) Hashcode() uint32      { return hashcode(op) }
func (PackedGRU) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 6 {
		return nil, fmt.Errorf("PackedGRU: want 6 inputs, got %d", len(s))
	}
	if err := packedLengths("PackedGRU", s[0], s[5]); err != nil {
		return nil, err
	}
	return GRU{}.InferShape(s[0], s[1], s[2], s[3], s[4])
}
func (op PackedGRU) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ScratchSize is GRU's.
func (PackedGRU) ScratchSize(out *Buf, in []*Buf) int { return GRU{}.ScratchSize(out, in) }

// packedGRUState is what the packed GRU kernels keep across runs.
type packedGRUState struct {
	job gruJob
	pk  packing
}

func packedGRUStateOf(ctx *Ctx) *packedGRUState { return ctxState[packedGRUState](ctx) }

func (op PackedGRU) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	t, b, i, h := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[2].Shape[1]
	st := packedGRUStateOf(ctx)
	if err := setPacking(op, &st.pk, in[0], in[5]); err != nil {
		return err
	}
	if out.Dtype == tensor.Float32 {
		gruFwd(out.F32, scratch[float32](ctx), in[0].F32, in[1].F32, in[2].F32, in[3].F32, in[4].F32, t, b, i, h, st.pk, &st.job)
	} else {
		gruFwd(out.F64, scratch[float64](ctx), in[0].F64, in[1].F64, in[2].F64, in[3].F64, in[4].F64, t, b, i, h, st.pk, nil)
	}
	return nil
}

func (PackedGRU) DiffWRT(int) []bool { return []bool{true, true, true, true, true, false} }

// SymDiff adds one PackedGRUBackward node and views onto its output for x,
// the weights and the biases; the lengths get no gradient.
func (PackedGRU) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	bwd, err := gorgonia.ApplyOp(PackedGRUBackward{}, in[0], in[1], in[2], out, grad, in[5])
	if err != nil {
		return nil, err
	}
	views, err := splitViews(bwd, in[:5])
	return append(views, nil), err
}

// PackedGRUBackward is GRUBackward for PackedGRU: its inputs are
// GRUBackward's and the lengths, its output the same flat concatenation of
// dx (zero at padding), dWih, dWhh, dbih and dbhh.
type PackedGRUBackward struct{ opBase }

func (PackedGRUBackward) Arity() int { return 6 }
func (PackedGRUBackward) Type() hm.Type {
	return hm.NewFnType(tt(3), tt(2), tt(2), tt(1), tt(1), ttOf(1, tensor.Int32), tt(1))
}
func (PackedGRUBackward) String() string           { return "PackedGRUBackward" }
func (op PackedGRUBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedGRUBackward) Hashcode() uint32      { return hashcode(op) }
func (PackedGRUBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 6 {
		return nil, fmt.Errorf("PackedGRUBackward: want 6 inputs, got %d", len(s))
	}
	if err := packedLengths("PackedGRUBackward", s[0], s[5]); err != nil {
		return nil, err
	}
	return GRUBackward{}.InferShape(s[0], s[1], s[2], s[3], s[4])
}

// InputRange is the dense op's: only the hidden states' part of the output
// gradient (input 4) is read.
func (PackedGRUBackward) InputRange(i int, in []tensor.Shape) (off, n int) {
	return recurrentGradRange(i, in)
}
func (op PackedGRUBackward) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	return doCPU(op, v...)
}

// ScratchSize is GRUBackward's.
func (PackedGRUBackward) ScratchSize(out *Buf, in []*Buf) int {
	return GRUBackward{}.ScratchSize(out, in)
}

func (op PackedGRUBackward) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	t, b, i, h := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[2].Shape[1]
	st := packedGRUStateOf(ctx)
	if err := setPacking(op, &st.pk, in[0], in[5]); err != nil {
		return err
	}
	if out.Dtype == tensor.Float32 {
		gruBwd(out.F32, scratch[float32](ctx), in[0].F32, in[1].F32, in[2].F32, in[3].F32, in[4].F32, t, b, i, h, st.pk, &st.job)
	} else {
		gruBwd(out.F64, scratch[float64](ctx), in[0].F64, in[1].F64, in[2].F64, in[3].F64, in[4].F64, t, b, i, h, st.pk, nil)
	}
	return nil
}
