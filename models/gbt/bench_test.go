package gbt

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberml/ember/tabular"
)

// benchData is a synthetic binary problem of n rows × d features with 2%
// missing values (as benchmarks/gbtbench's, smaller).
func benchData(n, d int) (*tabular.Matrix, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	X := tabular.NewMatrix(n, d)
	y := make([]float64, n)
	for i := range n {
		row := X.Row(i)
		for j := range row {
			row[j] = float32(r.NormFloat64())
		}
		z := float64(row[0]) - 0.5*float64(row[1]) + float64(row[2]*row[3])
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
		for j := range row {
			if r.Float64() < 0.02 {
				row[j] = float32(math.NaN())
			}
		}
	}
	return X, y
}

func BenchmarkFit(b *testing.B) {
	X, y := benchData(200_000, 50)
	b.ResetTimer()
	for range b.N {
		m := New()
		m.NumTrees, m.Threads = 20, 2
		if err := m.Fit(X, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredict(b *testing.B) {
	X, y := benchData(200_000, 50)
	m := New()
	m.NumTrees = 50
	if err := m.Fit(X, y, nil); err != nil {
		b.Fatal(err)
	}
	out := make([]float64, X.Rows)
	b.ResetTimer()
	for range b.N {
		if _, err := m.Ensemble().Predict(X, 2, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(X.Rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFitXGBoostBinning is BenchmarkFit with BinningXGBoost.
func BenchmarkFitXGBoostBinning(b *testing.B) {
	X, y := benchData(200_000, 50)
	b.ResetTimer()
	for range b.N {
		m := New()
		m.NumTrees, m.Threads, m.Binning = 20, 2, BinningXGBoost
		if err := m.Fit(X, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBinning is the cuts of BenchmarkFit's table alone, each way.
func BenchmarkBinning(b *testing.B) {
	X, _ := benchData(200_000, 50)
	b.Run("sklearn", func(b *testing.B) {
		for range b.N {
			newBinMapper(X, MaxBins, 1, 2, nil)
		}
	})
	b.Run("xgboost", func(b *testing.B) {
		for range b.N {
			newXGBBinMapper(X, nil, MaxBins, 2, nil)
		}
	})
}
