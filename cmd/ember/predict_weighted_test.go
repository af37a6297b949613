package main

import (
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// predictWeighted runs ember predict --weight w on data with model, the
// predictions to a file, and returns the --json summary, the text
// summary and the predictions.
func predictWeighted(t *testing.T, model, data string, args ...string) (predictResult, string, [][]string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pred.csv")
	code, stdout, errOut := runCmd(t, append([]string{"predict", "--model", model, "--data", data, "--out", out, "--json"}, args...)...)
	require.Equal(t, 0, code, errOut)
	var res predictResult
	decodeLastLine(t, stdout, &res)
	return res, stdout, readCSV(t, out)
}

// TestPredictWeightedLogregSklearn: ember predict --weight scores a saved
// logreg model on its test file as ember logreg --weight scored it there,
// and as scikit-learn's accuracy_score and confusion_matrix with
// sample_weight score LogisticRegression fitted with the same weights
// (testdata/make_heldout_weighted.py), within 1e-12.
func TestPredictWeightedLogregSklearn(t *testing.T) {
	f := loadHeldOutFixture(t)
	for name, c := range map[string]logregCase{"binary": f.LogregBinary, "multi": f.LogregMulti} {
		t.Run(name, func(t *testing.T) {
			train, test := writeFile(t, "train.csv", c.Train), writeFile(t, "test.csv", c.Test)
			save := filepath.Join(t.TempDir(), "m.ember")
			code, out, errOut := runCmd(t, "logreg", "--data", train, "--test", test, "--target", "label", "--weight", "w",
				"--tol", "1e-10", "--max-iter", "10000", "--save", save, "--json")
			require.Equal(t, 0, code, errOut)
			fit := lastJSON(t, out)

			res, text, _ := predictWeighted(t, save, test, "--weight", "w")
			require.True(t, res.ScoresWeighted)
			require.Equal(t, "w", res.Weight)
			require.NotNil(t, res.Accuracy)
			require.InDelta(t, fit.Accuracy, *res.Accuracy, 1e-12, "as ember logreg scored its test file")
			require.InDelta(t, c.Accuracy, *res.Accuracy, sklearnTol, "as scikit-learn")
			requireMatrixClose(t, fit.WeightedConfusion, res.WeightedConfusion)
			requireMatrixClose(t, c.Confusion, res.WeightedConfusion)
			require.NotNil(t, res.LogLoss)
			require.InDelta(t, fit.LogLoss, *res.LogLoss, 1e-12, "as ember logreg scored its test file")
			// The two fits agree to L-BFGS's tolerance, not to the last bit
			// (as TestLogregHeldOutWeightedSklearn allows).
			require.InDelta(t, c.LogLoss, *res.LogLoss, 1e-5, "as scikit-learn")
			require.Equal(t, c.ROCAUC == nil, res.ROCAUC == nil, "an AUC for two classes only")
			if c.ROCAUC != nil {
				require.InDelta(t, *c.ROCAUC, *res.ROCAUC, 1e-5, "as scikit-learn")
				require.Contains(t, text, fmt.Sprintf("weighted ROC AUC against column \"label\": %.4f\n", *res.ROCAUC))
			}
			require.Contains(t, text, fmt.Sprintf("weighted log loss against column \"label\": %.4f\n", *res.LogLoss))
			var total float64
			for _, v := range strings.Split(strings.TrimSpace(c.Test), "\n")[1:] {
				w, err := strconv.ParseFloat(strings.Split(v, ",")[2], 64)
				require.NoError(t, err)
				total += w
			}
			require.Contains(t, text, fmt.Sprintf("weighted accuracy against column \"label\": %.4f (weight ", c.Accuracy))
			require.Contains(t, text, fmt.Sprintf(" of %.6g, in %d rows)\n", total, len(c.Proba)/len(c.Classes)))
			require.Contains(t, text, `confusion matrix weighted by column "w" (sums of weights; rows: true class, columns: predicted):`)
			require.NotContains(t, text, "\nconfusion matrix (rows", "the counts' matrix is not printed as well")

			// Without --weight: the counts, as before.
			plain, text, _ := predictWeighted(t, save, test)
			require.False(t, plain.ScoresWeighted)
			require.Empty(t, plain.Weight)
			require.Nil(t, plain.WeightedConfusion)
			// No score is weighted; the one-vs-rest ROC AUC's weighted
			// average (by class support), in the text and the JSON, is the
			// only "weighted" there.
			unweighted := strings.NewReplacer(", weighted ", ", ", `"weighted":`, `"":`).Replace(text)
			require.NotContains(t, unweighted, "weighted")
			require.Contains(t, text, "\naccuracy against column \"label\": ")
			require.NotNil(t, plain.LogLoss)
			require.NotEqual(t, *res.LogLoss, *plain.LogLoss, "the weights change the log loss")
		})
	}
}

// TestPredictWeightedGBT: ember predict --weight scores a saved gbt model,
// classifier and Poisson regressor, on its --test file as ember gbt
// --weight scored it there (weighted accuracy and confusion matrix, RMSE);
// rows of weight 0 with other labels and targets change nothing, and a
// row of weight 2 scores as the row twice.
func TestPredictWeightedGBT(t *testing.T) {
	train, test, testCSV := weightedHeldOutFiles(t)
	for _, tc := range weightedHeldOutFits {
		t.Run(tc.name, func(t *testing.T) {
			save := filepath.Join(t.TempDir(), "m.ember")
			fit, _ := gbtHeldOut(t, train, append([]string{"--weight", "w", "--test", test, "--save", save}, tc.args...)...)
			require.True(t, fit.ScoresWeighted)

			res, text, _ := predictWeighted(t, save, test, "--weight", "w")
			require.True(t, res.ScoresWeighted)
			if tc.name == "classifier" {
				require.InDelta(t, *fit.Accuracy, *res.Accuracy, 1e-12)
				requireMatrixClose(t, fit.WeightedConfusion, res.WeightedConfusion)
				require.Contains(t, text, `weighted accuracy against column "label": `)
			} else {
				require.InDelta(t, *fit.RMSE, *res.RMSE, 1e-12)
				require.Nil(t, res.WeightedConfusion)
				require.Contains(t, text, `weighted RMSE against column "y": `)
			}

			lines := strings.Split(strings.TrimSpace(testCSV), "\n")
			ghosts := append([]string(nil), lines...)
			for _, l := range lines[1:6] {
				f := strings.Split(l, ",")
				f[1], f[2], f[3] = "0", map[string]string{"yes": "no", "no": "yes"}[f[2]], "40"
				ghosts = append(ghosts, strings.Join(f, ","))
			}
			heavy := append([]string(nil), lines...)
			heavy[3] = strings.Replace(heavy[3], ",1,", ",2,", 1) // row 2 weighs 1
			twice := append(append([]string(nil), lines...), lines[3])
			score := func(name string, lines []string) predictResult {
				r, _, _ := predictWeighted(t, save, writeFile(t, name, strings.Join(lines, "\n")+"\n"), "--weight", "w")
				return r
			}
			same := func(a, b predictResult, what string) {
				t.Helper()
				for _, p := range [][2]*float64{{a.Accuracy, b.Accuracy}, {a.RMSE, b.RMSE}} {
					require.Equal(t, p[0] == nil, p[1] == nil, what)
					if p[0] != nil {
						require.InDelta(t, *p[0], *p[1], 1e-12, what)
					}
				}
				if a.WeightedConfusion != nil {
					requireMatrixClose(t, a.WeightedConfusion, b.WeightedConfusion)
				}
			}
			same(res, score("ghosts.csv", ghosts), "rows of weight 0")
			heavyRes := score("heavy.csv", heavy)
			same(heavyRes, score("twice.csv", twice), "a row of weight 2 and the row twice")
			if tc.name == "classifier" {
				require.NotEqual(t, res.WeightedConfusion, heavyRes.WeightedConfusion, "a row's weight moves the scores")
			} else {
				require.NotEqual(t, *res.RMSE, *heavyRes.RMSE, "a row's weight moves the scores")
			}
		})
	}
}

// TestPredictWeightedDefinition: with rows of unknown and missing labels,
// the weighted accuracy is the weight of the rows predicted right over
// that of the labelled rows (unknown labels count as wrong, missing ones
// are left out, as without weights), recomputed here from the predictions,
// for a logreg and a naive Bayes (csv) model.
func TestPredictWeightedDefinition(t *testing.T) {
	c := loadHeldOutFixture(t).LogregMulti
	lrModel := filepath.Join(t.TempDir(), "lr.ember")
	code, _, errOut := runCmd(t, "logreg", "--data", writeFile(t, "train.csv", c.Train), "--target", "label", "--weight", "w", "--save", lrModel)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(c.Test), "\n")
	lines[1] = lines[1][:strings.LastIndex(lines[1], ",")] + ",zz" // a label the model does not know
	lines[2] = lines[2][:strings.LastIndex(lines[2], ",")] + ","   // no label
	lines[3] = lines[3][:strings.LastIndex(lines[3], ",")] + ",NaN"
	lrData := strings.Join(lines, "\n") + "\n"

	nbModel := filepath.Join(t.TempDir(), "nb.ember")
	code, _, errOut = runCmd(t, "naivebayes", "--data", writeFile(t, "nb.csv", "label,text\nspam,WIN a free prize now\nham,see you at lunch\n"+
		"spam,claim your cash prize\nham,are we meeting today\nspam,free entry win\nham,lunch at noon ok\n"), "--text", "text", "--label", "label", "--test-frac", "0", "--save", nbModel)
	require.Equal(t, 0, code, errOut)
	nbData := "text,w,label\nfree prize win,2,spam\nsee you at lunch,1.5,\nmeeting today,0.25,ham\nfree lunch,3,ham\nwin cash,0,ham\nhello,1,maybe\n"

	for _, tc := range []struct {
		name, model, data         string
		weightField, labelField   int
		unknown, unlabelled, rows int
	}{
		{"logreg", lrModel, lrData, 2, 3, 1, 2, len(lines) - 3},
		{"naive Bayes", nbModel, nbData, 1, 2, 1, 1, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := writeFile(t, "data.csv", tc.data)
			res, text, preds := predictWeighted(t, tc.model, data, "--weight", "w")
			recs, err := csv.NewReader(strings.NewReader(tc.data)).ReadAll()
			require.NoError(t, err)
			var right, total float64
			for i, rec := range recs[1:] {
				label := rec[tc.labelField]
				if label == "" || label == "NaN" {
					continue
				}
				w, err := strconv.ParseFloat(rec[tc.weightField], 64)
				require.NoError(t, err)
				total += w
				if preds[i+1][0] == label {
					right += w
				}
			}
			require.NotZero(t, right)
			require.InDelta(t, right/total, *res.Accuracy, 1e-15)
			require.Equal(t, tc.unknown, res.Unknown)
			require.Equal(t, tc.unlabelled, res.Unlabelled)
			require.Contains(t, text, fmt.Sprintf("(weight %.6g of %.6g, in %d rows)", right, total, tc.rows))
			require.Contains(t, text, "(counted as wrong)")
			require.Contains(t, text, "(left out of the accuracy)")
			require.NotNil(t, res.LogLoss)
			require.Contains(t, text, fmt.Sprintf("weighted log loss against column %q: %.4f (of the %d rows of labels it was trained on)\n",
				res.LabelColumn, *res.LogLoss, tc.rows-tc.unknown))
		})
	}
}

// TestPredictWeightErrors: a --weight that cannot weigh the scores is an
// error naming the file, line and column, before anything is written: a
// model with no labels (k-means) or whose files have no columns (naive
// Bayes of label<TAB>text lines), data without the weight or the label
// column, a missing, negative or non-numeric weight, labelled rows that
// all weigh 0, and the label column given as the weights.
func TestPredictWeightErrors(t *testing.T) {
	dir := t.TempDir()
	train := writeFile(t, "train.csv", heldOutTable(60, 0, func(i int) string { return "1" }))
	lr, gbtModel, km := filepath.Join(dir, "lr.ember"), filepath.Join(dir, "gbt.ember"), filepath.Join(dir, "km.ember")
	nbSMS, nbCSV := filepath.Join(dir, "sms.ember"), filepath.Join(dir, "nbcsv.ember")
	for _, args := range [][]string{
		{"logreg", "--data", train, "--target", "label", "--features", "x", "--save", lr},
		{"gbt", "--data", train, "--target", "label", "--features", "x", "--trees", "5", "--save", gbtModel},
		{"kmeans", "--data", train, "--k", "2", "--features", "x", "--save", km},
		{"naivebayes", "--data", writeFile(t, "sms.txt", "ham\tsee you\nspam\tfree prize\nham\tlunch ok\nspam\twin cash\n"), "--format", "sms", "--test-frac", "0", "--save", nbSMS},
		{"naivebayes", "--data", writeFile(t, "nb.csv", "text,label\nsee you,ham\nfree prize,spam\nlunch ok,ham\nwin cash,spam\n"), "--text", "text", "--label", "label", "--test-frac", "0", "--save", nbCSV},
	} {
		code, _, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
	}
	good := writeFile(t, "good.csv", "x,w,label,text\n1,1,yes,free prize\n-1,2,no,see you\n")
	noWeight := writeFile(t, "noweight.csv", "x,label,text\n1,yes,free\n")
	noLabel := writeFile(t, "nolabel.csv", "x,w,text\n1,1,free\n")
	missing := writeFile(t, "missing.csv", "x,w,label,text\n1,1,yes,free\n-1,,no,lunch\n")
	negative := writeFile(t, "negative.csv", "x,w,label,text\n1,1,yes,free\n-1,-2,no,lunch\n")
	word := writeFile(t, "word.csv", "x,w,label,text\n1,heavy,yes,free\n")
	// The one row of weight above 0 has no label.
	zero := writeFile(t, "zero.csv", "x,w,label,text\n1,0,yes,free\n-1,3,,lunch\n2,0,no,win\n")
	unlabelled := writeFile(t, "unlabelled.csv", "x,w,label,text\n1,1,,free\n-1,3,NaN,lunch\n")
	type errCase struct{ name, model, data, weight, want string }
	cases := []errCase{
		{"k-means", km, good, "w", "--weight w: the kmeans model " + km + " assigns clusters and is scored against no labels, so there are no scores to weigh; leave --weight out"},
		{"naive Bayes of lines", nbSMS, good, "w", "--weight w: the naive Bayes model " + nbSMS + " reads label<TAB>text lines, which have no columns to hold weights"},
		{"naive Bayes text column", nbCSV, good, "text", "--weight text is the text column of the model " + nbCSV},
	}
	for _, m := range []struct{ name, path, label string }{{"logreg", lr, "label"}, {"gbt", gbtModel, "label"}, {"naive Bayes", nbCSV, "label"}} {
		cases = append(cases,
			errCase{m.name + ": no weight column", m.path, noWeight, "w", "--weight: " + noWeight + `: no column "w"; the columns are: x, label, text`},
			errCase{m.name + ": no label column", m.path, noLabel, "w", "--weight w: " + noLabel + ` has no column "label", the model's label, so there are no scores to weigh (leave --weight out to predict only)`},
			errCase{m.name + ": missing weight", m.path, missing, "w", "--weight w: " + missing + ": line 3: missing weight"},
			errCase{m.name + ": negative weight", m.path, negative, "w", "--weight w: " + negative + `: line 3: weight "-2" is not a`},
			errCase{m.name + ": weight not a number", m.path, word, "w", "--weight w: " + word + `: line 2: weight "heavy" is not a`},
			errCase{m.name + ": labelled rows weigh 0", m.path, zero, "w", "--weight w: every one of the rows of " + zero + ` with a label weighs 0, so the weighted scores against column "label" are undefined: give some of them a weight above 0`},
			errCase{m.name + ": no labels", m.path, unlabelled, "w", "--weight w: no row of " + unlabelled + ` has a label in column "label", so there are no scores to weigh`},
			errCase{m.name + ": the label column", m.path, good, m.label, "--weight label is the label column of the model " + m.path + "; give a column of row weights"},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.csv")
			code, stdout, errOut := runCmd(t, "predict", "--model", tc.model, "--data", tc.data, "--weight", tc.weight, "--out", out)
			require.Equal(t, 1, code, stdout)
			require.Contains(t, errOut, tc.want)
			require.NoFileExists(t, out)
		})
	}
	code, _, errOut := runCmd(t, "predict", "--model", lr, "--data", good, "--weight", "")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `--weight "" is empty: give a column, or leave --weight out`)

	// Without --weight, the weight column is another column.
	code, _, errOut = runCmd(t, "predict", "--model", lr, "--data", good)
	require.Equal(t, 0, code, errOut)
}
