// Embedding lookup (gather) and its backward (scatter-add).
//
// ids is B x T row-major int32 (ids[b*T + t]); the embedding table E is V x D.
// The output is time-major: out[t][b][:] = E[ids[b][t]][:], i.e.
// out[(t*B + b)*D + d]. An id outside [0, V) gathers zeros and scatters
// nothing (no out-of-bounds access whatever the ids hold).
// Launch: block 256, any grid (grid-stride over T*B*D < 2^31 elements).

extern "C" __global__ void embed_gather(float* out, const float* E, const int* ids, int B, int T, int D, int V)
{
    const unsigned n = (unsigned)T * (unsigned)B * (unsigned)D;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        const unsigned row = i / (unsigned)D;  // t*B + b
        const unsigned d = i - row * (unsigned)D;
        const unsigned t = row / (unsigned)B;
        const unsigned b = row - t * (unsigned)B;
        const int id = ids[b * (unsigned)T + t];
        out[i] = (id >= 0 && id < V) ? E[(size_t)id * D + d] : 0.0f;
    }
}

// dE[ids[b][t]][:] += dOut[t][b][:] with atomicAdd, skipping pad_idx (PyTorch
// padding_idx: that row gets no gradient; pass -1 for none). dE is accumulated
// into, so clear it first for a fresh gradient. The float atomicAdd makes the
// order in which a repeated token's gradients are summed, and so the last bits
// of its row, vary from run to run: embed_grad_grouped, below, sums in a fixed
// order (docs/gpu.md, "Run to run").
extern "C" __global__ void embed_scatter_add(float* dE, const float* dOut, const int* ids, int B, int T, int D, int V,
                                             int pad_idx)
{
    const unsigned n = (unsigned)T * (unsigned)B * (unsigned)D;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        const unsigned row = i / (unsigned)D;
        const unsigned d = i - row * (unsigned)D;
        const unsigned t = row / (unsigned)B;
        const unsigned b = row - t * (unsigned)B;
        const int id = ids[b * (unsigned)T + t];
        if (id >= 0 && id < V && id != pad_idx)
            atomicAdd(&dE[(size_t)id * D + d], dOut[i]);
    }
}

// The same gradient in a fixed order, with no atomics: order holds the
// batch's token positions grouped by id, made on the host from the ids
// (cuda.EmbeddingOrder): order[0] is the number of groups G, then the B*T
// positions (t*B + b) sorted by id, stable, then G+1 group starts. Thread
// (g, d) sums group g's gradients at column d in position order and writes
// dE[id][d] = the sum, so a run's gradient is the same bits on every run
// and device size. Rows of no group are left as they are: clear dE first.
// Rows with id == pad_idx or outside [0, V) get nothing.
extern "C" __global__ void embed_grad_grouped(float* dE, const float* dOut, const int* ids, const unsigned* order, int B,
                                              int T, int D, int V, int pad_idx)
{
    const unsigned n = (unsigned)T * (unsigned)B;
    const unsigned groups = order[0] < n ? order[0] : n;
    const unsigned* pos = order + 1;
    const unsigned* start = order + 1 + n;
    const unsigned total = groups * (unsigned)D;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x) {
        const unsigned g = i / (unsigned)D;
        const unsigned d = i - g * (unsigned)D;
        const unsigned lo = start[g], hi = start[g + 1] < n ? start[g + 1] : n;
        if (lo >= hi)
            continue;
        const unsigned row = pos[lo];
        const unsigned t = row / (unsigned)B;
        const unsigned b = row - t * (unsigned)B;
        const int id = ids[b * (unsigned)T + t];
        if (id < 0 || id >= V || id == pad_idx)
            continue;
        float sum = 0.0f;
        for (unsigned j = lo; j < hi; j++)
            sum += dOut[(size_t)pos[j] * (unsigned)D + d];
        dE[(size_t)id * D + d] = sum;
    }
}
