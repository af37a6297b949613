package cpu

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/tensor"
)

// tensorBLAS is gonum's BLAS with the float32 matrix products replaced by this
// package's dispatch, so gorgonia.org/tensor gets OpenBLAS for MatMul and
// MatVecMul on float32 while every other routine stays gonum's.
type tensorBLAS struct {
	gonum.Implementation
}

// Sgemm forwards to the package Sgemm. gonum's BLAS interface, which tensor
// calls, is row-major like Sgemm, so the arguments pass through unchanged.
func (tensorBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(isTrans(tA), isTrans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemv forwards to the same dispatch for tensor.MatVecMul.
func (tensorBLAS) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	sgemv(isTrans(tA), m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// isTrans maps a BLAS transpose flag to a bool; ConjTrans is Trans for real
// matrices. Any other value is a programmer error, as in gonum.
func isTrans(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panicf("cpu: bad blas.Transpose %d", t)
	return false
}

// UseWithTensor makes gorgonia.org/tensor use this package's GEMM for float32
// (tensor.Use is process-wide). Call it once at start-up, before tensors are
// multiplied concurrently.
func UseWithTensor() {
	tensor.Use(tensorBLAS{})
}
