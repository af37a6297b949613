//go:build cgo && (amd64 || arm64)

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>

// The GRU's gate arithmetic, written so gcc vectorises it (ember_math.h).
// Gate blocks r, z, n along each row, as PyTorch's nn.GRU.
#include "ember_math.h"

// Each kernel computes hidden units [lo, hi) of each row (0 and hidden: all
// of them), so that the cores can share a step by units.

// First step (h_{-1} = 0): no recurrent product, only b_hn.
EMBER_CLONES
static void ember_gru_fwd0(float *restrict a, const float *restrict bhn, float *restrict ghn, float *restrict h,
		int rows, int hidden, int lo, int hi) {
	for (int r = 0; r < rows; r++) {
		float *ar = a + (size_t)r * 3 * hidden, *az = ar + hidden, *an = az + hidden;
		float *gr = ghn + (size_t)r * hidden, *hr = h + (size_t)r * hidden;
		for (int j = lo; j < hi; j++) {
			float rv = ember_sigmoidf(ar[j]), zv = ember_sigmoidf(az[j]);
			float hn = bhn[j];
			float nv = ember_tanhf(an[j] + rv * hn);
			ar[j] = rv; az[j] = zv; an[j] = nv;
			gr[j] = hn;
			hr[j] = (1.0f - zv) * nv;
		}
	}
}

EMBER_CLONES
static void ember_gru_fwd(float *restrict a, const float *restrict gh, const float *restrict bhn,
		const float *restrict hprev, float *restrict ghn, float *restrict h, int rows, int hidden, int lo, int hi) {
	for (int r = 0; r < rows; r++) {
		float *ar = a + (size_t)r * 3 * hidden, *az = ar + hidden, *an = az + hidden;
		const float *hr_ = gh + (size_t)r * 3 * hidden, *hz = hr_ + hidden, *hn_ = hz + hidden;
		const float *hp = hprev + (size_t)r * hidden;
		float *gr = ghn + (size_t)r * hidden, *hr = h + (size_t)r * hidden;
		for (int j = lo; j < hi; j++) {
			float rv = ember_sigmoidf(ar[j] + hr_[j]), zv = ember_sigmoidf(az[j] + hz[j]);
			float hn = hn_[j] + bhn[j];
			float nv = ember_tanhf(an[j] + rv * hn);
			ar[j] = rv; az[j] = zv; an[j] = nv;
			gr[j] = hn;
			hr[j] = (1.0f - zv) * nv + zv * hp[j];
		}
	}
}

EMBER_CLONES
static void ember_gru_bwd(float *restrict dgi, float *restrict dgh, float *restrict dh,
		const float *restrict dhOut, const float *restrict a, const float *restrict ghn,
		const float *restrict hprev, int rows, int hidden, int lo, int hi) {
	for (int r = 0; r < rows; r++) {
		const float *ar = a + (size_t)r * 3 * hidden;
		float *di = dgi + (size_t)r * 3 * hidden, *dg = dgh + (size_t)r * 3 * hidden;
		float *dhr = dh + (size_t)r * hidden;
		const float *dor = dhOut + (size_t)r * hidden, *gn = ghn + (size_t)r * hidden;
		// The first step's zero h_{-1} as a multiplier, so one loop that gcc
		// vectorises serves both cases (a conditional load would stop it).
		const float *hp = hprev ? hprev + (size_t)r * hidden : gn;
		float keep = hprev ? 1.0f : 0.0f;
		for (int j = lo; j < hi; j++) {
			float rv = ar[j], zv = ar[hidden + j], nv = ar[2 * hidden + j];
			float dhv = dor[j] + dhr[j];
			float dan = dhv * (1.0f - zv) * (1.0f - nv * nv);
			float daz = dhv * (keep * hp[j] - nv) * zv * (1.0f - zv);
			float dar = dan * gn[j] * rv * (1.0f - rv);
			di[j] = dar; di[hidden + j] = daz; di[2 * hidden + j] = dan;
			dg[j] = dar; dg[hidden + j] = daz; dg[2 * hidden + j] = dan * rv;
			dhr[j] = dhv * zv;
		}
	}
}
*/
import "C"

// NativeGRUCells reports whether GRUCellForward and GRUCellBackward are the
// vectorised C kernels (builds with cgo) rather than unavailable.
const NativeGRUCells = true

// GRUCellForward turns one step's input pre-activations a (rows × 3H, gate
// blocks r, z, n: x·W_ihᵀ + b_ih, with b_hr and b_hz already added) into the
// activations r, z, n in place, given the recurrent product gh = h_prev·W_hhᵀ
// (rows × 3H, without bias), b_hn (H) and h_prev (rows × H). It writes
// ghn = gh_n + b_hn (rows × H, kept for the backward pass) and the new
// hidden state h (rows × H):
//
//	r = σ(a_r + gh_r), z = σ(a_z + gh_z), n = tanh(a_n + r·ghn), h = (1−z)·n + z·h_prev
//
// gh and hPrev nil (together) mean the first step, h_prev = 0.
func GRUCellForward(a, gh, bhn, hPrev, ghn, h []float32, rows, hidden int) {
	GRUCellForwardUnits(a, gh, bhn, hPrev, ghn, h, rows, hidden, 0, hidden)
}

// GRUCellForwardUnits is GRUCellForward on hidden units [lo, hi) of each
// row alone (the others untouched), with the same results for them.
func GRUCellForwardUnits(a, gh, bhn, hPrev, ghn, h []float32, rows, hidden, lo, hi int) {
	const fn = "GRUCellForward"
	checkUnits("GRUCellForwardUnits", hidden, lo, hi)
	g, n := rows*3*hidden, rows*hidden
	needGRU(fn, "a", a, g, false)
	needGRU(fn, "gh", gh, g, true)
	needGRU(fn, "bhn", bhn, hidden, false)
	needGRU(fn, "hPrev", hPrev, n, true)
	needGRU(fn, "ghn", ghn, n, false)
	needGRU(fn, "h", h, n, false)
	if (gh == nil) != (hPrev == nil) {
		panicf("cpu.GRUCellForward: gh and hPrev must be both nil (first step) or both set")
	}
	if gh == nil {
		C.ember_gru_fwd0(ptr(a), ptr(bhn), ptr(ghn), ptr(h), C.int(rows), C.int(hidden), C.int(lo), C.int(hi))
		return
	}
	C.ember_gru_fwd(ptr(a), ptr(gh), ptr(bhn), ptr(hPrev), ptr(ghn), ptr(h), C.int(rows), C.int(hidden), C.int(lo), C.int(hi))
}

// GRUCellBackward computes one step's gate gradients from the gradient into
// its hidden state (dhOut + dh, dh being the recurrent part), the
// activations a (rows × 3H: r, z, n), ghn and h_prev (nil: zero): dgi
// (rows × 3H) with respect to the input pre-activations and dgh (rows × 3H)
// with respect to the recurrent product plus b_hh, which differ only in the
// n block (dgh_n = r·dgi_n). It leaves dh·z, the direct part of the previous
// hidden state's gradient, in dh; the caller adds dgh·W_hh.
func GRUCellBackward(dgi, dgh, dh, dhOut, a, ghn, hPrev []float32, rows, hidden int) {
	GRUCellBackwardUnits(dgi, dgh, dh, dhOut, a, ghn, hPrev, rows, hidden, 0, hidden)
}

// GRUCellBackwardUnits is GRUCellBackward on hidden units [lo, hi) of each
// row alone: their three gates' gradients in dgi and dgh and their dh·z.
func GRUCellBackwardUnits(dgi, dgh, dh, dhOut, a, ghn, hPrev []float32, rows, hidden, lo, hi int) {
	const fn = "GRUCellBackward"
	checkUnits("GRUCellBackwardUnits", hidden, lo, hi)
	g, n := rows*3*hidden, rows*hidden
	needGRU(fn, "dgi", dgi, g, false)
	needGRU(fn, "dgh", dgh, g, false)
	needGRU(fn, "dh", dh, n, false)
	needGRU(fn, "dhOut", dhOut, n, false)
	needGRU(fn, "a", a, g, false)
	needGRU(fn, "ghn", ghn, n, false)
	needGRU(fn, "hPrev", hPrev, n, true)
	C.ember_gru_bwd(ptr(dgi), ptr(dgh), ptr(dh), ptr(dhOut), ptr(a), ptr(ghn), ptr(hPrev), C.int(rows), C.int(hidden),
		C.int(lo), C.int(hi))
}
