package kmeans

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// blobs returns n points around each centre with a small spread.
func blobs(centres [][]float64, n int, spread float64, seed uint64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var X [][]float64
	var y []int
	for c, ctr := range centres {
		for i := 0; i < n; i++ {
			p := make([]float64, len(ctr))
			for j, v := range ctr {
				p[j] = v + spread*rng.NormFloat64()
			}
			X = append(X, p)
			y = append(y, c)
		}
	}
	return X, y
}

func flatten32(X [][]float64) []float32 {
	var out []float32
	for _, r := range X {
		for _, v := range r {
			out = append(out, float32(v))
		}
	}
	return out
}

func TestRecoversBlobs(t *testing.T) {
	centres := [][]float64{{0, 0}, {10, 10}, {-10, 10}, {10, -10}}
	X, y := blobs(centres, 50, 0.5, 3)
	for _, dtype := range []string{"float64", "float32"} {
		t.Run(dtype, func(t *testing.T) {
			m := New(4)
			if dtype == "float64" {
				require.NoError(t, m.Fit(X))
			} else {
				require.NoError(t, m.FitFloat32(flatten32(X), len(X), 2))
			}
			labels := m.Labels()
			// Each true blob maps to exactly one cluster and vice versa.
			blobOf := map[int]int{}
			for i, l := range labels {
				if b, ok := blobOf[l]; ok {
					require.Equal(t, b, y[i], "cluster %d mixes blobs", l)
				} else {
					blobOf[l] = y[i]
				}
			}
			require.Len(t, blobOf, 4)
			for l, b := range blobOf {
				require.InDelta(t, centres[b][0], m.Centroids()[l][0], 0.3)
				require.InDelta(t, centres[b][1], m.Centroids()[l][1], 0.3)
			}
			require.Equal(t, []int{50, 50, 50, 50}, m.Sizes())
			require.InDelta(t, recomputeInertia(X, m), m.Inertia(), 1e-6*m.Inertia())
			pred, err := m.Predict(X)
			require.NoError(t, err)
			require.Equal(t, labels, pred)
			require.GreaterOrEqual(t, m.Iterations(), 1)
		})
	}
}

func TestSingleClusterIsTheMean(t *testing.T) {
	X := [][]float64{{1, 2}, {3, 4}, {5, 9}}
	m := New(1)
	require.NoError(t, m.Fit(X))
	require.InDeltaSlice(t, []float64{3, 5}, m.Centroids()[0], 1e-12)
	// Total sum of squares: x: 4+0+4, y: 9+1+16.
	require.InDelta(t, 34.0, m.Inertia(), 1e-9)
	require.Equal(t, []int{0, 0, 0}, m.Labels())
}

func TestKEqualsDistinctPoints(t *testing.T) {
	// Four distinct points, each repeated; with k = 4 every seed must find
	// them all (k-means++ never re-picks a point at distance zero), so the
	// inertia is exactly 0.
	var X [][]float64
	for rep := 0; rep < 30; rep++ {
		X = append(X, []float64{0, 0}, []float64{1, 0}, []float64{0, 1}, []float64{100, 100})
	}
	for seed := uint64(0); seed < 20; seed++ {
		m := New(4)
		m.NInit = 1
		m.Seed = seed
		require.NoError(t, m.Fit(X))
		require.Zero(t, m.Inertia(), "seed %d", seed)
		require.Equal(t, []int{30, 30, 30, 30}, m.Sizes())
	}
}

func TestSeedsAndRestarts(t *testing.T) {
	X, _ := blobs([][]float64{{0, 0}, {3, 0}, {0, 3}, {3, 3}, {1.5, 1.5}}, 40, 1, 7)
	fit := func(seed uint64, nInit int) *KMeans {
		m := New(5)
		m.Seed, m.NInit = seed, nInit
		require.NoError(t, m.Fit(X))
		return m
	}
	a, b := fit(11, 3), fit(11, 3)
	require.Equal(t, a.Labels(), b.Labels(), "same seed, same result")
	require.Equal(t, a.Inertia(), b.Inertia())

	// More restarts keep the best run, so the inertia never gets worse
	// than the first run alone (the first run is shared: same stream).
	one, ten := fit(5, 1), fit(5, 10)
	require.LessOrEqual(t, ten.Inertia(), one.Inertia())

	// Overlapping blobs: different seeds reach different local optima.
	inertias := map[float64]bool{}
	for s := uint64(0); s < 10; s++ {
		inertias[fit(s, 1).Inertia()] = true
	}
	require.Greater(t, len(inertias), 1, "seeds should matter on overlapping data")
}

func TestStoppingRules(t *testing.T) {
	X, _ := blobs([][]float64{{0, 0}, {2, 0}, {1, 2}}, 100, 1, 9)
	m := New(3)
	m.NInit, m.MaxIter = 1, 1
	require.NoError(t, m.Fit(X))
	require.Equal(t, 1, m.Iterations())
	// After the single step the labels are recomputed for the moved
	// centres, so they are each sample's nearest centre.
	pred, err := m.Predict(X)
	require.NoError(t, err)
	require.Equal(t, pred, m.Labels())

	strict := New(3)
	strict.NInit, strict.Tol = 1, 0
	require.NoError(t, strict.Fit(X))
	loose := New(3)
	loose.NInit, loose.Tol = 1, 0.5
	require.NoError(t, loose.Fit(X))
	require.Greater(t, strict.Iterations(), loose.Iterations())
	require.LessOrEqual(t, strict.Inertia(), loose.Inertia()+1e-9)
}

func TestEmptyClusterRelocation(t *testing.T) {
	// Centre 1 is far from everything, so no sample is assigned to it; it
	// must take the sample farthest from its own centre, (9, 0).
	x := []float64{0, 0, 1, 0, 9, 0, 5, 50}
	p := newProblem(x, 4, 2)
	centres := []float64{1, 0, 100, 100, 5, 50}
	labels := make([]int, 4)
	sums := make([]float64, 6)
	counts := make([]float64, 3)
	require.NoError(t, p.assign(centres, 3, labels, sums, counts))
	require.Equal(t, []int{0, 0, 0, 2}, labels)
	next := p.update(centres, 3, labels, sums, counts)
	require.Equal(t, []float64{0.5, 0, 9, 0, 5, 50}, next)
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		fit  func() error
		msg  []string
	}{
		{"k zero", func() error { return New(0).Fit([][]float64{{1}}) }, []string{"K = 0"}},
		{"k above distinct", func() error {
			return New(3).Fit([][]float64{{1, 1}, {1, 1}, {2, 2}, {2, 2}})
		}, []string{"K = 3 clusters", "only 2 distinct points", "of 4 samples"}},
		{"negative zero is zero", func() error {
			return New(2).Fit([][]float64{{0}, {math.Copysign(0, -1)}})
		}, []string{"only 1 distinct point (of 2 samples)"}},
		{"empty", func() error { return New(2).Fit(nil) }, []string{"empty input"}},
		{"no features", func() error { return New(1).Fit([][]float64{{}, {}}) }, []string{"no features"}},
		{"ragged", func() error { return New(1).Fit([][]float64{{1, 2}, {3}}) }, []string{"row 1 has 1 values, row 0 has 2"}},
		{"nan", func() error { return New(1).Fit([][]float64{{1, 2}, {3, math.NaN()}}) }, []string{"sample 1, feature 1 is NaN"}},
		{"inf", func() error {
			return New(1).FitFloat32([]float32{1, float32(math.Inf(1))}, 2, 1)
		}, []string{"sample 1, feature 0 is +Inf"}},
		{"flat dims", func() error { return New(1).FitFloat32(make([]float32, 5), 2, 3) }, []string{"5 values cannot be 2 samples × 3 features"}},
		{"n init", func() error { m := New(1); m.NInit = 0; return m.Fit([][]float64{{1}}) }, []string{"NInit = 0; need at least 1 run (New sets 10)"}},
		{"max iter", func() error { m := New(1); m.MaxIter = -2; return m.Fit([][]float64{{1}}) }, []string{"MaxIter = -2; need at least 1 iteration (New sets 300)"}},
		{"zero value with K", func() error { m := KMeans{K: 3}; return m.Fit([][]float64{{1}}) }, []string{"NInit = 0", "New sets 10"}},
		{"tol", func() error { m := New(1); m.Tol = -1; return m.Fit([][]float64{{1}}) }, []string{"Tol = -1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fit()
			require.Error(t, err)
			for _, s := range tc.msg {
				require.ErrorContains(t, err, s)
			}
		})
	}

	_, err := New(2).Predict([][]float64{{1}})
	require.ErrorIs(t, err, ErrNotFitted)
	_, err = New(2).State()
	require.ErrorIs(t, err, ErrNotFitted)
	m := New(1)
	require.NoError(t, m.Fit([][]float64{{1, 2}}))
	_, err = m.Predict([][]float64{{1, 2, 3}})
	require.ErrorContains(t, err, "row 0 has 3 values, the model has 2 features")
	_, err = m.Predict([][]float64{{1, math.NaN()}})
	require.ErrorContains(t, err, "NaN")
	got, err := m.Predict(nil)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestLargerThanOneBlock(t *testing.T) {
	// More samples than blockRows, so the assignment runs several MatMul
	// blocks (and a ragged last one); compare with brute force.
	rng := rand.New(rand.NewPCG(2, 2))
	n := blockRows*2 + 123
	X := make([][]float64, n)
	for i := range X {
		X[i] = []float64{rng.Float64(), rng.Float64(), rng.Float64()}
	}
	m := New(7)
	m.NInit = 1
	require.NoError(t, m.Fit(X))
	c := m.Centroids()
	for i, l := range m.Labels() {
		dists := make([]float64, len(c))
		for k := range c {
			for j := range c[k] {
				dists[k] += (X[i][j] - c[k][j]) * (X[i][j] - c[k][j])
			}
		}
		sorted := append([]float64(nil), dists...)
		sort.Float64s(sorted)
		// Exact ties aside, the label is the nearest centre.
		require.LessOrEqual(t, dists[l], sorted[0]+1e-12, "sample %d", i)
	}
}

func TestTinyInputs(t *testing.T) {
	// 1×1 shapes reach tensor.MatMul as 1×1 matrices.
	m := New(1)
	require.NoError(t, m.Fit([][]float64{{5}}))
	require.Equal(t, [][]float64{{5}}, m.Centroids())
	require.Zero(t, m.Inertia())
	require.NoError(t, m.FitFloat32([]float32{1, 2}, 1, 2))
	require.Equal(t, [][]float64{{1, 2}}, m.Centroids())
	pred, err := m.Predict([][]float64{{0, 0}, {9, 9}})
	require.NoError(t, err)
	require.Equal(t, []int{0, 0}, pred)

	two := New(2)
	require.NoError(t, two.Fit([][]float64{{0}, {1}}))
	require.Zero(t, two.Inertia())
	require.ElementsMatch(t, []int{0, 1}, two.Labels())
}

// TestTooFewPointsError: the error for K above the distinct points is a
// *TooFewPointsError, for a caller to say it in its own terms.
func TestTooFewPointsError(t *testing.T) {
	err := New(3).Fit([][]float64{{1, 1}, {1, 1}, {2, 2}, {2, 2}})
	few, ok := errors.AsType[*TooFewPointsError](err)
	require.True(t, ok, "%v", err)
	require.Equal(t, TooFewPointsError{K: 3, Distinct: 2, Samples: 4}, *few)
}

func TestSizesBeforeFit(t *testing.T) {
	require.Nil(t, New(3).Sizes())
	m := New(3)
	require.Error(t, m.Fit([][]float64{{1}, {1}}), "too few distinct points")
	require.Nil(t, m.Sizes(), "a failed Fit fits nothing")
	require.NoError(t, m.Fit([][]float64{{1}, {2}, {3}, {3}}))
	sizes := m.Sizes()
	sort.Ints(sizes)
	require.Equal(t, []int{1, 1, 2}, sizes)
}
