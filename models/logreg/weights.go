package logreg

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// checkWeights finds the first sample weight that is negative, NaN or
// infinite.
func checkWeights(w []float64) error {
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 1) {
			return fmt.Errorf("sampleWeight[%d] is %v; sample weights must be finite and non-negative", i, v)
		}
	}
	return nil
}

// sampleClassWeights returns each sample's weight times its class's weight
// (ClassWeight, or BalancedClassWeight when the fit is a softmax: a
// sigmoid per class balances with balanceBinary instead), as sklearn's
// _logistic_regression_path multiplies them; nil when neither weighs
// anything. classes are the sorted labels and idx each sample's index
// into them. It refuses ClassWeight labels that are not classes, and
// weights that leave fewer than two classes with weighted samples (the
// fit would push an intercept to infinity) or that sum beyond float64.
func (m *Model) sampleClassWeights(sampleWeight []float64, classes, idx []int, ovr bool) ([]float64, error) {
	for _, label := range slices.Sorted(maps.Keys(m.ClassWeight)) {
		if _, ok := slices.BinarySearch(classes, label); !ok {
			return nil, fmt.Errorf("ClassWeight has a weight for label %d, which y does not contain (its classes are %v)", label, classes)
		}
	}
	balanced := m.BalancedClassWeight && !ovr
	if sampleWeight == nil && m.ClassWeight == nil && !balanced {
		return nil, nil
	}
	n, k := len(idx), len(classes)
	cw := make([]float64, k)
	for c := range cw {
		cw[c] = 1
	}
	switch {
	case balanced:
		// n_samples / (n_classes * bincount(y)), every sample counted.
		count := make([]int, k)
		for _, c := range idx {
			count[c]++
		}
		for c := range cw {
			cw[c] = float64(n) / (float64(k) * float64(count[c]))
		}
	case m.ClassWeight != nil:
		for c, label := range classes {
			if v, ok := m.ClassWeight[label]; ok {
				cw[c] = v
			}
		}
	}
	w := make([]float64, n)
	for i, c := range idx {
		w[i] = cw[c]
		if sampleWeight != nil {
			w[i] = sampleWeight[i] * cw[c]
		}
	}

	total := make([]float64, k)
	var sum float64
	for i, c := range idx {
		total[c] += w[i]
		sum += w[i]
	}
	var weighted []int
	for c, t := range total {
		if t > 0 {
			weighted = append(weighted, classes[c])
		}
	}
	switch {
	case math.IsInf(sum, 1):
		return nil, fmt.Errorf("the sample weights (times the class weights) sum beyond float64's range; scale them down")
	case len(weighted) == 0:
		return nil, fmt.Errorf("every sample weighs 0 (its sample weight times its class's weight)")
	case len(weighted) == 1:
		return nil, fmt.Errorf("only the samples of class %d weigh more than 0 (sample weight times class weight); logistic regression needs two classes of weighted samples", weighted[0])
	}
	return w, nil
}

// balanceBinary is class_weight="balanced" for one sigmoid's fit of yc
// (0/1): each side weighs n/(2·count), counting every sample, times base
// (nil: 1), as sklearn balances each one-vs-rest problem.
func balanceBinary(base []float64, yc []int) []float64 {
	n := len(yc)
	var pos int
	for _, v := range yc {
		pos += v
	}
	cw := [2]float64{float64(n) / (2 * float64(n-pos)), float64(n) / (2 * float64(pos))}
	w := make([]float64, n)
	for i, v := range yc {
		w[i] = cw[v]
		if base != nil {
			w[i] = base[i] * cw[v]
		}
	}
	return w
}
