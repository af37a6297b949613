package gbt

import (
	"cmp"
	"math"
	"slices"
)

// histBin sums the gradient pairs and counts the rows of one bin.
type histBin struct {
	g, h float64
	n    uint32
	_    uint32
}

// featHist is one feature's histogram: bins 0..254 for values, 255 for
// missing ones. A fixed-size array indexed by the uint8 bin needs no bounds
// check in the hot loop.
type featHist [256]histBin

// gradPair is one row's gradient and hessian. float32, as XGBoost keeps
// them, halves the memory traffic of histogram building; the histograms
// sum them in float64.
type gradPair struct{ g, h float32 }

// stats are the sums over a set of rows.
type stats struct {
	g, h float64
	n    int
}

func (s stats) sub(o stats) stats { return stats{s.g - o.g, s.h - o.h, s.n - o.n} }
func (s stats) add(o stats) stats { return stats{s.g + o.g, s.h + o.h, s.n + o.n} }

func binStats(b *histBin) stats { return stats{b.g, b.h, int(b.n)} }

// accumulate adds the rows' gradient pairs into hist, one bin per feature
// per row. bins is the row-major binned matrix with d columns.
func accumulate(hist []featHist, bins []uint8, d int, rows []uint32, gh []gradPair) {
	hist = hist[:d]
	for _, r := range rows {
		p := gh[r]
		g, h := float64(p.g), float64(p.h)
		off := int(r) * d
		row := bins[off : off+d : off+d]
		hs := hist[:len(row)]
		for f, b := range row {
			e := &hs[f][b]
			e.g += g
			e.h += h
			e.n++
		}
	}
}

// addHist adds src into dst.
func addHist(dst, src []featHist) {
	for f := range dst {
		d, s := &dst[f], &src[f]
		for b := range d {
			d[b].g += s[b].g
			d[b].h += s[b].h
			d[b].n += s[b].n
		}
	}
}

// subHist turns parent into parent-small: the histogram of small's sibling.
func subHist(parent, small []featHist) {
	for f := range parent {
		p, s := &parent[f], &small[f]
		for b := range p {
			p[b].g -= s[b].g
			p[b].h -= s[b].h
			p[b].n -= s[b].n
		}
	}
}

// split is the best split found for a node.
type split struct {
	gain        float64 // loss reduction, XGBoost's loss_chg: the sum of the children's G²/(H+λ) less the parent's
	feature     int
	bin         uint8 // rows with bin <= this go left (missing: per defaultLeft)
	defaultLeft bool
	left        stats
	ok          bool
	// categorical: the bins (category codes) in cats go right, the
	// others left; bin is unused.
	categorical bool
	cats        [8]uint32
}

// leftBins sets left[b] for every bin b the split sends left: the
// missing bin by its default direction, a categorical split's bins not in
// its set, a numeric split's up to its threshold bin. Partitioning then
// looks each row's bin up, whatever the kind of split.
func (sp *split) leftBins(left *[256]bool) {
	for b := range left {
		switch {
		case b == missingBin:
			left[b] = sp.defaultLeft
		case sp.categorical:
			left[b] = sp.cats[b>>5]>>(b&31)&1 == 0
		default:
			left[b] = b <= int(sp.bin)
		}
	}
}

// splitRules are the constraints a split must meet.
type splitRules struct {
	lambda         float64
	minSamplesLeaf int
	minChildWeight float64
	minSplitLoss   float64
	// nCat is each feature's number of categories (0: numeric), nil when
	// none is categorical; categorical splits are one-hot below
	// onehotBelow categories, else partitions scanning at most
	// catThreshold categories from either end.
	nCat                      []int
	onehotBelow, catThreshold int
}

// score is G²/(H+λ), or 0 when H+λ is not above 0, where it is undefined
// (XGBoost's is 0 there too).
func (r *splitRules) score(s stats) float64 {
	den := s.h + r.lambda
	if !(den > 0) {
		return 0
	}
	return s.g * s.g / den
}

func (r *splitRules) valid(s stats) bool {
	return s.n >= r.minSamplesLeaf && s.h >= r.minChildWeight
}

// minGain is the smallest loss reduction worth a split, as XGBoost's
// kRtEps: below it a "gain" is rounding noise.
const minGain = 1e-6

// bestSplit finds the split of largest gain over features [f0, f1) of a
// node with the given totals and histogram; nBins[f] is feature f's number
// of value bins. Ties keep the first found (lowest feature, then bin), so
// training is deterministic.
func (r *splitRules) bestSplit(hist []featHist, total stats, nBins []int, f0, f1 int) split {
	best := split{gain: math.Max(r.minSplitLoss, minGain)}
	parent := r.score(total)
	for f := f0; f < f1; f++ {
		h := &hist[f]
		if r.nCat != nil && r.nCat[f] > 0 {
			r.bestCatSplit(h, total, parent, f, r.nCat[f], &best)
			continue
		}
		miss := binStats(&h[missingBin])
		nb := nBins[f]
		last := nb - 2 // the last threshold leaving a value bin on the right
		if miss.n > 0 {
			last = nb - 1 // values left, missing right: also a split
		}
		var left stats
		for t := 0; t <= last; t++ {
			left = left.add(binStats(&h[t]))
			right := total.sub(left)
			if left.n == 0 {
				continue
			}
			if r.valid(left) && r.valid(right) {
				if g := r.score(left) + r.score(right) - parent; g > best.gain {
					// Missing values go right here; with none seen in this
					// node they go to the larger child, as scikit-learn's.
					dl := miss.n == 0 && left.n >= right.n
					best = split{gain: g, feature: f, bin: uint8(t), defaultLeft: dl, left: left, ok: true}
				}
			}
			if miss.n > 0 && t < nb-1 {
				l2 := left.add(miss)
				r2 := total.sub(l2)
				if r.valid(l2) && r.valid(r2) {
					if g := r.score(l2) + r.score(r2) - parent; g > best.gain {
						best = split{gain: g, feature: f, bin: uint8(t), defaultLeft: true, left: l2, ok: true}
					}
				}
			}
			if right.n == 0 {
				break
			}
		}
	}
	return best
}

// bestCatSplit replaces best with a better split of categorical feature f
// (nc categories, bins 0..nc-1), as XGBoost's hist evaluator finds them:
// with fewer than onehotBelow categories, each category alone against the
// rest, missing values with the rest and then with it
// (EnumerateOneHot); otherwise the categories sorted (stably) by their
// Newton step, and every partition into a first part, which goes right,
// and the rest: growing the first part from the start with missing values
// left, then shrinking it from the end with them right, at most
// catThreshold categories each way (EnumeratePart).
func (r *splitRules) bestCatSplit(h *featHist, total stats, parent float64, f, nc int, best *split) {
	miss := binStats(&h[missingBin])
	try := func(left, right stats, defaultLeft bool) bool {
		if left.n == 0 || right.n == 0 || !r.valid(left) || !r.valid(right) {
			return false
		}
		g := r.score(left) + r.score(right) - parent
		if !(g > best.gain) {
			return false
		}
		*best = split{gain: g, feature: f, defaultLeft: defaultLeft, left: left, ok: true, categorical: true}
		return true
	}
	if nc < r.onehotBelow {
		for c := range nc {
			one := binStats(&h[c])
			if try(total.sub(one), one, true) {
				best.cats[c>>5] |= 1 << (c & 31)
			}
			if try(total.sub(one.add(miss)), one.add(miss), false) {
				best.cats[c>>5] |= 1 << (c & 31)
			}
		}
		return
	}
	// XGBoost's CalcWeight: 0 where the hessian is below MinChildWeight.
	var weight [MaxCategories]float64
	var order [MaxCategories]uint8
	for c := range nc {
		order[c] = uint8(c)
		if s := binStats(&h[c]); s.h >= r.minChildWeight && s.h > 0 {
			weight[c] = -s.g / (s.h + r.lambda)
		}
	}
	sorted := order[:nc]
	slices.SortStableFunc(sorted, func(a, b uint8) int { return cmp.Compare(weight[a], weight[b]) })
	setFirst := func(k int) {
		for _, c := range sorted[:k] {
			best.cats[c>>5] |= 1 << (c & 31)
		}
	}
	nb := min(r.catThreshold, nc)
	var right stats
	for j := 0; j < nb-1; j++ { // missing values left
		right = right.add(binStats(&h[sorted[j]]))
		if try(total.sub(right), right, true) {
			setFirst(j + 1)
		}
	}
	var left stats
	for j := nc - 1; j > nc-nb; j-- { // missing values right
		left = left.add(binStats(&h[sorted[j]]))
		if try(left, total.sub(left), false) {
			setFirst(j)
		}
	}
}

// histTotal is the totals over all of a histogram's bins of feature 0.
func histTotal(hist []featHist) stats {
	var s stats
	for b := range hist[0] {
		s = s.add(binStats(&hist[0][b]))
	}
	return s
}
