package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	en := NewTokenizer()
	none := &Tokenizer{}
	custom := &Tokenizer{StopWords: NewStopWords("movie", "film")}
	tests := []struct {
		name string
		tok  *Tokenizer
		doc  string
		want []string
	}{
		{"lowercase and punctuation", none, "Hello, World!  It's OK.", []string{"hello", "world", "it", "s", "ok"}},
		{"digits split words", none, "call 0800-FREE now2win", []string{"call", "free", "now", "win"}},
		{"html tags become spaces", none, "great<br/>film <b>really</b>", []string{"great", "film", "really"}},
		{"entities decoded after tags", none, "fish &amp; chips &lt;b&gt;bold&lt;/b&gt;", []string{"fish", "chips", "b", "bold", "b"}},
		{"less-than is not a tag", none, "I <3 you > all", []string{"i", "you", "all"}},
		{"comment removed", none, "a<!-- hidden -->b", []string{"a", "b"}},
		{"unicode letters kept and lowered", none, "CAFÉ Über naïve £5", []string{"café", "über", "naïve"}},
		{"no letters", none, "123 !!! 4.5", nil},
		{"empty", none, "", nil},
		{"english stop words", en, "This is the best movie I have seen", []string{"best", "movie", "seen"}},
		{"stop words compared lower case", en, "THE END", []string{"end"}},
		{"custom stop words", custom, "This movie is a film", []string{"this", "is", "a"}},
		{"nil tokenizer keeps all", nil, "The End", []string{"the", "end"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.tok.Tokenize(tc.doc))
		})
	}
}

func TestEnglishStopWords(t *testing.T) {
	s := EnglishStopWords()
	require.Len(t, s, 318, "scikit-learn's ENGLISH_STOP_WORDS has 318 words")
	for _, w := range []string{"a", "the", "yourselves", "amoungst", "thru", "not"} {
		require.True(t, s.Contains(w), w)
	}
	require.False(t, s.Contains("movie"))
	words := s.Words()
	require.Equal(t, "a", words[0])
	require.Equal(t, "yourselves", words[len(words)-1])
	// The copy is independent of the package list.
	delete(s, "the")
	require.True(t, EnglishStopWords().Contains("the"))
}

func TestCountVectorizer(t *testing.T) {
	v := &CountVectorizer{Tokenizer: &Tokenizer{StopWords: NewStopWords("the")}}
	train := []string{"The cat sat on the mat", "the dog; the DOG!", "cat cat cat"}
	m, err := v.FitTransform(train)
	require.NoError(t, err)
	require.Equal(t, []string{"cat", "dog", "mat", "on", "sat"}, v.Vocabulary())
	require.NoError(t, m.Validate())
	require.Equal(t, [][]float64{
		{1, 0, 1, 1, 1},
		{0, 2, 0, 0, 0},
		{3, 0, 0, 0, 0},
	}, m.Dense())
	require.Equal(t, 6, m.NNZ())

	// Unknown words are ignored; an empty document gives an empty row.
	test, err := v.Transform([]string{"a bird sat on a cat", "", "zebra"})
	require.NoError(t, err)
	require.NoError(t, test.Validate())
	require.Equal(t, [][]float64{{1, 0, 0, 1, 1}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}}, test.Dense())
	j, ok := v.Index("mat")
	require.True(t, ok)
	require.Equal(t, 2, j)
	_, ok = v.Index("the")
	require.False(t, ok)
}

func TestCountVectorizerErrors(t *testing.T) {
	_, err := NewCountVectorizer().Transform([]string{"x"})
	require.ErrorContains(t, err, "before Fit")
	require.ErrorContains(t, NewCountVectorizer().Fit(nil), "no documents")
	err = NewCountVectorizer().Fit([]string{"the and of", "123"})
	require.ErrorIs(t, err, ErrEmptyVocabulary)
	require.EqualError(t, err, "text: CountVectorizer.Fit: empty vocabulary: none of the 2 documents has a token (only non-letters or stop words?)")
}

func TestSparse(t *testing.T) {
	m := &Sparse{NRows: 3, NCols: 4, Indptr: []int{0, 2, 2, 3}, Indices: []int{0, 3, 1}, Data: []float64{5, 6, 7}}
	require.NoError(t, m.Validate())
	r, c := m.Dims()
	require.Equal(t, [2]int{3, 4}, [2]int{r, c})
	require.Equal(t, 6.0, m.At(0, 3))
	require.Equal(t, 0.0, m.At(1, 1))
	require.Equal(t, 7.0, m.At(2, 1))
	require.Panics(t, func() { m.At(3, 0) })

	sub, err := m.SelectRows([]int{2, 0, 2})
	require.NoError(t, err)
	require.NoError(t, sub.Validate())
	require.Equal(t, [][]float64{{0, 7, 0, 0}, {5, 0, 0, 6}, {0, 7, 0, 0}}, sub.Dense())
	_, err = m.SelectRows([]int{3})
	require.ErrorContains(t, err, "row 3 out of range")

	bad := []struct {
		name string
		m    Sparse
		msg  string
	}{
		{"short indptr", Sparse{NRows: 2, NCols: 2, Indptr: []int{0, 0}}, "Indptr must have 3"},
		{"column range", Sparse{NRows: 1, NCols: 2, Indptr: []int{0, 1}, Indices: []int{2}, Data: []float64{1}}, "column 2 out of range"},
		{"unsorted", Sparse{NRows: 1, NCols: 3, Indptr: []int{0, 2}, Indices: []int{1, 0}, Data: []float64{1, 1}}, "strictly increasing"},
		{"length mismatch", Sparse{NRows: 1, NCols: 3, Indptr: []int{0, 2}, Indices: []int{1}, Data: []float64{1, 1}}, "indices"},
		{"decreasing", Sparse{NRows: 2, NCols: 3, Indptr: []int{0, 2, 1}, Indices: []int{0, 1}, Data: []float64{1, 1}}, "Indptr ends"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.m.Validate(), tc.msg)
		})
	}
}

func TestReadLinesAndTSV(t *testing.T) {
	lines, err := ReadLines(strings.NewReader("a\r\nb\n\nc"), "f.txt")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "", "c"}, lines)
	lines, err = ReadLines(strings.NewReader("\ufeffham\tx\n\ufeffy"), "f.txt")
	require.NoError(t, err)
	require.Equal(t, []string{"ham\tx", "\ufeffy"}, lines, "a byte-order mark is dropped at the start only")
	lines, err = ReadLines(strings.NewReader("x\n"), "f.txt")
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, lines, "a trailing newline adds no empty line")
	_, err = ReadLines(strings.NewReader("ok\nbad \xff byte\n"), "f.txt")
	require.ErrorContains(t, err, "f.txt: line 2: not valid UTF-8")

	// Quotes are ordinary characters: an unbalanced '"' does not merge lines.
	recs, err := ReadTSV(strings.NewReader("ham\tsay \"hi\nspam\tfree \"prize\"\n"), "sms")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"ham", "say \"hi"}, {"spam", "free \"prize\""}}, recs)

	tests := []struct {
		name, in, msg string
	}{
		{"field count", "a\tb\nc\n", "sms: line 2: 1 tab-separated field, where line 1 has 2; every line needs 2: fix or drop this line (a tab inside a field splits it in two)"},
		{"empty line", "a\tb\n\nc\td\n", "sms: line 2: blank line; every line needs 2 tab-separated fields, as line 1 has"},
		{"line too long", "a\tb\nc\t" + strings.Repeat("x", maxLine) + "\n", "sms: line 2: longer than 16 MiB"},
		{"empty file", "", "sms: empty file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTSV(strings.NewReader(tc.in), "sms")
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

// TestReadTSVSkippingBlank: blank lines (spaces, tabs, a CR) anywhere are
// skipped, the records keep their file lines, and a short row names its
// line and the first record's.
func TestReadTSVSkippingBlank(t *testing.T) {
	recs, lines, err := ReadTSVSkippingBlank(strings.NewReader(" \nham\thi\n\t\r\nspam\twin\n\n"), "sms")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"ham", "hi"}, {"spam", "win"}}, recs)
	require.Equal(t, []int{2, 4}, lines)
	_, _, err = ReadTSVSkippingBlank(strings.NewReader("\nham\thi\nspam\n"), "sms")
	require.EqualError(t, err, "sms: line 3: 1 tab-separated field, where line 2 has 2; every line needs 2: fix or drop this line (a tab inside a field splits it in two)")
	_, _, err = ReadTSVSkippingBlank(strings.NewReader(" \n\t\n"), "sms")
	require.EqualError(t, err, "sms: every line is blank")
}

func TestSetVocabulary(t *testing.T) {
	v := NewCountVectorizer()
	require.NoError(t, v.Fit([]string{"free prize now", "see you at lunch"}))
	r := NewCountVectorizer()
	require.NoError(t, r.SetVocabulary(v.Vocabulary()))
	docs := []string{"FREE lunch prize prize", "nothing known"}
	want, err := v.Transform(docs)
	require.NoError(t, err)
	got, err := r.Transform(docs)
	require.NoError(t, err)
	require.Equal(t, want, got)
	for _, bad := range [][]string{nil, {"b", "a"}, {"a", "a"}, {"", "a"}} {
		require.Error(t, NewCountVectorizer().SetVocabulary(bad), "%q", bad)
	}
}
