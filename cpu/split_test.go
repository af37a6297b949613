package cpu

import "testing"

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
