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
} ember_adam_coef;

#define RN (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

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
	__m512 denom = _mm512_add_round_ps(_mm512_div_round_ps(_mm512_sqrt_round_ps(vi, RN), _mm512_set1_ps(c->bc2s), RN),
		_mm512_set1_ps(c->eps), RN);
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
