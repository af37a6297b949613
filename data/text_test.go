package data

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCleanAndTokens(t *testing.T) {
	tests := []struct {
		in    string
		clean string
		toks  []string
	}{
		{"Hello, World!", "hello world", []string{"hello", "world"}},
		{"Don't STOP me now...", "dont stop me now", []string{"dont", "stop", "me", "now"}},
		// Every character of Python's string.punctuation goes.
		{`a!"#$%&'()*+,-./:;<=>?@[\]^_` + "`{|}~b", "ab", []string{"ab"}},
		// Non-ASCII symbols and letters stay; case folding is Unicode-aware.
		{"WIN £1000 CAFÉ – 🎉", "win £1000 café – 🎉", []string{"win", "£1000", "café", "–", "🎉"}},
		{"call 0906-123-4567 now", "call 09061234567 now", []string{"call", "09061234567", "now"}},
		{"tabs\tand\nnewlines  ", "tabs\tand\nnewlines  ", []string{"tabs", "and", "newlines"}},
		{":-) ...", " ", []string{}},
		{"", "", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			require.Equal(t, tc.clean, Clean(tc.in))
			got := Tokens(tc.in)
			require.Len(t, got, len(tc.toks))
			if len(tc.toks) > 0 {
				require.Equal(t, tc.toks, got)
			}
		})
	}
}

func TestDropEmpty(t *testing.T) {
	in := []Example{{"ok", false, 1}, {":)", false, 2}, {"WIN!", true, 3}, {"?!", true, 4}, {"...", false, 5}}
	kept, dropped := DropEmpty(in)
	require.Equal(t, []Example{{"ok", false, 1}, {"WIN!", true, 3}}, kept)
	require.Equal(t, 3, dropped)
}

func TestTokenLists(t *testing.T) {
	ex := []Example{{Text: "a b"}, {Text: "C"}, {Text: "d, e!"}}
	all, err := TokenLists(ex, nil)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"a", "b"}, {"c"}, {"d", "e"}}, all)

	some, err := TokenLists(ex, []int{2, 0})
	require.NoError(t, err)
	require.Equal(t, [][]string{{"d", "e"}, {"a", "b"}}, some)

	_, err = TokenLists(ex, []int{0, 3})
	require.ErrorContains(t, err, "index 3 (position 1) out of range for 3 examples")
}
