package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// MaxFileBytes bounds how much ReadSMS reads. SMS corpora are a few hundred
// kilobytes; the limit turns a wrong path (a disk image, a log) into a clear
// error instead of exhausting memory.
const MaxFileBytes = 256 << 20

// maxFirstSkips is how many skipped rows a LoadReport describes individually.
const maxFirstSkips = 10

// detectLines is how many non-blank lines auto-detection looks at when the
// first line alone does not settle the format (e.g. a corrupt first row).
const detectLines = 5

// Example is one labelled message.
type Example struct {
	Text string // the message, trimmed of surrounding white space, never empty
	Spam bool   // true for spam, false for ham
	Line int    // 1-based line in the source where the row starts
}

// Skip records a row that was not loaded and why.
type Skip struct {
	Line   int    // 1-based line in the source
	Reason string // e.g. "missing text", `label "foo" is not ham or spam`
}

// String formats the skip as "line N: reason".
func (s Skip) String() string { return fmt.Sprintf("line %d: %s", s.Line, s.Reason) }

// LoadReport summarises a load: what was read, from where, and what was
// skipped.
type LoadReport struct {
	Source     string // file name or other label given to ReadSMS
	Format     Format // the format used (never FormatAuto after detection)
	Latin1     bool   // the bytes were not valid UTF-8 and were decoded as latin-1
	Loaded     int    // rows returned; Loaded == Ham + Spam
	Skipped    int    // rows not returned
	FirstSkips []Skip // the first (at most 10) skipped rows, in file order
	Ham, Spam  int
}

// String is a one-line human summary, for example
// "loaded 5574 rows (ham 4827, spam 747), skipped 0 from FILE (tsv)".
func (r LoadReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loaded %d rows (ham %d, spam %d), skipped %d", r.Loaded, r.Ham, r.Spam, r.Skipped)
	if len(r.FirstSkips) > 0 {
		fmt.Fprintf(&b, " (first: %s)", r.FirstSkips[0])
	}
	fmt.Fprintf(&b, " from %s (%s", r.Source, r.Format)
	if r.Latin1 {
		b.WriteString(", decoded as latin-1")
	}
	b.WriteString(")")
	return b.String()
}

func (r *LoadReport) skip(line int, reason string) {
	r.Skipped++
	if len(r.FirstSkips) < maxFirstSkips {
		r.FirstSkips = append(r.FirstSkips, Skip{Line: line, Reason: reason})
	}
}

func (r *LoadReport) add(out []Example, text, label string, line int) []Example {
	text = strings.TrimSpace(text)
	label = strings.TrimSpace(label)
	switch {
	case label == "":
		r.skip(line, "missing label")
		return out
	case text == "":
		r.skip(line, "missing text")
		return out
	}
	var spam bool
	switch strings.ToLower(label) {
	case "ham":
	case "spam":
		spam = true
	default:
		r.skip(line, fmt.Sprintf("label %q is not ham or spam", clip(label, 40)))
		return out
	}
	if spam {
		r.Spam++
	} else {
		r.Ham++
	}
	r.Loaded++
	return append(out, Example{Text: text, Spam: spam, Line: line})
}

// clip shortens s for error messages so a runaway field cannot flood a log.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// LoadSMSFile reads a labelled SMS file; see ReadSMS.
func LoadSMSFile(path string, f Format) ([]Example, LoadReport, error) {
	rep := LoadReport{Source: path, Format: f}
	fh, err := os.Open(path)
	if err != nil {
		return nil, rep, fmt.Errorf("load SMS data: %w", err)
	}
	defer fh.Close()
	// Reading a directory fails with a confusing "read PATH: is a
	// directory" from deep inside; say it plainly instead.
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, rep, fmt.Errorf("load SMS data: %s is a directory, not a data file", path)
	}
	return ReadSMS(fh, path, f)
}

// ReadSMS reads labelled SMS messages from r in the given format (FormatAuto
// detects it). source names the input in the report and in errors.
//
// Bytes that are not valid UTF-8 are decoded as latin-1 (as Kaggle's file
// needs); a UTF-8 byte-order mark is dropped. Empty lines are ignored. Rows
// with a missing label, a missing text or a label other than ham/spam (any
// case) are skipped and counted in the report. An empty input, an input with
// no usable rows, an undetectable format or a read failure is an error; the
// report is returned with it so callers can show what was skipped.
func ReadSMS(r io.Reader, source string, f Format) ([]Example, LoadReport, error) {
	rep := LoadReport{Source: source, Format: f}
	if f != FormatAuto && f != FormatTSV && f != FormatCSV {
		return nil, rep, fmt.Errorf("%s: invalid format %v", source, f)
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, rep, fmt.Errorf("read %s: %w", source, err)
	}
	if len(raw) > MaxFileBytes {
		return nil, rep, fmt.Errorf("%s is larger than %d MiB; not an SMS data file?", source, MaxFileBytes>>20)
	}
	text := decode(raw, &rep)
	if strings.TrimSpace(text) == "" {
		return nil, rep, fmt.Errorf("%s is empty", source)
	}
	if f == FormatAuto {
		if f, err = detect(text); err != nil {
			return nil, rep, fmt.Errorf("%s: %w", source, err)
		}
		rep.Format = f
	}
	var out []Example
	if f == FormatTSV {
		out = readTSV(text, &rep)
	} else if out, err = readCSV(text, &rep); err != nil {
		return nil, rep, fmt.Errorf("%s: %w", source, err)
	}
	if len(out) == 0 {
		msg := fmt.Sprintf("%s: no usable rows (%s)", source, rep.Format)
		if rep.Skipped > 0 {
			msg += fmt.Sprintf("; skipped %d, first: %s", rep.Skipped, rep.FirstSkips[0])
		}
		return nil, rep, errors.New(msg)
	}
	return out, rep, nil
}

// decode returns raw as a UTF-8 string, reading it as latin-1 when it is not
// valid UTF-8. Latin-1 maps every byte to the code point of the same value,
// so the decoding cannot fail and line numbers are preserved.
func decode(raw []byte, rep *LoadReport) string {
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	if utf8.Valid(raw) {
		return string(raw)
	}
	rep.Latin1 = true
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	for _, c := range raw {
		b.WriteRune(rune(c))
	}
	return b.String()
}

// detect picks TSV when the first non-blank line is "ham<TAB>..." or
// "spam<TAB>...", CSV when it is a header naming the label and text
// columns. When the first line is neither (say a corrupt first row of a
// TSV file), the next few lines may still identify TSV.
func detect(text string) (Format, error) {
	var first string
	seen := 0
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if seen == 0 {
			first = line
			if isTSVRow(line) {
				return FormatTSV, nil
			}
			if _, _, err := csvColumns(parseHeader(line)); err == nil {
				return FormatCSV, nil
			}
		} else if isTSVRow(line) {
			return FormatTSV, nil
		}
		if seen++; seen == detectLines {
			break
		}
	}
	return FormatAuto, fmt.Errorf("cannot detect the format from the first line %q: "+
		"want \"ham<TAB>text\" rows (tsv) or a CSV header with label,text or v1,v2 columns; "+
		"force one with tsv or csv", clip(first, 60))
}

func isTSVRow(line string) bool {
	label, _, ok := strings.Cut(line, "\t")
	if !ok {
		return false
	}
	label = strings.ToLower(strings.TrimSpace(label))
	return label == "ham" || label == "spam"
}

func parseHeader(line string) []string {
	r := csv.NewReader(strings.NewReader(line))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil
	}
	return rec
}

// readTSV parses the UCI layout. Each line is split at its first tab; the
// file has no quoting, so quotes stay part of the text.
func readTSV(text string, rep *LoadReport) []Example {
	var out []Example
	line := 0
	for row := range strings.Lines(text) {
		line++
		row = strings.TrimRight(row, "\r\n")
		if row == "" {
			continue
		}
		label, msg, ok := strings.Cut(row, "\t")
		if !ok {
			if strings.TrimSpace(row) == "" {
				rep.skip(line, "blank line")
			} else {
				rep.skip(line, "no tab between label and text")
			}
			continue
		}
		out = rep.add(out, msg, label, line)
	}
	return out
}

// Header names accepted for each column. The Kaggle file calls them v1
// (label) and v2 (text); other common exports use these plain names.
var (
	labelNames = []string{"label", "v1", "category", "class"}
	textNames  = []string{"text", "v2", "message", "sms"}
)

// csvColumns finds the label and text columns in a header row.
func csvColumns(header []string) (label, text int, err error) {
	find := func(names []string) int {
		for _, want := range names {
			for i, h := range header {
				if strings.ToLower(strings.TrimSpace(h)) == want {
					return i
				}
			}
		}
		return -1
	}
	label, text = find(labelNames), find(textNames)
	if label < 0 || text < 0 || label == text {
		return -1, -1, fmt.Errorf("CSV header %q has no label and text columns "+
			"(want label,text or v1,v2 in any order)", clip(strings.Join(header, ","), 80))
	}
	return label, text, nil
}

// readCSV parses a CSV file with a header. In Kaggle's file a text that
// contains commas sometimes spills into the unnamed columns after it; those
// columns are joined back with "," so the message is whole again.
func readCSV(text string, rep *LoadReport) ([]Example, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	// The header is the first record with any content, matching detect,
	// which passes over lines of spaces (encoding/csv skips only truly
	// empty lines).
	var header []string
	for {
		rec, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("read CSV header: %w", err)
		}
		if strings.TrimSpace(strings.Join(rec, "")) != "" {
			header = rec
			break
		}
	}
	labelCol, textCol, err := csvColumns(header)
	if err != nil {
		line, _ := r.FieldPos(0)
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	named := func(i int) bool { return i < len(header) && strings.TrimSpace(header[i]) != "" }
	var out []Example
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// With LazyQuotes and FieldsPerRecord=-1 encoding/csv
				// currently reports no syntax errors at all; should a
				// future version do so, the reader resumes at the next
				// record, so one bad row must not end the load.
				rep.skip(pe.StartLine, "CSV syntax: "+pe.Err.Error())
				continue
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		var label, msg string
		if labelCol < len(rec) {
			label = rec[labelCol]
		}
		if textCol < len(rec) {
			end := textCol + 1
			for end < len(rec) && !named(end) {
				end++
			}
			// Trailing empty columns are padding ("v1,v2,,,"), not text.
			for end > textCol+1 && rec[end-1] == "" {
				end--
			}
			msg = strings.Join(rec[textCol:end], ",")
		}
		out = rep.add(out, msg, label, line)
	}
	return out, nil
}
