package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/internal/atomicfile"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/selection"
	"github.com/emberml/ember/tabular"
)

func init() {
	register("predict", "score a data file with a model saved by --save; predictions as CSV", runPredict)
}

// scorer scores the rows of a data file with a loaded model.
type scorer interface {
	// score reads the data file and returns the predictions; id names a
	// column of the data to copy into the output ("" for none), weight a
	// column of row weights to score the predictions with against the
	// data's labels ("" for none). A weight column is read, and refused
	// when missing, bad, or of no use (no label column, a model with no
	// labels), before any row is predicted.
	score(data string, layout tabular.Layout, id, weight string) (*scores, error)
	// unscored says why predictions on the file data, which lacks the
	// model's labels, carry no score (noScoreLine's sentence), or "" for a
	// model fitted without labels.
	unscored(data string) string
}

// scorers rebuilds a saved model from its file, by command (the file's
// kind without "ember."); each subcommand that saves registers its loader.
var scorers = map[string]func(*modelFile) (scorer, error){}

// scores are a model's predictions on a data file.
type scores struct {
	header []string   // output columns
	rows   [][]string // one record per data row
	// For a classifier scored on data that has its label column: the true
	// and predicted class of each row as indices into classes (truth -1
	// for a label the model never saw, which counts as an error, and
	// labelMissing for a row without a label, which is left out).
	labelColumn string
	classes     []string
	truth, pred []int
	proba       [][]float64 // each row's class probabilities, by classes; nil for a model of none
	// For a regressor scored on data that has its target column: each
	// row's prediction and target (NaN where the target cell is empty, NaN
	// or not a number, which is left out); badTargets counts the last kind,
	// firstBadTarget says where the first is.
	values, targets []float64
	badTargets      int
	firstBadTarget  string
	// weights are each row's weight (the --weight column), which the
	// scores against the labels or targets are weighted by, as
	// scikit-learn's metrics with sample_weight; nil without --weight.
	weights []float64
	// rankScores are a gbt rank model's NDCG and MAP over the nQueries
	// queries of column queryColumn, against the grades in labelColumn
	// (unweighted, each query once); nil without those columns.
	rankScores  []rankScore
	queryColumn string
	nQueries    int
	// survival is a gbt survival model's negative log likelihood and
	// C-index against the data's times; nil without its columns.
	survival *survivalScore
}

// survivalScore is a survival model's scores on a data file, as ember gbt
// gives them on held-out rows: the objective's negative log likelihood
// (NLogLikName says which; nil when no row has an event; aft-nloglik
// weighted by the scores' weights) and Harrell's C-index, unweighted
// (nil, and CIndexError why, when no pair of rows is
// comparable), against the times in column Target and the event flags in
// Event or the upper bounds in LabelUpper ("" for none).
type survivalScore struct {
	Target, Event, LabelUpper string
	NLogLikName               string
	NLogLik, CIndex           *float64
	CIndexError               string
}

// labelMissing is the truth of a row whose label cell is empty or NaN.
const labelMissing = -2

// predictResult is the --json summary.
type predictResult struct {
	Model       string   `json:"model"`
	Kind        string   `json:"kind"`
	Data        string   `json:"data"`
	Rows        int      `json:"rows"`
	Out         string   `json:"out"` // the predictions' file; "-": standard output
	LabelColumn string   `json:"label_column,omitempty"`
	Accuracy    *float64 `json:"accuracy,omitempty"`
	// LogLoss and ROCAUC (two classes) or ROCAUCOVR (three or more) score
	// a classifier's probabilities on the rows whose label the model
	// knows, weighted with --weight.
	LogLoss    *float64   `json:"log_loss,omitempty"`
	ROCAUC     *float64   `json:"roc_auc,omitempty"`
	ROCAUCOVR  *ovrROCAUC `json:"roc_auc_ovr,omitempty"`
	RMSE       *float64   `json:"rmse,omitempty"`
	Unknown    int        `json:"unknown_labels,omitempty"`
	Unlabelled int        `json:"unlabelled_rows,omitempty"`
	// RankScores are a gbt rank model's NDCG at 1, 3, 5, 10 and all, MAP
	// and its metric, the mean over NQueries queries of column Group
	// (unweighted, as ember gbt's held-out ranking scores).
	RankScores []rankScore `json:"rank_scores,omitempty"`
	NQueries   int         `json:"n_queries,omitempty"`
	Group      string      `json:"group,omitempty"`
	// NLogLik is a gbt survival model's negative log likelihood
	// (NLogLikName: cox-nloglik, unweighted, or aft-nloglik, weighted by
	// the Weight column when given) and CIndex its
	// Harrell's C-index, unweighted, as ember gbt's held-out scores, against
	// the times in LabelColumn and the Event or LabelUpper column.
	NLogLik     *float64 `json:"nloglik,omitempty"`
	NLogLikName string   `json:"nloglik_name,omitempty"`
	CIndex      *float64 `json:"c_index,omitempty"`
	Event       string   `json:"event,omitempty"`
	LabelUpper  string   `json:"label_upper,omitempty"`
	// Weight is the --weight column; with it ScoresWeighted is true, and
	// Accuracy and RMSE are weighted by it, as scikit-learn's metrics with
	// sample_weight (as ember gbt and logreg name them), and so is a
	// survival:aft model's aft-nloglik, as XGBoost's.
	Weight         string `json:"weight,omitempty"`
	ScoresWeighted bool   `json:"scores_weighted,omitempty"`
	// WeightedConfusion sums the weights of a classifier's labelled rows,
	// by true class (rows) and predicted class (columns); only with
	// --weight.
	WeightedConfusion [][]float64 `json:"weighted_confusion,omitempty"`
}

func runPredict(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("predict", stdout,
		"usage: ember predict --model FILE --data FILE [--out FILE|-] [--id COLUMN] [--weight COLUMN] [--json]\n"+
			"\nScores a data file with a model saved by ember logreg, naivebayes, kmeans or\n"+
			"gbt --save: the same columns (or text layout) as the training data, scaled,\n"+
			"imputed, one-hot encoded (missing categories included, as --categorical-missing\n"+
			"said) and tokenised as in training (a naive Bayes model keeps its vocabulary,\n"+
			"n-gram, binary and tf-idf settings). Writes one CSV row per data row: the predicted\n"+
			"class and each class's probability (the cluster for k-means; a gbt binary:hinge\n"+
			"model's class alone, a binary:logitraw one's class and margin_CLASS, the log-odds\n"+
			"of the positive class). When the data\n"+
			"has the model's label column, the accuracy and the confusion matrix against it\n"+
			"are reported, and a classifier's log loss and ROC AUC of its probabilities\n"+
			"(one-vs-rest, macro and weighted, for more than two classes: scikit-learn's\n"+
			"roc_auc_score with multi_class=\"ovr\"; rows whose label is empty or NaN are scored but left out of\n"+
			"them); for a gbt regressor, the RMSE against its target column; for a gbt rank\n"+
			"model, when the data has its query (--group) column and grades (target column),\n"+
			"NDCG at 1, 3, 5, 10 and all, MAP and its --metric over the data's queries\n"+
			"(unweighted, as ember gbt's); for a gbt survival model, when the data has its\n"+
			"times (target column) and the --event or --label-upper column it was fitted with,\n"+
			"cox-nloglik or aft-nloglik and Harrell's C-index (as ember gbt's held-out\n"+
			"scores: unweighted but aft-nloglik, which --weight weighs, as XGBoost does).\n"+
			"Data without those columns is scored all the same,\n"+
			"and the summary says why no score is given.\n"+
			"--weight weighs these scores by a column of row weights, as ember gbt and logreg\n"+
			"--weight weigh their held-out scores. Without --out (or with --out -) the CSV is\n"+
			"standard output and the summary, --json's too, goes to standard error.\n"+
			"XGBoost models: ember score.\n")
	model := fs.Input("model", "", "model `file` written by --save", cli.Required())
	data := fs.Input("data", "", "data `file` to score", cli.Required())
	id := fs.String("id", "", "copy this `column` of the data into the first output column", cli.NotEmpty("a column"))
	weightCol := fs.String("weight", "", "`column` of row weights (scikit-learn's sample_weight), a number from 0 up in every row: the accuracy, a classifier's log loss and ROC AUC, and the confusion matrix "+
		"(sums of weights), or a regressor's RMSE, against the label column are weighted by it, as scikit-learn's metrics with sample_weight; "+
		"a gbt survival:aft model's aft-nloglik too, as XGBoost weighs it (its C-index stays unweighted). "+
		"Needs the label column; not for k-means models (clusters, no labels), naive Bayes models of sms or text-label lines (no columns), "+
		"gbt rank models (XGBoost 1.7's NDCG and MAP weigh each query alike) nor survival:cox models (cox-nloglik and the C-index are unweighted)", cli.NotEmpty("a column"))
	layout := layoutFlags(fs)
	out, asJSON := predictionOutputFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	mf, err := loadModelFile(*model)
	if errors.Is(err, checkpoint.ErrNotModel) {
		return fmt.Errorf("%w (ember score reads XGBoost .json/.ubj models)", err)
	}
	if err != nil {
		return err
	}
	sc, err := scorers[mf.meta.Command](mf)
	if err != nil {
		return err
	}
	s, err := sc.score(*data, *layout, *id, *weightCol)
	if pe := (*parquetError)(nil); errors.As(err, &pe) {
		// This command does read Parquet, for other models.
		return fmt.Errorf("%s is a Parquet file; a %s model scores CSV or TSV text (Parquet is read for gbt models)", pe.path, mf.meta.Command)
	}
	if err != nil {
		return err
	}
	writeCSV := func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(s.header)
		cw.WriteAll(s.rows)
		return cw.Error()
	}
	summary := summaryOut(*out, stdout, stderr)
	if *out != "" {
		if err := atomicfile.Write(*out, writeCSV); err != nil {
			return fmt.Errorf("%s: %w", *out, err)
		}
	} else if err := writeCSV(stdout); err != nil {
		return err
	}

	res := predictResult{Model: *model, Kind: "ember." + mf.meta.Command, Data: *data, Rows: len(s.rows), Out: outName(*out)}
	where := "standard output"
	if *out != "" {
		where = *out
	}
	fmt.Fprintf(summary, "scored %s of %s with the %s model %s (fitted on %s); predictions in %s\n",
		plural(len(s.rows), "row", "rows"), *data, mf.meta.Command, *model, mf.meta.Training.Data, where)
	if s.weights != nil {
		res.Weight, res.ScoresWeighted = *weightCol, true
	}
	if s.truth == nil && s.targets == nil && s.rankScores == nil && s.survival == nil {
		// Said, so that a missing accuracy is not taken for a lost one.
		if why := sc.unscored(*data); why != "" {
			fmt.Fprintln(summary, why)
		}
	}
	if s.truth != nil {
		res.LabelColumn = s.labelColumn
		truth, pred := make([]int, 0, len(s.truth)), make([]int, 0, len(s.truth))
		var proba [][]float64     // of truth's rows
		var w []float64           // the weights of truth's rows, with --weight
		var unknownWeight float64 // of the rows of unknown labels, counted as wrong
		correct := 0
		for i, t := range s.truth {
			switch {
			case t == labelMissing:
				res.Unlabelled++
				continue
			case t < 0:
				res.Unknown++
				if s.weights != nil {
					unknownWeight += s.weights[i]
				}
				continue
			}
			truth, pred = append(truth, t), append(pred, s.pred[i])
			if s.proba != nil {
				proba = append(proba, s.proba[i])
			}
			if s.weights != nil {
				w = append(w, s.weights[i])
			}
			if t == s.pred[i] {
				correct++
			}
		}
		if labelled := len(s.truth) - res.Unlabelled; labelled > 0 && s.weights == nil {
			acc := float64(correct) / float64(labelled)
			res.Accuracy = &acc
			fmt.Fprintf(summary, "accuracy against column %q: %.4f (%d of %d)\n", s.labelColumn, acc, correct, labelled)
		} else if labelled > 0 {
			// As ember gbt and logreg weigh their held-out accuracy: the
			// weight of the rows predicted right over that of every row
			// scored (the scorer refused weights that sum to 0).
			res.WeightedConfusion = metrics.WeightedConfusionMatrix(truth, pred, w, len(s.classes))
			right, total := confusionSums(res.WeightedConfusion)
			total += unknownWeight
			acc := right / total
			res.Accuracy = &acc
			fmt.Fprintf(summary, "weighted accuracy against column %q: %.4f (weight %.6g of %.6g, in %d rows)\n", s.labelColumn, acc, right, total, labelled)
		}
		if proba != nil {
			logLoss, auc, ovr, err := probabilityScores(truth, proba, w)
			if err != nil {
				return err
			}
			res.LogLoss, res.ROCAUC, res.ROCAUCOVR = &logLoss, auc, ovr
			weighted, left := "", ""
			if w != nil {
				weighted = "weighted "
			}
			if res.Unknown > 0 {
				left = fmt.Sprintf(" (of the %d rows of labels it was trained on)", len(truth))
			}
			fmt.Fprintf(summary, "%slog loss against column %q: %.4f%s\n", weighted, s.labelColumn, logLoss, left)
			if auc != nil {
				fmt.Fprintf(summary, "%sROC AUC against column %q: %.4f%s\n", weighted, s.labelColumn, *auc, left)
			} else if ovr != nil {
				fmt.Fprintf(summary, "%sROC AUC, one-vs-rest, against column %q: %s%s\n", weighted, s.labelColumn, ovr, left)
			}
		}
		if res.Unlabelled > 0 {
			fmt.Fprintf(summary, "%s no label (left out of the accuracy)\n", plural(res.Unlabelled, "row has", "rows have"))
		}
		if res.Unknown > 0 {
			fmt.Fprintf(summary, "%s a label the model was not trained on (counted as wrong)\n", plural(res.Unknown, "row has", "rows have"))
		}
		switch {
		case res.WeightedConfusion != nil:
			printConfusion(summary, s.classes, res.WeightedConfusion, *weightCol)
		case len(truth) > 0:
			printConfusion(summary, s.classes, metrics.ConfusionMatrix(truth, pred, len(s.classes)), "")
		}
	}
	if s.targets != nil {
		res.LabelColumn = s.labelColumn
		var sse float64
		var y, mu, w []float64 // the rows with a target, with --weight
		n := 0
		for i, t := range s.targets {
			if math.IsNaN(t) {
				res.Unlabelled++
				continue
			}
			d := s.values[i] - t
			sse += d * d
			n++
			if s.weights != nil {
				y, mu, w = append(y, t), append(mu, s.values[i]), append(w, s.weights[i])
			}
		}
		if n > 0 && s.weights == nil {
			rmse := math.Sqrt(sse / float64(n))
			res.RMSE = &rmse
			fmt.Fprintf(summary, "RMSE against column %q: %.6g (%d rows)\n", s.labelColumn, rmse, n)
		} else if n > 0 {
			// As ember gbt weighs its held-out RMSE.
			rmse, err := selection.RMSE.ScoreValues(y, mu, w)
			if err != nil {
				return err
			}
			res.RMSE = &rmse
			var total float64
			for _, v := range w {
				total += v
			}
			fmt.Fprintf(summary, "weighted RMSE against column %q: %.6g (%d rows, weight %.6g)\n", s.labelColumn, rmse, n, total)
		}
		if missing := res.Unlabelled - s.badTargets; missing > 0 {
			fmt.Fprintf(summary, "%s no target (left out of the RMSE)\n", plural(missing, "row has", "rows have"))
		}
		if s.badTargets > 0 {
			fmt.Fprintf(summary, "%s a target that is not a finite number, first %s (left out of the RMSE)\n",
				plural(s.badTargets, "row has", "rows have"), s.firstBadTarget)
		}
	}
	if s.rankScores != nil {
		res.LabelColumn, res.RankScores, res.NQueries, res.Group = s.labelColumn, s.rankScores, s.nQueries, s.queryColumn
		fmt.Fprintf(summary, "ranking of %s of column %q against the grades in column %q (mean over queries; a query without relevant documents scores 1, 0 in the - forms):\n",
			plural(s.nQueries, "query", "queries"), s.queryColumn, s.labelColumn)
		tw := tabwriter.NewWriter(summary, 0, 0, 2, ' ', 0)
		for _, sc := range s.rankScores {
			fmt.Fprintf(tw, "  %s\t%.4f\n", sc.Metric, sc.Value)
		}
		tw.Flush()
	}
	if sv := s.survival; sv != nil {
		res.LabelColumn, res.Event, res.LabelUpper = sv.Target, sv.Event, sv.LabelUpper
		res.NLogLik, res.CIndex = sv.NLogLik, sv.CIndex
		against := fmt.Sprintf("the times in column %q", sv.Target)
		switch {
		case sv.Event != "":
			against += fmt.Sprintf(" and the event flags in column %q", sv.Event)
		case sv.LabelUpper != "":
			against += fmt.Sprintf(" (lower bounds) and the upper bounds in column %q", sv.LabelUpper)
		}
		fmt.Fprintf(summary, "survival scores of %s against %s, as ember gbt scores held-out rows:\n", plural(len(s.rows), "row", "rows"), against)
		if sv.NLogLik != nil {
			res.NLogLikName = sv.NLogLikName
			weighted := ""
			if s.weights != nil {
				weighted = fmt.Sprintf(", weighted by column %q", *weightCol)
			}
			fmt.Fprintf(summary, "  %s%s: %.6g\n", sv.NLogLikName, weighted, *sv.NLogLik)
		} else {
			fmt.Fprintf(summary, "  no %s: no row has an event (every time censored)\n", sv.NLogLikName)
		}
		if sv.CIndex != nil {
			fmt.Fprintf(summary, "  C-index (Harrell's, unweighted): %.4f\n", *sv.CIndex)
		} else {
			fmt.Fprintf(summary, "  no C-index: %s\n", sv.CIndexError)
		}
	}
	if *asJSON {
		return cli.WriteJSON(summary, res, nil)
	}
	return nil
}

// newClassifierScores starts the scores of a classifier: the header is the
// id column (when id is not empty), the prediction, and each class's
// probability, p_<class>.
func newClassifierScores(id string, classes []string) *scores {
	s := &scores{classes: classes}
	if id != "" {
		s.header = append(s.header, id)
	}
	s.header = append(s.header, "prediction")
	for _, c := range classes {
		s.header = append(s.header, "p_"+c)
	}
	return s
}

// add appends row i: its id (ids[i], when there are ids), the predicted
// class and the probabilities, written exactly.
func (s *scores) add(ids []string, i, pred int, proba []float64) {
	rec := make([]string, 0, len(s.header))
	if ids != nil {
		rec = append(rec, ids[i])
	}
	rec = append(rec, s.classes[pred])
	for _, v := range proba {
		rec = append(rec, formatFloat(v))
	}
	s.rows = append(s.rows, rec)
	s.pred = append(s.pred, pred)
	s.proba = append(s.proba, proba)
}

// predictionOutputFlags declares --out and --json as the scoring commands
// (predict, score) take them: predictions to a CSV file, or (no --out, or
// --out -) to standard output, as a filter's, with the summary on standard
// error. Parse turns "-" into "".
func predictionOutputFlags(fs *cli.FlagSet) (out *string, asJSON *bool) {
	out = fs.Output("out", "", "write the predictions to this CSV `file`", cli.Stdout())
	asJSON = fs.Bool("json", false, "print the summary as one JSON object on its last line (on standard error when the predictions go to standard output)")
	return out, asJSON
}

// summaryOut is where a scoring command prints its summary: standard output
// when the predictions went to a file, standard error when they are
// standard output, which then holds the CSV alone.
func summaryOut(out string, stdout, stderr io.Writer) io.Writer {
	if out == "" {
		return stderr
	}
	return stdout
}

// outName is the JSON summary's "out": the file, or "-" for standard
// output.
func outName(out string) string {
	if out == "" {
		return "-"
	}
	return out
}

// tableClassifier scores the numeric columns of a table with a classifier.
type tableClassifier struct {
	mf      *modelFile
	scaler  *logreg.Scaler
	classes []string
	// predict returns, per row, the probability of each of classes.
	predict func(X [][]float64) ([][]float64, error)
	// maxFeature bounds the features' magnitude (after scaling) as the fit
	// did, for tooLarge's reason; 0: no bound.
	maxFeature float64
	tooLarge   string
}

func (c *tableClassifier) score(data string, layout tabular.Layout, id, weight string) (*scores, error) {
	target := c.mf.meta.Input.Target
	if err := checkWeightColumn(weight, target, c.mf.path); err != nil {
		return nil, err
	}
	tab, X, ids, err := readFeatures(c.mf, data, layout, id)
	if err != nil {
		return nil, err
	}
	// The labels to score against, when the data has them.
	var labelColumn string
	var truth []int
	if target != "" {
		if j, err := tab.column(target); err == nil {
			labels := make([]string, len(tab.rows))
			for r, rec := range tab.rows {
				labels[r] = strings.TrimSpace(rec[j])
			}
			labelColumn, truth = target, classIndices(labels, c.classes)
			for r, l := range labels {
				if tab.layout.IsNA(l) {
					truth[r] = labelMissing
				}
			}
		}
	}
	var weights []float64
	if weight != "" {
		if truth == nil {
			return nil, noScoresToWeigh(weight, data, "label", target)
		}
		if weights, err = logregWeights(tab, weight); err != nil {
			return nil, err
		}
		if err := checkWeights(weights, truth, nil, weight, data, labelColumn); err != nil {
			return nil, err
		}
	}
	if c.scaler != nil {
		if X, err = c.scaler.Transform(X); err != nil {
			return nil, err
		}
	}
	if c.maxFeature > 0 {
		if err := checkMagnitude(tab, c.mf.meta.Input.Features, X, c.scaler, c.maxFeature, c.tooLarge); err != nil {
			return nil, err
		}
	}
	proba, err := c.predict(X)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", data, err)
	}
	s := newClassifierScores(id, c.classes)
	for i, p := range proba {
		best := 0
		for k, v := range p {
			if v > p[best] {
				best = k
			}
		}
		s.add(ids, i, best, p)
	}
	s.labelColumn, s.truth, s.weights = labelColumn, truth, weights
	return s, nil
}

// noScoreLine says that the file data has no column label, so no score
// (accuracy, a regressor's RMSE) is given: "d.csv has no column "y", so no
// accuracy is given"; "" for a model fitted without labels (label "").
func noScoreLine(data, label, score string) string {
	if label == "" {
		return ""
	}
	return fmt.Sprintf("%s has no column %q, so no %s is given", data, label, score)
}

func (c *tableClassifier) unscored(data string) string {
	return noScoreLine(data, c.mf.meta.Input.Target, "accuracy")
}

// checkWeightColumn refuses a --weight column (col, "" for none) that is
// the label column of the model in the file model.
func checkWeightColumn(col, label, model string) error {
	if col != "" && col == label {
		return fmt.Errorf("--weight %s is the label column of the model %s; give a column of row weights", col, model)
	}
	return nil
}

// noScoresToWeigh is the error for a --weight column, col, given with data
// that lacks the model's label (what: "label" or "target") column, label:
// there are no scores to weigh.
func noScoresToWeigh(col, data, what, label string) error {
	return fmt.Errorf("--weight %s: %s has no column %q, the model's %s, so there are no scores to weigh (leave --weight out to predict only)", col, data, label, what)
}

// checkWeights refuses, before any row is predicted, row weights w that
// leave the scores against column label undefined: those of every row
// with a label (truth other than labelMissing) or target (targets not NaN)
// are 0, or no row has one.
func checkWeights(w []float64, truth []int, targets []float64, col, data, label string) error {
	what := "label"
	if targets != nil {
		what = "target"
	}
	var scored []float64
	for i, v := range w {
		if truth != nil && truth[i] != labelMissing || targets != nil && !math.IsNaN(targets[i]) {
			scored = append(scored, v)
		}
	}
	if len(scored) == 0 {
		return fmt.Errorf("--weight %s: no row of %s has a %s in column %q, so there are no scores to weigh", col, data, what, label)
	}
	return scoredWeight(scored, col, fmt.Sprintf("the rows of %s with a %s", data, what),
		fmt.Sprintf("the weighted scores against column %q are", label), "give some of them a weight above 0")
}

// readFeatures reads a model's feature columns (and the id column) from a
// data file.
func readFeatures(mf *modelFile, data string, layout tabular.Layout, id string) (*table, [][]float64, []string, error) {
	tab, err := readTable(data, layout)
	if err != nil {
		return nil, nil, nil, err
	}
	var X [][]float64
	if pl := mf.meta.Input.Pipeline; pl != nil {
		// One-hot encoded and imputed as at training time.
		if _, err := tab.columns(pl.Inputs()); err != nil {
			return nil, nil, nil, fmt.Errorf("%w (the model %s needs the columns %s)", err, mf.path, strings.Join(pl.Inputs(), ", "))
		}
		b := tab.batch()
		if pl.Spec.Impute == "" {
			advice := fmt.Sprintf("the model %s was fitted without --impute, so its numeric features need a number in every row", mf.path)
			if err := numericMissing(b, pl.Spec.Numeric, advice); err != nil {
				return nil, nil, nil, err
			}
		}
		if X, _, err = pipelineRows(pl, b); err != nil {
			return nil, nil, nil, notNumber(err, mf.path)
		}
	} else if X, err = tab.floats(mf.meta.Input.Features); err != nil {
		return nil, nil, nil, fmt.Errorf("%w (the model %s needs the columns %s)", err, mf.path, strings.Join(mf.meta.Input.Features, ", "))
	}
	var ids []string
	if id != "" {
		j, err := tab.column(id)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("--id: %w", err)
		}
		for _, rec := range tab.rows {
			ids = append(ids, rec[j])
		}
	}
	return tab, X, ids, nil
}

// classIndices maps labels to their index in classes, -1 for unknown ones.
func classIndices(labels, classes []string) []int {
	index := classNumbering(classes)
	out := make([]int, len(labels))
	for i, l := range labels {
		if k, ok := index[l]; ok {
			out[i] = k
		} else {
			out[i] = -1
		}
	}
	return out
}

// formatFloat writes a probability exactly (the shortest text that reads
// back as the same float64).
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// plural is n with the words for one (n = 1) or for many: "1 row has",
// "3 rows have". (Package metrics keeps its own for its notes' nouns.)
func plural[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
