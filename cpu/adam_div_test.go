//go:build cgo && amd64

package cpu

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestAdamDivisionIsDivision checks the quotient AdamUpdate's AVX-512
// kernel computes for √v/BC2Sqrt with a reciprocal and two fused
// corrections against Go's division, bit for bit: every significand of one
// binade of the dividend for some divisors (the quotient's bits depend only
// on the two significands while nothing is subnormal), and dividends of
// every binade √v can take, with zeros, infinities and NaN, for many
// divisors: the factors √(1−β2^t) of the first steps at common β2, 1, a
// power of two, the least divisor taken (2^-40), and random ones in [2^-40, 1]. EMBER_ADAM_DIV_EXHAUSTIVE=1 runs every
// significand for all of them (a minute).
func TestAdamDivisionIsDivision(t *testing.T) {
	if vectorLevel < 2 {
		t.Skip("needs AVX-512F")
	}
	rng := rand.New(rand.NewPCG(3, 7))
	var divisors []float32
	for _, b2 := range []float64{0.999, 0.99, 0.9999, 0.95} {
		for step := 1; step <= 40; step++ {
			divisors = append(divisors, float32(math.Sqrt(1-math.Pow(b2, float64(step)))))
		}
	}
	divisors = append(divisors, 1, 0.5, 0.75, math.Nextafter32(1, 0), math.Nextafter32(0.5, 1))
	divisors = append(divisors, 0x1p-40, math.Nextafter32(0x1p-40, 1))
	for range 2000 {
		divisors = append(divisors, float32(math.Ldexp(1+rng.Float64(), -rng.IntN(41))))
	}

	check := func(b float32, a, q []float32) {
		t.Helper()
		for i, x := range a {
			want := x / b
			if math.Float32bits(q[i]) != math.Float32bits(want) && !(want != want && q[i] != q[i]) {
				t.Fatalf("%v/%v (%#x/%#x): kernel %v (%#x), division %v (%#x)", x, b, math.Float32bits(x),
					math.Float32bits(b), q[i], math.Float32bits(q[i]), want, math.Float32bits(want))
			}
		}
	}

	// Every significand of [1, 2).
	binade := make([]float32, 1<<23)
	for i := range binade {
		binade[i] = math.Float32frombits(0x3f800000 | uint32(i))
	}
	q := make([]float32, len(binade))
	exhaustive := os.Getenv("EMBER_ADAM_DIV_EXHAUSTIVE") == "1"
	for i, b := range divisors {
		if !exhaustive && i%200 != 0 && i != 0 && i != 40 {
			continue
		}
		divByAdam(q, binade, b)
		check(b, binade, q)
	}

	// √v for v from the smallest subnormal to the largest float: every
	// binade from 2^-75 to 2^64, and the special values.
	a := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		float32(math.Sqrt(math.SmallestNonzeroFloat32)), float32(math.Sqrt(math.MaxFloat32))}
	for len(a) < 4099 {
		a = append(a, float32(math.Ldexp(1+rng.Float64(), rng.IntN(140)-75)))
	}
	q = q[:len(a)]
	for _, b := range divisors {
		divByAdam(q, a, b)
		check(b, a, q)
	}
}
