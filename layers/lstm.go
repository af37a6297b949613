package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// LSTM is a stack of LSTM layers over time-major sequences (T, B, Input),
// with dropout on the outputs of every layer but the last (PyTorch's
// nn.LSTM dropout argument) and a zero initial state. Each layer runs as
// one fused graph.LSTM op.
type LSTM struct {
	Input, Hidden int
	Cells         []LSTMCell
	Dropout       Dropout
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
// PyTorch does. dropout is the probability applied between layers, in
// [0, 1). It panics unless input, hidden and layers are at least 1,
// dropout is in [0, 1), rng is not nil and dt is float32 or float64 (see
// NewRecurrent for these as errors).
func NewLSTM(name string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand) *LSTM {
	must(recurrentError("NewLSTM", input, hidden, layers, dropout, dt, rng))
	l := &LSTM{Input: input, Hidden: hidden, Dropout: Dropout{P: dropout, Seed: rng.Uint64()}}
	k := fanBound(hidden)
	for i := 0; i < layers; i++ {
		in := input
		if i > 0 {
			in = hidden
		}
		c := LSTMCell{
			Wih: graph.NewParam(fmt.Sprintf("%s.weight_ih_l%d", name, i), dt, 4*hidden, in),
			Whh: graph.NewParam(fmt.Sprintf("%s.weight_hh_l%d", name, i), dt, 4*hidden, hidden),
			Bih: graph.NewParam(fmt.Sprintf("%s.bias_ih_l%d", name, i), dt, 4*hidden),
			Bhh: graph.NewParam(fmt.Sprintf("%s.bias_hh_l%d", name, i), dt, 4*hidden),
		}
		for _, p := range []*graph.Param{c.Wih, c.Whh, c.Bih, c.Bhh} {
			p.InitUniform(rng, k)
		}
		l.Cells = append(l.Cells, c)
	}
	return l
}

var _ Recurrent = (*LSTM)(nil)

// Params lists each layer's Wih, Whh, Bih, Bhh, PyTorch's order.
func (l *LSTM) Params() []*graph.Param {
	var ps []*graph.Param
	for _, c := range l.Cells {
		ps = append(ps, c.Wih, c.Whh, c.Bih, c.Bhh)
	}
	return ps
}

// Kind is "lstm".
func (l *LSTM) Kind() string { return "lstm" }

// HiddenSize is the width of the hidden state.
func (l *LSTM) HiddenSize() int { return l.Hidden }

// Forward runs the stack over x (T, B, Input) and returns the top layer's
// hidden states for every step, (T, B, Hidden), and for the last step, (B, Hidden).
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
	return stack(g, x, lengths, len(l.Cells), l.Hidden, &l.Dropout, func(i int, x *gorgonia.Node) *gorgonia.Node {
		c := l.Cells[i]
		if lengths != nil {
			return graph.Use(graph.PackedLSTM{}, x, g.Param(c.Wih), g.Param(c.Whh), g.Param(c.Bih), g.Param(c.Bhh), lengths)
		}
		return graph.Use(graph.LSTM{}, x, g.Param(c.Wih), g.Param(c.Whh), g.Param(c.Bih), g.Param(c.Bhh))
	})
}
