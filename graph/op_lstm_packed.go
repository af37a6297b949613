package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PackedLSTM is LSTM over sequences of different lengths, PyTorch's nn.LSTM
// on a pack_padded_sequence: each sequence's recurrence starts from the
// zero state at its first real token, and no work and no gradient goes
// into its padding.
//
// Inputs: LSTM's x (T, B, I), Wih (4H, I), Whh (4H, H), bih (4H) and bhh
// (4H), then lengths (B) int32, each in [0, T]. The sequences are left-padded, as
// the data is: sequence r's tokens are its last lengths[r] steps, so every
// sequence's last real step is step T−1 and LSTMLast reads each one's
// final state (zero for a sequence of length 0). The op runs only the
// steps from the longest sequence's first token on, each on the rows that
// have started (see packing: fastest with lengths in non-increasing order,
// correct in any order); the hidden states of padding steps are zeros.
//
// The output layout is LSTM's (hidden states, gate activations, cell
// states); read it through LSTMSequence and LSTMLast.
type PackedLSTM struct{ opBase }

// packedLengths checks that a packed op has one length per sequence of x.
func packedLengths(op string, x, lengths tensor.Shape) error {
	if len(x) != 3 || sizeOf(lengths) != x[1] || len(lengths) != 1 {
		return fmt.Errorf("%s: lengths %v must be one per sequence of x %v", op, lengths, x)
	}
	return nil
}

func (PackedLSTM) Arity() int { return 6 }
func (PackedLSTM) Type() hm.Type {
	return hm.NewFnType(tt(3), tt(2), tt(2), tt(1), tt(1), ttOf(1, tensor.Int32), tt(1))
}
func (PackedLSTM) String() string           { return "PackedLSTM" }
func (op PackedLSTM) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedLSTM) Hashcode() uint32      { return hashcode(op) }
func (PackedLSTM) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 6 {
		return nil, fmt.Errorf("PackedLSTM: want 6 inputs, got %d", len(s))
	}
	t, b, _, h, err := lstmDims(s)
	if err != nil {
		return nil, err
	}
	if err := packedLengths("PackedLSTM", s[0], s[5]); err != nil {
		return nil, err
	}
	return tensor.Shape{LSTMOutputSize(t, b, h)}, nil
}
func (op PackedLSTM) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// packedLSTMState is what the packed LSTM kernels keep across runs.
type packedLSTMState struct {
	job cellJob
	pk  packing
}

func packedLSTMStateOf(ctx *Ctx) *packedLSTMState { return ctxState[packedLSTMState](ctx) }

// ScratchSize is LSTM's.
func (PackedLSTM) ScratchSize(out *Buf, in []*Buf) int { return LSTM{}.ScratchSize(out, in) }

func (op PackedLSTM) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	t, b, i, h := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[2].Shape[1]
	st := packedLSTMStateOf(ctx)
	if err := setPacking(op, &st.pk, in[0], in[5]); err != nil {
		return err
	}
	if out.Dtype == tensor.Float32 {
		lstmFwd(out.F32, scratch[float32](ctx), in[0].F32, in[1].F32, in[2].F32, in[3].F32, in[4].F32, t, b, i, h, st.pk, &st.job)
	} else {
		lstmFwd(out.F64, nil, in[0].F64, in[1].F64, in[2].F64, in[3].F64, in[4].F64, t, b, i, h, st.pk, nil)
	}
	return nil
}

func (PackedLSTM) DiffWRT(int) []bool { return []bool{true, true, true, true, true, false} }

// SymDiff adds one PackedLSTMBackward node and views onto its output for
// x, the weights and the two biases (disjoint windows, as LSTM's); the
// lengths get no gradient.
func (PackedLSTM) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	bwd, err := gorgonia.ApplyOp(PackedLSTMBackward{}, in[0], in[1], in[2], out, grad, in[5])
	if err != nil {
		return nil, err
	}
	views, err := splitViews(bwd, in[:5])
	return append(views, nil), err
}

// PackedLSTMBackward is LSTMBackward for PackedLSTM: its inputs are
// LSTMBackward's and the lengths, its output the same flat concatenation
// of dx (zero at padding), dWih, dWhh, dbih and dbhh.
type PackedLSTMBackward struct{ opBase }

func (PackedLSTMBackward) Arity() int { return 6 }
func (PackedLSTMBackward) Type() hm.Type {
	return hm.NewFnType(tt(3), tt(2), tt(2), tt(1), tt(1), ttOf(1, tensor.Int32), tt(1))
}
func (PackedLSTMBackward) String() string           { return "PackedLSTMBackward" }
func (op PackedLSTMBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedLSTMBackward) Hashcode() uint32      { return hashcode(op) }
func (PackedLSTMBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 6 {
		return nil, fmt.Errorf("PackedLSTMBackward: want 6 inputs, got %d", len(s))
	}
	if err := packedLengths("PackedLSTMBackward", s[0], s[5]); err != nil {
		return nil, err
	}
	return LSTMBackward{}.InferShape(s[0], s[1], s[2], s[3], s[4])
}

// InputRange is the dense op's: only the hidden states' part of the output
// gradient (input 4) is read.
func (PackedLSTMBackward) InputRange(i int, in []tensor.Shape) (off, n int) {
	return recurrentGradRange(i, in)
}
func (op PackedLSTMBackward) Do(v ...gorgonia.Value) (gorgonia.Value, error) {
	return doCPU(op, v...)
}

// ScratchSize is LSTMBackward's.
func (PackedLSTMBackward) ScratchSize(out *Buf, in []*Buf) int {
	return LSTMBackward{}.ScratchSize(out, in)
}

func (op PackedLSTMBackward) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	t, b, i, h := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[2].Shape[1]
	st := packedLSTMStateOf(ctx)
	if err := setPacking(op, &st.pk, in[0], in[5]); err != nil {
		return err
	}
	if out.Dtype == tensor.Float32 {
		lstmBwd(out.F32, scratch[float32](ctx), in[0].F32, in[1].F32, in[2].F32, in[3].F32, in[4].F32, t, b, i, h, st.pk, &st.job)
	} else {
		lstmBwd(out.F64, scratch[float64](ctx), in[0].F64, in[1].F64, in[2].F64, in[3].F64, in[4].F64, t, b, i, h, st.pk, nil)
	}
	return nil
}
