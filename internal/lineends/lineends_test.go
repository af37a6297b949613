package lineends

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads in through a Reader with quoting q, whole, and again a
// byte at a time on both sides (lookahead past the end of a read), and
// checks that both give the same.
func readAll(t *testing.T, in string, q Quoting, maxRecord int) (string, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), maxRecord)
	r.SetQuoting(q)
	out, err := io.ReadAll(r)
	r1 := NewReader(iotest.OneByteReader(strings.NewReader(in)), maxRecord)
	r1.SetQuoting(q)
	out1, err1 := io.ReadAll(iotest.OneByteReader(r1))
	if string(out1) != string(out) || (err == nil) != (err1 == nil) || (err != nil && err.Error() != err1.Error()) {
		t.Fatalf("%q: read whole: %q, %v; a byte at a time: %q, %v", in, out, err, out1, err1)
	}
	return string(out), err
}

func TestLineEnds(t *testing.T) {
	csvq := Quoting{Comma: ','}
	tests := []struct {
		name, in string
		q        Quoting
		want     string
	}{
		{"CR only", "a,b\rc,d\r", csvq, "a,b\nc,d\n"},
		{"CR only, no quoting", "a\tb\r\"c\td\r", Quoting{}, "a\tb\n\"c\td\n"},
		{"CRLF stays", "a,b\r\nc,d\r\n", csvq, "a,b\r\nc,d\r\n"},
		{"LF stays", "a,b\nc,d", csvq, "a,b\nc,d"},
		{"mixed", "a\rb\r\nc\nd\r\re", csvq, "a\nb\r\nc\nd\n\ne"},
		{"CR in a quoted field is data", "x,\"a\rb\"\r1,2\r", csvq, "x,\"a\rb\"\n1,2\n"},
		{"CR after a doubled quote", "x,\"a\"\"\rb\"\r", csvq, "x,\"a\"\"\rb\"\n"},
		{"CR after the closing quote ends the line", "\"ab\"\rc", csvq, "\"ab\"\nc"},
		{"quote inside an unquoted field is text", "a\"b,c\rd", csvq, "a\"b,c\nd"},
		{"leading space before a quote", "a, \"b\rc\"\rd", Quoting{Comma: ',', TrimLeadingSpace: true}, "a, \"b\rc\"\nd"},
		{"leading no-break space before a quote", "a,\u00a0\"b\rc\"\rd", Quoting{Comma: ',', TrimLeadingSpace: true}, "a,\u00a0\"b\rc\"\nd"},
		{"leading space, not trimmed", "a, \"b\rc\"\rd", csvq, "a, \"b\nc\"\nd"},
		{"tab separator", "a\t\"b\rc\"\rd", Quoting{Comma: '\t'}, "a\t\"b\rc\"\nd"},
		{"multi-byte separator", "a§\"b\rc\"§d\re", Quoting{Comma: '§'}, "a§\"b\rc\"§d\ne"},
		{"comment line", "#\"x\ry,\"z\rw\"\r", Quoting{Comma: ',', Comment: '#'}, "#\"x\ny,\"z\rw\"\n"},
		{"quote at a field start only", "a \"b\rc\"", csvq, "a \"b\nc\""},
		{"trailing CR", "a\r", csvq, "a\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, tc.q, 0)
			if err != nil || got != tc.want {
				t.Fatalf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLineEndsErrors(t *testing.T) {
	strict := Quoting{Comma: ',', Strict: true}
	tests := []struct {
		name, in string
		q        Quoting
		max      int
		kind     error
		want     string
	}{
		{"NUL", "a,b\r1,\x002\n", Quoting{Comma: ','}, 0, ErrNUL, "line 2, column 3: a NUL byte"},
		{"NUL, no quoting", "ab\n\ncé\x00", Quoting{}, 0, ErrNUL, "line 3, column 3: a NUL byte"},
		{"text after a closing quote", "x,y\r1,\"a\"b\"\r", strict, 0, ErrQuote,
			`line 2, column 5: a quote inside the quoted field that opens at column 3; a quoted field ends at its closing quote, and a quote inside it is written twice ("a ""b"" c")`},
		{"text after a closing quote, lines later", "x,y\n1,\"a\nb\"c\n", strict, 0, ErrQuote, "line 3, column 2: a quote inside the quoted field that opens at line 2, column 3"},
		{"unclosed quote", "x,y\r1,\"a\r2,b\r3,c\r", strict, 0, ErrUnclosedQuote,
			`line 2, column 3: the quoted field that opens here is never closed (the file ends inside it, on line 2); close it with a quote, and write a quote inside it twice ("a ""b"" c")`},
		{"unclosed quote, LF", "x,y\n1,\"a\n2,b\n3,c\n", strict, 0, ErrUnclosedQuote, "line 2, column 3: the quoted field that opens here is never closed (the file ends inside it, on line 4)"},
		{"long line", "a,b\r" + strings.Repeat("x", 20), Quoting{Comma: ','}, 16, ErrLongRecord, "line 2: the line is longer than 16 bytes; not a text table?"},
		{"long quoted field", "a,b\r1,\"" + strings.Repeat("x\n", 10), Quoting{Comma: ','}, 16, ErrLongRecord,
			"line 2, column 3: the quoted field that opens here runs on for more than 16 bytes, to line 8: is its closing quote missing?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, tc.in, tc.q, tc.max)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%q: got %v; want %q", tc.in, err, tc.want)
			}
		})
	}
	// Lazy: the same quotes read as encoding/csv's LazyQuotes reads them.
	for _, in := range []string{"1,\"a\"b\"\r", "1,\"a\r"} {
		if _, err := readAll(t, in, Quoting{Comma: ','}, 0); err != nil {
			t.Errorf("%q without Strict: %v", in, err)
		}
	}
	// A record as long as the limit is not too long, nor are many lines.
	if _, err := readAll(t, "0123456789abcde\n"+strings.Repeat("0123456789abcde\r", 5), Quoting{Comma: ','}, 16); err != nil {
		t.Error(err)
	}
}

// records reads in as encoding/csv does with LazyQuotes, through a
// Reader when lines is set.
func records(in string, q Quoting, lines bool) ([][]string, error) {
	var src io.Reader = strings.NewReader(in)
	if lines {
		lr := NewReader(src, 0)
		lr.SetQuoting(q)
		src = lr
	}
	cr := csv.NewReader(src)
	cr.Comma, cr.Comment, cr.TrimLeadingSpace, cr.LazyQuotes = q.Comma, q.Comment, q.TrimLeadingSpace, !q.Strict
	cr.FieldsPerRecord = -1
	return cr.ReadAll()
}

// FuzzLineEnds checks the Reader's quoting against encoding/csv's: text
// with LF line ends passes unchanged and reads as the same records, and
// written with CR line ends instead, it reads as the same records but
// for the line ends inside quoted fields (data, kept as CRs). In Strict
// mode it refuses what encoding/csv refuses, no more.
func FuzzLineEnds(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "x,\"a\nb\"\n1,2", "\"a\"\"b\",c\n", "a\"b,c\n", " \"a\nb\", c\n", "\"ab\"c\nd", "#\"x\ny\n", "\"a\n"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, in string, opts uint8) {
		if strings.ContainsAny(in, "\r\x00") {
			return
		}
		q := Quoting{Comma: ',', TrimLeadingSpace: opts&1 != 0, Strict: opts&2 != 0}
		if opts&4 != 0 {
			q.Comment = '#'
		}
		if opts&8 != 0 {
			q.Comma = '§'
		}
		want, werr := records(in, q, false)
		got, err := records(in, q, true)
		if werr == nil && (err != nil || !slices.EqualFunc(got, want, slices.Equal)) {
			t.Fatalf("%q %+v: %q, %v; encoding/csv: %q", in, q, got, err, want)
		}
		if werr != nil && q.Strict && err == nil {
			t.Fatalf("%q %+v: read as %q; encoding/csv: %v", in, q, got, werr)
		}
		if werr != nil {
			return
		}
		// The same text with CR line ends.
		got, err = records(strings.ReplaceAll(in, "\n", "\r"), q, true)
		for _, rec := range want {
			for i := range rec {
				rec[i] = strings.ReplaceAll(rec[i], "\n", "\r")
			}
		}
		if n := len(want); err == nil && n > 0 && !q.Strict && !slices.EqualFunc(got, want, slices.Equal) {
			// encoding/csv drops a CR at the very end of the input, even
			// from a quoted field that the end leaves open (LazyQuotes).
			last := want[n-1]
			last[len(last)-1] = strings.TrimSuffix(last[len(last)-1], "\r")
		}
		if err != nil || !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("%q with CRs %+v: %q, %v; want %q", in, q, got, err, want)
		}
	})
}
