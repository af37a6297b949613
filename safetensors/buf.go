package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// FromBuf encodes a float32, float64 or int32 buffer as the tensor name
// (F32, F64 or I32), copying its elements.
func FromBuf(name string, b *graph.Buf) (Tensor, error) {
	if b == nil {
		return Tensor{}, fmt.Errorf("safetensors: tensor %s: nil buffer", name)
	}
	n, ok := numElems(b.Shape)
	if !ok || int(n) != b.Len() {
		return Tensor{}, fmt.Errorf("safetensors: tensor %s: shape %v does not match its %d elements", name, b.Shape, b.Len())
	}
	t := Tensor{Name: name, Shape: append([]int{}, b.Shape...)}
	switch b.Dtype {
	case tensor.Float32:
		t.Dtype, t.Data = F32, make([]byte, 4*len(b.F32))
		for i, v := range b.F32 {
			binary.LittleEndian.PutUint32(t.Data[4*i:], math.Float32bits(v))
		}
	case tensor.Float64:
		t.Dtype, t.Data = F64, make([]byte, 8*len(b.F64))
		for i, v := range b.F64 {
			binary.LittleEndian.PutUint64(t.Data[8*i:], math.Float64bits(v))
		}
	case tensor.Int32:
		t.Dtype, t.Data = I32, make([]byte, 4*len(b.I32))
		for i, v := range b.I32 {
			binary.LittleEndian.PutUint32(t.Data[4*i:], uint32(v))
		}
	default:
		return Tensor{}, fmt.Errorf("safetensors: tensor %s: dtype %v is not float32, float64 or int32", name, b.Dtype)
	}
	return t, nil
}

// IsFloat reports whether the dtype is a floating-point one Buf converts
// (F16, BF16, F32, F64).
func (d Dtype) IsFloat() bool { return d == F16 || d == BF16 || d == F32 || d == F64 }

// IsInt reports whether the dtype is BOOL or an integer one.
func (d Dtype) IsInt() bool {
	switch d {
	case BOOL, U8, I8, I16, U16, I32, U32, I64, U64:
		return true
	}
	return false
}

// Buf decodes the tensor into a new buffer of dtype dt: float32 or float64
// from a floating-point tensor (F16, BF16 and F32 widen exactly; F64 to
// float32 rounds to nearest), int32 from BOOL or an integer tensor whose
// every value fits. Anything else is an error naming the tensor.
func (t Tensor) Buf(dt tensor.Dtype) (*graph.Buf, error) {
	n, ok := numElems(t.Shape)
	if sz := t.Dtype.Size(); !ok || sz == 0 || uint64(len(t.Data)) != n*uint64(sz) {
		return nil, fmt.Errorf("safetensors: tensor %s: %s %v does not match its %d bytes", t.Name, t.Dtype, t.Shape, len(t.Data))
	}
	switch {
	case (dt == tensor.Float32 || dt == tensor.Float64) && t.Dtype.IsFloat():
		b := graph.NewBuf(dt, t.Shape...)
		for i := range int(n) {
			b.Set(i, t.float(i))
		}
		return b, nil
	case dt == tensor.Int32 && t.Dtype.IsInt():
		b := graph.NewBuf(dt, t.Shape...)
		for i := range int(n) {
			v, ok := t.int(i)
			if !ok {
				return nil, fmt.Errorf("safetensors: tensor %s: element %d does not fit int32", t.Name, i)
			}
			b.I32[i] = int32(v)
		}
		return b, nil
	}
	return nil, fmt.Errorf("safetensors: tensor %s is %s; it cannot be read as %v", t.Name, t.Dtype, dt)
}

// float returns floating-point element i.
func (t Tensor) float(i int) float64 {
	d := t.Data
	switch t.Dtype {
	case F16:
		return float64(halfToFloat(binary.LittleEndian.Uint16(d[2*i:])))
	case BF16:
		return float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(d[2*i:])) << 16))
	case F32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:])))
	default:
		return math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:]))
	}
}

// int returns integer element i and whether it fits int32.
func (t Tensor) int(i int) (int64, bool) {
	d := t.Data
	var v int64
	switch t.Dtype {
	case BOOL, U8:
		v = int64(d[i])
	case I8:
		v = int64(int8(d[i]))
	case I16:
		v = int64(int16(binary.LittleEndian.Uint16(d[2*i:])))
	case U16:
		v = int64(binary.LittleEndian.Uint16(d[2*i:]))
	case I32:
		v = int64(int32(binary.LittleEndian.Uint32(d[4*i:])))
	case U32:
		v = int64(binary.LittleEndian.Uint32(d[4*i:]))
	case I64:
		v = int64(binary.LittleEndian.Uint64(d[8*i:]))
	case U64:
		u := binary.LittleEndian.Uint64(d[8*i:])
		if u > math.MaxInt32 {
			return 0, false
		}
		v = int64(u)
	}
	return v, v >= math.MinInt32 && v <= math.MaxInt32
}

// halfToFloat widens an IEEE 754 binary16 value exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal: frac·2^-24, exact in float32.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}
