package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/stretchr/testify/require"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{"", FormatAuto, ""},
		{"auto", FormatAuto, ""},
		{" TSV ", FormatTSV, ""},
		{"csv", FormatCSV, ""},
		{"Csv", FormatCSV, ""},
		{"json", FormatAuto, `unknown data format "json"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseFormat(tc.in)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			// String must give back a name ParseFormat accepts.
			again, err := ParseFormat(got.String())
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
	}
	require.Equal(t, "Format(7)", Format(7).String())
}

// TestRealUCIFile checks the exact counts of the original UCI file. Python
// readers that honour quotes merge lines with unbalanced '"' and get 5,572
// rows; the file has no quoting, so 5,574 is right.
func TestRealUCIFile(t *testing.T) {
	path := shareddata.TestPath(t, "sms_spam", "SMSSpamCollection")
	for _, f := range []Format{FormatAuto, FormatTSV} {
		t.Run(f.String(), func(t *testing.T) {
			ex, rep, err := LoadSMSFile(path, f)
			require.NoError(t, err)
			require.Len(t, ex, 5574)
			require.Equal(t, 5574, rep.Loaded)
			require.Equal(t, 4827, rep.Ham)
			require.Equal(t, 747, rep.Spam)
			require.Zero(t, rep.Skipped)
			require.Equal(t, FormatTSV, rep.Format)
			require.False(t, rep.Latin1)
			require.Equal(t, fmt.Sprintf("loaded 5574 rows (ham 4827, spam 747), skipped 0 from %s (tsv)", path), rep.String())

			require.Equal(t, Example{Text: "Go until jurong point, crazy.. Available only in bugis n great world la e buffet... Cine there got amore wat...", Line: 1}, ex[0])
			require.True(t, ex[2].Spam)
			require.Equal(t, 5574, ex[len(ex)-1].Line)
			// Quotes are ordinary characters: some message must keep one.
			quoted := 0
			for _, e := range ex {
				if strings.Contains(e.Text, `"`) {
					quoted++
				}
			}
			require.Positive(t, quoted)
		})
	}
}

// TestRealKaggleFile checks the latin-1, CRLF, spilled-column Kaggle copy.
func TestRealKaggleFile(t *testing.T) {
	path := shareddata.TestPath(t, "sms_spam", "spam_kaggle.csv")
	for _, f := range []Format{FormatAuto, FormatCSV} {
		t.Run(f.String(), func(t *testing.T) {
			ex, rep, err := LoadSMSFile(path, f)
			require.NoError(t, err)
			require.Len(t, ex, 5572)
			require.Equal(t, 4825, rep.Ham)
			require.Equal(t, 747, rep.Spam)
			require.Zero(t, rep.Skipped)
			require.Equal(t, FormatCSV, rep.Format)
			require.True(t, rep.Latin1)
			require.Contains(t, rep.String(), "(csv, decoded as latin-1)")
			// The header is line 1, so the first message is on line 2.
			require.Equal(t, 2, ex[0].Line)
			require.Equal(t, "Go until jurong point, crazy.. Available only in bugis n great world la e buffet... Cine there got amore wat...", ex[0].Text)

			var spilled *Example
			var withCR []int
			for i := range ex {
				if strings.Contains(ex[i].Text, "\r") {
					withCR = append(withCR, ex[i].Line)
				}
				if strings.HasPrefix(ex[i].Text, "Your free ringtone is waiting to be collected") {
					spilled = &ex[i]
				}
			}
			// CRLF line ends are not part of any text; the two CRs left
			// are inside quoted fields of the source, where Python's csv
			// module keeps them too.
			require.Equal(t, []int{100, 2793}, withCR)
			require.NotNil(t, spilled)
			// Columns 3 and 4 of this row hold the rest of the message.
			require.True(t, spilled.Spam)
			require.True(t, strings.HasSuffix(spilled.Text, `FML, PO Box 5249, MK17 92H. 450Ppw 16"`), spilled.Text)
			// Kaggle's mojibake (a UTF-8 pound sign read as latin-1) survives
			// as valid UTF-8 text.
			mojibake := 0
			for _, e := range ex {
				if strings.Contains(e.Text, "å£") {
					mojibake++
				}
			}
			require.Positive(t, mojibake)
		})
	}
}

// TestReadSMS covers detection, malformed rows and skip reporting on small
// inputs; every case states the expected examples and skips exactly.
func TestReadSMS(t *testing.T) {
	type skip = Skip
	tests := []struct {
		name      string
		in        string
		format    Format
		want      []Example
		wantFmt   Format
		skipped   int
		skips     []Skip
		wantLatin bool
	}{
		{
			name:    "tsv basic with quotes kept",
			in:      "ham\tHello \"there\n" + "spam\tWIN a \"prize\" now\n",
			want:    []Example{{`Hello "there`, false, 1}, {`WIN a "prize" now`, true, 2}},
			wantFmt: FormatTSV,
		},
		{
			name:    "tsv malformed rows are skipped with line numbers",
			in:      "ham\tfine\n" + "no tab here\n" + "ham\t   \n" + "\tno label\n" + "foo\tbad label\n" + "\n" + "   \n" + " SPAM \t upper case label \n" + "ham\tlast",
			want:    []Example{{"fine", false, 1}, {"upper case label", true, 8}, {"last", false, 9}},
			wantFmt: FormatTSV,
			skipped: 5,
			skips: []skip{
				{2, "no tab between label and text"},
				{3, "missing text"},
				{4, "missing label"},
				{5, `label "foo" is not ham or spam`},
				{7, "blank line"},
			},
		},
		{
			name:    "tsv with CRLF and extra tab kept in text",
			in:      "ham\ta\tb\r\n" + "spam\tc\r\n",
			want:    []Example{{"a\tb", false, 1}, {"c", true, 2}},
			wantFmt: FormatTSV,
		},
		{
			name:    "tsv detected past a corrupt first row",
			in:      "garbage\n" + "ham\tok\n",
			want:    []Example{{"ok", false, 2}},
			wantFmt: FormatTSV,
			skipped: 1,
			skips:   []skip{{1, "no tab between label and text"}},
		},
		{
			name:    "tsv with leading blank lines and BOM",
			in:      "\ufeff\n\nspam\tcall now\n",
			want:    []Example{{"call now", true, 3}},
			wantFmt: FormatTSV,
		},
		{
			name:    "csv header after a line of spaces",
			in:      "  \n" + "label,text\n" + "ham,hi\n",
			want:    []Example{{"hi", false, 3}},
			wantFmt: FormatCSV,
		},
		{
			name:    "csv text,label",
			in:      "text,label\n" + "\"hello, you\",ham\n" + "win cash,spam\n",
			want:    []Example{{"hello, you", false, 2}, {"win cash", true, 3}},
			wantFmt: FormatCSV,
		},
		{
			name:    "csv label,text with quoted newline keeps start line",
			in:      "label,text\n" + "ham,\"two\nlines\"\n" + "spam,after\n",
			want:    []Example{{"two\nlines", false, 2}, {"after", true, 4}},
			wantFmt: FormatCSV,
		},
		{
			name: "csv kaggle spill joined back",
			in: "v1,v2,,,\r\n" + "ham,plain,,,\r\n" +
				"spam,\"Claim now\", PO Box 12, call 0900,\r\n" +
				"ham,first,second,,\r\n",
			want: []Example{
				{"plain", false, 2},
				{"Claim now, PO Box 12, call 0900", true, 3},
				{"first,second", false, 4},
			},
			wantFmt: FormatCSV,
		},
		{
			name: "csv text,label does not swallow the label column",
			in:   "text,label,,\n" + "hello,ham,,\n" + "spilled, text,ham\n",
			want: []Example{{"hello", false, 2}},
			// The second row's comma shifted the label; it is skipped, not guessed.
			wantFmt: FormatCSV,
			skipped: 1,
			skips:   []skip{{3, `label "text" is not ham or spam`}},
		},
		{
			name:    "csv missing fields and bad labels",
			in:      "label,text\n" + "ham\n" + ",no label\n" + "foo,bad\n" + "ham,\n" + "Spam , yes \n",
			want:    []Example{{"yes", true, 6}},
			wantFmt: FormatCSV,
			skipped: 4,
			skips: []skip{
				{2, "missing text"},
				{3, "missing label"},
				{4, `label "foo" is not ham or spam`},
				{5, "missing text"},
			},
		},
		{
			name:    "csv lazy quotes",
			in:      "label,text\n" + "ham,say \"hi\" ok\n" + "spam,\"unterminated \"quote\n",
			want:    []Example{{`say "hi" ok`, false, 2}, {`unterminated "quote`, true, 3}},
			wantFmt: FormatCSV,
		},
		{
			name:      "latin-1 bytes decoded",
			in:        "v1,v2\n" + "spam,win \xa3100 caf\xe9\n",
			want:      []Example{{"win £100 café", true, 2}},
			wantFmt:   FormatCSV,
			wantLatin: true,
		},
		{
			name:      "latin-1 tsv",
			in:        "ham\tna\xefve\n",
			want:      []Example{{"naïve", false, 1}},
			wantFmt:   FormatTSV,
			wantLatin: true,
		},
		{
			name:    "forced tsv reads a header as a bad row",
			in:      "label\ttext\n" + "ham\thi\n",
			format:  FormatTSV,
			want:    []Example{{"hi", false, 2}},
			wantFmt: FormatTSV,
			skipped: 1,
			skips:   []skip{{1, `label "label" is not ham or spam`}},
		},
		{
			name:    "forced csv with synonym header",
			in:      "Category,Message\n" + "ham,hi there\n",
			format:  FormatCSV,
			want:    []Example{{"hi there", false, 2}},
			wantFmt: FormatCSV,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, rep, err := ReadSMS(strings.NewReader(tc.in), "test.txt", tc.format)
			require.NoError(t, err)
			require.Equal(t, tc.want, ex)
			require.Equal(t, tc.wantFmt, rep.Format)
			require.Equal(t, tc.wantLatin, rep.Latin1)
			require.Equal(t, tc.skipped, rep.Skipped)
			require.Equal(t, tc.skips, rep.FirstSkips)
			require.Equal(t, len(tc.want), rep.Loaded)
			spam := 0
			for _, e := range tc.want {
				if e.Spam {
					spam++
				}
			}
			require.Equal(t, spam, rep.Spam)
			require.Equal(t, len(tc.want)-spam, rep.Ham)
		})
	}
}

// TestReadCRLineEnds: a lone CR (old Mac files) ends a line, as in
// ember's table readers and pandas, where it made the file one line; CRLF
// is one line end, and in CSV a CR inside a quoted field is text.
func TestReadCRLineEnds(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		o     Options
		texts []string
		lines []int
	}{
		{"tsv", "ham\thi\rspam\twin \"now\r\rham\tok", Options{}, []string{"hi", `win "now`, "ok"}, []int{1, 2, 4}},
		{"tsv, mixed", "ham\thi\r\nspam\twin\rham\tok\n", Options{}, []string{"hi", "win", "ok"}, []int{1, 2, 3}},
		{"csv", "label,text\rham,\"a\rb\"\rspam,x\r", Options{}, []string{"a\rb", "x"}, []int{2, 3}},
		{"csv as tsv would split", "v1,v2\rham,hi\r", Options{Format: FormatCSV}, []string{"hi"}, []int{2}},
		{"two labels, text first", "good film\t1\rawful\t0\r", Options{Positive: "1"}, []string{"good film", "awful"}, []int{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, _, err := Read(strings.NewReader(tc.in), "cr.txt", tc.o)
			require.NoError(t, err)
			var texts []string
			var lines []int
			for _, e := range ex {
				texts, lines = append(texts, e.Text), append(lines, e.Line)
			}
			require.Equal(t, tc.texts, texts)
			require.Equal(t, tc.lines, lines)
		})
	}
	// Skips name lines as CR line ends count them.
	_, rep, err := ReadSMS(strings.NewReader("ham\thi\rfoo\tbar\r"), "cr.txt", FormatAuto)
	require.NoError(t, err)
	require.Equal(t, []Skip{{Line: 2, Reason: `label "foo" is not ham or spam`}}, rep.FirstSkips)
}

func TestReadSMSErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		format Format
		want   string
	}{
		{"empty", "", FormatAuto, "bad.txt is empty"},
		{"only blank lines", "\n \r\n\t\n", FormatAuto, "bad.txt is empty"},
		{"undetectable", "hello world\nfoo bar\n", FormatAuto, `bad.txt: cannot detect the format from the first line "hello world"`},
		{"header only csv", "v1,v2,,,\r\n", FormatAuto, "bad.txt: no usable rows (csv)"},
		{"csv without known columns", "a,b\nham,hi\n", FormatCSV, `bad.txt: line 1: CSV header "a,b" has no label and text columns`},
		{"all rows bad", "ham\t\nfoo\tx\n", FormatTSV, `bad.txt: no usable rows (tsv); skipped 2, first: line 1: missing text`},
		{"invalid format value", "ham\thi\n", Format(9), "bad.txt: invalid format Format(9)"},
		{"unclosed quote swallows the rest", "v1,v2\nham,ok\nham,\"unterminated\nspam,foo\r\nham,bar\n", FormatAuto,
			`bad.txt: line 3: the quoted field that starts here is never closed: lines 3 to 5 would be one message`},
		{"unclosed quote after blank lines", "v1,v2\nham,ok\n\n\nham,\"unterminated\nspam,foo\nham,bar\n", FormatAuto,
			`bad.txt: line 5: the quoted field that starts here is never closed: lines 5 to 7 would be one message`},
		{"unclosed quote without a final newline", "label,text\n\"spam,foo\nham,bar", FormatAuto,
			`bad.txt: line 2: the quoted field that starts here is never closed: lines 2 to 3 would be one message`},
		// Not text: the error ember's table readers give of the same file
		// (internal/textfile), wrapping ErrNotText.
		{"utf-16 with a byte-order mark", "\xff\xfeh\x00a\x00m\x00\t\x00h\x00i\x00\n\x00", FormatAuto,
			"bad.txt is UTF-16 text; save it as UTF-8 (iconv -f utf-16 -t utf-8)"},
		{"utf-16 big-endian without a mark", "\x00h\x00a\x00m\x00\t\x00h\x00i\x00\n", FormatAuto,
			"bad.txt is UTF-16 text; save it as UTF-8 (iconv -f utf-16be -t utf-8)"},
		{"utf-16 little-endian without a mark", "h\x00a\x00m\x00\t\x00h\x00i\x00\n\x00", FormatAuto,
			"bad.txt is UTF-16 text; save it as UTF-8 (iconv -f utf-16le -t utf-8)"},
		// Binary files: the format error quoted their first line.
		{"gzip", "\x1f\x8b\x08\x08J4\x0fk\x00\x03sms.tsv\x00", FormatAuto, "bad.txt is gzip-compressed; decompress it first (gunzip)"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02X", FormatAuto,
			"bad.txt: not a TSV or CSV file (binary content: a NUL byte on line 3, column 1, byte offset 8)"},
		{"binary read as tsv", "ham\thi\x00\x01\n", FormatTSV, "bad.txt: not a TSV or CSV file (binary content: a NUL byte on line 1, column 7, byte offset 6)"},
		// The NUL's line and column are the text's, as lineends counts
		// them (a lone CR ends a line; é is one column, in UTF-8 or
		// latin-1); its offset is the file's, a byte-order mark included.
		{"NUL after a byte-order mark", "\ufeffham\tcafé\rham\t\x00", FormatAuto, "bad.txt: not a TSV or CSV file (binary content: a NUL byte on line 2, column 5, byte offset 17)"},
		{"NUL in latin-1", "ham\tcaf\xe9\r\nham\t\xe9\x00", FormatAuto, "bad.txt: not a TSV or CSV file (binary content: a NUL byte on line 2, column 6, byte offset 15)"},
		// Past the first 8 KiB, a NUL is found with its line, CR line ends
		// counted.
		{"NUL later", strings.Repeat("ham\thi\r", 2000) + "ham\t\x00\r", FormatAuto, "bad.txt: line 2001, column 5: a NUL byte, which text files do not have"},
		{"NUL later in csv", "v1,v2\r" + strings.Repeat("ham,\"hi\rthere\"\r", 1000) + "ham,\x00\r", FormatCSV, "bad.txt: line 1002, column 5: a NUL byte"},
		{"csv read as tsv", "v1,v2\nham,hi there\n\nspam,win now\n", FormatTSV,
			"bad.txt: no line has a tab (tsv), but 3 of 3 have commas: it looks like CSV; read it as csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, rep, err := ReadSMS(strings.NewReader(tc.in), "bad.txt", tc.format)
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, tc.name == "undetectable", errors.Is(err, ErrUnknownFormat), "errors.Is ErrUnknownFormat")
			require.Equal(t, tc.name == "csv read as tsv", errors.Is(err, ErrLooksLikeCSV), "errors.Is ErrLooksLikeCSV")
			notText := strings.Contains(tc.name, "utf-16") || strings.Contains(tc.name, "NUL") ||
				tc.name == "gzip" || tc.name == "png" || tc.name == "binary read as tsv"
			require.Equal(t, notText, errors.Is(err, ErrNotText), "errors.Is ErrNotText")
			require.Nil(t, ex)
			require.Equal(t, "bad.txt", rep.Source)
		})
	}
}

func TestLoadSMSFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.tsv")
	_, rep, err := LoadSMSFile(missing, FormatAuto)
	require.ErrorContains(t, err, missing)
	require.True(t, strings.HasPrefix(err.Error(), missing+": "), "starts with the path as Read's errors do: %v", err)
	require.NotContains(t, err.Error(), "open "+missing, "the path once")
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.Equal(t, "loaded 0 rows, skipped 0 from "+missing+" (auto)", rep.String())

	_, rep, err = LoadSMSFile(dir, FormatAuto)
	require.EqualError(t, err, dir+" is a directory, not a data file")
	require.Equal(t, "loaded 0 rows, skipped 0 from "+dir+" (auto)", rep.String())
	_, rep, _ = LoadFile(dir, Options{Positive: "1"})
	require.Equal(t, "loaded 0 rows, skipped 0 from "+dir+" (auto)", rep.String())

	empty := filepath.Join(dir, "empty.tsv")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, _, err = LoadSMSFile(empty, FormatAuto)
	require.ErrorContains(t, err, empty+" is empty")
}

// TestSkipReportKeepsFirstTen checks the report counts every skip but keeps
// only the first ten in detail.
func TestSkipReportKeepsFirstTen(t *testing.T) {
	var b strings.Builder
	for i := range 25 {
		fmt.Fprintf(&b, "eggs\tmessage %d\n", i)
	}
	b.WriteString("ham\tthe only good row\n")
	ex, rep, err := ReadSMS(strings.NewReader(b.String()), "many.tsv", FormatTSV)
	require.NoError(t, err)
	require.Len(t, ex, 1)
	require.Equal(t, 25, rep.Skipped)
	require.Len(t, rep.FirstSkips, 10)
	for i, s := range rep.FirstSkips {
		require.Equal(t, Skip{Line: i + 1, Reason: `label "eggs" is not ham or spam`}, s)
	}
	require.Equal(t, `loaded 1 rows (ham 1, spam 0), skipped 25 (first: line 1: label "eggs" is not ham or spam) from many.tsv (tsv)`, rep.String())
}

// TestLongLabelIsClipped keeps a runaway field from flooding the report.
func TestLongLabelIsClipped(t *testing.T) {
	in := strings.Repeat("x", 500) + "\tmsg\nham\tok\n"
	_, rep, err := ReadSMS(strings.NewReader(in), "long.tsv", FormatTSV)
	require.NoError(t, err)
	require.Len(t, rep.FirstSkips, 1)
	require.Less(t, len(rep.FirstSkips[0].Reason), 80)
}

// TestReadTwoLabels: with Options.Positive any two-class labelled text
// reads, the label found in the first or last field of a TSV file or in
// the named CSV column.
func TestReadTwoLabels(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		o          Options
		texts      []string
		positive   []bool
		neg        string
		labelFirst bool
		format     Format
	}{
		{"text then label", "good film\t1\nawful\t0\nfine, really\t1\n", Options{Positive: "1"},
			[]string{"good film", "awful", "fine, really"}, []bool{true, false, true}, "0", false, FormatTSV},
		{"label then text", "pos\tgreat\tstuff\nneg\tbad\n", Options{Positive: "pos"},
			[]string{"great\tstuff", "bad"}, []bool{true, false}, "neg", true, FormatTSV},
		{"text with tabs, label last", "a\tb\t1\nc\t0\n", Options{Positive: "0"},
			[]string{"a\tb", "c"}, []bool{false, true}, "1", false, FormatTSV},
		{"SMS file with --positive spam", "ham\thi\nspam\twin\n", Options{Positive: "spam"},
			[]string{"hi", "win"}, []bool{false, true}, "ham", true, FormatTSV},
		{"CSV with named columns", "id,review,stars\n1,\"great, truly\",5\n2,bad,1\n", Options{Positive: "5", LabelColumn: "stars", TextColumn: "review"},
			[]string{"great, truly", "bad"}, []bool{true, false}, "1", false, FormatCSV},
		{"CSV with the usual names", "\ufefftext,label\nok,yes\nno,no\n", Options{Positive: "yes"},
			[]string{"ok", "no"}, []bool{true, false}, "no", false, FormatCSV},
		{"only the positive label", "a\t1\nb\t1\n", Options{Positive: "1"},
			[]string{"a", "b"}, []bool{true, true}, "", false, FormatTSV},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, rep, err := Read(strings.NewReader(tc.in), "in", tc.o)
			require.NoError(t, err)
			require.Len(t, ex, len(tc.texts))
			for i := range ex {
				require.Equal(t, tc.texts[i], ex[i].Text)
				require.Equal(t, tc.positive[i], ex[i].Spam)
			}
			require.Equal(t, tc.neg, rep.Negative)
			require.Equal(t, tc.o.Positive, rep.Positive)
			require.Equal(t, tc.format, rep.Format)
			if tc.format == FormatTSV {
				require.Equal(t, tc.labelFirst, rep.LabelFirst)
			}
		})
	}
	_, rep, err := Read(strings.NewReader("good\t1\nbad\t0\n"), "in", Options{Positive: "1"})
	require.NoError(t, err)
	require.Equal(t, "loaded 2 rows (0 1, 1 1), skipped 0 from in (tsv)", rep.String())
}

func TestReadTwoLabelsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		o        Options
		want     string
	}{
		{"third label", "a\t1\nb\t0\nc\t2\n", Options{Positive: "1"}, `in: line 3 has the label "2", a third one besides "1" and "0"; with a positive label named, the data must have two labels`},
		{"positive absent from a TSV", "ham\thi\nspam\twin\n", Options{Positive: "1"}, `no row has the label "1" in its first or last tab-separated field (the first fields are "ham" and "spam"; the last "hi" and "win")`},
		{"positive absent from a CSV", "v1,v2\nham,hi\nspam,win\n", Options{Positive: "1"}, `in: no row has the label "1"; the labels are "ham" and "spam"`},
		{"named column missing", "a,b\n1,x\n", Options{Positive: "1", LabelColumn: "stars", Format: FormatCSV}, `no label column "stars" and no text column (text, v2, message or sms)`},
		{"no tab, no header", "just text\n", Options{Positive: "1"}, "cannot detect the format"},
		{"empty", " \n", Options{Positive: "1"}, "in is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, _, err := Read(strings.NewReader(tc.in), "in", tc.o)
			require.ErrorContains(t, err, tc.want)
			require.Nil(t, ex)
		})
	}
}

// TestReadCSVClosedQuotesAtEnd: a last row whose quoted text spans lines,
// with a lazy bare quote inside, or that ends at the end of the file, is
// read, not taken for an unclosed quote.
func TestReadCSVClosedQuotesAtEnd(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"v1,v2\nham,ok\nspam,\"line one\nhe said \"hi\" there\"\n", "line one\nhe said \"hi\" there"},
		{"v1,v2\nham,ok\nspam,\"two\nlines\"", "two\nlines"},
		{"v1,v2\nham,ok\nspam,\"a \"\"quoted\"\" word\",,\n", `a "quoted" word`},
		{"v1,v2\nham,ok\nspam,5\" screen\n", `5" screen`},
	} {
		ex, _, err := Read(strings.NewReader(tc.in), "in", Options{})
		require.NoError(t, err, tc.in)
		require.Len(t, ex, 2)
		require.Equal(t, tc.want, ex[1].Text)
	}
}

// TestReadNamedColumnMissing: the error names only the column that is
// missing, not one that was found under a usual name.
func TestReadNamedColumnMissing(t *testing.T) {
	in := "v1,v2\nham,hi\nspam,win\n"
	_, _, err := Read(strings.NewReader(in), "in", Options{LabelColumn: "nope"})
	require.EqualError(t, err, `in: line 1: CSV header "v1,v2" has no label column "nope"`)
	_, _, err = Read(strings.NewReader(in), "in", Options{TextColumn: "body", Format: FormatCSV})
	require.EqualError(t, err, `in: line 1: CSV header "v1,v2" has no text column "body"`)
	_, _, err = Read(strings.NewReader(in), "in", Options{LabelColumn: "v2", TextColumn: "V2", Format: FormatCSV})
	require.EqualError(t, err, `in: line 1: CSV header "v1,v2": the label and the text are both column "v2"`)
}

// TestSentimentFile reads the UCI sentence-sentiment file (text<TAB>0|1,
// no header) with --positive 1.
func TestSentimentFile(t *testing.T) {
	path := shareddata.TestPath(t, "sentiment", "imdb_labelled.txt")
	ex, rep, err := LoadFile(path, Options{Positive: "1"})
	require.NoError(t, err)
	require.Len(t, ex, 1000)
	require.Equal(t, 500, rep.Spam)
	require.Equal(t, 500, rep.Ham)
	require.Equal(t, "0", rep.Negative)
	require.False(t, rep.LabelFirst)
	require.Zero(t, rep.Skipped)
}
