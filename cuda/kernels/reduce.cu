// Reductions into a device scalar, gradient-norm clipping and the BCE loss.
//
// Two passes, deterministic (fixed order for a given n and grid):
//   pass 1: reduce_partial / bce_partial, block 256, grid g: writes g partial
//           sums to partials[0..g) (one per block);
//   pass 2: reduce_finish, one block of 256: out[0] = f(sum of the partials).
// Several buffers can share one pass 2 by giving each its own slice of the
// partials array in pass 1.

#define RED_THREADS 256

// Tree reduction of one value per thread over a block of RED_THREADS threads;
// the block's total is returned to thread 0. Every thread must call it.
__device__ __forceinline__ float block_sum(float v, float* sh)
{
    const int tid = threadIdx.x;
    sh[tid] = v;
    __syncthreads();
#pragma unroll
    for (int off = RED_THREADS / 2; off > 0; off >>= 1) {
        if (tid < off)
            sh[tid] += sh[tid + off];
        __syncthreads();
    }
    return sh[0];
}

// partials[blockIdx.x] = sum over this block's share of x[i] (square != 0: x[i]^2).
extern "C" __global__ void __launch_bounds__(RED_THREADS)
    reduce_partial(float* partials, const float* x, int n, int square)
{
    __shared__ float sh[RED_THREADS];
    float s = 0.0f;
    for (unsigned i = blockIdx.x * RED_THREADS + threadIdx.x; i < (unsigned)n; i += RED_THREADS * gridDim.x) {
        const float v = x[i];
        s = square ? fmaf(v, v, s) : s + v;
    }
    s = block_sum(s, sh);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = s;
}

// One block: t = sum(partials[0..n)); out[0] = sqrt_out ? sqrt(t) : scale * t.
extern "C" __global__ void __launch_bounds__(RED_THREADS)
    reduce_finish(float* out, const float* partials, int n, int sqrt_out, float scale)
{
    __shared__ float sh[RED_THREADS];
    float s = 0.0f;
    for (int i = threadIdx.x; i < n; i += RED_THREADS)
        s += partials[i];
    s = block_sum(s, sh);
    if (threadIdx.x == 0)
        out[0] = sqrt_out ? sqrtf(s) : scale * s;
}

// x *= min(1, max_norm / (norm[0] + 1e-6)), reading the norm on the device
// (PyTorch clip_grad_norm_: the coefficient is clamped at 1, NaN propagates).
extern "C" __global__ void scale_by_clip(float* x, const float* norm, float max_norm, int n)
{
    const float coef = max_norm / (norm[0] + 1e-6f);
    const float c = (coef > 1.0f) ? 1.0f : coef;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x)
        x[i] *= c;
}

__device__ __forceinline__ float bce_clamped_log(float v)
{
    const float l = logf(v);
    return (l < -100.0f) ? -100.0f : l;  // PyTorch clamps log at -100; NaN passes through
}

// Pass 1 of the BCE loss: partials[blockIdx.x] = sum over this block's share of
//   y*max(log p, -100) + (1-y)*max(log(1-p), -100).
// Pass 2 is reduce_finish with scale = -1/n.
extern "C" __global__ void __launch_bounds__(RED_THREADS)
    bce_partial(float* partials, const float* p, const float* y, int n)
{
    __shared__ float sh[RED_THREADS];
    float s = 0.0f;
    for (unsigned i = blockIdx.x * RED_THREADS + threadIdx.x; i < (unsigned)n; i += RED_THREADS * gridDim.x) {
        const float pi = p[i], yi = y[i];
        s += yi * bce_clamped_log(pi) + (1.0f - yi) * bce_clamped_log(1.0f - pi);
    }
    s = block_sum(s, sh);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = s;
}

// dp = (dl/n) * (p - y) / max(p(1-p), 1e-12)  (PyTorch's BCELoss backward), where
// dl = dl_dev[0] when dl_dev is not null (the upstream gradient on the device), else dl_host.
extern "C" __global__ void bce_grad(float* dp, const float* p, const float* y, int n,
                                    const float* dl_dev, float dl_host)
{
    const float scale = (dl_dev ? dl_dev[0] : dl_host) / (float)n;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        const float pi = p[i];
        float d = pi * (1.0f - pi);
        if (d < 1e-12f)
            d = 1e-12f;  // (not fmaxf: a NaN p must stay NaN, as on the CPU)
        dp[i] = scale * (pi - y[i]) / d;
    }
}
