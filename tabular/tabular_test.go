package tabular

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func readAll(t *testing.T, path string, cols []string, batch int) (*Batch, int) {
	t.Helper()
	r, err := Open(path, cols, batch)
	require.NoError(t, err)
	defer r.Close()
	n := 0
	var bs []*Batch
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		bs = append(bs, b)
		n++
	}
	return Merge(bs), n
}

func TestCSVBatchesAndMissing(t *testing.T) {
	p := writeFile(t, "t.csv", "\ufeffid, x ,color\n1,1.5,red\n2,,NA\n3,null,blue\n\"4\",2e3,\"re,d\"\n5,-0,red\n")
	b, batches := readAll(t, p, []string{"x", "color"}, 2)
	require.Equal(t, 3, batches)
	require.Equal(t, 5, b.Rows)
	require.Equal(t, []int{2, 3, 4, 5, 6}, b.Lines)
	x, color := b.Column("x"), b.Column("color")
	vals, err := numbers(b, x, false)
	require.NoError(t, err)
	require.Equal(t, 1.5, vals[0])
	require.True(t, math.IsNaN(vals[1]) && math.IsNaN(vals[2]))
	require.Equal(t, 2000.0, vals[3])
	s, ok := color.Text(1)
	require.False(t, ok, "NA is missing, got %q", s)
	s, _ = color.Text(3)
	require.Equal(t, "re,d", s)
	// An error about a missing value can say what the cell held.
	require.Equal(t, ` ("NA" reads as a missing value, as in pandas' read_csv)`, color.MissingMarker(1))
	require.Empty(t, color.MissingMarker(0), "a present value")
	x2 := b.Column("x")
	require.Empty(t, x2.MissingMarker(1), "an empty cell held nothing")
}

func TestCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		cols          []string
		want          string
		is            error
	}{
		{"empty", "", nil, "empty", ErrFormat},
		{"missing column", "a,b\n1,2\n", []string{"a", "zz", "yy"}, `no columns "zz", "yy"; the columns are: a, b`, ErrColumn},
		{"ragged", "a,b\n1,2\n3\n", nil, "record on line 3: wrong number of fields", ErrFormat},
		{"separators only", "a,b,c\n1,2,3\n,\n4,5,6\n", nil, "record on line 3: wrong number of fields", ErrFormat},
		{"duplicate", "a,a\n1,2\n", nil, `column name "a" appears twice`, ErrFormat},
		{"duplicate after blank lines", "\n\na,a\n1,2\n", nil, `: line 3: column name "a" appears twice`, ErrFormat},
		{"header only", "a,b\n", nil, "no data rows", ErrFormat},
		{"binary", "\x00\x01\x02garbage\n", nil, "not a CSV/TSV or Parquet file (binary content: a NUL byte on line 1, column 1, byte offset 0)", ErrNotText},
		// A PNG's first line ("\x89PNG\r") has no NUL: it read as a CSV,
		// with a parse error about a quote on line 3.
		// The NUL is named by line and column as lineends names one later,
		// and by byte offset.
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02X\x00\x00\x01\x90\x08\x02\x00\x00\x00\n\"x,y\n", nil,
			"not a CSV/TSV or Parquet file (binary content: a NUL byte on line 3, column 1, byte offset 8)", ErrNotText},
		// The offset is the file's, the byte-order mark counted; the
		// column is the text's.
		{"NUL after a byte-order mark", "\ufeffa,b\n1,\x00\n", nil, "(binary content: a NUL byte on line 2, column 3, byte offset 9)", ErrNotText},
		{"gzip", "\x1f\x8b\x08\x08J4\x0fk\x00\x03iris.csv\x00", nil, "is gzip-compressed; decompress it first (gunzip)", ErrNotText},
		// Spreadsheets' "Unicode text" export: say what it is, as ember's
		// other readers do, with or without a byte-order mark.
		{"UTF-16", "\xff\xfea\x00,\x00b\x00\n\x00", nil, "is UTF-16 text; save it as UTF-8 (iconv -f utf-16 -t utf-8)", ErrNotText},
		{"UTF-16 big-endian", "\xfe\xff\x00a\x00,\x00b\x00\n", nil, "is UTF-16 text", ErrNotText},
		{"UTF-16 without a mark", "a\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00", nil, "is UTF-16 text; save it as UTF-8 (iconv -f utf-16le -t utf-8)", ErrNotText},
		// A semicolon- or space-separated file reads as one column: say so.
		{"semicolons", "a;b;y\n1;2;0\n", []string{"y"}, `the first line is one column: is the file separated by ";"? Layout.Sep = ';' reads it`, ErrColumn},
		{"spaces", "A11 6 A34\nA12 7 A35\n", []string{"21"}, `the first line is one column: is the file separated by spaces? Layout.Sep = ' ' reads it, Layout.Sep = tabular.Whitespace runs of spaces`, ErrColumn},
		// crx.data and other UCI files have no header row: say so.
		{"headerless duplicate", "b,30.83,0,u,0,+\na,1,2,3,4,-\n", nil, `column name "0" appears twice (columns 3 and 5) (is the first line data? Layout.NoHeader = true reads it as data, naming the columns 0, 1, 2, …)`, ErrFormat},
		{"headerless missing", "1,14.23,1.71\n2,13.2,1.78\n", []string{"class"}, `the columns are: 1, 14.23, 1.71 (is the first line data? Layout.NoHeader = true reads it as data, naming the columns 0, 1, 2, …)`, ErrColumn},
		// Quote errors say where and what to do; the header is not their
		// cause.
		{"unclosed quote", "a,b\n1,\"x\n2,y\n", nil, `: line 2, column 3: the quoted field that opens here is never closed (the file ends inside it, on line 3); close it with a quote, and write a quote inside it twice ("a ""b"" c")`, ErrFormat},
		{"text after a closing quote", "a,b\n1,\"set\"osa\"\n", nil, `: line 2, column 7: a quote inside the quoted field that opens at column 3; a quoted field ends at its closing quote, and a quote inside it is written twice ("a ""b"" c")`, ErrFormat},
		{"quote in the header", "a,\"b\"c\n1,2\n", nil, `: line 1, column 5: a quote inside the quoted field that opens at column 3`, ErrFormat},
		// Past the first 8 KiB, a NUL is found where it is read.
		{"NUL later", "a,b\r" + strings.Repeat("1,2\r", 3000) + "3,\x00\r", nil, ": line 3002, column 3: a NUL byte, which text files do not have", ErrNotText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "bad.csv", tc.content)
			r, err := Open(p, tc.cols, 0)
			if err == nil {
				_, err = r.Next()
				r.Close()
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorIs(t, err, tc.is)
			if tc.is == ErrNotText {
				require.ErrorIs(t, err, ErrFormat)
			}
			require.Equal(t, tc.is == ErrNotText, errors.Is(err, ErrNotText), "errors.Is ErrNotText")
			require.ErrorContains(t, err, p)
			if strings.Contains(tc.name, "quote") {
				require.NotContains(t, err.Error(), "header has")
			}
		})
	}
}

// TestCRLineEnds: a lone CR (old Mac files) ends a line, as in pandas,
// where it made the file one line; CRLF is one line end, a CR in a quoted
// field is data, and line numbers count every line end.
func TestCRLineEnds(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		layout              Layout
		x                   []string
		lines               []int
	}{
		{"csv", "t.csv", "x,y\r1,2\r\r3,4\r", Layout{}, []string{"1", "3"}, []int{2, 4}},
		{"tsv", "t.tsv", "x\ty\r1\t2\r3\t4", Layout{}, []string{"1", "3"}, []int{2, 3}},
		{"tsv by first line", "t.txt", "x\ty\r1\t2,5\r", Layout{}, []string{"1"}, []int{2}},
		{"mixed", "t.csv", "x,y\r\n1,2\r3,4\n5,6", Layout{}, []string{"1", "3", "5"}, []int{2, 3, 4}},
		{"CR in a quoted field", "t.csv", "x,y\r\"a\rb\",2\r3,4\r", Layout{}, []string{"a\rb", "3"}, []int{2, 3}},
		{"whitespace, no header", "t.data", "1 2\r3  4\r", Layout{Sep: Whitespace, NoHeader: true}, nil, []int{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file, tc.content)
			r, err := OpenLayout(p, nil, 0, tc.layout)
			require.NoError(t, err)
			defer r.Close()
			b, err := ReadAll(r)
			require.NoError(t, err)
			require.Equal(t, tc.lines, b.Lines)
			if tc.x != nil {
				require.Equal(t, []string{"x", "y"}, r.Header())
				require.Equal(t, tc.x, b.Column("x").Str)
			}
		})
	}
	// Later errors count CR line ends too.
	p := writeFile(t, "t.csv", "x,y\r1,2\r\r3\r")
	r, err := Open(p, nil, 0)
	require.NoError(t, err)
	defer r.Close()
	_, err = r.Next()
	require.EqualError(t, err, p+": record on line 4: wrong number of fields (the header has 2 columns)")
}

// TestBareQuote: a quote inside a field that does not start with one is
// text, as pandas reads it, where it was an error.
func TestBareQuote(t *testing.T) {
	p := writeFile(t, "t.csv", "x,y\n1,5\" screen\n2,a \"b\" c\n")
	b, _ := readAll(t, p, nil, 0)
	require.Equal(t, []string{`5" screen`, `a "b" c`}, b.Column("y").Str)
}

// TestLongRecord: a record longer than MaxRecordBytes (a file without line
// ends, or a quote never closed) is an error naming its line, not a read
// of the rest of the file into memory.
func TestLongRecord(t *testing.T) {
	defer func(n int) { maxRecordBytes = n }(maxRecordBytes)
	maxRecordBytes = 1 << 10
	p := writeFile(t, "t.csv", "x,y\n1,2\n"+strings.Repeat("1", 4<<10))
	r, err := Open(p, nil, 0)
	require.NoError(t, err)
	defer r.Close()
	_, err = r.Next()
	require.ErrorIs(t, err, ErrFormat)
	require.EqualError(t, err, p+": line 3: the line is longer than 1024 bytes; not a text table?")

	p = writeFile(t, "t.csv", "x,y\n1,\"2\n"+strings.Repeat("1,2\n", 1<<10))
	r, err = Open(p, nil, 0)
	require.NoError(t, err)
	defer r.Close()
	_, err = r.Next()
	require.ErrorContains(t, err, p+": line 2, column 3: the quoted field that opens here runs on for more than 1024 bytes, to line 257: is its closing quote missing?")
}

// TestBlankLines: lines of spaces, tabs or a CR only are skipped wherever
// they are (before the header too), with the other lines' numbers kept; a
// row of blank cells as wide as the header is a row of missing values.
func TestBlankLines(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		lines               []int
	}{
		{"csv", "t.csv", "  \nx,y\n1,2\n \t \r\n3,4\n\t\n", []int{3, 5}},
		{"tsv", "t.tsv", "\t\nx\ty\n1\t2\n\t\t\t\n3\t4\n \n\t\n", []int{3, 5, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file, tc.content)
			b, _ := readAll(t, p, nil, 0)
			require.Equal(t, tc.lines, b.Lines)
			require.Equal(t, []string{"x", "y"}, columnNames(b))
		})
	}
}

func TestPipelineNotANumber(t *testing.T) {
	p := writeFile(t, "t.csv", "x,y\n1,a\n2,b\n3x,c\n")
	b, _ := readAll(t, p, nil, 0)
	_, err := Fit(Spec{Numeric: []string{"x"}, Categorical: []string{"y"}}, b)
	var ve *ValueError
	require.ErrorAs(t, err, &ve)
	require.ErrorContains(t, err, p+`: line 4, column "x": "3x" is not a number`)

	// A missing-value marker: Layout.NA is the way in a text file, and
	// is not suggested for a Parquet string column, where it does nothing.
	p = writeFile(t, "t.csv", "x\n1\n?\n")
	b, _ = readAll(t, p, nil, 0)
	_, err = Fit(Spec{Numeric: []string{"x"}}, b)
	require.ErrorContains(t, err, p+`: line 3, column "x": "?" is not a number (a numeric feature; Layout.NA = []string{"?"} reads it as a missing value)`)
	pq := &Batch{Source: "t.parquet", Rows: 2, Columns: []*Column{{Name: "x", Kind: Text, Str: []string{"1", "?"}}}}
	_, err = Fit(Spec{Numeric: []string{"x"}}, pq)
	require.ErrorContains(t, err, `t.parquet: row 2, column "x": "?" is not a number`)
	require.NotContains(t, err.Error(), "Layout.NA")
}

// TestPipelineInfinite: an infinite value, or one beyond float32's range
// (the matrix's type), is refused where it is, as XGBoost and scikit-learn
// refuse infinite features; a model could not route it as it was binned.
func TestPipelineInfinite(t *testing.T) {
	for _, v := range []string{"inf", "-Infinity", "1e39"} {
		p := writeFile(t, "t.csv", "x\n1\n"+v+"\n")
		b, _ := readAll(t, p, nil, 0)
		_, err := Fit(Spec{Numeric: []string{"x"}}, b)
		var ve *ValueError
		require.ErrorAs(t, err, &ve, v)
		require.ErrorContains(t, err, p+`: line 3, column "x": "`+v+`" is infinite or beyond float32's range`)
	}
	// Parquet columns are numbers already; the row is named.
	b := &Batch{Source: "t.parquet", Rows: 2, FirstRow: 10, Columns: []*Column{{Name: "x", Kind: Numeric, Num: []float64{1, math.Inf(-1)}}}}
	_, err := Fit(Spec{Numeric: []string{"x"}}, b)
	require.ErrorContains(t, err, `t.parquet: row 12, column "x": "-Inf" is infinite`)
}

func TestPipelineOneHotImputeTokens(t *testing.T) {
	train := writeFile(t, "train.csv", "age,city,genres\n30,Paris,Action|Drama\n,Oslo,Drama\n50,Paris,\n40,,Comedy|Drama|Drama\n")
	b, _ := readAll(t, train, nil, 0)
	spec := Spec{Numeric: []string{"age"}, Categorical: []string{"city"}, Tokens: []string{"genres"}, TokenSep: "|",
		Impute: ImputeMedian, MinDF: 2}
	p, err := Fit(spec, b)
	require.NoError(t, err)
	// DictVectorizer's names; Drama is the only token in two rows or more.
	require.Equal(t, []string{"age", "city=Oslo", "city=Paris", "genres=Drama"}, p.Features)
	require.Equal(t, JSONFloat(40), p.Fill[0])
	X, rep, err := p.Transform(b, nil)
	require.NoError(t, err)
	require.Equal(t, []float32{
		30, 0, 1, 1,
		40, 1, 0, 1, // age imputed with the median
		50, 0, 1, 0,
		40, 0, 0, 2, // no city: no one-hot column set; Drama twice
	}, X.Data)
	require.Equal(t, 1, rep.Imputed)

	test := writeFile(t, "test.csv", "genres,city,age\nDrama,Rome,1\nDrama,Paris,2\nx,Rome,3\n")
	tb, _ := readAll(t, test, p.Inputs(), 0)
	X, rep, err = p.Transform(tb, X)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 0, 0, 1, 2, 0, 1, 1, 3, 0, 0, 0}, X.Data)
	require.Equal(t, map[string]int{"city": 2}, rep.Unseen)
	require.Contains(t, rep.FirstUnseen["city"], `"Rome" (`+test+": line 2)")

	// A fitted pipeline survives JSON, as model files carry it.
	js, err := jsonRoundTrip(p)
	require.NoError(t, err)
	require.NoError(t, js.Check())
	X2, _, err := js.Transform(tb, nil)
	require.NoError(t, err)
	require.Equal(t, X.Data, X2.Data)
}

// TestPipelineTransformFloat64: the float64 matrix is Transform's, but
// numeric values keep float64's precision (0.1, 1e-300 and 16777217 are
// not float32 numbers), as a float64 model such as logistic regression
// needs; the mean imputed is the float64 mean too.
func TestPipelineTransformFloat64(t *testing.T) {
	train := writeFile(t, "train.csv", "x,city\n0.1,Paris\n16777217,Oslo\n,Paris\n1e-300,\n")
	b, _ := readAll(t, train, nil, 0)
	p, err := Fit(Spec{Numeric: []string{"x"}, Categorical: []string{"city"}, Impute: ImputeMean}, b)
	require.NoError(t, err)
	X, rep, err := p.TransformFloat64(b)
	require.NoError(t, err)
	mean := (0.1 + 16777217 + 1e-300) / 3
	require.Equal(t, []float64{
		0.1, 0, 1,
		16777217, 1, 0,
		mean, 0, 1,
		1e-300, 0, 0,
	}, X)
	require.Equal(t, 1, rep.Imputed)
	// Everything but the numeric values' precision is Transform's.
	X32, rep32, err := p.Transform(b, nil)
	require.NoError(t, err)
	require.Equal(t, rep, rep32)
	for i, v := range X {
		require.Equal(t, float32(v), X32.Data[i], "feature %d", i)
	}
	_, _, err = p.TransformFloat64(nil)
	require.ErrorContains(t, err, "the batch is nil")

	// Beyond float32's range: refused by default, taken by a Float64
	// pipeline (whose float32 Transform still refuses it); beyond
	// float64's, refused by both, and said so.
	huge := writeFile(t, "huge.csv", "x\n1\n-1e200\n")
	hb, _ := readAll(t, huge, nil, 0)
	_, err = Fit(Spec{Numeric: []string{"x"}}, hb)
	require.ErrorContains(t, err, huge+`: line 3, column "x": "-1e200" is infinite or beyond float32's range`)
	wide, err := Fit(Spec{Numeric: []string{"x"}, Float64: true}, hb)
	require.NoError(t, err)
	X, _, err = wide.TransformFloat64(hb)
	require.NoError(t, err)
	require.Equal(t, []float64{1, -1e200}, X)
	_, _, err = wide.Transform(hb, nil)
	require.ErrorContains(t, err, `"-1e200" is infinite or beyond float32's range`)
	over := writeFile(t, "over.csv", "x\n1\n1e400\n")
	ob, _ := readAll(t, over, nil, 0)
	_, err = Fit(Spec{Numeric: []string{"x"}, Float64: true}, ob)
	require.ErrorContains(t, err, over+`: line 3, column "x": "1e400" is infinite or beyond float64's range (±1.8e308)`)
	_, _, err = wide.TransformFloat64(ob)
	require.ErrorContains(t, err, `"1e400" is infinite or beyond float64's range`)
}

// TestPipelineCodes: EncodeCodes numbers each categorical column's training
// values in sorted order, keeps missing values NaN (or fills them), gives
// an unseen value the code past the known ones, and survives JSON.
func TestPipelineCodes(t *testing.T) {
	train := writeFile(t, "train.csv", "age,city,size\n30,Paris,M\n,Oslo,S\n50,Paris,L\n40,,M\n")
	b, _ := readAll(t, train, nil, 0)
	spec := Spec{Numeric: []string{"age"}, Categorical: []string{"city", "size"}, CategoricalEncoding: EncodeCodes}
	p, err := Fit(spec, b)
	require.NoError(t, err)
	require.Equal(t, []string{"age", "city", "size"}, p.Features)
	require.Equal(t, []int{1, 2}, p.CodeFeatures())
	require.Equal(t, [][]string{{"Oslo", "Paris"}, {"L", "M", "S"}}, p.Categories)
	X, rep, err := p.Transform(b, nil)
	require.NoError(t, err)
	nan := float32(math.NaN())
	requireSameFloats(t, []float32{
		30, 1, 1,
		nan, 0, 2,
		50, 1, 0,
		40, nan, 1, // no city: a missing code
	}, X.Data)
	require.Zero(t, rep.Imputed)

	test := writeFile(t, "test.csv", "size,city,age\nXL,Rome,1\nS,Paris,2\nL,Rome,3\n")
	tb, _ := readAll(t, test, p.Inputs(), 0)
	X, rep, err = p.Transform(tb, nil)
	require.NoError(t, err)
	// Rome and XL were never seen: the code past the known ones.
	requireSameFloats(t, []float32{1, 2, 3, 2, 1, 2, 3, 2, 0}, X.Data)
	require.Equal(t, map[string]int{"city": 2, "size": 1}, rep.Unseen)
	require.Contains(t, rep.FirstUnseen["size"], `"XL" (`+test+": line 2)")

	js, err := jsonRoundTrip(p)
	require.NoError(t, err)
	require.NoError(t, js.Check())
	require.Equal(t, []int{1, 2}, js.CodeFeatures())
	X2, _, err := js.Transform(tb, nil)
	require.NoError(t, err)
	requireSameFloats(t, X.Data, X2.Data)

	// Imputed: most frequent (Paris, code 1) and a constant category of
	// its own, "missing_value" (SimpleImputer's), sorted among the others.
	spec.ImputeCategorical = ImputeMostFrequent
	p, err = Fit(spec, b)
	require.NoError(t, err)
	X, rep, err = p.Transform(b, nil)
	require.NoError(t, err)
	require.Equal(t, float32(1), X.Data[3*3+1])
	require.Equal(t, 1, rep.Imputed)
	spec.ImputeCategorical = ImputeConstant
	p, err = Fit(spec, b)
	require.NoError(t, err)
	require.Equal(t, []string{"Oslo", "Paris", "missing_value"}, p.Categories[0])
	X, _, err = p.Transform(b, nil)
	require.NoError(t, err)
	require.Equal(t, float32(2), X.Data[3*3+1])

	// The one-hot default is unchanged, and no output column is a code.
	spec.CategoricalEncoding, spec.ImputeCategorical = EncodeOneHot, ImputeNone
	p, err = Fit(spec, b)
	require.NoError(t, err)
	require.Equal(t, []string{"age", "city=Oslo", "city=Paris", "size=L", "size=M", "size=S"}, p.Features)
	require.Nil(t, p.CodeFeatures())

	spec.CategoricalEncoding = "ordinal"
	_, err = Fit(spec, b)
	require.ErrorContains(t, err, `unknown categorical encoding "ordinal"`)
}

// TestPipelineOldFile: a pipeline saved before CategoricalEncoding existed
// (testdata/pipeline-afc957e.json, written by Fit at commit afc957e) loads
// as the one-hot pipeline it was.
func TestPipelineOldFile(t *testing.T) {
	raw, err := os.ReadFile("testdata/pipeline-afc957e.json")
	require.NoError(t, err)
	var p Pipeline
	require.NoError(t, json.Unmarshal(raw, &p))
	require.NoError(t, p.Check())
	require.Equal(t, EncodeOneHot, p.Spec.CategoricalEncoding)
	require.Nil(t, p.CodeFeatures())
	test := writeFile(t, "test.csv", "genres,city,age\nDrama,Rome,1\nDrama,,2\nx,Oslo,\n")
	tb, _ := readAll(t, test, p.Inputs(), 0)
	X, rep, err := p.Transform(tb, nil)
	require.NoError(t, err)
	// No city: the most frequent, Paris; no age: the median, 40.
	require.Equal(t, []float32{1, 0, 0, 1, 2, 0, 1, 1, 40, 1, 0, 0}, X.Data)
	require.Equal(t, map[string]int{"city": 1}, rep.Unseen)
	// Marshalled again, it says nothing of the encoding: files stay as they were.
	again, err := json.Marshal(&p)
	require.NoError(t, err)
	require.NotContains(t, string(again), "categorical_encoding")
}

func requireSameFloats(t *testing.T, want, got []float32) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		if want[i] != got[i] && !(want[i] != want[i] && got[i] != got[i]) {
			t.Fatalf("value %d: got %v, want %v (got %v)", i, got[i], want[i], got)
		}
	}
}

func TestPipelineSpecErrors(t *testing.T) {
	b := &Batch{Rows: 1, Columns: []*Column{{Name: "x", Kind: Numeric, Num: []float64{1}}}}
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{}, "no feature columns"},
		{Spec{Numeric: []string{"x", "x"}}, "listed twice"},
		{Spec{Numeric: []string{"x"}, Categorical: []string{"x"}}, "both as numeric and as categorical"},
		{Spec{Numeric: []string{"x"}, Impute: "avg"}, `unknown numeric impute strategy "avg"`},
		{Spec{Numeric: []string{"nope"}}, `no column "nope"`},
	} {
		_, err := Fit(tc.spec, b)
		require.ErrorContains(t, err, tc.want)
	}
}

// TestPipelineNilBatch: a nil batch is an error, not a nil dereference.
func TestPipelineNilBatch(t *testing.T) {
	spec := Spec{Numeric: []string{"x"}}
	_, err := Fit(spec, nil)
	require.EqualError(t, err, "tabular: Fit: the batch is nil")
	p, err := Fit(spec, &Batch{Rows: 1, Columns: []*Column{{Name: "x", Kind: Numeric, Num: []float64{1}}}})
	require.NoError(t, err)
	_, _, err = p.Transform(nil, nil)
	require.EqualError(t, err, "tabular: Transform: the batch is nil")
}

// TestCSVColumnsAreText: a CSV column of numbers is Text (Num is nil, as
// Kind's doc says); ParseNumber and a Pipeline read its numbers.
func TestCSVColumnsAreText(t *testing.T) {
	p := writeFile(t, "n.csv", "x\n1.5\n\n2\n")
	b, _ := readAll(t, p, nil, 0)
	c := b.Column("x")
	require.Equal(t, Text, c.Kind)
	require.Nil(t, c.Num)
	v, err := ParseNumber(c.Str[0])
	require.NoError(t, err)
	require.Equal(t, 1.5, v)
	pl, err := Fit(Spec{Numeric: []string{"x"}}, b)
	require.NoError(t, err)
	X, _, err := pl.Transform(b, nil)
	require.NoError(t, err)
	require.Equal(t, []float32{1.5, 2}, X.Data)
}

type pqRow struct {
	ID   string   `parquet:"id"`
	A    *float64 `parquet:"a,optional"`
	B    *int32   `parquet:"b,optional"`
	Cat  *string  `parquet:"cat,optional,dict"`
	Tags []string `parquet:"tags,list"`
}

// TestParquetGoWriter reads a file written by parquet-go's own writer: row
// groups of 3 rows, nulls in every optional column, a dictionary column,
// and a list column that is refused only when asked for.
func TestParquetGoWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[pqRow](f, parquet.MaxRowsPerRowGroup(3), parquet.Compression(&parquet.Snappy))
	var rows []pqRow
	for i := range 8 {
		r := pqRow{ID: "r" + string(rune('0'+i)), Tags: []string{"t"}}
		if i%3 != 2 {
			a := float64(i) * 1.5
			r.A = &a
		}
		if i%4 != 1 {
			b := int32(-i)
			r.B = &b
		}
		if i != 5 {
			c := []string{"u", "v"}[i%2]
			r.Cat = &c
		}
		rows = append(rows, r)
	}
	_, err = w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())

	b, batches := readAll(t, path, []string{"cat", "a", "b", "id"}, 2)
	require.Equal(t, 5, batches) // row groups 3,3,2 in batches of 2: 2+1, 2+1, 2
	require.Equal(t, 8, b.Rows)
	for i, r := range rows {
		a := b.Column("a").Num[i]
		if r.A == nil {
			require.True(t, math.IsNaN(a), "row %d", i)
		} else {
			require.Equal(t, *r.A, a)
		}
		bv := b.Column("b").Num[i]
		if r.B == nil {
			require.True(t, math.IsNaN(bv))
		} else {
			require.Equal(t, float64(*r.B), bv)
		}
		s, ok := b.Column("cat").Text(i)
		require.Equal(t, r.Cat != nil, ok)
		if ok {
			require.Equal(t, *r.Cat, s)
		}
		id, _ := b.Column("id").Text(i)
		require.Equal(t, r.ID, id)
	}
	_, err = Open(path, []string{"id", "tags"}, 0)
	require.ErrorIs(t, err, ErrColumn)
	require.ErrorContains(t, err, `column "tags" is a nested column`)
	_, err = Open(path, []string{"nope"}, 0)
	require.ErrorContains(t, err, `no column "nope"; the columns are: id, a, b, cat, tags`)
}

// TestArrowWriter reads testdata/arrow.parquet, written by Apache Arrow's
// Go writer (testdata/arrowgen): dictionary strings, dates, zstd, three
// row groups; its decimal and list columns are refused by name.
func TestArrowWriter(t *testing.T) {
	path := "testdata/arrow.parquet"
	b, batches := readAll(t, path, []string{"id", "a", "b", "c", "flag", "cat", "day"}, 0)
	require.Equal(t, 3, batches)
	require.Equal(t, 10, b.Rows)
	for i := range 10 {
		id, _ := b.Column("id").Text(i)
		require.Equal(t, "C00"+string(rune('0'+i)), id)
		checkNum := func(col string, null bool, want float64) {
			v := b.Column(col).Num[i]
			if null {
				require.True(t, math.IsNaN(v), "%s row %d: %v", col, i, v)
			} else {
				require.Equal(t, want, v, "%s row %d", col, i)
			}
		}
		checkNum("a", i%4 == 3, float64(i)/2)
		checkNum("b", i%5 == 4, float64(10*i))
		checkNum("c", false, float64(float32(i)/3))
		checkNum("flag", i%7 == 6, map[bool]float64{true: 1, false: 0}[i%2 == 0])
		checkNum("day", false, float64(19000+i))
		s, ok := b.Column("cat").Text(i)
		require.Equal(t, i%6 != 5, ok, "cat row %d", i)
		if ok {
			require.Equal(t, []string{"x", "y", "z"}[i%3], s)
		}
	}
	for col, want := range map[string]string{"price": "FIXED_LEN_BYTE_ARRAY", "tags": "nested"} {
		_, err := Open(path, []string{col}, 0)
		require.ErrorIs(t, err, ErrColumn)
		require.ErrorContains(t, err, want)
		require.ErrorContains(t, err, path)
	}
	// No columns (empty, not nil): the header alone, those two included,
	// so that a caller can choose the columns to read.
	r, err := Open(path, []string{}, 0)
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, []string{"id", "a", "b", "c", "flag", "cat", "day", "price", "tags"}, r.Header())
}

func TestParquetDamaged(t *testing.T) {
	good, err := os.ReadFile("testdata/arrow.parquet")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)-40]},
		{"magic only", []byte("PAR1")},
		{"garbled footer", append(append([]byte{}, good[:len(good)-12]...), []byte("\xff\xff\xff\x7f\x00\x00\x00\x00PAR1")...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.parquet")
			require.NoError(t, os.WriteFile(p, tc.data, 0o644))
			r, err := Open(p, nil, 0)
			if err == nil {
				for err == nil {
					_, err = r.Next()
				}
				r.Close()
				if errors.Is(err, io.EOF) {
					t.Skip("this damage happens to leave a readable file")
				}
			}
			require.ErrorIs(t, err, ErrFormat)
			require.True(t, strings.Contains(err.Error(), p), err.Error())
		})
	}
}

func jsonRoundTrip(p *Pipeline) (*Pipeline, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var out Pipeline
	return &out, json.Unmarshal(b, &out)
}

// TestSelectRowsKeepsWhere: rows picked out of a batch (a train/test
// split) are still named by their place in the file, for CSV lines and
// for Parquet row numbers alike.
func TestSelectRowsKeepsWhere(t *testing.T) {
	// Parquet: the second batch starts at row 4 (1-based row 5).
	r, err := Open("testdata/arrow.parquet", []string{"id", "cat"}, 4)
	require.NoError(t, err)
	defer r.Close()
	_, err = r.Next()
	require.NoError(t, err)
	b, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, "testdata/arrow.parquet: row 6", b.Where(1))
	sel := SelectRows(b, []int{3, 1})
	require.Equal(t, "testdata/arrow.parquet: row 8", sel.Where(0))
	require.Equal(t, "testdata/arrow.parquet: row 6", sel.Where(1))
	again := SelectRows(sel, []int{1})
	require.Equal(t, "testdata/arrow.parquet: row 6", again.Where(0))
	merged := Merge([]*Batch{sel, again})
	require.Equal(t, "testdata/arrow.parquet: row 6", merged.Where(2))

	// CSV: lines.
	p := writeFile(t, "t.csv", "x\n1\n\n2\n3\n")
	c, _ := readAll(t, p, nil, 0)
	require.Equal(t, p+": line 5", SelectRows(c, []int{2, 0}).Where(0))
}

// TestCSVLatin1: a cell that is not UTF-8 is read as latin-1 (as ember's
// other readers read such files), so that it is valid text everywhere it
// goes: feature names, JSON, a saved model's categories.
func TestCSVLatin1(t *testing.T) {
	p := writeFile(t, "l.csv", "city,y\nZ\xfcrich,1\nMalm\xf6,0\nS\xc3\xa3o Paulo,1\n")
	b, _ := readAll(t, p, nil, 0)
	var got []string
	for i := range b.Rows {
		s, _ := b.Column("city").Text(i)
		got = append(got, s)
	}
	require.Equal(t, []string{"Zürich", "Malmö", "São Paulo"}, got)
}

// TestCSVUnnamedColumns: columns without a name (Kaggle's SMS file: header
// "v1,v2,,,") are named as pandas names them, so the named ones can be read.
func TestCSVUnnamedColumns(t *testing.T) {
	p := writeFile(t, "k.csv", "v1,v2,,,\r\nham,hi,,,\r\nspam,win,\" now\",,\r\n")
	r, err := Open(p, nil, 0)
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, []string{"v1", "v2", "Unnamed: 2", "Unnamed: 3", "Unnamed: 4"}, r.Header())
	b, _ := readAll(t, p, []string{"v2", "Unnamed: 2"}, 0)
	s, _ := b.Column("Unnamed: 2").Text(1)
	require.Equal(t, "now", s)
}

// numberedRow has the column names pandas gives a frame built without
// names ("0", "1"), which a CSV header would suggest are a data row.
type numberedRow struct {
	C0 float64 `parquet:"0"`
	C1 float64 `parquet:"1"`
	C2 float64 `parquet:"2"`
}

// TestParquetMissingColumnNoHeaderHint: a Parquet file's names are its
// schema's, so a missing column is not answered with CSV's "is the first
// line data?" (a CSV file named the same way still gets it).
func TestParquetMissingColumnNoHeaderHint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "num.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[numberedRow](f)
	_, err = w.Write([]numberedRow{{1, 2, 3}})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	_, err = Open(path, []string{"label"}, 10)
	require.ErrorIs(t, err, ErrColumn)
	require.ErrorContains(t, err, `no column "label"; the columns are: 0, 1, 2`)
	require.NotContains(t, err.Error(), "first line")

	csv := filepath.Join(dir, "num.csv")
	require.NoError(t, os.WriteFile(csv, []byte("0,1,2\n1,2,3\n"), 0o644))
	_, err = Open(csv, []string{"label"}, 10)
	require.ErrorContains(t, err, "first line")
}

// TestParquetUnsigned: unsigned integer columns (INT(32|64, false), as Go's
// uint32 and uint64 and pandas' uint64 write them) read as their values,
// not as the signed reading of their bits (a uint64 of 2^63 read as
// -9.2e18).
func TestParquetUnsigned(t *testing.T) {
	type row struct {
		U32 uint32 `parquet:"u32"`
		U64 uint64 `parquet:"u64"`
		I64 int64  `parquet:"i64"`
	}
	rows := []row{{1, 2, -3}, {math.MaxUint32, 1 << 63, math.MinInt64}, {1 << 31, math.MaxUint64, 7}}
	path := filepath.Join(t.TempDir(), "u.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[row](f)
	_, err = w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	b, _ := readAll(t, path, []string{"u32", "u64", "i64"}, 10)
	for i, r := range rows {
		require.Equal(t, float64(r.U32), b.Column("u32").Num[i], "row %d", i)
		require.Equal(t, float64(r.U64), b.Column("u64").Num[i], "row %d", i)
		require.Equal(t, float64(r.I64), b.Column("i64").Num[i], "row %d", i)
	}
}

// TestPipelineCategoricalMissing: the ways a missing categorical value is
// one-hot encoded, as scikit-learn 1.2 encodes them. By default it sets no
// feature; ImputeMissingCategory learns a "column=nan" feature, last among
// the column's, where the training rows have a missing value, and in a
// column without one counts it as unseen; ImputeMostFrequent fills the
// most frequent value, ties to the smallest in byte order (SimpleImputer's
// min over the tied strings: "B" before "a"); ImputeConstant fills
// "missing_value", a category only where a training row needed it. Each
// pipeline survives JSON, and Check refuses a missing category list that
// does not fit its spec.
func TestPipelineCategoricalMissing(t *testing.T) {
	train := writeFile(t, "train.csv", "colour,size\na,S\nB,\n,S\na,M\nB,M\nc,S\n")
	b, _ := readAll(t, train, nil, 0)
	test := writeFile(t, "test.csv", "colour,size\n,\nz,M\n")
	tb, _ := readAll(t, test, nil, 0)
	spec := Spec{Categorical: []string{"colour", "size"}, Float64: true}
	fit := func(strategy string) (*Pipeline, []float64, TransformReport) {
		t.Helper()
		spec.ImputeCategorical = strategy
		p, err := Fit(spec, b)
		require.NoError(t, err)
		js, err := jsonRoundTrip(p)
		require.NoError(t, err)
		require.NoError(t, js.Check())
		X, rep, err := js.TransformFloat64(tb)
		require.NoError(t, err)
		return p, X, rep
	}

	p, X, rep := fit(ImputeNone)
	require.Equal(t, []string{"colour=B", "colour=a", "colour=c", "size=M", "size=S"}, p.Features)
	require.Nil(t, p.MissingCategory)
	require.Equal(t, []float64{0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, X)
	require.Equal(t, map[string]int{"colour": 1}, rep.Unseen)

	p, X, rep = fit(ImputeMissingCategory)
	require.Equal(t, []string{"colour=B", "colour=a", "colour=c", "colour=nan", "size=M", "size=S", "size=nan"}, p.Features)
	require.Equal(t, []bool{true, true}, p.MissingCategory)
	Xtr, _, err := p.TransformFloat64(b)
	require.NoError(t, err)
	require.Equal(t, []float64{
		0, 1, 0, 0, 0, 1, 0,
		1, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 1, 0, 1, 0,
		0, 1, 0, 0, 1, 0, 0,
		1, 0, 0, 0, 1, 0, 0,
		0, 0, 1, 0, 0, 1, 0,
	}, Xtr)
	require.Equal(t, []float64{0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0}, X)
	require.Equal(t, map[string]int{"colour": 1}, rep.Unseen)
	require.Zero(t, rep.Imputed)

	// Training rows without a missing size: no size=nan, and a missing
	// size is counted as a value they lack.
	full := writeFile(t, "full.csv", "colour,size\na,S\n,M\n")
	fb, _ := readAll(t, full, nil, 0)
	p, err = Fit(Spec{Categorical: []string{"colour", "size"}, ImputeCategorical: ImputeMissingCategory}, fb)
	require.NoError(t, err)
	require.Equal(t, []string{"colour=a", "colour=nan", "size=M", "size=S"}, p.Features)
	require.Equal(t, []bool{true, false}, p.MissingCategory)
	_, rep, err = p.TransformFloat64(tb)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"colour": 1, "size": 1}, rep.Unseen)
	require.Equal(t, `a missing value (`+test+`: line 2)`, rep.FirstUnseen["size"])

	// a and B tie at 2: B, first in byte order; S is size's mode.
	p, X, rep = fit(ImputeMostFrequent)
	require.Equal(t, []string{"B", "S"}, p.CategoryFill)
	require.Equal(t, []string{"colour=B", "colour=a", "colour=c", "size=M", "size=S"}, p.Features)
	require.Equal(t, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1, 0}, X)
	require.Equal(t, 2, rep.Imputed)

	p, X, _ = fit(ImputeConstant)
	require.Equal(t, []string{"colour=B", "colour=a", "colour=c", "colour=missing_value", "size=M", "size=S", "size=missing_value"}, p.Features)
	require.Equal(t, []float64{0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0}, X)
	spec.FillCategory = "none"
	p, _, _ = fit(ImputeConstant)
	require.Equal(t, []string{"colour=B", "colour=a", "colour=c", "colour=none", "size=M", "size=S", "size=none"}, p.Features)
	// Training rows that need no fill learn no fill category: a missing
	// value then is one they lack.
	p, err = Fit(Spec{Categorical: []string{"size"}, ImputeCategorical: ImputeConstant}, fb)
	require.NoError(t, err)
	require.Equal(t, []string{"size=M", "size=S"}, p.Features)
	_, rep, err = p.TransformFloat64(tb)
	require.NoError(t, err)
	require.Equal(t, `a missing value (filled with "missing_value") (`+test+`: line 2)`, rep.FirstUnseen["size"])

	// A pipeline whose missing categories do not fit its spec is refused.
	p, _, _ = fit(ImputeMissingCategory)
	p.MissingCategory = p.MissingCategory[:1]
	require.ErrorContains(t, p.Check(), "missing categories do not match")
	p.MissingCategory = []bool{true, false}
	require.ErrorContains(t, p.Check(), "7 feature names for 6 features")

	// A Parquet string "nan" (a CSV "nan" reads as missing) beside a
	// missing value: two features of one name, refused.
	nanBatch := &Batch{Rows: 2, Columns: []*Column{{Name: "c", Kind: Text, Str: []string{"nan", ""}, Null: []bool{false, true}}}}
	_, err = Fit(Spec{Categorical: []string{"c"}, ImputeCategorical: ImputeMissingCategory}, nanBatch)
	require.ErrorContains(t, err, `column "c" has both missing values and the value "nan", whose features would share the name "c=nan"`)

	// Codes keep a missing value NaN: no missing category for them.
	_, err = Fit(Spec{Categorical: []string{"size"}, ImputeCategorical: ImputeMissingCategory, CategoricalEncoding: EncodeCodes}, b)
	require.ErrorContains(t, err, "a missing category is one-hot encoding's")
}

// TestParquetNoRows: a Parquet file of a schema and no rows is refused as
// a header-only CSV file is, rather than read as a batch of nothing (which
// left a command with no columns and nothing to say).
func TestParquetNoRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[numberedRow](f)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	r, err := Open(path, nil, 10)
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, []string{"0", "1", "2"}, r.Header())
	_, err = r.Next()
	require.ErrorIs(t, err, ErrFormat)
	require.EqualError(t, err, path+": no data rows (the Parquet file has columns but no rows)")
}

// TestImputeAllMissing: imputing a column with no value to learn from is
// an error naming the file, the column and how many rows it was fitted on
// (scikit-learn's SimpleImputer drops such a column with a warning; here
// the caller chose it as a feature). constant needs no values.
func TestImputeAllMissing(t *testing.T) {
	path := writeFile(t, "m.csv", "x,b\n1,\n2,NA\n3,\n")
	b, _ := readAll(t, path, nil, 0)
	for _, how := range []string{ImputeMean, ImputeMedian, ImputeMostFrequent} {
		_, err := Fit(Spec{Numeric: []string{"x", "b"}, Impute: how}, b)
		require.EqualError(t, err, path+`: column "b" is missing in all 3 rows fitted on, so it has no `+how+` to fill them with`)
	}
	p, err := Fit(Spec{Numeric: []string{"x", "b"}, Impute: ImputeConstant, FillValue: 7}, b)
	require.NoError(t, err)
	require.Equal(t, JSONFloat(7), p.Fill[1])
}

// A negative batchRows is the caller's mistake: Open and OpenLayout panic,
// as documented, rather than read in batches of the default size; 0 still
// means DefaultBatchRows.
func TestOpenNegativeBatchRowsPanics(t *testing.T) {
	p := writeFile(t, "t.csv", "a,b\n1,2\n")
	want := "tabular: Open " + p + ": batchRows -1 is negative; want 0 (DefaultBatchRows) or more"
	require.PanicsWithValue(t, want, func() { _, _ = Open(p, nil, -1) })
	require.PanicsWithValue(t, want, func() { _, _ = OpenLayout(p, nil, -1, Layout{NoHeader: true}) })
	b, batches := readAll(t, p, nil, 0)
	require.Equal(t, 1, batches)
	require.Equal(t, 1, b.Rows)
}
