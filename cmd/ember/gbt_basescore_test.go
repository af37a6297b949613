package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
)

// TestGBTBaseScore: --base-score reaches the model and its start (XGBoost's
// ProbToMargin of it: the log-odds for binary:logistic, the value itself
// for every class of multi:softprob, also when the target's classes chose
// it, and for reg:squarederror, 0 included), the saved model records it
// and the report names it; without it the fit starts from Ember's
// estimate, as before. A value the objective cannot take is refused,
// saying why, before any fit: at once when --objective is given, after
// reading the target when its classes choose the objective.
func TestGBTBaseScore(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,z,label,grade,amount\n")
	for i := range 400 {
		x := math.Mod(float64(i)*0.618034, 1)
		z := math.Sin(float64(i) * 1.7)
		label, grade := 0, 0
		if x+0.4*z > 0.7 {
			label = 1
		}
		if x > 0.3 {
			grade = 1 + int(2*(x+z+1)/3.1)%2
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%d,%d,%.3f\n", x, z, label, grade, 3+2*x-z)
	}
	data := filepath.Join(dir, "t.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.model")
	fit := func(target string, args ...string) (gbtResult, string, *gbt.Saved) {
		t.Helper()
		args = append([]string{"gbt", "--data", data, "--target", target, "--features", "x,z", "--trees", "5", "--binning", "xgboost", "--save", model}, args...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		code, jsonOut, errOut := runCmd(t, append(args, "--json")...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, jsonOut, &res)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		return res, out, s
	}

	res, out, s := fit("label", "--base-score", "0.3")
	require.Equal(t, gbt.BinaryLogistic, s.Model.Objective)
	require.Equal(t, 0.3, *s.Model.BaseScore)
	// XGBoost's start from base_score 0.3, its float32 log-odds
	// (models/gbt/testdata/basescore_meta.json).
	const logOdds = float32(-0.84729785)
	require.Equal(t, logOdds, s.Model.Ensemble().Base())
	require.Equal(t, 0.3, res.Params["base_score"])
	require.Contains(t, out, ", base_score 0.3;")

	res, out, s = fit("label")
	require.Nil(t, s.Model.BaseScore)
	require.NotContains(t, res.Params, "base_score")
	require.NotContains(t, out, "base_score")
	require.NotEqual(t, logOdds, s.Model.Ensemble().Base())

	// Three classes: multi:softprob, whose classes all start from 2.
	_, _, s = fit("grade", "--base-score", "2")
	require.Equal(t, gbt.MultiSoftprob, s.Model.Objective)
	for c := range 3 {
		require.Equal(t, float32(2), s.Model.Ensemble().ClassBase(c))
	}
	_, _, s = fit("amount", "--objective", "reg:squarederror", "--base-score", "0")
	require.Equal(t, 0.0, *s.Model.BaseScore)
	require.Equal(t, float32(0), s.Model.Ensemble().Base())

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--target", "amount", "--objective", "count:poisson", "--base-score", "0"}, 2,
			"--base-score 0 is not above 0 (as float32, as XGBoost keeps it), which count:poisson needs: its starting margin is the log"},
		{[]string{"--target", "label", "--objective", "binary:logistic", "--base-score", "1"}, 2,
			"--base-score 1 is not a probability in (0, 1), which binary:logistic needs: its starting margin is the log-odds"},
		{[]string{"--target", "amount", "--objective", "reg:squarederror", "--base-score", "1e39"}, 2,
			"--base-score 1e+39 is not a finite number within float32's range (±3.4e38), where XGBoost keeps base_score"},
		{[]string{"--target", "label", "--base-score", "nan"}, 2, "--base-score nan: must be a finite number"},
		// Two classes: binary:logistic, known once the target is read.
		{[]string{"--target", "label", "--base-score", "1.5"}, 1,
			"--base-score 1.5 is not a probability in (0, 1), which binary:logistic needs"},
	} {
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data}, tc.args...)...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, "%v", tc.args)
		require.NotContains(t, out, "model:")
		require.NotContains(t, errOut, "gbt: base_score", "the library's wording")
	}

	code, out, _ := runCmd(t, "gbt", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "--base-score")
	require.Contains(t, out, "XGBoost's base_score")
	require.Contains(t, out, "ember's estimate from the training targets")
}
