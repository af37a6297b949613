package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Split shuffles the indices 0..n-1 with a PCG generator seeded from seed and
// cuts them into train, validation and test parts of sizes
// floor(n*trainFrac), floor(n*valFrac) and the rest (the notebook's
// 70/15/15 is Split(n, 0.7, 0.15, seed)). The same seed gives the same split
// on every run and platform. The fractions must each lie in [0, 1] and sum
// to at most 1.
func Split(n int, trainFrac, valFrac float64, seed int64) (train, val, test []int, err error) {
	switch {
	case n < 0:
		return nil, nil, nil, fmt.Errorf("split: negative example count %d", n)
	case !(trainFrac >= 0 && trainFrac <= 1): // also rejects NaN
		return nil, nil, nil, fmt.Errorf("split: train fraction %v is not in [0, 1]", trainFrac)
	case !(valFrac >= 0 && valFrac <= 1):
		return nil, nil, nil, fmt.Errorf("split: validation fraction %v is not in [0, 1]", valFrac)
	case trainFrac+valFrac > 1+1e-9:
		return nil, nil, nil, fmt.Errorf("split: train %v + validation %v fractions exceed 1", trainFrac, valFrac)
	}
	perm := Permutation(n, seed)
	// The epsilon absorbs binary rounding (0.29*100 = 28.999999999999996)
	// so a fraction that is exact in decimal gives the size one expects.
	nTrain := min(int(math.Floor(float64(n)*trainFrac+1e-9)), n)
	nVal := min(int(math.Floor(float64(n)*valFrac+1e-9)), n-nTrain)
	return perm[:nTrain:nTrain], perm[nTrain : nTrain+nVal : nTrain+nVal], perm[nTrain+nVal:], nil
}

// Permutation returns a seeded random permutation of 0..n-1 (n <= 0 gives an
// empty one). The shuffle is a Fisher-Yates written here on top of PCG's
// raw output, whose sequence is fixed by its specification, rather than
// rand.Shuffle, whose use of the source is not promised to stay the same
// across Go releases; a saved seed therefore keeps naming the same split.
func Permutation(n int, seed int64) []int {
	perm := make([]int, max(n, 0))
	for i := range perm {
		perm[i] = i
	}
	src := rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)
	for i := len(perm) - 1; i > 0; i-- {
		j := boundedUint(src, uint64(i)+1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// boundedUint returns a uniform value in [0, n) by rejection sampling, so no
// index is favoured.
func boundedUint(src *rand.PCG, n uint64) uint64 {
	limit := math.MaxUint64 - math.MaxUint64%n
	for {
		if x := src.Uint64(); x < limit {
			return x % n
		}
	}
}
