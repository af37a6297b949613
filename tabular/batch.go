package tabular

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is how a column's values are held, which depends on the file: a
// CSV/TSV reader yields every column as Text (it does not guess types, so
// "007" and "1e3" stay as written), a Parquet reader yields columns of a
// numeric physical type as Numeric and string columns as Text. To get
// numbers, let a Pipeline read them (Fit with the columns in
// Spec.Numeric, then Transform, parses Text and takes Numeric as it is),
// or parse a Text column's Str with ParseNumber, skipping IsNull rows.
type Kind int

const (
	// Numeric values are float64 in Num, NaN for missing (Parquet's
	// numeric columns).
	Numeric Kind = iota + 1
	// Text values are strings in Str, with Null marking missing ones
	// (every CSV/TSV column, and Parquet's string columns).
	Text
)

func (k Kind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Text:
		return "text"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Column is one column of a batch: Num holds its values when its Kind is
// Numeric, Str (and Null) when it is Text, and the other is nil. Check
// Kind before indexing, or use Len, IsNull and Text, which read either;
// a CSV column is always Text (see Kind).
type Column struct {
	Name string
	Kind Kind
	// Num holds a Numeric column's values (NaN: missing); nil for Text.
	Num []float64
	// Str holds a Text column's values; Null[i] is true where row i is
	// missing (Null is nil when no value is). A missing CSV cell keeps its
	// marker in Str ("", or an NA string such as "NA"), so that an error
	// can say what the cell held. Nil for Numeric.
	Str  []string
	Null []bool
}

// Len is the number of values.
func (c *Column) Len() int {
	if c.Kind == Numeric {
		return len(c.Num)
	}
	return len(c.Str)
}

// IsNull reports whether row i is missing.
func (c *Column) IsNull(i int) bool {
	if c.Kind == Numeric {
		return c.Num[i] != c.Num[i]
	}
	return c.Null != nil && c.Null[i]
}

// Batch is a block of consecutive rows of a table file.
type Batch struct {
	// Source is the file the rows came from, for error messages.
	Source string
	// Rows is the number of rows.
	Rows int
	// FirstRow is the 0-based index of the first row in the file.
	FirstRow int64
	// Lines are the 1-based file lines the rows start on (CSV); nil for
	// Parquet, whose rows are named by their index.
	Lines []int
	// FileRows are the 0-based file rows of the rows of a Parquet batch
	// picked out of another (SelectRows); nil when row i is FirstRow+i.
	FileRows []int64
	// Columns are the columns asked for, in that order.
	Columns []*Column
	// Layout is how the text file the rows came from is laid out (the
	// zero value for Parquet), so that the file can be opened again as it
	// was read.
	Layout Layout
}

// Column returns the named column, or nil.
func (b *Batch) Column(name string) *Column {
	for _, c := range b.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Where names row i for an error message: "file: line N" or "file: row N".
func (b *Batch) Where(i int) string {
	if b.Lines != nil {
		return fmt.Sprintf("%s: line %d", b.Source, b.Lines[i])
	}
	return fmt.Sprintf("%s: row %d", b.Source, b.fileRow(i)+1)
}

// fileRow is the 0-based file row of row i (Parquet).
func (b *Batch) fileRow(i int) int64 {
	if b.FileRows != nil {
		return b.FileRows[i]
	}
	return b.FirstRow + int64(i)
}

// Text returns row i of a column as text: a Text value as it is, a number
// formatted as the shortest decimal that reads back to it ("2" for 2.0),
// so a categorical column reads the same from CSV and from Parquet. ok is
// false for a missing value.
func (c *Column) Text(i int) (s string, ok bool) {
	if c.IsNull(i) {
		return "", false
	}
	if c.Kind == Text {
		return c.Str[i], true
	}
	return strconv.FormatFloat(c.Num[i], 'g', -1, 64), true
}

// naStrings are pandas' default NA markers (read_csv's na_values): a CSV
// cell holding one of them, after trimming spaces, is a missing value.
var naStrings = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// IsNA reports whether a CSV cell marks a missing value.
func IsNA(s string) bool { return naStrings[strings.TrimSpace(s)] }

// MissingMarker says, for an error about a missing value in row i, what
// the cell held when that was an NA string rather than nothing: ` ("NA"
// reads as a missing value, as in pandas' read_csv)`, else "".
func (c *Column) MissingMarker(i int) string {
	if c.Kind != Text || !c.IsNull(i) || c.Str[i] == "" {
		return ""
	}
	return fmt.Sprintf(" (%q reads as a missing value, as in pandas' read_csv)", c.Str[i])
}

// Merge concatenates batches of the same columns into one.
func Merge(batches []*Batch) *Batch {
	if len(batches) == 0 {
		return &Batch{}
	}
	if len(batches) == 1 {
		return batches[0]
	}
	first := batches[0]
	out := &Batch{Source: first.Source, FirstRow: first.FirstRow, Layout: first.Layout}
	withLines := first.Lines != nil
	// Parquet rows keep their numbers when a batch is not the file's next.
	withRows := false
	for _, b := range batches {
		withRows = withRows || b.FileRows != nil
	}
	for _, c := range first.Columns {
		out.Columns = append(out.Columns, &Column{Name: c.Name, Kind: c.Kind})
	}
	for _, b := range batches {
		if withRows {
			for i := range b.Rows {
				out.FileRows = append(out.FileRows, b.fileRow(i))
			}
		}
		out.Rows += b.Rows
		if withLines {
			out.Lines = append(out.Lines, b.Lines...)
		}
		for k, c := range b.Columns {
			o := out.Columns[k]
			if c.Kind == Numeric {
				o.Num = append(o.Num, c.Num...)
				continue
			}
			if c.Null != nil && o.Null == nil {
				o.Null = make([]bool, len(o.Str), len(o.Str)+len(c.Str))
			}
			o.Str = append(o.Str, c.Str...)
			if o.Null != nil {
				if c.Null != nil {
					o.Null = append(o.Null, c.Null...)
				} else {
					o.Null = append(o.Null, make([]bool, len(c.Str))...)
				}
			}
		}
	}
	return out
}

// SelectRows copies the given rows of b, in that order, into a new batch.
func SelectRows(b *Batch, idx []int) *Batch {
	out := &Batch{Source: b.Source, Rows: len(idx), FirstRow: b.FirstRow, Layout: b.Layout}
	if b.Lines != nil {
		out.Lines = make([]int, len(idx))
		for k, i := range idx {
			out.Lines[k] = b.Lines[i]
		}
	} else {
		out.FileRows = make([]int64, len(idx))
		for k, i := range idx {
			out.FileRows[k] = b.fileRow(i)
		}
	}
	for _, c := range b.Columns {
		o := &Column{Name: c.Name, Kind: c.Kind}
		if c.Kind == Numeric {
			o.Num = make([]float64, len(idx))
			for k, i := range idx {
				o.Num[k] = c.Num[i]
			}
		} else {
			o.Str = make([]string, len(idx))
			for k, i := range idx {
				o.Str[k] = c.Str[i]
			}
			if c.Null != nil {
				o.Null = make([]bool, len(idx))
				for k, i := range idx {
					o.Null[k] = c.Null[i]
				}
			}
		}
		out.Columns = append(out.Columns, o)
	}
	return out
}
