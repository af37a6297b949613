package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
		{[]string{"--data", surv, "--target", "coxy", "--objective", "survival:cox", "--metric", "c-index"}, "c-index"},
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
			kept := fmt.Sprintf("rounds 1-%d", h.BestRound+1)
			if h.BestRound == 0 {
				kept = "round 1"
			}
			require.Contains(t, out, fmt.Sprintf("early stopping kept %s by %s", kept, tc.metric))
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
			"--metric rmse scores a regressor's predicted numbers; --objective binary:logistic is a classifier: use --metric roc_auc (XGBoost's auc), log_loss (XGBoost's logloss or mlogloss) or accuracy (XGBoost's error or merror)"},
		{[]string{"--data", data, "--target", "amount", "--objective", "reg:squarederror", "--metric", "deviance", "--early-stopping", "3"}, 2,
			"--metric deviance: reg:squarederror's loss is the squared error, which --metric rmse ranks the same way: use --metric rmse or mae"},
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

// TestGBTMetricXGBoostNames: --metric takes XGBoost 1.7's eval_metric
// name of each quantity ember gbt computes, and reads it as ember's: the
// --cv selection (every fold's score), the round --early-stopping keeps
// and what it names, the held-out scores, and the summary and --json are
// the same as by ember's name (the JSON alike but for the training time).
func TestGBTMetricXGBoostNames(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 160, nil)
	surv := survivalTable(t, dir, 160, nil, -1)
	for _, tc := range []struct {
		args    []string // the data, target and objective
		name    string   // ember's
		xgboost []string
	}{
		{[]string{"--data", data, "--target", "cls"}, "roc_auc", []string{"auc"}},
		{[]string{"--data", data, "--target", "cls"}, "log_loss", []string{"logloss", "mlogloss"}},
		{[]string{"--data", data, "--target", "cls"}, "accuracy", []string{"error", "error@0.5", "merror"}},
		{[]string{"--data", data, "--target", "cls", "--objective", "binary:hinge"}, "accuracy", []string{"error"}},
		{[]string{"--data", data, "--target", "grade"}, "roc_auc", []string{"auc"}},
		{[]string{"--data", data, "--target", "grade"}, "log_loss", []string{"mlogloss", "logloss"}},
		{[]string{"--data", data, "--target", "grade"}, "accuracy", []string{"merror", "error"}},
		{[]string{"--data", data, "--target", "share", "--objective", "count:poisson"}, "deviance", []string{"poisson-nloglik"}},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:gamma"}, "deviance", []string{"gamma-nloglik", "gamma-deviance"}},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:tweedie"}, "deviance", []string{"tweedie-nloglik@1.5"}},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:tweedie", "--tweedie-variance-power", "1.2"}, "deviance",
			[]string{"tweedie-nloglik@1.2", "tweedie-nloglik@1.20"}},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:pseudohubererror"}, "deviance", []string{"mphe"}},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:squaredlogerror"}, "deviance", []string{"rmsle"}},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:logistic"}, "deviance", []string{"logloss"}},
		{[]string{"--data", surv, "--target", "coxy", "--objective", "survival:cox"}, "nloglik", []string{"cox-nloglik"}},
		{[]string{"--data", surv, "--target", "lo", "--label-upper", "hi", "--objective", "survival:aft"}, "nloglik", []string{"aft-nloglik"}},
	} {
		run := func(t *testing.T, metric string) (map[string]any, string) {
			code, out, errOut := runCmd(t, slices.Concat([]string{"gbt", "--features", "a,b", "--trees", "30", "--lr", "0.5",
				"--cv", "2", "--grid", "max_depth=1,3", "--early-stopping", "3", "--metric", metric, "--json"}, tc.args)...)
			require.Equal(t, 0, code, errOut)
			var res map[string]any
			decodeLast(t, out, &res)
			require.Contains(t, res, "cv")
			require.Contains(t, res, "best_round")
			delete(res, "train_seconds")
			summary := regexp.MustCompile(`trained in [0-9.]+s`).ReplaceAllString(out[:strings.LastIndex(strings.TrimSpace(out), "\n")+1], "")
			return res, summary
		}
		t.Run(strings.Join(tc.args[3:], " ")+" "+tc.name, func(t *testing.T) {
			want, wantOut := run(t, tc.name)
			for _, x := range tc.xgboost {
				got, gotOut := run(t, x)
				require.Equal(t, want, got, "--metric %s against %s", x, tc.name)
				require.Equal(t, wantOut, gotOut, "--metric %s against %s", x, tc.name)
			}
		})
	}
}

// TestGBTMetricRefused: a --metric name that does not score the objective,
// in either vocabulary, is refused before any fit, naming it, saying why,
// and listing the objective's names in both.
func TestGBTMetricRefused(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 60, nil)
	surv := survivalTable(t, dir, 60, nil, -1)
	rank := writeFile(t, "r.csv", "a,rel,q\n1,0,1\n2,1,1\n3,0,2\n4,2,2\n")
	classifier := "use --metric roc_auc (XGBoost's auc), log_loss (XGBoost's logloss or mlogloss) or accuracy (XGBoost's error or merror)"
	es := []string{"--early-stopping", "3"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", data, "--target", "cls", "--metric", "mape"},
			"--metric mape is an XGBoost eval_metric that ember gbt does not compute: " + classifier},
		{[]string{"--data", data, "--target", "cls", "--metric", "aucpr"},
			"--metric aucpr is an XGBoost eval_metric that ember gbt does not compute: " + classifier},
		{[]string{"--data", data, "--target", "cls", "--metric", "error@0.7"},
			"--metric error@0.7: ember gbt's error is XGBoost's at the threshold 0.5 (error, error@0.5) alone: " + classifier},
		{[]string{"--data", data, "--target", "cls", "--metric", "rmsle"},
			"--metric rmsle scores a regressor's predicted numbers; --objective binary:logistic is a classifier: " + classifier},
		{[]string{"--data", data, "--target", "cls", "--metric", "AUC"},
			`--metric "AUC" is no metric ember gbt knows: ` + classifier},
		{[]string{"--data", data, "--target", "cls", "--objective", "binary:hinge", "--metric", "logloss"},
			"--metric logloss scores probabilities; --objective binary:hinge gives none (it predicts classes): use --metric roc_auc (XGBoost's auc) or accuracy (XGBoost's error or merror)"},
		// mape is no ranking metric (map…), as it was once taken for.
		{[]string{"--data", data, "--target", "share", "--objective", "reg:squarederror", "--metric", "mape"},
			"--metric mape is an XGBoost eval_metric that ember gbt does not compute: use --metric rmse or mae"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:squarederror", "--metric", "error"},
			"--metric error scores a classifier's probabilities; --objective reg:squarederror predicts a number: use --metric rmse or mae"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:gamma", "--metric", "poisson-nloglik"},
			"--metric poisson-nloglik is another objective's loss; ember gbt scores --objective reg:gamma by its own: use --metric rmse, mae or deviance (XGBoost's gamma-nloglik or gamma-deviance)"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:gamma", "--metric", "tweedie-nloglik@1.2"},
			"--metric tweedie-nloglik@1.2 is another objective's loss; ember gbt scores --objective reg:gamma by its own"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:tweedie", "--tweedie-variance-power", "1.2", "--metric", "tweedie-nloglik@1.5"},
			"--metric tweedie-nloglik@1.5: ember gbt scores reg:tweedie by its own loss, at --tweedie-variance-power, not at another power: use --metric rmse, mae or deviance (XGBoost's tweedie-nloglik@1.2)"},
		{[]string{"--data", data, "--target", "share", "--objective", "reg:absoluteerror", "--metric", "cox-nloglik"},
			"--metric cox-nloglik scores survival times (survival:cox, survival:aft); --objective is reg:absoluteerror: use --metric rmse or mae"},
		{[]string{"--data", surv, "--target", "lo", "--label-upper", "hi", "--objective", "survival:aft", "--metric", "cox-nloglik"},
			"--metric cox-nloglik is another objective's loss; ember gbt scores --objective survival:aft by its own: use --metric nloglik (XGBoost's aft-nloglik) or c_index"},
		{[]string{"--data", surv, "--target", "lo", "--label-upper", "hi", "--objective", "survival:aft", "--metric", "interval-regression-accuracy"},
			"--metric interval-regression-accuracy is an XGBoost eval_metric that ember gbt does not compute: use --metric nloglik (XGBoost's aft-nloglik) or c_index"},
		{[]string{"--data", surv, "--target", "coxy", "--objective", "survival:cox", "--metric", "auc"},
			"--metric auc scores a classifier's probabilities; --objective survival:cox predicts a number: use --metric nloglik (XGBoost's cox-nloglik) or c_index"},
		{[]string{"--data", rank, "--target", "rel", "--group", "q", "--features", "a", "--objective", "rank:ndcg", "--metric", "auc"},
			"--metric auc: --objective rank:ndcg is scored by a ranking metric, by XGBoost's names: ndcg or map, optionally @k and -, e.g. ndcg@10 (XGBoost's auc, aucpr and pre@k of a ranking are not among them)"},
		{[]string{"--data", rank, "--target", "rel", "--group", "q", "--features", "a", "--objective", "rank:ndcg", "--metric", "pre@5"},
			"--metric pre@5: --objective rank:ndcg is scored by a ranking metric"},
	} {
		args := slices.Concat([]string{"gbt"}, tc.args, es)
		if !slices.Contains(tc.args, "--features") {
			args = append(args, "--features", "a,b")
		}
		requireRefusedBeforeFit(t, args, nil, 2, tc.want)
	}
}

// TestGBTSummaryOneRoundKept: a fit whose first round already ranks every
// validation row right (x decides the class) keeps one round, and the
// summary says so in the singular, where it said "1 rounds" and "kept
// rounds 1-1" (and "1 features").
func TestGBTSummaryOneRoundKept(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 90 {
		fmt.Fprintf(&b, "%d,%d\n", i%3, i%3)
	}
	data := writeFile(t, "three.csv", b.String())
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "y", "--trees", "20", "--early-stopping", "3", "--metric", "auc")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(1 round of 3 classes; early stopping kept round 1 by auc)")
	require.Contains(t, out, "; 1 feature from 1 numeric,")
}
