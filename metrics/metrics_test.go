package metrics

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Expected values below were computed with scikit-learn 1.2.1
// (sklearn.metrics) on the same inputs; log losses with eps=1e-15.

func TestAccuracy(t *testing.T) {
	tests := []struct {
		name        string
		yTrue, yPrd []int
		want        float64
	}{
		{"all right", []int{0, 1, 2}, []int{0, 1, 2}, 1},
		{"all wrong", []int{0, 1}, []int{1, 0}, 0},
		{"three of five", []int{0, 1, 2, 2, 2}, []int{0, 0, 2, 2, 1}, 0.6},
		{"empty is NaN", nil, nil, math.NaN()},
		{"mismatched is NaN", []int{0, 1}, []int{0}, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Accuracy(tc.yTrue, tc.yPrd)
			if math.IsNaN(tc.want) {
				require.True(t, math.IsNaN(got), "got %v", got)
				return
			}
			require.InDelta(t, tc.want, got, 1e-12)
		})
	}
}

func TestConfusionMatrix(t *testing.T) {
	tests := []struct {
		name        string
		yTrue, yPrd []int
		n           int
		want        [][]int
	}{
		{
			// sklearn confusion_matrix(labels=[0,1,2,3]); class 2 absent.
			name:  "rows are true, columns predicted",
			yTrue: []int{0, 0, 1, 1, 1, 3}, yPrd: []int{0, 1, 1, 1, 0, 0}, n: 4,
			want: [][]int{{1, 1, 0, 0}, {1, 2, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}},
		},
		{
			name:  "labels outside the classes are left out",
			yTrue: []int{0, 1, 5, -1}, yPrd: []int{1, 1, 0, 0}, n: 2,
			want: [][]int{{0, 1}, {0, 1}},
		},
		{name: "empty input gives zeros", n: 2, want: [][]int{{0, 0}, {0, 0}}},
		{name: "mismatched lengths", yTrue: []int{0}, yPrd: []int{0, 1}, n: 2, want: nil},
		{name: "no classes", yTrue: []int{0}, yPrd: []int{0}, n: 0, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, ConfusionMatrix(tc.yTrue, tc.yPrd, tc.n))
		})
	}
}

func TestConfusionMatrixRowsDoNotAlias(t *testing.T) {
	// The rows share one backing array; appending to one must not write into
	// the next.
	cm := ConfusionMatrix([]int{0, 1}, []int{0, 1}, 2)
	_ = append(cm[0], 99)
	require.Equal(t, []int{0, 1}, cm[1])
}

func TestCheckLabels(t *testing.T) {
	tests := []struct {
		name        string
		yTrue, yPrd []int
		n           int
		wantErr     string
	}{
		{"ok", []int{0, 1}, []int{1, 1}, 2, ""},
		{"ok without class count", []int{0, 7}, []int{1, 1}, 0, ""},
		{"lengths", []int{0, 1}, []int{1}, 2, "yTrue has 2 labels but yPred has 1"},
		{"empty", nil, nil, 2, "no samples"},
		{"true out of range", []int{0, 2}, []int{0, 1}, 2, "yTrue[1] = 2 is not a class in 0..1"},
		{"pred negative", []int{0, 1}, []int{-1, 1}, 2, "yPred[0] = -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckLabels(tc.yTrue, tc.yPrd, tc.n)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestClassification(t *testing.T) {
	// sklearn's own classification_report docstring example.
	r := Classification([]int{0, 1, 2, 2, 2}, []int{0, 0, 2, 2, 1}, []string{"class 0", "class 1", "class 2"})
	want := []ClassReport{
		{"class 0", 0.5, 1, 2.0 / 3, 1, 0},
		{"class 1", 0, 0, 0, 1, 0},
		{"class 2", 1, 2.0 / 3, 0.8, 3, 0},
	}
	require.Len(t, r.Classes, 3)
	for i, w := range want {
		requireRow(t, w, r.Classes[i])
	}
	require.InDelta(t, 0.6, r.Accuracy, 1e-12)
	require.Equal(t, 5, r.Total)
	requireRow(t, ClassReport{"macro avg", 0.5, 0.5555555555555555, 0.48888888888888893, 5, 0}, r.MacroAvg)
	requireRow(t, ClassReport{"weighted avg", 0.7, 0.6, 0.6133333333333334, 5, 0}, r.WeightedAvg)

	// The layout must be byte-for-byte sklearn's.
	const sk = "              precision    recall  f1-score   support\n\n" +
		"     class 0       0.50      1.00      0.67         1\n" +
		"     class 1       0.00      0.00      0.00         1\n" +
		"     class 2       1.00      0.67      0.80         3\n\n" +
		"    accuracy                           0.60         5\n" +
		"   macro avg       0.50      0.56      0.49         5\n" +
		"weighted avg       0.70      0.60      0.61         5\n"
	require.Equal(t, sk, r.String())
}

func TestClassificationZeroDivision(t *testing.T) {
	// Class c never occurs and is never predicted; d is never predicted.
	// sklearn (zero_division=0) gives 0 for their undefined ratios, and the
	// macro average still divides by all four classes.
	r := Classification([]int{0, 0, 1, 1, 1, 3}, []int{0, 1, 1, 1, 0, 0}, []string{"a", "b", "c", "d"})
	want := []ClassReport{
		{"a", 1.0 / 3, 0.5, 0.4, 2, 0},
		{"b", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3, 0},
		{"c", 0, 0, 0, 0, 0},
		{"d", 0, 0, 0, 1, 0},
	}
	for i, w := range want {
		requireRow(t, w, r.Classes[i])
	}
	requireRow(t, ClassReport{"macro avg", 0.25, 0.291667, 0.266667, 6, 0}, r.MacroAvg)
	requireRow(t, ClassReport{"weighted avg", 0.444444, 0.5, 0.466667, 6, 0}, r.WeightedAvg)
	require.InDelta(t, 0.5, r.Accuracy, 1e-12)
	// scikit-learn warns of both (UndefinedMetricWarning); so does the report.
	require.Equal(t, []string{
		"precision is ill-defined for c, d (never predicted) and reported as 0, as scikit-learn does (zero_division=0)",
		"recall is ill-defined for c (no true samples) and reported as 0, as scikit-learn does (zero_division=0)",
	}, r.Notes)
	require.True(t, strings.HasSuffix(r.String(), "\nnote: "+r.Notes[0]+"\nnote: "+r.Notes[1]+"\n"), r.String())
}

func TestClassificationDefaultLabelsAndWideNames(t *testing.T) {
	r := Classification([]int{0, 2}, []int{0, 2}, nil)
	require.Len(t, r.Classes, 3)
	require.Equal(t, "1", r.Classes[1].Label)

	// A class name longer than "weighted avg" widens the first column.
	r = Classification([]int{0, 1}, []int{0, 1}, []string{"x", "a-very-long-name"})
	require.Contains(t, r.String(), "\na-very-long-name       1.00      1.00      1.00         1\n")
	require.Contains(t, r.String(), "\n    weighted avg       1.00")
}

func TestClassificationBadInput(t *testing.T) {
	for _, tc := range []struct {
		name        string
		yTrue, yPrd []int
	}{
		{"mismatched", []int{0, 1}, []int{0}},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Classification(tc.yTrue, tc.yPrd, []string{"a", "b"})
			require.Empty(t, r.Classes)
			require.True(t, math.IsNaN(r.Accuracy))
			require.True(t, math.IsNaN(r.MacroAvg.F1))
			require.NotPanics(t, func() { _ = r.String() })
		})
	}
}

func requireRow(t *testing.T, want, got ClassReport) {
	t.Helper()
	require.Equal(t, want.Label, got.Label)
	require.InDelta(t, want.Precision, got.Precision, 1e-6, "%s precision", want.Label)
	require.InDelta(t, want.Recall, got.Recall, 1e-6, "%s recall", want.Label)
	require.InDelta(t, want.F1, got.F1, 1e-6, "%s F1", want.Label)
	require.Equal(t, want.Support, got.Support, "%s support", want.Label)
	require.InDelta(t, want.SupportWeight, got.SupportWeight, 1e-12, "%s support weight", want.Label)
}

func TestROCAUC(t *testing.T) {
	tests := []struct {
		name   string
		y      []int
		scores []float64
		want   float64
	}{
		{"no ties", []int{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8}, 0.75},
		// Three samples tie at 0.4 (one positive, two negatives): the
		// trapezoid through the tie gives 0.8125, not a rank-order artefact.
		{"ties", []int{0, 0, 1, 1, 0, 1, 1, 0}, []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2}, 0.8125},
		{"all tied is chance", []int{1, 0, 1, 0}, []float64{0.5, 0.5, 0.5, 0.5}, 0.5},
		{"perfect", []int{0, 1}, []float64{-3, 2}, 1},
		{"reversed", []int{1, 0}, []float64{-3, 2}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ROCAUC(tc.y, tc.scores)
			require.NoError(t, err)
			require.InDelta(t, tc.want, got, 1e-12)
		})
	}
}

func TestROCAUCOrderInvariant(t *testing.T) {
	// AUC depends on scores, not on the order samples arrive in.
	y := []int{0, 0, 1, 1, 0, 1, 1, 0}
	s := []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2}
	ry, rs := make([]int, len(y)), make([]float64, len(s))
	for i := range y {
		ry[len(y)-1-i], rs[len(s)-1-i] = y[i], s[i]
	}
	got, err := ROCAUC(ry, rs)
	require.NoError(t, err)
	require.InDelta(t, 0.8125, got, 1e-12)
}

func TestROCAUCErrors(t *testing.T) {
	tests := append([]binaryScoreInputError{
		{"one class", []int{1, 1}, []float64{0.2, 0.3}, "only one class"},
	}, binaryScoreInputErrors...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ROCAUC(tc.y, tc.scores)
			require.ErrorContains(t, err, tc.wantErr)
			require.True(t, math.IsNaN(got))
		})
	}
}

// TestWeightedROCAUCMatchesSklearn: WeightedROCAUC is scikit-learn 1.2's
// roc_auc_score with sample_weight (testdata/make_weighted_roc_auc.py) over
// tied scores, weights of 0 alone at a score and inside a tie, and
// fractional and large weights.
func TestWeightedROCAUCMatchesSklearn(t *testing.T) {
	cases := readFixtureCases[struct {
		Y   []int     `json:"y"`
		S   []float64 `json:"s"`
		W   []float64 `json:"w"`
		AUC float64   `json:"auc"`
	}](t, "weighted_roc_auc.json", 4)
	for name, c := range cases {
		got, err := WeightedROCAUC(c.Y, c.S, c.W)
		require.NoError(t, err, name)
		require.InEpsilon(t, c.AUC, got, 1e-12, name)
	}
}

// TestWeightedROCAUCIsROCAUCRepeated: weights all 1 give ROCAUC's figure to
// the bit; a weight of 2 scores as the sample twice, and a sample of
// weight 0 as no sample, even alone at the top score.
func TestWeightedROCAUCIsROCAUCRepeated(t *testing.T) {
	y := []int{0, 0, 1, 1, 0, 1, 1, 0}
	s := []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2}
	ones := []float64{1, 1, 1, 1, 1, 1, 1, 1}
	plain, err := ROCAUC(y, s)
	require.NoError(t, err)
	got, err := WeightedROCAUC(y, s, ones)
	require.NoError(t, err)
	require.Equal(t, plain, got)

	twice := slices.Clone(ones)
	twice[2] = 2
	repeated, err := ROCAUC(append(slices.Clone(y), y[2]), append(slices.Clone(s), s[2]))
	require.NoError(t, err)
	got, err = WeightedROCAUC(y, s, twice)
	require.NoError(t, err)
	require.InDelta(t, repeated, got, 1e-15)
	require.NotEqual(t, plain, got, "a weight moves the area")

	got, err = WeightedROCAUC(append(slices.Clone(y), 0, 1), append(slices.Clone(s), 2, 0.1), append(slices.Clone(ones), 0, 0))
	require.NoError(t, err)
	require.Equal(t, plain, got, "samples of weight 0 count for nothing")
}

func TestWeightedROCAUCErrors(t *testing.T) {
	tests := []struct {
		name    string
		y       []int
		scores  []float64
		w       []float64
		wantErr string
	}{
		{"one weight short", []int{0, 1}, []float64{0.2, 0.3}, []float64{1}, "WeightedROCAUC: 2 labels, 2 scores and 1 weights"},
		{"no weights", []int{0, 1}, []float64{0.2, 0.3}, nil, "2 labels, 2 scores and 0 weights"},
		{"one score short", []int{0, 1}, []float64{0.2}, []float64{1, 1}, "2 labels, 1 scores and 2 weights"},
		{"empty", nil, nil, nil, "WeightedROCAUC: no samples"},
		{"negative weight", []int{0, 1}, []float64{0.2, 0.3}, []float64{1, -0.5}, "weights[1] is -0.5; weights must be finite and 0 or more"},
		{"NaN weight", []int{0, 1}, []float64{0.2, 0.3}, []float64{math.NaN(), 1}, "weights[0] is NaN"},
		{"infinite weight", []int{0, 1}, []float64{0.2, 0.3}, []float64{1, math.Inf(1)}, "weights[1] is +Inf"},
		{"one class", []int{1, 1}, []float64{0.2, 0.3}, []float64{1, 1}, "WeightedROCAUC: only one class present"},
		{"non-binary label", []int{0, 2}, []float64{0.2, 0.3}, []float64{1, 1}, "yTrue[1] = 2"},
		{"NaN score of weight 0", []int{0, 1, 1}, []float64{0.2, 0.5, math.NaN()}, []float64{1, 1, 0}, "scores[2] is NaN"},
		{"-Inf score", []int{0, 1, 1}, []float64{math.Inf(-1), 0.5, 0.7}, []float64{1, 1, 1}, "WeightedROCAUC: scores[0] is -Inf; scores must be finite"},
		{"positives weigh 0", []int{0, 1, 0}, []float64{0.2, 0.3, 0.1}, []float64{1, 0, 2}, "the positive samples weigh 0 and the negative 3 in all; AUC is undefined"},
		{"negatives weigh 0", []int{0, 1}, []float64{0.2, 0.3}, []float64{0, 1.5}, "the positive samples weigh 1.5 and the negative 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WeightedROCAUC(tc.y, tc.scores, tc.w)
			require.ErrorContains(t, err, tc.wantErr)
			require.True(t, math.IsNaN(got))
		})
	}
}

func TestLogLoss(t *testing.T) {
	tests := []struct {
		name  string
		y     []int
		proba [][]float64
		want  float64
	}{
		{"typical", []int{0, 1, 2, 1}, [][]float64{{0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.3, 0.5}, {0.6, 0.3, 0.1}}, 0.6192346200347058},
		// A certain wrong answer is clipped to -log(1e-15)/3 instead of +Inf.
		{"clipped", []int{0, 1, 2}, [][]float64{{1, 0, 0}, {0, 1, 0}, {1, 0, 0}}, 11.51292546497023},
		// Rows that do not sum to 1 are renormalised first.
		{"renormalised", []int{0, 1, 2}, [][]float64{{0.5, 0.5, 0.5}, {0.2, 0.2, 0.2}, {0.1, 0.1, 0.3}}, 0.9026834003674035},
		{"perfect is ~0", []int{1}, [][]float64{{0, 1}}, 1e-15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.InDelta(t, tc.want, LogLoss(tc.y, tc.proba), 1e-9)
		})
	}
}

func TestBinaryLogLoss(t *testing.T) {
	require.InDelta(t, 0.21616187468057912, BinaryLogLoss([]int{0, 1, 1, 0}, []float64{0.1, 0.9, 0.8, 0.35}), 1e-12)
	require.InDelta(t, 17.26958809681289, BinaryLogLoss([]int{0, 1, 1, 0}, []float64{0, 1, 0, 1}), 1e-9)
	// Must agree with the two-column form.
	y := []int{1, 0, 1}
	p := []float64{0.3, 0.6, 0.99}
	rows := [][]float64{{0.7, 0.3}, {0.4, 0.6}, {0.01, 0.99}}
	require.InDelta(t, LogLoss(y, rows), BinaryLogLoss(y, p), 1e-12)
}

func TestLogLossBadInputIsNaN(t *testing.T) {
	for _, tc := range []struct {
		name  string
		y     []int
		proba [][]float64
	}{
		{"mismatched", []int{0, 1}, [][]float64{{1, 0}}},
		{"empty", nil, nil},
		{"ragged", []int{0, 1}, [][]float64{{1, 0}, {1}}},
		{"label outside row", []int{2}, [][]float64{{0.5, 0.5}}},
		{"negative label", []int{-1}, [][]float64{{0.5, 0.5}}},
		{"NaN", []int{0}, [][]float64{{math.NaN(), 0.5}}},
		{"negative probability", []int{0}, [][]float64{{-0.5, 0.5}}},
		// scikit-learn refuses it ("Input contains infinity"); clipped, it
		// would pass for a certain prediction.
		{"+Inf probability", []int{0, 1}, [][]float64{{0.5, 0.5}, {0, math.Inf(1)}}},
		{"-Inf probability", []int{0}, [][]float64{{math.Inf(-1), 0.5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.True(t, math.IsNaN(LogLoss(tc.y, tc.proba)))
		})
	}
	for _, tc := range []struct {
		name string
		y    []int
		p    []float64
	}{
		{"mismatched", []int{0, 1}, []float64{0.5}},
		{"empty", nil, nil},
		{"label 2", []int{2}, []float64{0.5}},
		{"p above 1", []int{1}, []float64{1.5}},
		{"NaN", []int{1}, []float64{math.NaN()}},
		{"+Inf", []int{1}, []float64{math.Inf(1)}},
		{"-Inf", []int{0}, []float64{math.Inf(-1)}},
	} {
		t.Run("binary "+tc.name, func(t *testing.T) {
			require.True(t, math.IsNaN(BinaryLogLoss(tc.y, tc.p)))
		})
	}
}

func TestArgMaxAndProbaRows(t *testing.T) {
	// Binary P(y=1): a tie at 0.5 is class 0, as scikit-learn's predict.
	require.Equal(t, []int{0, 1, 0}, ArgMax([]float64{0.2, 0.7, 0.5}, 1))
	// Three classes a row: the first largest wins a tie, as numpy's argmax.
	p := []float64{0.2, 0.5, 0.3, 0.4, 0.4, 0.2}
	require.Equal(t, []int{1, 0}, ArgMax(p, 3))
	rows := ProbaRows(p, 3)
	require.Equal(t, [][]float64{{0.2, 0.5, 0.3}, {0.4, 0.4, 0.2}}, rows)
	require.Equal(t, 3, cap(rows[0]), "a row cannot be appended into the next")
}

func TestProbaHelpersBadShape(t *testing.T) {
	// The package promises no panic on bad input: a k below 1, a length that
	// is not whole rows, or a class outside the row gives nil.
	for _, tc := range []struct {
		name string
		p    []float64
		k, c int
	}{
		{"k 0", []float64{1, 2}, 0, 0},
		{"k negative", []float64{1, 2}, -2, 0},
		{"partial last row", []float64{1, 2, 3, 4}, 3, 0},
		{"class past the row", []float64{1, 2}, 2, 5},
		{"class negative", []float64{1, 2}, 2, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotPanics(t, func() {
				require.Nil(t, ClassProba(tc.p, tc.k, tc.c))
				if tc.c == 0 {
					require.Nil(t, ArgMax(tc.p, tc.k))
					require.Nil(t, ProbaRows(tc.p, tc.k))
				}
			})
		})
	}
	require.Equal(t, []float64{2, 4}, ClassProba([]float64{1, 2, 3, 4}, 2, 1))
	require.Empty(t, ArgMax(nil, 2))
}

func TestClassificationLabelsOutsideClasses(t *testing.T) {
	for _, tc := range []struct {
		name        string
		yTrue, yPrd []int
		labels      []string
		total       int
		accuracy    float64 // NaN when nothing was scored
		note        string
	}{
		{"labels shorter than the classes", []int{0, 1, 2}, []int{0, 1, 2}, []string{"a"}, 1, 1,
			"2 samples with labels outside the 1 class were left out"},
		{"one predicted outside", []int{0, 1, 1}, []int{0, 1, 5}, []string{"a", "b"}, 2, 1,
			"1 sample with labels outside the 2 classes was left out"},
		{"every sample outside", []int{3, 4}, []int{3, 4}, []string{"a", "b"}, 0, math.NaN(),
			"2 samples with labels outside the 2 classes were left out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Classification(tc.yTrue, tc.yPrd, tc.labels)
			require.Equal(t, tc.total, r.Total)
			if math.IsNaN(tc.accuracy) {
				require.True(t, math.IsNaN(r.Accuracy), "accuracy %v of no scored samples", r.Accuracy)
				require.True(t, math.IsNaN(r.MacroAvg.F1))
				require.True(t, math.IsNaN(r.WeightedAvg.F1))
				require.Equal(t, []string{tc.note}, r.Notes)
			} else {
				require.Equal(t, tc.accuracy, r.Accuracy)
				require.Contains(t, r.Notes, tc.note)
			}
			require.Contains(t, r.String(), "note: "+tc.note+"\n")
		})
	}
	// Nothing left out, no such note.
	r := Classification([]int{0, 1}, []int{0, 1}, []string{"a", "b"})
	require.Empty(t, r.Notes)
}

func TestWeightedConfusionMatrix(t *testing.T) {
	// Class 2 is outside nClasses=2: its pairs are left out, as unweighted.
	cm := WeightedConfusionMatrix([]int{0, 0, 1, 1, 2}, []int{0, 1, 1, 1, 0}, []float64{1, 3, 2, 0.5, 7}, 2)
	require.Equal(t, [][]float64{{1, 3}, {0, 2.5}}, cm)
	require.Nil(t, WeightedConfusionMatrix([]int{0, 1}, []int{0, 1}, []float64{1}, 2), "one weight short")
	require.Nil(t, WeightedConfusionMatrix([]int{0, 1}, []int{0}, []float64{1, 1}, 2), "one prediction short")
	require.Nil(t, WeightedConfusionMatrix([]int{0}, []int{0}, []float64{1}, 0))
}

// TestWeightedClassification: a hand-worked report, the confusion matrix
// [[1 3] [0 2.5]]; sklearn's classification_report(y, pred,
// sample_weight=w) gives the same table but writes the support 4 as 4.0.
func TestWeightedClassification(t *testing.T) {
	r := WeightedClassification([]int{0, 0, 1, 1}, []int{0, 1, 1, 1}, []float64{1, 3, 2, 0.5}, []string{"0", "1"})
	require.True(t, r.Weighted)
	requireRow(t, ClassReport{Label: "0", Precision: 1, Recall: 0.25, F1: 0.4, Support: 2, SupportWeight: 4}, r.Classes[0])
	requireRow(t, ClassReport{Label: "1", Precision: 5.0 / 11, Recall: 1, F1: 0.625, Support: 2, SupportWeight: 2.5}, r.Classes[1])
	require.InDelta(t, 7.0/13, r.Accuracy, 1e-15)
	require.Equal(t, 4, r.Total)
	require.Equal(t, 6.5, r.TotalWeight)
	requireRow(t, ClassReport{Label: "macro avg", Precision: 8.0 / 11, Recall: 0.625, F1: 0.5125, Support: 4, SupportWeight: 6.5}, r.MacroAvg)
	requireRow(t, ClassReport{Label: "weighted avg", Precision: 113.0 / 143, Recall: 7.0 / 13, F1: 3.1625 / 6.5, Support: 4, SupportWeight: 6.5}, r.WeightedAvg)
	require.Empty(t, r.Notes)
	const want = "              precision    recall  f1-score   support\n\n" +
		"           0       1.00      0.25      0.40         4\n" +
		"           1       0.45      1.00      0.62       2.5\n\n" +
		"    accuracy                           0.54       6.5\n" +
		"   macro avg       0.73      0.62      0.51       6.5\n" +
		"weighted avg       0.79      0.54      0.49       6.5\n"
	require.Equal(t, want, r.String())
}

// TestWeightedClassificationUnitWeights: weights of 1 give the unweighted
// report, to the bit and in the same layout, with the sums of the
// weights equal to the counts.
func TestWeightedClassificationUnitWeights(t *testing.T) {
	for _, tc := range []struct {
		name        string
		yTrue, yPrd []int
		labels      []string
	}{
		{"sklearn's example", []int{0, 1, 2, 2, 2}, []int{0, 0, 2, 2, 1}, []string{"class 0", "class 1", "class 2"}},
		{"zero division", []int{0, 0, 1, 1, 1, 3}, []int{0, 1, 1, 1, 0, 0}, []string{"a", "b", "c", "d"}},
		{"labels outside", []int{0, 1, 1, 2}, []int{0, 1, 5, 2}, []string{"a", "b", "c"}},
		{"default labels", []int{0, 2, 2}, []int{0, 2, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ones := make([]float64, len(tc.yTrue))
			for i := range ones {
				ones[i] = 1
			}
			plain := Classification(tc.yTrue, tc.yPrd, tc.labels)
			r := WeightedClassification(tc.yTrue, tc.yPrd, ones, tc.labels)
			require.True(t, r.Weighted)
			require.Equal(t, float64(plain.Total), r.TotalWeight)
			if len(plain.Notes) == 0 { // the weighted notes speak of weights
				require.Equal(t, plain.String(), r.String())
			}
			unweigh := func(c ClassReport) ClassReport {
				require.Equal(t, float64(c.Support), c.SupportWeight, c.Label)
				c.SupportWeight = 0
				return c
			}
			for i := range r.Classes {
				r.Classes[i] = unweigh(r.Classes[i])
			}
			r.MacroAvg, r.WeightedAvg = unweigh(r.MacroAvg), unweigh(r.WeightedAvg)
			require.Len(t, r.Notes, len(plain.Notes))
			withoutNotes := func(r Report) Report { r.Notes = nil; r.Weighted = false; r.TotalWeight = 0; return r }
			require.Equal(t, withoutNotes(plain), withoutNotes(r))
		})
	}
}

// TestWeightedClassificationRowTwice: a sample of weight 2 scores as the
// sample twice, and one of weight 0 as no sample at all (it is still
// counted in Support).
func TestWeightedClassificationRowTwice(t *testing.T) {
	y, pred := []int{0, 0, 1, 1, 2, 2, 1}, []int{0, 1, 1, 2, 2, 0, 1}
	w := []float64{0.5, 1, 1.5, 1, 0.25, 1, 1}
	heavy := slices.Clone(w)
	heavy[3] = 2
	twice := WeightedClassification(append(slices.Clone(y), y[3]), append(slices.Clone(pred), pred[3]), append(slices.Clone(w), w[3]), nil)
	requireSameScores(t, twice, WeightedClassification(y, pred, heavy, nil))

	ghost := WeightedClassification(append(slices.Clone(y), 0, 2), append(slices.Clone(pred), 1, 1), append(slices.Clone(w), 0, 0), nil)
	base := WeightedClassification(y, pred, w, nil)
	requireSameScores(t, base, ghost)
	require.Equal(t, base.Total+2, ghost.Total, "samples of weight 0 are counted")
	require.NotEqual(t, base.Accuracy, WeightedClassification(y, pred, heavy, nil).Accuracy, "a weight moves the scores")
}

// requireSameScores: a and b have the same scores and weights, within
// rounding, whatever their counts.
func requireSameScores(t *testing.T, a, b Report) {
	t.Helper()
	require.Len(t, b.Classes, len(a.Classes))
	for i, c := range append(slices.Clone(a.Classes), a.MacroAvg, a.WeightedAvg) {
		d := append(slices.Clone(b.Classes), b.MacroAvg, b.WeightedAvg)[i]
		require.InDeltaSlice(t, []float64{c.Precision, c.Recall, c.F1, c.SupportWeight},
			[]float64{d.Precision, d.Recall, d.F1, d.SupportWeight}, 1e-12, c.Label)
	}
	require.InDelta(t, a.Accuracy, b.Accuracy, 1e-12)
	require.InDelta(t, a.TotalWeight, b.TotalWeight, 1e-12)
}

func TestWeightedClassificationZeroWeights(t *testing.T) {
	// b is predicted only for a sample of weight 0: it has no precision.
	r := WeightedClassification([]int{0, 1, 0, 2}, []int{0, 2, 1, 2}, []float64{1, 2, 0, 1}, []string{"a", "b", "c"})
	require.Equal(t, 0.5, r.Accuracy)
	require.Equal(t, []string{
		"precision is ill-defined for b (never predicted in a row of weight above 0) and reported as 0, as scikit-learn does (zero_division=0)",
	}, r.Notes)
	// a's only sample weighs 0: it has no recall, and no precision.
	r = WeightedClassification([]int{0, 1}, []int{1, 1}, []float64{0, 2}, []string{"a", "b"})
	require.Equal(t, []string{
		"precision is ill-defined for a (never predicted in a row of weight above 0) and reported as 0, as scikit-learn does (zero_division=0)",
		"recall is ill-defined for a (no true rows of weight above 0) and reported as 0, as scikit-learn does (zero_division=0)",
	}, r.Notes)

	// Nothing weighs anything: no score is defined.
	r = WeightedClassification([]int{0, 1}, []int{0, 1}, []float64{0, 0}, []string{"a", "b"})
	require.Len(t, r.Classes, 2)
	require.Equal(t, 2, r.Total)
	require.True(t, math.IsNaN(r.Accuracy))
	require.True(t, math.IsNaN(r.WeightedAvg.F1))
	require.Empty(t, r.Notes)
}

func TestWeightedClassificationBadInput(t *testing.T) {
	for name, w := range map[string][]float64{"one weight short": {1}, "no weights": nil} {
		r := WeightedClassification([]int{0, 1}, []int{0, 1}, w, []string{"a", "b"})
		require.Empty(t, r.Classes, name)
		require.True(t, r.Weighted, name)
		require.True(t, math.IsNaN(r.Accuracy), name)
		require.NotPanics(t, func() { _ = r.String() })
	}
}

// TestROCCurveRefusesNonFiniteScores: ROCCurve refuses NaN and ±Inf scores,
// naming the sample, as ROCAUC does and scikit-learn 1.2.1's roc_curve does
// ("Input contains infinity").
func TestROCCurveRefusesNonFiniteScores(t *testing.T) {
	for _, tc := range binaryScoreInputErrors {
		if !strings.Contains(tc.wantErr, "scores[") {
			continue // ROCCurve words the other errors its own way
		}
		t.Run(tc.name, func(t *testing.T) {
			fpr, tpr, th, err := ROCCurve(tc.y, tc.scores)
			require.ErrorContains(t, err, "metrics: ROCCurve: "+tc.wantErr)
			require.Nil(t, fpr)
			require.Nil(t, tpr)
			require.Nil(t, th)
		})
	}
}
