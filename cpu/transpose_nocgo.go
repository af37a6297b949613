//go:build !cgo || !amd64

package cpu

func transposeNative(dst, src []float32, rows, cols, lo, hi int) {
	transposeGo(dst, src, rows, cols, lo, hi)
}
