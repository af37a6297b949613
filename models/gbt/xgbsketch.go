package gbt

import (
	"math"

	"github.com/emberml/ember/tabular"
)

// This file computes XGBoost 1.7's hist cuts (BinningXGBoost): what
// SketchOnDMatrix does for tree_method "hist" on an in-memory DMatrix,
// one HostSketchContainer per fit. Each feature's non-missing values go,
// in row order with their sample weights (not hessians: hist passes none),
// into a WQuantileSketch<float, float> (weighted quantile summaries of
// entries {rmin, rmax, wmin, value}, merged and pruned level by level,
// src/common/quantile.h); the summary is pruned to max_bin·8 entries
// (SketchContainerImpl::AllReduce, kFactor), then to max_bin+1, and
// entries 1 to max_bin−1 of that, deduplicated, are the cuts
// (AddCutPoint); the smallest value is no cut (it starts bin 0) and a last
// cut above the largest value closes the top bin (MakeCuts). All rank
// arithmetic is float32, as XGBoost's RType, in XGBoost's order of
// operations; equal values' weights are summed in the order libstdc++'s
// std::sort leaves them (xgbSort), which is what makes weighted sums
// bit-identical. Each feature's sketch is filled by one thread in row
// order, so XGBoost's cuts do not depend on its nthread, nor do these on
// Threads.

// wqEntry is an entry of a weighted quantile summary (WQSummary::Entry):
// value's rank lies in [rmin, rmax] and its own weight is wmin.
type wqEntry struct{ rmin, rmax, wmin, value float32 }

// rminNext is the smallest rank of a value just above e's.
func (e wqEntry) rminNext() float32 { return e.rmin + e.wmin }

// rmaxPrev is the largest rank of a value just below e's.
func (e wqEntry) rmaxPrev() float32 { return e.rmax - e.wmin }

// qEntry is a value waiting in the sketch's input queue with its weight.
type qEntry struct{ value, weight float32 }

// wqSketch is XGBoost's QuantileSketchTemplate with WQSummary for one
// feature.
type wqSketch struct {
	limit  int      // limit_size: entries per level
	queue  []qEntry // inqueue.queue; len is its size, qtail its fill
	qtail  int
	levels [][]wqEntry // level[0] is scratch; nil until the first flush
	temp   []wqEntry
}

// newWQSketch is HostSketchContainer's Init of a feature with n
// non-missing values, at most maxBin bins.
func newWQSketch(n, maxBin int) *wqSketch {
	nBins := max(min(maxBin, n), 1)
	// eps = 1.0 / (static_cast<float>(n_bins) * kFactor): the product in
	// float32, the division in float64.
	eps := 1.0 / float64(float32(nBins)*8)
	limit := 0
	for nlevel := 1; ; nlevel++ { // LimitSizeLevel
		limit = min(n, int(math.Ceil(float64(nlevel)/eps))+1)
		if (1<<nlevel)*limit >= n {
			break
		}
	}
	return &wqSketch{limit: limit, queue: make([]qEntry, 2*limit)}
}

// push adds value x of weight w (WQuantileSketch::Push).
func (s *wqSketch) push(x, w float32) {
	if w == 0 {
		return
	}
	if s.qtail == len(s.queue) && s.queue[s.qtail-1].value != x {
		s.temp = makeWQSummary(s.temp[:0], s.queue[:s.qtail])
		s.qtail = 0
		s.pushTemp()
	}
	if s.qtail == 0 || s.queue[s.qtail-1].value != x {
		s.queue[s.qtail] = qEntry{x, w}
		s.qtail++
	} else {
		s.queue[s.qtail-1].weight += w
	}
}

// pushTemp merges the summary in temp into the levels, carrying upwards
// while a merged level outgrows limit (PushTemp).
func (s *wqSketch) pushTemp() {
	for l := 1; ; l++ {
		for len(s.levels) < l+1 { // InitLevel(l + 1)
			s.levels = append(s.levels, make([]wqEntry, 0, s.limit))
		}
		if len(s.levels[l]) == 0 {
			s.levels[l] = wqPrune(s.levels[l], s.temp, s.limit)
			return
		}
		s.levels[0] = wqPrune(s.levels[0], s.temp, s.limit)
		s.temp = wqCombine(s.temp[:0], s.levels[0], s.levels[l])
		if len(s.temp) <= s.limit {
			s.levels[l] = append(s.levels[l][:0], s.temp...)
			return
		}
		s.levels[l] = s.levels[l][:0]
	}
}

// summary is the sketch's final summary (GetSummary).
func (s *wqSketch) summary() []wqEntry {
	out := makeWQSummary(nil, s.queue[:s.qtail])
	if len(s.levels) == 0 {
		if len(out) > s.limit {
			out = wqPrune(nil, out, s.limit)
		}
		return out
	}
	l0 := wqPrune(s.levels[0], out, s.limit)
	for _, lv := range s.levels[1:] {
		if len(lv) == 0 {
			continue
		}
		if len(l0) == 0 {
			l0 = append(l0, lv...)
			continue
		}
		out = wqCombine(out[:0], l0, lv)
		l0 = wqPrune(l0, out, s.limit)
	}
	return l0
}

// makeWQSummary sorts the queue by value and appends one entry per
// distinct value, its weight the sum of its copies' (Queue::MakeSummary).
func makeWQSummary(dst []wqEntry, q []qEntry) []wqEntry {
	xgbSort(q)
	var wsum float32
	for i := 0; i < len(q); {
		j := i + 1
		w := q[i].weight
		for j < len(q) && q[j].value == q[i].value {
			w += q[j].weight
			j++
		}
		dst = append(dst, wqEntry{wsum, wsum + w, w, q[i].value})
		wsum += w
		i = j
	}
	return dst
}

// wqPrune sets dst (reused) to src pruned to at most maxSize entries at
// evenly spaced ranks, the first and last kept (WQSummary::SetPrune).
func wqPrune(dst, src []wqEntry, maxSize int) []wqEntry {
	dst = dst[:0]
	if len(src) <= maxSize {
		return append(dst, src...)
	}
	begin := src[0].rmax
	rng := src[len(src)-1].rmin - src[0].rmax
	n := maxSize - 1
	dst = append(dst, src[0])
	i, last := 1, 0
	for k := 1; k < n; k++ {
		// 2 * ((k * range) / n + begin), each step rounded to float32.
		dx2 := 2 * (float32(float32(k)*rng)/float32(n) + begin)
		for i < len(src)-1 && dx2 >= src[i+1].rmax+src[i+1].rmin {
			i++
		}
		if i == len(src)-1 {
			break
		}
		if dx2 < src[i].rminNext()+src[i+1].rmaxPrev() {
			if i != last {
				dst = append(dst, src[i])
				last = i
			}
		} else if i+1 != last {
			dst = append(dst, src[i+1])
			last = i + 1
		}
	}
	if last != len(src)-1 {
		dst = append(dst, src[len(src)-1])
	}
	return dst
}

// wqCombine sets dst (reused, not a or b) to the merged summary of a and
// b, rank bounds repaired as FixError repairs them (WQSummary::SetCombine).
func wqCombine(dst, a, b []wqEntry) []wqEntry {
	dst = dst[:0]
	if len(a) == 0 {
		return append(dst, b...)
	}
	if len(b) == 0 {
		return append(dst, a...)
	}
	var aPrevRmin, bPrevRmin float32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch x, y := a[i], b[j]; {
		case x.value == y.value:
			dst = append(dst, wqEntry{x.rmin + y.rmin, x.rmax + y.rmax, x.wmin + y.wmin, x.value})
			aPrevRmin, bPrevRmin = x.rminNext(), y.rminNext()
			i++
			j++
		case x.value < y.value:
			dst = append(dst, wqEntry{x.rmin + bPrevRmin, x.rmax + y.rmaxPrev(), x.wmin, x.value})
			aPrevRmin = x.rminNext()
			i++
		default:
			dst = append(dst, wqEntry{y.rmin + aPrevRmin, y.rmax + x.rmaxPrev(), y.wmin, y.value})
			bPrevRmin = y.rminNext()
			j++
		}
	}
	if i < len(a) {
		bRmax := b[len(b)-1].rmax
		for _, x := range a[i:] {
			dst = append(dst, wqEntry{x.rmin + bPrevRmin, x.rmax + bRmax, x.wmin, x.value})
		}
	}
	if j < len(b) {
		aRmax := a[len(a)-1].rmax
		for _, y := range b[j:] {
			dst = append(dst, wqEntry{y.rmin + aPrevRmin, y.rmax + aRmax, y.wmin, y.value})
		}
	}
	// FixError: rmin and rmax non-decreasing, rmax >= rmin + wmin.
	var prevRmin, prevRmax float32
	for k := range dst {
		e := &dst[k]
		if e.rmin < prevRmin {
			e.rmin = prevRmin
		} else {
			prevRmin = e.rmin
		}
		if e.rmax < prevRmax {
			e.rmax = prevRmax
		}
		if next := e.rminNext(); e.rmax < next {
			e.rmax = next
		}
		prevRmax = e.rmax
	}
	return dst
}

// xgbFeature is one feature's XGBoost cuts: the cuts between its bins,
// lower, XGBoost's minimum value (the threshold of a split sending every
// value right, missing ones left) and upper, its last cut, above every
// value (the threshold of one sending every value left).
type xgbFeature struct {
	cuts         []float32
	lower, upper float32
}

// xgbFeatureCuts computes one feature's cuts from its non-missing values
// in row order and their weights (nil: all 1), at most maxBin bins
// (XGBoost's max_bin: cuts plus one).
func xgbFeatureCuts(vals, w []float32, maxBin int) xgbFeature {
	n := len(vals) // columns_size_: zero-weight rows counted
	if n == 0 {
		// An empty column: min_vals 1e-5, and its last cut above it.
		const mval = float32(1e-5)
		return xgbFeature{lower: mval, upper: xgbLastCut(mval)}
	}
	s := newWQSketch(n, maxBin)
	for i, v := range vals {
		wi := float32(1)
		if w != nil {
			wi = w[i]
		}
		s.push(v, wi)
	}
	// AllReduce (one worker): prune to max_bin * kFactor entries.
	numCuts := min(n, int(float32(maxBin)*8))
	reduced := wqPrune(nil, s.summary(), numCuts)
	// MakeCuts.
	maxNumBins := min(numCuts, maxBin)
	a := wqPrune(nil, reduced, maxNumBins+1)
	var f xgbFeature
	var mval float32 // a feature of zero weights only: XGBoost reads an unset entry
	if len(a) > 0 {
		mval = a[0].value
	}
	// mval - fabs(mval) - 1e-5f: C's fabs, so in float64.
	f.lower = float32(float64(mval) - math.Abs(float64(mval)) - float64(float32(1e-5)))
	for i := 1; i < min(len(a), maxNumBins); i++ { // AddCutPoint
		if c := a[i].value; i == 1 || c > f.cuts[len(f.cuts)-1] {
			f.cuts = append(f.cuts, c)
		}
	}
	top := f.lower
	if len(a) > 0 {
		top = a[len(a)-1].value
	}
	f.upper = xgbLastCut(top)
	return f
}

// xgbLastCut is MakeCuts' last cut above the largest summary value v,
// v + (fabs(v) + 1e-5f): C's fabs, so in float64 (for v < 0 it is about
// 1e-5, not a float32 rounding of |v|).
func xgbLastCut(v float32) float32 {
	return float32(float64(v) + (math.Abs(float64(v)) + float64(float32(1e-5))))
}

// newXGBBinMapper is newBinMapper for BinningXGBoost: every row, weighted
// by w (the sample weights; nil: all 1).
func newXGBBinMapper(X *tabular.Matrix, w []float64, maxBin, threads int, nCat []int) *binMapper {
	bm := &binMapper{
		cuts:  make([][]float32, X.Cols),
		nCat:  nCat,
		lower: make([]float32, X.Cols),
		upper: make([]float32, X.Cols),
	}
	parallel(X.Cols, threads, func(lo, hi int) {
		col := make([]float32, 0, X.Rows)
		var cw []float32
		if w != nil {
			cw = make([]float32, 0, X.Rows)
		}
		for j := lo; j < hi; j++ {
			if nCat != nil && nCat[j] > 0 {
				continue // its codes are its bins
			}
			col = col[:0]
			if cw != nil {
				cw = cw[:0]
			}
			for i := range X.Rows {
				if v := X.Data[i*X.Cols+j]; v == v {
					col = append(col, v)
					if cw != nil {
						cw = append(cw, float32(w[i]))
					}
				}
			}
			f := xgbFeatureCuts(col, cw, maxBin)
			bm.cuts[j], bm.lower[j], bm.upper[j] = f.cuts, f.lower, f.upper
		}
	})
	return bm
}

// xgbSort sorts q by value exactly as libstdc++'s std::sort does
// (introsort: median-of-three quicksort to runs of 16, heapsort past
// 2·log2(n) levels, then insertion sort), so that equal values end in
// the order XGBoost's sketch sums their weights in.
func xgbSort(q []qEntry) {
	if len(q) < 2 {
		return
	}
	lg := 0
	for n := len(q); n > 1; n >>= 1 {
		lg++
	}
	introsortLoop(q, 0, len(q), 2*lg)
	// __final_insertion_sort
	if len(q) > 16 {
		insertionSort(q, 0, 16)
		for i := 16; i < len(q); i++ {
			unguardedLinearInsert(q, i)
		}
	} else {
		insertionSort(q, 0, len(q))
	}
}

func introsortLoop(q []qEntry, first, last, depth int) {
	for last-first > 16 {
		if depth == 0 {
			heapSort(q[first:last])
			return
		}
		depth--
		// __unguarded_partition_pivot
		mid := first + (last-first)/2
		moveMedianToFirst(q, first, first+1, mid, last-1)
		cut := unguardedPartition(q, first+1, last, first)
		introsortLoop(q, cut, last, depth)
		last = cut
	}
}

func moveMedianToFirst(q []qEntry, result, a, b, c int) {
	less := func(i, j int) bool { return q[i].value < q[j].value }
	var m int
	switch {
	case less(a, b):
		switch {
		case less(b, c):
			m = b
		case less(a, c):
			m = c
		default:
			m = a
		}
	case less(a, c):
		m = a
	case less(b, c):
		m = c
	default:
		m = b
	}
	q[result], q[m] = q[m], q[result]
}

func unguardedPartition(q []qEntry, first, last, pivot int) int {
	for {
		for q[first].value < q[pivot].value {
			first++
		}
		last--
		for q[pivot].value < q[last].value {
			last--
		}
		if first >= last {
			return first
		}
		q[first], q[last] = q[last], q[first]
		first++
	}
}

func insertionSort(q []qEntry, first, last int) {
	for i := first + 1; i < last; i++ {
		if q[i].value < q[first].value {
			v := q[i]
			copy(q[first+1:i+1], q[first:i])
			q[first] = v
		} else {
			unguardedLinearInsert(q, i)
		}
	}
}

func unguardedLinearInsert(q []qEntry, last int) {
	v := q[last]
	next := last - 1
	for v.value < q[next].value {
		q[last] = q[next]
		last = next
		next--
	}
	q[last] = v
}

// heapSort is libstdc++'s __partial_sort(first, last, last): make_heap,
// then sort_heap.
func heapSort(q []qEntry) {
	n := len(q)
	if n >= 2 {
		for parent := (n - 2) / 2; ; parent-- {
			adjustHeap(q, parent, n, q[parent])
			if parent == 0 {
				break
			}
		}
	}
	for last := n - 1; last > 0; last-- { // __pop_heap
		v := q[last]
		q[last] = q[0]
		adjustHeap(q, 0, last, v)
	}
}

func adjustHeap(q []qEntry, hole, n int, v qEntry) {
	top, child := hole, hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if q[child].value < q[child-1].value {
			child--
		}
		q[hole] = q[child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		q[hole] = q[child-1]
		hole = child - 1
	}
	// __push_heap
	parent := (hole - 1) / 2
	for hole > top && q[parent].value < v.value {
		q[hole] = q[parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	q[hole] = v
}
