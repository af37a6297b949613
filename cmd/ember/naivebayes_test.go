package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
)

func TestNaiveBayesSMS(t *testing.T) {
	sms := shareddata.TestPath(t, "sms_spam", "SMSSpamCollection")
	prefix := filepath.Join(t.TempDir(), "sms")
	// No --format: a file without --text/--label is read as label<TAB>text.
	code, out, errOut := runCmd(t, "naivebayes", "--data", sms, "--json", "--plot", prefix)
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{
		"(format sms): 5574 documents, 2 classes (ham 4827, spam 747)",
		"split: 4180 training documents, 1394 held-out",
		"English stop words removed",
		"confusion matrix (rows: true class, columns: predicted):",
		"              precision    recall  f1-score   support",
		"most indicative terms:",
		"wrote " + prefix + "-confusion.png",
	} {
		require.Contains(t, out, want)
	}
	var res nbResult
	decodeLastLine(t, out, &res)
	require.Equal(t, []string{"ham", "spam"}, res.Classes)
	require.Equal(t, 1394, res.NTest)
	// Multinomial NB on bag-of-words SMS is ~98% accurate (the parity test
	// in models/naivebayes pins it to scikit-learn on a fixed split).
	require.Greater(t, res.Accuracy, 0.97)
	n := 0
	for _, row := range res.Confusion {
		for _, v := range row {
			n += v
		}
	}
	require.Equal(t, 1394, n)
	require.Len(t, res.Report, 2)
	require.Contains(t, res.TopTerms["spam"], "claim")
	requirePNG(t, prefix+"-confusion.png")

	// Keeping stop words grows the vocabulary.
	code, out2, errOut := runCmd(t, "naivebayes", "--data", sms, "--no-stopwords", "--alpha", "0.1", "--json")
	require.Equal(t, 0, code, errOut)
	var res2 nbResult
	decodeLastLine(t, out2, &res2)
	require.False(t, res2.StopWords)
	require.Equal(t, 0.1, res2.Alpha)
	require.Greater(t, res2.Vocabulary, res.Vocabulary)
}

// reviews is a tiny separable corpus with CSV quoting (commas, quotes and a
// line break inside fields) and HTML.
const reviews = `id,review,sentiment
1,"Great film, wonderful <b>acting</b>",pos
2,"wonderful, great story",pos
3,"A ""great"" and wonderful cast",pos
4,"terrible plot,
boring and awful",neg
5,awful boring mess,neg
6,"terrible, awful, boring",neg
`

func TestNaiveBayesCSVColumns(t *testing.T) {
	csv := writeFile(t, "reviews.csv", reviews)
	code, out, errOut := runCmd(t, "naivebayes", "--data", csv, "--text", "review", "--label", "sentiment", "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(format csv): 6 documents, 2 classes (neg 3, pos 3)")
	require.Contains(t, out, "training (no held-out documents: --test-frac 0) accuracy: 1.0000 (6 of 6)")
	var res nbResult
	decodeLastLine(t, out, &res)
	require.Equal(t, "train", res.EvalOn)
	require.Equal(t, [][]int{{3, 0}, {0, 3}}, res.Confusion)
	// "a", "and" are stop words; the HTML tag is gone.
	require.Equal(t, 11, res.Vocabulary) // great film wonderful acting story cast terrible plot boring awful mess
	require.ElementsMatch(t, []string{"awful", "boring", "terrible"}, res.TopTerms["neg"][:3])
	// Only words more likely under the class than under any other: never
	// the other class's words, which a short vocabulary would otherwise
	// fill the ten places with.
	require.NotContains(t, res.TopTerms["neg"], "great")
	require.NotContains(t, res.TopTerms["pos"], "awful")

	tsv := writeFile(t, "reviews.tsv", "label\ttext\npos\tgreat fun\nneg\tawful dull\npos\tfun fun\nneg\tdull\n")
	code, out, errOut = runCmd(t, "naivebayes", "--data", tsv, "--format", "tsv", "--text", "text", "--label", "label", "--test-frac", "0")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(format tsv): 4 documents")
	require.Contains(t, out, "accuracy: 1.0000 (4 of 4)")
}

// UCI's sentiment labelled sentences are text<TAB>label lines: read as
// label<TAB>text, every sentence was a label and every document "0" or "1"
// ("empty vocabulary"). The label is the field with fewer distinct values.
func TestNaiveBayesTextLabelLines(t *testing.T) {
	imdb := shareddata.TestPath(t, "sentiment", "imdb_labelled.txt")
	model := filepath.Join(t.TempDir(), "imdb.ember")
	code, out, errOut := runCmd(t, "naivebayes", "--data", imdb, "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(format text-label): 1000 documents, 2 classes (0 500, 1 500)")
	var res nbResult
	decodeLastLine(t, out, &res)
	require.Equal(t, "text-label", res.Format)
	require.Greater(t, res.Accuracy, 0.7)

	// The model reads the same layout to score, and plain lines.
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", imdb)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, `accuracy against column "label (last field)"`)
	plain := writeFile(t, "plain.txt", "a wonderful, moving film\nboring and awful\n")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", plain)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[1], "1,"), lines[1])
	require.True(t, strings.HasPrefix(lines[2], "0,"), lines[2])

	// A --test file in the other layout: its texts are not 1,540 classes.
	sms := shareddata.TestPath(t, "sms_spam", "SMSSpamCollection")
	code, out, errOut = runCmd(t, "naivebayes", "--data", imdb, "--test", sms)
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, sms+": 5160 different labels in 5574 documents")
	require.Contains(t, errOut, "in the last field: that is text, not classes; is the file in the layout --format text-label reads?")
	// And the SMS file forced into the other layout.
	code, out, errOut = runCmd(t, "naivebayes", "--data", sms, "--format", "text-label")
	require.Equal(t, 1, code, out)
	require.Contains(t, errOut, sms+": 5160 different labels in 5574 documents")

	// Forced either way.
	small := writeFile(t, "small.txt", "great fun\tpos\nawful dull\tneg\nfun fun\tpos\n")
	code, out, errOut = runCmd(t, "naivebayes", "--data", small, "--format", "text-label", "--test-frac", "0")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(format text-label): 3 documents, 2 classes (neg 1, pos 2)")
	code, _, errOut = runCmd(t, "naivebayes", "--data", small, "--format", "text-label", "--text", "t")
	require.Equal(t, 2, code, "a bad command line")
	require.Contains(t, errOut, "--format text-label files have no header")
}

// Files that are not UTF-8 are read as latin-1, in every layout (the
// README says so; the sentence-polarity files are cp1252).
func TestNaiveBayesLatin1(t *testing.T) {
	docs := "ham\tcaf\xe9 open\nspam\twin \xa3100 prize\nham\tcaf\xe9 later\nspam\tprize now\n"
	for _, tc := range []struct{ name, body string }{
		{"sms", docs},
		{"tsv", "label\ttext\n" + docs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "latin1.txt", tc.body)
			args := []string{"naivebayes", "--data", path, "--test-frac", "0", "--json", "--format", tc.name}
			if tc.name == "tsv" {
				args = append(args, "--text", "text", "--label", "label")
			}
			code, out, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
			var res nbResult
			decodeLastLine(t, out, &res)
			require.Equal(t, []string{"ham", "spam"}, res.Classes)
			require.Contains(t, res.TopTerms["ham"], "café")
		})
	}
}

func TestNaiveBayesBadInput(t *testing.T) {
	csv := writeFile(t, "reviews.csv", reviews)
	one := writeFile(t, "one.csv", "text,label\ngood,pos\nfine,pos\n")
	noTab := writeFile(t, "sms.txt", "ham\thello there\nspam win a prize now\n")
	stop := writeFile(t, "stop.csv", "text,label\nthe,a\nand,b\n")
	blank := writeFile(t, "blank.csv", "text,label\nhello,\n")
	threeFields := writeFile(t, "three.txt", "ham\thello\tthere\nspam\twin\tnow\n")
	noLabel := writeFile(t, "nolabel.txt", "ham\thello there\n \twin a prize now\nspam\tcall now\n")
	plotOver := writeFile(t, "reviews-confusion.png", reviews) // --plot's file is the data
	tests := []cliErrorCase{
		{"missing text column", []string{"--data", csv, "--text", "body", "--label", "sentiment"}, []string{`no column "body"`, "id, review, sentiment"}},
		{"missing label column", []string{"--data", csv, "--text", "review", "--label", "y"}, []string{`no column "y"`}},
		{"single class", []string{"--data", one, "--text", "text", "--label", "label"}, []string{"every document has the label \"pos\"", "at least two classes"}},
		{"sms line without tab", []string{"--data", noTab}, []string{noTab + ": line 2: 1 tab-separated field, where line 1 has 2; every line needs 2: fix or drop this line"}},
		{"only stop words", []string{"--data", stop, "--text", "text", "--label", "label", "--test-frac", "0"}, []string{"empty vocabulary"}},
		{"empty label", []string{"--data", blank, "--text", "text", "--label", "label"}, []string{blank + `: line 2, column "label": missing class label (an empty cell); every document needs one: drop the documents without a label, or fill them in`}},
		{"three fields a line", []string{"--data", threeFields}, []string{threeFields + ": line 1: 3 tab-separated fields; want label<TAB>text, 2 fields"}},
		{"empty sms label", []string{"--data", noLabel}, []string{noLabel + `: line 2: missing class label (the first field, label<TAB>text, is empty); every line needs one: drop the lines without a label, or fill them in`}},
		{"a CSV file read as SMS lines", []string{"--data", csv}, []string{csv + `: line 1 has no tab but commas ("id,review,sentiment"): a CSV file? Name its columns with --text and --label`}},
		{"test file with another layout", []string{"--data", csv, "--text", "review", "--label", "sentiment", "--test", one}, []string{one, `no column "review"`}},
	}
	// Bad flags: exit status 2, before the data is read.
	usage := []cliErrorCase{
		{"sms with columns", []string{"--data", noTab, "--format", "sms", "--text", "t"}, []string{"--text and --label name header columns; --format sms files have no header"}},
		{"csv without columns", []string{"--data", csv, "--format", "csv", "--text", "review"}, []string{"--format csv needs --text and --label column names"}},
		{"text without label", []string{"--data", csv, "--text", "review"}, []string{"--text and --label go together"}},
		{"empty text and label", []string{"--data", csv, "--text", "", "--label", ""}, []string{`--text "" is empty: give a column, or leave --text out`, `--label "" is empty: give a column, or leave --label out`}},
		{"unknown format", []string{"--data", csv, "--format", "xml"}, []string{`--format "xml": want auto, sms, text-label, tsv or csv`}},
		{"bad test-frac", []string{"--data", csv, "--text", "review", "--label", "sentiment", "--test-frac", "1"}, []string{"--test-frac 1: must be from 0 to 1, 1 excluded"}},
		{"negative alpha", []string{"--data", csv, "--text", "review", "--label", "sentiment", "--alpha", "-1"}, []string{"--alpha -1: must be at least 0"}},
		{"NaN alpha", []string{"--data", csv, "--alpha", "NaN"}, []string{"--alpha NaN: must be a finite number"}},
		{"no data", nil, []string{"--data is required"}},
		{"missing file", []string{"--data", filepath.Join(t.TempDir(), "none.txt")}, []string{"none.txt: no such file"}},
		{"test and test-frac", []string{"--data", csv, "--test", csv, "--test-frac", "0.5"}, []string{"--test and --test-frac exclude each other"}},
		{"missing test file", []string{"--data", csv, "--test", "/nonexistent.csv"}, []string{"--test /nonexistent.csv: no such file"}},
		{"save over the test file", []string{"--data", csv, "--test", one, "--save", one}, []string{"--save " + one + ": is an input"}},
		{"plot prefix is a directory", []string{"--data", csv, "--plot", "./"}, []string{"--plot ./: names a directory", "writes plot-confusion.png"}},
		{"plot over the data", []string{"--data", plotOver, "--text", "review", "--label", "sentiment", "--plot", strings.TrimSuffix(plotOver, "-confusion.png")},
			[]string{"--plot " + plotOver + ": is an input of this command"}},
	}
	runCLIErrorCases(t, "naivebayes", 2, true, usage)
	runCLIErrorCases(t, "naivebayes", 1, false, tests)

	// A held-out split keeps a document of every class for training: with
	// one each, it holds none out. (The split was random, and left a
	// single class in training.)
	skew := writeFile(t, "skew.csv", "text,label\n"+strings.Repeat("good,pos\n", 1)+"bad,neg\n")
	code, _, errOut := runCmd(t, "naivebayes", "--data", skew, "--text", "text", "--label", "label", "--test-frac", "0.5", "--seed", "1")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "ember naivebayes: --test-frac 0.5 holds out no document: the split is stratified, keeping a document of every class for training, "+
		"and each of the 2 classes has a single document in "+skew+"; holding out a document needs a class of 2 documents or more: "+
		"use more data, --test FILE, or --test-frac 0 to score on the training documents\n")
}

// TestNaiveBayesBlankLines: blank lines are skipped, as the table commands
// and spamrnn skip them; a single trailing one was an error ("blank line;
// every line needs 2 tab-separated fields"), in ember predict too.
func TestNaiveBayesBlankLines(t *testing.T) {
	const sms = "ham\tsee you at lunch\nspam\twin a free prize now\nham\tmeeting today ok\nspam\tclaim your cash prize\n"
	tests := []struct {
		name, format, body string
		docs               int
	}{
		{"trailing blank line", "sms", sms + "\n", 4},
		{"trailing blank lines of spaces, tabs and CRs", "sms", sms + "  \n\r\n\t\n \t \r\n", 4},
		{"blank lines in the middle", "sms", "\n" + strings.Replace(sms, "\n", "\n\n \n", 2), 4},
		{"CRLF with a trailing blank line", "sms", strings.ReplaceAll(sms, "\n", "\r\n") + "\r\n", 4},
		{"text-label", "text-label", "great fun\tpos\n\nawful dull\tneg\nfun fun\tpos\n\n", 3},
		{"tsv with a header", "tsv", "label\ttext\n\n" + sms + "\n", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "docs.txt", tc.body)
			model := filepath.Join(t.TempDir(), "nb.ember")
			args := []string{"naivebayes", "--data", path, "--test-frac", "0", "--format", tc.format, "--save", model, "--json"}
			if tc.format == "tsv" {
				args = append(args, "--text", "text", "--label", "label")
			}
			code, out, errOut := runCmd(t, args...)
			require.Equal(t, 0, code, errOut)
			var res nbResult
			decodeLastLine(t, out, &res)
			require.Equal(t, tc.docs, res.Documents)

			code, out, errOut = runCmd(t, "predict", "--model", model, "--data", path)
			require.Equal(t, 0, code, errOut)
			require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), tc.docs+1, "a row per document")
			require.Contains(t, errOut, fmt.Sprintf("(%d of %d)", tc.docs, tc.docs))
		})
	}

	// Errors still name the line of the file, blank lines counted.
	bad := writeFile(t, "bad.txt", "ham\thi\n\n\nspam\n")
	code, _, errOut := runCmd(t, "naivebayes", "--data", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, bad+": line 4: 1 tab-separated field, where line 1 has 2; every line needs 2: fix or drop this line (a tab inside a field splits it in two)")
	blank := writeFile(t, "blank.txt", "\n \n\t\n")
	code, _, errOut = runCmd(t, "naivebayes", "--data", blank)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, blank+": every line is blank; want label<TAB>text lines, or text<TAB>label lines, or a CSV or TSV file")
}

// TestNaiveBayesHelp: the usage lines name every --format the option takes
// (they said "[--format sms|text-label]").
func TestNaiveBayesHelp(t *testing.T) {
	code, out, errOut := runCmd(t, "naivebayes", "-h")
	require.Equal(t, 0, code)
	require.Empty(t, errOut)
	require.True(t, strings.HasPrefix(out, "usage: ember naivebayes --data FILE [--format auto|sms|text-label] [options]\n"+
		"       ember naivebayes --data FILE [--format auto|csv|tsv] --text COLUMN --label COLUMN [options]\n"), out)
	require.Contains(t, out, "\n  --format auto|sms|text-label|tsv|csv\n")
	for _, f := range []string{"auto", "sms", "text-label", "tsv", "csv"} {
		require.Regexp(t, `\[--format [a-z|-]*\b`+f+`\b`, out)
	}
}

// TestNaiveBayesNoLabels: a file of unlabelled lines (the sentence
// polarity files: a sentence a line, some with commas) was taken for a
// CSV file ("a CSV file? Name its columns with --text and --label"); it
// is told apart from a CSV header (its first lines split by commas into
// as many fields each) and reported as lines without a label.
func TestNaiveBayesNoLabels(t *testing.T) {
	const want = `: line 1 has no tab, so no label (%q): want label<TAB>text lines, or text<TAB>label lines; a CSV or TSV file with a header row needs --text and --label naming its columns`
	commas := writeFile(t, "pos.txt", "the rock is destined to be the 21st century's new \" conan \" , a splash\neffective but too-tepid biopic\nfun , wasabi is a good place\n")
	noCommas := writeFile(t, "plain.txt", "\neffective but too-tepid biopic\nsimply brilliant\n")
	for _, tc := range []struct {
		name, path, first string
		format            []string
	}{
		{"sentences with commas", commas, "the rock is destined to be the 21st century's new \" conan \" ...", nil},
		{"sentences without commas, after a blank line", noCommas, "effective but too-tepid biopic", nil},
		{"--format sms", commas, "the rock is destined to be the 21st century's new \" conan \" ...", []string{"--format", "sms"}},
		{"--format text-label", noCommas, "effective but too-tepid biopic", []string{"--format", "text-label"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, append([]string{"naivebayes", "--data", tc.path}, tc.format...)...)
			require.Equal(t, 1, code)
			line := 1
			if tc.path == noCommas {
				line = 2
			}
			w := strings.Replace(fmt.Sprintf(want, tc.first), "line 1", fmt.Sprintf("line %d", line), 1)
			require.Equal(t, "ember naivebayes: "+tc.path+w+"\n", errOut)
		})
	}

	// The real file: cp1252 sentences, one a line.
	pos := shareddata.TestPath(t, "sentiment", "rt-polarity.pos")
	code, _, errOut := runCmd(t, "naivebayes", "--data", pos)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, pos+": line 1 has no tab, so no label")
}

// TestNaiveBayesEmptyFile: an empty file says what the layout wants, as
// the table commands do ("want a header row naming the columns"); it said
// just "empty file".
func TestNaiveBayesEmptyFile(t *testing.T) {
	for _, body := range []string{"", "\n \n"} {
		empty := writeFile(t, "empty.txt", body)
		for _, tc := range []struct {
			format []string
			want   string
		}{
			{nil, "the file is empty; want label<TAB>text lines, or text<TAB>label lines, or a CSV or TSV file with a header row (and --text and --label naming its columns)"},
			{[]string{"--format", "sms"}, "the file is empty; want label<TAB>text lines, a document each"},
			{[]string{"--format", "text-label"}, "the file is empty; want text<TAB>label lines, a document each"},
			{[]string{"--format", "tsv", "--text", "t", "--label", "l"}, "the file is empty; want a header row naming the columns, tab-separated"},
			{[]string{"--format", "csv", "--text", "t", "--label", "l"}, "the file is empty; want a header row naming the columns"},
		} {
			code, _, errOut := runCmd(t, append([]string{"naivebayes", "--data", empty}, tc.format...)...)
			require.Equal(t, 1, code)
			want := tc.want
			if body != "" && !slices.Contains(tc.format, "csv") {
				want = strings.Replace(want, "the file is empty", "every line is blank", 1)
			}
			require.Equal(t, "ember naivebayes: "+empty+": "+want+"\n", errOut, "%q %v", body, tc.format)
		}
	}
}
