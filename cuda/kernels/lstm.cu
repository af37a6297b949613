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
