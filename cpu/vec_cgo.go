//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <immintrin.h>

// SumSq and Scale with AVX-512 or AVX intrinsics (see adam_cgo.go for why
// not a plain loop). ember_sumsq follows sumSqGo's order: 16 lanes, element
// i in lane i mod 16, the tail added to the stored lanes, then the same tree.

static double ember_sumsq_tail(double *s, const float *x, size_t i, size_t n) {
	for (size_t j = 0; i < n; i++, j++) {
		double v = x[i];
		s[j] += v * v; // exact square: contracted or not, the same sum
	}
	for (int w = 8; w >= 1; w /= 2) {
		for (int j = 0; j < w; j++) {
			s[j] += s[j + w];
		}
	}
	return s[0];
}

__attribute__((target("avx512f")))
static double ember_sumsq_avx512(const float *x, size_t n) {
	__m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512d lo = _mm512_cvtps_pd(_mm256_loadu_ps(x + i)), hi = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8));
		a0 = _mm512_add_pd(a0, _mm512_mul_pd(lo, lo));
		a1 = _mm512_add_pd(a1, _mm512_mul_pd(hi, hi));
	}
	double s[16];
	_mm512_storeu_pd(s, a0);
	_mm512_storeu_pd(s + 8, a1);
	return ember_sumsq_tail(s, x, i, n);
}

__attribute__((target("avx")))
static double ember_sumsq_avx(const float *x, size_t n) {
	__m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256d v0 = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), v1 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
		__m256d v2 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)), v3 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12));
		a0 = _mm256_add_pd(a0, _mm256_mul_pd(v0, v0));
		a1 = _mm256_add_pd(a1, _mm256_mul_pd(v1, v1));
		a2 = _mm256_add_pd(a2, _mm256_mul_pd(v2, v2));
		a3 = _mm256_add_pd(a3, _mm256_mul_pd(v3, v3));
	}
	double s[16];
	_mm256_storeu_pd(s, a0);
	_mm256_storeu_pd(s + 4, a1);
	_mm256_storeu_pd(s + 8, a2);
	_mm256_storeu_pd(s + 12, a3);
	return ember_sumsq_tail(s, x, i, n);
}

static double ember_sumsq(int level, const float *x, size_t n) {
	return level == 2 ? ember_sumsq_avx512(x, n) : ember_sumsq_avx(x, n);
}

__attribute__((target("avx512f")))
static void ember_scale_avx512(float a, float *x, size_t n) {
	__m512 av = _mm512_set1_ps(a);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		_mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), av));
	}
	if (i < n) {
		__mmask16 k = (__mmask16)((1u << (n - i)) - 1);
		_mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), av));
	}
}

__attribute__((target("avx")))
static void ember_scale_avx(float a, float *x, size_t n) {
	__m256 av = _mm256_set1_ps(a);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		_mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), av));
	}
	for (; i < n; i++) {
		x[i] *= a;
	}
}

static void ember_scale(int level, float a, float *x, size_t n) {
	if (level == 2) {
		ember_scale_avx512(a, x, n);
	} else {
		ember_scale_avx(a, x, n);
	}
}
// Bias rows and column sums (the recurrent layers' input projection and
// bias gradient over every step's rows, the dense layers'): each element is
// the Go loop's operations in its order, c[r][j] + (b1[j] + b2[j]) and
// dst[j] + x[0][j] + x[1][j] + …, vectorised across j alone, so the bits
// are the same. b2 may be NULL; c's rows are ldc apart.
__attribute__((target("avx512f")))
static void ember_add_rows_avx512(float *c, const float *b1, const float *b2, size_t rows, size_t cols, size_t ldc) {
	for (size_t r = 0; r < rows; r++) {
		float *cr = c + r * ldc;
		for (size_t j = 0; j < cols; j += 16) {
			__mmask16 k = cols - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - j)) - 1);
			__m512 b = _mm512_maskz_loadu_ps(k, b1 + j);
			if (b2 != NULL) {
				b = _mm512_add_ps(b, _mm512_maskz_loadu_ps(k, b2 + j));
			}
			_mm512_mask_storeu_ps(cr + j, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, cr + j), b));
		}
	}
}

__attribute__((target("avx")))
static void ember_add_rows_avx(float *c, const float *b1, const float *b2, size_t rows, size_t cols, size_t ldc) {
	for (size_t r = 0; r < rows; r++) {
		float *cr = c + r * ldc;
		size_t j = 0;
		for (; j + 8 <= cols; j += 8) {
			__m256 b = _mm256_loadu_ps(b1 + j);
			if (b2 != NULL) {
				b = _mm256_add_ps(b, _mm256_loadu_ps(b2 + j));
			}
			_mm256_storeu_ps(cr + j, _mm256_add_ps(_mm256_loadu_ps(cr + j), b));
		}
		for (; j < cols; j++) {
			cr[j] += b2 != NULL ? b1[j] + b2[j] : b1[j];
		}
	}
}

static void ember_add_rows(int level, float *c, const float *b1, const float *b2, size_t rows, size_t cols, size_t ldc) {
	if (level == 2) {
		ember_add_rows_avx512(c, b1, b2, rows, cols, ldc);
	} else {
		ember_add_rows_avx(c, b1, b2, rows, cols, ldc);
	}
}

// Column blocks of 64 held in registers down all the rows.
__attribute__((target("avx512f")))
static void ember_sum_rows_avx512(float *dst, const float *x, size_t rows, size_t cols) {
	for (size_t j = 0; j < cols; j += 64) {
		__mmask16 k[4];
		__m512 acc[4];
		for (int v = 0; v < 4; v++) {
			size_t at = j + 16 * v;
			k[v] = at >= cols ? 0 : cols - at >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - at)) - 1);
			acc[v] = _mm512_maskz_loadu_ps(k[v], dst + at);
		}
		for (size_t r = 0; r < rows; r++) {
			const float *xr = x + r * cols + j;
			for (int v = 0; v < 4; v++) {
				acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(k[v], xr + 16 * v));
			}
		}
		for (int v = 0; v < 4; v++) {
			_mm512_mask_storeu_ps(dst + j + 16 * v, k[v], acc[v]);
		}
	}
}

__attribute__((target("avx")))
static void ember_sum_rows_avx(float *dst, const float *x, size_t rows, size_t cols) {
	size_t j = 0;
	for (; j + 32 <= cols; j += 32) {
		__m256 acc[4];
		for (int v = 0; v < 4; v++) {
			acc[v] = _mm256_loadu_ps(dst + j + 8 * v);
		}
		for (size_t r = 0; r < rows; r++) {
			const float *xr = x + r * cols + j;
			for (int v = 0; v < 4; v++) {
				acc[v] = _mm256_add_ps(acc[v], _mm256_loadu_ps(xr + 8 * v));
			}
		}
		for (int v = 0; v < 4; v++) {
			_mm256_storeu_ps(dst + j + 8 * v, acc[v]);
		}
	}
	for (; j < cols; j++) {
		float s = dst[j];
		for (size_t r = 0; r < rows; r++) {
			s += x[r * cols + j];
		}
		dst[j] = s;
	}
}

static void ember_sum_rows(int level, float *dst, const float *x, size_t rows, size_t cols) {
	if (level == 2) {
		ember_sum_rows_avx512(dst, x, rows, cols);
	} else {
		ember_sum_rows_avx(dst, x, rows, cols);
	}
}
*/
import "C"

import "unsafe"

// nativeVec reports whether SumSq, Scale and the bias-row kernels have C
// kernels here.
var nativeVec = vectorLevel > 0

// nativeMin is the shortest slice worth a cgo call (about 40 ns).
const nativeMin = 256

func sumSqNative(x []float32) float64 {
	return float64(C.ember_sumsq(C.int(vectorLevel), (*C.float)(unsafe.Pointer(&x[0])), C.size_t(len(x))))
}

func scaleNative(alpha float32, x []float32) {
	C.ember_scale(C.int(vectorLevel), C.float(alpha), (*C.float)(unsafe.Pointer(&x[0])), C.size_t(len(x)))
}

// addRowsNative is addRowsGo's C kernel; b2 may be nil.
func addRowsNative(c []float32, rows, cols, ldc int, b1, b2 []float32) {
	var p2 *C.float
	if b2 != nil {
		p2 = (*C.float)(unsafe.Pointer(&b2[0]))
	}
	C.ember_add_rows(C.int(vectorLevel), (*C.float)(unsafe.Pointer(&c[0])), (*C.float)(unsafe.Pointer(&b1[0])), p2,
		C.size_t(rows), C.size_t(cols), C.size_t(ldc))
}

// sumRowsNative is sumRowsGo's C kernel (accumulating into dst).
func sumRowsNative(dst, x []float32, rows, cols int) {
	C.ember_sum_rows(C.int(vectorLevel), (*C.float)(unsafe.Pointer(&dst[0])), (*C.float)(unsafe.Pointer(&x[0])),
		C.size_t(rows), C.size_t(cols))
}
