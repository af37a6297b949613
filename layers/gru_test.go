package layers

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// TestGRUMatchesPyTorch loads PyTorch's weights into a GRU layer and checks
// the top layer's outputs, the cost and the gradients of the input and of
// every parameter against nn.GRU in float64, within 1e-9.
func TestGRUMatchesPyTorch(t *testing.T) {
	ref := loadReference(t, "testdata/gru_reference.json")
	s := ref.Shape
	require.Equal(t, 2, s.Layers)
	gru := NewGRU("gru", s.I, s.H, s.Layers, 0, tensor.Float64, rand.New(rand.NewPCG(1, 1)))
	require.Len(t, gru.Params(), 4*s.Layers)
	for _, p := range gru.Params() {
		copy(p.Value.F64, ref.param(t, strings.TrimPrefix(p.Name, "gru."), p.Value.Len()))
	}
	x := &graph.Param{Name: "x", Value: graph.NewBuf(tensor.Float64, s.T, s.B, s.I)}
	copy(x.Value.F64, ref.X)

	g := graph.New(tensor.Float64, true)
	seq, last := gru.Forward(g, g.Param(x))
	prog, grads := runTorchCost(t, g, x, seq, last, ref, nil)
	for k, p := range g.Params() {
		if p != x {
			name := strings.TrimPrefix(p.Name, "gru.")
			closeTo(t, "grad "+name, ref.Grads[name], prog.Buf(grads[k]).F64)
		}
	}
}

func TestGRUInitialisation(t *testing.T) {
	l := NewGRU("g", 5, 8, 2, 0.5, tensor.Float32, rand.New(rand.NewPCG(5, 5)))
	names := []string{"g.weight_ih_l0", "g.weight_hh_l0", "g.bias_ih_l0", "g.bias_hh_l0",
		"g.weight_ih_l1", "g.weight_hh_l1", "g.bias_ih_l1", "g.bias_hh_l1"}
	shapes := []tensor.Shape{{24, 5}, {24, 8}, {24}, {24}, {24, 8}, {24, 8}, {24}, {24}}
	for i, p := range l.Params() {
		require.Equal(t, names[i], p.Name)
		require.Equal(t, shapes[i], p.Shape())
		// U(−1/√H, 1/√H) for every weight and bias, as PyTorch; not all zero.
		nonzero := 0
		for _, v := range p.Value.F32 {
			require.LessOrEqual(t, float64(v*v), 1.0/8)
			if v != 0 {
				nonzero++
			}
		}
		require.Greater(t, nonzero, p.Value.Len()/2, p.Name)
	}
	require.Equal(t, "gru", l.Kind())
	require.Equal(t, 8, l.HiddenSize())
}
