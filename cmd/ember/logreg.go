package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/tabular"
)

func init() {
	register("logreg", "fit logistic regression to a CSV/TSV file and score it on held-out rows", runLogreg)
	scorers["logreg"] = loadLogreg
}

// logregResult is the --json summary, one object on the last line.
type logregResult struct {
	Data     string   `json:"data"`
	Test     string   `json:"test,omitempty"` // the --test file
	Target   string   `json:"target"`
	Features []string `json:"features"` // the model's features: numeric columns, then one-hot column=value
	Numeric  []string `json:"numeric"`  // the columns read as numbers
	// Categorical are the columns one-hot encoded (--categorical, or
	// taken as such for their non-numeric values).
	Categorical []string `json:"categorical,omitempty"`
	Impute      string   `json:"impute,omitempty"` // --impute's strategy for numeric columns
	// CategoricalMissing is --categorical-missing, how a missing
	// categorical value is encoded (zeros, category, most_frequent or
	// constant); absent without categorical columns.
	CategoricalMissing string `json:"categorical_missing,omitempty"`
	// CategoryFill is, per categorical column, the value a missing one is
	// filled with (most_frequent and constant only).
	CategoryFill map[string]string `json:"category_fill,omitempty"`
	// Unseen counts, per categorical column, the held-out rows whose
	// value the training rows do not have (they set none of its features).
	Unseen       map[string]int `json:"unseen_categories,omitempty"`
	Standardized bool           `json:"standardized"`
	Weight       string         `json:"weight,omitempty"`       // the --weight column
	ClassWeight  string         `json:"class_weight,omitempty"` // --class-weight: "balanced" or CLASS:W pairs
	// ClassWeights is what each class's training rows were weighted by
	// (absent for balanced one-vs-rest, which weighs each fit apart).
	ClassWeights map[string]float64 `json:"class_weights,omitempty"`
	Classes      []string           `json:"classes"`
	Multi        string             `json:"multi"`
	C            float64            `json:"C"`
	Penalty      string             `json:"penalty"`            // l2, l1, elasticnet, or none (C unused)
	L1Ratio      *float64           `json:"l1_ratio,omitempty"` // elasticnet's share of the L1 term
	Tol          float64            `json:"tol"`
	MaxIter      int                `json:"max_iter"`
	Converged    bool               `json:"converged"`
	Iterations   int                `json:"iterations"`
	Coef         [][]float64        `json:"coef"`
	Intercept    []float64          `json:"intercept"`
	CoefRows     []string           `json:"coef_rows"` // the class each coef row belongs to
	NTrain       int                `json:"n_train"`
	NTest        int                `json:"n_test"`
	EvalOn       string             `json:"eval_on"` // "test" or "train" (with --test-frac 0)
	Accuracy     float64            `json:"accuracy"`
	LogLoss      float64            `json:"log_loss"`
	ROCAUC       *float64           `json:"roc_auc,omitempty"`     // binary targets only
	ROCAUCOVR    *ovrROCAUC         `json:"roc_auc_ovr,omitempty"` // three classes or more
	// ZeroCoefs counts the coefficients that are exactly 0 (l1 and
	// elasticnet only), over every row of Coef; Dropped names the
	// features whose coefficients are 0 in every row, which the model
	// does not use.
	ZeroCoefs *int     `json:"zero_coefs,omitempty"`
	Dropped   []string `json:"dropped_features,omitempty"`
	// ScoresWeighted says that the held-out scores (accuracy, log-loss,
	// ROC AUC, the report's precision, recall and F1) are weighted by the
	// --weight column, as scikit-learn's metrics with sample_weight.
	ScoresWeighted bool `json:"scores_weighted,omitempty"`
	// Confusion counts rows, weighted or not; WeightedConfusion sums their
	// weights (only with --weight).
	Confusion         [][]int        `json:"confusion"`
	WeightedConfusion [][]float64    `json:"weighted_confusion,omitempty"`
	Report            []jsonClassRow `json:"report"`
	MacroAvg          jsonClassRow   `json:"macro_avg"`
	Weighted          jsonClassRow   `json:"weighted_avg"`
	Plots             []string       `json:"plots,omitempty"`
	Saved             string         `json:"saved,omitempty"` // the --save model file
	Warnings          []string       `json:"warnings,omitempty"`
}

type jsonClassRow struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// Support counts the class's true rows (every row, in the averages).
	Support int `json:"support"`
	// SupportWeight is their weight, in a report weighted by --weight
	// (whose precision, recall and F1 are weighted too); absent otherwise.
	SupportWeight *float64 `json:"support_weight,omitempty"`
}

func runLogreg(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("logreg", stdout,
		"usage: ember logreg --data FILE --target COLUMN [options]\n"+
			"\nFits L2-regularised (or L1, elastic-net, or with --penalty none unpenalised)\n"+
			"logistic regression (as scikit-learn's LogisticRegression) and reports\n"+
			"coefficients, convergence, and held-out accuracy, confusion matrix and\n"+
			"classification report. The held-out rows are --test FILE, or --test-frac of\n"+
			"--data stratified, as ember gbt and naivebayes split: that share of each\n"+
			"class, picked at random (--seed), though never a class's last row.\n"+
			"\n--penalty l1 sets the coefficients of the features that do not earn their\n"+
			"keep to exactly 0 (feature selection: the smaller --C, the fewer remain),\n"+
			"and the report counts them; --penalty elasticnet --l1-ratio R mixes L1 and\n"+
			"L2 (scikit-learn's l1_ratio). Both are fitted by OWL-QN, the L1 extension\n"+
			"of L-BFGS, to the minimum scikit-learn's saga solver reaches; use them with\n"+
			"--standardize, so that the penalty costs every feature alike.\n"+
			"\nFor a rare class that the model seldom predicts, --class-weight balanced\n"+
			"weighs each class's rows so that every class counts the same in the fit:\n"+
			"recall of the rare class rises, its precision falls, and its predicted\n"+
			"probabilities are inflated (no longer its frequency). --weight weighs rows\n"+
			"one by one; the two multiply. --class-weight changes the fit only; --weight\n"+
			"weighs the held-out scores too, as scikit-learn's metrics with sample_weight\n"+
			"(the confusion matrix and report's support then sum weights).\n"+
			"\nColumns: numeric unless listed in --categorical, which one-hot encodes\n"+
			"them (a feature column=value per value of the training rows, as\n"+
			"scikit-learn's OneHotEncoder(handle_unknown='ignore'): a value the training\n"+
			"rows lack sets none of its column's features, and by default so does a\n"+
			"missing one). --categorical-missing category makes a missing value a\n"+
			"category of its own, column=nan, as OneHotEncoder does when the training\n"+
			"rows miss values; most_frequent and constant fill it first, as\n"+
			"SimpleImputer does. Without --features every other column is used, and a\n"+
			"column of mostly non-numeric values is taken as categorical (unless it\n"+
			"looks like an ID), as ember gbt does. --standardize scales the numeric\n"+
			"columns only. A missing value in a numeric column is an error naming its\n"+
			"line, unless --impute fills it from the training rows (scikit-learn's\n"+
			"SimpleImputer). --save keeps the encoding, imputation and scaling with\n"+
			"the model, for ember predict.\n")
	data := fs.Input("data", "", "CSV or TSV `file` with a header row (or see --no-header)", cli.Required())
	layout := layoutFlags(fs)
	target := fs.String("target", "", "`column` holding the class labels", cli.Required())
	features := fs.String("features", "", "comma-separated feature `columns`", cli.DefaultText("every other named column"), cli.NotEmpty("the feature columns"))
	exclude := excludeFlag(fs, features)
	checkFeatureFlags(fs, features, exclude, target)
	categorical := fs.String("categorical", "", "comma-separated `columns` of categories, one-hot encoded: a feature column=value per value of the training rows "+
		"(with or without --features)", cli.NotEmpty("the categorical columns"))
	checkListedOnce(fs, map[string]*string{"categorical": categorical})
	impute := fs.Choice("impute", "none", []string{"none", "mean", "median", "most_frequent", "constant"},
		"fill missing values of numeric columns with the training rows' mean, median or most frequent value, or --fill-value "+
			"(scikit-learn's SimpleImputer); none: a missing value is an error naming its line")
	fill := fs.Float("fill-value", 0, cli.Between(-math.MaxFloat64, math.MaxFloat64), "value for --impute constant")
	catMissing := fs.Choice("categorical-missing", "zeros", []string{"zeros", "category", "most_frequent", "constant"},
		"how a missing value of a categorical column is one-hot encoded: zeros sets none of the column's features "+
			"(as OneHotEncoder(handle_unknown='ignore') given the present values as categories); "+
			"category makes it a category of its own, a feature column=nan after the column's values, where the training rows miss a value "+
			"(OneHotEncoder's NaN category; without one a missing value sets no feature, as an unseen value); "+
			"most_frequent fills it with the training rows' most frequent value (ties: the first in byte order) and constant with --categorical-fill-value "+
			"(SimpleImputer before OneHotEncoder; the fill value is a category only where a training row is missing one)")
	catFill := fs.String("categorical-fill-value", tabular.DefaultFillCategory, "category for --categorical-missing constant (SimpleImputer's fill_value)",
		cli.NotEmpty("a category"))
	c := fs.Float("C", 1.0, cli.Above(0), "inverse regularisation strength (larger = weaker penalty)")
	penalty := fs.Choice("penalty", "l2", []string{"l2", "l1", "elasticnet", "none"}, "l2: coefficients penalised by ||W||²/(2C); "+
		"l1: by ||W||₁/C, the sum of their magnitudes, which sets some to exactly 0; "+
		"elasticnet: by (R·||W||₁ + (1-R)·||W||²/2)/C with R the --l1-ratio; "+
		"none: the unpenalised maximum-likelihood fit "+
		"(scikit-learn's penalty=None), finite only when no hyperplane separates the classes (else it stops at --max-iter with a warning). "+
		"The intercept is never penalised")
	l1Ratio := fs.Float("l1-ratio", 0, cli.Between(0, 1), "--penalty elasticnet's mix, as scikit-learn's l1_ratio: 1 is the l1 penalty, 0 the l2 penalty "+
		"(required with elasticnet, and used by no other penalty)", cli.DefaultText("none"))
	multi := fs.Choice("multi", "auto", []string{"auto", "multinomial", "ovr"}, "multi-class scheme, as scikit-learn's multi_class: "+
		"multinomial fits one softmax over all classes, ovr one binary model per class against the rest; auto is multinomial for three classes or more, and one binary model for two")
	maxIter := fs.Int("max-iter", 100, 1, 1_000_000, "L-BFGS (OWL-QN for l1 and elasticnet) iteration limit")
	tol := fs.Float("tol", 1e-4, cli.AtLeast(0), "stop when the largest gradient component (pseudo-gradient for l1 and elasticnet) is below this")
	testPath := fs.Input("test", "", "score on this `file` (same columns as --data) instead of a split of --data")
	testFrac := fs.Float("test-frac", 0.25, cli.Range{Min: 0, Max: 1, MaxOpen: true},
		"fraction of --data rows held out for scoring, stratified (0: score on the training rows)")
	seed := fs.Uint64("seed", 1, "random seed for the train/test shuffle")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	standardize := fs.Bool("standardize", false, "scale each numeric column to mean 0, standard deviation 1 (statistics from the training rows), as sklearn's StandardScaler; coefficients are then per standard deviation (one-hot features are not scaled)")
	plotPrefix := fs.OutputPrefix("plot", "write PREFIX-confusion.png, and PREFIX-boundary.png when there are exactly two features",
		[]string{"-confusion.png", "-boundary.png"})
	save := fs.Output("save", "", "save the fitted model, with its one-hot encoding, imputation and scaling, to this `file` (see ember predict)")
	classWeight := fs.Custom("class-weight", "", "balanced|CLASS:W,...",
		"weigh each class's training rows (scikit-learn's class_weight): balanced weighs a class by rows / (classes × its rows), so every class "+
			"counts the same (with --multi ovr, each class against the rest); CLASS:W,CLASS:W weighs the classes listed by W (0 or more) and the others by 1, "+
			"as in yes:5 or 'bad debt:3.5,ok:1'; a class name holding a comma goes in double quotes, as a CSV field, inside the shell's quotes: "+
			"'\"Smith, J.\":2' (\"\" for a quote in the name)",
		checkClassWeightSpec, cli.DefaultText("every class weighs 1"), cli.NotEmpty("balanced or CLASS:W pairs"))
	weightCol := fs.String("weight", "", "`column` of sample weights (scikit-learn's sample_weight), a number from 0 up in every row: each training row's loss is multiplied by its weight "+
		"(times its --class-weight); a row of weight 0 does not change the fit (though --class-weight balanced still counts it). Not a feature. The held-out scores are weighted too, as scikit-learn's metrics with sample_weight "+
		"(accuracy, log-loss, ROC AUC, the report; the confusion matrix sums weights), so a --test file needs the column", cli.NotEmpty("a column"))
	fs.Check(func() error {
		if *weightCol != "" && *weightCol == *target {
			return fmt.Errorf("--weight %s is the --target column", *weightCol)
		}
		if slices.Contains(splitList(*features), *weightCol) {
			return fmt.Errorf("--weight %s is also a feature column: leave it out of --features", *weightCol)
		}
		return nil
	})
	fs.Check(func() error {
		if *penalty == "none" && fs.IsSet("C") {
			return errors.New("--C is the inverse strength of the L2 penalty; --penalty none has none (scikit-learn ignores C then)")
		}
		if *penalty == "elasticnet" && !fs.IsSet("l1-ratio") {
			return errors.New("--penalty elasticnet needs --l1-ratio, its mix of L1 and L2 (from 0, the l2 penalty, to 1, the l1 penalty), as scikit-learn's l1_ratio")
		}
		if *penalty != "elasticnet" && fs.IsSet("l1-ratio") {
			return fmt.Errorf("--l1-ratio is the mix of --penalty elasticnet; --penalty %s does not use it (scikit-learn warns and ignores it)", *penalty)
		}
		if fs.IsSet("fill-value") && *impute != "constant" {
			return errors.New("--fill-value is the value of --impute constant; add --impute constant, or drop --fill-value")
		}
		if fs.IsSet("categorical-fill-value") && *catMissing != "constant" {
			return errors.New("--categorical-fill-value is the value of --categorical-missing constant; add --categorical-missing constant, or drop --categorical-fill-value")
		}
		for _, c := range splitList(*categorical) {
			switch {
			case c == *target:
				return fmt.Errorf("--categorical lists the --target column %q", c)
			case c == *weightCol:
				return fmt.Errorf("--weight %s is also listed in --categorical: leave it out", c)
			case slices.Contains(splitList(*exclude), c):
				return fmt.Errorf("--categorical and --exclude both list %q", c)
			}
		}
		return nil
	})
	fs.Check(func() error {
		if *testPath != "" && fs.IsSet("test-frac") {
			return errors.New("--test and --test-frac exclude each other: --test scores on a file, --test-frac on a split of --data")
		}
		if *testPath != "" && fs.IsSet("seed") {
			return errors.New("--seed shuffles the --test-frac split; with --test there is no split")
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}

	tab, err := readTable(*data, *layout)
	if err != nil {
		return err
	}
	tabs := []*table{tab}
	if *testPath != "" {
		testTab, err := readTable(*testPath, *layout)
		if err != nil {
			return err
		}
		tabs = append(tabs, testTab)
	}
	ys, classes, err := labelsOf(*target, tabs...)
	if err != nil {
		return err
	}
	y := ys[0]
	if len(tabs) == 2 {
		// A class the model never saw gets probability 0 from it: refuse the
		// file, as scikit-learn's log_loss does, before the fit.
		seen := make([]bool, len(classes))
		for _, c := range y {
			seen[c] = true
		}
		for r, c := range ys[1] {
			if !seen[c] {
				return fmt.Errorf("%s: line %d, column %q: class %q does not occur in the training data %s, so the model cannot predict it",
					*testPath, tabs[1].lines[r], *target, classes[c], *data)
			}
		}
	}
	if n := countClasses(y); n < 2 {
		return fmt.Errorf("%s: column %q has a single class (%q); logistic regression needs at least two", *data, *target, classes[y[0]])
	}
	weights, testWeights, exclude2, err := tableWeights(tabs, *weightCol, *testPath, *exclude)
	if err != nil {
		return err
	}
	cw, err := classWeights(*classWeight, classes, *target, *data)
	if err != nil {
		return err
	}
	var warnings []string
	warn := func(format string, a ...any) {
		w := fmt.Sprintf(format, a...)
		warnings = append(warnings, w)
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if *impute == "none" {
		*impute = ""
	}
	// Float64: the features stay float64, as the fit computes (and
	// --standardize takes features far beyond float32's range).
	spec := tabular.Spec{Categorical: splitList(*categorical), Impute: *impute, FillValue: *fill, Float64: true}
	switch *catMissing {
	case "category":
		spec.ImputeCategorical = tabular.ImputeMissingCategory
	case "most_frequent":
		spec.ImputeCategorical = tabular.ImputeMostFrequent
	case "constant":
		spec.ImputeCategorical, spec.FillCategory = tabular.ImputeConstant, *catFill
	}
	batch, err := logregColumns(tab, &spec, *features, exclude2, *target, warn)
	if err != nil {
		return err
	}
	if len(spec.Categorical) == 0 && fs.IsSet("categorical-missing") {
		return fmt.Errorf("--categorical-missing says how missing values of categorical columns are encoded, but %s has none among the features (list them with --categorical)", *data)
	}
	// A missing numeric value is refused before the split, naming its
	// line, unless --impute fills it.
	if spec.Impute == "" {
		if err := numericMissing(batch, spec.Numeric, missingAdvice); err != nil {
			return err
		}
	}
	var testBatch *tabular.Batch
	if len(tabs) == 2 {
		if _, err := tabs[1].columns(slices.Concat(spec.Numeric, spec.Categorical)); err != nil {
			return err
		}
		testBatch = tabs[1].batch()
		if spec.Impute == "" {
			if err := numericMissing(testBatch, spec.Numeric, missingAdvice); err != nil {
				return err
			}
		}
	}

	var trainIdx, testIdx []int
	var heldOutWarning string
	var Xtr, Xte [][]float64
	var ytr, yte []int
	var wtr, wte []float64 // the training and held-out rows' weights; nil without --weight
	evalOn := "test"
	if len(tabs) == 2 {
		ytr, yte, wtr, wte = y, ys[1], weights, testWeights
		trainIdx = allRows(len(y))
		testIdx = allRows(len(yte))
	} else {
		// Stratified, as ember gbt splits: every class keeps a training row.
		if trainIdx, testIdx, ytr, yte, wtr, wte, evalOn, heldOutWarning, err = splitTableRows(y, weights, classes, *testFrac, *seed, *target, *data); err != nil {
			return err
		}
		if wte != nil && evalOn == "test" {
			if err := heldOutWeight(wte, *weightCol, "the held-out rows", "use a larger --test-frac, or other weights"); err != nil {
				return err
			}
		}
	}

	// The categories and imputed values come from the training rows only,
	// as a scikit-learn Pipeline fitted on them would learn them.
	pl, err := tabular.Fit(spec, tabular.SelectRows(batch, trainIdx))
	if err != nil {
		return err
	}
	featNames := pl.Features
	// Every row of --data, held out or not: a bad value is an error
	// naming its line before the fit, and the plots draw them all.
	X, unseen, err := pipelineRows(pl, batch)
	if err != nil {
		return err
	}
	if len(tabs) == 2 {
		if Xte, unseen, err = pipelineRows(pl, testBatch); err != nil {
			return err
		}
		Xtr = X
	} else {
		Xtr, Xte = pickRows(X, trainIdx), pickRows(X, testIdx)
		if evalOn == "train" {
			Xte = Xtr
		}
	}
	for _, col := range slices.Sorted(maps.Keys(unseen.Unseen)) {
		warn("%d held-out rows have a value of %s that the training rows lack, e.g. %s: %s", unseen.Unseen[col], col, unseen.FirstUnseen[col], unseenEffect(pl, col))
	}

	var sc *logreg.Scaler
	if *standardize {
		// Statistics from the training rows only, so nothing about the
		// held-out rows leaks into the model; the numeric columns only,
		// as a ColumnTransformer scales them and passes the one-hot
		// features through.
		if sc, err = numericScaler(Xtr, len(spec.Numeric)); err != nil {
			return err
		}
		if X, err = sc.Transform(X); err != nil {
			return err
		}
		if Xtr, err = sc.Transform(Xtr); err != nil {
			return err
		}
		if Xte, err = sc.Transform(Xte); err != nil {
			return err
		}
	}
	// Every row read, held out or not: Fit would see the training rows
	// only, and name them by their index in the shuffled split.
	if err := checkMagnitude(tab, featNames, X, sc, logreg.MaxFeature, logregTooLarge(sc)); err != nil {
		return err
	}
	if len(tabs) == 2 {
		if err := checkMagnitude(tabs[1], featNames, Xte, sc, logreg.MaxFeature, logregTooLarge(sc)); err != nil {
			return err
		}
	}

	m := logreg.New()
	m.C, m.MaxIter, m.Tol, m.Multi = *c, *maxIter, *tol, logreg.MultiClass(*multi)
	m.Penalty = logreg.Penalty(*penalty)
	if m.Penalty == logreg.ElasticNet {
		m.L1Ratio = *l1Ratio
	}
	if *classWeight == "balanced" {
		m.BalancedClassWeight = true
	} else if cw != nil {
		m.ClassWeight = cw
	}
	if err := checkLogregWeights(wtr, ytr, cw, classes, *weightCol, *classWeight); err != nil {
		return err
	}
	if heldOutWarning != "" {
		warn("%s", heldOutWarning)
	}
	if err := m.FitWeighted(Xtr, ytr, wtr); err != nil {
		// Features beyond the limit were refused above, by line, and the
		// stratified split keeps every class among the training rows.
		var ce *logreg.ConvergenceError
		if !errors.As(err, &ce) {
			return err
		}
		// Like sklearn's ConvergenceWarning: report, keep the fit.
		warn("%s", convergenceWarning(ce, classes, *standardize))
	}

	pred, err := m.Predict(Xte)
	if err != nil {
		return err
	}
	proba, err := m.PredictProba(Xte)
	if err != nil {
		return err
	}
	// PredictProba's columns are the classes seen in training; spread them
	// over all classes so the log loss sees a probability for every label.
	full := spreadProba(proba, m.Classes(), len(classes))

	res := logregResult{
		Data: *data, Test: *testPath, Target: *target, Features: featNames, Classes: classes, Standardized: *standardize,
		Numeric: spec.Numeric, Categorical: spec.Categorical, Impute: spec.Impute, Unseen: unseen.Unseen,
		CategoricalMissing: categoricalMissingName(pl), CategoryFill: categoryFills(pl),
		Weight: *weightCol, ClassWeight: *classWeight, ClassWeights: appliedClassWeights(m, ytr, classes),
		Multi: schemeName(m, len(classes)), C: m.C, Penalty: *penalty, Tol: m.Tol, MaxIter: m.MaxIter,
		Converged: m.Converged, Iterations: m.Iterations,
		Coef: m.Coef(), Intercept: m.Intercept(),
		NTrain: len(ytr), NTest: len(testIdx), EvalOn: evalOn,
		Accuracy:  metrics.Accuracy(yte, pred),
		Confusion: metrics.ConfusionMatrix(yte, pred, len(classes)),
		Warnings:  warnings,
	}
	if m.Penalty == logreg.L1 || m.Penalty == logreg.ElasticNet {
		zeros := m.ZeroCoefs()
		res.ZeroCoefs, res.Dropped = &zeros, droppedFeatures(res.Coef, featNames)
		if m.Penalty == logreg.ElasticNet {
			res.L1Ratio = &m.L1Ratio
		}
	}
	mc := m.Classes()
	if len(res.Coef) == 1 {
		res.CoefRows = []string{classes[mc[1]]}
	} else {
		for _, cl := range mc {
			res.CoefRows = append(res.CoefRows, classes[cl])
		}
	}
	if res.LogLoss, res.ROCAUC, res.ROCAUCOVR, err = probabilityScores(yte, full, wte); err != nil {
		return err
	}
	report, weightedConf := classificationReport(yte, pred, wte, classes)
	if wte != nil {
		res.ScoresWeighted, res.WeightedConfusion, res.Accuracy = true, weightedConf, report.Accuracy
	}
	res.Report, res.MacroAvg, res.Weighted = reportRows(report)

	if *plotPrefix != "" {
		paths, err := logregPlots(*plotPrefix, m, res, X, y)
		if err != nil {
			return err
		}
		res.Plots = paths
	}
	if *save != "" {
		mf, err := logregModelFile(m, sc, pl, res, len(y), *seed)
		if err != nil {
			return err
		}
		if err := mf.save(*save); err != nil {
			return err
		}
		res.Saved = *save
	}

	printLogreg(stdout, res, report)
	if *asJSON {
		return cli.WriteJSON(stdout, res, nil)
	}
	return nil
}

// convergenceWarning is the library's ConvergenceError told in the
// command's terms: the class by name, and the flags that help.
func convergenceWarning(ce *logreg.ConvergenceError, classes []string, standardized bool) string {
	who, grad := ce.Names()
	if ce.Class >= 0 && ce.Class < len(classes) {
		who = fmt.Sprintf("%s (one-vs-rest, class %s)", who, classes[ce.Class])
	}
	fix := "increase --max-iter (now %d) or scale the features with --standardize"
	if standardized {
		fix = "increase --max-iter (now %d)"
	}
	return fmt.Sprintf("%s did not converge after %d iterations: %s %.3g > tol %.3g: %s; "+fix,
		who, ce.Iterations, grad, ce.GradMax, ce.Tol, ce.Reason, ce.MaxIter)
}

// droppedFeatures names the features whose coefficient is exactly 0 in
// every row of coef: the model does not use them.
func droppedFeatures(coef [][]float64, features []string) []string {
	var out []string
	for j, name := range features {
		if !slices.ContainsFunc(coef, func(row []float64) bool { return row[j] != 0 }) {
			out = append(out, name)
		}
	}
	return out
}

// logregTooLarge says why logistic regression refuses features beyond
// logreg.MaxFeature, and what to do.
func logregTooLarge(sc *logreg.Scaler) string {
	if sc != nil {
		return "logistic regression's arithmetic would overflow"
	}
	return "logistic regression's arithmetic would overflow; ember logreg --standardize scales the features"
}

// countClasses counts the distinct values of y.
func countClasses(y []int) int {
	seen := map[int]bool{}
	for _, v := range y {
		seen[v] = true
	}
	return len(seen)
}

func allRows(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// categoricalMissingName is --categorical-missing's word for how pl encodes
// a missing categorical value, "" when it has no categorical column.
func categoricalMissingName(pl *tabular.Pipeline) string {
	if len(pl.Spec.Categorical) == 0 {
		return ""
	}
	switch pl.Spec.ImputeCategorical {
	case tabular.ImputeNone:
		return "zeros"
	case tabular.ImputeMissingCategory:
		return "category"
	}
	return pl.Spec.ImputeCategorical
}

// categoryFills maps each categorical column of pl to the value its
// missing values are filled with; nil when none is filled.
func categoryFills(pl *tabular.Pipeline) map[string]string {
	var out map[string]string
	for k, v := range pl.CategoryFill {
		if v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[pl.Spec.Categorical[k]] = v
		}
	}
	return out
}

// spreadProba places the probability columns of the fitted classes among
// all nClasses classes (zero for a class the model never saw).
func spreadProba(proba [][]float64, fitted []int, nClasses int) [][]float64 {
	full := make([][]float64, len(proba))
	for i, p := range proba {
		full[i] = make([]float64, nClasses)
		for k, cl := range fitted {
			full[i][cl] = p[k]
		}
	}
	return full
}

// logregState is the non-numeric part of a saved logistic regression.
type logregState struct {
	Scheme  string `json:"scheme"`
	Classes []int  `json:"classes"` // indices into the file's classes that the model was fitted on
}

// logregFileVersion is the newest logreg model file: version 2 adds the
// feature pipeline (modelInput.Pipeline), written only by models that
// need it, so that a file without one stays readable by older embers.
// Version 3 adds the missing category (--categorical-missing category,
// tabular's ImputeMissingCategory), whose column=nan features a version 2
// ember's pipeline would refuse; other pipelines stay version 2, which
// they read as they are meant (their imputation of categorical columns,
// most_frequent and constant, is as old as the pipeline).
const logregFileVersion = 3

func logregModelFile(m *logreg.Model, sc *logreg.Scaler, pl *tabular.Pipeline, r logregResult, rows int, seed uint64) (*modelFile, error) {
	st, err := m.State()
	if err != nil {
		return nil, err
	}
	mf := newModelFile("logreg")
	mf.meta.Input = modelInput{Kind: "table", Features: r.Features, Target: r.Target, Standardize: sc != nil}
	if len(pl.Spec.Categorical) > 0 || pl.Spec.Impute != "" {
		// Numeric columns read as they are need no pipeline: such a file
		// is version 1, as before.
		mf.meta.Version, mf.meta.Input.Pipeline = 2, pl
		if pl.Spec.ImputeCategorical == tabular.ImputeMissingCategory {
			mf.meta.Version = 3
		}
	}
	mf.meta.Classes = r.Classes
	mf.meta.Settings = map[string]any{"C": r.C, "penalty": r.Penalty, "multi": r.Multi, "max_iter": r.MaxIter, "tol": r.Tol,
		"converged": r.Converged, "iterations": r.Iterations}
	if r.ClassWeight != "" {
		// For reports: the fit's option, as C is; predict needs nothing new.
		mf.meta.Settings["class_weight"] = r.ClassWeight
	}
	if r.L1Ratio != nil {
		// Also for reports: an L1 fit's zeros are coefficients like any
		// other, so the file's layout and version are the L2 fit's.
		mf.meta.Settings["l1_ratio"] = *r.L1Ratio
	}
	acc := r.Accuracy
	mf.meta.Training = trainingInfo{Data: r.Data, Test: r.Test, Rows: rows, NTrain: r.NTrain, NTest: r.NTest, Seed: seed,
		EvalOn: r.EvalOn, Accuracy: &acc, Weight: r.Weight, AccuracyWeighted: r.ScoresWeighted}
	if err := mf.setState(logregState{Scheme: st.Scheme, Classes: st.Classes}); err != nil {
		return nil, err
	}
	mf.matrix("coef", st.Coef)
	mf.vector("intercept", st.Intercept)
	if sc != nil {
		mf.vector("scaler.mean", sc.Mean)
		mf.vector("scaler.std", sc.Std)
	}
	return mf, nil
}

// loadLogreg rebuilds a saved logistic regression and its scaler.
func loadLogreg(mf *modelFile) (scorer, error) {
	var st logregState
	if err := mf.decodeState(&st); err != nil {
		return nil, err
	}
	d := len(mf.meta.Input.Features)
	if d == 0 {
		return nil, fmt.Errorf("model file %s: no features", mf.path)
	}
	for _, cl := range st.Classes {
		if cl < 0 || cl >= len(mf.meta.Classes) {
			return nil, fmt.Errorf("model file %s: class index %d out of %d classes", mf.path, cl, len(mf.meta.Classes))
		}
	}
	coef, err := mf.matrixOf("coef", -1, d)
	if err != nil {
		return nil, err
	}
	icpt, err := mf.vectorOf("intercept", len(coef))
	if err != nil {
		return nil, err
	}
	if pl := mf.meta.Input.Pipeline; pl != nil {
		if err := pl.Check(); err != nil {
			return nil, fmt.Errorf("model file %s: feature pipeline: %w", mf.path, err)
		}
		if !slices.Equal(pl.Features, mf.meta.Input.Features) {
			return nil, fmt.Errorf("model file %s: the feature pipeline makes %d features, not the model's %d", mf.path, len(pl.Features), d)
		}
	}
	m, err := logreg.FromState(logreg.State{Classes: st.Classes, Scheme: st.Scheme, Coef: coef, Intercept: icpt})
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", mf.path, err)
	}
	sc, err := loadScaler(mf, d)
	if err != nil {
		return nil, err
	}
	return &tableClassifier{mf: mf, scaler: sc, classes: mf.meta.Classes, maxFeature: logreg.MaxFeature, tooLarge: logregTooLarge(sc), predict: func(X [][]float64) ([][]float64, error) {
		p, err := m.PredictProba(X)
		if err != nil {
			return nil, err
		}
		return spreadProba(p, m.Classes(), len(mf.meta.Classes)), nil
	}}, nil
}

func schemeName(m *logreg.Model, nClasses int) string {
	switch {
	case len(m.Coef()) == 1:
		return "binary"
	case m.Multi == logreg.OneVsRest:
		return "ovr"
	}
	return "multinomial"
}

// pickRows is the rows of X at idx, in that order (sharing their storage).
func pickRows(X [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(idx))
	for i, j := range idx {
		out[i] = X[j]
	}
	return out
}

// logregColumns resolves the feature columns of tab into spec (the
// categorical ones it lists, --categorical's, and the numeric ones):
// --features less the categorical, or every other named column but those
// of except (--exclude's, --weight's) and target, with a column of mostly
// non-numeric values taken as categorical, as ember gbt takes them. It
// returns the table as a batch for the pipeline. A column that tab lacks
// is an error listing those it has.
func logregColumns(tab *table, spec *tabular.Spec, features, except, target string, warn func(string, ...any)) (*tabular.Batch, error) {
	// Before the features: a misspelt target would leave itself among
	// them, and the error would be about its values.
	if _, err := tab.column(target); err != nil {
		return nil, err
	}
	for _, c := range splitList(except) {
		if _, err := tab.column(c); err != nil {
			return nil, fmt.Errorf("--exclude: %w", err)
		}
	}
	if _, err := tab.columns(splitList(features)); err != nil {
		return nil, err
	}
	if _, err := tab.columns(spec.Categorical); err != nil {
		return nil, fmt.Errorf("--categorical: %w", err)
	}
	b := tab.batch()
	if err := chooseColumns(b, spec, features, append(splitList(except), target), warn); err != nil {
		return nil, err
	}
	return b, nil
}

// missingAdvice is what ember logreg says of a missing numeric value.
const missingAdvice = "numeric features need a number in every row: --impute fills missing values from the training rows " +
	"(mean, median, most_frequent, or constant with --fill-value), or drop those rows first (ember gbt keeps missing values)"

// numericMissing refuses the first missing value (an empty cell, or an NA
// marker) of the numeric columns of b, naming its line and column, with
// advice: logistic regression has no way to fit or score a row without
// all of its features.
func numericMissing(b *tabular.Batch, numeric []string, advice string) error {
	for _, name := range numeric {
		c := b.Column(name)
		if c == nil {
			continue // the pipeline names it
		}
		for i := range b.Rows {
			if !c.IsNull(i) {
				continue
			}
			what := "empty value"
			if c.Kind == tabular.Text && c.Str[i] != "" {
				what = fmt.Sprintf("%q marks a missing value", c.Str[i])
			}
			return fmt.Errorf("%s, column %q: %s; %s", b.Where(i), name, what, advice)
		}
	}
	return nil
}

// pipelineRows is the float64 features of every row of b, one slice a
// row, and the report of the values the pipeline had not seen.
func pipelineRows(pl *tabular.Pipeline, b *tabular.Batch) ([][]float64, tabular.TransformReport, error) {
	flat, rep, err := pl.TransformFloat64(b)
	if err != nil {
		return nil, rep, err
	}
	d := len(pl.Features)
	X := make([][]float64, b.Rows)
	for i := range X {
		X[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	return X, rep, nil
}

// numericScaler is a StandardScaler of the first nNumeric columns of X
// (the pipeline's numeric features) that leaves the others, one-hot
// features, as they are (mean 0, deviation 1): scikit-learn's
// ColumnTransformer with StandardScaler on the numeric columns and
// OneHotEncoder on the categorical ones.
func numericScaler(X [][]float64, nNumeric int) (*logreg.Scaler, error) {
	d := len(X[0])
	sc := &logreg.Scaler{Mean: make([]float64, d), Std: make([]float64, d)}
	for j := range sc.Std {
		sc.Std[j] = 1
	}
	if nNumeric == 0 {
		return sc, nil
	}
	num := make([][]float64, len(X))
	for i, row := range X {
		num[i] = row[:nNumeric]
	}
	fit, err := logreg.FitScaler(num)
	if err != nil {
		return nil, err
	}
	copy(sc.Mean, fit.Mean)
	copy(sc.Std, fit.Std)
	return sc, nil
}

// printLogreg prints the fit and its held-out scores: report is the
// classification report, weighted when the scores are.
func printLogreg(w io.Writer, r logregResult, report metrics.Report) {
	fmt.Fprintf(w, "data: %s, target %q: %d classes (%s), %d features\n",
		r.Data, r.Target, len(r.Classes), strings.Join(r.Classes, ", "), len(r.Features))
	if r.Test != "" {
		fmt.Fprintf(w, "split: %d training rows, %d test rows from %s\n", r.NTrain, r.NTest, r.Test)
	} else {
		fmt.Fprintf(w, "split: %d training rows, %d held-out rows\n", r.NTrain, r.NTest)
	}
	if r.Weight != "" {
		fmt.Fprintf(w, "weights: rows weighted by column %q (the fit and the held-out scores)\n", r.Weight)
	}
	if r.ClassWeight != "" {
		scores := "held-out scores unweighted"
		if r.ScoresWeighted {
			scores = "the fit only, not the held-out scores"
		}
		fmt.Fprintf(w, "class weights: %s (%s)\n", describeClassWeights(r), scores)
	}
	penalty := fmt.Sprintf("C=%g", r.C)
	switch r.Penalty {
	case "none":
		penalty = "no penalty"
	case "l1":
		penalty += ", l1 penalty"
	case "elasticnet":
		penalty += fmt.Sprintf(", elastic-net penalty (l1-ratio %g)", *r.L1Ratio)
	}
	fmt.Fprintf(w, "model: logistic regression, %s, %s, tol=%g, max-iter %d\n", r.Multi, penalty, r.Tol, r.MaxIter)
	switch r.CategoricalMissing {
	case "category":
		fmt.Fprintln(w, "missing categorical values: a category of their own, column=nan, where the training rows have one")
	case "most_frequent", "constant":
		var fills []string
		for _, col := range r.Categorical {
			if v, ok := r.CategoryFill[col]; ok {
				fills = append(fills, fmt.Sprintf("%s as %s", col, v))
			}
		}
		// A rule for every column, as SimpleImputer's statistics_, whether
		// or not its training rows missed a value.
		fmt.Fprintf(w, "missing categorical values (%s): a missing %s\n", r.CategoricalMissing, strings.Join(fills, ", "))
	}
	if r.Converged {
		fmt.Fprintf(w, "converged: yes, after %d iterations\n", r.Iterations)
	} else {
		fmt.Fprintf(w, "converged: NO, stopped after %d iterations (try a larger --max-iter or scaled features)\n", r.Iterations)
	}
	if r.ZeroCoefs != nil {
		total := len(r.Coef) * len(r.Features)
		fmt.Fprintf(w, "zero coefficients: %d of %d", *r.ZeroCoefs, total)
		if len(r.Dropped) > 0 {
			what := "features unused (0 for every class)"
			if len(r.Coef) == 1 {
				what = "features unused"
			}
			fmt.Fprintf(w, "; %d %s: %s", len(r.Dropped), what, listClasses(r.Dropped, 20))
		}
		fmt.Fprintln(w)
	}

	if r.Standardized {
		fmt.Fprintln(w, "\ncoefficients (features standardised: per training-set standard deviation):")
	} else {
		fmt.Fprintln(w, "\ncoefficients:")
	}
	// One row per feature and a column per class (as coef_.T): a table a
	// terminal can show at any number of features.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "feature\t")
	for i := range r.Coef {
		name := r.CoefRows[i]
		if len(r.Coef) == 1 {
			name += " (log-odds vs " + r.Classes[0] + ")"
		}
		fmt.Fprintf(tw, "%s\t", name)
	}
	fmt.Fprintln(tw)
	fmt.Fprint(tw, "(intercept)\t")
	for i := range r.Coef {
		fmt.Fprintf(tw, "%.6g\t", r.Intercept[i])
	}
	fmt.Fprintln(tw)
	for j, f := range r.Features {
		fmt.Fprintf(tw, "%s\t", f)
		for i := range r.Coef {
			fmt.Fprintf(tw, "%.6g\t", r.Coef[i][j])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	on := scoredRows(r.EvalOn, r.Test)
	if r.ScoresWeighted {
		correct, total := confusionSums(r.WeightedConfusion)
		fmt.Fprintf(w, "\n%s weighted accuracy: %.4f (weight %.6g of %.6g)\n", on, r.Accuracy, correct, total)
		on += " weighted"
	} else {
		correct, total := confusionSums(r.Confusion)
		fmt.Fprintf(w, "\n%s accuracy: %.4f (%d of %d)\n", on, r.Accuracy, correct, total)
	}
	fmt.Fprintf(w, "%s log loss: %.4f\n", on, r.LogLoss)
	printROCAUC(w, on, r.ROCAUC, r.ROCAUCOVR)
	if r.ScoresWeighted {
		printConfusion(w, r.Classes, r.WeightedConfusion, r.Weight)
		fmt.Fprintf(w, "\nclassification report weighted by column %q (support: sums of weights):\n", r.Weight)
	} else {
		printConfusion(w, r.Classes, r.Confusion, "")
		fmt.Fprintln(w, "\nclassification report:")
	}
	fmt.Fprint(w, report.String())
	for _, p := range r.Plots {
		fmt.Fprintf(w, "wrote %s\n", p)
	}
	if r.Saved != "" {
		fmt.Fprintf(w, "saved the model to %s\n", r.Saved)
	}
}

// logregPlots writes the confusion heat map and, for two features, the
// decision boundary (binary) or decision regions (more classes) over all
// rows.
func logregPlots(prefix string, m *logreg.Model, r logregResult, X [][]float64, y []int) ([]string, error) {
	var paths []string
	cmPath := prefix + "-confusion.png"
	title := fmt.Sprintf("logistic regression: %s (%s rows)", r.Target, r.EvalOn)
	if r.EvalOn == "test" {
		title = fmt.Sprintf("logistic regression: %s (%d held-out rows)", r.Target, r.NTest)
	}
	// The heat map shows the matrix the text prints: sums of weights when
	// the scores are weighted, row counts otherwise.
	if r.WeightedConfusion != nil {
		title = strings.TrimSuffix(title, ")") + fmt.Sprintf(", weighted by column %q)", r.Weight)
		if err := plots.WeightedConfusionHeatmap(cmPath, r.WeightedConfusion, r.Classes, title); err != nil {
			return nil, err
		}
	} else if err := plots.ConfusionHeatmap(cmPath, r.Confusion, r.Classes, title); err != nil {
		return nil, err
	}
	paths = append(paths, cmPath)
	if len(r.Features) != 2 {
		return paths, nil
	}

	bPath := prefix + "-boundary.png"
	// The points are the rows of --data: all of them, or with --test, the
	// training rows (the test file's rows are scored in the heat map).
	title2 := fmt.Sprintf("logistic regression on %s (all %d rows)", r.Target, len(y))
	if r.Test != "" {
		title2 = fmt.Sprintf("logistic regression on %s (%d training rows)", r.Target, len(y))
	}
	opts := plots.BoundaryOptions{
		Title:      title2,
		XLabel:     r.Features[0],
		YLabel:     r.Features[1],
		ClassNames: r.Classes,
	}
	if r.Standardized {
		opts.XLabel += " (standardised)"
		opts.YLabel += " (standardised)"
	}
	if len(r.Classes) == 2 && len(m.Coef()) == 1 {
		// Fit saw both classes (else it fails), so column 1 is class 1.
		proba := func(a, b float64) float64 {
			p, err := m.PredictProba([][]float64{{a, b}})
			if err != nil {
				return math.NaN() // DecisionBoundary reports it
			}
			return p[0][1]
		}
		if err := plots.DecisionBoundaryWith(bPath, X, y, proba, opts); err != nil {
			return nil, err
		}
	} else {
		predict := func(a, b float64) int {
			p, err := m.Predict([][]float64{{a, b}})
			if err != nil {
				return -1 // DecisionRegions reports it
			}
			return p[0]
		}
		if err := plots.DecisionRegions(bPath, X, y, predict, opts); err != nil {
			return nil, err
		}
	}
	return append(paths, bPath), nil
}

// checkClassWeightSpec checks --class-weight's syntax, before any file is
// read: balanced, or CLASS:W pairs with W a finite number from 0 up. The
// classes are checked against the data by classWeights.
func checkClassWeightSpec(spec string) error {
	_, err := parseClassWeightSpec(spec)
	return err
}

// parseClassWeightSpec splits CLASS:W,CLASS:W into class names and
// weights; nil for "" and balanced. A class name is what precedes a
// pair's last colon, trimmed, so a name may itself hold a colon (or an
// '='). A name that holds a comma is written in double quotes, as a CSV
// field is ("bad, debt":3, with "" for a quote inside); the quotes may
// hold any name.
func parseClassWeightSpec(spec string) (map[string]float64, error) {
	if spec == "" || spec == "balanced" {
		return nil, nil
	}
	return parseClassPairs(spec, classWeightSyntax, func(name, ws string) (float64, error) {
		v, err := strconv.ParseFloat(ws, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 1) {
			return 0, fmt.Errorf("class %q: weight %q is not a finite number from 0 up", name, ws)
		}
		return v, nil
	})
}

// classWeights resolves --class-weight's CLASS:W pairs to the classes'
// indices (the labels the model is fitted on); nil for none or balanced.
// A class the target column does not have is an error listing those it
// has.
func classWeights(spec string, classes []string, target, data string) (map[int]float64, error) {
	byName, err := parseClassWeightSpec(spec)
	if err != nil || byName == nil {
		return nil, err
	}
	out := map[int]float64{}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		c := slices.Index(classes, name)
		if c < 0 {
			// Quoted: class names may hold commas and spaces.
			list := strings.Join(quoteAll(classes[:min(len(classes), 20)]), ", ")
			if len(classes) > 20 {
				list += fmt.Sprintf(", … (%d in all)", len(classes))
			}
			return nil, fmt.Errorf("--class-weight: column %q of %s has no class %q; its classes are %s", target, data, name, list)
		}
		out[c] = byName[name]
	}
	return out, nil
}

// logregWeights reads a --weight column of the --data table: a finite
// number from 0 up in every row; a missing or bad one is an error naming
// its line.
func logregWeights(tab *table, name string) ([]float64, error) {
	j, err := tab.column(name)
	if err != nil {
		return nil, fmt.Errorf("--weight: %w", err)
	}
	w := make([]float64, len(tab.rows))
	for r, rec := range tab.rows {
		s := strings.TrimSpace(rec[j])
		if s == "" {
			return nil, fmt.Errorf("--weight %s: %s: line %d: missing weight (an empty cell); every row needs one", name, tab.path, tab.lines[r])
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("--weight %s: %s: line %d: weight %q is not a finite number from 0 up", name, tab.path, tab.lines[r], rec[j])
		}
		w[r] = v
	}
	return w, nil
}

// tableWeights reads the --weight column (col; none when "") of the
// --data table tabs[0] and, when there is one, of the --test file tabs[1]
// (testPath), whose rows may not all weigh 0: the held-out scores are
// weighted. exclude is --exclude with the weight column added, so that it
// is not among the default features. ember logreg's and naivebayes
// --model gaussian's.
func tableWeights(tabs []*table, col, testPath, exclude string) (weights, testWeights []float64, excludeAll string, err error) {
	if col == "" {
		return nil, nil, exclude, nil
	}
	if weights, err = logregWeights(tabs[0], col); err != nil {
		return nil, nil, "", err
	}
	if len(tabs) == 2 {
		if _, err := tabs[1].column(col); err != nil {
			return nil, nil, "", fmt.Errorf("--weight %s: %w (the held-out scores are weighted, so the --test file needs the weight column too)", col, err)
		}
		if testWeights, err = logregWeights(tabs[1], col); err != nil {
			return nil, nil, "", err
		}
		if err := heldOutWeight(testWeights, col, "the rows of "+testPath, "give some rows a weight above 0"); err != nil {
			return nil, nil, "", err
		}
	}
	return weights, testWeights, strings.Join(append(splitList(exclude), col), ","), nil
}

// splitTableRows is the stratified --test-frac split (testFrac, seed) of
// the rows of data, labels y and weights w (nil without --weight), as
// ember logreg and naivebayes --model gaussian make it: the indices, the
// labels and weights of each side, and evalOn "test", or "train" when no
// row is held out (--test-frac 0; the training rows are then scored). A
// split that holds out no row at a testFrac above 0 is an error; warning
// names the classes without a held-out row ("" when none is).
func splitTableRows(y []int, w []float64, classes []string, testFrac float64, seed uint64, target, data string) (
	trainIdx, testIdx, ytr, yte []int, wtr, wte []float64, evalOn, warning string, err error) {
	trainIdx, testIdx = classSplit(y, testFrac, seed)
	if len(testIdx) == 0 && testFrac > 0 {
		err = noRowHeldOut(fmt.Sprintf("--test-frac %v", testFrac), target, len(classes), "row in "+data,
			"--test FILE, or --test-frac 0 to score on the training rows")
		return nil, nil, nil, nil, nil, nil, "", "", err
	}
	ytr, yte = pickInts(y, trainIdx), pickInts(y, testIdx)
	if w != nil {
		wtr, wte = pickFloats(w, trainIdx), pickFloats(w, testIdx)
	}
	evalOn = "test"
	if len(testIdx) == 0 {
		evalOn, yte, wte = "train", ytr, wtr
	} else if none := heldOutMissing(yte, classes); none != nil {
		warning = fmt.Sprintf("no held-out rows of class %s (too few rows to hold one out): the held-out scores say nothing about it", listClasses(none, 6))
	}
	return trainIdx, testIdx, ytr, yte, wtr, wte, evalOn, warning, nil
}

// scoredRows names the rows a table classifier's report scores: held-out,
// test-file (test, the --test file) or training (evalOn "train").
func scoredRows(evalOn, test string) string {
	switch {
	case evalOn == "train":
		return "training (no held-out rows: --test-frac 0)"
	case test != "":
		return "test-file"
	}
	return "held-out"
}

// checkLogregWeights refuses, before the fit and in the flags' terms,
// training-row weights (--weight times a CLASS:W --class-weight) that sum
// beyond float64, to 0, or leave fewer than two classes with weighted
// rows: the fit would have nothing to separate.
func checkLogregWeights(w []float64, y []int, cw map[int]float64, classes []string, col, spec string) error {
	if w == nil && cw == nil {
		return nil
	}
	var sum float64
	weighted := map[int]bool{}
	for i, c := range y {
		v := 1.0
		if w != nil {
			v = w[i]
		}
		if f, ok := cw[c]; ok {
			v *= f
		}
		sum += v
		if v > 0 {
			weighted[c] = true
		}
	}
	var by string
	switch {
	case w != nil && cw != nil:
		by = fmt.Sprintf("--weight %s times --class-weight %s", col, spec)
	case w != nil:
		by = "--weight " + col
	default:
		by = "--class-weight " + spec
	}
	switch {
	case math.IsInf(sum, 1):
		return fmt.Errorf("%s: the training rows' weights sum beyond float64's range (1.8e308); scale them down", by)
	case len(weighted) == 0:
		return fmt.Errorf("%s: every one of the training rows weighs 0", by)
	case len(weighted) == 1:
		var only int
		for c := range weighted {
			only = c
		}
		return fmt.Errorf("%s: of the training rows, only those of class %s weigh more than 0; a classifier needs two classes of weighted rows", by, classes[only])
	}
	return nil
}

// appliedClassWeights is the factor each class's training rows were
// weighted by, for the report: --class-weight's, 1 for the classes it
// leaves out, or balanced's rows / (classes × the class's rows). nil
// without class weights, and for balanced one-vs-rest with more than two
// classes, whose every fit weighs its class against the rest apart.
func appliedClassWeights(m *logreg.Model, y []int, classes []string) map[string]float64 {
	fitted := m.Classes()
	switch {
	case m.ClassWeight != nil:
		out := map[string]float64{}
		for _, c := range fitted {
			out[classes[c]] = 1
			if v, ok := m.ClassWeight[c]; ok {
				out[classes[c]] = v
			}
		}
		return out
	case !m.BalancedClassWeight, len(fitted) > 2 && m.Multi == logreg.OneVsRest:
		return nil
	}
	count := map[int]int{}
	for _, c := range y {
		count[c]++
	}
	out := map[string]float64{}
	for _, c := range fitted {
		out[classes[c]] = float64(len(y)) / (float64(len(fitted)) * float64(count[c]))
	}
	return out
}

// describeClassWeights is the report's line on --class-weight.
func describeClassWeights(r logregResult) string {
	if r.ClassWeights == nil {
		return "balanced within each one-vs-rest fit: its class against the rest, rows / (2 × each side's rows)"
	}
	var parts []string
	for _, c := range r.Classes {
		if v, ok := r.ClassWeights[c]; ok {
			parts = append(parts, fmt.Sprintf("%s ×%.4g", c, v))
		}
	}
	s := strings.Join(parts, ", ")
	if r.ClassWeight == "balanced" {
		s = "balanced: " + s
	}
	return s
}
