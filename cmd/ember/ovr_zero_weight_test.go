package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/metrics"
)

// TestOVRScoresClassOfWeightZero: with weights, a class whose rows all
// weigh 0 has no one-vs-rest AUC, so the macro average is undefined, but
// the weighted one (where the class weighs 0, as in scikit-learn) is
// kept, where both were dropped; the text says why the macro one is
// missing.
func TestOVRScoresClassOfWeightZero(t *testing.T) {
	y := []int{0, 1, 2, 0, 1, 2, 0, 1}
	full := [][]float64{{.7, .2, .1}, {.2, .5, .3}, {.3, .3, .4}, {.4, .4, .2}, {.1, .8, .1}, {.5, .1, .4}, {.6, .3, .1}, {.3, .4, .3}}
	w := []float64{1, 2, 0, 1, 1, 0, 3, 1} // class 2's rows weigh 0

	o, err := ovrScores(y, full, w)
	require.NoError(t, err)
	require.NotNil(t, o)
	want, err := metrics.WeightedMultiClassROCAUC(y, full, w, metrics.WeightedAverage)
	require.NoError(t, err)
	require.Equal(t, want, o.Weighted)
	require.Nil(t, o.Macro)
	require.Equal(t, fmt.Sprintf("macro undefined (a class's rows all weigh 0, so it has no AUC), weighted %.4f (by class support)", want), o.String())

	// Every row weighing 0 leaves both undefined.
	_, err = ovrScores(y, full, make([]float64, len(y)))
	require.Error(t, err)

	// Through ember logreg: the held-out rows of class c weigh 0.
	var train, test strings.Builder
	train.WriteString("x1,x2,w,label\n")
	test.WriteString("x1,x2,w,label\n")
	for i := range 30 {
		c := i % 3
		fmt.Fprintf(&train, "%d.%d,%d.%d,1,%c\n", c, i%7, 2-c, i%5, 'a'+c)
		weight := 1 + i%2
		if c == 2 {
			weight = 0
		}
		fmt.Fprintf(&test, "%d.%d,%d.%d,%d,%c\n", c, (i+3)%7, 2-c, (i+2)%5, weight, 'a'+c)
	}
	code, out, errOut := runCmd(t, "logreg", "--data", writeFile(t, "train.csv", train.String()),
		"--test", writeFile(t, "test.csv", test.String()), "--target", "label", "--weight", "w")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "test-file weighted ROC AUC, one-vs-rest: macro undefined (a class's rows all weigh 0, so it has no AUC), weighted ")
}
