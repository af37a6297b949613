package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// dropColumn writes a copy of the CSV data without column name, to dir.
func dropColumn(t *testing.T, dir, data, name string) string {
	t.Helper()
	raw, err := os.ReadFile(data)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	col := slices.Index(strings.Split(lines[0], ","), name)
	require.GreaterOrEqual(t, col, 0, name)
	for i, l := range lines {
		f := strings.Split(l, ",")
		lines[i] = strings.Join(append(f[:col:col], f[col+1:]...), ",")
	}
	p := filepath.Join(dir, "no-"+name+".csv")
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return p
}

// TestGBTSurvivalPredict: a survival model's file records its --event or
// --label-upper column, and ember predict on a --test file that has the
// times and that column prints and reports in --json the same
// negative log likelihood and Harrell's C-index as ember gbt's held-out
// report on that file (Cox from signed times and with --event, AFT with
// and without --label-upper). Without the target or that column, or with
// a model file that does not record its survival columns (saved before
// it did), the predictions are the same and the summary says which
// column is lacking or cannot be known. --weight weighs survival:aft's
// aft-nloglik (as XGBoost does), not its C-index, and is refused for
// survival:cox, whose scores are both unweighted, and where there are no
// times to score.
func TestGBTSurvivalPredict(t *testing.T) {
	dir := t.TempDir()
	train := survivalTable(t, dir, 300, nil, -1)
	test := survivalTable(t, t.TempDir(), 120, map[string]string{"a": "2.5"}, 7)
	for _, tc := range []struct {
		name, event, upper, target string
		args                       []string
	}{
		{"cox", "", "", "coxy", []string{"--objective", "survival:cox", "--target", "coxy"}},
		{"cox_event", "event", "", "time", []string{"--objective", "survival:cox", "--target", "time", "--event", "event"}},
		{"aft", "", "hi", "lo", []string{"--objective", "survival:aft", "--target", "lo", "--label-upper", "hi", "--aft-distribution", "logistic"}},
		{"aft_observed", "", "", "time", []string{"--objective", "survival:aft", "--target", "time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(dir, tc.name+".model")
			args := append([]string{"gbt", "--data", train, "--test", test, "--features", "a,b", "--trees", "20", "--save", model, "--json"}, tc.args...)
			code, fitOut, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
			var fit gbtResult
			decodeLast(t, fitOut, &fit)
			require.NotNil(t, fit.NLogLik)
			require.NotNil(t, fit.CIndex)

			pred := filepath.Join(dir, tc.name+".csv")
			code, out, errOut := runCmd(t, "predict", "--model", model, "--data", test, "--out", pred, "--json")
			require.Equal(t, 0, code, errOut)
			var res predictResult
			decodeLast(t, out, &res)
			require.Equal(t, fit.NLogLikName, res.NLogLikName)
			require.Equal(t, *fit.NLogLik, *res.NLogLik, "ember gbt's held-out nloglik")
			require.Equal(t, *fit.CIndex, *res.CIndex, "ember gbt's held-out C-index")
			require.Equal(t, tc.target, res.LabelColumn)
			require.Equal(t, tc.event, res.Event)
			require.Equal(t, tc.upper, res.LabelUpper)
			require.Nil(t, res.RMSE)
			// The printed figures are ember gbt's, to the digit.
			nll := fmt.Sprintf("%s: %.6g\n", fit.NLogLikName, *fit.NLogLik)
			cIndex := fmt.Sprintf("C-index (Harrell's, unweighted): %.4f\n", *fit.CIndex)
			require.Contains(t, fitOut, "held-out "+nll)
			require.Contains(t, fitOut, "held-out "+cIndex)
			require.Contains(t, out, "\n  "+nll)
			require.Contains(t, out, "\n  "+cIndex)
			scores := readCSVFile(t, pred)

			// Without the times, or the event or upper-bound column: the
			// same predictions, and a line naming what is lacking.
			missing := []struct{ col, what string }{{tc.target, "times"}}
			if tc.event != "" {
				missing = append(missing, struct{ col, what string }{tc.event, "event flags"})
			}
			if tc.upper != "" {
				missing = append(missing, struct{ col, what string }{tc.upper, "upper bounds on the times"})
			}
			for _, m := range missing {
				data := dropColumn(t, t.TempDir(), test, m.col)
				p := filepath.Join(dir, tc.name+"-no-"+m.col+".csv")
				code, out, errOut := runCmd(t, "predict", "--model", model, "--data", data, "--out", p, "--json")
				require.Equal(t, 0, code, errOut)
				require.Contains(t, out, fmt.Sprintf("no negative log likelihood or C-index, as %s has no column %q (the model's %s)", data, m.col, m.what))
				var res predictResult
				decodeLast(t, out, &res)
				require.Nil(t, res.NLogLik)
				require.Nil(t, res.CIndex)
				require.Equal(t, scores, readCSVFile(t, p), "the same predictions")
			}

			// A model file without the record of its survival columns
			// still loads and predicts, and says which column it cannot
			// know.
			s, err := gbt.Load(model)
			require.NoError(t, err)
			s.Training = nil
			old := filepath.Join(dir, tc.name+"-old.model")
			require.NoError(t, gbt.Save(old, s))
			p := filepath.Join(dir, tc.name+"-old.csv")
			code, out, errOut = runCmd(t, "predict", "--model", old, "--data", test, "--out", p, "--json")
			require.Equal(t, 0, code, errOut)
			col := "--event column of event flags"
			if strings.HasPrefix(tc.name, "aft") {
				col = "--label-upper column of upper bounds"
			}
			require.Contains(t, out, "no negative log likelihood or C-index, as the model file does not record whether it was fitted with a "+col)
			var oldRes predictResult
			decodeLast(t, out, &oldRes)
			require.Nil(t, oldRes.NLogLik)
			require.Nil(t, oldRes.CIndex)
			require.Equal(t, scores, readCSVFile(t, p))

			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test, "--weight", "a", "--out", p, "--json")
			if !strings.HasPrefix(tc.name, "aft") {
				// XGBoost's cox-nloglik is unweighted, as the C-index is.
				require.Equal(t, 1, code)
				require.Contains(t, errOut, "--weight a: the model "+model+" is survival:cox, whose cox-nloglik and C-index are unweighted")
				return
			}
			// survival:aft's aft-nloglik is weighted, as XGBoost's (see
			// TestAFTNLogLikWeightedAsXGBoost); the C-index is not.
			require.Equal(t, 0, code, errOut)
			var wres predictResult
			decodeLast(t, out, &wres)
			require.True(t, wres.ScoresWeighted)
			require.Equal(t, "a", wres.Weight)
			tb, err := readBatch(test, nil, tabular.Layout{})
			require.NoError(t, err)
			X, _, err := s.Pipeline.Transform(tb, nil)
			require.NoError(t, err)
			pt, err := s.Model.Predict(X)
			require.NoError(t, err)
			w, err := weightValues(tb, "a")
			require.NoError(t, err)
			times, _, err := targetValues(tb, tc.target, s.Model.Objective)
			require.NoError(t, err)
			uppers, err := survivalTimes(tb, s.Model.Objective, tc.target, "", tc.upper, times)
			require.NoError(t, err)
			if uppers == nil {
				uppers = times
			}
			_, want, _, _ := survivalScores(s.Model, times, uppers, pt, w)
			require.Equal(t, want, *wres.NLogLik)
			require.NotEqual(t, *res.NLogLik, *wres.NLogLik, "weighted, not as without --weight")
			require.Equal(t, *res.CIndex, *wres.CIndex, "the C-index unweighted")
			require.Contains(t, out, fmt.Sprintf("%s, weighted by column \"a\": %.6g\n", res.NLogLikName, want))
			require.Equal(t, scores, readCSVFile(t, p))
			// Without the bounds there is nothing to weigh.
			data := dropColumn(t, t.TempDir(), test, tc.target)
			code, _, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--weight", "a")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, "--weight a: "+data+" has no column \""+tc.target+"\"")
			code, _, errOut = runCmd(t, "predict", "--model", old, "--data", test, "--weight", "a")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, "--weight a: the model file "+old+" does not record whether it was fitted with a --label-upper column")
		})
	}
}
