package gbt

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFitRefusesNonFiniteLeaves: a learning rate that takes a leaf value
// beyond float32's range (where leaves are kept) fails the fit with an
// error saying so, for every objective, instead of fitting a NaN model
// that Save writes and Load refuses. A large rate whose leaves stay
// finite still fits, saves and loads.
func TestFitRefusesNonFiniteLeaves(t *testing.T) {
	X, y := toyData(300, 31, false)
	Xr, yr := toyData(300, 32, true)
	Xm, ym := toyMulti(300, 33)
	for _, tc := range []struct {
		name string
		m    *Model
		lr   float64
		l2   float64
	}{
		{"binary 1e39", New(), 1e39, 1},
		{"binary 1e308", New(), 1e308, 1},
		{"multi 1e39", NewMulticlass(), 1e39, 1},
		{"regression 1e39", NewRegressor(), 1e39, 1},
		// Finite at the first round; the margins of 1e30 make the
		// second round's residuals, times 1e30, overflow.
		{"regression 1e30", NewRegressor(), 1e30, 1},
		// No L2: a logistic hessian floored at 1e-16 makes a step of up
		// to 1e16.
		{"binary 1e30 without L2", New(), 1e30, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			m.NumTrees, m.MaxDepth, m.LearningRate, m.L2 = 3, 3, tc.lr, tc.l2
			Xf, yf := X, y
			switch m.Objective {
			case SquaredError:
				Xf, yf = Xr, yr
			case MultiSoftprob:
				Xf, yf = Xm, ym
			}
			err := m.Fit(Xf, yf, nil)
			var oe *OverflowError
			require.ErrorAs(t, err, &oe)
			require.ErrorContains(t, err, "beyond float32's range")
			require.ErrorContains(t, err, "lower LearningRate")
			require.Nil(t, m.Ensemble())
		})
	}
	m := New()
	m.NumTrees, m.LearningRate = 3, 1e30
	require.NoError(t, m.Fit(X, y, nil))
	path := filepath.Join(t.TempDir(), "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	_, err := Load(path)
	require.NoError(t, err)
}

// TestLeafWithoutHessian: a leaf of rows that all weigh 0 has no hessian;
// with no L2 its Newton step would be 0/0. It is 0, as XGBoost's leaf
// weight is, so the model stays finite.
func TestLeafWithoutHessian(t *testing.T) {
	X, y := toyData(200, 34, false)
	w := make([]float64, len(y))
	for i := range w {
		w[i] = float64(i % 2) // row 0, the one a sample of none falls back on, weighs 0
	}
	m := New()
	m.NumTrees, m.L2, m.MinChildWeight, m.Subsample = 3, 0, 0, 1e-9
	require.NoError(t, m.FitWeighted(X, y, w, nil))
	p, err := m.Predict(X)
	require.NoError(t, err)
	for i, v := range p {
		require.False(t, math.IsNaN(v), "prediction %d", i)
	}
	path := filepath.Join(t.TempDir(), "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	_, err = Load(path)
	require.NoError(t, err)
}

// TestSaveRefusesWhatLoadRefuses: Save checks the trees as Load does, so
// a model with a non-finite leaf is an error and no file is written,
// never a file that cannot be loaded back.
func TestSaveRefusesWhatLoadRefuses(t *testing.T) {
	X, y := toyData(200, 35, false)
	for _, tc := range []struct {
		name string
		edit func(e *Ensemble)
		want string
	}{
		{"infinite leaf", func(e *Ensemble) {
			for i := range e.nodes {
				if e.nodes[i].Feature < 0 {
					e.nodes[i].Threshold = float32(math.Inf(1))
					return
				}
			}
		}, "is malformed"},
		{"NaN base", func(e *Ensemble) { e.base = float32(math.NaN()) }, "the base is NaN"},
		{"NaN cover", func(e *Ensemble) { e.cover[0] = float32(math.NaN()) }, "node 0's cover is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			m.NumTrees = 2
			require.NoError(t, m.Fit(X, y, nil))
			tc.edit(m.ens)
			path := filepath.Join(t.TempDir(), "m.model")
			err := Save(path, &Saved{Model: m})
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "nothing was written")
			require.NoFileExists(t, path)
		})
	}
}
