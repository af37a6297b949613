package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/internal/atomicfile"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/lineends"
	"github.com/emberml/ember/internal/sysmem"
	"github.com/emberml/ember/internal/textfile"
	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/tabular"
)

// table is a delimited text file, held as strings so each subcommand can
// parse the columns it needs, laid out as its tabular.Layout says: the
// separator (by default comma, or tab for .tsv/.tab files or a first line
// with tabs and no commas) and whether a header row names the columns.
type table struct {
	path   string
	layout tabular.Layout
	header []string // names as given, trimmed; "" for an unnamed column
	rows   [][]string
	lines  []int // the 1-based file line each row starts on, for error messages
	latin1 bool  // the bytes were not UTF-8 and were read as latin-1
}

// memoryPerFileByte is how many bytes of memory reading a table takes per
// byte of file, at most: the file, its decoded text, and the parsed
// fields with their slice headers (short numeric fields cost the most).
const memoryPerFileByte = 6

// readTable reads a CSV or TSV file with a header row, or laid out as
// layout says (--sep, --no-header). Rows must have as many fields as the
// header; the error names the offending line. A file too large for the
// memory available is refused before it is read.
func readTable(path string, layout tabular.Layout) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a data file", path)
		}
		if err := checkFileFits(path, fi.Size()); err != nil {
			return nil, err
		}
	}
	return parseTable(f, path, layout)
}

// checkFileFits refuses a file whose reading would need more memory than
// the machine has available.
func checkFileFits(path string, size int64) error {
	avail, ok := sysmem.Available()
	if need := uint64(size) * memoryPerFileByte; ok && need > avail {
		return fmt.Errorf("%s is %s; reading it needs about %s of memory, and %s is available",
			path, sysmem.Format(uint64(size)), sysmem.Format(need), sysmem.Format(avail))
	}
	return nil
}

func parseTable(r io.Reader, path string, layout tabular.Layout) (*table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkText(path, data); err != nil {
		return nil, err
	}
	// Spreadsheet exports often start with a byte-order mark, and some
	// (Kaggle's SMS file among them) are latin-1: every byte is a
	// character, so reading them cannot fail and line numbers hold.
	text, latin1 := decodeText(data)

	recs, sep := layout.NewRecords(strings.NewReader(text), path, tabular.FirstLine(text))
	if cr, ok := recs.(*tabular.CSVRecords); ok {
		// Not for TSV or spaces: encoding/csv trims those too, so an
		// empty cell's separator would vanish into the next field.
		cr.TrimLeadingSpace = sep != '\t' && sep != ' '
	}
	header, err := recs.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s", path, layout.Empty())
	}
	if err != nil {
		return nil, layout.RecordError(path, err, 0)
	}
	t := &table{path: path, layout: layout, latin1: latin1}
	line, _ := recs.FieldPos(0) // blank lines before it are skipped
	if layout.NoHeader {
		t.rows = append(t.rows, slices.Clone(header))
		t.lines = append(t.lines, line)
		header = tabular.Names(len(header))
	}
	header = slices.Clone(header)
	named := 0
	for i, h := range header {
		// Unnamed columns (Kaggle's "v1,v2,,,") are kept but cannot be
		// asked for by name; they are never default features.
		header[i] = strings.TrimSpace(h)
		if header[i] != "" {
			named++
		}
	}
	if err := layout.CheckNames(path, line, header); err != nil {
		return nil, err
	}
	if named == 0 {
		return nil, fmt.Errorf("%s: line %d: no column has a name; want a header row naming the columns (or --no-header)", path, line)
	}
	t.header = header
	for {
		rec, err := recs.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, layout.RecordError(path, err, len(header))
		}
		line, _ := recs.FieldPos(0)
		t.rows = append(t.rows, slices.Clone(rec))
		t.lines = append(t.lines, line)
	}
	if len(t.rows) == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", path)
	}
	return t, nil
}

// checkText refuses files that are not text in a byte-oriented encoding
// (tabular.CheckText), Parquet among them (a *parquetError): ember gbt and
// score read it, this command does not.
func checkText(path string, data []byte) error {
	if bytes.HasPrefix(data, []byte("PAR1")) {
		return &parquetError{path: path}
	}
	return tabular.CheckText(path, data, "CSV or TSV")
}

// parquetError is a Parquet file given to a command, or a model, that
// reads text. It is a type so that ember predict, which reads Parquet for
// gbt models, can say which models do.
type parquetError struct{ path string }

func (e *parquetError) Error() string {
	return e.path + " is a Parquet file; this command reads CSV or TSV text (ember gbt and ember score read Parquet)"
}

// decodeText drops a UTF-8 byte-order mark and reads bytes that are not
// valid UTF-8 as latin-1, the whole file alike, as package data does.
func decodeText(data []byte) (string, bool) { return textfile.Decode(data) }

// decodeLines is decodeText for text without quoting (naive Bayes'
// label<TAB>text lines): lines end in LF, CRLF or a lone CR, as tables'
// lines do, and a NUL byte is an error naming the file and its line
// (with the text before it).
func decodeLines(path string, data []byte) (string, error) {
	text, _ := decodeText(data)
	text, err := lineends.String(text, lineends.Quoting{})
	if err != nil {
		return text, fmt.Errorf("%s: %w", path, err)
	}
	return text, nil
}

// firstLine is the fields of the file's first line: the header, or with
// --no-header the first row.
func (t *table) firstLine() []string {
	if t.layout.NoHeader && len(t.rows) > 0 {
		return t.rows[0]
	}
	return t.header
}

// column returns the index of the named column, or an error listing the
// columns the file does have.
func (t *table) column(name string) (int, error) {
	if i := slices.Index(t.header, name); i >= 0 && name != "" {
		return i, nil
	}
	return -1, fmt.Errorf("%s: no column %q; the columns are: %s%s", t.path, name, strings.Join(t.names(), ", "), t.layout.HeaderHint(t.firstLine()))
}

// names lists the named columns, in file order.
func (t *table) names() []string {
	var out []string
	for _, h := range t.header {
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

// columns resolves several names at once.
func (t *table) columns(names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		j, err := t.column(n)
		if err != nil {
			return nil, err
		}
		idx[i] = j
	}
	return idx, nil
}

// floats parses the named columns as numbers, one row per data row. A
// value that is empty, not a number, NaN or infinite is an error naming its
// line, column and value.
func (t *table) floats(names []string) ([][]float64, error) {
	idx, err := t.columns(names)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(t.rows))
	flat := make([]float64, len(t.rows)*len(idx))
	for r, rec := range t.rows {
		row := flat[r*len(idx) : (r+1)*len(idx) : (r+1)*len(idx)]
		for k, j := range idx {
			s := strings.TrimSpace(rec[j])
			v, err := strconv.ParseFloat(s, 64)
			switch {
			case s == "":
				return nil, fmt.Errorf("%s: line %d, column %q: empty value; numeric features need a number in every row", t.path, t.lines[r], names[k])
			case err != nil && t.layout.IsNA(s):
				return nil, &missingValueError{fmt.Sprintf("%s: line %d, column %q: %q marks a missing value; numeric features need a number in every row: "+
					"drop or fill in those rows first (ember gbt keeps missing values)", t.path, t.lines[r], names[k], s)}
			case err != nil && tabular.LooksLikeNA(s):
				return nil, &missingValueError{fmt.Sprintf("%s: line %d, column %q: %q is not a number; if it marks a missing value, drop or fill in those rows first: "+
					"numeric features need a number in every row (ember gbt keeps missing values, with --na-values %q)", t.path, t.lines[r], names[k], s, s)}
			case err != nil:
				return nil, fmt.Errorf("%s: line %d, column %q: %q is not a number", t.path, t.lines[r], names[k], rec[j])
			case math.IsNaN(v) || math.IsInf(v, 0):
				return nil, fmt.Errorf("%s: line %d, column %q: %q is not a finite number", t.path, t.lines[r], names[k], rec[j])
			}
			row[k] = v
		}
		out[r] = row
	}
	return out, nil
}

// batch is the table's named columns as a tabular.Batch, for a
// tabular.Pipeline: every column Text, trimmed, a cell that is empty or an
// NA marker of the layout missing (as tabular's CSV reader reads them),
// and each row keeping its line for errors.
func (t *table) batch() *tabular.Batch {
	b := &tabular.Batch{Source: t.path, Rows: len(t.rows), Lines: t.lines, Layout: t.layout}
	for j, name := range t.header {
		if name == "" {
			continue // unnamed: never a feature
		}
		c := &tabular.Column{Name: name, Kind: tabular.Text, Str: make([]string, len(t.rows))}
		for r, rec := range t.rows {
			c.Str[r] = strings.TrimSpace(rec[j])
			if t.layout.IsNA(c.Str[r]) {
				if c.Null == nil {
					c.Null = make([]bool, len(t.rows))
				}
				c.Null[r] = true
			}
		}
		b.Columns = append(b.Columns, c)
	}
	return b
}

// missingValueError is floats' error for a cell that is, or looks like, a
// marker of a missing value rather than text in a column of text.
type missingValueError struct{ msg string }

func (e *missingValueError) Error() string { return e.msg }

// labels reads the named column as class labels: each distinct value is a
// class, numbered in sorted order (numerically when every label is a
// number, so "2" comes before "10"; otherwise as strings). It returns the
// class index of every row and the class names by index. Empty labels are
// an error naming the line.
func (t *table) labels(name string) ([]int, []string, error) {
	ys, classes, err := labelsOf(name, t)
	if err != nil {
		return nil, nil, err
	}
	return ys[0], classes, nil
}

// rawLabels returns the named column's values, trimmed; an empty one, or
// a missing-value marker (pandas' "NaN", "NA", ... and --na-values: the
// layout's IsNA, as ember gbt reads them), is an error naming its line.
func (t *table) rawLabels(name string) ([]string, error) {
	j, err := t.column(name)
	if err != nil {
		return nil, err
	}
	vals := make([]string, len(t.rows))
	for r, rec := range t.rows {
		v := strings.TrimSpace(rec[j])
		if v == "" {
			return nil, fmt.Errorf("%s: line %d, column %q: missing class label (an empty cell)%s", t.path, t.lines[r], name, missingLabelAdvice("row"))
		}
		if t.layout.IsNA(v) {
			return nil, fmt.Errorf("%s: line %d, column %q: missing class label (%q reads as a missing value, as in pandas' read_csv)%s",
				t.path, t.lines[r], name, v, missingLabelAdvice("row"))
		}
		vals[r] = v
	}
	return vals, nil
}

// missingLabelAdvice ends the error about a missing class label: a model
// learns (and is scored) only from labelled items, so the user drops or
// fills them; item is what one is ("row", "document", "line").
func missingLabelAdvice(item string) string {
	return fmt.Sprintf("; every %s needs one: drop the %ss without a label, or fill them in", item, item)
}

// labelsOf reads the named label column of several tables (training and
// test files) with one class numbering over all of them, as labels does
// for one.
func labelsOf(name string, tabs ...*table) ([][]int, []string, error) {
	vals := make([][]string, len(tabs))
	for i, t := range tabs {
		v, err := t.rawLabels(name)
		if err != nil {
			return nil, nil, err
		}
		vals[i] = v
	}
	ys, classes := encodeLabels(vals...)
	return ys, classes, nil
}

// encodeLabels numbers the distinct values of several label lists
// together, in sortLabels order.
func encodeLabels(lists ...[]string) ([][]int, []string) {
	set := map[string]bool{}
	for _, l := range lists {
		for _, v := range l {
			set[v] = true
		}
	}
	classes := make([]string, 0, len(set))
	for v := range set {
		classes = append(classes, v)
	}
	sortLabels(classes)
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	ys := make([][]int, len(lists))
	for i, l := range lists {
		ys[i] = make([]int, len(l))
		for r, v := range l {
			ys[i][r] = index[v]
		}
	}
	return ys, classes
}

// sortLabels sorts numerically when every label parses as a number, else
// lexically.
func sortLabels(s []string) {
	nums := make(map[string]float64, len(s))
	for _, v := range s {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			slices.Sort(s)
			return
		}
		nums[v] = f
	}
	slices.SortFunc(s, func(a, b string) int {
		if c := compareFloat(nums[a], nums[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b) // "1" and "1.0": keep a stable order
	})
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// otherColumns is every named column except those given, in file order:
// the default feature set when only the target is given.
func (t *table) otherColumns(except ...string) []string {
	var out []string
	for _, h := range t.names() {
		if !slices.Contains(except, h) {
			out = append(out, h)
		}
	}
	return out
}

// quoteAll quotes each name, for error messages.
func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// excludeFlag declares --exclude, which trims the default feature set
// (every column but the target), and its check against --features.
func excludeFlag(fs *cli.FlagSet, features *string) *string {
	exclude := fs.String("exclude", "", "comma-separated `columns` left out of the default features (an ID or text column, say)")
	fs.Check(func() error {
		if *exclude != "" && *features != "" {
			return errors.New("--exclude trims the default feature set; with --features, list just the columns you want")
		}
		return nil
	})
	return exclude
}

// checkFeatureFlags adds the checks of --features and --exclude against
// each other and --target (empty: none) that need no data: a list of no
// column, a column listed twice in either, the target among the features.
func checkFeatureFlags(fs *cli.FlagSet, features, exclude, target *string) {
	fs.Check(func() error {
		var problems cli.Problems
		names := splitList(*features)
		if *features != "" && len(names) == 0 {
			problems = append(problems, fmt.Errorf("--features %q lists no column", *features))
		}
		if *exclude != "" && len(splitList(*exclude)) == 0 {
			problems = append(problems, fmt.Errorf("--exclude %q lists no column", *exclude))
		}
		for i, f := range names {
			if slices.Contains(names[:i], f) && !slices.Contains(names[i+1:], f) {
				problems = append(problems, fmt.Errorf("--features: column %q is listed twice", f))
			}
		}
		excluded := splitList(*exclude)
		for i, f := range excluded {
			if slices.Contains(excluded[:i], f) && !slices.Contains(excluded[i+1:], f) {
				problems = append(problems, fmt.Errorf("--exclude: column %q is listed twice", f))
			}
		}
		if *target != "" && slices.Contains(names, *target) {
			problems = append(problems, fmt.Errorf("--features includes the --target column %q", *target))
		}
		switch len(problems) {
		case 0:
			return nil
		case 1:
			return problems[0]
		}
		return problems
	})
}

// checkListedOnce adds the check, before any data is read, that each of
// the comma-separated column lists (flag name to its value) names no
// column twice, as --features is checked: one problem per repeated
// column, at its last mention.
func checkListedOnce(fs *cli.FlagSet, lists map[string]*string) {
	fs.Check(func() error {
		var problems cli.Problems
		for _, name := range slices.Sorted(maps.Keys(lists)) {
			names := splitList(*lists[name])
			for i, c := range names {
				if slices.Contains(names[:i], c) && !slices.Contains(names[i+1:], c) {
					problems = append(problems, fmt.Errorf("--%s: column %q is listed twice", name, c))
				}
			}
		}
		switch len(problems) {
		case 0:
			return nil
		case 1:
			return problems[0]
		}
		return problems
	})
}

// flagTerms names the layout settings in tabular's error hints as this
// command's flags: --sep whitespace, not Layout.Sep = tabular.Whitespace.
var flagTerms = &tabular.Terms{
	Sep: func(sep rune) string {
		// A character is quoted (the shell would eat a bare ; or |), a word
		// is not.
		if name := tabular.SepName(sep); name != string(sep) {
			return "--sep " + name
		}
		return fmt.Sprintf("--sep %q", string(sep))
	},
	NoHeader: "--no-header",
	NA:       func(marker string) string { return fmt.Sprintf("--na-values %q", marker) },
}

// layoutFlags adds --sep, --no-header and --na-values, how the command's
// text tables are laid out; the layout is set when the flags are parsed.
// Its Terms are flagTerms.
func layoutFlags(fs *cli.FlagSet) *tabular.Layout {
	layout := &tabular.Layout{Terms: flagTerms}
	sep := fs.String("sep", "auto", "field `separator` of text tables: one character, or tab, space, or whitespace (runs of spaces and tabs, as UCI's .data files); auto: comma, or tab for .tsv/.tab files and tab-separated first lines")
	noHeader := fs.Bool("no-header", false, "text tables have no header row: the first line is data, and the columns are named 0, 1, 2, … (pandas' header=None)")
	na := fs.String("na-values", "", "comma-separated `markers` of missing values besides pandas' defaults (empty, NA, NaN, null, …), as read_csv's na_values: '?' for UCI's files")
	fs.Check(func() error {
		r, err := tabular.ParseSep(*sep)
		if err != nil {
			return fmt.Errorf("--sep: %w", err)
		}
		layout.Sep, layout.NoHeader, layout.NA = r, *noHeader, splitList(*na)
		if *na != "" && len(layout.NA) == 0 {
			return fmt.Errorf("--na-values %q lists no marker", *na)
		}
		return nil
	})
	return layout
}

// splitList splits a comma-separated flag value, trimming blanks and
// dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// featureMatrix reads the feature columns named in the comma-separated list
// features, or every column but target when the list is empty; the lists
// are checked by checkFeatureFlags.
func featureMatrix(tab *table, data, features, exclude, target string) ([]string, [][]float64, error) {
	if target != "" {
		// Before the features: a misspelt target would leave itself among
		// them, and the error would be about its values.
		if _, err := tab.column(target); err != nil {
			return nil, nil, err
		}
	}
	names := splitList(features)
	if len(names) == 0 {
		except := splitList(exclude)
		for _, c := range except {
			if _, err := tab.column(c); err != nil {
				return nil, nil, fmt.Errorf("--exclude: %w", err)
			}
		}
		if target != "" {
			except = append(except, target)
		}
		names = tab.otherColumns(except...)
		if len(names) == 0 {
			return nil, nil, fmt.Errorf("%s: no feature columns besides %s", data, strings.Join(quoteAll(except), ", "))
		}
	}
	X, err := tab.floats(names)
	if err != nil {
		var mv *missingValueError
		if features == "" && !errors.As(err, &mv) {
			err = fmt.Errorf("%w (choose numeric columns with --features, or leave columns out with --exclude)", err)
		}
		return nil, nil, err
	}
	return names, X, nil
}

// checkMagnitude refuses a value of X (the rows of tab, in order) beyond
// limit in magnitude, naming its file, line and column, where the models
// could only name a row index (of a shuffled split, say); why says what
// would go wrong and what to do. With sc, X is scaled by it, and the value
// is reported as it is in the file and in standard deviations.
func checkMagnitude(tab *table, names []string, X [][]float64, sc *logreg.Scaler, limit float64, why string) error {
	for r, row := range X {
		for j, v := range row {
			if math.Abs(v) <= limit {
				continue
			}
			where := fmt.Sprintf("%s: line %d, column %q", tab.path, tab.lines[r], names[j])
			if sc != nil {
				raw := ""
				if k, err := tab.column(names[j]); err == nil {
					raw = strings.TrimSpace(tab.rows[r][k])
				}
				return fmt.Errorf("%s: %s is %.3g standard deviations from the training mean (the limit is %g): %s",
					where, raw, v, limit, why)
			}
			return fmt.Errorf("%s: %g is too large in magnitude (the limit is %g): %s", where, v, limit, why)
		}
	}
	return nil
}

// printConfusion prints a confusion matrix with class names on both axes:
// counts of rows (weightCol "") or sums of the weights of column
// weightCol, which the header says.
func printConfusion[T int | float64](w io.Writer, classes []string, confusion [][]T, weightCol string) {
	if weightCol == "" {
		fmt.Fprintln(w, "\nconfusion matrix (rows: true class, columns: predicted):")
	} else {
		fmt.Fprintf(w, "\nconfusion matrix weighted by column %q (sums of weights; rows: true class, columns: predicted):\n", weightCol)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, c := range classes {
		fmt.Fprintf(tw, "%s\t", c)
	}
	fmt.Fprintln(tw)
	for i, row := range confusion {
		fmt.Fprintf(tw, "%s\t", classes[i])
		for _, v := range row {
			switch v := any(v).(type) {
			case float64:
				fmt.Fprintf(tw, "%.6g\t", v)
			default:
				fmt.Fprintf(tw, "%d\t", v)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}
