package gbt

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/emberml/ember/tabular"
)

// node is one node of a tree in the flat layout every ensemble is scored
// in. An inner node sends a row to Left when its feature value is below
// Threshold, to Left+1 when it is not, and to DefaultLeft's side when it
// is missing: children are always laid out side by side, so one index and
// one comparison pick the next node. A categorical split (CatWords > 0)
// has no threshold: its category set is the bitset
// Ensemble.cats[CatBegin:CatBegin+CatWords], and a row goes right when its
// value is a category in the set, as XGBoost's are (see catRight). A leaf
// has Feature < 0 and its value in Threshold.
type node struct {
	Threshold float32
	Feature   int32 // -1 for a leaf
	Left      int32 // index of the left child; the right child is Left+1
	Default   int32 // 0: missing values go left, 1: right (added to Left)
	// CatBegin, CatWords: a categorical split's set of categories (bit c of
	// word c/32 is category c); CatWords is 0 for a numeric split.
	CatBegin, CatWords int32
}

// maxCategory bounds the category codes a categorical split can hold:
// XGBoost's OutOfRangeCat, 2^24, the first integer float32 cannot tell
// from its successor. A value at or beyond it, or below 0, is in no set.
const maxCategory = 1 << 24

// catRight is whether a categorical split whose set is the bitset words
// sends value v right: v is a category in the set. As XGBoost's
// common::Decision: a negative value, one at or beyond maxCategory (or
// NaN, which callers send the default way first) is in no set, and a
// fractional one is truncated towards zero (2.7 is category 2).
func catRight(words []uint32, v float32) bool {
	if !(v >= 0 && v < maxCategory) {
		return false
	}
	c := uint32(v)
	return c>>5 < uint32(len(words)) && words[c>>5]>>(c&31)&1 != 0
}

// child is the node a split node sends value v to: the default side for
// a missing value; for a numeric split, left below the threshold, else
// right; for a categorical one, right when v is in its set.
func (e *Ensemble) child(nd *node, v float32) int32 {
	switch {
	case v != v:
		return nd.Left + nd.Default
	case nd.CatWords > 0:
		if catRight(e.cats[nd.CatBegin:nd.CatBegin+nd.CatWords], v) {
			return nd.Left + 1
		}
		return nd.Left
	case v < nd.Threshold:
		return nd.Left
	}
	return nd.Left + 1
}

// Ensemble is a fitted sum of regression trees in the layout Predict walks:
// the raw score (margin) of a row is Base plus the leaf value each tree
// routes it to, and the prediction is Link applied to that margin. A
// multi-class (Softmax) ensemble has one margin per class: each tree adds
// to its class's (TreeClass), from that class's base (ClassBase). Ember's
// own models and XGBoost models loaded with LoadXGBoost share it.
type Ensemble struct {
	nodes []node
	roots []int32
	// cats holds the categorical splits' category bitsets, one after
	// another (node.CatBegin, CatWords); nil when no split is categorical.
	cats     []uint32
	base     float32
	link     Link
	nFeature int
	// Softmax ensembles only (nil otherwise): each tree's class, and each
	// class's base margin.
	class []int32
	bases []float32
	// cover is each node's training hessian sum (XGBoost's sum_hessian),
	// which Contributions weighs the branches by; nil when the model has
	// none, noCover saying why.
	cover   []float32
	noCover string
	// f32Sum accumulates the margin in float32, leaf by leaf, as XGBoost's
	// CPU predictor does; Ember's own models sum in float64.
	f32Sum bool

	prepOnce sync.Once
	walk     []walkNode // the nodes in the branch-free walking layout
	depth    []int32    // each tree's depth (edges from root to deepest leaf)
	catTree  []bool     // whether each tree has a categorical split
	maxDepth int        // the deepest tree's
	means    []float64  // each node's expected leaf value (nodeMeans), with covers
}

// walkNode is a node laid out for a walk without data-dependent branches:
// every tree is walked exactly its depth in steps, and a leaf points to
// itself (mask 0), so rows in a group stay in lockstep and their chains
// of loads overlap. A leaf's value is in thr; its feature is 0 so that
// the read it still makes is in bounds. A categorical split keeps the
// node at 16 bytes: thr holds the bits of its set's first word's index
// and flags' top 24 bits its number of words.
type walkNode struct {
	thr  float32
	feat uint32
	left uint32
	// bit 0: missing values go right; bit 1: an inner node; bit 2: a
	// categorical split; bits 8..31: its set's words.
	flags uint32
}

const walkCat = 4

// prepare builds the walking layout once.
func (e *Ensemble) prepare() {
	e.prepOnce.Do(func() {
		e.walk = make([]walkNode, len(e.nodes))
		for i, nd := range e.nodes {
			if nd.Feature < 0 {
				e.walk[i] = walkNode{thr: nd.Threshold, left: uint32(i)}
				continue
			}
			e.walk[i] = walkNode{thr: nd.Threshold, feat: uint32(nd.Feature), left: uint32(nd.Left), flags: uint32(nd.Default) | 2}
			if nd.CatWords > 0 {
				// Loading bounds CatWords by maxCategory/32 = 2^19 words.
				e.walk[i].thr = math.Float32frombits(uint32(nd.CatBegin))
				e.walk[i].flags |= walkCat | uint32(nd.CatWords)<<8
			}
		}
		e.depth = make([]int32, len(e.roots))
		e.catTree = make([]bool, len(e.roots))
		for t, r := range e.roots {
			e.depth[t] = e.treeDepth(r)
			e.catTree[t] = e.cats != nil && e.hasCatSplit(r)
			e.maxDepth = max(e.maxDepth, int(e.depth[t]))
		}
		if e.cover != nil && e.maxDepth <= maxShapDepth {
			e.means = e.nodeMeans()
		}
	})
}

func (e *Ensemble) treeDepth(n int32) int32 {
	nd := e.nodes[n]
	if nd.Feature < 0 {
		return 0
	}
	return 1 + max(e.treeDepth(nd.Left), e.treeDepth(nd.Left+1))
}

// hasCatSplit reports whether the subtree at n has a categorical split.
func (e *Ensemble) hasCatSplit(n int32) bool {
	nd := e.nodes[n]
	if nd.Feature < 0 {
		return false
	}
	return nd.CatWords > 0 || e.hasCatSplit(nd.Left) || e.hasCatSplit(nd.Left+1)
}

// walkGroup is how many rows walk a tree in lockstep (marginsInto).
const walkGroup = 8

// walkNumeric moves a group of m rows (xs, at nodes n) depth levels down
// a tree with numeric splits only. It is walkCat without the test for a
// categorical split: BenchmarkPredict's numeric model took 92 ms with the
// test at every node, 77 ms with the trees walked by these two functions,
// and 83 ms before categorical splits existed (one loop inline; builds
// alternated on a 2-core AMD EPYC).
func walkNumeric(walk []walkNode, n *[walkGroup]uint32, xs *[walkGroup][]float32, m int, depth int32) {
	for range depth {
		for j := range m {
			nd := &walk[n[j]]
			v := xs[j][nd.feat]
			var right uint32
			if !(v < nd.thr) { // NaN too, fixed just below
				right = 1
			}
			if v != v {
				right = nd.flags & 1
			}
			n[j] = nd.left + right&(nd.flags>>1)
		}
	}
}

// walkCat is walkNumeric for a tree with categorical splits.
func (e *Ensemble) walkCat(n *[walkGroup]uint32, xs *[walkGroup][]float32, m int, depth int32) {
	walk := e.walk
	for range depth {
		for j := range m {
			nd := &walk[n[j]]
			v := xs[j][nd.feat]
			var right uint32
			if nd.flags&walkCat != 0 {
				beg := math.Float32bits(nd.thr)
				if catRight(e.cats[beg:beg+nd.flags>>8], v) {
					right = 1
				}
			} else if !(v < nd.thr) { // NaN too, fixed just below
				right = 1
			}
			if v != v {
				right = nd.flags & 1
			}
			n[j] = nd.left + right&(nd.flags>>1)
		}
	}
}

// Link turns a raw score (margin) into a prediction.
type Link int

const (
	// Identity: the prediction is the margin (squared-error regression).
	Identity Link = iota
	// Logistic: the prediction is 1/(1+exp(-margin)), the probability of
	// the positive class.
	Logistic
	// Softmax: one margin per class; the predictions are their softmax,
	// the probabilities of the classes.
	Softmax
	// Exp: the prediction is exp(margin), the mean of a log-link
	// regression (count:poisson, reg:tweedie, reg:gamma).
	Exp
	// Step: the prediction is the class, 1 where the margin is above 0,
	// else 0 (binary:hinge, as XGBoost's predict gives it).
	Step
)

func (l Link) String() string {
	switch l {
	case Identity:
		return "identity"
	case Logistic:
		return "logistic"
	case Softmax:
		return "softmax"
	case Exp:
		return "exp"
	case Step:
		return "step"
	}
	return fmt.Sprintf("Link(%d)", int(l))
}

// NumTrees is the number of trees.
func (e *Ensemble) NumTrees() int { return len(e.roots) }

// NumFeatures is the number of features a row must have.
func (e *Ensemble) NumFeatures() int { return e.nFeature }

// Base is the margin every row starts from (class 0's for a Softmax
// ensemble; see ClassBase).
func (e *Ensemble) Base() float32 { return e.ClassBase(0) }

// NumClass is how many margins (and predictions) a row has: the number of
// classes of a Softmax ensemble, else 1.
func (e *Ensemble) NumClass() int { return max(1, len(e.bases)) }

// ClassBase is the margin class k starts from.
func (e *Ensemble) ClassBase(k int) float32 {
	if e.bases == nil {
		return e.base
	}
	return e.bases[k]
}

// TreeClass is the class whose margin tree t adds to (0 unless Softmax).
func (e *Ensemble) TreeClass(t int) int {
	if e.class == nil {
		return 0
	}
	return int(e.class[t])
}

// Link is how a margin becomes a prediction.
func (e *Ensemble) Link() Link { return e.link }

// marginsInto computes the margins of rows lo..hi-1 (NumClass per row,
// into out[lo*NumClass:]), tree by tree over blocks of 64 rows (each
// tree's nodes stay in cache while a block passes through it), walking 8
// rows of a block in lockstep.
func (e *Ensemble) marginsInto(X *tabular.Matrix, lo, hi int, out []float64) {
	const block = 64
	d := X.Cols
	walk := e.walk
	k := e.NumClass()
	// One accumulator is used: float32 for an XGBoost model, else float64.
	var acc32 []float32
	var acc64 []float64
	if e.f32Sum {
		acc32 = make([]float32, block*k)
	} else {
		acc64 = make([]float64, block*k)
	}
	for b := lo; b < hi; b += block {
		be := min(b+block, hi)
		nb := be - b
		for i := range nb {
			for c := range k {
				if e.f32Sum {
					acc32[i*k+c] = e.ClassBase(c)
				} else {
					acc64[i*k+c] = float64(e.ClassBase(c))
				}
			}
		}
		rows := X.Data[b*d : be*d]
		for t, root := range e.roots {
			depth := e.depth[t]
			c := e.TreeClass(t)
			for g := 0; g < nb; g += walkGroup {
				var n [walkGroup]uint32
				var xs [walkGroup][]float32
				m := min(walkGroup, nb-g)
				for j := range m {
					n[j] = uint32(root)
					xs[j] = rows[(g+j)*d : (g+j+1)*d : (g+j+1)*d]
				}
				if e.catTree[t] {
					e.walkCat(&n, &xs, m, depth)
				} else {
					walkNumeric(walk, &n, &xs, m, depth)
				}
				for j := range m {
					v := walk[n[j]].thr
					if e.f32Sum {
						acc32[(g+j)*k+c] += v
					} else {
						acc64[(g+j)*k+c] += float64(v)
					}
				}
			}
		}
		dst := out[b*k : be*k]
		if e.f32Sum {
			for i, v := range acc32[:nb*k] {
				dst[i] = float64(v)
			}
		} else {
			copy(dst, acc64[:nb*k])
		}
	}
}

// checkX is the error for a matrix the ensemble cannot score.
func (e *Ensemble) checkX(X *tabular.Matrix) error {
	if err := X.Check(); err != nil {
		return fmt.Errorf("gbt: %w", err)
	}
	if X.Cols != e.nFeature {
		return fmt.Errorf("gbt: the rows have %d features; the model was fitted on %d", X.Cols, e.nFeature)
	}
	return nil
}

// Margins is the raw score of every row (the log-odds for a logistic
// model; NumClass per row, row by row, for a Softmax one), computed on
// threads goroutines (0: one per core). It writes into out when it is long
// enough, else allocates.
func (e *Ensemble) Margins(X *tabular.Matrix, threads int, out []float64) ([]float64, error) {
	if err := e.checkX(X); err != nil {
		return nil, err
	}
	n := X.Rows * e.NumClass()
	if len(out) < n {
		out = make([]float64, n)
	}
	out = out[:n]
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	e.prepare()
	// Ranges of whole 64-row blocks, at least 1024 rows each.
	parts := max(1, min(threads, X.Rows/1024))
	parallel(parts, parts, func(plo, phi int) {
		for p := plo; p < phi; p++ {
			lo, hi := X.Rows*p/parts, X.Rows*(p+1)/parts
			e.marginsInto(X, lo, hi, out)
		}
	})
	return out, nil
}

// Predict is the prediction for every row: the positive-class probability
// for a logistic model, the value for a regression one (the mean,
// exp(margin), for a log-link one), the NumClass class
// probabilities (row by row, predict_proba's layout) for a Softmax one,
// the class 0 or 1 for a Step one. It writes into out when it is long
// enough.
func (e *Ensemble) Predict(X *tabular.Matrix, threads int, out []float64) ([]float64, error) {
	out, err := e.Margins(X, threads, out)
	if err != nil {
		return nil, err
	}
	switch e.link {
	case Logistic:
		for i, m := range out {
			out[i] = e.sigmoid(m)
		}
	case Softmax:
		k := e.NumClass()
		for i := 0; i < len(out); i += k {
			e.softmax(out[i : i+k])
		}
	case Exp:
		for i, m := range out {
			out[i] = e.exp(m)
		}
	case Step:
		for i, m := range out {
			out[i] = 0
			if m > 0 {
				out[i] = 1
			}
		}
	}
	return out, nil
}

// softmax turns one row's margins into class probabilities in place: for
// an XGBoost model as XGBoost's predictor computes them (common::Softmax:
// float32 margins less their maximum, expf, summed in double, each divided
// by the float32 sum), so the probabilities are its own; in float64
// otherwise.
func (e *Ensemble) softmax(m []float64) {
	if e.f32Sum {
		wmax := float32(m[0])
		for _, v := range m[1:] {
			wmax = max(wmax, float32(v))
		}
		var sum float64
		for i, v := range m {
			ex := float32(math.Exp(float64(float32(v) - wmax)))
			m[i] = float64(ex)
			sum += float64(ex)
		}
		s := float32(sum)
		for i, v := range m {
			m[i] = float64(float32(v) / s)
		}
		return
	}
	softmax64(m)
}

// softmax64 is the softmax of m in place, in float64, less the maximum
// first so that no exponential overflows.
func softmax64(m []float64) {
	mx := m[0]
	for _, v := range m[1:] {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range m {
		m[i] = math.Exp(v - mx)
		sum += m[i]
	}
	for i := range m {
		m[i] /= sum
	}
}

// sigmoid is the logistic function, in float32 for an XGBoost model (as
// XGBoost computes it: 1/(1+expf(-x))), so probabilities match its own.
func (e *Ensemble) sigmoid(m float64) float64 {
	if e.f32Sum {
		x := float32(m)
		ex := float32(math.Exp(float64(-x)))
		return float64(1 / (1 + ex))
	}
	return 1 / (1 + math.Exp(-m))
}

// exp is the log link's inverse, in float32 for an XGBoost model (as
// XGBoost's PredTransform computes it: expf of the float32 margin).
func (e *Ensemble) exp(m float64) float64 {
	if e.f32Sum {
		return float64(float32(math.Exp(float64(float32(m)))))
	}
	return math.Exp(m)
}
