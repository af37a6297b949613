package main

import (
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/selection"
	"github.com/stretchr/testify/require"
)

// TestNaiveBayesGaussianPrior: --prior on --model gaussian is GaussianNB's
// priors, through the model file: the fixture's "priors" case (scikit-
// learn, priors 0.2, 0.3, 0.5) gives its probabilities to ember predict,
// and the report names the priors. Priors listed out of order are matched
// by class name.
func TestNaiveBayesGaussianPrior(t *testing.T) {
	fx, train, test := writeGaussianTables(t)
	want := fx.Cases[2]
	require.Equal(t, "priors", want.Name)
	model := filepath.Join(t.TempDir(), "gnb.ember")
	code, out, errOut := runCmd(t, "naivebayes", "--model", "gaussian", "--data", train, "--target", "label", "--exclude", "w",
		"--prior", "c9:0.5,c2:0.2,c5:0.3", "--test-frac", "0", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "class priors c2 0.2, c5 0.3, c9 0.5 (--prior)")
	var res gaussianResult
	decodeLastLine(t, out, &res)
	require.Equal(t, []float64{0.2, 0.3, 0.5}, res.ClassPrior)
	require.Equal(t, "c9:0.5,c2:0.2,c5:0.3", res.Prior)

	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test)
	require.Equal(t, 0, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, len(fx.Test)+1)
	for i, rec := range recs[1:] {
		require.Equal(t, fmt.Sprintf("c%d", want.Predict[i]), rec[0], "row %d", i)
		p := make([]float64, 3)
		for k := range p {
			p[k], err = strconv.ParseFloat(rec[k+1], 64)
			require.NoError(t, err)
		}
		requireClose(t, fmt.Sprintf("predict_proba row %d", i), p, want.Proba[i], 1e-12)
	}

	// uniform: a third each, whatever the classes' shares of the rows.
	code, out, errOut = runCmd(t, "naivebayes", "--model", "gaussian", "--data", train, "--target", "label", "--exclude", "w",
		"--prior", "uniform", "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "uniform class priors")
	decodeLastLine(t, out, &res)
	require.Equal(t, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, res.ClassPrior)
}

// TestNaiveBayesProbabilityScores: the report's log loss and, with two
// classes, ROC AUC are those of the probabilities ember predict gives the
// same rows from the saved model (metrics.LogLoss and ROCAUC, which match
// scikit-learn's), for the text models and, weighted by --weight, for
// Gaussian naive Bayes.
func TestNaiveBayesProbabilityScores(t *testing.T) {
	probs := func(t *testing.T, out string, classes int) [][]float64 {
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		require.NoError(t, err)
		var p [][]float64
		for _, rec := range recs[1:] {
			row := make([]float64, classes)
			for k := range row {
				row[k], err = strconv.ParseFloat(rec[len(rec)-classes+k], 64)
				require.NoError(t, err)
			}
			p = append(p, row)
		}
		return p
	}

	t.Run("text", func(t *testing.T) {
		data := writeFile(t, "reviews.csv", reviews)
		for _, m := range []string{"multinomial", "complement", "bernoulli"} {
			model := filepath.Join(t.TempDir(), m+".ember")
			code, out, errOut := runCmd(t, "naivebayes", "--data", data, "--text", "review", "--label", "sentiment", "--model", m,
				"--test-frac", "0", "--save", model, "--json")
			require.Equal(t, 0, code, errOut)
			var res nbResult
			decodeLastLine(t, out, &res)
			require.Len(t, res.Classes, 2)
			require.NotNil(t, res.ROCAUC, m)
			require.Contains(t, out, fmt.Sprintf("training log loss: %.4f\n", res.LogLoss))
			if m == "complement" {
				require.Equal(t, "none", res.Prior, "complement naive Bayes uses no priors")
				require.Nil(t, res.ClassPrior)
			} else {
				require.Equal(t, "frequencies", res.Prior)
				require.Len(t, res.ClassPrior, 2)
			}
			require.Contains(t, out, fmt.Sprintf("training ROC AUC: %.4f\n", *res.ROCAUC))

			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", data)
			require.Equal(t, 0, code, errOut)
			p := probs(t, out, 2)
			y := make([]int, len(p))
			recs, err := csv.NewReader(strings.NewReader(reviews)).ReadAll()
			require.NoError(t, err)
			for i, rec := range recs[1:] {
				y[i] = slices.Index(res.Classes, rec[2])
			}
			require.InDelta(t, metrics.LogLoss(y, p), res.LogLoss, 1e-12, m)
			p1 := make([]float64, len(p))
			for i := range p {
				p1[i] = p[i][1]
			}
			auc, err := metrics.ROCAUC(y, p1)
			require.NoError(t, err)
			require.InDelta(t, auc, *res.ROCAUC, 1e-12, m)
		}
	})

	t.Run("gaussian weighted", func(t *testing.T) {
		fx, train, _ := writeGaussianTables(t)
		model := filepath.Join(t.TempDir(), "gnb.ember")
		code, out, errOut := runCmd(t, "naivebayes", "--model", "gaussian", "--data", train, "--target", "label", "--weight", "w",
			"--test-frac", "0", "--save", model, "--json")
		require.Equal(t, 0, code, errOut)
		var res gaussianResult
		decodeLastLine(t, out, &res)
		require.Nil(t, res.ROCAUC, "three classes")
		require.Contains(t, out, fmt.Sprintf("training weighted log loss: %.4f\n", res.LogLoss))

		code, out, errOut = runCmd(t, "predict", "--model", model, "--data", train)
		require.Equal(t, 0, code, errOut)
		p := probs(t, out, 3)
		y := make([]int, len(fx.Labels))
		for i, l := range fx.Labels {
			y[i] = slices.Index(res.Classes, fmt.Sprintf("c%d", l))
		}
		want, err := selection.LogLoss.Score(y, slices.Concat(p...), fx.Weights)
		require.NoError(t, err)
		require.InDelta(t, want, res.LogLoss, 1e-12)
		require.NotEqual(t, metrics.LogLoss(y, p), res.LogLoss, "the weights change the log loss")
	})
}

// TestNaiveBayesPriorRefusals: --prior's mistakes are errors naming the
// value or the classes, before any fit (syntax before any file is read);
// complement naive Bayes, which uses no priors, refuses it.
func TestNaiveBayesPriorRefusals(t *testing.T) {
	data := writeFile(t, "reviews.csv", reviews)
	text := []string{"naivebayes", "--data", data, "--text", "review", "--label", "sentiment"}
	_, train, _ := writeGaussianTables(t)
	table := []string{"naivebayes", "--model", "gaussian", "--data", train, "--target", "label", "--exclude", "w"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"sum", append(slices.Clone(text), "--prior", "pos:0.5,neg:0.4"), "--prior pos:0.5,neg:0.4: the priors sum to 0.9, not 1"},
		{"missing class", append(slices.Clone(text), "--prior", "pos:1"),
			`--prior gives no prior for class "neg" of column "sentiment" of ` + data + `: give every training class one ("neg", "pos"), or use frequencies or uniform`},
		{"unknown class", append(slices.Clone(table), "--prior", "c2:0.2,c5:0.3,c7:0.5"),
			`--prior: there is no class "c7" among column "label" of ` + train + `; the training classes are "c2", "c5", "c9"`},
		{"zero", append(slices.Clone(text), "--prior", "pos:0,neg:1"), `--prior "pos:0,neg:1": class "pos": prior "0" is not a probability above 0 and at most 1`},
		{"not a number", append(slices.Clone(text), "--prior", "pos:half,neg:half"), `class "pos": prior "half" is not a probability`},
		{"twice", append(slices.Clone(text), "--prior", "pos:0.5,pos:0.5"), `class "pos" is given twice`},
		{"equals sign", append(slices.Clone(text), "--prior", "pos=0.5"), `"pos=0.5" has no ':'; write pos:0.5 (CLASS:PRIOR pairs separated by commas, as ham:0.8,spam:0.2)`},
		{"a logreg word", append(slices.Clone(text), "--prior", "balanced"), `want frequencies, uniform, or CLASS:PRIOR pairs`},
		{"complement", append(slices.Clone(text), "--model", "complement", "--prior", "uniform"), "--prior: --model complement uses no class priors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.args...)
			require.NotEqual(t, 0, code, out)
			require.Contains(t, errOut, tc.want)
			require.NotContains(t, out, "accuracy")
		})
	}
}
