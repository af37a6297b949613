package data

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadSMS feeds arbitrary bytes to ReadSMS in every format. It must
// never panic, and a successful load must be self-consistent. Run it with
//
//	go test ./data -run '^$' -fuzz FuzzReadSMS -fuzztime 60s
func FuzzReadSMS(f *testing.F) {
	seeds := []string{
		"ham\thello\nspam\tWIN now\n",
		"v1,v2,,,\r\nham,\"hi, there\",,,\r\nspam,claim, PO Box 1, now,\r\n",
		"text,label\n\"a\nb\",ham\nfoo,\n",
		"label,text\nham,\"unterminated\n",
		"ham\t\"quoted\" text\n\"\tx\n",
		"",
		"\n\n\n",
		"\ufeffham\tbom\n",
		"spam\tcaf\xe9 \xa3100\n",
		"v1,v2\n\xff\xfe,\xa3\n",
		"ham\tok\r\nham\t\r\n\tno label\nfoo\tbar\n",
		"text,label,text,label\nx,ham,y,spam\n",
		"\"v1\",\"v2\"\nham,\"a\"\"b\"\n",
		"label\ttext\nham\tsecond\n",
		"ham,ok\n",
		",,,,\n,,,\n",
		"v1,v2\n\"\"\"\n",
		"HAM\t\x00\x01\n",
		"spam\t" + strings.Repeat("x", 300) + "\n",
		"label,text\nham,ok\nham,\"unterminated\nspam,foo\r\nham,bar\n",
		"v1,v2\nham,ok\nspam,\"line one\nhe said \"hi\" there\"\n",
		"label,text\n\r\n\"spam,foo\nham,bar",
		"v1,v2\nspam,\"a\"\",\"\n\n",
		"ham\thi\rspam\twin\r",
		"label,text\rham,\"a\rb\"\rspam,x\r",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lines := lineCount(in)
		for _, format := range []Format{FormatAuto, FormatTSV, FormatCSV} {
			ex, rep, err := ReadSMS(bytes.NewReader(in), "fuzz", format)
			if err != nil {
				if ex != nil {
					t.Fatalf("%v: examples returned with error %v", format, err)
				}
				if !strings.Contains(err.Error(), "fuzz") {
					t.Fatalf("%v: error does not name the source: %v", format, err)
				}
				continue
			}
			checkReport(t, format, in, lines, ex, rep)
		}
	})
}

// lineCount is how many lines in has at most: its line ends (LF, CRLF or
// a lone CR) plus one.
func lineCount(in []byte) int {
	return bytes.Count(in, []byte("\n")) + bytes.Count(in, []byte("\r")) - bytes.Count(in, []byte("\r\n")) + 1
}

func checkReport(t *testing.T, format Format, in []byte, lines int, ex []Example, rep LoadReport) {
	t.Helper()
	if rep.Format != FormatTSV && rep.Format != FormatCSV {
		t.Fatalf("%v: report format %v not resolved", format, rep.Format)
	}
	if format != FormatAuto && rep.Format != format {
		t.Fatalf("forced %v but report says %v", format, rep.Format)
	}
	if len(ex) == 0 || len(ex) != rep.Loaded || rep.Loaded != rep.Ham+rep.Spam {
		t.Fatalf("%v: %d examples, report %+v", format, len(ex), rep)
	}
	if rep.Skipped < 0 || len(rep.FirstSkips) != min(rep.Skipped, maxFirstSkips) {
		t.Fatalf("%v: skipped %d with %d detailed", format, rep.Skipped, len(rep.FirstSkips))
	}
	if rep.Latin1 == utf8.Valid(in) {
		t.Fatalf("%v: latin1=%v for valid UTF-8=%v", format, rep.Latin1, utf8.Valid(in))
	}
	spam, prev := 0, 0
	for _, e := range ex {
		if strings.TrimSpace(e.Text) == "" || e.Text != strings.TrimSpace(e.Text) || !utf8.ValidString(e.Text) {
			t.Fatalf("%v: bad text %q", format, e.Text)
		}
		// Rows come in file order, one per line at most.
		if e.Line < 1 || e.Line > lines || e.Line <= prev {
			t.Fatalf("%v: line %d after %d (input has %d lines)", format, e.Line, prev, lines)
		}
		prev = e.Line
		if e.Spam {
			spam++
		}
	}
	if spam != rep.Spam {
		t.Fatalf("%v: %d spam examples, report says %d", format, spam, rep.Spam)
	}
	for _, s := range rep.FirstSkips {
		if s.Line < 1 || s.Line > lines || s.Reason == "" {
			t.Fatalf("%v: bad skip %+v", format, s)
		}
	}
	if rep.String() == "" {
		t.Fatal("empty report string")
	}
}

// FuzzReadTwoLabels reads arbitrary bytes as two-class data with
// Options.Positive: no panic, and a load that succeeds has two distinct
// labels, the positive one among its rows.
//
//	go test ./data -run '^$' -fuzz FuzzReadTwoLabels -fuzztime 60s
func FuzzReadTwoLabels(f *testing.F) {
	for _, s := range []string{
		"good film\t1\nawful\t0\n", "pos\tgreat\nneg\tbad\n", "a\tb\t1\nc\t0\n", "x\t1\ny\t2\nz\t0\n",
		"text,label\nok,yes\nno,no\n", "id,review,stars\n1,\"great, truly\",5\n2,bad,1\n", "\ufeff1\ta\n0\tb\n",
		"1\t0\n0\t1\n", "\t1\n1\t\n", "caf\xe9\t1\n", "",
	} {
		f.Add([]byte(s), "1", "")
		f.Add([]byte(s), "pos", "stars")
	}
	f.Fuzz(func(t *testing.T, in []byte, positive, labelCol string) {
		lines := lineCount(in)
		for _, format := range []Format{FormatAuto, FormatTSV, FormatCSV} {
			o := Options{Format: format, Positive: positive, LabelColumn: labelCol}
			ex, rep, err := Read(bytes.NewReader(in), "fuzz", o)
			if err != nil {
				if ex != nil || !strings.Contains(err.Error(), "fuzz") {
					t.Fatalf("%v: %v (examples %v)", format, err, ex != nil)
				}
				continue
			}
			checkReport(t, format, in, lines, ex, rep)
			if strings.TrimSpace(positive) == "" {
				continue
			}
			if rep.Positive != strings.TrimSpace(positive) || rep.Negative == rep.Positive || rep.Spam == 0 {
				t.Fatalf("%v: labels %q/%q, %d positive rows", format, rep.Negative, rep.Positive, rep.Spam)
			}
			if rep.Ham > 0 && rep.Negative == "" {
				t.Fatalf("%v: %d negative rows without a negative label", format, rep.Ham)
			}
		}
	})
}
