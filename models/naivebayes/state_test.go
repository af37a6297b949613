package naivebayes

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateRoundTrip(t *testing.T) {
	X := [][]float64{{2, 0, 1, 0}, {1, 1, 0, 0}, {0, 3, 0, 1}, {0, 0, 4, 0}, {1, 0, 0, 5}}
	y := []int{3, 3, 7, 9, 7}
	m := New()
	m.Alpha = 0.5
	require.NoError(t, m.Fit(toSparse(X), y))
	s, err := m.State()
	require.NoError(t, err)
	r, err := FromState(s)
	require.NoError(t, err)
	for name, x := range bothLayouts(t, [][]float64{{1, 1, 1, 1}, {0, 0, 0, 9}, {5, 0, 0, 0}}) {
		want, err := m.PredictProba(x)
		require.NoError(t, err)
		got, err := r.PredictProba(x)
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
	}
	require.Equal(t, m.Classes(), r.Classes())
	require.Equal(t, m.ClassCount(), r.ClassCount())
	require.Equal(t, 4, r.NFeatures())
	_, err = New().State()
	require.Error(t, err)
}

func TestFromStateErrors(t *testing.T) {
	ok := func() State {
		return State{Classes: []int{0, 1}, ClassLogPrior: []float64{-0.7, -0.7},
			FeatureLogProb: [][]float64{{-1, -2}, {-2, math.Inf(-1)}}}
	}
	tests := []struct {
		name string
		edit func(s *State)
		want string
	}{
		{"one class", func(s *State) { s.Classes = []int{0} }, "1 classes"},
		{"unsorted", func(s *State) { s.Classes = []int{1, 1} }, "distinct and ascending"},
		{"priors", func(s *State) { s.ClassLogPrior = s.ClassLogPrior[:1] }, "1 priors"},
		{"counts", func(s *State) { s.ClassCount = []float64{1} }, "1 class counts"},
		{"no features", func(s *State) { s.FeatureLogProb = [][]float64{{}, {}} }, "no features"},
		{"ragged", func(s *State) { s.FeatureLogProb[1] = []float64{-1} }, "row 1 has 1 features"},
		{"NaN", func(s *State) { s.FeatureLogProb[0][1] = math.NaN() }, "log P(feature 1|class 0) is NaN"},
		{"+Inf prior", func(s *State) { s.ClassLogPrior[1] = math.Inf(1) }, "log prior of class 1 is +Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok()
			tc.edit(&s)
			_, err := FromState(s)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := FromState(ok())
	require.NoError(t, err, "-Inf is a zero probability, allowed")
}

// Every model refuses to predict or save before Fit with ErrNotFitted, so a
// caller can tell that apart from bad input with errors.Is.
func TestErrNotFittedBeforeFit(t *testing.T) {
	X := toSparse([][]float64{{1, 0}, {0, 1}})
	counted := map[string]interface {
		Predict(Matrix) ([]int, error)
		PredictProba(Matrix) ([][]float64, error)
		PredictLogProba(Matrix) ([][]float64, error)
		State() (State, error)
	}{"multinomial": New(), "complement": NewComplement(), "bernoulli": NewBernoulli()}
	for name, m := range counted {
		t.Run(name, func(t *testing.T) {
			_, err := m.Predict(X)
			require.ErrorIs(t, err, ErrNotFitted)
			_, err = m.PredictProba(X)
			require.ErrorIs(t, err, ErrNotFitted)
			_, err = m.PredictLogProba(X)
			require.ErrorIs(t, err, ErrNotFitted)
			_, err = m.State()
			require.ErrorIs(t, err, ErrNotFitted)
		})
	}
	t.Run("gaussian", func(t *testing.T) {
		m, rows := NewGaussian(), [][]float64{{1, 0}}
		_, err := m.Predict(rows)
		require.ErrorIs(t, err, ErrNotFitted)
		_, err = m.PredictProba(rows)
		require.ErrorIs(t, err, ErrNotFitted)
		_, err = m.PredictLogProba(rows)
		require.ErrorIs(t, err, ErrNotFitted)
		_, err = m.JointLogLikelihood(rows)
		require.ErrorIs(t, err, ErrNotFitted)
		_, err = m.State()
		require.ErrorIs(t, err, ErrNotFitted)
	})
}
