package text

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDocFrequency(t *testing.T) {
	for _, tc := range []struct {
		in       string
		fraction bool
		value    float64
		str      string
	}{
		{"2", false, 2, "2"},
		{"1", false, 1, "1"},
		{"1.0", true, 1, "1.0"},
		{"0.5", true, 0.5, "0.5"},
		{"1e-3", true, 0.001, "0.001"},
		{"0", true, 0, "0.0"}, // 0 documents is no bound; read as the fraction 0, which sklearn accepts
	} {
		d, err := ParseDocFrequency(tc.in)
		if tc.in == "0" {
			// scikit-learn refuses the int 0 (an integer bound is >= 1).
			require.ErrorContains(t, err, "at least 1")
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.fraction, d.IsFraction(), tc.in)
		require.Equal(t, tc.value, d.Value(), tc.in)
		require.Equal(t, tc.str, d.String(), tc.in)
	}
	for in, want := range map[string]string{
		"5.0":  "outside [0, 1]; a number of documents is written without a decimal point (5)",
		"-0.1": "outside [0, 1]",
		"-2":   "at least 1",
		"two":  `"two": want a number of documents`,
	} {
		_, err := ParseDocFrequency(in)
		require.ErrorContains(t, err, want, in)
	}
}

func TestVectorizerOptionErrors(t *testing.T) {
	docs := []string{"free prize now", "free lunch", "lunch at home"}
	for _, tc := range []struct {
		name string
		v    CountVectorizer
		want string
	}{
		{"ngram order", CountVectorizer{NGramRange: [2]int{2, 1}}, "n-gram range [2, 1]: the smallest n is larger than the largest"},
		{"ngram zero", CountVectorizer{NGramRange: [2]int{0, 2}}, "the smallest n must be at least 1"},
		// 0.3 of 3 documents is 0.9 < 2.
		{"max below min", CountVectorizer{MinDF: Documents(2), MaxDF: Fraction(0.3)},
			"max_df 0.3 is 0.9 of the 3 training documents, fewer than min_df 2, 2 documents"},
		{"nothing left", CountVectorizer{MinDF: Documents(3)},
			"no term is left: each of the 4 terms occurs in fewer than 3 documents (min_df 3) or in more than 3 (max_df 1.0) of the 3 training documents"},
		{"bad fraction", CountVectorizer{MaxDF: Fraction(2)}, "outside [0, 1]"},
		{"negative limit", CountVectorizer{MaxFeatures: -1}, "MaxFeatures = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Fit(docs)
			if tc.name == "nothing left" {
				require.ErrorIs(t, err, ErrNoTermLeft)
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestNGramsAfterStopWords(t *testing.T) {
	v := &CountVectorizer{NGramRange: [2]int{1, 3}}
	terms, err := v.Terms("Win me CASH, free entry!")
	require.NoError(t, err)
	// "me" is a stop word: removed before the n-grams are formed, so
	// "win cash" is a bigram.
	require.Equal(t, []string{"win", "cash", "free", "entry", "win cash", "cash free", "free entry",
		"win cash free", "cash free entry"}, terms)

	v = &CountVectorizer{NGramRange: [2]int{2, 2}, Binary: true}
	X, err := v.FitTransform([]string{"free free free prize", "prize"})
	require.NoError(t, err)
	require.Equal(t, []string{"free free", "free prize"}, v.Vocabulary())
	require.Equal(t, [][]float64{{1, 1}, {0, 0}}, X.Dense())
}

func TestTfidfErrors(t *testing.T) {
	tf := &TfidfTransformer{}
	_, err := tf.Transform(&Sparse{NRows: 0, NCols: 1, Indptr: []int{0}})
	require.ErrorContains(t, err, "before Fit")
	X := &Sparse{NRows: 1, NCols: 2, Indptr: []int{0, 1}, Indices: []int{0}, Data: []float64{3}}
	require.NoError(t, tf.Fit(X))
	_, err = tf.Transform(&Sparse{NRows: 1, NCols: 3, Indptr: []int{0, 0}})
	require.ErrorContains(t, err, "3 columns, fitted with 2")
	_, err = ParseNorm("l3")
	require.ErrorContains(t, err, `norm "l3": want l2, l1 or none`)
}
