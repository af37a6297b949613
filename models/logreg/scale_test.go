package logreg

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScaler: StandardScaler's statistics (population deviation), a
// constant column scaled to 0, no overflow near 1e160, and errors for an
// empty or ragged X and a row of another width.
func TestScaler(t *testing.T) {
	X := [][]float64{{1, 5, 1e160}, {3, 5, -1e160}}
	s, err := FitScaler(X)
	require.NoError(t, err)
	require.Equal(t, []float64{2, 5, 0}, s.Mean)
	require.Equal(t, []float64{1, 1, 1e160}, s.Std)
	Z, err := s.Transform(X)
	require.NoError(t, err)
	require.Equal(t, [][]float64{{-1, 0, 1}, {1, 0, -1}}, Z)
	require.False(t, math.IsNaN(Z[0][2]))

	_, err = FitScaler(nil)
	require.EqualError(t, err, "logreg: FitScaler: X has no rows")
	_, err = FitScaler([][]float64{{1, 2}, {3}})
	require.EqualError(t, err, "logreg: FitScaler: row 1 has 1 features, row 0 has 2")
	_, err = s.Transform([][]float64{{1, 2}})
	require.EqualError(t, err, "logreg: Scaler.Transform: row 0 has 2 features; the scaler was fitted on 3")
}

// TestScalerConverges: features on the scales of a credit file (an income
// in the tens of thousands beside a rate near 1) stop unscaled L-BFGS at
// MaxIter; standardised, the same fit converges, as the package doc says.
func TestScalerConverges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	X := make([][]float64, 300)
	y := make([]int, len(X))
	for i := range X {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		X[i] = []float64{5e4 + 2e4*a, 0.1 * b, 1000 + 300*rng.NormFloat64()}
		if a+b+0.5*rng.NormFloat64() > 0 {
			y[i] = 1
		}
	}
	var ce *ConvergenceError
	require.ErrorAs(t, New().Fit(X, y), &ce)
	s, err := FitScaler(X)
	require.NoError(t, err)
	Z, err := s.Transform(X)
	require.NoError(t, err)
	m := New()
	require.NoError(t, m.Fit(Z, y))
	require.True(t, m.Converged)
}
