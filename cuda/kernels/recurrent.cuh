// The recurrent products of the fused step kernels of lstm.cu and gru.cu
// (NG gates per hidden unit: 4 for the LSTM, 3 for the GRU), float32,
// row-major. A block owns U hidden units (all NG gate rows of each, so the
// cell arithmetic after the product needs nothing from other blocks) for
// REC_BT batch rows and runs REC_THREADS threads:
//
//   forward  (RecFwd):  G[bt][q*U+u] = sum_k h_prev[b0+bt][k] * W[q*H + j0+u][k],  k < H
//   backward (RecBwd):  D[bt][u]     = sum_g dP_next[b0+bt][g] * W[g][j0+u],      g < NG*H
//
// with W the recurrent weights (NG*H x H, gate blocks along the rows). The
// backward product reads W's transpose (H x NG*H, rec_transpose), whose
// rows are contiguous along g, instead of W's strided columns.
//
// Both walk K in chunks (REC_FKC = 128 forward, REC_BKC = 256 backward)
// staged in shared memory; while a chunk is multiplied, every thread
// already holds its share of the next one in registers (loaded before the
// math, stored after it), so global latency overlaps the arithmetic as in
// sgemm.cu. Each thread owns a 2 x NG (forward: two batch rows by the NG
// gates of one unit) or 2 x min(U, 4) (backward: two batch rows by up to
// four units) register tile over an interleaved slice of K, read as float4
// from shared memory: 2*NG*4 fused multiply-adds per 2 + NG shared loads.
// The slices' partial sums are then added in a fixed order (slice 0
// first), so results do not depend on timing. U is 2, 4 or 8: the host
// picks fewer units per block (more blocks) when the batch is small
// (rec_units in ops.go): at batch 10 and H = 256 the step runs on 128
// blocks instead of 32.
//
// Shared memory: at most (4*8 + 16) x 144 floats (27 KB) forward and
// (16 + 8) x 272 floats (26 KB) backward, static.

#ifndef EMBER_RECURRENT_CUH
#define EMBER_RECURRENT_CUH

#define REC_THREADS 256
#define REC_BT 16    // batch rows per block
#define REC_FKC 128  // forward K chunk (over H)
#define REC_BKC 256  // backward K chunk (over NG*H)
// Row pitch padding (floats). Pitches stay multiples of 4 (float4 reads)
// and are 16 banks apart mod 32, so the two register tiles a quarter-warp
// reads at U = 8 (adjacent rows) hit disjoint banks.
#define REC_PAD 16
static_assert(REC_PAD % 4 == 0, "rows must stay float4-aligned");

__device__ __forceinline__ float rec_dot4(float4 a, float4 b, float acc)
{
    acc = fmaf(a.x, b.x, acc);
    acc = fmaf(a.y, b.y, acc);
    acc = fmaf(a.z, b.z, acc);
    return fmaf(a.w, b.w, acc);
}


// ---- forward ----

template <int NG, int U>
struct RecFwd {
    static constexpr int R = NG * U;                 // gate rows of the block
    static constexpr int S = 32 / U;                 // K slices (threads per register tile)
    static constexpr int KC = REC_FKC;
    static constexpr int P = KC + REC_PAD;           // shared row pitch
    static constexpr int WPER = R * KC / REC_THREADS;  // W elements each thread stages per chunk
    static constexpr int HPER = REC_BT * KC / REC_THREADS;
    static constexpr int OUTS = REC_BT * R;          // outputs of the block
    static constexpr int STAGE = (R + REC_BT) * P;   // staged chunk (floats)
    static constexpr int RED = OUTS * (S + 1);       // slice partials (padded: conflict-free sums)
    static constexpr int SMEM = STAGE > RED ? STAGE : RED;
    static_assert(8 * U * S == REC_THREADS, "U must be 2, 4 or 8");
    static_assert(2 * KC == REC_THREADS && U % 2 == 0, "the staging below assumes two rows per pass");

    // Global -> registers: the chunk starting at k0 of W's block rows and
    // of h_prev's block rows (zeros outside H and B). With KC = 128 and 256
    // threads, a thread stages column kk = tid % 128 of every other row,
    // starting at row tid / 128; U is even, so staged row 2i + r0 is gate q
    // = 2i / U of unit 2i % U + r0 and the addresses are a few constant
    // strides from two base pointers.
    __device__ static __forceinline__ void load(float* wr, float* hr, const float* __restrict__ W,
                                                const float* __restrict__ h_prev, int B, int H, int j0, int b0, int k0)
    {
        const int kk = threadIdx.x % KC, r0 = threadIdx.x / KC;
        const bool kin = k0 + kk < H;
        const float* w = W + (size_t)(j0 + r0) * H + k0 + kk;
        const size_t hh = (size_t)H * H;
#pragma unroll
        for (int i = 0; i < WPER; ++i) {
            const int q = 2 * i / U, u = 2 * i % U;
            wr[i] = (kin && j0 + r0 + u < H) ? w[q * hh + (size_t)u * H] : 0.0f;
        }
        const float* x = h_prev + (size_t)(b0 + r0) * H + k0 + kk;
#pragma unroll
        for (int i = 0; i < HPER; ++i)
            hr[i] = (kin && b0 + r0 + 2 * i < B) ? x[(size_t)(2 * i) * H] : 0.0f;
    }

    // Registers -> shared: rows 0..R-1 of the stage are W's (row q*U + u),
    // R..R+15 h's.
    __device__ static __forceinline__ void store(float* sm, const float* wr, const float* hr)
    {
        const int kk = threadIdx.x % KC, r0 = threadIdx.x / KC;
#pragma unroll
        for (int i = 0; i < WPER; ++i)
            sm[(2 * i + r0) * P + kk] = wr[i];
#pragma unroll
        for (int i = 0; i < HPER; ++i)
            sm[(R + 2 * i + r0) * P + kk] = hr[i];
    }

    // acc[bb][q] = this thread's slice of the product for batch row
    // 2*bp+bb and gate row q*U+u (s, u, bp from threadIdx). Ends with a
    // barrier: sm may be reused at once.
    __device__ static void product(float (&acc)[2][NG], float* sm, const float* __restrict__ h_prev,
                                   const float* __restrict__ W, int B, int H, int j0, int b0)
    {
        const int tid = threadIdx.x;
        const int s = tid % S, tile = tid / S;
        const int u = tile % U, bp = tile / U;
        float wr[WPER], hr[HPER];
        const int nk = (H + KC - 1) / KC;
        load(wr, hr, W, h_prev, B, H, j0, b0, 0);
        store(sm, wr, hr);
        __syncthreads();
        for (int c = 0; c < nk; ++c) {
            const bool more = c + 1 < nk;
            if (more)
                load(wr, hr, W, h_prev, B, H, j0, b0, (c + 1) * KC);  // in flight during the math
            // float4-typed reads: their alignment is the type's, not
            // something the compiler has to infer.
            const float4* s4 = reinterpret_cast<const float4*>(sm);
            const float4* h0 = s4 + (R + 2 * bp) * (P / 4);
            const float4* h1 = h0 + P / 4;
#pragma unroll
            for (int g = 0; g < KC / 4 / S; ++g) {
                const int k = s + g * S;
                const float4 x0 = h0[k], x1 = h1[k];
#pragma unroll
                for (int q = 0; q < NG; ++q) {
                    const float4 w = s4[(q * U + u) * (P / 4) + k];
                    acc[0][q] = rec_dot4(x0, w, acc[0][q]);
                    acc[1][q] = rec_dot4(x1, w, acc[1][q]);
                }
            }
            __syncthreads();
            if (more) {
                store(sm, wr, hr);
                __syncthreads();
            }
        }
    }

    // G[o] = pre[i] + the sum of the slices' partials of output o = bt*R +
    // r, for the outputs o = tid + i*REC_THREADS of this thread (pre: its
    // inputs, loaded by the caller before the product). sm holds the
    // partials; ends with a barrier, after which G is complete.
    __device__ static void reduce(float* G, float* sm, const float (&acc)[2][NG], const float* pre)
    {
        const int tid = threadIdx.x;
        const int s = tid % S, tile = tid / S;
        const int u = tile % U, bp = tile / U;
#pragma unroll
        for (int bb = 0; bb < 2; ++bb)
#pragma unroll
            for (int q = 0; q < NG; ++q)
                sm[((2 * bp + bb) * R + q * U + u) * (S + 1) + s] = acc[bb][q];
        __syncthreads();
#pragma unroll
        for (int i = 0; i < (OUTS + REC_THREADS - 1) / REC_THREADS; ++i) {
            const int o = tid + i * REC_THREADS;
            if (o < OUTS) {
                float t = 0.0f;
#pragma unroll
                for (int k = 0; k < S; ++k)
                    t += sm[o * (S + 1) + k];
                G[o] = pre[i] + t;
            }
        }
        __syncthreads();
    }
};

// ---- backward ----

template <int NG, int U>
struct RecBwd {
    static constexpr int TU = U < 4 ? U : 4;          // units of a register tile
    static constexpr int TILES = (REC_BT / 2) * (U / TU);
    static constexpr int S = REC_THREADS / TILES;      // K slices
    static constexpr int KC = REC_BKC;
    static constexpr int P = KC + REC_PAD;
    static constexpr int DPER = REC_BT * KC / REC_THREADS;
    static constexpr int WPER = U * KC / REC_THREADS;
    static constexpr int OUTS = REC_BT * U;
    static constexpr int STAGE = (REC_BT + U) * P;
    static constexpr int RED = OUTS * (S + 1);
    static constexpr int SMEM = STAGE > RED ? STAGE : RED;
    static_assert(TILES * S == REC_THREADS && (KC / 4) % S == 0, "U must be 2, 4 or 8");
    static_assert(KC == REC_THREADS, "the staging below assumes one row per pass");

    // The chunk at k0 of dP_next's block rows and of W^T's block rows:
    // with KC = 256 = the block's threads, thread tid stages column tid of
    // every row.
    __device__ static __forceinline__ void load(float* dr, float* wr, const float* __restrict__ dP,
                                                const float* __restrict__ WT, int B, int H, int j0, int b0, int k0)
    {
        const int G = NG * H;
        const bool kin = k0 + (int)threadIdx.x < G;
        const float* d = dP + (size_t)b0 * G + k0 + threadIdx.x;
#pragma unroll
        for (int i = 0; i < DPER; ++i)
            dr[i] = (kin && b0 + i < B) ? d[(size_t)i * G] : 0.0f;
        const float* w = WT + (size_t)j0 * G + k0 + threadIdx.x;
#pragma unroll
        for (int i = 0; i < WPER; ++i)
            wr[i] = (kin && j0 + i < H) ? w[(size_t)i * G] : 0.0f;
    }

    // Rows 0..15 of the stage are dP's, 16..16+U-1 W^T's.
    __device__ static __forceinline__ void store(float* sm, const float* dr, const float* wr)
    {
#pragma unroll
        for (int i = 0; i < DPER; ++i)
            sm[i * P + threadIdx.x] = dr[i];
#pragma unroll
        for (int i = 0; i < WPER; ++i)
            sm[(REC_BT + i) * P + threadIdx.x] = wr[i];
    }

    // The block's outputs o = bt*U + u, summed over the slices in order,
    // for the thread with tid = o < OUTS (0 for the others). Barriers
    // inside: every thread must call it.
    __device__ static float product(float* sm, const float* __restrict__ dP, const float* __restrict__ WT, int B,
                                    int H, int j0, int b0)
    {
        const int tid = threadIdx.x;
        const int s = tid % S, tile = tid / S;
        const int ug = tile % (U / TU), bp = tile / (U / TU);
        float acc[2][TU];
#pragma unroll
        for (int bb = 0; bb < 2; ++bb)
#pragma unroll
            for (int i = 0; i < TU; ++i)
                acc[bb][i] = 0.0f;
        float dr[DPER], wr[WPER];
        const int nk = (NG * H + KC - 1) / KC;
        load(dr, wr, dP, WT, B, H, j0, b0, 0);
        store(sm, dr, wr);
        __syncthreads();
        for (int c = 0; c < nk; ++c) {
            const bool more = c + 1 < nk;
            if (more)
                load(dr, wr, dP, WT, B, H, j0, b0, (c + 1) * KC);
            const float4* s4 = reinterpret_cast<const float4*>(sm);
            const float4* d0 = s4 + (2 * bp) * (P / 4);
            const float4* d1 = d0 + P / 4;
#pragma unroll
            for (int g = 0; g < KC / 4 / S; ++g) {
                const int k = s + g * S;
                const float4 x0 = d0[k], x1 = d1[k];
#pragma unroll
                for (int i = 0; i < TU; ++i) {
                    const float4 w = s4[(REC_BT + ug * TU + i) * (P / 4) + k];
                    acc[0][i] = rec_dot4(x0, w, acc[0][i]);
                    acc[1][i] = rec_dot4(x1, w, acc[1][i]);
                }
            }
            __syncthreads();
            if (more) {
                store(sm, dr, wr);
                __syncthreads();
            }
        }
#pragma unroll
        for (int bb = 0; bb < 2; ++bb)
#pragma unroll
            for (int i = 0; i < TU; ++i)
                sm[((2 * bp + bb) * U + ug * TU + i) * (S + 1) + s] = acc[bb][i];
        __syncthreads();
        float t = 0.0f;
        if (tid < OUTS) {
#pragma unroll 8
            for (int k = 0; k < S; ++k)
                t += sm[tid * (S + 1) + k];
        }
        return t;
    }
};

// WT[j][g] = W[g][j] for the block's units j0..j0+U-1 and every gate row g
// < NG*H: the transpose the backward product reads. The blocks with
// blockIdx.y == 0 write their units' rows; consecutive threads take the U
// units of one row g, then the next row, so each warp reads 32/U runs of U
// floats of W and writes U runs of 32/U floats of WT.
template <int NG, int U>
__device__ __forceinline__ void rec_transpose(float* __restrict__ WT, const float* __restrict__ W, int H, int j0)
{
    if (blockIdx.y != 0)
        return;
    const int G = NG * H;
    for (int e = threadIdx.x; e < U * G; e += REC_THREADS) {
        const int u = e % U, g = e / U;
        const int j = j0 + u;
        if (j < H)
            WT[(size_t)j * G + g] = W[(size_t)g * H + j];
    }
}

#endif
