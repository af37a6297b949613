package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/logreg"
)

// imbalancedCSV is 200 rows of x1,x2,w,label with 48 "yes" (a rare,
// overlapping class) and a weight column w from weight(row, label).
func imbalancedCSV(weight func(i, label int) string) (string, [][]float64, []int) {
	var b strings.Builder
	b.WriteString("x1,x2,w,label\n")
	var X [][]float64
	var y []int
	for i := range 200 {
		x1, x2 := float64(i*7919%101)/10, float64(i*31%17)/3
		label := 0
		if x1+0.5*x2 > 9.5 || i%23 == 0 {
			label = 1
		}
		fmt.Fprintf(&b, "%g,%g,%s,%s\n", x1, x2, weight(i, label), []string{"no", "yes"}[label])
		X, y = append(X, []float64{x1, x2}), append(y, label)
	}
	return b.String(), X, y
}

func unitWeight(int, int) string { return "1" }

// tightArgs fit on every row (no split) to the optimum, so the command's
// coefficients can be checked against the library's.
var tightArgs = []string{"--target", "label", "--test-frac", "0", "--tol", "1e-10", "--max-iter", "10000", "--json"}

func TestLogregClassWeightBalanced(t *testing.T) {
	csv, X, y := imbalancedCSV(unitWeight)
	data := writeFile(t, "imb.csv", csv)
	save := writeFile(t, "m.ember", "")
	code, out, errOut := runCmd(t, append([]string{"logreg", "--data", data, "--features", "x1,x2", "--class-weight", "balanced", "--save", save}, tightArgs...)...)
	require.Equal(t, 0, code, errOut)
	// 200 / (2 × 152) and 200 / (2 × 48).
	require.Contains(t, out, "class weights: balanced: no ×0.6579, yes ×2.083 (held-out scores unweighted)\n")
	res := lastJSON(t, out)
	require.Equal(t, "balanced", res.ClassWeight)
	require.Equal(t, 48, res.Report[1].Support)
	require.InDelta(t, 200.0/(2*152), res.ClassWeights["no"], 1e-12)
	require.InDelta(t, 200.0/(2*48), res.ClassWeights["yes"], 1e-12)

	m := logreg.New()
	m.Tol, m.MaxIter, m.BalancedClassWeight = 1e-10, 10000, true
	require.NoError(t, m.Fit(X, y))
	requireCoefClose(t, m, res)

	// Recall of the rare class rises over the unweighted fit.
	code, out, errOut = runCmd(t, append([]string{"logreg", "--data", data, "--features", "x1,x2"}, tightArgs...)...)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "class weights:")
	plain := lastJSON(t, out)
	require.Empty(t, plain.ClassWeight)
	require.Nil(t, plain.ClassWeights)
	require.Greater(t, res.Report[1].Recall, plain.Report[1].Recall+0.1)

	// The model file records the option for reports; predict needs nothing new.
	mf, err := loadModelFile(save)
	require.NoError(t, err)
	require.Equal(t, "balanced", mf.meta.Settings["class_weight"])
	code, out, errOut = runCmd(t, "predict", "--model", save, "--data", data)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Equal(t, "prediction,p_no,p_yes", lines[0])
	require.Len(t, lines, 201)
}

func requireCoefClose(t *testing.T, m *logreg.Model, res logregResult) {
	t.Helper()
	require.Len(t, res.Coef, len(m.Coef()))
	for i := range res.Coef {
		require.InDeltaSlice(t, m.Coef()[i], res.Coef[i], 1e-6)
	}
	require.InDeltaSlice(t, m.Intercept(), res.Intercept, 1e-6)
}

func TestLogregClassWeightByClass(t *testing.T) {
	csv, X, y := imbalancedCSV(unitWeight)
	data := writeFile(t, "imb.csv", csv)
	code, out, errOut := runCmd(t, append([]string{"logreg", "--data", data, "--exclude", "w", "--class-weight", " yes : 5 "}, tightArgs...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "class weights: no ×1, yes ×5 (held-out scores unweighted)\n")
	res := lastJSON(t, out)
	require.Equal(t, map[string]float64{"no": 1, "yes": 5}, res.ClassWeights)
	m := logreg.New()
	m.Tol, m.MaxIter, m.ClassWeight = 1e-10, 10000, map[int]float64{1: 5}
	require.NoError(t, m.Fit(X, y))
	requireCoefClose(t, m, res)
}

func TestLogregWeightColumn(t *testing.T) {
	weight := func(i, _ int) string { return fmt.Sprint(0.5 + float64(i*7%5)/2) }
	csv, X, y := imbalancedCSV(weight)
	data := writeFile(t, "w.csv", csv)
	save := writeFile(t, "m.ember", "")
	// No --features: w is not a default feature.
	code, out, errOut := runCmd(t, append([]string{"logreg", "--data", data, "--weight", "w", "--class-weight", "yes:2", "--save", save}, tightArgs...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `weights: rows weighted by column "w" (the fit and the held-out scores)`)
	require.Contains(t, out, "class weights: no ×1, yes ×2 (the fit only, not the held-out scores)\n")
	res := lastJSON(t, out)
	require.Equal(t, []string{"x1", "x2"}, res.Features)
	require.Equal(t, "w", res.Weight)

	w := make([]float64, len(y))
	for i := range w {
		w[i] = 0.5 + float64(i*7%5)/2
	}
	m := logreg.New()
	m.Tol, m.MaxIter, m.ClassWeight = 1e-10, 10000, map[int]float64{1: 2}
	require.NoError(t, m.FitWeighted(X, y, w))
	requireCoefClose(t, m, res)

	mf, err := loadModelFile(save)
	require.NoError(t, err)
	require.Equal(t, "w", mf.meta.Training.Weight)
	require.True(t, mf.meta.Training.AccuracyWeighted)
	require.Equal(t, res.Accuracy, *mf.meta.Training.Accuracy)
	require.Equal(t, []string{"x1", "x2"}, mf.meta.Input.Features)
}

func TestLogregZeroWeightRowsDoNotMatter(t *testing.T) {
	csv, _, _ := imbalancedCSV(unitWeight)
	// The same rows, and after each fifth one a far-off row of the other
	// class weighing 0.
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i, l := range lines[1:] {
		b.WriteString(l + "\n")
		if i%5 == 0 {
			label := "yes"
			if strings.HasSuffix(l, "yes") {
				label = "no"
			}
			fmt.Fprintf(&b, "%d,%d,0,%s\n", 90-i%7, -40, label)
		}
	}
	fit := func(content string) logregResult {
		code, out, errOut := runCmd(t, append([]string{"logreg", "--data", writeFile(t, "z.csv", content), "--weight", "w"}, tightArgs...)...)
		require.Equal(t, 0, code, errOut)
		return lastJSON(t, out)
	}
	kept, zeroed := fit(csv), fit(b.String())
	require.Equal(t, 200, kept.NTrain)
	require.Equal(t, 240, zeroed.NTrain)
	require.InDeltaSlice(t, kept.Coef[0], zeroed.Coef[0], 1e-6)
	require.InDeltaSlice(t, kept.Intercept, zeroed.Intercept, 1e-6)
}

func TestLogregWeightErrors(t *testing.T) {
	good, _, _ := imbalancedCSV(unitWeight)
	withWeight := func(row int, v string) string {
		c, _, _ := imbalancedCSV(func(i, _ int) string {
			if i == row {
				return v
			}
			return "1"
		})
		return c
	}
	every := func(v string) string {
		c, _, _ := imbalancedCSV(func(int, int) string { return v })
		return c
	}
	onlyNo, _, _ := imbalancedCSV(func(_, label int) string { return fmt.Sprint(1 - label) })
	tests := []struct {
		name    string
		file    string
		usage   bool
		args    []string
		wantErr string
	}{
		{"unknown class", good, false, []string{"--class-weight", "yes:2,maybe:1"},
			`--class-weight: column "label" of ` + "%DATA%" + ` has no class "maybe"; its classes are "no", "yes"`},
		{"no colon", good, true, []string{"--class-weight", "yes"}, `--class-weight "yes": "yes" has no ':'; want balanced, or CLASS:WEIGHT pairs`},
		{"negative class weight", good, true, []string{"--class-weight", "yes:-1"}, `class "yes": weight "-1" is not a finite number from 0 up`},
		{"NaN class weight", good, true, []string{"--class-weight", "yes:NaN"}, `class "yes": weight "NaN" is not a finite number from 0 up`},
		{"Inf class weight", good, true, []string{"--class-weight", "yes:inf"}, `class "yes": weight "inf" is not a finite number from 0 up`},
		{"class twice", good, true, []string{"--class-weight", "yes:2,yes:3"}, `class "yes" is given twice`},
		{"no class name", good, true, []string{"--class-weight", ":2"}, `":2" names no class before the ':'`},
		{"empty", good, true, []string{"--class-weight", ""}, "--class-weight"},
		{"weight is target", good, true, []string{"--weight", "label"}, "--weight label is the --target column"},
		{"weight is a feature", good, true, []string{"--weight", "w", "--features", "x1,w"}, "--weight w is also a feature column"},
		{"no weight column", good, false, []string{"--weight", "wt"}, `--weight: ` + "%DATA%" + `: no column "wt"; the columns are: x1, x2, w, label`},
		{"negative weight", withWeight(7, "-2"), false, []string{"--weight", "w"}, `--weight w: %DATA%: line 9: weight "-2" is not a finite number from 0 up`},
		{"NaN weight", withWeight(0, "NaN"), false, []string{"--weight", "w"}, `--weight w: %DATA%: line 2: weight "NaN" is not a finite number from 0 up`},
		{"Inf weight", withWeight(3, "+Inf"), false, []string{"--weight", "w"}, `--weight w: %DATA%: line 5: weight "+Inf" is not a finite number from 0 up`},
		{"text weight", withWeight(4, "heavy"), false, []string{"--weight", "w"}, `--weight w: %DATA%: line 6: weight "heavy" is not a finite number from 0 up`},
		{"missing weight", withWeight(5, ""), false, []string{"--weight", "w"}, `--weight w: %DATA%: line 7: missing weight (an empty cell)`},
		{"all zero", every("0"), false, []string{"--weight", "w", "--test-frac", "0"}, "--weight w: every one of the training rows weighs 0"},
		{"one class weighted", onlyNo, false, []string{"--weight", "w"},
			"--weight w: of the training rows, only those of class no weigh more than 0; a classifier needs two classes of weighted rows"},
		{"class weight leaves one class", good, false, []string{"--class-weight", "no:0"},
			"--class-weight no:0: of the training rows, only those of class yes weigh more than 0"},
		{"sum overflows", every("1e308"), false, []string{"--weight", "w"}, "--weight w: the training rows' weights sum beyond float64's range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := writeFile(t, "in.csv", tc.file)
			code, out, errOut := runCmd(t, append([]string{"logreg", "--data", data, "--target", "label"}, tc.args...)...)
			want := 1
			if tc.usage {
				want = 2
			}
			require.Equal(t, want, code, "stdout: %s\nstderr: %s", out, errOut)
			require.NotContains(t, out, "coefficients", "refused before the fit")
			require.Contains(t, errOut, strings.ReplaceAll(tc.wantErr, "%DATA%", data))
			require.NotContains(t, errOut, "logreg: Fit")
		})
	}
}

func TestLogregWeightHelp(t *testing.T) {
	code, out, _ := runCmd(t, "logreg", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "--class-weight balanced|CLASS:W,...\n    \tweigh each class's training rows (scikit-learn's class_weight)")
	require.Contains(t, out, "--weight COLUMN\n    \tcolumn of sample weights (scikit-learn's sample_weight)")
	require.Contains(t, out, "--class-weight balanced\nweighs each class's rows")
}

// TestLogregBalancedCreditDefault: on the UCI credit-default data (22%
// defaults) class_weight="balanced" trades precision for recall of the
// defaults, and barely moves the ranking (ROC AUC).
func TestLogregBalancedCreditDefault(t *testing.T) {
	data := shareddata.TestPath(t, "tabular", "UCI_Credit_Card.csv")
	run := func(extra ...string) logregResult {
		args := append([]string{"logreg", "--data", data, "--target", "default.payment.next.month", "--standardize", "--exclude", "ID", "--json"}, extra...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		return lastJSON(t, out)
	}
	plain, balanced := run(), run("--class-weight", "balanced")
	require.True(t, plain.Converged)
	require.True(t, balanced.Converged)
	require.Equal(t, "1", plain.Report[1].Label)
	// Recall of defaults 0.24 -> 0.64, precision 0.71 -> 0.38, AUC 0.729 -> 0.730.
	require.Greater(t, balanced.Report[1].Recall, plain.Report[1].Recall+0.3)
	require.Less(t, balanced.Report[1].Precision, plain.Report[1].Precision)
	require.InDelta(t, *plain.ROCAUC, *balanced.ROCAUC, 0.01)
}
