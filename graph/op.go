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

// Ctx is what an executor hands a kernel besides its buffers.
type Ctx struct {
	// Scratch is temporary space of ScratchSize elements, reused across runs.
	Scratch *Buf
	// state is op-private data kept across runs (parallel job descriptors).
	state any
}

// ctxState returns the op-private state of type S that ctx keeps across
// runs, made on first use (a fresh one when there is no ctx).
func ctxState[S any](ctx *Ctx) *S {
	if ctx == nil {
		return new(S)
	}
	s, ok := ctx.state.(*S)
	if !ok {
		s = new(S)
		ctx.state = s
	}
	return s
}

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

// opBase supplies the gorgonia.Op methods that are the same for every op here.
type opBase struct{}

func (opBase) ReturnsPtr() bool     { return false }
func (opBase) CallsExtern() bool    { return false }
func (opBase) OverwritesInput() int { return -1 }

// hashOf hashes an op by its String(), which names the op and its settings.
func writeHash(h hash.Hash, s fmt.Stringer) { fmt.Fprint(h, s.String()) }

func hashcode(s fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, s.String())
	return h.Sum32()
}

// tt is a tensor type of the given rank over the type variable a (any dtype);
// rank 0 means a scalar.
func tt(dims int) hm.Type {
	if dims == 0 {
		return hm.TypeVariable('a')
	}
	return gorgonia.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

func ttOf(dims int, dt tensor.Dtype) hm.Type {
	if dims == 0 {
		return dt
	}
	return gorgonia.TensorType{Dims: dims, Of: dt}
}

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

// kernelOp is what doCPU needs of an op.
type kernelOp interface {
	gorgonia.Op
	CPUKernel
}

// doCPU is the Do of every op here: it runs the op's CPU kernel on freshly
// allocated buffers, so gorgonia's own machines can execute our graphs.
func doCPU(op kernelOp, vals ...gorgonia.Value) (gorgonia.Value, error) {
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
