package gbt

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// absFitCases are testdata/make_xgb_absoluteerror.py's CASES: whether the
// rows are weighted, and Ember's settings for XGBoost's params.
var absFitCases = []struct {
	name     string
	weighted bool
	set      func(*Model)
}{
	{"depthwise", false, func(m *Model) { m.MaxDepth, m.LearningRate = 3, 1 }},
	{"depthwise_w", true, func(m *Model) { m.MaxDepth, m.LearningRate = 3, 1 }},
	{"lossguide", false, func(m *Model) { m.MaxLeaves, m.MaxDepth, m.LearningRate = 6, 30, 1 }},
	{"lossguide_w", true, func(m *Model) { m.MaxLeaves, m.MaxDepth, m.LearningRate = 6, 30, 1 }},
	{"depthwise_eta", false, func(m *Model) { m.MaxDepth, m.LearningRate = 3, 0.3 }},
	{"lossguide_eta_w", true, func(m *Model) { m.MaxLeaves, m.MaxDepth, m.LearningRate = 6, 30, 0.3 }},
}

// TestAbsoluteErrorMatchesXGBoost: reg:absoluteerror, weighted and not,
// grown depth by depth and best first, fitted as XGBoost 1.7's hist fits it
// (testdata/make_xgb_absoluteerror.py: 300 rows with outliers, 6 rounds;
// learning rate 1, and 0.3 with XGBoost 2's scaling of the medians): Ember
// starts from XGBoost's estimated base_score to the bit, every training row
// gets XGBoost's margin, and the loss History records after each round is
// XGBoost's mae, with Threads 1 and 4 alike.
//
// The margins are float32 sums of the same float32 leaves in both, so they
// agree to float32 rounding of sums about 10 in size (1e-6); 1e-5 is the
// objectives tests' bound. A leaf whose median or split differed would be
// off by a residual's size (0.01 and up: the labels have three decimals),
// and a tie broken another way (a residual of exactly 0 signed otherwise)
// sends the next tree elsewhere, so the bound catches either.
func TestAbsoluteErrorMatchesXGBoost(t *testing.T) {
	f := readFitFixture(t, "testdata/abs_fit.csv")
	X, cols := f.X, f.cols
	require.Equal(t, "y", f.names[5])
	var meta map[string]struct {
		BaseScore float64   `json:"base_score"`
		MAE       []float64 `json:"mae"`
	}
	readJSONFixture(t, "testdata/abs_fit_meta.json", &meta)
	y := cols["y"]
	for _, tc := range absFitCases {
		t.Run(tc.name, func(t *testing.T) {
			want := cols["m_"+tc.name]
			require.Len(t, want, X.Rows)
			var w []float64
			if tc.weighted {
				w = cols["w"]
			}
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := New()
				m.Objective, m.NumTrees, m.MinChildWeight, m.Threads = AbsoluteError, 6, 1, threads
				tc.set(m)
				require.NoError(t, m.FitWeighted(X, y, w, &EvalSet{X: X, Y: y, W: w}))
				require.Equal(t, float32(meta[tc.name].BaseScore), m.Ensemble().Base(), "XGBoost's base_score")
				require.Equal(t, Identity, m.Ensemble().Link())
				got, err := m.Margins(X)
				require.NoError(t, err)
				requireMarginsNear(t, got, want, 1e-5, fmt.Sprintf("threads %d", threads))
				requireLossCurve(t, m.History().ValidLoss, meta[tc.name].MAE, 2e-6, "mae")
				return got
			})
		})
	}
}

// TestMedians: XGBoost's quantiles at 0.5, on small cases worked by hand:
// the unweighted median interpolates between the two middle values, the
// weighted one does not (it takes the smallest value at which the running
// weight reaches half the total), so weights of 1 can differ from none.
func TestMedians(t *testing.T) {
	require.Equal(t, float32(2), median32([]float32{3, 1, 2}))
	require.Equal(t, float32(2.5), median32([]float32{4, 1, 3, 2}))
	require.Equal(t, float32(-7), median32([]float32{-7}))
	require.Equal(t, float32(2), weightedMedian32([]float32{4, 1, 3, 2}, []float32{1, 1, 1, 1}))
	require.Equal(t, float32(4), weightedMedian32([]float32{4, 1, 3, 2}, []float32{5, 1, 1, 1}))
	require.Equal(t, float32(1), weightedMedian32([]float32{4, 1, 3, 2}, []float32{1, 3, 0, 0}))
	// A value whose weight is 0 is not taken where a weighed one ties the
	// running sum first.
	require.Equal(t, float32(1), weightedMedian32([]float32{1, 2, 3}, []float32{1, 0, 1}))
}

// TestAbsoluteErrorLeaves: after one tree, every row's margin is the start
// (the labels' median, far from the mean the outliers pull) plus its
// leaf's value, the median residual of the leaf's rows times LearningRate,
// worked out here in float64 from the rows grouped by leaf; Predict is
// Margins. A leaf whose rows all weigh 0 keeps its Newton step.
func TestAbsoluteErrorLeaves(t *testing.T) {
	X, z := toyData(301, 5, true)
	y := slices.Clone(z)
	for i := 0; i < len(y); i += 15 {
		y[i] = 1e4
	}
	m := New()
	m.Objective, m.NumTrees, m.MaxDepth, m.LearningRate = AbsoluteError, 1, 3, 0.4
	require.NoError(t, m.Fit(X, y, nil))
	s := slices.Sorted(slices.Values(y))
	base := m.Ensemble().Base()
	require.Equal(t, float32(s[len(s)/2]), base, "the median of 301 labels")
	mg, err := m.Margins(X)
	require.NoError(t, err)
	p, err := m.Predict(X)
	require.NoError(t, err)
	require.Equal(t, mg, p)
	byLeaf := map[float64][]float64{}
	for i, v := range mg {
		byLeaf[v] = append(byLeaf[v], y[i]-float64(base))
	}
	require.Greater(t, len(byLeaf), 3)
	for v, res := range byLeaf {
		slices.Sort(res)
		n := len(res)
		med := res[n/2]
		if n%2 == 0 {
			med = (res[n/2-1] + res[n/2]) / 2
		}
		// float32 leaves and residuals: 1e-6 of the size
		require.InDelta(t, med*0.4, v-float64(base), 1e-6*max(1, math.Abs(med)), "a leaf of %d rows", n)
	}
}

// TestAbsoluteErrorChecks: monotone constraints, which the medians would
// break, and labels beyond float32 are refused before any fit; an
// early-stopped fit stops on the mean absolute error.
func TestAbsoluteErrorChecks(t *testing.T) {
	X, z := toyData(200, 6, true)
	m := New()
	m.Objective, m.Monotone = AbsoluteError, []int{1, 0, 0, 0}
	require.ErrorContains(t, m.Fit(X, z, nil), "gbt: Monotone constraints with reg:absoluteerror: its leaves are set to medians")
	m = New()
	m.Objective, m.Monotone = AbsoluteError, []int{0, 0, 0, 0}
	require.NoError(t, m.Fit(X, z, nil), "constraints of 0 constrain nothing")
	y := slices.Clone(z)
	y[9] = 1e39
	m = New()
	m.Objective = AbsoluteError
	require.ErrorContains(t, m.Fit(X, y, nil), "gbt: X label 9 is 1e+39; reg:absoluteerror takes its labels as float32")

	Xv, zv := toyData(200, 7, true)
	valid := &EvalSet{X: Xv, Y: zv}
	m = New()
	m.Objective, m.NumTrees, m.EarlyStoppingRounds = AbsoluteError, 300, 5
	require.NoError(t, m.Fit(X, z, valid))
	h := m.History()
	require.Less(t, h.BestRound, 299, "stopped early")
	mg, err := m.Margins(Xv)
	require.NoError(t, err)
	var mae float64
	for i, v := range mg {
		mae += math.Abs(v-zv[i]) / float64(len(zv))
	}
	require.InDelta(t, h.ValidLoss[h.BestRound], mae, 1e-9, "the kept trees' validation loss is their MAE")
}

// TestAbsoluteErrorFile: a reg:absoluteerror model saves as file version
// 5 and loads to the same predictions and history.
func TestAbsoluteErrorFile(t *testing.T) {
	X, z := toyData(300, 4, true)
	m := New()
	m.Objective, m.NumTrees = AbsoluteError, 10
	require.NoError(t, m.FitWeighted(X, z, nil, &EvalSet{X: X, Y: z}))
	loaded, version := saveAndReload(t, m, filepath.Join(t.TempDir(), "abs"))
	require.Equal(t, 5, version)
	require.Equal(t, AbsoluteError, loaded.Objective)
	require.Equal(t, m.History(), loaded.History())
	require.Equal(t, predictions(t, m, X), predictions(t, loaded, X))
}

// TestLoadXGBoostAbsoluteError: a reg:absoluteerror model saved by XGBoost
// 1.7 (JSON and UBJSON; testdata/make_xgb_absoluteerror.py), with the
// base_score XGBoost estimated (the labels' median), predicts what
// XGBoost's predict() does, bit for bit: identity link, the same float32
// sums.
func TestLoadXGBoostAbsoluteError(t *testing.T) {
	X := xgbRowsHead(t, 200)
	want := readColumns(t, "testdata/abs_xgb_expected.csv")["reg_absoluteerror"]
	for _, ext := range []string{".json", ".ubj"} {
		t.Run(ext, func(t *testing.T) {
			m, err := LoadXGBoost("testdata/obj_reg_absoluteerror" + ext)
			require.NoError(t, err)
			require.Equal(t, "reg:absoluteerror", m.Objective)
			require.Equal(t, Identity, m.Link())
			require.NotEqual(t, 0.5, m.BaseScore, "XGBoost estimated it")
			require.Equal(t, float32(m.BaseScore), m.Base())
			p, err := m.Predict(X, 2, nil)
			require.NoError(t, err)
			for i, v := range p {
				require.Equal(t, float32(want[i]), float32(v), "row %d", i)
			}
		})
	}
}
