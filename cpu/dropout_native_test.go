//go:build cgo && amd64

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDropoutKernelsAgree checks the AVX-512DQ dropout kernel against the
// plain C loop (which package graph's test checks against the Go one) bit
// for bit, over every tail length and edge thresholds.
func TestDropoutKernelsAgree(t *testing.T) {
	if !dropoutAVX512 {
		t.Skip("no AVX-512DQ on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, thr := range []int64{0, 1, 5033165, 1 << 23, 1<<24 - 1, 1 << 24} {
		for _, n := range vecLengths() {
			x := randomVec(rng, n)
			if n > 3 {
				x[1], x[2] = float32(math.NaN()), float32(math.Inf(-1))
			}
			want, got := make([]float32, n), make([]float32, n)
			key := rng.Uint64()
			dropoutAVX512 = false
			Dropout(want, x, 1.4285715, thr, key)
			dropoutAVX512 = true
			Dropout(got, x, 1.4285715, thr, key)
			for i := range want {
				if math.Float32bits(want[i]) != math.Float32bits(got[i]) && !(want[i] != want[i] && got[i] != got[i]) {
					t.Fatalf("thr %d, length %d, element %d: AVX-512 %v, loop %v", thr, n, i, got[i], want[i])
				}
			}
		}
	}
}
