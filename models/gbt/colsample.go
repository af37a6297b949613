package gbt

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// colSampler draws the features each node's split may use, as XGBoost's
// ColumnSampler does for colsample_bytree, colsample_bylevel and
// colsample_bynode: a set per tree from all the features, a set per depth
// of that tree from the tree's, and a set per node from its depth's, each
// a draw without replacement of colCount(fraction, size of the set drawn
// from) features, uniform or weighted by FeatureWeights, kept in
// ascending order so that split ties still go to the lowest feature. A fraction of 1 draws nothing (the set
// is the one it would be drawn from), so a fit of all 1 is the fit
// without sampling, random numbers included.
type colSampler struct {
	byTree, byLevel, byNode float32 // as XGBoost keeps them: the count rule is float32's
	rng                     *rand.Rand
	all                     []int   // 0..d−1
	tree                    []int   // the tree's set
	levels                  [][]int // by depth: the level's set, nil until drawn
	// weights are the features' FeatureWeights, floored at
	// minFeatureWeight; nil: uniform draws.
	weights []float64

	// log, when not nil (tests), records every node's sets.
	log *[]colDraw
}

// colDraw is the sets a node's split was searched over (tests).
type colDraw struct {
	root, id          int32 // the tree's root node, the node's
	depth             int
	tree, level, node []int
}

// newColSampler is the sampler of a fit with the Model's fractions over d
// features, nil when every fraction is 1 (no sampling at all). Its random
// numbers are a stream of their own from Seed, so that sampling columns
// leaves the rows Subsample draws as they were.
func newColSampler(m *Model, d int) *colSampler {
	s := &colSampler{byTree: float32(m.ColsampleByTree), byLevel: float32(m.ColsampleByLevel), byNode: float32(m.ColsampleByNode)}
	if s.byTree == 1 && s.byLevel == 1 && s.byNode == 1 {
		return nil
	}
	s.rng = rand.New(rand.NewPCG(m.Seed, 0xc015))
	s.all = make([]int, d)
	for j := range s.all {
		s.all[j] = j
	}
	// Weights all alike draw uniformly: keep the uniform draws' stream.
	if w := m.FeatureWeights; len(w) > 0 && slices.ContainsFunc(w, func(v float64) bool {
		return max(v, minFeatureWeight) != max(w[0], minFeatureWeight)
	}) {
		s.weights = make([]float64, d)
		for j, v := range w {
			s.weights[j] = max(v, minFeatureWeight)
		}
	}
	return s
}

// minFeatureWeight is the smallest feature weight a draw takes, XGBoost's
// kRtEps: a weight of 0 counts as this.
const minFeatureWeight = 1e-6

// colCount is how many features a fraction frac of n keeps: XGBoost's
// max(1, int(colsample * n)), the product taken in float32 (XGBoost's
// fraction is a float, and n becomes one), so that, for instance, 0.29 of
// 100 features is 29, where float64's 0.29 × 100 = 28.999… would give 28.
func colCount(frac float32, n int) int {
	return max(1, int(frac*float32(n)))
}

// draw is a sample of colCount(frac, len(from)) of from, ascending (from
// itself when frac is 1): uniform, or weighted when s has weights.
func (s *colSampler) draw(from []int, frac float32) []int {
	if frac == 1 {
		return from
	}
	k := colCount(frac, len(from))
	if s.weights != nil {
		return s.drawWeighted(from, k)
	}
	out := slices.Clone(from)
	// The first k places of a Fisher–Yates shuffle.
	for i := range k {
		j := i + s.rng.IntN(len(out)-i)
		out[i], out[j] = out[j], out[i]
	}
	out = out[:k:k]
	slices.Sort(out)
	return out
}

// drawWeighted is a weighted sample of k of from without replacement, as
// XGBoost's WeightedSamplingWithoutReplacement draws it (Efraimidis and
// Spirakis' A-ES): each feature j gets the key log(u)/w_j, u uniform in
// (0, 1], and the k largest keys are kept, which picks the features one
// after another, each with its weight's share of those left. Ties go to
// the lower feature.
func (s *colSampler) drawWeighted(from []int, k int) []int {
	type keyed struct {
		key float64
		f   int
	}
	keys := make([]keyed, len(from))
	for i, f := range from {
		keys[i] = keyed{math.Log(1-s.rng.Float64()) / s.weights[f], f}
	}
	slices.SortStableFunc(keys, func(a, b keyed) int { return cmp.Compare(b.key, a.key) })
	out := make([]int, k)
	for i := range out {
		out[i] = keys[i].f
	}
	slices.Sort(out)
	return out
}

// newTree draws the next tree's set and forgets the last tree's levels.
func (s *colSampler) newTree() {
	s.tree = s.draw(s.all, s.byTree)
	clear(s.levels)
	s.levels = s.levels[:0]
}

// nodeSet draws the features a node at depth may split on: a new draw
// from the level's set (drawn at the level's first node) per node.
// Called once per node searched, in the order the tree grows, so that
// the draws do not depend on the number of threads.
func (s *colSampler) nodeSet(depth int) []int {
	for len(s.levels) <= depth {
		s.levels = append(s.levels, nil)
	}
	if s.levels[depth] == nil {
		s.levels[depth] = s.draw(s.tree, s.byLevel)
	}
	return s.draw(s.levels[depth], s.byNode)
}

// bestSplitOf is bestSplit over the features feats (ascending; nil: all
// of them), searched run by run of consecutive features: the first split
// of the largest gain wins, as in one search over them all.
func (t *trainer) bestSplitOf(hist []featHist, tot stats, b bounds, feats []int) split {
	if feats == nil {
		return t.rules.bestSplit(hist, tot, b, t.nBins, 0, t.d)
	}
	var best split
	for i := 0; i < len(feats); {
		j := i + 1
		for j < len(feats) && feats[j] == feats[j-1]+1 {
			j++
		}
		if sp := t.rules.bestSplit(hist, tot, b, t.nBins, feats[i], feats[j-1]+1); sp.ok && (!best.ok || sp.gain > best.gain) {
			best = sp
		}
		i = j
	}
	return best
}

// nodeFeatures draws the features of every node that will be searched
// (has a histogram) at depth, in order, with the tree rooted at root; nil
// without sampling.
func (t *trainer) nodeFeatures(nodes []growNode, depth int, root int32) [][]int {
	if t.cols == nil {
		return nil
	}
	feats := make([][]int, len(nodes))
	for i := range nodes {
		if nodes[i].hist == nil {
			continue
		}
		feats[i] = t.cols.nodeSet(depth)
		if t.cols.log != nil {
			*t.cols.log = append(*t.cols.log, colDraw{root: root, id: nodes[i].id, depth: depth,
				tree: t.cols.tree, level: t.cols.levels[depth], node: feats[i]})
		}
	}
	return feats
}
