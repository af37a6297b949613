package graph

import (
	"hash"

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
type PackedGRU struct{ packedRecurrentOp }

func (PackedGRU) String() string           { return "PackedGRU" }
func (op PackedGRU) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedGRU) Hashcode() uint32      { return hashcode(op) }
func (op PackedGRU) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return gruCell.forwardShape(op, ns)
}
func (op PackedGRU) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ScratchSize is GRU's.
func (PackedGRU) ScratchSize(out *Buf, in []*Buf) int { return GRU{}.ScratchSize(out, in) }

func (op PackedGRU) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	return execPacked(op, ctx, out, in, gruFwd[float32], gruFwd[float64])
}

func (PackedGRU) DiffWRT(int) []bool { return []bool{true, true, true, true, true, false} }

// SymDiff adds one PackedGRUBackward node and views onto its output for x,
// the weights and the biases; the lengths get no gradient.
func (PackedGRU) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return recurrentSymDiff(PackedGRUBackward{}, in, out, grad)
}

// PackedGRUBackward is GRUBackward for PackedGRU: its inputs are
// GRUBackward's and the lengths, its output the same flat concatenation of
// dx (zero at padding), dWih, dWhh, dbih and dbhh.
type PackedGRUBackward struct{ packedRecurrentOp }

func (PackedGRUBackward) String() string           { return "PackedGRUBackward" }
func (op PackedGRUBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op PackedGRUBackward) Hashcode() uint32      { return hashcode(op) }
func (op PackedGRUBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return gruCell.backwardShape(op, ns)
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
	return execPacked(op, ctx, out, in, gruBwd[float32], gruBwd[float64])
}
