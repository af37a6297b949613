//go:build !cgo || !(amd64 || arm64)

package cpu

// NativeLSTMCells is false without cgo: package graph then runs its own Go
// kernels for the LSTM's gate arithmetic.
const NativeLSTMCells = false

// LSTMCellForward is only available with cgo; see NativeLSTMCells.
func LSTMCellForward(a, cprev, c, h []float32, rows, hidden int) {
	panicf("cpu.LSTMCellForward: built without cgo (check NativeLSTMCells)")
}

// LSTMCellBackward is only available with cgo; see NativeLSTMCells.
func LSTMCellBackward(dp, dh, dc, dhOut, a, c, cprev []float32, rows, hidden int) {
	panicf("cpu.LSTMCellBackward: built without cgo (check NativeLSTMCells)")
}

// LSTMCellForwardUnits is only available with cgo; see NativeLSTMCells.
func LSTMCellForwardUnits(a, cprev, c, h []float32, rows, hidden, lo, hi int) {
	panicf("cpu.LSTMCellForwardUnits: built without cgo (check NativeLSTMCells)")
}

// LSTMCellBackwardUnits is only available with cgo; see NativeLSTMCells.
func LSTMCellBackwardUnits(dp, dh, dc, dhOut, a, c, cprev []float32, rows, hidden, lo, hi int) {
	panicf("cpu.LSTMCellBackwardUnits: built without cgo (check NativeLSTMCells)")
}
