//go:build cgo && (amd64 || arm64)

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// The LSTM's gate arithmetic, written so gcc vectorises it: branch-free
// float32 exp (Cody-Waite reduction, degree-6 polynomial, the same as the
// Go kernels in package graph), with clones for AVX-512, AVX2 and plain
// x86-64 chosen at load time.

static inline float ember_expf(float x) {
	x = x < -87.3365447505531f ? -87.3365447505531f : x;
	x = x > 88.3762626647949f ? 88.3762626647949f : x;
	float t = x * 1.44269504088896341f;
	float fn = (t + 12582912.0f) - 12582912.0f; // round to nearest
	int32_t n = (int32_t)fn;
	float r = x - fn * 0.693359375f - fn * -2.12194440e-4f;
	float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
	int32_t bits = (n + 127) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

static inline float ember_sigmoidf(float x) { return 1.0f / (1.0f + ember_expf(-x)); }

static inline float ember_tanhf(float x) {
	float a = x < 0 ? -x : x;
	float x2 = x * x;
	float series = x * (1.0f + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315 + x2 * (62.0f / 2835)))));
	float e = ember_expf(-2.0f * a);
	float t = (1.0f - e) / (1.0f + e);
	t = x < 0 ? -t : t;
	return a < 0.1f ? series : t;
}

#if defined(__x86_64__)
#define EMBER_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define EMBER_CLONES
#endif

EMBER_CLONES
static void ember_cell_fwd(float *restrict a, const float *restrict cprev, float *restrict c,
		float *restrict h, int rows, int hidden) {
	for (int r = 0; r < rows; r++) {
		float *ai = a + (size_t)r * 4 * hidden, *af = ai + hidden, *ag = af + hidden, *ao = ag + hidden;
		float *cr = c + (size_t)r * hidden, *hr = h + (size_t)r * hidden;
		const float *cp = cprev ? cprev + (size_t)r * hidden : NULL;
		for (int j = 0; j < hidden; j++) {
			float iv = ember_sigmoidf(ai[j]), fv = ember_sigmoidf(af[j]);
			float gv = ember_tanhf(ag[j]), ov = ember_sigmoidf(ao[j]);
			float cv = iv * gv + (cp ? fv * cp[j] : 0.0f);
			ai[j] = iv; af[j] = fv; ag[j] = gv; ao[j] = ov;
			cr[j] = cv;
			hr[j] = ov * ember_tanhf(cv);
		}
	}
}

EMBER_CLONES
static void ember_cell_bwd(float *restrict dp, const float *restrict dh, float *restrict dc,
		const float *restrict dhOut, const float *restrict a, const float *restrict c,
		const float *restrict cprev, int rows, int hidden) {
	for (int r = 0; r < rows; r++) {
		const float *ar = a + (size_t)r * 4 * hidden;
		float *dr = dp + (size_t)r * 4 * hidden;
		const float *dhr = dh + (size_t)r * hidden, *dor = dhOut + (size_t)r * hidden, *cr = c + (size_t)r * hidden;
		float *dcr = dc + (size_t)r * hidden;
		// A loop without the first step's missing previous cell, so that
		// gcc vectorises it (a conditional load would stop it).
		const float *cp = cprev ? cprev + (size_t)r * hidden : cr;
		float keep = cprev ? 1.0f : 0.0f;
		for (int j = 0; j < hidden; j++) {
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
	checkCells("LSTMCellForward", rows, hidden, a, c, h, cprev)
	C.ember_cell_fwd(ptr(a), ptr(cprev), ptr(c), ptr(h), C.int(rows), C.int(hidden))
}

// LSTMCellBackward computes one step's gate gradients dp (rows × 4H) from
// the gradient into its hidden state (dhOut + dh) and cell (dc), the
// activations a, cell c and previous cell cprev (nil: zero); it leaves the
// previous step's cell gradient in dc.
func LSTMCellBackward(dp, dh, dc, dhOut, a, c, cprev []float32, rows, hidden int) {
	checkCells("LSTMCellBackward", rows, hidden, a, c, dh, dc, dhOut, dp, cprev)
	C.ember_cell_bwd(ptr(dp), ptr(dh), ptr(dc), ptr(dhOut), ptr(a), ptr(c), ptr(cprev), C.int(rows), C.int(hidden))
}
