// Package lineends reads delimited text whose lines end in LF, CRLF or a
// lone CR (classic Mac OS, and some spreadsheet exports still write it), as
// pandas' read_csv reads them, for readers that end lines at LF only
// (encoding/csv, bufio.Reader.ReadString('\n')): read through a Reader,
// a CR-only file is many lines, not one.
//
// A Reader turns each lone CR that ends a line into an LF, byte for byte,
// so offsets hold and the readers after it count the lines as a text
// editor does. A CRLF is left alone (both readers read it as one line end),
// and with Quoting a CR inside a quoted field is data, as in pandas: the
// Reader follows encoding/csv's quoting rules to know where those are.
//
// On the way it refuses what a text table never holds, with an *Error
// naming the line and column: a NUL byte (a binary file, or UTF-16 text),
// and, where asked, a record longer than a limit (a file with no line ends
// at all, or a quote never closed, would otherwise be read whole into one
// record) and a quoted field that is never closed or has text after its
// closing quote.
package lineends

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emberml/ember/internal/textfile"
)

// Errors that an *Error wraps, for errors.Is.
var (
	// ErrNUL: a NUL byte, which text files do not have. It is
	// textfile.ErrNUL, the kind of a NUL that textfile.Check finds in a
	// file's first bytes, and wraps textfile.ErrNotText.
	ErrNUL = textfile.ErrNUL
	// ErrQuote: text after the closing quote of a quoted field.
	ErrQuote = errors.New("text after a closing quote")
	// ErrUnclosedQuote: a quoted field that the end of the input leaves open.
	ErrUnclosedQuote = errors.New("quoted field never closed")
	// ErrLongRecord: a record longer than the Reader's limit.
	ErrLongRecord = errors.New("record too long")
)

// Error is a Reader's error: what is wrong (Err) and where. Line and Column
// are 1-based and count lines as the Reader ends them and characters
// (UTF-8 sequences; a byte that is not one counts as one). For a quoted
// field, Quote is where its opening quote is.
type Error struct {
	Line, Column int
	Quote        struct{ Line, Column int }
	Limit        int // ErrLongRecord's limit, in bytes
	Err          error
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	// The opening quote's place, as said after the error's own place.
	opens := fmt.Sprintf("column %d", e.Quote.Column)
	if e.Quote.Line != e.Line {
		opens = fmt.Sprintf("line %d, column %d", e.Quote.Line, e.Quote.Column)
	}
	switch e.Err {
	case ErrNUL:
		return fmt.Sprintf("line %d, column %d: a NUL byte, which text files do not have: a binary file, or text in UTF-16?", e.Line, e.Column)
	case ErrQuote:
		return fmt.Sprintf(`line %d, column %d: a quote inside the quoted field that opens at %s; `+
			`a quoted field ends at its closing quote, and a quote inside it is written twice ("a ""b"" c")`, e.Line, e.Column, opens)
	case ErrUnclosedQuote:
		return fmt.Sprintf(`line %d, column %d: the quoted field that opens here is never closed (the file ends inside it, on line %d); `+
			`close it with a quote, and write a quote inside it twice ("a ""b"" c")`, e.Quote.Line, e.Quote.Column, e.Line)
	case ErrLongRecord:
		if e.Quote.Line > 0 {
			return fmt.Sprintf(`line %d, column %d: the quoted field that opens here runs on for more than %s, to line %d: is its closing quote missing? `+
				`(a quote inside a quoted field is written twice: "a ""b"" c")`, e.Quote.Line, e.Quote.Column, mib(e.Limit), e.Line)
		}
		return fmt.Sprintf("line %d: the line is longer than %s; not a text table?", e.Line, mib(e.Limit))
	}
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

// mib spells a byte count in MiB, or bytes when smaller.
func mib(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Quoting is how fields are quoted, as encoding/csv's Reader quotes them
// (with LazyQuotes: a quote inside an unquoted field is text). The zero
// value has no quoting: quotes are text and every lone CR ends a line.
type Quoting struct {
	// Comma is the field separator; 0 means no quoting.
	Comma rune
	// Comment, TrimLeadingSpace: as encoding/csv's Reader has them.
	Comment          rune
	TrimLeadingSpace bool
	// Strict refuses what encoding/csv without LazyQuotes refuses in a
	// quoted field (text after its closing quote, and a field the input
	// never closes) with an *Error saying where and how to fix it, so
	// that a caller can turn on LazyQuotes for quotes inside unquoted
	// fields (pandas reads a"b as the text a"b) alone.
	Strict bool
}

// state is where a Reader is in the text.
type state uint8

const (
	recordStart   state = iota // a line's start, outside any quoted field
	fieldStart                 // after a separator
	unquoted                   // in a field that does not start with a quote
	quoted                     // in a quoted field
	quoteInQuoted              // after a quote in a quoted field: closing, or the first of two
	comment                    // in a comment line
)

// Reader is an io.Reader over text that ends lines in LF, CRLF or a lone
// CR, whose output ends them in LF or CRLF; see the package doc.
type Reader struct {
	br        *bufio.Reader
	q         Quoting
	comma     []byte // q.Comma in UTF-8
	comment   []byte
	maxRecord int

	// plain[st][c] is whether byte c in state st is text that changes no
	// state and ends no line: most bytes, read on a fast path.
	plain [comment + 1][256]bool

	st        state
	skip      int // bytes of a separator or space already handled
	line, col int // of the next byte
	record    int // bytes since the record's start
	quote     struct{ Line, Column int }
	err       error
}

// NewReader reads r. maxRecord > 0 limits a record (a line, with the
// lines of the quoted fields it holds) to that many bytes; ErrLongRecord
// past it.
func NewReader(r io.Reader, maxRecord int) *Reader {
	lr := &Reader{br: bufio.NewReaderSize(r, 64<<10), maxRecord: maxRecord, line: 1, col: 1}
	lr.SetQuoting(Quoting{})
	return lr
}

// SetQuoting sets how fields are quoted, before the first Read: encoding/csv's
// options are set after its Reader is made, around this one.
func (r *Reader) SetQuoting(q Quoting) {
	r.q = q
	r.comma, r.comment = encodeRune(q.Comma), encodeRune(q.Comment)
	r.plain = [comment + 1][256]bool{}
	for c := range 256 {
		// At a record's or a field's start, plain bytes start an unquoted field.
		r.plain[fieldStart][c] = c != 0 && c != '\n' && c != '\r' && c != '"' && r.comma != nil && c != int(r.comma[0]) &&
			!(q.TrimLeadingSpace && (unicode.IsSpace(rune(c)) || c >= utf8.RuneSelf))
		r.plain[recordStart][c] = r.plain[fieldStart][c] && (r.comment == nil || c != int(r.comment[0]))
		r.plain[unquoted][c] = c != 0 && c != '\n' && c != '\r' && (r.comma == nil || c != int(r.comma[0]))
		r.plain[quoted][c] = c != 0 && c != '\n' && c != '"'
		r.plain[comment][c] = c != 0 && c != '\n' && c != '\r'
	}
}

func encodeRune(c rune) []byte {
	if c == 0 {
		return nil
	}
	return utf8.AppendRune(nil, c)
}

// String is text read through a Reader with quoting q and no record limit:
// text itself when it has no CR or NUL byte.
func String(text string, q Quoting) (string, error) {
	if !strings.ContainsAny(text, "\r\x00") {
		return text, nil
	}
	r := NewReader(strings.NewReader(text), 0)
	r.SetQuoting(q)
	var b strings.Builder
	b.Grow(len(text))
	_, err := io.Copy(&b, r)
	return b.String(), err
}

// Read reads up to len(p) bytes, with lone CRs that end lines turned into
// LFs; see the package doc for its errors.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.br.Read(p)
	p = p[:n]
	for i := 0; i < n; i++ {
		// The fast paths: a field that starts unquoted, a one-byte
		// separator outside quotes, and runs of plain bytes.
		st := r.st
		if st <= fieldStart && r.skip == 0 && r.plain[st][p[i]] {
			st, r.st = unquoted, unquoted
		}
		if st <= unquoted && r.skip == 0 && len(r.comma) == 1 && p[i] == r.comma[0] {
			if r.record++; r.maxRecord > 0 && r.record > r.maxRecord {
				r.record--
				return r.fail(p, i, r.longRecord())
			}
			r.st = fieldStart
			r.col++
			continue
		}
		if r.skip == 0 && r.plain[st][p[i]] {
			plain, j, col := &r.plain[st], i, r.col
			for ; j < n && plain[p[j]]; j++ {
				if utf8.RuneStart(p[j]) {
					col++
				}
			}
			if r.maxRecord > 0 && r.record+(j-i) > r.maxRecord {
				for ; r.record < r.maxRecord; i++ {
					r.count(p[i])
					r.record++
				}
				return r.fail(p, i, r.longRecord())
			}
			r.record += j - i
			r.col = col
			i = j - 1
			continue
		}
		c := p[i]
		if r.skip > 0 { // not a line end: a separator's or a space's UTF-8 bytes
			r.skip--
			r.count(c)
			r.record++
			continue
		}
		if c == 0 {
			return r.fail(p, i, &Error{Line: r.line, Column: r.col, Err: ErrNUL})
		}
		if c == '\r' && r.st != quoted {
			if next := r.ahead(p, i+1, 1); len(next) == 0 || next[0] != '\n' {
				c, p[i] = '\n', '\n' // a lone CR: a line end
			}
		}
		switch r.st {
		case recordStart:
			if r.comment != nil && r.at(p, i, r.comment) {
				r.st = comment
				r.skipRest(len(r.comment))
				break
			}
			r.st = fieldStart
			fallthrough
		case fieldStart:
			if r.comma == nil {
				r.st = unquoted
				break
			}
			switch {
			case c == '\n' || c == '\r':
				// A line end; below. (A space to TrimLeadingSpace, but the
				// line ends here all the same.)
			case c == '"':
				r.st, r.quote.Line, r.quote.Column = quoted, r.line, r.col
			case r.at(p, i, r.comma):
				r.skipRest(len(r.comma))
			case r.q.TrimLeadingSpace && r.space(p, i):
			default:
				r.st = unquoted
			}
		case unquoted:
			if r.comma != nil && r.at(p, i, r.comma) {
				r.st = fieldStart
				r.skipRest(len(r.comma))
			}
		case quoted:
			if c == '"' {
				r.st = quoteInQuoted
			}
		case quoteInQuoted:
			switch {
			case c == '"': // "" is a quote
				r.st = quoted
			case c == '\n' || c == '\r':
				r.st = recordStart // below
			case r.at(p, i, r.comma):
				r.st = fieldStart
				r.skipRest(len(r.comma))
			case r.q.Strict:
				return r.fail(p, i, &Error{Line: r.line, Column: r.col - 1, Quote: r.quote, Err: ErrQuote})
			default:
				r.st = quoted // a lone quote is text (LazyQuotes)
			}
		}
		if c == '\n' && r.st != quoted {
			r.st, r.record = recordStart, -1
		}
		if r.record++; r.maxRecord > 0 && r.record > r.maxRecord {
			return r.fail(p, i, r.longRecord())
		}
		r.count(c)
	}
	if err == io.EOF && r.st == quoted && r.q.Strict {
		last := r.line // the input's last line: not the one after its last line end
		if r.col == 1 && last > r.quote.Line {
			last--
		}
		e := &Error{Line: last, Column: r.col, Quote: r.quote, Err: ErrUnclosedQuote}
		r.err = e
		return n, e
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// longRecord is the error for a record past the limit, at the current byte.
func (r *Reader) longRecord() *Error {
	e := &Error{Line: r.line, Column: r.col, Limit: r.maxRecord, Err: ErrLongRecord}
	if r.st == quoted || r.st == quoteInQuoted {
		e.Quote = r.quote
	}
	return e
}

// fail returns the bytes before p[i] with err, and err from then on.
func (r *Reader) fail(p []byte, i int, err error) (int, error) {
	r.err = err
	return i, err
}

// count moves the position past c.
func (r *Reader) count(c byte) {
	switch {
	case c == '\n':
		r.line, r.col = r.line+1, 1
	case utf8.RuneStart(c):
		r.col++ // not the second or a later byte of a UTF-8 sequence
	}
}

// skipRest passes over the other n-1 bytes of a separator or comment mark
// whose first byte is the current one.
func (r *Reader) skipRest(n int) { r.skip = n - 1 }

// ahead returns up to k bytes from p[i] on, reading past p's end when
// needed (fewer at the input's end).
func (r *Reader) ahead(p []byte, i, k int) []byte {
	if i+k <= len(p) {
		return p[i : i+k]
	}
	rest := p[i:]
	more, _ := r.br.Peek(k - len(rest))
	return append(append(make([]byte, 0, k), rest...), more...)
}

// at reports whether the bytes from p[i] on start with s.
func (r *Reader) at(p []byte, i int, s []byte) bool {
	if len(s) == 0 || p[i] != s[0] {
		return false
	}
	if len(s) == 1 {
		return true
	}
	return string(r.ahead(p, i, len(s))) == string(s)
}

// space reports whether a white-space character (as encoding/csv's
// TrimLeadingSpace trims) starts at p[i], and passes over the rest of it.
func (r *Reader) space(p []byte, i int) bool {
	if p[i] < utf8.RuneSelf {
		return unicode.IsSpace(rune(p[i]))
	}
	c, size := utf8.DecodeRune(r.ahead(p, i, utf8.UTFMax))
	if c == utf8.RuneError || !unicode.IsSpace(c) {
		return false
	}
	r.skipRest(size)
	return true
}
