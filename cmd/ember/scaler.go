package main

import (
	"fmt"
	"math"

	"github.com/emberml/ember/models/logreg"
)

// loadScaler reads a model file's scaler tensors, when its input is
// standardised (nil otherwise): ember logreg --standardize's
// logreg.Scaler, scikit-learn's StandardScaler.
func loadScaler(mf *modelFile, d int) (*logreg.Scaler, error) {
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
	return &logreg.Scaler{Mean: mean, Std: std}, nil
}
