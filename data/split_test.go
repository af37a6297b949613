package data

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitSizes(t *testing.T) {
	tests := []struct {
		n                      int
		train, val             float64
		wantTr, wantVa, wantTe int
	}{
		{5574, 0.7, 0.15, 3901, 836, 837},
		{3000, 0.7, 0.15, 2100, 450, 450},
		{100, 0.29, 0.71, 29, 71, 0}, // 0.29*100 is 28.999... in binary
		{10, 1, 0, 10, 0, 0},
		{10, 0, 0, 0, 0, 10},
		{0, 0.7, 0.15, 0, 0, 0},
		{1, 0.7, 0.15, 0, 0, 1},
	}
	for _, tc := range tests {
		tr, va, te, err := Split(tc.n, tc.train, tc.val, 1)
		require.NoError(t, err)
		require.Len(t, tr, tc.wantTr, "n=%d train", tc.n)
		require.Len(t, va, tc.wantVa, "n=%d val", tc.n)
		require.Len(t, te, tc.wantTe, "n=%d test", tc.n)
	}
}

func TestSplitPartitionAndDeterminism(t *testing.T) {
	const n = 1000
	tr, va, te, err := Split(n, 0.7, 0.15, 42)
	require.NoError(t, err)
	all := slices.Concat(tr, va, te)
	slices.Sort(all)
	for i, v := range all {
		require.Equal(t, i, v, "the parts must be disjoint and cover 0..n-1")
	}

	tr2, va2, te2, err := Split(n, 0.7, 0.15, 42)
	require.NoError(t, err)
	require.Equal(t, tr, tr2)
	require.Equal(t, va, va2)
	require.Equal(t, te, te2)

	tr3, _, _, err := Split(n, 0.7, 0.15, 43)
	require.NoError(t, err)
	require.NotEqual(t, tr, tr3, "a different seed must give a different split")
	require.False(t, slices.IsSorted(tr), "the split must be shuffled")

	// The parts are capped, so appending to one cannot overwrite the next.
	require.Equal(t, len(tr2), cap(tr2))
	require.Equal(t, len(va2), cap(va2))
}

// TestPermutationPinned pins the exact stream, so that a change to the
// shuffle (which would silently change every saved seed's split) is caught.
func TestPermutationPinned(t *testing.T) {
	require.Equal(t, []int{4, 3, 8, 9, 6, 1, 7, 5, 2, 0}, Permutation(10, 42))
	require.Equal(t, []int{7, 2, 9, 8, 6, 5, 0, 3, 4, 1}, Permutation(10, -1))
	tr, va, te, err := Split(20, 0.7, 0.15, 7)
	require.NoError(t, err)
	require.Equal(t, []int{11, 0, 6, 3, 12, 15, 19, 7, 4, 8, 17, 16, 5, 10}, tr)
	require.Equal(t, []int{1, 14, 13}, va)
	require.Equal(t, []int{9, 18, 2}, te)
	require.Empty(t, Permutation(-3, 1))
}

// TestPermutationUniform is a loose check that every position is reachable
// with about equal frequency (no modulo bias, no fixed points stuck).
func TestPermutationUniform(t *testing.T) {
	const n, trials = 5, 20000
	var counts [n][n]int
	for s := range int64(trials) {
		for pos, v := range Permutation(n, s) {
			counts[pos][v]++
		}
	}
	want := float64(trials) / n
	for pos := range counts {
		for v := range counts[pos] {
			require.InDelta(t, want, float64(counts[pos][v]), 5*math.Sqrt(want), "position %d value %d", pos, v)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		n          int
		train, val float64
		want       string
	}{
		{-1, 0.7, 0.15, "negative example count -1"},
		{10, -0.1, 0.15, "train fraction -0.1 is not in [0, 1]"},
		{10, math.NaN(), 0.15, "train fraction NaN"},
		{10, 0.7, 1.5, "validation fraction 1.5 is not in [0, 1]"},
		{10, 0.7, math.Inf(1), "validation fraction +Inf"},
		{10, 0.7, 0.4, "fractions exceed 1"},
	}
	for _, tc := range tests {
		_, _, _, err := Split(tc.n, tc.train, tc.val, 1)
		require.ErrorContains(t, err, tc.want)
	}
}
