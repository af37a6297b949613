//go:build cgo && amd64

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDropoutKernelsAgree checks the AVX-512DQ dropout kernel against the
// plain C loop (which package graph's test checks against the Go one) bit
// for bit, over every tail length and edge thresholds, with runs of zeros
// (which the AVX-512 kernel skips) among the values.
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
			// Blocks of +0 (skipped), of -0 (kept signed where kept) and of
			// zeros but one, aligned and not (a packed LSTM's padding).
			for i := 16; i < min(n, 40); i++ {
				x[i] = 0
			}
			for i := 40; i < min(n, 56); i++ {
				x[i] = float32(math.Copysign(0, -1))
			}
			for i := 56; i < min(n, 80); i++ {
				x[i] = 0
			}
			if n > 70 {
				x[70] = 3
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
