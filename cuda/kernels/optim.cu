// Optimizer updates over a parameter block, with every hyper-parameter and
// per-step value read from device memory (hp, written by the host before
// each step), so that a captured CUDA graph replays the update unchanged
// as the step count, and even the learning rate, change. When norm is not
// null and *norm is not finite (the global gradient norm of a step whose
// gradients overflowed), nothing is updated, as the CPU trainer skips such
// a step. Launch: block 256, any grid.
//
// One launch updates every parameter of the block: w, g and the state are
// whole regions of n elements holding parameter p at [starts[p],
// starts[p+1]) (np+1 offsets; padding between parameters belongs to the
// one before and stays zero). Parameter p's values are at hp[1 + K*p] (K
// per kernel), so parameter groups keep their own settings. hp[0] is the
// gradient-norm clip (PyTorch's clip_grad_norm_, 0: none): the gradients
// are multiplied by min(1, hp[0] / (norm + 1e-6)) as they are read, and
// written back so clipped when that is below 1, as clip_grad_norm_ leaves
// them; no separate clipping pass.
//
// The arithmetic is the CPU optimizers' (optim.Adam, optim.SGD), element
// for element, with the per-step coefficients computed in float64 on the
// host as they compute them.

// opt_param finds the parameter p of element i (starts[p] <= i <
// starts[p+1]) when i is outside the last one's [lo, hi), by bisection.
__device__ __forceinline__ bool opt_param(unsigned i, const int* starts, int np, int& p, unsigned& lo, unsigned& hi)
{
    if (i >= lo && i < hi)
        return false;
    int a = 0, b = np;  // starts[a] <= i < starts[b]
    while (b - a > 1) {
        const int m = (a + b) / 2;
        if ((unsigned)starts[m] <= i)
            a = m;
        else
            b = m;
    }
    p = a;
    lo = starts[a];
    hi = starts[a + 1];
    return true;
}

// The clip coefficient min(1, clip / (norm + 1e-6)) (1 without clipping).
__device__ __forceinline__ float opt_clip_coef(const float* hp, const float* norm)
{
    const float clip = hp[0];
    if (!(clip > 0.0f) || !norm)
        return 1.0f;
    const float coef = clip / (norm[0] + 1e-6f);
    return coef < 1.0f ? coef : 1.0f;
}

// Adam and AdamW (torch.optim.Adam / AdamW). Per parameter, K = 8 values:
// [0] 1-b1, [1] b2, [2] 1-b2, [3] lr/(1-b1^t), [4] sqrt(1-b2^t), [5] eps,
// [6] l2 (coupled weight decay, added to the gradient), [7] decay
// (decoupled: w *= decay first; else 1).
//   m = m + (1-b1)*(g-m);  v = b2*v + (1-b2)*g^2
//   w = w*decay - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
extern "C" __global__ void adam_update(float* w, float* g, float* m, float* v, int n, const int* starts, int np,
                                       const float* hp, const float* norm)
{
    if (norm && !isfinite(*norm))
        return;
    const float c = opt_clip_coef(hp, norm);
    int p = 0;
    unsigned lo = 1, hi = 0;
    float omb1 = 0.0f, b2 = 0.0f, omb2 = 0.0f, step = 0.0f, bc2s = 1.0f, eps = 0.0f, l2 = 0.0f, decay = 1.0f;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        if (opt_param(i, starts, np, p, lo, hi)) {
            const float* h = hp + 1 + 8 * p;
            omb1 = h[0], b2 = h[1], omb2 = h[2], step = h[3], bc2s = h[4], eps = h[5], l2 = h[6], decay = h[7];
        }
        float wi = w[i];
        float gi = g[i];
        if (c < 1.0f) {
            gi = __fmul_rn(gi, c);  // exactly the clipped gradient the separate pass stored
            g[i] = gi;
        }
        if (l2 != 0.0f)
            gi += l2 * wi;
        const float mi = m[i] + omb1 * (gi - m[i]);
        const float vi = v[i] * b2 + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        if (decay != 1.0f)
            wi *= decay;
        const float denom = sqrtf(vi) / bc2s + eps;
        w[i] = wi - step * (mi / denom);
    }
}

// SGD with weight decay, momentum, dampening and Nesterov momentum
// (torch.optim.SGD). Per parameter, K = 6 values: [0] lr, [1] weight decay,
// [2] momentum, [3] 1-dampening, [4] nesterov (0 or 1), [5] first (1 on the
// step that starts the momentum buffer: it is set to the gradient,
// undamped). buf is null without momentum.
//   d = g + wd*w;  b = first ? d : momentum*b + (1-dampening)*d
//   d = nesterov ? d + momentum*b : b;  w -= lr*d
extern "C" __global__ void sgd_update(float* w, float* g, float* buf, int n, const int* starts, int np, const float* hp,
                                      const float* norm)
{
    if (norm && !isfinite(*norm))
        return;
    const float c = opt_clip_coef(hp, norm);
    int p = 0;
    unsigned lo = 1, hi = 0;
    float lr = 0.0f, wd = 0.0f, mom = 0.0f, keep = 0.0f;
    bool nesterov = false, first = false;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        if (opt_param(i, starts, np, p, lo, hi)) {
            const float* h = hp + 1 + 6 * p;
            lr = h[0], wd = h[1], mom = h[2], keep = h[3];
            nesterov = h[4] != 0.0f, first = h[5] != 0.0f;
        }
        float d = g[i];
        if (c < 1.0f) {
            d = __fmul_rn(d, c);
            g[i] = d;
        }
        if (wd != 0.0f)
            d += wd * w[i];
        if (buf) {
            const float b = first ? d : mom * buf[i] + keep * d;
            buf[i] = b;
            d = nesterov ? d + mom * b : b;
        }
        w[i] -= lr * d;
    }
}
