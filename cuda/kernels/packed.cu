// Sequences of different lengths (graph.PackedLSTM, graph.PackedGRU).
//
// The batch is time-major, T steps by B rows, left-padded: row b holds a
// real token at step s when len[b] >= T - s. The packed ops run the dense
// recurrent step kernels over every step and row after this kernel has set,
// at every (step, row) that is padding, one gate's pre-activation to an
// infinity that makes the step keep a zero state there: the LSTM's input
// gate to -inf (i = 0, so c = f * 0 + 0 = 0 and h = o * tanh(0) = 0) and
// the GRU's update gate to +inf (z = 1, so h = 0 * n + 1 * 0 = 0), with
// exact zeros because the previous state there is zero too. The backward
// steps then give those positions exactly zero gate gradients (i(1-i),
// z(1-z) and tanh(c) are 0), so no gradient flows through padding, and a
// row's first real step finds the zero initial state. This relies on IEEE
// infinities in the sigmoid 1/(1 + expf(-x)): no --use_fast_math.
//
// P is T x B x (G*H): G gate blocks of H per row; gate is the block set to
// value. Launch: block 256, any grid (grid-stride over T*B*H < 2^31).
extern "C" __global__ void packed_mask_gate(float* P, const int* len, int T, int B, int H, int G, int gate,
                                            float value)
{
    const unsigned uh = (unsigned)H, ub = (unsigned)B;
    const unsigned n = (unsigned)T * ub * uh;
    for (unsigned k = blockIdx.x * blockDim.x + threadIdx.x; k < n; k += blockDim.x * gridDim.x) {
        const unsigned row = k / uh;  // s*B + b
        const unsigned j = k - row * uh;
        const unsigned s = row / ub;
        const unsigned b = row - s * ub;
        if (len[b] < T - (int)s)
            P[((size_t)row * G + gate) * uh + j] = value;
    }
}
