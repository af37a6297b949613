package tabular

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckTextOffset: the byte offset of a NUL that CheckText gives is
// the file's, a byte-order mark included (the readers drop the mark
// before reading), and what a hex dump shows.
func TestCheckTextOffset(t *testing.T) {
	content := "\ufeffa,b\n1,\x00\n"
	err := CheckText("f.csv", []byte(content), "CSV")
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorIs(t, err, ErrNotText)
	require.EqualError(t, err, "f.csv: not a CSV file (binary content: a NUL byte on line 2, column 3, byte offset 9)")
	require.Equal(t, byte(0), content[9])
	require.False(t, errors.Is(CheckText("f.csv", []byte("a,b\n1,2\n"), "CSV"), ErrNotText))
}
