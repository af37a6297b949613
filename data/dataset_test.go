package data

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func datasetFixture(t *testing.T) (Dataset, *Vocab) {
	t.Helper()
	ex := []Example{
		{Text: "win cash now", Spam: true},
		{Text: "see you at lunch", Spam: false},
		{Text: "...", Spam: false},
		{Text: "one two three four five six", Spam: true},
	}
	v := BuildVocab([][]string{{"win", "cash", "now", "see", "you", "at", "lunch", "one", "two"}}, 0, 0)
	d, err := NewDataset(ex, []int{3, 0, 1, 2}, v, 4)
	require.NoError(t, err)
	return d, v
}

func TestNewDataset(t *testing.T) {
	d, v := datasetFixture(t)
	id := func(w string) int32 { return int32(v.Index(w)) }
	require.Equal(t, 4, d.Len())
	require.Equal(t, 4, d.SeqLen)
	require.Equal(t, []int{3, 0, 1, 2}, d.Index)
	require.Equal(t, []float32{1, 1, 0, 0}, d.Labels)
	require.Equal(t, 2, d.Spam())
	require.Equal(t, []int32{id("one"), id("two"), UnkID, UnkID}, d.Row(0), "truncated to the first 4 tokens")
	require.Equal(t, []int32{PadID, id("win"), id("cash"), id("now")}, d.Row(1), "left-padded")
	require.Equal(t, []int32{id("see"), id("you"), id("at"), id("lunch")}, d.Row(2))
	require.Equal(t, []int32{PadID, PadID, PadID, PadID}, d.Row(3), "no tokens: all padding")
	require.Equal(t, 4+3+4, d.Tokens)
	require.Equal(t, 2, d.Unknown)
	require.Equal(t, 1, d.Truncated)
	require.Equal(t, 1, d.Empty)
	require.Len(t, d.IDs, 16)
}

func TestNewDatasetErrors(t *testing.T) {
	v := BuildVocab(nil, 0, 0)
	ex := []Example{{Text: "a"}}
	tests := []struct {
		name   string
		idx    []int
		v      *Vocab
		seqLen int
		want   string
	}{
		{"zero length", []int{0}, v, 0, "sequence length 0 must be positive"},
		{"nil vocab", []int{0}, nil, 4, "nil vocabulary"},
		{"index out of range", []int{0, 1}, v, 4, "index 1 (row 1) out of range for 1 examples"},
		{"negative index", []int{-1}, v, 4, "index -1 (row 0) out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDataset(ex, tc.idx, tc.v, tc.seqLen)
			require.ErrorContains(t, err, tc.want)
		})
	}
	d, err := NewDataset(ex, nil, v, 3)
	require.NoError(t, err)
	require.Zero(t, d.Len())
}

func TestBatch(t *testing.T) {
	d, _ := datasetFixture(t)
	ids := make([]int32, 3*d.SeqLen)
	labels := make([]float32, 3)
	require.NoError(t, d.Batch([]int{2, 0, 2}, ids, labels))
	require.Equal(t, append(append(append([]int32{}, d.Row(2)...), d.Row(0)...), d.Row(2)...), ids)
	require.Equal(t, []float32{0, 1, 0}, labels)

	// A short last batch uses shorter views of the same buffers.
	require.NoError(t, d.Batch([]int{1}, ids[:d.SeqLen], labels[:1]))
	require.Equal(t, d.Row(1), ids[:d.SeqLen])
	require.Equal(t, float32(1), labels[0])
}

func TestBatchErrors(t *testing.T) {
	d, _ := datasetFixture(t)
	tests := []struct {
		name    string
		d       Dataset
		indices []int
		ids     int
		labels  int
		want    string
	}{
		{"ids too short", d, []int{0, 1}, 7, 2, "buffers hold 7 ids and 2 labels, want 8 and 2"},
		{"labels too long", d, []int{0}, 4, 2, "want 4 and 1"},
		{"row out of range", d, []int{0, 4}, 8, 2, "row 4 out of range for 4 rows"},
		{"negative row", d, []int{-1}, 4, 1, "row -1 out of range"},
		{"inconsistent dataset", Dataset{IDs: make([]int32, 3), Labels: make([]float32, 2), SeqLen: 2}, []int{1}, 2, 1, "inconsistent dataset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Batch(tc.indices, make([]int32, tc.ids), make([]float32, tc.labels))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestBatchAllocatesNothing guards the training step's zero-allocation
// steady state.
func TestBatchAllocatesNothing(t *testing.T) {
	d, _ := datasetFixture(t)
	indices := []int{3, 1, 0, 2}
	ids := make([]int32, len(indices)*d.SeqLen)
	labels := make([]float32, len(indices))
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		err = d.Batch(indices, ids, labels)
	})
	require.NoError(t, err)
	require.Zero(t, allocs)

	v := BuildVocab([][]string{{"a", "b"}}, 0, 0)
	toks := []string{"a", "zz", "b"}
	dst := make([]int32, 8)
	allocs = testing.AllocsPerRun(100, func() { v.Encode(toks, dst) })
	require.Zero(t, allocs)
}

func BenchmarkBatch(b *testing.B) {
	ex, _, err := DemoCorpus()
	require.NoError(b, err)
	lists, err := TokenLists(ex, nil)
	require.NoError(b, err)
	v := BuildVocab(lists, 0, 0)
	d, err := NewDataset(ex, Permutation(len(ex), 1), v, 44)
	require.NoError(b, err)
	indices := Permutation(64, 2)
	ids := make([]int32, 64*d.SeqLen)
	labels := make([]float32, 64)
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Batch(indices, ids, labels); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLengths(t *testing.T) {
	d, _ := datasetFixture(t)
	require.Equal(t, []int{4, 3, 4, 0}, []int{d.Length(0), d.Length(1), d.Length(2), d.Length(3)})
	dst := make([]int32, 3)
	require.NoError(t, d.Lengths([]int{3, 1, 1}, dst))
	require.Equal(t, []int32{0, 3, 3}, dst)
	require.ErrorContains(t, d.Lengths([]int{0, 1}, dst), "holds 3 values, want 2")
	require.ErrorContains(t, d.Lengths([]int{0, 9, 1}, dst), "row 9 out of range")
	require.Zero(t, testing.AllocsPerRun(10, func() { _ = d.Lengths([]int{0, 1, 2}, dst) }))
}

func TestRowOutOfRangePanicsClearly(t *testing.T) {
	ex := []Example{{Text: "hi there"}, {Text: "win", Spam: true}}
	d, err := NewDataset(ex, []int{0, 1}, BuildVocab([][]string{{"hi"}}, 0, 0), 3)
	require.NoError(t, err)
	for _, i := range []int{-1, 2, 99999} {
		for _, m := range []struct {
			name string
			call func(int)
		}{{"Row", func(i int) { d.Row(i) }}, {"Length", func(i int) { d.Length(i) }}} {
			want := fmt.Sprintf("data: Dataset.%s(%d) out of range: 2 rows of 3 ids each, 6 ids", m.name, i)
			require.PanicsWithValue(t, want, func() { m.call(i) })
		}
	}
	require.Equal(t, 2, d.Length(0))
}
