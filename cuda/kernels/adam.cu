// Fused Adam update (PyTorch torch.optim.Adam semantics, L2 weight decay added
// to the gradient, not AdamW):
//   g  = grad + wd * w            (when wd != 0)
//   m  = b1 * m + (1 - b1) * g
//   v  = b2 * v + (1 - b2) * g^2
//   w -= lr * (m / bc1) / (sqrt(v / bc2) + eps),   bc1 = 1 - b1^t, bc2 = 1 - b2^t (from the host)
// bc1 and bc2 are read from bc[0], bc[1] when bc is not null (device memory
// the host writes before each step, so that a captured CUDA graph sees the
// step's values). When norm is not null and *norm is not finite (the global
// gradient norm of a step whose loss or gradients overflowed), nothing is
// updated, as the CPU trainer skips such a step.
// The gradient buffer is not modified. Launch: block 256, any grid.

extern "C" __global__ void adam_step(float* w, const float* g, float* m, float* v, int n, float lr, float b1,
                                     float b2, float eps, float wd, float bc1, float bc2, const float* bc,
                                     const float* norm)
{
    if (norm && !isfinite(*norm))
        return;
    if (bc) {
        bc1 = bc[0];
        bc2 = bc[1];
    }
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        const float wi = w[i];
        float gi = g[i];
        if (wd != 0.0f)
            gi = fmaf(wd, wi, gi);
        const float mi = b1 * m[i] + (1.0f - b1) * gi;
        const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = wi - lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}
