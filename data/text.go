package data

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Punctuation is Python's string.punctuation, the set the notebook removes
// (and Clean deletes).
const Punctuation = punctuation

// punctuation is Python's string.punctuation, the set the notebook removes.
const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// isPunct reports whether r is one of the ASCII punctuation characters in
// punctuation. Non-ASCII symbols (£, €, emoji) are kept, as in the notebook.
func isPunct(r rune) bool {
	return r < utf8.RuneSelf && strings.ContainsRune(punctuation, r)
}

// Clean lower-cases text and removes ASCII punctuation, keeping letters,
// digits, white space and every other Unicode character. "Don't!" becomes
// "dont", so contractions stay one token as in the notebook.
func Clean(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		if isPunct(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Tokens splits Clean(text) on white space. It returns an empty slice for a
// message with no words (only punctuation, or blank); callers must treat
// that as "nothing to classify" rather than feed the model pure padding.
func Tokens(text string) []string {
	return strings.Fields(Clean(text))
}

// DropEmpty returns the examples that have at least one token, and how many
// were dropped because Tokens found nothing (a message such as ":)" or "...").
// Callers report the count so the data loss is visible.
func DropEmpty(examples []Example) (kept []Example, dropped int) {
	kept = make([]Example, 0, len(examples))
	for _, ex := range examples {
		if len(Tokens(ex.Text)) == 0 {
			dropped++
			continue
		}
		kept = append(kept, ex)
	}
	return kept, dropped
}

// TokenLists tokenises the examples at the given indices (all of them when
// idx is nil), for BuildVocab. Building the vocabulary from the training
// indices only keeps validation and test words out of it.
func TokenLists(examples []Example, idx []int) ([][]string, error) {
	if idx == nil {
		out := make([][]string, len(examples))
		for i, ex := range examples {
			out[i] = Tokens(ex.Text)
		}
		return out, nil
	}
	out := make([][]string, len(idx))
	for k, i := range idx {
		if i < 0 || i >= len(examples) {
			return nil, fmt.Errorf("token lists: index %d (position %d) out of range for %d examples", i, k, len(examples))
		}
		out[k] = Tokens(examples[i].Text)
	}
	return out, nil
}
