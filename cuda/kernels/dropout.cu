// Inverted dropout with a counter-based RNG: no mask is stored; the backward
// pass recomputes it from (seed, step, i).
//
//   x     = seed + 0x9E3779B97F4A7C15 * ((step << 32) + i)      (uint64 arithmetic)
//   h     = splitmix64 finaliser of x
//   keep  = (float)((uint32)h >> 8) * 2^-24 >= p
//   y[k]  = keep ? x[k] * scale : 0,  scale = 1/(1-p) (0 when p >= 1)
//
// with i = first + k for element k of the buffer. This is bit-for-bit the hash
// of the Go reference cuda.DropoutKeep and of the CPU backend.
// step is read from *step_at when step_at is not null (a counter in device
// memory, so that a captured CUDA graph draws a new mask on every replay),
// else it is the argument step.
// Launch: block 256, any grid.

__device__ __forceinline__ bool dropout_keep(unsigned long long seed, unsigned long long step,
                                             unsigned long long i, float p)
{
    unsigned long long z = seed + 0x9E3779B97F4A7C15ULL * ((step << 32) + i);
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBULL;
    z ^= z >> 31;
    const unsigned int r = ((unsigned int)z) >> 8;
    return (float)r * 5.9604644775390625e-08f >= p;  // r * 2^-24, exact
}

// y = dropout(x); writes y and nothing else.
extern "C" __global__ void dropout_fwd(float* y, const float* x, int n, float p, float scale,
                                       unsigned long long seed, unsigned long long step, unsigned long long first,
                                       const unsigned long long* step_at)
{
    if (step_at) step = *step_at;
    for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < (unsigned)n; k += blockDim.x * gridDim.x)
        y[k] = dropout_keep(seed, step, first + k, p) ? x[k] * scale : 0.0f;
}

// dx = dy * mask * scale with the mask recomputed from (seed, step, first + k).
extern "C" __global__ void dropout_bwd(float* dx, const float* dy, int n, float p, float scale,
                                       unsigned long long seed, unsigned long long step, unsigned long long first,
                                       const unsigned long long* step_at)
{
    if (step_at) step = *step_at;
    for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < (unsigned)n; k += blockDim.x * gridDim.x)
        dx[k] = dropout_keep(seed, step, first + k, p) ? dy[k] * scale : 0.0f;
}
