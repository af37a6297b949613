package gbt

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"

	"github.com/emberml/ember/tabular"
)

// missingBin is the bin of a missing (NaN) value, whatever the feature's
// number of bins: values use bins 0..254, so the feature matrix fits in
// one byte per value.
const missingBin = 255

// MaxBins is the most value bins a feature can have (one byte per value,
// one code kept for missing values), as scikit-learn's max_bins.
const MaxBins = 255

// binSampleRows is how many rows the bin boundaries are computed from, as
// scikit-learn's subsample=2e5: exact quantiles of more rows change the
// boundaries by less than the sampling error of the rows themselves.
const binSampleRows = 200_000

// binMapper holds each feature's bin boundaries ("cuts"). A value v falls
// in bin k when cuts[k-1] <= v < cuts[k]: k is the number of cuts at or
// below v. So "bin <= t" is exactly "v < cuts[t]", the comparison XGBoost
// trees make, and a split found on bins has a float threshold that routes
// every training value the same way.
type binMapper struct {
	cuts [][]float32
	// nCat is each categorical feature's number of categories, whose
	// codes are their bins (0 for a numeric feature); nil when none is.
	nCat []int
	// lower and upper are, with BinningXGBoost, each feature's XGBoost
	// minimum value and last cut: below and above every training value,
	// the thresholds XGBoost gives a split sending every value right or
	// left (nil otherwise: −Inf and +Inf).
	lower, upper []float32
}

// Binning is how Fit cuts each feature's values into bins.
type Binning string

// The binnings.
const (
	// BinningSklearn is scikit-learn's HistGradientBoosting binning: the
	// midpoints between distinct values when a feature has at most
	// MaxBins of them, else midpoint quantiles of up to 200,000 rows.
	BinningSklearn Binning = "sklearn"
	// BinningXGBoost is XGBoost 1.7's hist binning: the cuts of its
	// weighted quantile sketch of every row (weighted by the sample
	// weights), bit for bit; MaxBins is then XGBoost's max_bin.
	BinningXGBoost Binning = "xgboost"
)

var binnings = []Binning{BinningSklearn, BinningXGBoost}

// unseenBin is a categorical feature's bin for a code past the largest
// training one (or a negative or huge one): in no split's set of categories.
const unseenBin = MaxCategories

// newBinMapperFor is the binning m selects: newBinMapper or, with
// BinningXGBoost, newXGBBinMapper weighted by the sample weights w.
func newBinMapperFor(m *Model, X *tabular.Matrix, w []float64, threads int, nCat []int) *binMapper {
	if m.Binning == BinningXGBoost {
		return newXGBBinMapper(X, w, m.MaxBins, threads, nCat)
	}
	return newBinMapper(X, m.MaxBins, m.Seed, threads, nCat)
}

// newBinMapper computes at most maxBins-1 cuts per feature from (a sample
// of) the rows: the midpoints between consecutive distinct values when a
// feature has at most maxBins of them, else midpoint quantiles at
// 1/maxBins, 2/maxBins, …, as scikit-learn's _find_binning_thresholds.
func newBinMapper(X *tabular.Matrix, maxBins int, seed uint64, threads int, nCat []int) *binMapper {
	rows := sampleRows(X.Rows, binSampleRows, seed)
	bm := &binMapper{cuts: make([][]float32, X.Cols), nCat: nCat}
	parallel(X.Cols, threads, func(lo, hi int) {
		col := make([]float32, 0, len(rows))
		for j := lo; j < hi; j++ {
			if nCat != nil && nCat[j] > 0 {
				continue // its codes are its bins
			}
			col = col[:0]
			for _, i := range rows {
				if v := X.Data[i*X.Cols+j]; v == v {
					col = append(col, v)
				}
			}
			bm.cuts[j] = featureCuts(col, maxBins)
		}
	})
	return bm
}

// sampleRows returns all row indices when n <= max, else max of them
// chosen without replacement, in ascending order.
func sampleRows(n, max int, seed uint64) []int {
	if n <= max {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	r := rand.New(rand.NewPCG(seed, 0xb1a5))
	idx := r.Perm(n)[:max]
	slices.Sort(idx)
	return idx
}

// featureCuts computes one feature's cuts from its non-missing values
// (reordered in place).
func featureCuts(col []float32, maxBins int) []float32 {
	if len(col) == 0 {
		return nil
	}
	slices.Sort(col)
	distinct := slices.Compact(slices.Clone(col))
	var cuts []float32
	if len(distinct) <= maxBins {
		cuts = make([]float32, 0, len(distinct)-1)
		for k := 1; k < len(distinct); k++ {
			cuts = append(cuts, cutBetween(distinct[k-1], distinct[k]))
		}
		return cuts
	}
	n := len(col)
	for k := 1; k < maxBins; k++ {
		// numpy's percentile(method="midpoint") at 100·k/maxBins.
		pos := float64(k) / float64(maxBins) * float64(n-1)
		lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
		a, b := col[lo], col[hi]
		var c float32
		if a == b {
			// The quantile sits on a repeated value: cut just above it so
			// that the value and everything below share a bin.
			c = math.Nextafter32(a, float32(math.Inf(1)))
		} else {
			c = cutBetween(a, b)
		}
		if len(cuts) == 0 || c > cuts[len(cuts)-1] {
			cuts = append(cuts, c)
		}
	}
	// The largest value must not be cut off alone above the last cut when
	// the cut is past it (a cut above the maximum separates nothing).
	for len(cuts) > 0 && cuts[len(cuts)-1] > col[n-1] {
		cuts = cuts[:len(cuts)-1]
	}
	return cuts
}

// cutBetween is a cut c with a < c <= b: their midpoint, computed in
// float64, nudged up when rounding to float32 lands it on a.
func cutBetween(a, b float32) float32 {
	c := float32((float64(a) + float64(b)) / 2)
	if c <= a {
		c = math.Nextafter32(a, float32(math.Inf(1)))
	}
	if c > b {
		c = b
	}
	return c
}

// splitBounds are the thresholds of a split of feature j sending every
// value right (lo) and every value left (hi).
func (bm *binMapper) splitBounds(j int) (lo, hi float32) {
	if bm.lower == nil {
		return float32(math.Inf(-1)), float32(math.Inf(1))
	}
	return bm.lower[j], bm.upper[j]
}

// bin is the bin of v for feature j.
func (bm *binMapper) bin(j int, v float32) uint8 {
	if v != v {
		return missingBin
	}
	cuts := bm.cuts[j]
	// Number of cuts <= v.
	return uint8(sort.Search(len(cuts), func(k int) bool { return cuts[k] > v }))
}

// nBins is the number of value bins of feature j (missing not counted).
func (bm *binMapper) nBins(j int) int {
	if bm.nCat != nil && bm.nCat[j] > 0 {
		return bm.nCat[j]
	}
	return len(bm.cuts[j]) + 1
}

// catBin is a categorical feature's bin for v: the category code itself
// (truncated, as prediction reads it), unseenBin for a code past the
// training rows' or a negative one, missingBin for NaN.
func catBin(nCat int, v float32) uint8 {
	switch {
	case v != v:
		return missingBin
	case v >= 0 && v < float32(nCat):
		return uint8(v)
	}
	return unseenBin
}

// binAll bins every value of X into a row-major byte matrix.
func (bm *binMapper) binAll(X *tabular.Matrix, threads int) []uint8 {
	out := make([]uint8, len(X.Data))
	d := X.Cols
	parallel(X.Rows, threads, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := X.Data[i*d : (i+1)*d]
			dst := out[i*d : (i+1)*d]
			for j, v := range row {
				dst[j] = bm.binFast(j, v)
			}
		}
	})
	return out
}

// binFast is bin with a branch-free binary search (binning a large table
// is a measurable part of training, and the branches of an ordinary search
// mispredict about every other step).
func (bm *binMapper) binFast(j int, v float32) uint8 {
	if bm.nCat != nil && bm.nCat[j] > 0 {
		return catBin(bm.nCat[j], v)
	}
	if v != v {
		return missingBin
	}
	cuts := bm.cuts[j]
	// Count the cuts <= v. Invariant: every cut before base is <= v, and
	// the count is in [base, base+n]; each step halves n with one
	// conditional move (the comparison is random, a branch would
	// mispredict every other step).
	base, n := 0, len(cuts)
	for n > 1 {
		half := n >> 1
		if cuts[base+half-1] <= v {
			base += half
		}
		n -= half
	}
	if n == 1 && cuts[base] <= v {
		base++
	}
	return uint8(base)
}

// parallel runs fn over [0, n) split into one contiguous range per thread
// and waits for all of them.
func parallel(n, threads int, fn func(lo, hi int)) {
	if threads <= 1 || n < 2 {
		fn(0, n)
		return
	}
	parts := min(threads, n)
	chunk := (n + parts - 1) / parts
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo int) {
			defer wg.Done()
			fn(lo, min(lo+chunk, n))
		}(lo)
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
