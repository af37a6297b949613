package gbt

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/creditdata"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/tabular"
)

type creditReference struct {
	Missing      int       `json:"missing"`
	NTrain       int       `json:"n_train"`
	NTest        int       `json:"n_test"`
	UniformCheck []float64 `json:"uniform_check"`
	Runs         []struct {
		Trees          int     `json:"trees"`
		MaxDepth       int     `json:"max_depth"`
		MaxLeaves      int     `json:"max_leaves"` // 0: depth by depth
		LearningRate   float64 `json:"learning_rate"`
		MaxBins        int     `json:"max_bins"`
		MinSamplesLeaf int     `json:"min_samples_leaf"`
		L2             float64 `json:"l2"`
		SklearnAUC     float64 `json:"sklearn_auc"`
		SklearnLogLoss float64 `json:"sklearn_log_loss"`
		XGBoostAUC     float64 `json:"xgboost_auc"`
	} `json:"runs"`
}

// creditSplit is the credit data with 5% of the feature values removed and
// the reference split, exactly as testdata/make_reference.py makes them.
func creditSplit(t *testing.T) (Xtr *tabular.Matrix, ytr []float64, Xte *tabular.Matrix, yte []float64, ref creditReference) {
	t.Helper()
	path := shareddata.TestPath(t, creditdata.Rel...)
	readJSONFixture(t, "testdata/reference.json", &ref)
	for k, want := range ref.UniformCheck {
		require.Equal(t, want, creditdata.Uniform(1, uint64(k)), "SplitMix64 stream differs from the Python one")
	}
	X, y, _, err := creditdata.Load(path)
	require.NoError(t, err)
	require.Equal(t, ref.Missing, creditdata.RemoveValues(X, 0.05, 1))
	train, test := creditdata.Split(X.Rows, 0.25, 2)
	require.Equal(t, ref.NTrain, len(train))
	require.Equal(t, ref.NTest, len(test))
	return X.SelectRows(train), creditdata.Pick(y, train), X.SelectRows(test), creditdata.Pick(y, test), ref
}

// TestCreditQuality: held-out ROC AUC at least scikit-learn's
// HistGradientBoostingClassifier's with the same trees, depth, learning
// rate, bins, leaf size, L2 and growth (depth by depth, or best first to
// 31 leaves, scikit-learn's default), less 0.003 (issue 12's acceptance).
func TestCreditQuality(t *testing.T) {
	Xtr, ytr, Xte, yte, ref := creditSplit(t)
	yteInt := make([]int, len(yte))
	for i, v := range yte {
		yteInt[i] = int(v)
	}
	for _, run := range ref.Runs {
		m := New()
		m.NumTrees, m.MaxDepth, m.LearningRate = run.Trees, run.MaxDepth, run.LearningRate
		m.MaxBins, m.MinSamplesLeaf, m.L2, m.MaxLeaves = run.MaxBins, run.MinSamplesLeaf, run.L2, run.MaxLeaves
		require.NoError(t, m.Fit(Xtr, ytr, nil))
		p, err := m.Predict(Xte)
		require.NoError(t, err)
		auc, err := metrics.ROCAUC(yteInt, p)
		require.NoError(t, err)
		ll := metrics.BinaryLogLoss(yteInt, p)
		t.Logf("trees %d depth %d leaves %d: AUC %.4f (sklearn %.4f, xgboost %.4f), log-loss %.4f (sklearn %.4f)",
			run.Trees, run.MaxDepth, run.MaxLeaves, auc, run.SklearnAUC, run.XGBoostAUC, ll, run.SklearnLogLoss)
		require.GreaterOrEqual(t, auc, run.SklearnAUC-0.003)
	}
}
