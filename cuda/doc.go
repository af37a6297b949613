// Package cuda is Ember's GPU backend foundation: devices, a Context per
// device that owns the CUDA context, its stream and an OS thread, device
// memory (Buffer, Arena), copies, and float32 kernels for training an LSTM
// classifier (SGEMM, elementwise ops, reductions and gradient-norm clipping,
// BCE loss, embedding, dropout, the Adam and SGD updates, LSTM step).
//
// # Builds
//
//   - -tags embercuda: the real backend. It uses only the CUDA driver API
//     (libcuda.so.1, through gorgonia.org/cu); no runtime (cudart), cuBLAS,
//     cuDNN or NVRTC. The kernels are CUDA C++ in kernels/*.cu, compiled to
//     PTX for compute_80 by `make ptx`, which also packs each PTX with the
//     sm_90 SASS ptxas makes of it into a fatbin; both are committed and
//     embedded with go:embed. A Context loads the fatbins: an sm_90 device
//     (H100, H200) runs the SASS with no JIT, others JIT-compile the PTX
//     (EMBER_CUDA_PTX=1 loads the PTX alone; Context.KernelImage says which
//     ran and how long loading took). Without a driver or device, Devices and
//     NewContext return an error matching ErrNoDevice ("no CUDA device:
//     <driver error>"); gorgonia.org/cu's own init would exit the process
//     in that case, which a small cuInit shim in backend_cuda.go prevents.
//   - no tag: a pure-Go stub; Devices and NewContext return ErrNotBuilt
//     ("built without CUDA support (rebuild with -tags embercuda)").
//   - -tags cudaemu: a CPU emulator that compiles the same kernels/*.cu with
//     the host C++ compiler and runs every thread of a block as a fiber
//     that __syncthreads switches out of (emu_runtime.h), so the device
//     tests check the kernels on machines without a GPU: go test -tags
//     cudaemu ./cuda/ (EMBER_EMU_THREAD_ORDER=reverse runs a block's
//     threads last first between barriers; EMBER_EMU_BLOCK_ORDER permutes
//     the blocks).
//
// # Threads and streams
//
// The driver's current context is per OS thread, so every CUDA call of a
// Context runs on one goroutine locked to one thread. Methods called from
// elsewhere hand their work over and wait; Do runs a whole function there
// (one hand-off for many launches), and calls nest. All work goes to the
// Context's one (non-blocking) stream in call order: kernel launches and
// *Async copies return at once, Upload/Download/CopyHtoD/CopyDtoH and Sync
// wait. An error of a kernel's execution surfaces at the next wait.
//
// # Graphs, page-locked memory, timing
//
// Capture records the stream work of a function (launches, device copies,
// memsets) into a CUDA graph that Graph.Launch replays with one driver
// call; values that change between replays are read by the kernels from
// device memory (DropoutForwardAt, AdamStepAt). The training step of the
// train package is captured this way after its first run. AllocHost gives
// page-locked host memory for truly asynchronous copies, and EventTimer
// measures device time between points of the stream (per-op profiles).
//
// The hot path calls the driver API directly through small C wrappers
// (launches, copies, capture, events): gorgonia.org/cu's Function.Launch
// mallocs and frees per launch and cu has no stream capture; cu is used for
// initialisation, device properties, contexts and allocation. A launch or
// copy made on the Context's thread allocates nothing on the Go heap.
//
// # Kernels and modules
//
// The kernels' table, a typed launcher per kernel (Context.Kernels) and
// the emulator's dispatch are generated from kernels/*.cu by go generate
// (cmd/kernelgen): a kernel's signature is written once, in its .cu file,
// and a test fails when the generated code or the PTX is stale. A package
// with kernels of its own embeds their PTX and loads it as a Module
// (Context.Module), launched through its own generated launchers; under
// the emulator its .cu is compiled for the CPU and found by name
// (RegisterEmulated). Launchers check nothing but the arguments' count,
// kinds and 8-byte alignment; the Context's kernel functions (Sgemm,
// AddBiasRows, ...) also check sizes and pick the launch geometry.
//
// # Errors
//
// Failures are *Error values naming the CUDA call or kernel, the graph op
// when known (DoOp, WithOp) and the driver result, e.g.
//
//	cuda: launch lstm_fwd_pointwise (op LSTM): CUDA_ERROR_INVALID_VALUE
//
// Argument checks happen on the host before anything is enqueued and match
// ErrInvalidArgument; device allocation failures match ErrOutOfMemory and
// say what was requested and what the device has free.
//
// # Layout conventions
//
// Matrices are row-major float32. Buffers are untyped device memory viewed
// as 4-byte elements (float32, or int32 token ids). Kernel wrappers cover
// the whole output buffer ("n = y.Len()"), so slice Buffers to size.
package cuda
