//go:build !cgo || !amd64

package cpu

// Without cgo on amd64 there are no small-row kernels.
func smallGemmOK(tA, tB bool, m, n, k int) bool { return false }

func smallSgemm(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panicf("cpu: smallSgemm without cgo on amd64")
}
