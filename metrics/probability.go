package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ROCAUC is the area under the ROC curve of a binary classifier
// (sklearn.metrics.roc_auc_score): yTrue holds 0 (negative) or 1 (positive)
// and scores any monotone confidence that the sample is positive. Tied scores
// form one threshold, so the curve has a diagonal segment there and the area
// is taken with the trapezoid rule, exactly as sklearn does. It errors when
// the lengths differ, a label is not 0 or 1, a score is NaN, or only one
// class is present (AUC is undefined then).
func ROCAUC(yTrue []int, scores []float64) (float64, error) {
	if len(yTrue) != len(scores) {
		return math.NaN(), fmt.Errorf("metrics: ROCAUC: %d labels but %d scores", len(yTrue), len(scores))
	}
	if len(yTrue) == 0 {
		return math.NaN(), errors.New("metrics: ROCAUC: no samples")
	}
	var pos, neg int
	for i, y := range yTrue {
		switch y {
		case 0:
			neg++
		case 1:
			pos++
		default:
			return math.NaN(), fmt.Errorf("metrics: ROCAUC: yTrue[%d] = %d; binary labels must be 0 or 1", i, y)
		}
		if math.IsNaN(scores[i]) {
			return math.NaN(), fmt.Errorf("metrics: ROCAUC: scores[%d] is NaN", i)
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN(), fmt.Errorf("metrics: ROCAUC: only one class present in yTrue (%d positive, %d negative); AUC is undefined", pos, neg)
	}

	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })

	// Walk thresholds from the highest score down; each distinct score adds
	// one ROC point, and the trapezoid between consecutive points gives the
	// tie handling sklearn uses.
	var auc float64
	var tp, fp, prevTP, prevFP int
	for k, i := range order {
		if yTrue[i] == 1 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(order) && scores[order[k+1]] == scores[i] {
			continue
		}
		auc += float64(fp-prevFP) * float64(tp+prevTP) / 2
		prevTP, prevFP = tp, fp
	}
	return auc / (float64(pos) * float64(neg)), nil
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
// lengths, a label is outside the row, or a probability is NaN or negative.
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
			if math.IsNaN(p) || p < 0 {
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
