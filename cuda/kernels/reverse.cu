// Time reversal of time-major float32 tensors T x B x F (graph.Reverse and
// graph.PackedReverse): a bidirectional recurrent layer runs its reverse
// direction as the forward kernels over the reversed input. Every output
// element is written (padding too), since buffers are reused between
// runs. Launch: block 256, any grid (grid-stride over T*B*F < 2^31).

// out[s, b, j] = x[T-1-s, b, j].
extern "C" __global__ void reverse_steps(float* out, const float* x, int T, int B, int F)
{
    const unsigned step = (unsigned)B * (unsigned)F;
    const unsigned n = (unsigned)T * step;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        const unsigned s = i / step, rest = i - s * step;
        out[i] = x[(size_t)((unsigned)T - 1 - s) * step + rest];
    }
}

// Within left-padded sequences of lengths len (B, each in [0, T]): row b
// of length L keeps its tokens in steps T-L..T-1, reversed among
// themselves, out[T-L+k, b] = x[T-1-k, b], and zeros in its padding.
extern "C" __global__ void reverse_steps_packed(float* out, const float* x, const int* len, int T, int B, int F)
{
    const unsigned uf = (unsigned)F, ub = (unsigned)B;
    const unsigned n = (unsigned)T * ub * uf;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        const unsigned row = i / uf;  // s*B + b
        const unsigned j = i - row * uf;
        const int s = (int)(row / ub);
        const unsigned b = row - (unsigned)s * ub;
        const int first = T - len[b];  // the row's first real step
        float v = 0.0f;
        if (s >= first)
            v = x[((size_t)(first + T - 1 - s) * ub + b) * uf + j];
        out[i] = v;
    }
}
