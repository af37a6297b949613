package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/naivebayes"
	"github.com/emberml/ember/text"
)

// TestNaiveBayesOldModelFile scores the version 1 file saved before the
// feature settings existed (testdata/naivebayes-21185ba) and requires that
// build's output byte for byte.
func TestNaiveBayesOldModelFile(t *testing.T) {
	dir := "testdata/naivebayes-21185ba"
	want, err := os.ReadFile(filepath.Join(dir, "old.expected.csv"))
	require.NoError(t, err)
	code, out, errOut := runCmd(t, "predict", "--model", filepath.Join(dir, "old.ember"), "--data", filepath.Join(dir, "reviews.csv"), "--id", "id")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, string(want), out)
}

func metaVersion(t *testing.T, path string) int {
	f, err := checkpoint.Load(path, "ember.naivebayes")
	require.NoError(t, err)
	var meta modelMeta
	require.NoError(t, f.DecodeMeta(&meta))
	return meta.Version
}

// TestNaiveBayesFeatureFlagsSaveAndPredict fits with n-grams, binary
// counts, tf-idf and ComplementNB, and requires ember predict to give the
// probabilities of the same pipeline built from package text and
// naivebayes directly: the file keeps every setting the features need.
func TestNaiveBayesFeatureFlagsSaveAndPredict(t *testing.T) {
	data := filepath.Join("testdata", "naivebayes-21185ba", "reviews.csv")
	docs, labels, err := nbReadDocs(data, "csv", "review", "sentiment")
	require.NoError(t, err)
	y, _ := nbEncodeLabels(labels)

	for _, tc := range []struct {
		name    string
		flags   []string
		version int
		build   func() (*text.CountVectorizer, *text.TfidfTransformer, nbClassifier)
	}{
		{"defaults stay version 1", nil, 1, func() (*text.CountVectorizer, *text.TfidfTransformer, nbClassifier) {
			return text.NewCountVectorizer(), nil, naivebayes.New()
		}},
		{"pruning alone is version 1", []string{"--min-df", "2", "--max-features", "4"}, 1, func() (*text.CountVectorizer, *text.TfidfTransformer, nbClassifier) {
			v := text.NewCountVectorizer()
			v.MinDF, v.MaxFeatures = text.Documents(2), 4
			return v, nil, naivebayes.New()
		}},
		{"everything", []string{"--ngram", "1,2", "--binary", "--max-df", "0.9", "--tfidf", "--sublinear-tf", "--norm", "l1",
			"--model", "complement", "--alpha", "0.5"}, 2, func() (*text.CountVectorizer, *text.TfidfTransformer, nbClassifier) {
			v := text.NewCountVectorizer()
			v.NGramRange, v.Binary, v.MaxDF = [2]int{1, 2}, true, text.Fraction(0.9)
			c := naivebayes.NewComplement()
			c.Alpha = 0.5
			return v, &text.TfidfTransformer{Norm: text.NormL1, SublinearTF: true}, c
		}},
		{"bigrams only, raw idf", []string{"--ngram", "2,2", "--tfidf", "--no-smooth-idf"}, 2, func() (*text.CountVectorizer, *text.TfidfTransformer, nbClassifier) {
			v := text.NewCountVectorizer()
			v.NGramRange = [2]int{2, 2}
			return v, &text.TfidfTransformer{NoSmoothIDF: true}, naivebayes.New()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "nb.ember")
			args := append([]string{"naivebayes", "--data", data, "--text", "review", "--label", "sentiment", "--test-frac", "0", "--save", model, "--json"}, tc.flags...)
			code, out, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
			var res nbResult
			decodeLastLine(t, out, &res)
			require.Equal(t, tc.version, metaVersion(t, model))

			vec, tf, nb := tc.build()
			X, err := vec.FitTransform(docs)
			require.NoError(t, err)
			require.Equal(t, len(vec.Vocabulary()), res.Vocabulary)
			if tf != nil {
				X, err = tf.FitTransform(X)
				require.NoError(t, err)
			}
			require.NoError(t, nb.Fit(X, y))
			want, err := nb.PredictProba(X)
			require.NoError(t, err)

			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--id", "id")
			require.Equal(t, 0, code, errOut)
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			require.NoError(t, err)
			require.Equal(t, []string{"id", "prediction", "p_neg", "p_pos"}, rows[0])
			require.Len(t, rows, len(docs)+1)
			for i, r := range rows[1:] {
				for k := range want[i] {
					got, err := strconv.ParseFloat(r[2+k], 64)
					require.NoError(t, err)
					require.Equal(t, want[i][k], got, "row %d, class %d", i, k)
				}
			}
		})
	}
}

func TestNaiveBayesFeatureFlagErrors(t *testing.T) {
	data := filepath.Join("testdata", "naivebayes-21185ba", "reviews.csv")
	base := []string{"naivebayes", "--data", data, "--text", "review", "--label", "sentiment", "--test-frac", "0"}
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"ngram order", []string{"--ngram", "2,1"}, `--ngram "2,1": the smallest n-gram (2 words) is longer than the largest (1); want MIN,MAX such as 1,2`},
		{"ngram zero", []string{"--ngram", "0,2"}, "the smallest n-gram must be at least 1 word, not 0"},
		{"ngram words", []string{"--ngram", "uni"}, "want MIN,MAX word counts, such as 1,2"},
		{"fraction above 1", []string{"--min-df", "5.0"}, `--min-df "5.0": a fraction of the documents (it has a decimal point) must be between 0.0 and 1.0; for 5 documents write 5`},
		{"count zero", []string{"--max-df", "0"}, "want a count of documents, a whole number of at least 1"},
		// 0.2 of 8 documents is 1.6, fewer than 3.
		{"max below min", []string{"--min-df", "3", "--max-df", "0.2"}, "--max-df 0.2 is 1.6 of the 8 training documents, fewer than --min-df 3 (3 documents): no term could pass both; lower --min-df or raise --max-df"},
		{"nothing left", []string{"--min-df", "7"}, "no term is left: each of the 11 terms occurs in fewer than 7 documents (min_df 7) or in more than 8 (max_df 1.0) of the 8 training documents; lower --min-df or raise --max-df"},
		{"norm without tfidf", []string{"--norm", "l1"}, "--norm sets how --tfidf weighs terms; add --tfidf, or leave it out"},
		{"model", []string{"--model", "poisson"}, `--model "poisson": want multinomial, complement, bernoulli or gaussian`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, append(base, tc.flags...)...)
			require.NotEqual(t, 0, code)
			require.Contains(t, errOut, tc.want)
		})
	}
}

// TestNaiveBayesSMSFeatures runs the new settings on the SMS Spam
// Collection (skipped when absent): the report says what was fitted, and
// each is a working spam filter. (models/naivebayes's TestPipelineSMS pins
// the same settings to scikit-learn's predictions.)
func TestNaiveBayesSMSFeatures(t *testing.T) {
	sms := shareddata.TestPath(t, "sms_spam", "SMSSpamCollection")
	code, out, errOut := runCmd(t, "naivebayes", "--data", sms, "--ngram", "1,2", "--tfidf", "--min-df", "2", "--model", "complement", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "terms of 1 to 2 words from the training documents (English stop words removed; min_df 2)")
	require.Contains(t, out, "features: tf-idf of counts (norm l2)")
	require.Contains(t, out, "model: complement naive Bayes, alpha=1")
	var res nbResult
	decodeLastLine(t, out, &res)
	require.Equal(t, "complement", res.Model)
	require.Equal(t, [2]int{1, 2}, res.NGramRange)
	require.Equal(t, "2", res.MinDF)
	require.NotNil(t, res.Tfidf)
	require.Greater(t, res.Accuracy, 0.95)
}
