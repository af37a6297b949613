package layers

import (
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// GRU is a stack of GRU layers over time-major sequences (T, B, Input) with
// PyTorch's nn.GRU semantics and parameters: gates r, z, n, two biases per
// layer, dropout on the outputs of every layer but the last, and a zero
// initial state. Each layer runs as one fused graph.GRU op, two for a
// bidirectional stack.
type GRU struct {
	Input, Hidden int
	Cells         []GRUCell
	// Reverse holds each layer's reverse-direction cell for a
	// bidirectional stack (WithBidirectional), under the names of Cells
	// with the suffix _reverse; nil for a unidirectional one.
	Reverse []GRUCell
	Dropout Dropout
}

var _ Recurrent = (*GRU)(nil)

// GRUCell holds one layer's weights, gate blocks in the order r, z, n, under
// PyTorch's state_dict names (<name>.weight_ih_l<k> and so on).
type GRUCell struct {
	Wih, Whh *graph.Param // (3H, in), (3H, H)
	Bih, Bhh *graph.Param // (3H) each
}

// NewGRU initialises every weight and bias from U(−1/√H, 1/√H), as
// PyTorch does (layer by layer, the forward cell before the reverse one).
// dropout is the probability applied between layers, in [0, 1). opts:
// WithBidirectional. It panics unless input, hidden and layers are at
// least 1, dropout is in [0, 1), rng is not nil and dt is float32 or
// float64 (see NewRecurrent for these as errors).
func NewGRU(name string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand, opts ...RecurrentOption) *GRU {
	must(recurrentError("NewGRU", input, hidden, layers, dropout, dt, rng))
	l := &GRU{Input: input, Hidden: hidden, Dropout: Dropout{P: dropout, Seed: rng.Uint64()}}
	l.Cells, l.Reverse = newCells[GRUCell](name, input, hidden, layers, 3, dt, rng, recurrentOptionsOf(opts))
	return l
}

// Params lists each layer's Wih, Whh, Bih, Bhh, then its reverse cell's,
// PyTorch's order.
func (l *GRU) Params() []*graph.Param { return cellParamList(l.Cells, l.Reverse) }

// Kind is "gru".
func (l *GRU) Kind() string { return "gru" }

// HiddenSize is the width of the hidden state.
func (l *GRU) HiddenSize() int { return l.Hidden }

// Bidirectional reports whether the layers have reverse cells.
func (l *GRU) Bidirectional() bool { return l.Reverse != nil }

// OutputSize is Hidden, 2·Hidden when bidirectional.
func (l *GRU) OutputSize() int { return outputSize(l.Hidden, l.Reverse != nil) }

// Forward runs the stack over x (T, B, Input) and returns the top layer's
// hidden states for every step, (T, B, OutputSize), and for the last step,
// (B, OutputSize) (see WithBidirectional for the bidirectional stack's).
func (l *GRU) Forward(g *graph.Graph, x *gorgonia.Node) (seq, last *gorgonia.Node) {
	return l.ForwardPacked(g, x, nil)
}

// ForwardPacked is Forward over left-padded sequences of different
// lengths (B int32): each layer is a graph.PackedGRU, PyTorch's nn.GRU on
// a pack_padded_sequence (see LSTM.ForwardPacked). nil lengths is Forward.
func (l *GRU) ForwardPacked(g *graph.Graph, x, lengths *gorgonia.Node) (seq, last *gorgonia.Node) {
	return stackCells(g, x, lengths, l.Cells, l.Reverse, l.Hidden, &l.Dropout, graph.GRU{}, graph.PackedGRU{})
}
