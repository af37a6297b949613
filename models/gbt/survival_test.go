package gbt

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// survFitCases are testdata/make_xgb_survival.py's CASES: whether the rows
// are weighted, and Ember's settings for XGBoost's params.
var survFitCases = []struct {
	name     string
	weighted bool
	set      func(*Model)
}{
	{"cox", false, func(m *Model) { m.Objective, m.MinChildWeight = SurvivalCox, 0.1 }},
	{"cox_w", true, func(m *Model) { m.Objective, m.MinChildWeight = SurvivalCox, 0.1 }},
	{"aft_normal", false, func(m *Model) { m.Objective = SurvivalAFT }},
	{"aft_logistic", false, func(m *Model) { m.Objective, m.AFTDistribution, m.AFTSigma = SurvivalAFT, AFTLogistic, 0.8 }},
	{"aft_extreme", false, func(m *Model) { m.Objective, m.AFTDistribution, m.AFTSigma = SurvivalAFT, AFTExtreme, 1.5 }},
	{"aft_normal_w", true, func(m *Model) { m.Objective, m.AFTSigma = SurvivalAFT, 0.5 }},
}

// survFixture is surv_fit.csv: the features, and every other column by
// name as float64 (the labels were written with few digits).
func survFixture(t *testing.T) (*tabular.Matrix, map[string][]float64) {
	t.Helper()
	f := readFitFixture(t, "testdata/surv_fit.csv")
	return f.X, f.cols
}

// TestSurvivalMatchesXGBoost: survival:cox (times tied among events and
// censored rows; weighted and not) and survival:aft (observed, right-,
// left- and interval-censored times; normal, logistic and extreme
// distributions at scales 1, 0.8, 1.5 and 0.5; weighted and not) fitted as
// XGBoost 1.7's hist fits them (testdata/make_xgb_survival.py, depth 3, 8
// rounds): the fit starts where the fixture's did (XGBoost's log 0.5 for
// Cox, the root of the clipped AFT gradient for AFT), every training row
// gets XGBoost's margin, and the loss History records after each round is
// XGBoost's cox-nloglik or aft-nloglik, with Threads 1 and 4 alike.
func TestSurvivalMatchesXGBoost(t *testing.T) {
	X, cols := survFixture(t)
	var metrics map[string]struct {
		Metric string    `json:"metric"`
		Curve  []float64 `json:"curve"`
		Start  float64   `json:"start"`
	}
	readJSONFixture(t, "testdata/surv_fit_metrics.json", &metrics)
	for _, tc := range survFitCases {
		t.Run(tc.name, func(t *testing.T) {
			want := cols["m_"+tc.name]
			var w []float64
			if tc.weighted {
				w = cols["w"]
			}
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := New()
				m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Threads = 8, 3, 0.3, 1, threads
				tc.set(m)
				if m.Objective == SurvivalCox {
					y := cols["cox"]
					require.NoError(t, m.FitWeighted(X, y, w, &EvalSet{X: X, Y: y, W: w}))
				} else {
					lo, hi := cols["lo"], cols["hi"]
					require.NoError(t, m.FitAFT(X, lo, hi, w, &EvalSet{X: X, Y: lo, Upper: hi, W: w}))
				}
				require.Equal(t, float32(metrics[tc.name].Start), m.Ensemble().Base(), "the starting margin")
				got, err := m.Margins(X)
				require.NoError(t, err)
				requireMarginsNear(t, got, want, 1e-5, fmt.Sprintf("threads %d", threads))
				requireLossCurve(t, m.History().ValidLoss, metrics[tc.name].Curve, 2e-6, metrics[tc.name].Metric)
				p, err := m.Predict(X)
				require.NoError(t, err)
				for i := range p {
					require.InEpsilon(t, math.Exp(got[i]), p[i], 1e-6, "Predict is exp(margin)")
				}
				return got
			})
		})
	}
}

// TestAFTGradientsMatchXGBoost: survival:aft's gradient and hessian of one
// row, for every distribution and kind of censoring, at margins from
// where the formulas hold to where XGBoost's clipping and its limits at an
// infinite margin take over (±60), are XGBoost 1.7's
// (testdata/make_xgb_survival.py reads them off one-row fits; its h is
// empty where g is 0, as the leaves cannot tell it then).
func TestAFTGradientsMatchXGBoost(t *testing.T) {
	f, err := os.Open("testdata/surv_aft_grads.csv")
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 97)
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}
	limits := 0
	for _, r := range recs[1:] {
		l := newAFTLoss(AFTDistribution(r[0]), num(r[1]))
		lo, hi, pred := num(r[2]), num(r[3]), num(r[4])
		g, h := l.gradHess(lo, hi, pred)
		what := fmt.Sprintf("%s σ %s, bounds [%v, %v], margin %v", r[0], r[1], lo, hi, pred)
		require.InDelta(t, num(r[5]), float64(float32(g)), 1e-5*max(1, math.Abs(g)), "gradient: %s", what)
		if r[6] != "" {
			require.InDelta(t, num(r[6]), float64(float32(h)), 1e-5*max(1, math.Abs(h)), "hessian: %s", what)
		}
		if math.Abs(pred) == 60 {
			limits++
		}
	}
	require.Equal(t, 24, limits)
}

// TestLoadXGBoostSurvival: models of survival:cox and survival:aft
// (logistic, σ 1.3) saved by XGBoost 1.7 (JSON and UBJSON;
// testdata/make_xgb_survival.py) predict what XGBoost's predict() does,
// hazard ratios and times exp(margin) from the margin log 0.5: every row
// within 1 float32 ulp (expf against Go's exp, as for the log links).
func TestLoadXGBoostSurvival(t *testing.T) {
	X, _ := survFixture(t)
	want := readColumns(t, "testdata/surv_xgb_expected.csv")
	for _, name := range []string{"survival_cox", "survival_aft"} {
		for _, ext := range []string{".json", ".ubj"} {
			t.Run(name+ext, func(t *testing.T) {
				m, err := LoadXGBoost("testdata/surv_" + name + ext)
				require.NoError(t, err)
				require.Equal(t, strings.Replace(name, "_", ":", 1), m.Objective)
				require.Equal(t, Exp, m.Link())
				require.Equal(t, float32(math.Log(0.5)), m.Base())
				p, err := m.Predict(X, 2, nil)
				require.NoError(t, err)
				worst := 0
				for i, v := range p {
					worst = max(worst, float32Steps(v, want[name][i]))
				}
				require.LessOrEqual(t, worst, 1)
			})
		}
	}
}

// TestSurvivalFiles: survival models save as file version 6 with their
// settings and load to the same predictions and history.
func TestSurvivalFiles(t *testing.T) {
	X, cols := survFixture(t)
	dir := t.TempDir()
	for _, m := range []*Model{
		{Objective: SurvivalCox, NumTrees: 5, L2: 1},
		{Objective: SurvivalAFT, NumTrees: 5, L2: 1, AFTDistribution: AFTExtreme, AFTSigma: 0.6},
	} {
		if m.Objective == SurvivalCox {
			require.NoError(t, m.Fit(X, cols["cox"], &EvalSet{X: X, Y: cols["cox"]}))
		} else {
			require.NoError(t, m.FitAFT(X, cols["lo"], cols["hi"], nil, &EvalSet{X: X, Y: cols["lo"], Upper: cols["hi"]}))
		}
		loaded, version := saveAndReload(t, m, filepath.Join(dir, strings.ReplaceAll(string(m.Objective), ":", "_")))
		require.Equal(t, 6, version)
		require.Equal(t, m.Objective, loaded.Objective)
		require.Equal(t, m.AFTDistribution, loaded.AFTDistribution)
		require.Equal(t, m.AFTSigma, loaded.AFTSigma)
		require.Equal(t, m.History(), loaded.History())
		require.Equal(t, predictions(t, m, X), predictions(t, loaded, X))
	}
}

// TestSurvivalChecks: bad times and bounds are errors naming the set and
// row before any fit; the AFT settings are checked, defaulted by Fit and
// refused with another objective; Fit on survival:aft takes y as observed
// times; the AFT start minimises the loss.
func TestSurvivalChecks(t *testing.T) {
	X, cols := survFixture(t)
	cox, lo, hi := cols["cox"], cols["lo"], cols["hi"]
	with := func(y []float64, i int, v float64) []float64 {
		y = slices.Clone(y)
		y[i] = v
		return y
	}
	neg := make([]float64, len(cox))
	for i, v := range cox {
		neg[i] = -math.Abs(v)
	}
	inf := slices.Repeat([]float64{math.Inf(1)}, len(lo))
	coxFit := func(y []float64, valid *EvalSet) error {
		m := &Model{Objective: SurvivalCox, NumTrees: 2}
		return m.Fit(X, y, valid)
	}
	aftFit := func(set func(*Model), l, u []float64, valid *EvalSet) error {
		m := &Model{Objective: SurvivalAFT, NumTrees: 2}
		if set != nil {
			set(m)
		}
		return m.FitAFT(X, l, u, nil, valid)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{coxFit(with(cox, 3, 0), nil), "gbt: X label 3 is 0; survival:cox needs survival times, negative for a censored row"},
		{coxFit(with(cox, 4, math.NaN()), nil), "gbt: X label 4 is NaN; labels must be finite"},
		{coxFit(neg, nil), "every row of X is censored (a negative time): survival:cox needs some events"},
		{coxFit(cox, &EvalSet{X: X, Y: neg}), "every row of the validation set is censored"},
		{coxFit(cox, &EvalSet{X: X, Y: cox, Upper: hi}), "the validation set has upper bounds, but only survival:aft takes them"},
		{aftFit(nil, with(lo, 5, -1), hi, nil), "gbt: X label 5 is -1; survival:aft's lower bound must be a time of 0 (left-censored) or more"},
		{aftFit(nil, with(lo, 6, math.NaN()), hi, nil), "gbt: X label 6 is NaN"},
		{aftFit(nil, lo, with(hi, 7, math.NaN()), nil), "gbt: X row 7: the upper bound is NaN; give +Inf for a right-censored row"},
		{aftFit(nil, with(lo, 8, 9), with(hi, 8, 2), nil), "gbt: X row 8: the upper bound 2 is below the lower bound 9"},
		{aftFit(nil, with(lo, 9, 0), with(hi, 9, 0), nil), "gbt: X row 9: the time is 0; survival:aft needs times above 0"},
		{aftFit(nil, lo, inf, nil), "every row of X is right-censored (upper bound +Inf)"},
		{aftFit(nil, lo, hi[1:], nil), "gbt: X has 200 lower bounds but 199 upper bounds"},
		{aftFit(nil, lo, hi, &EvalSet{X: X, Y: lo, Upper: with(hi, 2, 0.5*lo[2])}), "the validation set row 2: the upper bound"},
		{aftFit(func(m *Model) { m.AFTDistribution = "weibull" }, lo, hi, nil), `unknown AFTDistribution "weibull"; want one of [normal logistic extreme]`},
		{aftFit(func(m *Model) { m.AFTSigma = -1 }, lo, hi, nil), "AFTSigma must be a positive number within float32's range, got -1"},
		{aftFit(func(m *Model) { m.Objective = SurvivalCox }, lo, hi, nil), "FitAFT is for survival:aft; Objective is survival:cox"},
		{(&Model{Objective: SurvivalAFT}).FitAFT(X, lo, nil, nil, nil), "FitAFT: no upper bounds"},
		{(&Model{Objective: SquaredError, AFTSigma: 2}).Fit(X, lo, nil), "AFTSigma is 2; only survival:aft takes a scale"},
		{(&Model{Objective: SurvivalCox, AFTDistribution: AFTLogistic}).Fit(X, cox, nil), `AFTDistribution is "logistic"; only survival:aft takes a distribution`},
	} {
		require.ErrorContains(t, tc.err, tc.want)
	}
	// Without L2 a leaf of censored rows steps far enough that exp of
	// the margin overflows: an *OverflowError, not NaN losses.
	var oe *OverflowError
	err := (&Model{Objective: SurvivalCox, NumTrees: 5}).Fit(X, cox, nil)
	require.ErrorAs(t, err, &oe)
	require.Greater(t, oe.Round, 1) // the first round's gradients are at the start
	require.ErrorContains(t, err, "a row's gradient is beyond float32's range")
	// Defaults, set by Fit for survival:aft only.
	m := &Model{Objective: SurvivalAFT, NumTrees: 2}
	require.NoError(t, m.FitAFT(X, lo, hi, nil, nil))
	require.Equal(t, AFTNormal, m.AFTDistribution)
	require.Equal(t, 1.0, m.AFTSigma)
	c := &Model{Objective: SurvivalCox, NumTrees: 2}
	require.NoError(t, c.Fit(X, cox, nil))
	require.Zero(t, c.AFTSigma)
	require.Empty(t, c.AFTDistribution)
	// Fit takes y as observed times: FitAFT with equal bounds.
	times := make([]float64, len(lo))
	for i := range times {
		times[i] = math.Abs(cox[i])
	}
	a, b := &Model{Objective: SurvivalAFT, NumTrees: 3}, &Model{Objective: SurvivalAFT, NumTrees: 3}
	require.NoError(t, a.Fit(X, times, nil))
	require.NoError(t, b.FitAFT(X, times, times, nil, nil))
	ma, err := a.Margins(X)
	require.NoError(t, err)
	mb, err := b.Margins(X)
	require.NoError(t, err)
	require.Equal(t, ma, mb)
	// The start is the constant of least loss: moving it either way costs.
	base := float64(m.Ensemble().Base())
	start := func(d float64) float64 {
		return AFTNLogLik(AFTNormal, 1, lo, hi, slices.Repeat([]float64{base + d}, len(lo)), nil)
	}
	require.Less(t, start(0), start(0.01))
	require.Less(t, start(0), start(-0.01))
}
