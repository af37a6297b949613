package text

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CountVectorizer maps documents to term-count vectors over a vocabulary
// learned from training documents, like scikit-learn's CountVectorizer
// apart from the tokenizer. The zero value has scikit-learn's defaults:
// unigrams, raw counts, every term kept. The vocabulary is sorted, so
// column j is the j-th term in lexical (byte) order.
//
// Terms are the tokens and, with NGramRange, runs of consecutive tokens
// joined by a space ("free entry"). As in scikit-learn, n-grams are formed
// after stop words are removed, so "call me now" with stop words dropped
// gives the bigram "call" + "now" = "call now".
//
// Fit prunes the vocabulary as scikit-learn does, in this order: terms
// found in more than MaxDF or fewer than MinDF training documents are
// dropped, then, when more than MaxFeatures remain, only the MaxFeatures
// with the largest total count in the training documents are kept. Ties in
// that count are broken as numpy's default argsort (an introsort, neither
// stable nor alphabetical) breaks them over the sorted terms, so that the
// vocabulary is the one scikit-learn 1.2 (numpy 1.24) learns.
type CountVectorizer struct {
	// Tokenizer splits documents; nil means NewTokenizer() (English stop
	// words removed).
	Tokenizer *Tokenizer
	// NGramRange is scikit-learn's ngram_range: terms are the n-grams for
	// NGramRange[0] <= n <= NGramRange[1]; [1, 2] is unigrams and bigrams.
	// The zero value means [1, 1], single tokens.
	NGramRange [2]int
	// MinDF and MaxDF bound a term's document frequency (the number of
	// training documents it occurs in): terms outside [MinDF, MaxDF] are
	// dropped. The zero values are scikit-learn's defaults, min_df=1 and
	// max_df=1.0: no bound.
	MinDF, MaxDF DocFrequency
	// MaxFeatures, when positive, keeps only the MaxFeatures terms most
	// frequent in the training documents; 0 keeps all.
	MaxFeatures int
	// Binary sets every non-zero count to 1 (presence, not frequency),
	// before the frequency limits (so MaxFeatures then ranks terms by
	// document frequency), as scikit-learn's binary=True.
	Binary bool

	vocab []string
	index map[string]int
}

// ErrNoTermLeft is wrapped by Fit's error when MinDF and MaxDF leave no
// term of the training documents.
var ErrNoTermLeft = errors.New("no term is left")

// ErrEmptyVocabulary is wrapped by Fit's error when no document has a
// token at all: numbers or punctuation only, or stop words (a column of
// ids or labels taken for the text, say).
var ErrEmptyVocabulary = errors.New("empty vocabulary")

// DocFrequency is a document-frequency bound, given as a number of
// documents (Documents) or as a fraction of the training documents
// (Fraction), the two readings scikit-learn gives an int or a float
// min_df / max_df. The zero value is unset: the field's default.
type DocFrequency struct {
	value    float64
	fraction bool
	set      bool
}

// Documents is a bound of n documents (n >= 1 for a set bound, as
// scikit-learn requires of an integer min_df or max_df).
func Documents(n int) DocFrequency { return DocFrequency{value: float64(n), set: true} }

// Fraction is a bound of p times the number of training documents, p in
// [0, 1].
func Fraction(p float64) DocFrequency { return DocFrequency{value: p, fraction: true, set: true} }

// IsSet reports whether the bound was given (not the zero value).
func (d DocFrequency) IsSet() bool { return d.set }

// IsFraction reports whether the bound is a fraction of the documents.
func (d DocFrequency) IsFraction() bool { return d.fraction }

// Value returns the number of documents, or the fraction.
func (d DocFrequency) Value() float64 { return d.value }

// String writes the bound as Python would write the int or float: "2",
// "0.5", "1.0".
func (d DocFrequency) String() string {
	if !d.set {
		return "unset"
	}
	if !d.fraction {
		return strconv.FormatFloat(d.value, 'f', -1, 64)
	}
	s := strconv.FormatFloat(d.value, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") { // n: NaN, Inf
		s += ".0"
	}
	return s
}

// ParseDocFrequency reads a bound as Python reads a literal: a whole
// number without a decimal point or exponent ("2") is a number of
// documents, anything else ("0.5", "1.0", "1e-3") a fraction.
func ParseDocFrequency(s string) (DocFrequency, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		d := Documents(n)
		return d, d.check()
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return DocFrequency{}, fmt.Errorf("text: document frequency %q: want a number of documents (such as 2) or a fraction of the documents (such as 0.5)", s)
	}
	d := Fraction(p)
	return d, d.check()
}

func (d DocFrequency) check() error {
	switch {
	case !d.set:
		return nil
	case d.fraction && !(d.value >= 0 && d.value <= 1):
		return fmt.Errorf("text: document frequency %v is a fraction (it has a decimal point or exponent) outside [0, 1]; "+
			"a number of documents is written without a decimal point (%v)", d, strconv.FormatFloat(d.value, 'f', -1, 64))
	case !d.fraction && d.value < 1:
		return fmt.Errorf("text: document frequency %v: a number of documents must be at least 1", d)
	}
	return nil
}

// resolve returns a set bound in documents for n training documents, as
// scikit-learn computes it (max_df * n_doc for a fraction).
func (d DocFrequency) resolve(n int) float64 {
	if d.fraction {
		return d.value * float64(n)
	}
	return d.value
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

// ngrams returns NGramRange with the zero value read as [1, 1], and an
// error for a range scikit-learn refuses.
func (v *CountVectorizer) ngrams() (lo, hi int, err error) {
	lo, hi = v.NGramRange[0], v.NGramRange[1]
	if lo == 0 && hi == 0 {
		return 1, 1, nil
	}
	switch {
	case lo < 1:
		return 0, 0, fmt.Errorf("text: n-gram range [%d, %d]: the smallest n must be at least 1", lo, hi)
	case lo > hi:
		return 0, 0, fmt.Errorf("text: n-gram range [%d, %d]: the smallest n is larger than the largest", lo, hi)
	}
	return lo, hi, nil
}

// Terms returns doc's terms (tokens and n-grams) in scikit-learn's order:
// the tokens (stop words already dropped by the tokenizer), then the
// n-grams of each larger n, left to right. A term appears once per
// occurrence.
func (v *CountVectorizer) Terms(doc string) ([]string, error) {
	lo, hi, err := v.ngrams()
	if err != nil {
		return nil, err
	}
	return v.terms(v.tokenizer().Tokenize(doc), lo, hi), nil
}

func (v *CountVectorizer) terms(tokens []string, lo, hi int) []string {
	if hi == 1 {
		return tokens
	}
	var out []string
	if lo == 1 {
		out = append(out, tokens...)
		lo = 2
	}
	for n := lo; n <= min(hi, len(tokens)); n++ {
		for i := 0; i+n <= len(tokens); i++ {
			out = append(out, strings.Join(tokens[i:i+n], " "))
		}
	}
	return out
}

// Fit learns the vocabulary: every term of every document, pruned by
// MinDF, MaxDF and MaxFeatures. It fails when there are no documents, when
// no document has a term (as scikit-learn does: an empty vocabulary makes
// every later matrix empty), for settings scikit-learn refuses, and when
// the limits leave no term; the errors say which.
func (v *CountVectorizer) Fit(docs []string) error {
	_, err := v.fit(docs)
	return err
}

func (v *CountVectorizer) fit(docs []string) (perDoc [][]string, err error) {
	if len(docs) == 0 {
		return nil, errors.New("text: CountVectorizer.Fit: no documents")
	}
	lo, hi, err := v.ngrams()
	if err != nil {
		return nil, err
	}
	for _, b := range []struct {
		name string
		d    DocFrequency
	}{{"MinDF", v.MinDF}, {"MaxDF", v.MaxDF}} {
		if err := b.d.check(); err != nil {
			return nil, fmt.Errorf("%s (%s)", err, b.name)
		}
	}
	if v.MaxFeatures < 0 {
		return nil, fmt.Errorf("text: MaxFeatures = %d; want a positive limit, or 0 for none", v.MaxFeatures)
	}
	n := len(docs)
	// Unset bounds are scikit-learn's defaults, named so in errors.
	minDF, maxDF := v.MinDF, v.MaxDF
	if !minDF.set {
		minDF = Documents(1)
	}
	if !maxDF.set {
		maxDF = Fraction(1)
	}
	minDocs, maxDocs := minDF.resolve(n), maxDF.resolve(n)
	if maxDocs < minDocs {
		return nil, fmt.Errorf("text: the document-frequency bounds leave no room: max_df %v is %.4g of the %d training documents, "+
			"fewer than min_df %v, %.4g documents", maxDF, maxDocs, n, minDF, minDocs)
	}

	tok := v.tokenizer()
	df := make(map[string]int)    // documents holding the term
	total := make(map[string]int) // occurrences (documents, with Binary)
	perDoc = make([][]string, n)
	for i, d := range docs {
		ts := v.terms(tok.Tokenize(d), lo, hi)
		perDoc[i] = ts
		seen := make(map[string]bool, len(ts))
		for _, w := range ts {
			if !seen[w] {
				seen[w] = true
				df[w]++
				if v.Binary {
					total[w]++
				}
			}
			if !v.Binary {
				total[w]++
			}
		}
	}
	if len(df) == 0 {
		return nil, fmt.Errorf("text: CountVectorizer.Fit: %w: none of the %d documents has a token "+
			"(only non-letters or stop words?)", ErrEmptyVocabulary, n)
	}
	all := make([]string, 0, len(df))
	for w := range df {
		all = append(all, w)
	}
	sort.Strings(all)
	vocab := all[:0:0]
	for _, w := range all {
		if f := float64(df[w]); f <= maxDocs && f >= minDocs {
			vocab = append(vocab, w)
		}
	}
	if len(vocab) == 0 {
		return nil, fmt.Errorf("text: %w: each of the %d terms occurs in fewer than %.4g documents (min_df %v) "+
			"or in more than %.4g (max_df %v) of the %d training documents", ErrNoTermLeft, len(all), minDocs, minDF, maxDocs, maxDF, n)
	}
	if v.MaxFeatures > 0 && len(vocab) > v.MaxFeatures {
		neg := make([]int64, len(vocab))
		for j, w := range vocab {
			neg[j] = -int64(total[w])
		}
		keep := numpyArgsort(neg)[:v.MaxFeatures]
		sort.Ints(keep)
		kept := make([]string, len(keep))
		for i, j := range keep {
			kept[i] = vocab[j]
		}
		vocab = kept
	}
	v.setVocab(vocab)
	return perDoc, nil
}

func (v *CountVectorizer) setVocab(vocab []string) {
	index := make(map[string]int, len(vocab))
	for i, w := range vocab {
		index[w] = i
	}
	v.vocab, v.index = vocab, index
}

// SetVocabulary makes terms the vocabulary, as if Fit had learned it: for a
// vectorizer rebuilt from a saved model. The terms must be non-empty,
// distinct and sorted, as Fit leaves them.
func (v *CountVectorizer) SetVocabulary(terms []string) error {
	if len(terms) == 0 {
		return errors.New("text: CountVectorizer.SetVocabulary: empty vocabulary")
	}
	for i, w := range terms {
		switch {
		case w == "":
			return fmt.Errorf("text: CountVectorizer.SetVocabulary: term %d is empty", i)
		case i > 0 && terms[i-1] >= w:
			return fmt.Errorf("text: CountVectorizer.SetVocabulary: terms %q and %q are not sorted and distinct", terms[i-1], w)
		}
	}
	v.setVocab(append([]string(nil), terms...))
	return nil
}

// Transform counts each document's vocabulary terms (1 for any count with
// Binary); terms not in the vocabulary are ignored. Row i of the result is
// docs[i].
func (v *CountVectorizer) Transform(docs []string) (*Sparse, error) {
	if v.index == nil {
		return nil, errors.New("text: CountVectorizer.Transform called before Fit")
	}
	lo, hi, err := v.ngrams()
	if err != nil {
		return nil, err
	}
	tok := v.tokenizer()
	perDoc := make([][]string, len(docs))
	for i, d := range docs {
		perDoc[i] = v.terms(tok.Tokenize(d), lo, hi)
	}
	return v.count(perDoc), nil
}

func (v *CountVectorizer) count(perDoc [][]string) *Sparse {
	m := &Sparse{NRows: len(perDoc), NCols: len(v.vocab), Indptr: make([]int, 1, len(perDoc)+1)}
	counts := make(map[int]float64)
	var cols []int
	for _, ts := range perDoc {
		clear(counts)
		for _, w := range ts {
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
			c := counts[j]
			if v.Binary {
				c = 1
			}
			m.Indices = append(m.Indices, j)
			m.Data = append(m.Data, c)
		}
		m.Indptr = append(m.Indptr, len(m.Data))
	}
	return m
}

// FitTransform is Fit followed by Transform on the same documents, which
// it tokenizes once.
func (v *CountVectorizer) FitTransform(docs []string) (*Sparse, error) {
	perDoc, err := v.fit(docs)
	if err != nil {
		return nil, err
	}
	return v.count(perDoc), nil
}

// Vocabulary returns the learned terms in column order (sorted). The slice
// is the vectorizer's own; callers must not modify it.
func (v *CountVectorizer) Vocabulary() []string { return v.vocab }

// Index returns the column of term, and whether it is in the vocabulary.
func (v *CountVectorizer) Index(term string) (int, bool) {
	j, ok := v.index[term]
	return j, ok
}
