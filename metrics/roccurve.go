package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ROCCurve is the receiver operating characteristic of a binary classifier
// (sklearn.metrics.roc_curve with drop_intermediate=False): one point per
// distinct score, from the highest down, preceded by (0, 0) at threshold
// +Inf. fpr and tpr are the false and true positive rates of predicting
// positive at scores >= thresholds[i]. It errors as ROCAUC does.
func ROCCurve(yTrue []int, scores []float64) (fpr, tpr, thresholds []float64, err error) {
	if len(yTrue) != len(scores) {
		return nil, nil, nil, fmt.Errorf("metrics: ROCCurve: %d labels but %d scores", len(yTrue), len(scores))
	}
	var pos, neg int
	for i, y := range yTrue {
		switch y {
		case 0:
			neg++
		case 1:
			pos++
		default:
			return nil, nil, nil, fmt.Errorf("metrics: ROCCurve: yTrue[%d] = %d; binary labels must be 0 or 1", i, y)
		}
		if math.IsNaN(scores[i]) {
			return nil, nil, nil, fmt.Errorf("metrics: ROCCurve: scores[%d] is NaN", i)
		}
	}
	if pos == 0 || neg == 0 {
		return nil, nil, nil, errors.New("metrics: ROCCurve: both classes are needed")
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	fpr, tpr, thresholds = []float64{0}, []float64{0}, []float64{math.Inf(1)}
	var tp, fp int
	for k, i := range order {
		if yTrue[i] == 1 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(order) && scores[order[k+1]] == scores[i] {
			continue
		}
		fpr = append(fpr, float64(fp)/float64(neg))
		tpr = append(tpr, float64(tp)/float64(pos))
		thresholds = append(thresholds, scores[i])
	}
	return fpr, tpr, thresholds, nil
}
