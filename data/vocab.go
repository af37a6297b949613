package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Reserved vocabulary entries. Clean strips '<' and '>', so no token from
// Tokens can collide with them.
const (
	PadToken = "<pad>"
	UnkToken = "<unk>"
	PadID    = 0 // index of PadToken; Encode left-pads with it
	UnkID    = 1 // index of UnkToken; words not in the vocabulary map to it
)

// Vocab maps words to embedding indices: 0 is padding, 1 the unknown word,
// then words by descending training frequency. The zero Vocab holds only
// those two reserved entries (Size 2) and maps every word to UnkID, so an
// embedding table of Size() rows can take whatever it encodes.
type Vocab struct {
	words []string
	index map[string]int32
}

// BuildVocab counts the tokens and orders words by descending frequency,
// ties broken alphabetically so the result does not depend on map order.
//
// maxSize caps Size(), the two reserved entries included (0 or less means no
// limit; values below 2 still keep them). Words seen fewer than minCount
// times are left out (minCount of 1 or less keeps every word). The reserved
// tokens and empty strings are never added as words.
func BuildVocab(tokenLists [][]string, maxSize, minCount int) *Vocab {
	counts := make(map[string]int)
	for _, toks := range tokenLists {
		for _, t := range toks {
			counts[t]++
		}
	}
	delete(counts, "")
	delete(counts, PadToken)
	delete(counts, UnkToken)
	words := make([]string, 0, len(counts))
	for w, c := range counts {
		if c >= minCount {
			words = append(words, w)
		}
	}
	sort.Slice(words, func(i, j int) bool {
		ci, cj := counts[words[i]], counts[words[j]]
		if ci != cj {
			return ci > cj
		}
		return words[i] < words[j]
	})
	if maxSize > 0 {
		keep := max(maxSize-2, 0)
		if len(words) > keep {
			words = words[:keep]
		}
	}
	v, _ := newVocab(append([]string{PadToken, UnkToken}, words...))
	return v
}

// VocabFromWords makes a vocabulary of words in index order (an exported
// vocabulary, say). It must start with PadToken and UnkToken and hold no
// empty or repeated entry: any of these would shift word indices against a
// trained embedding table.
func VocabFromWords(words []string) (*Vocab, error) {
	return newVocab(append([]string(nil), words...))
}

// newVocab indexes words, checking the invariants UnmarshalJSON relies on.
func newVocab(words []string) (*Vocab, error) {
	if len(words) < 2 || words[PadID] != PadToken || words[UnkID] != UnkToken {
		return nil, fmt.Errorf("vocabulary must start with %q, %q", PadToken, UnkToken)
	}
	if len(words) > 1<<31-1 {
		return nil, fmt.Errorf("vocabulary of %d words does not fit int32 indices", len(words))
	}
	index := make(map[string]int32, len(words))
	for i, w := range words {
		if w == "" {
			return nil, fmt.Errorf("vocabulary entry %d is empty", i)
		}
		if j, dup := index[w]; dup {
			return nil, fmt.Errorf("vocabulary word %q appears twice (entries %d and %d)", clip(w, 40), j, i)
		}
		index[w] = int32(i)
	}
	return &Vocab{words: words, index: index}, nil
}

// reserved is the zero Vocab's entries.
var reserved = []string{PadToken, UnkToken}

// entries is v's words, the reserved pair for the zero Vocab.
func (v *Vocab) entries() []string {
	if len(v.words) == 0 {
		return reserved
	}
	return v.words
}

// Size is the number of entries, the reserved ones included: the row count
// of the embedding table.
func (v *Vocab) Size() int { return len(v.entries()) }

// Index returns the word's index, or UnkID when it is not in the vocabulary.
func (v *Vocab) Index(word string) int {
	if i, ok := v.index[word]; ok {
		return int(i)
	}
	if word == PadToken && v.index == nil {
		return PadID // the zero Vocab's reserved entry, as in any other
	}
	return UnkID
}

// Words returns a copy of the entries in index order.
func (v *Vocab) Words() []string { return append([]string(nil), v.entries()...) }

// Encode writes tokens into dst as the notebook's pad_features does: the
// first len(dst) tokens are kept, and a shorter message is left-padded with
// PadID so the last real word sits next to the LSTM's final step. It
// returns how many of the written tokens were unknown. Encode does not
// allocate; an empty dst receives nothing.
func (v *Vocab) Encode(tokens []string, dst []int32) (unknown int) {
	n := min(len(tokens), len(dst))
	pad := len(dst) - n
	for i := range pad {
		dst[i] = PadID
	}
	for i, t := range tokens[:n] {
		id, ok := v.index[t]
		if !ok {
			id = UnkID
			unknown++
		}
		dst[pad+i] = id
	}
	return unknown
}

// ErrNoWords reports a message with nothing to classify: after lower-casing
// and removing punctuation no word is left (":)", "...", blank). A model fed
// such a message would see pure padding, so callers say so instead.
var ErrNoWords = errors.New("message has no words once punctuation is removed")

// EncodeText tokenises text as training did and encodes it into dst (see
// Encode), for prediction. It returns ErrNoWords, leaving dst untouched, when
// the message has no tokens, and an error when dst is empty: a sequence of
// length 0 would hold none of the message, and a model fed it would
// classify nothing.
func (v *Vocab) EncodeText(text string, dst []int32) (unknown int, err error) {
	if len(dst) == 0 {
		return 0, errors.New("data: EncodeText: dst is empty; it needs room for the sequence length (at least 1)")
	}
	toks := Tokens(text)
	if len(toks) == 0 {
		return 0, ErrNoWords
	}
	return v.Encode(toks, dst), nil
}

// MarshalJSON writes the vocabulary as a JSON list of words in index order.
func (v *Vocab) MarshalJSON() ([]byte, error) {
	// The zero Vocab writes its reserved pair, which reads back as itself.
	return json.Marshal(v.entries())
}

// UnmarshalJSON reads a list written by MarshalJSON. It rejects a list that
// does not start with the pad and unknown tokens, has an empty entry or
// repeats a word, since any of these would silently shift word indices
// against a trained embedding table.
func (v *Vocab) UnmarshalJSON(b []byte) error {
	var words []string
	if err := json.Unmarshal(b, &words); err != nil {
		return fmt.Errorf("vocabulary JSON: want a list of words: %w", err)
	}
	nv, err := newVocab(words)
	if err != nil {
		return fmt.Errorf("vocabulary JSON: %w", err)
	}
	*v = *nv
	return nil
}
