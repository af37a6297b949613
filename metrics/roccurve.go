package metrics

import (
	"errors"
	"fmt"
	"math"
)

// ROCCurve is the receiver operating characteristic of a binary classifier
// (sklearn.metrics.roc_curve with drop_intermediate=False): one point per
// distinct score, from the highest down, preceded by (0, 0) at threshold
// +Inf. fpr and tpr are the false and true positive rates of predicting
// positive at scores >= thresholds[i]. It errors as ROCAUC does (a NaN or
// ±Inf score included).
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
		if err := checkScore("ROCCurve", scores, i); err != nil {
			return nil, nil, nil, err
		}
	}
	if pos == 0 || neg == 0 {
		return nil, nil, nil, errors.New("metrics: ROCCurve: both classes are needed")
	}
	fps, tps, ts := curveCounts(yTrue, scores)
	fpr, tpr, thresholds = []float64{0}, []float64{0}, []float64{math.Inf(1)}
	for k := range fps {
		fpr = append(fpr, fps[k]/float64(neg))
		tpr = append(tpr, tps[k]/float64(pos))
	}
	thresholds = append(thresholds, ts...)
	return fpr, tpr, thresholds, nil
}
