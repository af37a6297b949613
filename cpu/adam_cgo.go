//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <immintrin.h>

// Adam's elementwise update with AVX-512 or AVX intrinsics rather than a
// loop for gcc to vectorise: gcc will not vectorise sqrtf without
// -fno-math-errno, which cgo does not accept. Every operation is the Go
// kernel's (optim.adamUpdate), in its order and unfused, so the results
// are bit for bit the same: the AVX-512 path uses the explicitly rounded
// intrinsics, which gcc does not contract into FMAs, and the AVX path's
// target has no FMA. The tail is one masked vector.

typedef struct {
	float omb1, b2, omb2, step, bc2s, eps, l2, decay;
	float rbc2s; // 1/bc2s rounded to float, or 0 to divide (set by ember_adam)
} ember_adam_coef;

#define RN (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

// ember_div_by512 is a/b rounded to nearest, the bits a division gives,
// for y = 1/b rounded to nearest and a/b and the residuals normal: the
// product a·y, then two corrections by fused multiply-adds. The first
// makes the quotient faithful; the second is then exact by Markstein's
// theorem (y within half an ulp of 1/b, the residual a − b·q exact).
// Zeros and infinities keep a·y, which has their sign (the residuals of
// an infinity are NaN, and +0 + −0 would lose a zero's sign); NaN stays
// NaN. Adam divides √v by √(1−β2^t) this way: the divider, which takes
// about 10 cycles a vector and is shared by the sqrt and the other
// division, bounded its speed (see AdamUpdate).
__attribute__((target("avx512f")))
static inline __m512 ember_div_by512(__m512 a, __m512 b, __m512 y) {
	__m512 q = _mm512_mul_round_ps(a, y, RN);
	__m512 r = _mm512_fnmadd_round_ps(b, q, a, RN);
	__m512 q1 = _mm512_fmadd_round_ps(r, y, q, RN);
	r = _mm512_fnmadd_round_ps(b, q1, a, RN);
	q1 = _mm512_fmadd_round_ps(r, y, q1, RN);
	__mmask16 keep = _mm512_cmp_ps_mask(_mm512_abs_ps(q), _mm512_set1_ps(__builtin_inff()), _CMP_EQ_OQ) |
		_mm512_cmp_ps_mask(q, _mm512_setzero_ps(), _CMP_EQ_OQ);
	return _mm512_mask_mov_ps(q1, keep, q);
}

// ember_recip rounds 1/b to float: the double quotient has more than twice
// float's bits, so rounding it again gives the correctly rounded one.
static inline float ember_recip(float b) { return (float)(1.0 / (double)b); }

// ember_div_by computes q[i] = a[i]/b as Adam's AVX-512 kernel does for
// b in [2^-40, 1] (the test of ember_div_by512 against division).
__attribute__((target("avx512f")))
static void ember_div_by(float *q, const float *a, size_t n, float b) {
	__m512 bv = _mm512_set1_ps(b), y = _mm512_set1_ps(ember_recip(b));
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
		_mm512_mask_storeu_ps(q + i, k, ember_div_by512(_mm512_maskz_loadu_ps(k, a + i), bv, y));
	}
}

__attribute__((target("avx512f")))
static inline void ember_adam16(float *w, const float *g, float *m, float *v, __mmask16 k,
		const ember_adam_coef *c) {
	__m512 gi = _mm512_maskz_loadu_ps(k, g), wi = _mm512_maskz_loadu_ps(k, w);
	__m512 mi = _mm512_maskz_loadu_ps(k, m), vi = _mm512_maskz_loadu_ps(k, v);
	if (c->l2 != 0) {
		gi = _mm512_add_round_ps(gi, _mm512_mul_round_ps(_mm512_set1_ps(c->l2), wi, RN), RN);
	}
	mi = _mm512_add_round_ps(mi, _mm512_mul_round_ps(_mm512_set1_ps(c->omb1), _mm512_sub_round_ps(gi, mi, RN), RN), RN);
	vi = _mm512_add_round_ps(_mm512_mul_round_ps(vi, _mm512_set1_ps(c->b2), RN),
		_mm512_mul_round_ps(_mm512_mul_round_ps(_mm512_set1_ps(c->omb2), gi, RN), gi, RN), RN);
	if (c->decay != 1) {
		wi = _mm512_mul_round_ps(wi, _mm512_set1_ps(c->decay), RN);
	}
	__m512 sv = _mm512_sqrt_round_ps(vi, RN), bc2s = _mm512_set1_ps(c->bc2s);
	__m512 denom = _mm512_add_round_ps(c->rbc2s != 0 ? ember_div_by512(sv, bc2s, _mm512_set1_ps(c->rbc2s)) :
		_mm512_div_round_ps(sv, bc2s, RN), _mm512_set1_ps(c->eps), RN);
	wi = _mm512_sub_round_ps(wi, _mm512_mul_round_ps(_mm512_set1_ps(c->step), _mm512_div_round_ps(mi, denom, RN), RN), RN);
	_mm512_mask_storeu_ps(m, k, mi);
	_mm512_mask_storeu_ps(v, k, vi);
	_mm512_mask_storeu_ps(w, k, wi);
}

__attribute__((target("avx512f")))
static void ember_adam_avx512(float *w, const float *g, float *m, float *v, size_t n, const ember_adam_coef *c) {
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		ember_adam16(w + i, g + i, m + i, v + i, 0xffff, c);
	}
	if (i < n) {
		ember_adam16(w + i, g + i, m + i, v + i, (__mmask16)((1u << (n - i)) - 1), c);
	}
}

__attribute__((target("avx")))
static inline void ember_adam8(float *w, const float *g, float *m, float *v, __m256i k, const ember_adam_coef *c) {
	__m256 gi = _mm256_maskload_ps(g, k), wi = _mm256_maskload_ps(w, k);
	__m256 mi = _mm256_maskload_ps(m, k), vi = _mm256_maskload_ps(v, k);
	if (c->l2 != 0) {
		gi = _mm256_add_ps(gi, _mm256_mul_ps(_mm256_set1_ps(c->l2), wi));
	}
	mi = _mm256_add_ps(mi, _mm256_mul_ps(_mm256_set1_ps(c->omb1), _mm256_sub_ps(gi, mi)));
	vi = _mm256_add_ps(_mm256_mul_ps(vi, _mm256_set1_ps(c->b2)),
		_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(c->omb2), gi), gi));
	if (c->decay != 1) {
		wi = _mm256_mul_ps(wi, _mm256_set1_ps(c->decay));
	}
	__m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), _mm256_set1_ps(c->bc2s)), _mm256_set1_ps(c->eps));
	wi = _mm256_sub_ps(wi, _mm256_mul_ps(_mm256_set1_ps(c->step), _mm256_div_ps(mi, denom)));
	_mm256_maskstore_ps(m, k, mi);
	_mm256_maskstore_ps(v, k, vi);
	_mm256_maskstore_ps(w, k, wi);
}

__attribute__((target("avx")))
static void ember_adam_avx(float *w, const float *g, float *m, float *v, size_t n, const ember_adam_coef *c) {
	size_t i = 0;
	__m256i all = _mm256_set1_epi32(-1);
	for (; i + 8 <= n; i += 8) {
		ember_adam8(w + i, g + i, m + i, v + i, all, c);
	}
	if (i < n) {
		int r = (int)(n - i);
		__m256i k = _mm256_setr_epi32(r > 0 ? -1 : 0, r > 1 ? -1 : 0, r > 2 ? -1 : 0, r > 3 ? -1 : 0,
			r > 4 ? -1 : 0, r > 5 ? -1 : 0, r > 6 ? -1 : 0, 0);
		ember_adam8(w + i, g + i, m + i, v + i, k, c);
	}
}

// c by value: a pointer from Go would make the coefficients escape to the
// heap on every call.
static void ember_adam(int level, float *w, const float *g, float *m, float *v, size_t n, ember_adam_coef c) {
	// √v/bc2s by the reciprocal where every quotient and residual is
	// normal: √v is at least 2^-74.5, and Adam's bc2s, √(1−β2^t) for β2
	// in [0, 1), lies in [2^-27, 1]. Other values (cpu.AdamUpdate takes
	// any) divide.
	c.rbc2s = c.bc2s >= 0x1p-40f && c.bc2s <= 1 ? ember_recip(c.bc2s) : 0;
	if (level == 2) {
		ember_adam_avx512(w, g, m, v, n, &c);
	} else {
		ember_adam_avx(w, g, m, v, n, &c);
	}
}
*/
import "C"

import "unsafe"

// NativeAdam reports whether AdamUpdate is available: a cgo build on an
// amd64 CPU with AVX. Package optim runs its own Go kernel otherwise; the
// two give the same bits.
var NativeAdam = vectorLevel > 0

// AdamUpdate is one Adam step over w with gradient g and moments m and v
// (all the same length), in place, with the scalars in c:
//
//	g' = g + L2·w
//	m  = m + (1−β1)·(g'−m)
//	v  = v·β2 + (1−β2)·g'·g'
//	w  = w·Decay − StepSize·(m / (√v/BC2Sqrt + Eps))
//
// each operation rounded to float32 in that order (no fused multiply-adds),
// as optim's Go kernel computes it. It panics if the lengths differ or
// NativeAdam is false.
//
// With AVX-512 the division by BC2Sqrt (in [2^-40, 1], as Adam's always
// is) is a product by its reciprocal and two fused corrections, which give
// a division's bits (tested against it for every significand): the divider, shared by the square root and the
// other division, bounded the kernel. On one core of the reference machine
// that took it from 0.74 to 0.56 ns an element with its operands in cache;
// over the LSTM spam model's 1.69 M parameters, where the memory bounds it
// too, a step's update went from 0.66 to 0.62 ms (the two alternated in
// one process).
func AdamUpdate(w, g, m, v []float32, c AdamCoef) {
	if !NativeAdam {
		panicf("cpu.AdamUpdate: no AVX on this CPU (check NativeAdam)")
	}
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panicf("cpu.AdamUpdate: lengths w %d, g %d, m %d, v %d differ", len(w), len(g), len(m), len(v))
	}
	if len(w) == 0 {
		return
	}
	cc := C.ember_adam_coef{
		omb1: C.float(c.OneMinusBeta1), b2: C.float(c.Beta2), omb2: C.float(c.OneMinusBeta2),
		step: C.float(c.StepSize), bc2s: C.float(c.BC2Sqrt), eps: C.float(c.Eps),
		l2: C.float(c.L2), decay: C.float(c.Decay),
	}
	C.ember_adam(C.int(vectorLevel), (*C.float)(unsafe.Pointer(&w[0])), (*C.float)(unsafe.Pointer(&g[0])),
		(*C.float)(unsafe.Pointer(&m[0])), (*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(w)), cc)
}

// divByAdam sets q[i] = a[i]/b as AdamUpdate's AVX-512 kernel divides by
// a BC2Sqrt of b, in [2^-40, 1], for the test that it gives the bits of a
// division. It needs AVX-512F (vectorLevel 2) and len(q) == len(a).
func divByAdam(q, a []float32, b float32) {
	if vectorLevel < 2 || len(q) != len(a) {
		panicf("cpu.divByAdam: vector level %d, lengths %d and %d", vectorLevel, len(q), len(a))
	}
	if len(a) == 0 {
		return
	}
	C.ember_div_by((*C.float)(unsafe.Pointer(&q[0])), (*C.float)(unsafe.Pointer(&a[0])), C.size_t(len(a)), C.float(b))
}
