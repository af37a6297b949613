package graph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestEmbeddingGradListsTouchedRows: run after run on one context, the
// table gradient is what a fresh dense scatter gives (the rows of the last
// batch cleared, not the whole table), NonzeroRows lists exactly the rows
// written, a buffer whose list was dropped by another writer is cleared
// whole, and a batch touching much of the table lists nothing.
func TestEmbeddingGradListsTouchedRows(t *testing.T) {
	const V, D, B, T = 24, 3, 2, 4
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			op := EmbeddingGrad{Vocab: V, Dim: D, Padding: 0}
			rng := rand.New(rand.NewPCG(3, 4))
			dout := randBuf(rng, 1, T, B, D)
			if dt == tensor.Float32 {
				dout = to32(dout)
			}
			fresh := func(ids *Buf) *Buf {
				out := NewBuf(dt, V, D)
				require.NoError(t, op.ExecCPU(nil, out, []*Buf{ids, dout}))
				return out
			}
			ctx := &Ctx{}
			out := NewBuf(dt, V, D)
			run := func(idList ...int32) {
				t.Helper()
				ids := &Buf{Shape: tensor.Shape{B, T}, Dtype: tensor.Int32, I32: idList}
				require.NoError(t, op.ExecCPU(ctx, out, []*Buf{ids, dout}))
				want := fresh(ids)
				for i := range out.Len() {
					require.Equal(t, want.At(i), out.At(i), "element %d after ids %v", i, idList)
				}
				var touched []int32
				for _, id := range idList {
					if id != 0 && !slices.Contains(touched, id) {
						touched = append(touched, id)
					}
				}
				require.Equal(t, touched, out.NonzeroRows, "rows listed after ids %v", idList)
			}
			run(0, 0, 5, 7, 0, 9, 9, 5)
			run(0, 1, 2, 3, 0, 0, 4, 1) // rows 5, 7 and 9 must be cleared
			out.NonzeroRows = nil       // another writer: its rows are unknown
			out.Set(20*D, 7)
			run(0, 0, 0, 6, 0, 0, 6, 8)
			// 8 distinct rows of 24 is over a quarter: no list, cleared whole next time.
			ids := &Buf{Shape: tensor.Shape{B, T}, Dtype: tensor.Int32, I32: []int32{11, 12, 13, 14, 15, 16, 17, 18}}
			require.NoError(t, op.ExecCPU(ctx, out, []*Buf{ids, dout}))
			require.Nil(t, out.NonzeroRows)
			run(0, 2, 0, 0, 0, 0, 0, 2)
		})
	}
}

// TestNormAndClipReadListedRows: a gradient that lists its nonzero rows
// has the norm of the dense one (summed in another order) and is clipped
// to the same values; the rows it does not list are not read.
func TestNormAndClipReadListedRows(t *testing.T) {
	const V, D = 50, 7
	rng := rand.New(rand.NewPCG(5, 6))
	dense := NewBuf(tensor.Float32, V, D)
	rows := []int32{31, 2, 17}
	for _, r := range rows {
		for j := range D {
			dense.F32[int(r)*D+j] = float32(rng.NormFloat64())
		}
	}
	other := NewBuf(tensor.Float32, 3, 5)
	for i := range other.F32 {
		other.F32[i] = float32(rng.NormFloat64())
	}
	sparse := NewBuf(tensor.Float32, V, D)
	require.NoError(t, sparse.CopyFrom(dense))
	sparse.NonzeroRows = rows

	want := GlobalNorm([]*Buf{dense, other})
	require.InDelta(t, want, GlobalNorm([]*Buf{sparse, other}), 1e-12*want)
	// Poison an unlisted row: a reader that respects the list never sees it.
	sparse.F32[5*D] = float32(math.NaN())
	require.InDelta(t, want, GlobalNorm([]*Buf{sparse, other}), 1e-12*want)
	sparse.F32[5*D] = 0

	otherCopy := NewBuf(tensor.Float32, 3, 5)
	require.NoError(t, otherCopy.CopyFrom(other))
	_, err := ClipGradNorm([]*Buf{dense, other}, want/3)
	require.NoError(t, err)
	_, err = ClipGradNorm([]*Buf{sparse, otherCopy}, want/3)
	require.NoError(t, err)
	require.InDeltaSlice(t, dense.F32, sparse.F32, 1e-6)
	require.InDelta(t, want/3, GlobalNorm([]*Buf{sparse, otherCopy}), 1e-5*want)

	// Set and CopyFrom may write outside the listed rows: they drop the list.
	sparse.Set(5*D, 1)
	require.Nil(t, sparse.NonzeroRows)
	sparse.NonzeroRows = rows
	require.NoError(t, sparse.CopyFrom(dense))
	require.Nil(t, sparse.NonzeroRows)
}
