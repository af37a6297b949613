// Column-block copies between row-major float32 matrices: graph.Concat
// (each input into its columns of the output) and ConcatGrad (a block of
// columns out of the gradient). Launch: block 256, any grid (grid-stride
// over rows x width).

// dst[r*dst_cols + dst_off + c] = src[r*src_cols + src_off + c] for r < rows, c < width.
extern "C" __global__ void copy_cols(float* dst, const float* src, int rows, int width, int dst_cols, int dst_off,
                                     int src_cols, int src_off)
{
    const unsigned w = (unsigned)width;
    const unsigned n = (unsigned)rows * w;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        const unsigned r = i / w, c = i - r * w;
        dst[(size_t)r * dst_cols + dst_off + c] = src[(size_t)r * src_cols + src_off + c];
    }
}
