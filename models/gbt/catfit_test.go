package gbt

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// catFitRows is testdata/cat_fit_rows.csv: two categorical features
// (level: 10 categories, size: 3, some missing) and the labels.
func catFitRows(t *testing.T) (*tabular.Matrix, []float64) {
	t.Helper()
	all, _ := readFixture(t, "testdata/cat_fit_rows.csv")
	X := tabular.NewMatrix(all.Rows, 2)
	y := make([]float64, all.Rows)
	for i := range all.Rows {
		X.Data[2*i], X.Data[2*i+1] = all.At(i, 0), all.At(i, 1)
		y[i] = float64(all.At(i, 2))
	}
	return X, y
}

func logLoss(t *testing.T, m *Model, X *tabular.Matrix, y []float64) float64 {
	t.Helper()
	mg, err := m.Margins(X)
	require.NoError(t, err)
	var sum float64
	for i, v := range mg {
		sum += New().pointLoss(v, y[i])
	}
	return sum / float64(len(y))
}

// TestCategoricalFitMatchesXGBoost: fitted with XGBoost's params on the
// rows XGBoost was (testdata/make_xgb_categorical.py), the categorical fit
// (partition splits on a 10-level feature, one-hot on a 3-level one with
// missing values) gives every row XGBoost's margin, up to float32
// rounding of the sums.
func TestCategoricalFitMatchesXGBoost(t *testing.T) {
	X, y := catFitRows(t)
	want, _ := readFixture(t, "testdata/cat_fit_xgb.csv")
	m := New()
	m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight = 20, 3, 0.3, 1
	m.Categorical = []int{0, 1}
	require.NoError(t, m.Fit(X, y, nil))
	got, err := m.Margins(X)
	require.NoError(t, err)
	worst := 0.0
	for i, g := range got {
		worst = max(worst, math.Abs(g-float64(want.Data[i])))
	}
	t.Logf("largest |margin difference| from XGBoost: %.3g", worst)
	require.Less(t, worst, 1e-4)
}

// TestCategoricalBeatsNumeric: a label driven by a 10-level feature not
// monotonically in its code is fitted better, at equal depth and trees,
// by categorical splits than by thresholds on the same codes; training
// loss falls round by round; and a saved, loaded model predicts the same.
func TestCategoricalBeatsNumeric(t *testing.T) {
	X, y := catFitRows(t)
	fit := func(cat []int) *Model {
		m := New()
		m.NumTrees, m.MaxDepth, m.LearningRate = 10, 2, 0.3
		m.Categorical = cat
		require.NoError(t, m.Fit(X, y, &EvalSet{X: X, Y: y}))
		return m
	}
	native, numeric := fit([]int{0, 1}), fit(nil)
	ln, lc := logLoss(t, numeric, X, y), logLoss(t, native, X, y)
	t.Logf("training log-loss at depth 2, 10 trees: numeric codes %.4f, categorical %.4f", ln, lc)
	require.Less(t, lc, ln-0.02)
	h := native.History().ValidLoss
	require.Len(t, h, 10)
	for r := 1; r < len(h); r++ {
		require.Less(t, h[r], h[r-1], "round %d", r)
	}
	require.NotEmpty(t, native.ens.cats)

	path := filepath.Join(t.TempDir(), "cat.model")
	require.NoError(t, Save(path, &Saved{Model: native}))
	s, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, []int{0, 1}, s.Model.Categorical)
	// Unseen (10, 300), negative and fractional codes as well.
	Xo := tabular.NewMatrix(6, 2)
	copy(Xo.Data, []float32{10, 0, 300, 1, -1, 2, 2.5, float32(math.NaN()), 9, 3, 0, 0})
	for _, M := range []*tabular.Matrix{X, Xo} {
		want, err := native.Predict(M)
		require.NoError(t, err)
		got, err := s.Model.Predict(M)
		require.NoError(t, err)
		require.Equal(t, want, got)
		wc, err := native.Contributions(M)
		require.NoError(t, err)
		gc, err := s.Model.Contributions(M)
		require.NoError(t, err)
		require.Equal(t, wc, gc)
	}
	// An unseen code goes the way no category of a set does: as code 10
	// (past every training code) would, which is in no set either.
	p, err := native.Predict(Xo)
	require.NoError(t, err)
	Xu := tabular.NewMatrix(2, 2)
	copy(Xu.Data, []float32{10, 0, 1e6, 0})
	pu, err := native.Predict(Xu)
	require.NoError(t, err)
	require.Equal(t, p[0], pu[0])
	require.Equal(t, pu[0], pu[1])
}

// TestCategoricalFitErrors: codes that are not codes, too many
// categories and bad indices are refused before any work, naming the
// feature, row and value.
func TestCategoricalFitErrors(t *testing.T) {
	X, y := catFitRows(t)
	for _, tc := range []struct {
		cat  []int
		edit func(*tabular.Matrix)
		want string
	}{
		{[]int{0}, func(X *tabular.Matrix) { X.Data[2*7] = 2.5 }, "X row 7, categorical feature 0: 2.5 is not a category code"},
		{[]int{0}, func(X *tabular.Matrix) { X.Data[2*3] = -1 }, "X row 3, categorical feature 0: -1 is not a category code"},
		{[]int{1}, func(X *tabular.Matrix) { X.Data[2*4+1] = 300 }, "categorical feature 1 has 301 categories (codes 0..300); at most 254"},
		{[]int{2}, nil, "Categorical lists feature 2; X has 2"},
		{[]int{0, 0}, nil, "Categorical lists feature 0: not a column index, or listed twice"},
	} {
		Xc := tabular.NewMatrix(X.Rows, X.Cols)
		copy(Xc.Data, X.Data)
		if tc.edit != nil {
			tc.edit(Xc)
		}
		m := New()
		m.Categorical = tc.cat
		require.ErrorContains(t, m.Fit(Xc, y, nil), tc.want)
	}
	m := New()
	m.MaxBins, m.Categorical = 5, []int{0}
	require.ErrorContains(t, m.Fit(X, y, nil), "categorical feature 0 has 10 categories (codes 0..9); at most 5")
}
