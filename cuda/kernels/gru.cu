// GRU kernels, float32, row-major, PyTorch's nn.GRU semantics with gate
// blocks [r z n] along each 3H-wide row:
//
//   r = sig(gi_r + gh_r), z = sig(gi_z + gh_z), n = tanh(gi_n + r * ghn),
//   h = (1 - z) * n + z * h_prev,
//
// gi = x*W_ih^T + b_ih (+ b_hr, b_hz folded in), gh = h_prev*W_hh^T and
// ghn = gh_n + b_hn. The layout of the op's buffers is graph.GRU's: A
// (T x B x 3H) holds the input pre-activations and, after a step, that
// step's activations [r z n]; GHN (T x B x H) keeps ghn for the backward pass.

__device__ __forceinline__ float gru_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// The input projection gi and its biases are one GEMM (sgemm.cu's bias
// epilogue: b_ih, plus b_hh's r and z blocks).
//
// ---- Fused recurrent steps ----
//
// One kernel per time step, as lstm.cu's: a block owns U hidden units j
// (all three gate rows of each) for REC_BT batch rows, computes their
// recurrent product (recurrent.cuh) and applies the gate arithmetic.
// Entry points gru_{fwd,bwd}_step_u{2,4,8}; launch: grid (ceil(H / U),
// ceil(B / REC_BT)), block REC_THREADS (256).

#include "recurrent.cuh"

// Forward step t. A (B x 3H) holds step t's input pre-activations and
// receives its activations [r z n]; W is W_hh (3H x H, row g = gate row,
// [r z n] blocks), b_hn the n block of b_hh (H). With h_prev = h_{t-1} (null
// at t = 0: zero state, no product) it writes ghn (B x H) and h (B x H).
template <int U>
__device__ __forceinline__ void gru_fwd_step_t(float* A, float* ghn, float* h, const float* h_prev, const float* W,
                                               const float* b_hn, int B, int H)
{
    typedef RecFwd<3, U> F;
    constexpr int NO = (F::OUTS + REC_THREADS - 1) / REC_THREADS;
    __shared__ __align__(16) float sm[F::SMEM];
    __shared__ float G[F::OUTS];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * U;
    const int b0 = blockIdx.y * REC_BT;
    // The cell (b, j) = (b0 + tid / U, j0 + tid % U) and its inputs, loaded
    // before the product.
    const int b = b0 + tid / U, j = j0 + tid % U;
    const bool cell = tid < REC_BT * U && b < B && j < H;
    const size_t k = (size_t)b * H + j;
    const size_t base = (size_t)b * 3 * H + j;
    float ar = 0.0f, az = 0.0f, an = 0.0f, hp = 0.0f, bn = 0.0f;
    if (cell) {
        ar = A[base];
        az = A[base + H];
        an = A[base + 2 * H];
        hp = h_prev ? h_prev[k] : 0.0f;
        bn = b_hn[j];
    }
    float pre[NO];
#pragma unroll
    for (int i = 0; i < NO; ++i)
        pre[i] = 0.0f;  // the input part is added per gate below (n's is not summed with its product)
    float acc[2][3] = {{0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f}};
    if (h_prev)
        F::product(acc, sm, h_prev, W, B, H, j0, b0);
    F::reduce(G, sm, acc, pre);
    if (cell) {
        const float* g = G + (tid / U) * F::R + tid % U;
        const float rv = gru_sigmoid(ar + g[0]);
        const float zv = gru_sigmoid(az + g[U]);
        const float hn = g[2 * U] + bn;
        const float nv = tanhf(an + rv * hn);
        A[base] = rv;
        A[base + H] = zv;
        A[base + 2 * H] = nv;
        ghn[k] = hn;
        h[k] = (1.0f - zv) * nv + zv * hp;
    }
}

// Backward step t. dH (B x H) is dL/dh_t from above; dGh_next (B x 3H) the
// recurrent-side gate gradients of step t+1 (null at the last step) and
// dhz_in = dL/dh_{t+1} * z_{t+1} from that step (null: zero), so that
// dh = dH + dhz_in + dGh_next*W, read through WT = W^T (H x 3H). A, ghn are
// step t's activations and ghn, h_prev = h_{t-1} (null: zero). Writes the
// gate gradients of the input side dGi (B x 3H) and of the recurrent side
// dGh (B x 3H, which differs only in the n block: dGh_n = r * dGi_n), and
// dhz_out = dh * z (null: not written; may be dhz_in). The last step, run
// first and with no product, writes W's transpose into WT_out instead
// (when not null) for the steps after it.
template <int U>
__device__ __forceinline__ void gru_bwd_step_t(float* dGi, float* dGh, float* dhz_out, float* WT_out,
                                               const float* dH, const float* dGh_next, const float* W,
                                               const float* WT, const float* A, const float* ghn,
                                               const float* h_prev, const float* dhz_in, int B, int H)
{
    typedef RecBwd<3, U> R;
    __shared__ __align__(16) float sm[R::SMEM];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * U;
    const int b0 = blockIdx.y * REC_BT;
    const int b = b0 + tid / U, j = j0 + tid % U;
    const bool cell = tid < R::OUTS && b < B && j < H;
    const size_t k = (size_t)b * H + j;
    const size_t base = (size_t)b * 3 * H + j;
    float rv = 0.0f, zv = 0.0f, nv = 0.0f, hp = 0.0f, hn = 0.0f, dh0 = 0.0f, dhz = 0.0f;
    if (cell) {
        rv = A[base];
        zv = A[base + H];
        nv = A[base + 2 * H];
        hp = h_prev ? h_prev[k] : 0.0f;
        hn = ghn[k];
        dh0 = dH[k];
        dhz = dhz_in ? dhz_in[k] : 0.0f;
    }
    float rec = 0.0f;
    if (dGh_next)
        rec = R::product(sm, dGh_next, WT, B, H, j0, b0);
    else if (WT_out)
        rec_transpose<3, U>(WT_out, W, H, j0);
    if (cell) {
        const float dhv = dh0 + rec + dhz;
        const float dan = dhv * (1.0f - zv) * (1.0f - nv * nv);
        const float daz = dhv * (hp - nv) * zv * (1.0f - zv);
        const float dar = dan * hn * rv * (1.0f - rv);
        dGi[base] = dar;
        dGi[base + H] = daz;
        dGi[base + 2 * H] = dan;
        dGh[base] = dar;
        dGh[base + H] = daz;
        dGh[base + 2 * H] = dan * rv;
        if (dhz_out)
            dhz_out[k] = dhv * zv;
    }
}

#define GRU_FWD_STEP_ENTRY(name, U)                                                                             \
    extern "C" __global__ void __launch_bounds__(REC_THREADS)                                                  \
        name(float* A, float* ghn, float* h, const float* h_prev, const float* W, const float* b_hn, int B, int H) \
    {                                                                                                           \
        gru_fwd_step_t<U>(A, ghn, h, h_prev, W, b_hn, B, H);                                                    \
    }
#define GRU_BWD_STEP_ENTRY(name, U)                                                                             \
    extern "C" __global__ void __launch_bounds__(REC_THREADS)                                                  \
        name(float* dGi, float* dGh, float* dhz_out, float* WT_out, const float* dH, const float* dGh_next,     \
             const float* W, const float* WT, const float* A, const float* ghn, const float* h_prev,            \
             const float* dhz_in, int B, int H)                                                                 \
    {                                                                                                           \
        gru_bwd_step_t<U>(dGi, dGh, dhz_out, WT_out, dH, dGh_next, W, WT, A, ghn, h_prev, dhz_in, B, H);       \
    }

GRU_FWD_STEP_ENTRY(gru_fwd_step_u2, 2)
GRU_FWD_STEP_ENTRY(gru_fwd_step_u4, 4)
GRU_FWD_STEP_ENTRY(gru_fwd_step_u8, 8)
GRU_BWD_STEP_ENTRY(gru_bwd_step_u2, 2)
GRU_BWD_STEP_ENTRY(gru_bwd_step_u4, 4)
GRU_BWD_STEP_ENTRY(gru_bwd_step_u8, 8)
