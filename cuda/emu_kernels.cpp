//go:build cudaemu && !embercuda

// CPU emulator for the CUDA kernels in kernels/*.cu (build tag cudaemu):
// the very same CUDA C++ source is compiled by the host C++ compiler with the
// definitions below, and each block of a launch runs as blockDim real threads
// (pthreads) with __syncthreads as a barrier, one block after another. It
// exists to test the kernels' indexing, edge handling and synchronisation on
// machines without a GPU; it knows nothing of warps, so it cannot catch
// warp-synchronous bugs (the kernels have none), and it is slow.

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <functional>

struct emu_uint3 {
    unsigned x, y, z;
};
struct __attribute__((aligned(16))) float4 {
    float x, y, z, w;
};

static thread_local emu_uint3 threadIdx;
static thread_local emu_uint3 blockIdx;
static emu_uint3 blockDim, gridDim;
static pthread_barrier_t emu_barrier;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

static inline void __syncthreads() { pthread_barrier_wait(&emu_barrier); }

static inline float atomicAdd(float* addr, float v)
{
    uint32_t* p = (uint32_t*)addr;
    uint32_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
    for (;;) {
        float f;
        memcpy(&f, &old, 4);
        f += v;
        uint32_t nw;
        memcpy(&nw, &f, 4);
        if (__atomic_compare_exchange_n(p, &old, nw, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
            memcpy(&f, &old, 4);
            return f;
        }
    }
}

#include "kernels/sgemm.cu"
#include "kernels/elementwise.cu"
#include "kernels/reduce.cu"
#include "kernels/embedding.cu"
#include "kernels/dropout.cu"
#include "kernels/adam.cu"
#include "kernels/lstm.cu"

namespace {

struct emu_thread_arg {
    const std::function<void()>* body;
    emu_uint3 tid;
};

// One thread of the block runs every block of the grid in turn; the barrier
// after each block keeps the blocks (which share the static __shared__
// arrays) from overlapping.
void* emu_thread(void* p)
{
    emu_thread_arg* a = (emu_thread_arg*)p;
    threadIdx = a->tid;
    for (unsigned bz = 0; bz < gridDim.z; ++bz)
        for (unsigned by = 0; by < gridDim.y; ++by)
            for (unsigned bx = 0; bx < gridDim.x; ++bx) {
                blockIdx = {bx, by, bz};
                (*a->body)();
                pthread_barrier_wait(&emu_barrier);
            }
    return nullptr;
}

// Runs body for every thread of every block; returns 0 or a CUresult code.
int emu_run(emu_uint3 grid, emu_uint3 block, const std::function<void()>& body)
{
    const unsigned nt = block.x * block.y * block.z;
    gridDim = grid;
    blockDim = block;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t* th = new pthread_t[nt];
    emu_thread_arg* args = new emu_thread_arg[nt];
    pthread_barrier_init(&emu_barrier, nullptr, nt);
    for (unsigned t = 0; t < nt; ++t) {
        args[t].body = &body;
        args[t].tid = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
        if (pthread_create(&th[t], &attr, emu_thread, &args[t]) != 0)
            abort();  // the started threads would wait at the barrier forever
    }
    for (unsigned t = 0; t < nt; ++t)
        pthread_join(th[t], nullptr);
    pthread_barrier_destroy(&emu_barrier);
    delete[] th;
    delete[] args;
    pthread_attr_destroy(&attr);
    return 0;
}

}  // namespace

#define P(T, i) ((T)(uintptr_t)(v[i]))
#define I(i) (*(const int*)&v[i])
#define F(i) (*(const float*)&v[i])
#define U(i) ((unsigned long long)v[i])
#define FP(i) P(float*, i)
#define CFP(i) P(const float*, i)

#define SGEMM_CASE(nm)                                                                                      \
    if (strcmp(name, #nm) == 0)                                                                             \
        return emu_run(g, b, [&] { nm(I(0), I(1), I(2), F(3), CFP(4), I(5), CFP(6), I(7), F(8), FP(9), I(10)); });

// emu_launch runs kernel name with the 8-byte parameter slots v (as
// cuLaunchKernel would read them). Returns 0, or a CUresult code.
extern "C" int emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                          unsigned bz, const uint64_t* v)
{
    if (bx * by * bz == 0 || bx * by * bz > 1024 || gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535)
        return 1;  // CUDA_ERROR_INVALID_VALUE
    const emu_uint3 g = {gx, gy, gz}, b = {bx, by, bz};
    SGEMM_CASE(sgemm_nn_128)
    SGEMM_CASE(sgemm_nt_128)
    SGEMM_CASE(sgemm_tn_128)
    SGEMM_CASE(sgemm_tt_128)
    SGEMM_CASE(sgemm_nn_64)
    SGEMM_CASE(sgemm_nt_64)
    SGEMM_CASE(sgemm_tn_64)
    SGEMM_CASE(sgemm_tt_64)
    if (!strcmp(name, "ew_fill")) return emu_run(g, b, [&] { ew_fill(FP(0), F(1), I(2)); });
    if (!strcmp(name, "ew_scale")) return emu_run(g, b, [&] { ew_scale(FP(0), CFP(1), F(2), I(3)); });
    if (!strcmp(name, "ew_axpy")) return emu_run(g, b, [&] { ew_axpy(FP(0), CFP(1), F(2), I(3)); });
    if (!strcmp(name, "ew_add")) return emu_run(g, b, [&] { ew_add(FP(0), CFP(1), CFP(2), I(3)); });
    if (!strcmp(name, "ew_mul")) return emu_run(g, b, [&] { ew_mul(FP(0), CFP(1), CFP(2), I(3)); });
    if (!strcmp(name, "ew_sigmoid_fwd")) return emu_run(g, b, [&] { ew_sigmoid_fwd(FP(0), CFP(1), I(2)); });
    if (!strcmp(name, "ew_sigmoid_bwd")) return emu_run(g, b, [&] { ew_sigmoid_bwd(FP(0), CFP(1), CFP(2), I(3)); });
    if (!strcmp(name, "ew_tanh_fwd")) return emu_run(g, b, [&] { ew_tanh_fwd(FP(0), CFP(1), I(2)); });
    if (!strcmp(name, "ew_tanh_bwd")) return emu_run(g, b, [&] { ew_tanh_bwd(FP(0), CFP(1), CFP(2), I(3)); });
    if (!strcmp(name, "add_bias_rows"))
        return emu_run(g, b, [&] { add_bias_rows(FP(0), CFP(1), CFP(2), I(3), I(4)); });
    if (!strcmp(name, "col_sums")) return emu_run(g, b, [&] { col_sums(FP(0), CFP(1), I(2), I(3), F(4)); });
    if (!strcmp(name, "reduce_partial"))
        return emu_run(g, b, [&] { reduce_partial(FP(0), CFP(1), I(2), I(3)); });
    if (!strcmp(name, "reduce_finish"))
        return emu_run(g, b, [&] { reduce_finish(FP(0), CFP(1), I(2), I(3), F(4)); });
    if (!strcmp(name, "scale_by_clip"))
        return emu_run(g, b, [&] { scale_by_clip(FP(0), CFP(1), F(2), I(3)); });
    if (!strcmp(name, "bce_partial")) return emu_run(g, b, [&] { bce_partial(FP(0), CFP(1), CFP(2), I(3)); });
    if (!strcmp(name, "bce_grad"))
        return emu_run(g, b, [&] { bce_grad(FP(0), CFP(1), CFP(2), I(3), CFP(4), F(5)); });
    if (!strcmp(name, "embed_gather"))
        return emu_run(g, b, [&] {
            embed_gather(FP(0), CFP(1), P(const int*, 2), I(3), I(4), I(5), I(6));
        });
    if (!strcmp(name, "embed_scatter_add"))
        return emu_run(g, b, [&] {
            embed_scatter_add(FP(0), CFP(1), P(const int*, 2), I(3), I(4), I(5), I(6), I(7));
        });
    if (!strcmp(name, "dropout_fwd"))
        return emu_run(g, b, [&] { dropout_fwd(FP(0), CFP(1), I(2), F(3), F(4), U(5), U(6), U(7), P(const unsigned long long*, 8)); });
    if (!strcmp(name, "dropout_bwd"))
        return emu_run(g, b, [&] { dropout_bwd(FP(0), CFP(1), I(2), F(3), F(4), U(5), U(6), U(7), P(const unsigned long long*, 8)); });
    if (!strcmp(name, "adam_step"))
        return emu_run(g, b, [&] {
            adam_step(FP(0), CFP(1), FP(2), FP(3), I(4), F(5), F(6), F(7), F(8), F(9), F(10), F(11), CFP(12),
                      CFP(13));
        });
    if (!strcmp(name, "lstm_fwd_pointwise"))
        return emu_run(g, b, [&] { lstm_fwd_pointwise(FP(0), FP(1), FP(2), CFP(3), CFP(4), I(5), I(6)); });
    if (!strcmp(name, "lstm_bwd_pointwise"))
        return emu_run(g, b, [&] {
            lstm_bwd_pointwise(FP(0), FP(1), CFP(2), CFP(3), CFP(4), CFP(5), CFP(6), I(7), I(8));
        });
    if (!strcmp(name, "lstm_fwd_step"))
        return emu_run(g, b, [&] { lstm_fwd_step(FP(0), FP(1), FP(2), CFP(3), CFP(4), CFP(5), CFP(6), I(7), I(8)); });
    if (!strcmp(name, "lstm_bwd_step"))
        return emu_run(g, b, [&] {
            lstm_bwd_step(FP(0), FP(1), CFP(2), CFP(3), CFP(4), CFP(5), CFP(6), CFP(7), CFP(8), I(9), I(10));
        });
    return 500;  // CUDA_ERROR_NOT_FOUND
}

// emu_fma_contracted reports whether this file's a*b+c is contracted into one
// fused multiply-add, as nvcc does on the GPU by default (-fmad=true). The
// caller passes a = b = 1+2^-12, c = -(1+2^-11): rounded separately the
// result is 0, fused it is 2^-24. `make cuda-emu-test-fma` (CI) compiles the
// emulator with -mfma -ffp-contract=fast so that the kernels' tests see FMA
// rounding before hardware does, and checks with this that it took effect.
extern "C" int emu_fma_contracted(float a, float b, float c) { return a * b + c != 0.0f; }
