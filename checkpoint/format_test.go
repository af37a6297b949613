package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

func f32Buf(shape []int, vs ...float32) *graph.Buf {
	b := graph.NewBuf(tensor.Float32, shape...)
	copy(b.F32, vs)
	return b
}

func f64Buf(shape []int, vs ...float64) *graph.Buf {
	b := graph.NewBuf(tensor.Float64, shape...)
	copy(b.F64, vs)
	return b
}

func TestRoundTripBitExact(t *testing.T) {
	f32 := math.Float32frombits
	f64 := math.Float64frombits
	negZero := math.Copysign(0, -1)
	rng := rand.New(rand.NewPCG(1, 2))
	// big spans several 64 KiB encode/decode chunks, with a ragged end.
	big := graph.NewBuf(tensor.Float32, 3, 20011)
	for i := range big.F32 {
		big.F32[i] = f32(rng.Uint32())
	}
	bigF64 := graph.NewBuf(tensor.Float64, 10007)
	for i := range bigF64.F64 {
		bigF64.F64[i] = f64(rng.Uint64())
	}
	ints := graph.NewBuf(tensor.Int32, 2, 3)
	copy(ints.I32, []int32{0, 1, -1, math.MaxInt32, math.MinInt32, 12345})

	tests := []struct {
		name    string
		meta    any
		tensors []Tensor
	}{
		{"float32 specials", map[string]int{"n": 1}, []Tensor{{"x", f32Buf([]int{13},
			0, float32(negZero), 1, -1, math.MaxFloat32, math.SmallestNonzeroFloat32,
			f32(0x007fffff), // largest denormal
			float32(math.Inf(1)), float32(math.Inf(-1)),
			f32(0x7fc00000), f32(0xffc00000), // quiet NaNs, both signs
			f32(0x7fc00123), f32(0x7f800001), // NaNs with payloads, quiet and signalling
		)}}},
		{"float64 specials", nil, []Tensor{{"x", f64Buf([]int{12},
			0, negZero, 1, -1, math.MaxFloat64, math.SmallestNonzeroFloat64,
			f64(0x000fffffffffffff), math.Inf(1), math.Inf(-1),
			math.NaN(), f64(0x7ff8000000000abc), f64(0x7ff0000000000001),
		)}}},
		{"int32", "just a string", []Tensor{{"ids", ints}}},
		{"scalar and empty", []int{1, 2}, []Tensor{
			{"scalar", f32Buf(nil, 42)},
			{"empty", graph.NewBuf(tensor.Float64, 0, 3)},
		}},
		{"multi-chunk", json.RawMessage(`{"pre":"encoded"}`), []Tensor{{"big", big}, {"big64", bigF64}}},
		{"no tensors", sampleMeta{Hidden: 1}, nil},
		{"sample model", sampleMeta{Hidden: 2, Vocab: []string{"<pad>", "é", "日本"}}, sampleTensors()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.ember")
			require.NoError(t, Save(path, "ember.test", tc.meta, tc.tensors))
			f, err := Load(path, "ember.test")
			require.NoError(t, err)
			require.Equal(t, path, f.Path)
			require.Equal(t, "ember.test", f.Kind)
			wantMeta, err := json.Marshal(tc.meta)
			require.NoError(t, err)
			require.JSONEq(t, string(wantMeta), string(f.Meta))
			require.Len(t, f.Tensors, len(tc.tensors))
			for i, want := range tc.tensors {
				require.Equal(t, want.Name, f.Tensors[i].Name)
				requireBitsEqual(t, want.Buf, f.Tensors[i].Buf)
			}

			// The streaming forms produce and accept exactly the same bytes.
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, "ember.test", tc.meta, tc.tensors))
			onDisk, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, onDisk, buf.Bytes())
			g, err := Read(bytes.NewReader(onDisk), int64(len(onDisk)), "")
			require.NoError(t, err)
			require.Empty(t, g.Path)
			require.Len(t, g.Tensors, len(tc.tensors))
			for i, want := range tc.tensors {
				require.Equal(t, want.Name, g.Tensors[i].Name)
				requireBitsEqual(t, want.Buf, g.Tensors[i].Buf)
			}
		})
	}
}

// TestGoldenLayout pins the byte layout to the package doc: a writer change
// that breaks it must come with a new format version.
func TestGoldenLayout(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "ember.test", map[string]int{"a": 1}, []Tensor{
		{"w", f32Buf([]int{2}, 1.5, float32(math.Copysign(0, -1)))},
		{"b", &graph.Buf{Dtype: tensor.Int32, I32: []int32{-7}}},
	})
	require.NoError(t, err)
	want := rawFile(
		infoPayload("ember.test", 2, `{"a":1}`),
		descPayload("w", 1, 2), f32Bytes(1.5, float32(math.Copysign(0, -1))),
		descPayload("b", 3), i32Bytes(-7),
	)
	require.Equal(t, want, buf.Bytes())
	require.Equal(t, "\x89EMB\r\n\x1a\n\x01\x00\x00\x00", string(buf.Bytes()[:12]))
	require.Len(t, want, 24+(12+23)+(12+13)+(12+8)+(12+5)+(12+4)+32)
}

func TestLoadErrors(t *testing.T) {
	valid := rawFile(infoPayload("ember.test", 1, `{}`), descPayload("w", 1, 1), f32Bytes(1))
	withLen := func(b []byte, off int, v uint64) []byte {
		b = bytes.Clone(b)
		for i := range 8 {
			b[off+i] = byte(v >> (8 * i))
		}
		return b
	}
	newer := append(rawHeader(2, 100), make([]byte, 76)...)
	flippedVersion := bytes.Clone(valid)
	flippedVersion[8] ^= 0x02
	wrongKindCorruptData := rawFile(infoPayload("ember.logreg", 1, `{}`), descPayload("w", 1, 1), f32Bytes(1))
	wrongKindCorruptData[len(wrongKindCorruptData)-40] ^= 0xff

	tests := []struct {
		name     string
		data     []byte // nil: see path
		path     string // relative to a temp dir; created as a directory if data is nil
		wantKind string
		err      error // nil: an OS-level error
		msg      string
	}{
		{"missing file", nil, "missing.ember", "", nil, "open: no such file or directory"},
		{"directory", nil, "dir.ember", "", nil, "not a regular file"},
		{"empty", []byte{}, "", "", ErrTruncated, "truncated: the file is empty"},
		{"text file", []byte("hello, world\nthis is not a model\n"), "", "", ErrNotModel, `not an Ember model file (it starts with "hello, w")`},
		{"png file", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"), "", "", ErrNotModel, `starts with "\x89PNG\r\n\x1a\n"`},
		{"short text", []byte("hi"), "", "", ErrNotModel, `starts with "hi"`},
		{"magic prefix only", []byte("\x89EMB\r"), "", "", ErrTruncated, "5 bytes, not even the 24-byte header"},
		{"newer version", newer, "", "", ErrVersion, "unsupported format version 2 (this build reads version 1"},
		{"flipped version bit", flippedVersion, "", "", ErrCorrupt, "header checksum mismatch"},
		{"wrong kind", valid, "", "ember.spamrnn", ErrKind, `model kind is "ember.test", expected "ember.spamrnn"`},
		{"kind checked before tensors", wrongKindCorruptData, "", "ember.spamrnn", ErrKind, `model kind is "ember.logreg"`},
		{"truncated", valid[:len(valid)-1], "", "", ErrTruncated, fmt.Sprintf("truncated: expected %d bytes, got %d", len(valid), len(valid)-1)},
		{"trailing data", append(bytes.Clone(valid), 0), "", "", ErrCorrupt, fmt.Sprintf("%d bytes, but the header says %d", len(valid)+1, len(valid))},
		{"huge section length", withLen(valid, 24, 1<<62), "", "", ErrCorrupt, "info section at offset 24 has implausible length 4611686018427387904"},
		{"huge data length", withLen(valid, 79, 1<<40), "", "", ErrCorrupt, `tensor "w" data at offset 79 has implausible length 1099511627776`},
		{"data length off", withLen(valid, 79, 0), "", "", ErrCorrupt, `tensor "w" data at offset 79 is 0 bytes, but float32 (1) needs 4`},
		{"tiny declared size", append(rawHeader(1, 30), make([]byte, 6)...), "", "", ErrInvalid, "less than the smallest possible file"},
		{"invalid JSON", rawFile(infoPayload("ember.test", 0, `{"a":`)), "", "", ErrInvalid, "metadata is not valid JSON"},
		{"empty metadata", rawFile(infoPayload("ember.test", 0, ``)), "", "", ErrInvalid, "metadata is not valid JSON"},
		{"empty kind", rawFile(infoPayload("", 0, `{}`)), "", "", ErrInvalid, `model kind "" is empty`},
		{"short info", rawFile([]byte{5}, make([]byte, 8)), "", "", ErrInvalid, "info section of 1 bytes is too short"},
		{"info kind overrun", rawFile([]byte{200, 0, 'k'}, make([]byte, 8)), "", "", ErrInvalid, "cannot hold a 200-byte kind"},
		{"implausible count", rawFile(infoPayload("ember.test", 1e9, `{}`)), "", "", ErrInvalid, "implausible tensor count 1000000000"},
		{"missing tensors", rawFile(infoPayload("ember.test", 1, `{}`)), "", "", ErrInvalid, "implausible tensor count 1"},
		{"extra section", rawFile(infoPayload("ember.test", 0, `{}`), descPayload("w", 1)), "", "", ErrCorrupt, "17 unexpected bytes after the last tensor"},
		{"duplicate names", rawFile(infoPayload("ember.test", 2, `{}`),
			descPayload("w", 1), f32Bytes(1), descPayload("w", 1), f32Bytes(2)), "", "", ErrInvalid, `duplicate tensor name "w"`},
		{"unsupported dtype", rawFile(infoPayload("ember.test", 1, `{}`), descPayload("w", 9), f32Bytes(1)), "", "", ErrInvalid, `tensor "w" has unsupported dtype code 9`},
		{"empty name", rawFile(infoPayload("ember.test", 1, `{}`), descPayload("", 1), f32Bytes(1)), "", "", ErrInvalid, `tensor 0 descriptor: name "" is empty`},
		{"bad UTF-8 name", rawFile(infoPayload("ember.test", 1, `{}`), descPayload("\xff", 1), f32Bytes(1)), "", "", ErrInvalid, "not UTF-8"},
		{"dims overrun", rawFile(infoPayload("ember.test", 1, `{}`), append(descPayload("w", 1, 4), 0), f32Bytes(1)), "", "", ErrInvalid, `rank 1 needs 8 bytes of dims, has 9`},
		{"dim beyond int", rawFile(infoPayload("ember.test", 1, `{}`), descPayload("w", 1, 1<<63), f32Bytes(1)), "", "", ErrInvalid, "implausible dim 9223372036854775808"},
		{"shape overflow", rawFile(infoPayload("ember.test", 1, `{}`), descPayload("w", 2, 1<<40, 1<<40)), "", "", ErrInvalid, `tensor "w" has implausible shape (1099511627776,1099511627776)`},
		{"huge shape, small file", rawFile(infoPayload("ember.test", 1, `{}`), descPayload("w", 2, 1<<30, 1<<20), f32Bytes(1)), "", "", ErrCorrupt, "is 4 bytes, but float64 (1073741824,1048576) needs 9007199254740992"},
		{"bad trailer", append(bytes.Clone(valid[:len(valid)-1]), valid[len(valid)-1]^1), "", "", ErrCorrupt, "SHA-256 checksum mismatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.ember")
			if tc.path != "" {
				path = filepath.Join(dir, tc.path)
			}
			if tc.data != nil {
				require.NoError(t, os.WriteFile(path, tc.data, 0o644))
			} else if tc.name == "directory" {
				require.NoError(t, os.Mkdir(path, 0o755))
			}
			f, err := Load(path, tc.wantKind)
			require.Nil(t, f)
			require.Error(t, err)
			require.Contains(t, err.Error(), "model file "+path+": ")
			require.Contains(t, err.Error(), tc.msg)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			}
			if tc.data != nil {
				// The streaming form reports the same problem.
				_, rerr := Read(bytes.NewReader(tc.data), int64(len(tc.data)), tc.wantKind)
				require.ErrorIs(t, rerr, tc.err)
				require.Contains(t, rerr.Error(), tc.msg)
			}
		})
	}
}

func TestReadBadArguments(t *testing.T) {
	data := rawFile(infoPayload("ember.test", 0, `{}`))
	tests := []struct {
		name string
		r    []byte
		size int64
		err  error
		msg  string
	}{
		{"negative size", data, -1, nil, "negative size -1"},
		{"stream shorter than size", data[:40], int64(len(data)), ErrTruncated, fmt.Sprintf("expected %d bytes, the data ends after 40", len(data))},
		{"stream ends in trailer", data[:len(data)-3], int64(len(data)), ErrTruncated, "the data ends before the checksum"},
		{"size smaller than file", data, int64(len(data) - 1), ErrTruncated, fmt.Sprintf("expected %d bytes, got %d", len(data), len(data)-1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.r), tc.size, "")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.msg)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			}
		})
	}
	// Read consumes exactly size bytes and leaves the rest of the stream.
	r := bytes.NewReader(append(bytes.Clone(data), "next"...))
	_, err := Read(r, int64(len(data)), "")
	require.NoError(t, err)
	require.Equal(t, 4, r.Len())
}

// TestTruncationsAndBitFlips damages a valid file at every offset: each
// truncation must read as truncated, each flipped byte as corrupt (or, in
// the magic, as not a model file), never as success or a panic.
func TestTruncationsAndBitFlips(t *testing.T) {
	path, valid := writeSample(t, t.TempDir())

	for n := range len(valid) {
		_, err := Read(bytes.NewReader(valid[:n]), int64(n), "ember.test")
		require.ErrorIs(t, err, ErrTruncated, "truncated to %d bytes: %v", n, err)
		require.Contains(t, err.Error(), "truncated")
		// Same when the caller believes the full size but the stream ends.
		_, err = Read(bytes.NewReader(valid[:n]), int64(len(valid)), "ember.test")
		require.ErrorIs(t, err, ErrTruncated, "stream cut at %d bytes: %v", n, err)
	}
	// Through Load too, at a few offsets, so the message names the file.
	for _, n := range []int{0, 7, 23, 24, 60, len(valid) - 33, len(valid) - 1} {
		require.NoError(t, os.WriteFile(path, valid[:n], 0o644))
		_, err := Load(path, "ember.test")
		require.ErrorIs(t, err, ErrTruncated)
		require.Contains(t, err.Error(), "model file "+path+": truncated")
	}

	for off := range len(valid) {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(valid)
			bad[off] ^= mask
			_, err := Read(bytes.NewReader(bad), int64(len(bad)), "ember.test")
			want := ErrCorrupt
			if off < len(magic) {
				want = ErrNotModel
			}
			require.ErrorIs(t, err, want, "byte %d ^ %#x: %v", off, mask, err)
		}
	}
}

// TestReadAllocationBound: files claiming huge sizes, with every checksum
// right, must fail before allocating anywhere near the claimed size.
func TestReadAllocationBound(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"huge tensor count", rawFile(infoPayload("k", math.MaxUint32, `{}`))},
		{"huge shape", rawFile(infoPayload("k", 1, `{}`), descPayload("w", 2, 1<<28, 1<<20), f32Bytes(1))},
		{"huge rank", rawFile(infoPayload("k", 1, `{}`), descPayload("w", 1, make([]uint64, 255)...))},
		{"huge section length", func() []byte {
			b := rawFile(infoPayload("k", 0, `{}`))
			b[24+7] = 0x7f
			return b
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Read(bytes.NewReader(tc.data), int64(len(tc.data)), "") })
			require.Error(t, err)
			require.LessOrEqual(t, n, allocBound(len(tc.data)), "allocated %d bytes reading %d: %v", n, len(tc.data), err)
		})
	}
}

// allocBound is what Read may allocate for a file of n bytes: linear in n
// (the tensors themselves, small per-tensor bookkeeping) plus fixed scratch.
func allocBound(n int) uint64 { return 16*uint64(n) + 1<<20 }

// allocated reports the bytes fn allocated on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

type failWriter struct {
	left int // bytes accepted before failing
	n    int // bytes accepted in all
}

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		k := w.left
		w.left, w.n = 0, w.n+k
		return k, errDiskFull
	}
	w.left -= len(p)
	w.n += len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	ok := f32Buf([]int{2}, 1, 2)
	tests := []struct {
		name    string
		kind    string
		meta    any
		tensors []Tensor
		msg     string
	}{
		{"empty kind", "", nil, nil, "empty model kind"},
		{"bad UTF-8 kind", "ember.\xff", nil, nil, `model kind "ember.\xff" is not valid UTF-8`},
		{"unmarshalable meta", "k", func() {}, nil, "metadata: json: unsupported type: func()"},
		{"invalid raw meta", "k", json.RawMessage(`{`), nil, "metadata: json: error calling MarshalJSON"},
		{"empty name", "k", nil, []Tensor{{"", ok}}, "tensor 0 has an empty name"},
		{"bad UTF-8 name", "k", nil, []Tensor{{"\xfe", ok}}, `tensor 0 name "\xfe" is not valid UTF-8`},
		{"duplicate name", "k", nil, []Tensor{{"w", ok}, {"w", ok}}, `duplicate tensor name "w"`},
		{"nil buffer", "k", nil, []Tensor{{"w", nil}}, `tensor "w" has no buffer`},
		{"unsupported dtype", "k", nil, []Tensor{{"w", &graph.Buf{Dtype: tensor.Int64, Shape: tensor.Shape{1}}}}, `tensor "w": unsupported dtype int64`},
		{"zero dtype", "k", nil, []Tensor{{"w", &graph.Buf{}}}, `tensor "w": unsupported dtype <no dtype>`},
		{"shape disagrees with data", "k", nil, []Tensor{{"w", &graph.Buf{Dtype: tensor.Float32, Shape: tensor.Shape{2, 3}, F32: make([]float32, 5)}}}, `tensor "w": shape (2,3) does not match its 5 float32 elements`},
		{"negative dim", "k", nil, []Tensor{{"w", &graph.Buf{Dtype: tensor.Float32, Shape: tensor.Shape{-1}}}}, `tensor "w": shape (-1) does not match`},
		{"rank too high", "k", nil, []Tensor{{"w", &graph.Buf{Dtype: tensor.Float32, Shape: make(tensor.Shape, 256)}}}, `tensor "w": rank 256 exceeds 255`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tc.kind, tc.meta, tc.tensors)
			require.Error(t, err)
			require.Contains(t, err.Error(), "checkpoint: "+tc.msg)
			require.Zero(t, buf.Len(), "nothing may be written for bad input")
		})
	}

	// A writer failing midway: the error surfaces, at every cut point.
	var full bytes.Buffer
	require.NoError(t, Write(&full, "ember.test", nil, sampleTensors()))
	for left := 0; left < full.Len(); left += 7 {
		w := &failWriter{left: left}
		err := Write(w, "ember.test", nil, sampleTensors())
		require.ErrorIs(t, err, errDiskFull, "failing after %d bytes", left)
		require.LessOrEqual(t, w.n, left)
	}
}
