package main

import (
	"fmt"
	"math"
)

// scaler standardises features as scikit-learn's StandardScaler: each
// column minus its training mean, divided by its training (population)
// standard deviation.
type scaler struct{ mean, std []float64 }

// fitScaler computes each column's mean and standard deviation. A constant
// column gets 1, so scaling leaves it at zero instead of dividing by zero.
// The sums are taken on columns divided by their largest magnitude, so
// features near 1e160 do not overflow when squared.
func fitScaler(X [][]float64) *scaler {
	d := len(X[0])
	s := &scaler{mean: make([]float64, d), std: make([]float64, d)}
	for j := range d {
		big := 0.0
		for _, row := range X {
			big = math.Max(big, math.Abs(row[j]))
		}
		if big == 0 {
			s.std[j] = 1
			continue
		}
		var sum float64
		for _, row := range X {
			sum += row[j] / big
		}
		m := sum / float64(len(X))
		var ss float64
		for _, row := range X {
			ss += (row[j]/big - m) * (row[j]/big - m)
		}
		s.mean[j] = m * big
		s.std[j] = math.Sqrt(ss/float64(len(X))) * big
		if s.std[j] == 0 {
			s.std[j] = 1
		}
	}
	return s
}

// apply returns X scaled (a new matrix).
func (s *scaler) apply(X [][]float64) [][]float64 {
	out := make([][]float64, len(X))
	for i, row := range X {
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = (v - s.mean[j]) / s.std[j]
		}
	}
	return out
}

// loadScaler reads a model file's scaler tensors, when its input is
// standardised (nil otherwise).
func loadScaler(mf *modelFile, d int) (*scaler, error) {
	if !mf.meta.Input.Standardize {
		return nil, nil
	}
	mean, err := mf.vectorOf("scaler.mean", d)
	if err != nil {
		return nil, err
	}
	std, err := mf.vectorOf("scaler.std", d)
	if err != nil {
		return nil, err
	}
	for j := range d {
		if !(std[j] > 0) || math.IsInf(std[j], 0) || math.IsNaN(mean[j]) || math.IsInf(mean[j], 0) {
			return nil, fmt.Errorf("model file %s: scaler column %d has mean %v and deviation %v", mf.path, j, mean[j], std[j])
		}
	}
	return &scaler{mean: mean, std: std}, nil
}
