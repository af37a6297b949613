package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emberml/ember/internal/lineends"
)

// Layout is how a text table is laid out where its name and first line do
// not say. The zero value reads a file with a header row naming the
// columns, separated by commas, or by tabs when the name ends in .tsv or
// .tab or the first line has tabs and no commas. UCI's .data files (German
// credit: values separated by spaces, no header) need both fields:
// Layout{Sep: Whitespace, NoHeader: true}, pandas' read_csv(sep=r"\s+",
// header=None). Prefer Whitespace to Sep: ' ' for such files: a single
// space as the separator makes a doubled or trailing space (german.data
// has one, on line 267) an empty field, and that row too long.
type Layout struct {
	// Sep separates the fields: 0 picks comma or tab as above; Whitespace
	// splits on runs of spaces and tabs, leading and trailing ones
	// ignored (pandas' sep=r"\s+"; no quoting); any other rune is that one
	// character, with encoding/csv's quoting.
	Sep rune
	// NoHeader reads the first line as data and names the columns 0, 1,
	// 2, … (as pandas' header=None), so that the 21st is "20".
	NoHeader bool
	// NA lists the cells (after trimming spaces) read as missing values
	// besides pandas' defaults (IsNA), as read_csv's na_values adds them:
	// UCI's credit-approval file marks them with "?".
	NA []string
	// Terms names these settings in the hints that errors give (HeaderHint,
	// FieldsNote, ValueError): nil names the fields, as Go code sets them
	// ("Layout.Sep = tabular.Whitespace"); a command line that fills a
	// Layout from its flags gives their names instead.
	Terms *Terms
}

// Terms are how error hints name the Layout settings they suggest, for the
// reader of the error: a program's author, or a command line's user. A nil
// or empty field, like a nil *Terms, names the Layout field.
type Terms struct {
	// Sep names the setting of Layout.Sep to sep (Whitespace, ' ', ';'
	// and '|' are suggested).
	Sep func(sep rune) string
	// NoHeader names the setting of Layout.NoHeader to true.
	NoHeader string
	// NA names the setting of Layout.NA to list marker.
	NA func(marker string) string
}

// sepTerm names the setting of Sep to sep for the reader of an error.
func (t *Terms) sepTerm(sep rune) string {
	if t != nil && t.Sep != nil {
		return t.Sep(sep)
	}
	if sep == Whitespace {
		return "Layout.Sep = tabular.Whitespace"
	}
	return "Layout.Sep = " + strconv.QuoteRune(sep)
}

// noHeaderTerm names the setting of NoHeader to true.
func (t *Terms) noHeaderTerm() string {
	if t != nil && t.NoHeader != "" {
		return t.NoHeader
	}
	return "Layout.NoHeader = true"
}

// naTerm names the setting of NA to list marker.
func (t *Terms) naTerm(marker string) string {
	if t != nil && t.NA != nil {
		return t.NA(marker)
	}
	return fmt.Sprintf("Layout.NA = []string{%q}", marker)
}

// LooksLikeNA reports whether a cell that is not a number looks like a
// file's own missing-value marker ("?", "-", "."): punctuation only, for
// errors to suggest Layout.NA rather than a fix.
func LooksLikeNA(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "?-.*_/#!") == ""
}

// IsNA reports whether a cell of a file laid out as l marks a missing
// value.
func (l Layout) IsNA(s string) bool {
	return IsNA(s) || (l.NA != nil && slices.Contains(l.NA, strings.TrimSpace(s)))
}

// Whitespace is the Layout.Sep that splits fields on runs of spaces and tabs.
const Whitespace rune = -1

// sepWords are the words ParseSep reads as separators. SepName spells a
// separator by its word where byWord is set: 0 and Whitespace are no
// character, and a quoted tab or space is hard to make out.
var sepWords = []struct {
	word   string
	sep    rune
	byWord bool
}{
	{"auto", 0, true},
	{"tab", '\t', true},
	{"space", ' ', true},
	{"comma", ',', false},
	{"semicolon", ';', false},
	{"pipe", '|', false},
	{"whitespace", Whitespace, true},
}

// ParseSep reads a separator as a command line gives it: one character
// (",", ";", "|", " "), or the words tab, space, comma, semicolon, pipe or
// whitespace (runs of spaces and tabs), or "\t"; "" or auto is 0.
func ParseSep(s string) (rune, error) {
	switch s { // the escapes as written: `\T` or `\S+` mean something else
	case "":
		return 0, nil
	case `\t`:
		return '\t', nil
	case `\s+`:
		return Whitespace, nil
	}
	lower := strings.ToLower(s)
	for _, w := range sepWords {
		if lower == w.word {
			return w.sep, nil
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0xFEFF {
		return 0, fmt.Errorf("separator %q: want one character (such as , ; | or a space) or tab, space or whitespace", s)
	}
	return r, nil
}

// SepName spells sep as ParseSep reads it: auto for 0, tab, space or
// whitespace for those, else the character itself (",", ";"), for a
// command line's error hints to name the setting they suggest.
func SepName(sep rune) string {
	for _, w := range sepWords {
		if w.byWord && w.sep == sep {
			return w.word
		}
	}
	return string(sep)
}

// sep is the separator of a file named path whose first line is first.
func (l Layout) sep(path, first string) rune {
	if l.Sep != 0 {
		return l.Sep
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".tsv", ".tab":
		return '\t'
	}
	if strings.Contains(first, "\t") && !strings.Contains(first, ",") {
		return '\t'
	}
	return ','
}

// Records is a text table's row source: encoding/csv's Reader, or the
// whitespace splitter.
type Records interface {
	// Read returns the next row's fields (valid until the next Read), or
	// io.EOF. A row with another number of fields than the first is a
	// *csv.ParseError wrapping csv.ErrFieldCount.
	Read() ([]string, error)
	// FieldPos is the line and column where field i of the last row
	// starts.
	FieldPos(i int) (line, column int)
}

// NewRecords reads the rows of r, a file named path whose first line is
// first (FirstLine), as l lays them out (l.NoHeader is the caller's to
// handle). It returns the separator used, with auto resolved.
//
// A line ends in LF, CRLF or a lone CR (an old Mac file), as pandas reads
// them; a CR inside a quoted field is data. Line numbers, in FieldPos and
// errors, count every line end. Lines of spaces, tabs or a CR only are
// skipped wherever they are, as encoding/csv skips empty ones; a row of
// blank cells, as many as the first row's, is a row (of missing values),
// and a line of separators with another count of fields is an error like
// any short row. For a text table, Records is a *CSVRecords.
//
// A quote inside a field that does not start with one is text (a"b reads
// as a"b, as pandas reads it); a quoted field with text after its closing
// quote, or one never closed, is an error naming its line and column, as
// are a NUL byte and a record longer than MaxRecordBytes. Give the errors
// of Read to RecordError, for a message that names the file.
func (l Layout) NewRecords(r io.Reader, path, first string) (Records, rune) {
	sep := l.sep(path, first)
	lines := lineends.NewReader(r, maxRecordBytes)
	if sep == Whitespace {
		return &fieldsReader{br: bufio.NewReader(lines)}, sep
	}
	cr := csv.NewReader(lines)
	cr.Comma = sep
	cr.ReuseRecord = true
	// Quotes inside unquoted fields only: lines refuses the rest of what
	// LazyQuotes lets by.
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1 // counted by CSVRecords, past blank lines
	return &CSVRecords{Reader: cr, lines: lines}, sep
}

// CSVRecords is encoding/csv's Reader (whose options a caller may set
// before the first Read) past blank lines, with the line ends and checks
// of NewRecords.
type CSVRecords struct {
	*csv.Reader
	lines   *lineends.Reader
	started bool
	fields  int // of the first row read, 0 before it
}

// Read returns the next row's fields, or io.EOF (see Records.Read).
func (c *CSVRecords) Read() ([]string, error) {
	if !c.started {
		// The options as set now, before encoding/csv reads anything.
		c.started = true
		c.lines.SetQuoting(lineends.Quoting{Comma: c.Comma, Comment: c.Comment, TrimLeadingSpace: c.TrimLeadingSpace, Strict: true})
	}
	for {
		rec, err := c.Reader.Read()
		if err != nil {
			return rec, err
		}
		if c.blank(rec) {
			continue
		}
		if c.fields == 0 {
			c.fields = len(rec)
		} else if len(rec) != c.fields {
			line, _ := c.Reader.FieldPos(0)
			return rec, &csv.ParseError{StartLine: line, Line: line, Column: 1, Err: csv.ErrFieldCount}
		}
		return rec, nil
	}
}

// blank reports whether rec is a line of spaces, tabs or a CR only: one
// blank field, or, where spaces or tabs separate the fields, blank fields
// as many as no row has. A row of blank cells, as many as the first row's,
// is kept.
func (c *CSVRecords) blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	if len(rec) == 1 {
		return true
	}
	spaced := c.Comma == '\t' || c.Comma == ' '
	return spaced && len(rec) != c.fields
}

// fieldsReader splits lines on runs of spaces and tabs; blank lines are
// skipped, as encoding/csv skips empty ones.
type fieldsReader struct {
	br     *bufio.Reader
	line   int
	fields int // of the first row
	rec    []string
}

func (f *fieldsReader) Read() ([]string, error) {
	for {
		s, err := f.br.ReadString('\n')
		if s == "" && err != nil {
			return nil, err
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		f.line++
		f.rec = f.rec[:0]
		// Spaces and tabs only (pandas' sep=r"\s+" on a line): a value may
		// hold a no-break space ("New York", "1 000").
		for _, w := range strings.FieldsFunc(s, isFieldSpace) {
			f.rec = append(f.rec, w)
		}
		if len(f.rec) == 0 {
			continue
		}
		if f.fields == 0 {
			f.fields = len(f.rec)
		} else if len(f.rec) != f.fields {
			return f.rec, &csv.ParseError{StartLine: f.line, Line: f.line, Column: 1, Err: csv.ErrFieldCount}
		}
		return f.rec, nil
	}
}

// FieldPos gives the line only: the column is 1 (no caller reads it).
func (f *fieldsReader) FieldPos(int) (line, column int) { return f.line, 1 }

// isFieldSpace separates the fields of a whitespace-separated line.
func isFieldSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// Empty is the error text for a file with no line: it wants a header
// row unless l has none.
func (l Layout) Empty() string {
	if l.NoHeader {
		return "the file is empty"
	}
	return "the file is empty; want a header row naming the columns"
}

// FieldsNote is the note for an error about a row's number of fields in a
// file of columns columns: " (the header has N columns)", or the first
// line with NoHeader; with single spaces as the separator it adds that a
// doubled or trailing space makes an empty field, which Sep Whitespace
// does not (named as l.Terms says).
func (l Layout) FieldsNote(columns int) string {
	what := "the header has"
	if l.NoHeader {
		what = "the first line has"
	}
	hint := ""
	if l.Sep == ' ' {
		hint = "; a doubled or trailing space makes an empty field: " + l.Terms.sepTerm(Whitespace) + " reads runs of spaces"
	}
	return fmt.Sprintf(" (%s %d columns%s)", what, columns, hint)
}

// Names are the column names of a file without a header row of n
// columns: "0", "1", …
func Names(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// HeaderHint is a note for an error about a file's columns, given the
// fields of its first line (the header, or with NoHeader the first row),
// when they do not look right: a single field holding a likely delimiter
// (a file separated by semicolons or spaces) unless l names the
// separator, or names of which a third or more are numbers (a file
// without a header row, as UCI's .data files are) unless l says it has
// none; else "". The hint names the setting to change as l.Terms says.
//
// Open reads a file as its Layout says and does not guess, so a program
// that reads files it has not seen should warn with Hint(r), which calls
// HeaderHint on the right line.
func (l Layout) HeaderHint(first []string) string {
	if len(first) == 1 && l.Sep == 0 {
		for _, d := range []string{";", "|", " "} {
			if !strings.Contains(first[0], d) {
				continue
			}
			if d == " " {
				return fmt.Sprintf(" (the first line is one column: is the file separated by spaces? %s reads it, %s runs of spaces)", l.Terms.sepTerm(' '), l.Terms.sepTerm(Whitespace))
			}
			return fmt.Sprintf(" (the first line is one column: is the file separated by %q? %s reads it)", d, l.Terms.sepTerm(rune(d[0])))
		}
	}
	if l.NoHeader {
		return ""
	}
	numbers := 0
	for _, h := range first {
		if _, err := strconv.ParseFloat(strings.TrimSpace(h), 64); err == nil {
			numbers++
		}
	}
	if numbers > 0 && 3*numbers >= len(first) {
		return " (is the first line data? " + l.Terms.noHeaderTerm() + " reads it as data, naming the columns 0, 1, 2, …)"
	}
	return ""
}
