package gbt

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/emberml/ember/tabular"
)

// ErrNoCover is returned by Contributions for an ensemble without usable
// node covers: an Ember model file saved before Ember recorded them (fit
// it again), or an XGBoost file whose sum_hessian is missing or not a
// number somewhere; the error says which.
var ErrNoCover = errors.New("gbt: the model has no node covers (hessian sums), which contributions need")

// Contributions is each feature's contribution to each row's margin: the
// SHAP values of the trees (Lundberg et al.'s path-dependent TreeSHAP,
// XGBoost's predict(pred_contribs=True)), with the branches a row does not
// take weighed by the training rows' hessian sums (covers). For each row
// and class (NumClass of them) it gives NumFeatures values and then the
// bias, the margin's expected value over the training rows; a row's
// contributions and bias add up to its margin (up to rounding). The layout
// is row by row, class by class: out[(i*NumClass+k)*(NumFeatures+1)+j].
// Missing values follow the default direction, as in prediction. It
// writes into out when it is long enough.
func (e *Ensemble) Contributions(X *tabular.Matrix, threads int, out []float64) ([]float64, error) {
	if err := e.checkX(X); err != nil {
		return nil, err
	}
	if err := e.CheckContributions(); err != nil {
		return nil, err
	}
	if err := checkFinite("X", X); err != nil {
		return nil, err
	}
	k, d := e.NumClass(), e.nFeature
	n := X.Rows * k * (d + 1)
	if len(out) < n {
		out = make([]float64, n)
	}
	out = out[:n]
	clear(out)
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	e.prepare()
	means, depth := e.means, e.maxDepth
	parallel(X.Rows, threads, func(lo, hi int) {
		// One path buffer a goroutine: TreeSHAP keeps a copy of the path
		// per level, (depth+2)(depth+3)/2 elements in all.
		path := make([]pathElem, (depth+2)*(depth+3)/2)
		for i := lo; i < hi; i++ {
			x := X.Row(i)
			for c := range k {
				phi := out[(i*k+c)*(d+1) : (i*k+c+1)*(d+1)]
				phi[d] = float64(e.ClassBase(c))
			}
			for t, root := range e.roots {
				c := e.TreeClass(t)
				phi := out[(i*k+c)*(d+1) : (i*k+c+1)*(d+1)]
				phi[d] += means[root]
				e.treeShap(x, phi, root, 0, path, 1, 1, -1, 1)
			}
		}
	})
	return out, nil
}

// maxShapDepth is the deepest tree Contributions explains: beyond any
// tree Ember fits (at most 30 deep) and any sensible lossguide tree, it
// keeps a hostile model file's chain of nodes from asking for hours of
// work (TreeSHAP's time grows with the cube of the depth) and gigabytes
// of path buffer.
const maxShapDepth = 256

// CheckContributions says why Contributions cannot explain the ensemble
// (no usable node covers, a tree too deep), or nil when it can: every
// model Ember fits and every XGBoost JSON or UBJSON model can.
func (e *Ensemble) CheckContributions() error {
	if e.cover == nil {
		if e.noCover == "" {
			return ErrNoCover
		}
		return fmt.Errorf("%w: %s", ErrNoCover, e.noCover)
	}
	e.prepare()
	if e.maxDepth > maxShapDepth {
		return fmt.Errorf("gbt: a tree is %d levels deep; contributions take trees of up to %d (TreeSHAP's work grows with the cube of the depth)", e.maxDepth, maxShapDepth)
	}
	return nil
}

// nodeMeans is every node's expected leaf value under the covers (a
// leaf's own value; an inner node's children's, weighed by their covers
// over its own); prepare computes them once, when the ensemble has covers.
func (e *Ensemble) nodeMeans() []float64 {
	means := make([]float64, len(e.nodes))
	var mean func(n int32) float64
	mean = func(n int32) float64 {
		nd := e.nodes[n]
		if nd.Feature < 0 {
			means[n] = float64(nd.Threshold)
			return means[n]
		}
		// As XGBoost: the children's covers over the node's own (which
		// treeShap's fractions divide by too, so that the contributions
		// add up to the margin).
		l, r := mean(nd.Left), mean(nd.Left+1)
		cl, cr, c := float64(e.cover[nd.Left]), float64(e.cover[nd.Left+1]), float64(e.cover[n])
		if c > 0 {
			means[n] = (l*cl + r*cr) / c
		} else {
			means[n] = (l + r) / 2
		}
		return means[n]
	}
	for _, root := range e.roots {
		mean(root)
	}
	return means
}

// pathElem is one feature on the path from the root to the current node:
// the share of the cover that follows the path when the feature is left
// out (zero) and whether the row follows it (one), and the permutation
// weight of the subsets of a given size.
type pathElem struct {
	feature   int
	zero, one float64
	pweight   float64
}

// treeShap adds the contributions of the subtree at node to phi (Lundberg
// et al. 2018, Algorithm 2, without conditioning): path holds the parent's
// path of uniqueDepth+1 elements, and this call's copy goes right after it.
func (e *Ensemble) treeShap(x []float32, phi []float64, node int32, uniqueDepth int, parent []pathElem,
	parentZero, parentOne float64, parentFeature int, fraction float64) {
	path := parent[uniqueDepth+1:]
	copy(path, parent[:uniqueDepth+1])
	extendPath(path, uniqueDepth, parentZero, parentOne, parentFeature)
	nd := e.nodes[node]
	if nd.Feature < 0 {
		leaf := float64(nd.Threshold)
		for i := 1; i <= uniqueDepth; i++ {
			w := unwoundPathSum(path, uniqueDepth, i)
			el := path[i]
			phi[el.feature] += w * (el.one - el.zero) * leaf * fraction
		}
		return
	}
	// The branch the row takes (hot) and the other (cold).
	hot := e.child(&nd, x[nd.Feature])
	cold := 2*nd.Left + 1 - hot
	w := float64(e.cover[node])
	hotZero, coldZero := 0.5, 0.5
	if w > 0 {
		hotZero, coldZero = float64(e.cover[hot])/w, float64(e.cover[cold])/w
	}
	inZero, inOne := 1.0, 1.0
	// A feature split on before: undo that split, to redo it here.
	f := int(nd.Feature)
	for k := 0; k <= uniqueDepth; k++ {
		if path[k].feature == f {
			inZero, inOne = path[k].zero, path[k].one
			unwindPath(path, uniqueDepth, k)
			uniqueDepth--
			break
		}
	}
	e.treeShap(x, phi, hot, uniqueDepth+1, path, hotZero*inZero, inOne, f, fraction)
	e.treeShap(x, phi, cold, uniqueDepth+1, path, coldZero*inZero, 0, f, fraction)
}

// extendPath adds a feature with fractions zero and one to the path of
// depth+1 elements, updating the permutation weights.
func extendPath(path []pathElem, depth int, zero, one float64, feature int) {
	path[depth] = pathElem{feature: feature, zero: zero, one: one}
	if depth == 0 {
		path[0].pweight = 1
	}
	for i := depth - 1; i >= 0; i-- {
		path[i+1].pweight += one * path[i].pweight * float64(i+1) / float64(depth+1)
		path[i].pweight = zero * path[i].pweight * float64(depth-i) / float64(depth+1)
	}
}

// unwindPath removes element k from the path of depth+1 elements, undoing
// extendPath's weights.
func unwindPath(path []pathElem, depth, k int) {
	one, zero := path[k].one, path[k].zero
	next := path[depth].pweight
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := path[i].pweight
			path[i].pweight = next * float64(depth+1) / (float64(i+1) * one)
			next = tmp - path[i].pweight*zero*float64(depth-i)/float64(depth+1)
		} else {
			path[i].pweight = path[i].pweight * float64(depth+1) / (zero * float64(depth-i))
		}
	}
	for i := k; i < depth; i++ {
		path[i].feature, path[i].zero, path[i].one = path[i+1].feature, path[i+1].zero, path[i+1].one
	}
}

// unwoundPathSum is the total permutation weight of the path were element
// k unwound, without unwinding it.
func unwoundPathSum(path []pathElem, depth, k int) float64 {
	one, zero := path[k].one, path[k].zero
	next := path[depth].pweight
	var total float64
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := next * float64(depth+1) / (float64(i+1) * one)
			total += tmp
			next = path[i].pweight - tmp*zero*float64(depth-i)/float64(depth+1)
		} else if zero != 0 {
			total += path[i].pweight / zero / (float64(depth-i) / float64(depth+1))
		}
	}
	return total
}

// Contributions is Ensemble.Contributions for the fitted model.
func (m *Model) Contributions(X *tabular.Matrix) ([]float64, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	return m.ens.Contributions(X, m.threads(), nil)
}
