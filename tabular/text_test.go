package tabular

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/data"
)

// TestNotTextSameAsData: a file that is not text gets the same error from
// this package (ember's table commands) as from package data (spamrnn's
// SMS loading), but for what each reader wants: the same kind for
// errors.Is, the same place of a NUL byte, the same advice.
func TestNotTextSameAsData(t *testing.T) {
	rows := "label\ttext\n" + strings.Repeat("ham\thi there\r", 1000)
	for _, tc := range []struct{ name, content string }{
		{"UTF-16 with a mark", "\xff\xfel\x00a\x00b\x00e\x00l\x00\t\x00t\x00\n\x00"},
		{"UTF-16 without a mark", "l\x00a\x00b\x00e\x00l\x00\t\x00t\x00\n\x00"},
		{"gzip", "\x1f\x8b\x08\x08J4\x0fk\x00\x03sms.tsv\x00"},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02X"},
		{"NUL in the head", "\ufefflabel\ttext\rham\tcafé \x00\r"},
		{"NUL past the head", rows + "ham\t\x00\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "sms.tsv", tc.content)
			_, _, dataErr := data.LoadFile(p, data.Options{})
			r, tabErr := Open(p, nil, 0)
			if tabErr == nil {
				_, tabErr = r.Next()
				r.Close()
			}
			require.ErrorIs(t, dataErr, data.ErrNotText)
			require.ErrorIs(t, tabErr, ErrNotText)
			require.ErrorIs(t, tabErr, ErrFormat)
			require.ErrorContains(t, dataErr, p)
			want := strings.Replace(dataErr.Error(), "not a TSV or CSV file", "not a CSV/TSV or Parquet file", 1)
			require.Equal(t, want, tabErr.Error())
		})
	}
}

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
