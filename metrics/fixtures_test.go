package metrics

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// readFixtureCases reads testdata/file, a JSON object of named cases that
// a committed script wrote, and requires wantCases of them, so that a
// fixture that lost cases fails rather than checking less.
func readFixtureCases[C any](t *testing.T, file string, wantCases int) map[string]C {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	require.NoError(t, err)
	var cases map[string]C
	require.NoError(t, json.Unmarshal(b, &cases))
	require.Len(t, cases, wantCases)
	return cases
}

// binaryScoreInputError is an input that a binary scorer over (yTrue,
// scores) refuses, and the words its error has.
type binaryScoreInputError struct {
	name    string
	y       []int
	scores  []float64
	wantErr string
}

// binaryScoreInputErrors are the inputs that every binary scorer over
// (yTrue, scores) refuses alike: ROCAUC, AveragePrecision and
// PrecisionRecallCurve.
var binaryScoreInputErrors = []binaryScoreInputError{
	{"mismatched", []int{0, 1}, []float64{0.2}, "2 labels but 1 scores"},
	{"empty", nil, nil, "no samples"},
	{"non-binary label", []int{0, 2}, []float64{0.2, 0.3}, "yTrue[1] = 2"},
	{"NaN score", []int{0, 1}, []float64{0.2, math.NaN()}, "scores[1] is NaN"},
	// scikit-learn 1.2.1's check_array refuses infinite scores too.
	{"+Inf score", []int{0, 1, 0}, []float64{0.2, math.Inf(1), 0.1}, "scores[1] is +Inf; scores must be finite"},
	{"-Inf score", []int{0, 1, 0}, []float64{0.2, 0.3, math.Inf(-1)}, "scores[2] is -Inf; scores must be finite"},
}
