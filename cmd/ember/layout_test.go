package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
)

// uciData writes n rows laid out as UCI's .data files (German credit): no
// header, values separated by spaces (doubled here and there, a trailing
// one on some lines): a category, a number, another number, and the class
// (1 or 2) that the first number decides.
func uciData(t *testing.T, dir, name string, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	for i := range n {
		x := rng.Float64() * 100
		class := 1
		if x > 50 {
			class = 2
		}
		sep := " "
		if i%7 == 0 {
			sep = "  "
		}
		fmt.Fprintf(&b, "A1%d%s%.2f %d %d", i%3, sep, x, rng.IntN(10), class)
		if i%5 == 0 {
			b.WriteString(" ")
		}
		b.WriteString("\n")
	}
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestHeaderlessSpaceSeparatedTables: every table command reads a UCI-style
// file with --sep whitespace --no-header, naming columns by number, and a
// saved model scores another such file; without the flags the error says
// which flags read the file.
func TestHeaderlessSpaceSeparatedTables(t *testing.T) {
	dir := t.TempDir()
	data := uciData(t, dir, "train.data", 400)
	newData := uciData(t, dir, "new.data", 30)
	layout := []string{"--sep", "whitespace", "--no-header"}

	model := filepath.Join(dir, "gbt.model")
	code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--target", "3", "--trees", "20", "--save", model, "--json"}, layout...)...)
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, []string{"1", "2"}, res.Classes)
	require.Greater(t, *res.ROCAUC, 0.95)
	require.Contains(t, out, `target "3"`)

	pred := filepath.Join(dir, "pred.csv")
	code, _, errOut = runCmd(t, append([]string{"score", "--model", model, "--data", newData, "--out", pred}, layout...)...)
	require.Equal(t, 0, code, errOut)
	scored, err := os.ReadFile(pred)
	require.NoError(t, err)
	require.Len(t, strings.Split(strings.TrimSpace(string(scored)), "\n"), 31)
	code, out, errOut = runCmd(t, append([]string{"predict", "--model", model, "--data", newData}, layout...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, `accuracy against column "3"`)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 31)

	lr := filepath.Join(dir, "lr.model")
	code, out, errOut = runCmd(t, append([]string{"logreg", "--data", data, "--target", "3", "--features", "1", "--save", lr, "--json"}, layout...)...)
	require.Equal(t, 0, code, errOut)
	require.Greater(t, lastJSON(t, out).Accuracy, 0.9)
	code, _, errOut = runCmd(t, append([]string{"predict", "--model", lr, "--data", newData}, layout...)...)
	require.Equal(t, 0, code, errOut)

	code, out, errOut = runCmd(t, append([]string{"kmeans", "--data", data, "--features", "1,2", "--k", "2"}, layout...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "2 features (1, 2)")

	// Without the flags, or with single spaces, the errors name the way.
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "3")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no column "3"`)
	require.Contains(t, errOut, "--sep space reads it, --sep whitespace runs of spaces")
	code, _, errOut = runCmd(t, "logreg", "--data", data, "--no-header", "--target", "3")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no column "3"; the columns are: 0 (the first line is one column: is the file separated by spaces?`)
	code, _, errOut = runCmd(t, "logreg", "--data", data, "--sep", "space", "--no-header", "--target", "3")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "wrong number of fields (the first line has 6 columns; a doubled or trailing space makes an empty field: --sep whitespace reads runs of spaces)")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", newData, "--sep", ";;")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `--sep: separator ";;": want one character`)
}

// TestNAValues: UCI's credit-approval file marks missing values with "?";
// ember gbt's error names --na-values, which reads them as missing.
func TestNAValues(t *testing.T) {
	var b strings.Builder
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 300 {
		x := rng.Float64() * 10
		cell, cat := fmt.Sprintf("%.2f", x), []string{"u", "y", "l"}[i%3]
		if i%17 == 3 {
			cell = "?"
		}
		if i%23 == 5 {
			cat = "?"
		}
		label := "+"
		if x > 5 {
			label = "-"
		}
		fmt.Fprintf(&b, "%s,%s,%s\n", cat, cell, label)
	}
	data := writeFile(t, "crx.data", b.String())
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--no-header", "--target", "2")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `line 4, column "1": "?" is not a number, though 282 of its 300 values are (--na-values "?" reads it as a missing value;`)
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--no-header", "--na-values", "?", "--target", "2", "--trees", "20", "--json")
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.Greater(t, *res.ROCAUC, 0.95)
	require.Equal(t, 4, res.NFeatures) // 1, 0=l, 0=u and 0=y; a "?" row of column 0 sets none
	code, _, errOut = runCmd(t, "logreg", "--data", data, "--no-header", "--na-values", "?", "--target", "2", "--features", "1")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `line 4, column "1": "?" marks a missing value; numeric features need a number in every row: --impute fills missing values from the training rows`)
	model := filepath.Join(t.TempDir(), "crx.model")
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--no-header", "--na-values", "?", "--target", "2", "--trees", "5", "--save", model)
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--no-header")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `line 4, column "1": "?" is not a number (a numeric feature; --na-values "?" reads it as a missing value)`)
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--no-header", "--na-values", "?")
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--no-header", "--na-values", ",", "--target", "2")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `--na-values "," lists no marker`)
}

// TestPredictNaiveBayesRefusesLayoutFlags: a naive Bayes model reads its
// documents as it was trained on them; table flags are refused, not
// dropped.
func TestPredictNaiveBayesRefusesLayoutFlags(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, "d.csv", "text,label\nwin cash now,spam\nsee you at lunch,ham\nfree prize win,spam\nlunch tomorrow,ham\n")
	model := filepath.Join(dir, "nb.ember")
	code, _, errOut := runCmd(t, "naivebayes", "--data", data, "--text", "text", "--label", "label", "--test-frac", "0", "--save", model)
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--sep", ";")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--sep, --no-header and --na-values are for table models")
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", data)
	require.Equal(t, 0, code, errOut)
}

// TestReadmeFigureCommands runs the README's commands for its figures as
// written, with paths relative to the shared data (they ended in a bare
// --plot or --swatch: "flag needs an argument").
func TestReadmeFigureCommands(t *testing.T) {
	data := filepath.Dir(shareddata.TestPath(t, "iris.csv"))
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	cmds := regexp.MustCompile("`ember ([^`]*--(?:plot|swatch) [^`]*)`").FindAllStringSubmatch(string(readme), -1)
	require.GreaterOrEqual(t, len(cmds), 5)
	dir := t.TempDir()
	entries, err := os.ReadDir(data)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Symlink(filepath.Join(data, e.Name()), filepath.Join(dir, e.Name())))
	}
	t.Chdir(dir)
	for _, c := range cmds {
		t.Run(c[1], func(t *testing.T) {
			args := strings.Fields(c[1])
			code, _, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
		})
	}
}
