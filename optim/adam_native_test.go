package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberml/ember/cpu"
)

// TestNativeAdamMatchesGo checks cpu.AdamUpdate (AVX-512 or AVX C, where
// this build and CPU have it) against adamUpdate bit for bit: every length
// up to a few vectors (the masked tails), a long slice, with and without
// both kinds of weight decay, over values that include zeros, signed zeros,
// tiny and huge gradients, subnormals, infinities and NaN.
func TestNativeAdamMatchesGo(t *testing.T) {
	if !cpu.NativeAdam {
		t.Skip("no native Adam kernel in this build or on this CPU (needs cgo, amd64 and AVX)")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-38, 1e-45, -3e-39, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1, -1}
	value := func(scale float64) float32 {
		if rng.IntN(16) == 0 {
			return special[rng.IntN(len(special))]
		}
		return float32(rng.NormFloat64() * scale)
	}
	coefs := []adamCoef{
		{b1: 0.9, b2: 0.999, stepSize: 1e-3 / (1 - 0.9), bc2Sqrt: math.Sqrt(1 - 0.999), eps: 1e-8, decay: 1},
		{b1: 0.8, b2: 0.99, stepSize: 0.01 / (1 - 0.64), bc2Sqrt: math.Sqrt(1 - 0.99*0.99), eps: 1e-6, l2: 0.01, decay: 1},
		{b1: 0.9, b2: 0.999, stepSize: 3e-4 / 0.271, bc2Sqrt: math.Sqrt(0.002997), eps: 1e-8, decay: 1 - 3e-4*0.1},
		// Factors Adam never computes, which the AVX-512 kernel divides by
		// instead of multiplying by their reciprocal.
		{b1: 0.9, b2: 0.999, stepSize: 1e-3, bc2Sqrt: 1e-40, eps: 1e-8, decay: 1},
		{b1: 0.9, b2: 0.999, stepSize: 1e-3, bc2Sqrt: 3, eps: 0, decay: 1},
	}
	lengths := []int{70001}
	for n := 0; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	for ci, c := range coefs {
		for _, n := range lengths {
			w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range n {
				w[i], g[i], m[i] = value(0.1), value(1e-3), value(1e-3)
				v[i] = float32(math.Abs(float64(value(1e-6))))
			}
			w2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			adamUpdate(w, g, m, v, c)
			cpu.AdamUpdate(w2, g, m2, v2, c.float32())
			for i := range n {
				for _, p := range []struct {
					name string
					a, b float32
				}{{"w", w[i], w2[i]}, {"m", m[i], m2[i]}, {"v", v[i], v2[i]}} {
					if math.Float32bits(p.a) != math.Float32bits(p.b) && !(p.a != p.a && p.b != p.b) {
						t.Fatalf("coefficients %d, length %d, element %d: %s Go %v (%#x), native %v (%#x)",
							ci, n, i, p.name, p.a, math.Float32bits(p.a), p.b, math.Float32bits(p.b))
					}
				}
			}
		}
	}
}
