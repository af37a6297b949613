// Package cpu is Ember's CPU compute backend: a fast single-precision GEMM and
// a handful of allocation-free float32 vector kernels used in training hot loops.
//
// # GEMM dispatch
//
// [Sgemm] is row-major (like cblas with CblasRowMajor) and picks one of two
// backends once, on first use:
//
//   - OpenBLAS, loaded at run time with dlopen (libopenblas.so.0, then
//     libopenblas.so) and called through a small C trampoline. This needs a
//     cgo build on Linux but no OpenBLAS headers or link-time library, so a
//     machine with gcc and without OpenBLAS still builds and runs.
//   - gonum's pure-Go Sgemm (gonum.org/v1/gonum/blas/gonum), used when the
//     build has no cgo (CGO_ENABLED=0 or non-Linux), when the library cannot be
//     loaded, or when the environment sets EMBER_BLAS=gonum.
//
// OpenBLAS is the default where available because on the LSTM's shapes it
// measured 4x to 12x faster than the gonum fallback on the large products and
// 1.3x to 2x on the thin per-step ones (benchmarks/RESULTS-cpu-gemm.md).
// Before loading OpenBLAS the package sets OPENBLAS_CORETYPE (unless the
// user has) to the kernels for the CPU's widest vector extensions —
// Cooperlake with AVX-512 BF16, SkylakeX with AVX-512, Haswell with AVX2 —
// because an OpenBLAS older than the CPU falls back to slow ones (Debian's
// 0.3.21 runs SSE3 kernels, 4x slower, on Emerald Rapids).
// [GEMMName] reports which backend is active, with OpenBLAS's kernels, and
// for gonum why. The gonum
// fallback tiles the product so that gonum never takes its allocating
// parallel path, and runs the tiles on a persistent worker pool.
//
// On CPUs with AVX-512 a product of 2 to 16 rows with neither operand
// transposed (a recurrent layer's per-step product at a small batch) runs
// on a kernel of this package instead: OpenBLAS packs all of B on every
// call, which at those shapes costs more than the arithmetic
// ([SmallRowKernel]). A layer that multiplies by the same Bᵀ every step
// transposes it once with [Transpose] (16×16 blocks in AVX-512 registers),
// into rows [SmallRowLd] apart so that the kernel's walk down B does not
// keep to a few cache sets.
// A layer that shares a step out over the cores itself, each part its
// columns of the product and then the arithmetic that reads them, computes
// its blocks with [SgemmSmallRows], the same kernel unsplit; the LSTM's
// and the GRU's gate kernels take a range of hidden units for that
// ([LSTMCellForwardUnits], [GRUCellForwardUnits]).
//
// # Splitting over the cores
//
// OpenBLAS runs single-threaded; a large enough product is split into
// blocks of C, one per core, computed by persistent workers (the first on
// the caller's goroutine), and [ParallelFor] spreads other work the same
// way. A worker spins a little after each part before it sleeps (a wake-up
// from sleep cost 15 µs here, against the 20-40 µs of a recurrent step's
// product), yielding its thread all the while. Every block of a product
// takes the kernel the whole would, and a caller that finds the workers
// busy computes the same blocks itself, so a product's bits do not depend
// on what else the process runs.
//
// [UseWithTensor] routes gorgonia.org/tensor's float32 Sgemm/Sgemv (and so
// tensor.MatMul, MatVecMul, ...) through the same dispatch.
//
// # Vector kernels
//
// Besides the Go loops of vec.go, cgo builds have C kernels for what runs
// over every parameter or activation each step: [AdamUpdate], [Dropout],
// [SumSq], [Scale], [AddBiasRows] and [SumRows] (AVX-512 or AVX
// intrinsics, chosen at run time), and the recurrent cells' gate
// arithmetic. Adam, dropout, SumSq, Scale and the bias rows give
// the same bits as their Go twins (no fused multiply-adds, a fixed summation
// order), which the tests check; the cells agree with theirs to rounding.
//
// # Errors
//
// Like gonum's BLAS, every function here panics with a descriptive message on
// programmer error — negative sizes, leading dimensions smaller than a row,
// slices too short for the stated shape — and never returns an error. None of
// them allocates (see [Sgemm] for one runtime-internal caveat on the gonum
// fallback), so they can sit inside a training step that must not allocate
// per batch.
package cpu
