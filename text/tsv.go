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
			return nil, fmt.Errorf("%s: line %d: not valid UTF-8 (convert the file, e.g. iconv -f cp1252 -t utf-8)", name, n)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: line %d: longer than %d MiB", name, len(lines)+1, maxLine>>20)
		}
		return nil, fmt.Errorf("%s: line %d: %w", name, len(lines)+1, err)
	}
	return lines, nil
}

// ReadTSV reads tab-separated records with no quoting, the layout of the UCI
// SMS Spam Collection (label<TAB>text). Quotes are ordinary characters: CSV
// quoting rules would merge the lines of messages with an unbalanced '"'.
// Every record must have the same number of fields as the first; empty
// lines are an error too. Errors name the file and line.
func ReadTSV(r io.Reader, name string) ([][]string, error) {
	recs, _, err := readTSV(r, name, false)
	return recs, err
}

// ReadTSVSkippingBlank is ReadTSV past blank lines (empty, or spaces, tabs
// and a CR only), wherever they are, as encoding/csv skips empty lines; it
// also returns each record's line number, for errors about its fields.
func ReadTSVSkippingBlank(r io.Reader, name string) (recs [][]string, lines []int, err error) {
	return readTSV(r, name, true)
}

// fieldCount is "1 tab-separated field" or "N tab-separated fields".
func fieldCount(n int) string {
	if n == 1 {
		return "1 tab-separated field"
	}
	return fmt.Sprintf("%d tab-separated fields", n)
}

func readTSV(r io.Reader, name string, skipBlank bool) (recs [][]string, lines []int, err error) {
	all, err := ReadLines(r, name)
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s: empty file", name)
	}
	recs, lines = make([][]string, 0, len(all)), make([]int, 0, len(all))
	for i, line := range all {
		if skipBlank && strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(recs) > 0 {
			switch want := len(recs[0]); {
			case line == "" && want > 1:
				return nil, nil, fmt.Errorf("%s: line %d: blank line; every line needs %d tab-separated fields, as line %d has", name, i+1, want, lines[0])
			case len(f) != want:
				// What to do, too: the usual cause is a tab typed inside a
				// text, or a line that lost its tab.
				return nil, nil, fmt.Errorf("%s: line %d: %s, where line %d has %d; every line needs %d: fix or drop this line (a tab inside a field splits it in two)",
					name, i+1, fieldCount(len(f)), lines[0], want, want)
			}
		}
		recs, lines = append(recs, f), append(lines, i+1)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: every line is blank", name)
	}
	return recs, lines, nil
}
