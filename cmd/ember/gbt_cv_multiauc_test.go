package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/selection"
	"github.com/stretchr/testify/require"
)

// TestGBTCVMulticlassROCAUC: ember gbt --cv 3 --grid … --metric roc_auc
// on iris's three species (refused before, as if ROC AUC were for two
// classes only) picks a grid point by the one-vs-rest ROC AUC weighted by
// class support, and prints it, unweighted and with --weight. Each fold's
// score is what ember gbt reports as the held-out weighted one-vs-rest
// ROC AUC when fitted on the fold's training rows and tested on its
// held-out ones, so that --metric roc_auc in --cv means the figure the
// held-out report and --early-stopping (XGBoost's multi-class auc) give.
func TestGBTCVMulticlassROCAUC(t *testing.T) {
	recs := readCSV(t, shareddata.TestPath(t, "iris.csv"))
	recs[0] = append(recs[0], "w")
	for i := range recs[1:] {
		recs[i+1] = append(recs[i+1], strconv.FormatFloat(float64(i%7)/2, 'g', -1, 64)) // 0 to 3, some 0
	}
	write := func(name string, rows []int) string {
		var b strings.Builder
		b.WriteString(strings.Join(recs[0], ",") + "\n")
		for _, i := range rows {
			b.WriteString(strings.Join(recs[i+1], ",") + "\n")
		}
		return writeFile(t, name, b.String())
	}
	all := make([]int, len(recs)-1)
	classes := []string{"setosa", "versicolor", "virginica"}
	labels := make([]int, len(recs)-1)
	for i, r := range recs[1:] {
		all[i], labels[i] = i, classIndex(classes, r[4])
	}
	iris := write("iris.csv", all)
	// The folds ember draws with --seed 7 from the rows in file order
	// (all of them training rows, --test being given).
	folds, err := selection.StratifiedKFold(labels, 3, 7)
	require.NoError(t, err)

	for _, weighted := range []bool{false, true} {
		common := []string{"gbt", "--target", "species", "--features", "sepal_length,sepal_width,petal_length,petal_width",
			"--trees", "8", "--lr", "0.3", "--seed", "7"}
		by := ""
		if weighted {
			common, by = append(common, "--weight", "w"), ` weighted by column "w"`
		}
		code, out, errOut := runCmd(t, append(common, "--data", iris, "--test", iris, "--cv", "3", "--grid", "max_depth=1,2", "--metric", "roc_auc", "--json")...)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "3-fold stratified cross-validation (roc_auc"+by+", mean ± std over folds):")
		require.Regexp(t, `max_depth=\d  0\.\d{4} ± 0\.\d{4}  <- best`, out)
		var res gbtResult
		decodeLast(t, out, &res)
		require.NotNil(t, res.CV)
		require.Equal(t, "roc_auc", res.CV.Metric)
		require.Len(t, res.CV.Points, 2)
		best := res.CV.Points[res.CV.Best]
		for _, p := range res.CV.Points {
			require.LessOrEqual(t, p.Mean, best.Mean)
		}

		// Refit the best point on each fold's training rows, as a file,
		// and score its held-out rows: the same figures.
		for f := range folds {
			train := write(fmt.Sprintf("train%d.csv", f), selection.TrainRows(folds, f))
			test := write(fmt.Sprintf("test%d.csv", f), folds[f])
			code, out, errOut := runCmd(t, append(common, "--data", train, "--test", test,
				"--max-depth", fmt.Sprint(best.Point["max_depth"]), "--json")...)
			require.Equal(t, 0, code, errOut)
			var fold gbtResult
			decodeLast(t, out, &fold)
			require.NotNil(t, fold.ROCAUCOVR, out)
			require.InDelta(t, fold.ROCAUCOVR.Weighted, best.Scores[f], 1e-12, "fold %d, weighted %v", f+1, weighted)
		}
		require.Less(t, slices.Min(best.Scores), 0.999, "some fold's figure is not a perfect 1")
	}
}

// TestGBTCVMulticlassROCAUCRareClass: of three classes, one with fewer
// training rows than folds leaves some folds without it, where its
// one-vs-rest ROC AUC is undefined: --metric roc_auc is refused before any
// fit, naming the class, as for two classes; without --metric, --cv
// selects by log-loss and only warns.
func TestGBTCVMulticlassROCAUCRareClass(t *testing.T) {
	var b strings.Builder // 30 rows each of a and b, 3 of c
	b.WriteString("x,label\n")
	for i := range 63 {
		label := 'a' + i%2
		if i%21 == 0 {
			label = 'c'
		}
		fmt.Fprintf(&b, "%d,%c\n", i, label)
	}
	data := writeFile(t, "rare3.csv", b.String())
	args := []string{"gbt", "--data", data, "--target", "label", "--test-frac", "0", "--cv", "5", "--grid", "max_depth=2,3", "--trees", "3"}
	code, _, errOut := runCmd(t, append(args, "--metric", "roc_auc")...)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--cv 5: class c has only 3 training rows, so some folds would have none and their ROC AUC is undefined: use --cv 3 or fewer, or --metric log_loss")
	require.NotContains(t, errOut, "cross-validated")

	code, out, errOut := runCmd(t, args...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "class c has only 3 training rows, fewer than the 5 folds: some folds have none of it")
	require.Contains(t, out, "(log_loss, mean ± std over folds)")
}
