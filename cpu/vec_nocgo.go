//go:build !cgo || !amd64

package cpu

// Without cgo on amd64, SumSq, Scale and the bias-row kernels are the Go
// loops only.
const (
	nativeVec = false
	nativeMin = 0
)

func sumSqNative(x []float32) float64 { return sumSqGo(x) }

func scaleNative(alpha float32, x []float32) { scaleGo(alpha, x) }

func addRowsNative(c []float32, rows, cols, ldc int, b1, b2 []float32) {
	addRowsGo(c, rows, cols, ldc, b1, b2)
}

func sumRowsNative(dst, x []float32, rows, cols int) { sumRowsGo(dst, x, rows, cols) }
