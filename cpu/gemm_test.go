package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// useBackend forces the GEMM backend for one test and restores it afterwards.
// OpenBLAS cases are skipped where the library is not installed, unless
// EMBER_REQUIRE_OPENBLAS=1, which turns the skip into a failure (for machines
// that are meant to have it).
func useBackend(t testing.TB, openblas bool) {
	t.Helper()
	saved := *current()
	if openblas && !saved.openblas {
		if os.Getenv("EMBER_REQUIRE_OPENBLAS") == "1" {
			t.Fatalf("EMBER_REQUIRE_OPENBLAS=1 but the backend is %s", GEMMName())
		}
		t.Skipf("OpenBLAS unavailable: %s", saved.reason)
	}
	active.openblas = openblas
	t.Cleanup(func() { active = saved })
}

var backendCases = []struct {
	name     string
	openblas bool
}{
	{"openblas", true},
	{"gonum", false},
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// refGemm is the definition of Sgemm as a naive triple loop in float64. It also returns,
// per element, the sum of absolute values of the terms, which bounds the
// float32 rounding error of any summation order.
func refGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, scale []float64) {
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, abs float64
			// BLAS defines alpha == 0 as not reading A and B at all.
			for l := 0; alpha != 0 && l < k; l++ {
				var av, bv float32
				if tA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if tB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				p := float64(av) * float64(bv)
				s += p
				abs += math.Abs(p)
			}
			v := float64(alpha) * s
			abs *= math.Abs(float64(alpha))
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
				abs += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j], scale[i*n+j] = v, abs
		}
	}
	return want, scale
}

func TestSgemm(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name          string
		m, n, k       int
		padA, padB    int // extra columns beyond the stored row width
		padC          int
		alpha, beta   float32
		cFill         float32 // initial C inside the m×n block; 0 means random
		aNaN          bool    // fill A with NaN (only meaningful with alpha == 0)
		emptyOperands bool    // pass nil A and B (valid only when k == 0)
	}{
		{name: "1x1x1", m: 1, n: 1, k: 1, alpha: 1, beta: 0},
		{name: "tiny odd", m: 3, n: 5, k: 7, alpha: 1, beta: 1},
		{name: "non-square padded", m: 17, n: 33, k: 9, padA: 3, padB: 5, padC: 2, alpha: -0.5, beta: 0.25},
		{name: "beta 0 ignores NaN in C", m: 13, n: 11, k: 6, padC: 4, alpha: 2.5, beta: 0, cFill: nan},
		{name: "lstm recurrent B10", m: 10, n: 1024, k: 256, alpha: 1, beta: 1},
		// Shapes of the small-row kernel (smallGemmOK: 2-16 rows, B as
		// stored): column tails, one and two row blocks, strides, beta 0.
		{name: "small rows ragged", m: 7, n: 1061, k: 33, padA: 3, padB: 5, padC: 2, alpha: -0.5, beta: 0.25},
		{name: "small rows beta 0 NaN", m: 16, n: 130, k: 260, padC: 4, alpha: 2, beta: 0, cFill: nan},
		{name: "small rows 2", m: 2, n: 257, k: 100, alpha: 1, beta: 1},
		{name: "small rows 13", m: 13, n: 64, k: 300, padB: 1, alpha: 1, beta: -2},
		{name: "ragged multi-tile", m: 150, n: 400, k: 600, padA: 1, padB: 7, padC: 3, alpha: 0.75, beta: -1.5},
		{name: "large beta 0 NaN", m: 130, n: 200, k: 300, alpha: 1, beta: 0, cFill: nan},
		{name: "k 0 scales C", m: 4, n: 6, k: 0, alpha: 1, beta: 0.5, emptyOperands: true},
		{name: "k 0 beta 0 clears NaN", m: 4, n: 6, k: 0, padC: 1, alpha: 1, beta: 0, cFill: nan, emptyOperands: true},
		{name: "alpha 0 ignores A", m: 5, n: 4, k: 3, alpha: 0, beta: 2, aNaN: true},
		{name: "m 0", m: 0, n: 5, k: 3, alpha: 1, beta: 0},
		{name: "n 0", m: 5, n: 0, k: 3, alpha: 1, beta: 0},
	}
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			for _, tc := range cases {
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					tA, tB := tr[0], tr[1]
					t.Run(fmt.Sprintf("%s/tA=%t,tB=%t", tc.name, tA, tB), func(t *testing.T) {
						r := rand.New(rand.NewPCG(uint64(tc.m*1000+tc.n), uint64(tc.k)))
						ar, ac := tc.m, tc.k
						if tA {
							ar, ac = tc.k, tc.m
						}
						br, bc := tc.k, tc.n
						if tB {
							br, bc = tc.n, tc.k
						}
						lda, ldb, ldc := max(1, ac+tc.padA), max(1, bc+tc.padB), max(1, tc.n+tc.padC)
						a, b := randSlice(r, ar*lda), randSlice(r, br*ldb)
						if tc.aNaN {
							for i := range a {
								a[i] = nan
							}
						}
						if tc.emptyOperands {
							a, b = nil, nil
						}
						c := randSlice(r, tc.m*ldc)
						// Padding columns hold a sentinel that must survive.
						const sentinel = 12345
						for i := range tc.m {
							for j := range ldc {
								if j >= tc.n {
									c[i*ldc+j] = sentinel
								} else if tc.cFill != 0 {
									c[i*ldc+j] = tc.cFill
								}
							}
						}
						want, scale := refGemm(tA, tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)

						Sgemm(tA, tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)

						for i := range tc.m {
							for j := range ldc {
								got := c[i*ldc+j]
								if j >= tc.n {
									if got != sentinel {
										t.Fatalf("padding C[%d,%d] overwritten with %v", i, j, got)
									}
									continue
								}
								w := want[i*tc.n+j]
								tol := 1e-6 + 2e-6*scale[i*tc.n+j]*math.Sqrt(float64(tc.k+1))
								requireNear(t, w, got, tol, "C[%d,%d]", i, j)
							}
						}
					})
				}
			}
		})
	}
}

func TestSgemmPanics(t *testing.T) {
	s := make([]float32, 100)
	cases := []struct {
		name string
		call func()
		msg  string
	}{
		{"negative m", func() { Sgemm(false, false, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }, "negative size m=-1"},
		{"negative k", func() { Sgemm(false, false, 2, 2, -3, 1, s, 2, s, 2, 0, s, 2) }, "negative size"},
		{"lda below k", func() { Sgemm(false, false, 2, 3, 4, 1, s, 3, s, 3, 0, s, 3) }, "lda=3 < 4"},
		{"lda below m when transposed", func() { Sgemm(true, false, 5, 3, 4, 1, s, 4, s, 3, 0, s, 3) }, "lda=4 < 5"},
		{"ldb below n", func() { Sgemm(false, false, 2, 3, 4, 1, s, 4, s, 2, 0, s, 3) }, "ldb=2 < 3"},
		{"ldb below k when transposed", func() { Sgemm(false, true, 2, 3, 4, 1, s, 4, s, 3, 0, s, 3) }, "ldb=3 < 4"},
		{"ldc below n", func() { Sgemm(false, false, 2, 3, 4, 1, s, 4, s, 3, 0, s, 2) }, "ldc=2 < 3"},
		{"ld 0 on empty matrix", func() { Sgemm(false, false, 0, 0, 0, 1, nil, 0, nil, 1, 0, nil, 1) }, "lda=0 < 1"},
		{"short a", func() { Sgemm(false, false, 5, 3, 30, 1, s, 30, s, 3, 0, s, 3) }, "len(a)=100 < 150"},
		{"short b", func() { Sgemm(false, false, 2, 20, 6, 1, s, 6, s, 20, 0, s, 20) }, "len(b)=100 < 120"},
		{"short c", func() { Sgemm(false, false, 11, 10, 1, 1, s, 1, s, 10, 0, s, 10) }, "len(c)=100 < 110"},
	}
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					msg := panicMessage(tc.call)
					require.True(t, strings.HasPrefix(msg, "cpu.Sgemm: "), "panic %q", msg)
					require.Contains(t, msg, tc.msg)
				})
			}
		})
	}
}

// requireNear fails unless got is within tol of want and not NaN. The cheap
// comparison comes first and testify only formats a failure, which keeps the
// element-by-element checks of large products fast, notably under -race.
func requireNear(t *testing.T, want float64, got float32, tol float64, msgAndArgs ...any) {
	t.Helper()
	if g := float64(got); math.IsNaN(g) || math.Abs(g-want) > tol {
		require.InDelta(t, want, g, tol, msgAndArgs...)
		t.Fatalf("%v: got %v, want %v ± %v", msgAndArgs, got, want, tol) // InDelta fails on NaN too; never reached
	}
}

// panicMessage runs f and returns what it panicked with, or "" if it did not.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestSgemmDoesNotAllocate(t *testing.T) {
	shapes := []struct{ m, n, k int }{
		{3, 4, 5},        // serial everywhere
		{64, 1024, 256},  // parallel tiles on the gonum path
		{256, 1024, 440}, // transposed weight-gradient shape
	}
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			for _, s := range shapes {
				r := rand.New(rand.NewPCG(1, 2))
				a, b, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), randSlice(r, s.m*s.n)
				for _, tA := range []bool{false, true} {
					lda := s.k
					if tA {
						lda = s.m
					}
					allocs := testing.AllocsPerRun(5, func() {
						Sgemm(tA, false, s.m, s.n, s.k, 1, a, lda, b, s.n, 0, c, s.n)
					})
					require.Zero(t, allocs, "%dx%dx%d tA=%t", s.m, s.n, s.k, tA)
				}
			}
		})
	}
}

// TestSgemmConcurrent checks that simultaneous calls give correct results:
// on the gonum path only one call owns the worker pool and the others must
// fall back to computing on their own goroutine.
func TestSgemmConcurrent(t *testing.T) {
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			const m, n, k, callers = 96, 300, 200, 6
			r := rand.New(rand.NewPCG(3, 4))
			a, b := randSlice(r, m*k), randSlice(r, k*n)
			want, scale := refGemm(false, false, m, n, k, 1, a, k, b, n, 0, nil, n)
			got := make([][]float32, callers)
			var wg sync.WaitGroup
			for g := range callers {
				got[g] = make([]float32, m*n)
				wg.Go(func() {
					for range 3 {
						Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, got[g], n)
					}
				})
			}
			wg.Wait()
			for g := range callers {
				for i, w := range want {
					requireNear(t, w, got[g][i], 1e-6+1e-5*scale[i], "caller %d element %d", g, i)
				}
			}
		})
	}
}

// TestSgemmPoolBusy takes the gonum worker pool away, as a concurrent caller
// would, and checks that a large product is still computed (serially on the
// caller's goroutine) rather than waiting or racing on the pool.
func TestSgemmPoolBusy(t *testing.T) {
	useBackend(t, false)
	const m, n, k = 130, 250, 300
	r := rand.New(rand.NewPCG(5, 6))
	a, b, c := randSlice(r, k*m), randSlice(r, k*n), randSlice(r, m*n)
	want, scale := refGemm(true, false, m, n, k, 2, a, m, b, n, 0.5, c, n)
	gonumMu.Lock()
	Sgemm(true, false, m, n, k, 2, a, m, b, n, 0.5, c, n)
	gonumMu.Unlock()
	for i, w := range want {
		requireNear(t, w, c[i], 1e-6+1e-5*scale[i], "element %d", i)
	}
}

func TestSelectBackend(t *testing.T) {
	cases := []struct {
		name       string
		env        string
		names      []string
		wantReason string
	}{
		{"EMBER_BLAS=gonum wins", "gonum", openblasNames, "EMBER_BLAS=gonum"},
		{"EMBER_BLAS is case-insensitive", " GoNum ", openblasNames, "EMBER_BLAS=gonum"},
		{"missing library falls back", "", []string{"libember-no-such-blas.so.0"}, "OpenBLAS not loaded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := selectBackend(tc.env, tc.names)
			require.False(t, be.openblas)
			require.Contains(t, be.reason, tc.wantReason)
		})
	}
}

func TestGEMMName(t *testing.T) {
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			name := GEMMName()
			if !be.openblas {
				require.True(t, strings.HasPrefix(name, "gonum (pure Go; "), name)
				SetThreads(3) // documented no-op
				require.Equal(t, name, GEMMName())
				return
			}
			require.True(t, strings.HasPrefix(name, "openblas ("+active.lib+", "), name)
			before := openblasThreads()
			t.Cleanup(func() { SetThreads(before) })
			SetThreads(1)
			require.Contains(t, GEMMName(), ", 1 thread")
			require.Equal(t, 1, openblasThreads())
		})
	}
	require.Panics(t, func() { SetThreads(0) })
}

// TestLogBackend records which backend the other tests ran against, so a CI
// log shows whether the OpenBLAS cases were exercised or skipped.
func TestLogBackend(t *testing.T) {
	t.Log(GEMMName())
}
