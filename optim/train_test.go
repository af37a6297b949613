package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberml/ember/graph"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// leastSquares is min over x, c of mean((A·x + c − y)²)/2 with y = A·x* + c*
// exactly, so the minimum is x*, c* with zero loss. x and c are separate
// parameters so that Step handles several at once.
type leastSquares struct {
	a        [][]float64 // n×d
	y        []float64
	xs       []float64 // x*
	cs       float64   // c*
	resid    []float64 // scratch
	gx, gc   *graph.Buf
	x, c     *graph.Param
	allGrads []*graph.Buf
	params   []*graph.Param
}

func newLeastSquares(dt tensor.Dtype, n int, xs []float64, cs float64) *leastSquares {
	rng := rand.New(rand.NewPCG(3, 4))
	ls := &leastSquares{xs: xs, cs: cs, resid: make([]float64, n)}
	for range n {
		row := make([]float64, len(xs))
		y := cs
		for j := range row {
			row[j] = 2*rng.Float64() - 1
			y += row[j] * xs[j]
		}
		ls.a = append(ls.a, row)
		ls.y = append(ls.y, y)
	}
	ls.x, ls.c = graph.NewParam("x", dt, len(xs)), graph.NewParam("c", dt)
	ls.gx, ls.gc = graph.NewBuf(dt, len(xs)), graph.NewBuf(dt)
	ls.params, ls.allGrads = []*graph.Param{ls.x, ls.c}, []*graph.Buf{ls.gx, ls.gc}
	return ls
}

// grad writes the gradient, Aᵀ(A·x + c − y)/n and mean(A·x + c − y), into
// gx and gc, fresh each call as a compiled program does, and returns the
// loss.
func (ls *leastSquares) grad() float64 {
	n := float64(len(ls.y))
	loss, gc := 0.0, 0.0
	for i, row := range ls.a {
		r := ls.c.Value.At(0) - ls.y[i]
		for j, v := range row {
			r += v * ls.x.Value.At(j)
		}
		ls.resid[i] = r
		loss += r * r / (2 * n)
		gc += r / n
	}
	for j := range ls.xs {
		g := 0.0
		for i, row := range ls.a {
			g += row[j] * ls.resid[i] / n
		}
		ls.gx.Set(j, g)
	}
	ls.gc.Set(0, gc)
	return loss
}

// TestSolvesLeastSquares trains each optimizer on a small well-conditioned
// least-squares problem and requires it to reach the known minimum.
func TestSolvesLeastSquares(t *testing.T) {
	xs, cs := []float64{1.5, -2, 0.5, 3}, -1.0
	cases := []struct {
		name  string
		opt   func() Optimizer
		steps int
	}{
		{"adam", func() Optimizer { return NewAdam(0.05) }, 1500},
		{"adamw tiny decay", func() Optimizer { a := NewAdam(0.05); a.WeightDecay = 1e-5; a.Decoupled = true; return a }, 1500},
		{"sgd", func() Optimizer { return NewSGD(0.5) }, 1500},
		{"sgd momentum", func() Optimizer { return &SGD{LR: 0.1, Momentum: 0.9} }, 600},
		{"sgd nesterov", func() Optimizer { return &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true} }, 600},
	}
	for _, tc := range cases {
		for _, dt := range dtypes {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				ls := newLeastSquares(dt, 32, xs, cs)
				opt := tc.opt()
				start := ls.grad()
				loss := start
				for range tc.steps {
					require.NoError(t, opt.Step(ls.params, ls.allGrads))
					loss = ls.grad()
				}
				require.Less(t, loss, 1e-6*start, "loss %g from %g", loss, start)
				requireClose(t, xs, values(ls.x.Value), 2e-3, "x")
				requireClose(t, []float64{cs}, values(ls.c.Value), 2e-3, "c")
			})
		}
	}
}

// TestStepDoesNotAllocate: once state exists, Step, ClipGradNorm and
// GlobalNorm must not allocate, since they run inside a training step that
// allocates nothing per batch.
func TestStepDoesNotAllocate(t *testing.T) {
	for _, o := range optimizers {
		for _, dt := range dtypes {
			t.Run(o.name+"/"+dt.String(), func(t *testing.T) {
				opt := o.make()
				params := []*graph.Param{graph.NewParam("w", dt, 7, 13), graph.NewParam("b", dt, 13)}
				grads := []*graph.Buf{graph.NewBuf(dt, 7, 13), graph.NewBuf(dt, 13)}
				for _, g := range grads {
					for i := range g.Len() {
						g.Set(i, math.Sin(float64(i)))
					}
				}
				require.NoError(t, opt.Step(params, grads)) // allocates the state
				allocs := testing.AllocsPerRun(20, func() {
					if err := opt.Step(params, grads); err != nil {
						t.Fatal(err)
					}
				})
				require.Zero(t, allocs, "Step allocated")

				allocs = testing.AllocsPerRun(20, func() {
					// maxNorm below the norm, so the scaling path runs too.
					if _, err := ClipGradNorm(grads, 1e-3); err != nil {
						t.Fatal(err)
					}
					_ = GlobalNorm(grads)
				})
				require.Zero(t, allocs, "ClipGradNorm/GlobalNorm allocated")
			})
		}
	}
}
