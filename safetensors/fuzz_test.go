package safetensors

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// FuzzRead: Read never panics, allocates in proportion to the input
// whatever the header claims, fails with one of the error kinds, and what
// it accepts writes back to a file that reads the same.
func FuzzRead(f *testing.F) {
	var valid bytes.Buffer
	ts := []Tensor{
		mustFromBuf(f, "w", f32Buf([]int{2, 2}, 1, 2, 3, 4)),
		{Name: "h", Dtype: F16, Shape: []int{1}, Data: []byte{0, 0x3c}},
	}
	require.NoError(f, Write(&valid, ts, map[string]string{"format": "pt"}))
	f.Add(valid.Bytes())
	for _, n := range []int{0, 7, 8, 9, 20, valid.Len() - 1} {
		f.Add(valid.Bytes()[:n])
	}
	f.Add(file(`{"a":{"dtype":"F32","shape":[1073741824,1073741824],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(file(`{"a":{"dtype":"U64","shape":[268435456],"data_offsets":[0,2147483648]}}`, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := Read(bytes.NewReader(data), int64(len(data)))
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(data)+1<<20) {
			t.Fatalf("Read of %d bytes allocated %d", len(data), grew)
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		var out bytes.Buffer
		require.NoError(t, Write(&out, got.Tensors, got.Metadata))
		again, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()))
		require.NoError(t, err)
		require.Equal(t, len(got.Tensors), len(again.Tensors))
		for _, want := range got.Tensors {
			have, ok := again.Tensor(want.Name)
			require.True(t, ok)
			require.Equal(t, want, have)
			if want.Dtype.IsFloat() {
				_, err := want.Buf(tensor.Float64)
				require.NoError(t, err)
			}
		}
	})
}
