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
// one comparison pick the next node. A leaf has Feature < 0 and its value
// in Threshold.
type node struct {
	Threshold float32
	Feature   int32 // -1 for a leaf
	Left      int32 // index of the left child; the right child is Left+1
	Default   int32 // 0: missing values go left, 1: right (added to Left)
}

// Ensemble is a fitted sum of regression trees in the layout Predict walks:
// the raw score (margin) of a row is Base plus the leaf value each tree
// routes it to, and the prediction is Link applied to that margin. Ember's
// own models and XGBoost models loaded with LoadXGBoost share it.
type Ensemble struct {
	nodes    []node
	roots    []int32
	base     float32
	link     Link
	nFeature int
	// f32Sum accumulates the margin in float32, leaf by leaf, as XGBoost's
	// CPU predictor does; Ember's own models sum in float64.
	f32Sum bool

	prepOnce sync.Once
	walk     []walkNode // the nodes in the branch-free walking layout
	depth    []int32    // each tree's depth (edges from root to deepest leaf)
}

// walkNode is a node laid out for a walk without data-dependent branches:
// every tree is walked exactly its depth in steps, and a leaf points to
// itself (mask 0), so rows in a group stay in lockstep and their chains
// of loads overlap. A leaf's value is in thr; its feature is 0 so that
// the read it still makes is in bounds.
type walkNode struct {
	thr  float32
	feat uint32
	left uint32
	// bit 0: missing values go right; bit 1: an inner node.
	flags uint32
}

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
		}
		e.depth = make([]int32, len(e.roots))
		for t, r := range e.roots {
			e.depth[t] = e.treeDepth(r)
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

// Link turns a raw score (margin) into a prediction.
type Link int

const (
	// Identity: the prediction is the margin (squared-error regression).
	Identity Link = iota
	// Logistic: the prediction is 1/(1+exp(-margin)), the probability of
	// the positive class.
	Logistic
)

func (l Link) String() string {
	switch l {
	case Identity:
		return "identity"
	case Logistic:
		return "logistic"
	}
	return fmt.Sprintf("Link(%d)", int(l))
}

// NumTrees is the number of trees.
func (e *Ensemble) NumTrees() int { return len(e.roots) }

// NumFeatures is the number of features a row must have.
func (e *Ensemble) NumFeatures() int { return e.nFeature }

// Base is the margin every row starts from.
func (e *Ensemble) Base() float32 { return e.base }

// Link is how a margin becomes a prediction.
func (e *Ensemble) Link() Link { return e.link }

// leaf walks tree t for one row and returns its leaf value.
func (e *Ensemble) leaf(t int, x []float32) float32 {
	nodes := e.nodes
	n := e.roots[t]
	for {
		nd := &nodes[n]
		if nd.Feature < 0 {
			return nd.Threshold
		}
		v := x[nd.Feature]
		switch {
		case v != v:
			n = nd.Left + nd.Default
		case v < nd.Threshold:
			n = nd.Left
		default:
			n = nd.Left + 1
		}
	}
}

// marginsInto computes the margins of rows lo..hi-1, tree by tree over
// blocks of 64 rows (each tree's nodes stay in cache while a block passes
// through it), walking 8 rows of a block in lockstep.
func (e *Ensemble) marginsInto(X *tabular.Matrix, lo, hi int, out []float64) {
	const block, group = 64, 8
	d := X.Cols
	walk := e.walk
	var acc32 [block]float32
	var acc64 [block]float64
	for b := lo; b < hi; b += block {
		be := min(b+block, hi)
		nb := be - b
		for i := range nb {
			acc32[i], acc64[i] = e.base, float64(e.base)
		}
		rows := X.Data[b*d : be*d]
		for t, root := range e.roots {
			depth := e.depth[t]
			for g := 0; g < nb; g += group {
				var n [group]uint32
				var xs [group][]float32
				k := min(group, nb-g)
				for j := range k {
					n[j] = uint32(root)
					xs[j] = rows[(g+j)*d : (g+j+1)*d : (g+j+1)*d]
				}
				for range depth {
					for j := range k {
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
				for j := range k {
					v := walk[n[j]].thr
					if e.f32Sum {
						acc32[g+j] += v
					} else {
						acc64[g+j] += float64(v)
					}
				}
			}
		}
		for i := range nb {
			if e.f32Sum {
				out[b+i] = float64(acc32[i])
			} else {
				out[b+i] = acc64[i]
			}
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
// model), computed on threads goroutines (0: one per core). It writes into
// out when it is long enough, else allocates.
func (e *Ensemble) Margins(X *tabular.Matrix, threads int, out []float64) ([]float64, error) {
	if err := e.checkX(X); err != nil {
		return nil, err
	}
	if len(out) < X.Rows {
		out = make([]float64, X.Rows)
	}
	out = out[:X.Rows]
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
// for a logistic model, the value for a regression one. It writes into out
// when it is long enough.
func (e *Ensemble) Predict(X *tabular.Matrix, threads int, out []float64) ([]float64, error) {
	out, err := e.Margins(X, threads, out)
	if err != nil {
		return nil, err
	}
	if e.link == Logistic {
		for i, m := range out {
			out[i] = e.sigmoid(m)
		}
	}
	return out, nil
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
