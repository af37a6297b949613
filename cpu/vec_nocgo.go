//go:build !cgo || !amd64

package cpu

// Without cgo on amd64, SumSq and Scale are the Go loops only.
const (
	nativeVec = false
	nativeMin = 0
)

func sumSqNative(x []float32) float64 { return sumSqGo(x) }

func scaleNative(alpha float32, x []float32) { scaleGo(alpha, x) }
