package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/spam"
)

// thresholdModel trains a small model on fixture data through the command
// and returns the model's path and the data's.
func thresholdModel(t *testing.T) (model, path string) {
	t.Helper()
	path = fixture(t)
	model = filepath.Join(t.TempDir(), "spam.model")
	code, _, errOut := runCmd(t, "", append([]string{"train", "--data", path, "--out", model, "--state", ""}, smallModel...)...)
	require.Equal(t, 0, code, errOut)
	return model, path
}

// TestEvalThreshold: eval's threshold-free figures are the metrics
// package's ROC AUC and average precision (scikit-learn's, through its
// fixture) of the model's probabilities, the same at every threshold; its
// accuracy and confusion matrix are those of deciding p >= threshold; at
// 0.5 the accuracy is training's.
func TestEvalThreshold(t *testing.T) {
	model, path := thresholdModel(t)
	clf, err := spam.Load(model)
	require.NoError(t, err)
	ex, _, err := data.LoadFile(path, data.Options{})
	require.NoError(t, err)
	r, _, err := clf.Evaluate(ex)
	require.NoError(t, err)
	yTrue := make([]int, len(r.Labels))
	for i, y := range r.Labels {
		yTrue[i] = int(y)
	}
	wantAUC, err := metrics.ROCAUC(yTrue, r.Probs)
	require.NoError(t, err)
	wantAP, err := metrics.AveragePrecision(yTrue, r.Probs)
	require.NoError(t, err)

	// The demo corpus is easy: a small model may put no message between
	// 0.2 and 0.8. The median probability of the spam makes sure that a
	// threshold moves some.
	var spamProbs []float64
	for i, p := range r.Probs {
		if yTrue[i] == 1 {
			spamProbs = append(spamProbs, p)
		}
	}
	slices.Sort(spamProbs)
	median := spamProbs[len(spamProbs)/2]
	require.True(t, median > 0 && median < 1 && median != 0.5, "median %v", median)
	confusions := map[float64][2][2]int{}
	for _, th := range []float64{0.2, 0.5, 0.8, median} {
		arg := strconv.FormatFloat(th, 'g', -1, 64)
		code, out, errOut := runCmd(t, "", "eval", "--model", model, "--data", path, "--threshold", arg, "--json")
		require.Equal(t, 0, code, errOut)
		res := lastJSON(t, out)
		require.Equal(t, wantAUC, res["roc_auc"], "threshold %v", th)
		require.Equal(t, wantAP, res["average_precision"], "threshold %v", th)
		require.Equal(t, r.Loss, res["loss"])
		require.Equal(t, th, res["threshold"])
		require.Contains(t, out, "ROC AUC "+strconv.FormatFloat(wantAUC, 'f', 4, 64)+", average precision "+strconv.FormatFloat(wantAP, 'f', 4, 64)+" (threshold-free)")
		require.Contains(t, out, "at threshold "+arg+" (spam when P(spam) >= "+arg+"): accuracy ")

		var cm [2][2]int
		correct := 0
		for i, p := range r.Probs {
			pred := 0
			if p >= th {
				pred = 1
			}
			cm[yTrue[i]][pred]++
			if pred == yTrue[i] {
				correct++
			}
		}
		var got [2][2]int
		b, err := json.Marshal(res["confusion"])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &got))
		require.Equal(t, cm, got, "threshold %v", th)
		require.InDelta(t, float64(correct)/float64(len(r.Probs)), res["accuracy"], 1e-15)
		if th == 0.5 {
			require.Equal(t, r.Accuracy, res["accuracy"], "0.5 is training's threshold, with its rule at a tie")
		}
		confusions[th] = cm
	}
	require.NotEqual(t, confusions[0.5], confusions[median], "the threshold moves the confusion matrix")
	for _, pair := range [][2]float64{{0.2, 0.5}, {0.5, 0.8}} {
		lo, hi := confusions[pair[0]], confusions[pair[1]]
		require.GreaterOrEqual(t, lo[0][1], hi[0][1], "a lower threshold calls more ham spam")
		require.GreaterOrEqual(t, lo[1][1], hi[1][1], "and finds more of the spam")
	}
}

// TestEvalPlot: --plot PREFIX writes the two curves, as ember's commands
// name their charts, and says so; a .png ending stands for the prefix.
func TestEvalPlot(t *testing.T) {
	model, path := thresholdModel(t)
	dir := t.TempDir()
	code, out, errOut := runCmd(t, "", "eval", "--model", model, "--data", path, "--threshold", "0.3", "--plot", filepath.Join(dir, "curves.png"), "--json")
	require.Equal(t, 0, code, errOut)
	roc, pr := filepath.Join(dir, "curves-roc.png"), filepath.Join(dir, "curves-pr.png")
	require.Contains(t, out, "wrote "+roc+"\nwrote "+pr+"\n")
	require.Equal(t, []any{roc, pr}, lastJSON(t, out)["plot_files"])
	require.ElementsMatch(t, []string{"curves-roc.png", "curves-pr.png"}, dirNames(t, dir))
	for _, f := range []string{roc, pr} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = png.Decode(bytes.NewReader(b))
		require.NoError(t, err, f)
	}
}

// TestEvalOneClass: data of one class has no ROC AUC (nor, without spam,
// an average precision): eval still reports the rest, with null and the
// reason in the JSON; --plot is refused before scoring.
func TestEvalOneClass(t *testing.T) {
	model, _ := thresholdModel(t)
	ham := writeFile(t, "ham.tsv", "ham\tsee you at lunch\nham\tok thanks\nham\tcall me later\n")
	code, out, errOut := runCmd(t, "", "eval", "--model", model, "--data", ham, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "ROC AUC - (undefined: the data has messages of one class only), average precision - (undefined: the data has no message of the positive class)")
	res := lastJSON(t, out)
	require.Nil(t, res["roc_auc"])
	require.Contains(t, res, "roc_auc")
	require.Equal(t, map[string]any{
		"roc_auc":           "undefined: the data has messages of one class only",
		"average_precision": "undefined: the data has no message of the positive class",
	}, res["null_reasons"])

	dir := t.TempDir()
	code, out, errOut = runCmd(t, "", "eval", "--model", model, "--data", ham, "--plot", filepath.Join(dir, "p"))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--plot "+filepath.Join(dir, "p")+": the ROC and precision-recall curves need messages of both classes, but every message with words in "+ham+" is ham")
	require.NotContains(t, out, "eval on", "refused before scoring")
	require.Empty(t, dirNames(t, dir))
}

// TestThresholdRefused: a threshold outside (0, 1), NaN or not a number,
// and a --plot that names a directory, the model or the data, are refused
// before any scoring, leaving every file as it was.
func TestThresholdRefused(t *testing.T) {
	model, path := thresholdModel(t)
	modelBytes, err := os.ReadFile(model)
	require.NoError(t, err)
	dir := t.TempDir()
	// A model whose name a plot prefix would produce: the plot must not
	// write over it.
	plotNamed := filepath.Join(dir, "m-roc.png")
	require.NoError(t, os.WriteFile(plotNamed, modelBytes, 0o644))
	dataNamed := filepath.Join(dir, "d-pr.png")
	dataBytes, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dataNamed, dataBytes, 0o644))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--threshold", "0"}, "--threshold 0: must be from 0 to 1, both excluded"},
		{[]string{"--threshold", "1"}, "--threshold 1: must be from 0 to 1, both excluded"},
		{[]string{"--threshold", "-0.5"}, "--threshold -0.5: must be from 0 to 1, both excluded"},
		{[]string{"--threshold", "NaN"}, "--threshold NaN: must be a finite number, from 0 to 1, both excluded"},
		{[]string{"--threshold", "abc"}, `--threshold "abc": not a number`},
		{[]string{"--plot", dir + "/"}, "names a directory"},
		{[]string{"--plot", filepath.Join(dir, "m")}, plotNamed},
		{[]string{"--plot", filepath.Join(dir, "d")}, dataNamed},
	} {
		args := append([]string{"eval", "--model", model, "--data", path}, tc.args...)
		if strings.HasSuffix(tc.want, "m-roc.png") {
			args[2] = plotNamed
		}
		if strings.HasSuffix(tc.want, "d-pr.png") {
			args[4] = dataNamed
		}
		code, out, errOut := runCmd(t, "", args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, tc.args)
		require.Empty(t, out, "%v: nothing read or scored", tc.args)
	}
	for _, tc := range []struct{ arg, want string }{
		{"0", "--threshold 0: must be from 0 to 1, both excluded"},
		{"1", "--threshold 1: must be from 0 to 1, both excluded"},
		{"NaN", "--threshold NaN: must be a finite number"},
		{"abc", `--threshold "abc": not a number`},
	} {
		code, out, errOut := runCmd(t, "free prize\n", "predict", "--model", model, "--threshold", tc.arg)
		require.Equal(t, 2, code, errOut)
		require.Contains(t, errOut, tc.want)
		require.Empty(t, out)
	}
	got, err := os.ReadFile(plotNamed)
	require.NoError(t, err)
	require.Equal(t, modelBytes, got, "the model file is untouched")
	got, err = os.ReadFile(dataNamed)
	require.NoError(t, err)
	require.Equal(t, dataBytes, got, "the data file is untouched")
	got, err = os.ReadFile(model)
	require.NoError(t, err)
	require.Equal(t, modelBytes, got)
	require.ElementsMatch(t, []string{"m-roc.png", "d-pr.png"}, dirNames(t, dir), "no chart written")
}

// TestPredictThreshold: --threshold moves the labels, not the
// probabilities; a probability exactly at the threshold is spam, as eval
// counts it.
func TestPredictThreshold(t *testing.T) {
	model, _ := thresholdModel(t)
	msgs := "WINNER! claim your free prize, call now\nsee you at lunch\n"
	code, out, errOut := runCmd(t, msgs, "predict", "--model", model, "--json")
	require.Equal(t, 0, code, errOut)
	type line struct {
		Label string  `json:"label"`
		Prob  float64 `json:"probability"`
	}
	parse := func(out string) []line {
		var ls []line
		for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
			var l line
			require.NoError(t, json.Unmarshal([]byte(s), &l))
			ls = append(ls, l)
		}
		return ls
	}
	base := parse(out)
	require.Len(t, base, 2)
	for i, m := range base {
		for _, tc := range []struct {
			th    float64
			label string
		}{{m.Prob, "spam"}, {math.Nextafter(m.Prob, 1), "ham"}} {
			arg := strconv.FormatFloat(tc.th, 'g', -1, 64)
			code, out, errOut := runCmd(t, msgs, "predict", "--model", model, "--threshold", arg, "--json")
			require.Equal(t, 0, code, errOut)
			got := parse(out)
			require.Equal(t, tc.label, got[i].Label, "message %d, p %v, --threshold %s", i, m.Prob, arg)
			require.Equal(t, base[0].Prob, got[0].Prob)
			require.Equal(t, base[1].Prob, got[1].Prob)
			// The plain output labels the same way.
			_, plain, _ := runCmd(t, msgs, "predict", "--model", model, "--threshold", arg)
			require.True(t, strings.HasPrefix(strings.Split(plain, "\n")[i], tc.label+" "), plain)
		}
	}
	// An option after the first message is refused, --threshold too.
	code, _, errOut = runCmd(t, "", "predict", "--model", model, "hello", "--threshold", "0.3")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `"--threshold" comes after the first message "hello"`)
}
