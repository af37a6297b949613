package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/emberml/ember/metrics"
	"github.com/stretchr/testify/require"
)

// TestClassifierReportsOneVsRestROCAUC: on three classes (the
// heldout_weighted.json fixture's logreg_multi tables, unweighted), ember
// logreg, gbt (multi:softprob) and naivebayes --model gaussian report the
// one-vs-rest ROC AUC, macro and weighted, in their text and JSON, as
// does ember predict of each saved model; each is metrics'
// MultiClassROCAUC of the model's test probabilities (as ember predict
// writes them). On two classes they report the binary ROC AUC alone.
func TestClassifierReportsOneVsRestROCAUC(t *testing.T) {
	f := loadHeldOutFixture(t)
	train, test := writeFile(t, "train.csv", f.LogregMulti.Train), writeFile(t, "test.csv", f.LogregMulti.Test)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"logreg", []string{"logreg", "--features", "x1,x2"}},
		{"gbt", []string{"gbt", "--features", "x1,x2", "--objective", "multi:softprob", "--trees", "10"}},
		{"naivebayes", []string{"naivebayes", "--model", "gaussian", "--features", "x1,x2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(dir, tc.name+".ember")
			code, out, errOut := runCmd(t, append(tc.args, "--data", train, "--test", test, "--target", "label", "--save", model, "--json")...)
			require.Equal(t, 0, code, errOut)
			var fit struct {
				ROCAUC    *float64   `json:"roc_auc"`
				ROCAUCOVR *ovrROCAUC `json:"roc_auc_ovr"`
			}
			decodeLast(t, out, &fit)
			require.Nil(t, fit.ROCAUC)
			require.NotNil(t, fit.ROCAUCOVR, out)

			preds := filepath.Join(dir, tc.name+"-pred.csv")
			code, pout, errOut := runCmd(t, "predict", "--model", model, "--data", test, "--out", preds, "--id", "label", "--json")
			require.Equal(t, 0, code, errOut)
			var pres predictResult
			decodeLastLine(t, pout, &pres)
			require.NotNil(t, pres.ROCAUCOVR, pout)
			require.Nil(t, pres.ROCAUC)

			recs := readCSV(t, preds)
			require.Equal(t, []string{"label", "prediction", "p_a", "p_b", "p_c"}, recs[0])
			y, proba := make([]int, len(recs)-1), make([][]float64, len(recs)-1)
			for i, r := range recs[1:] {
				y[i] = classIndex([]string{"a", "b", "c"}, r[0])
				for _, s := range r[2:] {
					p, err := strconv.ParseFloat(s, 64)
					require.NoError(t, err)
					proba[i] = append(proba[i], p)
				}
			}
			macro, err := metrics.MultiClassROCAUC(y, proba, metrics.MacroAverage)
			require.NoError(t, err)
			weighted, err := metrics.MultiClassROCAUC(y, proba, metrics.WeightedAverage)
			require.NoError(t, err)
			require.NotEqual(t, macro, weighted)
			for _, got := range []*ovrROCAUC{fit.ROCAUCOVR, pres.ROCAUCOVR} {
				require.InDelta(t, macro, *got.Macro, 1e-12)
				require.InDelta(t, weighted, got.Weighted, 1e-12)
			}
			figures := fmt.Sprintf("macro %.4f (the classes' mean), weighted %.4f (by class support)\n", macro, weighted)
			require.Contains(t, out, " ROC AUC, one-vs-rest: "+figures) // gbt says held-out, the others test-file
			require.Contains(t, pout, `ROC AUC, one-vs-rest, against column "label": `+figures)
		})
	}

	// Two classes: the binary ROC AUC, no one-vs-rest line.
	train, test = writeFile(t, "train2.csv", f.LogregBinary.Train), writeFile(t, "test2.csv", f.LogregBinary.Test)
	code, out, errOut := runCmd(t, "logreg", "--features", "x1,x2", "--data", train, "--test", test, "--target", "label", "--json")
	require.Equal(t, 0, code, errOut)
	res := lastJSON(t, out)
	require.NotNil(t, res.ROCAUC)
	require.Nil(t, res.ROCAUCOVR)
	require.Contains(t, out, "test-file ROC AUC: ")
	require.NotContains(t, out, "one-vs-rest")
}
