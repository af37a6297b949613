package gbt

import (
	"cmp"
	"slices"
)

// AbsoluteError's leaves, as XGBoost's "adaptive" objectives set them
// (UpdateTreeLeaf in src/objective/adaptive.cc): the gradients sign(m−y)
// only say which way each row's residual lies, so a Newton step from them
// would move every leaf by about ±1 whatever the residuals' size. The tree
// is grown on them to find where the residuals differ; then each leaf's
// value becomes the median of its rows' residuals y−m, the constant that
// minimises their absolute error, times the learning rate.
//
// The arithmetic follows XGBoost's, which keeps labels, weights, margins and
// residuals in float32: medians of ties and of rows whose residual is
// exactly 0 (after a step of learning rate 1, the median row's) would
// otherwise come out an ulp apart and send the next tree's gradients
// another way. So the training margins of an adaptive fit are kept as
// float32 sums (addMargin), as XGBoost's prediction cache is.

// median32 is XGBoost's common::Quantile at alpha 0.5 (stats.h): the middle
// value of v, or for an even count the two middle values' mean, taken as
// v0 + 0.5·(v1 − v0) with the difference in float32. It sorts v.
func median32(v []float32) float32 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	v0, v1 := v[n/2-1], v[n/2]
	return float32(float64(v0) + 0.5*float64(v1-v0))
}

// weightedMedian32 is XGBoost's common::WeightedQuantile at alpha 0.5: the
// smallest value of v at which the float32 running sum of the weights, in
// the values' stable order, reaches half their float32 total. It is not
// interpolated, so rows that all weigh 1 can give another median than no
// weights do (an even count: the lower middle value, not the mean of the
// two), as in XGBoost.
func weightedMedian32(v, w []float32) float32 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	cdf := make([]float32, len(v))
	var run float32
	for k, i := range idx {
		run += w[i]
		cdf[k] = run
	}
	thresh := float32(float64(run) * 0.5)
	k, _ := slices.BinarySearch(cdf, thresh) // the first cdf ≥ thresh
	return v[idx[min(k, len(v)-1)]]
}

// medianBase is AbsoluteError's starting margin, XGBoost's
// MeanAbsoluteError::InitEstimation: the labels' (weighted) median, as
// float32, passed through its round trip to a weighted sum and back
// (median·W stored as float32, then divided by W), which can move it an
// ulp.
func (t *trainer) medianBase() float64 {
	labels := make([]float32, len(t.y))
	for i, v := range t.y {
		labels[i] = float32(v)
	}
	var med float32
	var total float64
	if t.w == nil {
		med, total = median32(labels), float64(len(labels))
	} else {
		w := make([]float32, len(t.w))
		for i, v := range t.w {
			w[i] = float32(v)
			total += float64(w[i])
		}
		med = weightedMedian32(labels, w)
	}
	base := float32(float64(float32(float64(med)*total)) / total)
	if isNaN32(base) || isInf32(base) { // median·W beyond float32: keep the median
		base = med
	}
	return float64(base)
}

// adaptLeaves sets every leaf of the tree just grown to the median residual
// y − m of its rows, times the learning rate, before its values are added
// to the margins. As XGBoost, rows whose hessian is 0 (weighing 0) are left
// out, and a leaf with no other rows keeps its Newton step.
func (t *trainer) adaptLeaves(leaves []leafSpan) {
	errs := make([]error, len(leaves))
	runTasks(len(leaves), t.threads, func(i int) {
		l := &leaves[i]
		var res, w []float32
		for _, r := range t.rows[l.begin:l.end] {
			if t.gh[r].h == 0 {
				continue
			}
			res = append(res, float32(t.y[r])-float32(t.raw[r]))
			if t.w != nil {
				w = append(w, float32(t.w[r]))
			}
		}
		if len(res) == 0 {
			return
		}
		var q float32
		if t.w == nil {
			q = median32(res)
		} else {
			q = weightedMedian32(res, w)
		}
		v := float32(float64(q) * t.lr)
		if isNaN32(v) || isInf32(v) {
			// Labels and margins more than float32's range apart, or a
			// huge learning rate.
			var g, h float64
			for _, r := range t.rows[l.begin:l.end] {
				g, h = g+float64(t.gh[r].g), h+float64(t.gh[r].h)
			}
			errs[i] = &OverflowError{Round: t.round + 1, Step: float64(q), LearningRate: t.lr, G: g, H: h}
			return
		}
		t.ens.nodes[l.id].Threshold = v
		l.value = float64(v)
	})
	if t.err == nil {
		for _, err := range errs {
			if err != nil {
				t.err = err
				break
			}
		}
	}
}
