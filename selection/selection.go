// Package selection chooses model settings by cross-validation, as
// scikit-learn's model_selection and Spark's CrossValidator do: rows are
// split into k folds (stratified by class, so every fold keeps the class
// balance), every point of a parameter grid is fitted k times on k-1
// folds and scored on the held-out one, and the point with the best mean
// score wins. Fits run in parallel; each gets an equal share of the
// cores.
//
//	grid, _ := selection.ParseGrid("max_depth=3,4;min_instances=2,3;max_bins=50,55")
//	folds, _ := selection.StratifiedKFold(y, 3, seed)
//	res, _ := selection.CrossValidate(grid, folds, selection.ROCAUC, 2,
//		func(p selection.Point, train, test []int, threads int) ([]float64, error) {
//			... fit on train rows with p's settings, return scores for the test rows
//		}, yOf)
//
// The metrics are sklearn.metrics' (package metrics): ROC AUC with tied
// scores handled as roc_auc_score handles them, log-loss with its
// clipping, accuracy at a 0.5 threshold.
//
// A regressor is cross-validated the same way on plain shuffled folds
// (KFold) by CrossValidateValues, scored by RMSE or a mean unit loss
// (MeanLoss: a deviance such as Poisson's); lower is better there.
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
// against the targets, row for row. A metric has one of the two.
type Metric struct {
	Name string
	// HigherIsBetter is false for losses.
	HigherIsBetter bool
	Score          func(y []int, p []float64) (float64, error)
	ScoreValues    func(y, p []float64) (float64, error)
}

// Regression reports whether the metric scores predicted values
// (ScoreValues) rather than class probabilities.
func (m Metric) Regression() bool { return m.ScoreValues != nil }

// RMSE is the root mean squared error of predicted values, lower better.
var RMSE = Metric{Name: "rmse", ScoreValues: func(y, p []float64) (float64, error) {
	if len(y) != len(p) || len(y) == 0 {
		return math.NaN(), fmt.Errorf("RMSE of %d targets and %d predictions", len(y), len(p))
	}
	var sse float64
	for i, v := range y {
		sse += (p[i] - v) * (p[i] - v)
	}
	return nanErr("RMSE", math.Sqrt(sse/float64(len(y))))
}}

// MeanLoss is a regression metric, lower better: the mean over rows of
// unit(y, prediction), a unit deviance such as Poisson's.
func MeanLoss(name string, unit func(y, mu float64) float64) Metric {
	return Metric{Name: name, ScoreValues: func(y, p []float64) (float64, error) {
		if len(y) != len(p) || len(y) == 0 {
			return math.NaN(), fmt.Errorf("%s of %d targets and %d predictions", name, len(y), len(p))
		}
		var sum float64
		for i, v := range y {
			sum += unit(v, p[i])
		}
		return nanErr(name, sum/float64(len(y)))
	}}
}

// The evaluators. Spark's BinaryClassificationEvaluator defaults to ROC AUC,
// which is for two classes only.
var (
	ROCAUC = Metric{Name: "roc_auc", HigherIsBetter: true, Score: func(y []int, p []float64) (float64, error) {
		switch k := perRow(y, p); {
		case k == 2: // two class probabilities a row: score P(class 1)
			return metrics.ROCAUC(y, metrics.ClassProba(p, 2, 1))
		case k > 2:
			return math.NaN(), fmt.Errorf("ROC AUC is for two classes; these predictions have %d (log_loss and accuracy score any number)", k)
		}
		return metrics.ROCAUC(y, p)
	}}
	LogLoss = Metric{Name: "log_loss", Score: func(y []int, p []float64) (float64, error) {
		if k := perRow(y, p); k > 1 {
			return nanErr("log-loss", metrics.LogLoss(y, metrics.ProbaRows(p, k)))
		}
		return nanErr("log-loss", metrics.BinaryLogLoss(y, p))
	}}
	Accuracy = Metric{Name: "accuracy", HigherIsBetter: true, Score: func(y []int, p []float64) (float64, error) {
		return nanErr("accuracy", metrics.Accuracy(y, metrics.ArgMax(p, perRow(y, p))))
	}}
)

// perRow is how many probabilities p holds per label of y: K for K class
// probabilities a row, else 1 (a binary classifier's, or lengths that do
// not match, which the metrics then report).
func perRow(y []int, p []float64) int {
	if len(y) == 0 || len(p) <= len(y) || len(p)%len(y) != 0 {
		return 1
	}
	return len(p) / len(y)
}

// MetricByName is ROCAUC, LogLoss, Accuracy or RMSE by name ("auc" is ROC
// AUC). A deviance depends on the objective: see MeanLoss.
func MetricByName(name string) (Metric, error) {
	switch strings.ToLower(name) {
	case "rmse":
		return RMSE, nil
	case "roc_auc", "auc", "areaunderroc":
		return ROCAUC, nil
	case "log_loss", "logloss":
		return LogLoss, nil
	case "accuracy":
		return Accuracy, nil
	}
	return Metric{}, fmt.Errorf("unknown metric %q (roc_auc, log_loss, accuracy or rmse)", name)
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
// probabilities a row). The first error stops the
// search and is returned with the point and fold it came from.
func CrossValidate(g Grid, folds [][]int, metric Metric, parallel int, fit FitFunc, labels []int) (*Result, error) {
	if metric.Score == nil {
		return nil, fmt.Errorf("%s scores predicted values, not class probabilities", metric.Name)
	}
	return crossValidate(g, folds, metric, parallel, fit, func(test []int, p []float64) (float64, error) {
		y := make([]int, len(test))
		for k, i := range test {
			y[k] = labels[i]
		}
		return metric.Score(y, p)
	})
}

// CrossValidateValues is CrossValidate for a regressor: fit returns
// predicted values, scored by the metric's ScoreValues against targets,
// every row's target. Folds for it are usually KFold's.
func CrossValidateValues(g Grid, folds [][]int, metric Metric, parallel int, fit FitFunc, targets []float64) (*Result, error) {
	if metric.ScoreValues == nil {
		return nil, fmt.Errorf("%s scores class probabilities, not predicted values", metric.Name)
	}
	return crossValidate(g, folds, metric, parallel, fit, func(test []int, p []float64) (float64, error) {
		y := make([]float64, len(test))
		for k, i := range test {
			y[k] = targets[i]
		}
		return metric.ScoreValues(y, p)
	})
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
