package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cvWeightTable writes x,w,label,y rows: label is yes from x = 0 up and y
// is 2x, except in every third row, which weighs 0 and has the label
// flipped and y replaced by wild(i).
func cvWeightTable(t *testing.T, name string, wild func(i int) float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,w,label,y\n")
	for i := range 240 {
		x := i%40 - 20
		label, y, w := "no", 2*float64(x), 1+float64(i%5)/2
		if x >= 0 {
			label = "yes"
		}
		if i%3 == 0 {
			w, y = 0, wild(i)
			label = map[string]string{"no": "yes", "yes": "no"}[label]
		}
		fmt.Fprintf(&b, "%d,%g,%s,%g\n", x, w, label, y)
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestGBTCVWeighted: with --weight the --cv scores are weighted (as
// scikit-learn's metrics with sample_weight): rows of weight 0, which the
// fit ignores, count for nothing in a fold's score either. A classifier
// that separates the weighted rows perfectly scores accuracy 1 on every
// fold, though the weightless rows' labels are all wrong; a regressor's
// fold scores do not change when the weightless rows' targets do.
func TestGBTCVWeighted(t *testing.T) {
	data := cvWeightTable(t, "a.csv", func(i int) float64 { return 1000 })
	cv := func(data string, args ...string) (gbtResult, string) {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--features", "x", "--weight", "w", "--trees", "20",
			"--cv", "3", "--grid", "max_depth=1,2", "--json"}, args...)...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		return res, out
	}
	for _, metric := range []string{"accuracy", "roc_auc"} {
		res, out := cv(data, "--target", "label", "--metric", metric)
		require.Contains(t, out, fmt.Sprintf("3-fold stratified cross-validation (%s weighted by column \"w\"", metric))
		for _, p := range res.CV.Points {
			require.Equal(t, []float64{1, 1, 1}, p.Scores, "%s at %v", metric, p.Point)
		}
	}
	res, _ := cv(data, "--target", "label", "--metric", "log_loss")
	require.Less(t, res.CV.Points[0].Mean, 0.2, "the weighted rows are predicted well; the weightless ones would cost about 2 nats each")

	reg, out := cv(data, "--target", "y", "--objective", "reg:squarederror")
	require.Contains(t, out, "3-fold shuffled cross-validation (rmse weighted by column \"w\"")
	wilder, _ := cv(cvWeightTable(t, "b.csv", func(i int) float64 { return -5e5 * float64(i) }), "--target", "y", "--objective", "reg:squarederror")
	require.Equal(t, reg.CV.Points, wilder.CV.Points)
	require.Less(t, reg.CV.Points[1].Mean, 10.0, "the weightless rows, 1000 off, are not in it")
}

// TestGBTCVWeightlessFold: a --cv fold whose rows all weigh 0 has no
// weighted score; it is refused before any fit, naming --weight.
func TestGBTCVWeightlessFold(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,w,y\n")
	for i := range 60 {
		w := 0
		if i == 4 || i == 5 {
			w = 1
		}
		fmt.Fprintf(&b, "%d,%d,%d\n", i, w, i%7)
	}
	data := filepath.Join(t.TempDir(), "w.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "y", "--objective", "reg:squarederror", "--weight", "w",
		"--test-frac", "0", "--cv", "3", "--grid", "max_depth=1,2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--weight w: --cv 3: selection: fold ")
	require.Contains(t, errOut, ": every row weighs 0, so its weighted score is undefined: use fewer folds, or other weights")
}
