package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/selection"
	"github.com/emberml/ember/tabular"
)

// ember gbt's survival objectives. survival:cox reads the --target column
// as XGBoost's label: the time, negative for a censored row (or, with
// --event, the time and a 0/1 column saying whether the event was seen).
// survival:aft reads --target as each row's lower bound on its time and
// --label-upper as the upper bound (empty or inf: right-censored; equal:
// observed; lower 0: left-censored), XGBoost's label_lower_bound and
// label_upper_bound. The held-out rows are scored by the objective's
// negative log likelihood and Harrell's C-index.

// observedTimes checks survival:aft's --target times where there is no
// --label-upper, so that every time is observed: each must be above 0 (a
// lower bound of 0 is a left-censored row, which needs its upper bound),
// an error naming the line before any fit.
func observedTimes(b *tabular.Batch, target string, y []float64) error {
	for i, v := range y {
		if v == 0 {
			return fmt.Errorf("%s, column %q: the time is 0; without --label-upper every --target time is observed, and survival:aft needs "+
				"observed times above 0 (it models their logarithm); a lower bound of 0 is a left-censored row: give the upper bounds in --label-upper", b.Where(i), target)
		}
	}
	return nil
}

// upperValues reads survival:aft's --label-upper column: each row's upper
// bound, +Inf for an empty cell or "inf" (right-censored). A bound that is
// not a number, NaN or a missing-value marker ("NA"), below the row's lower bound (lower), or an observed
// time of 0 is an error naming the line.
func upperValues(b *tabular.Batch, col string, lower []float64) ([]float64, error) {
	c := b.Column(col)
	if c == nil {
		return nil, fmt.Errorf("--label-upper: %w", columnError(b.Source, col, b.Layout))
	}
	up := make([]float64, b.Rows)
	for i := range b.Rows {
		s, ok := c.Text(i)
		s = strings.TrimSpace(s)
		if marker := c.MissingMarker(i); !ok && marker != "" {
			// A missing-value marker ("NA", "nan") is not the empty cell of
			// a right-censored row: the bound is unknown, not infinite.
			return nil, fmt.Errorf("--label-upper %s: %s: missing upper bound%s; leave the cell empty or write inf for a right-censored row", col, b.Where(i), marker)
		}
		if !ok || s == "" {
			up[i] = math.Inf(1)
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil || math.IsNaN(v):
			return nil, fmt.Errorf("--label-upper %s: %s: %q is not a time (a number; empty or inf for a right-censored row)", col, b.Where(i), s)
		case v < lower[i]:
			return nil, fmt.Errorf("--label-upper %s: %s: the upper bound %s is below the lower bound (--target) %v", col, b.Where(i), s, lower[i])
		case v == 0:
			return nil, fmt.Errorf("--label-upper %s: %s: the time is 0; survival:aft needs times above 0 (it models their logarithm)", col, b.Where(i))
		case v > math.MaxFloat32 && !math.IsInf(v, 1):
			return nil, fmt.Errorf("--label-upper %s: %s: %s is beyond float32's range (3.4e38), where XGBoost keeps bounds; give inf for a right-censored row", col, b.Where(i), s)
		}
		up[i] = v
	}
	return up, nil
}

// eventTimes folds survival:cox's --event column into the times y, as
// XGBoost's labels: a row whose event was not seen (0, false) gets its
// time negated. The times must then be above 0, and the flags 0/1 or
// true/false: anything else is an error naming the line.
func eventTimes(b *tabular.Batch, col, target string, y []float64) error {
	c := b.Column(col)
	if c == nil {
		return fmt.Errorf("--event: %w", columnError(b.Source, col, b.Layout))
	}
	for i := range b.Rows {
		s, ok := c.Text(i)
		if !ok {
			return fmt.Errorf("--event %s: %s: missing event flag%s", col, b.Where(i), c.MissingMarker(i))
		}
		if y[i] <= 0 {
			return fmt.Errorf("%s, column %q: %v is not a time above 0, as --event needs (without --event, a negative time marks a censored row)", b.Where(i), target, y[i])
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "1", "true":
		case "0", "false":
			y[i] = -y[i]
		default:
			return fmt.Errorf("--event %s: %s: %q is not an event flag (1 or true: the event was seen; 0 or false: censored)", col, b.Where(i), s)
		}
	}
	return nil
}

// survivalTimes reads a survival objective's times y (the --target
// values of b) as ember gbt fits them: with survival:cox's --event column
// (event, "" for none) folded in (eventTimes), and survival:aft's upper
// bounds read from its --label-upper column (upper; upperValues) or,
// without one, every time checked as observed (observedTimes), nil then.
// For other objectives it does nothing.
func survivalTimes(b *tabular.Batch, obj gbt.Objective, target, event, upper string, y []float64) ([]float64, error) {
	switch {
	case event != "":
		return nil, eventTimes(b, event, target, y)
	case upper != "":
		return upperValues(b, upper, y)
	case obj == gbt.SurvivalAFT:
		return nil, observedTimes(b, target, y)
	}
	return nil, nil
}

// survivalScores are the held-out scores of a survival model: the
// objective's negative log likelihood (XGBoost's cox-nloglik, unweighted;
// aft-nloglik, weighted by w) and Harrell's C-index of the predictions p
// (hazard ratios; for AFT, times, their negation the risk), unweighted.
// For AFT a row's time is its lower bound, and only an observed time (equal
// bounds) is an event: a right- or interval-censored row was event-free
// until its lower bound, a left-censored one is known of nothing.
// The C-index's error (no comparable pair) is returned apart, for a
// warning.
func survivalScores(m *gbt.Model, y, upper, p, w []float64) (nllName string, nll, cIndex float64, cErr error) {
	margins := make([]float64, len(p))
	risk := make([]float64, len(p))
	for i, v := range p {
		margins[i], risk[i] = math.Log(v), v
		if m.Objective == gbt.SurvivalAFT {
			risk[i] = -v
		}
	}
	if m.Objective == gbt.SurvivalCox {
		nll = gbt.CoxNLogLik(y, margins)
	} else {
		nll = gbt.AFTNLogLik(m.AFTDistribution, m.AFTSigma, y, upper, margins, w)
	}
	time, event := gbt.SurvivalEvents(m.Objective, y, upper)
	cIndex, cErr = metrics.ConcordanceIndex(time, event, risk)
	return nlogLikName(m), nll, cIndex, cErr
}

// nlogLikName names m's negative log likelihood, as the scores give it:
// cox-nloglik, or aft-nloglik with the distribution and its scale.
func nlogLikName(m *gbt.Model) string {
	if m.Objective == gbt.SurvivalAFT {
		return fmt.Sprintf("aft-nloglik (%s, sigma %g)", m.AFTDistribution, m.AFTSigma)
	}
	return "cox-nloglik"
}

// survivalFlags checks the survival flags against the objective and the
// other columns, before any data is read.
func survivalFlags(obj gbt.Objective, isSet func(string) bool, labelUpper, event, target, weight string) error {
	switch {
	case labelUpper != "" && obj != gbt.SurvivalAFT:
		return fmt.Errorf("--label-upper is survival:aft's column of upper bounds; --objective is %s", obj)
	case event != "" && obj != gbt.SurvivalCox:
		if obj == gbt.SurvivalAFT {
			return fmt.Errorf("--event flags survival:cox's events; survival:aft takes a right-censored row as an upper bound of inf in --label-upper")
		}
		return fmt.Errorf("--event flags survival:cox's events; --objective is %s", obj)
	case (isSet("aft-distribution") || isSet("aft-sigma")) && obj != gbt.SurvivalAFT:
		return fmt.Errorf("--aft-distribution and --aft-sigma are survival:aft's; --objective is %s", obj)
	}
	for _, c := range []struct{ flag, col string }{{"label-upper", labelUpper}, {"event", event}} {
		if c.col != "" && (c.col == target || c.col == weight) {
			return fmt.Errorf("--%s %s is also the --target or --weight column", c.flag, c.col)
		}
	}
	if labelUpper != "" && labelUpper == event {
		return fmt.Errorf("--label-upper and --event both name %s", event)
	}
	return nil
}

// survivalCVMetric is --metric as a cross-validation metric of a survival
// objective over the training rows, whose times (Cox's signed labels, or
// AFT's lower bounds) are y and AFT's upper bounds upper (nil: observed):
// "nloglik", the objective's negative log likelihood (cox-nloglik
// unweighted, aft-nloglik weighted by the fold's weights, which the
// caller gives CrossValidateValues for it alone, as the held-out scores;
// lower wins), or "c_index", Harrell's C-index, unweighted (higher wins).
// As rankCVMetric, it is given row numbers as targets and looks each row's
// time and bound up by its number, so a fold's bounds and events go with
// its rows. Each fold is scored on its own rows: Cox's risk sets and the
// C-index's pairs are within the fold.
func survivalCVMetric(m *gbt.Model, metric string, y, upper []float64) selection.Metric {
	name := metric
	if metric == "nloglik" {
		name = nlogLikName(m)
	}
	return selection.Metric{Name: name, HigherIsBetter: metric == "c_index", ScoreValues: func(rows, p, w []float64) (float64, error) {
		idx := floatLabels(rows) // the fold's row numbers
		fy := pickFloats(y, idx)
		fu := fy // observed times
		if upper != nil {
			fu = pickFloats(upper, idx)
		}
		nllName, nll, c, cErr := survivalScores(m, fy, fu, p, w)
		if metric == "c_index" {
			return c, cErr
		}
		if math.IsNaN(nll) {
			return nll, fmt.Errorf("no %s: the fold's rows have no event (every time censored)", nllName)
		}
		return nll, nil
	}}
}

// survivalFolds checks, before any fit, that every fold can be scored by
// metric: for Cox's nloglik a fold needs an event, for the C-index a
// comparable pair (an event before another row's time).
func survivalFolds(obj gbt.Objective, metric string, folds [][]int, y, upper []float64) error {
	if obj == gbt.SurvivalAFT && metric == "nloglik" {
		return nil // a censored row has a likelihood too
	}
	for f, rows := range folds {
		var fu []float64
		if upper != nil {
			fu = pickFloats(upper, rows)
		}
		time, event := gbt.SurvivalEvents(obj, pickFloats(y, rows), fu)
		switch _, err := metrics.ConcordanceIndex(time, event, make([]float64, len(rows))); {
		case metric == "c_index" && err != nil:
			return fmt.Errorf("fold %d of %d rows has no pair of rows whose order of events is known (an event before another row's time), so its C-index is undefined: use fewer folds, or --metric nloglik", f+1, len(rows))
		case metric == "nloglik" && !slices.Contains(event, true):
			return fmt.Errorf("fold %d of %d rows has no event (every time censored), so its cox-nloglik is undefined: use fewer folds", f+1, len(rows))
		}
	}
	return nil
}
