package gbt

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/emberml/ember/metrics"
)

// The metrics Model.EvalMetric names besides the objectives' defaults,
// as XGBoost's eval_metric names them (but CIndex, which XGBoost lacks).
const (
	// MetricAUC is the (weighted) area under the ROC curve of a binary
	// classifier's margins, as XGBoost's auc and scikit-learn's
	// roc_auc_score with sample_weight compute it; higher is better.
	// binary:hinge's is of its margins too (as ember gbt's held-out ROC
	// AUC), where XGBoost's auc is of the class, 0 or 1, that hinge
	// predicts (a score of two values), and so differs.
	//
	// A multi-class model's (multi:softprob, multi:softmax) is XGBoost
	// 1.7's one-vs-rest AUC (MultiClassOVR in its auc.cc): each class's
	// probability scored against "this class or not", the classes' AUCs
	// averaged weighted by the weight of their rows, which is
	// scikit-learn's roc_auc_score(multi_class="ovr", average="weighted")
	// (metrics.WeightedMultiClassROCAUC). XGBoost's is NaN when a class
	// has no validation rows, or only they weigh more than 0; Fit refuses
	// such a validation set instead (UndefinedMetricError).
	MetricAUC = "auc"
	// MetricError is the (weighted) share of rows whose class is wrong:
	// for a binary classifier, class 1 where the margin is above 0 (the
	// probability above 1/2); higher is worse.
	MetricError = "error"
	// MetricMError is MetricError of a multi-class model, whose class is
	// the first of highest margin (and probability).
	MetricMError = "merror"
	// MetricLogLoss is the (weighted) log-loss of a probability: a
	// binary classifier's, or reg:logistic's against its labels in
	// [0, 1] (probabilities clipped to [1e-15, 1−1e-15]).
	MetricLogLoss = "logloss"
	// MetricMLogLoss is the multi-class log-loss, the multi-class
	// objectives' default.
	MetricMLogLoss = "mlogloss"
	// MetricRMSE and MetricMAE are the (weighted) root mean squared and
	// mean absolute error of a regressor's predictions (exp(margin) for
	// the log links, the logistic for reg:logistic), as XGBoost computes
	// them on its predictions.
	MetricRMSE = "rmse"
	MetricMAE  = "mae"
	// MetricCIndex is Harrell's C-index of a survival model's margins
	// (the log hazard ratio for survival:cox, minus the log time for
	// survival:aft), unweighted, as metrics.ConcordanceIndex computes it
	// (see SurvivalEvents for its times and events); higher is better.
	// XGBoost has no such metric.
	MetricCIndex = "c-index"
)

// defaultMetric is the name of the objective's own validation metric,
// what History.ValidLoss holds when EvalMetric is "" (see History): for a
// rank objective RankMetric.
func (m *Model) defaultMetric() string {
	switch m.Objective {
	case BinaryLogistic, BinaryLogitRaw:
		return MetricLogLoss
	case MultiSoftprob, MultiSoftmax:
		return MetricMLogLoss
	case SquaredError:
		return "mse" // the mean squared error, which ranks rounds as XGBoost's rmse does
	case CountPoisson:
		return "poisson-nloglik"
	case Tweedie:
		return fmt.Sprintf("tweedie-nloglik@%g", m.TweedieVariancePower)
	case Gamma:
		return "gamma-nloglik"
	case PseudoHuber:
		return "mphe"
	case AbsoluteError:
		return MetricMAE
	case SquaredLogError:
		return "rmsle"
	case RegLogistic:
		return MetricRMSE
	case BinaryHinge:
		return MetricError
	case SurvivalCox:
		return "cox-nloglik"
	case SurvivalAFT:
		return "aft-nloglik"
	}
	return m.RankMetric
}

// evalMetrics are the names EvalMetric may take for the objective (the
// default's first); none for a rank objective, scored by RankMetric.
func (m *Model) evalMetrics() []string {
	var names []string
	switch o := m.Objective; {
	case o.Ranking():
		return nil
	case o == BinaryHinge:
		names = []string{MetricError, MetricAUC}
	case o.binaryClass():
		names = []string{MetricLogLoss, MetricError, MetricAUC}
	case o.multiClass():
		names = []string{MetricMLogLoss, MetricMError, MetricAUC}
	case o.Survival():
		names = []string{m.defaultMetric(), MetricCIndex}
	case o == RegLogistic:
		names = []string{MetricRMSE, MetricMAE, MetricLogLoss}
	default:
		names = []string{m.defaultMetric(), MetricRMSE}
		if names[0] != MetricMAE { // reg:absoluteerror's default is mae
			names = append(names, MetricMAE)
		}
	}
	return names
}

// validMetric is the name of the metric the validation set is scored by:
// EvalMetric, or the objective's default.
func (m *Model) validMetric() string {
	if m.EvalMetric != "" {
		return m.EvalMetric
	}
	return m.defaultMetric()
}

// maximizes is whether a higher validation metric is better (early
// stopping keeps its highest): a ranking metric, MetricAUC, MetricCIndex.
func (m *Model) maximizes() bool {
	switch m.validMetric() {
	case MetricAUC, MetricCIndex:
		return true
	}
	return m.Objective.Ranking()
}

// checkEvalMetric checks EvalMetric against the objective.
func (m *Model) checkEvalMetric() error {
	if m.EvalMetric == "" {
		return nil
	}
	names := m.evalMetrics()
	switch {
	case m.Objective.Ranking():
		return fmt.Errorf("gbt: EvalMetric is %q; a rank objective's validation metric is RankMetric", m.EvalMetric)
	case !slices.Contains(names, m.EvalMetric):
		return fmt.Errorf("gbt: EvalMetric %q does not score %s; want one of %s (or \"\", its default %s)",
			m.EvalMetric, m.Objective, strings.Join(names, ", "), m.defaultMetric())
	}
	return nil
}

// UndefinedMetricError is Fit's error, before any tree is grown, when the
// validation set cannot be scored by EvalMetric: MetricAUC without rows
// of both classes weighing more than 0 (a multi-class model's: of each
// class and of the others), MetricCIndex without a pair of rows whose
// order of events is known.
type UndefinedMetricError struct {
	Metric string // EvalMetric
	Reason string // what the set lacks, as "has no …"
}

func (e *UndefinedMetricError) Error() string {
	return fmt.Sprintf("gbt: the validation set %s, so its %s is undefined", e.Reason, e.Metric)
}

// checkEvalSet checks, before the fit, that the validation set can be
// scored by EvalMetric (see UndefinedMetricError); vupper is
// survival:aft's upper bounds of its rows, k the classes of a multi-class
// model.
func (m *Model) checkEvalSet(valid *EvalSet, vupper []float64, k int) error {
	switch {
	case m.EvalMetric == MetricAUC && m.Objective.multiClass():
		// XGBoost's MultiClassOVR is NaN unless every class has both.
		class := make([]float64, k)
		var all float64
		for i, y := range valid.Y {
			class[int(y)] += weight(valid.W, i)
			all += weight(valid.W, i)
		}
		for c, in := range class {
			if !(in > 0 && all-in > 0) {
				return &UndefinedMetricError{m.EvalMetric, fmt.Sprintf("has rows of class %d weighing %v in all and of the other classes %v (both must weigh more than 0)", c, in, all-in)}
			}
		}
	case m.EvalMetric == MetricAUC:
		var pos, neg float64
		for i, y := range valid.Y {
			if y == 1 {
				pos += weight(valid.W, i)
			} else {
				neg += weight(valid.W, i)
			}
		}
		if !(pos > 0 && neg > 0) {
			return &UndefinedMetricError{m.EvalMetric, fmt.Sprintf("has rows of class 1 weighing %v in all and of class 0 %v (both must weigh more than 0)", pos, neg)}
		}
	case m.EvalMetric == MetricCIndex:
		time, event := SurvivalEvents(m.Objective, valid.Y, vupper)
		if _, err := metrics.ConcordanceIndex(time, event, make([]float64, len(time))); err != nil {
			return &UndefinedMetricError{m.EvalMetric, "has no pair of rows whose order of events is known (an event before another row's time)"}
		}
	}
	return nil
}

// SurvivalEvents are the times and events of survival rows as
// MetricCIndex reads them: survival:cox's |y| and whether y > 0 (an
// event, not censored); survival:aft's lower bound y and whether the
// upper bound equals it (an observed time; upper nil: every time
// observed). A right- or interval-censored row was event-free until its
// lower bound; a left-censored one is known of nothing but that.
func SurvivalEvents(obj Objective, y, upper []float64) (time []float64, event []bool) {
	time, event = make([]float64, len(y)), make([]bool, len(y))
	for i, v := range y {
		if obj == SurvivalCox {
			time[i], event[i] = math.Abs(v), v > 0
		} else {
			time[i], event[i] = v, upper == nil || v == upper[i]
		}
	}
	return time, event
}

// validScore is the validation set's metric at its current margins: the
// objective's own (validLoss, rankValid), or EvalMetric. Its error is
// metricError's, where metrics refuses the margins (a non-finite one),
// which would otherwise be a NaN score that early stopping cannot rank.
func (t *trainer) validScore() (float64, error) {
	if t.m.Objective.Ranking() {
		return t.rankValid(), nil
	}
	if t.m.EvalMetric == "" || t.m.EvalMetric == t.m.defaultMetric() {
		return t.validLoss(), nil
	}
	raw, y, w := t.vraw, t.vy, t.vw
	switch t.m.EvalMetric {
	case MetricAUC:
		if t.vlabels == nil {
			t.vlabels = make([]int, len(y))
			for i, v := range y {
				t.vlabels[i] = int(v)
			}
		}
		if t.k > 1 {
			return t.multiClassAUC()
		}
		// checkEvalSet saw both classes, so an error is of the margins.
		var auc float64
		var err error
		if w == nil {
			auc, err = metrics.ROCAUC(t.vlabels, raw)
		} else {
			auc, err = metrics.WeightedROCAUC(t.vlabels, raw, w)
		}
		return auc, t.metricError(err)
	case MetricError:
		var wrong float64
		for i, v := range y {
			if (raw[i] > 0) != (v == 1) {
				wrong += weight(w, i)
			}
		}
		return wrong / t.vwSum, nil
	case MetricMError:
		var wrong float64
		for i, c := range metrics.ArgMax(raw, t.k) {
			if float64(c) != y[i] {
				wrong += weight(w, i)
			}
		}
		return wrong / t.vwSum, nil
	case MetricLogLoss: // reg:logistic's
		var sum float64
		for i, v := range y {
			p := min(max(1/(1+math.Exp(-raw[i])), 1e-15), 1-1e-15)
			sum -= weight(w, i) * (v*math.Log(p) + (1-v)*math.Log(1-p))
		}
		return sum / t.vwSum, nil
	case MetricRMSE, MetricMAE:
		var sum float64
		for i, v := range y {
			d := t.prediction(raw[i]) - v
			if t.m.EvalMetric == MetricMAE {
				sum += weight(w, i) * math.Abs(d)
			} else {
				sum += weight(w, i) * d * d
			}
		}
		if t.m.EvalMetric == MetricRMSE {
			return math.Sqrt(sum / t.vwSum), nil
		}
		return sum / t.vwSum, nil
	case MetricCIndex:
		if t.vtime == nil {
			t.vtime, t.vevent = SurvivalEvents(t.m.Objective, y, t.vupper)
			t.vrisk = make([]float64, len(raw))
		}
		risk := raw
		if t.m.Objective == SurvivalAFT { // a later time is a lower risk
			for i, v := range raw {
				t.vrisk[i] = -v
			}
			risk = t.vrisk
		}
		c, err := metrics.ConcordanceIndex(t.vtime, t.vevent, risk) // checkEvalSet saw a comparable pair
		return c, t.metricError(err)
	}
	panic("gbt: validScore: unchecked EvalMetric " + t.m.EvalMetric)
}

// multiClassAUC is a multi-class model's MetricAUC at the validation
// margins: XGBoost's one-vs-rest AUC of the class probabilities, each
// class's AUC weighted by the weight of its rows, which is
// metrics.WeightedMultiClassROCAUC's WeightedAverage. The probabilities
// are the softmax the training rows' gradients take (float32, as
// XGBoost's, under BinningXGBoost).
func (t *trainer) multiClassAUC() (float64, error) {
	k := t.k
	if t.vprob == nil {
		t.vprob = make([]float64, len(t.vraw))
	}
	softmax := t.softmax()
	copy(t.vprob, t.vraw)
	for i := range len(t.vprob) / k {
		softmax(t.vprob[i*k : (i+1)*k])
	}
	// checkEvalSet saw every class's rows and the others' weigh more than
	// 0, so each class's AUC and the average are defined; the rows are
	// softmaxes, so they sum to 1 (a non-finite margin's row is NaN,
	// which metrics refuses).
	var auc float64
	var err error
	switch {
	case k == 2: // both classes' AUCs are the second's, up to rounding
		p1 := metrics.ClassProba(t.vprob, 2, 1)
		if t.vw == nil {
			auc, err = metrics.ROCAUC(t.vlabels, p1)
		} else {
			auc, err = metrics.WeightedROCAUC(t.vlabels, p1, t.vw)
		}
	case t.vw == nil:
		auc, err = metrics.MultiClassROCAUC(t.vlabels, metrics.ProbaRows(t.vprob, k), metrics.WeightedAverage)
	default:
		auc, err = metrics.WeightedMultiClassROCAUC(t.vlabels, metrics.ProbaRows(t.vprob, k), t.vw, metrics.WeightedAverage)
	}
	return auc, t.metricError(err)
}

// metricError is Fit's error when metrics refuses to score the
// validation set at round t.round's margins (err; nil gives nil), naming
// the round and the metric, and wrapping err.
func (t *trainer) metricError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gbt: Fit: round %d: the validation set's %s cannot be computed at its margins: %w", t.round+1, t.m.validMetric(), err)
}

// prediction is a regressor's prediction at margin m (its link's
// inverse): exp(m) for the log links, the logistic for RegLogistic, m
// itself otherwise.
func (t *trainer) prediction(m float64) float64 {
	switch t.m.Objective.link() {
	case Exp:
		return math.Exp(m)
	case Logistic:
		return 1 / (1 + math.Exp(-m))
	}
	return m
}
