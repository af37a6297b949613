package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/logreg"
)

// runCmd runs the ember command in-process and returns its exit status,
// stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// lastJSON decodes the last line of the output as the --json object.
func lastJSON(t *testing.T, out string) logregResult {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var res logregResult
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &res), "last line: %s", lines[len(lines)-1])
	return res
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func requirePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Greater(t, img.Bounds().Dx(), 300)
}

func TestLogregIris(t *testing.T) {
	iris := shareddata.TestPath(t, "iris.csv")
	prefix := filepath.Join(t.TempDir(), "iris")
	code, out, errOut := runCmd(t, "logreg", "--data", iris, "--target", "species", "--json", "--plot", prefix)
	require.Equal(t, 0, code, errOut)

	// Human-readable parts.
	for _, want := range []string{
		`target "species": 3 classes (setosa, versicolor, virginica), 4 features`,
		"split: 111 training rows, 39 held-out rows", // stratified: ceil(0.25·50) = 13 of each class
		"multinomial, C=1, tol=0.0001, max-iter 100",
		"coefficients:", "sepal_length", "petal_width",
		"confusion matrix (rows: true class, columns: predicted):",
		"              precision    recall  f1-score   support",
		"weighted avg",
	} {
		require.Contains(t, out, want)
	}

	res := lastJSON(t, out)
	require.Equal(t, []string{"setosa", "versicolor", "virginica"}, res.Classes)
	require.Equal(t, "multinomial", res.Multi)
	require.Equal(t, 111, res.NTrain)
	require.Equal(t, 39, res.NTest)
	require.Equal(t, "test", res.EvalOn)
	require.Len(t, res.Coef, 3)
	require.Len(t, res.Coef[0], 4)
	require.Len(t, res.Intercept, 3)
	require.GreaterOrEqual(t, res.Accuracy, 0.9)
	require.Less(t, res.LogLoss, 0.3)
	require.Nil(t, res.ROCAUC, "ROC AUC is for binary targets")
	total, diag := 0, 0
	for i, row := range res.Confusion {
		for j, v := range row {
			total += v
			if i == j {
				diag += v
			}
		}
	}
	require.Equal(t, 39, total)
	require.InDelta(t, float64(diag)/39, res.Accuracy, 1e-12)
	require.Len(t, res.Report, 3)
	require.Equal(t, 39, res.MacroAvg.Support)

	// Unscaled iris needs more than 100 iterations, as in sklearn: the
	// warning must be visible, not swallowed.
	require.False(t, res.Converged)
	require.Contains(t, out, "converged: NO")
	require.Contains(t, errOut, "warning: lbfgs did not converge after 100 iterations")
	// The flags that help, not the library's field (it said "increase MaxIter").
	require.Contains(t, errOut, "; increase --max-iter (now 100) or scale the features with --standardize\n")
	require.NotContains(t, errOut, "MaxIter")
	require.Equal(t, []string{strings.TrimSuffix(strings.TrimPrefix(errOut, "warning: "), "\n")}, res.Warnings)

	// Four features: a confusion matrix but no boundary plot.
	require.Equal(t, []string{prefix + "-confusion.png"}, res.Plots)
	requirePNG(t, prefix+"-confusion.png")
	_, err := os.Stat(prefix + "-boundary.png")
	require.True(t, os.IsNotExist(err))
}

func TestLogregTwoFeaturesPlotsBoundary(t *testing.T) {
	iris := shareddata.TestPath(t, "iris.csv")
	dir := t.TempDir()

	// Three classes: decision regions.
	prefix := filepath.Join(dir, "multi")
	code, out, errOut := runCmd(t, "logreg", "--data", iris, "--target", "species",
		"--features", "petal_length, petal_width", "--max-iter", "1000", "--json", "--plot", prefix)
	require.Equal(t, 0, code, errOut)
	res := lastJSON(t, out)
	require.True(t, res.Converged)
	require.Equal(t, []string{"petal_length", "petal_width"}, res.Features)
	require.Equal(t, []string{prefix + "-confusion.png", prefix + "-boundary.png"}, res.Plots)
	requirePNG(t, prefix+"-boundary.png")

	// Two classes (setosa and versicolor rows): a probability boundary, a
	// single coefficient row and a ROC AUC.
	b, err := os.ReadFile(iris)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	binary := writeFile(t, "iris100.csv", strings.Join(lines[:101], ""))
	prefix = filepath.Join(dir, "bin")
	code, out, errOut = runCmd(t, "logreg", "--data", binary, "--target", "species",
		"--features", "sepal_length,sepal_width", "--json", "--plot", prefix)
	require.Equal(t, 0, code, errOut)
	res = lastJSON(t, out)
	require.Equal(t, "binary", res.Multi)
	require.Len(t, res.Coef, 1)
	require.Equal(t, []string{"versicolor"}, res.CoefRows)
	require.NotNil(t, res.ROCAUC)
	require.Greater(t, *res.ROCAUC, 0.95)
	require.Contains(t, out, "versicolor (log-odds vs setosa)")
	// A row per feature, a column per class: readable at any feature count.
	require.Regexp(t, `\n +feature +versicolor \(log-odds vs setosa\)\n +\(intercept\) +\S+\n +sepal_length +\S+\n +sepal_width +\S+\n`, out)
	requirePNG(t, prefix+"-boundary.png")
}

func TestLogregOptions(t *testing.T) {
	iris := shareddata.TestPath(t, "iris.csv")

	// --test-frac 0 scores on the training rows and says so.
	code, out, errOut := runCmd(t, "logreg", "--data", iris, "--target", "species",
		"--test-frac", "0", "--max-iter", "10000", "--tol", "1e-8", "--json")
	require.Equal(t, 0, code, errOut)
	res := lastJSON(t, out)
	require.Equal(t, "train", res.EvalOn)
	require.Equal(t, 150, res.NTrain)
	require.True(t, res.Converged)
	require.Empty(t, errOut)
	require.Contains(t, out, "training (no held-out rows: --test-frac 0) accuracy")
	// The full-data multinomial fit is sklearn's: intercepts from
	// models/logreg/testdata/reference.json ("iris multinomial optimum").
	require.InDeltaSlice(t, []float64{9.849567768735335, 2.237205724855035, -12.086773493590433}, res.Intercept, 1e-3)

	// One-vs-rest, a stronger penalty and another seed.
	code, out, errOut = runCmd(t, "logreg", "--data", iris, "--target", "species",
		"--multi", "ovr", "--C", "0.1", "--seed", "7", "--test-frac", "0.2", "--json")
	require.Equal(t, 0, code, errOut)
	res = lastJSON(t, out)
	require.Equal(t, "ovr", res.Multi)
	require.Equal(t, 0.1, res.C)
	require.Equal(t, 30, res.NTest)

	// The seed decides the split, and the same seed repeats it.
	_, out1, _ := runCmd(t, "logreg", "--data", iris, "--target", "species", "--seed", "3", "--json")
	_, out2, _ := runCmd(t, "logreg", "--data", iris, "--target", "species", "--seed", "3", "--json")
	_, out3, _ := runCmd(t, "logreg", "--data", iris, "--target", "species", "--seed", "4", "--json")
	require.Equal(t, out1, out2)
	require.NotEqual(t, lastJSON(t, out1).Coef, lastJSON(t, out3).Coef)

	// Standardised features converge within the default 100 iterations,
	// as with sklearn's StandardScaler in front of LogisticRegression.
	code, out, errOut = runCmd(t, "logreg", "--data", iris, "--target", "species", "--standardize", "--json")
	require.Equal(t, 0, code, errOut)
	res = lastJSON(t, out)
	require.True(t, res.Standardized)
	require.True(t, res.Converged)
	require.Empty(t, errOut)
	require.Contains(t, out, "coefficients (features standardised")

	// Without --json the last line is the report, not JSON.
	_, out, _ = runCmd(t, "logreg", "--data", iris, "--target", "species")
	require.NotContains(t, out, "{")
}

func TestLogregTSV(t *testing.T) {
	tsv := writeFile(t, "small.tsv", "x1\tx2\tlabel\n"+
		"0\t0\tno\n0\t1\tno\n1\t0\tno\n3\t3\tyes\n3\t4\tyes\n4\t3\tyes\n"+
		"0.5\t0.5\tno\n3.5\t3.5\tyes\n")
	code, out, errOut := runCmd(t, "logreg", "--data", tsv, "--target", "label", "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	res := lastJSON(t, out)
	require.Equal(t, []string{"no", "yes"}, res.Classes)
	require.Equal(t, []string{"x1", "x2"}, res.Features)
	require.Equal(t, 1.0, res.Accuracy)
}

func TestLogregErrors(t *testing.T) {
	good := "a,b,cls\n1,2,x\n2,1,y\n3,3,x\n4,2,y\n5,1,x\n6,0,y\n"
	// good with a huge value in a row the default split holds out.
	_, heldOut := classSplit([]int{0, 1, 0, 1, 0, 1}, 0.25, 1)
	goodLines := strings.Split(good, "\n")
	heldOutLine := heldOut[0] + 2
	f := strings.Split(goodLines[heldOutLine-1], ",")
	goodLines[heldOutLine-1] = f[0] + ",-1e200," + f[2]
	heldOutHuge := strings.Join(goodLines, "\n")
	tests := []struct {
		name    string
		file    string // CSV content; "" means no --data file is written
		usage   bool   // a bad command line: exit status 2
		args    []string
		wantErr []string
	}{
		{
			name: "missing target column", file: good,
			args:    []string{"--target", "species"},
			wantErr: []string{`no column "species"; the columns are: a, b, cls`},
		},
		{
			name: "missing feature column", file: good,
			args:    []string{"--target", "cls", "--features", "a,c"},
			wantErr: []string{`no column "c"; the columns are: a, b, cls`},
		},
		{
			name: "non-numeric value", file: "a,b,cls\n1,2,x\n2,1,y\n3,abc,x\n4,2,y\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{`line 4, column "b": "abc" is not a number, though 3 of its 4 values are`, "--categorical b one-hot encodes"},
		},
		{
			name: "non-numeric value in --features", file: "a,b,cls\n1,2,x\n2,1,y\n3,abc,x\n4,2,y\n",
			args:    []string{"--target", "cls", "--features", "a,b"},
			wantErr: []string{`line 4, column "b": "abc" is not a number (a numeric feature; list the column as categorical if it holds categories)`},
		},
		{
			// The README promises an error naming --na-values.
			name: "missing-value marker", file: "a,b,cls\n1,2,x\n2,?,y\n3,4,x\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{`in.csv: line 3, column "b": "?" is not a number, though 2 of its 3 values are (--na-values "?" reads it as a missing value; --categorical b one-hot encodes the column instead)` + "\n"},
		},
		{
			name: "missing-value marker read as one", file: "a,b,cls\n1,2,x\n2,?,y\n",
			args:    []string{"--target", "cls", "--na-values", "?"},
			wantErr: []string{`in.csv: line 3, column "b": "?" marks a missing value; numeric features need a number in every row: --impute fills missing values from the training rows (mean, median, most_frequent, or constant with --fill-value), or drop those rows first (ember gbt keeps missing values)` + "\n"},
		},
		{
			name: "empty value", file: "a,b,cls\n1,2,x\n2,,y\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{`line 3, column "b": empty value; numeric features need a number in every row: --impute`},
		},
		{
			// pandas reads NaN as a missing value, as ember gbt does.
			name: "NaN value", file: "a,b,cls\n1,2,x\n2,NaN,y\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{`line 3, column "b": "NaN" marks a missing value`},
		},
		{
			name: "missing value in a held-out row", file: "a,b,cls\n1,2,x\n2,1,y\n3,4,x\n4,5,y\n",
			args:    []string{"--target", "cls", "--test", writeFile(t, "hole.csv", "a,b,cls\n1,2,x\n2,,y\n")},
			wantErr: []string{`hole.csv: line 3, column "b": empty value; numeric features need a number in every row`},
		},
		{
			name: "--fill-value without --impute constant", file: good,
			usage:   true,
			args:    []string{"--target", "cls", "--impute", "mean", "--fill-value", "3"},
			wantErr: []string{"--fill-value is the value of --impute constant"},
		},
		{
			name: "--categorical lists the target", file: good,
			usage:   true,
			args:    []string{"--target", "cls", "--categorical", "cls"},
			wantErr: []string{`--categorical lists the --target column "cls"`},
		},
		{
			name: "--categorical names no column", file: good,
			args:    []string{"--target", "cls", "--categorical", "colour"},
			wantErr: []string{`--categorical: `, `no column "colour"; the columns are: a, b, cls`},
		},
		{
			name: "single class", file: "a,b,cls\n1,2,x\n2,1,x\n3,3,x\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{`column "cls" has a single class ("x")`},
		},
		{
			name: "ragged row", file: "a,b,cls\n1,2,x\n2,1\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{"line 3", "wrong number of fields"},
		},
		{
			name: "header only", file: "a,b,cls\n",
			args:    []string{"--target", "cls"},
			wantErr: []string{"no data rows after the header"},
		},
		{
			// The error named X[0][0], an index into the shuffled training rows.
			name: "huge features", file: "a,cls\n1e160,x\n2e160,y\n3e160,x\n4e160,y\n",
			args:    []string{"--target", "cls", "--test-frac", "0"},
			wantErr: []string{`in.csv: line 2, column "a": 1e+160 is too large in magnitude (the limit is 1e+100): logistic regression's arithmetic would overflow; ember logreg --standardize scales the features`},
		},
		{
			// Only training rows were checked: it passed, skewing the scores.
			name: "huge value in a held-out row", file: heldOutHuge,
			args:    []string{"--target", "cls"},
			wantErr: []string{fmt.Sprintf(`in.csv: line %d, column "b": -1e+200 is too large in magnitude (the limit is 1e+100)`, heldOutLine)},
		},
		{
			name: "huge value in the test file", file: good,
			args:    []string{"--target", "cls", "--test", writeFile(t, "huge.csv", "a,b,cls\n1,2,x\n1e200,1,y\n")},
			wantErr: []string{`huge.csv: line 3, column "a": 1e+200 is too large in magnitude (the limit is 1e+100)`},
		},
		{
			// Scaled by the training rows, it is still beyond the limit.
			name: "huge standardised value in the test file", file: good,
			args:    []string{"--target", "cls", "--standardize", "--test", writeFile(t, "huge.csv", "a,b,cls\n1,2,x\n1e200,1,y\n")},
			wantErr: []string{`huge.csv: line 3, column "a": 1e200 is 5.86e+199 standard deviations from the training mean (the limit is 1e+100): logistic regression's arithmetic would overflow`},
		},
		{
			name: "class unseen in training", file: good,
			args:    []string{"--target", "cls", "--test", writeFile(t, "t.csv", "a,b\n1,2\n")},
			wantErr: []string{"t.csv", `no column "cls"`},
		},
		// Bad flags: exit status 2, before the data is read.
		{
			name: "target as feature", file: good, usage: true,
			args:    []string{"--target", "cls", "--features", "a,cls"},
			wantErr: []string{`--features includes the --target column "cls"`},
		},
		{
			// It fitted two identical columns, as gbt refuses to.
			name: "feature listed twice", file: good, usage: true,
			args:    []string{"--target", "cls", "--features", "a, b,a"},
			wantErr: []string{`--features: column "a" is listed twice`},
		},
		{
			// It used every column, as if --features were not given.
			name: "features list no column", file: good, usage: true,
			args:    []string{"--target", "cls", "--features", ",,"},
			wantErr: []string{`--features ",," lists no column`},
		},
		{
			name: "exclude lists no column", file: good, usage: true,
			args:    []string{"--target", "cls", "--exclude", " , "},
			wantErr: []string{`--exclude " , " lists no column`},
		},
		{
			name: "several feature problems", file: good, usage: true,
			args:    []string{"--target", "cls", "--features", "cls,a,a"},
			wantErr: []string{"ember logreg: --features: column \"a\" is listed twice\nember logreg: --features includes the --target column \"cls\"\n"},
		},
		{
			name: "bad multi", file: good, usage: true,
			args:    []string{"--target", "cls", "--multi", "softmax"},
			wantErr: []string{`--multi "softmax": want auto, multinomial or ovr`},
		},
		{
			name: "bad C", file: good, usage: true,
			args:    []string{"--target", "cls", "--C", "-1"},
			wantErr: []string{"--C -1: must be above 0"},
		},
		{
			name: "NaN C", file: good, usage: true,
			args:    []string{"--target", "cls", "--C", "nan"},
			wantErr: []string{"--C nan: must be a finite number, above 0"},
		},
		{
			// It was taken for the default, every other column.
			name: "empty features", file: good, usage: true,
			args:    []string{"--target", "cls", "--features", ""},
			wantErr: []string{`--features "" is empty: give the feature columns, or leave --features out (default: every other named column)`},
		},
		{
			// Shown as typed: it said "--test-frac +Inf".
			name: "overflowing test-frac", file: good, usage: true,
			args:    []string{"--target", "cls", "--test-frac", "1e400"},
			wantErr: []string{"--test-frac 1e400: must be a finite number, from 0 to 1, 1 excluded"},
		},
		{
			name: "bad test-frac", file: good, usage: true,
			args:    []string{"--target", "cls", "--test-frac", "1"},
			wantErr: []string{"--test-frac 1: must be from 0 to 1, 1 excluded"},
		},
		{
			name: "zero max-iter", file: good, usage: true,
			args:    []string{"--target", "cls", "--max-iter", "0"},
			wantErr: []string{"--max-iter 0: must be 1 to 1000000"},
		},
		{
			name: "plot into missing directory", file: good, usage: true,
			args:    []string{"--target", "cls", "--plot", "/nonexistent-dir/x"},
			wantErr: []string{"/nonexistent-dir/x-confusion.png: directory /nonexistent-dir does not exist"},
		},
		{
			// It wrote /tmp/-confusion.png.
			name: "plot prefix is a directory", file: good, usage: true,
			args:    []string{"--target", "cls", "--plot", os.TempDir() + "/"},
			wantErr: []string{"--plot " + os.TempDir() + "/: names a directory; --plot takes a prefix of file names: --plot " + filepath.Join(os.TempDir(), "plot") + " writes " + filepath.Join(os.TempDir(), "plot") + "-confusion.png"},
		},
		{
			name: "save into missing directory", file: good, usage: true,
			args:    []string{"--target", "cls", "--save", "/nonexistent-dir/m.ember"},
			wantErr: []string{"--save /nonexistent-dir/m.ember: directory /nonexistent-dir does not exist"},
		},
		{
			name: "save and plot on one file", file: good, usage: true,
			args:    []string{"--target", "cls", "--save", "{tmp}/x-confusion.png", "--plot", "{tmp}/x"},
			wantErr: []string{"--save {tmp}/x-confusion.png: --plot writes the same file"},
		},
		{
			name: "test and test-frac", file: good, usage: true,
			args:    []string{"--target", "cls", "--test", "/dev/null", "--test-frac", "0.5"},
			wantErr: []string{"--test and --test-frac exclude each other"},
		},
		{
			// The seed shuffles the --test-frac split; a --test file has none.
			name: "seed with test file", file: good, usage: true,
			args:    []string{"--target", "cls", "--test", "/dev/null", "--seed", "7"},
			wantErr: []string{"--seed shuffles the --test-frac split; with --test there is no split"},
		},
		{
			name: "no data flag", usage: true,
			args:    []string{"--target", "cls"},
			wantErr: []string{"--data is required"},
		},
		{
			name: "no target and no data", usage: true,
			wantErr: []string{"ember logreg: --data is required\nember logreg: --target is required\n"},
		},
		{
			name: "missing file", usage: true,
			args:    []string{"--data", "/nonexistent/file.csv", "--target", "cls"},
			wantErr: []string{"--data /nonexistent/file.csv: no such file"},
		},
		{
			name: "unknown flag", file: good, usage: true,
			args:    []string{"--target", "cls", "--lr", "0.1"},
			wantErr: []string{"flag provided but not defined: --lr"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"logreg"}
			if tc.file != "" {
				args = append(args, "--data", writeFile(t, "in.csv", tc.file))
			}
			// {tmp} is a directory of the test's own, so that no file
			// or directory elsewhere on the machine changes the outcome.
			tmp := t.TempDir()
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "{tmp}", tmp))
			}
			code, out, errOut := runCmd(t, args...)
			want := 1
			if tc.usage {
				want = 2
				require.Empty(t, out, "nothing is done")
			}
			require.Equal(t, want, code, "stdout: %s", out)
			require.True(t, strings.HasPrefix(errOut, "ember logreg: ") || strings.Contains(errOut, "\nember logreg: "), errOut)
			for _, w := range tc.wantErr {
				require.Contains(t, errOut, strings.ReplaceAll(w, "{tmp}", tmp))
			}
		})
	}
}

// TestLogregClassOfOneRow: a class's only row always trains. The split was
// random, and a seed that held out the only "y" row left training with one
// class (an error that another --seed would avoid).
func TestLogregClassOfOneRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,cls\n")
	for i := range 9 {
		fmt.Fprintf(&b, "%d,x\n", i)
	}
	b.WriteString("5,y\n")
	path := writeFile(t, "skew.csv", b.String())
	for seed := range 12 {
		code, out, errOut := runCmd(t, "logreg", "--data", path, "--target", "cls", "--test-frac", "0.1", "--seed", fmt.Sprint(seed), "--json")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, errOut, "warning: no held-out rows of class y (too few rows to hold one out)")
		res := lastJSON(t, out)
		require.Equal(t, 9, res.NTrain, "ceil(0.1·9) = 1 x held out; y's one row trains")
		require.Equal(t, []int{1, 0}, supports(res.Report))
	}
}

// TestLogregClassMissingFromTraining: one row per class. It reported "3
// classes" and fitted a binary model on two; then it refused the seed's
// split, naming the class held out; the split now holds none of them out.
func TestLogregClassMissingFromTraining(t *testing.T) {
	three := writeFile(t, "three.csv", "a,b,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,3.3,virginica\n")
	code, out, errOut := runCmd(t, "logreg", "--data", three, "--target", "species")
	require.Equal(t, 1, code, out)
	require.Empty(t, out, "nothing fitted or printed")
	require.Contains(t, errOut, `--test-frac 0.25 holds out no row: the split is stratified, keeping a row of every class for training, `+
		`and each of the 3 classes of "species" has a single row in `+three+`; holding out a row needs a class of 2 rows or more: `+
		"use more data, --test FILE, or --test-frac 0 to score on the training rows")
	// Scored on its training rows, every class is there.
	code, _, errOut = runCmd(t, "logreg", "--data", three, "--target", "species", "--test-frac", "0")
	require.Equal(t, 0, code, errOut)
}

func TestLogregHelp(t *testing.T) {
	code, out, errOut := runCmd(t, "logreg", "-h")
	require.Equal(t, 0, code)
	require.Empty(t, errOut)
	require.Contains(t, out, "usage: ember logreg --data FILE --target COLUMN")
	require.Contains(t, out, "--test-frac X\n    \tfraction of --data rows held out for scoring, stratified (0: score on the training rows) (from 0 to 1, 1 excluded; default 0.25)")

	code, out, _ = runCmd(t, "help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "logreg")
}

// TestLogregTestFileUnseenClass: a --test file with a class the training
// data lacks is refused before the fit, naming its line (it used to go on
// and report a log loss of 11.9).
func TestLogregTestFileUnseenClass(t *testing.T) {
	train := writeFile(t, "train.csv", "a,b,cls\n1,2,x\n2,1,y\n3,3,x\n4,2,y\n")
	test := writeFile(t, "test.csv", "a,b,cls\n1,2,x\n2,1,z\n")
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "cls", "--test", test)
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, test+`: line 3, column "cls": class "z" does not occur in the training data `+train)
	require.Empty(t, out, "nothing fitted or printed")
}

// TestLogregExclude: --exclude leaves an ID column out of the default
// features (the UCI credit-default file's first column is one).
func TestLogregExclude(t *testing.T) {
	csv := writeFile(t, "ids.csv", "ID,x1,x2,label\n"+
		"1,0,0,no\n2,0,1,no\n3,1,0,no\n4,3,3,yes\n5,3,4,yes\n6,4,3,yes\n7,0.5,0.5,no\n8,3.5,3.5,yes\n")
	code, out, errOut := runCmd(t, "logreg", "--data", csv, "--target", "label", "--exclude", "ID", "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	res := lastJSON(t, out)
	require.Equal(t, []string{"x1", "x2"}, res.Features)
	require.Equal(t, 1.0, res.Accuracy)

	code, _, errOut = runCmd(t, "logreg", "--data", csv, "--target", "label", "--exclude", "id")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--exclude: `+csv+`: no column "id"`)
	code, _, errOut = runCmd(t, "logreg", "--data", csv, "--target", "label", "--exclude", "ID", "--features", "x1")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--exclude trims the default feature set")
}

// TestConvergenceWarning: the warning names the class and the flags that
// help, where the library's says "class 1" and "increase MaxIter".
func TestConvergenceWarning(t *testing.T) {
	classes := []string{"setosa", "versicolor", "virginica"}
	tests := []struct {
		name         string
		class        int
		standardized bool
		want         string
	}{
		{"multinomial", -1, false, "lbfgs did not converge after 100 iterations: max|gradient| 0.0032 > tol 0.0001: limit; increase --max-iter (now 100) or scale the features with --standardize"},
		{"one-vs-rest", 1, false, "lbfgs (one-vs-rest, class versicolor) did not converge"},
		{"standardised", -1, true, "tol 0.0001: limit; increase --max-iter (now 100)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ce := &logreg.ConvergenceError{Class: tc.class, Iterations: 100, MaxIter: 100, GradMax: 0.0032, Tol: 1e-4, Reason: "limit"}
			got := convergenceWarning(ce, classes, tc.standardized)
			require.Contains(t, got, tc.want)
			if tc.standardized {
				require.True(t, strings.HasSuffix(got, tc.want), got)
			}
		})
	}
}
