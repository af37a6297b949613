//go:build cgo && (amd64 || arm64)

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>

// The LSTM's gate arithmetic, written so gcc vectorises it (ember_math.h).
#include "ember_math.h"

// Both kernels compute hidden units [lo, hi) of each row (0 and hidden: all
// of them), so that the cores can share a step by units.
EMBER_CLONES
static void ember_cell_fwd(float *restrict a, const float *restrict cprev, float *restrict c,
		float *restrict h, int rows, int hidden, int lo, int hi) {
	for (int r = 0; r < rows; r++) {
		float *ai = a + (size_t)r * 4 * hidden, *af = ai + hidden, *ag = af + hidden, *ao = ag + hidden;
		float *cr = c + (size_t)r * hidden, *hr = h + (size_t)r * hidden;
		// Two loops rather than a test inside one, which gcc does not
		// vectorise.
		if (cprev == NULL) {
			for (int j = lo; j < hi; j++) {
				float iv = ember_sigmoidf(ai[j]), fv = ember_sigmoidf(af[j]);
				float gv = ember_tanhf(ag[j]), ov = ember_sigmoidf(ao[j]);
				float cv = iv * gv + 0.0f;
				ai[j] = iv; af[j] = fv; ag[j] = gv; ao[j] = ov;
				cr[j] = cv;
				hr[j] = ov * ember_tanhf(cv);
			}
			continue;
		}
		const float *cp = cprev + (size_t)r * hidden;
		for (int j = lo; j < hi; j++) {
			float iv = ember_sigmoidf(ai[j]), fv = ember_sigmoidf(af[j]);
			float gv = ember_tanhf(ag[j]), ov = ember_sigmoidf(ao[j]);
			float cv = iv * gv + fv * cp[j];
			ai[j] = iv; af[j] = fv; ag[j] = gv; ao[j] = ov;
			cr[j] = cv;
			hr[j] = ov * ember_tanhf(cv);
		}
	}
}

EMBER_CLONES
static void ember_cell_bwd(float *restrict dp, const float *restrict dh, float *restrict dc,
		const float *restrict dhOut, const float *restrict a, const float *restrict c,
		const float *restrict cprev, int rows, int hidden, int lo, int hi) {
	for (int r = 0; r < rows; r++) {
		const float *ar = a + (size_t)r * 4 * hidden;
		float *dr = dp + (size_t)r * 4 * hidden;
		const float *dhr = dh + (size_t)r * hidden, *dor = dhOut + (size_t)r * hidden, *cr = c + (size_t)r * hidden;
		float *dcr = dc + (size_t)r * hidden;
		// A loop without the first step's missing previous cell, so that
		// gcc vectorises it (a conditional load would stop it).
		const float *cp = cprev ? cprev + (size_t)r * hidden : cr;
		float keep = cprev ? 1.0f : 0.0f;
		for (int j = lo; j < hi; j++) {
			float iv = ar[j], fv = ar[hidden + j], gv = ar[2 * hidden + j], ov = ar[3 * hidden + j];
			float dhv = dor[j] + dhr[j];
			float tc = ember_tanhf(cr[j]);
			float dcv = dcr[j] + dhv * ov * (1.0f - tc * tc);
			dr[3 * hidden + j] = dhv * tc * ov * (1.0f - ov);
			dr[j] = dcv * gv * iv * (1.0f - iv);
			dr[2 * hidden + j] = dcv * iv * (1.0f - gv * gv);
			dr[hidden + j] = keep * dcv * cp[j] * fv * (1.0f - fv);
			dcr[j] = dcv * fv;
		}
	}
}
*/
import "C"

import "unsafe"

// NativeLSTMCells reports whether LSTMCellForward and LSTMCellBackward are
// the vectorised C kernels (builds with cgo) rather than unavailable.
const NativeLSTMCells = true

func ptr(x []float32) *C.float {
	if len(x) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&x[0]))
}

// LSTMCellForward turns one step's gate pre-activations a (rows × 4H, gate
// blocks i, f, g, o) into activations in place and writes the cell state c
// and hidden state h (rows × H); cprev nil means a zero previous cell.
func LSTMCellForward(a, cprev, c, h []float32, rows, hidden int) {
	LSTMCellForwardUnits(a, cprev, c, h, rows, hidden, 0, hidden)
}

// LSTMCellForwardUnits is LSTMCellForward on hidden units [lo, hi) of each
// row alone (the others untouched), with the same results for them.
func LSTMCellForwardUnits(a, cprev, c, h []float32, rows, hidden, lo, hi int) {
	checkCells("LSTMCellForward", rows, hidden, a, c, h, cprev)
	checkUnits("LSTMCellForwardUnits", hidden, lo, hi)
	C.ember_cell_fwd(ptr(a), ptr(cprev), ptr(c), ptr(h), C.int(rows), C.int(hidden), C.int(lo), C.int(hi))
}

// LSTMCellBackward computes one step's gate gradients dp (rows × 4H) from
// the gradient into its hidden state (dhOut + dh) and cell (dc), the
// activations a, cell c and previous cell cprev (nil: zero); it leaves the
// previous step's cell gradient in dc.
func LSTMCellBackward(dp, dh, dc, dhOut, a, c, cprev []float32, rows, hidden int) {
	LSTMCellBackwardUnits(dp, dh, dc, dhOut, a, c, cprev, rows, hidden, 0, hidden)
}

// LSTMCellBackwardUnits is LSTMCellBackward on hidden units [lo, hi) of
// each row alone: it writes their four gates' gradients in dp and their
// cell gradients in dc, with the same results for them.
func LSTMCellBackwardUnits(dp, dh, dc, dhOut, a, c, cprev []float32, rows, hidden, lo, hi int) {
	checkCells("LSTMCellBackward", rows, hidden, a, c, dh, dc, dhOut, dp, cprev)
	checkUnits("LSTMCellBackwardUnits", hidden, lo, hi)
	C.ember_cell_bwd(ptr(dp), ptr(dh), ptr(dc), ptr(dhOut), ptr(a), ptr(c), ptr(cprev), C.int(rows), C.int(hidden),
		C.int(lo), C.int(hi))
}
