package gbt

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWeightsStartFinite: a binary fit starts at the log-odds of the
// weighted positive share clipped to [ε, 1−ε], as scikit-learn clips it,
// so positives that vanish beside a ScalePosWeight of 1e17 (the negatives
// lost in the float64 sum) start at a finite margin and the model saves;
// positives that all weigh 0 are refused, as one class is.
func TestWeightsStartFinite(t *testing.T) {
	X, y := toyData(400, 21, false)
	huge := New()
	huge.NumTrees, huge.ScalePosWeight = 3, 1e17
	require.NoError(t, huge.Fit(X, y, nil))
	base := float64(huge.Ensemble().Base())
	require.False(t, math.IsInf(base, 0), "starting margin %v", base)
	path := filepath.Join(t.TempDir(), "m.ember")
	require.NoError(t, Save(path, &Saved{Model: huge}))
	_, err := Load(path)
	require.NoError(t, err)

	w := make([]float64, len(y))
	for i, v := range y {
		if v == 0 {
			w[i] = 1
		}
	}
	zero := New()
	zero.NumTrees = 3
	require.ErrorContains(t, zero.FitWeighted(X, y, w, nil), "only rows of class 0 have a weight above 0")
}

// TestWeightsBeyondFloat32: weights (times ScalePosWeight) beyond
// float32's range would overflow the float32 gradient pairs into NaN
// leaves; they are refused, as XGBoost, which keeps weights in float32,
// refuses them.
func TestWeightsBeyondFloat32(t *testing.T) {
	X, y := toyData(400, 22, false)
	for _, tc := range []struct {
		name string
		w    float64
		spw  float64
		want string
	}{
		{"weight 1e300", 1e300, 1, "weight 0 of the training rows is 1e+300; weights must be from 0 to 3.4e38"},
		{"weight 1e30 × ScalePosWeight 1e30", 1e30, 1e30, "ScalePosWeight 1e+30 times the largest weight, 1e+30, is beyond 3.4e38"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]float64, len(y))
			for i := range w {
				w[i] = tc.w
			}
			m := New()
			m.NumTrees, m.ScalePosWeight = 3, tc.spw
			require.ErrorContains(t, m.FitWeighted(X, y, w, nil), tc.want)
		})
	}
}
