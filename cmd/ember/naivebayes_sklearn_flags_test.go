package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// nbFlagsProbaTol bounds |ember − scikit-learn| for a probability of the
// sklearn-flags cases. Both sides compute the same formulas in float64 and
// differ only in the order of sums (BLAS against Go loops over a
// document's terms, log-sum-exp), a few ulps per operation over some ten
// terms a document and 31 to 143 features a class: errors near 1e-15. The
// bound leaves room for that and is still far below either setting's
// effect: on these documents --no-idf moves a probability by up to 0.03
// (0.06 without --sublinear-tf), --complement-norm by up to 0.65.
const nbFlagsProbaTol = 1e-12

// TestNaiveBayesSklearnFlags runs ember naivebayes with --complement-norm
// (ComplementNB's norm=True), --tfidf --no-idf (TfidfTransformer's
// use_idf=False), --model bernoulli (BernoulliNB) and --prior (fit_prior
// and class_prior), with and without the flags they combine with, saves
// the model and scores the test file with ember predict, and requires
// scikit-learn 1.2.1's predictions, vocabulary size, accuracy and log
// loss, and its predict_proba within nbFlagsProbaTol
// (testdata/make_nb_flags_reference.py wrote the figures). None of them
// existed at first: the first two settings and the priors were reachable
// from the Go packages only, BernoulliNB not at all.
func TestNaiveBayesSklearnFlags(t *testing.T) {
	var ref struct {
		Cases []struct {
			Name           string      `json:"name"`
			Flags          []string    `json:"flags"`
			Classes        []int       `json:"classes"`
			VocabularySize int         `json:"vocabulary_size"`
			Accuracy       float64     `json:"accuracy"`
			Predictions    []int       `json:"predictions"`
			PredictProba   [][]float64 `json:"predict_proba"`
			LogLoss        float64     `json:"log_loss"`
		} `json:"cases"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "nb_flags_reference.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &ref))
	require.NotEmpty(t, ref.Cases)

	var fixture struct {
		Corpus struct {
			Train  []string `json:"train"`
			YTrain []int    `json:"y_train"`
			Test   []string `json:"test"`
			YTest  []int    `json:"y_test"`
		} `json:"corpus"`
	}
	raw, err = os.ReadFile(filepath.Join("..", "..", "text", "testdata", "sklearn_vectorizers.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &fixture))
	c := fixture.Corpus
	writeCorpus := func(name string, docs []string, y []int) string {
		var b strings.Builder
		w := csv.NewWriter(&b)
		require.NoError(t, w.Write([]string{"text", "label"}))
		for i, d := range docs {
			require.NoError(t, w.Write([]string{d, strconv.Itoa(y[i])}))
		}
		w.Flush()
		return writeFile(t, name, b.String())
	}
	train := writeCorpus("train.csv", c.Train, c.YTrain)
	test := writeCorpus("test.csv", c.Test, c.YTest)

	for _, tc := range ref.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "nb.ember")
			args := append([]string{"naivebayes", "--data", train, "--test", test, "--text", "text", "--label", "label", "--save", model, "--json"}, tc.Flags...)
			code, out, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
			var res nbResult
			decodeLastLine(t, out, &res)
			require.Equal(t, tc.VocabularySize, res.Vocabulary)
			require.InDelta(t, tc.Accuracy, res.Accuracy, 1e-12)
			require.InDelta(t, tc.LogLoss, res.LogLoss, nbFlagsProbaTol)
			require.Nil(t, res.ROCAUC, "three classes")
			// tf without idf is version 3, which a version 2 ember refuses
			// (it would look for the idf tensor). A multinomial model of
			// word counts is version 1 whatever its priors: they are its
			// class_log_prior, which every version reads.
			version := 2
			switch {
			case slices.Contains(tc.Flags, "--no-idf"):
				version = 3
			case len(tc.Flags) == 2 && tc.Flags[0] == "--prior":
				version = 1
			}
			require.Equal(t, version, metaVersion(t, model))

			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", test)
			require.Equal(t, 0, code, errOut)
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			require.NoError(t, err)
			header := []string{"prediction"}
			for _, k := range tc.Classes {
				header = append(header, "p_"+strconv.Itoa(k))
			}
			require.Equal(t, header, rows[0])
			require.Len(t, rows, len(tc.Predictions)+1)
			worst := 0.0
			for i, r := range rows[1:] {
				require.Equal(t, strconv.Itoa(tc.Predictions[i]), r[0], "document %d: %q", i, c.Test[i])
				for k, want := range tc.PredictProba[i] {
					got, err := strconv.ParseFloat(r[1+k], 64)
					require.NoError(t, err)
					require.InDelta(t, want, got, nbFlagsProbaTol, "document %d, class %d", i, k)
					worst = math.Max(worst, math.Abs(got-want))
				}
			}
			t.Logf("%s: largest |ember - sklearn| probability difference %.3g", tc.Name, worst)
		})
	}
}

// TestNaiveBayesSklearnFlagChecks: --no-idf and --complement-norm are
// refused, before any data is read, without the setting they modify,
// --no-idf with --no-smooth-idf (an idf setting without an idf), and
// --tfidf with --model bernoulli (which reads presence only).
func TestNaiveBayesSklearnFlagChecks(t *testing.T) {
	data := writeFile(t, "reviews.csv", reviews)
	base := []string{"naivebayes", "--data", data, "--text", "review", "--label", "sentiment"}
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--no-idf"}, "--no-idf sets how --tfidf weighs terms; add --tfidf, or leave it out"},
		{[]string{"--tfidf", "--no-idf", "--no-smooth-idf"}, "--no-smooth-idf changes the idf, which --no-idf leaves out: give one of them"},
		{[]string{"--complement-norm"}, "--complement-norm normalises ComplementNB's weights; add --model complement (the model is multinomial)"},
		{[]string{"--model", "bernoulli", "--tfidf"}, "--model bernoulli reads only whether a term is in a document (scikit-learn's BernoulliNB, binarize=0.0), " +
			"which tf-idf weights do not change: leave out --tfidf"},
	} {
		code, out, errOut := runCmd(t, append(base, tc.flags...)...)
		require.Equal(t, 2, code, out)
		require.Equal(t, "ember naivebayes: "+tc.want+"\n", errOut)
	}
}

// TestNaiveBayesTfidfSettingsOfOlderFiles: a version 2 model file's tf-idf
// settings, written before use_idf was kept, used idf.
func TestNaiveBayesTfidfSettingsOfOlderFiles(t *testing.T) {
	var st nbTfidf
	require.NoError(t, json.Unmarshal([]byte(`{"norm":"l2","smooth_idf":true,"sublinear_tf":false}`), &st))
	require.Equal(t, nbTfidf{Norm: "l2", UseIDF: true, SmoothIDF: true}, st)
	require.NoError(t, json.Unmarshal([]byte(`{"norm":"l1","use_idf":false,"smooth_idf":true,"sublinear_tf":true}`), &st))
	require.Equal(t, nbTfidf{Norm: "l1", SmoothIDF: true, SublinearTF: true}, st)
}
