// Package metrics scores classifiers the way scikit-learn's sklearn.metrics
// does: accuracy, confusion matrices, per-class precision/recall/F1 reports,
// ROC AUC and the ROC curve, average precision and the precision-recall
// curve, and log loss; the one-vs-rest ROC AUC of three classes or more,
// macro or weighted (MultiClassROCAUC); and rankings as XGBoost scores
// them: NDCG and MAP, at k or over whole queries (RankMetric; see
// ranking.go for how its gains differ from sklearn's ndcg_score).
//
// WeightedConfusionMatrix, WeightedClassification, WeightedROCAUC and
// WeightedMultiClassROCAUC take scikit-learn's sample_weight: a sample of
// weight 2 counts as two samples, one of weight 0 as none. A weighted
// Report is laid out as an unweighted one, its support the sums of the
// weights.
//
// Class labels are small non-negative integers 0..nClasses-1 (a model's class
// indices). The functions follow scikit-learn's conventions, including its
// zero-division rule: a ratio whose denominator is zero (precision of a class
// never predicted, recall of a class with no samples) is 0, and a Report
// notes which (Report.Notes), where scikit-learn warns.
//
// Functions without an error result never panic on bad input. Instead they
// return NaN (scores), nil (matrices and per-row slices) or an empty Report,
// as each one's documentation says, so a bad call shows up as an obviously
// wrong figure.
// Use CheckLabels first when you want an error that says what is wrong.
package metrics

import (
	"fmt"
	"math"
	"strings"
)

// CheckLabels reports, as an error naming the first offending position, why
// yTrue and yPred cannot be scored together: different lengths, no samples,
// or (when nClasses > 0) a label outside 0..nClasses-1.
func CheckLabels(yTrue, yPred []int, nClasses int) error {
	if len(yTrue) != len(yPred) {
		return fmt.Errorf("metrics: yTrue has %d labels but yPred has %d", len(yTrue), len(yPred))
	}
	if len(yTrue) == 0 {
		return fmt.Errorf("metrics: no samples")
	}
	if nClasses <= 0 {
		return nil
	}
	for i := range yTrue {
		if yTrue[i] < 0 || yTrue[i] >= nClasses {
			return fmt.Errorf("metrics: yTrue[%d] = %d is not a class in 0..%d", i, yTrue[i], nClasses-1)
		}
		if yPred[i] < 0 || yPred[i] >= nClasses {
			return fmt.Errorf("metrics: yPred[%d] = %d is not a class in 0..%d", i, yPred[i], nClasses-1)
		}
	}
	return nil
}

// Accuracy is the fraction of positions where yPred equals yTrue
// (sklearn.metrics.accuracy_score). It is NaN when the slices are empty or
// of different lengths.
func Accuracy(yTrue, yPred []int) float64 {
	if len(yTrue) != len(yPred) || len(yTrue) == 0 {
		return math.NaN()
	}
	correct := 0
	for i, t := range yTrue {
		if t == yPred[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(yTrue))
}

// ConfusionMatrix counts samples by true class (row) and predicted class
// (column): cm[t][p], as sklearn.metrics.confusion_matrix with
// labels=range(nClasses). Pairs with a label outside 0..nClasses-1 are left
// out, as sklearn leaves out labels not in its labels argument. It returns nil
// when the lengths differ or nClasses < 1.
func ConfusionMatrix(yTrue, yPred []int, nClasses int) [][]int {
	return confusionMatrix[int](yTrue, yPred, nil, nClasses)
}

// WeightedConfusionMatrix is ConfusionMatrix with sample weights, as
// sklearn.metrics.confusion_matrix with sample_weight=w: cm[t][p] is the
// sum of the weights of the samples of true class t predicted as p, so a
// sample of weight 2 counts as two samples and one of weight 0 as none.
// Weights are used as given (a NaN weight makes its cell NaN). It returns
// nil when the lengths of yTrue, yPred and w differ or nClasses < 1.
func WeightedConfusionMatrix(yTrue, yPred []int, w []float64, nClasses int) [][]float64 {
	if len(w) != len(yTrue) {
		return nil
	}
	return confusionMatrix[float64](yTrue, yPred, w, nClasses)
}

// confusionMatrix is ConfusionMatrix with each sample counted as w[i], or
// as 1 when w is nil.
func confusionMatrix[T int | float64](yTrue, yPred []int, w []float64, nClasses int) [][]T {
	if len(yTrue) != len(yPred) || nClasses < 1 {
		return nil
	}
	// One backing array keeps the matrix contiguous and cheap to allocate.
	flat := make([]T, nClasses*nClasses)
	cm := make([][]T, nClasses)
	for i := range cm {
		cm[i] = flat[i*nClasses : (i+1)*nClasses : (i+1)*nClasses]
	}
	for i, t := range yTrue {
		p := yPred[i]
		if t < 0 || t >= nClasses || p < 0 || p >= nClasses {
			continue
		}
		if w == nil {
			cm[t][p]++
		} else {
			cm[t][p] += T(w[i])
		}
	}
	return cm
}

// ClassReport holds one row of a classification report: a class's
// precision, recall and F1 score and how many samples truly belong to it. For
// the averaged rows Support is the total number of samples.
type ClassReport struct {
	Label     string
	Precision float64
	Recall    float64
	F1        float64
	Support   int
	// SupportWeight is the weight of the samples counted in Support, in a
	// report of WeightedClassification; 0 in one of Classification.
	SupportWeight float64
}

// Report is sklearn.metrics.classification_report as a value: one row per
// class, the overall accuracy, and the macro (unweighted) and weighted (by
// support) averages of the per-class scores.
//
// A report of WeightedClassification (Weighted true) is
// classification_report with sample_weight: its scores are those of the
// weighted confusion matrix, its rows' SupportWeight and its TotalWeight
// the weights summed where Support and Total count samples, and String
// prints those sums as the support.
type Report struct {
	Classes     []ClassReport
	Accuracy    float64
	MacroAvg    ClassReport
	WeightedAvg ClassReport
	Total       int
	// Weighted says the report weighs its samples (WeightedClassification),
	// and TotalWeight is then the weight of the Total samples.
	Weighted    bool
	TotalWeight float64
	// Notes say which scores are ill-defined (a class never predicted has
	// no precision, one that never occurs no recall) and were reported as
	// 0, where scikit-learn warns (UndefinedMetricWarning); String prints
	// them under the table.
	Notes []string
}

// Classification computes the classification report for classes
// 0..len(labels)-1, named by labels. With nil labels the classes are
// 0..max(label) and are named by their numbers. Every class gets a row, even
// one that neither occurs nor is predicted (its scores are 0, as sklearn
// reports with zero_division=0).
//
// Samples whose true or predicted label is outside the classes are not
// counted in any row; Accuracy and Total cover only the samples inside, and
// a note says how many were left out. When none is inside, Accuracy and the
// averages are NaN. When the lengths differ or there are no samples, the
// report has no classes and a NaN accuracy.
func Classification(yTrue, yPred []int, labels []string) Report {
	return classification(yTrue, yPred, nil, labels)
}

// WeightedClassification is Classification with sample weights, as
// sklearn.metrics.classification_report with sample_weight=w: precision,
// recall, F1 and accuracy are those of WeightedConfusionMatrix, so a
// sample of weight 2 scores as two samples and one of weight 0 as none,
// and the weighted average weighs each class by the weight of its
// samples. Each row counts its samples (Support) and sums their weights
// (SupportWeight); Weighted is true.
//
// A class whose samples all weigh 0 has no recall, one predicted only for
// samples of weight 0 no precision: they are 0 and noted, as in
// Classification. When every sample inside the classes weighs 0, Accuracy
// and the averages are NaN. When the lengths of yTrue, yPred and w differ
// or there are no samples, the report has no classes and a NaN accuracy.
func WeightedClassification(yTrue, yPred []int, w []float64, labels []string) Report {
	if len(w) != len(yTrue) || len(yTrue) == 0 {
		return badReport(true)
	}
	return classification(yTrue, yPred, w, labels)
}

// classification is Classification, weighted by w unless w is nil (then
// empty only when yTrue is).
func classification(yTrue, yPred []int, w []float64, labels []string) Report {
	weighted := w != nil
	if len(yTrue) != len(yPred) || len(yTrue) == 0 {
		return badReport(weighted)
	}
	if labels == nil {
		maxLabel := -1
		for i := range yTrue {
			maxLabel = max(maxLabel, yTrue[i], yPred[i])
		}
		for c := 0; c <= maxLabel; c++ {
			labels = append(labels, fmt.Sprint(c))
		}
	}
	counts := ConfusionMatrix(yTrue, yPred, len(labels))
	if counts == nil {
		return badReport(weighted)
	}
	var r Report
	if weighted {
		r = scoreConfusion(WeightedConfusionMatrix(yTrue, yPred, w, len(labels)), labels)
	} else {
		r = scoreConfusion(counts, labels)
	}
	// Support counts samples, weighted or not.
	for c := range r.Classes {
		for _, v := range counts[c] {
			r.Classes[c].Support += v
		}
		r.Total += r.Classes[c].Support
	}
	r.MacroAvg.Support, r.WeightedAvg.Support = r.Total, r.Total
	if left := len(yTrue) - r.Total; left > 0 {
		verb := "were"
		if left == 1 {
			verb = "was"
		}
		r.Notes = append([]string{fmt.Sprintf("%s with labels outside the %s %s left out",
			plural(left, "sample"), plural(len(labels), "class"), verb)}, r.Notes...)
	}
	return r
}

// scoreConfusion is the report of confusion matrix cm (counts or sums of
// weights) of the classes named by labels, less its Support and Total
// counts: the scores, the weights when T is float64, and the notes on
// ill-defined scores.
func scoreConfusion[T int | float64](cm [][]T, labels []string) Report {
	n := len(labels)
	predicted := make([]T, n) // column sums: how much each class was predicted
	var total, correct T
	for t := range n {
		for p := range n {
			predicted[p] += cm[t][p]
			total += cm[t][p]
		}
		correct += cm[t][t]
	}
	_, weighted := any(total).(float64) // sums of weights, not counts
	r := Report{Classes: make([]ClassReport, n), Weighted: weighted}
	if weighted {
		r.TotalWeight = float64(total)
	}
	if total == 0 {
		// Nothing was scored: like an empty input, no figure is meaningful,
		// and the per-class zero-division notes would only repeat that.
		for c := range n {
			r.Classes[c].Label = labels[c]
		}
		r.Accuracy = math.NaN()
		r.MacroAvg, r.WeightedAvg = nanRow("macro avg"), nanRow("weighted avg")
		return r
	}

	macro := ClassReport{Label: "macro avg", SupportWeight: r.TotalWeight}
	weightedAvg := ClassReport{Label: "weighted avg", SupportWeight: r.TotalWeight}
	var unpredicted, absent []string
	for c := range n {
		var support T
		for p := range n {
			support += cm[c][p]
		}
		tp := cm[c][c]
		row := ClassReport{
			Label:     labels[c],
			Precision: ratio(tp, predicted[c]),
			Recall:    ratio(tp, support),
		}
		if weighted {
			row.SupportWeight = float64(support)
		}
		if s := row.Precision + row.Recall; s > 0 {
			row.F1 = 2 * row.Precision * row.Recall / s
		}
		r.Classes[c] = row

		macro.Precision += row.Precision / float64(n)
		macro.Recall += row.Recall / float64(n)
		macro.F1 += row.F1 / float64(n)
		share := float64(support) / float64(total)
		weightedAvg.Precision += share * row.Precision
		weightedAvg.Recall += share * row.Recall
		weightedAvg.F1 += share * row.F1
		if predicted[c] == 0 {
			unpredicted = append(unpredicted, labels[c])
		}
		if support == 0 {
			absent = append(absent, labels[c])
		}
	}
	r.Accuracy = ratio(correct, total)
	r.MacroAvg, r.WeightedAvg = macro, weightedAvg
	never, none := "never predicted", "no true samples"
	if weighted {
		never, none = "never predicted in a row of weight above 0", "no true rows of weight above 0"
	}
	if len(unpredicted) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("precision is ill-defined for %s (%s) and reported as 0, as scikit-learn does (zero_division=0)",
			strings.Join(unpredicted, ", "), never))
	}
	if len(absent) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("recall is ill-defined for %s (%s) and reported as 0, as scikit-learn does (zero_division=0)",
			strings.Join(absent, ", "), none))
	}
	return r
}

// badReport is the report of input that cannot be scored: no classes and
// NaN scores.
func badReport(weighted bool) Report {
	return Report{Accuracy: math.NaN(), MacroAvg: nanRow("macro avg"), WeightedAvg: nanRow("weighted avg"), Weighted: weighted}
}

// plural is n and noun, in the plural unless n is 1 ("1 class", "3 classes").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ratio is num/den with scikit-learn's zero_division=0 convention.
func ratio[T int | float64](num, den T) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

func nanRow(label string) ClassReport {
	nan := math.NaN()
	return ClassReport{Label: label, Precision: nan, Recall: nan, F1: nan}
}

// String lays the report out as sklearn.metrics.classification_report does
// (digits=2): a header, one row per class, then accuracy, macro avg and
// weighted avg, right-aligned in 9-character columns. The support of a
// weighted report is the sum of the weights, printed with up to 6
// significant digits.
func (r Report) String() string {
	const digits = 2
	width := len("weighted avg")
	for _, c := range r.Classes {
		width = max(width, len(c.Label))
	}
	support := func(n int, weight float64) string {
		if r.Weighted {
			return fmt.Sprintf("%9.6g", weight)
		}
		return fmt.Sprintf("%9d", n)
	}
	var b []byte
	b = fmt.Appendf(b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	row := func(c ClassReport) {
		b = fmt.Appendf(b, "%*s  %9.*f %9.*f %9.*f %s\n", width, c.Label,
			digits, c.Precision, digits, c.Recall, digits, c.F1, support(c.Support, c.SupportWeight))
	}
	for _, c := range r.Classes {
		row(c)
	}
	b = append(b, '\n')
	b = fmt.Appendf(b, "%*s  %9s %9s %9.*f %s\n", width, "accuracy", "", "", digits, r.Accuracy, support(r.Total, r.TotalWeight))
	row(r.MacroAvg)
	row(r.WeightedAvg)
	for _, n := range r.Notes {
		b = fmt.Appendf(b, "note: %s\n", n)
	}
	return string(b)
}
