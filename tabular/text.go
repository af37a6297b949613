package tabular

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/emberml/ember/internal/lineends"
	"github.com/emberml/ember/internal/textfile"
)

// This file holds what every reader of text tables does the same way, this
// package's streaming one and ember's whole-file one: refusing files that
// are not text, decoding, finding the first line, naming the columns, and
// wording errors about records.

// MaxRecordBytes bounds a record (a line, with the lines of any quoted
// field in it) of a text table, so that a file without line ends, or with
// a quote never closed, is an error naming its line rather than a read of
// the whole file into one record.
const MaxRecordBytes = 64 << 20

// maxRecordBytes is MaxRecordBytes, lowered by tests.
var maxRecordBytes = MaxRecordBytes

// ErrNotText is wrapped, with ErrFormat, by the error for a file that is
// not text in a byte-oriented encoding: UTF-16, gzip-compressed, or with a
// NUL byte (CheckText's, or a NUL found later where it is read). It is the
// same error as data.ErrNotText: one file gets one error, whichever
// package reads it.
var ErrNotText = textfile.ErrNotText

// CheckText refuses a file whose head (its first bytes, a UTF-8 byte-order
// mark included, 8 KiB or more when the file has them) shows it is not
// text in a byte-oriented encoding: UTF-16 (a spreadsheet's "Unicode text"
// export, with or without a byte-order mark), gzip, or anything with a NUL
// byte, named with its line and column; read as latin-1 it would give a
// parse error about quotes or one garbled column. kind names what the
// reader wants ("CSV/TSV or Parquet"). The error names path and wraps
// ErrFormat and ErrNotText. A NUL byte past the head is caught where it
// is read, with its line.
//
// The checks and their wording are package data's too (one
// implementation, internal/textfile).
func CheckText(path string, head []byte, kind string) error {
	if err := textfile.Check(path, head, kind); err != nil {
		return &formatError{msg: err.Error(), err: err}
	}
	return nil
}

// bom is the UTF-8 byte-order mark that spreadsheet exports often start
// with; it is not text.
const bom = textfile.BOM

// TrimBOM drops a UTF-8 byte-order mark from the start of b.
func TrimBOM(b []byte) []byte { return textfile.TrimBOM(b) }

// Latin1 reads b as latin-1, every byte one character, as text that is not
// UTF-8 is read (Kaggle's SMS file is latin-1): reading cannot fail, and
// line numbers hold.
func Latin1[T string | []byte](b T) string { return textfile.Latin1(b) }

// FirstLine is text up to its first line end: LF, CRLF or a lone CR (an
// old Mac file), for NewRecords to tell the separator from.
func FirstLine(text string) string {
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		return text[:i]
	}
	return text
}

// CheckNames refuses a header of which a name appears twice, naming the
// file, its line and the columns; unnamed ("") columns are not compared.
func (l Layout) CheckNames(path string, line int, names []string) error {
	seen := make(map[string]int, len(names))
	for i, h := range names {
		if h == "" {
			continue
		}
		if j, dup := seen[h]; dup {
			return &formatError{msg: fmt.Sprintf("%s: line %d: column name %q appears twice (columns %d and %d)%s", path, line, h, j+1, i+1, l.HeaderHint(names))}
		}
		seen[h] = i
	}
	return nil
}

// RecordError is the error for err from reading a record (Records.Read)
// of the file path laid out as l, whose header has columns columns: it
// names the file and the line, says what is wrong and how to fix it, and
// adds FieldsNote for a row of another number of fields. It wraps
// ErrFormat and err.
func (l Layout) RecordError(path string, err error, columns int) error {
	var msg string
	var le *lineends.Error
	var pe *csv.ParseError
	switch {
	case errors.As(err, &le):
		msg = fmt.Sprintf("%s: %v", path, le)
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
		msg = fmt.Sprintf("%s: %v%s", path, err, l.FieldsNote(columns))
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrBareQuote):
		// Only where a caller turned CSVRecords' LazyQuotes off.
		msg = fmt.Sprintf(`%s: line %d, column %d: a quote inside a field that does not start with one; `+
			`quote the whole field and write the quote twice ("a ""b"" c")`, path, pe.Line, pe.Column)
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote):
		msg = fmt.Sprintf(`%s: line %d, column %d: a quoted field (on line %d) has a quote that does not close it, or is never closed; `+
			`a quote inside a quoted field is written twice ("a ""b"" c")`, path, pe.Line, pe.Column, pe.StartLine)
	default:
		msg = fmt.Sprintf("%s: %v", path, err)
	}
	return &formatError{msg: msg, err: err}
}

// validText returns a copy of s as valid UTF-8: s itself when it is, else
// s read as latin-1 (every byte one character), as ember's other readers
// read a file that is not UTF-8. Text must be valid wherever it goes next
// (feature names, JSON, a saved model's categories, which would otherwise
// come back as U+FFFD and match nothing).
func validText(s string) string {
	if utf8.ValidString(s) {
		return strings.Clone(s)
	}
	return Latin1(s)
}
