//go:build !(cgo && linux)

package cpu

import "errors"

// Without cgo on Linux there is no dlopen, so OpenBLAS is never loaded and
// Sgemm always uses gonum. The functions below are unreachable because
// current().openblas stays false; they exist so gemm.go compiles unchanged.

func loadOpenBLAS([]string) (string, error) {
	return "", errors.New("OpenBLAS not loaded: it needs a cgo build on linux (CGO_ENABLED=1 and a C compiler)")
}

func openblasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panic("cpu: OpenBLAS is not available in this build")
}

func openblasSgemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	panic("cpu: OpenBLAS is not available in this build")
}

func openblasSetThreads(int) {}

func openblasThreads() int { return 0 }

func openblasCore() string { return "" }
