package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/naivebayes"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/tabular"
)

// ember naivebayes --model gaussian: scikit-learn's GaussianNB on a table
// of numeric features, read, split and scored as ember logreg does.

// nbTextFlags are the flags of text mode, which table mode refuses; and
// nbTableFlags the other way round.
var (
	nbTextFlags = []string{"format", "text", "label", "alpha", "ngram", "min-df", "max-df", "max-features", "binary",
		"tfidf", "norm", "sublinear-tf", "no-smooth-idf", "no-idf", "complement-norm", "no-stopwords"}
	nbTableFlags = []string{"target", "features", "exclude", "sep", "no-header", "na-values", "var-smoothing", "weight"}
)

// nbCheckMode refuses the flags of the other mode: text flags with
// --model gaussian (a table), table flags with the text models.
func nbCheckMode(fs *cli.FlagSet, table bool, target, features, weight string) error {
	if table {
		var given []string
		for _, name := range nbTextFlags {
			if fs.IsSet(name) {
				given = append(given, "--"+name)
			}
		}
		if len(given) > 0 {
			return fmt.Errorf("%s: for text documents; --model gaussian reads a table of numeric features (--target, --features): leave %s out",
				strings.Join(given, ", "), map[bool]string{true: "it", false: "them"}[len(given) == 1])
		}
		if target == "" {
			return errors.New("--model gaussian needs --target, the column holding the class labels")
		}
		if weight != "" && weight == target {
			return fmt.Errorf("--weight %s is the --target column", weight)
		}
		if slices.Contains(splitList(features), weight) && weight != "" {
			return fmt.Errorf("--weight %s is also a feature column: leave it out of --features", weight)
		}
		return nil
	}
	for _, name := range nbTableFlags {
		if fs.IsSet(name) {
			return fmt.Errorf("--%s is for a table of numeric features, read by --model gaussian; the text models read documents "+
				"(--text and --label name a CSV file's columns): add --model gaussian, or leave --%s out", name, name)
		}
	}
	return nil
}

// gaussianOptions are the table-mode flags' values.
type gaussianOptions struct {
	data, test                string
	layout                    tabular.Layout
	target, features, exclude string
	weight                    string
	prior                     string // --prior
	varSmoothing, testFrac    float64
	seed                      uint64
	json                      bool
	plot, save                string
}

// gaussianResult is the --json summary of table mode, one object on the
// last line.
type gaussianResult struct {
	Data         string         `json:"data"`
	Test         string         `json:"test,omitempty"`
	Target       string         `json:"target"`
	Features     []string       `json:"features"`
	Classes      []string       `json:"classes"`
	Model        string         `json:"model"` // gaussian
	VarSmoothing float64        `json:"var_smoothing"`
	Epsilon      float64        `json:"epsilon"`
	Weight       string         `json:"weight,omitempty"`
	Prior        string         `json:"prior"`       // --prior
	ClassPrior   []float64      `json:"class_prior"` // of the classes fitted, by class
	Theta        [][]float64    `json:"theta"`       // per class fitted, per feature
	Var          [][]float64    `json:"var"`
	FitClasses   []string       `json:"fit_classes"` // the rows of ClassPrior, Theta and Var
	NTrain       int            `json:"n_train"`
	NTest        int            `json:"n_test"`
	EvalOn       string         `json:"eval_on"`
	Accuracy     float64        `json:"accuracy"`
	LogLoss      float64        `json:"log_loss"`
	ROCAUC       *float64       `json:"roc_auc,omitempty"`     // two classes only
	ROCAUCOVR    *ovrROCAUC     `json:"roc_auc_ovr,omitempty"` // three or more
	Confusion    [][]int        `json:"confusion"`
	WeightedConf [][]float64    `json:"weighted_confusion,omitempty"`
	Weighted     bool           `json:"scores_weighted,omitempty"`
	Report       []jsonClassRow `json:"report"`
	MacroAvg     jsonClassRow   `json:"macro_avg"`
	WeightedAvg  jsonClassRow   `json:"weighted_avg"`
	Plots        []string       `json:"plots,omitempty"`
	Saved        string         `json:"saved,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
}

func runGaussianNB(o gaussianOptions, stdout, stderr io.Writer) error {
	tab, err := readTable(o.data, o.layout)
	if err != nil {
		return err
	}
	tabs := []*table{tab}
	if o.test != "" {
		testTab, err := readTable(o.test, o.layout)
		if err != nil {
			return err
		}
		tabs = append(tabs, testTab)
	}
	ys, classes, err := labelsOf(o.target, tabs...)
	if err != nil {
		return err
	}
	y := ys[0]
	if countClasses(y) < 2 {
		return fmt.Errorf("%s: column %q has a single class (%q); a classifier needs at least two", o.data, o.target, classes[y[0]])
	}
	weights, testWeights, exclude, err := tableWeights(tabs, o.weight, o.test, o.exclude)
	if err != nil {
		return err
	}
	featNames, X, err := featureMatrix(tab, o.data, o.features, exclude, o.target)
	if err != nil {
		return err
	}

	var Xtr, Xte [][]float64
	var ytr, yte []int
	var wtr, wte []float64
	var warnings []string
	evalOn, nTest := "test", 0
	if len(tabs) == 2 {
		if Xte, err = tabs[1].floats(featNames); err != nil {
			return err
		}
		Xtr, ytr, yte, wtr, wte = X, y, ys[1], weights, testWeights
		nTest = len(yte)
	} else {
		var trainIdx, testIdx []int
		var w string
		if trainIdx, testIdx, ytr, yte, wtr, wte, evalOn, w, err = splitTableRows(y, weights, classes, o.testFrac, o.seed, o.target, o.data); err != nil {
			return err
		}
		Xtr, Xte = pickRows(X, trainIdx), pickRows(X, testIdx)
		nTest = len(testIdx)
		if evalOn == "train" {
			Xte = Xtr
		} else if w != "" {
			warnings = append(warnings, w)
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		if wte != nil && evalOn == "test" {
			if err := heldOutWeight(wte, o.weight, "the held-out rows", "use a larger --test-frac, or other weights"); err != nil {
				return err
			}
		}
	}
	if err := checkLogregWeights(wtr, ytr, nil, classes, o.weight, ""); err != nil {
		return err
	}

	m := naivebayes.NewGaussian()
	m.VarSmoothing = o.varSmoothing
	if m.ClassPrior, err = nbClassPrior(o.prior, classes, ytr, labelsWhere(o.target, o.data)); err != nil {
		return err
	}
	if err := m.FitWeighted(Xtr, ytr, wtr); err != nil {
		// The library names features and classes by index.
		return fmt.Errorf("%s: %w (features in order: %s; classes in order: %s)", o.data, err,
			strings.Join(featNames, ", "), strings.Join(classes, ", "))
	}
	pred, err := m.Predict(Xte)
	if err != nil {
		return err
	}
	proba, err := m.PredictProba(Xte)
	if err != nil {
		return err
	}
	logLoss, auc, ovr, err := probabilityScores(yte, spreadProba(proba, m.Classes(), len(classes)), wte)
	if err != nil {
		return err
	}
	fitClasses := make([]string, 0, len(classes))
	for _, c := range m.Classes() {
		fitClasses = append(fitClasses, classes[c])
	}
	res := gaussianResult{
		Data: o.data, Test: o.test, Target: o.target, Features: featNames, Classes: classes, Model: "gaussian",
		VarSmoothing: o.varSmoothing, Epsilon: m.Epsilon(), Weight: o.weight, Prior: o.prior,
		ClassPrior: m.ClassPriorFitted(), Theta: m.Theta(), Var: m.Var(), FitClasses: fitClasses,
		NTrain: len(ytr), NTest: nTest, EvalOn: evalOn,
		Accuracy:  metrics.Accuracy(yte, pred),
		LogLoss:   logLoss,
		ROCAUC:    auc,
		ROCAUCOVR: ovr,
		Confusion: metrics.ConfusionMatrix(yte, pred, len(classes)),
		Warnings:  warnings,
	}
	report, weightedConf := classificationReport(yte, pred, wte, classes)
	if wte != nil {
		res.Weighted, res.WeightedConf, res.Accuracy = true, weightedConf, report.Accuracy
	}
	res.Report, res.MacroAvg, res.WeightedAvg = reportRows(report)

	if o.plot != "" {
		path := o.plot + "-confusion.png"
		title := fmt.Sprintf("Gaussian naive Bayes (%d %s rows)", len(yte), map[string]string{"test": "held-out", "train": "training"}[evalOn])
		if err := plots.ConfusionHeatmap(path, res.Confusion, classes, title); err != nil {
			return err
		}
		res.Plots = append(res.Plots, path)
	}
	if o.save != "" {
		if err := saveGaussianNB(m, res, len(y), o); err != nil {
			return err
		}
		res.Saved = o.save
	}
	printGaussianNB(stdout, res, report)
	if o.json {
		return cli.WriteJSON(stdout, res, nil)
	}
	return nil
}

// saveGaussianNB writes the model as a naive Bayes file of version 2 with
// state "model": "gaussian", which embers that predate it refuse by name
// ("unknown naive Bayes model").
func saveGaussianNB(m *naivebayes.GaussianNB, r gaussianResult, rows int, o gaussianOptions) error {
	st, err := m.State()
	if err != nil {
		return err
	}
	mf := newModelFile("naivebayes")
	mf.meta.Version = 2
	mf.meta.Input = modelInput{Kind: "table", Features: r.Features, Target: r.Target}
	mf.meta.Classes = r.Classes
	mf.meta.Settings = map[string]any{"model": "gaussian", "var_smoothing": r.VarSmoothing, "epsilon": r.Epsilon}
	if r.Prior != priorFrequencies {
		mf.meta.Settings["prior"] = r.Prior // for reports: the priors are saved in class_prior
	}
	acc := r.Accuracy
	mf.meta.Training = trainingInfo{Data: r.Data, Test: r.Test, Rows: rows, NTrain: r.NTrain, NTest: r.NTest, Seed: o.seed,
		EvalOn: r.EvalOn, Accuracy: &acc, Weight: r.Weight, AccuracyWeighted: r.Weighted}
	if err := mf.setState(map[string]any{"classes": st.Classes, "model": "gaussian"}); err != nil {
		return err
	}
	mf.vector("class_prior", st.ClassPrior)
	mf.matrix("theta", st.Theta)
	mf.matrix("var", st.Var)
	mf.vector("class_count", st.ClassCount)
	return mf.save(o.save)
}

// loadGaussianNB rebuilds a saved GaussianNB (classes: the file's class
// indices it was fitted on) as a table classifier for ember predict.
func loadGaussianNB(mf *modelFile, classes []int) (scorer, error) {
	in := mf.meta.Input
	if in.Kind != "table" || len(in.Features) == 0 {
		return nil, fmt.Errorf("model file %s: a Gaussian naive Bayes model needs the table's feature columns", mf.path)
	}
	for _, c := range classes {
		if c < 0 || c >= len(mf.meta.Classes) {
			return nil, fmt.Errorf("model file %s: class index %d out of %d classes", mf.path, c, len(mf.meta.Classes))
		}
	}
	c, f := len(classes), len(in.Features)
	prior, err := mf.vectorOf("class_prior", c)
	if err != nil {
		return nil, err
	}
	theta, err := mf.matrixOf("theta", c, f)
	if err != nil {
		return nil, err
	}
	variance, err := mf.matrixOf("var", c, f)
	if err != nil {
		return nil, err
	}
	m, err := naivebayes.GaussianFromState(naivebayes.GaussianState{Classes: classes, ClassPrior: prior, Theta: theta, Var: variance})
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", mf.path, err)
	}
	return &tableClassifier{mf: mf, classes: mf.meta.Classes, predict: func(X [][]float64) ([][]float64, error) {
		p, err := m.PredictProba(X)
		if err != nil {
			return nil, err
		}
		return spreadProba(p, m.Classes(), len(mf.meta.Classes)), nil
	}}, nil
}

// printGaussianNB prints the fit and its held-out scores.
func printGaussianNB(w io.Writer, r gaussianResult, report metrics.Report) {
	fmt.Fprintf(w, "data: %s: %d training rows, %d %s, target %q, %d classes (%s)\n", r.Data, r.NTrain, r.NTest,
		map[bool]string{true: "test rows from " + r.Test, false: "held-out"}[r.Test != ""], r.Target, len(r.Classes), strings.Join(r.Classes, ", "))
	fmt.Fprintf(w, "features: %s\n", strings.Join(r.Features, ", "))
	weighted := ""
	if r.Weight != "" {
		weighted = fmt.Sprintf(", rows weighted by column %q", r.Weight)
	}
	fmt.Fprintf(w, "model: Gaussian naive Bayes, var_smoothing=%g (epsilon %.4g added to every variance), %s%s\n",
		r.VarSmoothing, r.Epsilon, describePrior(r.Prior, r.ClassPrior, r.FitClasses), weighted)

	on := scoredRows(r.EvalOn, r.Test)
	if r.Weighted {
		correct, total := confusionSums(r.WeightedConf)
		fmt.Fprintf(w, "\n%s weighted accuracy: %.4f (weight %.6g of %.6g)\n", on, r.Accuracy, correct, total)
		printProbabilityScores(w, on+" weighted", r.LogLoss, r.ROCAUC, r.ROCAUCOVR)
		printConfusion(w, r.Classes, r.WeightedConf, r.Weight)
		fmt.Fprintf(w, "\nclassification report weighted by column %q (support: sums of weights):\n", r.Weight)
	} else {
		correct, total := confusionSums(r.Confusion)
		fmt.Fprintf(w, "\n%s accuracy: %.4f (%d of %d)\n", on, r.Accuracy, correct, total)
		printProbabilityScores(w, on, r.LogLoss, r.ROCAUC, r.ROCAUCOVR)
		printConfusion(w, r.Classes, r.Confusion, "")
		fmt.Fprintln(w, "\nclassification report:")
	}
	fmt.Fprint(w, report.String())

	if len(r.FitClasses) == 2 {
		// Which features separate the two classes: the gap between their
		// means in units of their pooled standard deviation.
		type sep struct {
			name string
			d    float64
		}
		seps := make([]sep, len(r.Features))
		for j, f := range r.Features {
			sd := math.Sqrt((r.Var[0][j] + r.Var[1][j]) / 2)
			seps[j] = sep{f, math.Abs(r.Theta[1][j]-r.Theta[0][j]) / sd}
		}
		sort.SliceStable(seps, func(a, b int) bool { return seps[a].d > seps[b].d })
		fmt.Fprintf(w, "\nfeatures ranked by |mean(%s) - mean(%s)| / pooled standard deviation:\n", r.FitClasses[1], r.FitClasses[0])
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, s := range seps {
			fmt.Fprintf(tw, "  %s\t%.4g\n", s.name, s.d)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nper-class mean (standard deviation) of each feature:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "  feature")
	for k, c := range r.FitClasses {
		fmt.Fprintf(tw, "\t%s (prior %.3g)", c, r.ClassPrior[k])
	}
	fmt.Fprintln(tw)
	for j, f := range r.Features {
		fmt.Fprintf(tw, "  %s", f)
		for k := range r.FitClasses {
			fmt.Fprintf(tw, "\t%.4g (%.3g)", r.Theta[k][j], math.Sqrt(r.Var[k][j]))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, p := range r.Plots {
		fmt.Fprintf(w, "wrote %s\n", p)
	}
	if r.Saved != "" {
		fmt.Fprintf(w, "saved the model to %s\n", r.Saved)
	}
}
