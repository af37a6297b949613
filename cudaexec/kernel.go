package cudaexec

import (
	"errors"
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// KernelFunc is an op's CUDA kernel: called once when a program is
// compiled, with the step's op, shapes and (not yet allocated) tensors, it
// asks for what the kernel needs besides its inputs and output (scratch,
// per-run values, input checks) and returns the Launch that enqueues the
// step's device work on every run.
//
// It returns an error wrapping ErrUnsupported when it cannot run this
// step (a dtype or shape it has no kernel for); the step then runs on the
// CPU inside the device program, as an op with no CUDA kernel does.
type KernelFunc func(s *Step) (Launch, error)

// Launch enqueues one step's kernels on c's stream, reading its tensors'
// device buffers (Tensor.Buffer). It is called on the Context's thread, on
// every run, and is captured into a CUDA graph when the program's work is:
// it must not allocate, wait for the device, copy to or from the host, or
// put anything in its kernel arguments that changes from run to run (read
// such values from device memory: Step.RunState).
type Launch func(c *cuda.Context) error

// ErrUnsupported is wrapped by a KernelFunc's error when the kernel cannot
// run a step, which then falls back to the CPU.
var ErrUnsupported = errors.New("no CUDA kernel for this step")

var registry = graph.NewRegistry[KernelFunc]("cuda")

// Register makes k the CUDA kernel of ops of op's type (call it from an
// init function, in a file named after the op: exec_<op>.go). Registering
// a type twice panics.
func Register(op gorgonia.Op, k KernelFunc) { registry.Register(op, k) }

// Registered lists the op types with a CUDA kernel, sorted.
func Registered() []string { return registry.Ops() }

// Tensor is a value of a program on the device: its shape and dtype, known
// when compiling, and its device buffer, known when the program's memory
// is allocated, after every kernel has been prepared: read Buffer in the
// Launch, not in the KernelFunc.
type Tensor struct {
	Shape tensor.Shape
	Dtype tensor.Dtype
	buf   cuda.Buffer
	// Where buf comes from (Program.resolve): a slot of the program's
	// arena, or elements [off, off+Len) of src (a view, or a run state's
	// share of the run-state block); a bound value's is set directly.
	slot int
	src  *Tensor
	off  int
	// A view the caller placed elsewhere (Options.Place) keeps its buffer
	// there when its producer claims it (Step.OutPart).
	place   cuda.Buffer
	claimed bool
}

// Len is the number of elements.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Buffer is the tensor's device memory, sized to it (4-byte elements:
// float32, or int32 ids).
func (t *Tensor) Buffer() cuda.Buffer { return t.buf }

// Step is what a KernelFunc is given: the plan's step and its tensors,
// and the requests a kernel can make of the program.
type Step struct {
	// Op is the step's op (with its settings).
	Op gorgonia.Op
	// In and Out are the step's input and output tensors.
	In  []*Tensor
	Out *Tensor
	// Plan is the planned step (node, phase, values).
	Plan *graph.Step

	p      *Program
	claims []*Tensor // views OutPart gives the kernel, placed if it accepts the step
}

// OutPart is the tensor through which the kernel writes elements [off,
// off+n) of its output, for a kernel that writes its output in parts (a
// fused backward op's gradients): that range of Out, unless the program
// keeps the one view of exactly that range elsewhere (a weight gradient
// the trainer's store holds, Options.Place) and nothing else reads the
// range, in which case the kernel writes there directly and no copy is
// needed. Call it in the KernelFunc; read Buffer in the Launch.
func (s *Step) OutPart(off, n int) *Tensor {
	if off < 0 || n < 0 || off+n > s.Out.Len() {
		panic(fmt.Sprintf("cudaexec: OutPart [%d:+%d] of a %d-element output", off, n, s.Out.Len()))
	}
	if v := s.p.soleView(s.Plan.Out, off, n); v != nil {
		if t := s.p.tensors[v.Node]; !t.place.IsNil() {
			s.claims = append(s.claims, t)
			return t
		}
	}
	t := &Tensor{Shape: tensor.Shape{n}, Dtype: s.Out.Dtype, slot: -1, src: s.Out, off: off}
	s.p.parts = append(s.p.parts, t)
	return t
}

// Context is the CUDA context the program is compiled for (to load a
// module of the op's own kernels: cuda.Context.Module).
func (s *Step) Context() *cuda.Context { return s.p.ctx }

// Scratch returns temporary device space of elems float32s (4-byte
// elements) for the step's kernels, allocated with the program and kept
// for its life. It is not zeroed, and holds whatever the last run left.
func (s *Step) Scratch(elems int) *Tensor {
	i := s.p.plan.AddScratch(s.Plan, elems, tensor.Float32)
	t := &Tensor{Shape: tensor.Shape{elems}, Dtype: tensor.Float32, slot: i}
	s.p.scratch = append(s.p.scratch, t)
	return t
}

// RunState returns n uint64 values (2n 4-byte elements) in device memory
// that the host rewrites before each run of the program: the kernels read
// per-run values there, so that the enqueued work stays the same from run
// to run and can be replayed as a captured CUDA graph. Steps asking with
// the same key share the values; the first to pass a non-nil update
// writes them (update is called once per run, before any step runs, with
// the n values to fill). Dropout keys its run counter by its op's ID: the
// forward step advances it, its gradient step reads it.
func (s *Step) RunState(key any, n int, update func(dst []uint64)) *Tensor {
	return s.p.runState(key, n, update)
}

// HasRunState reports whether an earlier step of the program asked for
// the run state key with an update (a gradient step can check that its
// forward step is part of the program).
func (s *Step) HasRunState(key any) bool {
	r := s.p.runStates[key]
	return r != nil && r.update != nil
}

// CheckInput makes the program run check on the host buffer of input i
// whenever it is uploaded, when input i is a value the caller fills (a
// data input): the embedding checks its ids against its vocabulary there,
// as its CPU kernel does, since the device kernel cannot report an error.
func (s *Step) CheckInput(i int, check func(b *graph.Buf) error) {
	v := s.Plan.In[i]
	if v.Kind != graph.ValueInput {
		return
	}
	s.p.checks[v.Node] = append(s.p.checks[v.Node], check)
}

// CheckFloat32 returns an error wrapping ErrUnsupported unless the step's
// output and inputs are float32, except the inputs listed in ids, which
// must be int32 (token ids).
func (s *Step) CheckFloat32(ids ...int) error {
	if s.Out.Dtype != tensor.Float32 {
		return fmt.Errorf("%w: output is %v", ErrUnsupported, s.Out.Dtype)
	}
	for i, t := range s.In {
		want := tensor.Float32
		for _, j := range ids {
			if i == j {
				want = tensor.Int32
			}
		}
		if t.Dtype != want {
			return fmt.Errorf("%w: input %d is %v, want %v", ErrUnsupported, i, t.Dtype, want)
		}
	}
	return nil
}
