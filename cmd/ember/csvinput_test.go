package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

func TestParseTable(t *testing.T) {
	tests := []struct {
		name, path, text string
		header           []string
		rows             int
		lines            []int
	}{
		{"csv", "a.csv", "x,y\n1,2\n3,4\n", []string{"x", "y"}, 2, []int{2, 3}},
		{"tsv by extension", "a.tsv", "x,1\ty\n1\t2\n", []string{"x,1", "y"}, 1, []int{2}},
		{"tsv by header", "a.txt", "x\ty\n1\t2\n", []string{"x", "y"}, 1, []int{2}},
		{"BOM and CRLF", "a.csv", "\ufeffx, y\r\n1,2\r\n", []string{"x", "y"}, 1, []int{2}},
		// Blank lines are skipped, quoted fields may span lines, and the
		// line numbers still point into the file.
		{"blank and multi-line", "a.csv", "x,y\n\n1,\"two\nlines\"\n3,4\n", []string{"x", "y"}, 2, []int{3, 5}},
		// Lines of spaces, tabs or a CR only are blank lines too (a
		// trailing one was a row with too few fields).
		{"whitespace lines", "a.csv", "x,y\n1,2\n  \n\t\n3,4\n \r\n", []string{"x", "y"}, 2, []int{2, 5}},
		{"whitespace lines in a TSV", "a.tsv", "x\ty\n1\t2\n  \n3\t4\n\t \t\n", []string{"x", "y"}, 2, []int{2, 4}},
		{"whitespace lines, one column", "a.csv", "x\n1\n  \n2\n\r\n", []string{"x"}, 2, []int{2, 4}},
		{"whitespace lines before the header", "a.csv", "   \n\t\nx,y\n1,2\n", []string{"x", "y"}, 1, []int{4}},
		// Unnamed columns (Kaggle's SMS file: "v1,v2,,,") are tolerated.
		{"unnamed columns", "k.csv", "v1,v2,,,\r\nham,hi,,,\r\n", []string{"v1", "v2", "", "", ""}, 1, []int{2}},
		// An empty cell in a TSV is two tabs in a row, not one delimiter.
		{"tsv with empty cells", "a.tsv", "x\ty\tz\n1\t\t3\n\t\t\n", []string{"x", "y", "z"}, 2, []int{2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := parseTable(strings.NewReader(tc.text), tc.path, tabular.Layout{Terms: flagTerms})
			require.NoError(t, err)
			require.Equal(t, tc.header, tab.header)
			require.Len(t, tab.rows, tc.rows)
			require.Equal(t, tc.lines, tab.lines)
		})
	}
}

// TestParseTableCRLineEnds: a lone CR (old Mac files) ends a line, as in
// pandas, where it made the file one line; CRLF is one line end, a CR in
// a quoted field is data, and line numbers, in the table and in later
// errors, count every line end.
func TestParseTableCRLineEnds(t *testing.T) {
	tests := []struct {
		name, path, text string
		layout           tabular.Layout
		rows             [][]string
		lines            []int
	}{
		{"csv", "a.csv", "x,y\r1,2\r3,4\r", tabular.Layout{}, [][]string{{"1", "2"}, {"3", "4"}}, []int{2, 3}},
		{"tsv", "a.tsv", "x\ty\r1\t2\r\r3\t4", tabular.Layout{}, [][]string{{"1", "2"}, {"3", "4"}}, []int{2, 4}},
		// Tabs on the first line, as ended by its CR, pick the separator.
		{"tsv by first line", "a.txt", "x\ty\r1\t2,5\r", tabular.Layout{}, [][]string{{"1", "2,5"}}, []int{2}},
		{"mixed", "a.csv", "x,y\r\n1,2\r3,4\n5,6", tabular.Layout{}, [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}}, []int{2, 3, 4}},
		{"CR in a quoted field", "a.csv", "x,y\r1,\"a\rb\"\r3,4\r", tabular.Layout{}, [][]string{{"1", "a\rb"}, {"3", "4"}}, []int{2, 3}},
		{"whitespace", "a.data", "1 2\r3  4\r", tabular.Layout{Sep: tabular.Whitespace, NoHeader: true}, [][]string{{"1", "2"}, {"3", "4"}}, []int{1, 2}},
		{"latin-1", "a.csv", "x,y\rcaf\xe9,1\r", tabular.Layout{}, [][]string{{"café", "1"}}, []int{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.layout.Terms = flagTerms
			tab, err := parseTable(strings.NewReader(tc.text), tc.path, tc.layout)
			require.NoError(t, err)
			require.Equal(t, tc.rows, tab.rows)
			require.Equal(t, tc.lines, tab.lines)
		})
	}

	_, err := parseTable(strings.NewReader("x,y\r1,2\r3\r"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.EqualError(t, err, "t.csv: record on line 3: wrong number of fields (the header has 2 columns)")
	tab, err := parseTable(strings.NewReader("x,y\r1,2\r\r3,z\r"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	_, err = tab.floats([]string{"y"})
	require.EqualError(t, err, `t.csv: line 4, column "y": "z" is not a number`)
}

// TestDocumentsCRLineEnds: naive Bayes' label<TAB>text and
// text<TAB>label lines end in a lone CR too, as tables' lines do, where a
// CR-only file was one line of many tab-separated fields; its layout is
// still told from its lines.
func TestDocumentsCRLineEnds(t *testing.T) {
	sms := writeFile(t, "sms.txt", "ham\tgo home\rspam\twin \"cash\r\rham\tok then\r")
	format, err := nbSniffLines(sms)
	require.NoError(t, err)
	require.Equal(t, "sms", format)
	docs, labels, err := nbReadDocs(sms, format, "", "")
	require.NoError(t, err)
	require.Equal(t, []string{"go home", `win "cash`, "ok then"}, docs)
	require.Equal(t, []string{"ham", "spam", "ham"}, labels)

	sentences := writeFile(t, "s.txt", "A fine film.\t1\rDull, and long.\t0\rLoved it.\t1\rNo.\t0\r")
	format, err = nbSniffLines(sentences)
	require.NoError(t, err)
	require.Equal(t, "text-label", format)
	_, labels, err = nbReadDocs(sentences, format, "", "")
	require.NoError(t, err)
	require.Equal(t, []string{"1", "0", "1", "0"}, labels)

	// A NUL past the head's check is named with its line.
	bin := writeFile(t, "b.txt", strings.Repeat("ham\thi\r", 3000)+"ham\t\x00\r")
	_, _, err = nbReadDocs(bin, "sms", "", "")
	require.EqualError(t, err, bin+": line 3001, column 5: a NUL byte, which text files do not have: a binary file, or text in UTF-16?")
}

// TestParseTableBareQuote: a quote inside a field that does not start with
// one is text, as pandas reads it (a"b is the text a"b), where it was an
// error.
func TestParseTableBareQuote(t *testing.T) {
	tab, err := parseTable(strings.NewReader("x,y\n1,5\" screen\n2,a \"b\" c\n"), "q.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	require.Equal(t, [][]string{{"1", `5" screen`}, {"2", `a "b" c`}}, tab.rows)
}

// TestParseTableWhitespaceLatin1: --sep whitespace splits a latin-1 file
// on spaces and tabs only, as ember gbt's reader does: its 0xA0 byte is a
// no-break space inside a value, not a separator.
func TestParseTableWhitespaceLatin1(t *testing.T) {
	tab, err := parseTable(strings.NewReader("caf\xe9\xa0bar 1\nx 2\n"), "in.data", tabular.Layout{Sep: tabular.Whitespace, NoHeader: true, Terms: flagTerms})
	require.NoError(t, err)
	require.Equal(t, [][]string{{"café\u00a0bar", "1"}, {"x", "2"}}, tab.rows)
}

func TestParseTableErrors(t *testing.T) {
	tests := []struct{ name, text, wantErr string }{
		{"empty", "", "the file is empty"},
		{"header only", "x,y\n", "no data rows"},
		{"duplicate column", "x,y,x\n1,2,3\n", `column name "x" appears twice (columns 1 and 3)`},
		{"duplicate column after blank lines", "\n\nx,y,x\n1,2,3\n", `line 3: column name "x" appears twice (columns 1 and 3)`},
		{"headerless", "b,30.83,0,u,0,+\na,1,2,3,4,-\n", `column name "0" appears twice (columns 3 and 5) (is the first line data? --no-header reads it as data, naming the columns 0, 1, 2, …)`},
		{"no named column", ",,\n1,2,3\n", "line 1: no column has a name"},
		{"short row", "x,y\n1,2\n3\n", "record on line 3: wrong number of fields"},
		// A line of separators is a short row, not a blank line.
		{"separators only", "a,b,c,y\n1,2,3,4\n,\n5,6,7,8\n", "record on line 3: wrong number of fields"},
		// Quote errors say where and how to fix them, and nothing of the
		// header, which is not their cause.
		{"unclosed quote", "x,y\n1,\"2\n3,4\n", `in.csv: line 2, column 3: the quoted field that opens here is never closed (the file ends inside it, on line 3); close it with a quote, and write a quote inside it twice ("a ""b"" c")`},
		{"text after a closing quote", "x,y\n1,\"set\"osa\"\n", `in.csv: line 2, column 7: a quote inside the quoted field that opens at column 3; a quoted field ends at its closing quote, and a quote inside it is written twice ("a ""b"" c")`},
		{"text after a closing quote, CR line ends", "x,y\r1,2\r3,\"a\"b\r", `in.csv: line 3, column 5: a quote inside the quoted field that opens at column 3`},
		// A NUL past the first 8 KiB, in a CR-only file: named with its
		// line and column.
		{"NUL bytes later", "x,y\r" + strings.Repeat("1,2\r", 3000) + "3,\x00\r", "in.csv: line 3002, column 3: a NUL byte, which text files do not have"},
		// Binary files, which read as latin-1 gave a parse error about quotes.
		{"parquet", "PAR1\x15\x04\x15@\"x\x00", "in.csv is a Parquet file; this command reads CSV or TSV text (ember gbt and ember score read Parquet)"},
		{"UTF-16", "\xff\xfex\x00,\x00y\x00\n\x00", "in.csv is UTF-16 text; save it as UTF-8"},
		{"NUL bytes", "x,y\n1,\x002\n", "in.csv: not a CSV or TSV file (binary content: a NUL byte on line 2, column 3, byte offset 6)"},
		{"gzip", "\x1f\x8b\x08\x08J4\x0fk\x00\x03iris.csv\x00", "in.csv is gzip-compressed; decompress it first (gunzip)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTable(strings.NewReader(tc.text), "in.csv", tabular.Layout{Terms: flagTerms})
			require.ErrorContains(t, err, tc.wantErr)
			require.ErrorContains(t, err, "in.csv")
			if strings.Contains(tc.name, "quote") {
				require.NotContains(t, err.Error(), "header has", "a quote error is not about the header")
			}
		})
	}
}

func TestTableFloats(t *testing.T) {
	tab, err := parseTable(strings.NewReader("a,b,c\n1,2e3,x\n-0.5, 4 ,y\n"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	X, err := tab.floats([]string{"b", "a"})
	require.NoError(t, err)
	require.Equal(t, [][]float64{{2000, 1}, {4, -0.5}}, X)

	_, err = tab.floats([]string{"a", "c"})
	require.EqualError(t, err, `t.csv: line 2, column "c": "x" is not a number`)
	_, err = tab.floats([]string{"zz"})
	require.EqualError(t, err, `t.csv: no column "zz"; the columns are: a, b, c`)

	tab, err = parseTable(strings.NewReader("a;b;c\n1;2;3\n"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	_, err = tab.floats([]string{"a"})
	require.EqualError(t, err, `t.csv: no column "a"; the columns are: a;b;c (the first line is one column: is the file separated by ";"? --sep ";" reads it)`)

	tab, err = parseTable(strings.NewReader("a\n1\n+Inf\n"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	_, err = tab.floats([]string{"a"})
	require.EqualError(t, err, `t.csv: line 3, column "a": "+Inf" is not a finite number`)
}

func TestTableLabels(t *testing.T) {
	tests := []struct {
		name    string
		col     string
		y       []int
		classes []string
	}{
		{"strings sort lexically", "s", []int{2, 0, 1, 0}, []string{"ant", "bee", "cat"}},
		// As strings "10" < "2"; as numbers 2 < 10.
		{"numbers sort numerically", "n", []int{2, 0, 1, 0}, []string{"-1", "2", "10"}},
	}
	tab, err := parseTable(strings.NewReader("s,n\ncat,10\nant,-1\nbee,2\nant,-1\n"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y, classes, err := tab.labels(tc.col)
			require.NoError(t, err)
			require.Equal(t, tc.y, y)
			require.Equal(t, tc.classes, classes)
		})
	}

	// (A line of one blank field is a blank line, skipped.)
	tab, err = parseTable(strings.NewReader("s,t\nx,1\n ,2\n"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	_, _, err = tab.labels("s")
	require.EqualError(t, err, `t.csv: line 3, column "s": missing class label (an empty cell); every row needs one: drop the rows without a label, or fill them in`)

	// pandas' NA markers are missing labels, as ember gbt reads them, not
	// a class named "NaN".
	tab, err = parseTable(strings.NewReader("s\nx\ny\nNaN\n"), "t.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	_, _, err = tab.labels("s")
	require.EqualError(t, err, `t.csv: line 4, column "s": missing class label ("NaN" reads as a missing value, as in pandas' read_csv); every row needs one: drop the rows without a label, or fill them in`)
}

func TestSplitList(t *testing.T) {
	require.Equal(t, []string{"a", "b c", "d"}, splitList(" a, b c ,,d,"))
	require.Nil(t, splitList(""))
}

func TestClassSplit(t *testing.T) {
	y := make([]int, 150) // iris: 50 of each class
	for i := range y {
		y[i] = i / 50
	}
	train, test := classSplit(y, 0.25, 1)
	require.Len(t, test, 3*13) // ceil(12.5) of each class, as sklearn sizes it
	require.Len(t, train, 150-39)
	seen := map[int]bool{}
	heldOut := make([]int, 3)
	for _, i := range append(append([]int{}, train...), test...) {
		require.False(t, seen[i])
		seen[i] = true
	}
	for _, i := range test {
		heldOut[y[i]]++
	}
	require.Len(t, seen, 150)
	require.Equal(t, []int{13, 13, 13}, heldOut)
	train, test = classSplit(y[:10], 0, 1)
	require.Len(t, train, 10)
	require.Empty(t, test)
	// Never a class's last row, even at a fraction near 1.
	train, test = classSplit([]int{0, 0, 0, 1}, 0.99, 1)
	require.Len(t, test, 2, "two of class 0's three rows")
	require.Len(t, train, 2)
	require.Equal(t, 3, train[1], "class 1's only row")
}

func TestTableUnnamedColumnsAndLatin1(t *testing.T) {
	tab, err := parseTable(strings.NewReader("\ufeffa,,b,\n1,x,2,y\n3,z,4,w\n"), "u.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, tab.names())
	require.Equal(t, []string{"a", "b"}, tab.otherColumns(), "unnamed columns are never default features")
	_, err = tab.column("")
	require.ErrorContains(t, err, `no column ""; the columns are: a, b`)
	X, err := tab.floats([]string{"a", "b"})
	require.NoError(t, err)
	require.Equal(t, [][]float64{{1, 2}, {3, 4}}, X)

	tab, err = parseTable(strings.NewReader("text,label\ncaf\xe9 \xa3100,ham\n"), "l.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	require.True(t, tab.latin1)
	require.Equal(t, "café £100", tab.rows[0][0])
}

func TestLabelsOfSeveralTables(t *testing.T) {
	a, err := parseTable(strings.NewReader("y\n10\n2\n"), "a.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	b, err := parseTable(strings.NewReader("y\n3\n2\n"), "b.csv", tabular.Layout{Terms: flagTerms})
	require.NoError(t, err)
	ys, classes, err := labelsOf("y", a, b)
	require.NoError(t, err)
	require.Equal(t, []string{"2", "3", "10"}, classes)
	require.Equal(t, [][]int{{2, 0}, {1, 0}}, ys)
}

// TestFlagTermsSep: the hints spell each separator they suggest as --sep
// takes it: a word for tab, space and runs of whitespace, else the
// character, quoted for the shell.
func TestFlagTermsSep(t *testing.T) {
	for sep, want := range map[rune]string{tabular.Whitespace: "--sep whitespace", ' ': "--sep space", '\t': "--sep tab",
		';': `--sep ";"`, '|': `--sep "|"`, ',': `--sep ","`} {
		require.Equal(t, want, flagTerms.Sep(sep))
	}
}
