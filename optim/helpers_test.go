package optim

import (
	"math"
	"testing"

	"github.com/emberml/ember/graph"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

var dtypes = []tensor.Dtype{tensor.Float32, tensor.Float64}

// tol is the relative tolerance for comparing against float64 reference
// values: float64 runs must agree to rounding, float32 runs to a few ulps.
func tol(dt tensor.Dtype) float64 {
	if dt == tensor.Float32 {
		return 2e-6
	}
	return 1e-13
}

// newBuf makes a 1-D buffer of dtype dt holding vals.
func newBuf(dt tensor.Dtype, vals ...float64) *graph.Buf {
	b := graph.NewBuf(dt, len(vals))
	for i, v := range vals {
		b.Set(i, v)
	}
	return b
}

func newParam(name string, dt tensor.Dtype, vals ...float64) *graph.Param {
	return &graph.Param{Name: name, Value: newBuf(dt, vals...)}
}

func values(b *graph.Buf) []float64 {
	out := make([]float64, b.Len())
	for i := range out {
		out[i] = b.At(i)
	}
	return out
}

// requireClose checks got against want elementwise within relative
// tolerance rel (absolute below magnitude 1); what says what is compared.
func requireClose(t *testing.T, want, got []float64, rel float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		require.InDelta(t, want[i], got[i], rel*max(1, abs(want[i])), "%s: element %d", what, i)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func nan() float64 { return math.NaN() }
