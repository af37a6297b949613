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

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// survivalTable writes a CSV of two features and survival times: time and
// event (1: seen, 0: censored), coxy (the time, negative when censored:
// XGBoost's label), and AFT bounds lo and hi (hi empty when censored).
// Row bad, when 0 or more, gets the cell edit[col] instead.
func survivalTable(t *testing.T, dir string, rows int, edit map[string]string, bad int) string {
	t.Helper()
	var b strings.Builder
	cols := []string{"a", "b", "time", "event", "coxy", "lo", "hi"}
	b.WriteString(strings.Join(cols, ",") + "\n")
	for i := range rows {
		a, bb := float64(i%13)/4, float64(i%7)-3
		tm := math.Round(100*math.Exp(0.5*a-0.2*bb+float64(i*7919%10)/10)) / 100
		seen := i%3 != 0
		cell := map[string]string{"a": fmt.Sprint(a), "b": fmt.Sprint(bb), "time": fmt.Sprint(tm), "event": "1",
			"coxy": fmt.Sprint(tm), "lo": fmt.Sprint(tm), "hi": fmt.Sprint(tm)}
		if !seen {
			cell["event"], cell["coxy"], cell["hi"] = "0", fmt.Sprint(-tm), ""
		}
		if i == bad {
			for k, v := range edit {
				cell[k] = v
			}
		}
		for j, c := range cols {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(cell[c])
		}
		b.WriteString("\n")
	}
	p := filepath.Join(dir, fmt.Sprintf("s%d.csv", bad))
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestGBTSurvival: ember gbt fits survival:cox from XGBoost's signed times
// and from times with --event alike, and survival:aft from --target and
// --label-upper bounds with --aft-distribution and --aft-sigma; scored on
// the training rows (--test-frac 0), the reported nloglik and C-index are
// gbt's and metrics' on the saved model's predictions, with hazard ratios
// (risks) for Cox and negated times for AFT, censored rows as censored;
// no RMSE. A --test file gives the same scores, and --early-stopping
// stops on the validation rows' loss. ember score and ember predict write
// the column hazard_ratio or predicted_time.
func TestGBTSurvival(t *testing.T) {
	dir := t.TempDir()
	data := survivalTable(t, dir, 300, nil, -1)
	tb, err := readBatch(data, nil, tabular.Layout{})
	require.NoError(t, err)
	col := func(name string) []float64 {
		c := tb.Column(name)
		out := make([]float64, tb.Rows)
		for i := range out {
			s, _ := c.Text(i)
			out[i] = math.Inf(1)
			if s != "" {
				out[i], err = strconv.ParseFloat(s, 64)
				require.NoError(t, err)
			}
		}
		return out
	}
	coxy, lo, hi := col("coxy"), col("lo"), col("hi")
	var coxRes gbtResult
	for _, tc := range []struct {
		name, column string
		args         []string
	}{
		{"cox", "hazard_ratio", []string{"--objective", "survival:cox", "--target", "coxy"}},
		{"cox_event", "hazard_ratio", []string{"--objective", "survival:cox", "--target", "time", "--event", "event"}},
		{"aft", "predicted_time", []string{"--objective", "survival:aft", "--target", "lo", "--label-upper", "hi", "--aft-distribution", "extreme", "--aft-sigma", "0.7"}},
	} {
		model := filepath.Join(dir, tc.name+".model")
		args := append([]string{"gbt", "--data", data, "--features", "a,b", "--trees", "20", "--test-frac", "0", "--save", model, "--json"}, tc.args...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "C-index (Harrell's, unweighted): ")
		var res gbtResult
		decodeLast(t, out, &res)
		require.Nil(t, res.RMSE)
		require.NotNil(t, res.NLogLik)
		require.NotNil(t, res.CIndex)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		X, _, err := s.Pipeline.Transform(tb, nil)
		require.NoError(t, err)
		p, err := s.Model.Predict(X)
		require.NoError(t, err)
		margins, err := s.Model.Margins(X)
		require.NoError(t, err)
		time, event, risk := make([]float64, len(p)), make([]bool, len(p)), make([]float64, len(p))
		if s.Model.Objective == gbt.SurvivalCox {
			require.Equal(t, "cox-nloglik", res.NLogLikName)
			require.InDelta(t, gbt.CoxNLogLik(coxy, margins), *res.NLogLik, 1e-9)
			for i, y := range coxy {
				time[i], event[i], risk[i] = math.Abs(y), y > 0, p[i]
			}
			if tc.name == "cox" {
				coxRes = res
			} else { // --event is the same fit
				require.Equal(t, *coxRes.NLogLik, *res.NLogLik)
				require.Equal(t, *coxRes.CIndex, *res.CIndex)
			}
		} else {
			require.Equal(t, gbt.AFTExtreme, s.Model.AFTDistribution)
			require.Equal(t, 0.7, s.Model.AFTSigma)
			require.Equal(t, "aft-nloglik (extreme, sigma 0.7)", res.NLogLikName)
			require.InDelta(t, gbt.AFTNLogLik(gbt.AFTExtreme, 0.7, lo, hi, margins, nil), *res.NLogLik, 1e-9)
			for i := range lo {
				time[i], event[i], risk[i] = lo[i], lo[i] == hi[i], -p[i]
			}
		}
		c, err := metrics.ConcordanceIndex(time, event, risk)
		require.NoError(t, err)
		require.Equal(t, c, *res.CIndex)
		require.Greater(t, c, 0.6, "the features explain the times")
		// A --test file (here the same rows) carries its bounds or event
		// flags along: the same fit, the same scores.
		args = append([]string{"gbt", "--data", data, "--test", data, "--features", "a,b", "--trees", "20", "--json"}, tc.args...)
		code, out, errOut = runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		var onTest gbtResult
		decodeLast(t, out, &onTest)
		require.Equal(t, *res.NLogLik, *onTest.NLogLik)
		require.Equal(t, *res.CIndex, *onTest.CIndex)
		// --early-stopping validates on held-out bounds.
		args = append([]string{"gbt", "--data", data, "--features", "a,b", "--trees", "200", "--early-stopping", "3", "--json"}, tc.args...)
		code, out, errOut = runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		var early gbtResult
		decodeLast(t, out, &early)
		require.NotNil(t, early.BestRound)
		require.Less(t, early.Rounds, 200)

		for _, cmd := range []string{"score", "predict"} {
			scored := filepath.Join(dir, tc.name+"-"+cmd+".csv")
			code, out, errOut = runCmd(t, cmd, "--model", model, "--data", data, "--out", scored)
			require.Equal(t, 0, code, errOut)
			require.NotContains(t, out, "RMSE against")
			f, err := os.Open(scored)
			require.NoError(t, err)
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			require.NoError(t, err)
			require.Equal(t, []string{tc.column}, recs[0], cmd)
			for i, rec := range recs[1:] {
				v, err := strconv.ParseFloat(rec[0], 64)
				require.NoError(t, err)
				require.Equal(t, p[i], v)
			}
		}
	}
}

// TestGBTSurvivalBadInput: bad times and bounds are errors naming the file
// and line before any fit; survival flags with the wrong objective are
// usage errors.
func TestGBTSurvivalBadInput(t *testing.T) {
	dir := t.TempDir()
	good := survivalTable(t, dir, 60, nil, -1)
	cox := []string{"--objective", "survival:cox", "--target", "coxy"}
	aft := []string{"--objective", "survival:aft", "--target", "lo", "--label-upper", "hi"}
	for _, tc := range []struct {
		edit map[string]string
		args []string
		code int
		want string
	}{
		{map[string]string{"coxy": "0"}, cox, 1, `s4.csv: line 6, column "coxy": "0" is not a survival time; --objective survival:cox needs times, negative for a censored row`},
		{map[string]string{"coxy": "nan"}, cox, 1, `s4.csv: line 6, column "coxy": missing target value`},
		{map[string]string{"time": "-2"}, []string{"--objective", "survival:cox", "--target", "time", "--event", "event"}, 1, `s4.csv: line 6, column "time": -2 is not a time above 0, as --event needs`},
		{map[string]string{"event": "yes"}, []string{"--objective", "survival:cox", "--target", "time", "--event", "event"}, 1, `s4.csv: line 6: "yes" is not an event flag`},
		{map[string]string{"lo": "9", "hi": "3"}, aft, 1, `s4.csv: line 6: the upper bound 3 is below the lower bound (--target) 9`},
		{map[string]string{"lo": "-1"}, aft, 1, `s4.csv: line 6, column "lo": "-1" is negative; --objective survival:aft needs lower bounds on the times of 0 (left-censored) or more`},
		{map[string]string{"hi": "NaN"}, aft, 1, `s4.csv: line 6: missing upper bound ("NaN" reads as a missing value`},
		{map[string]string{"lo": "0", "hi": "0"}, aft, 1, `s4.csv: line 6: the time is 0; survival:aft needs times above 0`},
		// Without --label-upper every time is observed: 0 is named by its
		// line in the file, not its row among the training rows.
		{map[string]string{"lo": "0"}, []string{"--objective", "survival:aft", "--target", "lo"}, 1,
			`s4.csv: line 6, column "lo": the time is 0; without --label-upper every --target time is observed`},
		{nil, []string{"--target", "coxy", "--objective", "survival:cox", "--label-upper", "hi"}, 2, "--label-upper is survival:aft's column of upper bounds; --objective is survival:cox"},
		{nil, []string{"--target", "lo", "--objective", "survival:aft", "--event", "event"}, 2, "--event flags survival:cox's events; survival:aft takes a right-censored row as an upper bound of inf"},
		{nil, []string{"--target", "coxy", "--objective", "survival:cox", "--aft-sigma", "2"}, 2, "--aft-distribution and --aft-sigma are survival:aft's; --objective is survival:cox"},
		{nil, []string{"--target", "coxy", "--objective", "survival:cox", "--cv", "3", "--grid", "max_depth=2,3"}, 2, "--cv does not score survival:cox models yet"},
		{nil, []string{"--target", "lo", "--objective", "survival:aft", "--label-upper", "lo"}, 2, "--label-upper lo is also the --target or --weight column"},
		{nil, []string{"--target", "lo", "--objective", "survival:aft", "--label-upper", "hi", "--features", "a,hi"}, 1, "--label-upper hi is also a feature column"},
	} {
		data := good
		if tc.edit != nil {
			data = survivalTable(t, dir, 60, tc.edit, 4)
		}
		args := append([]string{"gbt", "--data", data, "--trees", "2"}, tc.args...)
		if !strings.Contains(strings.Join(tc.args, " "), "--features") {
			args = append(args, "--features", "a,b")
		}
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, tc.args)
		require.NotContains(t, out, "model:", "%v: fitted", tc.args)
	}
}
