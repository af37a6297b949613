// Elementwise float32 kernels. All use a grid-stride loop over n elements
// (launch: block 256, any grid), so any grid size covers any n < 2^31.
// Outputs may alias inputs (each element is read before it is written by the
// same thread), so in-place use (y == x) is allowed everywhere.

#include "sync.cuh"

#define EW_LOOP(i, n) \
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)(n); i += blockDim.x * gridDim.x)

__device__ __forceinline__ float ew_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// y[i] = v
extern "C" __global__ void ew_fill(float* y, float v, int n)
{
    EW_LOOP(i, n) y[i] = v;
}

// y[i] = a * x[i]
extern "C" __global__ void ew_scale(float* y, const float* x, float a, int n)
{
    EW_LOOP(i, n) y[i] = a * x[i];
}

// y[i] += a * x[i]
extern "C" __global__ void ew_axpy(float* y, const float* x, float a, int n)
{
    EW_LOOP(i, n) y[i] = fmaf(a, x[i], y[i]);
}

// c[i] = a[i] + b[i]
extern "C" __global__ void ew_add(float* c, const float* a, const float* b, int n)
{
    EW_LOOP(i, n) c[i] = a[i] + b[i];
}

// c[i] = a[i] * b[i]
extern "C" __global__ void ew_mul(float* c, const float* a, const float* b, int n)
{
    EW_LOOP(i, n) c[i] = a[i] * b[i];
}

// y = sigmoid(x)
extern "C" __global__ void ew_sigmoid_fwd(float* y, const float* x, int n)
{
    EW_LOOP(i, n) y[i] = ew_sigmoid(x[i]);
}

// dx = dy * y * (1 - y), y = sigmoid(x) from the forward pass
extern "C" __global__ void ew_sigmoid_bwd(float* dx, const float* dy, const float* y, int n)
{
    EW_LOOP(i, n)
    {
        const float yi = y[i];
        dx[i] = dy[i] * yi * (1.0f - yi);
    }
}

// y = tanh(x)
extern "C" __global__ void ew_tanh_fwd(float* y, const float* x, int n)
{
    EW_LOOP(i, n) y[i] = tanhf(x[i]);
}

// dx = dy * (1 - y^2), y = tanh(x) from the forward pass
extern "C" __global__ void ew_tanh_bwd(float* dx, const float* dy, const float* y, int n)
{
    EW_LOOP(i, n)
    {
        const float yi = y[i];
        dx[i] = dy[i] * (1.0f - yi * yi);
    }
}

// y = max(x, 0); a NaN stays NaN, as in PyTorch (fmaxf would drop it)
extern "C" __global__ void ew_relu_fwd(float* y, const float* x, int n)
{
    EW_LOOP(i, n)
    {
        const float v = x[i];
        y[i] = v < 0.0f ? 0.0f : v;
    }
}

// dx = dy where y > 0, else 0 (y = relu(x) from the forward pass; 0 at 0, as PyTorch)
extern "C" __global__ void ew_relu_bwd(float* dx, const float* dy, const float* y, int n)
{
    EW_LOOP(i, n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// dx[i] = dv[i - off] inside the window [off, off+size), 0 outside, for i in
// [lo, hi): a view's gradient scattered back into its source's shape,
// written only where something reads it.
extern "C" __global__ void scatter_window(float* dx, const float* dv, int lo, int hi, int off, int size)
{
    EW_LOOP(k, hi - lo)
    {
        const unsigned i = (unsigned)lo + k;
        dx[i] = (i >= (unsigned)off && i - (unsigned)off < (unsigned)size) ? dv[i - off] : 0.0f;
    }
}

// y[r][c] = x[r][c] + bias[c] for a rows x cols row-major matrix (y may be x).
extern "C" __global__ void add_bias_rows(float* y, const float* x, const float* bias, int rows, int cols)
{
    const unsigned n = (unsigned)rows * (unsigned)cols;
    EW_LOOP(i, n) y[i] = x[i] + bias[i % (unsigned)cols];
}

// out[c] = sum_r x[r][c] (+ beta * out[c] when beta != 0): the bias gradient.
// Launch: block (32, 8), grid (ceil(cols/32), Z). Block (bx, z) owns 32
// columns and the z-th of Z equal runs of rows, summed in a fixed order;
// with Z > 1 its sums go to the workspace ws (sync.cuh) and the last block
// of the 32 columns adds the Z runs in order, so the result is
// deterministic (Z depends on the shape only). ws may be null when Z = 1.
extern "C" __global__ void col_sums(float* out, const float* x, int rows, int cols, float beta, float* ws)
{
    __shared__ float part[8][33];
    const int col = blockIdx.x * 32 + threadIdx.x;
    const int per = (rows + (int)gridDim.y - 1) / (int)gridDim.y;
    const int r0 = blockIdx.y * per;
    const int r1 = r0 + per < rows ? r0 + per : rows;
    float s = 0.0f;
    if (col < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += 8)
            s += x[(size_t)r * cols + col];
    }
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    float t = 0.0f;
    if (threadIdx.y == 0) {
#pragma unroll
        for (int k = 0; k < 8; ++k)
            t += part[k][threadIdx.x];
    }
    if (gridDim.y > 1) {
        float* runs = ws + SYNC_COUNTERS;
        if (threadIdx.y == 0 && col < cols)
            runs[(size_t)blockIdx.y * cols + col] = t;
        if (!sync_last(ws, blockIdx.x, gridDim.y))
            return;
        t = 0.0f;
        if (threadIdx.y == 0 && col < cols) {
            for (unsigned z = 0; z < gridDim.y; ++z)
                t += __ldcg(&runs[(size_t)z * cols + col]);
        }
    }
    if (threadIdx.y == 0 && col < cols)
        out[col] = (beta == 0.0f) ? t : fmaf(beta, out[col], t);
}
