package layers

import (
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// LSTM is a stack of LSTM layers over time-major sequences (T, B, Input),
// with dropout on the outputs of every layer but the last (PyTorch's
// nn.LSTM dropout argument) and a zero initial state. Each layer runs as
// one fused graph.LSTM op, two for a bidirectional stack.
type LSTM struct {
	Input, Hidden int
	Cells         []LSTMCell
	// Reverse holds each layer's reverse-direction cell for a
	// bidirectional stack (WithBidirectional), under the names of Cells
	// with the suffix _reverse; nil for a unidirectional one.
	Reverse []LSTMCell
	Dropout Dropout
}

// LSTMCell holds one layer's weights, gate blocks in the order i, f, g, o,
// under PyTorch's state_dict names (<name>.weight_ih_l<k>,
// <name>.weight_hh_l<k>, <name>.bias_ih_l<k>, <name>.bias_hh_l<k>). The
// forward pass only uses Bih + Bhh, but training needs both, as PyTorch
// keeps them: each gets the gate gradient, so the global gradient norm
// counts it twice and Adam moves the sum by up to twice its learning rate.
type LSTMCell struct {
	Wih, Whh *graph.Param // (4H, in), (4H, H)
	Bih, Bhh *graph.Param // (4H) each
}

// NewLSTM initialises every weight and bias from U(−1/√H, 1/√H), as
// PyTorch does (layer by layer, the forward cell before the reverse one).
// dropout is the probability applied between layers, in [0, 1). opts:
// WithBidirectional. It panics unless input, hidden and layers are at
// least 1, dropout is in [0, 1), rng is not nil and dt is float32 or
// float64 (see NewRecurrent for these as errors).
func NewLSTM(name string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand, opts ...RecurrentOption) *LSTM {
	must(recurrentError("NewLSTM", input, hidden, layers, dropout, dt, rng))
	l := &LSTM{Input: input, Hidden: hidden, Dropout: Dropout{P: dropout, Seed: rng.Uint64()}}
	l.Cells, l.Reverse = newCells[LSTMCell](name, input, hidden, layers, 4, dt, rng, recurrentOptionsOf(opts))
	return l
}

var _ Recurrent = (*LSTM)(nil)

// Params lists each layer's Wih, Whh, Bih, Bhh, then its reverse cell's,
// PyTorch's order.
func (l *LSTM) Params() []*graph.Param { return cellParamList(l.Cells, l.Reverse) }

// Kind is "lstm".
func (l *LSTM) Kind() string { return "lstm" }

// HiddenSize is the width of the hidden state.
func (l *LSTM) HiddenSize() int { return l.Hidden }

// Bidirectional reports whether the layers have reverse cells.
func (l *LSTM) Bidirectional() bool { return l.Reverse != nil }

// OutputSize is Hidden, 2·Hidden when bidirectional.
func (l *LSTM) OutputSize() int { return outputSize(l.Hidden, l.Reverse != nil) }

// Forward runs the stack over x (T, B, Input) and returns the top layer's
// hidden states for every step, (T, B, OutputSize), and for the last step,
// (B, OutputSize) (see WithBidirectional for the bidirectional stack's).
func (l *LSTM) Forward(g *graph.Graph, x *gorgonia.Node) (seq, last *gorgonia.Node) {
	return l.ForwardPacked(g, x, nil)
}

// ForwardPacked is Forward over left-padded sequences of different
// lengths (B int32): each layer is a graph.PackedLSTM, PyTorch's nn.LSTM
// on a pack_padded_sequence. The recurrence of each sequence starts at its
// first real token, last holds each one's final state, the hidden states
// of padding steps are zeros and no gradient flows through them. nil
// lengths is Forward.
func (l *LSTM) ForwardPacked(g *graph.Graph, x, lengths *gorgonia.Node) (seq, last *gorgonia.Node) {
	return stackCells(g, x, lengths, l.Cells, l.Reverse, l.Hidden, &l.Dropout, graph.LSTM{}, graph.PackedLSTM{})
}
