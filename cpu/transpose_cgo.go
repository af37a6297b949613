//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <immintrin.h>

// ember_transpose16 transposes the 16×16 block at src (row stride ls) into
// dst (row stride ld) in registers: pairs of 32-bit lanes, then of 64-bit
// lanes, then of 128-bit lanes twice.
__attribute__((target("avx512f")))
static inline void ember_transpose16(float *dst, size_t ld, const float *src, size_t ls) {
	__m512 r[16], t[16];
	for (int i = 0; i < 16; i++) {
		r[i] = _mm512_loadu_ps(src + i * ls);
	}
	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
	}
	for (int i = 0; i < 16; i += 4) {
		r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
		r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
		r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
		r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
	}
	for (int i = 0; i < 16; i += 8) {
		for (int j = 0; j < 4; j++) {
			t[i + j] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0x88);
			t[i + j + 4] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0xdd);
		}
	}
	for (int j = 0; j < 8; j++) {
		r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
		r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
	}
	for (int i = 0; i < 16; i++) {
		_mm512_storeu_ps(dst + i * ld, r[i]);
	}
}

// ember_transpose writes rows [lo, hi) of src (rows×cols, lo a multiple of
// 16) transposed into dst (cols rows, ld apart): whole 16×16 blocks in
// registers, the ragged right and bottom edges element by element.
__attribute__((target("avx512f")))
static void ember_transpose(float *dst, size_t ld, const float *src, size_t rows, size_t cols, size_t lo, size_t hi) {
	size_t r16 = rows & ~(size_t)15, c16 = cols & ~(size_t)15, b16 = hi < r16 ? hi : r16;
	for (size_t c0 = 0; c0 < c16; c0 += 16) {
		for (size_t r0 = lo; r0 < b16; r0 += 16) {
			ember_transpose16(dst + c0 * ld + r0, ld, src + r0 * cols + c0, cols);
		}
	}
	for (size_t r0 = lo; r0 < b16; r0 += 16) {
		for (size_t c = c16; c < cols; c++) {
			for (size_t i = 0; i < 16; i++) {
				dst[c * ld + r0 + i] = src[(r0 + i) * cols + c];
			}
		}
	}
	for (size_t c = 0; c < cols; c++) {
		for (size_t r = lo > r16 ? lo : r16; r < hi; r++) {
			dst[c * ld + r] = src[r * cols + c];
		}
	}
}
*/
import "C"

import "unsafe"

// transposeNative is Transpose's AVX-512 kernel for src rows [lo, hi) into
// dst rows ld apart, lo a multiple of 16 (vectorLevel 2; rows and cols at least 16, checked by
// the caller).
func transposeNative(dst []float32, ld int, src []float32, rows, cols, lo, hi int) {
	C.ember_transpose((*C.float)(unsafe.Pointer(&dst[0])), C.size_t(ld), (*C.float)(unsafe.Pointer(&src[0])), C.size_t(rows), C.size_t(cols),
		C.size_t(lo), C.size_t(hi))
}
