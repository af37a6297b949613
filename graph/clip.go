package graph

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/cpu"
)

// ErrNonFiniteNorm is wrapped by ClipGradNorm's error when the gradients'
// norm is NaN or infinite, so a training loop can recognise it with
// errors.Is and stop.
var ErrNonFiniteNorm = errors.New("gradient norm is not finite")

// clipEps keeps the clip coefficient finite for all-zero gradients; it is
// PyTorch's constant.
const clipEps = 1e-6

// ClipGradNorm scales grads in place so that their global L2 norm is at most
// maxNorm, like torch.nn.utils.clip_grad_norm_: with total the norm over all
// gradients together, they are multiplied by maxNorm/(total+1e-6) when that
// is below 1, and left alone otherwise. It returns total, the norm before
// clipping. Nil entries are skipped, as PyTorch skips parameters without a
// gradient; maxNorm may be +Inf to measure without clipping.
//
// If total is NaN or ±Inf, the gradients are left untouched and the error
// (wrapping ErrNonFiniteNorm) names the value and the first gradient element
// at fault, so the caller can stop before the weights are corrupted.
func ClipGradNorm(grads []*Buf, maxNorm float64) (float64, error) {
	if math.IsNaN(maxNorm) || maxNorm < 0 {
		return 0, fmt.Errorf("graph: ClipGradNorm: maxNorm = %v, want >= 0", maxNorm)
	}
	for i, g := range grads {
		if g != nil && !(g.Dtype == tensor.Float32 || g.Dtype == tensor.Float64) {
			return 0, fmt.Errorf("graph: ClipGradNorm: gradient %d is %v, not float32 or float64", i, g.Dtype)
		}
	}
	total := GlobalNorm(grads)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total, nonFiniteError(grads, total)
	}
	coef := maxNorm / (total + clipEps)
	if coef >= 1 {
		return total, nil
	}
	for _, g := range grads {
		if g == nil {
			continue
		}
		// Only the rows that may be nonzero (all of them, unless g lists
		// them): a scaled zero stays zero.
		for r := range nonzeroRows(g) {
			if g.Dtype == tensor.Float32 {
				cpu.Scale(float32(coef), r.F32)
			} else {
				for i := range r.F64 {
					r.F64[i] *= coef
				}
			}
		}
	}
	return total, nil
}

// nonzeroRows yields the parts of g that may hold nonzero values: its
// NonzeroRows one by one where it lists them, else the whole buffer. The
// yielded Buf is reused and holds only F32 or F64 (g's dtype).
func nonzeroRows(g *Buf) func(yield func(*Buf) bool) {
	return func(yield func(*Buf) bool) {
		d, listed := listedRows(g)
		if !listed {
			yield(g)
			return
		}
		var part Buf
		for _, r := range g.NonzeroRows {
			part = floatSpan(g, int(r)*d, (int(r)+1)*d)
			if !yield(&part) {
				return
			}
		}
	}
}

// listedRows reports whether g lists its possibly nonzero rows
// (NonzeroRows, a table with rows), and the elements of a row.
func listedRows(g *Buf) (width int, listed bool) {
	if g.NonzeroRows == nil || len(g.Shape) == 0 || g.Shape[0] == 0 {
		return 0, false
	}
	return g.Len() / g.Shape[0], true
}

// floatSpan is elements [lo, hi) of the float buffer b, sharing its
// storage: its F32 or F64 only, and no allocation.
func floatSpan(b *Buf, lo, hi int) Buf {
	if b.Dtype == tensor.Float32 {
		return Buf{Dtype: b.Dtype, F32: b.F32[lo:hi]}
	}
	return Buf{Dtype: b.Dtype, F64: b.F64[lo:hi]}
}

// nonFiniteError builds ClipGradNorm's error. It runs only on the failure
// path, so it may scan and allocate.
func nonFiniteError(grads []*Buf, total float64) error {
	for i, g := range grads {
		if g == nil {
			continue
		}
		for j := range g.Len() {
			if v := g.At(j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: total norm is %v; gradient %d, shape %v, element %d is %v",
					ErrNonFiniteNorm, total, i, g.Shape, j, v)
			}
		}
	}
	// Every element is finite: only float64 squares can sum past MaxFloat64.
	return fmt.Errorf("%w: total norm is %v; every element is finite but the sum of squares overflowed", ErrNonFiniteNorm, total)
}

// GlobalNorm returns the L2 norm of all gradients taken together,
// accumulated in float64 so that float32 gradients of millions of elements
// neither lose small terms nor overflow. Nil entries are skipped, and so
// are the zero rows of a gradient that lists its NonzeroRows (an embedding
// table's). It panics on a non-float buffer, which is a programmer error.
//
// The sum runs over fixed pieces of the gradients (normPiece elements, or
// one listed row), added in order: large gradients have their pieces'
// sums of squares computed over the cores, and the result is the same
// bits on any number of them.
func GlobalNorm(grads []*Buf) float64 {
	var ss float64
	n := 0
	for i, g := range grads {
		if g == nil {
			continue
		}
		if g.Dtype != tensor.Float32 && g.Dtype != tensor.Float64 {
			panic(fmt.Sprintf("graph: GlobalNorm: gradient %d is %v, not float32 or float64", i, g.Dtype))
		}
		n += summedLen(g)
	}
	if n >= normSplitMin && norms.mu.TryLock() {
		defer norms.mu.Unlock()
		return math.Sqrt(norms.sum(grads))
	}
	for p := range normPieces(grads) {
		ss += pieceSumSq(p)
	}
	return math.Sqrt(ss)
}

// summedLen is how many of g's elements GlobalNorm sums: its listed rows'
// (nonzeroRows), else all of them.
func summedLen(g *Buf) int {
	if d, listed := listedRows(g); listed {
		return len(g.NonzeroRows) * d
	}
	return g.Len()
}

// normPieces yields GlobalNorm's pieces in order: each gradient's listed
// rows (or the whole of it) in runs of at most normPiece elements. The
// yielded Buf is reused and holds only the piece's F32 or F64.
func normPieces(grads []*Buf) func(yield func(*Buf) bool) {
	return func(yield func(*Buf) bool) {
		var piece Buf
		for _, g := range grads {
			if g == nil {
				continue
			}
			for r := range nonzeroRows(g) {
				n := r.Len()
				for lo := 0; lo < n; lo += normPiece {
					piece = floatSpan(r, lo, min(lo+normPiece, n))
					if !yield(&piece) {
						return
					}
				}
			}
		}
	}
}

// normPiece is the most elements of one piece of GlobalNorm's sum.
const normPiece = 1 << 14

// normSplitMin is the fewest elements for which GlobalNorm hands pieces to
// the other cores: the LSTM spam model's 0.9 M took 0.18 ms on one core.
const normSplitMin = 1 << 17

// pieceSumSq is the sum of squares of a piece.
func pieceSumSq(b *Buf) float64 {
	if b.Dtype == tensor.Float32 {
		return cpu.SumSq(b.F32)
	}
	return sumSq64(b.F64)
}

// norms is GlobalNorm's state for a sum spread over the cores: the pieces
// in order and their sums (grown on first use, then reused), held under mu
// by one caller at a time; another caller sums its pieces itself.
var norms normSum

type normSum struct {
	mu     sync.Mutex
	pieces []normSpan
	sums   []float64
}

// normSpan is one piece, starting at element at of all the pieces
// together.
type normSpan struct {
	buf Buf
	at  int
}

// normUnit is the elements of one index of the range the cores share: a
// part takes the pieces that start in its indices, so the parts hold
// about as many elements each (an embedding's listed rows are many short
// pieces).
const normUnit = 1 << 10

func (s *normSum) sum(grads []*Buf) float64 {
	s.pieces = s.pieces[:0]
	at := 0
	for p := range normPieces(grads) {
		s.pieces = append(s.pieces, normSpan{buf: *p, at: at})
		at += p.Len()
	}
	if cap(s.sums) < len(s.pieces) {
		// As pieces grew: a batch touching one more embedding row than any
		// before must not allocate again.
		s.sums = make([]float64, len(s.pieces), cap(s.pieces))
	}
	s.sums = s.sums[:len(s.pieces)]
	cpu.ParallelFor((at+normUnit-1)/normUnit, 1, s)
	var ss float64
	for _, v := range s.sums {
		ss += v
	}
	clear(s.pieces) // drop the references to the gradients
	return ss
}

func (s *normSum) Run(lo, hi int) {
	from, to := lo*normUnit, hi*normUnit
	for i := range s.pieces {
		if p := &s.pieces[i]; p.at >= from && p.at < to {
			s.sums[i] = pieceSumSq(&p.buf)
		}
	}
}

// sumSq64 is cpu.SumSq for float64, with the same four independent
// accumulators so the adds do not wait on each other.
func sumSq64(x []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs := x[i : i+4 : i+4]
		s0 += xs[0] * xs[0]
		s1 += xs[1] * xs[1]
		s2 += xs[2] * xs[2]
		s3 += xs[3] * xs[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}
