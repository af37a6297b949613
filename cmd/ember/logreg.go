package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/plots"
)

func init() {
	register("logreg", "fit logistic regression to a CSV/TSV file and score it on a held-out split", runLogreg)
}

// logregResult is the --json summary, one object on the last line.
type logregResult struct {
	Data         string         `json:"data"`
	Target       string         `json:"target"`
	Features     []string       `json:"features"`
	Standardized bool           `json:"standardized"`
	Classes      []string       `json:"classes"`
	Multi        string         `json:"multi"`
	C            float64        `json:"C"`
	Tol          float64        `json:"tol"`
	MaxIter      int            `json:"max_iter"`
	Converged    bool           `json:"converged"`
	Iterations   int            `json:"iterations"`
	Coef         [][]float64    `json:"coef"`
	Intercept    []float64      `json:"intercept"`
	CoefRows     []string       `json:"coef_rows"` // the class each coef row belongs to
	NTrain       int            `json:"n_train"`
	NTest        int            `json:"n_test"`
	EvalOn       string         `json:"eval_on"` // "test" or "train" (with --test-frac 0)
	Accuracy     float64        `json:"accuracy"`
	LogLoss      float64        `json:"log_loss"`
	ROCAUC       *float64       `json:"roc_auc,omitempty"` // binary targets only
	Confusion    [][]int        `json:"confusion"`
	Report       []jsonClassRow `json:"report"`
	MacroAvg     jsonClassRow   `json:"macro_avg"`
	Weighted     jsonClassRow   `json:"weighted_avg"`
	Plots        []string       `json:"plots,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
}

type jsonClassRow struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

func runLogreg(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("logreg", stderr,
		"usage: ember logreg --data FILE --target COLUMN [options]\n"+
			"\nFits L2-regularised logistic regression (as scikit-learn's LogisticRegression)\n"+
			"and reports coefficients, convergence, and held-out accuracy, confusion matrix\n"+
			"and classification report.\n\noptions:\n")
	data := fs.String("data", "", "CSV or TSV `file` with a header row (required)")
	target := fs.String("target", "", "`column` holding the class labels (required)")
	features := fs.String("features", "", "comma-separated feature `columns` (default: every other column)")
	c := fs.Float64("C", 1.0, "inverse L2 regularisation strength (larger = weaker penalty)")
	multi := fs.String("multi", "auto", "multi-class scheme: auto, multinomial or ovr")
	maxIter := fs.Int("max-iter", 100, "L-BFGS iteration limit")
	tol := fs.Float64("tol", 1e-4, "stop when the largest gradient component is below this")
	testFrac := fs.Float64("test-frac", 0.25, "fraction of rows held out for scoring (0: score on the training rows)")
	seed := fs.Uint64("seed", 1, "random seed for the train/test shuffle")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	standardize := fs.Bool("standardize", false, "scale each feature to mean 0, standard deviation 1 (statistics from the training rows), as sklearn's StandardScaler; coefficients are then per standard deviation")
	plotPrefix := fs.String("plot", "", "write `PREFIX`-confusion.png, and PREFIX-boundary.png when there are exactly two features")
	if help, err := parseFlags(fs, args, "options go before it?"); help || err != nil {
		return err
	}
	if *data == "" || *target == "" {
		fs.Usage()
		return errors.New("--data and --target are required")
	}
	if !(*testFrac >= 0 && *testFrac < 1) {
		return fmt.Errorf("--test-frac must be in [0, 1), got %v", *testFrac)
	}

	tab, err := readTable(*data)
	if err != nil {
		return err
	}
	y, classes, err := tab.labels(*target)
	if err != nil {
		return err
	}
	if len(classes) < 2 {
		return fmt.Errorf("%s: column %q has a single class (%q); logistic regression needs at least two", *data, *target, classes[0])
	}
	featNames, X, err := featureMatrix(tab, *data, *features, *target)
	if err != nil {
		return err
	}

	trainIdx, testIdx := splitRows(len(y), *testFrac, *seed)
	if *testFrac > 0 && len(trainIdx) == 0 {
		return fmt.Errorf("--test-frac %v leaves no training rows out of %d", *testFrac, len(y))
	}
	Xtr, ytr := pick(X, y, trainIdx)
	evalOn := "test"
	Xte, yte := pick(X, y, testIdx)
	if len(testIdx) == 0 {
		evalOn, Xte, yte = "train", Xtr, ytr
	}

	if *standardize {
		// Statistics from the training rows only, so nothing about the
		// held-out rows leaks into the model.
		mean, std := columnStats(Xtr)
		X = standardized(X, mean, std)
		Xtr, ytr = pick(X, y, trainIdx)
		Xte, yte = pick(X, y, testIdx)
		if len(testIdx) == 0 {
			Xte, yte = Xtr, ytr
		}
	}

	m := logreg.New()
	m.C, m.MaxIter, m.Tol, m.Multi = *c, *maxIter, *tol, logreg.MultiClass(*multi)
	var warnings []string
	if err := m.Fit(Xtr, ytr); err != nil {
		var ce *logreg.ConvergenceError
		if !errors.As(err, &ce) {
			if strings.Contains(err.Error(), "single class") {
				return fmt.Errorf("the training split has a single class (%s); use more data or a smaller --test-frac: %w", classes[ytr[0]], err)
			}
			return err
		}
		// Like sklearn's ConvergenceWarning: report, keep the fit.
		warnings = append(warnings, err.Error())
		fmt.Fprintf(stderr, "warning: %v\n", err)
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
	full := make([][]float64, len(proba))
	for i, p := range proba {
		full[i] = make([]float64, len(classes))
		for k, cl := range m.Classes() {
			full[i][cl] = p[k]
		}
	}

	res := logregResult{
		Data: *data, Target: *target, Features: featNames, Classes: classes, Standardized: *standardize,
		Multi: schemeName(m, len(classes)), C: m.C, Tol: m.Tol, MaxIter: m.MaxIter,
		Converged: m.Converged, Iterations: m.Iterations,
		Coef: m.Coef(), Intercept: m.Intercept(),
		NTrain: len(ytr), NTest: len(testIdx), EvalOn: evalOn,
		Accuracy:  metrics.Accuracy(yte, pred),
		LogLoss:   metrics.LogLoss(yte, full),
		Confusion: metrics.ConfusionMatrix(yte, pred, len(classes)),
		Warnings:  warnings,
	}
	mc := m.Classes()
	if len(res.Coef) == 1 {
		res.CoefRows = []string{classes[mc[1]]}
	} else {
		for _, cl := range mc {
			res.CoefRows = append(res.CoefRows, classes[cl])
		}
	}
	if len(classes) == 2 {
		p1 := make([]float64, len(full))
		for i := range full {
			p1[i] = full[i][1]
		}
		if auc, err := metrics.ROCAUC(yte, p1); err == nil {
			res.ROCAUC = &auc
		}
	}
	report := metrics.Classification(yte, pred, classes)
	for _, r := range report.Classes {
		res.Report = append(res.Report, jsonClassRow(r))
	}
	res.MacroAvg, res.Weighted = jsonClassRow(report.MacroAvg), jsonClassRow(report.WeightedAvg)

	if *plotPrefix != "" {
		paths, err := logregPlots(*plotPrefix, m, res, X, y)
		if err != nil {
			return err
		}
		res.Plots = paths
	}

	printLogreg(stdout, res, report)
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
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

// columnStats returns each column's mean and standard deviation
// (population, as StandardScaler); a constant column gets 1 so that
// scaling leaves it at zero instead of dividing by zero.
func columnStats(X [][]float64) (mean, std []float64) {
	d := len(X[0])
	mean, std = make([]float64, d), make([]float64, d)
	for _, row := range X {
		for j, v := range row {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(len(X))
	}
	for _, row := range X {
		for j, v := range row {
			std[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(len(X)))
		if std[j] == 0 {
			std[j] = 1
		}
	}
	return mean, std
}

func standardized(X [][]float64, mean, std []float64) [][]float64 {
	out := make([][]float64, len(X))
	for i, row := range X {
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = (v - mean[j]) / std[j]
		}
	}
	return out
}

func pick(X [][]float64, y []int, idx []int) ([][]float64, []int) {
	xs, ys := make([][]float64, len(idx)), make([]int, len(idx))
	for i, j := range idx {
		xs[i], ys[i] = X[j], y[j]
	}
	return xs, ys
}

func printLogreg(w io.Writer, r logregResult, report metrics.Report) {
	fmt.Fprintf(w, "data: %s, target %q: %d classes (%s), %d features\n",
		r.Data, r.Target, len(r.Classes), strings.Join(r.Classes, ", "), len(r.Features))
	fmt.Fprintf(w, "split: %d training rows, %d held-out rows\n", r.NTrain, r.NTest)
	fmt.Fprintf(w, "model: logistic regression, %s, C=%g, tol=%g, max-iter %d\n", r.Multi, r.C, r.Tol, r.MaxIter)
	if r.Converged {
		fmt.Fprintf(w, "converged: yes, after %d iterations\n", r.Iterations)
	} else {
		fmt.Fprintf(w, "converged: NO, stopped after %d iterations (try a larger --max-iter or scaled features)\n", r.Iterations)
	}

	if r.Standardized {
		fmt.Fprintln(w, "\ncoefficients (features standardised: per training-set standard deviation):")
	} else {
		fmt.Fprintln(w, "\ncoefficients:")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "class\tintercept\t")
	for _, f := range r.Features {
		fmt.Fprintf(tw, "%s\t", f)
	}
	fmt.Fprintln(tw)
	for i, row := range r.Coef {
		name := r.CoefRows[i]
		if len(r.Coef) == 1 {
			name += " (log-odds vs " + r.Classes[0] + ")"
		}
		fmt.Fprintf(tw, "%s\t%.6g\t", name, r.Intercept[i])
		for _, v := range row {
			fmt.Fprintf(tw, "%.6g\t", v)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	on := "held-out"
	if r.EvalOn == "train" {
		on = "training (no held-out rows: --test-frac 0)"
	}
	correct := 0
	for i := range r.Confusion {
		correct += r.Confusion[i][i]
	}
	fmt.Fprintf(w, "\n%s accuracy: %.4f (%d of %d)\n", on, r.Accuracy, correct, report.Total)
	fmt.Fprintf(w, "%s log loss: %.4f\n", on, r.LogLoss)
	if r.ROCAUC != nil {
		fmt.Fprintf(w, "%s ROC AUC: %.4f\n", on, *r.ROCAUC)
	}

	printConfusion(w, r.Classes, r.Confusion)

	fmt.Fprintln(w, "\nclassification report:")
	fmt.Fprint(w, report.String())
	for _, p := range r.Plots {
		fmt.Fprintf(w, "wrote %s\n", p)
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
	if err := plots.ConfusionHeatmap(cmPath, r.Confusion, r.Classes, title); err != nil {
		return nil, err
	}
	paths = append(paths, cmPath)
	if len(r.Features) != 2 {
		return paths, nil
	}

	bPath := prefix + "-boundary.png"
	opts := plots.BoundaryOptions{
		Title:      fmt.Sprintf("logistic regression on %s (all %d rows)", r.Target, len(y)),
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
