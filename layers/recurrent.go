package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Recurrent is a stack of recurrent layers over time-major sequences: LSTM
// and GRU both satisfy it, so a model can take either cell, in one
// direction or both (WithBidirectional).
type Recurrent interface {
	Layer
	// Forward runs the stack over x (T, B, Input) and returns the top
	// layer's outputs for every step, (T, B, OutputSize), and its
	// features for the whole sequence, (B, OutputSize): the hidden state
	// of the last step, and for a bidirectional stack that joined by the
	// reverse direction's final state (see WithBidirectional).
	Forward(g *graph.Graph, x *gorgonia.Node) (seq, last *gorgonia.Node)
	// ForwardPacked is Forward over left-padded sequences of different
	// lengths (B int32), PyTorch's packed sequences: each sequence's
	// recurrence starts at its first real token and last is its final
	// state, whatever the padding. nil lengths is Forward.
	ForwardPacked(g *graph.Graph, x, lengths *gorgonia.Node) (seq, last *gorgonia.Node)
	// HiddenSize is the width of the hidden state (of one direction).
	HiddenSize() int
	// OutputSize is the width of Forward's outputs: HiddenSize, twice
	// that for a bidirectional stack.
	OutputSize() int
	// Bidirectional reports whether every layer runs in both directions.
	Bidirectional() bool
	// Kind names the cell: "lstm" or "gru" (what NewRecurrent takes).
	Kind() string
}

// RecurrentOption configures NewRecurrent, NewLSTM and NewGRU.
type RecurrentOption func(*recurrentOptions)

type recurrentOptions struct{ bidirectional bool }

// WithBidirectional(true) makes every layer of the stack bidirectional,
// PyTorch's nn.LSTM/nn.GRU(bidirectional=True): besides the cell that
// reads the sequence forwards, each layer has a reverse cell, with its own
// weights (PyTorch's names with the suffix _reverse: weight_ih_l0_reverse,
// ..., bias_hh_l<k>_reverse), that reads it from its last step to its
// first, and the layer's output at each step is the two directions'
// hidden states side by side, (T, B, 2·Hidden): forward first, as
// PyTorch's. The next layer reads those 2·Hidden features (after the
// dropout between layers). The stack's last features are the forward
// direction's last hidden state and the reverse direction's final one
// (the state after it has read the first step), joined: PyTorch's
// torch.cat((h_n[-2], h_n[-1]), 1).
//
// Padded (Forward), the reverse direction reads all T steps backwards, as
// PyTorch's on a padded batch does: with left padding, a sequence's real
// tokens first and then its padding. Packed (ForwardPacked), it reads each
// sequence's real tokens alone, last to first, as PyTorch's on a
// pack_padded_sequence does, and starts from the zero state at its last
// token. Both directions run the same fused ops as a unidirectional
// stack: the reverse one over the input reversed in time (graph.Reverse,
// graph.PackedReverse), its hidden states reversed back.
func WithBidirectional(on bool) RecurrentOption {
	return func(o *recurrentOptions) { o.bidirectional = on }
}

func recurrentOptionsOf(opts []RecurrentOption) recurrentOptions {
	var o recurrentOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// cellParams makes the weights of layer i's cell in direction d (1: the
// reverse one, its names with PyTorch's suffix _reverse) for a cell of
// gates rows (4H for the LSTM, 3H for the GRU) reading in features, each
// drawn from U(−k, k) in the order Wih, Whh, Bih, Bhh, as PyTorch's.
func cellParams(name string, i, d, gates, in, hidden int, dt tensor.Dtype, rng *rand.Rand, k float64) (wih, whh, bih, bhh *graph.Param) {
	suffix := [...]string{"", "_reverse"}[d]
	wih = graph.NewParam(fmt.Sprintf("%s.weight_ih_l%d%s", name, i, suffix), dt, gates, in)
	whh = graph.NewParam(fmt.Sprintf("%s.weight_hh_l%d%s", name, i, suffix), dt, gates, hidden)
	bih = graph.NewParam(fmt.Sprintf("%s.bias_ih_l%d%s", name, i, suffix), dt, gates)
	bhh = graph.NewParam(fmt.Sprintf("%s.bias_hh_l%d%s", name, i, suffix), dt, gates)
	for _, p := range []*graph.Param{wih, whh, bih, bhh} {
		p.InitUniform(rng, k)
	}
	return wih, whh, bih, bhh
}

// cellWeights are the weights of one layer's cell in one direction, as
// LSTMCell and GRUCell hold them.
type cellWeights struct{ Wih, Whh, Bih, Bhh *graph.Param }

// cell is LSTMCell or GRUCell: cellWeights under the cell's own name.
type cell interface {
	~struct{ Wih, Whh, Bih, Bhh *graph.Param }
}

// newCells makes the cells of a stack of layers layers of a cell with
// gates·hidden rows in its weights (gates 4 for the LSTM, 3 for the GRU):
// layer by layer, the forward cell before the reverse one, as PyTorch
// draws them. reverse is nil for a unidirectional stack.
func newCells[C cell](name string, input, hidden, layers, gates int, dt tensor.Dtype, rng *rand.Rand, o recurrentOptions) (cells, reverse []C) {
	k := fanBound(hidden)
	for i := 0; i < layers; i++ {
		in := input
		if i > 0 {
			in = o.directions() * hidden
		}
		for d := range o.directions() {
			var w cellWeights
			w.Wih, w.Whh, w.Bih, w.Bhh = cellParams(name, i, d, gates*hidden, in, hidden, dt, rng, k)
			if d == 0 {
				cells = append(cells, C(w))
			} else {
				reverse = append(reverse, C(w))
			}
		}
	}
	return cells, reverse
}

// cellParamList lists each layer's Wih, Whh, Bih, Bhh, then its reverse
// cell's: PyTorch's order.
func cellParamList[C cell](cells, reverse []C) []*graph.Param {
	var ps []*graph.Param
	for i, c := range cells {
		w := cellWeights(c)
		ps = append(ps, w.Wih, w.Whh, w.Bih, w.Bhh)
		if reverse != nil {
			r := cellWeights(reverse[i])
			ps = append(ps, r.Wih, r.Whh, r.Bih, r.Bhh)
		}
	}
	return ps
}

// stackCells runs a stack of cells (and reverse cells, when not nil) over
// x, each layer one op: dense, or packed over lengths when they are not
// nil (see stack).
func stackCells[C cell](g *graph.Graph, x, lengths *gorgonia.Node, cells, reverse []C, hidden int, drop *Dropout, dense, packed gorgonia.Op) (seq, last *gorgonia.Node) {
	run := func(cells []C) func(i int, x *gorgonia.Node) *gorgonia.Node {
		return func(i int, x *gorgonia.Node) *gorgonia.Node {
			c := cellWeights(cells[i])
			if lengths != nil {
				return graph.Use(packed, x, g.Param(c.Wih), g.Param(c.Whh), g.Param(c.Bih), g.Param(c.Bhh), lengths)
			}
			return graph.Use(dense, x, g.Param(c.Wih), g.Param(c.Whh), g.Param(c.Bih), g.Param(c.Bhh))
		}
	}
	var rev func(int, *gorgonia.Node) *gorgonia.Node
	if reverse != nil {
		rev = run(reverse)
	}
	return stack(g, x, lengths, len(cells), hidden, drop, run(cells), rev)
}

// outputSize is the width of a stack's outputs.
func outputSize(hidden int, bidirectional bool) int {
	if bidirectional {
		return 2 * hidden
	}
	return hidden
}

// directions is 2 for a bidirectional stack, else 1.
func (o recurrentOptions) directions() int {
	if o.bidirectional {
		return 2
	}
	return 1
}

// Cells are the recurrent cells NewRecurrent knows, by Kind.
var Cells = []string{"lstm", "gru"}

// NewRecurrent makes a stack of the named cell ("lstm" or "gru"; see
// NewLSTM and NewGRU for the arguments and options). An unknown cell is
// an error, as is an argument for which NewLSTM and NewGRU panic.
func NewRecurrent(cell, name string, input, hidden, layers int, dropout float64, dt tensor.Dtype, rng *rand.Rand,
	opts ...RecurrentOption) (Recurrent, error) {
	if err := recurrentError("NewRecurrent", input, hidden, layers, dropout, dt, rng); err != nil {
		return nil, err
	}
	switch cell {
	case "lstm":
		return NewLSTM(name, input, hidden, layers, dropout, dt, rng, opts...), nil
	case "gru":
		return NewGRU(name, input, hidden, layers, dropout, dt, rng, opts...), nil
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
//
// reverse, when not nil, is layer i's reverse direction (the same op with
// the reverse cell's weights): it runs over x reversed in time (within
// each sequence's real steps when packed), its hidden states are
// reversed back, and the layer's output is the two side by side, (T, B,
// 2·hidden); last is the two directions' last steps side by side, (B,
// 2·hidden), the reverse one's being its state after the first step.
func stack(g *graph.Graph, x, lengths *gorgonia.Node, n, hidden int, drop *Dropout,
	layer, reverse func(i int, x *gorgonia.Node) *gorgonia.Node) (seq, last *gorgonia.Node) {
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
		if reverse == nil {
			x = graph.NewView(out, 0, t, b, hidden)
			if i == n-1 {
				last = graph.NewView(out, (t-1)*b*hidden, b, hidden)
			}
			continue
		}
		rout := reverse(i, graph.NewReverse(x, lengths))
		back := graph.NewReverse(graph.NewView(rout, 0, t, b, hidden), lengths)
		// graph.Concat joins matrices: each step's rows of both directions
		// as (T·B, hidden), joined and seen as (T, B, 2·hidden) again.
		both := graph.NewConcat(graph.NewView(out, 0, t*b, hidden), graph.NewView(back, 0, t*b, hidden))
		x = graph.NewView(both, 0, t, b, 2*hidden)
		if i == n-1 {
			last = graph.NewConcat(graph.NewView(out, (t-1)*b*hidden, b, hidden),
				graph.NewView(rout, (t-1)*b*hidden, b, hidden))
		}
	}
	return x, last
}
