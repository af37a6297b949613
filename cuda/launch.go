package cuda

import (
	"fmt"
	"math"
)

// argKind is the type of one kernel parameter, as the PTX declares it.
type argKind uint8

const (
	argPtr argKind = iota // device pointer: .param .u64
	argI32                // int: .param .u32 (or .s32)
	argF32                // float: .param .f32
	argU64                // unsigned long long: .param .u64
	// argPtr8 is a device pointer the kernel reads 8 bytes at a time
	// (unsigned long long*): it must be 8-byte aligned. A misaligned read
	// is CUDA_ERROR_MISALIGNED_ADDRESS, which is sticky: it poisons the
	// context and fails every later call on it. Buffer.Slice can make such
	// a pointer (any odd element offset), so launch checks it on the host.
	argPtr8
)

func (k argKind) String() string {
	return [...]string{"ptr", "i32", "f32", "u64", "ptr8"}[k]
}

// size is the parameter's size in bytes.
func (k argKind) size() int {
	if k == argI32 || k == argF32 {
		return 4
	}
	return 8
}

type kernelID int

const (
	kSgemmNN128 kernelID = iota
	kSgemmNT128
	kSgemmTN128
	kSgemmTT128
	kSgemmNN64
	kSgemmNT64
	kSgemmTN64
	kSgemmTT64
	kFill
	kScale
	kAxpy
	kAdd
	kMul
	kSigmoidFwd
	kSigmoidBwd
	kTanhFwd
	kTanhBwd
	kAddBiasRows
	kColSums
	kReducePartial
	kReduceFinish
	kScaleByClip
	kBCEPartial
	kBCEGrad
	kEmbedGather
	kEmbedScatterAdd
	kDropoutFwd
	kDropoutBwd
	kAdamStep
	kLSTMFwd
	kLSTMBwd
	kLSTMFwdStep
	kLSTMBwdStep
	numKernels
)

// kernelSpec is a kernel's entry name, the .cu/.ptx file (without
// extension) under kernels/ that defines it, and its parameter list.
type kernelSpec struct {
	name   string
	module string
	sig    []argKind
}

var (
	sigSgemm = []argKind{argI32, argI32, argI32, argF32, argPtr, argI32, argPtr, argI32, argF32, argPtr, argI32}
	sigUnary = []argKind{argPtr, argPtr, argI32}         // (y, x, n)
	sigBin   = []argKind{argPtr, argPtr, argPtr, argI32} // (c, a, b, n)
	sigScale = []argKind{argPtr, argPtr, argF32, argI32} // (y, x, a, n)
	sigDrop  = []argKind{argPtr, argPtr, argI32, argF32, argF32, argU64, argU64, argU64, argPtr8}
	sigEmbed = []argKind{argPtr, argPtr, argPtr, argI32, argI32, argI32, argI32}
)

var kernels = [numKernels]kernelSpec{
	kSgemmNN128:      {"sgemm_nn_128", "sgemm", sigSgemm},
	kSgemmNT128:      {"sgemm_nt_128", "sgemm", sigSgemm},
	kSgemmTN128:      {"sgemm_tn_128", "sgemm", sigSgemm},
	kSgemmTT128:      {"sgemm_tt_128", "sgemm", sigSgemm},
	kSgemmNN64:       {"sgemm_nn_64", "sgemm", sigSgemm},
	kSgemmNT64:       {"sgemm_nt_64", "sgemm", sigSgemm},
	kSgemmTN64:       {"sgemm_tn_64", "sgemm", sigSgemm},
	kSgemmTT64:       {"sgemm_tt_64", "sgemm", sigSgemm},
	kFill:            {"ew_fill", "elementwise", []argKind{argPtr, argF32, argI32}},
	kScale:           {"ew_scale", "elementwise", sigScale},
	kAxpy:            {"ew_axpy", "elementwise", sigScale},
	kAdd:             {"ew_add", "elementwise", sigBin},
	kMul:             {"ew_mul", "elementwise", sigBin},
	kSigmoidFwd:      {"ew_sigmoid_fwd", "elementwise", sigUnary},
	kSigmoidBwd:      {"ew_sigmoid_bwd", "elementwise", sigBin},
	kTanhFwd:         {"ew_tanh_fwd", "elementwise", sigUnary},
	kTanhBwd:         {"ew_tanh_bwd", "elementwise", sigBin},
	kAddBiasRows:     {"add_bias_rows", "elementwise", []argKind{argPtr, argPtr, argPtr, argI32, argI32}},
	kColSums:         {"col_sums", "elementwise", []argKind{argPtr, argPtr, argI32, argI32, argF32}},
	kReducePartial:   {"reduce_partial", "reduce", []argKind{argPtr, argPtr, argI32, argI32}},
	kReduceFinish:    {"reduce_finish", "reduce", []argKind{argPtr, argPtr, argI32, argI32, argF32}},
	kScaleByClip:     {"scale_by_clip", "reduce", []argKind{argPtr, argPtr, argF32, argI32}},
	kBCEPartial:      {"bce_partial", "reduce", []argKind{argPtr, argPtr, argPtr, argI32}},
	kBCEGrad:         {"bce_grad", "reduce", []argKind{argPtr, argPtr, argPtr, argI32, argPtr, argF32}},
	kEmbedGather:     {"embed_gather", "embedding", sigEmbed},
	kEmbedScatterAdd: {"embed_scatter_add", "embedding", append(append([]argKind{}, sigEmbed...), argI32)},
	kDropoutFwd:      {"dropout_fwd", "dropout", sigDrop},
	kDropoutBwd:      {"dropout_bwd", "dropout", sigDrop},
	kAdamStep: {"adam_step", "adam", []argKind{argPtr, argPtr, argPtr, argPtr, argI32,
		argF32, argF32, argF32, argF32, argF32, argF32, argF32, argPtr, argPtr}},
	kLSTMFwd: {"lstm_fwd_pointwise", "lstm", []argKind{argPtr, argPtr, argPtr, argPtr, argPtr, argI32, argI32}},
	kLSTMBwd: {"lstm_bwd_pointwise", "lstm", []argKind{argPtr, argPtr, argPtr, argPtr, argPtr, argPtr, argPtr,
		argI32, argI32}},
	kLSTMFwdStep: {"lstm_fwd_step", "lstm", []argKind{argPtr, argPtr, argPtr, argPtr, argPtr, argPtr, argPtr,
		argI32, argI32}},
	kLSTMBwdStep: {"lstm_bwd_step", "lstm", []argKind{argPtr, argPtr, argPtr, argPtr, argPtr, argPtr, argPtr,
		argPtr, argPtr, argI32, argI32}},
}

func (k kernelID) String() string {
	if k < 0 || k >= numKernels {
		return fmt.Sprintf("kernel(%d)", int(k))
	}
	return kernels[k].name
}

// maxArgs bounds a kernel's parameter count.
const maxArgs = 16

// kargs packs a kernel's parameters for cuLaunchKernel: one 8-byte slot per
// parameter, 4-byte values in the low half (where a little-endian 4-byte
// read finds them). The launch passes cuLaunchKernel a pointer to each slot;
// the driver copies the values before it returns, so a kargs can live on
// the caller's stack and be reused.
type kargs struct {
	n     int
	kinds [maxArgs]argKind
	vals  [maxArgs]uint64
}

func (a *kargs) add(k argKind, v uint64) *kargs {
	if a.n == maxArgs {
		panic("cuda: too many kernel arguments")
	}
	a.kinds[a.n], a.vals[a.n] = k, v
	a.n++
	return a
}

func (a *kargs) ptr(b Buffer) *kargs  { return a.add(argPtr, uint64(b.ptr)) }
func (a *kargs) ptr8(b Buffer) *kargs { return a.add(argPtr8, uint64(b.ptr)) }
func (a *kargs) i32(v int) *kargs     { return a.add(argI32, uint64(uint32(int32(v)))) }
func (a *kargs) f32(v float32) *kargs { return a.add(argF32, uint64(math.Float32bits(v))) }
func (a *kargs) u64(v uint64) *kargs  { return a.add(argU64, v) }

// check verifies the packed parameters against the kernel's declared list.
func (a *kargs) check(k kernelID) error {
	sig := kernels[k].sig
	if a.n != len(sig) {
		return fmt.Errorf("%d arguments packed, kernel takes %d", a.n, len(sig))
	}
	for i, want := range sig {
		if a.kinds[i] != want {
			return fmt.Errorf("argument %d packed as %v, kernel takes %v", i, a.kinds[i], want)
		}
	}
	return nil
}

// checkAlign verifies that every pointer the kernel reads 8 bytes at a time
// is 8-byte aligned (a null pointer, an absent optional argument, passes).
func (a *kargs) checkAlign(k kernelID) error {
	for i, kind := range kernels[k].sig {
		if kind == argPtr8 && a.vals[i]%8 != 0 {
			return fmt.Errorf("argument %d (device address %#x) is read as 8-byte values and is not 8-byte aligned", i, a.vals[i])
		}
	}
	return nil
}

type dim3 struct{ x, y, z uint32 }

// launchRecord is one launch as the tests see it.
type launchRecord struct {
	kernel      kernelID
	grid, block dim3
	args        kargs
}

// launch runs kernel k (no dynamic shared memory) on the stream. It does not
// retain a, so callers' kargs stay on their stacks: a launch from the
// Context's thread allocates nothing.
func (c *Context) launch(k kernelID, grid, block dim3, a *kargs) error {
	if err := a.check(k); err != nil {
		return &Error{Call: "launch " + kernels[k].name, Err: ErrInvalidArgument, Detail: "internal: " + err.Error()}
	}
	if err := a.checkAlign(k); err != nil {
		return &Error{Call: "launch " + kernels[k].name, Err: ErrInvalidArgument, Detail: err.Error()}
	}
	if grid.x == 0 || grid.y == 0 || grid.z == 0 {
		return nil // nothing to do
	}
	if c.rec != nil {
		c.rec(launchRecord{kernel: k, grid: grid, block: block, args: *a})
		return nil
	}
	if !c.onThread() {
		ac := *a
		return c.do(func() error { return c.launch(k, grid, block, &ac) })
	}
	if err := c.b.launch(k, grid, block, a); err != nil {
		return &Error{Call: "launch " + kernels[k].name, Err: err}
	}
	return nil
}

// Launch geometry.
const (
	ewThreads  = 256 // block size of the elementwise (grid-stride) kernels
	redThreads = 256 // RED_THREADS in reduce.cu
	redPerBlk  = 4   // elements per thread before a reduction adds another block
	redMaxBlk  = 256 // most blocks per buffer in a reduction's first pass
)

// ewGrid is the grid of a grid-stride kernel over n elements: enough blocks
// for one element per thread, capped at 8 blocks of 256 threads per SM (a
// full SM) so large arrays loop instead of oversubscribing.
func (c *Context) ewGrid(n int) dim3 {
	blocks := (n + ewThreads - 1) / ewThreads
	limit := 8 * c.info.SMs
	if limit <= 0 {
		limit = 1024
	}
	if blocks > limit {
		blocks = limit
	}
	return dim3{uint32(blocks), 1, 1}
}

var ewBlock = dim3{ewThreads, 1, 1}

// redBlocks is the first-pass grid of a reduction over n elements. It depends
// only on n, so results are reproducible run to run and device to device.
func redBlocks(n int) int {
	b := (n + redThreads*redPerBlk - 1) / (redThreads * redPerBlk)
	if b > redMaxBlk {
		b = redMaxBlk
	}
	return b
}
