package metrics

import (
	"fmt"
	"math"
	"sort"
)

// PrecisionRecallCurve is the precision-recall curve of a binary classifier,
// as sklearn.metrics.precision_recall_curve (scikit-learn 1.2) returns it:
// yTrue holds 0 (negative) or 1 (positive), scores any monotone confidence
// that a sample is positive. thresholds holds the distinct scores in
// increasing order; precision[i] and recall[i] are those of predicting
// positive at scores >= thresholds[i] (tied scores move together), and the
// last point, precision 1 at recall 0, has no threshold: len(precision) ==
// len(recall) == len(thresholds)+1, recall decreasing.
//
// It errors when the lengths differ, there are no samples, a label is not 0
// or 1, a score is NaN or ±Inf (scikit-learn refuses both), or there is no
// positive sample: recall is undefined then (scikit-learn warns and sets
// it to 1). Data without negatives is fine: precision is 1 throughout.
func PrecisionRecallCurve(yTrue []int, scores []float64) (precision, recall, thresholds []float64, err error) {
	fps, tps, desc, err := binaryCurve("PrecisionRecallCurve", yTrue, scores)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(desc)
	precision, recall, thresholds = make([]float64, n+1), make([]float64, n+1), make([]float64, n)
	pos := tps[n-1]
	// binaryCurve walks from the highest score down; scikit-learn returns
	// the points the other way round, ending at (recall 0, precision 1).
	for k := range n {
		i := n - 1 - k
		precision[i] = tps[k] / (tps[k] + fps[k]) // > 0: every threshold is some sample's score
		recall[i] = tps[k] / pos
		thresholds[i] = desc[k]
	}
	precision[n], recall[n] = 1, 0
	return precision, recall, thresholds, nil
}

// AveragePrecision summarises the precision-recall curve as the mean of the
// precisions at each threshold, weighted by the recall gained there
// (sklearn.metrics.average_precision_score, scikit-learn 1.2):
//
//	AP = Σₙ (Rₙ − Rₙ₋₁) Pₙ
//
// over the thresholds from the highest score down, R₀ = 0. Tied scores are
// one threshold, as in PrecisionRecallCurve; there is no interpolation
// between points (the trapezoid rule would be optimistic), so AP is the
// area under the curve drawn as a step function. A classifier that ranks
// every positive above every negative scores 1; one that ranks at random
// scores about the share of positives. It errors as PrecisionRecallCurve
// does: without a positive sample (scikit-learn warns and returns 0) AP is
// undefined.
func AveragePrecision(yTrue []int, scores []float64) (float64, error) {
	fps, tps, _, err := binaryCurve("AveragePrecision", yTrue, scores)
	if err != nil {
		return math.NaN(), err
	}
	pos := tps[len(tps)-1]
	var ap, prevTP float64
	for k := range tps {
		ap += (tps[k] - prevTP) / pos * (tps[k] / (tps[k] + fps[k]))
		prevTP = tps[k]
	}
	return ap, nil
}

// binaryCurve is scikit-learn's _binary_clf_curve, unweighted: the distinct
// scores from the highest down, and the false and true positives counted
// at or above each (fps[k], tps[k] for thresholds[k]). fn names the caller
// in errors. It errors on different lengths, no samples, a label other
// than 0 or 1, a NaN or infinite score, and no positive sample.
func binaryCurve(fn string, yTrue []int, scores []float64) (fps, tps, thresholds []float64, err error) {
	if len(yTrue) != len(scores) {
		return nil, nil, nil, fmt.Errorf("metrics: %s: %d labels but %d scores", fn, len(yTrue), len(scores))
	}
	if len(yTrue) == 0 {
		return nil, nil, nil, fmt.Errorf("metrics: %s: no samples", fn)
	}
	pos := 0
	for i, y := range yTrue {
		switch y {
		case 0:
		case 1:
			pos++
		default:
			return nil, nil, nil, fmt.Errorf("metrics: %s: yTrue[%d] = %d; binary labels must be 0 or 1", fn, i, y)
		}
		if err := checkScore(fn, scores, i); err != nil {
			return nil, nil, nil, err
		}
	}
	if pos == 0 {
		return nil, nil, nil, fmt.Errorf("metrics: %s: no positive sample in yTrue (all %d are 0); recall is undefined", fn, len(yTrue))
	}
	fps, tps, thresholds = curveCounts(yTrue, scores)
	return fps, tps, thresholds, nil
}

// curveCounts walks checked labels (0 or 1) and scores (finite) from the
// highest score down: at each distinct score (a tie is one threshold),
// the false and true positives counted at or above it.
func curveCounts(yTrue []int, scores []float64) (fps, tps, thresholds []float64) {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	var tp, fp float64
	for k, i := range order {
		if yTrue[i] == 1 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(order) && scores[order[k+1]] == scores[i] {
			continue
		}
		fps, tps, thresholds = append(fps, fp), append(tps, tp), append(thresholds, scores[i])
	}
	return fps, tps, thresholds
}
