//go:build !cgo || !(amd64 || arm64)

package cpu

// NativeGRUCells is false without cgo: package graph then runs its own Go
// kernels for the GRU's gate arithmetic.
const NativeGRUCells = false

// GRUCellForward is only available with cgo; see NativeGRUCells.
func GRUCellForward(a, gh, bhn, hPrev, ghn, h []float32, rows, hidden int) {
	panicf("cpu.GRUCellForward: built without cgo (check NativeGRUCells)")
}

// GRUCellBackward is only available with cgo; see NativeGRUCells.
func GRUCellBackward(dgi, dgh, dh, dhOut, a, ghn, hPrev []float32, rows, hidden int) {
	panicf("cpu.GRUCellBackward: built without cgo (check NativeGRUCells)")
}

// GRUCellForwardUnits is only available with cgo; see NativeGRUCells.
func GRUCellForwardUnits(a, gh, bhn, hPrev, ghn, h []float32, rows, hidden, lo, hi int) {
	panicf("cpu.GRUCellForwardUnits: built without cgo (check NativeGRUCells)")
}

// GRUCellBackwardUnits is only available with cgo; see NativeGRUCells.
func GRUCellBackwardUnits(dgi, dgh, dh, dhOut, a, ghn, hPrev []float32, rows, hidden, lo, hi int) {
	panicf("cpu.GRUCellBackwardUnits: built without cgo (check NativeGRUCells)")
}
