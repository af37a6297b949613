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
	gain    float64 // loss reduction, XGBoost's loss_chg: the children's scores (G²/(H+λ) unregularised) less the parent's
	feature int
	bin     uint8 // rows with bin <= this go left (missing: per defaultLeft)
	// noValueLeft: every value goes right, missing values left (bin is
	// unused), a split XGBoost's backward scan ends with.
	noValueLeft bool
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
			left[b] = !sp.noValueLeft && b <= int(sp.bin)
		}
	}
}

// splitRules are the constraints a split must meet.
type splitRules struct {
	lambda   float64
	alpha    float64 // L1: XGBoost's reg_alpha
	maxDelta float64 // MaxDeltaStep: |leaf weight| bound, 0 for none
	// monotone is each feature's constraint (−1, 0, +1), nil when none is
	// constrained.
	monotone       []int
	minSamplesLeaf int
	minChildWeight float64
	minSplitLoss   float64
	// nCat is each feature's number of categories (0: numeric), nil when
	// none is categorical; categorical splits are one-hot below
	// onehotBelow categories, else partitions scanning at most
	// catThreshold categories from either end.
	nCat                      []int
	onehotBelow, catThreshold int
	// xgbScan scans numeric features in XGBoost's order (bestNumericXGB):
	// the rank objectives', whose rows of gradient 0 make exact ties, and
	// BinningXGBoost's, whose bins of no row of a node do.
	xgbScan bool
}

// bounds are the interval a node's weights are clamped to: the root's
// is everything, and a split on a monotone feature narrows its children's
// at the mean of their two weights (XGBoost's TreeEvaluator.AddSplit).
type bounds struct{ lo, hi float64 }

// noBounds is the root's, XGBoost's ±float32 max.
var noBounds = bounds{-math.MaxFloat32, math.MaxFloat32}

// thresholdL1 is XGBoost's ThresholdL1: g moved alpha towards 0, and 0
// within alpha of it.
func thresholdL1(g, alpha float64) float64 {
	switch {
	case g > alpha:
		return g - alpha
	case g < -alpha:
		return g + alpha
	}
	return 0
}

// plain is whether gains are XGBoost's closed form T(G)²/(H+λ): with
// neither MaxDeltaStep nor monotone constraints, where XGBoost's
// evaluator takes it; otherwise they come from the (clamped) weight.
func (r *splitRules) plain() bool { return r.maxDelta == 0 && r.monotone == nil }

// weight is XGBoost's CalcWeight: the Newton step −T(G)/(H+λ) with L1's
// threshold T, clamped to ±maxDelta; 0 when H+λ is not above 0, where
// the step is undefined.
func (r *splitRules) weight(s stats) float64 {
	den := s.h + r.lambda
	if !(den > 0) {
		return 0
	}
	w := -thresholdL1(s.g, r.alpha) / den
	if r.maxDelta != 0 && math.Abs(w) > r.maxDelta {
		w = math.Copysign(r.maxDelta, w)
	}
	return w
}

// boundedWeight is weight clamped to b, as float32 as XGBoost's
// evaluator keeps it (its monotone comparisons and bounds are float32).
func (r *splitRules) boundedWeight(s stats, b bounds) float64 {
	w := r.weight(s)
	if r.plain() {
		return w
	}
	return min(max(float64(float32(w)), b.lo), b.hi)
}

// score is the loss reduction of a node's weight against none: the
// closed form T(G)²/(H+λ) (G²/(H+λ) without L1) when plain, else, as
// XGBoost's CalcGainGivenWeight, −(2Gw + (H+λ)w²) at the weight w
// clamped to ±MaxDeltaStep and the node's bounds (which, as XGBoost's
// evaluator, leaves out L1's α|w|). 0 when H+λ is not above 0, where it
// is undefined (XGBoost's is 0 there too).
//
// That form is taken in float32, as XGBoost takes it: where a split's
// children are clamped to one weight its gain is 0 but for float32
// rounding, which XGBoost may find above its 1e-6 floor and split on,
// and the trees are only XGBoost's if they split there too. (The closed
// form, which has no such cancellation, stays float64.)
func (r *splitRules) score(s stats, b bounds) float64 {
	den := s.h + r.lambda
	if !(den > 0) {
		return 0
	}
	if r.plain() {
		return r.plainScore(s)
	}
	return float64(r.score32(s, b))
}

// score32 is score's −(2Gw + (H+λ)w²) in float32, each step rounded
// (the conversions keep the compiler from fusing them).
func (r *splitRules) score32(s stats, b bounds) float32 {
	if !(s.h+r.lambda > 0) {
		return 0
	}
	w := float32(r.boundedWeight(s, b))
	g, h, lambda := float32(s.g), float32(s.h), float32(r.lambda)
	a := float32(float32(2*g) * w)
	c := float32(float32(h+lambda) * float32(w*w))
	return -(a + c)
}

// plainScore is score when plain, small enough for the compiler to
// inline in bestSplit's scan, which it dominates: there a call per
// threshold made default fits 5-8% slower.
func (r *splitRules) plainScore(s stats) float64 {
	den := s.h + r.lambda
	if !(den > 0) {
		return 0
	}
	g := s.g
	if r.alpha != 0 {
		g = thresholdL1(g, r.alpha)
	}
	return g * g / den
}

// xgbScore is plainScore as XGBoost 1.7's evaluator takes it
// (CalcGainGivenWeight without MaxDeltaStep or constraints): the float64
// sums' T(G)² and H+λ rounded to float32 and divided in float32, with
// λ and α float32 as its parameters are; 0 when H is not above 0.
// Summed and less the parent's in float32 too, its scores give its
// split gains bit for bit.
func (r *splitRules) xgbScore(s stats) float32 {
	if !(s.h > 0) {
		return 0
	}
	g := s.g
	if r.alpha != 0 {
		g = thresholdL1(g, float64(float32(r.alpha)))
	}
	return float32(g*g) / float32(s.h+float64(float32(r.lambda)))
}

// splitGain is the gain of children left and right of a node with
// bounds b and score parent on feature f: −Inf when their weights break
// f's monotone constraint, as XGBoost's CalcSplitGain rejects them.
// bestSplit's scan takes the plain case itself (plainScore).
func (r *splitRules) splitGain(left, right stats, b bounds, parent float64, f int) float64 {
	if r.plain() {
		return r.plainScore(left) + r.plainScore(right) - parent
	}
	if r.monotone != nil && r.monotone[f] != 0 {
		wl, wr := r.boundedWeight(left, b), r.boundedWeight(right, b)
		if (r.monotone[f] > 0 && !(wl <= wr)) || (r.monotone[f] < 0 && !(wl >= wr)) {
			return math.Inf(-1)
		}
	}
	return float64(float32(r.score32(left, b)+r.score32(right, b)) - float32(parent))
}

// childBounds are the bounds of the children of a node with bounds b
// split on feature f into left and right: b, narrowed for a monotone
// feature at the mean of the children's weights (float32, as XGBoost's
// AddSplit takes it), the left child's above it for an increasing
// constraint, below it for a decreasing one.
func (r *splitRules) childBounds(left, right stats, b bounds, f int) (bl, br bounds) {
	bl, br = b, b
	if r.monotone == nil || r.monotone[f] == 0 {
		return bl, br
	}
	wl, wr := float32(r.boundedWeight(left, b)), float32(r.boundedWeight(right, b))
	mid := float64((wl + wr) / 2)
	if r.monotone[f] > 0 {
		bl.hi, br.lo = mid, mid
	} else {
		bl.lo, br.hi = mid, mid
	}
	return bl, br
}

func (r *splitRules) valid(s stats) bool {
	return s.n >= r.minSamplesLeaf && s.h >= r.minChildWeight
}

// minGain is the smallest loss reduction worth a split, as XGBoost's
// kRtEps: below it a "gain" is rounding noise.
const minGain = 1e-6

// bestSplit finds the split of largest gain over features [f0, f1) of a
// node with the given totals, bounds and histogram; nBins[f] is feature
// f's number of value bins. Ties keep the first found (lowest feature, then bin), so
// training is deterministic.
func (r *splitRules) bestSplit(hist []featHist, total stats, b bounds, nBins []int, f0, f1 int) split {
	best := split{gain: math.Max(r.minSplitLoss, minGain)}
	parent := r.score(total, b)
	plain := r.plain()
	for f := f0; f < f1; f++ {
		h := &hist[f]
		if r.nCat != nil && r.nCat[f] > 0 {
			r.bestCatSplit(h, total, b, parent, f, r.nCat[f], &best)
			continue
		}
		if r.xgbScan {
			r.bestNumericXGB(h, total, b, parent, f, nBins[f], &best)
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
				var g float64
				if plain {
					g = r.plainScore(left) + r.plainScore(right) - parent
				} else {
					g = r.splitGain(left, right, b, parent, f)
				}
				if g > best.gain {
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
					var g float64
					if plain {
						g = r.plainScore(l2) + r.plainScore(r2) - parent
					} else {
						g = r.splitGain(l2, r2, b, parent, f)
					}
					if g > best.gain {
						best = split{gain: g, feature: f, bin: uint8(t), defaultLeft: true, left: l2, ok: true}
					}
				}
			}
			if right.n == 0 {
				break
			}
		}
		if miss.n > 0 && miss.n < total.n {
			// Missing values alone left, every value right (XGBoost's
			// backward scan ends with it). It gains just what values left,
			// missing right (tried above) does, so it wins only where a
			// monotone constraint refuses that one.
			vals := total.sub(miss)
			if r.valid(miss) && r.valid(vals) {
				if g := r.splitGain(miss, vals, b, parent, f); g > best.gain {
					best = split{gain: g, feature: f, noValueLeft: true, defaultLeft: true, left: miss, ok: true}
				}
			}
		}
	}
	return best
}

// bestNumericXGB replaces best with a better split of numeric feature f
// (nb value bins), scanning as XGBoost 1.7's hist evaluator does
// (EnumerateSplit): every threshold from the lowest with missing values
// right, then, when the node has missing values, every threshold from the
// highest down with them left, ending with them alone left. A split
// replaces the best only when it gains more, so among equal gains the
// lowest threshold wins going up and the highest coming down, and a
// downward one must beat the upward ones. Gains tie exactly where the
// bins between two thresholds hold no rows of the node, or only rows of
// gradient and hessian 0 (a rank objective's documents in no weighed
// pair), whose side then differs from bestSplit's choice; without missing
// values in the node, unseen ones go right (XGBoost's default), not to the
// larger child.
//
// Gains are XGBoost's float32 ones (xgbScore): where they tie in float32,
// as near-equal gains of large children do (their scores cancel), the
// first scanned wins, as in XGBoost, not the larger in float64.
func (r *splitRules) bestNumericXGB(h *featHist, total stats, b bounds, parent float64, f, nb int, best *split) {
	plain := r.plain()
	parent32 := r.xgbScore(total)
	gain := func(l, rt stats) float64 {
		if plain {
			return float64(float32(r.xgbScore(l)+r.xgbScore(rt)) - parent32)
		}
		return r.splitGain(l, rt, b, parent, f) // float32 already
	}
	miss := binStats(&h[missingBin])
	var left stats
	for t := 0; t < nb; t++ {
		left = left.add(binStats(&h[t]))
		right := total.sub(left)
		if left.n == 0 || right.n == 0 || !r.valid(left) || !r.valid(right) {
			continue
		}
		if g := gain(left, right); g > best.gain {
			*best = split{gain: g, feature: f, bin: uint8(t), left: left, ok: true}
		}
	}
	if miss.n == 0 {
		return
	}
	right := stats{}
	for t := nb - 1; t >= 0; t-- {
		right = right.add(binStats(&h[t]))
		l := total.sub(right) // bins below t, and the missing values
		if right.n == 0 || !r.valid(l) || !r.valid(right) {
			continue
		}
		if g := gain(l, right); g > best.gain {
			if t == 0 {
				*best = split{gain: g, feature: f, noValueLeft: true, defaultLeft: true, left: l, ok: true}
			} else {
				*best = split{gain: g, feature: f, bin: uint8(t - 1), defaultLeft: true, left: l, ok: true}
			}
		}
	}
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
func (r *splitRules) bestCatSplit(h *featHist, total stats, b bounds, parent float64, f, nc int, best *split) {
	miss := binStats(&h[missingBin])
	// Under XGBoost's scan plain gains are its float32 ones, as for
	// numeric features (bestNumericXGB): EnumerateOneHot and
	// EnumeratePart take CalcSplitGain's float32 sum less the float32
	// root gain too.
	xgb32 := r.xgbScan && r.plain()
	parent32 := r.xgbScore(total)
	try := func(left, right stats, defaultLeft bool) bool {
		if left.n == 0 || right.n == 0 || !r.valid(left) || !r.valid(right) {
			return false
		}
		var g float64
		if xgb32 {
			g = float64(float32(r.xgbScore(left)+r.xgbScore(right)) - parent32)
		} else {
			g = r.splitGain(left, right, b, parent, f)
		}
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
	// XGBoost's CalcWeight (L1 and MaxDeltaStep included, not the
	// node's bounds): 0 where the hessian is below MinChildWeight.
	var weight [MaxCategories]float64
	var order [MaxCategories]uint8
	for c := range nc {
		order[c] = uint8(c)
		if s := binStats(&h[c]); s.h >= r.minChildWeight && s.h > 0 {
			weight[c] = r.weight(s)
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
