// Package text turns raw documents into bag-of-words count matrices, the
// input of models such as multinomial naive Bayes.
//
// The pipeline is deliberately simple and fully specified, so that another
// implementation (the scikit-learn reference scripts under
// models/naivebayes/testdata) can reproduce it token for token:
//
//  1. HTML tags (a '<' followed by a letter, '/', '!' or '?', up to the next
//     '>') are replaced by a space, then HTML character references such as
//     "&amp;" or "&#39;" are decoded (html.UnescapeString).
//  2. Every rune that is not a Unicode letter (category L) becomes a space;
//     letters are lower-cased (unicode.ToLower, the simple case mapping).
//  3. The result is split on whitespace.
//  4. Tokens in the stop-word set are dropped. The default set is
//     scikit-learn's ENGLISH_STOP_WORDS (318 words); it can be replaced or
//     turned off.
//
// CountVectorizer learns a sorted vocabulary from training documents and
// maps documents to a compressed-sparse-row count matrix (Sparse), like
// scikit-learn's CountVectorizer, with its ngram_range, min_df, max_df,
// max_features and binary settings (n-grams are formed after stop words
// are removed, as scikit-learn forms them). TfidfTransformer reweights the
// counts as scikit-learn's TfidfTransformer (TfidfVectorizer is the two in
// a row). Vocabularies and weights match scikit-learn 1.2's; the tests
// compare them with fixtures from testdata/make_reference.py. ReadLines and ReadTSV read corpora with
// one document per line and unquoted label<TAB>text files such as the UCI
// SMS Spam Collection, with errors that name the file and line.
package text

//go:generate /usr/bin/python3 gen_stopwords.py

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// tagPattern matches an HTML/XML tag, comment or declaration. Requiring a
// letter, '/', '!' or '?' after '<' keeps text such as "I <3 you" or
// "a < b > c" intact, which a bare <[^>]*> would swallow.
var tagPattern = regexp.MustCompile(`<[a-zA-Z/!?][^<>]*>`)

// StripHTML replaces HTML tags by spaces and decodes character references.
// Tags are removed before decoding so that an escaped "&lt;b&gt;" stays text.
func StripHTML(s string) string {
	if strings.IndexByte(s, '<') >= 0 {
		s = tagPattern.ReplaceAllString(s, " ")
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return s
}

// StopWords is a set of tokens to drop. A nil set drops nothing.
type StopWords map[string]struct{}

// NewStopWords builds a stop-word set from words as given; tokens are
// compared after lower-casing, so the words should be lower case.
func NewStopWords(words ...string) StopWords {
	s := make(StopWords, len(words))
	for _, w := range words {
		s[w] = struct{}{}
	}
	return s
}

// EnglishStopWords returns a fresh copy of scikit-learn's English stop-word
// list (318 words), which callers may extend or trim without affecting
// other tokenizers.
func EnglishStopWords() StopWords {
	return NewStopWords(englishStopWords[:]...)
}

// Contains reports whether w is a stop word.
func (s StopWords) Contains(w string) bool {
	_, ok := s[w]
	return ok
}

// Words returns the set's words in sorted order.
func (s StopWords) Words() []string {
	out := make([]string, 0, len(s))
	for w := range s {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// Tokenizer splits documents into lower-case letter-only tokens. The zero
// value keeps every token (no stop words); NewTokenizer drops English stop
// words.
type Tokenizer struct {
	// StopWords are removed after lower-casing; nil removes none.
	StopWords StopWords
}

// NewTokenizer returns a tokenizer that drops scikit-learn's English stop
// words.
func NewTokenizer() *Tokenizer {
	return &Tokenizer{StopWords: EnglishStopWords()}
}

// Tokenize returns doc's tokens in order (see the package documentation for
// the exact rules). It never fails: a document without letters has no tokens.
func (t *Tokenizer) Tokenize(doc string) []string {
	doc = StripHTML(doc)
	var tokens []string
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := b.String()
		b.Reset()
		if t != nil && t.StopWords.Contains(w) {
			return
		}
		tokens = append(tokens, w)
	}
	for _, r := range doc {
		// Non-letters (digits, punctuation, whitespace, symbols, invalid
		// UTF-8 decoded as U+FFFD) all separate tokens.
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToLower(r))
		} else {
			flush()
		}
	}
	flush()
	return tokens
}
