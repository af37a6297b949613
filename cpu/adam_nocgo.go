//go:build !cgo || !amd64

package cpu

// NativeAdam is false without cgo on amd64: package optim then runs its own
// Go kernel.
const NativeAdam = false

// AdamUpdate is only available in cgo builds on amd64; see NativeAdam.
func AdamUpdate(w, g, m, v []float32, c AdamCoef) {
	panicf("cpu.AdamUpdate: built without cgo on amd64 (check NativeAdam)")
}
