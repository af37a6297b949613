package layers

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// torchReference is a testdata/*_reference.json file, written by the
// script of the same name from PyTorch in float64: an input x, a random R
// that defines the cost Σ output⊙R, the parameters under their PyTorch
// names, the outputs, the cost and every gradient.
type torchReference struct {
	Shape struct {
		T, B, I, H, Layers int
		In, Channels       int
		Widths             []int
	}
	X        []float64            `json:"x"`
	R        []float64            `json:"r"`
	RLast    []float64            `json:"r_last"`
	Params   map[string][]float64 `json:"params"`
	Out      []float64            `json:"out"`
	HLast    []float64            `json:"h_last"`
	Features []float64            `json:"features"`
	Cost     float64              `json:"cost"`
	GradX    []float64            `json:"grad_x"`
	Grads    map[string][]float64 `json:"grads"`
}

func loadReference(t *testing.T, path string) *torchReference {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var ref torchReference
	require.NoError(t, json.Unmarshal(raw, &ref))
	require.NotEmpty(t, ref.X, path)
	return &ref
}

// param returns PyTorch's parameter name, which must have n elements.
func (r *torchReference) param(t *testing.T, name string, n int) []float64 {
	t.Helper()
	v, ok := r.Params[name]
	require.Truef(t, ok, "PyTorch has no parameter %s", name)
	require.Len(t, v, n, name)
	return v
}

// closeTo requires every element of got within 1e-9 of PyTorch's value
// (float64 on both sides: the differences are rounding, about 1e-15).
func closeTo(t *testing.T, what string, want, got []float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	worst := 0.0
	for i := range want {
		worst = max(worst, math.Abs(want[i]-got[i]))
		require.LessOrEqualf(t, math.Abs(want[i]-got[i]), 1e-9, "%s[%d]: PyTorch %.17g, Ember %.17g", what, i, want[i], got[i])
	}
	t.Logf("%s: largest difference %.2g", what, worst)
}

// packedReference is testdata/packed_reference.json: one torchReference
// per cell, for two stacked layers with dropout between them.
type packedReference struct {
	Torch string
	LSTM  packedCase `json:"lstm"`
	GRU   packedCase `json:"gru"`
}

type packedCase struct {
	torchReference
	Lengths []int32
	Dropout struct {
		P         float64
		LayerSeed uint64 `json:"layer_seed"`
		OpSeed    uint64 `json:"op_seed,string"`
	}
}

// runTorchCost adds the reference scripts' cost, Σ seq⊙R + Σ last⊙R_last
// with R and R_last from ref, to g; compiles it with the gradient of every
// parameter of g; runs it (after fill, if any, has set other inputs); and
// checks the outputs, the cost and the gradient of x against ref. It
// returns the program and the gradient nodes, in g.Params()'s order, for
// the caller to check the parameters' gradients under their names.
func runTorchCost(t *testing.T, g *graph.Graph, x *graph.Param, seq, last *gorgonia.Node, ref *torchReference,
	fill func(*graph.Program)) (*graph.Program, []*gorgonia.Node) {
	t.Helper()
	s := ref.Shape
	w := len(ref.R) / (s.T * s.B) // H, or 2H for a bidirectional stack
	r := g.Input("r", tensor.Float64, s.T, s.B, w)
	rl := g.Input("r_last", tensor.Float64, s.B, w)
	must := gorgonia.Must
	cost := must(gorgonia.Add(must(gorgonia.Sum(must(gorgonia.HadamardProd(seq, r)))),
		must(gorgonia.Sum(must(gorgonia.HadamardProd(last, rl))))))
	grads, err := g.Grad(cost)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{cost, seq, last}, grads)
	require.NoError(t, err)
	copy(prog.Buf(r).F64, ref.R)
	copy(prog.Buf(rl).F64, ref.RLast)
	if fill != nil {
		fill(prog)
	}
	require.NoError(t, prog.Run())

	closeTo(t, "out", ref.Out, prog.Buf(seq).F64)
	closeTo(t, "h_n[-1]", ref.HLast, prog.Buf(last).F64)
	closeTo(t, "cost", []float64{ref.Cost}, []float64{prog.Scalar(cost)})
	for k, p := range g.Params() {
		if p == x {
			closeTo(t, "grad x", ref.GradX, prog.Buf(grads[k]).F64)
		}
	}
	return prog, grads
}
