package cpu

// Argument checks of the recurrent cells' C kernels (lstmcell_cgo.go, grucell_cgo.go).

// checkCells panics (a programmer error, as Sgemm) when a buffer of the
// LSTM cell kernels is too short: 4H-wide gate buffers first, then H-wide
// state buffers; a nil cprev (the last argument) is allowed.
func checkCells(fn string, rows, hidden int, gates []float32, rest ...[]float32) {
	if rows < 0 || hidden < 0 {
		panicf("cpu.%s: negative size rows=%d hidden=%d", fn, rows, hidden)
	}
	if len(gates) < rows*4*hidden {
		panicf("cpu.%s: gate buffer has %d elements, need %d", fn, len(gates), rows*4*hidden)
	}
	for i, b := range rest {
		need := rows * hidden
		if i == len(rest)-1 && b == nil {
			continue
		}
		if fn == "LSTMCellBackward" && i == len(rest)-2 { // dp is gate-wide
			need *= 4
		}
		if len(b) < need {
			panicf("cpu.%s: buffer %d has %d elements, need %d", fn, i+1, len(b), need)
		}
	}
}

// checkUnits panics unless [lo, hi) is a range of the hidden units.
func checkUnits(fn string, hidden, lo, hi int) {
	if lo < 0 || hi < lo || hi > hidden {
		panicf("cpu.%s: units [%d, %d) outside [0, %d)", fn, lo, hi, hidden)
	}
}

// needGRU panics (a programmer error, as Sgemm) when buffer name of a GRU
// cell kernel holds fewer than n elements; nil is allowed when optional
// (the first step's missing h_prev and recurrent product).
func needGRU(fn, name string, b []float32, n int, optional bool) {
	if n < 0 {
		panicf("cpu.%s: negative size", fn)
	}
	if len(b) < n && !(optional && b == nil) {
		panicf("cpu.%s: %s has %d elements, need %d", fn, name, len(b), n)
	}
}
