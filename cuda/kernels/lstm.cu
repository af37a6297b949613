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
// block owns LSTM_UNITS hidden units j (all four gate rows of each, so the
// pointwise part needs nothing from other blocks) for LSTM_BT batch rows,
// computes their recurrent product from shared-memory tiles, and applies
// the pointwise step. At small batches a step is latency-bound: this halves
// the kernels per step and keeps the gate pre-activations in shared memory.
// Launch: grid (ceil(H / LSTM_UNITS), ceil(B / LSTM_BT)), block 256.

#define LSTM_UNITS 8
#define LSTM_BT 16
#define LSTM_ROWS (4 * LSTM_UNITS)  // gate rows of a block (32)
#define LSTM_FKC 32                 // forward: K chunk (over H)
#define LSTM_BKC 64                 // backward: K chunk (over 4H)

// Forward step t. P (B x 4H) holds x_t*W_ih^T + bias; W is W_hh (4H x H,
// row g = gate row, [i f g o] blocks). With h_prev = h_{t-1} (null at t = 0,
// with c_prev) it computes pre = P + h_prev*W^T for the block's gate rows and
// writes A = activations (A may be P), c = c_t and h = h_t, as
// lstm_fwd_pointwise does.
extern "C" __global__ void __launch_bounds__(256) lstm_fwd_step(float* A, float* c, float* h, const float* P,
                                                               const float* h_prev, const float* c_prev,
                                                               const float* W, int B, int H)
{
    __shared__ float Ws[LSTM_ROWS][LSTM_FKC + 1];
    __shared__ float Hs[LSTM_BT][LSTM_FKC + 1];
    __shared__ float G[LSTM_BT][LSTM_ROWS];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * LSTM_UNITS;
    const int b0 = blockIdx.y * LSTM_BT;
    // Each thread owns two outputs (bt, r) and (bt + 8, r): r = tid % 32, bt = tid / 32.
    const int r = tid % LSTM_ROWS;
    const int bt = tid / LSTM_ROWS;
    const int q = r / LSTM_UNITS, u = r % LSTM_UNITS;
    float acc0 = 0.0f, acc1 = 0.0f;
    if (h_prev) {
        for (int k0 = 0; k0 < H; k0 += LSTM_FKC) {
            for (int e = tid; e < LSTM_ROWS * LSTM_FKC; e += 256) {
                const int rr = e / LSTM_FKC, kk = e % LSTM_FKC;
                const int j = j0 + rr % LSTM_UNITS, k = k0 + kk;
                Ws[rr][kk] = (j < H && k < H) ? W[(size_t)((rr / LSTM_UNITS) * H + j) * H + k] : 0.0f;
            }
            for (int e = tid; e < LSTM_BT * LSTM_FKC; e += 256) {
                const int bb = e / LSTM_FKC, kk = e % LSTM_FKC;
                const int b = b0 + bb, k = k0 + kk;
                Hs[bb][kk] = (b < B && k < H) ? h_prev[(size_t)b * H + k] : 0.0f;
            }
            __syncthreads();
#pragma unroll 8
            for (int kk = 0; kk < LSTM_FKC; ++kk) {
                const float w = Ws[r][kk];
                acc0 = fmaf(Hs[bt][kk], w, acc0);
                acc1 = fmaf(Hs[bt + 8][kk], w, acc1);
            }
            __syncthreads();
        }
    }
    {
        const int j = j0 + u;
        int b = b0 + bt;
        if (b < B && j < H)
            G[bt][r] = P[(size_t)b * 4 * H + q * H + j] + acc0;
        b += 8;
        if (b < B && j < H)
            G[bt + 8][r] = P[(size_t)b * 4 * H + q * H + j] + acc1;
    }
    __syncthreads();
    if (tid < LSTM_BT * LSTM_UNITS) {
        const int pb = tid / LSTM_UNITS, pu = tid % LSTM_UNITS;
        const int b = b0 + pb, j = j0 + pu;
        if (b < B && j < H) {
            const size_t k = (size_t)b * H + j;
            const size_t base = (size_t)b * 4 * H + j;
            const float ai = lstm_sigmoid(G[pb][pu]), af = lstm_sigmoid(G[pb][LSTM_UNITS + pu]);
            const float ag = tanhf(G[pb][2 * LSTM_UNITS + pu]), ao = lstm_sigmoid(G[pb][3 * LSTM_UNITS + pu]);
            const float cp = c_prev ? c_prev[k] : 0.0f;
            A[base] = ai;
            A[base + H] = af;
            A[base + 2 * H] = ag;
            A[base + 3 * H] = ao;
            const float cn = af * cp + ai * ag;
            c[k] = cn;
            h[k] = ao * tanhf(cn);
        }
    }
}

// Backward step t. dH (B x H) is dL/dh_t from above; dP_next (B x 4H) the
// gate gradients of step t+1 (null at the last step), so that
// dh = dH + dP_next*W. dc_in is dL/dc_t from step t+1 (null: zero), dc_out
// receives dL/dc_{t-1} (null: not written; may be dc_in). A, c are step t's
// activations and cell, c_prev = c_{t-1} (null: zero). Writes dP (B x 4H),
// as lstm_bwd_pointwise does with that dh.
extern "C" __global__ void __launch_bounds__(256) lstm_bwd_step(float* dP, float* dc_out, const float* dH,
                                                               const float* dP_next, const float* W,
                                                               const float* A, const float* c,
                                                               const float* c_prev, const float* dc_in, int B,
                                                               int H)
{
    __shared__ float Ds[LSTM_BT][LSTM_BKC + 1];
    __shared__ float Ws[LSTM_BKC][LSTM_UNITS + 1];
    __shared__ float R[2][LSTM_BT * LSTM_UNITS];
    const int tid = threadIdx.x;
    const int j0 = blockIdx.x * LSTM_UNITS;
    const int b0 = blockIdx.y * LSTM_BT;
    // Thread tid computes half (tid / 128) of each K chunk of output o = tid % 128.
    const int o = tid % (LSTM_BT * LSTM_UNITS), half = tid / (LSTM_BT * LSTM_UNITS);
    const int ob = o / LSTM_UNITS, ou = o % LSTM_UNITS;
    const int G4 = 4 * H;
    float acc = 0.0f;
    if (dP_next) {
        for (int k0 = 0; k0 < G4; k0 += LSTM_BKC) {
            for (int e = tid; e < LSTM_BT * LSTM_BKC; e += 256) {
                const int bb = e / LSTM_BKC, kk = e % LSTM_BKC;
                const int b = b0 + bb, k = k0 + kk;
                Ds[bb][kk] = (b < B && k < G4) ? dP_next[(size_t)b * G4 + k] : 0.0f;
            }
            for (int e = tid; e < LSTM_BKC * LSTM_UNITS; e += 256) {
                const int kk = e / LSTM_UNITS, uu = e % LSTM_UNITS;
                const int k = k0 + kk, j = j0 + uu;
                Ws[kk][uu] = (k < G4 && j < H) ? W[(size_t)k * H + j] : 0.0f;
            }
            __syncthreads();
            const int kb = half * (LSTM_BKC / 2);
#pragma unroll 8
            for (int kk = kb; kk < kb + LSTM_BKC / 2; ++kk)
                acc = fmaf(Ds[ob][kk], Ws[kk][ou], acc);
            __syncthreads();
        }
    }
    R[half][o] = acc;
    __syncthreads();
    if (tid < LSTM_BT * LSTM_UNITS) {
        const int b = b0 + ob, j = j0 + ou;
        if (b < B && j < H) {
            const size_t k = (size_t)b * H + j;
            const size_t base = (size_t)b * G4 + j;
            const float ai = A[base], af = A[base + H], ag = A[base + 2 * H], ao = A[base + 3 * H];
            const float tc = tanhf(c[k]);
            const float dhv = dH[k] + (R[0][o] + R[1][o]);
            const float dcn = dc_in ? dc_in[k] : 0.0f;
            const float cp = c_prev ? c_prev[k] : 0.0f;
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
}
