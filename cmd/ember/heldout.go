package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/selection"
)

// Held-out scores weighted by --weight, as scikit-learn's metrics score
// with sample_weight: a row of weight 2 counts as two rows, one of weight
// 0 not at all. The scalar scores are package selection's weighted
// metrics (those --cv scores folds with), the confusion matrix and the
// classification report package metrics' weighted ones, with the weights'
// sums where the unweighted ones count rows. Without weights the commands
// keep their unweighted scores, so their output is unchanged.

// reportRows are the JSON summary's rows of a classification report: one
// per class and the macro and weighted averages. Support counts rows; in
// a weighted report (whose precision, recall and F1 are weighted too)
// support_weight is their weight.
func reportRows(r metrics.Report) (classes []jsonClassRow, macro, weighted jsonClassRow) {
	row := func(c metrics.ClassReport) jsonClassRow {
		j := jsonClassRow{Label: c.Label, Precision: c.Precision, Recall: c.Recall, F1: c.F1, Support: c.Support}
		if r.Weighted {
			j.SupportWeight = &c.SupportWeight
		}
		return j
	}
	for _, c := range r.Classes {
		classes = append(classes, row(c))
	}
	return classes, row(r.MacroAvg), row(r.WeightedAvg)
}

// confusionSums sums a confusion matrix, of counts or of weights: the
// rows predicted right (its diagonal) and every row. Their ratio is the
// accuracy, weighted or not.
func confusionSums[T int | float64](cm [][]T) (correct, total T) {
	for t, row := range cm {
		for _, v := range row {
			total += v
		}
		correct += cm[t][t]
	}
	return correct, total
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

// probabilityScores are the log loss of the class probabilities full
// (a column per class, as spreadProba gives them) against y and, for two
// classes, the ROC AUC of the second class's probability, for three or
// more the one-vs-rest ROC AUC (ovrScores), weighted by w when it is not
// nil (scikit-learn's log_loss and roc_auc_score, with sample_weight).
// auc and ovr are nil where undefined, as when y lacks a class.
func probabilityScores(y []int, full [][]float64, w []float64) (logLoss float64, auc *float64, ovr *ovrROCAUC, err error) {
	var p1 []float64
	if len(full) > 0 && len(full[0]) == 2 {
		p1 = make([]float64, len(full))
		for i := range full {
			p1[i] = full[i][1]
		}
	}
	ovr, _ = ovrScores(y, full, w) // undefined, as the binary one can be: left out
	if w == nil {
		logLoss = metrics.LogLoss(y, full)
		if p1 != nil {
			if a, err := metrics.ROCAUC(y, p1); err == nil {
				auc = &a
			}
		}
		return logLoss, auc, ovr, nil
	}
	if logLoss, err = selection.LogLoss.Score(y, slices.Concat(full...), w); err != nil {
		return 0, nil, nil, err
	}
	if p1 != nil {
		if a, err := selection.ROCAUC.Score(y, p1, w); err == nil {
			auc = &a
		}
	}
	return logLoss, auc, ovr, nil
}

// ovrROCAUC is the one-vs-rest ROC AUC of a classifier of three classes
// or more, in both of scikit-learn's averages (roc_auc_score with
// multi_class="ovr"): each class's probability scored against the rest,
// then the classes' mean (macro) and their mean weighted by their rows'
// count or, with --weight, weight (weighted). With --weight a class whose
// rows all weigh 0 has no AUC: the macro mean is then undefined (nil, and
// MacroUndefined says why), while the weighted one, where such a class
// weighs 0, is still defined, as in scikit-learn.
type ovrROCAUC struct {
	Macro          *float64 `json:"macro,omitempty"`
	MacroUndefined string   `json:"macro_undefined,omitempty"` // why Macro is nil
	Weighted       float64  `json:"weighted"`
}

// String is the averages as the reports print them, saying which is
// which: "weighted" alone would read as the rows' --weight.
func (o *ovrROCAUC) String() string {
	macro := "undefined (" + o.MacroUndefined + ")"
	if o.Macro != nil {
		macro = fmt.Sprintf("%.4f (the classes' mean)", *o.Macro)
	}
	return fmt.Sprintf("macro %s, weighted %.4f (by class support)", macro, o.Weighted)
}

// ovrScores is the one-vs-rest ROC AUC of the class probabilities full
// (a column per class) against y, weighted by w when it is not nil: nil
// for fewer than three classes, which have the binary one, and nil with
// metrics' error where it is undefined (a class without rows in y, or
// every row weighing 0). A class whose rows all weigh 0 leaves only the
// macro average undefined (see ovrROCAUC).
func ovrScores(y []int, full [][]float64, w []float64) (*ovrROCAUC, error) {
	if len(full) == 0 || len(full[0]) < 3 {
		return nil, nil
	}
	if w == nil {
		macro, err := metrics.MultiClassROCAUC(y, full, metrics.MacroAverage)
		if err != nil {
			return nil, err
		}
		weighted, err := metrics.MultiClassROCAUC(y, full, metrics.WeightedAverage)
		if err != nil {
			return nil, err
		}
		return &ovrROCAUC{Macro: &macro, Weighted: weighted}, nil
	}
	weighted, err := metrics.WeightedMultiClassROCAUC(y, full, w, metrics.WeightedAverage)
	if err != nil {
		return nil, err
	}
	o := &ovrROCAUC{Weighted: weighted}
	macro, err := metrics.WeightedMultiClassROCAUC(y, full, w, metrics.MacroAverage)
	if err != nil {
		// The weighted average is defined, so every class has rows
		// and some weigh more than 0: a class's weigh 0 in all.
		o.MacroUndefined = "a class's rows all weigh 0, so it has no AUC"
		return o, nil
	}
	o.Macro = &macro
	return o, nil
}

// printProbabilityScores prints probabilityScores' figures, on naming the
// rows scored as the accuracy line does ("held-out"), without its
// parenthesis, which the accuracy line has said.
func printProbabilityScores(w io.Writer, on string, logLoss float64, auc *float64, ovr *ovrROCAUC) {
	if i := strings.Index(on, " ("); i >= 0 {
		if j := strings.Index(on[i:], ")"); j >= 0 {
			on = on[:i] + on[i+j+1:]
		}
	}
	fmt.Fprintf(w, "%s log loss: %.4f\n", on, logLoss)
	printROCAUC(w, on, auc, ovr)
}

// printROCAUC prints the ROC AUC line of the rows on names: a two-class
// model's auc, or a model of more classes' one-vs-rest ovr; nothing when
// neither is defined.
func printROCAUC(w io.Writer, on string, auc *float64, ovr *ovrROCAUC) {
	switch {
	case auc != nil:
		fmt.Fprintf(w, "%s ROC AUC: %.4f\n", on, *auc)
	case ovr != nil:
		fmt.Fprintf(w, "%s ROC AUC, one-vs-rest: %s\n", on, ovr)
	}
}

// classificationReport is the report of predictions pred against y: with
// weights w (not nil) scikit-learn's with sample_weight, and the confusion
// matrix of their sums beside it (nil without weights).
func classificationReport(y, pred []int, w []float64, classes []string) (metrics.Report, [][]float64) {
	if w == nil {
		return metrics.Classification(y, pred, classes), nil
	}
	return metrics.WeightedClassification(y, pred, w, classes), metrics.WeightedConfusionMatrix(y, pred, w, len(classes))
}
