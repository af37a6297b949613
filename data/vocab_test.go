package data

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuildVocab(t *testing.T) {
	lists := [][]string{
		{"b", "a", "c", "a"},
		{"c", "d", "a", "<pad>", ""},
		{"e", "b", "<unk>"},
	}
	// Counts: a 3, b 2, c 2, d 1, e 1 (b/c and d/e tie: alphabetical).
	tests := []struct {
		name     string
		maxSize  int
		minCount int
		want     []string
	}{
		{"all", 0, 0, []string{PadToken, UnkToken, "a", "b", "c", "d", "e"}},
		{"min count 2", 0, 2, []string{PadToken, UnkToken, "a", "b", "c"}},
		{"max size counts reserved", 4, 1, []string{PadToken, UnkToken, "a", "b"}},
		{"max size below reserved", 1, 0, []string{PadToken, UnkToken}},
		{"negative means no limit", -5, 0, []string{PadToken, UnkToken, "a", "b", "c", "d", "e"}},
		{"min count above all", 0, 10, []string{PadToken, UnkToken}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := BuildVocab(lists, tc.maxSize, tc.minCount)
			require.Equal(t, tc.want, v.Words())
			require.Equal(t, len(tc.want), v.Size())
			for i, w := range tc.want {
				require.Equal(t, i, v.Index(w))
			}
		})
	}
}

func TestBuildVocabDeterministic(t *testing.T) {
	// Many equal counts: the order must not depend on map iteration.
	var lists [][]string
	for _, w := range []string{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"} {
		lists = append(lists, []string{w, w})
	}
	first := BuildVocab(lists, 0, 0).Words()
	for range 20 {
		require.Equal(t, first, BuildVocab(lists, 0, 0).Words())
	}
	require.Equal(t, []string{PadToken, UnkToken, "e", "i", "o", "p", "q", "r", "t", "u", "w", "y"}, first)
}

func TestVocabIndexAndWordsCopy(t *testing.T) {
	v := BuildVocab([][]string{{"hi"}}, 0, 0)
	require.Equal(t, PadID, v.Index(PadToken))
	require.Equal(t, UnkID, v.Index("never-seen"))
	w := v.Words()
	w[2] = "changed"
	require.Equal(t, 2, v.Index("hi"), "Words must return a copy")

	// The zero Vocab is the reserved pair: every index it hands out is
	// below its Size, so an embedding of Size() rows can look it up.
	var zero Vocab
	require.Equal(t, 2, zero.Size())
	require.Equal(t, []string{PadToken, UnkToken}, zero.Words())
	require.Equal(t, UnkID, zero.Index("hi"))
	require.Equal(t, PadID, zero.Index(PadToken))
	require.Equal(t, UnkID, zero.Index(UnkToken))
	dst := make([]int32, 3)
	require.Equal(t, 1, zero.Encode([]string{"hi"}, dst))
	require.Equal(t, []int32{PadID, PadID, UnkID}, dst)
	for _, id := range dst {
		require.Less(t, int(id), zero.Size())
	}
}

func TestEncodeTextEmptyDst(t *testing.T) {
	v := BuildVocab([][]string{{"hi"}}, 0, 0)
	for _, dst := range [][]int32{nil, {}} {
		_, err := v.EncodeText("hi there", dst)
		require.ErrorContains(t, err, "dst is empty")
	}
}

func TestVocabEncode(t *testing.T) {
	v := BuildVocab([][]string{{"a", "a", "b"}}, 0, 0) // a=2, b=3
	tests := []struct {
		name    string
		tokens  []string
		seqLen  int
		want    []int32
		unknown int
	}{
		{"left pad", []string{"a", "b"}, 5, []int32{0, 0, 0, 2, 3}, 0},
		{"exact", []string{"b", "a", "b"}, 3, []int32{3, 2, 3}, 0},
		{"truncate keeps first", []string{"a", "b", "x", "a", "b"}, 3, []int32{2, 3, 1}, 1},
		{"unknown only in window counted", []string{"a", "x", "y"}, 2, []int32{2, 1}, 1},
		{"empty is all padding", nil, 3, []int32{0, 0, 0}, 0},
		{"unknowns padded", []string{"x", "y"}, 4, []int32{0, 0, 1, 1}, 2},
		{"zero length", []string{"a"}, 0, []int32{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]int32, tc.seqLen)
			for i := range dst {
				dst[i] = -7 // stale values must all be overwritten
			}
			unk := v.Encode(tc.tokens, dst)
			require.Equal(t, tc.want, dst)
			require.Equal(t, tc.unknown, unk)
		})
	}
}

func TestVocabJSONRoundTrip(t *testing.T) {
	v := BuildVocab([][]string{{"win", "cash", "win", "ok", "\"quoted\"", "ünï"}}, 0, 0)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.JSONEq(t, `["<pad>","<unk>","win","\"quoted\"","cash","ok","ünï"]`, string(b))

	var back Vocab
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, v.Words(), back.Words())
	for _, w := range v.Words() {
		require.Equal(t, v.Index(w), back.Index(w))
	}

	// Inside a struct, as a model file would hold it.
	type model struct {
		Vocab *Vocab `json:"vocab"`
	}
	b, err = json.Marshal(model{v})
	require.NoError(t, err)
	var m model
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, v.Words(), m.Vocab.Words())

	// The zero Vocab writes its reserved pair and reads back as itself.
	b, err = json.Marshal(&Vocab{})
	require.NoError(t, err)
	require.JSONEq(t, `["<pad>","<unk>"]`, string(b))
	var zeroBack Vocab
	require.NoError(t, json.Unmarshal(b, &zeroBack))
	require.Equal(t, 2, zeroBack.Size())
}

func TestVocabJSONCorrupt(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"a":1}`, "want a list of words"},
		{`["<pad>","<unk>",3]`, "want a list of words"},
		{`not json`, "invalid character"}, // caught by encoding/json before UnmarshalJSON
		{`null`, `must start with "<pad>", "<unk>"`},
		{`[]`, `must start with "<pad>", "<unk>"`},
		{`["<unk>","<pad>","a"]`, `must start with "<pad>", "<unk>"`},
		{`["<pad>"]`, `must start with "<pad>", "<unk>"`},
		{`["<pad>","<unk>","a","b","a"]`, `word "a" appears twice (entries 2 and 4)`},
		{`["<pad>","<unk>","<pad>"]`, `word "<pad>" appears twice (entries 0 and 2)`},
		{`["<pad>","<unk>",""]`, "entry 2 is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			v := BuildVocab([][]string{{"keep"}}, 0, 0)
			err := json.Unmarshal([]byte(tc.in), v)
			require.ErrorContains(t, err, tc.want)
			// A failed read leaves the vocabulary as it was.
			require.Equal(t, []string{PadToken, UnkToken, "keep"}, v.Words())
		})
	}
}

func TestVocabEncodeText(t *testing.T) {
	v := BuildVocab([][]string{{"free", "cash"}}, 0, 0)
	tests := []struct {
		text    string
		want    []int32
		unknown int
		err     error
	}{
		{"FREE cash!!", []int32{0, 3, 2}, 0, nil}, // cash=2, free=3: tie, alphabetical
		{"free, free money", []int32{3, 3, 1}, 1, nil},
		{":-)", []int32{-1, -1, -1}, 0, ErrNoWords},
		{"  ...  ", []int32{-1, -1, -1}, 0, ErrNoWords},
		{"", []int32{-1, -1, -1}, 0, ErrNoWords},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			dst := []int32{-1, -1, -1}
			unk, err := v.EncodeText(tc.text, dst)
			require.ErrorIs(t, err, tc.err)
			require.Equal(t, tc.want, dst)
			require.Equal(t, tc.unknown, unk)
		})
	}
}
