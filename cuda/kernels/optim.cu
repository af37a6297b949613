// Optimizer updates over a parameter block, with every hyper-parameter and
// per-step value read from device memory (hp, written by the host before
// each step), so that a captured CUDA graph replays the update unchanged
// as the step count, and even the learning rate, change. When norm is not
// null and *norm is not finite (the global gradient norm of a step whose
// gradients overflowed), nothing is updated, as the CPU trainer skips such
// a step. The gradients are not modified. Launch: block 256, any grid.
//
// The arithmetic is the CPU optimizers' (optim.Adam, optim.SGD), element
// for element, with the per-step coefficients computed in float64 on the
// host as they compute them.

// Adam and AdamW (torch.optim.Adam / AdamW). hp: [0] 1-b1, [1] b2, [2] 1-b2,
// [3] lr/(1-b1^t), [4] sqrt(1-b2^t), [5] eps, [6] l2 (coupled weight decay,
// added to the gradient), [7] decay (decoupled: w *= decay first; else 1).
//   m = m + (1-b1)*(g-m);  v = b2*v + (1-b2)*g^2
//   w = w*decay - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
extern "C" __global__ void adam_update(float* w, const float* g, float* m, float* v, int n, const float* hp,
                                       const float* norm)
{
    if (norm && !isfinite(*norm))
        return;
    const float omb1 = hp[0], b2 = hp[1], omb2 = hp[2], step = hp[3], bc2s = hp[4], eps = hp[5], l2 = hp[6],
                decay = hp[7];
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        float wi = w[i];
        float gi = g[i];
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
// (torch.optim.SGD). hp: [0] lr, [1] weight decay, [2] momentum, [3]
// 1-dampening, [4] nesterov (0 or 1), [5] first (1 on the step that starts
// the momentum buffer: it is set to the gradient, undamped). buf is null
// without momentum.
//   d = g + wd*w;  b = first ? d : momentum*b + (1-dampening)*d
//   d = nesterov ? d + momentum*b : b;  w -= lr*d
extern "C" __global__ void sgd_update(float* w, const float* g, float* buf, int n, const float* hp, const float* norm)
{
    if (norm && !isfinite(*norm))
        return;
    const float lr = hp[0], wd = hp[1], mom = hp[2], keep = hp[3];
    const bool nesterov = hp[4] != 0.0f, first = hp[5] != 0.0f;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        float d = g[i];
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
