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

// simpleTable writes a CSV of two numeric features and a target for each
// of XGBoost's simple objectives: an amount above -1 (amount), a share
// from 0 to 1 (share), two classes (cls: no, yes) and three (grade: high,
// low, mid). edit, when not nil, changes a row's record (a, b, amount,
// share, cls, grade) before it is written.
func simpleTable(t *testing.T, dir, name string, rows int, edit func(i int, rec []string)) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("a,b,amount,share,cls,grade\n")
	for i := range rows {
		a, bb := float64(i%13)/4, float64(i%7)-3
		z := 0.8*a - 0.4*bb - 1 + float64(i*7919%10)/5 - 0.9 // noise from the row number
		cls, grade := "no", "low"
		if z > 0 {
			cls = "yes"
		}
		switch {
		case z > 1:
			grade = "high"
		case z > -1:
			grade = "mid"
		}
		rec := []string{fmt.Sprint(a), fmt.Sprint(bb), fmt.Sprintf("%.3f", math.Exp(z)*3-0.7),
			fmt.Sprintf("%.3f", 1/(1+math.Exp(-z))), cls, grade}
		if edit != nil {
			edit(i, rec)
		}
		b.WriteString(strings.Join(rec, ",") + "\n")
	}
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// readCSVFile reads a whole CSV file.
func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return recs
}

// TestGBTSimpleObjectives: ember gbt fits reg:squaredlogerror and
// reg:logistic as regressors (held-out RMSE and their own mean loss),
// binary:logitraw, binary:hinge and multi:softmax as classifiers (ROC AUC,
// accuracy, the confusion matrix; log loss but for binary:hinge, which
// has no probabilities); the saved model keeps the objective; ember score
// writes the value, the probability, the margin (in a column named
// margin), the class, and the class with its probabilities; ember predict
// writes the class (with margin_yes for binary:logitraw, alone for
// binary:hinge) and scores it against the labels.
func TestGBTSimpleObjectives(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 400, nil)
	tb, err := readBatch(data, nil, tabular.Layout{})
	require.NoError(t, err)
	for _, tc := range []struct {
		obj    gbt.Objective
		target string
	}{
		{gbt.SquaredLogError, "amount"}, {gbt.RegLogistic, "share"}, {gbt.BinaryLogitRaw, "cls"},
		{gbt.BinaryHinge, "cls"}, {gbt.MultiSoftmax, "grade"},
	} {
		t.Run(strings.ReplaceAll(string(tc.obj), ":", "_"), func(t *testing.T) {
			model := filepath.Join(dir, tc.target+strings.ReplaceAll(string(tc.obj), ":", "_")+".model")
			code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", tc.target, "--features", "a,b", "--objective", string(tc.obj),
				"--trees", "30", "--early-stopping", "5", "--save", model, "--json")
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, "model: "+string(tc.obj)+", ")
			var res gbtResult
			decodeLast(t, out, &res)
			require.Equal(t, string(tc.obj), res.Objective)
			require.NotNil(t, res.BestRound)
			s, err := gbt.Load(model)
			require.NoError(t, err)
			require.Equal(t, tc.obj, s.Model.Objective)
			X, _, err := s.Pipeline.Transform(tb, nil)
			require.NoError(t, err)

			switch tc.obj {
			case gbt.SquaredLogError, gbt.RegLogistic:
				name := map[gbt.Objective]string{gbt.SquaredLogError: "mean squared log error", gbt.RegLogistic: "mean log loss (cross-entropy)"}[tc.obj]
				require.Contains(t, out, "held-out RMSE: ")
				require.Contains(t, out, "held-out "+name+": ")
				require.Equal(t, name, res.DevianceName)
				require.NotNil(t, res.RMSE)
				require.Nil(t, res.ROCAUC)
				require.Nil(t, res.Classes)
			case gbt.BinaryLogitRaw, gbt.BinaryHinge:
				require.Contains(t, out, "classes no and yes (positive: yes)")
				require.Contains(t, out, "held-out ROC AUC: ")
				require.Contains(t, out, "held-out accuracy: ")
				require.NotNil(t, res.ROCAUC)
				require.Greater(t, *res.ROCAUC, 0.8)
				require.Nil(t, res.RMSE)
				if tc.obj == gbt.BinaryHinge {
					require.NotContains(t, out, "log loss")
					require.Nil(t, res.LogLoss)
				} else {
					require.Contains(t, out, "held-out log loss: ")
					require.NotNil(t, res.LogLoss)
				}
			case gbt.MultiSoftmax:
				require.Contains(t, out, "3 classes (high, low, mid)")
				require.Contains(t, out, "rounds of 3 classes")
				require.Contains(t, out, "held-out log loss: ")
				require.NotNil(t, res.LogLoss)
				require.Nil(t, res.ROCAUC)
			}

			// ember score
			scored := filepath.Join(dir, "scored.csv")
			code, out, errOut = runCmd(t, "score", "--model", model, "--data", data, "--out", scored)
			require.Equal(t, 0, code, errOut)
			recs := readCSVFile(t, scored)
			require.Len(t, recs, tb.Rows+1)
			want, err := s.Model.Predict(X)
			require.NoError(t, err)
			cls, _ := s.Model.PredictClass(X)
			switch tc.obj {
			case gbt.SquaredLogError, gbt.RegLogistic, gbt.BinaryLogitRaw:
				column := "prediction"
				if tc.obj == gbt.BinaryLogitRaw {
					column = "margin"
					require.Contains(t, out, `margin: the log-odds of class "yes" (the margin), as binary:logitraw predicts it`)
					mg, _ := s.Model.Margins(X)
					require.Equal(t, mg, want)
				}
				require.Equal(t, []string{column}, recs[0])
				for i, rec := range recs[1:] {
					v, err := strconv.ParseFloat(rec[0], 64)
					require.NoError(t, err)
					require.Equal(t, want[i], v)
					if tc.obj == gbt.RegLogistic {
						require.True(t, v > 0 && v < 1)
					}
				}
			case gbt.BinaryHinge:
				require.Contains(t, out, `prediction: the class, "yes" where the margin is above 0, else "no", as binary:hinge predicts it (no probability)`)
				require.Equal(t, []string{"prediction"}, recs[0])
				for i, rec := range recs[1:] {
					require.Equal(t, []string{"no", "yes"}[cls[i]], rec[0])
				}
			case gbt.MultiSoftmax:
				require.Equal(t, []string{"prediction", "p_high", "p_low", "p_mid"}, recs[0])
				proba, err := s.Model.PredictProba(X)
				require.NoError(t, err)
				for i, rec := range recs[1:] {
					require.Equal(t, []string{"high", "low", "mid"}[cls[i]], rec[0])
					for c := range 3 {
						v, err := strconv.ParseFloat(rec[1+c], 64)
						require.NoError(t, err)
						require.Equal(t, proba[3*i+c], v)
					}
				}
			}

			// ember predict
			predicted := filepath.Join(dir, "predicted.csv")
			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--out", predicted)
			require.Equal(t, 0, code, errOut)
			recs = readCSVFile(t, predicted)
			switch tc.obj {
			case gbt.SquaredLogError, gbt.RegLogistic:
				require.Equal(t, []string{"prediction"}, recs[0])
				require.Contains(t, out, "RMSE against column")
			case gbt.BinaryLogitRaw:
				require.Equal(t, []string{"prediction", "margin_yes"}, recs[0])
				for i, rec := range recs[1:] {
					require.Equal(t, []string{"no", "yes"}[cls[i]], rec[0])
					v, err := strconv.ParseFloat(rec[1], 64)
					require.NoError(t, err)
					require.Equal(t, want[i], v)
					require.Equal(t, v > 0, rec[0] == "yes")
				}
			case gbt.BinaryHinge:
				require.Equal(t, []string{"prediction"}, recs[0])
				for i, rec := range recs[1:] {
					require.Equal(t, []string{"no", "yes"}[cls[i]], rec[0])
				}
			case gbt.MultiSoftmax:
				require.Equal(t, []string{"prediction", "p_high", "p_low", "p_mid"}, recs[0])
			}
			if tc.obj.Classifier() {
				correct := 0
				labels := tb.Column(tc.target)
				for i, rec := range recs[1:] {
					if l, _ := labels.Text(i); l == rec[0] {
						correct++
					}
				}
				require.Contains(t, out, fmt.Sprintf("accuracy against column %q: %.4f (%d of %d)", tc.target, float64(correct)/float64(tb.Rows), correct, tb.Rows))
			}
		})
	}
}

// TestGBTSimpleObjectiveErrors: a target out of the objective's range is
// an error naming the file and line before any fit; binary:hinge and
// binary:logitraw need two classes, binary:hinge has no log loss for --cv
// to select by, and --scale-pos-weight (and its --grid axis) is refused
// where XGBoost ignores scale_pos_weight (binary:hinge, reg:gamma).
func TestGBTSimpleObjectiveErrors(t *testing.T) {
	dir := t.TempDir()
	bad := simpleTable(t, dir, "bad.csv", 100, func(i int, rec []string) {
		if i == 40 {
			rec[2], rec[3] = "-1", "1.5"
		}
	})
	good := simpleTable(t, dir, "good.csv", 100, nil)
	for _, tc := range []struct {
		data string
		args []string
		code int
		want string
	}{
		{bad, []string{"--target", "amount", "--objective", "reg:squaredlogerror"}, 1,
			bad + `: line 42, column "amount": "-1" is not above -1, as --objective reg:squaredlogerror needs (it fits log(1+target))`},
		{bad, []string{"--target", "share", "--objective", "reg:logistic"}, 1,
			bad + `: line 42, column "share": "1.5" is not from 0 to 1, as --objective reg:logistic needs`},
		{good, []string{"--target", "grade", "--objective", "binary:hinge"}, 1,
			`column "grade" has 3 classes (high, low, mid); binary:hinge needs two`},
		{good, []string{"--target", "grade", "--objective", "binary:logitraw"}, 1,
			`column "grade" has 3 classes (high, low, mid); binary:logitraw needs two`},
		{good, []string{"--target", "cls", "--objective", "binary:hinge", "--cv", "2", "--grid", "max_depth=2,3", "--metric", "log_loss"}, 2,
			"--metric log_loss scores probabilities; --objective binary:hinge gives none (it predicts classes): use --metric roc_auc (XGBoost's auc) or accuracy (XGBoost's error or merror)"},
		{good, []string{"--target", "cls", "--objective", "binary:hinge", "--scale-pos-weight", "2"}, 2,
			"--scale-pos-weight weighs the rows whose target is 1 (XGBoost's scale_pos_weight) of binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror; XGBoost fits --objective binary:hinge without reading it"},
		{good, []string{"--target", "amount", "--objective", "reg:gamma", "--cv", "2", "--grid", "scale_pos_weight=1,2"}, 2,
			"--grid scale_pos_weight weighs the rows whose target is 1 of binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror; XGBoost fits --objective reg:gamma without reading it"},
		{good, []string{"--target", "amount", "--objective", "reg:squaredlogerror", "--cv", "2", "--grid", "max_depth=2,3", "--metric", "accuracy"}, 2,
			"--metric accuracy scores a classifier's probabilities; --objective reg:squaredlogerror predicts a number"},
	} {
		requireRefusedBeforeFit(t, []string{"gbt", "--data", tc.data, "--features", "a,b", "--trees", "2"}, tc.args, tc.code, tc.want)
	}
}

// TestGBTSimpleObjectiveCV: --cv selects binary:hinge's and
// binary:logitraw's grid points by ROC AUC and accuracy (read from the
// margins' order and sign), multi:softmax's by log loss, and the
// regressors' by their mean loss unless --metric says otherwise.
func TestGBTSimpleObjectiveCV(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 300, nil)
	for _, tc := range []struct {
		obj, target, metric, want string
	}{
		{"binary:hinge", "cls", "", "roc_auc"},
		{"binary:hinge", "cls", "accuracy", "accuracy"},
		{"binary:logitraw", "cls", "log_loss", "log_loss"},
		{"multi:softmax", "grade", "", "log_loss"},
		{"reg:squaredlogerror", "amount", "", "mean squared log error"},
		{"reg:logistic", "share", "rmse", "rmse"},
	} {
		args := []string{"gbt", "--data", data, "--target", tc.target, "--features", "a,b", "--objective", tc.obj,
			"--trees", "10", "--cv", "3", "--grid", "max_depth=1,3", "--json"}
		if tc.metric != "" {
			args = append(args, "--metric", tc.metric)
		}
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, "%s: %s", tc.obj, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		require.NotNil(t, res.CV)
		require.Equal(t, tc.want, res.CV.Metric, tc.obj)
		for _, p := range res.CV.Points {
			require.False(t, math.IsNaN(p.Mean), "%s %v", tc.obj, p.Point)
		}
		if tc.want == "accuracy" || tc.want == "roc_auc" {
			require.True(t, slices.ContainsFunc(res.CV.Points, func(p selection.PointResult) bool { return p.Mean > 0.7 }), "%s: %+v", tc.obj, res.CV.Points)
		}
	}
}

// TestScoreXGBoostSimpleObjectives: ember score writes what XGBoost's
// predict() gave for its binary:hinge model (the classes 0 and 1, named
// "prediction"), its binary:logitraw one (the margins, in a column named
// "margin") and its reg:squaredlogerror one
// (models/gbt/testdata/make_xgb_simple.py), and says what they are.
func TestScoreXGBoostSimpleObjectives(t *testing.T) {
	want := readCSV(t, "../../models/gbt/testdata/simple_xgb_expected.csv")
	for _, tc := range []struct {
		model, column, summary string
	}{
		{"binary_hinge.ubj", "prediction", "prediction: the class, 1 where the margin is above 0, else 0, as binary:hinge predicts it (no probability)"},
		{"binary_logitraw.json", "margin", "margin: the log-odds of class 1 (the margin), as binary:logitraw predicts it"},
		{"reg_squaredlogerror.json", "prediction", "(reg:squaredlogerror)"},
	} {
		pred := filepath.Join(t.TempDir(), "pred.csv")
		code, out, errOut := runCmd(t, "score", "--model", "../../models/gbt/testdata/simple_"+tc.model,
			"--data", "../../models/gbt/testdata/xgb_rows.csv", "--out", pred, "--features", "f0,f1,f2,f3,f4,f5,f6,f7")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, tc.summary)
		got := readCSVFile(t, pred)
		require.Equal(t, []string{tc.column}, got[0])
		k := slices.Index(want[0], strings.TrimSuffix(strings.TrimSuffix(tc.model, ".json"), ".ubj"))
		require.GreaterOrEqual(t, k, 0)
		ones := 0
		for i, rec := range want[1:] {
			w, err := strconv.ParseFloat(rec[k], 32)
			require.NoError(t, err)
			g, err := strconv.ParseFloat(got[1+i][0], 32)
			require.NoError(t, err)
			d := int64(math.Float32bits(float32(w))) - int64(math.Float32bits(float32(g)))
			require.LessOrEqual(t, max(d, -d), int64(1), "%s row %d: %v against XGBoost's %v", tc.model, i, g, w)
			if g == 1 {
				ones++
			}
		}
		if tc.column == "prediction" && strings.HasPrefix(tc.model, "binary") {
			require.Greater(t, ones, 10)
		}
	}
}

// TestGBTScalePosWeightObjectives: --scale-pos-weight weighs the rows whose
// target is 1 of every objective XGBoost 1.7 reads scale_pos_weight for
// (binary:logitraw's positive class; reg:logistic's, reg:squarederror's
// and reg:squaredlogerror's rows labelled exactly 1): the fit is the
// library's at that ScalePosWeight (same held-out figures), it differs
// from the fit without, and the report says it.
func TestGBTScalePosWeightObjectives(t *testing.T) {
	dir := t.TempDir()
	data := simpleTable(t, dir, "s.csv", 300, func(i int, rec []string) {
		if i%5 == 0 { // rows labelled 1 for the regressors to weigh
			rec[2], rec[3] = "1", "1"
		}
	})
	fit := func(args ...string) (gbtResult, string) {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--features", "a,b", "--trees", "5", "--json"}, args...)...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		return res, out
	}
	for _, tc := range []struct{ obj, target string }{
		{"binary:logitraw", "cls"}, {"reg:logistic", "share"}, {"reg:squarederror", "amount"}, {"reg:squaredlogerror", "amount"},
	} {
		t.Run(tc.obj, func(t *testing.T) {
			plain, plainOut := fit("--target", tc.target, "--objective", tc.obj)
			spw, out := fit("--target", tc.target, "--objective", tc.obj, "--scale-pos-weight", "3")
			require.Equal(t, 3.0, spw.Params["scale_pos_weight"])
			require.Contains(t, out, "scale_pos_weight 3")
			require.NotContains(t, plainOut, "scale_pos_weight")
			score := func(r gbtResult) float64 {
				if r.RMSE != nil {
					return *r.RMSE
				}
				return *r.LogLoss
			}
			require.NotEqual(t, score(plain), score(spw))

			// The library at ScalePosWeight 3 on the same training rows.
			tb, err := readBatch(data, nil, tabular.Layout{})
			require.NoError(t, err)
			y, classes, err := targetValues(tb, tc.target, gbt.Objective(tc.obj))
			require.NoError(t, err)
			trIdx, teIdx := stratifiedSplit(y, 0.25, 1, gbt.Objective(tc.obj).Classifier())
			spec := tabular.Spec{Numeric: []string{"a", "b"}}
			train, test := tabular.SelectRows(tb, trIdx), tabular.SelectRows(tb, teIdx)
			pl, err := tabular.Fit(spec, train)
			require.NoError(t, err)
			X, _, err := pl.Transform(train, nil)
			require.NoError(t, err)
			Xte, _, err := pl.Transform(test, nil)
			require.NoError(t, err)
			m := gbt.New()
			m.Objective, m.NumTrees, m.ScalePosWeight, m.Seed = gbt.Objective(tc.obj), 5, 3, 1
			require.NoError(t, m.Fit(X, pickFloats(y, trIdx), nil))
			p, err := heldOutPredictions(m, Xte)
			require.NoError(t, err)
			yte := pickFloats(y, teIdx)
			if classes != nil {
				require.InDelta(t, metrics.BinaryLogLoss(floatLabels(yte), p), *spw.LogLoss, 1e-12)
			} else {
				rmse, err := selection.RMSE.ScoreValues(yte, p, nil)
				require.NoError(t, err)
				require.InDelta(t, rmse, *spw.RMSE, 1e-12)
			}
		})
	}
}
