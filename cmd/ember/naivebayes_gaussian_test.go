package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gaussianFixture is the part of
// models/naivebayes/testdata/gaussian_reference.json (written by
// make_gaussian_reference.py with scikit-learn) that the command's tests
// use: the generated table and the weighted and var_smoothing cases.
type gaussianFixture struct {
	Train   [][]float64 `json:"train"`
	Labels  []int       `json:"labels"`
	Weights []float64   `json:"weights"`
	Test    [][]float64 `json:"test"`
	Cases   []struct {
		Name       string      `json:"name"`
		Theta      [][]float64 `json:"theta"`
		Var        [][]float64 `json:"var"`
		ClassPrior []float64   `json:"class_prior"`
		Epsilon    float64     `json:"epsilon"`
		Proba      [][]float64 `json:"proba"`
		Predict    []int       `json:"predict"`
	} `json:"cases"`
}

// writeGaussianTables writes the fixture's training rows (columns x1, x2,
// x3, w, label; labels as class names "c2", "c5", "c9") and test rows
// (x1, x2, x3) as CSV files.
func writeGaussianTables(t *testing.T) (gaussianFixture, string, string) {
	t.Helper()
	raw, err := os.ReadFile("../../models/naivebayes/testdata/gaussian_reference.json")
	require.NoError(t, err)
	var fx gaussianFixture
	require.NoError(t, json.Unmarshal(raw, &fx))
	var train, test strings.Builder
	train.WriteString("x1,x2,x3,w,label\n")
	for i, r := range fx.Train {
		fmt.Fprintf(&train, "%v,%v,%v,%v,c%d\n", r[0], r[1], r[2], fx.Weights[i], fx.Labels[i])
	}
	test.WriteString("x1,x2,x3\n")
	for _, r := range fx.Test {
		fmt.Fprintf(&test, "%v,%v,%v\n", r[0], r[1], r[2])
	}
	return fx, writeFile(t, "train.csv", train.String()), writeFile(t, "test.csv", test.String())
}

func requireClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		require.InDelta(t, want[i], got[i], tol*math.Max(1, math.Abs(want[i])), "%s[%d]", what, i)
	}
}

// TestNaiveBayesGaussianMatchesSklearn fits --model gaussian with --weight
// on the whole of the fixture's table, saves it, and scores the test rows
// with ember predict: the fitted means and variances and the predicted
// probabilities are scikit-learn's GaussianNB's (sample_weight) within
// 1e-12, through the file.
func TestNaiveBayesGaussianMatchesSklearn(t *testing.T) {
	fx, train, test := writeGaussianTables(t)
	want := fx.Cases[1]
	require.Equal(t, "weighted", want.Name)
	model := filepath.Join(t.TempDir(), "gnb.ember")
	code, out, errOut := runCmd(t, "naivebayes", "--model", "gaussian", "--data", train, "--target", "label",
		"--weight", "w", "--test-frac", "0", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "features: x1, x2, x3\n")
	require.Contains(t, out, `rows weighted by column "w"`)
	require.Contains(t, out, "per-class mean (standard deviation) of each feature:")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var res gaussianResult
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &res))
	require.Equal(t, []string{"c2", "c5", "c9"}, res.FitClasses)
	require.Equal(t, []string{"x1", "x2", "x3"}, res.Features) // not the weight column
	for k := range want.Theta {
		requireClose(t, "theta", res.Theta[k], want.Theta[k], 1e-12)
		requireClose(t, "var", res.Var[k], want.Var[k], 1e-12)
	}
	requireClose(t, "class_prior", res.ClassPrior, want.ClassPrior, 1e-12)
	require.InDelta(t, want.Epsilon, res.Epsilon, 1e-12*want.Epsilon)

	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test)
	require.Equal(t, 0, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"prediction", "p_c2", "p_c5", "p_c9"}, recs[0])
	require.Len(t, recs, len(fx.Test)+1)
	for i, rec := range recs[1:] {
		require.Equal(t, fmt.Sprintf("c%d", want.Predict[i]), rec[0], "row %d", i)
		p := make([]float64, 3)
		for k := range p {
			p[k], err = strconv.ParseFloat(rec[k+1], 64)
			require.NoError(t, err)
		}
		requireClose(t, fmt.Sprintf("predict_proba row %d", i), p, want.Proba[i], 1e-12)
	}
}

// TestNaiveBayesGaussianVarSmoothing: --var-smoothing is scikit-learn's
// var_smoothing (the fixture's case of 1e-3, unweighted).
func TestNaiveBayesGaussianVarSmoothing(t *testing.T) {
	fx, train, _ := writeGaussianTables(t)
	want := fx.Cases[3]
	require.Equal(t, "var_smoothing", want.Name)
	code, out, errOut := runCmd(t, "naivebayes", "--model", "gaussian", "--data", train, "--target", "label",
		"--exclude", "w", "--var-smoothing", "1e-3", "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var res gaussianResult
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &res))
	require.InDelta(t, want.Epsilon, res.Epsilon, 1e-12*want.Epsilon)
	for k := range want.Var {
		requireClose(t, "var", res.Var[k], want.Var[k], 1e-12)
	}
	require.Contains(t, out, "var_smoothing=0.001")
}

// TestNaiveBayesGaussianTwoClasses: with two classes the report ranks the
// features by how far apart the class means are, in pooled standard
// deviations.
func TestNaiveBayesGaussianTwoClasses(t *testing.T) {
	data := writeFile(t, "two.csv", "far,near,y\n0,1,a\n1,2,a\n0,2,a\n1,1,a\n10,2,b\n11,1,b\n10,1,b\n11,2.5,b\n")
	code, out, errOut := runCmd(t, "naivebayes", "--model", "gaussian", "--data", data, "--target", "y", "--test-frac", "0")
	require.Equal(t, 0, code, errOut)
	i := strings.Index(out, "features ranked by |mean(b) - mean(a)| / pooled standard deviation:\n")
	require.GreaterOrEqual(t, i, 0, out)
	rest := out[i:]
	require.Less(t, strings.Index(rest, "far"), strings.Index(rest, "near"), rest)
}

// TestNaiveBayesGaussianRefusals: table flags in text mode, text flags in
// table mode, a missing --target and a missing value are clear errors.
func TestNaiveBayesGaussianRefusals(t *testing.T) {
	_, train, _ := writeGaussianTables(t)
	missing := writeFile(t, "missing.csv", "a,b,y\n1,2,x\n2,NA,z\n2,4,x\n3,3,z\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"text flags", []string{"--model", "gaussian", "--data", train, "--target", "label", "--tfidf", "--alpha", "2"},
			"--alpha, --tfidf: for text documents; --model gaussian reads a table"},
		{"table flag in text mode", []string{"--data", train, "--text", "x1", "--label", "label", "--var-smoothing", "1e-3"},
			"--var-smoothing is for a table of numeric features, read by --model gaussian"},
		{"no target", []string{"--model", "gaussian", "--data", train}, "--model gaussian needs --target"},
		{"missing value", []string{"--model", "gaussian", "--data", missing, "--target", "y"},
			`missing.csv: line 3, column "b": "NA" marks a missing value`},
		{"weight is target", []string{"--model", "gaussian", "--data", train, "--target", "label", "--weight", "label"},
			"--weight label is the --target column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, append([]string{"naivebayes"}, tc.args...)...)
			require.NotEqual(t, 0, code)
			require.Contains(t, errOut, tc.want)
		})
	}
}
