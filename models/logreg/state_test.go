package logreg

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateRoundTrip(t *testing.T) {
	X, y := loadIris(t)
	for _, multi := range []MultiClass{Auto, OneVsRest} {
		for _, labels := range [][]int{y, binary(y)} {
			m := New()
			m.Multi = multi
			err := m.Fit(X, labels)
			var ce *ConvergenceError
			require.True(t, err == nil || errors.As(err, &ce), err)
			s, err := m.State()
			require.NoError(t, err)
			r, err := FromState(s)
			require.NoError(t, err)
			want, err := m.PredictProba(X)
			require.NoError(t, err)
			got, err := r.PredictProba(X)
			require.NoError(t, err)
			require.Equal(t, want, got, "a restored model predicts exactly what the fitted one did")
			require.Equal(t, m.Classes(), r.Classes())
		}
	}
	_, err := New().State()
	require.ErrorIs(t, err, ErrNotFitted)
}

func binary(y []int) []int {
	out := make([]int, len(y))
	for i, v := range y {
		if v == 2 {
			out[i] = 7
		}
	}
	return out
}

func TestFromStateErrors(t *testing.T) {
	ok := State{Classes: []int{0, 1}, Scheme: "binary", Coef: [][]float64{{1, 2}}, Intercept: []float64{0}}
	tests := []struct {
		name string
		edit func(s *State)
		want string
	}{
		{"scheme", func(s *State) { s.Scheme = "tree" }, `unknown scheme "tree"`},
		{"one class", func(s *State) { s.Classes = []int{0} }, "1 classes"},
		{"unsorted classes", func(s *State) { s.Classes = []int{1, 0} }, "distinct and ascending"},
		{"binary rows", func(s *State) { s.Coef = [][]float64{{1, 2}, {3, 4}}; s.Intercept = []float64{0, 0} }, "1 coefficient row"},
		{"multinomial rows", func(s *State) { s.Scheme = "multinomial" }, "1 coefficient rows for 2 classes"},
		{"intercepts", func(s *State) { s.Intercept = nil }, "0 intercepts"},
		{"ragged", func(s *State) {
			s.Scheme, s.Coef, s.Intercept = "ovr", [][]float64{{1, 2}, {3}}, []float64{0, 0}
		}, "row 1 has 1 features"},
		{"NaN weight", func(s *State) { s.Coef = [][]float64{{1, math.NaN()}} }, "NaN"},
		{"Inf intercept", func(s *State) { s.Intercept = []float64{math.Inf(1)} }, "+Inf"},
		{"no features", func(s *State) { s.Coef = [][]float64{{}} }, "no features"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			s.Classes = append([]int(nil), ok.Classes...)
			tc.edit(&s)
			_, err := FromState(s)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := FromState(ok)
	require.NoError(t, err)
}

// TestHugeFeatures: features near 1e160 once gave "converged after 1
// iteration" with all-zero coefficients (the first step's length
// overflowed to a zero step). Fit now refuses them, and features large but
// within bounds either fit or report that they did not converge.
func TestHugeFeatures(t *testing.T) {
	X := [][]float64{{1, 2}, {2, 1}, {3, 3}, {4, 2}, {5, 1}, {6, 0}, {1, 3}, {2, 0.5}}
	y := []int{0, 1, 0, 1, 0, 1, 0, 1}
	scaled := func(s float64) [][]float64 {
		out := make([][]float64, len(X))
		for i, r := range X {
			out[i] = []float64{r[0] * s, r[1] * s}
		}
		return out
	}
	m := New()
	err := m.Fit(scaled(1e160), y)
	require.ErrorIs(t, err, ErrTooLarge)
	require.ErrorContains(t, err, "X[0][0] is 1e+160; scale the features")
	_, err = m.Predict(X)
	require.ErrorIs(t, err, ErrNotFitted)

	for _, s := range []float64{1e20, 1e60, 1e99} {
		m := New()
		err := m.Fit(scaled(s), y)
		var ce *ConvergenceError
		if errors.As(err, &ce) {
			require.False(t, m.Converged)
			continue
		}
		require.NoError(t, err)
		// A fit that claims convergence moved off zero and has a small gradient.
		require.True(t, m.Converged)
		require.NotEqual(t, 0.0, m.Coef()[0][0]+m.Coef()[0][1]+m.Intercept()[0], "scale %g", s)
	}
}

func TestNorm2(t *testing.T) {
	require.Equal(t, 5.0, norm2([]float64{3, -4}))
	require.InDelta(t, 5e200, norm2([]float64{3e200, 4e200}), 1e186)
	require.Equal(t, 0.0, norm2([]float64{0, 0}))
}
