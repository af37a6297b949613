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

// pipelineReference is testdata/pipeline_reference.json, written by
// testdata/make_pipeline_reference.py.
type pipelineReference struct {
	SKLearn string `json:"sklearn"`
	Cases   []struct {
		Name            string        `json:"name"`
		Params          featureParams `json:"params"`
		Model           string        `json:"model"`
		Alpha           float64       `json:"alpha"`
		Norm            bool          `json:"norm"`
		Classes         []int         `json:"classes"`
		VocabularySize  int           `json:"vocabulary_size"`
		ClassLogPrior   []float64     `json:"class_log_prior"`
		FeatureLogProb  [][]float64   `json:"feature_log_prob"`
		PredictLogProba [][]float64   `json:"predict_log_proba"`
		Predictions     []int         `json:"predictions"`
	} `json:"cases"`
	SMS []struct {
		Name           string        `json:"name"`
		Flags          string        `json:"flags"`
		Params         featureParams `json:"params"`
		Model          string        `json:"model"`
		Alpha          float64       `json:"alpha"`
		NTrain         int           `json:"n_train"`
		NTest          int           `json:"n_test"`
		VocabularySize int           `json:"vocabulary_size"`
		Accuracy       float64       `json:"accuracy"`
		SpamRecall     float64       `json:"spam_recall"`
		MeanProbaSpam  float64       `json:"mean_proba_spam"`
		Predictions    string        `json:"predictions"`
	} `json:"sms"`
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

// classifier is what the tests need of MultinomialNB and ComplementNB.
type classifier interface {
	Fit(X Matrix, y []int) error
	Predict(X Matrix) ([]int, error)
	PredictLogProba(X Matrix) ([][]float64, error)
	PredictProba(X Matrix) ([][]float64, error)
	Classes() []int
	ClassLogPrior() []float64
	FeatureLogProb() [][]float64
	State() (State, error)
}

func newClassifier(t *testing.T, kind string, alpha float64, norm bool) classifier {
	switch kind {
	case "multinomial":
		m := New()
		m.Alpha = alpha
		return m
	case "complement":
		m := NewComplement()
		m.Alpha, m.Norm = alpha, norm
		return m
	}
	t.Fatalf("unknown model %q", kind)
	return nil
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

func loadPipelineReference(t *testing.T) pipelineReference {
	raw, err := os.ReadFile(filepath.Join("testdata", "pipeline_reference.json"))
	require.NoError(t, err)
	var ref pipelineReference
	require.NoError(t, json.Unmarshal(raw, &ref))
	require.NotEmpty(t, ref.Cases)
	return ref
}

// TestPipelineMatchesScikitLearn runs every case of the small corpus
// through package text's features and the model, and requires
// scikit-learn's feature_log_prob_, class_log_prior_ and predict_log_proba
// within 1e-9 relative, and its predictions. It also checks that the
// saved state predicts the same.
func TestPipelineMatchesScikitLearn(t *testing.T) {
	ref := loadPipelineReference(t)
	raw, err := os.ReadFile(filepath.Join("..", "..", "text", "testdata", "sklearn_vectorizers.json"))
	require.NoError(t, err)
	var fixture struct {
		Corpus struct {
			Train  []string `json:"train"`
			YTrain []int    `json:"y_train"`
			Test   []string `json:"test"`
		} `json:"corpus"`
	}
	require.NoError(t, json.Unmarshal(raw, &fixture))
	c := fixture.Corpus
	for _, tc := range ref.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			vec, Xtr, Xte := tc.Params.features(t, c.Train, c.Test)
			require.Len(t, vec.Vocabulary(), tc.VocabularySize)
			m := newClassifier(t, tc.Model, tc.Alpha, tc.Norm)
			require.NoError(t, m.Fit(Xtr, c.YTrain))
			require.Equal(t, tc.Classes, m.Classes())
			requireRel(t, tc.ClassLogPrior, m.ClassLogPrior(), "class_log_prior")
			lp := m.FeatureLogProb()
			require.Len(t, lp, len(tc.FeatureLogProb))
			for k := range lp {
				requireRel(t, tc.FeatureLogProb[k], lp[k], fmt.Sprintf("feature_log_prob[%d]", k))
			}
			logProba, err := m.PredictLogProba(Xte)
			require.NoError(t, err)
			require.Len(t, logProba, len(tc.PredictLogProba))
			for i := range logProba {
				requireRel(t, tc.PredictLogProba[i], logProba[i], fmt.Sprintf("predict_log_proba[%d]", i))
			}
			pred, err := m.Predict(Xte)
			require.NoError(t, err)
			require.Equal(t, tc.Predictions, pred)

			s, err := m.State()
			require.NoError(t, err)
			var restored classifier
			if tc.Model == "complement" {
				restored, err = ComplementFromState(s)
			} else {
				restored, err = FromState(s)
			}
			require.NoError(t, err)
			again, err := restored.PredictLogProba(Xte)
			require.NoError(t, err)
			require.Equal(t, logProba, again, "restored from its state")
		})
	}
}

// TestPipelineSMS fits ember naivebayes's settings on the SMS Spam
// Collection (skipped when the shared data is absent) and requires
// scikit-learn's vocabulary size, predictions and mean P(spam).
func TestPipelineSMS(t *testing.T) {
	ref := loadPipelineReference(t)
	if len(ref.SMS) == 0 {
		t.Skip("pipeline_reference.json has no sms cases: make_pipeline_reference.py ran without the SMS data")
	}
	docs, y := loadCorpus(t, "sms")
	var train, test []string
	var ytr, yte []int
	for i, d := range docs {
		if i%4 == 0 {
			test, yte = append(test, d), append(yte, y[i])
		} else {
			train, ytr = append(train, d), append(ytr, y[i])
		}
	}
	for _, tc := range ref.SMS {
		t.Run(tc.Name, func(t *testing.T) {
			require.Equal(t, tc.NTrain, len(train))
			require.Equal(t, tc.NTest, len(test))
			vec, Xtr, Xte := tc.Params.features(t, train, test)
			require.Len(t, vec.Vocabulary(), tc.VocabularySize)
			m := newClassifier(t, tc.Model, tc.Alpha, false)
			require.NoError(t, m.Fit(Xtr, ytr))
			pred, err := m.Predict(Xte)
			require.NoError(t, err)
			var got strings.Builder
			correct, spam, caught := 0, 0, 0
			for i, p := range pred {
				fmt.Fprint(&got, p)
				if p == yte[i] {
					correct++
				}
				if yte[i] == 1 {
					spam++
					if p == 1 {
						caught++
					}
				}
			}
			t.Logf("sms %s (%s): accuracy %.4f, spam recall %.4f (sklearn %s: %.4f, %.4f)", tc.Name, tc.Flags,
				float64(correct)/float64(len(pred)), float64(caught)/float64(spam), ref.SKLearn, tc.Accuracy, tc.SpamRecall)
			require.Equal(t, tc.Predictions, got.String())
			proba, err := m.PredictProba(Xte)
			require.NoError(t, err)
			mean := 0.0
			for _, row := range proba {
				mean += row[1]
			}
			require.InDelta(t, tc.MeanProbaSpam, mean/float64(len(proba)), 1e-9)
		})
	}
}
