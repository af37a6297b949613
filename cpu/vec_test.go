package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Lengths around the 4-way unroll (remainders 0..3) plus a long vector.
var vecLens = []int{0, 1, 3, 4, 5, 7, 8, 17, 1001}

func TestAxpyScale(t *testing.T) {
	for _, n := range vecLens {
		for _, alpha := range []float32{0, 1, -2.5} {
			r := rand.New(rand.NewPCG(uint64(n), 7))
			x, y := randSlice(r, n), randSlice(r, n)
			wantAxpy, wantScale := make([]float32, n), make([]float32, n)
			for i := range n {
				wantAxpy[i] = y[i] + alpha*x[i]
				wantScale[i] = alpha * x[i]
			}
			Axpy(alpha, x, y)
			require.Equal(t, wantAxpy, y, "Axpy n=%d alpha=%v", n, alpha)
			Scale(alpha, x)
			require.Equal(t, wantScale, x, "Scale n=%d alpha=%v", n, alpha)
		}
	}
}

func TestDotSumSq(t *testing.T) {
	for _, n := range vecLens {
		r := rand.New(rand.NewPCG(uint64(n), 9))
		x, y := randSlice(r, n), randSlice(r, n)
		var dot, abs, sq float64
		for i := range n {
			dot += float64(x[i]) * float64(y[i])
			abs += math.Abs(float64(x[i]) * float64(y[i]))
			sq += float64(x[i]) * float64(x[i])
		}
		require.InDelta(t, dot, float64(Dot(x, y)), 1e-6*abs+1e-7, "Dot n=%d", n)
		require.InDelta(t, sq, SumSq(x), 1e-12*sq, "SumSq n=%d", n)
	}
	// Float64 accumulation keeps terms that a float32 sum would overflow.
	big := []float32{3e19, 3e19, 3e19, 3e19, 3e19}
	require.InEpsilon(t, 4.5e39, SumSq(big), 1e-6)
}

func TestAddBiasRowsSumRows(t *testing.T) {
	cases := []struct{ rows, cols int }{{0, 3}, {1, 1}, {3, 5}, {10, 1024}, {7, 0}}
	for _, tc := range cases {
		r := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.cols)))
		// One trailing value past rows*cols must stay untouched.
		c := randSlice(r, tc.rows*tc.cols+1)
		bias := randSlice(r, tc.cols)
		want := append([]float32(nil), c...)
		for i := range tc.rows {
			for j := range tc.cols {
				want[i*tc.cols+j] += bias[j]
			}
		}
		bias2 := randSlice(r, tc.cols)
		want2 := append([]float32(nil), c...)
		for i := range tc.rows {
			for j := range tc.cols {
				want2[i*tc.cols+j] += bias[j] + bias2[j]
			}
		}
		c2 := append([]float32(nil), c...)
		AddBiasRows2(c2, tc.rows, tc.cols, bias, bias2)
		require.Equal(t, want2, c2, "AddBiasRows2 %dx%d", tc.rows, tc.cols)
		AddBiasRows(c, tc.rows, tc.cols, bias)
		require.Equal(t, want, c, "AddBiasRows %dx%d", tc.rows, tc.cols)

		sums := make([]float64, tc.cols)
		for i := range tc.rows {
			for j := range tc.cols {
				sums[j] += float64(c[i*tc.cols+j])
			}
		}
		for _, accumulate := range []bool{false, true} {
			dst := randSlice(r, tc.cols) // garbage unless accumulating
			start := append([]float32(nil), dst...)
			SumRows(dst, c, tc.rows, tc.cols, accumulate)
			for j := range tc.cols {
				w := sums[j]
				if accumulate {
					w += float64(start[j])
				}
				require.InDelta(t, w, float64(dst[j]), 1e-5*float64(tc.rows+1), "SumRows %dx%d accumulate=%t col %d", tc.rows, tc.cols, accumulate, j)
			}
		}
	}
}

func TestVecPanics(t *testing.T) {
	s := make([]float32, 10)
	cases := []struct {
		name string
		call func()
		msg  string
	}{
		{"Axpy length mismatch", func() { Axpy(1, s[:3], s[:4]) }, "cpu.Axpy: len(x)=3 != len(y)=4"},
		{"Dot length mismatch", func() { Dot(s[:5], s[:4]) }, "cpu.Dot: len(x)=5 != len(y)=4"},
		{"AddBiasRows short c", func() { AddBiasRows(s, 3, 4, s[:4]) }, "len(c)=10 < rows*cols=3*4"},
		{"AddBiasRows bias length", func() { AddBiasRows(s, 2, 4, s[:3]) }, "len(bias)=3 != cols=4"},
		{"AddBiasRows negative", func() { AddBiasRows(s, -1, 4, s[:4]) }, "negative size"},
		{"AddBiasRows2 bias length", func() { AddBiasRows2(s, 2, 4, s[:4], s[:3]) }, "len(b1)=4, len(b2)=3, want cols=4"},
		{"SumRows short x", func() { SumRows(s[:2], s, 6, 2, false) }, "len(x)=10 < rows*cols=6*2"},
		{"SumRows dst length", func() { SumRows(s[:3], s, 2, 2, true) }, "len(dst)=3 != cols=2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, panicMessage(tc.call), tc.msg)
		})
	}
}

func TestVecDoNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randSlice(r, 1024), randSlice(r, 1024)
	m, bias, dst := randSlice(r, 64*256), randSlice(r, 256), make([]float32, 256)
	var sink float64
	allocs := testing.AllocsPerRun(10, func() {
		Axpy(0.5, x, y)
		Scale(0.99, y)
		sink += float64(Dot(x, y)) + SumSq(x)
		AddBiasRows(m, 64, 256, bias)
		SumRows(dst, m, 64, 256, true)
	})
	require.Zero(t, allocs)
	require.False(t, math.IsNaN(sink))
}

// TestAddBiasRowsStrided: the first cols of rows ldc apart get b1 (+ b2),
// the columns between them are untouched, on the Go and native sizes.
func TestAddBiasRowsStrided(t *testing.T) {
	for _, tc := range []struct{ rows, cols, ldc int }{{3, 5, 7}, {20, 512, 768}, {1, 4, 4}} {
		r := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.ldc)))
		c := randSlice(r, tc.rows*tc.ldc)
		b1, b2 := randSlice(r, tc.cols), randSlice(r, tc.cols)
		for _, two := range []bool{false, true} {
			var bb []float32
			if two {
				bb = b2
			}
			want, got := append([]float32(nil), c...), append([]float32(nil), c...)
			for i := range tc.rows {
				for j := range tc.cols {
					if two {
						want[i*tc.ldc+j] += b1[j] + b2[j]
					} else {
						want[i*tc.ldc+j] += b1[j]
					}
				}
			}
			AddBiasRowsStrided(got, tc.rows, tc.cols, tc.ldc, b1, bb)
			require.Equal(t, want, got, "%+v two biases %t", tc, two)
		}
	}
	require.PanicsWithValue(t, "cpu.AddBiasRowsStrided: rows=2 cols=5 ldc=4", func() {
		AddBiasRowsStrided(make([]float32, 10), 2, 5, 4, make([]float32, 5), nil)
	})
}
