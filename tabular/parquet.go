package tabular

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetReader reads a Parquet file row group by row group (a group of
// more than batchRows rows in several batches), decoding only the
// requested columns, so memory stays proportional to a row group.
type parquetReader struct {
	f       *os.File
	path    string
	pf      *parquet.File
	header  []string
	cols    []parquetCol
	batch   int
	group   int    // next row group
	pending *Batch // the rest of a row group larger than a batch
	rows    int64
	vals    []parquet.Value
}

type parquetCol struct {
	name     string
	leaf     int // leaf column index in every row group
	kind     Kind
	scale    float64 // DECIMAL: divide by this
	phys     parquet.Kind
	unsigned bool // INT(32 or 64, false): the bits are an unsigned integer
}

func openParquet(f *os.File, size int64, path string, columns []string, batchRows int) (r *parquetReader, err error) {
	defer func() {
		// parquet-go validates most input, but a hostile footer must not
		// crash a scoring job.
		if p := recover(); p != nil {
			r, err = nil, &formatError{msg: fmt.Sprintf("%s: damaged Parquet file (%v)", path, p)}
		}
	}()
	pf, err := parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &formatError{msg: fmt.Sprintf("%s: not a readable Parquet file: %v", path, err)}
	}
	// Top-level fields by name; leaves by their top-level name.
	leafOf := map[string]*parquet.Column{}
	var header []string
	for _, c := range pf.Root().Columns() {
		header = append(header, c.Name())
		leafOf[c.Name()] = c
	}
	if columns == nil {
		columns = header
	}
	if err := missingColumns(path, header, columns, ""); err != nil {
		return nil, err
	}
	r = &parquetReader{f: f, path: path, pf: pf, header: header, batch: batchRows, vals: make([]parquet.Value, 4096)}
	for _, name := range columns {
		c := leafOf[name]
		pc, err := parquetColumn(path, c)
		if err != nil {
			return nil, err
		}
		r.cols = append(r.cols, pc)
	}
	return r, nil
}

// parquetColumn checks that a top-level column is one this reader decodes
// and says how.
func parquetColumn(path string, c *parquet.Column) (parquetCol, error) {
	unsupported := func(what string) error {
		return &columnError{fmt.Sprintf("%s: column %q is %s, which is not supported (numeric: BOOLEAN, INT32, INT64, FLOAT, DOUBLE, DATE, TIMESTAMP, DECIMAL on integers; text: strings)", path, c.Name(), what)}
	}
	if !c.Leaf() {
		return parquetCol{}, unsupported("a nested column (group, list or map)")
	}
	if c.Repeated() {
		return parquetCol{}, unsupported("a repeated column")
	}
	t := c.Type()
	pc := parquetCol{name: c.Name(), leaf: c.Index(), phys: t.Kind(), scale: 1}
	lt := t.LogicalType()
	switch t.Kind() {
	case parquet.Boolean, parquet.Float, parquet.Double:
		pc.kind = Numeric
	case parquet.Int32, parquet.Int64:
		pc.kind = Numeric
		if lt != nil {
			switch v := lt.Value.(type) {
			case *format.DecimalType:
				pc.scale = math.Pow(10, float64(v.Scale))
			case *format.IntType:
				pc.unsigned = !v.IsSigned
			}
		}
	case parquet.ByteArray:
		if lt != nil {
			switch lt.Value.(type) {
			case *format.DecimalType:
				return parquetCol{}, unsupported("DECIMAL stored as bytes")
			case *format.JsonType, *format.BsonType:
				return parquetCol{}, unsupported(strings.ToUpper(lt.String()))
			}
		}
		pc.kind = Text
	case parquet.Int96:
		return parquetCol{}, unsupported("INT96 (a legacy timestamp)")
	case parquet.FixedLenByteArray:
		return parquetCol{}, unsupported("FIXED_LEN_BYTE_ARRAY")
	default:
		return parquetCol{}, unsupported(t.String())
	}
	return pc, nil
}

func (r *parquetReader) Header() []string { return slices.Clone(r.header) }

func (r *parquetReader) Progress() (int64, int64) { return r.rows, r.pf.NumRows() }

func (r *parquetReader) Close() error { return r.f.Close() }

func (r *parquetReader) Next() (b *Batch, err error) {
	if r.pending == nil {
		groups := r.pf.RowGroups()
		for r.group < len(groups) && groups[r.group].NumRows() == 0 {
			r.group++
		}
		if r.group >= len(groups) {
			if r.rows == 0 {
				// As a header-only CSV file: no table to fit or score.
				return nil, &formatError{msg: fmt.Sprintf("%s: no data rows (the Parquet file has columns but no rows)", r.path)}
			}
			return nil, io.EOF
		}
		g := groups[r.group]
		r.group++
		if r.pending, err = r.readGroup(g); err != nil {
			return nil, err
		}
	}
	b = r.pending
	if b.Rows > r.batch {
		b, r.pending = splitBatch(b, r.batch)
	} else {
		r.pending = nil
	}
	b.FirstRow = r.rows
	r.rows += int64(b.Rows)
	return b, nil
}

// splitBatch cuts the first n rows off b.
func splitBatch(b *Batch, n int) (head, tail *Batch) {
	head = &Batch{Source: b.Source, Rows: n}
	tail = &Batch{Source: b.Source, Rows: b.Rows - n}
	for _, c := range b.Columns {
		h := &Column{Name: c.Name, Kind: c.Kind}
		t := &Column{Name: c.Name, Kind: c.Kind}
		if c.Kind == Numeric {
			h.Num, t.Num = c.Num[:n:n], c.Num[n:]
		} else {
			h.Str, t.Str = c.Str[:n:n], c.Str[n:]
			if c.Null != nil {
				h.Null, t.Null = c.Null[:n:n], c.Null[n:]
			}
		}
		head.Columns = append(head.Columns, h)
		tail.Columns = append(tail.Columns, t)
	}
	return head, tail
}

// readGroup decodes the requested columns of one row group.
func (r *parquetReader) readGroup(g parquet.RowGroup) (b *Batch, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, &formatError{msg: fmt.Sprintf("%s: row group %d: damaged Parquet data (%v)", r.path, r.group, p)}
		}
	}()
	n := int(g.NumRows())
	b = &Batch{Source: r.path, Rows: n}
	chunks := g.ColumnChunks()
	for _, pc := range r.cols {
		c := &Column{Name: pc.name, Kind: pc.kind}
		if pc.kind == Numeric {
			c.Num = make([]float64, 0, n)
		} else {
			c.Str = make([]string, 0, n)
		}
		if err := r.readChunk(chunks[pc.leaf], pc, c); err != nil {
			return nil, err
		}
		if c.Len() != n {
			return nil, &formatError{msg: fmt.Sprintf("%s: row group %d: column %q has %d values for %d rows", r.path, r.group, pc.name, c.Len(), n)}
		}
		b.Columns = append(b.Columns, c)
	}
	return b, nil
}

func (r *parquetReader) readChunk(chunk parquet.ColumnChunk, pc parquetCol, c *Column) error {
	pages := chunk.Pages()
	defer pages.Close()
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &formatError{msg: fmt.Sprintf("%s: column %q: %v", r.path, pc.name, err)}
		}
		vr := page.Values()
		for {
			k, err := vr.ReadValues(r.vals)
			for _, v := range r.vals[:k] {
				appendValue(c, pc, v)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(page)
				return &formatError{msg: fmt.Sprintf("%s: column %q: %v", r.path, pc.name, err)}
			}
		}
		parquet.Release(page)
	}
}

func appendValue(c *Column, pc parquetCol, v parquet.Value) {
	if c.Kind == Text {
		if v.IsNull() {
			if c.Null == nil {
				c.Null = make([]bool, len(c.Str), cap(c.Str))
			}
			c.Str = append(c.Str, "")
			c.Null = append(c.Null, true)
			return
		}
		raw := v.ByteArray()
		if utf8.Valid(raw) {
			c.Str = append(c.Str, string(raw))
		} else {
			c.Str = append(c.Str, validText(string(raw)))
		}
		if c.Null != nil {
			c.Null = append(c.Null, false)
		}
		return
	}
	if v.IsNull() {
		c.Num = append(c.Num, math.NaN())
		return
	}
	var x float64
	switch pc.phys {
	case parquet.Boolean:
		if v.Boolean() {
			x = 1
		}
	case parquet.Int32:
		x = float64(v.Int32()) / pc.scale
		if pc.unsigned {
			x = float64(uint32(v.Int32()))
		}
	case parquet.Int64:
		x = float64(v.Int64()) / pc.scale
		if pc.unsigned {
			x = float64(uint64(v.Int64()))
		}
	case parquet.Float:
		x = float64(v.Float())
	case parquet.Double:
		x = v.Double()
	}
	c.Num = append(c.Num, x)
}
