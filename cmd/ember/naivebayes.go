package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/naivebayes"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/text"
)

func init() {
	register("naivebayes", "classify text documents with multinomial naive Bayes on word counts", runNaiveBayes)
}

// nbTopTerms is how many indicative terms per class are printed.
const nbTopTerms = 10

// nbResult is the --json summary, one object on the last line.
type nbResult struct {
	Data        string              `json:"data"`
	Format      string              `json:"format"`
	TextColumn  string              `json:"text_column,omitempty"`
	LabelColumn string              `json:"label_column,omitempty"`
	Documents   int                 `json:"documents"`
	Classes     []string            `json:"classes"`
	ClassCounts []int               `json:"class_counts"`
	Alpha       float64             `json:"alpha"`
	StopWords   bool                `json:"stop_words"`
	Vocabulary  int                 `json:"vocabulary"`
	NTrain      int                 `json:"n_train"`
	NTest       int                 `json:"n_test"`
	EvalOn      string              `json:"eval_on"`
	Accuracy    float64             `json:"accuracy"`
	Confusion   [][]int             `json:"confusion"`
	Report      []jsonClassRow      `json:"report"`
	MacroAvg    jsonClassRow        `json:"macro_avg"`
	Weighted    jsonClassRow        `json:"weighted_avg"`
	TopTerms    map[string][]string `json:"top_terms"`
	Plots       []string            `json:"plots,omitempty"`
}

func runNaiveBayes(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("naivebayes", stderr,
		"usage: ember naivebayes --data FILE [--format sms] | --data FILE --text COLUMN --label COLUMN [options]\n"+
			"\nTokenises documents (HTML tags and non-letters removed, lower case, English stop\n"+
			"words dropped), counts words learned from the training split, fits multinomial\n"+
			"naive Bayes (as scikit-learn's MultinomialNB) and reports held-out accuracy,\n"+
			"confusion matrix and classification report.\n\noptions:\n")
	data := fs.String("data", "", "`file` of labelled documents (required)")
	format := fs.String("format", "", "file layout: sms (label<TAB>text per line, no header, as the UCI SMS Spam Collection), "+
		"tsv (tab-separated with a header row, no quoting) or csv (CSV/TSV with a header row and CSV quoting). "+
		"Default: csv when --text/--label are given, else sms")
	textCol := fs.String("text", "", "`column` holding the documents (tsv/csv)")
	labelCol := fs.String("label", "", "`column` holding the class labels (tsv/csv)")
	alpha := fs.Float64("alpha", 1, "additive (Laplace/Lidstone) smoothing")
	noStop := fs.Bool("no-stopwords", false, "keep English stop words (default: drop scikit-learn's 318-word list)")
	testFrac := fs.Float64("test-frac", 0.25, "fraction of documents held out for scoring (0: score on the training documents)")
	seed := fs.Uint64("seed", 1, "random seed for the train/test shuffle")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	plotPrefix := fs.String("plot", "", "write `PREFIX`-confusion.png, the confusion matrix as a heat map")
	if help, err := parseFlags(fs, args, "the data file goes after --data"); help || err != nil {
		return err
	}
	if *data == "" {
		fs.Usage()
		return errors.New("--data is required")
	}
	if *format == "" {
		*format = "sms"
		if *textCol != "" || *labelCol != "" {
			*format = "csv"
		}
	}
	if !(*testFrac >= 0 && *testFrac < 1) {
		return fmt.Errorf("--test-frac must be in [0, 1), got %v", *testFrac)
	}
	if *alpha < 0 {
		return fmt.Errorf("--alpha must be >= 0, got %v", *alpha)
	}

	docs, labelNames, err := nbReadDocs(*data, *format, *textCol, *labelCol)
	if err != nil {
		return err
	}
	y, classes := nbEncodeLabels(labelNames)
	if len(classes) < 2 {
		return fmt.Errorf("%s: every document has the label %q; a classifier needs at least two classes", *data, classes[0])
	}
	counts := make([]int, len(classes))
	for _, c := range y {
		counts[c]++
	}

	trainIdx, testIdx := splitRows(len(docs), *testFrac, *seed)
	if len(trainIdx) == 0 {
		return fmt.Errorf("--test-frac %v leaves no training documents out of %d", *testFrac, len(docs))
	}
	pickDocs := func(idx []int) ([]string, []int) {
		d, l := make([]string, len(idx)), make([]int, len(idx))
		for i, j := range idx {
			d[i], l[i] = docs[j], y[j]
		}
		return d, l
	}
	trDocs, ytr := pickDocs(trainIdx)
	teDocs, yte := pickDocs(testIdx)
	evalOn := "test"
	if len(testIdx) == 0 {
		evalOn, teDocs, yte = "train", trDocs, ytr
	}

	tok := text.NewTokenizer()
	if *noStop {
		tok.StopWords = nil
	}
	vec := &text.CountVectorizer{Tokenizer: tok}
	Xtr, err := vec.FitTransform(trDocs)
	if err != nil {
		return fmt.Errorf("%s: %w", *data, err)
	}
	Xte, err := vec.Transform(teDocs)
	if err != nil {
		return err
	}
	nb := naivebayes.New()
	nb.Alpha = *alpha
	if err := nb.Fit(Xtr, ytr); err != nil {
		if strings.Contains(err.Error(), "single class") {
			return fmt.Errorf("the training split has a single class (%s); use more data or a smaller --test-frac: %w",
				classes[ytr[0]], err)
		}
		return err
	}
	pred, err := nb.Predict(Xte)
	if err != nil {
		return err
	}

	res := nbResult{
		Data: *data, Format: *format, TextColumn: *textCol, LabelColumn: *labelCol,
		Documents: len(docs), Classes: classes, ClassCounts: counts,
		Alpha: *alpha, StopWords: !*noStop, Vocabulary: len(vec.Vocabulary()),
		NTrain: len(trDocs), NTest: len(testIdx), EvalOn: evalOn,
		Accuracy:  metrics.Accuracy(yte, pred),
		Confusion: metrics.ConfusionMatrix(yte, pred, len(classes)),
		TopTerms:  nbTopTermsByClass(nb, vec.Vocabulary(), classes),
	}
	report := metrics.Classification(yte, pred, classes)
	for _, r := range report.Classes {
		res.Report = append(res.Report, jsonClassRow(r))
	}
	res.MacroAvg, res.Weighted = jsonClassRow(report.MacroAvg), jsonClassRow(report.WeightedAvg)

	if *plotPrefix != "" {
		path := *plotPrefix + "-confusion.png"
		// Short: the heat map is narrow and centres its title.
		title := fmt.Sprintf("naive Bayes (%d %s documents)", len(yte), map[string]string{"test": "held-out", "train": "training"}[evalOn])
		if err := plots.ConfusionHeatmap(path, res.Confusion, classes, title); err != nil {
			return err
		}
		res.Plots = append(res.Plots, path)
	}

	printNaiveBayes(stdout, res, report)
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// nbReadDocs returns each document's text and label string.
func nbReadDocs(path, format, textCol, labelCol string) (docs, labels []string, err error) {
	switch format {
	case "sms":
		if textCol != "" || labelCol != "" {
			return nil, nil, errors.New("--text and --label name header columns; --format sms files have no header (label<TAB>text)")
		}
		recs, err := nbReadTSV(path)
		if err != nil {
			return nil, nil, err
		}
		for i, r := range recs {
			if len(r) != 2 {
				return nil, nil, fmt.Errorf("%s:%d: want label<TAB>text (2 fields), got %d fields", path, i+1, len(r))
			}
			if strings.TrimSpace(r[0]) == "" {
				return nil, nil, fmt.Errorf("%s:%d: empty label", path, i+1)
			}
			labels = append(labels, strings.TrimSpace(r[0]))
			docs = append(docs, r[1])
		}
		return docs, labels, nil
	case "tsv":
		if textCol == "" || labelCol == "" {
			return nil, nil, errors.New("--format tsv needs --text and --label column names")
		}
		recs, err := nbReadTSV(path)
		if err != nil {
			return nil, nil, err
		}
		header := recs[0]
		ti, li := slices.Index(header, textCol), slices.Index(header, labelCol)
		for _, miss := range []struct {
			idx  int
			name string
		}{{ti, textCol}, {li, labelCol}} {
			if miss.idx < 0 {
				return nil, nil, fmt.Errorf("%s: no column %q; the columns are: %s", path, miss.name, strings.Join(header, ", "))
			}
		}
		if len(recs) == 1 {
			return nil, nil, fmt.Errorf("%s: no data rows after the header", path)
		}
		for i, r := range recs[1:] {
			l := strings.TrimSpace(r[li])
			if l == "" {
				return nil, nil, fmt.Errorf("%s:%d: column %q: empty class label", path, i+2, labelCol)
			}
			labels = append(labels, l)
			docs = append(docs, r[ti])
		}
		return docs, labels, nil
	case "csv":
		if textCol == "" || labelCol == "" {
			return nil, nil, errors.New("--format csv needs --text and --label column names")
		}
		tab, err := readTable(path)
		if err != nil {
			return nil, nil, err
		}
		ti, err := tab.column(textCol)
		if err != nil {
			return nil, nil, err
		}
		li, err := tab.column(labelCol)
		if err != nil {
			return nil, nil, err
		}
		for r, rec := range tab.rows {
			l := strings.TrimSpace(rec[li])
			if l == "" {
				return nil, nil, fmt.Errorf("%s: line %d, column %q: empty class label", path, tab.lines[r], labelCol)
			}
			labels = append(labels, l)
			docs = append(docs, rec[ti])
		}
		return docs, labels, nil
	}
	return nil, nil, fmt.Errorf("--format %q: want sms, tsv or csv", format)
}

func nbReadTSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return text.ReadTSV(f, path)
}

// nbEncodeLabels numbers the distinct labels in sorted order (as
// scikit-learn's LabelEncoder), so "ham" is 0 and "spam" 1.
func nbEncodeLabels(names []string) ([]int, []string) {
	classes := slices.Clone(names)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	y := make([]int, len(names))
	for i, n := range names {
		y[i], _ = slices.BinarySearch(classes, n)
	}
	return y, classes
}

// nbTopTermsByClass lists, per class, the terms whose probability under
// that class most exceeds their probability under the other classes
// (largest log P(w|c) − max over c' ≠ c of log P(w|c')): the words that
// push a document towards the class, which frequent-but-shared words
// do not.
func nbTopTermsByClass(nb *naivebayes.MultinomialNB, vocab []string, classes []string) map[string][]string {
	lp := nb.FeatureLogProb()
	fitted := nb.Classes()
	out := map[string][]string{}
	for k, cl := range fitted {
		type scored struct {
			j int
			s float64
		}
		s := make([]scored, len(vocab))
		for j := range vocab {
			other := -1e308
			for k2 := range fitted {
				if k2 != k {
					other = max(other, lp[k2][j])
				}
			}
			s[j] = scored{j, lp[k][j] - other}
		}
		sort.SliceStable(s, func(a, b int) bool { return s[a].s > s[b].s })
		for _, t := range s[:min(nbTopTerms, len(s))] {
			out[classes[cl]] = append(out[classes[cl]], vocab[t.j])
		}
	}
	return out
}

func printNaiveBayes(w io.Writer, r nbResult, report metrics.Report) {
	fmt.Fprintf(w, "data: %s (format %s): %d documents, %d classes (", r.Data, r.Format, r.Documents, len(r.Classes))
	for i, c := range r.Classes {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %d", c, r.ClassCounts[i])
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "split: %d training documents, %d held-out\n", r.NTrain, r.NTest)
	stop := "English stop words removed"
	if !r.StopWords {
		stop = "stop words kept"
	}
	fmt.Fprintf(w, "vocabulary: %d terms from the training documents (%s)\n", r.Vocabulary, stop)
	fmt.Fprintf(w, "model: multinomial naive Bayes, alpha=%g, class priors from frequencies\n", r.Alpha)

	on := "held-out"
	if r.EvalOn == "train" {
		on = "training (no held-out documents: --test-frac 0)"
	}
	correct := 0
	for i := range r.Confusion {
		correct += r.Confusion[i][i]
	}
	fmt.Fprintf(w, "\n%s accuracy: %.4f (%d of %d)\n", on, r.Accuracy, correct, report.Total)

	printConfusion(w, r.Classes, r.Confusion)

	fmt.Fprintln(w, "\nclassification report:")
	fmt.Fprint(w, report.String())

	fmt.Fprintln(w, "\nmost indicative terms:")
	for _, c := range r.Classes {
		if terms, ok := r.TopTerms[c]; ok {
			fmt.Fprintf(w, "  %s: %s\n", c, strings.Join(terms, ", "))
		}
	}
	for _, p := range r.Plots {
		fmt.Fprintf(w, "wrote %s\n", p)
	}
}
