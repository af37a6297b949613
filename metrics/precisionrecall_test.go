package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// prCase is one case of testdata/precision_recall.json, scikit-learn 1.2's
// figures (testdata/make_precision_recall.py).
type prCase struct {
	Y            []int      `json:"y"`
	S            []float64  `json:"s"`
	AP           float64    `json:"ap"`
	Precision    []float64  `json:"precision"`
	Recall       []float64  `json:"recall"`
	PRThresholds []float64  `json:"pr_thresholds"`
	AUC          *float64   `json:"auc"` // nil with one class
	FPR          []float64  `json:"fpr"`
	TPR          []float64  `json:"tpr"`
	ROCThreshold []*float64 `json:"roc_thresholds"` // the first, +Inf here, is null
}

func readPRCases(t *testing.T) map[string]prCase {
	t.Helper()
	return readFixtureCases[prCase](t, "precision_recall.json", 7)
}

// TestAveragePrecisionMatchesSklearn: AveragePrecision and
// PrecisionRecallCurve are scikit-learn 1.2's average_precision_score and
// precision_recall_curve over ties within and across classes, all scores
// tied, no negatives and float32 probabilities; ROCAUC and ROCCurve its
// roc_auc_score and roc_curve(drop_intermediate=False) on the same cases.
func TestAveragePrecisionMatchesSklearn(t *testing.T) {
	for name, c := range readPRCases(t) {
		t.Run(name, func(t *testing.T) {
			ap, err := AveragePrecision(c.Y, c.S)
			require.NoError(t, err)
			require.InDelta(t, c.AP, ap, 1e-12)

			p, r, th, err := PrecisionRecallCurve(c.Y, c.S)
			require.NoError(t, err)
			require.Equal(t, c.PRThresholds, th)
			require.InDeltaSlice(t, c.Precision, p, 1e-15)
			require.InDeltaSlice(t, c.Recall, r, 1e-15)

			if c.AUC == nil {
				_, err := ROCAUC(c.Y, c.S)
				require.ErrorContains(t, err, "only one class")
				return
			}
			auc, err := ROCAUC(c.Y, c.S)
			require.NoError(t, err)
			require.InDelta(t, *c.AUC, auc, 1e-12)
			fpr, tpr, rth, err := ROCCurve(c.Y, c.S)
			require.NoError(t, err)
			require.InDeltaSlice(t, c.FPR, fpr, 1e-15)
			require.InDeltaSlice(t, c.TPR, tpr, 1e-15)
			require.Len(t, rth, len(c.ROCThreshold))
			require.True(t, math.IsInf(rth[0], 1), "the first ROC point is at +Inf")
			for i := 1; i < len(rth); i++ {
				require.Equal(t, *c.ROCThreshold[i], rth[i])
			}
		})
	}
}

// TestAveragePrecisionIsStepArea: AP is the area under the
// precision-recall curve drawn as steps (precision[i] from recall[i+1] to
// recall[i]), not the trapezoid through its points.
func TestAveragePrecisionIsStepArea(t *testing.T) {
	for name, c := range readPRCases(t) {
		p, r, _, err := PrecisionRecallCurve(c.Y, c.S)
		require.NoError(t, err)
		var area float64
		for i := 0; i+1 < len(r); i++ {
			area += (r[i] - r[i+1]) * p[i]
		}
		ap, err := AveragePrecision(c.Y, c.S)
		require.NoError(t, err)
		require.InDelta(t, area, ap, 1e-12, name)
	}
	// By hand: positives at ranks 1 and 3 of 4 give (1 + 2/3)/2.
	ap, err := AveragePrecision([]int{1, 0, 1, 0}, []float64{0.9, 0.8, 0.7, 0.1})
	require.NoError(t, err)
	require.InDelta(t, 5.0/6, ap, 1e-15)
}

func TestAveragePrecisionErrors(t *testing.T) {
	tests := append([]binaryScoreInputError{
		{"no positives", []int{0, 0}, []float64{0.2, 0.3}, "no positive sample in yTrue (all 2 are 0)"},
	}, binaryScoreInputErrors...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AveragePrecision(tc.y, tc.scores)
			require.ErrorContains(t, err, "metrics: AveragePrecision: "+tc.wantErr)
			require.True(t, math.IsNaN(got))
			p, r, th, err := PrecisionRecallCurve(tc.y, tc.scores)
			require.ErrorContains(t, err, "metrics: PrecisionRecallCurve: "+tc.wantErr)
			require.Nil(t, p)
			require.Nil(t, r)
			require.Nil(t, th)
		})
	}
}
