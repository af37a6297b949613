package metrics

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMultiClassROCAUCMatchesSklearn: MultiClassROCAUC and
// WeightedMultiClassROCAUC are scikit-learn 1.2's roc_auc_score with
// multi_class="ovr", average "macro" and "weighted"
// (testdata/make_multiclass_roc_auc.py), on rows with tied probabilities,
// imbalanced classes, fractional and zero weights, and a class whose
// samples all weigh 0 (left out of the weighted average; the macro one,
// NaN in sklearn, is an error naming the class).
func TestMultiClassROCAUCMatchesSklearn(t *testing.T) {
	cases := readFixtureCases[struct {
		Y               []int
		P               [][]float64
		W               []float64
		Macro, Weighted *float64
	}](t, "multiclass_roc_auc.json", 4)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			for _, avg := range []ROCAverage{MacroAverage, WeightedAverage} {
				want := c.Macro
				if avg == WeightedAverage {
					want = c.Weighted
				}
				var got float64
				var err error
				if c.W == nil {
					got, err = MultiClassROCAUC(c.Y, c.P, avg)
				} else {
					got, err = WeightedMultiClassROCAUC(c.Y, c.P, c.W, avg)
				}
				if want == nil {
					require.ErrorContains(t, err, "class 1 against the rest: the positive samples weigh 0", avg)
					continue
				}
				require.NoError(t, err, avg)
				require.InDelta(t, *want, got, 1e-12, avg)
			}
		})
	}
}

// TestMultiClassROCAUCIsPerClassROCAUC: the macro average is the mean of
// ROCAUC of each class's column against "this class or not", the weighted
// one weights them by the classes' sizes, and weights all 1 or a sample
// repeated give the unweighted figures.
func TestMultiClassROCAUCIsPerClassROCAUC(t *testing.T) {
	y := []int{0, 1, 2, 2, 1, 0, 2, 2}
	p := [][]float64{{.6, .3, .1}, {.2, .5, .3}, {.1, .2, .7}, {.3, .3, .4}, {.5, .4, .1}, {.2, .2, .6}, {.4, .4, .2}, {.1, .1, .8}}
	var macro, weighted float64
	for c := range 3 {
		isClass := make([]int, len(y))
		n := 0
		for i, v := range y {
			if v == c {
				isClass[i] = 1
				n++
			}
		}
		auc, err := ROCAUC(isClass, ClassProba(slices.Concat(p...), 3, c))
		require.NoError(t, err)
		macro += auc / 3
		weighted += auc * float64(n) / float64(len(y))
	}
	got, err := MultiClassROCAUC(y, p, MacroAverage)
	require.NoError(t, err)
	require.InDelta(t, macro, got, 1e-15)
	got, err = MultiClassROCAUC(y, p, WeightedAverage)
	require.NoError(t, err)
	require.InDelta(t, weighted, got, 1e-15)
	require.NotEqual(t, macro, weighted) // the test would not tell them apart otherwise

	ones := slices.Repeat([]float64{1}, len(y))
	got, err = WeightedMultiClassROCAUC(y, p, ones, WeightedAverage)
	require.NoError(t, err)
	require.InDelta(t, weighted, got, 1e-15)
	// Row 0 twice, as weight 2 or as a copy.
	twice := slices.Clone(ones)
	twice[0] = 2
	byWeight, err := WeightedMultiClassROCAUC(y, p, twice, MacroAverage)
	require.NoError(t, err)
	byCopy, err := MultiClassROCAUC(append(slices.Clone(y), y[0]), append(slices.Clone(p), p[0]), MacroAverage)
	require.NoError(t, err)
	require.InDelta(t, byCopy, byWeight, 1e-15)
}

// TestMultiClassROCAUCErrors: the conditions scikit-learn refuses (a class
// without a sample, a row not summing to 1) and malformed input are errors
// naming the class, row or value, never a panic.
func TestMultiClassROCAUCErrors(t *testing.T) {
	p3 := [][]float64{{.6, .3, .1}, {.2, .5, .3}, {.1, .2, .7}}
	tests := []struct {
		name string
		y    []int
		p    [][]float64
		w    []float64 // nil: MultiClassROCAUC
		avg  ROCAverage
		want string
	}{
		{"class absent", []int{0, 2, 2}, p3, nil, MacroAverage, "class 1 has no sample in yTrue (of 3)"},
		{"class absent weighted", []int{0, 0, 1}, p3, []float64{1, 1, 1}, WeightedAverage, "WeightedMultiClassROCAUC: class 2 has no sample"},
		{"row sum", []int{0, 1, 2}, [][]float64{{.6, .3, .1}, {.2, .5, .4}, {.1, .2, .7}}, nil, MacroAverage, "proba[1] sums to 1.1; each row's probabilities must sum to 1"},
		{"margins", []int{0, 1, 2}, [][]float64{{2, -1, 1}, {0, 1, 0}, {0, 0, 1}}, nil, MacroAverage, "proba[0] sums to 2"},
		{"NaN", []int{0, 1, 2}, [][]float64{{.6, .3, .1}, {.2, math.NaN(), .3}, {.1, .2, .7}}, nil, MacroAverage, "proba[1][1] is NaN"},
		{"Inf", []int{0, 1, 2}, [][]float64{{.6, .3, .1}, {.2, .5, .3}, {.1, math.Inf(1), .7}}, nil, MacroAverage, "proba[2][1] is +Inf"},
		{"ragged", []int{0, 1, 2}, [][]float64{{.6, .3, .1}, {.5, .5}, {.1, .2, .7}}, nil, MacroAverage, "proba[1] has 2 columns but proba[0] 3"},
		{"label", []int{0, 3, 2}, p3, nil, MacroAverage, "yTrue[1] = 3; labels must be class indices 0..2"},
		{"negative label", []int{0, -1, 2}, p3, nil, MacroAverage, "yTrue[1] = -1"},
		{"two columns", []int{0, 1}, [][]float64{{.4, .6}, {.5, .5}}, nil, MacroAverage, "2 probability columns; one-vs-rest AUC needs three classes"},
		{"lengths", []int{0, 1}, p3, nil, MacroAverage, "MultiClassROCAUC: 2 labels but 3 probability rows"},
		{"weights short", []int{0, 1, 2}, p3, []float64{1, 1}, MacroAverage, "3 labels, 3 probability rows and 2 weights"},
		{"negative weight", []int{0, 1, 2}, p3, []float64{1, -1, 1}, MacroAverage, "weights[1] is -1"},
		{"empty", nil, nil, nil, MacroAverage, "MultiClassROCAUC: no samples"},
		{"all weigh 0", []int{0, 1, 2}, p3, []float64{0, 0, 0}, WeightedAverage, "every sample weighs 0"},
		{"average", []int{0, 1, 2}, p3, nil, ROCAverage(7), "average is ROCAverage(7); want MacroAverage or WeightedAverage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got float64
			var err error
			if tc.w == nil {
				got, err = MultiClassROCAUC(tc.y, tc.p, tc.avg)
			} else {
				got, err = WeightedMultiClassROCAUC(tc.y, tc.p, tc.w, tc.avg)
			}
			require.ErrorContains(t, err, tc.want)
			require.True(t, math.IsNaN(got))
		})
	}
	// numpy.allclose's tolerance, as sklearn checks the rows: a row 5e-6
	// off 1 passes, one 2e-5 off does not.
	_, err := MultiClassROCAUC([]int{0, 1, 2}, [][]float64{{.6, .3, .1 + 5e-6}, {.2, .5, .3}, {.1, .2, .7}}, MacroAverage)
	require.NoError(t, err)
	_, err = MultiClassROCAUC([]int{0, 1, 2}, [][]float64{{.6, .3, .1 + 2e-5}, {.2, .5, .3}, {.1, .2, .7}}, MacroAverage)
	require.ErrorContains(t, err, "proba[0] sums to 1.00002")
}
