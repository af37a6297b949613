package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Recurrent is a stack of recurrent layers over time-major sequences: LSTM
// and GRU both satisfy it, so a model can take either cell.
type Recurrent interface {
	Layer
	// Forward runs the stack over x (T, B, Input) and returns the top
	// layer's hidden states for every step, (T, B, Hidden), and for the
	// last step, (B, Hidden).
	Forward(g *graph.Graph, x *gorgonia.Node) (seq, last *gorgonia.Node)
	// HiddenSize is the width of the hidden state.
	HiddenSize() int
	// Kind names the cell: "lstm" or "gru" (what NewRecurrent takes).
	Kind() string
}

// Cells are the recurrent cells NewRecurrent knows, by Kind.
var Cells = []string{"lstm", "gru"}

// NewRecurrent makes a stack of the named cell ("lstm" or "gru"; see
// NewLSTM and NewGRU for the arguments). An unknown cell is an error.
func NewRecurrent(cell, name string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand) (Recurrent, error) {
	switch cell {
	case "lstm":
		return NewLSTM(name, input, hidden, layers, dropout, dt, rng), nil
	case "gru":
		return NewGRU(name, input, hidden, layers, dropout, dt, rng), nil
	}
	return nil, fmt.Errorf("unknown recurrent cell %q (want lstm or gru)", cell)
}

// stack runs n fused recurrent layers over x (T, B, ·), with dropout on the
// input of every layer but the first. layer(i, x) applies layer i's op,
// whose flat output starts with the hidden states of every step (T, B,
// hidden), as graph.LSTM's and graph.GRU's do; stack returns those of the
// top layer and the top layer's last step (B, hidden), as views.
func stack(g *graph.Graph, x *gorgonia.Node, n, hidden int, drop *Dropout,
	layer func(i int, x *gorgonia.Node) *gorgonia.Node) (seq, last *gorgonia.Node) {
	s := x.Shape()
	t, b := s[0], s[1]
	for i := range n {
		if i > 0 {
			x = drop.Forward(g, x)
		}
		out := layer(i, x)
		x = graph.NewView(out, 0, t, b, hidden)
		if i == n-1 {
			last = graph.NewView(out, (t-1)*b*hidden, b, hidden)
		}
	}
	return x, last
}
