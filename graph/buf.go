package graph

import (
	"fmt"
	"unsafe"

	"gorgonia.org/tensor"
)

// Float is the element type of the differentiable buffers.
type Float interface{ ~float32 | ~float64 }

// Buf is a dense, row-major host buffer: one of F32, F64 or I32 holds the
// data, according to Dtype. Programs own one Buf per node for their whole
// life, so kernels write into them in place.
type Buf struct {
	Shape tensor.Shape
	Dtype tensor.Dtype
	F32   []float32
	F64   []float64
	I32   []int32

	// NonzeroRows, when not nil, lists the only rows that may hold
	// nonzero values (a row being Len()/Shape[0] elements): every other
	// row is all zeros. The kernel that writes a buffer sparsely sets it
	// (EmbeddingGrad: the table rows a batch touched), so that readers may
	// skip the zero rows (the gradient norm and clipping); any other
	// reader may ignore it. Whoever writes nonzeros outside the listed
	// rows must set it to nil, as Set and CopyFrom do (scaling keeps it
	// true). The slice belongs to the writer: copy it to keep it.
	NonzeroRows []int32
}

// NewBuf allocates a zeroed buffer. A scalar has the empty shape and one element.
func NewBuf(dt tensor.Dtype, shape ...int) *Buf {
	b := &Buf{Shape: tensor.Shape(append([]int(nil), shape...)), Dtype: dt}
	n := sizeOf(b.Shape)
	switch dt {
	case tensor.Float32:
		b.F32 = make([]float32, n)
	case tensor.Float64:
		b.F64 = make([]float64, n)
	case tensor.Int32:
		b.I32 = make([]int32, n)
	default:
		panic(fmt.Sprintf("graph: unsupported dtype %v", dt))
	}
	return b
}

func sizeOf(s tensor.Shape) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (b *Buf) Len() int {
	switch b.Dtype {
	case tensor.Float32:
		return len(b.F32)
	case tensor.Float64:
		return len(b.F64)
	default:
		return len(b.I32)
	}
}

// At returns element i as float64, whatever the dtype.
func (b *Buf) At(i int) float64 {
	switch b.Dtype {
	case tensor.Float32:
		return float64(b.F32[i])
	case tensor.Float64:
		return b.F64[i]
	default:
		return float64(b.I32[i])
	}
}

// Set stores v at element i, converting to the buffer's dtype.
func (b *Buf) Set(i int, v float64) {
	switch b.Dtype {
	case tensor.Float32:
		b.F32[i] = float32(v)
	case tensor.Float64:
		b.F64[i] = v
	default:
		b.I32[i] = int32(v)
	}
	b.NonzeroRows = nil // v may land outside the listed rows
}

// Zero sets every element to 0.
func (b *Buf) Zero() {
	clear(b.F32)
	clear(b.F64)
	clear(b.I32)
}

// CopyFrom copies src's elements into b; dtypes and sizes must match.
func (b *Buf) CopyFrom(src *Buf) error {
	if b.Dtype != src.Dtype || b.Len() != src.Len() {
		return fmt.Errorf("graph: copy %v%v into %v%v", src.Dtype, src.Shape, b.Dtype, b.Shape)
	}
	copy(b.F32, src.F32)
	copy(b.F64, src.F64)
	copy(b.I32, src.I32)
	b.NonzeroRows = nil // src's rows are not b's to keep
	return nil
}

// Slice returns a buffer sharing b's storage for elements [off, off+size(shape)).
func (b *Buf) Slice(off int, shape tensor.Shape) *Buf {
	n := sizeOf(shape)
	v := &Buf{Shape: shape.Clone(), Dtype: b.Dtype}
	switch b.Dtype {
	case tensor.Float32:
		v.F32 = b.F32[off : off+n : off+n]
	case tensor.Float64:
		v.F64 = b.F64[off : off+n : off+n]
	default:
		v.I32 = b.I32[off : off+n : off+n]
	}
	return v
}

// Dense wraps the buffer as a gorgonia tensor without copying.
func (b *Buf) Dense() *tensor.Dense {
	shape := b.Shape.Clone()
	switch b.Dtype {
	case tensor.Float32:
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b.F32))
	case tensor.Float64:
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b.F64))
	default:
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b.I32))
	}
}

// Floats returns the buffer's float storage as []T without copying or
// allocating (F32 or F64, as T): how a kernel generic over float32 and
// float64 reads its buffers. T must match the buffer's dtype.
func Floats[T Float](b *Buf) []T { return data[T](b) }

func data[T Float](b *Buf) []T {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b.F32))), len(b.F32))
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b.F64))), len(b.F64))
}

// Is32 reports whether T is float32 (a constant per instantiation): a
// generic kernel's switch between its float32 fast path and exact float64.
func Is32[T Float]() bool { return is32[T]() }

func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// bufID identifies b's storage: the address of its first element (0 when
// empty), for kernels that remember work done on a buffer across runs.
func (b *Buf) bufID() uintptr {
	switch {
	case len(b.F32) > 0:
		return uintptr(unsafe.Pointer(&b.F32[0]))
	case len(b.F64) > 0:
		return uintptr(unsafe.Pointer(&b.F64[0]))
	case len(b.I32) > 0:
		return uintptr(unsafe.Pointer(&b.I32[0]))
	}
	return 0
}
