package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/internal/shareddata"
)

// splitIris writes the iris file as train.csv (three rows in four) and
// test.csv (every fourth row), as the notebooks' train/test files.
func splitIris(t *testing.T) (train, test string) {
	t.Helper()
	b, err := os.ReadFile(shareddata.TestPath(t, "iris.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	tr, te := []string{lines[0]}, []string{lines[0]}
	for i, l := range lines[1:] {
		if i%4 == 3 {
			te = append(te, l)
		} else {
			tr = append(tr, l)
		}
	}
	dir := t.TempDir()
	train, test = filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	require.NoError(t, os.WriteFile(train, []byte(strings.Join(tr, "\n")+"\n"), 0o644))
	require.NoError(t, os.WriteFile(test, []byte(strings.Join(te, "\n")+"\n"), 0o644))
	return train, test
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return recs
}

// TestSaveAndPredictRoundTrip: a model fitted with --test and --save
// predicts on the test file exactly what the fit scored there.
func TestSaveAndPredictRoundTrip(t *testing.T) {
	train, test := splitIris(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"logreg", []string{"logreg", "--target", "species", "--max-iter", "1000"}},
		{"logreg standardised", []string{"logreg", "--target", "species", "--standardize"}},
		{"logreg binary ovr", []string{"logreg", "--target", "species", "--features", "sepal_length,sepal_width", "--multi", "ovr"}},
		{"logreg l1 ovr", []string{"logreg", "--target", "species", "--standardize", "--penalty", "l1", "--C", "0.1", "--multi", "ovr"}},
		{"logreg elasticnet", []string{"logreg", "--target", "species", "--standardize", "--penalty", "elasticnet", "--l1-ratio", "0.5", "--C", "0.2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".ember")
			code, out, errOut := runCmd(t, append(tc.args, "--data", train, "--test", test, "--save", model, "--json")...)
			require.Equal(t, 0, code, errOut)
			fit := lastJSON(t, out)
			require.Equal(t, 37, fit.NTest)
			require.Equal(t, test, fit.Test)
			require.Equal(t, model, fit.Saved)
			require.Contains(t, out, "split: 113 training rows, 37 test rows from "+test)

			preds := filepath.Join(dir, "pred.csv")
			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test, "--out", preds, "--id", "species", "--json")
			require.Equal(t, 0, code, errOut)
			var res predictResult
			decodeLastLine(t, out, &res)
			require.Equal(t, 37, res.Rows)
			require.Equal(t, "species", res.LabelColumn)
			require.Equal(t, fit.Accuracy, *res.Accuracy)
			recs := readCSV(t, preds)
			require.Equal(t, []string{"species", "prediction", "p_setosa", "p_versicolor", "p_virginica"}, recs[0])
			require.Len(t, recs, 38)
			var confusion [3][3]int
			for _, r := range recs[1:] {
				sum := 0.0
				for _, p := range r[2:] {
					v, err := strconv.ParseFloat(p, 64)
					require.NoError(t, err)
					sum += v
				}
				require.InDelta(t, 1, sum, 1e-12)
				confusion[classIndex(fit.Classes, r[0])][classIndex(fit.Classes, r[1])]++
			}
			for i := range 3 {
				require.Equal(t, fit.Confusion[i], confusion[i][:])
			}
		})
	}
}

func classIndex(classes []string, c string) int {
	for i, n := range classes {
		if n == c {
			return i
		}
	}
	return -1
}

func TestKMeansSaveAndPredict(t *testing.T) {
	train, test := splitIris(t)
	model := filepath.Join(t.TempDir(), "km.ember")
	code, out, errOut := runCmd(t, "kmeans", "--data", train, "--k", "3", "--target", "species", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	var fit kmeansResult
	decodeLastLine(t, out, &fit)
	// Scoring the training file assigns every row to the cluster it was
	// fitted in: the cluster sizes come back.
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", train)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "scored 113 rows of "+train+" with the kmeans model")
	sizes := make([]int, 3)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Equal(t, "cluster", lines[0])
	for _, l := range lines[1:] {
		c, err := strconv.Atoi(l)
		require.NoError(t, err)
		sizes[c]++
	}
	require.Equal(t, fit.Sizes, sizes)
	code, out, _ = runCmd(t, "predict", "--model", model, "--data", test, "--id", "species")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "species,cluster\nsetosa,"), out)

	// A value beyond the limit the fit has is refused, by its line (it was
	// assigned a cluster).
	huge := writeFile(t, "huge.csv", "sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0.2\n5,3,-1e200,0.2\n")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", huge)
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, huge+`: line 3, column "petal_length": -1e+200 is too large in magnitude (the limit is 1e+100): squared distances would overflow`)
}

func TestNaiveBayesTestFileAndPredict(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	test := filepath.Join(dir, "test.csv")
	require.NoError(t, os.WriteFile(train, []byte(reviews), 0o644))
	require.NoError(t, os.WriteFile(test, []byte("id,review,sentiment\n7,\"boring, awful\",neg\n8,great wonderful,pos\n9,great,neutral\n"), 0o644))
	model := filepath.Join(dir, "nb.ember")
	code, out, errOut := runCmd(t, "naivebayes", "--data", train, "--test", test, "--text", "review", "--label", "sentiment", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	var fit nbResult
	decodeLastLine(t, out, &fit)
	require.Equal(t, []string{"neg", "neutral", "pos"}, fit.Classes, "a class only in the test file is a class of the report")
	require.Equal(t, 3, fit.NTest)
	require.InDelta(t, 2.0/3, fit.Accuracy, 1e-12)

	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test, "--id", "id")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "id,prediction,p_neg,p_neutral,p_pos", strings.Split(out, "\n")[0])
	require.Contains(t, out, "\n7,neg,")
	require.Contains(t, out, "\n8,pos,")
	require.Contains(t, errOut, `accuracy against column "sentiment": 0.6667 (2 of 3)`)
	require.Contains(t, errOut, "  neutral    0        0    1\n", "a class the fit only saw in --test is known, never predicted")
	other := writeFile(t, "other.csv", "review,sentiment\ngreat,mixed\n")
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", other)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "1 row has a label the model was not trained on (counted as wrong)")

	// Documents without labels are scored all the same.
	unlabelled := writeFile(t, "new.csv", "review\nwhat a great cast\n")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", unlabelled)
	require.Equal(t, 0, code, errOut)
	require.True(t, strings.HasPrefix(out, "prediction,p_neg,p_neutral,p_pos\npos,"), out)
	require.NotContains(t, errOut, "accuracy against")
	require.Contains(t, errOut, unlabelled+` has no column "sentiment", so no accuracy is given`)
}

func TestNaiveBayesKaggleAndBOM(t *testing.T) {
	kaggle := shareddata.TestPath(t, "sms_spam/spam_kaggle.csv")
	model := filepath.Join(t.TempDir(), "nb.ember")
	code, out, errOut := runCmd(t, "naivebayes", "--data", kaggle, "--text", "v2", "--label", "v1", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	var fit nbResult
	decodeLastLine(t, out, &fit)
	require.Equal(t, []string{"ham", "spam"}, fit.Classes)
	require.Equal(t, []int{4825, 747}, fit.ClassCounts)
	require.Greater(t, fit.Accuracy, 0.97)

	// The UCI layout with a byte-order mark: still two classes.
	sms := shareddata.TestPath(t, "sms_spam/SMSSpamCollection")
	b, err := os.ReadFile(sms)
	require.NoError(t, err)
	bom := writeFile(t, "bom.tsv", "\ufeff"+string(b))
	code, out, errOut = runCmd(t, "naivebayes", "--data", bom, "--json")
	require.Equal(t, 0, code, errOut)
	decodeLastLine(t, out, &fit)
	require.Equal(t, []string{"ham", "spam"}, fit.Classes)

	// An SMS-layout model scores plain lines, one message each.
	code, _, errOut = runCmd(t, "naivebayes", "--data", bom, "--save", model)
	require.Equal(t, 0, code, errOut)
	plain := writeFile(t, "msgs.txt", "WINNER!! claim your free prize, now\nsee you at lunch\n")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", plain)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[1], "spam,"), lines[1])
	require.True(t, strings.HasPrefix(lines[2], "ham,"), lines[2])
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", bom, "--id", "x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--id names a column, and "+bom+" is label<TAB>text lines without a header")
}

func TestPredictBadInput(t *testing.T) {
	train, test := splitIris(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "lr.ember")
	code, _, errOut := runCmd(t, "logreg", "--data", train, "--target", "species", "--save", model)
	require.Equal(t, 0, code, errOut)

	notModel := writeFile(t, "notes.ember", "just text\n")
	b, err := os.ReadFile(model)
	require.NoError(t, err)
	truncated := writeFile(t, "short.ember", string(b[:len(b)/2]))
	foreign := filepath.Join(dir, "spam.model")
	require.NoError(t, checkpoint.Save(foreign, "ember.spamrnn", map[string]int{"x": 1}, nil))
	future := filepath.Join(dir, "future.ember")
	require.NoError(t, checkpoint.Save(future, "ember.logreg", map[string]any{"version": logregFileVersion + 1, "command": "logreg"}, nil))
	noSpecies := writeFile(t, "x.csv", "sepal_length,sepal_width\n1,2\n")
	// Scored as if fine: probabilities 0, 0, 1.
	huge := writeFile(t, "huge.csv", "sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0.2\n1e200,3,1,0.2\n")
	preds := filepath.Join(dir, "out.csv")

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"not a model", []string{"--model", notModel, "--data", test}, 1, "not an Ember model file"},
		{"xgboost model", []string{"--model", "../../models/gbt/testdata/xgb_binary.json", "--data", test}, 1, "ember score reads XGBoost .json/.ubj models"},
		{"truncated", []string{"--model", truncated, "--data", test}, 1, "truncated"},
		{"another kind", []string{"--model", foreign, "--data", test}, 1, `holds a "ember.spamrnn" model, which ember predict does not score (it scores ember.gbt, ember.kmeans, ember.logreg, ember.naivebayes); use spamrnn predict or spamrnn eval`},
		{"newer metadata", []string{"--model", future, "--data", test}, 1, fmt.Sprintf("metadata version %d is newer than this ember reads (%d)", logregFileVersion+1, logregFileVersion)},
		{"missing feature column", []string{"--model", model, "--data", noSpecies, "--out", preds}, 1, `no column "petal_length"`},
		{"huge value", []string{"--model", model, "--data", huge, "--out", preds}, 1, huge + `: line 3, column "sepal_length": 1e+200 is too large in magnitude (the limit is 1e+100)`},
		{"missing id column", []string{"--model", model, "--data", test, "--id", "row"}, 1, `--id: ` + test + `: no column "row"`},
		{"no model", []string{"--data", test}, 2, "--model is required"},
		{"empty id", []string{"--model", model, "--data", test, "--id", ""}, 2, `--id "" is empty: give a column, or leave --id out`},
		{"out over the data", []string{"--model", model, "--data", test, "--out", test}, 2, "is an input of this command"},
		{"out over the model", []string{"--model", model, "--data", test, "--out", model}, 2, "is an input of this command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, append([]string{"predict"}, tc.args...)...)
			require.Equal(t, tc.code, code, out)
			require.Contains(t, errOut, tc.msg)
			require.NoFileExists(t, preds, "a failed predict writes nothing")
		})
	}
}

// TestPredictUnlabelledRows: a data file whose label column is blank (or
// NaN) in some rows is scored in full; those rows are left out of the
// accuracy, not a failure (logreg) nor a wrong answer (gbt).
func TestPredictUnlabelledRows(t *testing.T) {
	train, test := splitIris(t)
	dir := t.TempDir()
	lr := filepath.Join(dir, "lr.ember")
	code, _, errOut := runCmd(t, "logreg", "--data", train, "--target", "species", "--save", lr)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(test)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines[1] = strings.TrimSuffix(lines[1], "setosa")
	lines[2] = strings.TrimSuffix(lines[2], "setosa") + "NaN"
	partial := writeFile(t, "partial.csv", strings.Join(lines, "\n")+"\n")

	gbtTrain := writeFile(t, "g.csv", "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n")
	gbtModel := filepath.Join(dir, "g.ember")
	code, _, errOut = runCmd(t, "gbt", "--data", gbtTrain, "--target", "y", "--trees", "5", "--test-frac", "0", "--save", gbtModel)
	require.Equal(t, 0, code, errOut)
	gbtData := writeFile(t, "gd.csv", "x,y\n1,a\n6,\n5,b\n")

	for _, tc := range []struct {
		name, model, data string
		rows, labelled    int
	}{
		{"logreg", lr, partial, len(lines) - 1, len(lines) - 3},
		{"gbt", gbtModel, gbtData, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.csv")
			code, stdout, errOut := runCmd(t, "predict", "--model", tc.model, "--data", tc.data, "--out", out, "--json")
			require.Equal(t, 0, code, errOut)
			require.Len(t, readCSV(t, out), tc.rows+1)
			require.Contains(t, stdout, fmt.Sprintf("of %d)", tc.labelled))
			require.Contains(t, stdout, "no label (left out of the accuracy)")
			require.NotContains(t, stdout, "not trained on")
			var res predictResult
			decodeLast(t, stdout, &res)
			require.Equal(t, tc.rows-tc.labelled, res.Unlabelled)
			require.Zero(t, res.Unknown)
		})
	}
}

// TestPredictRegressorRMSE: a gbt regressor scored on data with its target
// column reports the RMSE, the figure gbt itself reports on the same rows;
// rows without a target are scored and left out of it.
func TestPredictRegressorRMSE(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,z,y\n")
	for i := range 200 {
		x := float64(i%50) / 10
		fmt.Fprintf(&b, "%g,%d,%g\n", x, i%7, 3*x+float64(i%7)/10)
	}
	train := writeFile(t, "reg.csv", b.String())
	test := writeFile(t, "reg-test.csv", "x,z,y\n0.5,1,1.6\n2.5,3,7.8\n4.5,6,14.1\n1.5,2,\n")
	model := filepath.Join(t.TempDir(), "reg.ember")
	code, out, errOut := runCmd(t, "gbt", "--data", train, "--target", "y", "--objective", "reg:squarederror",
		"--test", writeFile(t, "reg-test3.csv", "x,z,y\n0.5,1,1.6\n2.5,3,7.8\n4.5,6,14.1\n"), "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	var fit gbtResult
	decodeLastLine(t, out, &fit)
	require.NotNil(t, fit.RMSE)

	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test, "--out", filepath.Join(t.TempDir(), "p.csv"), "--json")
	require.Equal(t, 0, code, errOut)
	var res predictResult
	decodeLastLine(t, out, &res)
	require.NotNil(t, res.RMSE, out)
	require.InDelta(t, *fit.RMSE, *res.RMSE, 1e-12, "the same three rows")
	require.Equal(t, 1, res.Unlabelled)
	require.Contains(t, out, `RMSE against column "y"`)
	require.Contains(t, out, "1 row has no target (left out of the RMSE)")

	// A target that is not a number is left out too, and said, as the
	// classifiers count labels they do not know: the predictions are made.
	bad := writeFile(t, "reg-bad.csv", "x,z,y\n0.5,1,abc\n2.5,3,7.8\n")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", bad)
	require.Equal(t, 0, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 3, "every row scored")
	require.Contains(t, errOut, `1 row has a target that is not a finite number, first `+bad+`: line 2: "abc" (left out of the RMSE)`)
	require.Contains(t, errOut, `RMSE against column "y"`)
	require.NotContains(t, errOut, "no target")
}

// TestPredictNaiveBayesUnlabelledRows: as for logreg and gbt, a naive
// Bayes model scored on a file whose label column is blank in some rows
// reports the accuracy over the others (it reported none).
func TestPredictNaiveBayesUnlabelledRows(t *testing.T) {
	train := writeFile(t, "nb.csv", "label,text\nspam,WIN a free prize now\nham,see you at lunch\n"+
		"spam,claim your cash prize\nham,are we meeting today\nspam,free entry win\nham,lunch at noon ok\n")
	model := filepath.Join(t.TempDir(), "nb.ember")
	code, _, errOut := runCmd(t, "naivebayes", "--data", train, "--text", "text", "--label", "label", "--test-frac", "0", "--save", model)
	require.Equal(t, 0, code, errOut)
	test := writeFile(t, "nb-test.csv", "label,text\nspam,free prize win\n,see you at lunch\nham,meeting today\n")
	code, out, errOut := runCmd(t, "predict", "--model", model, "--data", test)
	require.Equal(t, 0, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 4, "every row scored")
	require.Contains(t, errOut, `accuracy against column "label": 1.0000 (2 of 2)`)
	require.Contains(t, errOut, "1 row has no label (left out of the accuracy)")
}

// TestPredictNaiveBayesOtherLayout: a file of text<TAB>label lines scored
// with a model fitted on label<TAB>text lines (or the reverse) was scored
// on its labels, every row alike, with exit status 0.
func TestPredictNaiveBayesOtherLayout(t *testing.T) {
	dir := t.TempDir()
	smsModel, tlModel := filepath.Join(dir, "sms.ember"), filepath.Join(dir, "tl.ember")
	smsTrain := writeFile(t, "sms.txt", "ham\tsee you at lunch\nspam\twin a free prize now\nham\tmeeting today ok\nspam\tclaim your cash prize\n")
	tlTrain := writeFile(t, "tl.txt", "a wonderful film\t1\nboring and awful\t0\ngreat fun\t1\ndull plot\t0\n")
	code, _, errOut := runCmd(t, "naivebayes", "--data", smsTrain, "--format", "sms", "--test-frac", "0", "--save", smsModel)
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCmd(t, "naivebayes", "--data", tlTrain, "--format", "text-label", "--test-frac", "0", "--save", tlModel)
	require.Equal(t, 0, code, errOut)
	var many strings.Builder
	for i := range 30 {
		fmt.Fprintf(&many, "review number %d of a film\t%d\n", i, i%2)
	}
	tests := []struct {
		name, model, data, msg string
	}{
		{"many text-label lines, sms model", smsModel, many.String(),
			`: 30 different labels in 30 documents ("review number 0 of a film", "review number 1 of a film", ...) in the first field: that is text, not classes; ` +
				"the model " + smsModel + " reads label<TAB>text lines (it was fitted with --format sms)"},
		{"few text-label lines, sms model", smsModel, "a wonderful film\t1\nboring and awful\t0\ngreat fun\t1\n",
			`: the first field, where the model ` + smsModel + ` reads labels, holds none of its classes (ham, spam) but 3 different values in 3 lines ("a wonderful film", ...), ` +
				"and the last field 2: the file looks like text<TAB>label lines, and the model reads label<TAB>text lines (it was fitted with --format sms)"},
		{"sms lines, text-label model", tlModel, "ham\tsee you\nspam\tfree prize\nham\tok then\n",
			`: the last field, where the model ` + tlModel + ` reads labels, holds none of its classes (0, 1) but 3 different values in 3 lines ("see you", ...), ` +
				"and the first field 2: the file looks like label<TAB>text lines, and the model reads text<TAB>label lines (it was fitted with --format text-label)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := writeFile(t, "data.txt", tc.data)
			code, out, errOut := runCmd(t, "predict", "--model", tc.model, "--data", data)
			require.Equal(t, 1, code, out)
			require.Empty(t, out, "nothing scored")
			require.Contains(t, errOut, data+tc.msg)
		})
	}

	// Labels the model does not know, in its own layout, are scored and
	// counted as wrong, as before.
	other := writeFile(t, "other.txt", "maybe\tsee you at lunch\nmaybe\tfree prize\n")
	code, _, errOut = runCmd(t, "predict", "--model", smsModel, "--data", other)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "2 rows have a label the model was not trained on (counted as wrong)")
}

// TestScoreEmptyFlags: --features and --id given empty are errors, as in
// ember predict; they were taken for their defaults (the model's own
// feature names, no ID column).
func TestScoreEmptyFlags(t *testing.T) {
	_, test := splitIris(t)
	model := "../../models/gbt/testdata/xgb_binary.json"
	for _, tc := range []struct{ flag, want string }{
		{"--features", `--features "" is empty: give the columns, or leave --features out`},
		{"--id", `--id "" is empty: give a column, or leave --id out`},
	} {
		code, _, errOut := runCmd(t, "score", "--model", model, "--data", test, tc.flag, "")
		require.Equal(t, 2, code, errOut)
		require.Equal(t, "ember score: "+tc.want+"\n", errOut)
	}
}

// TestPredictGBTBadInput: a gbt model's data without a feature column says
// which columns the model reads, as for the other models and in ember
// score; a missing --id column is said as --id's; and a text in a numeric
// column says that the model reads the column as numbers (the advice to
// list it as categorical is for a fit, not for a fitted model), in ember
// predict and ember score alike.
func TestPredictGBTBadInput(t *testing.T) {
	train := writeFile(t, "g.csv", "x,z,y\n1,1,a\n2,1,a\n3,2,a\n4,2,b\n5,3,b\n6,3,b\n1,1,a\n2,1,a\n3,2,a\n4,2,b\n5,3,b\n6,3,b\n")
	model := filepath.Join(t.TempDir(), "g.ember")
	code, _, errOut := runCmd(t, "gbt", "--data", train, "--target", "y", "--trees", "5", "--test-frac", "0", "--save", model)
	require.Equal(t, 0, code, errOut)
	noZ := writeFile(t, "noz.csv", "x,y\n1,a\n")
	word := writeFile(t, "word.csv", "x,z,y\n1,1,a\n2,many,b\n")
	for _, tc := range []struct {
		name string
		cmd  string
		args []string
		want string
	}{
		{"missing feature", "predict", []string{"--data", noZ}, noZ + `: no column "z"; the columns are: x, y (the model ` + model + ` reads the columns x, z)`},
		{"missing id", "predict", []string{"--data", train, "--id", "row"}, `--id: ` + train + `: no column "row"; the columns are: x, z, y`},
		{"not a number", "predict", []string{"--data", word}, word + `: line 3, column "z": "many" is not a number (the model ` + model + ` reads the column as a numeric feature, as it was fitted)`},
		{"not a number, score", "score", []string{"--data", word}, word + `: line 3, column "z": "many" is not a number (the model ` + model + ` reads the column as a numeric feature, as it was fitted)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, append([]string{tc.cmd, "--model", model}, tc.args...)...)
			require.Equal(t, 1, code, out)
			require.Equal(t, "ember "+tc.cmd+": "+tc.want+"\n", errOut)
		})
	}
}

// TestScoredRowsPlural: ember predict and score say "1 row" of a file of
// one row, and predict "1 row has no label" of one unlabelled row.
func TestScoredRowsPlural(t *testing.T) {
	train, test := splitIris(t)
	model := filepath.Join(t.TempDir(), "m.ember")
	code, _, errOut := runCmd(t, "gbt", "--data", train, "--target", "species", "--trees", "5", "--save", model)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(test)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	one := writeFile(t, "one.csv", lines[0]+"\n"+lines[1]+"\n")
	unlabelled := lines[2][:strings.LastIndex(lines[2], ",")+1]
	two := writeFile(t, "two.csv", lines[0]+"\n"+lines[1]+"\n"+unlabelled+"\n")

	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", one)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "scored 1 row of "+one+" with the gbt model")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", one)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "scored 1 row of "+one+" with the ember.gbt model")
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", two)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "scored 2 rows of "+two+" with the gbt model")
	require.Contains(t, errOut, "\n1 row has no label (left out of the accuracy)\n")
}

// TestPredictParquetSaysWhichModels: a Parquet file scored with a model
// that reads text was refused with "this command reads CSV or TSV text",
// though predict reads Parquet for gbt models; it names the model's kind
// and the models that read Parquet.
func TestPredictParquetSaysWhichModels(t *testing.T) {
	train, _ := splitIris(t)
	dir := t.TempDir()
	reviewsFile := filepath.Join(dir, "reviews.csv")
	require.NoError(t, os.WriteFile(reviewsFile, []byte(reviews), 0o644))
	// The magic number is all the refusal reads.
	pq := writeFile(t, "data.parquet", "PAR1\x15\x04\x15@\"x\x00")
	for _, fit := range [][]string{
		{"logreg", "--data", train, "--target", "species"},
		{"kmeans", "--data", train, "--k", "3", "--target", "species"},
		{"naivebayes", "--data", reviewsFile, "--text", "review", "--label", "sentiment"},
	} {
		model := filepath.Join(dir, fit[0]+".ember")
		code, _, errOut := runCmd(t, append(fit, "--save", model)...)
		require.Equal(t, 0, code, errOut)
		code, out, errOut := runCmd(t, "predict", "--model", model, "--data", pq)
		require.Equal(t, 1, code, out)
		require.Equal(t, "ember predict: "+pq+" is a Parquet file; a "+fit[0]+" model scores CSV or TSV text (Parquet is read for gbt models)\n", errOut)
	}
}
