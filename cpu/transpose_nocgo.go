//go:build !cgo || !amd64

package cpu

func transposeNative(dst []float32, ld int, src []float32, rows, cols, lo, hi int) {
	transposeGo(dst, ld, src, rows, cols, lo, hi)
}
