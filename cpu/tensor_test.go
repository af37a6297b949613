package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// useTensorBLAS installs the adapter for one test and restores tensor's
// previous BLAS afterwards, since tensor.Use is process-wide.
func useTensorBLAS(t *testing.T) {
	prev := tensor.WhichBLAS()
	UseWithTensor()
	t.Cleanup(func() { tensor.Use(prev) })
	require.IsType(t, tensorBLAS{}, tensor.WhichBLAS())
}

func TestUseWithTensorMatMul(t *testing.T) {
	cases := []struct {
		name           string
		m, n, k        int
		transA, transB bool // multiply transposed views (tensor passes Trans to Sgemm)
	}{
		{"small", 2, 3, 4, false, false},
		{"lstm step", 10, 1024, 256, false, false},
		{"A transposed view", 33, 17, 9, true, false},
		{"B transposed view", 12, 70, 40, false, true},
		{"both transposed", 65, 130, 70, true, true},
	}
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			useTensorBLAS(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.n)))
					// Stored shapes; the logical operands are A (m×k), B (k×n).
					ar, ac, br, bc := tc.m, tc.k, tc.k, tc.n
					if tc.transA {
						ar, ac = tc.k, tc.m
					}
					if tc.transB {
						br, bc = tc.n, tc.k
					}
					aData, bData := randSlice(r, ar*ac), randSlice(r, br*bc)
					a := tensor.New(tensor.WithShape(ar, ac), tensor.WithBacking(append([]float32(nil), aData...)))
					b := tensor.New(tensor.WithShape(br, bc), tensor.WithBacking(append([]float32(nil), bData...)))
					if tc.transA {
						require.NoError(t, a.T())
					}
					if tc.transB {
						require.NoError(t, b.T())
					}
					out, err := tensor.MatMul(a, b)
					require.NoError(t, err)
					require.Equal(t, []int{tc.m, tc.n}, []int(out.Shape()))

					want, scale := refGemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, aData, ac, bData, bc, 0, nil, tc.n)
					got := out.Data().([]float32)
					for i, w := range want {
						requireNear(t, w, got[i], 1e-6+1e-5*scale[i], "element %d", i)
					}
				})
			}
		})
	}
}

func TestUseWithTensorMatVecMul(t *testing.T) {
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			useTensorBLAS(t)
			for _, trans := range []bool{false, true} {
				const rows, cols = 37, 300
				r := rand.New(rand.NewPCG(5, 6))
				aData := randSlice(r, rows*cols)
				a := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(append([]float32(nil), aData...)))
				m, n := rows, cols
				if trans {
					require.NoError(t, a.T())
					m, n = cols, rows
				}
				xData := randSlice(r, n)
				x := tensor.New(tensor.WithShape(n), tensor.WithBacking(append([]float32(nil), xData...)))
				out, err := tensor.MatVecMul(a, x)
				require.NoError(t, err)
				// x as an n×1 matrix gives the same reference as a GEMM.
				want, scale := refGemm(trans, false, m, 1, n, 1, aData, cols, xData, 1, 0, nil, 1)
				got := out.Data().([]float32)
				require.Len(t, got, m)
				for i, w := range want {
					requireNear(t, w, got[i], 1e-6+1e-5*scale[i], "trans=%t element %d", trans, i)
				}
			}
		})
	}
}

// TestTensorSgemvMatchesGonum checks the sgemv dispatch directly, including
// the increments and empty cases that must bypass OpenBLAS.
func TestTensorSgemvMatchesGonum(t *testing.T) {
	cases := []struct {
		name       string
		trans      bool
		m, n       int
		incX, incY int
	}{
		{"notrans", false, 9, 13, 1, 1},
		{"trans", true, 9, 13, 1, 1},
		{"strided", false, 8, 5, 2, 3},
		{"negative inc", true, 6, 4, -2, 1},
		{"empty", false, 0, 4, 1, 1},
	}
	for _, be := range backendCases {
		t.Run(be.name, func(t *testing.T) {
			useBackend(t, be.openblas)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.n)))
					lenX, lenY := tc.n, tc.m
					if tc.trans {
						lenX, lenY = tc.m, tc.n
					}
					abs := func(v int) int { return max(v, -v) }
					a := randSlice(r, tc.m*tc.n)
					x := randSlice(r, max(1, 1+(lenX-1)*abs(tc.incX)))
					y := randSlice(r, max(1, 1+(lenY-1)*abs(tc.incY)))
					want := append([]float32(nil), y...)
					tensorBLAS{}.Implementation.Sgemv(toTranspose(tc.trans), tc.m, tc.n, 1.5, a, max(1, tc.n), x, tc.incX, 0.5, want, tc.incY)
					tensorBLAS{}.Sgemv(toTranspose(tc.trans), tc.m, tc.n, 1.5, a, max(1, tc.n), x, tc.incX, 0.5, y, tc.incY)
					require.InDeltaSlice(t, want, y, 1e-4)
				})
			}
		})
	}
}
