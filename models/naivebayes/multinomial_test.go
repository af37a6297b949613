package naivebayes

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/text"
)

// toSparse converts dense rows to a text.Sparse, so each test can run both
// the tensor (Dense) and the sparse code paths on the same numbers.
func toSparse(rows [][]float64) *text.Sparse {
	m := &text.Sparse{NRows: len(rows), NCols: len(rows[0]), Indptr: []int{0}}
	for _, r := range rows {
		for j, v := range r {
			if v != 0 {
				m.Indices = append(m.Indices, j)
				m.Data = append(m.Data, v)
			}
		}
		m.Indptr = append(m.Indptr, len(m.Data))
	}
	return m
}

func bothLayouts(t *testing.T, rows [][]float64) map[string]Matrix {
	d, err := NewDense(rows)
	require.NoError(t, err)
	return map[string]Matrix{"dense": d, "sparse": toSparse(rows)}
}

func TestFitEstimates(t *testing.T) {
	// Three classes with arbitrary labels; hand-computable totals.
	X := [][]float64{
		{2, 0, 1},
		{1, 1, 0},
		{0, 3, 0},
		{0, 0, 4},
		{0, 1, 2},
	}
	y := []int{7, 7, -1, 3, 3}
	for name, m := range bothLayouts(t, X) {
		t.Run(name, func(t *testing.T) {
			nb := New()
			nb.Alpha = 0.5
			require.NoError(t, nb.Fit(m, y))
			require.Equal(t, []int{-1, 3, 7}, nb.Classes())
			require.Equal(t, []float64{1, 2, 2}, nb.ClassCount())
			require.Equal(t, [][]float64{{0, 3, 0}, {0, 1, 6}, {3, 1, 1}}, nb.FeatureCount())
			prior := nb.ClassLogPrior()
			require.InDeltaSlice(t, []float64{math.Log(0.2), math.Log(0.4), math.Log(0.4)}, prior, 1e-12)
			// Class 7: counts {3,1,1}, total 5, alpha 0.5, 3 features.
			lp := nb.FeatureLogProb()
			require.InDeltaSlice(t, []float64{math.Log(3.5 / 6.5), math.Log(1.5 / 6.5), math.Log(1.5 / 6.5)}, lp[2], 1e-12)
			require.InDeltaSlice(t, []float64{math.Log(0.5 / 4.5), math.Log(3.5 / 4.5), math.Log(0.5 / 4.5)}, lp[0], 1e-12)

			pred, err := nb.Predict(m)
			require.NoError(t, err)
			require.Equal(t, []int{7, 7, -1, 3, 3}, pred)

			// Log-probabilities are the joint log-likelihood normalised.
			logp, err := nb.PredictLogProba(m)
			require.NoError(t, err)
			x := X[0]
			jll := make([]float64, 3)
			for k := range jll {
				jll[k] = prior[k]
				for j, v := range x {
					jll[k] += v * lp[k][j]
				}
			}
			norm := math.Log(math.Exp(jll[0]) + math.Exp(jll[1]) + math.Exp(jll[2]))
			for k := range jll {
				require.InDelta(t, jll[k]-norm, logp[0][k], 1e-12)
			}
			proba, err := nb.PredictProba(m)
			require.NoError(t, err)
			for _, row := range proba {
				require.InDelta(t, 1, row[0]+row[1]+row[2], 1e-12)
			}
		})
	}
}

func TestPriorsAndSmoothing(t *testing.T) {
	X := [][]float64{{1, 0}, {1, 0}, {1, 0}, {0, 1}}
	y := []int{0, 0, 0, 1}
	m := toSparse(X)

	uniform := New()
	uniform.FitPrior = false
	require.NoError(t, uniform.Fit(m, y))
	require.InDeltaSlice(t, []float64{math.Log(0.5), math.Log(0.5)}, uniform.ClassLogPrior(), 1e-12)

	given := New()
	given.ClassPrior = []float64{0.1, 0.9}
	require.NoError(t, given.Fit(m, y))
	require.InDeltaSlice(t, []float64{math.Log(0.1), math.Log(0.9)}, given.ClassLogPrior(), 1e-12)

	// Alpha 0 is raised to 1e-10: unseen words get a huge penalty but
	// probabilities stay finite on both code paths.
	for name, mm := range bothLayouts(t, X) {
		nb := New()
		nb.Alpha = 0
		require.NoError(t, nb.Fit(mm, y), name)
		p, err := nb.PredictProba(mm)
		require.NoError(t, err, name)
		for _, row := range p {
			for _, v := range row {
				require.False(t, math.IsNaN(v), name)
			}
		}
		require.InDelta(t, 1, p[3][1], 1e-9, name)
	}
}

func TestLongDocumentDoesNotUnderflow(t *testing.T) {
	// A document of 100,000 tokens has a joint likelihood far below the
	// smallest float64; log-sum-exp keeps the posterior meaningful.
	nb := New()
	require.NoError(t, nb.Fit(toSparse([][]float64{{3, 1}, {1, 3}}), []int{0, 1}))
	p, err := nb.PredictProba(toSparse([][]float64{{50000, 50001}}))
	require.NoError(t, err)
	require.Greater(t, p[0][1], p[0][0])
	require.InDelta(t, 1, p[0][0]+p[0][1], 1e-12)
	require.False(t, math.IsNaN(p[0][0]))
}

func TestErrors(t *testing.T) {
	good := toSparse([][]float64{{1, 0}, {0, 1}})
	tests := []struct {
		name string
		fit  func() error
		msg  string
	}{
		{"label count", func() error { return New().Fit(good, []int{0}) }, "1 labels for 2 rows"},
		{"single class", func() error { return New().Fit(good, []int{4, 4}) }, "single class (4)"},
		{"negative", func() error {
			return New().Fit(toSparse([][]float64{{1, -2}, {0, 1}}), []int{0, 1})
		}, "row 0, column 1 has value -2"},
		{"nan", func() error {
			return New().Fit(toSparse([][]float64{{1, 0}, {math.NaN(), 1}}), []int{0, 1})
		}, "row 1, column 0 has value NaN"},
		{"negative alpha", func() error { nb := New(); nb.Alpha = -1; return nb.Fit(good, []int{0, 1}) }, "Alpha = -1"},
		{"prior length", func() error { nb := New(); nb.ClassPrior = []float64{1}; return nb.Fit(good, []int{0, 1}) }, "1 values for 2 classes"},
		{"prior sum", func() error { nb := New(); nb.ClassPrior = []float64{0.5, 0.6}; return nb.Fit(good, []int{0, 1}) }, "sums to"},
		{"nil", func() error { return New().Fit(nil, nil) }, "nil matrix"},
		{"empty", func() error { return New().Fit(&text.Sparse{Indptr: []int{0}}, nil) }, "empty matrix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.fit(), tc.msg)
		})
	}

	_, err := NewDense([][]float64{{1, 2}, {3}})
	require.ErrorContains(t, err, "row 1 has 1 values, row 0 has 2")

	_, err = New().Predict(good)
	require.ErrorIs(t, err, ErrNotFitted)
	nb := New()
	require.NoError(t, nb.Fit(good, []int{0, 1}))
	_, err = nb.Predict(toSparse([][]float64{{1, 2, 3}}))
	require.ErrorContains(t, err, "3 features, the model was fitted with 2")
	_, err = nb.PredictProba(toSparse([][]float64{{1, -1}}))
	require.ErrorContains(t, err, "value -1")
}

// listMatrix is a Matrix without a Validate method, so the model's own
// checks of what Row returns are what stands between it and a panic.
type listMatrix struct {
	cols  int
	idx   [][]int
	value [][]float64
}

func (m listMatrix) Dims() (int, int)             { return len(m.idx), m.cols }
func (m listMatrix) Row(i int) ([]int, []float64) { return m.idx[i], m.value[i] }
func oneRow(cols int, idx []int, v []float64) Matrix {
	return listMatrix{cols, [][]int{idx}, [][]float64{v}}
}

func TestMalformedMatrix(t *testing.T) {
	nb := New()
	require.NoError(t, nb.Fit(toSparse([][]float64{{1, 0, 2}, {0, 1, 0}}), []int{0, 1}))
	var nilDense *Dense
	var nilSparse *text.Sparse
	for _, tc := range []struct {
		name string
		X    Matrix
		msg  string
	}{
		{"typed nil Dense", nilDense, "nil matrix"},
		{"typed nil Sparse", nilSparse, "nil matrix"},
		{"sparse column past the features", &text.Sparse{NRows: 1, NCols: 3, Indptr: []int{0, 1}, Indices: []int{99}, Data: []float64{1}},
			"malformed matrix: text: row 0: column 99 out of range [0, 3)"},
		{"sparse short Indptr", &text.Sparse{NRows: 2, NCols: 3, Indptr: []int{0, 1}, Indices: []int{0}, Data: []float64{1}},
			"malformed matrix: text: Indptr must have 3 entries"},
		{"sparse unsorted row", &text.Sparse{NRows: 1, NCols: 3, Indptr: []int{0, 2}, Indices: []int{2, 1}, Data: []float64{1, 1}},
			"malformed matrix: text: row 0: columns not strictly increasing (1 after 2)"},
		{"column past the features", oneRow(3, []int{0, 3}, []float64{1, 1}), "row 0 has column index 3, outside 0..2"},
		{"negative column", oneRow(3, []int{-1}, []float64{1}), "row 0 has column index -1, outside 0..2"},
		{"columns not increasing", oneRow(3, []int{1, 1}, []float64{1, 1}), "column indices not increasing (1 after 1)"},
		{"fewer values than columns", oneRow(3, []int{0, 1}, []float64{1}), "2 column indices but 1 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotPanics(t, func() {
				_, err := nb.Predict(tc.X)
				require.ErrorContains(t, err, tc.msg)
				_, err = nb.PredictProba(tc.X)
				require.ErrorContains(t, err, tc.msg)
				rows := 1
				if sp, ok := tc.X.(*text.Sparse); ok && sp != nil {
					rows = sp.NRows
				}
				require.ErrorContains(t, New().Fit(tc.X, make([]int, rows)), tc.msg)
			})
		})
	}
}

// TestZeroValue pins what the type's doc says of the zero value: Alpha 0 is
// kept (raised to 1e-10, not New's 1) and the prior is uniform.
func TestZeroValue(t *testing.T) {
	X := toSparse([][]float64{{2, 0}, {1, 0}, {0, 1}})
	var zero MultinomialNB
	require.NoError(t, zero.Fit(X, []int{0, 0, 1}))
	require.InDeltaSlice(t, []float64{math.Log(0.5), math.Log(0.5)}, zero.ClassLogPrior(), 1e-12)
	p, err := zero.PredictProba(toSparse([][]float64{{0, 1}}))
	require.NoError(t, err)
	require.Greater(t, p[0][1], 1-1e-8, "with alpha 1e-10 an unseen word all but rules class 0 out")

	nb := New()
	require.NoError(t, nb.Fit(X, []int{0, 0, 1}))
	require.InDeltaSlice(t, []float64{math.Log(2.0 / 3), math.Log(1.0 / 3)}, nb.ClassLogPrior(), 1e-12)
}
