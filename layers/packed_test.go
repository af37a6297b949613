package layers

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// TestPackedMatchesPyTorch checks two stacked packed layers of each cell,
// with dropout between them, against PyTorch's LSTM and GRU run on
// pack_padded_sequence in float64 (testdata/packed_reference.py): the top
// layer's outputs (zeros at padding), each sequence's final state, the
// cost and the gradients of the input and of every parameter, within
// 1e-9. The lengths are unsorted. The input's padding steps hold noise
// here (zeros in PyTorch's run): it must not matter.
func TestPackedMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/packed_reference.json")
	require.NoError(t, err)
	var refs packedReference
	require.NoError(t, json.Unmarshal(raw, &refs))
	for _, tc := range []struct {
		cell string
		ref  *packedCase
	}{{"lstm", &refs.LSTM}, {"gru", &refs.GRU}} {
		t.Run(tc.cell, func(t *testing.T) {
			ref := tc.ref
			s := ref.Shape
			require.NotEmpty(t, ref.X)
			rnn, err := NewRecurrent(tc.cell, tc.cell, s.I, s.H, s.Layers, ref.Dropout.P, tensor.Float64, rand.New(rand.NewPCG(1, 1)))
			require.NoError(t, err)
			setDropoutSeed(rnn, ref.Dropout.LayerSeed)
			loadTorchParams(t, rnn, &ref.torchReference)

			x := &graph.Param{Name: "x", Value: graph.NewBuf(tensor.Float64, s.T, s.B, s.I)}
			copy(x.Value.F64, ref.X)
			noise := rand.New(rand.NewPCG(2, 2))
			for r, l := range ref.Lengths {
				for st := 0; st < s.T-int(l); st++ {
					for j := 0; j < s.I; j++ {
						x.Value.F64[(st*s.B+r)*s.I+j] = noise.NormFloat64()
					}
				}
			}
			g := graph.New(tensor.Float64, true)
			lengths := g.Input("lengths", tensor.Int32, s.B)
			seq, last := rnn.ForwardPacked(g, g.Param(x), lengths)
			requireDropoutSeed(t, g, ref.Dropout.OpSeed)
			prog, grads := runTorchCost(t, g, x, seq, last, &ref.torchReference, func(p *graph.Program) {
				copy(p.Buf(lengths).I32, ref.Lengths)
			})
			for k, p := range g.Params() {
				if p != x {
					checkTorchGrad(t, p, prog.Buf(grads[k]).F64, &ref.torchReference)
				}
			}
		})
	}
}

// loadTorchParams copies PyTorch's parameters into rnn by their names
// (<layer name>.weight_ih_l0 ... .bias_hh_l1 for both cells).
func loadTorchParams(t *testing.T, rnn Recurrent, ref *torchReference) {
	t.Helper()
	for _, p := range rnn.Params() {
		copy(p.Value.F64, ref.param(t, strings.TrimPrefix(p.Name, rnn.Kind()+"."), p.Value.Len()))
	}
}

// checkTorchGrad compares a parameter's gradient with PyTorch's, by the
// parameter's PyTorch name.
func checkTorchGrad(t *testing.T, p *graph.Param, got []float64, ref *torchReference) {
	t.Helper()
	parts := strings.Split(p.Name, ".")
	name := parts[len(parts)-1] // <layer name>.weight_ih_l0 ...
	want, ok := ref.Grads[name]
	require.Truef(t, ok, "PyTorch has no gradient %s (for %s)", name, p.Name)
	closeTo(t, "grad "+name, want, got)
}

func setDropoutSeed(rnn Recurrent, seed uint64) {
	switch l := rnn.(type) {
	case *LSTM:
		l.Dropout.Seed = seed
	case *GRU:
		l.Dropout.Seed = seed
	}
}

// requireDropoutSeed checks that the graph's one dropout op draws its mask
// from the seed the reference script reproduced.
func requireDropoutSeed(t *testing.T, g *graph.Graph, seed uint64) {
	t.Helper()
	var seeds []uint64
	for _, n := range g.G.AllNodes() {
		if d, ok := n.Op().(graph.Dropout); ok {
			seeds = append(seeds, d.Seed)
		}
	}
	require.Equal(t, []uint64{seed}, seeds, "the reference script reproduces layers.Dropout's op seed")
}
