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

//go:generate go run github.com/emberml/ember/cmd/kernelgen

// kernelID indexes the kernel table, kernels (kernels_gen.go, generated
// from kernels/*.cu by go generate: cmd/kernelgen).
type kernelID int

// kernelSpec is a kernel's entry name, the .cu/.ptx file (without
// extension) under kernels/ that defines it, and its parameter list.
type kernelSpec struct {
	name   string
	module string
	sig    []argKind
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

// Dim3 is a launch's grid or block size (CUDA's dim3).
type Dim3 struct{ X, Y, Z uint32 }

// dim3 is Dim3 under its internal name.
type dim3 = Dim3

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
	if grid.X == 0 || grid.Y == 0 || grid.Z == 0 {
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
	c.enqueued++
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

// ElementwiseBlock is the block of the package's grid-stride kernels (256
// threads); a kernel of the same kind launched through Kernels uses it
// with ElementwiseGrid.
var ElementwiseBlock = ewBlock

// ElementwiseGrid is the grid of a grid-stride kernel over n elements with
// ElementwiseBlock: one element per thread, capped at a full device (8
// blocks per SM) so that large arrays loop instead of oversubscribing.
func (c *Context) ElementwiseGrid(n int) Dim3 { return c.ewGrid(n) }

// redBlocks is the first-pass grid of a reduction over n elements. It depends
// only on n, so results are reproducible run to run and device to device.
func redBlocks(n int) int {
	b := (n + redThreads*redPerBlk - 1) / (redThreads * redPerBlk)
	if b > redMaxBlk {
		b = redMaxBlk
	}
	return b
}
