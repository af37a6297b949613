package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/naivebayes"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/tabular"
	"github.com/emberml/ember/text"
)

func init() {
	register("naivebayes", "classify text documents with naive Bayes on word (n-gram) counts or tf-idf, or numeric tables (--model gaussian)", runNaiveBayes)
	scorers["naivebayes"] = loadNaiveBayes
}

// nbTopTerms is how many indicative terms per class are printed.
const nbTopTerms = 10

// nbFileVersion is the newest naive Bayes model file layout. Version 2
// adds the feature settings (n-grams, binary counts, tf-idf with its idf
// tensor) and the complement model; a model that uses none of them is
// still written as version 1, which older embers read, and a version 1
// file is unigram counts and multinomial naive Bayes. Version 3 adds tf
// without idf (use_idf false, and no idf tensor), which a version 2 ember
// would refuse for want of the tensor; other files stay version 2.
const nbFileVersion = 3

// nbFeatures are the feature settings a model file keeps so that ember
// predict computes the features the model was fitted on. (min_df, max_df
// and max_features only choose the vocabulary, which the file holds.)
type nbFeatures struct {
	NGramRange [2]int `json:"ngram_range"`
	Binary     bool   `json:"binary,omitempty"`
	// Tfidf, when set, reweights the counts with the tensor "idf".
	Tfidf *nbTfidf `json:"tfidf,omitempty"`
}

// nbTfidf are text.TfidfTransformer's settings, named as scikit-learn's.
type nbTfidf struct {
	Norm string `json:"norm"`
	// UseIDF is false for tf alone (scikit-learn's use_idf=False); a file
	// without the field (version 2) used idf.
	UseIDF      bool `json:"use_idf"`
	SmoothIDF   bool `json:"smooth_idf"`
	SublinearTF bool `json:"sublinear_tf"`
}

// UnmarshalJSON reads the settings with UseIDF true unless the JSON says
// otherwise: version 2 files, written before use_idf was kept, used idf.
func (t *nbTfidf) UnmarshalJSON(b []byte) error {
	type plain nbTfidf // without this method
	p := plain{UseIDF: true}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = nbTfidf(p)
	return nil
}

// nbClassifier is what the command uses of naivebayes.MultinomialNB,
// ComplementNB and BernoulliNB.
type nbClassifier interface {
	Fit(X naivebayes.Matrix, y []int) error
	Predict(X naivebayes.Matrix) ([]int, error)
	PredictProba(X naivebayes.Matrix) ([][]float64, error)
	Classes() []int
	FeatureLogProb() [][]float64
	State() (naivebayes.State, error)
}

// nbResult is the --json summary, one object on the last line.
type nbResult struct {
	Data        string   `json:"data"`
	Test        string   `json:"test,omitempty"` // the --test file
	Format      string   `json:"format"`
	TextColumn  string   `json:"text_column,omitempty"`
	LabelColumn string   `json:"label_column,omitempty"`
	Documents   int      `json:"documents"`
	Classes     []string `json:"classes"`
	ClassCounts []int    `json:"class_counts"`
	Model       string   `json:"model"` // multinomial, complement or bernoulli
	Alpha       float64  `json:"alpha"`
	// ComplementNorm is --complement-norm: ComplementNB's norm=True.
	ComplementNorm bool     `json:"complement_norm,omitempty"`
	StopWords      bool     `json:"stop_words"`
	NGramRange     [2]int   `json:"ngram_range"`
	MinDF          string   `json:"min_df"` // as given: 2 documents, or 0.5 of them
	MaxDF          string   `json:"max_df"`
	MaxFeatures    int      `json:"max_features,omitempty"`
	Binary         bool     `json:"binary,omitempty"`
	Tfidf          *nbTfidf `json:"tfidf,omitempty"`
	Vocabulary     int      `json:"vocabulary"`
	NTrain         int      `json:"n_train"`
	NTest          int      `json:"n_test"`
	EvalOn         string   `json:"eval_on"`
	// Prior is --prior ("none" for complement, which uses no priors);
	// ClassPrior the priors the model used, by class (0 for a class
	// without training documents), nil for complement.
	Prior      string              `json:"prior"`
	ClassPrior []float64           `json:"class_prior,omitempty"`
	Accuracy   float64             `json:"accuracy"`
	LogLoss    float64             `json:"log_loss"`
	ROCAUC     *float64            `json:"roc_auc,omitempty"`     // two classes only
	ROCAUCOVR  *ovrROCAUC          `json:"roc_auc_ovr,omitempty"` // three or more
	Confusion  [][]int             `json:"confusion"`
	Report     []jsonClassRow      `json:"report"`
	MacroAvg   jsonClassRow        `json:"macro_avg"`
	Weighted   jsonClassRow        `json:"weighted_avg"`
	TopTerms   map[string][]string `json:"top_terms"`
	Plots      []string            `json:"plots,omitempty"`
	Saved      string              `json:"saved,omitempty"`
	Warnings   []string            `json:"warnings,omitempty"`
}

func runNaiveBayes(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("naivebayes", stdout,
		"usage: ember naivebayes --data FILE [--format auto|sms|text-label] [options]\n"+
			"       ember naivebayes --data FILE [--format auto|csv|tsv] --text COLUMN --label COLUMN [options]\n"+
			"       ember naivebayes --model gaussian --data FILE --target COLUMN [table options]\n"+
			"\nTokenises documents (HTML tags and non-letters removed, lower case, English stop\n"+
			"words dropped), counts the words of a vocabulary learned from the training\n"+
			"documents, fits naive Bayes (scikit-learn's MultinomialNB, ComplementNB with\n"+
			"--model complement, BernoulliNB with --model bernoulli) and reports held-out\n"+
			"accuracy, confusion matrix, classification report and each class's most\n"+
			"indicative terms. The held-out documents are --test FILE (same layout as\n"+
			"--data), or --test-frac of --data stratified, as ember gbt and logreg split:\n"+
			"that share of each class, picked at random (--seed), though never a class's\n"+
			"last document. Every document needs a label: an empty one, or one of pandas'\n"+
			"missing-value markers (NaN, nan, NA, null, ...), is an error naming its line;\n"+
			"drop or fill in those documents first. A document that is such a marker is\n"+
			"missing too, and an error; an empty one is a document without words, as\n"+
			"scikit-learn's CountVectorizer reads \"\".\n"+
			"\nFeatures are computed as scikit-learn's CountVectorizer and TfidfTransformer\n"+
			"compute them, with the flags named after their parameters: --ngram 1,2 adds word\n"+
			"pairs (formed after stop words are dropped: \"win me cash\" gives \"win cash\"),\n"+
			"--min-df/--max-df drop rare/common terms, --max-features keeps the most frequent,\n"+
			"--binary counts presence, --tfidf reweights by inverse document frequency.\n"+
			"A document frequency is a number of documents when written as a whole number\n"+
			"(--min-df 2) and a fraction of the training documents when written with a decimal\n"+
			"point (--max-df 0.5, --max-df 1.0), as scikit-learn reads an int or a float.\n"+
			"--model complement fits ComplementNB, often better when one class is rare.\n"+
			"--model bernoulli fits BernoulliNB on which terms a document has (binarize=0.0):\n"+
			"every vocabulary term it lacks counts against the classes that use it, so it\n"+
			"suits short documents and a small vocabulary (--min-df, --max-features); it\n"+
			"reads presence, so --tfidf is refused with it.\n"+
			"scikit-learn's other settings: --norm, --sublinear-tf, --no-smooth-idf and\n"+
			"--no-idf (use_idf=False: tf alone, normalised) set TfidfTransformer's;\n"+
			"--complement-norm is ComplementNB's norm=True.\n"+
			"\nTables: ember naivebayes --model gaussian --data FILE --target COLUMN fits\n"+
			"scikit-learn's GaussianNB on numeric feature columns (--features, --exclude,\n"+
			"--sep, --no-header, --na-values as ember logreg reads them; a missing value is\n"+
			"an error naming its line), with --var-smoothing and --weight (sample_weight),\n"+
			"and reports each class's mean and standard deviation per feature (for two\n"+
			"classes, the features ranked by |mean difference| / pooled deviation). The\n"+
			"text flags are refused with it, and its flags with the text models.\n")
	data := fs.Input("data", "", "`file` of labelled documents (with --model gaussian, a CSV or TSV table)", cli.Required())
	format := fs.Choice("format", "auto", []string{"auto", "sms", "text-label", "tsv", "csv"},
		"file layout: sms (label<TAB>text per line, no header, as the UCI SMS Spam Collection), "+
			"text-label (text<TAB>label per line, no header, as UCI's sentiment labelled sentences), "+
			"tsv (tab-separated with a header row, no quoting), csv (CSV/TSV with a header row and CSV quoting), "+
			"or auto: csv when --text/--label are given, else sms or text-label, the label being the field with fewer distinct values")
	textCol := fs.String("text", "", "`column` holding the documents (tsv/csv)", cli.NotEmpty("a column"))
	labelCol := fs.String("label", "", "`column` holding the class labels (tsv/csv)", cli.NotEmpty("a column"))
	model := fs.Choice("model", "multinomial", []string{"multinomial", "complement", "bernoulli", "gaussian"},
		"multinomial (scikit-learn's MultinomialNB), complement (ComplementNB: each class estimated from the other classes' text, "+
			"which suits unbalanced classes such as spam), bernoulli (BernoulliNB: whether each vocabulary term is present "+
			"in a document or absent, both counting) or gaussian (GaussianNB, on a table of numeric features: see --target)")
	alpha := fs.Float("alpha", 1, cli.AtLeast(0), "additive (Laplace/Lidstone) smoothing; below 1e-10 it is 1e-10, as in scikit-learn")
	ngram := fs.Custom("ngram", "1,1", "MIN,MAX", "terms are runs of MIN to MAX consecutive words (scikit-learn's ngram_range): "+
		"1,2 is words and word pairs, 2,2 pairs only", nbCheckNGram)
	minDF := fs.Custom("min-df", "1", "N|F", "drop terms found in fewer training documents than this: "+
		"a whole number is a count of documents (2), a number with a decimal point a fraction of them (0.01)", nbCheckDF)
	maxDF := fs.Custom("max-df", "1.0", "N|F", "drop terms found in more training documents than this: "+
		"a count (500) or, with a decimal point, a fraction (0.5); 1.0 keeps all", nbCheckDF)
	maxFeatures := fs.Int("max-features", 0, 0, math.MaxInt32, "keep only the N terms most frequent in the training documents "+
		"(by document count with --binary; ties broken as scikit-learn breaks them); 0 keeps all")
	binary := fs.Bool("binary", false, "count a term once per document however often it occurs (scikit-learn's binary=True)")
	tfidf := fs.Bool("tfidf", false, "reweight counts by tf-idf, as scikit-learn's TfidfTransformer: "+
		"count × (ln((1+n)/(1+df)) + 1), each document scaled to unit length")
	norm := fs.Choice("norm", "l2", []string{"l2", "l1", "none"}, "with --tfidf: scale each document's weights to unit l2 length, unit sum (l1), or not")
	sublinear := fs.Bool("sublinear-tf", false, "with --tfidf: use 1 + ln(count) for the count")
	noSmooth := fs.Bool("no-smooth-idf", false, "with --tfidf: idf = ln(n/df) + 1, without the extra document (scikit-learn's smooth_idf=False)")
	noIDF := fs.Bool("no-idf", false, "with --tfidf: leave out the idf factor: each document's counts (1 + ln(count) with --sublinear-tf) "+
		"scaled by --norm, and nothing learned from document frequencies (scikit-learn's use_idf=False)")
	complementNorm := fs.Bool("complement-norm", false, "with --model complement: divide each class's weights by their sum "+
		"(scikit-learn's ComplementNB norm=True, the second normalisation of Rennie et al.; off by default, as there)")
	prior := fs.Custom("prior", priorFrequencies, "frequencies|uniform|CLASS:P,...",
		"the class priors P(c): frequencies, each class's share of the training documents (rows, weighted by --weight, with --model gaussian); "+
			"uniform, the same for every class (scikit-learn's fit_prior=False); or CLASS:P,CLASS:P giving every training class its prior, "+
			"summing to 1 (class_prior, GaussianNB's priors), as ham:0.8,spam:0.2. Not with --model complement, which uses none", checkPriorSpec)
	noStop := fs.Bool("no-stopwords", false, "keep English stop words (otherwise scikit-learn's 318-word list is dropped)")
	testPath := fs.Input("test", "", "score on this `file` (same layout as --data) instead of a split of --data")
	testFrac := fs.Float("test-frac", 0.25, cli.Range{Min: 0, Max: 1, MaxOpen: true},
		"fraction of documents held out for scoring, stratified (0: score on the training documents)")
	seed := fs.Uint64("seed", 1, "random seed for the train/test shuffle")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	plotPrefix := fs.OutputPrefix("plot", "write PREFIX-confusion.png, the confusion matrix as a heat map", []string{"-confusion.png"})
	save := fs.Output("save", "", "save the fitted model, with its vocabulary, to this `file` (see ember predict)")
	// Table mode (--model gaussian), read as ember logreg reads tables.
	layout := layoutFlags(fs)
	target := fs.String("target", "", "with --model gaussian: the `column` holding the class labels", cli.NotEmpty("a column"))
	features := fs.String("features", "", "with --model gaussian: comma-separated numeric feature `columns`",
		cli.DefaultText("every other named column"), cli.NotEmpty("the feature columns"))
	exclude := excludeFlag(fs, features)
	checkFeatureFlags(fs, features, exclude, target)
	varSmoothing := fs.Float("var-smoothing", 1e-9, cli.AtLeast(0), "with --model gaussian: add this share of the largest feature variance "+
		"(over all training rows) to every class variance, as scikit-learn's var_smoothing")
	weightCol := fs.String("weight", "", "with --model gaussian: `column` of sample weights (scikit-learn's sample_weight), a number from 0 up in every row: "+
		"weighted class means, variances and priors; not a feature. The held-out scores are weighted too, so a --test file needs the column",
		cli.NotEmpty("a column"))
	fs.Check(func() error { return nbCheckMode(fs, *model == "gaussian", *target, *features, *weightCol) })
	fs.Check(func() error {
		for _, name := range []string{"norm", "sublinear-tf", "no-smooth-idf", "no-idf"} {
			if fs.IsSet(name) && !*tfidf {
				return fmt.Errorf("--%s sets how --tfidf weighs terms; add --tfidf, or leave it out", name)
			}
		}
		if *noIDF && *noSmooth {
			return errors.New("--no-smooth-idf changes the idf, which --no-idf leaves out: give one of them")
		}
		if *tfidf && *model == "bernoulli" {
			return errors.New("--model bernoulli reads only whether a term is in a document (scikit-learn's BernoulliNB, binarize=0.0), " +
				"which tf-idf weights do not change: leave out --tfidf")
		}
		if fs.IsSet("prior") && *model == "complement" {
			return errors.New("--prior: --model complement uses no class priors (as scikit-learn's ComplementNB with two classes or more); leave --prior out, or use --model multinomial")
		}
		if *complementNorm && *model != "complement" {
			return fmt.Errorf("--complement-norm normalises ComplementNB's weights; add --model complement (the model is %s)", *model)
		}
		if *testPath != "" && fs.IsSet("test-frac") {
			return errors.New("--test and --test-frac exclude each other: --test scores on a file, --test-frac on a split of --data")
		}
		if *testPath != "" && fs.IsSet("seed") {
			return errors.New("--seed shuffles the --test-frac split; with --test there is no split")
		}
		if *textCol != "" && *textCol == *labelCol {
			return fmt.Errorf("--text and --label both name column %q: the labels would be the documents' text", *textCol)
		}
		switch *format {
		case "sms", "text-label":
			if *textCol != "" || *labelCol != "" {
				return fmt.Errorf("--text and --label name header columns; --format %s files have no header", *format)
			}
		case "tsv", "csv":
			if *textCol == "" || *labelCol == "" {
				return fmt.Errorf("--format %s needs --text and --label column names", *format)
			}
		default: // auto
			if (*textCol == "") != (*labelCol == "") {
				return errors.New("--text and --label go together: they name a CSV/TSV file's text and label columns")
			}
		}
		return nil
	})
	err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *model == "gaussian" {
		return runGaussianNB(gaussianOptions{data: *data, test: *testPath, layout: *layout, target: *target, features: *features,
			exclude: *exclude, weight: *weightCol, varSmoothing: *varSmoothing, testFrac: *testFrac, seed: *seed,
			prior: *prior, json: *asJSON, plot: *plotPrefix, save: *save}, stdout, stderr)
	}
	if *format == "auto" {
		*format = "csv"
		if *textCol == "" && *labelCol == "" {
			if *format, err = nbSniffLines(*data); err != nil {
				return err
			}
		}
	}

	docs, labelNames, err := nbReadDocs(*data, *format, *textCol, *labelCol)
	if err != nil {
		return err
	}
	layoutHint := fmt.Sprintf("is the file in the layout --format %s reads?", *format)
	if err := nbCheckLabels(*data, labelNames, *format, *labelCol, layoutHint); err != nil {
		return err
	}
	var testDocs, testLabels []string
	if *testPath != "" {
		if testDocs, testLabels, err = nbReadDocs(*testPath, *format, *textCol, *labelCol); err != nil {
			return err
		}
		if err := nbCheckLabels(*testPath, testLabels, *format, *labelCol, layoutHint); err != nil {
			return err
		}
	}
	ys, classes := encodeLabels(labelNames, testLabels)
	y := ys[0]
	if countClasses(y) < 2 {
		return fmt.Errorf("%s: every document has the label %q; a classifier needs at least two classes", *data, classes[y[0]])
	}
	counts := make([]int, len(classes))
	for _, c := range y {
		counts[c]++
	}

	pickDocs := func(idx []int) ([]string, []int) {
		d, l := make([]string, len(idx)), make([]int, len(idx))
		for i, j := range idx {
			d[i], l[i] = docs[j], y[j]
		}
		return d, l
	}
	var trDocs, teDocs []string
	var ytr, yte []int
	var warnings []string
	evalOn := "test"
	if *testPath != "" {
		trDocs, ytr, teDocs, yte = docs, y, testDocs, ys[1]
	} else {
		// Stratified, as ember gbt splits: every class keeps a training
		// document, so the model learns every class the held-out ones have.
		trainIdx, testIdx := classSplit(y, *testFrac, *seed)
		if len(testIdx) == 0 && *testFrac > 0 {
			return fmt.Errorf("--test-frac %v holds out no document: the split is stratified, keeping a document of every class for training, "+
				"and each of the %d classes has a single document in %s; holding out a document needs a class of 2 documents or more: "+
				"use more data, --test FILE, or --test-frac 0 to score on the training documents", *testFrac, len(classes), *data)
		}
		trDocs, ytr = pickDocs(trainIdx)
		teDocs, yte = pickDocs(testIdx)
		if len(testIdx) == 0 {
			evalOn, teDocs, yte = "train", trDocs, ytr
		} else if none := heldOutMissing(yte, classes); none != nil {
			w := fmt.Sprintf("no held-out documents of class %s (too few documents to hold one out): the held-out scores say nothing about it", listClasses(none, 6))
			warnings = append(warnings, w)
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
	}
	nTest := len(teDocs)
	if evalOn == "train" {
		nTest = 0
	}

	tok := text.NewTokenizer()
	if *noStop {
		tok.StopWords = nil
	}
	vec := &text.CountVectorizer{Tokenizer: tok, MaxFeatures: *maxFeatures, Binary: *binary}
	vec.NGramRange, _ = nbParseNGram(*ngram) // checked by the flag
	vec.MinDF, _ = text.ParseDocFrequency(*minDF)
	vec.MaxDF, _ = text.ParseDocFrequency(*maxDF)
	if err := nbCheckDFBounds(vec.MinDF, vec.MaxDF, len(trDocs)); err != nil {
		return err
	}
	Xtr, err := vec.FitTransform(trDocs)
	if errors.Is(err, text.ErrNoTermLeft) {
		return fmt.Errorf("%s: %w; lower --min-df or raise --max-df", *data, err)
	} else if errors.Is(err, text.ErrEmptyVocabulary) && *textCol != "" {
		return fmt.Errorf("%s: column %q (--text): %w; is it the column of documents?", *data, *textCol, err)
	} else if err != nil {
		return fmt.Errorf("%s: %w", *data, err)
	}
	Xte, err := vec.Transform(teDocs)
	if err != nil {
		return err
	}
	var tf *text.TfidfTransformer
	var tfSettings *nbTfidf
	if *tfidf {
		tfSettings = &nbTfidf{Norm: *norm, UseIDF: !*noIDF, SmoothIDF: !*noSmooth, SublinearTF: *sublinear}
		if tf, err = tfSettings.transformer(); err != nil {
			return err
		}
		if Xtr, err = tf.FitTransform(Xtr); err != nil {
			return err
		}
		if Xte, err = tf.Transform(Xte); err != nil {
			return err
		}
	}
	classPrior, err := nbClassPrior(*prior, classes, ytr, labelsWhere(*labelCol, *data))
	if err != nil {
		return err
	}
	var nb nbClassifier
	switch *model {
	case "complement":
		c := naivebayes.NewComplement()
		c.Alpha, c.Norm = *alpha, *complementNorm
		nb = c
	case "bernoulli":
		b := naivebayes.NewBernoulli()
		b.Alpha, b.ClassPrior = *alpha, classPrior
		nb = b
	default:
		m := naivebayes.New()
		m.Alpha, m.ClassPrior = *alpha, classPrior
		nb = m
	}
	// The stratified split keeps every class among the training documents.
	if err := nb.Fit(Xtr, ytr); err != nil {
		return err
	}
	pred, err := nb.Predict(Xte)
	if err != nil {
		return err
	}
	proba, err := nb.PredictProba(Xte)
	if err != nil {
		return err
	}
	logLoss, auc, ovr, err := probabilityScores(yte, spreadProba(proba, nb.Classes(), len(classes)), nil)
	if err != nil {
		return err
	}

	res := nbResult{
		Data: *data, Test: *testPath, Format: *format, TextColumn: *textCol, LabelColumn: *labelCol,
		Documents: len(docs), Classes: classes, ClassCounts: counts,
		Model: *model, Alpha: *alpha, ComplementNorm: *complementNorm, StopWords: !*noStop, NGramRange: vec.NGramRange,
		MinDF: vec.MinDF.String(), MaxDF: vec.MaxDF.String(), MaxFeatures: *maxFeatures, Binary: *binary, Tfidf: tfSettings,
		Vocabulary: len(vec.Vocabulary()),
		NTrain:     len(trDocs), NTest: nTest, EvalOn: evalOn,
		Prior:     *prior,
		Accuracy:  metrics.Accuracy(yte, pred),
		LogLoss:   logLoss,
		ROCAUC:    auc,
		ROCAUCOVR: ovr,
		Confusion: metrics.ConfusionMatrix(yte, pred, len(classes)),
		TopTerms:  nbTopTermsByClass(nb, vec.Vocabulary(), classes),
		Warnings:  warnings,
	}
	if *model == "complement" {
		res.Prior = "none"
	} else {
		st, err := nb.State()
		if err != nil {
			return err
		}
		res.ClassPrior = make([]float64, len(classes))
		for k, c := range nb.Classes() {
			res.ClassPrior[c] = math.Exp(st.ClassLogPrior[k])
		}
	}
	report := metrics.Classification(yte, pred, classes)
	res.Report, res.MacroAvg, res.Weighted = reportRows(report)

	if *plotPrefix != "" {
		path := *plotPrefix + "-confusion.png"
		// Short: the heat map is narrow and centres its title.
		title := fmt.Sprintf("naive Bayes (%d %s documents)", len(yte), map[string]string{"test": "held-out", "train": "training"}[evalOn])
		if err := plots.ConfusionHeatmap(path, res.Confusion, classes, title); err != nil {
			return err
		}
		res.Plots = append(res.Plots, path)
	}
	if *save != "" {
		st, err := nb.State()
		if err != nil {
			return err
		}
		mf := newModelFile("naivebayes")
		mf.meta.Input = modelInput{Kind: "text", Format: *format, Text: *textCol, Label: *labelCol,
			StopWords: !*noStop, Vocabulary: vec.Vocabulary()}
		mf.meta.Classes = classes
		mf.meta.Settings = map[string]any{"alpha": *alpha, "model": *model, "ngram_range": vec.NGramRange,
			"min_df": vec.MinDF.String(), "max_df": vec.MaxDF.String(), "max_features": *maxFeatures, "binary": *binary}
		if *prior != priorFrequencies {
			// For reports, as alpha: the priors are saved in class_log_prior.
			mf.meta.Settings["prior"] = *prior
		}
		if *complementNorm {
			// For reports, as alpha: the weights are saved normalised.
			mf.meta.Settings["complement_norm"] = true
		}
		feats := nbFeatures{NGramRange: vec.NGramRange, Binary: *binary, Tfidf: tfSettings}
		if feats != (nbFeatures{NGramRange: [2]int{1, 1}}) || *model != "multinomial" {
			// Features or a model an older ember would not reproduce:
			// version 2 (3 for tf without idf), which it refuses instead
			// of misreading.
			mf.meta.Version = 2
			if tfSettings != nil && !tfSettings.UseIDF {
				mf.meta.Version = 3
			}
			mf.meta.Input.TextFeatures = &feats
		}
		acc := res.Accuracy
		mf.meta.Training = trainingInfo{Data: *data, Test: *testPath, Rows: len(docs), NTrain: res.NTrain, NTest: res.NTest,
			Seed: *seed, EvalOn: evalOn, Accuracy: &acc}
		state := map[string]any{"classes": st.Classes}
		if *model != "multinomial" {
			state["model"] = *model
		}
		if err := mf.setState(state); err != nil {
			return err
		}
		if tf != nil && tfSettings.UseIDF {
			mf.vector("idf", tf.IDF())
		}
		mf.vector("class_log_prior", st.ClassLogPrior)
		mf.matrix("feature_log_prob", st.FeatureLogProb)
		mf.vector("class_count", st.ClassCount)
		if err := mf.save(*save); err != nil {
			return err
		}
		res.Saved = *save
	}

	printNaiveBayes(stdout, res, report)
	if *asJSON {
		return cli.WriteJSON(stdout, res, nil)
	}
	return nil
}

// nbScorer classifies documents with a saved naive Bayes model.
type nbScorer struct {
	mf  *modelFile
	vec *text.CountVectorizer
	tf  *text.TfidfTransformer // nil: counts
	nb  nbClassifier
}

func loadNaiveBayes(mf *modelFile) (scorer, error) {
	in := mf.meta.Input
	var st struct {
		Classes []int  `json:"classes"`
		Model   string `json:"model"` // "" (version 1): multinomial
	}
	if err := mf.decodeState(&st); err != nil {
		return nil, err
	}
	if st.Model == "gaussian" {
		return loadGaussianNB(mf, st.Classes)
	}
	if st.Model != "" && st.Model != "multinomial" && st.Model != "complement" && st.Model != "bernoulli" {
		return nil, fmt.Errorf("model file %s: unknown naive Bayes model %q (this ember knows multinomial, complement, bernoulli and gaussian)", mf.path, st.Model)
	}
	feats := nbFeatures{NGramRange: [2]int{1, 1}}
	if in.TextFeatures != nil {
		feats = *in.TextFeatures
	}
	for _, c := range st.Classes {
		if c < 0 || c >= len(mf.meta.Classes) {
			return nil, fmt.Errorf("model file %s: class index %d out of %d classes", mf.path, c, len(mf.meta.Classes))
		}
	}
	tok := text.NewTokenizer()
	if !in.StopWords {
		tok.StopWords = nil
	}
	vec := &text.CountVectorizer{Tokenizer: tok, NGramRange: feats.NGramRange, Binary: feats.Binary}
	if _, err := vec.Terms(""); err != nil { // checks the n-gram range
		return nil, fmt.Errorf("model file %s: %w", mf.path, err)
	}
	if err := vec.SetVocabulary(in.Vocabulary); err != nil {
		return nil, fmt.Errorf("model file %s: %w", mf.path, err)
	}
	var tf *text.TfidfTransformer
	if feats.Tfidf != nil {
		var err error
		if tf, err = feats.Tfidf.transformer(); err != nil {
			return nil, fmt.Errorf("model file %s: %w", mf.path, err)
		}
		var idf []float64 // none without idf
		if feats.Tfidf.UseIDF {
			if idf, err = mf.vectorOf("idf", len(in.Vocabulary)); err != nil {
				return nil, err
			}
		}
		if err := tf.SetIDF(idf); err != nil {
			return nil, fmt.Errorf("model file %s: %w", mf.path, err)
		}
	}
	c, f := len(st.Classes), len(in.Vocabulary)
	prior, err := mf.vectorOf("class_log_prior", c)
	if err != nil {
		return nil, err
	}
	lp, err := mf.matrixOf("feature_log_prob", c, f)
	if err != nil {
		return nil, err
	}
	state := naivebayes.State{Classes: st.Classes, ClassLogPrior: prior, FeatureLogProb: lp}
	var nb nbClassifier
	switch st.Model {
	case "complement":
		nb, err = naivebayes.ComplementFromState(state)
	case "bernoulli":
		nb, err = naivebayes.BernoulliFromState(state)
	default:
		nb, err = naivebayes.FromState(state)
	}
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", mf.path, err)
	}
	return &nbScorer{mf: mf, vec: vec, tf: tf, nb: nb}, nil
}

func (s *nbScorer) unscored(data string) string {
	in := s.mf.meta.Input
	if in.Format == "sms" || in.Format == "text-label" {
		// Labels are a field of each line, not a column: the file is
		// lines of text alone (nbReadUnlabelled).
		return fmt.Sprintf("%s is lines of text without labels (the model reads %s), so no accuracy is given",
			data, nbLayoutName(in.Format, in.Text, in.Label))
	}
	return noScoreLine(data, in.Label, "accuracy")
}

func (s *nbScorer) score(data string, layout tabular.Layout, id, weight string) (*scores, error) {
	if layout.Sep != 0 || layout.NoHeader || layout.NA != nil {
		return nil, fmt.Errorf("--sep, --no-header and --na-values are for table models; the naive Bayes model %s reads documents as it was trained on them: leave them out", s.mf.path)
	}
	in := s.mf.meta.Input
	if weight != "" && (in.Format == "sms" || in.Format == "text-label") {
		return nil, fmt.Errorf("--weight %s: the naive Bayes model %s reads %s, which have no columns to hold weights; --weight is for models fitted on tsv or csv files", weight, s.mf.path, nbLayoutName(in.Format, in.Text, in.Label))
	}
	if err := checkWeightColumn(weight, in.Label, s.mf.path); err != nil {
		return nil, err
	}
	if weight != "" && weight == in.Text {
		return nil, fmt.Errorf("--weight %s is the text column of the model %s; give a column of row weights", weight, s.mf.path)
	}
	docs, labels, ids, weights, err := nbReadUnlabelled(data, in.Format, in.Text, in.Label, id, weight)
	if err != nil {
		return nil, err
	}
	if weight != "" && labels == nil {
		return nil, noScoresToWeigh(weight, data, "label", in.Label)
	}
	if labels != nil {
		// A file in the other layout would be scored on its labels.
		hint := fmt.Sprintf("the model %s reads %s (it was fitted with --format %s)", s.mf.path, nbLayoutName(in.Format, in.Text, in.Label), in.Format)
		if err := nbCheckLabels(data, labels, in.Format, in.Label, hint); err != nil {
			return nil, err
		}
		if err := nbCheckSwapped(data, s.mf.path, docs, labels, s.mf.meta.Classes, in.Format); err != nil {
			return nil, err
		}
	}
	var truth []int
	if labels != nil {
		truth = classIndices(labels, s.mf.meta.Classes)
		for i, l := range labels {
			if l == "" {
				truth[i] = labelMissing // scored, left out of the accuracy
			}
		}
	}
	if weights != nil {
		if err := checkWeights(weights, truth, nil, weight, data, in.Label); err != nil {
			return nil, err
		}
	}
	X, err := s.vec.Transform(docs)
	if err != nil {
		return nil, err
	}
	if s.tf != nil {
		if X, err = s.tf.Transform(X); err != nil {
			return nil, err
		}
	}
	proba, err := s.nb.PredictProba(X)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", data, err)
	}
	classes := s.mf.meta.Classes
	full := spreadProba(proba, s.nb.Classes(), len(classes))
	out := newClassifierScores(id, classes)
	pred, err := s.nb.Predict(X)
	if err != nil {
		return nil, err
	}
	for i, p := range full {
		out.add(ids, i, pred[i], p)
	}
	if labels != nil {
		out.labelColumn = in.Label
		switch in.Format {
		case "sms":
			out.labelColumn = "label (first field)"
		case "text-label":
			out.labelColumn = "label (last field)"
		}
		out.truth, out.weights = truth, weights
	}
	return out, nil
}

// nbParseNGram reads --ngram MIN,MAX (or N, for N,N).
func nbParseNGram(s string) ([2]int, error) {
	lo, hi, pair := strings.Cut(s, ",")
	if !pair {
		hi = lo
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return [2]int{}, errors.New("want MIN,MAX word counts, such as 1,2 (words and word pairs)")
	}
	return [2]int{a, b}, nil
}

func nbCheckNGram(s string) error {
	r, err := nbParseNGram(s)
	switch {
	case err != nil:
		return err
	case r[0] < 1:
		return fmt.Errorf("the smallest n-gram must be at least 1 word, not %d", r[0])
	case r[0] > r[1]:
		return fmt.Errorf("the smallest n-gram (%d words) is longer than the largest (%d); want MIN,MAX such as %d,%d", r[0], r[1], r[1], r[0])
	case r[1] > 10:
		// Every n-gram of a 10-word run is almost always unique to one
		// document: a vocabulary of noise, and a big one.
		return fmt.Errorf("n-grams of up to %d words: at most 10", r[1])
	}
	return nil
}

// nbCheckDF checks a --min-df or --max-df value: a count of documents
// (whole number, at least 1) or a fraction (with a decimal point, 0 to 1).
func nbCheckDF(s string) error {
	if _, err := text.ParseDocFrequency(s); err != nil {
		if n, err := strconv.ParseFloat(s, 64); err == nil && n > 1 && n == math.Trunc(n) {
			return fmt.Errorf("a fraction of the documents (it has a decimal point) must be between 0.0 and 1.0; for %v documents write %v", n, int64(n))
		}
		return errors.New("want a count of documents, a whole number of at least 1 (such as 2), " +
			"or a fraction of the training documents, with a decimal point, from 0.0 to 1.0 (such as 0.5)")
	}
	return nil
}

// nbCheckDFBounds refuses --max-df below --min-df once both are counts of
// the n training documents, as scikit-learn does, before any counting.
func nbCheckDFBounds(minDF, maxDF text.DocFrequency, n int) error {
	docs := func(d text.DocFrequency) float64 {
		if d.IsFraction() {
			return d.Value() * float64(n)
		}
		return d.Value()
	}
	if docs(maxDF) < docs(minDF) {
		return fmt.Errorf("--max-df %v is %.4g of the %d training documents, fewer than --min-df %v (%.4g documents): no term could pass both; "+
			"lower --min-df or raise --max-df", maxDF, docs(maxDF), n, minDF, docs(minDF))
	}
	return nil
}

// transformer returns the text.TfidfTransformer of these settings.
func (t *nbTfidf) transformer() (*text.TfidfTransformer, error) {
	norm, err := text.ParseNorm(t.Norm)
	if err != nil {
		return nil, err
	}
	return &text.TfidfTransformer{Norm: norm, NoIDF: !t.UseIDF, NoSmoothIDF: !t.SmoothIDF, SublinearTF: t.SublinearTF}, nil
}

// nbLayoutName describes a naive Bayes file layout in words.
func nbLayoutName(format, textCol, labelCol string) string {
	switch format {
	case "sms":
		return "label<TAB>text lines"
	case "text-label":
		return "text<TAB>label lines"
	}
	return fmt.Sprintf("%s files with columns %q and %q", format, textCol, labelCol)
}

// nbReadDocs returns each document's text and label string.
func nbReadDocs(path, format, textCol, labelCol string) (docs, labels []string, err error) {
	docs, labels, _, err = nbRead(path, format, textCol, labelCol, "", true)
	return docs, labels, err
}

// nbReadUnlabelled reads documents to score: labels are returned when the
// file has them (nil otherwise), ids when idCol is given, and the weights
// of weightCol (a tsv or csv file's column) when it is given and the file
// has labels (a missing or bad weight is an error naming its line).
func nbReadUnlabelled(path, format, textCol, labelCol, idCol, weightCol string) (docs, labels, ids []string, weights []float64, err error) {
	return nbReadWeighted(path, format, textCol, labelCol, idCol, weightCol, false)
}

// nbRead is nbReadWeighted without weights.
func nbRead(path, format, textCol, labelCol, idCol string, needLabels bool) (docs, labels, ids []string, err error) {
	docs, labels, ids, _, err = nbReadWeighted(path, format, textCol, labelCol, idCol, "", needLabels)
	return docs, labels, ids, err
}

// nbReadWeighted reads documents in a layout: sms (label<TAB>text lines) or
// text-label (text<TAB>label lines), without needLabels also plain text
// lines, one document each; tsv or csv (a
// header naming textCol and labelCol). Without needLabels an absent label
// column is not an error, and labels are nil when any is missing. A
// weightCol (tsv or csv only, "" for none) of a file with labels gives
// each row's weight, as ember logreg reads --weight.
//
// A label that is empty or one of pandas' missing-value markers ("NaN",
// "nan", "NA", "null", ...: tabular.IsNA, as ember logreg and gbt read
// labels) is missing, not a class: an error naming the file, line and
// column, unless the labels are only to score against (without
// needLabels, in a file with a header), where it is "" and the document
// is scored but left out of the accuracy.
//
// A document that is one of those markers is missing too, and always an
// error naming the file, line and column: read as text it would be the
// word "nan", "null" or "na" (as pandas' astype(str) makes it), where
// pandas reads a missing value and scikit-learn's CountVectorizer refuses
// it. An empty text is the empty document, which CountVectorizer takes
// as a document without words ("" is a valid document), so an empty cell
// or field is one.
func nbReadWeighted(path, format, textCol, labelCol, idCol, weightCol string, needLabels bool) (docs, labels, ids []string, weights []float64, err error) {
	switch format {
	case "sms", "text-label":
		layout, li, ti, labelField, textField := "label<TAB>text", 0, 1, "first", "last"
		if format == "text-label" {
			layout, li, ti, labelField, textField = "text<TAB>label", 1, 0, "last", "first"
		}
		if textCol != "" || labelCol != "" {
			return nil, nil, nil, nil, fmt.Errorf("--text and --label name header columns; --format %s files have no header (%s)", format, layout)
		}
		if idCol != "" {
			return nil, nil, nil, nil, fmt.Errorf("--id names a column, and %s is %s lines without a header", path, layout)
		}
		if needLabels {
			// Plain lines to score may have commas; labelled lines have a tab.
			head, err := readHead(path)
			if err == nil {
				err = nbCheckFirstLine(path, head)
			}
			if err != nil {
				return nil, nil, nil, nil, err
			}
		}
		wants := layout + " lines, a document each"
		if !needLabels {
			wants = layout + " lines, or lines of text, a document each"
		}
		recs, lines, err := nbReadTSV(path, wants)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if len(recs[0]) == 1 && !needLabels {
			// Unlabelled: one document per line.
			for i, r := range recs {
				if tabular.IsNA(r[0]) {
					return nil, nil, nil, nil, fmt.Errorf("%s: line %d: missing document (the line is %q, which reads as a missing value, as in pandas' read_csv)%s",
						path, lines[i], strings.TrimSpace(r[0]), nbMissingDocAdvice("line"))
				}
				docs = append(docs, r[0])
			}
			return docs, nil, nil, nil, nil
		}
		for i, r := range recs {
			if len(r) != 2 {
				return nil, nil, nil, nil, fmt.Errorf("%s: line %d: %d tab-separated fields; want %s, 2 fields", path, lines[i], len(r), layout)
			}
			l := strings.TrimSpace(r[li])
			if l == "" {
				return nil, nil, nil, nil, fmt.Errorf("%s: line %d: missing class label (the %s field, %s, is empty)%s",
					path, lines[i], labelField, layout, missingLabelAdvice("line"))
			}
			if tabular.IsNA(l) {
				return nil, nil, nil, nil, fmt.Errorf("%s: line %d: missing class label (the %s field, %s, is %q, which reads as a missing value, as in pandas' read_csv)%s",
					path, lines[i], labelField, layout, l, missingLabelAdvice("line"))
			}
			if tabular.IsNA(r[ti]) && strings.TrimSpace(r[ti]) != "" {
				return nil, nil, nil, nil, fmt.Errorf("%s: line %d: missing document (the %s field, %s, is %q, which reads as a missing value, as in pandas' read_csv)%s",
					path, lines[i], textField, layout, strings.TrimSpace(r[ti]), nbMissingDocAdvice("field"))
			}
			labels = append(labels, l)
			docs = append(docs, r[ti])
		}
		return docs, labels, nil, nil, nil
	case "tsv", "csv":
		if textCol == "" || (needLabels && labelCol == "") {
			return nil, nil, nil, nil, fmt.Errorf("--format %s needs --text and --label column names", format)
		}
		var header []string
		var rows [][]string
		var lines []int
		if format == "tsv" {
			recs, recLines, err := nbReadTSV(path, "a header row naming the columns, tab-separated")
			if err != nil {
				return nil, nil, nil, nil, err
			}
			header, rows, lines = recs[0], recs[1:], recLines[1:]
		} else {
			tab, err := readTable(path, tabular.Layout{Terms: flagTerms})
			if err != nil {
				return nil, nil, nil, nil, err
			}
			header, rows, lines = tab.header, tab.rows, tab.lines
		}
		col := func(name string) int {
			if name == "" {
				return -1
			}
			return slices.Index(header, name)
		}
		ti, li, ii := col(textCol), col(labelCol), col(idCol)
		for _, c := range []struct {
			idx      int
			name     string
			required bool
		}{{ti, textCol, true}, {li, labelCol, needLabels}, {ii, idCol, idCol != ""}} {
			if c.idx < 0 && c.required {
				return nil, nil, nil, nil, fmt.Errorf("%s: no column %q; the columns are: %s", path, c.name, strings.Join(header, ", "))
			}
		}
		if len(rows) == 0 {
			return nil, nil, nil, nil, fmt.Errorf("%s: no data rows after the header", path)
		}
		// Kaggle's SMS file ("v1,v2,,,") spills texts with commas into the
		// unnamed columns after the text column: join them back.
		end := ti + 1
		for end < len(header) && strings.TrimSpace(header[end]) == "" {
			end++
		}
		for r, rec := range rows {
			last := end
			for last > ti+1 && rec[last-1] == "" {
				last--
			}
			doc := strings.Join(rec[ti:last], ",")
			if tabular.IsNA(doc) && strings.TrimSpace(doc) != "" {
				return nil, nil, nil, nil, fmt.Errorf("%s: line %d, column %q: missing document (%q reads as a missing value, as in pandas' read_csv)%s",
					path, lines[r], textCol, strings.TrimSpace(doc), nbMissingDocAdvice("cell"))
			}
			docs = append(docs, doc)
			if ii >= 0 {
				ids = append(ids, rec[ii])
			}
			if li < 0 {
				continue
			}
			l := strings.TrimSpace(rec[li])
			if needLabels {
				if l == "" {
					return nil, nil, nil, nil, fmt.Errorf("%s: line %d, column %q: missing class label (an empty cell)%s", path, lines[r], labelCol, missingLabelAdvice("document"))
				}
				if tabular.IsNA(l) {
					return nil, nil, nil, nil, fmt.Errorf("%s: line %d, column %q: missing class label (%q reads as a missing value, as in pandas' read_csv)%s",
						path, lines[r], labelCol, l, missingLabelAdvice("document"))
				}
			}
			if tabular.IsNA(l) {
				l = "" // to score: a row without a label, as an empty cell
			}
			labels = append(labels, l) // "" (to score): a row without a label
		}
		if weightCol != "" && li >= 0 {
			// Scores against the labels weighted by weightCol, as logreg's.
			tab := &table{path: path, header: header, rows: rows, lines: lines}
			if weights, err = logregWeights(tab, weightCol); err != nil {
				return nil, nil, nil, nil, err
			}
		}
		return docs, labels, ids, weights, nil
	}
	return nil, nil, nil, nil, fmt.Errorf("--format %q: want sms, text-label, tsv or csv", format)
}

// nbMissingDocAdvice ends the error about a missing document in a
// line, field or cell: what to do instead.
func nbMissingDocAdvice(item string) string {
	return fmt.Sprintf("; give the document's text, leave the %s empty for a document without words, or drop the line", item)
}

// nbCheckLabels refuses labels that are text: more than 20 distinct
// values, at least one for every two documents. That is a file read in
// the wrong layout (a --test file unlike --data, sentences taken for
// labels), which would otherwise become a report of a thousand classes.
// hint ends the error: the question of the layout.
func nbCheckLabels(path string, labels []string, format, labelCol, hint string) error {
	distinct := map[string]bool{}
	var first []string
	for _, l := range labels {
		if !distinct[l] {
			distinct[l] = true
			if len(first) < 2 {
				first = append(first, strconv.Quote(clipText(l, 40)))
			}
		}
	}
	if len(distinct) <= 20 || 2*len(distinct) < len(labels) {
		return nil
	}
	where := map[string]string{"sms": "the first field", "text-label": "the last field"}[format]
	if where == "" {
		where = fmt.Sprintf("column %q", labelCol)
	}
	return fmt.Errorf("%s: %d different labels in %d documents (%s, ...) in %s: that is text, not classes; %s",
		path, len(distinct), len(labels), strings.Join(first, ", "), where, hint)
}

// nbCheckSwapped refuses label<TAB>text lines read as text<TAB>label, or
// the reverse, when too few to look like text to nbCheckLabels: no label
// is one of the model's classes, and the documents take fewer distinct
// values than the labels (sentences as labels, 0 and 1 as documents).
func nbCheckSwapped(path, model string, docs, labels, classes []string, format string) error {
	if format != "sms" && format != "text-label" {
		return nil
	}
	known := map[string]bool{}
	for _, c := range classes {
		known[c] = true
	}
	distinctLabels, distinctDocs := map[string]bool{}, map[string]bool{}
	for i, l := range labels {
		if known[l] {
			return nil
		}
		distinctLabels[l] = true
		distinctDocs[strings.TrimSpace(docs[i])] = true
	}
	if len(distinctDocs) >= len(distinctLabels) {
		return nil
	}
	where, other, looks := "first", "last", "text-label"
	if format == "text-label" {
		where, other, looks = "last", "first", "sms"
	}
	return fmt.Errorf("%s: the %s field, where the model %s reads labels, holds none of its classes (%s) but %d different values in %d lines (%s, ...), "+
		"and the %s field %d: the file looks like %s, and the model reads %s (it was fitted with --format %s)",
		path, where, model, strings.Join(classes, ", "), len(distinctLabels), len(labels), strconv.Quote(clipText(labels[0], 40)),
		other, len(distinctDocs), nbLayoutName(looks, "", ""), nbLayoutName(format, "", ""), format)
}

// nbSniffLines picks the layout of a file of labelled lines without a
// header: sms (label<TAB>text), unless the last field of the lines takes
// fewer distinct values than the first, as in text<TAB>label files (UCI's
// sentiment labelled sentences), where reading the sentences as labels
// left every document empty. It reads the file's head only (hundreds of
// lines); nbRead reads the whole file once, after.
func nbSniffLines(path string) (string, error) {
	head, err := readHead(path)
	if err != nil {
		return "", err
	}
	text, _ := decodeLines(path, head) // a NUL past readHead's check: nbRead reports it
	if strings.TrimSpace(strings.TrimPrefix(text, "\ufeff")) == "" && len(head) < sniffBytes {
		return "", nbEmptyError(path, text, "label<TAB>text lines, or text<TAB>label lines, "+
			"or a CSV or TSV file with a header row (and --text and --label naming its columns)")
	}
	if err := nbCheckFirstLine(path, head); err != nil {
		return "", err
	}
	lines := strings.Split(text, "\n")
	if len(head) == sniffBytes {
		lines = lines[:len(lines)-1] // the head may end inside a line
	}
	firsts, lasts := map[string]bool{}, map[string]bool{}
	for _, line := range lines {
		if line = strings.TrimRight(line, "\r"); strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 2 {
			return "sms", nil // nbRead names the line
		}
		firsts[strings.TrimSpace(f[0])] = true
		lasts[strings.TrimSpace(f[1])] = true
	}
	if len(lasts) < len(firsts) {
		return "text-label", nil
	}
	return "sms", nil
}

// sniffBytes is how much of a file readHead reads.
const sniffBytes = 64 << 10

// readHead reads the first sniffBytes of a file, and refuses one that is
// not text (checkText).
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, sniffBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return head, checkText(path, head)
}

// nbCheckFirstLine catches a file read as label<TAB>text or
// text<TAB>label lines whose first line (blank lines skipped, as nbRead
// skips them) has no tab, so no label. A CSV file, its first lines split
// by commas into as many fields each, gets the advice to name its columns
// with --text and --label; any other (sentences, one a line, some with
// commas) is said to have no label, and what layouts are read.
func nbCheckFirstLine(path string, head []byte) error {
	text, _ := decodeLines(path, head) // a NUL past readHead's check: nbRead reports it
	text = strings.TrimPrefix(text, "\ufeff")
	if len(head) == sniffBytes {
		// The head may end inside a line.
		text = text[:strings.LastIndexByte(text, '\n')+1]
	}
	first, n := "", 0
	for i, line := range strings.Split(text, "\n") {
		if line = strings.TrimRight(line, "\r"); strings.TrimSpace(line) != "" {
			first, n = line, i+1
			break
		}
	}
	if n == 0 || strings.Contains(first, "\t") {
		return nil // nbRead reports an empty file, or reads the lines
	}
	if looksCSV(text) {
		return fmt.Errorf("%s: line %d has no tab but commas (%q): a CSV file? Name its columns with --text and --label",
			path, n, clipText(first, 60))
	}
	return fmt.Errorf("%s: line %d has no tab, so no label (%q): want label<TAB>text lines, or text<TAB>label lines; "+
		"a CSV or TSV file with a header row needs --text and --label naming its columns", path, n, clipText(first, 60))
}

// looksCSV reports whether text (a file's head, ending at a line's end)
// begins as a CSV file: its first records, up to five, parse as CSV with
// two fields or more, as many in each. Sentences with commas, one a line,
// have as many fields as commas, which vary from line to line.
func looksCSV(text string) bool {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = 0 // the first record's count, for every record
	for i := 0; i < 5; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			return i > 0
		}
		if err != nil || len(rec) < 2 {
			return false
		}
	}
	return true
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

// nbReadTSV reads unquoted tab-separated lines as readTable reads CSV:
// refused before reading when too large for memory, a byte-order mark
// dropped, and bytes that are not UTF-8 read as latin-1 (the sentence
// polarity files are cp1252). Blank lines are skipped, as readTable and
// spamrnn skip them (text.ReadTSVSkippingBlank); lines are the records'
// line numbers.
//
// An empty file (or blank lines only) is an error saying it wants, the
// layout in words ("label<TAB>text lines, a document each").
func nbReadTSV(path, wants string) (recs [][]string, lines []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		if err := checkFileFits(path, fi.Size()); err != nil {
			return nil, nil, err
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkText(path, data); err != nil {
		return nil, nil, err
	}
	decoded, err := decodeLines(path, data)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(strings.TrimPrefix(decoded, "\ufeff")) == "" {
		return nil, nil, nbEmptyError(path, decoded, wants)
	}
	return text.ReadTSVSkippingBlank(strings.NewReader(decoded), path)
}

// nbEmptyError says that the file, its text, has no document, and what the
// layout wants in words.
func nbEmptyError(path, text, wants string) error {
	if strings.TrimPrefix(text, "\ufeff") == "" {
		return fmt.Errorf("%s: the file is empty; want %s", path, wants)
	}
	return fmt.Errorf("%s: every line is blank; want %s", path, wants)
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
// do not. For BernoulliNB the weight compared is what a term's presence
// adds to the class's score over its absence, log P(w present|c) −
// log P(w absent|c), as its absence is scored too: a term in 90% of one
// class's documents and half of the other's points to the first more
// than its probabilities alone say.
func nbTopTermsByClass(nb nbClassifier, vocab []string, classes []string) map[string][]string {
	lp := nb.FeatureLogProb()
	if b, ok := nb.(*naivebayes.BernoulliNB); ok {
		lp = b.FeatureLogOdds()
	}
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
			if t.s <= 0 {
				// Not indicative: as likely, or more, under another class
				// (a small vocabulary runs out of words that are).
				break
			}
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
	if r.Test != "" {
		fmt.Fprintf(w, "split: %d training documents, %d test documents from %s\n", r.NTrain, r.NTest, r.Test)
	} else {
		fmt.Fprintf(w, "split: %d training documents, %d held-out\n", r.NTrain, r.NTest)
	}
	stop := "English stop words removed"
	if !r.StopWords {
		stop = "stop words kept"
	}
	terms := "terms"
	switch g := r.NGramRange; {
	case g == [2]int{1, 1}:
	case g[0] == g[1]:
		terms = fmt.Sprintf("%d-word terms", g[0])
	default:
		terms = fmt.Sprintf("terms of %d to %d words", g[0], g[1])
	}
	var limits []string
	if r.MinDF != "1" {
		limits = append(limits, "min_df "+r.MinDF)
	}
	if r.MaxDF != "1.0" {
		limits = append(limits, "max_df "+r.MaxDF)
	}
	if r.MaxFeatures > 0 {
		limits = append(limits, fmt.Sprintf("at most %d", r.MaxFeatures))
	}
	if len(limits) > 0 {
		stop += "; " + strings.Join(limits, ", ")
	}
	fmt.Fprintf(w, "vocabulary: %d %s from the training documents (%s)\n", r.Vocabulary, terms, stop)
	weights := "counts"
	if r.Binary {
		weights = "binary counts (presence)"
	}
	if r.Model == "bernoulli" {
		weights = "presence or absence of each term"
	}
	if t := r.Tfidf; t != nil && !t.UseIDF {
		weights = fmt.Sprintf("tf of %s, no idf (norm %s", weights, t.Norm)
		if t.SublinearTF {
			weights += ", sublinear tf"
		}
		weights += ")"
	} else if t != nil {
		weights = fmt.Sprintf("tf-idf of %s (norm %s", weights, t.Norm)
		if !t.SmoothIDF {
			weights += ", idf not smoothed"
		}
		if t.SublinearTF {
			weights += ", sublinear tf"
		}
		weights += ")"
	}
	fmt.Fprintf(w, "features: %s\n", weights)
	switch r.Model {
	case "complement":
		norm := ""
		if r.ComplementNorm {
			norm = ", weights normalised (norm)"
		}
		fmt.Fprintf(w, "model: complement naive Bayes, alpha=%g%s\n", r.Alpha, norm)
	case "bernoulli":
		fmt.Fprintf(w, "model: Bernoulli naive Bayes, alpha=%g, %s\n", r.Alpha, describeNBPrior(r))
	default:
		fmt.Fprintf(w, "model: multinomial naive Bayes, alpha=%g, %s\n", r.Alpha, describeNBPrior(r))
	}

	on := "held-out"
	if r.EvalOn == "train" {
		on = "training (no held-out documents: --test-frac 0)"
	}
	correct := 0
	for i := range r.Confusion {
		correct += r.Confusion[i][i]
	}
	fmt.Fprintf(w, "\n%s accuracy: %.4f (%d of %d)\n", on, r.Accuracy, correct, report.Total)
	printProbabilityScores(w, on, r.LogLoss, r.ROCAUC, r.ROCAUCOVR)

	printConfusion(w, r.Classes, r.Confusion, "")

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
	if r.Saved != "" {
		fmt.Fprintf(w, "saved the model to %s\n", r.Saved)
	}
}

// describeNBPrior is the report's words on a text model's class priors.
func describeNBPrior(r nbResult) string {
	var prior []float64
	var names []string
	for c, p := range r.ClassPrior {
		if p > 0 {
			prior, names = append(prior, p), append(names, r.Classes[c])
		}
	}
	return describePrior(r.Prior, prior, names)
}
