package train

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func requirePermutation(t *testing.T, order []int, n int) {
	t.Helper()
	require.Len(t, order, n)
	s := slices.Clone(order)
	slices.Sort(s)
	for i, v := range s {
		require.Equal(t, i, v, "not a permutation")
	}
}

// TestShuffleIsFitsFormerOrder: the default sampler draws the orders Fit
// drew before samplers existed (the previous order shuffled again with one
// seeded PCG), so seeded runs train as they did.
func TestShuffleIsFitsFormerOrder(t *testing.T) {
	const n, seed = 37, 99
	rng := rand.New(rand.NewPCG(seed, 0x7472616e))
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	s := NewShuffle(n, seed)
	for epoch := 0; epoch < 4; epoch++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		require.Equal(t, order, s.Epoch())
	}
}

// smsLikeLengths are lengths spread like the SMS data's (median 12, a tail
// to 44).
func smsLikeLengths(n int) []int {
	rng := rand.New(rand.NewPCG(5, 6))
	l := make([]int, n)
	for i := range l {
		l[i] = min(44, 1+int(rng.ExpFloat64()*14))
	}
	return l
}

func TestBucketBatches(t *testing.T) {
	const n, batch, chunk = 1003, 10, 8
	lengths := smsLikeLengths(n)
	s, err := NewBucket(lengths, batch, chunk, 7)
	require.NoError(t, err)
	var prev []int
	for epoch := 0; epoch < 3; epoch++ {
		order := s.Epoch()
		requirePermutation(t, order, n)
		require.NotEqual(t, prev, order, "every epoch is a new order")
		prev = slices.Clone(order)
		full := n - n%batch
		var padded, real int
		for lo := 0; lo < n; lo += batch {
			b := order[lo:min(lo+batch, n)]
			// Longest first: what the packed ops compute the fewest rows for.
			require.Truef(t, slices.IsSortedFunc(b, func(x, y int) int { return lengths[y] - lengths[x] }), "batch at %d not sorted longest first", lo)
			if lo < full {
				padded += lengths[b[0]] * batch
				for _, i := range b {
					real += lengths[i]
				}
			}
		}
		// Sorting within chunks of 8 batches leaves about 15% padding at
		// these lengths; random batches would have about 55%.
		require.Greaterf(t, float64(real)/float64(padded), 0.8, "epoch %d: real tokens / computed", epoch)
	}
	// The batches are shuffled: the first batches of an epoch are not all
	// the longest of their chunks.
	firsts := 0
	order := s.Epoch()
	for k := 0; k < 20; k++ {
		if lengths[order[k*batch]] >= 30 {
			firsts++
		}
	}
	require.Less(t, firsts, 15)

	_, err = NewBucket([]int{1, -2}, 2, 0, 1)
	require.ErrorContains(t, err, "length -2")
	_, err = NewBucket([]int{1, 2}, 0, 0, 1)
	require.Error(t, err)
}

// TestSamplerState: a state saved before an epoch and restored into a new
// sampler replays that epoch's order and the ones after; foreign or broken
// states are refused.
func TestSamplerState(t *testing.T) {
	lengths := smsLikeLengths(53)
	mk := map[string]func() Sampler{
		"shuffle": func() Sampler { return NewShuffle(len(lengths), 3) },
		"bucket": func() Sampler {
			b, err := NewBucket(lengths, 4, 3, 3)
			require.NoError(t, err)
			return b
		},
	}
	for name, newSampler := range mk {
		t.Run(name, func(t *testing.T) {
			s := newSampler()
			s.Epoch()
			s.Epoch()
			state, err := s.MarshalBinary()
			require.NoError(t, err)
			var want [][]int
			for e := 0; e < 3; e++ {
				want = append(want, slices.Clone(s.Epoch()))
			}
			r := newSampler()
			require.NoError(t, r.UnmarshalBinary(state))
			for e := 0; e < 3; e++ {
				require.Equal(t, want[e], r.Epoch(), "epoch %d after the restore", e)
			}
			for _, bad := range [][]byte{nil, state[:len(state)-1], append(slices.Clone(state), 0), []byte("other\x00")} {
				require.Error(t, newSampler().UnmarshalBinary(bad))
			}
		})
	}
	sh, _ := mk["shuffle"]().MarshalBinary()
	require.ErrorIs(t, mk["bucket"]().UnmarshalBinary(sh), errSamplerState)
	require.Error(t, NewShuffle(52, 3).UnmarshalBinary(sh), "another number of examples")
}

func TestSamplersDoNotAllocate(t *testing.T) {
	b, err := NewBucket(smsLikeLengths(500), 10, 4, 1)
	require.NoError(t, err)
	s := NewShuffle(500, 1)
	require.Zero(t, testing.AllocsPerRun(5, func() { b.Epoch() }))
	require.Zero(t, testing.AllocsPerRun(5, func() { s.Epoch() }))
}
