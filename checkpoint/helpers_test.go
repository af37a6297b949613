package checkpoint

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// The helpers below encode the file layout independently of format.go,
// straight from the package doc, so the golden test checks the writer
// against the documented layout and the error tests can build files that
// are well checksummed yet wrong in one precise way.

var crc32c = crc32.MakeTable(crc32.Castagnoli)

func rawHeader(version uint32, total uint64) []byte {
	h := []byte("\x89EMB\r\n\x1a\n")
	h = binary.LittleEndian.AppendUint32(h, version)
	h = binary.LittleEndian.AppendUint64(h, total)
	return binary.LittleEndian.AppendUint32(h, crc32.Checksum(h, crc32c))
}

// rawFile frames the section payloads and adds a correct header and trailer.
func rawFile(sections ...[]byte) []byte {
	total := 24 + 32
	for _, s := range sections {
		total += 12 + len(s)
	}
	out := rawHeader(1, uint64(total))
	for _, s := range sections {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(s)))
		out = append(out, s...)
		out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(s, crc32c))
	}
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

func infoPayload(kind string, count uint32, meta string) []byte {
	p := binary.LittleEndian.AppendUint16(nil, uint16(len(kind)))
	p = append(p, kind...)
	p = binary.LittleEndian.AppendUint32(p, count)
	return append(p, meta...)
}

func descPayload(name string, code uint8, dims ...uint64) []byte {
	p := binary.LittleEndian.AppendUint16(nil, uint16(len(name)))
	p = append(p, name...)
	p = append(p, code, uint8(len(dims)))
	for _, d := range dims {
		p = binary.LittleEndian.AppendUint64(p, d)
	}
	return p
}

func f32Bytes(vs ...float32) []byte {
	var p []byte
	for _, v := range vs {
		p = binary.LittleEndian.AppendUint32(p, math.Float32bits(v))
	}
	return p
}

func i32Bytes(vs ...int32) []byte {
	var p []byte
	for _, v := range vs {
		p = binary.LittleEndian.AppendUint32(p, uint32(v))
	}
	return p
}

// sampleTensors is a small model with every dtype, a scalar and a matrix.
func sampleTensors() []Tensor {
	emb := graph.NewBuf(tensor.Float32, 3, 2)
	copy(emb.F32, []float32{0.5, -1, 2, float32(math.Copysign(0, -1)), 1e-40, 3})
	wih := graph.NewBuf(tensor.Float64, 2, 2)
	copy(wih.F64, []float64{1, -2.5, math.Pi, 5e-324})
	ids := graph.NewBuf(tensor.Int32, 4)
	copy(ids.I32, []int32{0, -1, math.MaxInt32, math.MinInt32})
	scale := graph.NewBuf(tensor.Float32)
	scale.F32[0] = 0.25
	return []Tensor{{"emb", emb}, {"lstm.0.wih", wih}, {"ids", ids}, {"scale", scale}}
}

type sampleMeta struct {
	Hidden int      `json:"hidden"`
	Vocab  []string `json:"vocab"`
}

// writeSample saves the sample model and returns its path and bytes.
func writeSample(t testing.TB, dir string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, "model.ember")
	require.NoError(t, Save(path, "ember.test", sampleMeta{Hidden: 2, Vocab: []string{"a", "b"}}, sampleTensors()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return path, data
}

// requireBitsEqual compares two buffers bit for bit, so NaN payloads, -0
// and denormals count as different when they differ.
func requireBitsEqual(t testing.TB, want, got *graph.Buf) {
	t.Helper()
	require.Equal(t, want.Dtype, got.Dtype)
	require.Equal(t, []int(want.Shape), []int(got.Shape))
	switch want.Dtype {
	case tensor.Float32:
		require.Equal(t, f32Bits(want.F32), f32Bits(got.F32))
	case tensor.Float64:
		require.Equal(t, f64Bits(want.F64), f64Bits(got.F64))
	default:
		require.Equal(t, want.I32, got.I32)
	}
}

func f32Bits(vs []float32) []uint32 {
	out := make([]uint32, len(vs))
	for i, v := range vs {
		out[i] = math.Float32bits(v)
	}
	return out
}

func f64Bits(vs []float64) []uint64 {
	out := make([]uint64, len(vs))
	for i, v := range vs {
		out[i] = math.Float64bits(v)
	}
	return out
}

// dirNames lists a directory, to check no temporary file is left behind.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
