package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxLine bounds one line of a text file; longer lines are reported rather
// than silently truncated.
const maxLine = 16 << 20

// ReadLines returns the lines of r without their "\n" (and a "\r" before
// it), and without a UTF-8 byte-order mark at the start. A final line
// without a newline is kept; a trailing newline does not
// add an empty line. name is used in error messages. Lines that are not
// valid UTF-8 are an error naming the line, because the tokenizer would
// otherwise turn the bad bytes into silent token breaks.
func ReadLines(r io.Reader, name string) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var lines []string
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			// A byte-order mark is an encoding marker, not text (it would
			// otherwise become part of the first label).
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: not valid UTF-8 (convert the file, e.g. iconv -f cp1252 -t utf-8)", name, n)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d MiB", name, len(lines)+1, maxLine>>20)
		}
		return nil, fmt.Errorf("%s:%d: %w", name, len(lines)+1, err)
	}
	return lines, nil
}

// ReadTSV reads tab-separated records with no quoting, the layout of the UCI
// SMS Spam Collection (label<TAB>text). Quotes are ordinary characters: CSV
// quoting rules would merge the lines of messages with an unbalanced '"'.
// Every record must have the same number of fields as the first; empty
// lines are an error too. Errors name the file and line.
func ReadTSV(r io.Reader, name string) ([][]string, error) {
	lines, err := ReadLines(r, name)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	out := make([][]string, len(lines))
	want := 0
	for i, line := range lines {
		f := strings.Split(line, "\t")
		if i == 0 {
			want = len(f)
		} else if line == "" && want > 1 {
			return nil, fmt.Errorf("%s:%d: blank line; every line needs %d tab-separated fields, as line 1 has", name, i+1, want)
		} else if len(f) != want {
			return nil, fmt.Errorf("%s:%d: %d tab-separated fields, line 1 has %d", name, i+1, len(f), want)
		}
		out[i] = f
	}
	return out, nil
}
