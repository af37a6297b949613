//go:build cgo && (amd64 || arm64)

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ember_math.h"

// Dropout's mask and scaling (internal/dropmask): element i's key is
// key + stride*i, its splitmix64 finaliser's low 32 bits shifted right by 8
// are compared with thr, and the kept values are x*scale, the dropped +0.
// gcc vectorises the plain loop poorly (it emulates the 64-bit multiplies
// with 32-bit ones), so CPUs with AVX-512DQ get intrinsics, 16 elements a
// round; the others the plain loop.
#define EMBER_STRIDE 0x9E3779B97F4A7C15ull

EMBER_CLONES
static void ember_dropout_loop(float *restrict y, const float *restrict x, size_t n, float scale, int64_t thr,
		uint64_t key) {
	for (size_t i = 0; i < n; i++) {
		uint64_t z = key + EMBER_STRIDE * (uint64_t)i;
		z ^= z >> 30;
		z *= 0xBF58476D1CE4E5B9ull;
		z ^= z >> 27;
		z *= 0x94D049BB133111EBull;
		z ^= z >> 31;
		int64_t u = (int64_t)((uint32_t)z >> 8);
		uint32_t mask = (uint32_t)((uint64_t)(thr - u - 1) >> 63) * 0xffffffffu;
		float v = x[i] * scale;
		uint32_t bits;
		memcpy(&bits, &v, sizeof bits);
		bits &= mask;
		memcpy(&y[i], &bits, sizeof bits);
	}
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512dq")))
static inline __m512i ember_mix8(__m512i z) {
	z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 30));
	z = _mm512_mullo_epi64(z, _mm512_set1_epi64((long long)0xBF58476D1CE4E5B9ull));
	z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 27));
	z = _mm512_mullo_epi64(z, _mm512_set1_epi64((long long)0x94D049BB133111EBull));
	return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

__attribute__((target("avx512f,avx512dq")))
static void ember_dropout_avx512(float *y, const float *x, size_t n, float scale, int64_t thr, uint64_t key) {
	// u < 2^24 and thr <= 2^24 + 1 (p below 1), so a signed 32-bit compare
	// decides u >= thr as the 64-bit one does.
	__m512i thr16 = _mm512_set1_epi32((int)(thr < 0 ? 0 : thr > (1 << 25) ? (1 << 25) : thr));
	__m512i k = _mm512_add_epi64(_mm512_set1_epi64((long long)key),
		_mm512_mullo_epi64(_mm512_set1_epi64((long long)EMBER_STRIDE), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7)));
	__m512i step8 = _mm512_set1_epi64((long long)(8 * EMBER_STRIDE));
	__m512 sv = _mm512_set1_ps(scale);
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 live = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
		__m512 xv = _mm512_maskz_loadu_ps(live, x + i);
		if (_mm512_test_epi32_mask(_mm512_castps_si512(xv), _mm512_castps_si512(xv)) == 0) {
			// Sixteen +0s (a packed LSTM's padding steps) give +0s kept or
			// dropped: skip the hash.
			_mm512_mask_storeu_ps(y + i, live, _mm512_setzero_ps());
			k = _mm512_add_epi64(k, _mm512_add_epi64(step8, step8));
			continue;
		}
		__m512i z0 = ember_mix8(k);
		k = _mm512_add_epi64(k, step8);
		__m512i z1 = ember_mix8(k);
		k = _mm512_add_epi64(k, step8);
		__m512i lo32 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(z0)), _mm512_cvtepi64_epi32(z1), 1);
		__mmask16 keep = _mm512_cmpge_epi32_mask(_mm512_srli_epi32(lo32, 8), thr16);
		__m512 v = _mm512_mul_ps(xv, sv);
		_mm512_mask_storeu_ps(y + i, live, _mm512_maskz_mov_ps(keep, v));
	}
}

#else
static void ember_dropout_avx512(float *y, const float *x, size_t n, float scale, int64_t thr, uint64_t key) {}
#endif

static void ember_dropout(int level, float *y, const float *x, size_t n, float scale, int64_t thr, uint64_t key) {
	if (level) {
		ember_dropout_avx512(y, x, n, scale, thr, key);
	} else {
		ember_dropout_loop(y, x, n, scale, thr, key);
	}
}
*/
import "C"

import "unsafe"

// NativeDropout reports whether Dropout is the vectorised C kernel (builds
// with cgo) rather than unavailable.
const NativeDropout = true

// Dropout writes y[i] = x[i]*scale where element i is kept, +0 where it is
// dropped. Element i is kept when (uint32(splitmix64(key + Stride·i)) >> 8)
// >= thr, Stride being internal/dropmask's; package graph turns the
// probability and the run into thr and key. It panics if len(y) < len(x).
func Dropout(y, x []float32, scale float32, thr int64, key uint64) {
	if len(y) < len(x) {
		panicf("cpu.Dropout: len(y)=%d < len(x)=%d", len(y), len(x))
	}
	if len(x) == 0 {
		return
	}
	level := C.int(0)
	if dropoutAVX512 {
		level = 1
	}
	C.ember_dropout(level, (*C.float)(unsafe.Pointer(&y[0])), (*C.float)(unsafe.Pointer(&x[0])), C.size_t(len(x)),
		C.float(scale), C.int64_t(thr), C.uint64_t(key))
}
