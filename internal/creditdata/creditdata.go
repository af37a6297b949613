// Package creditdata loads the UCI "default of credit card clients" table
// (../shared/data/tabular/UCI_Credit_Card.csv) for the gradient-boosting
// tests and benchmark, and removes feature values and splits rows with a
// counter-based generator (SplitMix64) that the Python reference scripts
// reproduce bit for bit, so both sides see the same missing values and the
// same held-out rows.
package creditdata

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/emberml/ember/tabular"
)

// Rel is the data set's path under the shared data directory.
var Rel = []string{"tabular", "UCI_Credit_Card.csv"}

// Target is the label column.
const Target = "default.payment.next.month"

// Load reads the table: every column but ID and the target as features.
func Load(path string) (X *tabular.Matrix, y []float64, features []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, nil, nil, fmt.Errorf("%s: no data rows", path)
	}
	header := recs[0]
	var cols []int
	target := -1
	for j, h := range header {
		switch h {
		case "ID":
		case Target:
			target = j
		default:
			cols = append(cols, j)
			features = append(features, h)
		}
	}
	if target < 0 {
		return nil, nil, nil, fmt.Errorf("%s: no column %q", path, Target)
	}
	X = tabular.NewMatrix(len(recs)-1, len(cols))
	y = make([]float64, X.Rows)
	for i, rec := range recs[1:] {
		for k, j := range cols {
			v, err := strconv.ParseFloat(rec[j], 64)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
			}
			X.Data[i*X.Cols+k] = float32(v)
		}
		if y[i], err = strconv.ParseFloat(rec[target], 64); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
		}
	}
	return X, y, features, nil
}

// SplitMix64 is the output of the SplitMix64 generator for counter x.
func SplitMix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	z := x
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Uniform is a number in [0, 1) for stream seed and counter k.
func Uniform(seed, k uint64) float64 {
	return float64(SplitMix64(seed<<32+k)>>11) / (1 << 53)
}

// RemoveValues sets each value of X to NaN with probability frac (counter:
// row*cols+col).
func RemoveValues(X *tabular.Matrix, frac float64, seed uint64) int {
	removed := 0
	for k := range X.Data {
		if Uniform(seed, uint64(k)) < frac {
			X.Data[k] = float32(math.NaN())
			removed++
		}
	}
	return removed
}

// Split puts each row in the test set with probability frac (counter: the
// row) and returns the two index lists.
func Split(n int, frac float64, seed uint64) (train, test []int) {
	for i := range n {
		if Uniform(seed, uint64(i)) < frac {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}

// Pick returns the labels of the rows idx.
func Pick(y []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = y[i]
	}
	return out
}
