// Package selection chooses model settings by cross-validation, as
// scikit-learn's model_selection and Spark's CrossValidator do: rows are
// split into k folds (stratified by class, so every fold keeps the class
// balance), every point of a parameter grid is fitted k times on k-1
// folds and scored on the held-out one, and the point with the best mean
// score wins. Fits run in parallel; each gets an equal share of the
// cores.
//
//	grid, err := selection.ParseGrid("max_depth=3,4;min_instances=2,3;max_bins=50,55")
//	...
//	folds, err := selection.StratifiedKFold(y, 3, seed) // y: every row's class
//	...
//	res, err := selection.CrossValidate(grid, folds, selection.ROCAUC, 2,
//		func(p selection.Point, train, test []int, threads int) ([]float64, error) {
//			... fit on the train rows with p's settings, using threads cores;
//			... return P(y=1) for each test row, in order
//		}, y, nil) // nil: no sample weights
//	...
//	best := res.Points[res.Best] // best.Point, best.Mean, best.Std
//
// Example (in the package's tests) tunes logistic regression's C this way.
//
// The metrics are sklearn.metrics' (package metrics): ROC AUC with tied
// scores handled as roc_auc_score handles them (for three classes or more
// one-vs-rest, weighted by class support, as XGBoost's multi-class auc),
// log-loss with its clipping, accuracy at a 0.5 threshold (for more
// classes, of the most probable class).
//
// A regressor is cross-validated the same way on plain shuffled folds
// (KFold) by CrossValidateValues, scored by RMSE, MAE or a mean unit loss
// (MeanLoss: a deviance such as Poisson's); lower is better there.
//
// Rows that carry sample weights are scored weighted when the weights are
// passed along: every metric is then sklearn's with sample_weight (as
// cross_val_score would score with the weights routed to the scorer), a
// weighted mean of the rows' losses or hits, or for ROC AUC the area under
// the weighted ROC curve, so that a row of weight 2 counts as two rows and
// one of weight 0 not at all, in the held-out scores as in the fit.
package selection

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/emberml/ember/metrics"
)

// KFold splits rows 0..n-1, shuffled with seed, into k folds of sizes
// differing by at most one, as sklearn's KFold(shuffle=True). Each fold is
// in ascending order.
func KFold(n, k int, seed uint64) ([][]int, error) {
	if k < 2 || k > n {
		return nil, fmt.Errorf("selection: %d folds of %d rows: need 2 <= k <= rows", k, n)
	}
	perm := rand.New(rand.NewPCG(seed, 0xf01d)).Perm(n)
	folds := make([][]int, k)
	for f := range k {
		folds[f] = slices.Sorted(slices.Values(perm[n*f/k : n*(f+1)/k]))
	}
	return folds, nil
}

// StratifiedKFold splits rows into k folds so that every class is spread
// over the folds as evenly as its count allows, as sklearn's
// StratifiedKFold(shuffle=True): each class's rows are shuffled and dealt
// to the folds in turn, continuing where the previous class stopped so
// that fold sizes differ by at most one. labels are class indices.
func StratifiedKFold(labels []int, k int, seed uint64) ([][]int, error) {
	n := len(labels)
	if k < 2 || k > n {
		return nil, fmt.Errorf("selection: %d folds of %d rows: need 2 <= k <= rows", k, n)
	}
	byClass := map[int][]int{}
	for i, c := range labels {
		byClass[c] = append(byClass[c], i)
	}
	classes := slices.Sorted(func(yield func(int) bool) {
		for c := range byClass {
			if !yield(c) {
				return
			}
		}
	})
	r := rand.New(rand.NewPCG(seed, 0x57a7))
	folds := make([][]int, k)
	next := 0
	for _, c := range classes {
		rows := byClass[c]
		// A class with fewer rows than folds leaves some folds without it
		// (sklearn warns); the folds are still valid.
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, i := range rows {
			folds[next] = append(folds[next], i)
			next = (next + 1) % k
		}
	}
	for _, f := range folds {
		slices.Sort(f)
	}
	return folds, nil
}

// TrainRows is every row not in fold f.
func TrainRows(folds [][]int, f int) []int {
	var out []int
	for g, fold := range folds {
		if g != f {
			out = append(out, fold...)
		}
	}
	slices.Sort(out)
	return out
}

// Param is one grid axis: a setting and the values to try.
type Param struct {
	Name   string
	Values []float64
}

// Grid is the axes of a parameter grid.
type Grid []Param

// Point is one setting of every axis.
type Point map[string]float64

// String formats a point as "a=1 b=0.5", axes in grid order when known
// (alphabetical otherwise).
func (p Point) String() string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range p {
			if !yield(k) {
				return
			}
		}
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.FormatFloat(p[k], 'g', -1, 64))
	}
	return strings.Join(parts, " ")
}

// ParseGrid reads "name=v1,v2;name2=v3" (Spark's ParamGridBuilder in one
// string). Every value must be a number; names must be unique.
func ParseGrid(s string) (Grid, error) {
	var g Grid
	seen := map[string]bool{}
	for _, axis := range strings.Split(s, ";") {
		axis = strings.TrimSpace(axis)
		if axis == "" {
			continue
		}
		name, vals, ok := strings.Cut(axis, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("grid axis %q: want name=value,value", axis)
		}
		if seen[name] {
			return nil, fmt.Errorf("grid: %q appears twice", name)
		}
		seen[name] = true
		p := Param{Name: name}
		for _, v := range strings.Split(vals, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("grid axis %q: %q is not a number", name, v)
			}
			if !slices.Contains(p.Values, x) {
				p.Values = append(p.Values, x)
			}
		}
		if len(p.Values) == 0 {
			return nil, fmt.Errorf("grid axis %q has no values", name)
		}
		g = append(g, p)
	}
	if len(g) == 0 {
		return nil, errors.New("the grid is empty; want name=value,value;name2=value")
	}
	return g, nil
}

// Points is the grid's cartesian product, the last axis varying fastest
// (as sklearn's ParameterGrid over sorted names, but in the given order).
func (g Grid) Points() []Point {
	out := []Point{{}}
	for _, p := range g {
		var next []Point
		for _, base := range out {
			for _, v := range p.Values {
				q := Point{}
				for k, x := range base {
					q[k] = x
				}
				q[p.Name] = v
				next = append(next, q)
			}
		}
		out = next
	}
	return out
}

// Metric scores predictions. A classifier's metric (Score) scores
// predicted probabilities against labels: for a binary classifier y holds
// 0 or 1 and p the predicted probability of 1; for K classes y holds
// 0..K−1 and p each row's K class probabilities, row by row (len(p) =
// K·len(y)). A regressor's metric (ScoreValues) scores predicted values
// against the targets, row for row. A metric has one of the two. Both take
// w, a weight per row (sklearn's sample_weight), or nil to weigh every row
// 1; rows whose weights sum to 0 have no score (an error).
type Metric struct {
	Name string
	// HigherIsBetter is false for losses.
	HigherIsBetter bool
	Score          func(y []int, p, w []float64) (float64, error)
	ScoreValues    func(y, p, w []float64) (float64, error)
}

// Regression reports whether the metric scores predicted values
// (ScoreValues) rather than class probabilities.
func (m Metric) Regression() bool { return m.ScoreValues != nil }

// RMSE is the root mean squared error of predicted values, lower better
// (weighted: the root of the weighted mean squared error, as sklearn's
// mean_squared_error(squared=False, sample_weight=w)).
var RMSE = Metric{Name: "rmse", ScoreValues: func(y, p, w []float64) (float64, error) {
	mse, err := meanOf("RMSE", len(y), len(p), w, func(i int) float64 { return (p[i] - y[i]) * (p[i] - y[i]) })
	if err != nil {
		return mse, err
	}
	return nanErr("RMSE", math.Sqrt(mse))
}}

// MAE is the mean absolute error of predicted values, lower better
// (sklearn's mean_absolute_error; XGBoost's mae).
var MAE = MeanLoss("mae", func(y, mu float64) float64 { return math.Abs(y - mu) })

// MeanLoss is a regression metric, lower better: the (weighted) mean over
// rows of unit(y, prediction), a unit deviance such as Poisson's.
func MeanLoss(name string, unit func(y, mu float64) float64) Metric {
	return Metric{Name: name, ScoreValues: func(y, p, w []float64) (float64, error) {
		return meanOf(name, len(y), len(p), w, func(i int) float64 { return unit(y[i], p[i]) })
	}}
}

// meanOf is the mean of f over rows 0..n−1, weighted by w when it is not
// nil (numpy's average with weights): what of n targets and np
// predictions, which must match.
func meanOf(what string, n, np int, w []float64, f func(i int) float64) (float64, error) {
	if n != np || n == 0 {
		return math.NaN(), fmt.Errorf("%s of %d targets and %d predictions", what, n, np)
	}
	if w == nil {
		var sum float64
		for i := range n {
			sum += f(i)
		}
		return nanErr(what, sum/float64(n))
	}
	if len(w) != n {
		return math.NaN(), fmt.Errorf("%s of %d rows and %d weights", what, n, len(w))
	}
	var sum, total float64
	for i, wi := range w {
		if wi != 0 { // a row of weight 0 counts for nothing, even a loss of +Inf
			sum += wi * f(i)
			total += wi
		}
	}
	if !(total > 0) {
		return math.NaN(), fmt.Errorf("%s: every row weighs 0, so there is no mean to take", what)
	}
	return nanErr(what, sum/total)
}

// The evaluators. ROC AUC scores two classes by the second class's
// probability (Spark's BinaryClassificationEvaluator's default), and three
// or more one-vs-rest, each class's AUC weighted by its support: see
// ROCAUC.
var (
	// ROCAUC is the area under the ROC curve, higher better. For two
	// classes it scores the probability of class 1 (sklearn's
	// roc_auc_score); for K ≥ 3 class probabilities a row it is the
	// one-vs-rest AUC, each class's probability scored against the rest and
	// the classes' AUCs averaged weighted by their support, the count or,
	// with weights, the weight of their rows (roc_auc_score(y, p,
	// multi_class="ovr", average="weighted"), scoring="roc_auc_ovr_weighted"
	// in cross_val_score; XGBoost's multi-class auc, so that a model
	// selected by it is scored as early stopping watches it). Labels that
	// lack a class have no AUC: an error, for K classes naming the class.
	ROCAUC  = Metric{Name: "roc_auc", HigherIsBetter: true, Score: rocAUC}
	LogLoss = Metric{Name: "log_loss", Score: func(y []int, p, w []float64) (float64, error) {
		k := perRow(y, p)
		if w == nil {
			if k > 1 {
				return nanErr("log-loss", metrics.LogLoss(y, metrics.ProbaRows(p, k)))
			}
			return nanErr("log-loss", metrics.BinaryLogLoss(y, p))
		}
		// Each row's loss as metrics computes it (clipped, renormalised),
		// then their weighted mean.
		var rows [][]float64
		if k > 1 {
			if rows = metrics.ProbaRows(p, k); rows == nil {
				return math.NaN(), fmt.Errorf("log-loss of %d labels and %d probabilities", len(y), len(p))
			}
		}
		return meanOf("log-loss", len(y), len(p)/k, w, func(i int) float64 {
			if rows != nil {
				return metrics.LogLoss(y[i:i+1], rows[i:i+1])
			}
			return metrics.BinaryLogLoss(y[i:i+1], p[i:i+1])
		})
	}}
	Accuracy = Metric{Name: "accuracy", HigherIsBetter: true, Score: func(y []int, p, w []float64) (float64, error) {
		pred := metrics.ArgMax(p, perRow(y, p))
		if w == nil {
			return nanErr("accuracy", metrics.Accuracy(y, pred))
		}
		return meanOf("accuracy", len(y), len(pred), w, func(i int) float64 {
			if pred[i] == y[i] {
				return 1
			}
			return 0
		})
	}}
)

// rocAUC is ROCAUC's Score.
func rocAUC(y []int, p, w []float64) (float64, error) {
	switch k := perRow(y, p); {
	case k == 2: // two class probabilities a row: score P(class 1)
		p = metrics.ClassProba(p, 2, 1)
	case k > 2:
		rows := metrics.ProbaRows(p, k)
		if w != nil {
			return metrics.WeightedMultiClassROCAUC(y, rows, w, metrics.WeightedAverage)
		}
		return metrics.MultiClassROCAUC(y, rows, metrics.WeightedAverage)
	}
	if w != nil {
		return metrics.WeightedROCAUC(y, p, w)
	}
	return metrics.ROCAUC(y, p)
}

// perRow is how many probabilities p holds per label of y: K for K class
// probabilities a row, else 1 (a binary classifier's, or lengths that do
// not match, which the metrics then report).
func perRow(y []int, p []float64) int {
	if len(y) == 0 || len(p) <= len(y) || len(p)%len(y) != 0 {
		return 1
	}
	return len(p) / len(y)
}

// MetricByName is ROCAUC, LogLoss, Accuracy, RMSE or MAE by name ("auc"
// is ROC AUC). A deviance depends on the objective: see MeanLoss.
func MetricByName(name string) (Metric, error) {
	switch strings.ToLower(name) {
	case "rmse":
		return RMSE, nil
	case "mae":
		return MAE, nil
	case "roc_auc", "auc", "areaunderroc":
		return ROCAUC, nil
	case "log_loss", "logloss":
		return LogLoss, nil
	case "accuracy":
		return Accuracy, nil
	}
	return Metric{}, fmt.Errorf("unknown metric %q (roc_auc, log_loss, accuracy, rmse or mae)", name)
}

func nanErr(what string, v float64) (float64, error) {
	if math.IsNaN(v) {
		return v, fmt.Errorf("%s is undefined for these labels and predictions", what)
	}
	return v, nil
}

// FitFunc fits a model with the point's settings on the train rows, using
// threads cores, and returns its predictions for the test rows: class
// probabilities for CrossValidate, values for CrossValidateValues.
type FitFunc func(p Point, train, test []int, threads int) ([]float64, error)

// PointResult is one grid point's cross-validated score.
type PointResult struct {
	Point  Point     `json:"params"`
	Scores []float64 `json:"fold_scores"`
	Mean   float64   `json:"mean"`
	// Std is the population standard deviation over the folds (numpy's
	// std, as sklearn's std_test_score).
	Std float64 `json:"std"`
}

// Result is a whole grid's cross-validation.
type Result struct {
	Metric string        `json:"metric"`
	Folds  int           `json:"folds"`
	Points []PointResult `json:"points"`
	// Best is the index of the best mean score; ties keep the earlier point.
	Best int `json:"best"`
}

// CrossValidate scores every grid point on every fold, running up to
// parallel fits at once (0: one per core) with the cores shared among
// them; labels are every row's class (0 or 1, or 0..K−1 when fit returns K
// probabilities a row). weights, when not nil, are every row's sample
// weight, and each fold's score is weighted by its rows' weights (the fit
// function weighs the training rows itself). Before any fit, it is an
// error for a fold to be empty or to hold a row outside labels, for a
// grid axis to have no values, for fit or metric's Score to be nil, for a
// weight to be negative or not finite, and for a fold's rows all to weigh
// 0. The first error of a fit or a score stops the search and is returned
// with the point and fold it came from.
func CrossValidate(g Grid, folds [][]int, metric Metric, parallel int, fit FitFunc, labels []int, weights []float64) (*Result, error) {
	if metric.Score == nil && metric.ScoreValues != nil {
		return nil, fmt.Errorf("%s scores predicted values, not class probabilities", metric.Name)
	}
	if err := checkSearch(g, folds, metric, fit, len(labels)); err != nil {
		return nil, err
	}
	if err := checkWeights(weights, len(labels), folds); err != nil {
		return nil, err
	}
	return crossValidate(g, folds, metric, parallel, fit, func(test []int, p []float64) (float64, error) {
		y := make([]int, len(test))
		for k, i := range test {
			y[k] = labels[i]
		}
		return metric.Score(y, p, pick(weights, test))
	})
}

// CrossValidateValues is CrossValidate for a regressor: fit returns
// predicted values, scored by the metric's ScoreValues against targets,
// every row's target, weighted by weights when not nil. Folds for it are
// usually KFold's.
func CrossValidateValues(g Grid, folds [][]int, metric Metric, parallel int, fit FitFunc, targets, weights []float64) (*Result, error) {
	if metric.ScoreValues == nil && metric.Score != nil {
		return nil, fmt.Errorf("%s scores class probabilities, not predicted values", metric.Name)
	}
	if err := checkSearch(g, folds, metric, fit, len(targets)); err != nil {
		return nil, err
	}
	if err := checkWeights(weights, len(targets), folds); err != nil {
		return nil, err
	}
	return crossValidate(g, folds, metric, parallel, fit, func(test []int, p []float64) (float64, error) {
		y := make([]float64, len(test))
		for k, i := range test {
			y[k] = targets[i]
		}
		return metric.ScoreValues(y, p, pick(weights, test))
	})
}

// checkSearch checks, before any fit, what the search is given: a metric
// that scores, a fit function, a grid whose every axis has a value, and
// folds, none empty, of rows 0..rows-1 (rows: the labels or targets),
// so that a mismatch is an error here rather than a panic in a worker.
func checkSearch(g Grid, folds [][]int, metric Metric, fit FitFunc, rows int) error {
	if metric.Score == nil && metric.ScoreValues == nil {
		return errors.New("selection: the metric has no scoring function (Score or ScoreValues)")
	}
	if fit == nil {
		return errors.New("selection: no fit function")
	}
	for _, p := range g {
		if len(p.Values) == 0 {
			return fmt.Errorf("selection: grid axis %q has no values", p.Name)
		}
	}
	if len(folds) == 0 {
		return errors.New("selection: no folds")
	}
	for f, fold := range folds {
		if len(fold) == 0 {
			return fmt.Errorf("selection: fold %d is empty", f+1)
		}
		for _, i := range fold {
			if i < 0 || i >= rows {
				return fmt.Errorf("selection: fold %d has row %d, but there are %d rows (labels or targets)", f+1, i, rows)
			}
		}
	}
	return nil
}

// ErrWeightlessFold is CrossValidate's error when every row of a fold
// weighs 0.
var ErrWeightlessFold = errors.New("every row weighs 0")

// checkWeights checks, before any fit, that weights, if given, has one
// finite weight of 0 or more per row, and that no fold's rows all weigh 0
// (its score would be undefined).
func checkWeights(weights []float64, rows int, folds [][]int) error {
	if weights == nil {
		return nil
	}
	if len(weights) != rows {
		return fmt.Errorf("selection: %d rows but %d weights", rows, len(weights))
	}
	for i, v := range weights {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("selection: weight %d is %v; weights must be finite and 0 or more", i, v)
		}
	}
	for f, fold := range folds {
		if !slices.ContainsFunc(fold, func(i int) bool { return weights[i] > 0 }) {
			return fmt.Errorf("selection: fold %d: %w, so its weighted score is undefined", f+1, ErrWeightlessFold)
		}
	}
	return nil
}

// pick is w at rows, or nil when w is.
func pick(w []float64, rows []int) []float64 {
	if w == nil {
		return nil
	}
	out := make([]float64, len(rows))
	for k, i := range rows {
		out[k] = w[i]
	}
	return out
}

// crossValidate runs every point on every fold, scoring each fold's
// predictions with score (given the fold's rows).
func crossValidate(g Grid, folds [][]int, metric Metric, parallel int, fit FitFunc, score func(test []int, p []float64) (float64, error)) (*Result, error) {
	points := g.Points()
	cores := runtime.GOMAXPROCS(0)
	if parallel <= 0 {
		parallel = cores
	}
	parallel = min(parallel, len(points)*len(folds))
	threads := max(1, cores/parallel)
	res := &Result{Metric: metric.Name, Folds: len(folds), Points: make([]PointResult, len(points))}
	for i, p := range points {
		res.Points[i] = PointResult{Point: p, Scores: make([]float64, len(folds))}
	}
	type task struct{ point, fold int }
	tasks := make(chan task)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tk := range tasks {
				mu.Lock()
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					continue
				}
				test := folds[tk.fold]
				p, err := fit(points[tk.point], TrainRows(folds, tk.fold), test, threads)
				var s float64
				if err == nil {
					s, err = score(test, p)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s, fold %d: %w", points[tk.point], tk.fold+1, err)
				}
				res.Points[tk.point].Scores[tk.fold] = s
				mu.Unlock()
			}
		}()
	}
	for p := range points {
		for f := range folds {
			tasks <- task{p, f}
		}
	}
	close(tasks)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for i := range res.Points {
		pr := &res.Points[i]
		var sum float64
		for _, s := range pr.Scores {
			sum += s
		}
		pr.Mean = sum / float64(len(pr.Scores))
		var ss float64
		for _, s := range pr.Scores {
			ss += (s - pr.Mean) * (s - pr.Mean)
		}
		pr.Std = math.Sqrt(ss / float64(len(pr.Scores)))
		if better(metric, pr.Mean, res.Points[res.Best].Mean) {
			res.Best = i
		}
	}
	return res, nil
}

func better(m Metric, a, b float64) bool {
	if m.HigherIsBetter {
		return cmp.Compare(a, b) > 0
	}
	return cmp.Compare(a, b) < 0
}
