package optim

import (
	"errors"
	"math"
	"testing"

	"github.com/emberml/ember/graph"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

func TestGlobalNorm(t *testing.T) {
	cases := []struct {
		name  string
		grads []*graph.Buf
		want  float64
	}{
		{"empty", nil, 0},
		{"one", []*graph.Buf{newBuf(tensor.Float64, 3, 4)}, 5},
		// Across buffers and dtypes: √(9 + 16 + 144) = 13; nil is skipped.
		{"mixed", []*graph.Buf{newBuf(tensor.Float32, 3), nil, newBuf(tensor.Float64, 4), newBuf(tensor.Float32, 12, 0, 0, 0, 0)}, 13},
		// 1e30² overflows float32 but not the float64 accumulator.
		{"large float32", []*graph.Buf{newBuf(tensor.Float32, 3e30, -4e30)}, 5e30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.InEpsilon(t, tc.want+1e-300, GlobalNorm(tc.grads)+1e-300, 1e-7)
		})
	}
	require.PanicsWithValue(t, "graph: GlobalNorm: gradient 1 is int32, not float32 or float64", func() {
		GlobalNorm([]*graph.Buf{newBuf(tensor.Float32, 1), graph.NewBuf(tensor.Int32, 2)})
	})
}

func TestClipGradNorm(t *testing.T) {
	// big is a float32 gradient of 1001 elements (not a multiple of the
	// kernels' unroll) with norm 1001·0.5/√1001 ≈ 15.82.
	bigVals := make([]float64, 1001)
	for i := range bigVals {
		bigVals[i] = 0.5 * float64(i%7-3)
	}
	cases := []struct {
		name    string
		grads   func() []*graph.Buf
		maxNorm float64
		norm    float64 // wanted return value
		clipped bool    // whether grads must be scaled by maxNorm/(norm+1e-6)
	}{
		{"below threshold untouched", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, 3), newBuf(tensor.Float64, 4)}
		}, 10, 5, false},
		// PyTorch clips even at the threshold: coef = 5/(5+1e-6) < 1.
		{"at threshold scaled by the eps", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, 3), newBuf(tensor.Float64, 4)}
		}, 5, 5, true},
		{"above threshold", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, 3), nil, newBuf(tensor.Float64, -4)}
		}, 1, 5, true},
		{"large float32", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, bigVals...), newBuf(tensor.Float64, 1, 2)}
		}, 0.5, math.Sqrt(sumSquares(bigVals) + 5), true},
		{"zero gradients stay zero", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, 0, 0)}
		}, 0, 0, true},
		{"infinite maxNorm measures only", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, 3e30, 4e30)}
		}, math.Inf(1), 5e30, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			grads := tc.grads()
			before := make([][]float64, len(grads))
			for i, g := range grads {
				if g != nil {
					before[i] = values(g)
				}
			}
			norm, err := ClipGradNorm(grads, tc.maxNorm)
			require.NoError(t, err)
			require.InDelta(t, tc.norm, norm, 1e-6*max(1, tc.norm))

			coef := 1.0
			if tc.clipped {
				coef = tc.maxNorm / (tc.norm + 1e-6)
				if tc.norm > 0 {
					require.InEpsilon(t, tc.maxNorm, GlobalNorm(grads), 1e-6, "clipped norm")
				}
			}
			for i, g := range grads {
				if g == nil {
					continue
				}
				want := make([]float64, len(before[i]))
				for j, v := range before[i] {
					want[j] = v * coef
				}
				requireClose(t, want, values(g), tol(g.Dtype), "gradient")
			}
		})
	}
}

func sumSquares(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x * x
	}
	return s
}

func TestClipGradNormNonFinite(t *testing.T) {
	cases := []struct {
		name  string
		grads func() []*graph.Buf
		want  []string // substrings of the error
	}{
		{"nan", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float32, 1e3, 2), newBuf(tensor.Float32, 1, nan(), 3)}
		}, []string{"total norm is NaN", "gradient 1, shape (3), element 1 is NaN"}},
		{"inf", func() []*graph.Buf {
			return []*graph.Buf{nil, newBuf(tensor.Float64, math.Inf(-1), 100)}
		}, []string{"total norm is +Inf", "gradient 1, shape (2), element 0 is -Inf"}},
		{"float64 overflow", func() []*graph.Buf {
			return []*graph.Buf{newBuf(tensor.Float64, 1e200, 1e200)}
		}, []string{"total norm is +Inf", "sum of squares overflowed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			grads := tc.grads()
			var before [][]uint64
			for _, g := range grads {
				before = append(before, bits(g))
			}
			norm, err := ClipGradNorm(grads, 1)
			require.True(t, errors.Is(err, ErrNonFiniteNorm), "err = %v", err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
			require.True(t, math.IsNaN(norm) || math.IsInf(norm, 0), "norm = %v", norm)
			for i, g := range grads {
				require.Equal(t, before[i], bits(g), "gradient %d must be left alone", i)
			}
		})
	}
}

// bits snapshots a buffer bit for bit, so NaNs compare equal.
func bits(b *graph.Buf) []uint64 {
	if b == nil {
		return nil
	}
	out := make([]uint64, b.Len())
	for i := range out {
		out[i] = math.Float64bits(b.At(i))
	}
	return out
}

func TestClipGradNormArgumentErrors(t *testing.T) {
	cases := []struct {
		name    string
		grads   []*graph.Buf
		maxNorm float64
		want    string
	}{
		{"negative maxNorm", []*graph.Buf{newBuf(tensor.Float32, 3)}, -1, "maxNorm = -1"},
		{"nan maxNorm", []*graph.Buf{newBuf(tensor.Float32, 3)}, nan(), "maxNorm = NaN"},
		{"int gradient", []*graph.Buf{newBuf(tensor.Float32, 3), graph.NewBuf(tensor.Int32, 1)}, 1, "gradient 1 is int32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ClipGradNorm(tc.grads, tc.maxNorm)
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, 3.0, tc.grads[0].At(0), "gradients untouched")
		})
	}
}
