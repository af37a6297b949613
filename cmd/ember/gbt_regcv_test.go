package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// xorTable writes features a, b in [0, 1) and targets y (a number) and n
// (a count) that depend on whether a and b fall on the same side of 1/2:
// an interaction that stumps (max_depth 1, each tree one feature) cannot
// fit, and trees of depth 3 can.
func xorTable(t *testing.T, dir string, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("a,b,y,n\n")
	for i := range rows {
		a := float64(i*37%101) / 101
		bb := float64(i*53%97) / 97
		hi := (a > 0.5) != (bb > 0.5)
		y, mu := 1.0, 1.0
		if hi {
			y, mu = 9, 6
		}
		y += float64(i%5)/5 - 0.4 // a little noise
		fmt.Fprintf(&b, "%g,%g,%g,%g\n", a, bb, y, math.Floor(mu+float64(i%3)-1))
	}
	p := filepath.Join(dir, "xor.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestGBTRegressionCV: --cv cross-validates regressors on shuffled folds,
// by RMSE for squared error, by the mean deviance for count:poisson and by
// MAE for reg:absoluteerror (their defaults), or by a --metric given, the lowest mean wins and is refitted, and the folds
// follow --seed.
func TestGBTRegressionCV(t *testing.T) {
	dir := t.TempDir()
	data := xorTable(t, dir, 300)
	cv := func(seed string, args ...string) gbtResult {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--features", "a,b", "--trees", "30", "--seed", seed,
			"--cv", "4", "--grid", "max_depth=1,3", "--json"}, args...)...)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "4-fold shuffled cross-validation")
		var res gbtResult
		decodeLast(t, out, &res)
		return res
	}
	for _, tc := range []struct {
		args   []string
		metric string
	}{
		{[]string{"--target", "y", "--objective", "reg:squarederror"}, "rmse"},
		{[]string{"--target", "n", "--objective", "count:poisson"}, "mean Poisson deviance"},
		{[]string{"--target", "n", "--objective", "count:poisson", "--metric", "rmse"}, "rmse"},
		{[]string{"--target", "y", "--objective", "reg:absoluteerror"}, "mae"},
		{[]string{"--target", "y", "--objective", "reg:squarederror", "--metric", "mae"}, "mae"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := cv("7", tc.args...)
			require.Equal(t, tc.metric, res.CV.Metric)
			require.Equal(t, 4, res.CV.Folds)
			require.Len(t, res.CV.Points, 2)
			stump, deep := res.CV.Points[0], res.CV.Points[1]
			require.Equal(t, 1.0, stump.Point["max_depth"])
			require.Len(t, deep.Scores, 4)
			// Lower is better: the deeper trees clearly win and are refitted.
			require.Less(t, deep.Mean+3*deep.Std, stump.Mean, "%+v", res.CV.Points)
			require.Equal(t, 1, res.CV.Best)
			require.Equal(t, 3.0, res.Params["max_depth"])

			again := cv("7", tc.args...)
			require.Equal(t, res.CV.Points, again.CV.Points, "the same --seed, the same folds and scores")
			other := cv("8", tc.args...)
			require.NotEqual(t, res.CV.Points[1].Scores, other.CV.Points[1].Scores, "another --seed, other folds")
		})
	}
}

// TestGBTCVMetricMismatch: a classifier's metric with a regression
// objective, a regressor's with a classifier, and a deviance where the
// objective has none beyond RMSE are refused before any fit.
func TestGBTCVMetricMismatch(t *testing.T) {
	dir := t.TempDir()
	data := xorTable(t, dir, 40)
	labels := smallTable(t, dir, 60, nil)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"roc_auc for a regressor", []string{"--data", data, "--target", "y", "--objective", "reg:squarederror", "--metric", "roc_auc"},
			"--metric roc_auc scores a classifier's probabilities; --objective reg:squarederror predicts a number: use --metric rmse or mae"},
		{"log_loss for poisson", []string{"--data", data, "--target", "n", "--objective", "count:poisson", "--metric", "log_loss"},
			"--metric log_loss scores a classifier's probabilities; --objective count:poisson predicts a number"},
		{"rmse for a classifier", []string{"--data", labels, "--target", "label", "--metric", "rmse"},
			"--metric rmse scores a regressor's predicted numbers; --objective binary:logistic is a classifier: use --metric roc_auc (XGBoost's auc), log_loss (XGBoost's logloss or mlogloss) or accuracy (XGBoost's error or merror)"},
		{"deviance for a classifier", []string{"--data", labels, "--target", "label", "--objective", "multi:softprob", "--metric", "deviance"},
			"--metric deviance scores a regressor's predicted numbers; --objective multi:softprob is a classifier"},
		{"deviance for squared error", []string{"--data", data, "--target", "y", "--objective", "reg:squarederror", "--metric", "deviance"},
			"--metric deviance: reg:squarederror's loss is the squared error, which --metric rmse ranks the same way: use --metric rmse or mae"},
		{"deviance for absolute error", []string{"--data", data, "--target", "y", "--objective", "reg:absoluteerror", "--metric", "deviance"},
			"--metric deviance: reg:absoluteerror's loss is the absolute error: use --metric rmse or mae"},
		{"mae for a classifier", []string{"--data", labels, "--target", "label", "--metric", "mae"},
			"--metric mae scores a regressor's predicted numbers; --objective binary:logistic is a classifier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, append([]string{"gbt", "--cv", "3", "--grid", "max_depth=2,3"}, tc.args...)...)
			require.Equal(t, 2, code, errOut)
			require.Contains(t, errOut, tc.want)
		})
	}
}
