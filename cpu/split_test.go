package cpu

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type sumJob struct {
	x   []float32
	out []float64
}

func (j *sumJob) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		j.out[i] = float64(j.x[i]) * 2
	}
}

func TestParallelForCoversTheRangeOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 64, 1000} {
		j := &sumJob{x: make([]float32, n), out: make([]float64, n)}
		for i := range j.x {
			j.x[i] = float32(i)
		}
		ParallelFor(n, 4, j)
		for i := range j.out {
			if j.out[i] != 2*float64(i) {
				t.Fatalf("n=%d: index %d computed as %v", n, i, j.out[i])
			}
		}
	}
	j := &sumJob{x: make([]float32, 512), out: make([]float64, 512)}
	if a := testing.AllocsPerRun(100, func() { ParallelFor(512, 16, j) }); a != 0 {
		t.Fatalf("ParallelFor allocated %v times per run", a)
	}
}

// slowJob marks each index it runs, taking about its delay on the part
// that holds index hold.
type slowJob struct {
	runs  []int32
	hold  int
	delay time.Duration
}

func (j *slowJob) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		j.runs[i]++
		if i == j.hold {
			for t := time.Now(); time.Since(t) < j.delay; {
			}
		}
	}
}

// TestParallelForHandOffs runs ParallelFor through every way a part is
// handed over and waited for: to a spinning worker and to a sleeping one
// (a pause longer than spinWait before the call), with the caller's part
// the slower and with the worker's part slower than spinWait (so the
// caller sleeps on its signal), from several goroutines at once (one
// owns the workers, the others run whole). Every index runs exactly once.
func TestParallelForHandOffs(t *testing.T) {
	if splitParts() < 2 {
		t.Skip("one core: ParallelFor runs whole")
	}
	const n = 64
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			j := &slowJob{runs: make([]int32, n)}
			for round := range 60 {
				j.hold = -1
				switch round % 4 {
				case 1:
					j.hold, j.delay = 0, 50*time.Microsecond // the caller's part is slower
				case 2:
					j.hold, j.delay = n-1, 3*spinWait // the worker's part: the caller sleeps
				case 3:
					time.Sleep(2 * spinWait) // the worker sleeps
				}
				ParallelFor(n, 1, j)
				for i, r := range j.runs {
					if r != int32(round+1) {
						t.Errorf("goroutine %d round %d: index %d ran %d times in all", g, round, i, r)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// panicJob panics on index 0 (the caller's part) and takes a while on
// the others (the workers' parts), marking each it finished.
type panicJob struct{ done []atomic.Bool }

func (j *panicJob) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		if i == 0 {
			panic("part 0")
		}
		if i == hi-1 {
			time.Sleep(2 * time.Millisecond)
		}
		j.done[i].Store(true)
	}
}

// TestParallelForCallerPanics: when the caller's part panics, the panic
// reaches the caller only after the workers' parts have run, so a caller
// that recovers finds none of them still running, and the next
// ParallelFor covers its range exactly once.
func TestParallelForCallerPanics(t *testing.T) {
	if splitParts() < 2 {
		t.Skip("one core: ParallelFor runs whole")
	}
	const n = 64
	for round := range 10 {
		j := &panicJob{done: make([]atomic.Bool, n)}
		func() {
			defer func() { require.Equal(t, "part 0", recover()) }()
			ParallelFor(n, 1, j)
		}()
		for i := n / splitParts(); i < n; i++ { // the last worker's part
			require.True(t, j.done[i].Load(), "round %d: index %d not done when the panic arrived", round, i)
		}
		next := &slowJob{runs: make([]int32, n), hold: -1}
		ParallelFor(n, 1, next)
		for i, r := range next.runs {
			require.EqualValues(t, 1, r, "round %d: index %d", round, i)
		}
	}
}

// TestSplitProductsMatchWhole: a product split over the workers gives the
// same bits when another caller holds them (its parts then run serially),
// and a small-row product the bits of the kernel run whole, at the LSTM's
// per-step shapes and at one whose column blocks fall below the small-row
// kernel's size test; OpenBLAS shapes too.
func TestSplitProductsMatchWhole(t *testing.T) {
	useBackend(t, true)
	r := rand.New(rand.NewPCG(11, 12))
	for _, s := range []struct{ m, n, k int }{{10, 1024, 256}, {10, 256, 1024}, {16, 40, 1024}, {7, 520, 64}, {40, 30, 900}} {
		a, b := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n)
		parts, busy, whole := make([]float32, s.m*s.n), make([]float32, s.m*s.n), make([]float32, s.m*s.n)
		Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, parts, s.n)
		split.mu.Lock() // a concurrent caller holds the pool
		Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, busy, s.n)
		split.mu.Unlock()
		if smallGemmOK(false, false, s.m, s.n, s.k) {
			smallSgemm(s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, whole, s.n)
		} else {
			copy(whole, busy)
		}
		for i := range whole {
			require.Equal(t, math.Float32bits(busy[i]), math.Float32bits(parts[i]), "%d×%d×%d element %d, pool busy", s.m, s.n, s.k, i)
			require.Equal(t, math.Float32bits(whole[i]), math.Float32bits(parts[i]), "%d×%d×%d element %d, kernel whole", s.m, s.n, s.k, i)
		}
	}
}

// TestSgemmSmallRowsBlocks: column blocks of a product computed with
// SgemmSmallRows, 16 columns at a time and unevenly, give the bits of
// Sgemm's product where SmallRowKernel takes it, with beta 1 as an LSTM
// step adds into its input projection.
func TestSgemmSmallRowsBlocks(t *testing.T) {
	useBackend(t, true)
	m, n, k := 10, 1024, 256
	if !SmallRowKernel(m, n, k) {
		t.Skip("no small-row kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(13, 14))
	a, b, c0 := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
	whole := append([]float32(nil), c0...)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 1, whole, n)
	for _, width := range []int{16, 100, 512} {
		blocks := append([]float32(nil), c0...)
		for lo := 0; lo < n; lo += width {
			SgemmSmallRows(m, min(width, n-lo), k, 1, a, k, b[lo:], n, 1, blocks[lo:], n)
		}
		for i := range whole {
			require.Equal(t, math.Float32bits(whole[i]), math.Float32bits(blocks[i]), "blocks of %d columns, element %d", width, i)
		}
	}
	require.PanicsWithValue(t, "cpu.SgemmSmallRows: len(c)=5 < 10240 needed for a 10×1024 matrix with ldc=1024",
		func() { SgemmSmallRows(m, n, k, 1, a, k, b, n, 1, make([]float32, 5), n) })
}
