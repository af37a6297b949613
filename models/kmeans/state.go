package kmeans

import (
	"errors"
	"fmt"
	"slices"
)

// State is what a fitted KMeans needs to predict, for saving it: rebuild
// the model with FromState. Centroids are stored relative to Mean, as Fit
// keeps them, so a restored model assigns exactly as the fitted one did.
type State struct {
	Mean      []float64   // the training mean, subtracted before assigning
	Centroids [][]float64 // K rows, in centred coordinates
	Sizes     []int       // training samples per cluster (for reports)
	Inertia   float64     // of the kept run (for reports)
}

// State returns the fitted state (copies), or ErrNotFitted before Fit.
func (m *KMeans) State() (State, error) {
	if err := m.fitted(); err != nil {
		return State{}, err
	}
	d := m.nFeatures
	s := State{Mean: slices.Clone(m.mean), Sizes: m.Sizes(), Inertia: m.inertia}
	for k := range m.K {
		s.Centroids = append(s.Centroids, slices.Clone(m.centroids[k*d:(k+1)*d]))
	}
	return s, nil
}

// FromState rebuilds a fitted model from s, checking its parts agree. The
// training labels are not part of the state: Labels is empty, Sizes comes
// from s (zeros when s has none).
func FromState(s State) (*KMeans, error) {
	k, d := len(s.Centroids), len(s.Mean)
	switch {
	case k == 0:
		return nil, errors.New("kmeans: state: no centroids")
	case d == 0:
		return nil, errors.New("kmeans: state: no features")
	case s.Sizes != nil && len(s.Sizes) != k:
		return nil, fmt.Errorf("kmeans: state: %d sizes for %d clusters", len(s.Sizes), k)
	}
	if err := checkFinite(s.Mean, d); err != nil {
		return nil, fmt.Errorf("kmeans: state: mean: %w", err)
	}
	flat := make([]float64, 0, k*d)
	for i, c := range s.Centroids {
		if len(c) != d {
			return nil, fmt.Errorf("kmeans: state: centroid %d has %d features, the mean has %d", i, len(c), d)
		}
		flat = append(flat, c...)
	}
	if err := checkFinite(flat, d); err != nil {
		return nil, fmt.Errorf("kmeans: state: centroids: %w", err)
	}
	m := New(k)
	m.nFeatures, m.mean, m.centroids, m.inertia = d, slices.Clone(s.Mean), flat, s.Inertia
	m.restoredSizes = slices.Clone(s.Sizes)
	return m, nil
}
