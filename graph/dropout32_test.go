package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The branch-free float32 mask is DropoutKeep's, bit for bit, for edge
// probabilities and values (NaN, infinities, signed zeros).
func TestDropoutApply32MatchesDropoutKeep(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 4099)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	x[3], x[4], x[5], x[6] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))
	y := make([]float32, len(x))
	for _, p := range []float64{0, 1e-9, 0.1, 0.3, 0.5, 0.999999, 5.960464477539063e-08, 1 - 5.960464477539063e-08} {
		for _, run := range []uint64{1, 2, 1 << 20} {
			dropoutApply32(y, x, p, 77, run)
			scale := float32(1 / (1 - p))
			for i, v := range x {
				want := float32(0)
				if DropoutKeep(77, run, uint64(i), float32(p)) {
					want = v * scale
				}
				if math.Float32bits(y[i]) != math.Float32bits(want) && !(math.IsNaN(float64(want)) && math.IsNaN(float64(y[i]))) {
					t.Fatalf("p=%v run=%d element %d: %v, want %v", p, run, i, y[i], want)
				}
			}
		}
	}
}
