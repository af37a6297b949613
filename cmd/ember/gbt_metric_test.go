package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
)

// TestGBTMetricEarlyStopping: --metric, when given, is what
// --early-stopping watches (XGBoost's eval_metric) for every kind of
// objective, by XGBoost's name (roc_auc as auc, accuracy as error or
// merror, a multi: objective's roc_auc as XGBoost's one-vs-rest auc, a
// regressor's deviance as its own loss, but reg:logistic's
// log-loss), in its direction: the round kept is the best of the saved
// model's History by it (highest for auc and c-index), and the summary and
// --json name it. Without --metric the objective's loss is watched, and
// --metric naming that loss fits the same model.
func TestGBTMetricEarlyStopping(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 400, nil)
	surv := survivalTable(t, dir, 300, nil, -1)
	for _, tc := range []struct {
		args   []string
		metric string // History.Metric
	}{
		{[]string{"--data", data, "--target", "cls", "--metric", "roc_auc"}, "auc"},
		{[]string{"--data", data, "--target", "cls", "--metric", "accuracy"}, "error"},
		{[]string{"--data", data, "--target", "cls", "--metric", "log_loss"}, "logloss"},
		{[]string{"--data", data, "--target", "cls"}, "logloss"},
		{[]string{"--data", data, "--target", "cls", "--objective", "binary:hinge", "--metric", "roc_auc"}, "auc"},
		{[]string{"--data", data, "--target", "grade", "--metric", "accuracy"}, "merror"},
		// XGBoost's multi-class auc: one-vs-rest, weighted by the classes'
		// rows; on two classes of a multi: objective, the binary one.
		{[]string{"--data", data, "--target", "grade", "--metric", "roc_auc"}, "auc"},
		{[]string{"--data", data, "--target", "grade", "--objective", "multi:softmax", "--metric", "roc_auc"}, "auc"},
		{[]string{"--data", data, "--target", "cls", "--objective", "multi:softprob", "--metric", "roc_auc"}, "auc"},
		{[]string{"--data", data, "--target", "grade"}, "mlogloss"},
		{[]string{"--data", data, "--target", "amount", "--objective", "reg:squarederror", "--metric", "mae"}, "mae"},
		{[]string{"--data", data, "--target", "amount", "--objective", "reg:squarederror"}, "mse"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:gamma", "--metric", "rmse"}, "rmse"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:gamma", "--metric", "deviance"}, "gamma-nloglik"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:logistic", "--metric", "deviance"}, "logloss"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:logistic"}, "rmse"},
		{[]string{"--data", surv, "--target", "coxy", "--objective", "survival:cox", "--metric", "c_index"}, "c-index"},
		{[]string{"--data", surv, "--target", "lo", "--label-upper", "hi", "--objective", "survival:aft", "--metric", "c_index"}, "c-index"},
		{[]string{"--data", surv, "--target", "lo", "--label-upper", "hi", "--objective", "survival:aft", "--metric", "nloglik"}, "aft-nloglik"},
	} {
		name := strings.Join(tc.args[2:], " ")
		t.Run(name, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "m.model")
			code, out, errOut := runCmd(t, append([]string{"gbt", "--features", "a,b", "--trees", "60", "--lr", "0.5",
				"--early-stopping", "4", "--save", model, "--json"}, tc.args...)...)
			require.Equal(t, 0, code, errOut)
			var res gbtResult
			decodeLast(t, out, &res)
			s, err := gbt.Load(model)
			require.NoError(t, err)
			h := s.Model.History()
			require.Equal(t, tc.metric, h.Metric)
			require.Equal(t, tc.metric, res.EarlyStoppingMetric)
			require.NotNil(t, res.BestRound)
			require.Equal(t, *res.BestRound, h.BestRound)
			require.Contains(t, out, fmt.Sprintf("early stopping kept rounds 1-%d by %s", h.BestRound+1, tc.metric))
			higher := tc.metric == "auc" || tc.metric == "c-index"
			best := 0
			for r, v := range h.ValidLoss {
				if higher && v > h.ValidLoss[best] || !higher && v < h.ValidLoss[best] {
					best = r
				}
			}
			require.Equal(t, best, h.BestRound, "the best round by %s: %v", tc.metric, h.ValidLoss)
			require.Equal(t, (best+1)*s.Model.NumClasses(), s.Model.Ensemble().NumTrees())
		})
	}

	// --metric log_loss, the binary objective's own loss, fits the model
	// the default does, bit for bit.
	fit := func(extra ...string) *gbt.Saved {
		model := filepath.Join(t.TempDir(), "m.model")
		code, _, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--target", "cls", "--features", "a,b", "--trees", "60", "--lr", "0.5",
			"--early-stopping", "4", "--save", model}, extra...)...)
		require.Equal(t, 0, code, errOut)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		return s
	}
	def, named, auc := fit(), fit("--metric", "log_loss"), fit("--metric", "roc_auc")
	require.Equal(t, def.Model.History(), named.Model.History())
	require.Equal(t, def.Model.Ensemble(), named.Model.Ensemble())
	require.NotEqual(t, def.Model.History().ValidLoss, auc.Model.History().ValidLoss)
}

// TestGBTMetricEarlyStoppingErrors: --metric needs --cv or
// --early-stopping, must score the objective, and --cv's roc_auc is for
// two classes, each said before any fit; a validation split the metric cannot
// score is an error naming --valid-frac and --metric.
func TestGBTMetricEarlyStoppingErrors(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 200, nil)
	// survival:aft with two observed times among right-censored rows: the
	// validation split has none, so no pair of its rows is ordered.
	surv := survivalTable(t, dir, 200, nil, -1)
	recs := readCSVFile(t, surv)
	var b strings.Builder
	b.WriteString(strings.Join(recs[0], ",") + "\n")
	for i, rec := range recs[1:] {
		if i != 4 && i != 8 {
			rec[6] = "" // hi: right-censored
		}
		b.WriteString(strings.Join(rec, ",") + "\n")
	}
	censored := writeFile(t, "censored.csv", b.String())
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--data", data, "--target", "cls", "--metric", "roc_auc"}, 2,
			"--metric is what --cv selects by; it needs --cv and --grid, or --early-stopping N, which then watches it"},
		{[]string{"--data", data, "--target", "cls", "--metric", "rmse", "--early-stopping", "3"}, 2,
			"--metric rmse scores a regressor's predicted numbers; --objective binary:logistic is a classifier: use --metric roc_auc, log_loss or accuracy"},
		{[]string{"--data", data, "--target", "amount", "--objective", "reg:squarederror", "--metric", "deviance", "--early-stopping", "3"}, 2,
			"--metric deviance: reg:squarederror's loss is the squared error, which --metric rmse ranks the same way; use --metric rmse"},
		{[]string{"--data", data, "--target", "cls", "--objective", "binary:hinge", "--metric", "log_loss", "--early-stopping", "3"}, 2,
			"--metric log_loss scores probabilities; --objective binary:hinge gives none"},
		{[]string{"--data", censored, "--target", "lo", "--label-upper", "hi", "--objective", "survival:aft", "--metric", "c_index", "--early-stopping", "3", "--test-frac", "0"}, 1,
			"--early-stopping's validation split (--valid-frac 0.1 of the training rows) has no pair of rows whose order of events is known (an event before another row's time), so --metric c_index is undefined on it: use a larger --valid-frac, or another --metric"},
	} {
		code, _, errOut := runCmd(t, append([]string{"gbt", "--features", "a,b", "--trees", "5"}, tc.args...)...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, tc.args)
		require.NotContains(t, errOut, "EvalMetric", "a library name in a command's error")
	}
}

// TestAFTNLogLikWeightedAsXGBoost: the aft-nloglik that ember predict
// --weight (and ember gbt's held-out scores with --weight) gives of a
// survival:aft model's predicted times is XGBoost 1.7's aft-nloglik with
// sample weights (testdata/make_aft_weighted.py: every kind of censoring,
// a weight of 0, the three distributions at scale 1, the only one XGBoost
// 1.7.4's metric evaluates), and without weights its unweighted one.
func TestAFTNLogLikWeightedAsXGBoost(t *testing.T) {
	var fx struct {
		Lower   []float64  `json:"lower"`
		Upper   []*float64 `json:"upper"`
		Weights []float64  `json:"weights"`
		Margins []float64  `json:"margins"`
		Cases   []struct {
			Distribution gbt.AFTDistribution `json:"distribution"`
			Sigma        float64             `json:"sigma"`
			Weighted     float64             `json:"weighted"`
			Unweighted   float64             `json:"unweighted"`
		} `json:"cases"`
	}
	b, err := os.ReadFile("testdata/aft_weighted.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &fx))
	upper := make([]float64, len(fx.Upper))
	for i, u := range fx.Upper {
		upper[i] = math.Inf(1)
		if u != nil {
			upper[i] = *u
		}
	}
	times := make([]float64, len(fx.Margins)) // the predictions, exp(margin)
	for i, m := range fx.Margins {
		times[i] = math.Exp(m)
	}
	require.Len(t, fx.Cases, 3)
	for _, tc := range fx.Cases {
		m := &gbt.Model{Objective: gbt.SurvivalAFT, AFTDistribution: tc.Distribution, AFTSigma: tc.Sigma}
		name, nll, _, _ := survivalScores(m, fx.Lower, upper, times, fx.Weights)
		require.Equal(t, fmt.Sprintf("aft-nloglik (%s, sigma %g)", tc.Distribution, tc.Sigma), name)
		require.InEpsilon(t, tc.Weighted, nll, 1e-6, "%s %g weighted", tc.Distribution, tc.Sigma)
		_, nll, _, _ = survivalScores(m, fx.Lower, upper, times, nil)
		require.InEpsilon(t, tc.Unweighted, nll, 1e-6, "%s %g unweighted", tc.Distribution, tc.Sigma)
	}
}
