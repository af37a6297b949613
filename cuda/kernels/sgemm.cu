// Single-precision GEMM, row-major:  C = alpha * op(A) * op(B) + beta * C
//
//   op(A) is M x K: A[m*lda + k] when not transposed, A[k*lda + m] when transposed.
//   op(B) is K x N: B[k*ldb + n] when not transposed, B[n*ldb + k] when transposed.
//   C is M x N: C[m*ldc + n].  When beta == 0, C is not read (NaNs in C do not leak).
//
// Epilogue: bias (N floats, may be null) is added to every row, and bias2
// (may be null) to the first nb2 columns of every row:
//   C[m][n] = alpha * sum + beta * C[m][n] + (bias[n] + bias2[n])
// (an LSTM's or GRU's input projection plus its biases in one launch).
//
// Split K: with gridDim.z = Z > 1, block z of a tile computes the K steps
// [z*ceil(nk/Z), ...) of it and writes its raw partial sums to the
// workspace ws; the block that finishes a tile last (counted with an
// atomic per tile) adds the Z partials in slice order 0..Z-1 and applies
// the epilogue. Whichever block comes last, the sum is the same, so split
// results are deterministic. ws holds SYNC_COUNTERS counters (sync.cuh;
// the host splits only grids of fewer tiles) and then Z*BM*BN floats per
// tile; it is not read when Z = 1 and may be null then.
//
// Shared-memory tiling: each block of 256 threads computes a BM x BN tile of C,
// walking K in steps of BK = 8 with a double-buffered shared tile (one
// __syncthreads per step); each thread keeps a TM x TN register tile, reading
// 4-wide float4 fragments from shared memory. Two shapes are compiled:
//   *_128: 128 x 128 tile, 8 x 8 per thread (large problems)
//   *_64 :  64 x  64 tile, 4 x 4 per thread (small problems: more blocks)
// Out-of-range rows/columns/k are loaded as zero and never stored, so any
// M, N, K (including K = 0: C = beta*C) and any leading dimensions work.
//
// Entry points (all share one signature):
//   sgemm_{nn,nt,tn,tt}_{128,64}(int M, int N, int K, float alpha,
//       const float* A, int lda, const float* B, int ldb,
//       float beta, float* C, int ldc, const float* bias, const float* bias2, int nb2, float* ws)
// launched with grid (ceil(N/BN), ceil(M/BM), Z), block 256, no dynamic shared memory.

#define SGEMM_THREADS 256
#define SGEMM_BK 8
#define SGEMM_PAD 4

#include "sync.cuh"

template <int BM, int BN, int TM, int TN, bool TA, bool TB>
__device__ __forceinline__ void sgemm_tile(int M, int N, int K, float alpha,
                                           const float* __restrict__ A, int lda,
                                           const float* __restrict__ B, int ldb,
                                           float beta, float* __restrict__ C, int ldc,
                                           const float* __restrict__ bias, const float* __restrict__ bias2, int nb2,
                                           float* __restrict__ ws)
{
    constexpr int BK = SGEMM_BK;
    constexpr int TRM = BM / TM;             // thread rows (16)
    constexpr int TRN = BN / TN;             // thread columns (16)
    static_assert(TRM * TRN == SGEMM_THREADS, "tile shape must use 256 threads");
    static_assert(TM % 4 == 0 && TN % 4 == 0, "register tile must be a multiple of 4");
    constexpr int SA = BM + SGEMM_PAD;       // shared row pitch (floats), multiple of 4
    constexpr int SB = BN + SGEMM_PAD;
    constexpr int APER = BM * BK / SGEMM_THREADS;  // A elements each thread loads per step
    constexpr int BPER = BN * BK / SGEMM_THREADS;

    __shared__ __align__(16) float As[2][BK][SA];
    __shared__ __align__(16) float Bs[2][BK][SB];

    const int tid = threadIdx.x;
    const int tx = tid % TRN;
    const int ty = tid / TRN;
    const int m0 = blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;

    float ra[APER];
    float rb[BPER];
    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j)
            acc[i][j] = 0.0f;

    // This block's K steps: all of them, or its slice when K is split.
    const int nkAll = (K + BK - 1) / BK;
    const int per = (nkAll + (int)gridDim.z - 1) / (int)gridDim.z;
    const int kBeg = nkAll < (int)blockIdx.z * per ? nkAll : (int)blockIdx.z * per;
    const int nk = (nkAll < kBeg + per ? nkAll : kBeg + per) - kBeg;

    // Global -> registers for the k-step starting at k0.
#define SGEMM_LOAD(k0)                                                              \
    do {                                                                            \
        _Pragma("unroll") for (int q = 0; q < APER; ++q) {                          \
            const int e = tid + q * SGEMM_THREADS;                                  \
            const int kk = TA ? e / BM : e % BK;                                    \
            const int mm = TA ? e % BM : e / BK;                                    \
            const int gm = m0 + mm, gk = (k0) + kk;                                 \
            float v = 0.0f;                                                         \
            if (gm < M && gk < K)                                                   \
                v = TA ? A[(size_t)gk * lda + gm] : A[(size_t)gm * lda + gk];       \
            ra[q] = v;                                                              \
        }                                                                           \
        _Pragma("unroll") for (int q = 0; q < BPER; ++q) {                          \
            const int e = tid + q * SGEMM_THREADS;                                  \
            const int kk = TB ? e % BK : e / BN;                                    \
            const int nn = TB ? e / BK : e % BN;                                    \
            const int gn = n0 + nn, gk = (k0) + kk;                                 \
            float v = 0.0f;                                                         \
            if (gn < N && gk < K)                                                   \
                v = TB ? B[(size_t)gn * ldb + gk] : B[(size_t)gk * ldb + gn];       \
            rb[q] = v;                                                              \
        }                                                                           \
    } while (0)

    // Registers -> shared buffer s.
#define SGEMM_STORE(s)                                                              \
    do {                                                                            \
        _Pragma("unroll") for (int q = 0; q < APER; ++q) {                          \
            const int e = tid + q * SGEMM_THREADS;                                  \
            const int kk = TA ? e / BM : e % BK;                                    \
            const int mm = TA ? e % BM : e / BK;                                    \
            As[s][kk][mm] = ra[q];                                                  \
        }                                                                           \
        _Pragma("unroll") for (int q = 0; q < BPER; ++q) {                          \
            const int e = tid + q * SGEMM_THREADS;                                  \
            const int kk = TB ? e % BK : e / BN;                                    \
            const int nn = TB ? e / BK : e % BN;                                    \
            Bs[s][kk][nn] = rb[q];                                                  \
        }                                                                           \
    } while (0)

    if (nk > 0) {
        SGEMM_LOAD(kBeg * BK);
        SGEMM_STORE(0);
    }
    __syncthreads();

    for (int t = 0; t < nk; ++t) {
        const int cur = t & 1;
        const bool more = t + 1 < nk;
        if (more)
            SGEMM_LOAD((kBeg + t + 1) * BK);  // overlaps the global loads with the math below

#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            float a[TM];
            float b[TN];
#pragma unroll
            for (int q = 0; q < TM / 4; ++q) {
                const float4 v = *reinterpret_cast<const float4*>(&As[cur][kk][q * TRM * 4 + ty * 4]);
                a[q * 4 + 0] = v.x;
                a[q * 4 + 1] = v.y;
                a[q * 4 + 2] = v.z;
                a[q * 4 + 3] = v.w;
            }
#pragma unroll
            for (int q = 0; q < TN / 4; ++q) {
                const float4 v = *reinterpret_cast<const float4*>(&Bs[cur][kk][q * TRN * 4 + tx * 4]);
                b[q * 4 + 0] = v.x;
                b[q * 4 + 1] = v.y;
                b[q * 4 + 2] = v.z;
                b[q * 4 + 3] = v.w;
            }
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j)
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }

        if (more)
            SGEMM_STORE(cur ^ 1);  // the other buffer was last read before the previous barrier
        __syncthreads();
    }
#undef SGEMM_LOAD
#undef SGEMM_STORE

    if (gridDim.z > 1) {
        // Split K: publish this slice's partials; the tile's last block
        // sums all of them in slice order.
        const int tile = blockIdx.y * gridDim.x + blockIdx.x;
        float* part = ws + SYNC_COUNTERS + (size_t)tile * gridDim.z * (BM * BN);
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j)
                part[(size_t)blockIdx.z * (BM * BN) + (i * TN + j) * SGEMM_THREADS + tid] = acc[i][j];
        if (!sync_last(ws, tile, gridDim.z))
            return;
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j) {
                float t = 0.0f;
                for (unsigned z = 0; z < gridDim.z; ++z)
                    t += __ldcg(&part[(size_t)z * (BM * BN) + (i * TN + j) * SGEMM_THREADS + tid]);
                acc[i][j] = t;
            }
    }

#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int row = m0 + (i / 4) * TRM * 4 + ty * 4 + (i % 4);
        if (row >= M)
            continue;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
            const int col = n0 + (j / 4) * TRN * 4 + tx * 4 + (j % 4);
            if (col >= N)
                continue;
            const size_t idx = (size_t)row * ldc + col;
            float r = alpha * acc[i][j];
            if (beta != 0.0f)
                r = fmaf(beta, C[idx], r);
            if (bias) {
                float bv = bias[col];
                if (bias2 && col < nb2)
                    bv += bias2[col];
                r += bv;
            }
            C[idx] = r;
        }
    }
}

#define SGEMM_ENTRY(name, BM, BN, TM, TN, TA, TB)                                                  \
    extern "C" __global__ void __launch_bounds__(SGEMM_THREADS)                                    \
        name(int M, int N, int K, float alpha, const float* __restrict__ A, int lda,               \
             const float* __restrict__ B, int ldb, float beta, float* __restrict__ C, int ldc,     \
             const float* __restrict__ bias, const float* __restrict__ bias2, int nb2,             \
             float* __restrict__ ws)                                                               \
    {                                                                                              \
        sgemm_tile<BM, BN, TM, TN, TA, TB>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, bias2, \
                                           nb2, ws);                                               \
    }

SGEMM_ENTRY(sgemm_nn_128, 128, 128, 8, 8, false, false)
SGEMM_ENTRY(sgemm_nt_128, 128, 128, 8, 8, false, true)
SGEMM_ENTRY(sgemm_tn_128, 128, 128, 8, 8, true, false)
SGEMM_ENTRY(sgemm_tt_128, 128, 128, 8, 8, true, true)
SGEMM_ENTRY(sgemm_nn_64, 64, 64, 4, 4, false, false)
SGEMM_ENTRY(sgemm_nt_64, 64, 64, 4, 4, false, true)
SGEMM_ENTRY(sgemm_tn_64, 64, 64, 4, 4, true, false)
SGEMM_ENTRY(sgemm_tt_64, 64, 64, 4, 4, true, true)
