package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// countTable writes a CSV of two numeric features and targets: a count
// (n), a positive amount (size), and one with outliers (v); row bad's
// count is -1 when bad >= 0.
func countTable(t *testing.T, dir string, rows, bad int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("a,b,n,size,v\n")
	for i := range rows {
		a, bb := float64(i%13)/4, float64(i%7)-3
		mu := math.Exp(0.4*a - 0.2*bb)
		n := math.Floor(mu + float64(i*7919%10)/10*mu) // spread around the mean
		if i == bad {
			n = -1
		}
		v := 2*a + bb
		if i%25 == 0 {
			v += 80
		}
		fmt.Fprintf(&b, "%g,%g,%g,%g,%g\n", a, bb, n, mu*(1+float64(i%5)), v)
	}
	p := filepath.Join(dir, fmt.Sprintf("c%d.csv", bad))
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestGBTCountObjectives: ember gbt fits count:poisson, reg:tweedie,
// reg:gamma, reg:pseudohubererror and reg:absoluteerror, reports RMSE and
// the objective's mean deviance (the mean absolute error for the last; no
// classifier scores), keeps the objective's parameter in
// the saved model, and ember score writes the predicted mean; the
// parameters' flags are refused with another objective, and bad labels
// name their row.
func TestGBTCountObjectives(t *testing.T) {
	dir := t.TempDir()
	data := countTable(t, dir, 400, -1)
	for _, tc := range []struct {
		target string
		args   []string
		name   string
		check  func(*gbt.Model)
	}{
		{"n", []string{"--objective", "count:poisson"}, "mean Poisson deviance", func(m *gbt.Model) { require.Equal(t, gbt.PoissonDeltaStep, m.MaxDeltaStep) }},
		{"n", []string{"--objective", "count:poisson", "--max-delta-step", "0"}, "mean Poisson deviance", func(m *gbt.Model) { require.Equal(t, float64(gbt.NoDeltaStep), m.MaxDeltaStep) }},
		{"n", []string{"--objective", "reg:tweedie", "--tweedie-variance-power", "1.3"}, "mean Tweedie deviance (power 1.3)", func(m *gbt.Model) { require.Equal(t, 1.3, m.TweedieVariancePower) }},
		{"size", []string{"--objective", "reg:gamma"}, "mean gamma deviance", func(m *gbt.Model) {}},
		{"v", []string{"--objective", "reg:pseudohubererror", "--huber-slope", "2"}, "mean pseudo-Huber loss (slope 2)", func(m *gbt.Model) { require.Equal(t, 2.0, m.HuberSlope) }},
		{"v", []string{"--objective", "reg:absoluteerror"}, "mean absolute error", func(m *gbt.Model) { require.Zero(t, m.HuberSlope) }},
	} {
		model := filepath.Join(dir, tc.target+".model")
		args := append([]string{"gbt", "--data", data, "--target", tc.target, "--features", "a,b", "--trees", "30", "--save", model, "--json"}, tc.args...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "held-out "+tc.name+": ")
		require.NotContains(t, out, "ROC AUC")
		var res gbtResult
		decodeLast(t, out, &res)
		require.NotNil(t, res.RMSE)
		require.NotNil(t, res.Deviance)
		require.Equal(t, tc.name, res.DevianceName)
		require.Nil(t, res.ROCAUC)
		require.Nil(t, res.LogLoss)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		require.Equal(t, gbt.Objective(tc.args[1]), s.Model.Objective)
		tc.check(s.Model)

		scored := filepath.Join(dir, tc.target+".csv")
		code, out, errOut = runCmd(t, "score", "--model", model, "--data", data, "--out", scored)
		require.Equal(t, 0, code, errOut)
		if s.Model.Objective != gbt.PseudoHuber && s.Model.Objective != gbt.AbsoluteError {
			require.Contains(t, out, "prediction: the predicted mean (exp of the margin), as "+tc.args[1]+" predicts it")
		}
		tb, err := readBatch(data, nil, tabular.Layout{})
		require.NoError(t, err)
		X, _, err := s.Pipeline.Transform(tb, nil)
		require.NoError(t, err)
		want, err := s.Model.Predict(X)
		require.NoError(t, err)
		f, err := os.Open(scored)
		require.NoError(t, err)
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		require.NoError(t, err)
		require.Equal(t, []string{"prediction"}, recs[0])
		for i, rec := range recs[1:] {
			v, err := strconv.ParseFloat(rec[0], 64)
			require.NoError(t, err)
			require.Equal(t, want[i], v)
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--target", "n", "--objective", "count:poisson", "--tweedie-variance-power", "1.2"}, 2, "--tweedie-variance-power is reg:tweedie's; --objective is count:poisson"},
		{[]string{"--target", "n", "--tweedie-variance-power", "1.2"}, 2, "--tweedie-variance-power is reg:tweedie's; --objective is binary:logistic"},
		{[]string{"--target", "v", "--objective", "reg:tweedie", "--huber-slope", "2"}, 2, "--huber-slope is reg:pseudohubererror's; --objective is reg:tweedie"},
		{[]string{"--target", "n", "--objective", "reg:tweedie", "--tweedie-variance-power", "2"}, 2, "--tweedie-variance-power"},
		{[]string{"--target", "v", "--objective", "reg:pseudohubererror", "--huber-slope", "0"}, 2, "--huber-slope"},
		{[]string{"--target", "n", "--objective", "count:poisson", "--cv", "2", "--grid", "max_depth=2,3", "--metric", "roc_auc"}, 2,
			"--metric roc_auc scores a classifier's probabilities; --objective count:poisson predicts a number"},
		{[]string{"--target", "n", "--objective", "count:poisson", "--positive", "1"}, 2, "--positive names the positive class of a classifier; --objective count:poisson predicts a number"},
		{[]string{"--target", "n", "--objective", "reg:gamma"}, 1, `, column "n": "0" is not above 0, as --objective reg:gamma needs`},
		{[]string{"--target", "v", "--objective", "count:poisson"}, 1, `is negative; --objective count:poisson needs targets of 0 or more`},
		{[]string{"--target", "v", "--objective", "reg:absoluteerror", "--monotone", "a:+1"}, 2,
			"--monotone with --objective reg:absoluteerror: its leaves are set to medians after each tree is grown"},
		{[]string{"--target", "v", "--objective", "reg:absoluteerror", "--huber-slope", "2"}, 2, "--huber-slope is reg:pseudohubererror's; --objective is reg:absoluteerror"},
	} {
		requireRefusedBeforeFit(t, []string{"gbt", "--data", data, "--features", "a,b", "--trees", "2"}, tc.args, tc.code, tc.want)
	}
}
