// CPU emulator runtime for CUDA kernels (build tag cudaemu): the
// definitions that let the host C++ compiler build a kernel's CUDA source
// unchanged, and emu_call, which runs a kernel for every thread of every
// block. The blocks of a launch run one after another on the calling
// thread; within a block each thread is a fiber (its own stack), and
// __syncthreads switches to a scheduler that resumes the next one, so a
// barrier completes when every thread of the block has reached it (a
// pthread per thread and a pthread barrier cost thousands of context
// switches a barrier on two cores). Between two barriers the threads run
// in index order, or last first with EMBER_EMU_THREAD_ORDER=reverse: a
// missing barrier (a thread reading shared memory another has not yet
// written) shows under one of the two. It exists to
// test the kernels' indexing, edge handling and synchronisation on
// machines without a GPU; it knows nothing of warps, so it cannot catch
// warp-synchronous bugs (the kernels have none), and it is slow.
//
// Included by the generated emu_kernels_gen.cpp of package cuda, and of
// any package that ships kernels of its own (see package kernelgen), each
// of which gets its own copy of these static definitions.

#ifndef EMBER_EMU_RUNTIME_H
#define EMBER_EMU_RUNTIME_H

// The fibers switch stacks with _setjmp/_longjmp, which _FORTIFY_SOURCE
// turns into __longjmp_chk: that aborts a jump to a frame lower on
// another stack ("longjmp causes uninitialized stack frame").
#undef _FORTIFY_SOURCE

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
// EMBER_EMU_FIBER_ASM: first entry into a fiber by moving the stack pointer
// (x86-64), else by setcontext (other CPUs, or -DEMBER_EMU_UCONTEXT, which
// tests that route here).
#if defined(__x86_64__) && !defined(EMBER_EMU_UCONTEXT)
#define EMBER_EMU_FIBER_ASM 1
#else
#define EMBER_EMU_FIBER_ASM 0
#include <ucontext.h>
#endif
#include <functional>
#include <utility>

struct emu_uint3 {
    unsigned x, y, z;
};
struct __attribute__((aligned(16))) float4 {
    float x, y, z, w;
};

static thread_local emu_uint3 threadIdx;
static thread_local emu_uint3 blockIdx;
static emu_uint3 blockDim, gridDim;

static void emu_barrier();

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

static inline void __syncthreads() { emu_barrier(); }

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

static inline unsigned atomicAdd(unsigned* addr, unsigned v) { return __atomic_fetch_add(addr, v, __ATOMIC_SEQ_CST); }

// The blocks of a launch run one after another here, so every block sees
// the writes of the blocks before it; the fence only keeps the compiler
// from reordering, as the device fence orders the writes for other SMs.
static inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// A product the device never contracts into a fused multiply-add; the
// volatile keeps -ffp-contract=fast from contracting it here.
static inline float __fmul_rn(float a, float b)
{
    volatile float r = a * b;
    return r;
}

// A load that bypasses L1 on the device (data another block wrote during
// the same launch); a plain load here.
static inline float __ldcg(const float* p) { return *p; }

namespace {

// The fibers of the running block, one per thread, on the thread that runs
// the launch; their stacks are kept for the next launch.
//
// A fiber is entered the first time on its own stack (emu_fiber_start) and
// afterwards switched to and from with _setjmp/_longjmp, which save only
// the registers a call preserves. swapcontext, used before, also saves and
// restores the signal mask, a system call at every switch: on a 2-core
// AMD EPYC VM whose kernel isolates page tables, the cudaemu tests of
// package cuda took 172 s with it (77 s of it in the kernel), 52 s with
// _setjmp/_longjmp and setcontext for the first entry, and 40 s with
// no system call at all.
struct emu_fiber {
#if !EMBER_EMU_FIBER_ASM
    ucontext_t ctx;  // for the first entry (emu_fiber_start)
#endif
    jmp_buf resume;  // where a fiber stopped at a barrier resumes
    char* stack;
    bool started;
    bool done;
};
static const size_t emu_stack_size = 256 * 1024;
static thread_local emu_fiber* emu_fibers;
static thread_local unsigned emu_fibers_cap;
static thread_local jmp_buf emu_sched;       // resumed at every barrier and at each fiber's end
static thread_local emu_fiber* emu_current;  // the running fiber, nullptr outside a block
static thread_local const std::function<void()>* emu_body;

// The order the blocks of a launch run in, from EMBER_EMU_BLOCK_ORDER: unset,
// empty or "0", in index order (x fastest, then y, then z); "reverse", last
// block first; a number n > 0, the permutation i -> (a*i + c) mod blocks
// seeded by n. A device runs blocks in no set order, so a kernel whose
// result depends on it (a float atomicAdd, partial sums added in arrival
// order) gives different bits under different settings here; one summed in
// a fixed order does not (TestBlockOrderDeterminism). Read at each launch.
static unsigned long long emu_order_a, emu_order_c;
static bool emu_order_reverse;

static unsigned emu_gcd(unsigned long long a, unsigned long long b)
{
    while (b != 0) {
        unsigned long long t = a % b;
        a = b;
        b = t;
    }
    return (unsigned)a;
}

static void emu_block_order(unsigned long long blocks)
{
    emu_order_a = 1;
    emu_order_c = 0;
    emu_order_reverse = false;
    const char* v = getenv("EMBER_EMU_BLOCK_ORDER");
    if (v == nullptr || *v == 0 || strcmp(v, "0") == 0)
        return;
    if (strcmp(v, "reverse") == 0) {
        emu_order_reverse = true;
        return;
    }
    unsigned long long seed = strtoull(v, nullptr, 10);
    emu_order_a = (seed * 2654435761ull + 12345) % blocks;
    while (emu_gcd(emu_order_a, blocks) != 1)
        emu_order_a = (emu_order_a + 1) % blocks;  // 1 is coprime, so this ends
    emu_order_c = (seed * 40503ull) % blocks;
}

// emu_thread_reverse is EMBER_EMU_THREAD_ORDER=reverse: between barriers,
// the threads of a block run last index first. Read at each launch.
static bool emu_thread_reverse()
{
    const char* v = getenv("EMBER_EMU_THREAD_ORDER");
    return v != nullptr && strcmp(v, "reverse") == 0;
}

[[noreturn]] static void emu_fatal(const char* msg)
{
    fprintf(stderr, "cuda emulator: %s (block %u,%u,%u of a %ux%ux%u grid of %ux%ux%u threads)\n", msg, blockIdx.x,
            blockIdx.y, blockIdx.z, gridDim.x, gridDim.y, gridDim.z, blockDim.x, blockDim.y, blockDim.z);
    abort();
}

}  // namespace

static void emu_barrier()
{
    if (emu_current == nullptr)
        emu_fatal("__syncthreads outside a kernel");
    if (_setjmp(emu_current->resume) == 0)
        _longjmp(emu_sched, 1);
}

namespace {

// emu_fiber_main runs the kernel for one thread, then resumes the
// scheduler; it never returns (its context has no uc_link).
void emu_fiber_main()
{
    (*emu_body)();
    emu_current->done = true;
    _longjmp(emu_sched, 1);
}

// emu_fiber_start enters fiber f for the first time, on its own stack. On
// x86-64 it moves the stack pointer to the top of f's stack and calls
// emu_fiber_main (which never returns) directly; elsewhere setcontext,
// through the context emu_block made.
[[noreturn]] void emu_fiber_start(emu_fiber& f)
{
#if EMBER_EMU_FIBER_ASM
    // 16-byte aligned before the call, as the SysV ABI wants.
    uintptr_t top = ((uintptr_t)f.stack + emu_stack_size) & ~(uintptr_t)15;
    asm volatile("movq %0, %%rsp\n\tcall *%1\n\tud2" : : "r"(top), "r"(emu_fiber_main) : "memory");
    __builtin_unreachable();
#else
    setcontext(&f.ctx);
    abort();
#endif
}

void emu_reserve(unsigned nt)
{
    if (nt <= emu_fibers_cap)
        return;
    emu_fiber* fs = new emu_fiber[nt];
    for (unsigned t = 0; t < nt; ++t) {
        fs[t].stack = t < emu_fibers_cap ? emu_fibers[t].stack : (char*)malloc(emu_stack_size);
        if (fs[t].stack == nullptr)
            abort();
    }
    delete[] emu_fibers;
    emu_fibers = fs;
    emu_fibers_cap = nt;
}

// emu_block runs every thread of the current block: each round resumes, in
// order, the threads that have not ended, each until its next barrier or
// its end. A round in which some threads end while others wait at a
// barrier is a divergent barrier (undefined on the device): the process
// stops with a message rather than hang.
void emu_block(unsigned nt, bool reverse)
{
#if !EMBER_EMU_FIBER_ASM
    ucontext_t tmpl;
    getcontext(&tmpl);
#endif
    for (unsigned t = 0; t < nt; ++t) {
        emu_fiber& f = emu_fibers[t];
        f.started = false;
        f.done = false;
#if !EMBER_EMU_FIBER_ASM
        f.ctx = tmpl;
        f.ctx.uc_stack.ss_sp = f.stack;
        f.ctx.uc_stack.ss_size = emu_stack_size;
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, emu_fiber_main, 0);
#endif
    }
    for (unsigned left = nt; left > 0;) {
        unsigned ended = 0;
        for (unsigned i = 0; i < nt; ++i) {
            const unsigned t = reverse ? nt - 1 - i : i;
            emu_fiber& f = emu_fibers[t];
            if (f.done)
                continue;
            threadIdx = {t % blockDim.x, (t / blockDim.x) % blockDim.y, t / (blockDim.x * blockDim.y)};
            emu_current = &f;
            if (_setjmp(emu_sched) == 0) {
                if (!f.started) {
                    f.started = true;
                    emu_fiber_start(f);
                }
                _longjmp(f.resume, 1);
            }
            emu_current = nullptr;
            ended += f.done;
        }
        if (ended != 0 && ended != left)
            emu_fatal("divergent __syncthreads: threads of the block ended while others wait at a barrier");
        left -= ended;
    }
}

// Runs body for every thread of every block; returns 0 or a CUresult code.
int emu_run(emu_uint3 grid, emu_uint3 block, const std::function<void()>& body)
{
    const unsigned nt = block.x * block.y * block.z;
    gridDim = grid;
    blockDim = block;
    const unsigned long long n = (unsigned long long)grid.x * grid.y * grid.z;
    emu_block_order(n);
    const bool reverse = emu_thread_reverse();
    emu_reserve(nt);
    emu_body = &body;
    for (unsigned long long i = 0; i < n; ++i) {
        const unsigned long long j = emu_order_reverse ? n - 1 - i : (emu_order_a * i + emu_order_c) % n;
        blockIdx = {(unsigned)(j % grid.x), (unsigned)(j / grid.x % grid.y), (unsigned)(j / grid.x / grid.y)};
        emu_block(nt, reverse);
    }
    emu_body = nullptr;
    return 0;
}

// A launch's geometry within the device limits the kernels rely on.
inline bool emu_geometry_ok(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz)
{
    return bx * by * bz != 0 && bx * by * bz <= 1024 && gx != 0 && gy != 0 && gz != 0 && gy <= 65535 &&
           gz <= 65535;
}

// emu_arg converts one 8-byte parameter slot to the kernel parameter's
// type, as the device reads it: pointers whole, 4-byte values from the low
// half (little-endian).
template <typename T>
struct emu_arg;
template <typename T>
struct emu_arg<T*> {
    static T* get(uint64_t v) { return (T*)(uintptr_t)v; }
};
template <>
struct emu_arg<int> {
    static int get(uint64_t v)
    {
        int x;
        memcpy(&x, &v, 4);
        return x;
    }
};
template <>
struct emu_arg<unsigned> {
    static unsigned get(uint64_t v)
    {
        unsigned x;
        memcpy(&x, &v, 4);
        return x;
    }
};
template <>
struct emu_arg<float> {
    static float get(uint64_t v)
    {
        float x;
        memcpy(&x, &v, 4);
        return x;
    }
};
template <>
struct emu_arg<unsigned long long> {
    static unsigned long long get(uint64_t v) { return (unsigned long long)v; }
};
template <>
struct emu_arg<long long> {
    static long long get(uint64_t v) { return (long long)v; }
};

template <typename... A, size_t... I>
int emu_call_seq(void (*kernel)(A...), emu_uint3 g, emu_uint3 b, const uint64_t* v, std::index_sequence<I...>)
{
    return emu_run(g, b, [&] { kernel(emu_arg<A>::get(v[I])...); });
}

// emu_call runs kernel over the grid with its parameters read from the
// slots v, converted to the types of the kernel's own declaration.
template <typename... A>
int emu_call(void (*kernel)(A...), emu_uint3 g, emu_uint3 b, const uint64_t* v)
{
    return emu_call_seq(kernel, g, b, v, std::index_sequence_for<A...>{});
}

}  // namespace

#endif
