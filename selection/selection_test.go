package selection

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStratifiedKFold(t *testing.T) {
	labels := make([]int, 103)
	for i := range labels {
		if i%4 == 0 {
			labels[i] = 1 // 26 positives, 77 negatives
		}
	}
	folds, err := StratifiedKFold(labels, 3, 7)
	require.NoError(t, err)
	var all []int
	for _, f := range folds {
		require.True(t, slices.IsSorted(f))
		pos := 0
		for _, i := range f {
			pos += labels[i]
		}
		require.InDelta(t, 26.0/3, float64(pos), 1) // each class dealt evenly
		require.InDelta(t, 103.0/3, float64(len(f)), 1)
		all = append(all, f...)
	}
	slices.Sort(all)
	for i, v := range all {
		require.Equal(t, i, v) // a partition of the rows
	}
	again, _ := StratifiedKFold(labels, 3, 7)
	require.Equal(t, folds, again)
	other, _ := StratifiedKFold(labels, 3, 8)
	require.NotEqual(t, folds, other)
	require.Len(t, TrainRows(folds, 1), len(folds[0])+len(folds[2]))

	_, err = StratifiedKFold(labels[:2], 3, 1)
	require.ErrorContains(t, err, "3 folds of 2 rows")
}

func TestParseGrid(t *testing.T) {
	g, err := ParseGrid("max_depth=3,4; min_instances=2,3 ;max_bins=50,55")
	require.NoError(t, err)
	pts := g.Points()
	require.Len(t, pts, 8)
	require.Equal(t, Point{"max_depth": 3, "min_instances": 2, "max_bins": 50}, pts[0])
	require.Equal(t, Point{"max_depth": 3, "min_instances": 2, "max_bins": 55}, pts[1])
	require.Equal(t, Point{"max_depth": 4, "min_instances": 3, "max_bins": 55}, pts[7])
	require.Equal(t, "max_bins=50 max_depth=3 min_instances=2", pts[0].String())
	for s, want := range map[string]string{
		"":                "empty",
		"a":               "want name=value",
		"a=1;a=2":         "appears twice",
		"a=x":             `"x" is not a number`,
		"a=":              "no values",
		"depth=3,NaN":     "not a number",
		"=3":              "want name=value",
		"a=1,1;b=2;;c=3,": "",
	} {
		_, err := ParseGrid(s)
		if want == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorContains(t, err, want, s)
	}
}

func TestCrossValidate(t *testing.T) {
	labels := make([]int, 60)
	for i := range labels {
		labels[i] = i % 2
	}
	folds, err := StratifiedKFold(labels, 3, 1)
	require.NoError(t, err)
	g, err := ParseGrid("noise=0,0.3,1")
	require.NoError(t, err)
	// A "model" whose scores get worse as noise grows: its AUC is known.
	fit := func(p Point, train, test []int, threads int) ([]float64, error) {
		require.Len(t, train, 40)
		out := make([]float64, len(test))
		for k, i := range test {
			flip := float64((i*7)%10) / 10 * p["noise"] * 2
			out[k] = float64(labels[i]) - flip
		}
		return out, nil
	}
	var results []*Result
	for _, par := range []int{1, 4} {
		res, err := CrossValidate(g, folds, ROCAUC, par, fit, labels, nil)
		require.NoError(t, err)
		results = append(results, res)
	}
	require.Equal(t, results[0], results[1], "parallel folds must not change the result")
	res := results[0]
	require.Equal(t, 0, res.Best)
	require.Equal(t, 1.0, res.Points[0].Mean)
	require.Zero(t, res.Points[0].Std)
	require.Less(t, res.Points[2].Mean, res.Points[1].Mean)
	require.Equal(t, "roc_auc", res.Metric)

	// Log-loss: lower is better.
	res, err = CrossValidate(g, folds, LogLoss, 2, func(p Point, train, test []int, _ int) ([]float64, error) {
		out := make([]float64, len(test))
		for k, i := range test {
			out[k] = math.Abs(float64(labels[i]) - 0.1 - p["noise"]/3)
		}
		return out, nil
	}, labels, nil)
	require.NoError(t, err)
	require.Equal(t, 0, res.Best)

	boom := errors.New("boom")
	_, err = CrossValidate(g, folds, Accuracy, 1, func(p Point, _, test []int, _ int) ([]float64, error) {
		if p["noise"] == 1 {
			return nil, boom
		}
		return make([]float64, len(test)), nil
	}, labels, nil)
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "noise=1, fold")

	_, err = MetricByName("f1")
	require.ErrorContains(t, err, "unknown metric")
}

// TestMetricsMulticlass: with K probabilities a row the metrics score the
// rows' classes (log-loss as sklearn's log_loss, accuracy by argmax, ROC
// AUC one-vs-rest, weighted by class support).
func TestMetricsMulticlass(t *testing.T) {
	y := []int{0, 2, 1, 2}
	p := []float64{
		0.7, 0.2, 0.1,
		0.1, 0.3, 0.6,
		0.5, 0.4, 0.1, // wrong: class 0 is likelier
		0.2, 0.2, 0.6,
	}
	acc, err := Accuracy.Score(y, p, nil)
	require.NoError(t, err)
	require.Equal(t, 0.75, acc)
	ll, err := LogLoss.Score(y, p, nil)
	require.NoError(t, err)
	require.InDelta(t, -(math.Log(0.7)+math.Log(0.6)+math.Log(0.4)+math.Log(0.6))/4, ll, 1e-15)
	// One-vs-rest: class 0's column ranks its row first (AUC 1), class
	// 1's puts its row (0.4) above two of the three others (2/3), class
	// 2's puts its two rows above both others (1). Weighted by the classes'
	// 1, 1 and 2 rows that is 11/12, where the classes' plain mean would be
	// 8/9.
	auc, err := ROCAUC.Score(y, []float64{
		0.6, 0.3, 0.1,
		0.1, 0.5, 0.4,
		0.5, 0.4, 0.1,
		0.2, 0.2, 0.6,
	}, nil)
	require.NoError(t, err)
	require.InDelta(t, 11.0/12, auc, 1e-15)
	// Binary predictions are scored as before.
	acc, err = Accuracy.Score([]int{0, 1}, []float64{0.2, 0.4}, nil)
	require.NoError(t, err)
	require.Equal(t, 0.5, acc)
}

// TestCrossValidateValues: a regressor's grid is scored by RMSE on
// shuffled folds, the lowest mean wins, and a classifier's metric is
// refused for values (and the other way round).
func TestCrossValidateValues(t *testing.T) {
	n := 60
	targets := make([]float64, n)
	for i := range targets {
		targets[i] = float64(i % 7)
	}
	folds, err := KFold(n, 4, 3)
	require.NoError(t, err)
	grid, err := ParseGrid("shift=3,0,1")
	require.NoError(t, err)
	// Predicting target+shift: RMSE is |shift| on every fold.
	fit := func(p Point, _, test []int, _ int) ([]float64, error) {
		out := make([]float64, len(test))
		for k, i := range test {
			out[k] = targets[i] + p["shift"]
		}
		return out, nil
	}
	res, err := CrossValidateValues(grid, folds, RMSE, 2, fit, targets, nil)
	require.NoError(t, err)
	require.Equal(t, "rmse", res.Metric)
	require.Equal(t, 1, res.Best)
	for i, want := range []float64{3, 0, 1} {
		require.InDelta(t, want, res.Points[i].Mean, 1e-12)
		require.InDelta(t, 0, res.Points[i].Std, 1e-12)
	}
	abs := MeanLoss("mean absolute error", func(y, mu float64) float64 { return math.Abs(y - mu) })
	res, err = CrossValidateValues(grid, folds, abs, 0, fit, targets, nil)
	require.NoError(t, err)
	require.Equal(t, 1, res.Best)
	require.InDelta(t, 3, res.Points[0].Mean, 1e-12)

	_, err = CrossValidateValues(grid, folds, ROCAUC, 1, fit, targets, nil)
	require.ErrorContains(t, err, "roc_auc scores class probabilities, not predicted values")
	_, err = CrossValidate(grid, folds, RMSE, 1, fit, make([]int, n), nil)
	require.ErrorContains(t, err, "rmse scores predicted values, not class probabilities")
	m, err := MetricByName("RMSE")
	require.NoError(t, err)
	require.True(t, m.Regression())
}

// TestWeightedMetricsMatchSklearn: every metric, with and without sample
// weights (some 0, one large), is scikit-learn 1.2's with sample_weight
// (testdata/make_weighted_metrics.py): ROC AUC over tied scores, log-loss
// with its clipping of 0 and 1, accuracy, RMSE, MAE and a mean deviance,
// binary, multi-class and regression. Weights all 1 score as none do.
func TestWeightedMetricsMatchSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/weighted_metrics.json")
	require.NoError(t, err)
	var cases map[string]struct {
		Y      []float64             `json:"y"`
		P      []float64             `json:"p"`
		W      []float64             `json:"w"`
		Scores map[string][2]float64 `json:"scores"`
	}
	require.NoError(t, json.Unmarshal(b, &cases))
	poisson := MeanLoss("poisson_deviance", func(y, mu float64) float64 {
		d := mu - y
		if y > 0 {
			d += y * math.Log(y/mu)
		}
		return 2 * d
	})
	byName := map[string]Metric{"roc_auc": ROCAUC, "log_loss": LogLoss, "accuracy": Accuracy, "rmse": RMSE, "mae": MAE, "poisson_deviance": poisson}
	checked := 0
	for name, c := range cases {
		ones := make([]float64, len(c.Y))
		for i := range ones {
			ones[i] = 1
		}
		for metric, want := range c.Scores {
			m := byName[metric]
			score := func(w []float64) float64 {
				var v float64
				var err error
				if m.Regression() {
					v, err = m.ScoreValues(c.Y, c.P, w)
				} else {
					y := make([]int, len(c.Y))
					for i, v := range c.Y {
						y[i] = int(v)
					}
					v, err = m.Score(y, c.P, w)
				}
				require.NoError(t, err, "%s %s", name, metric)
				return v
			}
			require.InEpsilon(t, want[0], score(nil), 1e-12, "%s %s unweighted", name, metric)
			require.InEpsilon(t, want[1], score(c.W), 1e-12, "%s %s weighted", name, metric)
			require.InEpsilon(t, want[0], score(ones), 1e-12, "%s %s, weights all 1", name, metric)
			checked++
		}
	}
	require.Equal(t, 8, checked)
}

// TestWeightedROCAUCRefusesBadWeights: the weighted ROC AUC is
// metrics.WeightedROCAUC's, which refuses a negative weight (rather than
// drawing a curve that runs backwards) and a class whose rows all weigh 0,
// for two class probabilities a row as for P(1).
func TestWeightedROCAUCRefusesBadWeights(t *testing.T) {
	y := []int{0, 1, 0, 1}
	_, err := ROCAUC.Score(y, []float64{0.2, 0.7, 0.4, 0.3}, []float64{1, 1, -1, 1})
	require.ErrorContains(t, err, "weights[2] is -1; weights must be finite and 0 or more")
	_, err = ROCAUC.Score(y, []float64{0.8, 0.2, 0.3, 0.7, 0.6, 0.4, 0.7, 0.3}, []float64{1, 0, 2, 0})
	require.ErrorContains(t, err, "the positive samples weigh 0 and the negative 3 in all")
}

// TestCrossValidateWeighted: with weights, each fold is scored by its
// rows' weights, so held-out rows of weight 0 count for nothing, however
// wrong their predictions; bad weights, and a fold whose rows all weigh 0
// (it has no score), are refused before any fit.
func TestCrossValidateWeighted(t *testing.T) {
	n := 90
	targets := make([]float64, n)
	weights := make([]float64, n)
	labels := make([]int, n)
	for i := range targets {
		targets[i] = float64(i % 11)
		weights[i] = float64(i % 4) // every fourth row weighs 0
		labels[i] = i % 2
	}
	folds, err := KFold(n, 3, 5)
	require.NoError(t, err)
	grid, err := ParseGrid("shift=0.5,2")
	require.NoError(t, err)
	fits := 0
	fit := func(p Point, _, test []int, _ int) ([]float64, error) {
		fits++
		out := make([]float64, len(test))
		for k, i := range test {
			out[k] = targets[i] + p["shift"]*float64(i%3)
			if weights[i] == 0 {
				out[k] = 1e6 // off by far, but weighing nothing
			}
		}
		return out, nil
	}
	res, err := CrossValidateValues(grid, folds, RMSE, 1, fit, targets, weights)
	require.NoError(t, err)
	for pi, pr := range res.Points {
		for f, fold := range folds {
			var sse, total float64
			for _, i := range fold {
				d := pr.Point["shift"] * float64(i%3)
				sse += weights[i] * d * d
				total += weights[i]
			}
			require.InDelta(t, math.Sqrt(sse/total), pr.Scores[f], 1e-12, "point %d fold %d", pi, f)
		}
	}
	require.Equal(t, 0, res.Best)

	// A classifier: rows of weight 0 predicted wrong leave the accuracy 1.
	probs := func(_ Point, _, test []int, _ int) ([]float64, error) {
		out := make([]float64, len(test))
		for k, i := range test {
			out[k] = float64(labels[i])
			if weights[i] == 0 {
				out[k] = 1 - out[k]
			}
		}
		return out, nil
	}
	strat, err := StratifiedKFold(labels, 3, 5)
	require.NoError(t, err)
	res, err = CrossValidate(grid, strat, Accuracy, 2, probs, labels, weights)
	require.NoError(t, err)
	for _, pr := range res.Points {
		require.Equal(t, []float64{1, 1, 1}, pr.Scores)
	}
	res, err = CrossValidate(grid, strat, Accuracy, 2, probs, labels, nil)
	require.NoError(t, err)
	require.Less(t, res.Points[0].Mean, 0.8, "unweighted, the wrong rows count")

	fits = 0
	for _, tc := range []struct {
		w    []float64
		want string
	}{
		{weights[:10], "selection: 90 rows but 10 weights"},
		{append(slices.Clone(weights[:n-1]), -1), "selection: weight 89 is -1; weights must be finite and 0 or more"},
		{append(slices.Clone(weights[:n-1]), math.NaN()), "weight 89 is NaN"},
		{append(slices.Clone(weights[:n-1]), math.Inf(1)), "weight 89 is +Inf"},
	} {
		_, err := CrossValidateValues(grid, folds, RMSE, 1, fit, targets, tc.w)
		require.ErrorContains(t, err, tc.want)
	}
	require.Zero(t, fits, "bad weights are refused before any fit")
	zero := slices.Clone(weights)
	for _, i := range folds[1] {
		zero[i] = 0
	}
	_, err = CrossValidateValues(grid, folds, MAE, 1, fit, targets, zero)
	require.ErrorIs(t, err, ErrWeightlessFold)
	require.ErrorContains(t, err, "selection: fold 2: every row weighs 0, so its weighted score is undefined")
	require.Zero(t, fits)
}

// TestCrossValidateMulticlassROCAUCMatchesSklearn: three classes
// cross-validated by ROCAUC score each fold as scikit-learn 1.2's
// cross_val_score(scoring="roc_auc_ovr_weighted") does, and with sample
// weights as roc_auc_score(multi_class="ovr", average="weighted",
// sample_weight=w) of each fold (testdata/make_cv_multiclass_rocauc.py:
// two made-up models' probabilities, tied in places, on scikit-learn's
// stratified folds). The better model wins; the per-class mean (macro),
// which differs, is not what is taken.
func TestCrossValidateMulticlassROCAUCMatchesSklearn(t *testing.T) {
	b, err := os.ReadFile("testdata/cv_multiclass_rocauc.json")
	require.NoError(t, err)
	var fx struct {
		Y      []int     `json:"y"`
		W      []float64 `json:"w"`
		Folds  [][]int   `json:"folds"`
		Models []struct {
			P                  []float64 `json:"p"`
			FoldScores         []float64 `json:"fold_scores"`
			Mean               float64   `json:"mean"`
			WeightedFoldScores []float64 `json:"weighted_fold_scores"`
			WeightedMean       float64   `json:"weighted_mean"`
			MacroFoldScores    []float64 `json:"macro_fold_scores"`
		} `json:"models"`
	}
	require.NoError(t, json.Unmarshal(b, &fx))
	require.Len(t, fx.Models, 2)
	g, err := ParseGrid("model=0,1")
	require.NoError(t, err)
	fit := func(p Point, _, test []int, _ int) ([]float64, error) {
		proba := fx.Models[int(p["model"])].P
		out := make([]float64, 0, 3*len(test))
		for _, i := range test {
			out = append(out, proba[3*i:3*i+3]...)
		}
		return out, nil
	}
	for _, weighted := range []bool{false, true} {
		var w []float64
		if weighted {
			w = fx.W
		}
		res, err := CrossValidate(g, fx.Folds, ROCAUC, 2, fit, fx.Y, w)
		require.NoError(t, err)
		require.Equal(t, "roc_auc", res.Metric)
		for m, model := range fx.Models {
			want, mean := model.FoldScores, model.Mean
			if weighted {
				want, mean = model.WeightedFoldScores, model.WeightedMean
			}
			got := res.Points[m]
			require.Equal(t, float64(m), got.Point["model"])
			require.InDeltaSlice(t, want, got.Scores, 1e-12, "model %d, weighted %v", m, weighted)
			require.InDelta(t, mean, got.Mean, 1e-12)
			if !weighted {
				require.False(t, slices.EqualFunc(model.MacroFoldScores, got.Scores, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }),
					"the macro average is not the one taken")
			}
		}
		require.Equal(t, 1, res.Best, "the sharper model wins")
	}
}

// TestCrossValidateROCAUCFoldWithoutClass: a fold whose held-out rows
// lack a class has no ROC AUC; the error names the point and the fold,
// for three classes (and the class) as for two.
func TestCrossValidateROCAUCFoldWithoutClass(t *testing.T) {
	g, err := ParseGrid("depth=2")
	require.NoError(t, err)
	folds := [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}}
	for _, tc := range []struct {
		labels []int
		k      int
		want   string
	}{
		{[]int{0, 1, 2, 0, 0, 2, 0, 2}, 3, "depth=2, fold 2: metrics: MultiClassROCAUC: class 1 has no sample in yTrue (of 4)"},
		{[]int{0, 1, 1, 0, 0, 0, 0, 0}, 2, "depth=2, fold 2: metrics: ROCAUC: only one class present in yTrue"},
	} {
		fit := func(_ Point, _, test []int, _ int) ([]float64, error) {
			out := make([]float64, 0, tc.k*len(test))
			for range test {
				for range tc.k {
					out = append(out, 1/float64(tc.k))
				}
			}
			return out, nil
		}
		_, err := CrossValidate(g, folds, ROCAUC, 1, fit, tc.labels, nil)
		require.ErrorContains(t, err, tc.want)
	}
}

// TestCrossValidateRefusesMismatchedInput: folds naming rows the labels
// (or targets) do not have, no folds, an empty fold, a grid axis without
// values, a nil fit function or a metric without a scorer are errors
// before any fit, not a panic in a worker goroutine (which no caller could
// recover from) or a Result without points.
func TestCrossValidateRefusesMismatchedInput(t *testing.T) {
	labels := []int{0, 1, 0, 1, 0, 1}
	targets := []float64{0, 1, 2, 3, 4, 5}
	folds := [][]int{{0, 1, 2}, {3, 4, 5}}
	g, err := ParseGrid("a=1,2")
	require.NoError(t, err)
	fits := 0
	fit := func(_ Point, _, test []int, _ int) ([]float64, error) {
		fits++
		return make([]float64, len(test)), nil
	}
	for _, c := range []struct {
		name    string
		g       Grid
		folds   [][]int
		metric  Metric
		fit     FitFunc
		rows    int
		wantErr string
	}{
		{"labels short", g, folds, ROCAUC, fit, 4, "fold 2 has row 4, but there are 4 rows"},
		{"negative row", g, [][]int{{0, -1}, {2, 3}}, ROCAUC, fit, 6, "fold 1 has row -1"},
		{"no folds", g, nil, ROCAUC, fit, 6, "no folds"},
		{"empty fold", g, [][]int{{0, 1, 2, 3, 4, 5}, {}}, ROCAUC, fit, 6, "fold 2 is empty"},
		{"axis without values", Grid{{Name: "a"}}, folds, ROCAUC, fit, 6, `grid axis "a" has no values`},
		{"nil fit", g, folds, ROCAUC, nil, 6, "no fit function"},
		{"zero metric", g, folds, Metric{}, fit, 6, "the metric has no scoring function"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := CrossValidate(c.g, c.folds, c.metric, 2, c.fit, labels[:c.rows], nil)
			require.ErrorContains(t, err, c.wantErr)
			require.Nil(t, res)
			if c.name == "zero metric" {
				return // a classifier's metric; CrossValidateValues's refusal says so differently
			}
			res, err = CrossValidateValues(c.g, c.folds, RMSE, 2, c.fit, targets[:c.rows], nil)
			require.ErrorContains(t, err, c.wantErr)
			require.Nil(t, res)
		})
	}
	_, err = CrossValidateValues(g, folds, Metric{}, 2, fit, targets, nil)
	require.ErrorContains(t, err, "the metric has no scoring function")
	require.Zero(t, fits, "no fit may run on input that is refused")
}
