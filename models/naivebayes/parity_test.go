package naivebayes

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/text"
)

// reference is testdata/reference.json, written by make_reference.py with
// scikit-learn's CountVectorizer (our tokenizer as its analyzer) and
// MultinomialNB on the same documents and split.
type reference struct {
	SKLearn string `json:"sklearn"`
	Cases   []struct {
		Name            string    `json:"name"`
		StopWords       bool      `json:"stop_words"`
		Alpha           float64   `json:"alpha"`
		NTrain          int       `json:"n_train"`
		NTest           int       `json:"n_test"`
		VocabSize       int       `json:"vocab_size"`
		TrainTokenTotal int       `json:"train_token_total"`
		TestTokenTotal  int       `json:"test_token_total"`
		Accuracy        float64   `json:"accuracy"`
		ClassLogPrior   []float64 `json:"class_log_prior"`
		MeanProba1      float64   `json:"mean_proba_class1"`
		Predictions     string    `json:"predictions"`
	} `json:"cases"`
}

func readLines(t *testing.T, path string) []string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	lines, err := text.ReadLines(f, path)
	require.NoError(t, err)
	return lines
}

// loadCorpus reads a data set in the order make_reference.py uses.
func loadCorpus(t *testing.T, name string) (docs []string, y []int) {
	switch name {
	case "sentiment":
		for _, part := range []struct {
			file  string
			label int
		}{{"rt-polarity.utf8.pos", 1}, {"rt-polarity.utf8.neg", 0}} {
			lines := readLines(t, shareddata.TestPath(t, "sentiment", part.file))
			docs = append(docs, lines...)
			for range lines {
				y = append(y, part.label)
			}
		}
	case "sms":
		path := shareddata.TestPath(t, "sms_spam", "SMSSpamCollection")
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		recs, err := text.ReadTSV(f, path)
		require.NoError(t, err)
		for _, r := range recs {
			require.Len(t, r, 2)
			docs = append(docs, r[1])
			y = append(y, map[string]int{"ham": 0, "spam": 1}[r[0]])
		}
	default:
		t.Fatalf("unknown corpus %q", name)
	}
	return docs, y
}

func sum(m *text.Sparse) int {
	s := 0.0
	for _, v := range m.Data {
		s += v
	}
	return int(s)
}

// TestParityWithScikitLearn fits on the committed split (test iff i%4 == 0)
// and requires accuracy at least scikit-learn's, after checking that the
// tokenisation is the same (vocabulary size and token totals).
func TestParityWithScikitLearn(t *testing.T) {
	var ref reference
	readJSONFixture(t, "reference.json", &ref)
	require.NotEmpty(t, ref.Cases)

	type corpus struct {
		docs []string
		y    []int
	}
	loaded := map[string]corpus{}
	for _, tc := range ref.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			name := "sentiment"
			if strings.HasPrefix(tc.Name, "sms") {
				name = "sms"
			}
			c, ok := loaded[name]
			if !ok {
				c.docs, c.y = loadCorpus(t, name)
				loaded[name] = c
			}
			s := splitEveryFourth(c.docs, c.y)
			trainDocs, testDocs, yTrain, yTest := s.train, s.test, s.yTrain, s.yTest
			require.Equal(t, tc.NTrain, len(trainDocs))
			require.Equal(t, tc.NTest, len(testDocs))

			tok := &text.Tokenizer{}
			if tc.StopWords {
				tok = text.NewTokenizer()
			}
			vec := &text.CountVectorizer{Tokenizer: tok}
			Xtr, err := vec.FitTransform(trainDocs)
			require.NoError(t, err)
			Xte, err := vec.Transform(testDocs)
			require.NoError(t, err)
			require.Equal(t, tc.VocabSize, len(vec.Vocabulary()), "vocabulary size differs: tokenisation is not sklearn's")
			require.Equal(t, tc.TrainTokenTotal, sum(Xtr))
			require.Equal(t, tc.TestTokenTotal, sum(Xte))

			nb := New()
			nb.Alpha = tc.Alpha
			require.NoError(t, nb.Fit(Xtr, yTrain))
			require.InDeltaSlice(t, tc.ClassLogPrior, nb.ClassLogPrior(), 1e-12)
			pred, err := nb.Predict(Xte)
			require.NoError(t, err)
			correct, agree := 0, 0
			for i, p := range pred {
				if p == yTest[i] {
					correct++
				}
				if fmt.Sprint(p) == tc.Predictions[i:i+1] {
					agree++
				}
			}
			acc := float64(correct) / float64(len(pred))
			t.Logf("%s: accuracy ours %.4f, sklearn %s %.4f; %d/%d predictions identical",
				tc.Name, acc, ref.SKLearn, tc.Accuracy, agree, len(pred))
			require.GreaterOrEqual(t, acc, tc.Accuracy)
			// Same model, same numbers: only exact float ties could differ.
			require.GreaterOrEqual(t, agree, len(pred)-1)

			proba, err := nb.PredictProba(Xte)
			require.NoError(t, err)
			require.InDelta(t, tc.MeanProba1, meanOfColumn1(proba), 1e-9)
		})
	}
}
