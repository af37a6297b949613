// Swish (SiLU), y = x * sigmoid(x), and its gradient, float32, elementwise.
// Grid-stride loops over n elements: launch with block 256, any grid.

__device__ __forceinline__ float swish_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// y[i] = x[i] * sigmoid(x[i]); y may be x.
extern "C" __global__ void swish_fwd(float* y, const float* x, int n)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        const float xi = x[i];
        y[i] = xi * swish_sigmoid(xi);
    }
}

// dx[i] = dy[i] * (s + x*s*(1-s)), s = sigmoid(x[i]); dx may be dy.
extern "C" __global__ void swish_bwd(float* dx, const float* x, const float* dy, int n)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        const float xi = x[i];
        const float s = swish_sigmoid(xi);
        dx[i] = dy[i] * (s + xi * s * (1.0f - s));
    }
}
