package text

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sklearnFixture is testdata/sklearn_vectorizers.json, written by
// testdata/make_reference.py from scikit-learn's CountVectorizer and
// TfidfTransformer.
type sklearnFixture struct {
	SKLearn string `json:"sklearn"`
	Numpy   string `json:"numpy"`
	Corpus  struct {
		Train  []string `json:"train"`
		YTrain []int    `json:"y_train"`
		Test   []string `json:"test"`
		YTest  []int    `json:"y_test"`
	} `json:"corpus"`
	Cases []struct {
		Name            string        `json:"name"`
		Params          fixtureParams `json:"params"`
		Vocabulary      []string      `json:"vocabulary"`
		TrainColumnSums []float64     `json:"train_column_sums"`
		Test            struct {
			Indptr  []int     `json:"indptr"`
			Indices []int     `json:"indices"`
			Data    []float64 `json:"data"`
		} `json:"test"`
		IDF []float64 `json:"idf"`
	} `json:"cases"`
	Argsort []struct {
		Values  []int64 `json:"values"`
		Argsort []int   `json:"argsort"`
	} `json:"argsort"`
}

func loadSKLearnFixture(t *testing.T) sklearnFixture {
	raw, err := os.ReadFile(filepath.Join("testdata", "sklearn_vectorizers.json"))
	require.NoError(t, err)
	var f sklearnFixture
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.Cases)
	return f
}

// closeRel requires |got-want| <= tol*|want| element by element.
func closeRel(t *testing.T, want, got []float64, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > tol*math.Abs(want[i]) {
			t.Fatalf("%s: element %d: got %.17g, want %.17g (relative difference %.3g)", msg, i, got[i], want[i], d/math.Abs(want[i]))
		}
	}
}

// TestMatchesScikitLearn fits every fixture case and requires scikit-learn's
// vocabulary (same terms, same order), column sums of the training matrix,
// test matrix and idf, within 1e-12 relative.
func TestMatchesScikitLearn(t *testing.T) {
	f := loadSKLearnFixture(t)
	for _, tc := range f.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			vec, tf, err := tc.Params.build()
			require.NoError(t, err)
			Xtr, err := vec.FitTransform(f.Corpus.Train)
			require.NoError(t, err)
			require.Equal(t, tc.Vocabulary, vec.Vocabulary(), "vocabulary (scikit-learn %s, numpy %s)", f.SKLearn, f.Numpy)
			Xte, err := vec.Transform(f.Corpus.Test)
			require.NoError(t, err)
			if tf != nil {
				Xtr, err = tf.FitTransform(Xtr)
				require.NoError(t, err)
				Xte, err = tf.Transform(Xte)
				require.NoError(t, err)
				if tc.IDF != nil {
					closeRel(t, tc.IDF, tf.IDF(), 1e-12, "idf")
				}
			}
			sums := make([]float64, Xtr.NCols)
			for k, j := range Xtr.Indices {
				sums[j] += Xtr.Data[k]
			}
			closeRel(t, tc.TrainColumnSums, sums, 1e-12, "training column sums")
			require.Equal(t, tc.Test.Indptr, Xte.Indptr, "test matrix rows")
			require.Equal(t, tc.Test.Indices, Xte.Indices, "test matrix columns")
			closeRel(t, tc.Test.Data, Xte.Data, 1e-12, "test matrix values")
		})
	}
}

// TestNumpyArgsort checks the port of numpy's introsort against numpy's
// own order on arrays full of ties.
func TestNumpyArgsort(t *testing.T) {
	f := loadSKLearnFixture(t)
	require.NotEmpty(t, f.Argsort)
	for _, c := range f.Argsort {
		require.Equal(t, c.Argsort, numpyArgsort(c.Values), "%d values", len(c.Values))
	}
}

// fixtureParams are a case's scikit-learn parameters, as the reference
// script names them.
type fixtureParams struct {
	NGramRange  []int           `json:"ngram_range"`
	MinDF       json.RawMessage `json:"min_df"` // raw: 2 and 2.0 differ
	MaxDF       json.RawMessage `json:"max_df"`
	MaxFeatures int             `json:"max_features"`
	Binary      bool            `json:"binary"`
	Tfidf       *struct {
		Norm        json.RawMessage `json:"norm"` // absent: l2; null: none
		UseIDF      *bool           `json:"use_idf"`
		SmoothIDF   *bool           `json:"smooth_idf"`
		SublinearTF bool            `json:"sublinear_tf"`
	} `json:"tfidf"`
}

// build returns the Go vectorizer and transformer (nil without tf-idf)
// for the parameters.
func (p fixtureParams) build() (*CountVectorizer, *TfidfTransformer, error) {
	v := NewCountVectorizer()
	if p.NGramRange != nil {
		v.NGramRange = [2]int{p.NGramRange[0], p.NGramRange[1]}
	}
	var err error
	if p.MinDF != nil {
		if v.MinDF, err = ParseDocFrequency(string(p.MinDF)); err != nil {
			return nil, nil, err
		}
	}
	if p.MaxDF != nil {
		if v.MaxDF, err = ParseDocFrequency(string(p.MaxDF)); err != nil {
			return nil, nil, err
		}
	}
	v.MaxFeatures, v.Binary = p.MaxFeatures, p.Binary
	if p.Tfidf == nil {
		return v, nil, nil
	}
	tf := &TfidfTransformer{SublinearTF: p.Tfidf.SublinearTF}
	switch norm := string(p.Tfidf.Norm); norm {
	case "":
	case "null":
		tf.Norm = NormNone
	default:
		if tf.Norm, err = ParseNorm(strings.Trim(norm, `"`)); err != nil {
			return nil, nil, err
		}
	}
	tf.NoIDF = p.Tfidf.UseIDF != nil && !*p.Tfidf.UseIDF
	tf.NoSmoothIDF = p.Tfidf.SmoothIDF != nil && !*p.Tfidf.SmoothIDF
	return v, tf, nil
}
