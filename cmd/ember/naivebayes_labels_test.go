package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNaiveBayesMissingLabelMarkers: a label cell holding one of pandas'
// missing-value markers ("NaN", "nan", "NA", "null", ...) is a missing
// label, as ember logreg and gbt read it, in every layout: an error naming
// the file, line and column. It was a class of its own ("NaN 1" in the
// report). There is no option to skip such rows in any ember command; the
// error says to drop or fill them in.
func TestNaiveBayesMissingLabelMarkers(t *testing.T) {
	for _, marker := range []string{"NaN", "nan", "NA", "null", "N/A"} {
		t.Run(marker, func(t *testing.T) {
			csv := writeFile(t, "labels.csv", reviews+"7,lovely cast,"+marker+"\n")
			code, out, errOut := runCmd(t, "naivebayes", "--data", csv, "--text", "review", "--label", "sentiment", "--test-frac", "0")
			require.Equal(t, 1, code, out)
			require.Equal(t, fmt.Sprintf("ember naivebayes: %s: line 9, column \"sentiment\": missing class label (%q reads as a missing value, as in pandas' read_csv); "+
				"every document needs one: drop the documents without a label, or fill them in\n", csv, marker), errOut)

			tsv := writeFile(t, "labels.tsv", "text\tlabel\ngreat fun\tpos\nawful dull\tneg\nfun\t"+marker+"\n")
			code, _, errOut = runCmd(t, "naivebayes", "--data", tsv, "--format", "tsv", "--text", "text", "--label", "label", "--test-frac", "0")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, tsv+`: line 4, column "label": missing class label (`)

			sms := writeFile(t, "labels.txt", "ham\thello there\n"+marker+"\twin a prize now\nspam\tcall now\n")
			code, _, errOut = runCmd(t, "naivebayes", "--data", sms, "--format", "sms", "--test-frac", "0")
			require.Equal(t, 1, code)
			require.Equal(t, fmt.Sprintf("ember naivebayes: %s: line 2: missing class label (the first field, label<TAB>text, is %q, which reads as a missing value, as in pandas' read_csv); "+
				"every line needs one: drop the lines without a label, or fill them in\n", sms, marker), errOut)

			sentences := writeFile(t, "sentences.txt", "great fun\t1\nawful dull\t0\nfun\t"+marker+"\n")
			code, _, errOut = runCmd(t, "naivebayes", "--data", sentences, "--format", "text-label", "--test-frac", "0")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, sentences+": line 3: missing class label (the last field, text<TAB>label, is ")

			// A --test file is read as --data is.
			good := writeFile(t, "good.csv", reviews)
			code, _, errOut = runCmd(t, "naivebayes", "--data", good, "--text", "review", "--label", "sentiment", "--test", csv)
			require.Equal(t, 1, code)
			require.Contains(t, errOut, csv+`: line 9, column "sentiment": missing class label`)
		})
	}
}

// TestNaiveBayesPredictMissingLabelMarker: ember predict scores a document
// whose label is "NaN" and leaves it out of the accuracy, as it does an
// empty label and as it does for table models; it was counted as a label
// the model does not know.
func TestNaiveBayesPredictMissingLabelMarker(t *testing.T) {
	data := writeFile(t, "reviews.csv", reviews)
	model := filepath.Join(t.TempDir(), "nb.ember")
	code, _, errOut := runCmd(t, "naivebayes", "--data", data, "--text", "review", "--label", "sentiment", "--test-frac", "0", "--save", model)
	require.Equal(t, 0, code, errOut)

	score := writeFile(t, "score.csv", "id,review,sentiment\n1,great acting,pos\n2,boring mess,NaN\n3,awful plot,\n")
	code, out, errOut := runCmd(t, "predict", "--model", model, "--data", score, "--out", filepath.Join(t.TempDir(), "p.csv"), "--json")
	require.Equal(t, 0, code, errOut)
	var res predictResult
	decodeLastLine(t, out, &res)
	require.Equal(t, 3, res.Rows)
	require.Equal(t, 2, res.Unlabelled, out)
	require.Zero(t, res.Unknown, out)
	require.NotNil(t, res.Accuracy)
	require.Equal(t, 1.0, *res.Accuracy)
	require.True(t, strings.Contains(out, "2 rows have no label (left out of the accuracy)"), out)
}

// TestNaiveBayesColumnMistakes: the same column as --text and --label fitted
// the labels on themselves (accuracy 1.0 on iris's species), a --seed with
// --test was ignored where ember logreg refuses it, and a column without
// words ("id") was reported as an empty vocabulary without naming it.
func TestNaiveBayesColumnMistakes(t *testing.T) {
	data := writeFile(t, "reviews.csv", reviews)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--text", "sentiment", "--label", "sentiment"}, `--text and --label both name column "sentiment": the labels would be the documents' text`},
		{[]string{"--text", "review", "--label", "sentiment", "--test", data, "--seed", "3"}, "--seed shuffles the --test-frac split; with --test there is no split"},
	} {
		code, out, errOut := runCmd(t, append([]string{"naivebayes", "--data", data}, tc.flags...)...)
		require.Equal(t, 2, code, out)
		require.Equal(t, "ember naivebayes: "+tc.want+"\n", errOut)
	}
	code, _, errOut := runCmd(t, "naivebayes", "--data", data, "--text", "id", "--label", "sentiment", "--test-frac", "0")
	require.Equal(t, 1, code)
	require.Equal(t, "ember naivebayes: "+data+`: column "id" (--text): text: CountVectorizer.Fit: empty vocabulary: none of the 6 documents has a token `+
		"(only non-letters or stop words?); is it the column of documents?\n", errOut)
}

// TestNaiveBayesMissingDocumentMarkers: a document (text cell, field or
// line) holding one of pandas' missing-value markers is a missing
// document, in every layout and in a --test file and a file to score: an
// error naming the file, line and column, before any fitting or scoring.
// It was read as text, so "NaN" became the word "nan", a term of its
// class (as pandas' astype(str) would make it; read_csv reads a missing
// value, which scikit-learn's CountVectorizer refuses).
func TestNaiveBayesMissingDocumentMarkers(t *testing.T) {
	advice := func(item string) string {
		return "; give the document's text, leave the " + item + " empty for a document without words, or drop the line\n"
	}
	for _, marker := range []string{"NaN", "nan", "NA", "null", "N/A", " None "} {
		t.Run(strings.TrimSpace(marker), func(t *testing.T) {
			csv := writeFile(t, "docs.csv", reviews+"7,"+marker+",neg\n")
			code, out, errOut := runCmd(t, "naivebayes", "--data", csv, "--text", "review", "--label", "sentiment", "--test-frac", "0")
			require.Equal(t, 1, code, out)
			require.Empty(t, out, "nothing was fitted")
			require.Equal(t, fmt.Sprintf("ember naivebayes: %s: line 9, column \"review\": missing document (%q reads as a missing value, as in pandas' read_csv)", csv, strings.TrimSpace(marker))+
				advice("cell"), errOut)

			tsv := writeFile(t, "docs.tsv", "text\tlabel\ngreat fun\tpos\n"+marker+"\tneg\nawful dull\tneg\n")
			code, _, errOut = runCmd(t, "naivebayes", "--data", tsv, "--format", "tsv", "--text", "text", "--label", "label", "--test-frac", "0")
			require.Equal(t, 1, code)
			require.Equal(t, fmt.Sprintf("ember naivebayes: %s: line 3, column \"text\": missing document (%q reads as a missing value, as in pandas' read_csv)", tsv, strings.TrimSpace(marker))+
				advice("cell"), errOut)

			sms := writeFile(t, "docs.txt", "ham\thello there\nspam\t"+marker+"\nspam\tcall now\n")
			code, _, errOut = runCmd(t, "naivebayes", "--data", sms, "--format", "sms", "--test-frac", "0")
			require.Equal(t, 1, code)
			require.Equal(t, fmt.Sprintf("ember naivebayes: %s: line 2: missing document (the last field, label<TAB>text, is %q, which reads as a missing value, as in pandas' read_csv)", sms, strings.TrimSpace(marker))+
				advice("field"), errOut)

			sentences := writeFile(t, "sentences.txt", "great fun\t1\n"+marker+"\t0\nawful dull\t0\n")
			code, _, errOut = runCmd(t, "naivebayes", "--data", sentences, "--format", "text-label", "--test-frac", "0")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, sentences+": line 2: missing document (the first field, text<TAB>label, is ")

			// A --test file is read as --data is, before the fit.
			good := writeFile(t, "good.csv", reviews)
			code, out, errOut = runCmd(t, "naivebayes", "--data", good, "--text", "review", "--label", "sentiment", "--test", csv)
			require.Equal(t, 1, code)
			require.Empty(t, out)
			require.Contains(t, errOut, csv+`: line 9, column "review": missing document`)

			// Files to score: with a header, and plain lines of text.
			model := filepath.Join(t.TempDir(), "nb.ember")
			code, _, errOut = runCmd(t, "naivebayes", "--data", good, "--text", "review", "--label", "sentiment", "--test-frac", "0", "--save", model)
			require.Equal(t, 0, code, errOut)
			score := writeFile(t, "score.csv", "id,review\n1,great acting\n2,"+marker+"\n")
			code, _, errOut = runCmd(t, "predict", "--model", model, "--data", score, "--out", "-")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, score+`: line 3, column "review": missing document (`)

			smsModel := filepath.Join(t.TempDir(), "sms.ember")
			code, _, errOut = runCmd(t, "naivebayes", "--data", writeFile(t, "sms.txt", "ham\thello there\nspam\twin a prize\nham\tsee you\nspam\tcall now\n"),
				"--format", "sms", "--test-frac", "0", "--save", smsModel)
			require.Equal(t, 0, code, errOut)
			lines := writeFile(t, "lines.txt", "hello\n"+marker+"\nwin now\n")
			code, _, errOut = runCmd(t, "predict", "--model", smsModel, "--data", lines, "--out", "-")
			require.Equal(t, 1, code)
			require.Contains(t, errOut, fmt.Sprintf("%s: line 2: missing document (the line is %q, which reads as a missing value, as in pandas' read_csv)", lines, strings.TrimSpace(marker))+advice("line"))
		})
	}
}

// TestNaiveBayesEmptyDocument: an empty text cell or field is the empty
// document, as scikit-learn's CountVectorizer takes "" (a document
// without words): it counts towards its class's prior and adds no term.
// A text that merely contains a marker is text ("NaN, sadly" is two words).
func TestNaiveBayesEmptyDocument(t *testing.T) {
	fit := func(data string, extra ...string) nbResult {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"naivebayes", "--data", data, "--test-frac", "0", "--json"}, extra...)...)
		require.Equal(t, 0, code, errOut)
		var res nbResult
		decodeLastLine(t, out, &res)
		return res
	}
	cols := []string{"--text", "review", "--label", "sentiment"}
	base := fit(writeFile(t, "base.csv", reviews), cols...)
	for name, row := range map[string]string{"empty cell": "7,,neg\n", "quoted empty cell": "7,\"\",neg\n", "spaces": "7,   ,neg\n"} {
		res := fit(writeFile(t, "empty.csv", reviews+row), cols...)
		require.Equal(t, base.Documents+1, res.Documents, name)
		require.Equal(t, []string{"neg", "pos"}, res.Classes, name)
		require.Equal(t, []int{4, 3}, res.ClassCounts, name)
		require.Equal(t, base.Vocabulary, res.Vocabulary, "%s: the empty document adds no term", name)
	}

	res := fit(writeFile(t, "empty.txt", "ham\thello there\nspam\t\nspam\twin a prize\nham\tsee you\n"), "--format", "sms")
	require.Equal(t, []int{2, 2}, res.ClassCounts)
	require.Equal(t, 3, res.Vocabulary) // hello, win, prize: the rest are stop words

	res = fit(writeFile(t, "text.csv", reviews+"7,\"NaN, sadly\",neg\n"), cols...)
	require.Equal(t, base.Vocabulary+2, res.Vocabulary, "nan and sadly are words here")
}
