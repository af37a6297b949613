package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emberml/ember/internal/lineends"
	"github.com/emberml/ember/internal/textfile"
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
	Spam bool   // the positive class: spam, or Options.Positive
	Line int    // 1-based line in the source where the row starts
}

// Options say how to read a labelled text file.
type Options struct {
	Format Format
	// Positive is the label of the positive class (Example.Spam true).
	// Empty reads the SMS labels: spam positive, ham negative (any case),
	// and rows with any other label are skipped and counted. Set, it reads
	// any two-class labelled text: the one other label is the negative
	// class, labels are compared exactly (after trimming white space), and
	// a third label is an error. The label's place is then found from the
	// data: in a TSV file without a header, the first or the last
	// tab-separated field, whichever has just two values, Positive one of
	// them (the UCI SMS layout is label<TAB>text, the UCI sentence
	// sentiment layout text<TAB>label).
	Positive string
	// LabelColumn and TextColumn name a CSV file's columns; empty finds
	// them by the usual names (label, v1, category, class; text, v2,
	// message, sms).
	LabelColumn, TextColumn string
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
	// Ham and Spam count the rows of the negative and the positive class.
	Ham, Spam int
	// Negative and Positive are the two labels: "ham" and "spam" for SMS
	// data, else Options.Positive and the other label found (empty when
	// every row has the positive label).
	Negative, Positive string
	// LabelFirst reports, for TSV data read with Options.Positive, that
	// the label is the first field (else the last).
	LabelFirst bool

	generic bool     // read with Options.Positive
	third   *Skip    // Options.Positive: the first row with a third label
	labels  []string // Options.Positive: the first few distinct labels
}

// String is a one-line human summary, for example
// "loaded 5574 rows (ham 4827, spam 747), skipped 0 from FILE (tsv)". With
// no rows loaded the class counts are left out: "loaded 0 rows, skipped 3
// from FILE (csv)".
func (r LoadReport) String() string {
	var b strings.Builder
	if r.Loaded == 0 {
		fmt.Fprintf(&b, "loaded 0 rows, skipped %d", r.Skipped)
	} else {
		neg := r.Negative
		if neg == "" {
			neg = "other"
		}
		fmt.Fprintf(&b, "loaded %d rows (%s %d, %s %d), skipped %d", r.Loaded, neg, r.Ham, r.Positive, r.Spam, r.Skipped)
	}
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
	if !r.generic {
		switch strings.ToLower(label) {
		case "ham":
		case "spam":
			spam = true
		default:
			r.skip(line, fmt.Sprintf("label %q is not ham or spam", clip(label, 40)))
			return out
		}
	} else {
		if len(r.labels) < 5 && !slices.Contains(r.labels, label) {
			r.labels = append(r.labels, label)
		}
		switch {
		case label == r.Positive:
			spam = true
		case r.Negative == "":
			r.Negative = label
		case label != r.Negative:
			if r.third == nil {
				r.third = &Skip{Line: line, Reason: label}
			}
			r.skip(line, fmt.Sprintf("label %q is a third label", clip(label, 40)))
			return out
		}
	}
	if spam {
		r.Spam++
	} else {
		r.Ham++
	}
	r.Loaded++
	return append(out, Example{Text: text, Spam: spam, Line: line})
}

// quoteList formats labels for a message: "a", "b" and "c".
func quoteList(labels []string) string {
	if len(labels) == 0 {
		return "none"
	}
	q := make([]string, len(labels))
	for i, l := range labels {
		q[i] = strconv.Quote(clip(l, 40))
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
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
	return LoadFile(path, Options{Format: f})
}

// LoadFile reads a labelled text file; see Read.
func LoadFile(path string, o Options) ([]Example, LoadReport, error) {
	rep := newReport(path, o)
	fh, err := os.Open(path)
	if err != nil {
		// Start with the path, as Read's errors do; *fs.PathError would
		// repeat it after "open", so keep only its cause (which still
		// matches fs.ErrNotExist and the like with errors.Is). Unlike
		// atomicfile.UnwrapPath (checkpoint's open and stat), drop the
		// operation too: here it can only be "open", which says nothing.
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		return nil, rep, fmt.Errorf("%s: %w", path, err)
	}
	defer fh.Close()
	// Reading a directory fails with a confusing "read PATH: is a
	// directory" from deep inside; say it plainly instead.
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, rep, fmt.Errorf("%s is a directory, not a data file", path)
	}
	return Read(fh, path, o)
}

// ReadSMS reads labelled SMS messages from r in the given format (FormatAuto
// detects it). source names the input in the report and in errors.
//
// Bytes that are not valid UTF-8 are decoded as latin-1 (as Kaggle's file
// needs); a UTF-8 byte-order mark is dropped. Lines end in LF, CRLF or a
// lone CR (an old Mac file), as pandas reads them; in CSV a CR inside a
// quoted field is text. Empty lines are ignored. Rows with a missing label,
// a missing text or a label other than ham/spam (any case) are skipped and
// counted in the report. An empty input, an input with no usable rows,
// input that is not text (UTF-16, gzip-compressed, or with a NUL byte:
// ErrNotText, named with the NUL's line and column), an undetectable
// format or a read failure is an error; the report is returned with it so
// callers can show what was skipped.
func ReadSMS(r io.Reader, source string, f Format) ([]Example, LoadReport, error) {
	return Read(r, source, Options{Format: f})
}

// Read reads labelled messages from r as ReadSMS does, with the labels and
// columns o gives (see Options).
func Read(r io.Reader, source string, o Options) ([]Example, LoadReport, error) {
	f := o.Format
	rep := newReport(source, o)
	o.Positive = strings.TrimSpace(o.Positive)
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
	// Binary files would be refused as of an unknown format, quoting
	// their first bytes, or (with a format given) read as messages; UTF-16
	// as one garbled line. The checks are ember's table readers' too.
	if err := textfile.Check(source, raw, "TSV or CSV"); err != nil {
		return nil, rep, err
	}
	text, latin1 := textfile.Decode(raw)
	rep.Latin1 = latin1
	if strings.TrimSpace(text) == "" {
		return nil, rep, fmt.Errorf("%s is empty", source)
	}
	// Lines end in LF, CRLF or a lone CR (an old Mac file), as ember's
	// table readers and pandas read them: TSV has no quoting, and in CSV
	// a CR inside a quoted field is text. Detection reads the first lines
	// as TSV has them; a NUL byte is reported, with its line, as the
	// format has them.
	// TSV's lines (no quoting) serve detection, and are kept when it finds
	// TSV; CSV's are read again, minding quotes.
	lines, linesErr := "", error(nil)
	if f == FormatAuto {
		lines, linesErr = lineends.String(text, lineends.Quoting{})
		if f, err = detect(lines, o); err != nil {
			return nil, rep, fmt.Errorf("%s: %w", source, err)
		}
		rep.Format = f
	}
	switch {
	case f == FormatCSV:
		lines, linesErr = lineends.String(text, lineends.Quoting{Comma: ','})
	case o.Format != FormatAuto: // not converted for detection
		lines, linesErr = lineends.String(text, lineends.Quoting{})
	}
	if linesErr != nil {
		return nil, rep, fmt.Errorf("%s: %w", source, linesErr)
	}
	text = lines
	var out []Example
	if f == FormatTSV {
		if out, err = readTSV(text, &rep); err != nil {
			return nil, rep, fmt.Errorf("%s: %w", source, err)
		}
	} else if out, err = readCSV(text, &rep, o); err != nil {
		return nil, rep, fmt.Errorf("%s: %w", source, err)
	}
	if rep.generic && rep.Spam == 0 && len(rep.labels) > 0 {
		return nil, rep, fmt.Errorf("%s: no row has the label %q; the labels are %s", source, rep.Positive, quoteList(rep.labels))
	}
	if t := rep.third; t != nil {
		return nil, rep, fmt.Errorf("%s: line %d has the label %q, a third one besides %q and %q; with a positive label named, the data must have two labels",
			source, t.Line, clip(t.Reason, 40), rep.Positive, rep.Negative)
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

// newReport starts the report of a load: the source, the format asked for,
// and the two labels (ham and spam, or Options.Positive and the other label
// still to be found).
func newReport(source string, o Options) LoadReport {
	rep := LoadReport{Source: source, Format: o.Format, Negative: "ham", Positive: "spam"}
	if p := strings.TrimSpace(o.Positive); p != "" {
		rep.Negative, rep.Positive, rep.generic = "", p, true
	}
	return rep
}

// detect picks TSV when the first non-blank line is "ham<TAB>..." or
// "spam<TAB>...", CSV when it is a header naming the label and text
// columns. When the first line is neither (say a corrupt first row of a
// TSV file), the next few lines may still identify TSV.
func detect(text string, o Options) (Format, error) {
	if o.Positive != "" {
		return detectGeneric(text, o)
	}
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
	return FormatAuto, fmt.Errorf("%w from the first line %q: "+
		"want \"ham<TAB>text\" rows (tsv) or a CSV header with label,text or v1,v2 columns",
		ErrUnknownFormat, clip(first, 60))
}

// ErrUnknownFormat is wrapped by the loaders' error when FormatAuto cannot
// tell the file's layout from its first lines; the caller may then say how
// to choose one (Options.Format; spamrnn's --format).
var ErrUnknownFormat = errors.New("cannot detect the format")

// ErrNotText is wrapped by the loaders' error for input that is not text
// in a byte-oriented encoding: UTF-16, gzip-compressed, or with a NUL
// byte. It is the same error as tabular.ErrNotText, and the errors say
// the same as ember's table readers' do of the same file, naming the
// line and column of a NUL byte.
var ErrNotText = textfile.ErrNotText

// ErrLooksLikeCSV is wrapped by the error of FormatTSV data in which no
// line has a tab and most have commas: a CSV file read as TSV.
var ErrLooksLikeCSV = errors.New("it looks like CSV")

// detectGeneric picks CSV when the first non-blank line is a header naming
// the label and text columns, and TSV when it has a tab.
func detectGeneric(text string, o Options) (Format, error) {
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if _, _, err := csvColumnsNamed(parseHeader(line), o.LabelColumn, o.TextColumn); err == nil {
			return FormatCSV, nil
		}
		if strings.Contains(line, "\t") {
			return FormatTSV, nil
		}
		return FormatAuto, fmt.Errorf("%w from the first line %q: "+
			"want text and label separated by a tab (tsv) or a CSV header naming the label and text columns",
			ErrUnknownFormat, clip(line, 60))
	}
	return FormatAuto, errors.New("no data")
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

// readTSV parses the UCI layout. Each line is split at its first tab (its
// last when the label is the last field); the file has no quoting, so
// quotes stay part of the text.
func readTSV(text string, rep *LoadReport) ([]Example, error) {
	labelFirst := true
	if rep.generic {
		var err error
		if labelFirst, err = labelSide(text, rep.Positive); err != nil {
			return nil, err
		}
		rep.LabelFirst = labelFirst
	}
	var out []Example
	line := 0
	// Lines skipped as blank, for want of a tab, and of those with a comma.
	blank, noTab, noTabComma := 0, 0, 0
	for row := range strings.Lines(text) {
		line++
		row = strings.TrimRight(row, "\r\n")
		if row == "" {
			continue
		}
		label, msg, ok := strings.Cut(row, "\t")
		if !labelFirst {
			if i := strings.LastIndexByte(row, '\t'); i >= 0 {
				msg, label = row[:i], row[i+1:]
			}
		}
		if !ok {
			if strings.TrimSpace(row) == "" {
				rep.skip(line, "blank line")
				blank++
			} else {
				rep.skip(line, "no tab between label and text")
				noTab++
				if strings.Contains(row, ",") {
					noTabComma++
				}
			}
			continue
		}
		out = rep.add(out, msg, label, line)
	}
	// Every line lacked a tab and most have commas: a CSV file read as TSV.
	// Say so rather than leave "no usable rows" to puzzle over.
	if len(out) == 0 && noTab > 0 && blank+noTab == rep.Skipped && noTabComma*2 > noTab {
		return nil, fmt.Errorf("no line has a tab (tsv), but %d of %d have commas: %w; read it as csv", noTabComma, noTab, ErrLooksLikeCSV)
	}
	return out, nil
}

// labelSide finds the label of two-class TSV data: the first field when it
// takes two values at most, positive among them, else the last field when
// it does.
func labelSide(text, positive string) (first bool, err error) {
	firsts, lasts := map[string]bool{}, map[string]bool{}
	for row := range strings.Lines(text) {
		row = strings.TrimRight(row, "\r\n")
		i, j := strings.IndexByte(row, '\t'), strings.LastIndexByte(row, '\t')
		if i < 0 {
			continue
		}
		if len(firsts) <= 2 {
			firsts[strings.TrimSpace(row[:i])] = true
		}
		if len(lasts) <= 2 {
			lasts[strings.TrimSpace(row[j+1:])] = true
		}
	}
	switch {
	case len(firsts) == 0:
		return false, errors.New("no line has a tab between the text and the label")
	case firsts[positive] && len(firsts) <= 2:
		return true, nil
	case lasts[positive] && len(lasts) <= 2:
		return false, nil
	case firsts[positive]:
		return true, nil // the third label is reported with its line
	case lasts[positive]:
		return false, nil
	}
	desc := func(m map[string]bool) string {
		vals := slices.Sorted(maps.Keys(m))
		if len(vals) > 2 {
			return quoteList(vals[:2]) + " and more"
		}
		return quoteList(vals)
	}
	return false, fmt.Errorf("no row has the label %q in its first or last tab-separated field (the first fields are %s; the last %s)",
		clip(positive, 40), desc(firsts), desc(lasts))
}

// Header names accepted for each column. The Kaggle file calls them v1
// (label) and v2 (text); other common exports use these plain names.
var (
	labelNames = []string{"label", "v1", "category", "class"}
	textNames  = []string{"text", "v2", "message", "sms"}
)

// csvColumnsNamed finds the named label and text columns in a header row
// (either name empty: the usual names).
func csvColumnsNamed(header []string, labelName, textName string) (label, text int, err error) {
	if labelName == "" && textName == "" {
		return csvColumns(header)
	}
	find := func(want string, names []string) int {
		if want != "" {
			names = []string{strings.ToLower(strings.TrimSpace(want))}
		}
		for _, n := range names {
			for i, h := range header {
				if strings.ToLower(strings.TrimSpace(h)) == n {
					return i
				}
			}
		}
		return -1
	}
	label, text = find(labelName, labelNames), find(textName, textNames)
	h := clip(strings.Join(header, ","), 80)
	// Name only what is missing: a column found under a usual name is not.
	var missing []string
	if label < 0 {
		missing = append(missing, "label column "+columnWanted(labelName, labelNames))
	}
	if text < 0 {
		missing = append(missing, "text column "+columnWanted(textName, textNames))
	}
	switch {
	case len(missing) > 0:
		return -1, -1, fmt.Errorf("CSV header %q has no %s", h, strings.Join(missing, " and no "))
	case label == text:
		return -1, -1, fmt.Errorf("CSV header %q: the label and the text are both column %q", h, strings.TrimSpace(header[label]))
	}
	return label, text, nil
}

// columnWanted describes the column looked for: the name given, quoted, or
// the usual names.
func columnWanted(name string, usual []string) string {
	if name != "" {
		return strconv.Quote(name)
	}
	return "(" + strings.Join(usual[:len(usual)-1], ", ") + " or " + usual[len(usual)-1] + ")"
}

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
func readCSV(text string, rep *LoadReport, o Options) ([]Example, error) {
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
	labelCol, textCol, err := csvColumnsNamed(header, o.LabelColumn, o.TextColumn)
	if err != nil {
		line, _ := r.FieldPos(0)
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	named := func(i int) bool { return i < len(header) && strings.TrimSpace(header[i]) != "" }
	var out []Example
	lastOff := int64(-1) // where the last record starts (before any blank lines)
	for {
		off := r.InputOffset()
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
		lastOff = off
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
	// With LazyQuotes a quoted field that is never closed runs to the end
	// of the file without an error: every row after it would silently
	// become part of one message.
	if lastOff >= 0 {
		// (One that leaves open only its own last line takes nothing else.)
		if at, ok := unclosedQuote(text[lastOff:]); ok {
			rest := text[lastOff+int64(len(at)):]
			if _, after, _ := strings.Cut(rest, "\n"); strings.TrimSpace(after) != "" {
				// The line of the opening quote, counted in the text itself:
				// at starts before any blank lines the record follows.
				start := 1 + strings.Count(text[:lastOff+int64(len(at))], "\n")
				end := start + strings.Count(strings.TrimRight(rest, "\r\n"), "\n")
				return nil, fmt.Errorf("line %d: the quoted field that starts here is never closed: lines %d to %d would be one message; "+
					"close the quote (a quote inside quoted text is written \"\")", start, start, end)
			}
		}
	}
	return out, nil
}

// unclosedQuote reports whether the CSV record at the start of s (after
// any blank lines) has a quoted field that the end of s leaves open, as
// encoding/csv reads it with LazyQuotes: inside quotes, "" is a quote and
// a quote followed by anything but a comma or a line end is kept as text.
// before is s up to that field's opening quote.
func unclosedQuote(s string) (before string, ok bool) {
	i := 0
	for i < len(s) && (s[i] == '\n' || s[i] == '\r') {
		i++
	}
	for i < len(s) {
		if s[i] != '"' { // an unquoted field ends at a comma or the line's end
			for i < len(s) && s[i] != ',' && s[i] != '\n' && s[i] != '\r' {
				i++
			}
			if i == len(s) || s[i] != ',' {
				return "", false
			}
			i++
			continue
		}
		open := i
		for i++; ; i++ {
			j := strings.IndexByte(s[i:], '"')
			if j < 0 {
				return s[:open], true
			}
			i += j
			if i+1 < len(s) && s[i+1] == '"' {
				i++ // "" is a quote
				continue
			}
			if i+1 == len(s) || s[i+1] == ',' || s[i+1] == '\n' || s[i+1] == '\r' {
				break // the closing quote
			}
		}
		i++
		if i == len(s) || s[i] != ',' {
			return "", false
		}
		i++
	}
	return "", false
}
