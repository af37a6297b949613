// Ending a multi-block computation in the same launch: every block writes
// its partial results to a workspace, and the block that arrives last at a
// counter (an atomic add) combines them. Combining in a fixed order (by
// index, not by arrival) keeps the results deterministic, and saves the
// second kernel launch a separate pass would cost. Used by the split-K
// GEMM (sgemm.cu), the reductions (reduce.cu) and the bias gradients
// (elementwise.cu).
//
// The workspace starts with SYNC_COUNTERS unsigned counters, zero when
// allocated; the last block resets the counter it used, so they are zero
// again at the next launch (a captured graph replays correctly).

#ifndef EMBER_SYNC_CUH
#define EMBER_SYNC_CUH

#define SYNC_COUNTERS 1024

// sync_last is called by every thread of a block once the block's partial
// results are written; it returns true in the block that is the total-th
// to arrive at counter i (in every thread of that block), whose reads of
// the other blocks' results (with __ldcg, past the SM's own L1) then see
// them.
__device__ __forceinline__ bool sync_last(float* ws, int i, unsigned total)
{
    __shared__ unsigned sync_is_last;
    __threadfence();  // this block's results are visible before it is counted
    __syncthreads();
    if (threadIdx.x == 0 && threadIdx.y == 0) {
        unsigned* counters = reinterpret_cast<unsigned*>(ws);
        const unsigned done = atomicAdd(&counters[i], 1u);
        sync_is_last = done == total - 1;
        if (sync_is_last)
            counters[i] = 0;
    }
    __syncthreads();
    const bool last = sync_is_last;
    if (last)
        __threadfence();
    return last;
}

#endif
