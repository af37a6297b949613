package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/tabular"
)

// onehotReference is testdata/logreg_onehot.json, written by
// make_logreg_onehot.py: scikit-learn Pipelines of a ColumnTransformer
// (SimpleImputer and StandardScaler on the numeric columns,
// OneHotEncoder(handle_unknown="ignore") on the categorical ones) and
// LogisticRegression, fitted on logreg_onehot_train.csv.
type onehotReference struct {
	Cases []struct {
		Name string `json:"name"`
		// CategoryFill is the categorical SimpleImputer's statistics_.
		CategoryFill map[string]string `json:"category_fill"`
		Target       string            `json:"target"`
		Features     []string          `json:"features"`
		Classes      []string          `json:"classes"`
		Coef         [][]float64       `json:"coef"`
		Intercept    []float64         `json:"intercept"`
		TestProba    [][]float64       `json:"test_proba"`
	} `json:"cases"`
}

// TestLogregOneHotMatchesSklearnPipeline: ember logreg one-hot encodes
// --categorical columns and those of non-numeric values, imputes and
// standardises the numeric ones from the training rows, and fits what
// scikit-learn's Pipeline fits: the same features in the same order, the
// coefficients and intercepts of the optimum, and on the test file (a
// colour the training rows lack, a missing colour, size and x2) the same
// probabilities, from the fit and from ember predict with the saved model.
// So it does for each --categorical-missing: zeros (the default; a
// missing value sets no feature), category (OneHotEncoder's colour=nan;
// the training rows miss no size, so the missing size sets none, and is
// counted and warned of as a value they lack), most_frequent and constant
// (SimpleImputer before the encoder, with its fill values).
func TestLogregOneHotMatchesSklearnPipeline(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "logreg_onehot.json"))
	require.NoError(t, err)
	var ref onehotReference
	require.NoError(t, json.Unmarshal(raw, &ref))
	require.Len(t, ref.Cases, 5)
	train, test := filepath.Join("testdata", "logreg_onehot_train.csv"), filepath.Join("testdata", "logreg_onehot_test.csv")
	multinomial := []string{"--exclude", "y2", "--categorical", "colour", "--impute", "median", "--standardize"}
	binary := []string{"--exclude", "y", "--categorical", "colour", "--impute", "constant", "--fill-value", "-1", "--C", "0.5"}
	missingSize := `warning: 1 held-out rows have a value of size that the training rows lack, e.g. a missing value`
	cases := map[string]struct {
		args    []string
		missing string // --categorical-missing, as the JSON says it
		unseen  map[string]int
		warn    string // a further warning
		version int    // of the saved model file
	}{
		"multinomial": {multinomial, "zeros", map[string]int{"colour": 1}, "", 2},
		"binary":      {binary, "zeros", map[string]int{"colour": 1}, "", 2},
		"category": {append(multinomial[:len(multinomial):len(multinomial)], "--categorical-missing", "category"), "category",
			map[string]int{"colour": 1, "size": 1}, missingSize + ` (` + test + `: line 7): no size=… feature is set for them`, 3},
		"most_frequent": {append(binary[:len(binary):len(binary)], "--standardize", "--categorical-missing", "most_frequent"), "most_frequent",
			map[string]int{"colour": 1}, "", 2},
		"constant": {append(multinomial[:len(multinomial):len(multinomial)], "--categorical-missing", "constant"), "constant",
			map[string]int{"colour": 1, "size": 1}, missingSize + ` (filled with "missing_value") (` + test + `: line 7)`, 2},
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			tc, ok := cases[c.Name]
			require.True(t, ok, "no arguments for case %s", c.Name)
			model := filepath.Join(t.TempDir(), "m.ember")
			cmd := append([]string{"logreg", "--data", train, "--test", test, "--target", c.Target,
				"--tol", "1e-10", "--max-iter", "10000", "--save", model, "--json"}, tc.args...)
			code, out, errOut := runCmd(t, cmd...)
			require.Equal(t, 0, code, errOut)
			// size holds letters: taken as categorical, and said so.
			require.Contains(t, errOut, `warning: column "size" has non-numeric values ("M", `+train+`: line 2): one-hot encoding it`)
			require.Contains(t, errOut, `warning: 1 held-out rows have a value of colour that the training rows lack, e.g. "purple" (`+test+`: line 4): no colour=… feature is set for them`)
			if tc.warn != "" {
				require.Contains(t, errOut, tc.warn)
			}
			res := lastJSON(t, out)
			require.True(t, res.Converged)
			require.Equal(t, c.Features, res.Features)
			require.Equal(t, []string{"x1", "x2"}, res.Numeric)
			require.Equal(t, []string{"colour", "size"}, res.Categorical)
			require.Equal(t, c.Classes, res.Classes)
			require.Equal(t, tc.unseen, res.Unseen)
			require.Equal(t, tc.missing, res.CategoricalMissing)
			if len(c.CategoryFill) == 0 {
				require.Nil(t, res.CategoryFill)
			} else {
				require.Equal(t, c.CategoryFill, res.CategoryFill)
			}
			f, err := checkpoint.Load(model, "ember.logreg")
			require.NoError(t, err)
			var meta modelMeta
			require.NoError(t, f.DecodeMeta(&meta))
			require.Equal(t, tc.version, meta.Version)
			require.Len(t, res.Coef, len(c.Coef))
			for k := range c.Coef {
				require.InDeltaSlice(t, c.Coef[k], res.Coef[k], 1e-6, "coef row %d", k)
			}
			require.InDeltaSlice(t, c.Intercept, res.Intercept, 1e-6)

			// The saved pipeline encodes, imputes and scales the test
			// rows as the fit did.
			preds := filepath.Join(t.TempDir(), "pred.csv")
			code, _, errOut = runCmd(t, "predict", "--model", model, "--data", test, "--out", preds)
			require.Equal(t, 0, code, errOut)
			recs := readCSV(t, preds)
			require.Len(t, recs, 1+len(c.TestProba))
			for i, want := range c.TestProba {
				got := recs[1+i][1:]
				require.Len(t, got, len(want))
				for k, s := range got {
					v, err := strconv.ParseFloat(s, 64)
					require.NoError(t, err)
					require.InDelta(t, want[k], v, 1e-7, "test row %d, class %s", i, c.Classes[k])
				}
			}
		})
	}
}

// TestLogregPipelineFile: a model with categorical columns or imputation
// saves its pipeline in a version 2 file, and ember predict refuses a
// missing numeric value the model has no imputation for, naming the line;
// a model of numeric columns alone saves no pipeline and stays version 1,
// which older embers read.
func TestLogregPipelineFile(t *testing.T) {
	train := filepath.Join("testdata", "logreg_onehot_train.csv")
	dir := t.TempDir()
	meta := func(path string) modelMeta {
		f, err := checkpoint.Load(path, "ember.logreg")
		require.NoError(t, err)
		var m modelMeta
		require.NoError(t, f.DecodeMeta(&m))
		return m
	}

	onehot := filepath.Join(dir, "onehot.ember")
	code, _, errOut := runCmd(t, "logreg", "--data", train, "--target", "y", "--features", "x1", "--categorical", "colour,size", "--save", onehot)
	require.Equal(t, 0, code, errOut)
	m := meta(onehot)
	require.Equal(t, 2, m.Version)
	require.NotNil(t, m.Input.Pipeline)
	require.Equal(t, []string{"x1"}, m.Input.Pipeline.Spec.Numeric)
	require.Equal(t, m.Input.Features, m.Input.Pipeline.Features)

	hole := writeFile(t, "hole.csv", "x1,colour,size\n3,red,S\n,blue,M\n")
	code, _, errOut = runCmd(t, "predict", "--model", onehot, "--data", hole)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, hole+`: line 3, column "x1": empty value; the model `+onehot+` was fitted without --impute, so its numeric features need a number in every row`)
	code, _, errOut = runCmd(t, "predict", "--model", onehot, "--data", writeFile(t, "nocol.csv", "x1,colour\n3,red\n"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no column "size"`)
	require.Contains(t, errOut, "the model "+onehot+" needs the columns x1, colour, size")

	plain := filepath.Join(dir, "plain.ember")
	code, _, errOut = runCmd(t, "logreg", "--data", train, "--target", "y", "--features", "x1", "--save", plain)
	require.Equal(t, 0, code, errOut)
	m = meta(plain)
	require.Equal(t, 1, m.Version)
	require.Nil(t, m.Input.Pipeline)
	require.Equal(t, []string{"x1"}, m.Input.Features)
}

// TestLogregPenaltyNone: --penalty none fits models/logreg's Penalty None
// (checked against scikit-learn's penalty="none" there), says so, saves
// it among the settings, and refuses --C, which it would not use.
func TestLogregPenaltyNone(t *testing.T) {
	train := filepath.Join("testdata", "logreg_onehot_train.csv")
	model := filepath.Join(t.TempDir(), "none.ember")
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "y2", "--features", "x1,x2", "--impute", "mean",
		"--penalty", "none", "--test-frac", "0", "--tol", "1e-6", "--max-iter", "10000", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "model: logistic regression, binary, no penalty, tol=1e-06")

	res := lastJSON(t, out)
	require.Equal(t, "none", res.Penalty)
	require.True(t, res.Converged)

	// The same rows, imputed as the command imputes them, fitted by the
	// library.
	tab, err := readTable(train, tabular.Layout{})
	require.NoError(t, err)
	pl, err := tabular.Fit(tabular.Spec{Numeric: []string{"x1", "x2"}, Impute: tabular.ImputeMean, Float64: true}, tab.batch())
	require.NoError(t, err)
	X, _, err := pipelineRows(pl, tab.batch())
	require.NoError(t, err)
	ys, _, err := labelsOf("y2", tab)
	require.NoError(t, err)
	for _, pen := range []logreg.Penalty{logreg.None, logreg.L2} {
		m := logreg.New()
		m.Penalty, m.Tol, m.MaxIter = pen, 1e-6, 10000
		require.NoError(t, m.Fit(X, ys[0]))
		if pen == logreg.None {
			require.InDeltaSlice(t, m.Coef()[0], res.Coef[0], 1e-12)
			require.InDeltaSlice(t, m.Intercept(), res.Intercept, 1e-12)
		} else {
			require.Greater(t, maxDiff(m.Coef()[0], res.Coef[0]), 1e-3, "the L2 fit is another")
		}
	}
	f, err := checkpoint.Load(model, "ember.logreg")
	require.NoError(t, err)
	var meta modelMeta
	require.NoError(t, f.DecodeMeta(&meta))
	require.Equal(t, "none", meta.Settings["penalty"])

	code, _, errOut = runCmd(t, "logreg", "--data", train, "--target", "y2", "--penalty", "none", "--C", "3")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--C is the inverse strength of the L2 penalty; --penalty none has none")
}

func maxDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestLogregCategoricalMissingFlags: --categorical-fill-value names the
// category --categorical-missing constant fills (and the feature it makes),
// and is refused without it; --categorical-missing is refused where no
// column is categorical, as it would change nothing.
func TestLogregCategoricalMissingFlags(t *testing.T) {
	train := filepath.Join("testdata", "logreg_onehot_train.csv")
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "y", "--features", "x1,colour", "--categorical", "colour",
		"--categorical-missing", "constant", "--categorical-fill-value", "unknown", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "missing categorical values (constant): a missing colour as unknown\n")
	res := lastJSON(t, out)
	require.Equal(t, []string{"x1", "colour=blue", "colour=green", "colour=red", "colour=unknown"}, res.Features)
	require.Equal(t, map[string]string{"colour": "unknown"}, res.CategoryFill)

	code, out, errOut = runCmd(t, "logreg", "--data", train, "--target", "y", "--features", "x1,colour", "--categorical", "colour",
		"--categorical-missing", "category")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "missing categorical values: a category of their own, column=nan, where the training rows have one\n")

	code, _, errOut = runCmd(t, "logreg", "--data", train, "--target", "y", "--categorical", "colour",
		"--categorical-missing", "most_frequent", "--categorical-fill-value", "unknown")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--categorical-fill-value is the value of --categorical-missing constant")

	code, _, errOut = runCmd(t, "logreg", "--data", train, "--target", "y", "--features", "x1", "--impute", "mean",
		"--categorical-missing", "category")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--categorical-missing says how missing values of categorical columns are encoded, but "+train+" has none among the features")
}
