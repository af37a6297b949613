package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/selection"
)

// Held-out scores weighted by --weight, as scikit-learn's metrics score
// with sample_weight: a row of weight 2 counts as two rows, one of weight
// 0 not at all. The scalar scores are package selection's weighted
// metrics (those --cv scores folds with); the confusion matrix and the
// classification report are here, with the weights' sums where the
// unweighted ones count rows. Without weights the commands keep their
// unweighted code, so their output is unchanged.

// weightedConfusion is sklearn's confusion_matrix(y, pred,
// labels=range(k), sample_weight=w): the sum of the weights of the rows of
// true class t predicted as p, cm[t][p]. Labels outside 0..k−1 are left
// out, as metrics.ConfusionMatrix leaves them out.
func weightedConfusion(y, pred []int, w []float64, k int) [][]float64 {
	flat := make([]float64, k*k)
	cm := make([][]float64, k)
	for i := range cm {
		cm[i] = flat[i*k : (i+1)*k : (i+1)*k]
	}
	for i, t := range y {
		if p := pred[i]; t >= 0 && t < k && p >= 0 && p < k {
			cm[t][p] += w[i]
		}
	}
	return cm
}

// weightedAccuracy sums a weighted confusion matrix: the weight of the
// rows predicted right (its diagonal) and that of every row. Their ratio
// is sklearn's accuracy_score(y, pred, sample_weight=w).
func weightedAccuracy(cm [][]float64) (correct, total float64) {
	for t, row := range cm {
		for _, v := range row {
			total += v
		}
		correct += cm[t][t]
	}
	return correct, total
}

// weightedClassRow is one row of a weighted classification report: its
// Support is the weight of the class's true rows (of every row, in the
// averaged rows).
type weightedClassRow struct {
	Label                          string
	Precision, Recall, F1, Support float64
}

// weightedReport is sklearn's classification_report(y, pred,
// sample_weight=w) as a value: per class precision, recall and F1 of the
// weighted confusion matrix (a ratio whose denominator weighs 0 is 0, as
// with zero_division=0), the weighted accuracy, and the macro and the
// support-weighted averages.
type weightedReport struct {
	Classes               []weightedClassRow
	Accuracy              float64
	MacroAvg, WeightedAvg weightedClassRow
	Total                 float64 // the weight of every row scored
	Notes                 []string
}

// weightedClassification is the weighted report of classes 0..len(labels)−1
// from their weighted confusion matrix cm (weightedConfusion's).
func weightedClassification(cm [][]float64, labels []string) weightedReport {
	n := len(labels)
	predicted := make([]float64, n)
	for t := range n {
		for p := range n {
			predicted[p] += cm[t][p]
		}
	}
	correct, total := weightedAccuracy(cm)
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	r := weightedReport{Classes: make([]weightedClassRow, n), Total: total, Accuracy: div(correct, total)}
	r.MacroAvg = weightedClassRow{Label: "macro avg", Support: total}
	r.WeightedAvg = weightedClassRow{Label: "weighted avg", Support: total}
	var unpredicted, absent []string
	for c := range n {
		var support float64
		for p := range n {
			support += cm[c][p]
		}
		row := weightedClassRow{Label: labels[c], Precision: div(cm[c][c], predicted[c]), Recall: div(cm[c][c], support), Support: support}
		if s := row.Precision + row.Recall; s > 0 {
			row.F1 = 2 * row.Precision * row.Recall / s
		}
		r.Classes[c] = row
		r.MacroAvg.Precision += row.Precision / float64(n)
		r.MacroAvg.Recall += row.Recall / float64(n)
		r.MacroAvg.F1 += row.F1 / float64(n)
		share := div(support, total)
		r.WeightedAvg.Precision += share * row.Precision
		r.WeightedAvg.Recall += share * row.Recall
		r.WeightedAvg.F1 += share * row.F1
		if predicted[c] == 0 {
			unpredicted = append(unpredicted, labels[c])
		}
		if support == 0 {
			absent = append(absent, labels[c])
		}
	}
	if len(unpredicted) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("precision is ill-defined for %s (never predicted in a row of weight above 0) and reported as 0, as scikit-learn does (zero_division=0)",
			strings.Join(unpredicted, ", ")))
	}
	if len(absent) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("recall is ill-defined for %s (no true rows of weight above 0) and reported as 0, as scikit-learn does (zero_division=0)",
			strings.Join(absent, ", ")))
	}
	return r
}

// String lays the report out as metrics.Report's String does, the support
// a sum of weights.
func (r weightedReport) String() string {
	const digits = 2
	width := len("weighted avg")
	for _, c := range r.Classes {
		width = max(width, len(c.Label))
	}
	var b []byte
	b = fmt.Appendf(b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	row := func(c weightedClassRow) {
		b = fmt.Appendf(b, "%*s  %9.*f %9.*f %9.*f %9.6g\n", width, c.Label,
			digits, c.Precision, digits, c.Recall, digits, c.F1, c.Support)
	}
	for _, c := range r.Classes {
		row(c)
	}
	b = append(b, '\n')
	b = fmt.Appendf(b, "%*s  %9s %9s %9.*f %9.6g\n", width, "accuracy", "", "", digits, r.Accuracy, r.Total)
	row(r.MacroAvg)
	row(r.WeightedAvg)
	for _, n := range r.Notes {
		b = fmt.Appendf(b, "note: %s\n", n)
	}
	return string(b)
}

// weightedRows are the JSON report's rows of a weighted report: precision,
// recall and F1 weighted, support the rows counted (from counts, the
// unweighted report of the same rows) and support_weight their weight.
func weightedRows(r weightedReport, counts metrics.Report) (classes []jsonClassRow, macro, weighted jsonClassRow) {
	row := func(w weightedClassRow, n int) jsonClassRow {
		s := w.Support
		return jsonClassRow{Label: w.Label, Precision: w.Precision, Recall: w.Recall, F1: w.F1, Support: n, SupportWeight: &s}
	}
	for c, w := range r.Classes {
		classes = append(classes, row(w, counts.Classes[c].Support))
	}
	return classes, row(r.MacroAvg, counts.Total), row(r.WeightedAvg, counts.Total)
}

// classRow is a report row as the JSON summaries give it.
func classRow(r metrics.ClassReport) jsonClassRow {
	return jsonClassRow{Label: r.Label, Precision: r.Precision, Recall: r.Recall, F1: r.F1, Support: r.Support}
}

// printWeightedConfusion prints a weighted confusion matrix as
// printConfusion prints counts, its header saying the cells are sums of
// the weights of column col.
func printWeightedConfusion(w io.Writer, classes []string, cm [][]float64, col string) {
	fmt.Fprintf(w, "\nconfusion matrix weighted by column %q (sums of weights; rows: true class, columns: predicted):\n", col)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, c := range classes {
		fmt.Fprintf(tw, "%s\t", c)
	}
	fmt.Fprintln(tw)
	for i, row := range cm {
		fmt.Fprintf(tw, "%s\t", classes[i])
		for _, v := range row {
			fmt.Fprintf(tw, "%.6g\t", v)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// regressionScores are a gbt regressor's held-out RMSE and mean deviance
// (name "" for an objective with none beyond RMSE) of predictions mu
// against y, weighted by w when it is not nil (sklearn's
// mean_squared_error(squared=False) and mean_*_deviance with
// sample_weight).
func regressionScores(m *gbt.Model, y, mu, w []float64) (rmse float64, name string, dev float64, err error) {
	if w == nil {
		var sse float64
		for i, v := range mu {
			sse += (v - y[i]) * (v - y[i])
		}
		name, dev = meanDeviance(m, y, mu)
		return math.Sqrt(sse / float64(len(mu))), name, dev, nil
	}
	if rmse, err = selection.RMSE.ScoreValues(y, mu, w); err != nil {
		return 0, "", 0, err
	}
	name, unit := devianceUnit(m)
	if name != "" {
		if dev, err = selection.MeanLoss(name, unit).ScoreValues(y, mu, w); err != nil {
			return 0, "", 0, err
		}
	}
	return rmse, name, dev, nil
}

// heldOutWeight checks that the rows scored (held out, or the training
// rows with --test-frac 0) do not all weigh 0, which leaves their weighted
// scores undefined; where says which rows they are and fix what to do.
func heldOutWeight(w []float64, col, where, fix string) error {
	return scoredWeight(w, col, where, "the weighted held-out scores are", fix)
}

// scoredWeight checks that rows to be scored, of weights w, do not all
// weigh 0, which leaves scores undefined; where says which rows they are,
// scores which scores (a plural subject) and fix what to do.
func scoredWeight(w []float64, col, where, scores, fix string) error {
	for _, v := range w {
		if v > 0 {
			return nil
		}
	}
	return fmt.Errorf("--weight %s: every one of %s weighs 0, so %s undefined: %s", col, where, scores, fix)
}
