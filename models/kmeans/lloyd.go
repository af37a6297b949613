package kmeans

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gorgonia.org/tensor"
)

// float is the element type of the tensors the assignment step runs on.
type float interface{ float32 | float64 }

// blockRows is how many samples one MatMul scores at a time. It bounds the
// score buffer (blockRows×k) independently of n, while each product is
// still large enough to amortise the call.
const blockRows = 8192

// problem is one data set being clustered: centred samples, row-major.
type problem[T float] struct {
	x    []T
	n, d int
	xSq  []float64 // ‖x_i‖², for true distances
	buf  []T       // scratch for one block of scores
}

func newProblem[T float](x []T, n, d int) *problem[T] {
	p := &problem[T]{x: x, n: n, d: d, xSq: make([]float64, n)}
	for i := range p.xSq {
		s := 0.0
		for _, v := range x[i*d : (i+1)*d] {
			s += float64(v) * float64(v)
		}
		p.xSq[i] = s
	}
	return p
}

// dots calls fn for each block of samples [lo, lo+rows) with the rows×k
// matrix of inner products x_i·c_j, computed as one tensor.MatMul of the
// block with the transposed centres. centres is k×d in float64.
func (p *problem[T]) dots(centres []float64, k int, fn func(lo, rows int, dot []T)) error {
	d := p.d
	ct := make([]T, d*k)
	for j := 0; j < k; j++ {
		for f := 0; f < d; f++ {
			ct[f*k+j] = T(centres[j*d+f])
		}
	}
	cT := tensor.New(tensor.WithShape(d, k), tensor.WithBacking(ct))
	if need := min(blockRows, p.n) * k; cap(p.buf) < need {
		p.buf = make([]T, need)
	}
	for lo := 0; lo < p.n; lo += blockRows {
		rows := min(blockRows, p.n-lo)
		xb := tensor.New(tensor.WithShape(rows, d), tensor.WithBacking(p.x[lo*d:(lo+rows)*d]))
		out := p.buf[:rows*k]
		ot := tensor.New(tensor.WithShape(rows, k), tensor.WithBacking(out))
		if _, err := tensor.MatMul(xb, cT, tensor.WithReuse(ot)); err != nil {
			return fmt.Errorf("kmeans: %d×%d by %d×%d product: %w", rows, d, d, k, err)
		}
		fn(lo, rows, out)
	}
	return nil
}

// sqNorms returns ‖c_j‖² of k×d centres.
func sqNorms(centres []float64, k, d int) []float64 {
	out := make([]float64, k)
	for j := range out {
		for _, v := range centres[j*d : (j+1)*d] {
			out[j] += v * v
		}
	}
	return out
}

// assign sets labels[i] to the nearest centre of each sample (the lowest
// index on ties, like numpy's argmin). When sums is non-nil it also adds
// each sample to its cluster's coordinate sum and count.
func (p *problem[T]) assign(centres []float64, k int, labels []int, sums, counts []float64) error {
	cSq := sqNorms(centres, k, p.d)
	d := p.d
	return p.dots(centres, k, func(lo, rows int, dot []T) {
		for r := 0; r < rows; r++ {
			// ‖x‖² is common to every centre, so the arg-min of
			// ‖c‖² − 2x·c is the nearest centre.
			row := dot[r*k : (r+1)*k]
			best, bestScore := 0, cSq[0]-2*float64(row[0])
			for j := 1; j < k; j++ {
				if s := cSq[j] - 2*float64(row[j]); s < bestScore {
					best, bestScore = j, s
				}
			}
			i := lo + r
			labels[i] = best
			if sums != nil {
				counts[best]++
				sum := sums[best*d : (best+1)*d]
				for f, v := range p.x[i*d : (i+1)*d] {
					sum[f] += float64(v)
				}
			}
		}
	})
}

// sqDistances returns the n×k squared distances of every sample to every
// centre (row-major), clipped at 0 against rounding in the expansion.
func (p *problem[T]) sqDistances(centres []float64, k int) ([]float64, error) {
	cSq := sqNorms(centres, k, p.d)
	out := make([]float64, p.n*k)
	err := p.dots(centres, k, func(lo, rows int, dot []T) {
		for r := 0; r < rows; r++ {
			i := lo + r
			for j := 0; j < k; j++ {
				out[i*k+j] = max(0, p.xSq[i]-2*float64(dot[r*k+j])+cSq[j])
			}
		}
	})
	return out, err
}

// row returns sample i in float64.
func (p *problem[T]) row(i int, dst []float64) []float64 {
	dst = dst[:0]
	for _, v := range p.x[i*p.d : (i+1)*p.d] {
		dst = append(dst, float64(v))
	}
	return dst
}

// kmeansPlusPlus picks k initial centres with scikit-learn's greedy
// k-means++: the first uniformly, each next one as the best (lowest
// resulting potential) of 2+⌊ln k⌋ candidates sampled with probability
// proportional to the squared distance to the nearest centre so far.
func (p *problem[T]) kmeansPlusPlus(k int, rng *rand.Rand) ([]float64, error) {
	n, d := p.n, p.d
	centres := make([]float64, k*d)
	p.row(rng.IntN(n), centres[:0])
	dist, err := p.sqDistances(centres[:d], 1)
	if err != nil {
		return nil, err
	}
	closest := dist // n×1
	trials := 2 + int(math.Log(float64(k)))
	cum := make([]float64, n)
	cand := make([]int, trials)
	candCentres := make([]float64, trials*d)
	pots := make([]float64, trials)
	for c := 1; c < k; c++ {
		total := 0.0
		for i, v := range closest {
			total += v
			cum[i] = total
		}
		for t := range cand {
			// (1-u) is in (0, 1], so r > 0 and the search lands on a
			// sample with positive distance (never an already chosen one)
			// whenever the potential is positive.
			r := (1 - rng.Float64()) * total
			cand[t] = min(sort.SearchFloat64s(cum, r), n-1)
			p.row(cand[t], candCentres[t*d:t*d])
		}
		dc, err := p.sqDistances(candCentres, trials)
		if err != nil {
			return nil, err
		}
		clear(pots)
		for i, cl := range closest {
			for t := range pots {
				pots[t] += min(cl, dc[i*trials+t])
			}
		}
		best := 0
		for t := 1; t < trials; t++ {
			if pots[t] < pots[best] {
				best = t
			}
		}
		for i := range closest {
			closest[i] = min(closest[i], dc[i*trials+best])
		}
		copy(centres[c*d:(c+1)*d], candCentres[best*d:(best+1)*d])
	}
	return centres, nil
}

// run is the outcome of one k-means++ plus Lloyd run.
type run struct {
	centroids  []float64 // k×d, centred coordinates
	labels     []int
	inertia    float64
	iterations int
}

// lloyd runs Lloyd iterations from centres, following scikit-learn's
// _kmeans_single_lloyd: stop when the labels repeat (strict convergence) or
// the total squared centre shift is at most tol; without strict
// convergence the labels are recomputed for the final centres.
func (p *problem[T]) lloyd(centres []float64, k, maxIter int, tol float64) (*run, error) {
	n, d := p.n, p.d
	labels := make([]int, n)
	old := make([]int, n)
	for i := range old {
		old[i] = -1
	}
	sums := make([]float64, k*d)
	counts := make([]float64, k)
	strict := false
	it := 0
	for ; it < maxIter; it++ {
		clear(sums)
		clear(counts)
		if err := p.assign(centres, k, labels, sums, counts); err != nil {
			return nil, err
		}
		next := p.update(centres, k, labels, sums, counts)
		shift := 0.0
		for i, v := range next {
			shift += (v - centres[i]) * (v - centres[i])
		}
		centres = next
		if slices.Equal(labels, old) {
			strict = true
			break
		}
		if shift <= tol {
			break
		}
		copy(old, labels)
	}
	if !strict {
		if err := p.assign(centres, k, labels, nil, nil); err != nil {
			return nil, err
		}
	}
	return &run{centroids: centres, labels: labels, inertia: p.inertia(centres, labels), iterations: min(it+1, maxIter)}, nil
}

// update returns the new centres: each cluster's mean. A cluster left
// empty takes the sample farthest from its own centre (the farthest for
// the first empty cluster, and so on), which leaves its old cluster, as in
// scikit-learn's _relocate_empty_clusters.
func (p *problem[T]) update(centres []float64, k int, labels []int, sums, counts []float64) []float64 {
	d := p.d
	var empty []int
	for j, c := range counts {
		if c == 0 {
			empty = append(empty, j)
		}
	}
	if len(empty) > 0 {
		dist := make([]float64, p.n)
		order := make([]int, p.n)
		var xi []float64
		for i := range dist {
			xi = p.row(i, xi)
			c := centres[labels[i]*d : (labels[i]+1)*d]
			for f, v := range xi {
				dist[i] += (v - c[f]) * (v - c[f])
			}
			order[i] = i
		}
		// Farthest first; the index breaks ties so runs are reproducible.
		slices.SortFunc(order, func(a, b int) int {
			if c := cmp.Compare(dist[b], dist[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		for e, j := range empty {
			far := order[e]
			from := labels[far]
			xi = p.row(far, xi)
			for f, v := range xi {
				sums[from*d+f] -= v
				sums[j*d+f] = v
			}
			counts[from]--
			counts[j] = 1
		}
	}
	next := make([]float64, k*d)
	for j := 0; j < k; j++ {
		if counts[j] == 0 {
			// Only possible when a relocated sample was its cluster's
			// last; keep that centre where it was.
			copy(next[j*d:(j+1)*d], centres[j*d:(j+1)*d])
			continue
		}
		for f := 0; f < d; f++ {
			next[j*d+f] = sums[j*d+f] / counts[j]
		}
	}
	return next
}

// inertia is the exact sum of squared distances to the assigned centres,
// accumulated in float64 (no norm expansion, so no cancellation).
func (p *problem[T]) inertia(centres []float64, labels []int) float64 {
	d := p.d
	total := 0.0
	for i, l := range labels {
		c := centres[l*d : (l+1)*d]
		for f, v := range p.x[i*d : (i+1)*d] {
			diff := float64(v) - c[f]
			total += diff * diff
		}
	}
	return total
}
