// Global max pooling over time, float32, time-major x (T x n), n = B*C:
// graph.MaxOverTime and its gradient. Launch: block 256, any grid
// (grid-stride over the n columns; each thread walks its column's T steps).

// y[i] = max_t x[t*n + i]; a NaN anywhere in the column gives NaN (fmaxf would drop it).
extern "C" __global__ void max_over_time_fwd(float* y, const float* x, int T, int n)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        float m = x[i];
        for (int t = 1; t < T; ++t) {
            const float v = x[(size_t)t * n + i];
            m = (m != m || v <= m) ? m : v;
        }
        y[i] = m;
    }
}

// dx[t*n + i] = dy[i] at the first t where x equals the maximum y[i], 0 elsewhere.
extern "C" __global__ void max_over_time_bwd(float* dx, const float* x, const float* y, const float* dy, int T,
                                             int n)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)n; i += blockDim.x * gridDim.x) {
        const float m = y[i], d = dy[i];
        bool found = false;
        for (int t = 0; t < T; ++t) {
            const size_t k = (size_t)t * n + i;
            const bool hit = !found && x[k] == m;
            dx[k] = hit ? d : 0.0f;
            found = found || hit;
        }
    }
}
