package metrics

import (
	"fmt"
	"math"
	"sort"
)

// ROCAUC is the area under the ROC curve of a binary classifier
// (sklearn.metrics.roc_auc_score): yTrue holds 0 (negative) or 1 (positive)
// and scores any monotone confidence that the sample is positive. Tied scores
// form one threshold, so the curve has a diagonal segment there and the area
// is taken with the trapezoid rule, exactly as sklearn does. It errors when
// the lengths differ, a label is not 0 or 1, a score is NaN or ±Inf (as
// scikit-learn refuses it: "Input contains infinity"), or only one class is
// present (AUC is undefined then).
func ROCAUC(yTrue []int, scores []float64) (float64, error) {
	return rocAUC("ROCAUC", yTrue, scores, nil)
}

// WeightedROCAUC is ROCAUC with sample weights, as
// sklearn.metrics.roc_auc_score with sample_weight=weights: the true and
// false positives at each threshold are the sums of the weights of the
// positive and negative samples scored at or above it, so a sample of
// weight 2 counts as two samples and one of weight 0 as none. Tied scores
// make one threshold and a diagonal segment, as in ROCAUC; weights all 1
// give ROCAUC's figure to the bit.
//
// It errors as ROCAUC does (the labels, 0 or 1, must include both classes
// even among samples of weight 0, as sklearn checks them), and also when
// the lengths of yTrue, scores and weights differ (nil weights included),
// a weight is negative, NaN or infinite, or either class's samples weigh 0
// in all (the curve's rates are then undefined).
func WeightedROCAUC(yTrue []int, scores, weights []float64) (float64, error) {
	if err := checkWeights("WeightedROCAUC", len(yTrue), len(scores), "scores", weights); err != nil {
		return math.NaN(), err
	}
	return rocAUC("WeightedROCAUC", yTrue, scores, weights)
}

// checkWeights checks sample weights (for fn's errors): as many as the n
// labels and the nScores rows of what (as "scores"), each finite and 0 or
// more.
func checkWeights(fn string, n, nScores int, what string, weights []float64) error {
	if len(weights) != n || nScores != n {
		return fmt.Errorf("metrics: %s: %d labels, %d %s and %d weights; they must match", fn, n, nScores, what, len(weights))
	}
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 1) {
			return fmt.Errorf("metrics: %s: weights[%d] is %v; weights must be finite and 0 or more", fn, i, w)
		}
	}
	return nil
}

// rocAUC is ROCAUC (named fn in its errors), each sample weighted by
// weights[i], or by 1 when weights is nil. The weights must already be
// checked: as many as the labels, finite and 0 or more.
func rocAUC(fn string, yTrue []int, scores, weights []float64) (float64, error) {
	if len(yTrue) != len(scores) {
		return math.NaN(), fmt.Errorf("metrics: %s: %d labels but %d scores", fn, len(yTrue), len(scores))
	}
	if len(yTrue) == 0 {
		return math.NaN(), fmt.Errorf("metrics: %s: no samples", fn)
	}
	var pos, neg int
	for i, y := range yTrue {
		switch y {
		case 0:
			neg++
		case 1:
			pos++
		default:
			return math.NaN(), fmt.Errorf("metrics: %s: yTrue[%d] = %d; binary labels must be 0 or 1", fn, i, y)
		}
		if err := checkScore(fn, scores, i); err != nil {
			return math.NaN(), err
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN(), fmt.Errorf("metrics: %s: only one class present in yTrue (%d positive, %d negative); AUC is undefined", fn, pos, neg)
	}

	// Samples of weight 0 are left out, as sklearn's roc_curve drops them
	// (they would move no point of the curve, only add thresholds).
	order := make([]int, 0, len(scores))
	for i := range scores {
		if weights == nil || weights[i] != 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })

	// Walk thresholds from the highest score down; each distinct score adds
	// one ROC point, and the trapezoid between consecutive points gives the
	// tie handling sklearn uses. Unweighted, tp and fp count whole samples,
	// which float64 holds exactly.
	var auc, tp, fp, prevTP, prevFP float64
	for k, i := range order {
		w := weight(weights, i)
		if yTrue[i] == 1 {
			tp += w
		} else {
			fp += w
		}
		if k+1 < len(order) && scores[order[k+1]] == scores[i] {
			continue
		}
		auc += (fp - prevFP) * (tp + prevTP) / 2
		prevTP, prevFP = tp, fp
	}
	if !(tp > 0 && fp > 0) {
		return math.NaN(), fmt.Errorf("metrics: %s: the positive samples weigh %v and the negative %v in all; AUC is undefined unless both classes weigh more than 0",
			fn, tp, fp)
	}
	return auc / (tp * fp), nil
}

// checkScore refuses scores[i] if it is NaN or ±Inf (for fn's errors), as
// scikit-learn's check_array refuses such scores in every score-taking
// metric. An infinite score would still rank, but it is most likely an
// overflowed margin, and an AUC computed around it would hide that.
func checkScore(fn string, scores []float64, i int) error {
	if s := scores[i]; math.IsNaN(s) || math.IsInf(s, 0) {
		return fmt.Errorf("metrics: %s: scores[%d] is %v; scores must be finite", fn, i, s)
	}
	return nil
}

// logLossEps is the clipping sklearn.metrics.log_loss applies to
// probabilities, so a confident wrong prediction costs about 34.5 nats
// instead of +Inf. It was sklearn's default until 1.2, which switched to the
// float64 machine epsilon (2.2e-16); the two differ only for probabilities
// below 1e-15.
const logLossEps = 1e-15

// LogLoss is the mean cross-entropy of the true classes under predicted
// class probabilities (sklearn.metrics.log_loss): proba[i][c] is the
// probability that sample i is class c. Like sklearn, each probability is
// clipped to [1e-15, 1-1e-15] and each row renormalised to sum to 1. It is NaN
// when the lengths differ, there are no samples, rows have different
// lengths, a label is outside the row, or a probability is NaN, negative or
// +Inf (scikit-learn refuses an infinite one rather than clip it to 1).
func LogLoss(yTrue []int, proba [][]float64) float64 {
	if len(yTrue) != len(proba) || len(yTrue) == 0 {
		return math.NaN()
	}
	k := len(proba[0])
	var sum float64
	for i, row := range proba {
		if len(row) != k || yTrue[i] < 0 || yTrue[i] >= k {
			return math.NaN()
		}
		var rowSum float64
		for _, p := range row {
			if math.IsNaN(p) || p < 0 || math.IsInf(p, 1) {
				return math.NaN()
			}
			rowSum += clipProb(p)
		}
		sum -= math.Log(clipProb(row[yTrue[i]]) / rowSum)
	}
	return sum / float64(len(yTrue))
}

// BinaryLogLoss is LogLoss for a binary classifier given p[i], the predicted
// probability that sample i is class 1; yTrue holds 0 or 1. It is NaN for
// mismatched lengths, no samples, another label, or p outside [0, 1] or NaN.
func BinaryLogLoss(yTrue []int, p []float64) float64 {
	if len(yTrue) != len(p) || len(yTrue) == 0 {
		return math.NaN()
	}
	var sum float64
	for i, y := range yTrue {
		if !(p[i] >= 0 && p[i] <= 1) || (y != 0 && y != 1) {
			return math.NaN()
		}
		// sklearn clips p and then forms the row [1-p, p]; doing the same,
		// in the same order, reproduces its figures to the last bit even at
		// the clip boundaries, where 1-(1-1e-15) is not exactly 1e-15.
		p1 := clipProb(p[i])
		p0 := 1 - p1
		if y == 1 {
			sum -= math.Log(p1 / (p0 + p1))
		} else {
			sum -= math.Log(p0 / (p0 + p1))
		}
	}
	return sum / float64(len(yTrue))
}

func clipProb(p float64) float64 {
	return min(max(p, logLossEps), 1-logLossEps)
}

// ArgMax is each row's predicted class given k probabilities a row, row by
// row (len(p)/k rows): the index of the first largest, as numpy's argmax.
// For k = 1, p is a binary classifier's P(y=1) and the class is 1 where it
// is above 0.5, else 0 (as scikit-learn's and XGBoost's predict break a tie
// at 0.5). It returns nil when k < 1 or len(p) is not a multiple of k (the
// rows would not line up with the samples).
func ArgMax(p []float64, k int) []int {
	if !wholeRows(p, k) {
		return nil
	}
	if k == 1 {
		out := make([]int, len(p))
		for i, v := range p {
			if v > 0.5 {
				out[i] = 1
			}
		}
		return out
	}
	out := make([]int, len(p)/k)
	for i := range out {
		row := p[i*k : (i+1)*k]
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		out[i] = best
	}
	return out
}

// ProbaRows views k probabilities a row, row by row, as the rows LogLoss
// takes (no copy). It returns nil when k < 1 or len(p) is not a multiple of
// k.
func ProbaRows(p []float64, k int) [][]float64 {
	if !wholeRows(p, k) {
		return nil
	}
	rows := make([][]float64, len(p)/k)
	for i := range rows {
		rows[i] = p[i*k : (i+1)*k : (i+1)*k]
	}
	return rows
}

// ClassProba is class c's column of k probabilities a row, row by row: the
// scores a one-class metric such as ROCAUC takes (p[:, c] in numpy). It
// returns nil when k < 1, c is outside 0..k-1, or len(p) is not a multiple
// of k.
func ClassProba(p []float64, k, c int) []float64 {
	if !wholeRows(p, k) || c < 0 || c >= k {
		return nil
	}
	out := make([]float64, len(p)/k)
	for i := range out {
		out[i] = p[i*k+c]
	}
	return out
}

// wholeRows reports whether p splits into rows of k values with none left
// over.
func wholeRows(p []float64, k int) bool {
	return k >= 1 && len(p)%k == 0
}
