//go:build cgo && amd64

package cpu

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <immintrin.h>

// Products with few rows and B as stored (the recurrent layers' per-step
// products at small batch sizes: 10×256×1024 in the backward pass, and
// 10×1024×256 in the forward pass with the recurrent weights transposed
// once per call) in AVX-512. OpenBLAS packs the whole of B into its panel
// format on every call, which at these shapes costs more than the
// arithmetic; this kernel reads B in place, once per block of rows (one
// block up to 12 rows).

static inline __mmask16 ember_tail16(int left) {
	return left >= 16 ? (__mmask16)0xffff : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
}

// C[r0:r0+R, j0:j0+32] of C = alpha·A·B + beta·C, B k×n row-major: 2R
// accumulators, so that up to 12 rows share each load of B.
__attribute__((target("avx512f"), always_inline))
static inline void ember_nn_tile(int R, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
		float beta, float *c, int ldc, int j0) {
	__mmask16 mk[2];
	for (int v = 0; v < 2; v++) {
		mk[v] = ember_tail16(n - j0 - 16 * v);
	}
	__m512 acc[12][2];
	for (int r = 0; r < R; r++) {
		for (int v = 0; v < 2; v++) {
			acc[r][v] = _mm512_setzero_ps();
		}
	}
	for (int kk = 0; kk < k; kk++) {
		const float *br = b + (size_t)kk * ldb + j0;
		__m512 bv[2];
		for (int v = 0; v < 2; v++) {
			bv[v] = _mm512_maskz_loadu_ps(mk[v], br + 16 * v);
		}
		for (int r = 0; r < R; r++) {
			__m512 av = _mm512_set1_ps(a[(size_t)r * lda + kk]);
			for (int v = 0; v < 2; v++) {
				acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
			}
		}
	}
	__m512 al = _mm512_set1_ps(alpha), be = _mm512_set1_ps(beta);
	for (int r = 0; r < R; r++) {
		float *cr = c + (size_t)r * ldc + j0;
		for (int v = 0; v < 2; v++) {
			__m512 out = _mm512_mul_ps(al, acc[r][v]);
			if (beta != 0) { // beta 0 does not read C (BLAS)
				out = _mm512_fmadd_ps(be, _mm512_maskz_loadu_ps(mk[v], cr + 16 * v), out);
			}
			_mm512_mask_storeu_ps(cr + 16 * v, mk[v], out);
		}
	}
}

#define EMBER_NN_ROWS(R) \
	__attribute__((target("avx512f"))) static void ember_nn_rows##R(int n, int k, float alpha, const float *a, \
			int lda, const float *b, int ldb, float beta, float *c, int ldc) { \
		for (int j0 = 0; j0 < n; j0 += 32) { \
			ember_nn_tile(R, n, k, alpha, a, lda, b, ldb, beta, c, ldc, j0); \
		} \
	}
EMBER_NN_ROWS(1)
EMBER_NN_ROWS(2)
EMBER_NN_ROWS(3)
EMBER_NN_ROWS(4)
EMBER_NN_ROWS(5)
EMBER_NN_ROWS(6)
EMBER_NN_ROWS(7)
EMBER_NN_ROWS(8)
EMBER_NN_ROWS(9)
EMBER_NN_ROWS(10)
EMBER_NN_ROWS(11)
EMBER_NN_ROWS(12)

// ember_small_sgemm computes C = alpha·A·B + beta·C for A m×k and B k×n as
// stored, in blocks of up to 12 rows spread evenly (16 rows: 8+8).
static void ember_small_sgemm(int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
		float beta, float *c, int ldc) {
	int blocks = (m + 11) / 12;
	for (int r0 = 0, blk = 0; r0 < m; blk++) {
		int R = (m - r0 + (blocks - blk) - 1) / (blocks - blk);
		const float *ar = a + (size_t)r0 * lda;
		float *cr = c + (size_t)r0 * ldc;
		switch (R) {
		case 1: ember_nn_rows1(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 2: ember_nn_rows2(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 3: ember_nn_rows3(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 4: ember_nn_rows4(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 5: ember_nn_rows5(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 6: ember_nn_rows6(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 7: ember_nn_rows7(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 8: ember_nn_rows8(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 9: ember_nn_rows9(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 10: ember_nn_rows10(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		case 11: ember_nn_rows11(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		default: ember_nn_rows12(n, k, alpha, ar, lda, b, ldb, beta, cr, ldc); break;
		}
		r0 += R;
	}
}
*/
import "C"

import "unsafe"

// smallGemmRows is the most rows of A a product may have for the small
// kernel; above it OpenBLAS's packing pays for itself.
const smallGemmRows = 16

// smallGemmOK reports whether the small-row kernel takes this product:
// neither operand transposed, 2 to smallGemmRows rows (OpenBLAS's own
// matrix-vector path is faster for one), on a CPU with AVX-512F, and B
// large enough that packing it is what OpenBLAS would spend its time on.
func smallGemmOK(tA, tB bool, m, n, k int) bool {
	return vectorLevel == 2 && !tA && !tB && m >= 2 && m <= smallGemmRows && n*k >= 1<<14
}

// smallSgemm is Sgemm's product for smallGemmOK shapes; arguments are
// checked and m, n, k > 0.
func smallSgemm(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	C.ember_small_sgemm(C.int(m), C.int(n), C.int(k), C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.int(ldb), C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}
