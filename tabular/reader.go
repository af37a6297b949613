package tabular

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// DefaultBatchRows is how many rows a Reader returns at most per batch.
const DefaultBatchRows = 1 << 16

// Reader reads a table file in batches.
type Reader interface {
	// Header is every column of the file, in file order.
	Header() []string
	// Next returns the next batch of the requested columns, or io.EOF
	// after the last row.
	Next() (*Batch, error)
	// Progress is how far the reading has got: done of total, in bytes
	// (CSV) or rows (Parquet).
	Progress() (done, total int64)
	// Close releases the file.
	Close() error
}

// ErrColumn marks an error about a requested column: one the file does
// not have, or one of a type this package cannot read.
var ErrColumn = errors.New("column error")

// ErrFormat marks a file that is not a readable CSV or Parquet table.
var ErrFormat = errors.New("unreadable table")

type columnError struct{ msg string }

func (e *columnError) Error() string { return e.msg }
func (e *columnError) Unwrap() error { return ErrColumn }

type formatError struct {
	msg string
	err error // the cause, if any
}

func (e *formatError) Error() string { return e.msg }
func (e *formatError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrFormat}
	}
	return []error{ErrFormat, e.err}
}

// missingColumns is the error for requested columns the file lacks, with
// hint added (a text file's HeaderHint; "" for Parquet, whose names are
// its schema's, never a data row).
func missingColumns(path string, header, want []string, hint string) error {
	var missing []string
	for _, w := range want {
		if !slices.Contains(header, w) {
			missing = append(missing, fmt.Sprintf("%q", w))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	shown := header
	more := ""
	if len(shown) > 30 {
		shown, more = shown[:30], fmt.Sprintf(" and %d more", len(header)-30)
	}
	noun := "column"
	if len(missing) > 1 {
		noun = "columns"
	}
	return &columnError{fmt.Sprintf("%s: no %s %s; the columns are: %s%s%s", path, noun, strings.Join(missing, ", "), strings.Join(shown, ", "), more, hint)}
}

// Open opens a table file for reading the named columns (all of them when
// columns is nil; none, for its Header alone, when it is empty and not
// nil: a Parquet column of a type this package cannot read is then no
// error), in batches of at most batchRows rows (0: DefaultBatchRows). A
// negative batchRows is a programmer error and panics, as NewMatrix's
// negative size does: it is a constant or a checked setting in the
// calling code, not something read from a file.
// Parquet is recognised by its magic bytes, anything else is read as CSV
// (TSV when the name ends in .tsv or .tab, or the header has tabs and no
// commas) with a header row: OpenLayout with the zero Layout. A CSV
// column's values come back as Text, numbers included (see Kind).
//
// Open reads a file as its Layout says and does not guess otherwise: a
// file separated by spaces or semicolons reads as one column named after
// its whole first line, and a file without a header row loses its first
// row to the names, with no error unless a requested column is missing
// (that error says which Layout setting reads the file). Asking for the
// columns by name catches both; a program that reads every column of a
// file it has not seen should call Hint, which returns that same hint
// for the file's first line as read (a legitimate one-column file whose
// name has a space gets it too, so it is a warning to show, not an error):
//
//	r, err := tabular.Open(path, nil, 0)
//	...
//	if hint := tabular.Hint(r); hint != "" {
//		log.Printf("warning: %s:%s", path, hint)
//	}
func Open(path string, columns []string, batchRows int) (Reader, error) {
	return OpenLayout(path, columns, batchRows, Layout{})
}

// Hint is Layout.HeaderHint for the file r reads, under the Layout it was
// opened with: the note on its first line (the header, or with NoHeader
// the first row, which r.Header() does not show) when that line looks like
// another layout's, else "". A Parquet file gets "": its names are its
// schema's. The note starts with a space, to follow the file's name or an
// error; Layout.Terms words the settings it names.
func Hint(r Reader) string {
	c, ok := r.(*csvReader)
	if !ok {
		return ""
	}
	if c.layout.NoHeader {
		return c.layout.HeaderHint(c.first)
	}
	return c.layout.HeaderHint(c.header)
}

// OpenLayout is Open for a text file laid out as layout says (another
// separator, no header row); a Parquet file ignores it.
func OpenLayout(path string, columns []string, batchRows int, layout Layout) (Reader, error) {
	if batchRows < 0 {
		// Taken as the default before, which hid a sign slip in the
		// caller's arithmetic.
		panic(fmt.Sprintf("tabular: Open %s: batchRows %d is negative; want 0 (DefaultBatchRows) or more", path, batchRows))
	}
	if batchRows == 0 {
		batchRows = DefaultBatchRows
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, not a table file", path)
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	var r Reader
	if n == 4 && string(magic[:]) == "PAR1" {
		r, err = openParquet(f, fi.Size(), path, columns, batchRows)
	} else {
		r, err = openCSV(f, fi.Size(), path, columns, batchRows, layout)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// ReadAll reads every remaining batch of r into one.
func ReadAll(r Reader) (*Batch, error) {
	var bs []*Batch
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return Merge(bs), nil
}

// countingReader counts the bytes read through it, for Progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type csvReader struct {
	f      *os.File
	path   string
	size   int64
	count  *countingReader
	cr     Records
	layout Layout
	header []string
	idx    []int // file column of each requested column
	names  []string
	batch  int
	rows   int64
	done   bool
	// first is the first row of a file without a header row (read to
	// count its columns), returned by the first Next; firstLine its line.
	first     []string
	firstLine int
}

func openCSV(f *os.File, size int64, path string, columns []string, batchRows int, layout Layout) (*csvReader, error) {
	count := &countingReader{r: f}
	br := bufio.NewReaderSize(count, 1<<20)
	// The head is checked with its byte-order mark, if any, so that
	// CheckText's byte offsets are the file's. (The first Peek fills the
	// buffer.)
	br.Peek(len(bom))
	head, _ := br.Peek(min(br.Buffered()+4096, 64<<10))
	if err := CheckText(path, head, "CSV/TSV or Parquet"); err != nil {
		return nil, err
	}
	// Spreadsheet exports often start with a byte-order mark.
	if bytes.HasPrefix(head, []byte(bom)) {
		br.Discard(len(bom))
		head = head[len(bom):]
	}
	first := FirstLine(string(head))
	if !isText(first) {
		return nil, &formatError{msg: fmt.Sprintf("%s: not a CSV/TSV or Parquet file (binary content in the first line)", path)}
	}
	cr, _ := layout.NewRecords(br, path, first)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &formatError{msg: fmt.Sprintf("%s: %s", path, layout.Empty())}
	}
	if err != nil {
		return nil, layout.RecordError(path, err, 0)
	}
	var firstRow []string
	firstLine, _ := cr.FieldPos(0) // blank lines before it are skipped
	if layout.NoHeader {
		firstRow = slices.Clone(header)
		header = Names(len(header))
	}
	header = slices.Clone(header)
	for i, h := range header {
		h = validText(strings.TrimSpace(h))
		if h == "" {
			// As pandas names it (Kaggle's SMS file has "v1,v2,,,").
			h = fmt.Sprintf("Unnamed: %d", i)
		}
		header[i] = h
	}
	if err := layout.CheckNames(path, firstLine, header); err != nil {
		return nil, err
	}
	if columns == nil {
		columns = header
	}
	firstFields := header // what the file's first line holds, for the hint
	if layout.NoHeader {
		firstFields = firstRow
	}
	if err := missingColumns(path, header, columns, layout.HeaderHint(firstFields)); err != nil {
		return nil, err
	}
	r := &csvReader{f: f, path: path, size: size, count: count, cr: cr, layout: layout, header: header,
		names: slices.Clone(columns), batch: batchRows, first: firstRow, firstLine: firstLine}
	for _, c := range columns {
		r.idx = append(r.idx, slices.Index(header, c))
	}
	return r, nil
}

// isText is a cheap check that a line is UTF-8-ish text, not a binary
// file given by mistake.
func isText(s string) bool {
	ctrl := 0
	for _, c := range []byte(s) {
		if c < 0x20 && c != '\t' && c != '\r' {
			ctrl++
		}
	}
	return ctrl == 0
}

func (r *csvReader) Header() []string { return slices.Clone(r.header) }

func (r *csvReader) Progress() (int64, int64) { return r.count.n, r.size }

func (r *csvReader) Close() error { return r.f.Close() }

func (r *csvReader) Next() (*Batch, error) {
	if r.done {
		return nil, io.EOF
	}
	b := &Batch{Source: r.path, FirstRow: r.rows, Layout: r.layout}
	cols := make([]*Column, len(r.idx))
	for k := range cols {
		cols[k] = &Column{Name: r.names[k], Kind: Text, Str: make([]string, 0, min(r.batch, 1024))}
	}
	for b.Rows < r.batch {
		var rec []string
		var err error
		line := 0
		if r.first != nil {
			rec, line, r.first = r.first, r.firstLine, nil
		} else {
			if rec, err = r.cr.Read(); err == nil {
				line, _ = r.cr.FieldPos(0)
			}
		}
		if errors.Is(err, io.EOF) {
			r.done = true
			break
		}
		if err != nil {
			return nil, r.layout.RecordError(r.path, err, len(r.header))
		}
		b.Lines = append(b.Lines, line)
		for k, j := range r.idx {
			c := cols[k]
			s := rec[j]
			if r.layout.IsNA(s) {
				if c.Null == nil {
					c.Null = make([]bool, len(c.Str), cap(c.Str))
				}
				c.Str = append(c.Str, strings.TrimSpace(s)) // the marker, for errors
				c.Null = append(c.Null, true)
				continue
			}
			c.Str = append(c.Str, validText(strings.TrimSpace(s)))
			if c.Null != nil {
				c.Null = append(c.Null, false)
			}
		}
		b.Rows++
	}
	if b.Rows == 0 {
		if r.rows == 0 {
			return nil, &formatError{msg: fmt.Sprintf("%s: no data rows after the header", r.path)}
		}
		return nil, io.EOF
	}
	r.rows += int64(b.Rows)
	b.Columns = cols
	return b, nil
}
