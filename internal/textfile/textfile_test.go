package textfile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/lineends"
	"github.com/emberml/ember/internal/textfile"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		want       string // the error; "" for text
		kind       error
	}{
		{"UTF-8", "a,b\ncafé,1\n", "", nil},
		{"latin-1", "a,b\ncaf\xe9,\xa31\n", "", nil},
		{"empty", "", "", nil},
		{"UTF-8 byte-order mark", "\ufeffa,b\n", "", nil},
		{"UTF-16LE with a mark", "\xff\xfea\x00,\x00b\x00", "f.csv is UTF-16 text; save it as UTF-8 (iconv -f utf-16 -t utf-8)", textfile.ErrUTF16},
		{"UTF-16BE with a mark", "\xfe\xff\x00a\x00,\x00b", "f.csv is UTF-16 text; save it as UTF-8 (iconv -f utf-16 -t utf-8)", textfile.ErrUTF16},
		{"UTF-16LE without a mark", "a\x00,\x00b\x00\n\x001\x00", "f.csv is UTF-16 text; save it as UTF-8 (iconv -f utf-16le -t utf-8)", textfile.ErrUTF16},
		{"UTF-16BE without a mark", "\x00a\x00,\x00b\x00\n\x001", "f.csv is UTF-16 text; save it as UTF-8 (iconv -f utf-16be -t utf-8)", textfile.ErrUTF16},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00", "f.csv is gzip-compressed; decompress it first (gunzip)", textfile.ErrGzip},
		// Too short to tell UTF-16 by its NULs: a NUL all the same.
		{"short", "a\x00b\x00", "f.csv: not a CSV file (binary content: a NUL byte on line 1, column 2, byte offset 1)", textfile.ErrNUL},
		// NULs at every position: binary, not UTF-16.
		{"zeros", strings.Repeat("\x00", 64), "f.csv: not a CSV file (binary content: a NUL byte on line 1, column 1, byte offset 0)", textfile.ErrNUL},
		{"NUL after CRLF, CR and LF", "a\r\nb\rc\nd\x00", "line 4, column 2, byte offset 8", textfile.ErrNUL},
		{"NUL after a CR", "a\r\x00", "line 2, column 1, byte offset 2", textfile.ErrNUL},
		{"NUL after UTF-8", "\ufeffé€,\x00", "line 1, column 4, byte offset 9", textfile.ErrNUL},
		{"NUL after latin-1", "\xe9\xa3,\x00", "line 1, column 4, byte offset 3", textfile.ErrNUL},
		{"NUL in the last byte looked at", strings.Repeat("a", textfile.HeadBytes-1) + "\x00", "byte offset 8191)", textfile.ErrNUL},
		// Past HeadBytes, a NUL is the reader's to find (lineends).
		{"NUL past the head", strings.Repeat("a", textfile.HeadBytes) + "\x00", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := textfile.Check("f.csv", []byte(tc.head), "CSV")
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorIs(t, err, tc.kind)
			require.ErrorIs(t, err, textfile.ErrNotText)
			for _, other := range []error{textfile.ErrUTF16, textfile.ErrGzip, textfile.ErrNUL} {
				if other != tc.kind {
					require.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

// TestErrNULIsShared: a NUL that lineends finds (past Check's head) is of
// the same kind as one Check finds, and not text.
func TestErrNULIsShared(t *testing.T) {
	_, err := lineends.String("a\nb\x00", lineends.Quoting{})
	require.ErrorIs(t, err, textfile.ErrNUL)
	require.ErrorIs(t, err, textfile.ErrNotText)
	require.False(t, errors.Is(textfile.ErrNotText, textfile.ErrNUL), "the kinds wrap ErrNotText, not the other way")
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		latin1   bool
	}{
		{"", "", false},
		{"café\n", "café\n", false},
		{"\ufeffa,b\n", "a,b\n", false},
		{"caf\xe9 \xa3\n", "café £\n", true},
		{"\ufeffcaf\xe9", "café", true},
	} {
		got, latin1 := textfile.Decode([]byte(tc.in))
		require.Equal(t, tc.want, got, "%q", tc.in)
		require.Equal(t, tc.latin1, latin1, "%q", tc.in)
	}
}

// FuzzCheckNULPosition: where Check finds a NUL byte, its line and column
// are those lineends gives the same NUL in the decoded text, so that the
// two errors about NULs (in a file's head, and past it) count alike.
//
//	go test ./internal/textfile -run '^$' -fuzz FuzzCheckNULPosition -fuzztime 60s
func FuzzCheckNULPosition(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,\x00", "a\r\nb\rc\nd\x00", "a\r\x00", "\r\r\n\r\x00", "\ufeffé€,\x00",
		"\xe9\xa3\r\n\x00", "\xc3\x00", "\x80\x80\x00", "\ufeff\x00", "\xef\xbb\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		var te *textfile.Error
		if !errors.As(textfile.Check("f", head, "CSV"), &te) || te.Err != textfile.ErrNUL {
			return
		}
		if head[te.Offset] != 0 {
			t.Fatalf("offset %d is not a NUL in %q", te.Offset, head)
		}
		text, _ := textfile.Decode(head[:te.Offset+1])
		_, err := lineends.String(text, lineends.Quoting{})
		var le *lineends.Error
		if !errors.As(err, &le) || le.Err != lineends.ErrNUL {
			t.Fatalf("lineends: %v for %q", err, head)
		}
		if le.Line != te.Line || le.Column != te.Column {
			t.Fatalf("%q: Check says line %d, column %d; lineends line %d, column %d", head, te.Line, te.Column, le.Line, le.Column)
		}
	})
}
