package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// CPUKernel is the CPU implementation of an op. ExecCPU computes out from
// in; every buffer is allocated by the caller (shapes from InferShape), so a
// kernel must not allocate. ctx carries the op's scratch space.
type CPUKernel interface {
	ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error
}

// Scratcher is implemented by ops that need temporary space: ScratchSize is
// the number of elements (of out's dtype) the kernel gets in Ctx.Scratch.
type Scratcher interface {
	ScratchSize(out *Buf, in []*Buf) int
}

// Viewer is implemented by ops whose output is a window onto their single
// input: the executor aliases the output buffer to input[Offset():] instead
// of copying. Their Do still copies, for gorgonia's machines.
type Viewer interface {
	ViewOffset() int
}

// RangeReader is implemented by ops that read only part of an input:
// InputRange returns the elements [off, off+n) of input i that the op's
// kernels read, given the inputs' shapes (0 and the input's length when
// they read all of it). The fused recurrent backward ops read only the
// hidden-state part of their output gradient, so the ViewGrad writing that
// gradient need not clear the rest (Plan.ReadRange).
type RangeReader interface {
	InputRange(i int, in []tensor.Shape) (off, n int)
}

// Ctx is what an executor hands a kernel besides its buffers: one per step
// of a program, kept for the program's life.
type Ctx struct {
	// Scratch is temporary space of ScratchSize elements, reused across
	// runs and not zeroed.
	Scratch *Buf
	// State is the kernel's own data kept across runs (the job descriptor
	// it hands cpu.ParallelFor, say), nil on the first run: make it then,
	// so that later runs allocate nothing.
	State any
}

// KernelState returns the kernel's state of type S kept in ctx.State
// across runs, made on the first run (a fresh one when there is no ctx):
// the job descriptor a kernel hands cpu.ParallelFor, say.
func KernelState[S any](ctx *Ctx) *S {
	if ctx == nil {
		return new(S)
	}
	s, ok := ctx.State.(*S)
	if !ok {
		s = new(S)
		ctx.State = s
	}
	return s
}

func ctxState[S any](ctx *Ctx) *S { return KernelState[S](ctx) }

// Scratch returns the step's scratch space as []T (nil when the op asked
// for none); T must be the output's dtype.
func Scratch[T Float](c *Ctx) []T { return scratch[T](c) }

func scratch[T Float](c *Ctx) []T {
	if c == nil || c.Scratch == nil {
		return nil
	}
	return data[T](c.Scratch)
}

var opIDs atomic.Uint64

// nextOpID gives stateful ops (dropout) a unique identity, so that gorgonia's
// graph does not merge two of them that happen to share an input.
func nextOpID() uint64 { return opIDs.Add(1) }

// OpBase supplies the gorgonia.Op methods that are the same for every op
// of the engine: results are not pointers, no extern calls, no input
// overwritten. Embed it in an op type.
type OpBase struct{}

func (OpBase) ReturnsPtr() bool     { return false }
func (OpBase) CallsExtern() bool    { return false }
func (OpBase) OverwritesInput() int { return -1 }

type opBase = OpBase

// WriteHash hashes an op by its String(), which must name the op and
// every setting that changes what it computes (gorgonia merges nodes whose
// ops hash alike): an op's WriteHash method.
func WriteHash(h hash.Hash, op fmt.Stringer) { fmt.Fprint(h, op.String()) }

// Hashcode is the FNV-1a hash of an op's String(): an op's Hashcode method.
func Hashcode(op fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, op.String())
	return h.Sum32()
}

func writeHash(h hash.Hash, s fmt.Stringer) { WriteHash(h, s) }
func hashcode(s fmt.Stringer) uint32        { return Hashcode(s) }

// TensorType is a tensor type of the given rank over the type variable a
// (any dtype), rank 0 meaning a scalar: the pieces of an op's Type, e.g.
// hm.NewFnType(TensorType(2), TensorType(2)) for a matrix to matrix op.
func TensorType(dims int) hm.Type {
	if dims == 0 {
		return hm.TypeVariable('a')
	}
	return gorgonia.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

// TensorTypeOf is TensorType with a fixed dtype (int32 ids, say).
func TensorTypeOf(dims int, dt tensor.Dtype) hm.Type {
	if dims == 0 {
		return dt
	}
	return gorgonia.TensorType{Dims: dims, Of: dt}
}

func tt(dims int) hm.Type                    { return TensorType(dims) }
func ttOf(dims int, dt tensor.Dtype) hm.Type { return TensorTypeOf(dims, dt) }

// Shapes turns InferShape's arguments into shapes, or says which is not one.
func Shapes(ns []gorgonia.DimSizer) ([]tensor.Shape, error) { return shapes(ns) }

func shapes(ns []gorgonia.DimSizer) ([]tensor.Shape, error) {
	out := make([]tensor.Shape, len(ns))
	for i, n := range ns {
		s, ok := n.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("input %d: expected a tensor.Shape, got %T", i, n)
		}
		out[i] = s
	}
	return out, nil
}

func checkArity(op gorgonia.Op, n int) error {
	if op.Arity() >= 0 && n != op.Arity() {
		return fmt.Errorf("%v: expected %d inputs, got %d", op, op.Arity(), n)
	}
	return nil
}

// CPUOp is an op that carries its CPU kernel: what DoCPU runs.
type CPUOp interface {
	gorgonia.Op
	CPUKernel
}

// DoCPU is the Do of an op with a CPU kernel: it runs the kernel on freshly
// allocated buffers (scratch included), so that gorgonia's own machines
// can execute graphs of the op. An op's Do method is usually just
// `return graph.DoCPU(op, v...)`.
func DoCPU(op CPUOp, vals ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, vals...) }

// doCPU is DoCPU.
func doCPU(op CPUOp, vals ...gorgonia.Value) (gorgonia.Value, error) {
	if err := checkArity(op, len(vals)); err != nil {
		return nil, err
	}
	in := make([]*Buf, len(vals))
	ds := make([]gorgonia.DimSizer, len(vals))
	var dt tensor.Dtype
	for i, v := range vals {
		b, err := bufFromValue(v)
		if err != nil {
			return nil, fmt.Errorf("%v: input %d: %w", op, i, err)
		}
		in[i] = b
		ds[i] = b.Shape
		if dt == (tensor.Dtype{}) && b.Dtype != tensor.Int32 {
			dt = b.Dtype
		}
	}
	shape, err := op.InferShape(ds...)
	if err != nil {
		return nil, err
	}
	out := NewBuf(dt, shape...)
	ctx := &Ctx{}
	if s, ok := op.(Scratcher); ok {
		if n := s.ScratchSize(out, in); n > 0 {
			ctx.Scratch = NewBuf(dt, n)
		}
	}
	if v, ok := op.(Viewer); ok {
		// Copy the window; aliasing is the executor's optimisation.
		n := out.Len()
		src := in[0].Slice(v.ViewOffset(), tensor.Shape{n})
		copy(out.F32, src.F32)
		copy(out.F64, src.F64)
	} else if err := op.ExecCPU(ctx, out, in); err != nil {
		return nil, err
	}
	if len(shape) == 0 {
		if dt == tensor.Float32 {
			return gorgonia.NewF32(out.F32[0]), nil
		}
		return gorgonia.NewF64(out.F64[0]), nil
	}
	return out.Dense(), nil
}

// bufFromValue views a gorgonia value as a Buf without copying tensors.
func bufFromValue(v gorgonia.Value) (*Buf, error) {
	switch t := v.(type) {
	case *gorgonia.F32:
		return &Buf{Shape: tensor.ScalarShape(), Dtype: tensor.Float32, F32: []float32{float32(*t)}}, nil
	case *gorgonia.F64:
		return &Buf{Shape: tensor.ScalarShape(), Dtype: tensor.Float64, F64: []float64{float64(*t)}}, nil
	case *tensor.Dense:
		if !t.IsNativelyAccessible() || t.RequiresIterator() {
			t = t.Materialize().(*tensor.Dense)
		}
		b := &Buf{Shape: t.Shape().Clone(), Dtype: t.Dtype()}
		switch t.Dtype() {
		case tensor.Float32:
			b.F32 = t.Float32s()
		case tensor.Float64:
			b.F64 = t.Float64s()
		case tensor.Int32:
			b.I32 = t.Int32s()
		default:
			return nil, fmt.Errorf("unsupported dtype %v", t.Dtype())
		}
		if t.IsScalar() {
			b.Shape = tensor.ScalarShape()
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
}
