package kmeans

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateRoundTrip(t *testing.T) {
	X, _ := blobs([][]float64{{0, 0}, {10, 10}, {-10, 10}}, 40, 2, 5)
	m := New(3)
	require.NoError(t, m.Fit(X))
	s, err := m.State()
	require.NoError(t, err)
	r, err := FromState(s)
	require.NoError(t, err)
	probe := append(X, []float64{5, 5}, []float64{-5, 5}, []float64{0, 10})
	want, err := m.Predict(probe)
	require.NoError(t, err)
	got, err := r.Predict(probe)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, m.Centroids(), r.Centroids())
	require.Equal(t, m.Sizes(), r.Sizes())
	require.Equal(t, m.Inertia(), r.Inertia())
	require.Empty(t, r.Labels())
	_, err = New(2).State()
	require.Error(t, err)

	// Refitting a restored model forgets the restored sizes.
	require.NoError(t, r.Fit(X[:10]))
	sum := 0
	for _, n := range r.Sizes() {
		sum += n
	}
	require.Equal(t, 10, sum)
}

func TestFromStateErrors(t *testing.T) {
	tests := []struct {
		name string
		s    State
		want string
	}{
		{"no centroids", State{Mean: []float64{1}}, "no centroids"},
		{"no features", State{Centroids: [][]float64{{}}}, "no features"},
		{"sizes", State{Mean: []float64{0}, Centroids: [][]float64{{1}}, Sizes: []int{1, 2}}, "2 sizes for 1 clusters"},
		{"ragged", State{Mean: []float64{0, 0}, Centroids: [][]float64{{1, 2}, {1}}}, "centroid 1 has 1 features"},
		{"NaN mean", State{Mean: []float64{math.NaN()}, Centroids: [][]float64{{1}}}, "mean: kmeans: sample 0, feature 0 is NaN"},
		{"Inf centroid", State{Mean: []float64{0}, Centroids: [][]float64{{math.Inf(1)}}}, "centroids: kmeans: sample 0, feature 0 is +Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromState(tc.s)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestHugeFeaturesRefused(t *testing.T) {
	m := New(2)
	err := m.Fit([][]float64{{1e200, 2e200}, {-1e200, 0}, {3e200, -2e200}, {5, 5}})
	require.ErrorIs(t, err, ErrTooLarge)
	require.ErrorContains(t, err, "sample 0, feature 0 is 1e+200 (the limit is 1e+100)")
	err = m.FitFloat32([]float32{1e16, 0, 1, 1}, 2, 2)
	require.ErrorIs(t, err, ErrTooLarge)
	require.NoError(t, m.Fit([][]float64{{1e99, 0}, {-1e99, 0}, {0, 1e99}}))
	require.False(t, math.IsInf(m.Inertia(), 0))
}
