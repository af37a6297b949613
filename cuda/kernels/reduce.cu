// Reductions into a device scalar, gradient-norm clipping and the BCE loss.
//
// One launch, two passes, deterministic (fixed order for a given n and
// grid): every block writes its partial sum to the workspace, and the
// block that finishes last (counted with an atomic) adds all the partials
// in index order and writes the result. Several buffers share one result
// by launching once each with their own slice of the partials (first) and
// the same total: the last block of the last launch finishes. The
// workspace ws starts with SYNC_COUNTERS counters, zero between launches
// (the finishing block resets the one it used), then the partials.

#define RED_THREADS 256
#include "sync.cuh"

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

// The sum of x[i] (square != 0: of x[i]^2) over this launch's blocks goes
// to partials[first + blockIdx.x]; the last of total blocks writes out[0] =
// sqrt_out ? sqrt(t) : scale * t, t the sum of partials[0..total).
extern "C" __global__ void __launch_bounds__(RED_THREADS)
    reduce_sum(float* out, float* ws, const float* x, int n, int square, int first, int total, int sqrt_out,
               float scale)
{
    __shared__ float sh[RED_THREADS];
    float s = 0.0f;
    for (unsigned i = blockIdx.x * RED_THREADS + threadIdx.x; i < (unsigned)n; i += RED_THREADS * gridDim.x) {
        const float v = x[i];
        s = square ? fmaf(v, v, s) : s + v;
    }
    s = block_sum(s, sh);
    float* partials = ws + SYNC_COUNTERS;
    if (threadIdx.x == 0)
        partials[first + blockIdx.x] = s;
    if (!sync_last(ws, 0, total))
        return;
    float t = 0.0f;
    for (int i = threadIdx.x; i < total; i += RED_THREADS)
        t += __ldcg(&partials[i]);
    t = block_sum(t, sh);
    if (threadIdx.x == 0)
        out[0] = sqrt_out ? sqrtf(t) : scale * t;
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

// The BCE loss, loss[0] = scale * the sum of y*max(log p, -100) +
// (1-y)*max(log(1-p), -100), scale = -1/n, in one launch (partials in ws
// as reduce_sum).
extern "C" __global__ void __launch_bounds__(RED_THREADS)
    bce_loss(float* loss, float* ws, const float* p, const float* y, int n, float scale)
{
    __shared__ float sh[RED_THREADS];
    float s = 0.0f;
    for (unsigned i = blockIdx.x * RED_THREADS + threadIdx.x; i < (unsigned)n; i += RED_THREADS * gridDim.x) {
        const float pi = p[i], yi = y[i];
        s += yi * bce_clamped_log(pi) + (1.0f - yi) * bce_clamped_log(1.0f - pi);
    }
    s = block_sum(s, sh);
    float* partials = ws + SYNC_COUNTERS;
    if (threadIdx.x == 0)
        partials[blockIdx.x] = s;
    if (!sync_last(ws, 0, gridDim.x))
        return;
    float t = 0.0f;
    for (unsigned i = threadIdx.x; i < gridDim.x; i += RED_THREADS)
        t += __ldcg(&partials[i]);
    t = block_sum(t, sh);
    if (threadIdx.x == 0)
        loss[0] = scale * t;
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
