//go:build !cgo || !(amd64 || arm64)

package cpu

// NativeDropout is false without cgo: package graph then runs its own Go
// kernel.
const NativeDropout = false

// Dropout is only available with cgo; see NativeDropout.
func Dropout(y, x []float32, scale float32, thr int64, key uint64) {
	panicf("cpu.Dropout: built without cgo (check NativeDropout)")
}
