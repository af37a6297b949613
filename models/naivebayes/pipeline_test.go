package naivebayes

import (
	"testing"

	"github.com/stretchr/testify/require"
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

func loadPipelineReference(t *testing.T) pipelineReference {
	var ref pipelineReference
	readJSONFixture(t, "pipeline_reference.json", &ref)
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
	c := loadSmallCorpus(t)
	for _, tc := range ref.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			vec, Xtr, Xte := tc.Params.features(t, c.Train, c.Test)
			require.Len(t, vec.Vocabulary(), tc.VocabularySize)
			m := newClassifier(t, tc.Model, tc.Alpha, tc.Norm)
			require.NoError(t, m.Fit(Xtr, c.YTrain))
			requireFittedAsSKLearn(t, m, tc.Classes, tc.ClassLogPrior, tc.FeatureLogProb)
			logProba, err := m.PredictLogProba(Xte)
			require.NoError(t, err)
			requireRelRows(t, tc.PredictLogProba, logProba, "predict_log_proba")
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
	s := splitEveryFourth(docs, y)
	for _, tc := range ref.SMS {
		t.Run(tc.Name, func(t *testing.T) {
			require.Equal(t, tc.NTrain, len(s.train))
			require.Equal(t, tc.NTest, len(s.test))
			vec, Xtr, Xte := tc.Params.features(t, s.train, s.test)
			require.Len(t, vec.Vocabulary(), tc.VocabularySize)
			m := newClassifier(t, tc.Model, tc.Alpha, false)
			require.NoError(t, m.Fit(Xtr, s.yTrain))
			pred, err := m.Predict(Xte)
			require.NoError(t, err)
			got := scoreSpam(pred, s.yTest)
			t.Logf("sms %s (%s): accuracy %.4f, spam recall %.4f (sklearn %s: %.4f, %.4f)", tc.Name, tc.Flags,
				got.accuracy, got.spamRecall, ref.SKLearn, tc.Accuracy, tc.SpamRecall)
			require.Equal(t, tc.Predictions, got.predictions)
			proba, err := m.PredictProba(Xte)
			require.NoError(t, err)
			require.InDelta(t, tc.MeanProbaSpam, meanOfColumn1(proba), 1e-9)
		})
	}
}
