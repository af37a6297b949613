// Command arrowgen writes tabular/testdata/arrow.parquet with Apache Arrow's
// Go Parquet writer (pqarrow), an implementation independent of the
// parquet-go reader the tabular package uses. It is its own module so that
// Arrow stays out of Ember's dependencies; regenerate with
//
//	cd tabular/testdata/arrowgen && go run . ../arrow.parquet
//
// Row i (0..9) holds: id "C00i"; a = i/2 (null when i%4 == 3); b = 10i
// int64 (null when i%5 == 4); c = i/3 float32; flag = i even (null when
// i%7 == 6); cat = x, y, z by i%3 (null when i%6 == 5), dictionary-encoded;
// day = date32 19000+i; price = decimal(9,2) 1.25i (FIXED_LEN_BYTE_ARRAY,
// which the reader refuses); tags = list<string>, which it refuses too.
// Row groups of 4 rows (4, 4, 2), zstd compression.
package main

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(path string) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "a", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "c", Type: arrow.PrimitiveTypes.Float32},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "cat", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
	}, nil)
	mem := memory.NewGoAllocator()
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	const n = 10
	for i := range n {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%03d", i))
		if i%4 == 3 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(float64(i) / 2)
		}
		if i%5 == 4 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Int64Builder).Append(int64(10 * i))
		}
		b.Field(3).(*array.Float32Builder).Append(float32(i) / 3)
		if i%7 == 6 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.BooleanBuilder).Append(i%2 == 0)
		}
		if i%6 == 5 {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.StringBuilder).Append([]string{"x", "y", "z"}[i%3])
		}
		b.Field(6).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
		b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(125 * i)))
		lb := b.Field(8).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).Append("t")
	}
	rec := b.NewRecord()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(4),
		parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(true))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	if err := w.Write(rec); err != nil {
		return err
	}
	return w.Close()
}
