package logreg

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// penaltyReference is testdata/penalty_reference.json, written by
// make_penalty_reference.py: sklearn's penalty="none" fits at their optimum.
type penaltyReference struct {
	Cases []struct {
		Name      string      `json:"name"`
		X         [][]float64 `json:"X"`
		Y         []int       `json:"y"`
		Multi     string      `json:"multi_class"`
		Coef      [][]float64 `json:"coef"`
		Intercept []float64   `json:"intercept"`
		Probe     [][]float64 `json:"probe"`
		Proba     [][]float64 `json:"proba"`
	} `json:"cases"`
}

// TestPenaltyNoneMatchesSklearn: Penalty None fits the unpenalised
// likelihood's optimum, as sklearn's penalty="none": coefficients,
// intercepts and probabilities within 1e-6 of newton-cg's, whatever C is
// (sklearn ignores it). The multinomial optimum is unique only up to a
// vector added to every class's row; both solvers start at zero and move
// along gradients, whose rows sum to zero, so both find the one whose
// rows sum to zero.
func TestPenaltyNoneMatchesSklearn(t *testing.T) {
	raw, err := os.ReadFile("testdata/penalty_reference.json")
	require.NoError(t, err)
	var ref penaltyReference
	require.NoError(t, json.Unmarshal(raw, &ref))
	require.Len(t, ref.Cases, 3)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m := New()
			m.Penalty, m.C, m.Tol, m.MaxIter, m.Multi = None, 0.01, 1e-10, 10000, MultiClass(c.Multi)
			require.NoError(t, m.Fit(c.X, c.Y))
			coef := m.Coef()
			require.Len(t, coef, len(c.Coef))
			for k := range coef {
				require.InDeltaSlice(t, c.Coef[k], coef[k], 1e-6, "coef row %d", k)
			}
			require.InDeltaSlice(t, c.Intercept, m.Intercept(), 1e-6)
			proba, err := m.PredictProba(c.Probe)
			require.NoError(t, err)
			for i := range proba {
				require.InDeltaSlice(t, c.Proba[i], proba[i], 1e-7, "probe %d", i)
			}
			// L2 at that C is another fit altogether.
			l2 := New()
			l2.C, l2.Tol, l2.MaxIter, l2.Multi = 0.01, 1e-10, 10000, MultiClass(c.Multi)
			require.NoError(t, l2.Fit(c.X, c.Y))
			require.Greater(t, maxAbsDiff(c.Coef[0], l2.Coef()[0]), 0.1)
		})
	}
}

func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = max(d, abs(a[i]-b[i]))
	}
	return d
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestPenaltyZeroValueIsL2 and an unknown penalty: "" fits as L2, and a
// misspelt one is an error naming it.
func TestPenaltyZeroValueIsL2(t *testing.T) {
	X := [][]float64{{-1, -2}, {-2, -1}, {-3, -2}, {1, 3}, {2, 1}, {3, 2}, {0.5, -0.5}, {-0.5, 0.5}}
	y := []int{0, 0, 0, 1, 1, 1, 0, 1}
	a, b := New(), New()
	b.Penalty = ""
	require.NoError(t, a.Fit(X, y))
	require.NoError(t, b.Fit(X, y))
	require.Equal(t, a.Coef(), b.Coef())
	b.Penalty = "L1"
	require.EqualError(t, b.Fit(X, y), `logreg: unknown Penalty "L1"; want "l2", "l1", "elasticnet" or "none"`)
}
