package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberml/ember/internal/dropmask"
)

// The branch-free float32 mask, in Go, in C (cgo builds) and split over the
// cores, is DropoutKeep's, bit for bit, for edge probabilities and values
// (NaN, infinities, signed zeros).
func TestDropoutApply32MatchesDropoutKeep(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 2*dropoutGrain+99) // split in three ranges where there are cores
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	x[3], x[4], x[5], x[6] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))
	y := make([]float32, len(x))
	for _, p := range []float64{0, 1e-9, 0.1, 0.3, 0.5, 0.999999, 5.960464477539063e-08, 1 - 5.960464477539063e-08} {
		for _, run := range []uint64{1, 2, 1 << 20} {
			for _, kernel := range []string{"Go", "serial", "split"} {
				scale := float32(1 / (1 - p))
				switch kernel {
				case "Go":
					dropoutGo32(y, x, scale, int64(math.Ceil(float64(float32(p))*(1<<24))), 77+dropmask.Stride*(run<<32))
				case "serial":
					dropoutApply32(y, x, p, 77, run, nil)
				case "split":
					dropoutApply32(y, x, p, 77, run, new(dropoutJob))
				}
				for i, v := range x {
					want := float32(0)
					if DropoutKeep(77, run, uint64(i), float32(p)) {
						want = v * scale
					}
					if math.Float32bits(y[i]) != math.Float32bits(want) && !(math.IsNaN(float64(want)) && math.IsNaN(float64(y[i]))) {
						t.Fatalf("%s kernel, p=%v run=%d element %d: %v, want %v", kernel, p, run, i, y[i], want)
					}
				}
			}
		}
	}
}
