package main

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/tabular"
)

// TestLogregSparsePenalties: --penalty l1 and elasticnet --l1-ratio fit
// models/logreg's L1 and ElasticNet (checked against scikit-learn's saga
// there) through the one-hot, impute and standardise pipeline: the same
// coefficients as the library on the same rows, the exact zeros counted
// in the report and the JSON, the features no class uses named. Saved,
// the model predicts through ember predict what the library model
// predicts, in a file laid out as an L2 model's (the zeros are
// coefficients like any other), with the penalty among its settings.
func TestLogregSparsePenalties(t *testing.T) {
	train := filepath.Join("testdata", "logreg_onehot_train.csv")
	for _, tc := range []struct {
		name, target, exclude string
		args                  []string
		penalty               logreg.Penalty
		ratio, c              float64
		line                  string
	}{
		{"binary l1", "y2", "y", []string{"--penalty", "l1", "--C", "0.5"}, logreg.L1, 0, 0.5,
			"model: logistic regression, binary, C=0.5, l1 penalty, tol=1e-08, max-iter 10000"},
		{"multinomial elasticnet", "y", "y2", []string{"--penalty", "elasticnet", "--l1-ratio", "0.6", "--C", "0.5"}, logreg.ElasticNet, 0.6, 0.5,
			"model: logistic regression, multinomial, C=0.5, elastic-net penalty (l1-ratio 0.6), tol=1e-08, max-iter 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "m.ember")
			code, out, errOut := runCmd(t, append([]string{"logreg", "--data", train, "--target", tc.target, "--exclude", tc.exclude,
				"--categorical", "colour", "--impute", "median", "--standardize", "--test-frac", "0", "--tol", "1e-8", "--max-iter", "10000",
				"--save", model, "--json"}, tc.args...)...)
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, tc.line)
			res := lastJSON(t, out)
			require.Equal(t, string(tc.penalty), res.Penalty)

			// The same rows, encoded, imputed and scaled as the command
			// does it, fitted by the library.
			tab, err := readTable(train, tabular.Layout{})
			require.NoError(t, err)
			pl, err := tabular.Fit(tabular.Spec{Numeric: []string{"x1", "x2"}, Categorical: []string{"colour", "size"},
				Impute: tabular.ImputeMedian, Float64: true}, tab.batch())
			require.NoError(t, err)
			require.Equal(t, pl.Features, res.Features)
			X, _, err := pipelineRows(pl, tab.batch())
			require.NoError(t, err)
			sc, err := numericScaler(X, 2)
			require.NoError(t, err)
			X, err = sc.Transform(X)
			require.NoError(t, err)
			ys, _, err := labelsOf(tc.target, tab)
			require.NoError(t, err)
			m := logreg.New()
			m.Penalty, m.L1Ratio, m.C, m.Tol, m.MaxIter = tc.penalty, tc.ratio, tc.c, 1e-8, 10000
			require.NoError(t, m.Fit(X, ys[0]))
			for k, row := range m.Coef() {
				require.InDeltaSlice(t, row, res.Coef[k], 1e-12)
			}
			require.InDeltaSlice(t, m.Intercept(), res.Intercept, 1e-12)

			zeros, total := m.ZeroCoefs(), len(res.Coef)*len(res.Features)
			require.Positive(t, zeros)
			require.Less(t, zeros, total)
			require.NotNil(t, res.ZeroCoefs)
			require.Equal(t, zeros, *res.ZeroCoefs)
			require.Contains(t, out, "zero coefficients: "+strconv.Itoa(zeros)+" of "+strconv.Itoa(total))
			var unused []string
			for j, f := range res.Features {
				used := false
				for _, row := range res.Coef {
					used = used || row[j] != 0
				}
				if !used {
					unused = append(unused, f)
				}
			}
			require.NotEmpty(t, unused)
			require.Equal(t, unused, res.Dropped)
			if tc.penalty == logreg.ElasticNet {
				require.Equal(t, tc.ratio, *res.L1Ratio)
			} else {
				require.Nil(t, res.L1Ratio)
			}

			f, err := checkpoint.Load(model, "ember.logreg")
			require.NoError(t, err)
			var meta modelMeta
			require.NoError(t, f.DecodeMeta(&meta))
			require.Equal(t, 2, meta.Version, "the pipeline's version (2, without a missing category), as an L2 model's")
			require.Equal(t, string(tc.penalty), meta.Settings["penalty"])
			if tc.penalty == logreg.ElasticNet {
				require.Equal(t, tc.ratio, meta.Settings["l1_ratio"])
			} else {
				require.NotContains(t, meta.Settings, "l1_ratio")
			}

			preds := filepath.Join(t.TempDir(), "pred.csv")
			code, _, errOut = runCmd(t, "predict", "--model", model, "--data", train, "--out", preds)
			require.Equal(t, 0, code, errOut)
			recs := readCSV(t, preds)
			proba, err := m.PredictProba(X)
			require.NoError(t, err)
			require.Len(t, recs, len(proba)+1)
			for i, p := range proba {
				for c, want := range p {
					got, err := strconv.ParseFloat(recs[i+1][len(recs[i+1])-len(p)+c], 64)
					require.NoError(t, err)
					require.InDelta(t, want, got, 1e-12, "row %d class %d", i, c)
				}
			}
		})
	}

	// Numeric features only: no pipeline, so an L1 model's file is version
	// 1, readable by an ember that predates the L1 penalty. (x1 is the
	// numeric column without missing values.)
	model := filepath.Join(t.TempDir(), "plain.ember")
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "y2", "--features", "x1",
		"--penalty", "l1", "--C", "0.05", "--save", model, "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	require.NotNil(t, lastJSON(t, out).ZeroCoefs)
	f, err := checkpoint.Load(model, "ember.logreg")
	require.NoError(t, err)
	var meta modelMeta
	require.NoError(t, f.DecodeMeta(&meta))
	require.Equal(t, 1, meta.Version)
	require.Nil(t, meta.Input.Pipeline)
}

// TestLogregL1RatioFlags: --l1-ratio is elasticnet's and elasticnet
// needs it; either mistake is a command-line error naming both flags, as
// is a ratio outside [0, 1]. The L2 report
// counts no zeros.
func TestLogregL1RatioFlags(t *testing.T) {
	train := filepath.Join("testdata", "logreg_onehot_train.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--penalty", "elasticnet"}, "--penalty elasticnet needs --l1-ratio, its mix of L1 and L2"},
		{[]string{"--penalty", "l1", "--l1-ratio", "0.5"}, "--l1-ratio is the mix of --penalty elasticnet; --penalty l1 does not use it"},
		{[]string{"--l1-ratio", "0.5"}, "--l1-ratio is the mix of --penalty elasticnet; --penalty l2 does not use it"},
		{[]string{"--penalty", "none", "--l1-ratio", "1"}, "--penalty none does not use it"},
		{[]string{"--penalty", "elasticnet", "--l1-ratio", "1.5"}, "--l1-ratio 1.5: must be from 0 to 1"},
	} {
		code, _, errOut := runCmd(t, append([]string{"logreg", "--data", train, "--target", "y2"}, tc.args...)...)
		require.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, "%v", tc.args)
	}
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "y2", "--exclude", "y", "--impute", "median", "--json")
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "zero coefficients")
	require.Nil(t, lastJSON(t, out).ZeroCoefs)
}

// TestLogregL1ConvergenceWarning: an L1 fit stopped at --max-iter warns
// as the L2 path does, naming OWL-QN and its pseudo-gradient, keeps the
// fit and says it did not converge.
func TestLogregL1ConvergenceWarning(t *testing.T) {
	train := filepath.Join("testdata", "logreg_onehot_train.csv")
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "y", "--exclude", "y2", "--impute", "median", "--standardize",
		"--penalty", "l1", "--C", "10", "--max-iter", "2", "--multi", "ovr", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "warning: owlqn (one-vs-rest, class hi) did not converge after 2 iterations: max|pseudo-gradient| ")
	require.Contains(t, errOut, "reached the iteration limit (2) before the pseudo-gradient fell to the tolerance; increase --max-iter (now 2)\n")
	require.Contains(t, out, "converged: NO, stopped after 2 iterations")
	res := lastJSON(t, out)
	require.False(t, res.Converged)
	require.NotNil(t, res.ZeroCoefs)
}
