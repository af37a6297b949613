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
	// ForwardPacked is Forward over left-padded sequences of different
	// lengths (B int32), PyTorch's packed sequences: each sequence's
	// recurrence starts at its first real token and last is its final
	// state, whatever the padding. nil lengths is Forward.
	ForwardPacked(g *graph.Graph, x, lengths *gorgonia.Node) (seq, last *gorgonia.Node)
	// HiddenSize is the width of the hidden state.
	HiddenSize() int
	// Kind names the cell: "lstm" or "gru" (what NewRecurrent takes).
	Kind() string
}

// Cells are the recurrent cells NewRecurrent knows, by Kind.
var Cells = []string{"lstm", "gru"}

// NewRecurrent makes a stack of the named cell ("lstm" or "gru"; see
// NewLSTM and NewGRU for the arguments). An unknown cell is an error, as
// is an argument for which NewLSTM and NewGRU panic.
func NewRecurrent(cell, name string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand) (Recurrent, error) {
	if err := recurrentError("NewRecurrent", input, hidden, layers, dropout, dt, rng); err != nil {
		return nil, err
	}
	switch cell {
	case "lstm":
		return NewLSTM(name, input, hidden, layers, dropout, dt, rng), nil
	case "gru":
		return NewGRU(name, input, hidden, layers, dropout, dt, rng), nil
	}
	return nil, fmt.Errorf("unknown recurrent cell %q (want lstm or gru)", cell)
}

// recurrentError is the error for the arguments of fn, a constructor of a
// recurrent stack, or nil.
func recurrentError(fn string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand) error {
	if err := sizeError(fn, size{"input", input}, size{"hidden", hidden}, size{"layers", layers}); err != nil {
		return err
	}
	if err := dropoutError(fn, dropout); err != nil {
		return err
	}
	return paramError(fn, dt, rng)
}

// stack runs n fused recurrent layers over x (T, B, ·), with dropout on the
// input of every layer but the first. layer(i, x) applies layer i's op
// (packed when lengths is not nil), whose flat output starts with the
// hidden states of every step (T, B, hidden), as graph.LSTM's and
// graph.GRU's do; stack returns those of the top layer and the top
// layer's last step (B, hidden), as views. With left-padded sequences the
// last step is every sequence's last real one.
func stack(g *graph.Graph, x, lengths *gorgonia.Node, n, hidden int, drop *Dropout,
	layer func(i int, x *gorgonia.Node) *gorgonia.Node) (seq, last *gorgonia.Node) {
	s := x.Shape()
	t, b := s[0], s[1]
	if lengths != nil && (lengths.Dtype() != tensor.Int32 || lengths.Shape().TotalSize() != b) {
		panic(fmt.Sprintf("layers: lengths %v %v must be %d int32 values, one per sequence of x %v", lengths.Dtype(), lengths.Shape(), b, s))
	}
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
