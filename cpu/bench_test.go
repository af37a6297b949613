package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// LSTM dimensions of the spam classifier: sequence length, embedding width,
// hidden width and the four stacked gates.
const (
	lstmSeq    = 44
	lstmEmbed  = 100
	lstmHidden = 256
	lstmGates  = 4 * lstmHidden
)

type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// lstmShapes are the products of one training step at batch size bs.
func lstmShapes(bs int) []gemmShape {
	tb := lstmSeq * bs
	return []gemmShape{
		// h_{t-1} (B×256) · W_h (256×1024), once per time step.
		{"recurrent", false, false, bs, lstmGates, lstmHidden},
		// All time steps' inputs at once: X (44B×100) · W_x (100×1024).
		{"inproj_embed", false, false, tb, lstmGates, lstmEmbed},
		// Second layer's input projection: H (44B×256) · W_x (256×1024).
		{"inproj_hidden", false, false, tb, lstmGates, lstmHidden},
		// Backward to h: dGates (B×1024) · W_hᵀ, W_h stored 256×1024.
		{"backward_dh", false, true, bs, lstmHidden, lstmGates},
		// Weight gradient: Hᵀ · dGates, H stored 44B×256, dGates 44B×1024.
		{"weight_grad", true, false, lstmHidden, lstmGates, tb},
	}
}

// benchBackends adds single-threaded OpenBLAS to the comparison: on a busy
// two-core machine its spinning worker thread competes with the rest of the
// process, so one thread can be the better setting.
var benchBackends = []struct {
	name     string
	openblas bool
	threads  int // 0 keeps OpenBLAS's default; -1 means gonum called directly
}{
	{"openblas", true, 0},
	{"openblas_1thread", true, 1},
	{"gonum", false, 0},
	// gonum's own Sgemm, called directly: the baseline the tiled,
	// allocation-free fallback replaces (it allocates per call).
	{"gonum_direct", false, -1},
}

func BenchmarkSgemm(b *testing.B) {
	for _, bs := range []int{10, 64} {
		for _, s := range lstmShapes(bs) {
			for _, be := range benchBackends {
				b.Run(fmt.Sprintf("B%d/%s_%dx%dx%d/%s", bs, s.name, s.m, s.n, s.k, be.name), func(b *testing.B) {
					useBackend(b, be.openblas)
					if be.threads > 0 {
						before := openblasThreads()
						SetThreads(be.threads)
						defer SetThreads(before)
					}
					benchGemm(b, s, be.threads < 0)
				})
			}
		}
	}
}

func benchGemm(b *testing.B, s gemmShape, direct bool) {
	r := rand.New(rand.NewPCG(1, 2))
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	a, bm, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
	b.ResetTimer()
	for b.Loop() {
		if direct {
			gonum.Implementation{}.Sgemm(toTranspose(s.transA), toTranspose(s.transB), s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
		} else {
			Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
		}
	}
	b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkVec(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 64, lstmGates
	x, y := randSlice(r, rows*cols), randSlice(r, rows*cols)
	bias, dst := randSlice(r, cols), make([]float32, cols)
	n := float64(rows * cols)
	var sink float64
	cases := []struct {
		name string
		f    func()
	}{
		{"Axpy", func() { Axpy(0.5, x, y) }},
		{"Scale", func() { Scale(0.999, y) }},
		{"Dot", func() { sink += float64(Dot(x, y)) }},
		{"SumSq", func() { sink += SumSq(x) }},
		{"AddBiasRows", func() { AddBiasRows(y, rows, cols, bias) }},
		{"SumRows", func() { SumRows(dst, x, rows, cols, false) }},
	}
	for _, tc := range cases {
		b.Run(fmt.Sprintf("%s_%dx%d", tc.name, rows, cols), func(b *testing.B) {
			for b.Loop() {
				tc.f()
			}
			b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
	_ = sink
}
