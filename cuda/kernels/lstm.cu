// LSTM pointwise step (the part after the two GEMMs), float32, row-major.
//
// P (B x 4H) holds the pre-activations x*W_ih^T + h*W_hh^T + bias with the gate
// blocks [i f g o] along each row: P[b][0:H] = i, [H:2H] = f, [2H:3H] = g,
// [3H:4H] = o. A (B x 4H) holds the activations in the same layout.
// One thread per (b, j) of the B x H state. Launch: block 256, any grid.
// Every thread reads all its inputs before writing, so A may alias P (forward)
// and dP may alias A, dc_prev may alias dc_next (backward).

__device__ __forceinline__ float lstm_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// A = [sig(i), sig(f), tanh(g), sig(o)];  c = sig(f)*c_prev + sig(i)*tanh(g);  h = sig(o)*tanh(c).
// c_prev may be null (zero initial state).
extern "C" __global__ void lstm_fwd_pointwise(float* A, float* c, float* h, const float* P, const float* c_prev,
                                              int B, int H)
{
    const unsigned n = (unsigned)B * (unsigned)H;
    const unsigned uh = (unsigned)H;
    for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < n; k += blockDim.x * gridDim.x) {
        const unsigned b = k / uh;
        const unsigned j = k - b * uh;
        const size_t base = (size_t)b * 4 * uh + j;
        const float pi = P[base], pf = P[base + uh], pg = P[base + 2 * uh], po = P[base + 3 * uh];
        const float cp = c_prev ? c_prev[k] : 0.0f;
        const float ai = lstm_sigmoid(pi), af = lstm_sigmoid(pf), ag = tanhf(pg), ao = lstm_sigmoid(po);
        A[base] = ai;
        A[base + uh] = af;
        A[base + 2 * uh] = ag;
        A[base + 3 * uh] = ao;
        const float cn = af * cp + ai * ag;
        c[k] = cn;
        h[k] = ao * tanhf(cn);
    }
}

// Backward through one step. dh is dL/dh_t (recurrent part included), dc_next
// is dL/dc_t from step t+1 (null: zero), c_prev is c_{t-1} (null: zero).
//   tc = tanh(c); do = dh*tc*o(1-o); dc = dc_next + dh*o*(1-tc^2);
//   di = dc*g*i(1-i); df = dc*c_prev*f(1-f); dg = dc*i*(1-g^2); dc_prev = dc*f.
// Writes dP (B x 4H, [i f g o] blocks) and dc_prev (skipped when null).
extern "C" __global__ void lstm_bwd_pointwise(float* dP, float* dc_prev, const float* dh, const float* dc_next,
                                              const float* A, const float* c, const float* c_prev, int B, int H)
{
    const unsigned n = (unsigned)B * (unsigned)H;
    const unsigned uh = (unsigned)H;
    for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < n; k += blockDim.x * gridDim.x) {
        const unsigned b = k / uh;
        const unsigned j = k - b * uh;
        const size_t base = (size_t)b * 4 * uh + j;
        const float ai = A[base], af = A[base + uh], ag = A[base + 2 * uh], ao = A[base + 3 * uh];
        const float tc = tanhf(c[k]);
        const float dhv = dh[k];
        const float dcn = dc_next ? dc_next[k] : 0.0f;
        const float cp = c_prev ? c_prev[k] : 0.0f;
        const float d_o = dhv * tc * ao * (1.0f - ao);
        const float dc = dcn + dhv * ao * (1.0f - tc * tc);
        const float d_i = dc * ag * ai * (1.0f - ai);
        const float d_f = dc * cp * af * (1.0f - af);
        const float d_g = dc * ai * (1.0f - ag * ag);
        dP[base] = d_i;
        dP[base + uh] = d_f;
        dP[base + 2 * uh] = d_g;
        dP[base + 3 * uh] = d_o;
        if (dc_prev)
            dc_prev[k] = dc * af;
    }
}

// ---- Fused recurrent steps ----
//
// One kernel per time step instead of a GEMM plus a pointwise kernel: a
// block owns U hidden units j (all four gate rows of each) for REC_BT batch
// rows, computes their recurrent product (recurrent.cuh) and applies the
// pointwise step. At small batches a step is latency-bound: this halves
// the kernels per step and keeps the gate pre-activations in shared memory.
// Entry points lstm_{fwd,bwd}_step_u{2,4,8} (U units per block); launch:
// grid (ceil(H / U), ceil(B / REC_BT)), block REC_THREADS (256).

#include "recurrent.cuh"

// Forward step t. P (B x 4H) holds x_t*W_ih^T + bias; W is W_hh (4H x H,
// row g = gate row, [i f g o] blocks). With h_prev = h_{t-1} (null at t = 0,
// with c_prev) it computes pre = P + h_prev*W^T for the block's gate rows and
// writes A = activations (A may be P), c = c_t and h = h_t, as
// lstm_fwd_pointwise does.
template <int U>
__device__ __forceinline__ void lstm_fwd_step_t(float* A, float* c, float* h, const float* P, const float* h_prev,
                                                const float* c_prev, const float* W, int B, int H)
{
    typedef RecFwd<4, U> F;
    constexpr int NO = (F::OUTS + REC_THREADS - 1) / REC_THREADS;
    __shared__ __align__(16) float sm[F::SMEM];
    __shared__ float G[F::OUTS];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * U;
    const int b0 = blockIdx.y * REC_BT;
    // This thread's inputs, loaded before the product so their latency
    // overlaps it: the pre-activations of its outputs o (row o / R, gate
    // row o % R) and, for the cell (bt, u) = (tid / U, tid % U), c_prev.
    float pre[NO];
#pragma unroll
    for (int i = 0; i < NO; ++i) {
        const int o = tid + i * REC_THREADS;
        const int b = b0 + o / F::R, r = o % F::R;
        const int j = j0 + r % U;
        pre[i] = (o < F::OUTS && b < B && j < H) ? P[(size_t)b * 4 * H + (r / U) * H + j] : 0.0f;
    }
    const int pb = b0 + tid / U, pj = j0 + tid % U;
    const bool cell = tid < REC_BT * U && pb < B && pj < H;
    const float cp = (cell && c_prev) ? c_prev[(size_t)pb * H + pj] : 0.0f;

    float acc[2][4] = {{0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}};
    if (h_prev)
        F::product(acc, sm, h_prev, W, B, H, j0, b0);
    F::reduce(G, sm, acc, pre);
    if (cell) {
        const float* g = G + (tid / U) * F::R + tid % U;
        const size_t k = (size_t)pb * H + pj;
        const size_t base = (size_t)pb * 4 * H + pj;
        const float ai = lstm_sigmoid(g[0]), af = lstm_sigmoid(g[U]);
        const float ag = tanhf(g[2 * U]), ao = lstm_sigmoid(g[3 * U]);
        A[base] = ai;
        A[base + H] = af;
        A[base + 2 * H] = ag;
        A[base + 3 * H] = ao;
        const float cn = af * cp + ai * ag;
        c[k] = cn;
        h[k] = ao * tanhf(cn);
    }
}

// Backward step t. dH (B x H) is dL/dh_t from above; dP_next (B x 4H) the
// gate gradients of step t+1 (null at the last step), so that
// dh = dH + dP_next*W, read through WT = W^T (H x 4H). dc_in is dL/dc_t
// from step t+1 (null: zero), dc_out receives dL/dc_{t-1} (null: not
// written; may be dc_in). A, c are step t's activations and cell, c_prev =
// c_{t-1} (null: zero). Writes dP (B x 4H), as lstm_bwd_pointwise does with
// that dh. The last step, which runs first and has no product, writes
// W = W_hh's transpose into WT_out instead (when not null) for the steps
// after it.
template <int U>
__device__ __forceinline__ void lstm_bwd_step_t(float* dP, float* dc_out, float* WT_out, const float* dH,
                                                const float* dP_next, const float* W, const float* WT,
                                                const float* A, const float* c, const float* c_prev,
                                                const float* dc_in, int B, int H)
{
    typedef RecBwd<4, U> R;
    __shared__ __align__(16) float sm[R::SMEM];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * U;
    const int b0 = blockIdx.y * REC_BT;
    // The cell (b, j) of output tid = bt*U + u and its inputs, loaded
    // before the product.
    const int b = b0 + tid / U, j = j0 + tid % U;
    const bool cell = tid < R::OUTS && b < B && j < H;
    const size_t k = (size_t)b * H + j;
    const size_t base = (size_t)b * 4 * H + j;
    float ai = 0.0f, af = 0.0f, ag = 0.0f, ao = 0.0f, cv = 0.0f, dhv = 0.0f, dcn = 0.0f, cp = 0.0f;
    if (cell) {
        ai = A[base];
        af = A[base + H];
        ag = A[base + 2 * H];
        ao = A[base + 3 * H];
        cv = c[k];
        dhv = dH[k];
        dcn = dc_in ? dc_in[k] : 0.0f;
        cp = c_prev ? c_prev[k] : 0.0f;
    }
    float rec = 0.0f;
    if (dP_next)
        rec = R::product(sm, dP_next, WT, B, H, j0, b0);
    else if (WT_out)
        rec_transpose<4, U>(WT_out, W, H, j0);
    if (cell) {
        const float tc = tanhf(cv);
        dhv += rec;
        const float d_o = dhv * tc * ao * (1.0f - ao);
        const float dc = dcn + dhv * ao * (1.0f - tc * tc);
        dP[base] = dc * ag * ai * (1.0f - ai);
        dP[base + H] = dc * cp * af * (1.0f - af);
        dP[base + 2 * H] = dc * ai * (1.0f - ag * ag);
        dP[base + 3 * H] = d_o;
        if (dc_out)
            dc_out[k] = dc * af;
    }
}

#define LSTM_FWD_STEP_ENTRY(name, U)                                                                            \
    extern "C" __global__ void __launch_bounds__(REC_THREADS)                                                  \
        name(float* A, float* c, float* h, const float* P, const float* h_prev, const float* c_prev, const float* W, \
             int B, int H)                                                                                      \
    {                                                                                                           \
        lstm_fwd_step_t<U>(A, c, h, P, h_prev, c_prev, W, B, H);                                                \
    }
#define LSTM_BWD_STEP_ENTRY(name, U)                                                                            \
    extern "C" __global__ void __launch_bounds__(REC_THREADS)                                                  \
        name(float* dP, float* dc_out, float* WT_out, const float* dH, const float* dP_next, const float* W,    \
             const float* WT, const float* A, const float* c, const float* c_prev, const float* dc_in, int B, int H) \
    {                                                                                                           \
        lstm_bwd_step_t<U>(dP, dc_out, WT_out, dH, dP_next, W, WT, A, c, c_prev, dc_in, B, H);                 \
    }

LSTM_FWD_STEP_ENTRY(lstm_fwd_step_u2, 2)
LSTM_FWD_STEP_ENTRY(lstm_fwd_step_u4, 4)
LSTM_FWD_STEP_ENTRY(lstm_fwd_step_u8, 8)
LSTM_BWD_STEP_ENTRY(lstm_bwd_step_u2, 2)
LSTM_BWD_STEP_ENTRY(lstm_bwd_step_u4, 4)
LSTM_BWD_STEP_ENTRY(lstm_bwd_step_u8, 8)
