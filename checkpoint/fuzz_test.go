package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRead feeds arbitrary bytes to Read: it must never panic, must
// allocate no more than allocBound of the input's size, and must either
// fail with one of the package's error kinds or return a well-formed File.
func FuzzRead(f *testing.F) {
	_, valid := writeSample(f, f.TempDir())
	f.Add(valid)
	for _, n := range []int{0, 1, 7, 8, 23, 24, 40, len(valid) / 2, len(valid) - 33, len(valid) - 1} {
		f.Add(valid[:n])
	}
	for _, off := range []int{0, 9, 13, 30, 60, len(valid) - 10} {
		bad := bytes.Clone(valid)
		bad[off] ^= 0x10
		f.Add(bad)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"))
	f.Add(rawFile(infoPayload("k", 1, `{}`), descPayload("w", 2, 1<<30, 1<<20), f32Bytes(1)))

	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data)
	})
}

// FuzzReadSections explores what lies behind the checksums, which random
// bytes almost never get past: the input is cut into sections (each a
// uint16 length and that many bytes) that are framed into a file with every
// CRC and the SHA-256 right, so the info, descriptor and data parsers see
// arbitrary content.
func FuzzReadSections(f *testing.F) {
	_, valid := writeSample(f, f.TempDir())
	f.Add(chunked(frames(f, valid)))
	f.Add(chunked([][]byte{infoPayload("k", 1, `{}`), descPayload("w", 1, 2), f32Bytes(1, 2)}))
	f.Add(chunked([][]byte{infoPayload("k", 2, `null`), descPayload("a", 3), i32Bytes(7), descPayload("b", 2, 0, 1<<40)}))

	f.Fuzz(func(t *testing.T, body []byte) {
		var sections [][]byte
		for len(body) >= 2 {
			n := min(int(binary.LittleEndian.Uint16(body)), len(body)-2)
			sections = append(sections, body[2:2+n])
			body = body[2+n:]
		}
		checkRead(t, rawFile(sections...))
	})
}

// checkRead reads data and checks the invariants both fuzz targets share.
func checkRead(t *testing.T, data []byte) {
	var (
		file *File
		err  error
	)
	n := allocated(func() { file, err = Read(bytes.NewReader(data), int64(len(data)), "") })
	require.LessOrEqual(t, n, allocBound(len(data)), "allocated %d bytes reading %d", n, len(data))
	if err != nil {
		known := false
		for _, kind := range []error{ErrNotModel, ErrVersion, ErrTruncated, ErrCorrupt, ErrInvalid} {
			known = known || errors.Is(err, kind)
		}
		require.True(t, known, "error of no known kind: %v", err)
		require.Nil(t, file)
		return
	}

	// A file that reads back must be well formed, and writing it again
	// must give the same model.
	require.NotEmpty(t, file.Kind)
	require.True(t, json.Valid(file.Meta))
	names := map[string]bool{}
	for _, tn := range file.Tensors {
		require.False(t, names[tn.Name], "duplicate %q", tn.Name)
		names[tn.Name] = true
		require.True(t, consistent(tn.Buf), "tensor %q inconsistent", tn.Name)
	}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, file.Kind, file.Meta, file.Tensors))
	again, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), file.Kind)
	require.NoError(t, err)
	require.Len(t, again.Tensors, len(file.Tensors))
	for i, tn := range file.Tensors {
		require.Equal(t, tn.Name, again.Tensors[i].Name)
		requireBitsEqual(t, tn.Buf, again.Tensors[i].Buf)
	}
	var m1, m2 any
	require.NoError(t, json.Unmarshal(file.Meta, &m1))
	require.NoError(t, json.Unmarshal(again.Meta, &m2))
	require.Equal(t, m1, m2)
}

// frames returns the section payloads of a valid file.
func frames(t testing.TB, data []byte) [][]byte {
	var out [][]byte
	for off := 24; off < len(data)-32; {
		n := int(binary.LittleEndian.Uint64(data[off:]))
		out = append(out, data[off+8:off+8+n])
		off += 8 + n + 4
	}
	require.Equal(t, data, rawFile(out...), "frames must rebuild the file")
	return out
}

// chunked encodes sections the way FuzzReadSections cuts its input.
func chunked(sections [][]byte) []byte {
	var out []byte
	for _, s := range sections {
		out = binary.LittleEndian.AppendUint16(out, uint16(len(s)))
		out = append(out, s...)
	}
	return out
}
