// Package textfile decides whether a file's bytes are text that ember's
// readers can read, and decodes them, the same way for every reader: the
// SMS loader (package data), the table readers (package tabular) and the
// commands' whole-file readers. A file that is not text gets the same
// error, naming the file, whichever of them reads it.
//
// Text is read in a byte-oriented encoding: UTF-8, or latin-1 when the
// bytes are not valid UTF-8 (Kaggle's SMS file and many spreadsheet
// exports are latin-1), every byte one character, so reading cannot fail
// and line numbers hold (Decode). What cannot be read that way is refused
// from the file's first bytes (Check), before any long work:
//
//   - UTF-16 text (a spreadsheet's "Unicode text" export), with or without
//     a byte-order mark: read byte by byte it would be one garbled line
//     with a NUL between the letters;
//   - a gzip-compressed file;
//   - anything else with a NUL byte, which text never has: binary data.
//
// A NUL byte past the first bytes is found where the file is read, with
// its line and column, by package lineends, whose error wraps ErrNUL too.
// Every such error wraps ErrNotText, for errors.Is.
package textfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrNotText is wrapped by every error about an input that is not text in
// a byte-oriented encoding: each of the kinds below wraps it.
var ErrNotText = errors.New("not text")

// notText is a kind of input that is not text; it wraps ErrNotText, so
// that errors.Is finds both the kind and ErrNotText.
type notText struct{ what string }

func (k *notText) Error() string { return k.what }
func (k *notText) Unwrap() error { return ErrNotText }

// The kinds of input that are not text, for errors.Is.
var (
	// ErrUTF16: text in UTF-16.
	ErrUTF16 error = &notText{what: "UTF-16 text"}
	// ErrGzip: a gzip-compressed file.
	ErrGzip error = &notText{what: "gzip-compressed"}
	// ErrNUL: a NUL byte, which text does not have: binary data (or
	// UTF-16 text that Check did not see).
	ErrNUL error = &notText{what: "NUL byte"}
)

// HeadBytes is how much of a file's start Check looks at for a NUL byte:
// give it at least this much when the file has it. A NUL past it is found
// where it is read (package lineends).
const HeadBytes = 8 << 10

// utf16Bytes is how much of the head the UTF-16 guess for a file without
// a byte-order mark looks at.
const utf16Bytes = 1 << 10

// Error is Check's error: the file Path is not text, of the kind Err
// (ErrUTF16, ErrGzip or ErrNUL).
type Error struct {
	Path string
	// Want is what the reader wants, as in "not a Want file":
	// "CSV/TSV or Parquet", "TSV or CSV".
	Want string
	// Err is the kind: ErrUTF16, ErrGzip or ErrNUL.
	Err error
	// Encoding is, for ErrUTF16, the encoding as iconv names it: "utf-16"
	// (with a byte-order mark, which says the byte order), "utf-16le" or
	// "utf-16be".
	Encoding string
	// Line and Column are, for ErrNUL, where the first NUL byte is, 1-based,
	// as package lineends counts them in the decoded text: lines end in
	// LF, CRLF or a lone CR, and columns are characters. Offset is its byte offset in the file, 0-based, as
	// hexdump and xxd show offsets.
	Line, Column, Offset int
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	switch e.Err {
	case ErrUTF16:
		return fmt.Sprintf("%s is UTF-16 text; save it as UTF-8 (iconv -f %s -t utf-8)", e.Path, e.Encoding)
	case ErrGzip:
		return fmt.Sprintf("%s is gzip-compressed; decompress it first (gunzip)", e.Path)
	case ErrNUL:
		return fmt.Sprintf("%s: not a %s file (binary content: a NUL byte on line %d, column %d, byte offset %d)",
			e.Path, e.Want, e.Line, e.Column, e.Offset)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

// Check refuses the file path whose head (its first bytes, HeadBytes or
// more when the file has them, a UTF-8 byte-order mark included) shows it
// is not text: UTF-16, gzip-compressed, or with a NUL byte in its first
// HeadBytes. want says what the reader wants ("CSV/TSV or Parquet"). The
// error is an *Error.
func Check(path string, head []byte, want string) error {
	e := &Error{Path: path, Want: want}
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		e.Err, e.Encoding = ErrUTF16, "utf-16"
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		e.Err = ErrGzip
	default:
		if enc := utf16Order(head); enc != "" {
			e.Err, e.Encoding = ErrUTF16, enc
			break
		}
		i := bytes.IndexByte(head[:min(len(head), HeadBytes)], 0)
		if i < 0 {
			return nil
		}
		e.Err, e.Offset = ErrNUL, i
		// Lines and columns are the text's: the byte-order mark is none.
		e.Line, e.Column = position(TrimBOM(head[:i]))
	}
	return e
}

// utf16Order guesses whether head, which has no byte-order mark, is UTF-16
// text: its first bytes have a NUL at nearly every even or every odd
// position, and hardly any at the others, as text of ASCII letters in
// UTF-16 does. It returns the byte order ("utf-16le": the NULs are at odd
// positions), or "" for text of another kind.
func utf16Order(head []byte) string {
	head = head[:min(len(head), utf16Bytes)]
	if len(head) < 8 {
		return ""
	}
	var nuls [2]int
	for i, c := range head {
		if c == 0 {
			nuls[i%2]++
		}
	}
	half := len(head) / 2
	for p, order := range []string{"utf-16be", "utf-16le"} {
		if nuls[p]*10 >= half*9 && nuls[1-p]*10 < half {
			return order
		}
	}
	return ""
}

// position is the line and column, 1-based, of the byte after text (one
// that is not LF), as package lineends counts them in the text Decode
// gives: lines end in LF, CRLF or a lone CR, and a column is a character:
// a UTF-8 sequence, or in text that is not UTF-8 a byte (latin-1).
func position(text []byte) (line, column int) {
	latin1 := !utf8.Valid(text)
	line, column = 1, 1
	for i, c := range text {
		switch {
		case c == '\n', c == '\r' && (i+1 == len(text) || text[i+1] != '\n'):
			line, column = line+1, 1
		case latin1 || utf8.RuneStart(c):
			column++
		}
	}
	return line, column
}

// BOM is the UTF-8 byte-order mark that spreadsheet exports often start
// with; it is not text.
const BOM = "\ufeff"

// TrimBOM drops a UTF-8 byte-order mark from the start of b.
func TrimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte(BOM)) }

// Decode is raw as text: without a UTF-8 byte-order mark, and read as
// latin-1 (Latin1) when it is not valid UTF-8, which latin1 reports.
func Decode(raw []byte) (text string, latin1 bool) {
	raw = TrimBOM(raw)
	if utf8.Valid(raw) {
		return string(raw), false
	}
	return Latin1(raw), true
}

// Latin1 reads b as latin-1, every byte one character (the code point of
// the same value), as text that is not UTF-8 is read: reading cannot fail,
// and line numbers hold.
func Latin1[T string | []byte](b T) string {
	var s strings.Builder
	s.Grow(len(b) + len(b)/8)
	for i := range len(b) {
		s.WriteRune(rune(b[i]))
	}
	return s.String()
}
