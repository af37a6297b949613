package logreg

import (
	"errors"
	"fmt"
	"math"
)

// Scaler standardises features as scikit-learn's StandardScaler: each
// column minus its training mean, divided by its training (population)
// standard deviation. L-BFGS converges in far fewer iterations on
// standardised features, and C then penalises every coefficient on the
// same scale (per standard deviation).
type Scaler struct {
	// Mean and Std are each column's statistics from the rows FitScaler
	// was given; Std is 1 for a constant column, which then scales to 0.
	Mean, Std []float64
}

// FitScaler computes each column's mean and standard deviation over the
// rows of X (the training rows: scale the test rows with the same
// statistics). X must have a row at least, and every row as many columns
// as the first. The sums are taken on columns divided by their largest
// magnitude, so features near 1e160 do not overflow when squared.
func FitScaler(X [][]float64) (*Scaler, error) {
	if len(X) == 0 {
		return nil, errors.New("logreg: FitScaler: X has no rows")
	}
	d := len(X[0])
	for i, row := range X {
		if len(row) != d {
			return nil, fmt.Errorf("logreg: FitScaler: row %d has %d features, row 0 has %d", i, len(row), d)
		}
	}
	s := &Scaler{Mean: make([]float64, d), Std: make([]float64, d)}
	for j := range d {
		big := 0.0
		for _, row := range X {
			big = math.Max(big, math.Abs(row[j]))
		}
		if big == 0 {
			s.Std[j] = 1
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
		s.Mean[j] = m * big
		s.Std[j] = math.Sqrt(ss/float64(len(X))) * big
		if s.Std[j] == 0 {
			s.Std[j] = 1
		}
	}
	return s, nil
}

// Transform returns X scaled, as a new matrix; a row whose width is not
// the scaler's is an error.
func (s *Scaler) Transform(X [][]float64) ([][]float64, error) {
	out := make([][]float64, len(X))
	for i, row := range X {
		if len(row) != len(s.Mean) {
			return nil, fmt.Errorf("logreg: Scaler.Transform: row %d has %d features; the scaler was fitted on %d", i, len(row), len(s.Mean))
		}
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = (v - s.Mean[j]) / s.Std[j]
		}
	}
	return out, nil
}
