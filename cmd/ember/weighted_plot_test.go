package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/plots"
)

// TestWeightedConfusionPlot: with --weight, logreg's and gbt's --plot heat
// map draws the confusion matrix the text prints (sums of weights, the
// JSON's weighted_confusion) under a title naming the weight column, not
// the matrix of row counts. The PNG is compared byte for byte with the
// heat map drawn from that matrix and title.
func TestWeightedConfusionPlot(t *testing.T) {
	weight := func(i int) string { return fmt.Sprint(float64(i%4)/2 + 0.25) } // 0.25 … 1.75
	data := writeFile(t, "train.csv", heldOutTable(200, 0, weight))
	for _, tc := range []struct {
		cmd   string
		args  []string
		title string // %d: the held-out rows
	}{
		{"logreg", nil, `logistic regression: label (%d held-out rows, weighted by column "w")`},
		{"gbt", []string{"--trees", "15"}, `GBT: label (%d held-out rows, weighted by column "w")`},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "p")
			args := append([]string{tc.cmd, "--data", data, "--features", "x", "--target", "label", "--weight", "w", "--plot", prefix, "--json"}, tc.args...)
			code, out, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
			var res struct {
				NTest             int         `json:"n_test"`
				Classes           []string    `json:"classes"`
				Confusion         [][]int     `json:"confusion"`
				WeightedConfusion [][]float64 `json:"weighted_confusion"`
				Plots             []string    `json:"plots"`
			}
			decodeLast(t, out, &res)
			require.NotEmpty(t, res.WeightedConfusion)
			require.Contains(t, res.Plots, prefix+"-confusion.png")
			got, err := os.ReadFile(prefix + "-confusion.png")
			require.NoError(t, err)

			want := filepath.Join(t.TempDir(), "want.png")
			require.NoError(t, plots.WeightedConfusionHeatmap(want, res.WeightedConfusion, res.Classes, fmt.Sprintf(tc.title, res.NTest)))
			wantBytes, err := os.ReadFile(want)
			require.NoError(t, err)
			require.Equal(t, wantBytes, got, "the heat map is the weighted matrix under the weighted title")
		})
	}
}
