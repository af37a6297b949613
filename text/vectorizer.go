package text

import (
	"errors"
	"fmt"
	"sort"
)

// CountVectorizer maps documents to token-count vectors over a vocabulary
// learned from training documents, like scikit-learn's CountVectorizer with
// its default settings apart from the tokenizer. The vocabulary is sorted,
// so column j is the j-th term in lexical (byte) order.
type CountVectorizer struct {
	// Tokenizer splits documents; nil means NewTokenizer() (English stop
	// words removed).
	Tokenizer *Tokenizer

	vocab []string
	index map[string]int
}

// NewCountVectorizer returns a vectorizer using NewTokenizer().
func NewCountVectorizer() *CountVectorizer {
	return &CountVectorizer{Tokenizer: NewTokenizer()}
}

func (v *CountVectorizer) tokenizer() *Tokenizer {
	if v.Tokenizer == nil {
		v.Tokenizer = NewTokenizer()
	}
	return v.Tokenizer
}

// Fit learns the vocabulary: every token of every document. It fails when
// there are no documents or no document has a token (as scikit-learn does:
// an empty vocabulary makes every later matrix empty).
func (v *CountVectorizer) Fit(docs []string) error {
	if len(docs) == 0 {
		return errors.New("text: CountVectorizer.Fit: no documents")
	}
	tok := v.tokenizer()
	seen := make(map[string]struct{})
	for _, d := range docs {
		for _, w := range tok.Tokenize(d) {
			seen[w] = struct{}{}
		}
	}
	if len(seen) == 0 {
		return fmt.Errorf("text: CountVectorizer.Fit: empty vocabulary: none of the %d documents has a token "+
			"(only non-letters or stop words?)", len(docs))
	}
	vocab := make([]string, 0, len(seen))
	for w := range seen {
		vocab = append(vocab, w)
	}
	sort.Strings(vocab)
	index := make(map[string]int, len(vocab))
	for i, w := range vocab {
		index[w] = i
	}
	v.vocab, v.index = vocab, index
	return nil
}

// SetVocabulary makes terms the vocabulary, as if Fit had learned it: for a
// vectorizer rebuilt from a saved model. The terms must be non-empty,
// distinct and sorted, as Fit leaves them.
func (v *CountVectorizer) SetVocabulary(terms []string) error {
	if len(terms) == 0 {
		return errors.New("text: CountVectorizer.SetVocabulary: empty vocabulary")
	}
	index := make(map[string]int, len(terms))
	for i, w := range terms {
		switch {
		case w == "":
			return fmt.Errorf("text: CountVectorizer.SetVocabulary: term %d is empty", i)
		case i > 0 && terms[i-1] >= w:
			return fmt.Errorf("text: CountVectorizer.SetVocabulary: terms %q and %q are not sorted and distinct", terms[i-1], w)
		}
		index[w] = i
	}
	v.vocab, v.index = append([]string(nil), terms...), index
	return nil
}

// Transform counts each document's vocabulary tokens; tokens not seen by
// Fit are ignored. Row i of the result is docs[i].
func (v *CountVectorizer) Transform(docs []string) (*Sparse, error) {
	if v.index == nil {
		return nil, errors.New("text: CountVectorizer.Transform called before Fit")
	}
	tok := v.tokenizer()
	m := &Sparse{NRows: len(docs), NCols: len(v.vocab), Indptr: make([]int, 1, len(docs)+1)}
	counts := make(map[int]float64)
	var cols []int
	for _, d := range docs {
		clear(counts)
		for _, w := range tok.Tokenize(d) {
			if j, ok := v.index[w]; ok {
				counts[j]++
			}
		}
		cols = cols[:0]
		for j := range counts {
			cols = append(cols, j)
		}
		sort.Ints(cols)
		for _, j := range cols {
			m.Indices = append(m.Indices, j)
			m.Data = append(m.Data, counts[j])
		}
		m.Indptr = append(m.Indptr, len(m.Data))
	}
	return m, nil
}

// FitTransform is Fit followed by Transform on the same documents.
func (v *CountVectorizer) FitTransform(docs []string) (*Sparse, error) {
	if err := v.Fit(docs); err != nil {
		return nil, err
	}
	return v.Transform(docs)
}

// Vocabulary returns the learned terms in column order (sorted). The slice
// is the vectorizer's own; callers must not modify it.
func (v *CountVectorizer) Vocabulary() []string { return v.vocab }

// Index returns the column of term, and whether it is in the vocabulary.
func (v *CountVectorizer) Index(term string) (int, bool) {
	j, ok := v.index[term]
	return j, ok
}
