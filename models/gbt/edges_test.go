package gbt

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// TestLeafwiseTieGoesToOlderLeaf: best-first growth breaks a tie in gain
// as XGBoost's lossguide queue does, by node id (the leaf made first).
// Here, after the root (x0) and its left child (x1) split, the right child
// B (made second) and the left grandchild A1 (made fourth) both gain
// exactly 36 by splitting on x2, and the budget of 4 leaves allows one
// more split: B is split, and the predictions are XGBoost 1.7's (hist,
// lossguide, max_leaves 4, max_depth 0, eta 1, lambda 0, min_child_weight
// 0, base_margin -1). (From a review: a left-to-right scan split A1.)
func TestLeafwiseTieGoesToOlderLeaf(t *testing.T) {
	rows := [][4]float32{
		{1, 0, 0, -6}, {1, 1, 0, -6}, {1, 0, 1, -12}, {1, 1, 1, -12}, // B
		{0, 0, 0, 9}, {0, 0, 0, 9}, {0, 0, 1, 3}, {0, 0, 1, 3}, // A1
		{0, 1, 0, 0}, {0, 1, 0, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, // A2
	}
	X := tabular.NewMatrix(len(rows), 3)
	y := make([]float64, len(rows))
	for i, r := range rows {
		copy(X.Data[i*3:], r[:3])
		y[i] = float64(r[3])
	}
	m := NewRegressor()
	m.NumTrees, m.MaxLeaves, m.MaxDepth, m.L2, m.LearningRate, m.MinChildWeight = 1, 4, 30, 0, 1, 0
	require.NoError(t, m.Fit(X, y, nil))
	p, err := m.Predict(X)
	require.NoError(t, err)
	xgb := []float64{-6, -6, -12, -12, 6, 6, 6, 6, 0, 0, 0, 0} // XGBoost 1.7.4's predictions
	require.InDeltaSlice(t, xgb, p, 1e-6)
}

// TestXGBoostNegativeSumHessianStillPredicts: XGBoost itself loads,
// predicts and explains a model whose sum_hessian has a negative entry (a
// custom objective's hessians can be negative), and so does Ember: the
// covers, which only Contributions uses, never stop a model from scoring.
func TestXGBoostNegativeSumHessianStillPredicts(t *testing.T) {
	good, err := os.ReadFile("testdata/xgb_binary.json")
	require.NoError(t, err)
	bad := strings.Replace(string(good), `"sum_hessian":[1.68E2,9.3240005E1`, `"sum_hessian":[1.68E2,-9.3240005E1`, 1)
	require.NotEqual(t, string(good), bad)
	X, _ := readFixture(t, "testdata/xgb_rows.csv")
	want, err := ParseXGBoost(good)
	require.NoError(t, err)
	pw, err := want.Predict(X, 1, nil)
	require.NoError(t, err)
	m, err := ParseXGBoost([]byte(bad))
	require.NoError(t, err, "a model XGBoost predicts with should still predict")
	p, err := m.Predict(X, 1, nil)
	require.NoError(t, err)
	require.Equal(t, pw, p)
}

// TestNoCoverMessageForXGBoost: an XGBoost JSON model one of whose trees
// has no sum_hessian (written by a converter, not XGBoost) loads without
// covers, and Contributions says what is missing, not the advice for
// Ember's own old files ("fit it again").
func TestNoCoverMessageForXGBoost(t *testing.T) {
	good, err := os.ReadFile("testdata/xgb_binary.json")
	require.NoError(t, err)
	re := regexp.MustCompile(`"sum_hessian":\[[^\]]*\],`)
	loc := re.FindIndex(good)
	require.NotNil(t, loc)
	bad := string(good[:loc[0]]) + string(good[loc[1]:]) // the first tree's only
	m, err := ParseXGBoost([]byte(bad))
	require.NoError(t, err)
	X, _ := readFixture(t, "testdata/xgb_rows.csv")
	_, err = m.Contributions(X, 1, nil)
	require.ErrorIs(t, err, ErrNoCover)
	require.ErrorContains(t, err, "tree 0 has 0 sum_hessian entries for")
	require.NotContains(t, err.Error(), "fit it again")
	require.NotContains(t, err.Error(), "saved before Ember")
}
