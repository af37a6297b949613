//go:build cgo && amd64

package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// withVectorLevel runs f with the vector kernels limited to level (1 AVX,
// 2 AVX-512F), or skips when the CPU lacks it.
func withVectorLevel(t *testing.T, level int, f func()) {
	t.Helper()
	if vectorLevel < level {
		t.Skipf("vector level %d not available (have %d)", level, vectorLevel)
	}
	saved := vectorLevel
	vectorLevel = level
	defer func() { vectorLevel = saved }()
	f()
}

func randomVec(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-38, 3e38, -3e38}
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(32) == 0 {
			x[i] = special[rng.IntN(len(special))]
		} else {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-6)))
		}
	}
	return x
}

func vecLengths() []int {
	ls := []int{1000, 70001, 1 << 16}
	for n := 0; n <= 80; n++ {
		ls = append(ls, n)
	}
	return ls
}

// TestNativeSumSqScaleMatchGo checks the C SumSq and Scale at each vector
// level this CPU has against the Go loops, bit for bit (SumSq's order is
// fixed by its lanes, so there is one right answer).
func TestNativeSumSqScaleMatchGo(t *testing.T) {
	for _, level := range []int{1, 2} {
		t.Run([]string{"", "avx", "avx512"}[level], func(t *testing.T) {
			withVectorLevel(t, level, func() {
				rng := rand.New(rand.NewPCG(3, uint64(level)))
				for _, n := range vecLengths() {
					x := randomVec(rng, n)
					if n > 0 {
						if got, want := sumSqNative(x), sumSqGo(x); math.Float64bits(got) != math.Float64bits(want) {
							t.Fatalf("length %d: SumSq native %v, Go %v", n, got, want)
						}
					}
					y := append([]float32(nil), x...)
					scaleGo(0.37, x)
					if n > 0 {
						scaleNative(0.37, y)
					}
					for i := range x {
						if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
							t.Fatalf("length %d: Scale element %d native %v, Go %v", n, i, y[i], x[i])
						}
					}
				}
			})
		})
	}
}

// TestNativeBiasRowsMatchGo checks the C bias-row kernels (one or two
// biases) and column sums at each vector level against the Go loops, bit
// for bit, at widths around the vector and column-block sizes.
func TestNativeBiasRowsMatchGo(t *testing.T) {
	same := func(t *testing.T, what string, rows, cols int, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s %dx%d: element %d native %v, Go %v", what, rows, cols, i, got[i], want[i])
			}
		}
	}
	for _, level := range []int{1, 2} {
		t.Run([]string{"", "avx", "avx512"}[level], func(t *testing.T) {
			withVectorLevel(t, level, func() {
				rng := rand.New(rand.NewPCG(5, uint64(level)))
				for _, cols := range []int{1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 129, 1024} {
					for _, rows := range []int{1, 2, 5, 158} {
						c, b1, b2 := randomVec(rng, rows*cols+1), randomVec(rng, cols), randomVec(rng, cols)
						for _, two := range []bool{false, true} {
							var bb []float32
							if two {
								bb = b2
							}
							want, got := append([]float32(nil), c...), append([]float32(nil), c...)
							addRowsGo(want, rows, cols, cols, b1, bb)
							addRowsNative(got, rows, cols, cols, b1, bb)
							same(t, fmt.Sprintf("add rows (two biases %t)", two), rows, cols, got, want)
						}
						want, got := append([]float32(nil), b1...), append([]float32(nil), b1...)
						sumRowsGo(want, c, rows, cols)
						sumRowsNative(got, c, rows, cols)
						same(t, "sum rows", rows, cols, got, want)
					}
				}
			})
		})
	}
}

// TestNativeAdamLevelsAgree checks the AVX kernel of AdamUpdate against the
// AVX-512 one bit for bit (package optim checks the one this CPU runs
// against its Go kernel).
func TestNativeAdamLevelsAgree(t *testing.T) {
	if vectorLevel < 2 {
		t.Skip("needs AVX-512F to compare both kernels")
	}
	rng := rand.New(rand.NewPCG(5, 8))
	coefs := []AdamCoef{
		{OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, StepSize: 0.01, BC2Sqrt: 0.0316, Eps: 1e-8, Decay: 1},
		{OneMinusBeta1: 0.2, Beta2: 0.99, OneMinusBeta2: 0.01, StepSize: 0.03, BC2Sqrt: 0.14, Eps: 1e-6, L2: 0.01, Decay: 0.9997},
	}
	for ci, c := range coefs {
		for _, n := range vecLengths() {
			w, g, m, v := randomVec(rng, n), randomVec(rng, n), randomVec(rng, n), randomVec(rng, n)
			for i := range v {
				v[i] = float32(math.Abs(float64(v[i])))
			}
			w1, m1, v1 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			AdamUpdate(w, g, m, v, c)
			withVectorLevel(t, 1, func() { AdamUpdate(w1, g, m1, v1, c) })
			for i := range w {
				for _, p := range [][2]float32{{w[i], w1[i]}, {m[i], m1[i]}, {v[i], v1[i]}} {
					if math.Float32bits(p[0]) != math.Float32bits(p[1]) && !(p[0] != p[0] && p[1] != p[1]) {
						t.Fatalf("coefficients %d, length %d, element %d: AVX-512 %v, AVX %v", ci, n, i, p[0], p[1])
					}
				}
			}
		}
	}
}
