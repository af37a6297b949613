package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

func TestEmbeddingPaddingRowStartsZero(t *testing.T) {
	e := NewEmbedding("emb", 10, 4, tensor.Float32, rand.New(rand.NewPCG(1, 1)))
	require.Equal(t, []float32{0, 0, 0, 0}, e.Table.Value.F32[:4])
	nonzero := 0
	for _, v := range e.Table.Value.F32[4:] {
		if v != 0 {
			nonzero++
		}
	}
	require.Equal(t, 36, nonzero)
}

// TestEmbeddingPaddingOption: WithPadding moves the padding row or removes
// it; the other rows are drawn the same either way.
func TestEmbeddingPaddingOption(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
	def := NewEmbedding("emb", 10, 4, tensor.Float32, rng())
	require.Equal(t, 0, def.Padding)
	learned := NewEmbedding("emb", 10, 4, tensor.Float32, rng(), WithPadding(NoPadding))
	require.Equal(t, NoPadding, learned.Padding)
	require.NotEqual(t, []float32{0, 0, 0, 0}, learned.Table.Value.F32[:4], "row 0 is drawn like the others")
	require.Equal(t, def.Table.Value.F32[4:], learned.Table.Value.F32[4:])
	third := NewEmbedding("emb", 10, 4, tensor.Float32, rng(), WithPadding(3))
	require.Equal(t, []float32{0, 0, 0, 0}, third.Table.Value.F32[12:16])
	require.Equal(t, learned.Table.Value.F32[:12], third.Table.Value.F32[:12])
	require.Panics(t, func() { NewEmbedding("emb", 10, 4, tensor.Float32, rng(), WithPadding(10)) })

	// The op the layer applies carries the option.
	g := graph.New(tensor.Float32, true)
	ids := g.Input("ids", tensor.Int32, 2, 3)
	require.Equal(t, graph.Embedding{Padding: NoPadding}, learned.Forward(g, ids).Op())
}

func TestInitialisationBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	d := NewDense("d", 16, 3, tensor.Float32, rng)
	for _, v := range d.W.Value.F32 {
		require.LessOrEqual(t, float64(v*v), 1.0/16)
	}
	l := NewLSTM("l", 5, 8, 2, 0.5, tensor.Float32, rng)
	require.Len(t, l.Params(), 8)
	var names []string
	for _, p := range l.Params() {
		names = append(names, p.Name)
	}
	require.Equal(t, []string{"l.weight_ih_l0", "l.weight_hh_l0", "l.bias_ih_l0", "l.bias_hh_l0",
		"l.weight_ih_l1", "l.weight_hh_l1", "l.bias_ih_l1", "l.bias_hh_l1"}, names, "PyTorch's state_dict names and order")
	for _, b := range []*graph.Param{l.Cells[0].Bih, l.Cells[1].Bhh} {
		require.Equal(t, tensor.Shape{32}, b.Shape())
		for _, v := range b.Value.F32 {
			require.LessOrEqual(t, float64(v*v), 1.0/8, "each bias is U(-1/sqrt(H), 1/sqrt(H)) on its own")
		}
	}
	require.Equal(t, tensor.Shape{32, 5}, l.Cells[0].Wih.Shape())
	require.Equal(t, tensor.Shape{32, 8}, l.Cells[1].Wih.Shape())
	require.Equal(t, tensor.Shape{32, 8}, l.Cells[1].Whh.Shape())
	for _, v := range l.Cells[0].Whh.Value.F32 {
		require.LessOrEqual(t, float64(v*v), 1.0/8)
	}
}

func TestDropoutOnlyWhileTraining(t *testing.T) {
	d := &Dropout{P: 0.5, Seed: 3}
	ev := graph.New(tensor.Float32, false)
	x := ev.Input("x", tensor.Float32, 4, 4)
	require.Same(t, x, d.Forward(ev, x), "inference graphs skip dropout")
	tr := graph.New(tensor.Float32, true)
	x2 := tr.Input("x", tensor.Float32, 4, 4)
	require.NotSame(t, x2, d.Forward(tr, x2))
	require.Same(t, x2, (&Dropout{P: 0}).Forward(tr, x2), "P=0 is the identity")
}

// TestDropoutHandBuiltBadP: a Dropout built by hand with P outside [0, 1)
// panics when a graph is built with it, training or not, naming P, as the
// constructors do for their dropout argument; before, an inference graph
// took it silently, a training graph panicked in package graph without
// naming the layer, and NaN passed both.
func TestDropoutHandBuiltBadP(t *testing.T) {
	for _, p := range []float64{2, 1, -0.1, math.NaN()} {
		for _, training := range []bool{false, true} {
			g := graph.New(tensor.Float32, training)
			x := g.Input("x", tensor.Float32, 4, 4)
			want := fmt.Sprintf("layers: Dropout: P %v, want a probability in [0, 1)", p)
			require.PanicsWithValue(t, want, func() { (&Dropout{P: p}).Forward(g, x) }, "P %v, training %v", p, training)
		}
	}
}

// TestModelGradients checks a whole classifier built from the layers —
// embedding, two stacked recurrent layers (each cell), dense, sigmoid,
// BCE — against finite differences in float64.
func TestModelGradients(t *testing.T) {
	const B, T, V, E, H = 3, 5, 9, 4, 6
	for _, cell := range Cells {
		t.Run(cell, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, 4))
			emb := NewEmbedding("emb", V, E, tensor.Float64, rng)
			rnn, err := NewRecurrent(cell, cell, E, H, 2, 0, tensor.Float64, rng)
			require.NoError(t, err)
			require.Equal(t, cell, rnn.Kind())
			out := NewDense("out", rnn.HiddenSize(), 1, tensor.Float64, rng)

			g := graph.New(tensor.Float64, true)
			ids := g.Input("ids", tensor.Int32, B, T)
			y := g.Input("y", tensor.Float64, B, 1)
			seq, last := rnn.Forward(g, emb.Forward(g, ids))
			require.Equal(t, tensor.Shape{T, B, H}, seq.Shape())
			p := Sigmoid(out.Forward(g, last))
			loss := BCELoss(p, y)
			grads, err := g.Grad(loss)
			require.NoError(t, err)
			prog, err := g.Compile([]*gorgonia.Node{loss}, grads)
			require.NoError(t, err)
			for i := range prog.Buf(ids).I32 {
				prog.Buf(ids).I32[i] = int32((i*7 + 3) % V)
			}
			prog.Buf(ids).I32[0] = 0 // padding at the start of the first row
			prog.Buf(y).F64[1] = 1
			require.NoError(t, graph.CheckGradients(prog, loss, g.Params(), grads, graph.GradCheck{
				Frozen: map[string]int{"emb.weight": E},
			}))
		})
	}
	_, err := NewRecurrent("rnn", "x", 1, 1, 1, 0, tensor.Float64, rand.New(rand.NewPCG(1, 1)))
	require.ErrorContains(t, err, `unknown recurrent cell "rnn"`)
}

// TestConstructorArguments: a size below 1, a dropout probability outside
// [0, 1), a nil rng or a dtype parameters cannot have panics in the
// constructor with a message naming the argument and what it must be (not
// an index out of range there, or a panic at the first training step);
// NewRecurrent returns the message as an error.
func TestConstructorArguments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	f32 := tensor.Float32
	for _, tc := range []struct {
		name string
		make func()
		want string
	}{
		{"dense in", func() { NewDense("d", -1, 2, f32, rng) }, "layers: NewDense: in -1, want at least 1"},
		{"dense out", func() { NewDense("d", 3, 0, f32, rng) }, "layers: NewDense: out 0, want at least 1"},
		{"dense rng", func() { NewDense("d", 3, 2, f32, nil) }, "layers: NewDense: rng is nil, want a *rand.Rand to initialise the parameters"},
		{"dense dtype", func() { NewDense("d", 3, 2, tensor.Int32, rng) }, "layers: NewDense: dtype int32, want float32 or float64"},
		{"embedding vocab", func() { NewEmbedding("e", 0, 4, f32, rng) }, "layers: NewEmbedding: vocab 0, want at least 1"},
		{"embedding dim", func() { NewEmbedding("e", 10, 0, f32, rng) }, "layers: NewEmbedding: dim 0, want at least 1"},
		{"embedding rng", func() { NewEmbedding("e", 10, 4, f32, nil) }, "layers: NewEmbedding: rng is nil, want a *rand.Rand to initialise the parameters"},
		{"padding", func() { NewEmbedding("e", 10, 4, f32, rng, WithPadding(10)) }, "layers: WithPadding: row 10, want NoPadding or a row in 0..9 (the vocabulary of 10)"},
		{"conv width", func() { NewConv1D("c", 4, 2, 0, f32, rng) }, "layers: NewConv1D: width 0, want at least 1"},
		{"textcnn channels", func() { NewTextCNN("t", 4, 0, []int{3}, f32, rng) }, "layers: NewTextCNN: channels 0, want at least 1"},
		{"textcnn widths", func() { NewTextCNN("t", 4, 2, nil, f32, rng) }, "layers: NewTextCNN: widths is empty, want one filter width at least"},
		{"textcnn width", func() { NewTextCNN("t", 4, 2, []int{3, -2}, f32, rng) }, "layers: NewTextCNN: widths[1] -2, want at least 1"},
		{"lstm hidden", func() { NewLSTM("l", 4, 0, 1, 0, f32, rng) }, "layers: NewLSTM: hidden 0, want at least 1"},
		{"lstm layers", func() { NewLSTM("l", 4, 5, 0, 0, f32, rng) }, "layers: NewLSTM: layers 0, want at least 1"},
		{"lstm dropout 2", func() { NewLSTM("l", 4, 5, 2, 2, f32, rng) }, "layers: NewLSTM: dropout 2, want a probability in [0, 1)"},
		{"lstm dropout -0.5", func() { NewLSTM("l", 4, 5, 2, -0.5, f32, rng) }, "layers: NewLSTM: dropout -0.5, want a probability in [0, 1)"},
		{"lstm dropout 1", func() { NewLSTM("l", 4, 5, 2, 1, f32, rng) }, "layers: NewLSTM: dropout 1, want a probability in [0, 1)"},
		{"lstm rng", func() { NewLSTM("l", 4, 5, 1, 0, f32, nil) }, "layers: NewLSTM: rng is nil, want a *rand.Rand to initialise the parameters"},
		{"gru input", func() { NewGRU("g", 0, 5, 1, 0, f32, rng) }, "layers: NewGRU: input 0, want at least 1"},
		{"gru dropout", func() { NewGRU("g", 4, 5, 2, 1.5, f32, rng) }, "layers: NewGRU: dropout 1.5, want a probability in [0, 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.PanicsWithValue(t, tc.want, tc.make)
		})
	}
	for _, cell := range Cells {
		_, err := NewRecurrent(cell, cell, 4, 5, 2, 1, f32, rng)
		require.EqualError(t, err, "layers: NewRecurrent: dropout 1, want a probability in [0, 1)")
		_, err = NewRecurrent(cell, cell, 4, 5, 2, 0.5, f32, nil)
		require.EqualError(t, err, "layers: NewRecurrent: rng is nil, want a *rand.Rand to initialise the parameters")
		r, err := NewRecurrent(cell, cell, 4, 5, 2, 0.5, f32, rng)
		require.NoError(t, err)
		require.Equal(t, cell, r.Kind())
	}
}
