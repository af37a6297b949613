package metrics

import (
	"fmt"
	"math"
)

// ROCAverage is how MultiClassROCAUC and WeightedMultiClassROCAUC combine
// their classes' one-vs-rest AUCs, as scikit-learn's
// roc_auc_score(average=...) does. The zero value is MacroAverage,
// scikit-learn's default.
type ROCAverage int

const (
	// MacroAverage is the plain mean of the classes' AUCs: every class
	// counts alike, however rare (average="macro").
	MacroAverage ROCAverage = iota
	// WeightedAverage weights each class's AUC by its support, the number
	// of its samples or, with sample weights, their sum
	// (average="weighted"). It is XGBoost's multi-class auc too.
	WeightedAverage
)

// String is the average's name as scikit-learn spells it: "macro" or
// "weighted".
func (a ROCAverage) String() string {
	switch a {
	case MacroAverage:
		return "macro"
	case WeightedAverage:
		return "weighted"
	}
	return fmt.Sprintf("ROCAverage(%d)", int(a))
}

// MultiClassROCAUC is the one-vs-rest ROC AUC of a classifier of three or
// more classes, as sklearn.metrics.roc_auc_score(yTrue, proba,
// multi_class="ovr", average=average): each class's probability column is
// scored by ROCAUC against "this class or not", and the classes' AUCs are
// averaged (see ROCAverage). yTrue holds class indices 0..k-1 and
// proba[i] the k class probabilities of sample i (as LogLoss takes them;
// ProbaRows views a model's flat output so).
//
// Like scikit-learn, it errors when a class has no sample in yTrue (its
// AUC is undefined), and when a row's probabilities do not sum to 1 as
// numpy.allclose judges it (within 1e-8 + 1e-5 of the sum); the error
// names the class or the row. It also errors on different lengths, no
// samples, rows of different lengths or fewer than three columns (for two
// classes scikit-learn, and ROCAUC, take the second class's column
// alone), a label outside 0..k-1, a NaN or infinite probability, or an
// average other than MacroAverage and WeightedAverage. Negative
// probabilities are not refused, as scikit-learn does not refuse them.
func MultiClassROCAUC(yTrue []int, proba [][]float64, average ROCAverage) (float64, error) {
	if len(yTrue) != len(proba) {
		return math.NaN(), fmt.Errorf("metrics: MultiClassROCAUC: %d labels but %d probability rows", len(yTrue), len(proba))
	}
	return multiClassROCAUC("MultiClassROCAUC", yTrue, proba, nil, average)
}

// WeightedMultiClassROCAUC is MultiClassROCAUC with sample weights, as
// roc_auc_score(yTrue, proba, multi_class="ovr", average=average,
// sample_weight=weights): each class's AUC is WeightedROCAUC's, and
// WeightedAverage weights it by the sum of its samples' weights. It errors
// as MultiClassROCAUC does (every class must have a sample in yTrue, even
// if only of weight 0, as scikit-learn checks the labels), and as
// WeightedROCAUC does on the weights: as many as the labels, finite and 0
// or more.
//
// A class whose samples weigh 0 in all has no AUC. Under WeightedAverage
// it weighs 0 and is left out, as in scikit-learn; under MacroAverage it
// is an error naming the class, where scikit-learn returns NaN. When
// every sample weighs 0 it errors, where scikit-learn's weighted average
// returns 0.
func WeightedMultiClassROCAUC(yTrue []int, proba [][]float64, weights []float64, average ROCAverage) (float64, error) {
	const fn = "WeightedMultiClassROCAUC"
	if err := checkWeights(fn, len(yTrue), len(proba), "probability rows", weights); err != nil {
		return math.NaN(), err
	}
	return multiClassROCAUC(fn, yTrue, proba, weights, average)
}

// rowSumRTol and rowSumATol are numpy.allclose's default tolerances,
// with which scikit-learn checks that each row of probabilities sums to 1.
const (
	rowSumRTol = 1e-5
	rowSumATol = 1e-8
)

// multiClassROCAUC is MultiClassROCAUC (named fn in its errors), each
// sample weighted by weights[i], or by 1 when weights is nil. The lengths
// of yTrue and proba must already match, and weights be checked as
// rocAUC wants them.
func multiClassROCAUC(fn string, yTrue []int, proba [][]float64, weights []float64, average ROCAverage) (float64, error) {
	if average != MacroAverage && average != WeightedAverage {
		return math.NaN(), fmt.Errorf("metrics: %s: average is %v; want MacroAverage or WeightedAverage", fn, average)
	}
	if len(yTrue) == 0 {
		return math.NaN(), fmt.Errorf("metrics: %s: no samples", fn)
	}
	k := len(proba[0])
	if k < 3 {
		return math.NaN(), fmt.Errorf("metrics: %s: %d probability columns; one-vs-rest AUC needs three classes or more (for two, take ROCAUC of the second class's column)", fn, k)
	}
	// support is each class's sample count, or weight with weights.
	support, count := make([]float64, k), make([]int, k)
	for i, row := range proba {
		if len(row) != k {
			return math.NaN(), fmt.Errorf("metrics: %s: proba[%d] has %d columns but proba[0] %d", fn, i, len(row), k)
		}
		if y := yTrue[i]; y < 0 || y >= k {
			return math.NaN(), fmt.Errorf("metrics: %s: yTrue[%d] = %d; labels must be class indices 0..%d", fn, i, y, k-1)
		}
		var sum float64
		for c, p := range row {
			if math.IsNaN(p) || math.IsInf(p, 0) {
				return math.NaN(), fmt.Errorf("metrics: %s: proba[%d][%d] is %v", fn, i, c, p)
			}
			sum += p
		}
		if !(math.Abs(1-sum) <= rowSumATol+rowSumRTol*math.Abs(sum)) {
			return math.NaN(), fmt.Errorf("metrics: %s: proba[%d] sums to %v; each row's probabilities must sum to 1", fn, i, sum)
		}
		count[yTrue[i]]++
		support[yTrue[i]] += weight(weights, i)
	}
	for c, n := range count {
		if n == 0 {
			return math.NaN(), fmt.Errorf("metrics: %s: class %d has no sample in yTrue (of %d), so its one-vs-rest AUC is undefined", fn, c, len(yTrue))
		}
	}

	isClass, column := make([]int, len(yTrue)), make([]float64, len(yTrue))
	var sum, supportSum float64
	for c := range k {
		if average == WeightedAverage && support[c] == 0 {
			continue // weighs nothing in the average, as in scikit-learn
		}
		for i, row := range proba {
			isClass[i], column[i] = 0, row[c]
			if yTrue[i] == c {
				isClass[i] = 1
			}
		}
		auc, err := rocAUC(fmt.Sprintf("%s: class %d against the rest", fn, c), isClass, column, weights)
		if err != nil {
			return math.NaN(), err
		}
		if average == WeightedAverage {
			sum += auc * support[c]
			supportSum += support[c]
		} else {
			sum += auc
		}
	}
	if average == MacroAverage {
		return sum / float64(k), nil
	}
	if supportSum == 0 {
		return math.NaN(), fmt.Errorf("metrics: %s: every sample weighs 0, so the weighted average is undefined", fn)
	}
	return sum / supportSum, nil
}

// weight is weights[i], or 1 when weights is nil (unweighted).
func weight(weights []float64, i int) float64 {
	if weights == nil {
		return 1
	}
	return weights[i]
}
