package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/selection"
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

// survivalLabels reads a survivalTable's label columns: coxy, and the
// AFT bounds lo and hi, an empty hi (censored) as +Inf.
func survivalLabels(t *testing.T, tb *tabular.Batch) (coxy, lo, hi []float64) {
	t.Helper()
	col := func(name string) []float64 {
		c := tb.Column(name)
		out := make([]float64, tb.Rows)
		for i := range out {
			s, _ := c.Text(i)
			out[i] = math.Inf(1)
			if s != "" {
				var err error
				out[i], err = strconv.ParseFloat(s, 64)
				require.NoError(t, err)
			}
		}
		return out
	}
	return col("coxy"), col("lo"), col("hi")
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
	coxy, lo, hi := survivalLabels(t, tb)
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
		{nil, []string{"--target", "lo", "--objective", "survival:aft", "--label-upper", "lo"}, 2, "--label-upper lo is also the --target or --weight column"},
		{nil, []string{"--target", "lo", "--objective", "survival:aft", "--label-upper", "hi", "--features", "a,hi"}, 1, "--label-upper hi is also a feature column"},
	} {
		data := good
		if tc.edit != nil {
			data = survivalTable(t, dir, 60, tc.edit, 4)
		}
		base := []string{"gbt", "--data", data, "--trees", "2"}
		caseArgs := tc.args
		if !strings.Contains(strings.Join(tc.args, " "), "--features") {
			caseArgs = slices.Concat(caseArgs, []string{"--features", "a,b"})
		}
		requireRefusedBeforeFit(t, base, caseArgs, tc.code, tc.want)
	}
}

// TestGBTSurvivalCV: --cv scores a survival objective's grid on shuffled
// folds (selection.KFold by --seed), each fold's rows with their own
// times, events and bounds: by default by the objective's negative log
// likelihood (cox-nloglik unweighted; aft-nloglik weighted by --weight),
// lowest winning, and with --metric c_index by Harrell's C-index,
// unweighted, highest winning. Every fold score is the one a fit on the
// fold's other rows gives (gbt's and metrics' own, recomputed here), and
// the best point is refitted on all the training rows.
func TestGBTSurvivalCV(t *testing.T) {
	dir := t.TempDir()
	data := survivalTable(t, dir, 240, nil, -1)
	tb, err := readBatch(data, nil, tabular.Layout{})
	require.NoError(t, err)
	coxy, lo, hi := survivalLabels(t, tb)
	weighted, w := withWeights(t, data)

	for _, tc := range []struct {
		name, metric, wantName string
		weighted               bool
		args                   []string
	}{
		{"cox", "", "cox-nloglik", false, []string{"--objective", "survival:cox", "--target", "coxy"}},
		{"cox c_index weighted fit", "c_index", "c_index", true, []string{"--objective", "survival:cox", "--target", "time", "--event", "event"}},
		{"aft weighted", "", "aft-nloglik (logistic, sigma 0.8)", true, []string{"--objective", "survival:aft", "--target", "lo", "--label-upper", "hi", "--aft-distribution", "logistic", "--aft-sigma", "0.8"}},
		{"aft c_index", "c_index", "c_index", false, []string{"--objective", "survival:aft", "--target", "lo", "--label-upper", "hi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := data
			args := append([]string{"gbt", "--features", "a,b", "--trees", "15", "--test-frac", "0", "--cv", "3", "--grid", "max_depth=1,3", "--json"}, tc.args...)
			if tc.weighted {
				file = weighted
				args = append(args, "--weight", "w")
			}
			if tc.metric != "" {
				args = append(args, "--metric", tc.metric)
			}
			code, out, errOut := runCmd(t, append(args, "--data", file)...)
			require.Equal(t, 0, code, errOut)
			var res gbtResult
			decodeLast(t, out, &res)
			require.Equal(t, tc.wantName, res.CV.Metric)
			require.Contains(t, out, "3-fold shuffled cross-validation ("+tc.wantName)
			if tc.weighted && tc.metric == "c_index" {
				require.Contains(t, out, `unweighted: column "w" weighs the fits only`)
			}
			obj := gbt.Objective(tc.args[1])
			folds, err := selection.KFold(tb.Rows, 3, 1)
			require.NoError(t, err)
			spec := tabular.Spec{Numeric: []string{"a", "b"}}
			for pi, pt := range res.CV.Points {
				for f, test := range folds {
					trRows := selection.TrainRows(folds, f)
					pl, err := tabular.Fit(spec, tabular.SelectRows(tb, trRows))
					require.NoError(t, err)
					X, _, err := pl.Transform(tabular.SelectRows(tb, trRows), nil)
					require.NoError(t, err)
					Xv, _, err := pl.Transform(tabular.SelectRows(tb, test), nil)
					require.NoError(t, err)
					m := gbt.New()
					m.Objective, m.NumTrees, m.MaxDepth = obj, 15, int(pt.Point["max_depth"])
					var fw []float64
					if tc.weighted {
						fw = pickFloats(w, trRows)
					}
					if obj == gbt.SurvivalCox {
						require.NoError(t, m.FitWeighted(X, pickFloats(coxy, trRows), fw, nil))
					} else {
						if tc.metric == "" {
							m.AFTDistribution, m.AFTSigma = gbt.AFTLogistic, 0.8
						}
						require.NoError(t, m.FitAFT(X, pickFloats(lo, trRows), pickFloats(hi, trRows), fw, nil))
					}
					margins, err := m.Margins(Xv)
					require.NoError(t, err)
					p, err := m.Predict(Xv)
					require.NoError(t, err)
					var want float64
					switch {
					case tc.metric == "c_index":
						time, event, risk := make([]float64, len(test)), make([]bool, len(test)), make([]float64, len(test))
						for k, i := range test {
							if obj == gbt.SurvivalCox {
								time[k], event[k], risk[k] = math.Abs(coxy[i]), coxy[i] > 0, p[k]
							} else {
								time[k], event[k], risk[k] = lo[i], lo[i] == hi[i], -p[k]
							}
						}
						want, err = metrics.ConcordanceIndex(time, event, risk)
						require.NoError(t, err)
					case obj == gbt.SurvivalCox:
						want = gbt.CoxNLogLik(pickFloats(coxy, test), margins)
					default:
						want = gbt.AFTNLogLik(gbt.AFTLogistic, 0.8, pickFloats(lo, test), pickFloats(hi, test), margins, pickFloats(w, test))
					}
					require.InDelta(t, want, pt.Scores[f], 1e-9, "point %d fold %d", pi, f)
				}
			}
			best := res.CV.Points[res.CV.Best]
			for _, pt := range res.CV.Points {
				if tc.metric == "c_index" {
					require.LessOrEqual(t, pt.Mean, best.Mean, "the highest C-index wins")
				} else {
					require.GreaterOrEqual(t, pt.Mean, best.Mean, "the lowest nloglik wins")
				}
			}
			require.NotEqual(t, res.CV.Points[0].Mean, res.CV.Points[1].Mean)
			require.Equal(t, best.Point["max_depth"], res.Params["max_depth"], "refitted at the best point")
		})
	}
}

// TestGBTSurvivalCVBadInput: --metric names a survival metric for a
// survival objective and only then; a fold that cannot be scored (no event
// for cox-nloglik, no comparable pair for the C-index) is an error before
// any fit.
func TestGBTSurvivalCVBadInput(t *testing.T) {
	dir := t.TempDir()
	data := survivalTable(t, dir, 60, nil, -1)
	// Three events among 60 rows: 5 folds leave some without one.
	var b strings.Builder
	b.WriteString("a,y\n")
	for i := range 60 {
		y := -float64(i + 1)
		if i%20 == 0 {
			y = float64(i + 1)
		}
		fmt.Fprintf(&b, "%d,%g\n", i%7, y)
	}
	sparse := filepath.Join(dir, "sparse.csv")
	require.NoError(t, os.WriteFile(sparse, []byte(b.String()), 0o644))
	cv := []string{"--cv", "3", "--grid", "max_depth=2,3"}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{append([]string{"--data", data, "--features", "a,b", "--objective", "survival:cox", "--target", "coxy", "--metric", "rmse"}, cv...), 2,
			"--metric rmse scores a regressor's predicted numbers; --objective survival:cox scores survival times: use --metric nloglik (XGBoost's cox-nloglik) or c_index"},
		{append([]string{"--data", data, "--features", "a", "--target", "b", "--objective", "reg:squarederror", "--metric", "c_index"}, cv...), 2,
			"--metric c_index scores survival times (survival:cox, survival:aft); --objective is reg:squarederror"},
		{[]string{"--data", data, "--features", "a,b", "--objective", "survival:cox", "--target", "coxy", "--metric", "c_index"}, 2,
			"--metric is what --cv selects by; it needs --cv and --grid"},
		{append([]string{"--data", sparse, "--features", "a", "--objective", "survival:cox", "--target", "y", "--test-frac", "0", "--cv", "5"}, "--grid", "max_depth=2,3"), 1,
			"of 12 rows has no event (every time censored), so its cox-nloglik is undefined: use fewer folds"},
		{append([]string{"--data", sparse, "--features", "a", "--objective", "survival:cox", "--target", "y", "--test-frac", "0", "--cv", "5", "--metric", "c_index"}, "--grid", "max_depth=2,3"), 1,
			"has no pair of rows whose order of events is known (an event before another row's time), so its C-index is undefined"},
	} {
		_, errOut := requireRefusedBeforeFit(t, []string{"gbt", "--trees", "2"}, tc.args, tc.code, tc.want)
		require.NotContains(t, errOut, "cross-validated", "%v: fitted", tc.args)
	}
}

// withWeights writes a copy of the CSV file data with a column w of row
// weights 1, 2, 3, 1, 2, …, and gives its path and the weights.
func withWeights(t *testing.T, data string) (string, []float64) {
	t.Helper()
	raw, err := os.ReadFile(data)
	require.NoError(t, err)
	var b strings.Builder
	var w []float64
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if i == 0 {
			fmt.Fprintf(&b, "%s,w\n", line)
			continue
		}
		w = append(w, float64(1+(i-1)%3))
		fmt.Fprintf(&b, "%s,%g\n", line, w[i-1])
	}
	p := strings.TrimSuffix(data, ".csv") + "-weighted.csv"
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p, w
}

// TestGBTSurvivalWeightedCIndex: with --weight, the C-index stays Harrell's
// unweighted one (no weighted C-index is standard: scikit-survival's
// concordance_index_censored and lifelines' concordance_index take no
// weights), and the report says so: the split line names the scores the
// weights are in (Cox: the fit only; AFT: the fit and aft-nloglik) and
// the C-index line that the weights are not in its pairs. The C-index is
// metrics.ConcordanceIndex of the weighted fit's predictions.
func TestGBTSurvivalWeightedCIndex(t *testing.T) {
	dir := t.TempDir()
	data, _ := withWeights(t, survivalTable(t, dir, 200, nil, -1))
	tb, err := readBatch(data, nil, tabular.Layout{})
	require.NoError(t, err)
	for _, tc := range []struct {
		args  []string
		split string
	}{
		{[]string{"--objective", "survival:cox", "--target", "coxy"}, `rows weighted by column "w" in the fit (cox-nloglik and the C-index are unweighted)`},
		{[]string{"--objective", "survival:aft", "--target", "lo", "--label-upper", "hi"}, `rows weighted by column "w" (the fit and aft-nloglik; the C-index is unweighted)`},
	} {
		model := filepath.Join(dir, "m.model")
		args := append([]string{"gbt", "--data", data, "--features", "a,b", "--weight", "w", "--trees", "10", "--test-frac", "0", "--save", model, "--json"}, tc.args...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, tc.split)
		require.Contains(t, out, `C-index (Harrell's, unweighted: column "w" weighs the fit, not the pairs): `)
		var res gbtResult
		decodeLast(t, out, &res)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		X, _, err := s.Pipeline.Transform(tb, nil)
		require.NoError(t, err)
		p, err := s.Model.Predict(X)
		require.NoError(t, err)
		time, event, risk := make([]float64, len(p)), make([]bool, len(p)), make([]float64, len(p))
		y, _, err := targetValues(tb, tc.args[3], s.Model.Objective)
		require.NoError(t, err)
		for i, v := range y {
			if s.Model.Objective == gbt.SurvivalCox {
				time[i], event[i], risk[i] = math.Abs(v), v > 0, p[i]
			} else {
				hi, _ := tb.Column("hi").Text(i)
				time[i], event[i], risk[i] = v, hi != "", -p[i]
			}
		}
		c, err := metrics.ConcordanceIndex(time, event, risk)
		require.NoError(t, err)
		require.Equal(t, c, *res.CIndex)
	}
}
