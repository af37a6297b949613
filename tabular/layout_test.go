package tabular

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// readLayout reads every batch of a file laid out as l.
func readLayout(t *testing.T, path string, cols []string, batch int, l Layout) (*Batch, error) {
	t.Helper()
	r, err := OpenLayout(path, cols, batch, l)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var bs []*Batch
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			return Merge(bs), nil
		}
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
}

func texts(t *testing.T, b *Batch, name string) []string {
	t.Helper()
	c := b.Column(name)
	require.NotNil(t, c, "column %q", name)
	out := make([]string, b.Rows)
	for i := range out {
		out[i], _ = c.Text(i)
	}
	return out
}

// TestLayoutWhitespaceNoHeader reads a UCI-style .data file: values
// separated by runs of spaces and tabs, a trailing space, a blank line, no
// header. The first line is the first row (also when the batches hold one
// row each), the columns are named 0, 1, …, and the lines are the file's.
func TestLayoutWhitespaceNoHeader(t *testing.T) {
	p := writeFile(t, "german.data", "A11 6  A34\t1169 1\nA12 48 A32 5951 2 \n\n  A14 12 A34 2096 1\r\n")
	for _, batch := range []int{1, 2, 0} {
		b, err := readLayout(t, p, nil, batch, Layout{Sep: Whitespace, NoHeader: true})
		require.NoError(t, err)
		require.Equal(t, 3, b.Rows)
		require.Equal(t, []int{1, 2, 4}, b.Lines)
		require.Equal(t, []string{"0", "1", "2", "3", "4"}, columnNames(b))
		require.Equal(t, []string{"A11", "A12", "A14"}, texts(t, b, "0"))
		require.Equal(t, []string{"1", "2", "1"}, texts(t, b, "4"))
		require.Equal(t, Layout{Sep: Whitespace, NoHeader: true}, b.Layout)
	}
	// Asking for columns by number, and for one the file lacks.
	b, err := readLayout(t, p, []string{"4", "1"}, 0, Layout{Sep: Whitespace, NoHeader: true})
	require.NoError(t, err)
	require.Equal(t, []string{"6", "48", "12"}, texts(t, b, "1"))
	_, err = readLayout(t, p, []string{"5"}, 0, Layout{Sep: Whitespace, NoHeader: true})
	require.ErrorIs(t, err, ErrColumn)
	require.EqualError(t, err, p+`: no column "5"; the columns are: 0, 1, 2, 3, 4`)

	// A no-break space (a French "1 000", a name) is part of a value.
	nb := writeFile(t, "cities.data", "New\u00a0York 1\u00a0000\nParis 2\n")
	b, err = readLayout(t, nb, nil, 0, Layout{Sep: Whitespace, NoHeader: true})
	require.NoError(t, err)
	require.Equal(t, []string{"New\u00a0York", "Paris"}, texts(t, b, "0"))
	require.Equal(t, []string{"1\u00a0000", "2"}, texts(t, b, "1"))

	// Single spaces: the doubled one is an empty field on line 1 (and
	// "A34\t1169" one field), the trailing one on line 2.
	_, err = readLayout(t, p, nil, 0, Layout{Sep: ' ', NoHeader: true})
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "record on line 2: wrong number of fields (the first line has 5 columns; a doubled or trailing space makes an empty field: Layout.Sep = tabular.Whitespace reads runs of spaces)")
	p = writeFile(t, "short.data", "1 2 3\n4 5\n")
	_, err = readLayout(t, p, nil, 0, Layout{Sep: Whitespace, NoHeader: true})
	require.EqualError(t, err, p+": record on line 2: wrong number of fields (the first line has 3 columns)")
	p = writeFile(t, "empty.data", "\n \n")
	_, err = readLayout(t, p, nil, 0, Layout{Sep: Whitespace, NoHeader: true})
	require.EqualError(t, err, p+": the file is empty")
}

func columnNames(b *Batch) []string {
	var names []string
	for _, c := range b.Columns {
		names = append(names, c.Name)
	}
	return names
}

// TestLayoutSeparators: an explicit separator with a header row, and CSV
// quoting kept without one.
func TestLayoutSeparators(t *testing.T) {
	p := writeFile(t, "t.csv", "a;b;y\n1,5;2;0\n")
	b, err := readLayout(t, p, nil, 0, Layout{Sep: ';'})
	require.NoError(t, err)
	require.Equal(t, []string{"1,5"}, texts(t, b, "a"))
	require.Equal(t, []int{2}, b.Lines)

	p = writeFile(t, "q.csv", "\"x, y\",1\nz,2\n")
	b, err = readLayout(t, p, nil, 0, Layout{NoHeader: true})
	require.NoError(t, err)
	require.Equal(t, []string{"x, y", "z"}, texts(t, b, "0"))
	require.Equal(t, []int{1, 2}, b.Lines)

	// A header that looks like data names Layout.NoHeader; with it, no hint.
	p = writeFile(t, "h.csv", "1,14.23,1.71\n2,13.2,1.78\n")
	_, err = readLayout(t, p, []string{"class"}, 0, Layout{})
	require.ErrorContains(t, err, "(is the first line data? Layout.NoHeader = true reads it as data, naming the columns 0, 1, 2, …)")
	_, err = readLayout(t, p, []string{"class"}, 0, Layout{NoHeader: true})
	require.EqualError(t, err, p+`: no column "class"; the columns are: 0, 1, 2`)
	// Without a header, the separator hint reads the first row.
	p = writeFile(t, "g.data", "A11 6 A34\nA12 7 A35\n")
	_, err = readLayout(t, p, []string{"2"}, 0, Layout{NoHeader: true})
	require.ErrorContains(t, err, `no column "2"; the columns are: 0 (the first line is one column: is the file separated by spaces? Layout.Sep = ' ' reads it, Layout.Sep = tabular.Whitespace runs of spaces)`)
}

func TestParseSep(t *testing.T) {
	for in, want := range map[string]rune{"": 0, "auto": 0, ",": ',', ";": ';', "|": '|', " ": ' ', "space": ' ',
		"tab": '\t', `\t`: '\t', "\t": '\t', "whitespace": Whitespace, `\s+`: Whitespace, "comma": ',', "TAB": '\t'} {
		got, err := ParseSep(in)
		require.NoError(t, err, "%q", in)
		require.Equal(t, want, got, "%q", in)
	}
	for _, bad := range []string{";;", `"`, "\n", "\r", "tabs", `\S+`, `\T`} {
		_, err := ParseSep(bad)
		require.ErrorContains(t, err, "want one character", "%q", bad)
	}
}

// TestSepName: SepName spells a separator as ParseSep reads it back: a word
// for the ones hard to read on a command line, else the character.
func TestSepName(t *testing.T) {
	for sep, want := range map[rune]string{0: "auto", '\t': "tab", ' ': "space", Whitespace: "whitespace",
		',': ",", ';': ";", '|': "|", ':': ":", 'x': "x", 'é': "é", '\x1f': "\x1f"} {
		require.Equal(t, want, SepName(sep), "%q", sep)
	}
	// Round trip, for every separator ParseSep gives, words included.
	seps := []rune{Whitespace}
	for r := rune(0); r < 0x3000; r++ {
		seps = append(seps, r)
	}
	for _, word := range []string{"tab", "space", "comma", "semicolon", "pipe", "whitespace", "auto"} {
		r, err := ParseSep(word)
		require.NoError(t, err, word)
		seps = append(seps, r)
	}
	for _, sep := range seps {
		if _, err := ParseSep(string(sep)); err != nil && sep > 0 {
			continue // not a separator ParseSep gives
		}
		got, err := ParseSep(SepName(sep))
		require.NoError(t, err, "%q -> %q", sep, SepName(sep))
		require.Equal(t, sep, got, "%q -> %q", sep, SepName(sep))
	}
}

// TestLayoutNA: cells holding a Layout.NA marker (after trimming) are
// missing values, as pandas' defaults are; other cells are not.
func TestLayoutNA(t *testing.T) {
	p := writeFile(t, "crx.data", "b,30.83,?\n?, ? ,1.5\na,NA,-\n")
	l := Layout{NoHeader: true, NA: []string{"?"}}
	b, err := readLayout(t, p, nil, 2, l)
	require.NoError(t, err)
	for _, cell := range []struct {
		col     string
		row     int
		missing bool
	}{{"0", 0, false}, {"0", 1, true}, {"1", 1, true}, {"1", 2, true}, {"2", 0, true}, {"2", 2, false}} {
		_, ok := b.Column(cell.col).Text(cell.row)
		require.Equal(t, cell.missing, !ok, "column %s row %d", cell.col, cell.row)
	}
	require.Equal(t, ` ("?" reads as a missing value, as in pandas' read_csv)`, b.Column("0").MissingMarker(1))
	require.True(t, l.IsNA(" ? ") && l.IsNA("NaN") && !l.IsNA("-") && !Layout{}.IsNA("?"))
}

// TestLayoutTerms: the hints in errors name the Layout settings to change,
// as Go code sets them, never a command line's flags; a Layout's Terms
// names them for another reader (a command line names its flags), down to
// the pipeline's error for a missing-value marker.
func TestLayoutTerms(t *testing.T) {
	flags := &Terms{
		Sep: func(sep rune) string {
			if sep == Whitespace {
				return "--sep whitespace"
			}
			return fmt.Sprintf("--sep %q", string(sep))
		},
		NoHeader: "--no-header",
		NA:       func(marker string) string { return fmt.Sprintf("--na-values %q", marker) },
	}
	spaced := writeFile(t, "g.data", "A11 6 A34\nA12 7 A35 \n")
	semis := writeFile(t, "s.csv", "a;b\n1;2\n")
	headerless := writeFile(t, "h.csv", "1,14.23\n2,13.2\n")
	marker := writeFile(t, "q.csv", "x\n1\n?\n")
	fitX := func(path string, l Layout) error {
		b, err := readLayout(t, path, nil, 0, l)
		if err != nil {
			return err
		}
		_, err = Fit(Spec{Numeric: []string{"x"}}, b)
		return err
	}
	for _, tc := range []struct {
		name       string
		read       func(l Layout) error
		l          Layout
		code, flag string
	}{
		{"fields note", func(l Layout) error { _, err := readLayout(t, spaced, nil, 0, l); return err }, Layout{Sep: ' ', NoHeader: true},
			"Layout.Sep = tabular.Whitespace reads runs of spaces", "--sep whitespace reads runs of spaces"},
		{"spaces", func(l Layout) error { _, err := readLayout(t, spaced, []string{"2"}, 0, l); return err }, Layout{NoHeader: true},
			"Layout.Sep = ' ' reads it, Layout.Sep = tabular.Whitespace runs of spaces", `--sep " " reads it, --sep whitespace runs of spaces`},
		{"semicolons", func(l Layout) error { _, err := readLayout(t, semis, []string{"b"}, 0, l); return err }, Layout{},
			`separated by ";"? Layout.Sep = ';' reads it`, `separated by ";"? --sep ";" reads it`},
		{"no header", func(l Layout) error { _, err := readLayout(t, headerless, []string{"y"}, 0, l); return err }, Layout{},
			"Layout.NoHeader = true reads it as data", "--no-header reads it as data"},
		{"marker", func(l Layout) error { return fitX(marker, l) }, Layout{},
			`Layout.NA = []string{"?"} reads it as a missing value`, `--na-values "?" reads it as a missing value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read(tc.l)
			require.ErrorContains(t, err, tc.code)
			require.NotContains(t, err.Error(), "--")
			l := tc.l
			l.Terms = flags
			err = tc.read(l)
			require.ErrorContains(t, err, tc.flag)
			require.NotContains(t, err.Error(), "Layout.")
		})
	}
}

// TestOpenSpacedFile: German credit's german.data (values separated by
// single spaces, a trailing space on one line, no header). Open with the
// zero Layout reads it without error as one column named after the first
// line, as its doc says, and HeaderHint on the header says so; Sep ' '
// fails on the trailing space, and the Layout doc's recommendation,
// Whitespace, reads it.
func TestOpenSpacedFile(t *testing.T) {
	p := writeFile(t, "german.data", "A11 6 A34 1\nA12 48 A32 2 \nA14 12 A34 1\n")
	r, err := Open(p, nil, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"A11 6 A34 1"}, r.Header())
	r.Close()
	require.Equal(t, " (the first line is one column: is the file separated by spaces? Layout.Sep = ' ' reads it, Layout.Sep = tabular.Whitespace runs of spaces)",
		Layout{}.HeaderHint(r.Header()))

	_, err = readLayout(t, p, nil, 0, Layout{Sep: ' ', NoHeader: true})
	require.ErrorContains(t, err, "record on line 2: wrong number of fields")
	b, err := readLayout(t, p, nil, 0, Layout{Sep: Whitespace, NoHeader: true})
	require.NoError(t, err)
	require.Equal(t, 3, b.Rows)
	require.Equal(t, []string{"0", "1", "2", "3"}, columnNames(b))
}

// TestReaderHint: Hint gives, for any opened file, the hint HeaderHint
// gives for its first line as read, which r.Header() alone cannot for a
// file read with NoHeader (its names are 0, 1, …). A plausible file gets
// none, nor does Parquet (its names are its schema's), and a one-column
// file whose header has a space opens without error: the hint is a
// warning to show, not a refusal.
func TestReaderHint(t *testing.T) {
	spaced := writeFile(t, "german.data", "A11 6 A34 1\nA12 48 A32 2\n")
	oneColumn := writeFile(t, "names.csv", "full name\nAda Lovelace\n")
	headerless := writeFile(t, "iris.data", "5.1,3.5,1.4,0.2,setosa\n4.9,3,1.4,0.2,setosa\n")
	// A Parquet column named as the spaced file's first line: its name is
	// the schema's, not a line misread.
	pq := filepath.Join(t.TempDir(), "one.parquet")
	f, err := os.Create(pq)
	require.NoError(t, err)
	type row struct {
		V string `parquet:"A11 6 A34 1"`
	}
	w := parquet.NewGenericWriter[row](f)
	_, err = w.Write([]row{{"x"}})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	for _, tc := range []struct {
		name   string
		path   string
		cols   []string
		layout Layout
		want   string
	}{
		{"spaces, no header", spaced, nil, Layout{NoHeader: true}, "the first line is one column: is the file separated by spaces?"},
		{"spaces, header", spaced, nil, Layout{}, "the first line is one column: is the file separated by spaces?"},
		{"spaces, Whitespace", spaced, nil, Layout{Sep: Whitespace, NoHeader: true}, ""},
		{"one column with a space", oneColumn, nil, Layout{}, "the first line is one column"},
		{"numbers as names", headerless, nil, Layout{}, "is the first line data?"},
		{"no header said", headerless, nil, Layout{NoHeader: true}, ""},
		{"parquet", pq, nil, Layout{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenLayout(tc.path, tc.cols, 0, tc.layout)
			require.NoError(t, err)
			defer r.Close()
			if tc.want == "" {
				require.Empty(t, Hint(r))
			} else {
				require.Contains(t, Hint(r), tc.want)
			}
		})
	}
	// What Open's doc suggested before misses the headerless case.
	r, err := OpenLayout(spaced, nil, 0, Layout{NoHeader: true})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, []string{"0"}, r.Header())
	r2, err := Open(pq, nil, 0)
	require.NoError(t, err)
	defer r2.Close()
	require.NotEmpty(t, Layout{}.HeaderHint(r2.Header()), "HeaderHint alone takes the Parquet name for a line")
	require.Empty(t, Layout{NoHeader: true}.HeaderHint(r.Header()))
}
