package gbt

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// simpleFitCases are testdata/make_xgb_simple.py's CASES: the case, its
// objective, the label column and whether the rows are weighted.
var simpleFitCases = []struct {
	name     string
	obj      Objective
	label    string
	weighted bool
}{
	{"sle", SquaredLogError, "amount", false},
	{"sle_w", SquaredLogError, "amount", true},
	{"logistic", RegLogistic, "share", false},
	{"logistic_w", RegLogistic, "share", true},
	{"logitraw", BinaryLogitRaw, "binary", false},
	{"logitraw_w", BinaryLogitRaw, "binary", true},
	{"hinge", BinaryHinge, "binary", false},
	{"hinge_w", BinaryHinge, "binary", true},
	{"softmax", MultiSoftmax, "class", false},
	{"softmax_w", MultiSoftmax, "class", true},
}

// TestSimpleObjectivesMatchXGBoost: reg:squaredlogerror, reg:logistic,
// binary:logitraw, binary:hinge and multi:softmax, weighted and not,
// fitted as XGBoost 1.7's hist fits them (testdata/make_xgb_simple.py,
// depth 3, 8 rounds, from Ember's starting margins): every training row
// gets XGBoost's margins, and the loss History records after each round is
// XGBoost's default metric for the objective (rmsle, rmse, error,
// mlogloss; for binary:logitraw the log-loss of the logistic of the
// margins), with Threads 1 and 4 alike.
func TestSimpleObjectivesMatchXGBoost(t *testing.T) {
	// Labels, weights and margins were written with at most 9 digits:
	// read as float64 (f.cols), not through the float32 matrix.
	f := readFitFixture(t, "testdata/simple_fit.csv")
	X := f.X
	var metrics map[string]struct {
		Metric string    `json:"metric"`
		Curve  []float64 `json:"curve"`
	}
	readJSONFixture(t, "testdata/simple_fit_metrics.json", &metrics)
	for _, tc := range simpleFitCases {
		t.Run(tc.name, func(t *testing.T) {
			y := f.cols["y_"+tc.label]
			var w []float64
			if tc.weighted {
				w = f.cols["w"]
			}
			k := 1
			if tc.obj == MultiSoftmax {
				k = 3
			}
			want := f.margins(t, tc.name, k)
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := New()
				m.Objective = tc.obj
				m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Threads = 8, 3, 0.3, 1, threads
				require.NoError(t, m.FitWeighted(X, y, w, &EvalSet{X: X, Y: y, W: w}))
				got, err := m.Margins(X)
				require.NoError(t, err)
				requireMarginsNear(t, got, want, 1e-5, fmt.Sprintf("threads %d", threads))
				requireLossCurve(t, m.History().ValidLoss, metrics[tc.name].Curve, 2e-6, metrics[tc.name].Metric)
				return got
			})
		})
	}
}

// TestSimpleObjectivePredictions: what Predict, PredictProba and
// PredictClass give for each objective, from the margins: the value
// (reg:squaredlogerror), the logistic (reg:logistic), the margin itself
// (binary:logitraw, whose probabilities are the logistic), 1 where the
// margin is above 0 (binary:hinge, which has no probabilities) and the
// class of highest margin (multi:softmax, whose probabilities are
// multi:softprob's, its trees too).
func TestSimpleObjectivePredictions(t *testing.T) {
	X, z := toyData(300, 5, true)
	binary := make([]float64, len(z))
	share := make([]float64, len(z))
	amount := make([]float64, len(z))
	for i, v := range z {
		if v > 0 {
			binary[i] = 1
		}
		share[i] = 1 / (1 + math.Exp(-v))
		amount[i] = math.Exp(v) - 0.5
	}
	Xm, ym := toyMulti(300, 3)
	fit := func(obj Objective, X *tabular.Matrix, y []float64) *Model {
		m := New()
		m.Objective, m.NumTrees, m.MaxDepth = obj, 10, 3
		require.NoError(t, m.Fit(X, y, nil))
		return m
	}

	m := fit(SquaredLogError, X, amount)
	require.Equal(t, Identity, m.Ensemble().Link())
	var logs float64
	for _, v := range amount {
		logs += math.Log1p(v)
	}
	require.Equal(t, float32(math.Expm1(logs/float64(len(amount)))), m.Ensemble().Base(), "expm1 of the mean log1p")
	mg, err := m.Margins(X)
	require.NoError(t, err)
	p, err := m.Predict(X)
	require.NoError(t, err)
	require.Equal(t, mg, p)
	_, err = m.PredictProba(X)
	require.ErrorContains(t, err, "reg:squaredlogerror gives no class probabilities")

	m = fit(RegLogistic, X, share)
	require.Equal(t, Logistic, m.Ensemble().Link())
	mg, _ = m.Margins(X)
	p, _ = m.Predict(X)
	for i := range p {
		require.Equal(t, 1/(1+math.Exp(-mg[i])), p[i])
	}
	_, err = m.PredictClass(X)
	require.ErrorContains(t, err, "needs a classifier")

	raw, logistic := fit(BinaryLogitRaw, X, binary), fit(BinaryLogistic, X, binary)
	require.Equal(t, Identity, raw.Ensemble().Link())
	mg, _ = raw.Margins(X)
	p, _ = raw.Predict(X)
	require.Equal(t, mg, p, "binary:logitraw predicts margins")
	proba, err := raw.PredictProba(X)
	require.NoError(t, err)
	cls, err := raw.PredictClass(X)
	require.NoError(t, err)
	for i := range p {
		require.Equal(t, 1/(1+math.Exp(-mg[i])), proba[i])
		require.Equal(t, mg[i] > 0, cls[i] == 1)
	}
	// The same start and loss as binary:logistic; the float32 gradients
	// differ from its float64 ones in the last bits only.
	require.Equal(t, logistic.Ensemble().Base(), raw.Ensemble().Base())
	lp, _ := logistic.Predict(X)
	for i := range lp {
		require.InDelta(t, lp[i], proba[i], 1e-6)
	}

	m = fit(BinaryHinge, X, binary)
	require.Equal(t, Step, m.Ensemble().Link())
	require.Equal(t, float32(0.5), m.Ensemble().Base(), "XGBoost's base_score")
	mg, _ = m.Margins(X)
	p, _ = m.Predict(X)
	cls, _ = m.PredictClass(X)
	correct := 0
	for i := range p {
		require.Equal(t, mg[i] > 0, p[i] == 1)
		require.True(t, p[i] == 0 || p[i] == 1)
		require.Equal(t, int(p[i]), cls[i])
		if p[i] == binary[i] {
			correct++
		}
	}
	require.Greater(t, correct, 270, "training accuracy")
	_, err = m.PredictProba(X)
	require.ErrorContains(t, err, "binary:hinge gives no class probabilities")

	soft, prob := fit(MultiSoftmax, Xm, ym), fit(MultiSoftprob, Xm, ym)
	require.Equal(t, 3, soft.NumClasses())
	mg, _ = soft.Margins(Xm)
	mp, _ := prob.Margins(Xm)
	require.Equal(t, mp, mg, "multi:softmax grows multi:softprob's trees")
	p, _ = soft.Predict(Xm)
	require.Len(t, p, Xm.Rows)
	proba, err = soft.PredictProba(Xm)
	require.NoError(t, err)
	pp, _ := prob.Predict(Xm)
	require.Equal(t, pp, proba)
	cls, _ = soft.PredictClass(Xm)
	for i := range p {
		row := mg[3*i : 3*i+3]
		require.Equal(t, float64(slices.Index(row, slices.Max(row))), p[i])
		require.Equal(t, int(p[i]), cls[i])
	}
}

// TestSimpleObjectiveChecks: labels out of an objective's range are errors
// naming the set and row, before any fit.
func TestSimpleObjectiveChecks(t *testing.T) {
	X, z := toyData(50, 3, true)
	binary := make([]float64, len(z))
	pos := make([]float64, len(z))
	for i, v := range z {
		if v > 0 {
			binary[i] = 1
		}
		pos[i] = math.Exp(v)
	}
	bad := func(y []float64, i int, v float64) []float64 {
		y = slices.Clone(y)
		y[i] = v
		return y
	}
	for _, tc := range []struct {
		obj   Objective
		y     []float64
		valid *EvalSet
		want  string
	}{
		{SquaredLogError, bad(pos, 4, -1), nil, "gbt: X label 4 is -1; reg:squaredlogerror needs labels above -1 (it fits log(1+label))"},
		{SquaredLogError, bad(pos, 4, -1-1e-9), nil, "X label 4 is -1.000000001; reg:squaredlogerror needs labels above -1"},
		{SquaredLogError, bad(pos, 4, -1+1e-9), nil, "X label 4 is -0.999999999; reg:squaredlogerror needs labels above -1"}, // -1 as float32
		{SquaredLogError, pos, &EvalSet{X: X, Y: bad(pos, 9, -3)}, "the validation set label 9 is -3; reg:squaredlogerror needs labels above -1"},
		{SquaredLogError, bad(pos, 2, 1e39), nil, "X label 2 is 1e+39; reg:squaredlogerror takes its labels as float32"},
		{SquaredLogError, bad(pos, 2, math.Inf(1)), nil, "X label 2 is +Inf; labels must be finite"},
		{RegLogistic, bad(binary, 3, 1.5), nil, "gbt: X label 3 is 1.5; reg:logistic needs labels from 0 to 1 (probabilities or shares)"},
		{RegLogistic, bad(binary, 3, -0.1), nil, "X label 3 is -0.1; reg:logistic needs labels from 0 to 1"},
		{BinaryLogitRaw, bad(binary, 5, 0.5), nil, "gbt: X label 5 is 0.5; binary:logitraw needs labels 0 and 1"},
		{BinaryHinge, bad(binary, 6, -1), nil, "gbt: X label 6 is -1; binary:hinge needs labels 0 and 1"},
		{BinaryHinge, make([]float64, len(z)), nil, "every label is 0; a classifier needs both classes"},
		{MultiSoftmax, bad(binary, 7, 2.5), nil, "label 7 is 2.5; multi:softmax needs class numbers"},
	} {
		m := New()
		m.Objective, m.NumTrees = tc.obj, 2
		require.ErrorContains(t, m.Fit(X, tc.y, tc.valid), tc.want)
	}
	m := New()
	m.Objective, m.NumClass = BinaryHinge, 3
	require.ErrorContains(t, m.Fit(X, binary, nil), "NumClass is 3; only multi:softprob and multi:softmax take a number of classes")
	m = New()
	m.Objective, m.ScalePosWeight = BinaryHinge, 2
	require.ErrorContains(t, m.Fit(X, binary, nil), "ScalePosWeight is 2; binary:hinge does not weigh rows by their label (XGBoost ignores scale_pos_weight there)")
}

// TestSimpleObjectiveEarlyStopping: early stopping on each objective's
// validation loss keeps the trees up to its lowest, XGBoost's rmsle,
// rmse, error, the log-loss and mlogloss.
func TestSimpleObjectiveEarlyStopping(t *testing.T) {
	X, z := toyData(600, 7, true)
	Xv, zv := toyData(300, 8, true)
	label := func(obj Objective, z []float64) []float64 {
		y := make([]float64, len(z))
		for i, v := range z {
			switch obj {
			case SquaredLogError:
				y[i] = math.Exp(v)
			case RegLogistic:
				y[i] = 1 / (1 + math.Exp(-v))
			default:
				if v > 0 {
					y[i] = 1
				}
			}
		}
		return y
	}
	for _, obj := range []Objective{SquaredLogError, RegLogistic, BinaryLogitRaw, BinaryHinge} {
		y, yv := label(obj, z), label(obj, zv)
		m := New()
		m.Objective, m.NumTrees, m.MaxDepth, m.LearningRate, m.EarlyStoppingRounds = obj, 300, 6, 0.5, 5
		require.NoError(t, m.Fit(X, y, &EvalSet{X: Xv, Y: yv}))
		h := m.History()
		require.Less(t, len(h.ValidLoss), 300, "%s stopped early", obj)
		require.Equal(t, len(h.ValidLoss)-6, h.BestRound, "%s: 5 rounds past the best", obj)
		require.Equal(t, h.BestRound+1, m.Ensemble().NumTrees())
		require.Equal(t, slices.Min(h.ValidLoss), h.ValidLoss[h.BestRound], "%s keeps its lowest", obj)
		require.Equal(t, h.BestRound, slices.Index(h.ValidLoss, slices.Min(h.ValidLoss)), "%s: the first of the lowest", obj)
		// The recorded loss is the metric of the kept model.
		mg, err := m.Margins(Xv)
		require.NoError(t, err)
		var sum float64
		for i, v := range mg {
			sum += m.pointLoss(v, yv[i])
		}
		loss := sum / float64(len(yv))
		if obj.rootMean() {
			loss = math.Sqrt(loss)
		}
		require.InDelta(t, h.ValidLoss[h.BestRound], loss, 1e-12, "%s", obj)
	}
}

// TestSimpleObjectiveFiles: a model of each new objective saves as file
// version 6 and loads to the same predictions, classes and
// probabilities.
func TestSimpleObjectiveFiles(t *testing.T) {
	X, z := toyData(300, 4, true)
	binary := make([]float64, len(z))
	pos := make([]float64, len(z))
	share := make([]float64, len(z))
	for i, v := range z {
		if v > 0 {
			binary[i] = 1
		}
		pos[i], share[i] = math.Exp(v/2), 1/(1+math.Exp(-v))
	}
	Xm, ym := toyMulti(300, 4)
	dir := t.TempDir()
	for _, tc := range []struct {
		obj Objective
		X   *tabular.Matrix
		y   []float64
	}{
		{SquaredLogError, X, pos}, {RegLogistic, X, share}, {BinaryLogitRaw, X, binary},
		{BinaryHinge, X, binary}, {MultiSoftmax, Xm, ym},
	} {
		m := New()
		m.Objective, m.NumTrees = tc.obj, 10
		require.NoError(t, m.Fit(tc.X, tc.y, &EvalSet{X: tc.X, Y: tc.y}))
		loaded, version := saveAndReload(t, m, filepath.Join(dir, strings.ReplaceAll(string(m.Objective), ":", "_")))
		require.Equal(t, 6, version, "%s", m.Objective)
		require.Equal(t, m.Objective, loaded.Objective)
		require.Equal(t, m.History(), loaded.History())
		require.Equal(t, m.Ensemble().Link(), loaded.Ensemble().Link())
		require.Equal(t, predictions(t, m, tc.X), predictions(t, loaded, tc.X))
		if m.Objective.Classifier() {
			wc, _ := m.PredictClass(tc.X)
			gc, err := loaded.PredictClass(tc.X)
			require.NoError(t, err)
			require.Equal(t, wc, gc)
		}
		if m.Objective.Probabilistic() {
			wp, _ := m.PredictProba(tc.X)
			gp, err := loaded.PredictProba(tc.X)
			require.NoError(t, err)
			require.Equal(t, wp, gp)
		}
	}
}

// TestLoadXGBoostSimpleObjectives: models of reg:squaredlogerror and
// binary:hinge (JSON and UBJSON), reg:logistic and binary:logitraw saved by
// XGBoost 1.7 (testdata/make_xgb_simple.py) predict what XGBoost's
// predict() does: the value, the class 0 or 1, the probability (within an
// ulp: expf against Go's exp) and the margin.
func TestLoadXGBoostSimpleObjectives(t *testing.T) {
	X := xgbRowsHead(t, 100)
	want := readColumns(t, "testdata/simple_xgb_expected.csv")
	for _, tc := range []struct {
		name string
		exts []string
		link Link
	}{
		{"reg_squaredlogerror", []string{".json", ".ubj"}, Identity},
		{"binary_hinge", []string{".json", ".ubj"}, Step},
		{"reg_logistic", []string{".json"}, Logistic},
		{"binary_logitraw", []string{".json"}, Identity},
	} {
		for _, ext := range tc.exts {
			t.Run(tc.name+ext, func(t *testing.T) {
				m, err := LoadXGBoost("testdata/simple_" + tc.name + ext)
				require.NoError(t, err)
				require.Equal(t, strings.Replace(tc.name, "_", ":", 1), m.Objective)
				require.Equal(t, tc.link, m.Link())
				p, err := m.Predict(X, 2, nil)
				require.NoError(t, err)
				worst, ones := 0, 0
				for i, v := range p {
					worst = max(worst, float32Steps(v, want[tc.name][i]))
					if v == 1 {
						ones++
					}
				}
				require.LessOrEqual(t, worst, 1)
				if tc.link == Step {
					require.Greater(t, ones, 10)
					require.Less(t, ones, 90)
				}
			})
		}
	}
}

// TestScalePosWeightMatchesXGBoost: ScalePosWeight multiplies the weight
// of every row labelled 1 wherever XGBoost 1.7's RegLossObj reads
// scale_pos_weight (binary:logistic, binary:logitraw, reg:logistic,
// reg:squarederror, reg:squaredlogerror), weighted or not: after 8 rounds
// at scale_pos_weight 3 every training row gets XGBoost's margin (within
// 1e-6, relative beyond 1)
// (testdata/make_xgb_spw.py, from Ember's starting margin), and the fit
// differs from the one at 1 (the rows labelled 1 weighed). The objectives
// XGBoost fits without reading it refuse it.
func TestScalePosWeightMatchesXGBoost(t *testing.T) {
	f := readFitFixture(t, "testdata/simple_fit.csv")
	X, cols := f.X, f.cols
	for k, v := range readColumns(t, "testdata/spw_fit.csv") {
		cols[k] = v
	}
	for _, tc := range []struct {
		name, label string
		obj         Objective
		weighted    bool
	}{
		{"logistic", "y_binary", BinaryLogistic, false},
		{"logitraw_w", "y_binary", BinaryLogitRaw, true},
		{"reglogistic", "y_share", RegLogistic, false},
		{"reglogistic_w", "y_share", RegLogistic, true},
		{"squared", "y_ones", SquaredError, false},
		{"squared_w", "y_ones", SquaredError, true},
		{"sle_w", "y_ones", SquaredLogError, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := cols[tc.label]
			var w []float64
			if tc.weighted {
				w = cols["w"]
			}
			want := cols["m_"+tc.name]
			require.Len(t, want, X.Rows)
			fit := func(spw float64) []float64 {
				m := New()
				m.Objective, m.ScalePosWeight = tc.obj, spw
				m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Threads = 8, 3, 0.3, 1, 1
				require.NoError(t, m.FitWeighted(X, y, w, nil))
				got, err := m.Margins(X)
				require.NoError(t, err)
				return got
			}
			got := fit(3)
			// Relative beyond 1: squared error's margins reach 700, where
			// a float32 ulp is 6e-5.
			worst, at := 0.0, 0
			for i := range got {
				if e := math.Abs(got[i]-want[i]) / max(1, math.Abs(want[i])); e > worst {
					worst, at = e, i
				}
			}
			t.Logf("largest margin difference from XGBoost (relative beyond 1) %.3g", worst)
			require.Less(t, worst, 1e-6, "margin %d of the fixture", at)
			unscaled := fit(1)
			moved := 0.0
			for i := range got {
				moved = max(moved, math.Abs(got[i]-unscaled[i]))
			}
			require.Greater(t, moved, 0.01, "scale_pos_weight 3 against 1")
		})
	}
	X2, y2 := toyData(100, 3, true)
	for _, obj := range []Objective{BinaryHinge, MultiSoftprob, MultiSoftmax, CountPoisson, Tweedie, Gamma, PseudoHuber,
		AbsoluteError, RankPairwise, SurvivalCox, SurvivalAFT} {
		m := New()
		m.Objective, m.ScalePosWeight = obj, 2
		require.ErrorContains(t, m.Fit(X2, y2, nil), fmt.Sprintf("ScalePosWeight is 2; %s does not weigh rows by their label", obj))
	}
}
