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

// A[row][j] += b_ih[j] + (j < 2H ? b_hh[j] : 0) for rows x 3H. Launch: block
// 256, any grid (grid-stride).
extern "C" __global__ void gru_add_bias(float* A, const float* b_ih, const float* b_hh, int rows, int H)
{
    const unsigned g = 3u * (unsigned)H;
    const unsigned n = (unsigned)rows * g;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        const unsigned j = i % g;
        A[i] += b_ih[j] + (j < 2u * (unsigned)H ? b_hh[j] : 0.0f);
    }
}

// ---- Fused recurrent steps ----
//
// One kernel per time step, as lstm.cu's: a block owns GRU_UNITS hidden
// units j (all three gate rows of each, so the pointwise part needs nothing
// from other blocks) for GRU_BT batch rows, computes their recurrent
// product from shared-memory tiles and applies the gate arithmetic.
// Forward launch: grid (ceil(H / GRU_UNITS), ceil(B / GRU_BT)), block 192
// (GRU_ROWS x 8: each thread owns two outputs). Backward: same grid, block 256.

#define GRU_UNITS 8
#define GRU_BT 16
#define GRU_ROWS (3 * GRU_UNITS)  // gate rows of a block (24)
#define GRU_FKC 32                // forward: K chunk (over H)
#define GRU_BKC 64                // backward: K chunk (over 3H)

// Forward step t. A (B x 3H) holds step t's input pre-activations and
// receives its activations [r z n]; W is W_hh (3H x H, row g = gate row,
// [r z n] blocks), b_hn the n block of b_hh (H). With h_prev = h_{t-1} (null
// at t = 0: zero state, no product) it writes ghn (B x H) and h (B x H).
extern "C" __global__ void __launch_bounds__(192) gru_fwd_step(float* A, float* ghn, float* h, const float* h_prev,
                                                              const float* W, const float* b_hn, int B, int H)
{
    __shared__ float Ws[GRU_ROWS][GRU_FKC + 1];
    __shared__ float Hs[GRU_BT][GRU_FKC + 1];
    __shared__ float G[GRU_BT][GRU_ROWS];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * GRU_UNITS;
    const int b0 = blockIdx.y * GRU_BT;
    // Each thread owns two outputs (bt, r) and (bt + 8, r): r = tid % 24, bt = tid / 24.
    const int r = tid % GRU_ROWS;
    const int bt = tid / GRU_ROWS;
    float acc0 = 0.0f, acc1 = 0.0f;
    if (h_prev) {
        for (int k0 = 0; k0 < H; k0 += GRU_FKC) {
            for (int e = tid; e < GRU_ROWS * GRU_FKC; e += 192) {
                const int rr = e / GRU_FKC, kk = e % GRU_FKC;
                const int j = j0 + rr % GRU_UNITS, k = k0 + kk;
                Ws[rr][kk] = (j < H && k < H) ? W[(size_t)((rr / GRU_UNITS) * H + j) * H + k] : 0.0f;
            }
            for (int e = tid; e < GRU_BT * GRU_FKC; e += 192) {
                const int bb = e / GRU_FKC, kk = e % GRU_FKC;
                const int b = b0 + bb, k = k0 + kk;
                Hs[bb][kk] = (b < B && k < H) ? h_prev[(size_t)b * H + k] : 0.0f;
            }
            __syncthreads();
#pragma unroll 8
            for (int kk = 0; kk < GRU_FKC; ++kk) {
                const float w = Ws[r][kk];
                acc0 = fmaf(Hs[bt][kk], w, acc0);
                acc1 = fmaf(Hs[bt + 8][kk], w, acc1);
            }
            __syncthreads();
        }
    }
    G[bt][r] = acc0;
    G[bt + 8][r] = acc1;
    __syncthreads();
    if (tid < GRU_BT * GRU_UNITS) {
        const int pb = tid / GRU_UNITS, pu = tid % GRU_UNITS;
        const int b = b0 + pb, j = j0 + pu;
        if (b < B && j < H) {
            const size_t k = (size_t)b * H + j;
            const size_t base = (size_t)b * 3 * H + j;
            const float rv = gru_sigmoid(A[base] + G[pb][pu]);
            const float zv = gru_sigmoid(A[base + H] + G[pb][GRU_UNITS + pu]);
            const float hn = G[pb][2 * GRU_UNITS + pu] + b_hn[j];
            const float nv = tanhf(A[base + 2 * H] + rv * hn);
            const float hp = h_prev ? h_prev[k] : 0.0f;
            A[base] = rv;
            A[base + H] = zv;
            A[base + 2 * H] = nv;
            ghn[k] = hn;
            h[k] = (1.0f - zv) * nv + zv * hp;
        }
    }
}

// Backward step t. dH (B x H) is dL/dh_t from above; dGh_next (B x 3H) the
// recurrent-side gate gradients of step t+1 (null at the last step) and
// dhz_in = dL/dh_{t+1} * z_{t+1} from that step (null: zero), so that
// dh = dH + dhz_in + dGh_next*W. A, ghn are step t's activations and
// ghn, h_prev = h_{t-1} (null: zero). Writes the gate gradients of the
// input side dGi (B x 3H) and of the recurrent side dGh (B x 3H, which
// differs only in the n block: dGh_n = r * dGi_n), and dhz_out = dh * z
// (null: not written; may be dhz_in).
extern "C" __global__ void __launch_bounds__(256) gru_bwd_step(float* dGi, float* dGh, float* dhz_out,
                                                              const float* dH, const float* dGh_next,
                                                              const float* W, const float* A, const float* ghn,
                                                              const float* h_prev, const float* dhz_in, int B,
                                                              int H)
{
    __shared__ float Ds[GRU_BT][GRU_BKC + 1];
    __shared__ float Ws[GRU_BKC][GRU_UNITS + 1];
    __shared__ float R[2][GRU_BT * GRU_UNITS];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * GRU_UNITS;
    const int b0 = blockIdx.y * GRU_BT;
    // Thread tid computes half (tid / 128) of each K chunk of output o = tid % 128.
    const int o = tid % (GRU_BT * GRU_UNITS), half = tid / (GRU_BT * GRU_UNITS);
    const int ob = o / GRU_UNITS, ou = o % GRU_UNITS;
    const int G3 = 3 * H;
    float acc = 0.0f;
    if (dGh_next) {
        for (int k0 = 0; k0 < G3; k0 += GRU_BKC) {
            for (int e = tid; e < GRU_BT * GRU_BKC; e += 256) {
                const int bb = e / GRU_BKC, kk = e % GRU_BKC;
                const int b = b0 + bb, k = k0 + kk;
                Ds[bb][kk] = (b < B && k < G3) ? dGh_next[(size_t)b * G3 + k] : 0.0f;
            }
            for (int e = tid; e < GRU_BKC * GRU_UNITS; e += 256) {
                const int kk = e / GRU_UNITS, uu = e % GRU_UNITS;
                const int k = k0 + kk, j = j0 + uu;
                Ws[kk][uu] = (k < G3 && j < H) ? W[(size_t)k * H + j] : 0.0f;
            }
            __syncthreads();
            const int kb = half * (GRU_BKC / 2);
#pragma unroll 8
            for (int kk = kb; kk < kb + GRU_BKC / 2; ++kk)
                acc = fmaf(Ds[ob][kk], Ws[kk][ou], acc);
            __syncthreads();
        }
    }
    R[half][o] = acc;
    __syncthreads();
    if (tid < GRU_BT * GRU_UNITS) {
        const int b = b0 + ob, j = j0 + ou;
        if (b < B && j < H) {
            const size_t k = (size_t)b * H + j;
            const size_t base = (size_t)b * G3 + j;
            const float rv = A[base], zv = A[base + H], nv = A[base + 2 * H];
            const float hp = h_prev ? h_prev[k] : 0.0f;
            const float dhv = dH[k] + (R[0][o] + R[1][o]) + (dhz_in ? dhz_in[k] : 0.0f);
            const float dan = dhv * (1.0f - zv) * (1.0f - nv * nv);
            const float daz = dhv * (hp - nv) * zv * (1.0f - zv);
            const float dar = dan * ghn[k] * rv * (1.0f - rv);
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
}
