package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

func f32Buf(shape []int, vals ...float32) *graph.Buf {
	b := graph.NewBuf(tensor.Float32, shape...)
	copy(b.F32, vals)
	return b
}

func mustFromBuf(t testing.TB, name string, b *graph.Buf) Tensor {
	t.Helper()
	ts, err := FromBuf(name, b)
	require.NoError(t, err)
	return ts
}

// TestWriteLayout pins the bytes Write produces against the format by hand:
// the header length, compact JSON with metadata first, tensors by
// descending element size then name, padding with spaces to 8 bytes.
func TestWriteLayout(t *testing.T) {
	ids := graph.NewBuf(tensor.Int32, 2)
	ids.I32[0], ids.I32[1] = 7, -1
	tensors := []Tensor{
		mustFromBuf(t, "w", f32Buf([]int{2}, 1, -2)),
		mustFromBuf(t, "ids", ids),
		mustFromBuf(t, "d", &graph.Buf{Shape: tensor.Shape{}, Dtype: tensor.Float64, F64: []float64{0.5}}),
	}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, tensors, map[string]string{"format": "pt", "a<b": "x&y"}))
	header := `{"__metadata__":{"a<b":"x&y","format":"pt"},` +
		`"d":{"dtype":"F64","shape":[],"data_offsets":[0,8]},` +
		`"ids":{"dtype":"I32","shape":[2],"data_offsets":[8,16]},` +
		`"w":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	var want bytes.Buffer
	binary.Write(&want, binary.LittleEndian, uint64(len(header)))
	want.WriteString(header)
	binary.Write(&want, binary.LittleEndian, 0.5)
	binary.Write(&want, binary.LittleEndian, []int32{7, -1})
	binary.Write(&want, binary.LittleEndian, []float32{1, -2})
	require.Equal(t, want.String(), buf.String())
}

func TestRoundTrip(t *testing.T) {
	f64 := graph.NewBuf(tensor.Float64, 3, 2)
	for i := range f64.F64 {
		f64.F64[i] = math.Pi * float64(i-2)
	}
	in := []Tensor{
		mustFromBuf(t, "lstm.weight_ih_l0", f32Buf([]int{4, 1}, 1, 2, 3, math.MaxFloat32)),
		mustFromBuf(t, "fc.bias", f32Buf([]int{1}, -0.25)),
		mustFromBuf(t, "x64", f64),
		mustFromBuf(t, "empty", graph.NewBuf(tensor.Float32, 0, 3)),
		mustFromBuf(t, "ünïcode name", f32Buf([]int{}, 3)),
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, in, map[string]string{"k": "v"}))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	f, err := ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k": "v"}, f.Metadata)
	require.Len(t, f.Tensors, len(in))
	for _, want := range in {
		got, ok := f.Tensor(want.Name)
		require.True(t, ok, want.Name)
		require.Equal(t, want, got)
	}
	b, err := f.Tensors[0].Buf(tensor.Float64) // x64 is first: the largest elements
	require.NoError(t, err)
	require.Equal(t, f64.F64, b.F64)
	// Without metadata there is no __metadata__ entry at all.
	buf.Reset()
	require.NoError(t, Write(&buf, in[:1], nil))
	require.NotContains(t, buf.String(), MetadataKey)
	f, err = Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	require.Nil(t, f.Metadata)
}

func TestWriteRejects(t *testing.T) {
	ok := mustFromBuf(t, "a", f32Buf([]int{1}, 1))
	for name, ts := range map[string][]Tensor{
		"empty name":     {{Name: "", Dtype: F32, Shape: []int{1}, Data: make([]byte, 4)}},
		"reserved name":  {{Name: MetadataKey, Dtype: F32, Shape: []int{1}, Data: make([]byte, 4)}},
		"duplicate":      {ok, ok},
		"unknown dtype":  {{Name: "x", Dtype: "F128", Shape: []int{1}, Data: make([]byte, 16)}},
		"short data":     {{Name: "x", Dtype: F32, Shape: []int{2}, Data: make([]byte, 4)}},
		"negative dim":   {{Name: "x", Dtype: F32, Shape: []int{-1}}},
		"invalid utf-8":  {{Name: "x\xff", Dtype: F32, Shape: []int{1}, Data: make([]byte, 4)}},
		"overflow shape": {{Name: "x", Dtype: F32, Shape: []int{1 << 40, 1 << 40}}},
	} {
		require.Error(t, Write(&bytes.Buffer{}, ts, nil), name)
	}
}

// file builds a safetensors file from a raw header and data.
func file(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestReadRejects(t *testing.T) {
	eight := make([]byte, 8)
	cases := []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"empty", nil, ErrFormat, "shorter than"},
		{"short length", []byte{1, 0, 0}, ErrFormat, "shorter than"},
		{"empty header", file("", nil), ErrFormat, "does not start with a JSON object"},
		{"header past the end", append(binary.LittleEndian.AppendUint64(nil, 100), '{', '}'), ErrTruncated, "only 2 bytes follow"},
		{"over the limit", append(binary.LittleEndian.AppendUint64(nil, MaxHeaderLen+1), '{'), ErrFormat, "over the limit"},
		{"not an object", file(`[1,2]`, nil), ErrFormat, "does not start with a JSON object"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), ErrFormat, `not a safetensors file: it starts with "\x89PNG\r\n\x1a\n"`},
		{"bad json", file(`{"a":`, nil), ErrFormat, "header JSON"},
		{"trailing json", file(`{}{}`, nil), ErrFormat, "after the object"},
		{"invalid utf-8", file("{\"\xff\":1}", nil), ErrFormat, "UTF-8"},
		{"duplicate", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}`, eight), ErrFormat, "twice"},
		{"unknown dtype", file(`{"a":{"dtype":"F128","shape":[],"data_offsets":[0,16]}}`, make([]byte, 16)), ErrFormat, "unknown dtype"},
		{"no dtype", file(`{"a":{"shape":[],"data_offsets":[0,4]}}`, eight[:4]), ErrFormat, "no dtype"},
		{"no shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, eight[:4]), ErrFormat, "no shape"},
		{"one offset", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[4]}}`, eight[:4]), ErrFormat, "two numbers"},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, eight[:4]), ErrFormat, "dimensions"},
		{"float dim", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, eight[:4]), ErrFormat, "dimensions"},
		{"overflow", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, eight[:4]), ErrFormat, "too many elements"},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, eight[:4]), ErrFormat, "takes 8 bytes"},
		{"reversed offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, eight[:4]), ErrFormat, "span"},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), ErrFormat, "gap"},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), ErrFormat, "overlap"},
		{"extra bytes", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, eight), ErrFormat, "extra bytes"},
		{"truncated data", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight[:5]), ErrTruncated, "holds 5"},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, nil), ErrFormat, "not a string"},
		{"metadata not an object", file(`{"__metadata__":[]}`, nil), ErrFormat, "object of strings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.data), int64(len(c.data)))
			require.Error(t, err)
			require.True(t, errors.Is(err, c.kind), "%v is not %v", err, c.kind)
			require.Contains(t, err.Error(), c.msg)
		})
	}
	// A reader that ends before the size it was promised.
	good := file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight)
	_, err := Read(bytes.NewReader(good[:len(good)-3]), int64(len(good)))
	require.ErrorIs(t, err, ErrTruncated)
}

func TestReadFileNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(path, []byte("just some text here"), 0o644))
	_, err := ReadFile(path)
	require.ErrorIs(t, err, ErrFormat)
	require.True(t, strings.HasPrefix(err.Error(), path+": safetensors: not a safetensors file"), err.Error())
	_, err = ReadFile(t.TempDir())
	require.ErrorContains(t, err, "not a regular file")

	// A missing file: the path once, at the start, and fs.ErrNotExist.
	missing := filepath.Join(t.TempDir(), "nope.safetensors")
	_, err = ReadFile(missing)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.Equal(t, missing+": open: no such file or directory", err.Error())
}

// TestReadOrderAndZeroSize: entries may come in any order; zero-size
// tensors may share an offset with the next tensor.
func TestReadOrderAndZeroSize(t *testing.T) {
	data := make([]byte, 12)
	binary.LittleEndian.PutUint32(data[8:], math.Float32bits(2.5))
	f, err := Read(bytes.NewReader(file(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},`+
		`"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"z":{"dtype":"I64","shape":[0],"data_offsets":[8,8]}}  `, data)), int64(8+len(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},`+
		`"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"z":{"dtype":"I64","shape":[0],"data_offsets":[8,8]}}  `)+12))
	require.NoError(t, err)
	require.Equal(t, []string{"a", "z", "b"}, f.Names())
	b, err := f.Tensors[2].Buf(tensor.Float32)
	require.NoError(t, err)
	require.Equal(t, []float32{2.5}, b.F32)
}

func TestBufConversions(t *testing.T) {
	le16 := func(vs ...uint16) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		return b
	}
	// F16: 1, -2, the largest finite, the smallest subnormal, +Inf, -0.
	half := Tensor{Name: "h", Dtype: F16, Shape: []int{6}, Data: le16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000)}
	b, err := half.Buf(tensor.Float64)
	require.NoError(t, err)
	require.Equal(t, []float64{1, -2, 65504, math.Ldexp(1, -24), math.Inf(1), math.Copysign(0, -1)}, b.F64)
	nan := Tensor{Name: "n", Dtype: F16, Shape: []int{1}, Data: le16(0x7e00)}
	b, err = nan.Buf(tensor.Float32)
	require.NoError(t, err)
	require.True(t, math.IsNaN(float64(b.F32[0])))
	// BF16: the top half of a float32.
	bf := Tensor{Name: "bf", Dtype: BF16, Shape: []int{2}, Data: le16(0x3fc0, 0xc120)}
	b, err = bf.Buf(tensor.Float32)
	require.NoError(t, err)
	require.Equal(t, []float32{1.5, -10}, b.F32)
	// F64 to float32 rounds to nearest.
	f64 := Tensor{Name: "d", Dtype: F64, Shape: []int{1}, Data: binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1))}
	b, err = f64.Buf(tensor.Float32)
	require.NoError(t, err)
	require.Equal(t, float32(0.1), b.F32[0])
	// Integers to int32, in range or refused.
	i64 := Tensor{Name: "ids", Dtype: I64, Shape: []int{2}, Data: binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 5), math.MaxUint64)}
	b, err = i64.Buf(tensor.Int32)
	require.NoError(t, err)
	require.Equal(t, []int32{5, -1}, b.I32)
	big := Tensor{Name: "big", Dtype: I64, Shape: []int{1}, Data: binary.LittleEndian.AppendUint64(nil, 1<<40)}
	_, err = big.Buf(tensor.Int32)
	require.ErrorContains(t, err, "big: element 0 does not fit int32")
	u8 := Tensor{Name: "mask", Dtype: BOOL, Shape: []int{3}, Data: []byte{0, 1, 1}}
	b, err = u8.Buf(tensor.Int32)
	require.NoError(t, err)
	require.Equal(t, []int32{0, 1, 1}, b.I32)
	// Kinds that do not convert.
	_, err = u8.Buf(tensor.Float32)
	require.ErrorContains(t, err, "mask is BOOL; it cannot be read as float32")
	_, err = (Tensor{Name: "f8", Dtype: F8E4M3, Shape: []int{1}, Data: []byte{1}}).Buf(tensor.Float32)
	require.Error(t, err)
	_, err = (Tensor{Name: "short", Dtype: F32, Shape: []int{2}, Data: make([]byte, 4)}).Buf(tensor.Float32)
	require.ErrorContains(t, err, "does not match its 4 bytes")
}

func TestFromBufRejects(t *testing.T) {
	_, err := FromBuf("x", nil)
	require.Error(t, err)
	_, err = FromBuf("x", &graph.Buf{Shape: tensor.Shape{3}, Dtype: tensor.Float32, F32: []float32{1}})
	require.ErrorContains(t, err, "does not match")
}
