package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCommittedCorpusIsCurrent fails when the generator and the committed
// data/demo/sms_demo.tsv disagree: rerun go generate ./data.
func TestCommittedCorpusIsCurrent(t *testing.T) {
	var got bytes.Buffer
	require.NoError(t, generate(&got))
	want, err := os.ReadFile(filepath.Join("..", "..", "demo", "sms_demo.tsv"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got.Bytes()),
		"data/demo/sms_demo.tsv is stale or edited by hand; run: go generate ./data")
}

func TestGenerateDeterministicAndWellFormed(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, generate(&a))
	require.NoError(t, generate(&b))
	require.Equal(t, a.String(), b.String())

	lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
	require.Len(t, lines, total)
	spam := 0
	for i, l := range lines {
		label, text, ok := strings.Cut(l, "\t")
		require.True(t, ok, "line %d has no tab", i+1)
		require.NotContains(t, text, "\t", "line %d", i+1)
		require.NotEmpty(t, strings.TrimSpace(text), "line %d", i+1)
		require.NotContains(t, text, "{", "line %d has an unexpanded slot", i+1)
		switch label {
		case "spam":
			spam++
		case "ham":
		default:
			t.Fatalf("line %d: label %q", i+1, label)
		}
	}
	require.Equal(t, spamCount, spam)
}

func TestRunWritesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.tsv")
	require.NoError(t, run(path))
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Positive(t, st.Size())
	require.Error(t, run(filepath.Join(t.TempDir(), "missing", "dir", "out.tsv")))
}

func TestTypoAndIntn(t *testing.T) {
	g := newGen(1)
	for range 1000 {
		w := g.typo("hello")
		require.InDelta(t, 5, len(w), 1)
		require.Equal(t, byte('h'), w[0], "the first letter is never touched")
		n := g.intn(7)
		require.True(t, n >= 0 && n < 7)
	}
}
