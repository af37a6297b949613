package naivebayes

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/text"
)

// This file holds what the scikit-learn parity tests share: reading the
// fixtures, the split of the data sets, building the features the way the
// reference scripts name them, and comparing with the figures.

// readJSONFixture decodes testdata/<name>, a file written by one of the
// reference scripts, into v.
func readJSONFixture(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, v))
}

// smallCorpus is the generated corpus of package text's
// testdata/sklearn_vectorizers.json: 42 training and 17 test documents in
// three unbalanced classes.
type smallCorpus struct {
	Train  []string `json:"train"`
	YTrain []int    `json:"y_train"`
	Test   []string `json:"test"`
}

func loadSmallCorpus(t *testing.T) smallCorpus {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "text", "testdata", "sklearn_vectorizers.json"))
	require.NoError(t, err)
	var fixture struct {
		Corpus smallCorpus `json:"corpus"`
	}
	require.NoError(t, json.Unmarshal(raw, &fixture))
	return fixture.Corpus
}

// corpusSplit is a data set split into training and test documents.
type corpusSplit struct {
	train, test   []string
	yTrain, yTest []int
}

// splitEveryFourth splits documents as the reference scripts do: document
// i is a test document when i%4 == 0, otherwise a training document.
func splitEveryFourth(docs []string, y []int) corpusSplit {
	var s corpusSplit
	for i, d := range docs {
		if i%4 == 0 {
			s.test, s.yTest = append(s.test, d), append(s.yTest, y[i])
		} else {
			s.train, s.yTrain = append(s.train, d), append(s.yTrain, y[i])
		}
	}
	return s
}

// featureParams are scikit-learn's CountVectorizer and TfidfTransformer
// parameters as the reference scripts name them.
type featureParams struct {
	NGramRange  []int           `json:"ngram_range"`
	MinDF       json.RawMessage `json:"min_df"` // raw: 2 and 2.0 differ
	MaxDF       json.RawMessage `json:"max_df"`
	MaxFeatures int             `json:"max_features"`
	Binary      bool            `json:"binary"`
	Tfidf       *struct {
		SublinearTF bool `json:"sublinear_tf"`
	} `json:"tfidf"`
}

// features fits the vectorizer (and tf-idf) on train and returns the
// training and test matrices.
func (p featureParams) features(t *testing.T, train, test []string) (vec *text.CountVectorizer, Xtr, Xte *text.Sparse) {
	vec = text.NewCountVectorizer()
	if p.NGramRange != nil {
		vec.NGramRange = [2]int{p.NGramRange[0], p.NGramRange[1]}
	}
	var err error
	if p.MinDF != nil {
		vec.MinDF, err = text.ParseDocFrequency(string(p.MinDF))
		require.NoError(t, err)
	}
	if p.MaxDF != nil {
		vec.MaxDF, err = text.ParseDocFrequency(string(p.MaxDF))
		require.NoError(t, err)
	}
	vec.MaxFeatures, vec.Binary = p.MaxFeatures, p.Binary
	Xtr, err = vec.FitTransform(train)
	require.NoError(t, err)
	Xte, err = vec.Transform(test)
	require.NoError(t, err)
	if p.Tfidf != nil {
		tf := &text.TfidfTransformer{SublinearTF: p.Tfidf.SublinearTF}
		Xtr, err = tf.FitTransform(Xtr)
		require.NoError(t, err)
		Xte, err = tf.Transform(Xte)
		require.NoError(t, err)
	}
	return vec, Xtr, Xte
}

// requireRel requires got within 1e-9 relative of want. Log-probabilities
// within 1e-13 of 0 (a class certain to double precision) are compared
// absolutely: their relative error is meaningless.
func requireRel(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > 1e-9*math.Abs(want[i]) && d > 1e-13 {
			t.Fatalf("%s[%d]: got %.17g, want %.17g (relative difference %.3g)", what, i, got[i], want[i], d/math.Abs(want[i]))
		}
	}
}

// requireRelRows requires as many rows as want, each as requireRel does.
func requireRelRows(t *testing.T, want, got [][]float64, what string) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range got {
		requireRel(t, want[i], got[i], fmt.Sprintf("%s[%d]", what, i))
	}
}

// requireFittedAsSKLearn requires a fitted model's classes, and its
// class_log_prior_ and feature_log_prob_ as requireRel does.
func requireFittedAsSKLearn(t *testing.T, m classifier, classes []int, classLogPrior []float64, featureLogProb [][]float64) {
	t.Helper()
	require.Equal(t, classes, m.Classes())
	requireRel(t, classLogPrior, m.ClassLogPrior(), "class_log_prior")
	requireRelRows(t, featureLogProb, m.FeatureLogProb(), "feature_log_prob")
}

// spamScores are a model's predictions of the SMS test documents as the
// reference scripts record them.
type spamScores struct {
	predictions          string // one digit a document, as the fixtures write them
	accuracy, spamRecall float64
}

// scoreSpam scores predictions of the labels y (1 spam, 0 ham): the
// digits, accuracy and spam recall.
func scoreSpam(pred, y []int) spamScores {
	var digits strings.Builder
	correct, spam, caught := 0, 0, 0
	for i, p := range pred {
		fmt.Fprint(&digits, p)
		if p == y[i] {
			correct++
		}
		if y[i] == 1 {
			spam++
			if p == 1 {
				caught++
			}
		}
	}
	return spamScores{
		predictions: digits.String(),
		accuracy:    float64(correct) / float64(len(pred)),
		spamRecall:  float64(caught) / float64(spam),
	}
}

// meanOfColumn1 is the mean over the rows of proba of P(class 1), spam or
// the positive class in the fixtures.
func meanOfColumn1(proba [][]float64) float64 {
	mean := 0.0
	for _, row := range proba {
		mean += row[1]
	}
	return mean / float64(len(proba))
}
