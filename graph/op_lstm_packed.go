package graph

import (
	"hash"

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
type PackedLSTM struct{ packedRecurrentOp }

func (PackedLSTM) String() string           { return "PackedLSTM" }
func (op PackedLSTM) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedLSTM) Hashcode() uint32      { return hashcode(op) }
func (op PackedLSTM) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return lstmCell.forwardShape(op, ns)
}
func (op PackedLSTM) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ScratchSize is LSTM's.
func (PackedLSTM) ScratchSize(out *Buf, in []*Buf) int { return LSTM{}.ScratchSize(out, in) }

func (op PackedLSTM) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	return execPacked(op, ctx, out, in, lstmFwd[float32], lstmFwd[float64])
}

func (PackedLSTM) DiffWRT(int) []bool { return []bool{true, true, true, true, true, false} }

// SymDiff adds one PackedLSTMBackward node and views onto its output for
// x, the weights and the two biases (disjoint windows, as LSTM's); the
// lengths get no gradient.
func (PackedLSTM) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return recurrentSymDiff(PackedLSTMBackward{}, in, out, grad)
}

// PackedLSTMBackward is LSTMBackward for PackedLSTM: its inputs are
// LSTMBackward's and the lengths, its output the same flat concatenation
// of dx (zero at padding), dWih, dWhh, dbih and dbhh.
type PackedLSTMBackward struct{ packedRecurrentOp }

func (PackedLSTMBackward) String() string           { return "PackedLSTMBackward" }
func (op PackedLSTMBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedLSTMBackward) Hashcode() uint32      { return hashcode(op) }
func (op PackedLSTMBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return lstmCell.backwardShape(op, ns)
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
	return execPacked(op, ctx, out, in, lstmBwd[float32], lstmBwd[float64])
}
