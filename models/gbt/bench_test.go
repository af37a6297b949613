package gbt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

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

// rankBenchData is a synthetic ranking problem: n rows × d features in
// queries of perQuery documents, graded 0 to 4 by a noisy score of the
// first features.
func rankBenchData(n, d, perQuery int) (*tabular.Matrix, []float64, []int) {
	r := rand.New(rand.NewPCG(3, 4))
	X := tabular.NewMatrix(n, d)
	y := make([]float64, n)
	qid := make([]int, n)
	for i := range n {
		row := X.Row(i)
		for j := range row {
			row[j] = float32(r.NormFloat64())
		}
		z := float64(row[0]) + 0.5*float64(row[1]) - float64(row[2]*row[3]) + r.NormFloat64()
		y[i] = float64(min(4, max(0, int(z+2))))
		qid[i] = i / perQuery
	}
	return X, y, qid
}

// BenchmarkFitRank is a ranking fit of 200,000 rows in 10,000 queries of
// 20, 50 trees, per objective and thread count (EMBER_BENCH_THREADS, as
// in "1,2"; default 1 and 2).
func BenchmarkFitRank(b *testing.B) {
	X, y, qid := rankBenchData(200_000, 20, 20)
	for _, obj := range []Objective{RankNDCG, RankPairwise} {
		for _, threads := range benchThreads(b) {
			b.Run(fmt.Sprintf("%s/threads=%d", obj, threads), func(b *testing.B) {
				for range b.N {
					m := New()
					m.Objective, m.NumTrees, m.Threads = obj, 50, threads
					if err := m.FitRank(X, y, qid, nil, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchThreads is EMBER_BENCH_THREADS's thread counts, 1 and 2 without it.
func benchThreads(b *testing.B) []int {
	s := os.Getenv("EMBER_BENCH_THREADS")
	if s == "" {
		return []int{1, 2}
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			b.Fatalf("EMBER_BENCH_THREADS: %q is not a thread count", f)
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkRankGradients is one round's rank gradients alone on
// BenchmarkFitRank's queries, at random margins, for each objective: each
// iteration computes them on 1 thread and then on 2, timed apart
// (ms-threads1, ms-threads2), so that both meet the same load on a shared
// machine; ms-draws is the part that stays on one thread, the round's
// draws (rankDraws).
func BenchmarkRankGradients(b *testing.B) {
	X, y, qid := rankBenchData(200_000, 20, 20)
	r := rand.New(rand.NewPCG(5, 6))
	raw := make([]float64, X.Rows)
	for i := range raw {
		raw[i] = float64(float32(r.NormFloat64()))
	}
	for _, obj := range []Objective{RankNDCG, RankPairwise} {
		b.Run(string(obj), func(b *testing.B) {
			m := New()
			m.Objective = obj
			rd, err := m.rankData(y, qid, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			var t1, t2, draws time.Duration
			for i := range b.N {
				t := &trainer{m: m, rankData: *rd, round: i}
				start := time.Now()
				t.rankDraws()
				draws += time.Since(start)
				for _, threads := range []int{1, 2} {
					t := &trainer{m: m, threads: threads, n: X.Rows, y: y, raw: raw, gh: make([]gradPair, X.Rows), rankData: *rd, round: i}
					start := time.Now()
					t.rankGradients()
					if threads == 1 {
						t1 += time.Since(start)
					} else {
						t2 += time.Since(start)
					}
				}
			}
			b.ReportMetric(float64(t1)/1e6/float64(b.N), "ms-threads1")
			b.ReportMetric(float64(t2)/1e6/float64(b.N), "ms-threads2")
			b.ReportMetric(float64(draws)/1e6/float64(b.N), "ms-draws")
		})
	}
}
