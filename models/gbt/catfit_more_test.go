package gbt

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// TestCategoricalFitMore: Ember's categorical fit against XGBoost's
// (testdata/make_xgb_catfit_more.py) for what TestCategoricalFitMatchesXGBoost
// leaves out: regression with a one-hot feature holding missing values,
// multi:softprob, sample weights with ScalePosWeight over codes 0..253,
// best-first growth (MaxLeaves), MinChildWeight with MaxCatThreshold, and
// codes with gaps. Every training row gets XGBoost's margins, and so does
// every code 0..260 (gaps and codes past the training ones included),
// negative, fractional, 2^24−1, 2^24 and missing, scored after training;
// with Threads 1 and 4 alike.
func TestCategoricalFitMore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		newM   func() *Model
		set    func(*Model)
		weight bool
	}{
		{"reg", NewRegressor, func(m *Model) { m.NumTrees, m.MaxDepth, m.Categorical = 12, 4, []int{0, 2} }, false},
		{"multi", NewMulticlass, func(m *Model) { m.NumTrees, m.MaxDepth = 8, 4 }, false},
		{"weighted", New, func(m *Model) { m.NumTrees, m.MaxDepth, m.ScalePosWeight = 8, 4, 2.5 }, true},
		{"leaves", New, func(m *Model) { m.NumTrees, m.MaxDepth, m.MaxLeaves = 6, 0, 9 }, false},
		{"mcw", New, func(m *Model) { m.NumTrees, m.MaxDepth, m.MinChildWeight, m.MaxCatThreshold = 6, 4, 8, 8 }, false},
		{"gaps", New, func(m *Model) { m.NumTrees, m.MaxDepth = 6, 4 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all, names := readFixture(t, fmt.Sprintf("testdata/cat_more_%s.csv", tc.name))
			d := 0
			for names[d] != "y" {
				d++
			}
			k := all.Cols - d - 3
			var tr, sc []int
			for i := range all.Rows {
				if all.At(i, d+2) == 1 {
					tr = append(tr, i)
				} else {
					sc = append(sc, i)
				}
			}
			pick := func(rows []int) *tabular.Matrix {
				X := tabular.NewMatrix(len(rows), d)
				for r, i := range rows {
					for j := range d {
						X.Data[r*d+j] = all.At(i, j)
					}
				}
				return X
			}
			X, S := pick(tr), pick(sc)
			y, w := make([]float64, len(tr)), make([]float64, len(tr))
			for r, i := range tr {
				y[r], w[r] = float64(all.At(i, d)), float64(all.At(i, d+1))
			}
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := tc.newM()
				m.LearningRate, m.MinChildWeight, m.Categorical, m.Threads = 0.3, 1, []int{0}, threads
				tc.set(m)
				if tc.weight {
					require.NoError(t, m.FitWeighted(X, y, w, nil))
				} else {
					require.NoError(t, m.Fit(X, y, nil))
				}
				require.Equal(t, k, m.ens.NumClass())
				for _, part := range []struct {
					X    *tabular.Matrix
					rows []int
				}{{X, tr}, {S, sc}} {
					got, err := m.Margins(part.X)
					require.NoError(t, err)
					worst, at := 0.0, 0
					for r, i := range part.rows {
						for c := range k {
							if e := math.Abs(got[r*k+c] - float64(all.At(i, d+3+c))); e > worst {
								worst, at = e, i
							}
						}
					}
					require.Less(t, worst, 1e-5, "threads %d: row %d of the fixture (f0 = %v)", threads, at, all.At(at, 0))
				}
				p, err := m.Predict(S)
				require.NoError(t, err)
				return p
			})
		})
	}
}
