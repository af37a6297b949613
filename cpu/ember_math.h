// Branch-free float32 exp, sigmoid and tanh for the recurrent cells' gate
// arithmetic (lstmcell_cgo.go, grucell_cgo.go), written so gcc vectorises the
// loops that call them: Cody-Waite range reduction and a degree-6 polynomial,
// the same as the Go kernels in package graph (graph/fastmath.go).

#ifndef EMBER_MATH_H
#define EMBER_MATH_H

#include <stdint.h>
#include <string.h>

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

// Clones for AVX-512, AVX2 and plain x86-64, chosen at load time.
#if defined(__x86_64__)
#define EMBER_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define EMBER_CLONES
#endif

#endif
