package cpu

import (
	"sync"
	"testing"
	"time"
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
