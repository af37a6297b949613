package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/internal/atomicfile"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

func init() {
	register("score", "score a CSV/Parquet table with a gbt model or an XGBoost JSON/UBJSON model, streaming", runScore)
}

// scoreResult is the --json summary.
type scoreResult struct {
	Model      string         `json:"model"`
	ModelKind  string         `json:"model_kind"` // "ember.gbt" or "xgboost"
	Objective  string         `json:"objective"`
	Data       string         `json:"data"`
	Out        string         `json:"out"`
	Rows       int64          `json:"rows"`
	Batches    int            `json:"batches"`
	Seconds    float64        `json:"seconds"`
	RowsPerSec float64        `json:"rows_per_s"`
	Positive   string         `json:"positive_class,omitempty"` // whose probability "prediction" is (two-class ember models)
	Unseen     map[string]int `json:"unseen_categories,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
}

// tableScorer turns batches of a table into predictions.
type tableScorer struct {
	kind      string
	objective string
	inputs    []string          // columns read from the data
	pipeline  *tabular.Pipeline // nil: inputs are the features, as numbers
	ens       *gbt.Ensemble
	f32       bool // format predictions as float32 (XGBoost's own precision)
	// classes name a multi-class model's classes (its saved class names,
	// or 0, 1, … for an XGBoost model); nil for one prediction a row.
	classes []string
	// positive is the class whose probability a two-class ember model
	// gives ("" when unnamed: XGBoost's, or a regressor), or whose log-odds
	// for binary:logitraw.
	positive string
	// margins says that the predictions are margins (binary:logitraw's
	// log-odds), written in a column named "margin", not "prediction".
	margins bool
	// binaryClasses name the classes 0 and 1 an ember binary:hinge model
	// predicts; nil for any other.
	binaryClasses []string
}

// predictionColumn is the name of the prediction's output column.
func (s *tableScorer) predictionColumn() string {
	if s.margins {
		return "margin"
	}
	return predictionColumn(s.objective)
}

// setClasses names a multi-class ensemble's classes: names when they are
// one per class, else the class numbers.
func (s *tableScorer) setClasses(names []string) {
	k := s.ens.NumClass()
	if k == 1 {
		return
	}
	if len(names) == k {
		s.classes = names
		return
	}
	s.classes = classNumbers(k)
}

// contribHeader names the contribution columns: contrib_FEATURE for each
// feature and contrib_bias, or contrib_CLASS_FEATURE and contrib_CLASS_bias
// for each class of a multi-class model.
func (s *tableScorer) contribHeader() []string {
	features := s.inputs
	if s.pipeline != nil {
		features = s.pipeline.Features
	}
	names := append(slices.Clone(features), "bias")
	var out []string
	if s.classes == nil {
		for _, f := range names {
			out = append(out, "contrib_"+f)
		}
	} else {
		for _, c := range s.classes {
			for _, f := range names {
				out = append(out, "contrib_"+c+"_"+f)
			}
		}
	}
	return uniqueNames(out)
}

// uniqueNames makes repeated column names distinct as pandas does when it
// reads them (a feature named "bias" beside the bias: contrib_bias and
// contrib_bias.1), so that no output column hides another.
func uniqueNames(names []string) []string {
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		name := n
		for k := 1; seen[name]; k++ {
			name = fmt.Sprintf("%s.%d", n, k)
		}
		seen[name] = true
		names[i] = name
	}
	return names
}

// classNumbers are the names "0", "1", … of k classes that have none.
func classNumbers(k int) []string {
	names := make([]string, k)
	for c := range names {
		names[c] = strconv.Itoa(c)
	}
	return names
}

// loadScorer reads an Ember gbt model file or an XGBoost model; features
// names the columns of an XGBoost model saved without feature names.
func loadScorer(path, features string) (*tableScorer, error) {
	head := make([]byte, 8)
	if f, err := os.Open(path); err == nil {
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		f.Close()
	}
	if bytes.HasPrefix(head, []byte("\x89EMB")) {
		s, err := gbt.Load(path)
		if errors.Is(err, checkpoint.ErrKind) {
			return nil, fmt.Errorf("%w (ember score reads gbt models and XGBoost models; score other ember models with ember predict)", err)
		}
		if err != nil {
			return nil, err
		}
		if s.Pipeline == nil {
			return nil, fmt.Errorf("model file %s has no feature pipeline (it was saved from code with a bare feature matrix); score it from code", path)
		}
		if features != "" {
			return nil, errors.New("--features is for XGBoost models saved without feature names; an ember model knows its columns")
		}
		sc := &tableScorer{kind: gbt.FileKind, objective: string(s.Model.Objective), inputs: s.Pipeline.Inputs(),
			pipeline: s.Pipeline, ens: s.Model.Ensemble()}
		sc.setClasses(s.Classes)
		if sc.ens.NumClass() == 1 && len(s.Classes) == 2 {
			switch s.Model.Objective {
			case gbt.BinaryHinge:
				sc.binaryClasses = s.Classes
			default:
				sc.positive = s.Classes[1]
			}
		}
		sc.margins = s.Model.Objective == gbt.BinaryLogitRaw
		return sc, nil
	}
	m, err := gbt.LoadXGBoost(path)
	if err != nil {
		if errors.Is(err, gbt.ErrXGBoostModel) {
			return nil, fmt.Errorf("%w (ember score reads ember gbt model files and XGBoost models saved with save_model as .json or .ubj)", err)
		}
		return nil, err
	}
	sc := &tableScorer{kind: "xgboost", objective: m.Objective, ens: m.Ensemble, f32: true,
		margins: m.Objective == string(gbt.BinaryLogitRaw)}
	sc.setClasses(nil)
	switch names := splitList(features); {
	case len(names) > 0:
		if len(names) != m.NumFeatures() {
			return nil, fmt.Errorf("--features names %d columns; the model %s takes %d", len(names), path, m.NumFeatures())
		}
		for i, n := range names {
			if j := slices.Index(names, n); j < i {
				return nil, fmt.Errorf("--features names %q twice (as features %d and %d); each of the model's features is its own column", n, j+1, i+1)
			}
		}
		if len(m.FeatureNames) > 0 && !slices.Equal(names, m.FeatureNames) {
			return nil, fmt.Errorf("--features differs from the feature names saved in %s (%s)", path, strings.Join(m.FeatureNames, ", "))
		}
		sc.inputs = names
	case len(m.FeatureNames) > 0:
		sc.inputs = m.FeatureNames
	default:
		return nil, fmt.Errorf("the XGBoost model %s has no feature names (it was trained on an array): name its %d feature columns in order with --features", path, m.NumFeatures())
	}
	return sc, nil
}

// matrix makes the batch's feature matrix.
func (s *tableScorer) matrix(b *tabular.Batch, X *tabular.Matrix) (*tabular.Matrix, tabular.TransformReport, error) {
	if s.pipeline != nil {
		return s.pipeline.Transform(b, X)
	}
	d := len(s.inputs)
	if X == nil || cap(X.Data) < b.Rows*d {
		X = tabular.NewMatrix(b.Rows, d)
	}
	X.Rows, X.Cols, X.Data = b.Rows, d, X.Data[:b.Rows*d]
	for j, name := range s.inputs {
		c := b.Column(name)
		for i := range b.Rows {
			switch {
			case c.IsNull(i):
				X.Data[i*d+j] = tabular.Missing
			case c.Kind == tabular.Numeric:
				if tabular.Infinite(c.Num[i]) {
					return nil, tabular.TransformReport{}, &tabular.ValueError{Where: b.Where(i), Column: name,
						Value: strconv.FormatFloat(c.Num[i], 'g', -1, 64), Infinite: true}
				}
				X.Data[i*d+j] = float32(c.Num[i])
			default:
				v, err := tabular.ParseNumber(c.Str[i])
				if err != nil {
					ve := err.(*tabular.ValueError)
					ve.Where, ve.Column = b.Where(i), name
					return nil, tabular.TransformReport{}, ve
				}
				X.Data[i*d+j] = float32(v)
			}
		}
	}
	return X, tabular.TransformReport{}, nil
}

func (s *tableScorer) format(v float64) string {
	if s.f32 {
		return strconv.FormatFloat(v, 'g', -1, 32)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func runScore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("score", stdout,
		"usage: ember score --model FILE --data FILE [--id COLUMN] [--out FILE|-] [--json]\n"+
			"\nScores a CSV/TSV or Parquet table with a model saved by ember gbt --save, or by\n"+
			"XGBoost's save_model (.json or .ubj; gbtree boosters with objectives\n"+
			"binary:logistic, reg:logistic, binary:logitraw, binary:hinge, reg:squarederror,\n"+
			"reg:squaredlogerror, reg:pseudohubererror, reg:absoluteerror, count:poisson,\n"+
			"reg:tweedie, reg:gamma, multi:softprob, multi:softmax, rank:pairwise, rank:ndcg,\n"+
			"rank:map, survival:cox and survival:aft), predicting as XGBoost's own predict does.\n"+
			"Reads the file in batches (Parquet: by row group), so files larger than memory\n"+
			"are scored in constant memory, and writes one CSV line per row: the --id value\n"+
			"and the prediction: the positive-class probability; the value for regression\n"+
			"(the mean for count:poisson, reg:tweedie and reg:gamma); for a multi-class model\n"+
			"the most probable class, then each class's probability, p_CLASS, as\n"+
			"predict_proba; binary:hinge's class (0 or 1 for XGBoost's models); for\n"+
			"binary:logitraw a column named margin, the log-odds of the positive class; the\n"+
			"ranking score of rank:*; a column hazard_ratio for survival:cox and\n"+
			"predicted_time for survival:aft. --contributions adds each feature's\n"+
			"contribution to the row's margin (log-odds for a classifier, the log of the mean\n"+
			"for a log link) and the bias, which add up to it (SHAP values, as XGBoost's\n"+
			"pred_contribs). A missing value in a feature column is routed as in training; a\n"+
			"category never seen in training sets no feature and is counted in the summary.\n"+
			"Without --out (or with --out -) the CSV is standard output and the summary,\n"+
			"--json's too, goes to standard error. Shows a progress bar on a terminal.\n")
	model := fs.Input("model", "", "model `file`: ember gbt --save, or XGBoost .json/.ubj", cli.Required())
	data := fs.Input("data", "", "CSV, TSV or Parquet `file` to score", cli.Required())
	layout := layoutFlags(fs)
	id := fs.String("id", "", "copy this `column` into the first output column (e.g. customer_ID)", cli.NotEmpty("a column"))
	out, asJSON := predictionOutputFlags(fs)
	features := fs.String("features", "", "the feature `columns` of an XGBoost model saved without feature names, in order", cli.NotEmpty("the columns"))
	batchRows := fs.Int("batch-rows", tabular.DefaultBatchRows, 1, 1<<24, "rows scored at a time")
	threads := fs.Int("threads", 0, 0, 1024, "cores for scoring (0: all)")
	noProgress := fs.Bool("no-progress", false, "no progress bar, even on a terminal")
	contribs := fs.Bool("contributions", false, "also write each feature's contribution to the row's margin and the bias, contrib_FEATURE and contrib_bias (SHAP values, as XGBoost's pred_contribs; contrib_CLASS_FEATURE for a multi-class model)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, err := loadScorer(*model, *features)
	if err != nil {
		return err
	}
	if *contribs {
		if err := sc.ens.CheckContributions(); err != nil {
			return fmt.Errorf("--contributions: %s: %w", *model, err)
		}
		// A batch's contributions are rows × classes × (features + 1)
		// float64s: keep them to about 64 MB, so that scoring still runs
		// in constant memory with wide models.
		per := sc.ens.NumClass() * (sc.ens.NumFeatures() + 1) * 8
		*batchRows = max(1, min(*batchRows, (64<<20)/per))
	}
	cols := slices.Clone(sc.inputs)
	if *id != "" && !slices.Contains(cols, *id) {
		cols = append(cols, *id)
	}
	r, err := tabular.OpenLayout(*data, cols, *batchRows, *layout)
	if err != nil {
		if errors.Is(err, tabular.ErrColumn) && *id == "" {
			return fmt.Errorf("%w (the model %s reads the columns %s)", err, *model, strings.Join(sc.inputs, ", "))
		}
		return err
	}
	defer r.Close()

	res := scoreResult{Model: *model, ModelKind: sc.kind, Objective: sc.objective, Data: *data, Out: outName(*out)}
	var rep tabular.TransformReport
	bar := newScoreBar(stderr, *noProgress)
	start := time.Now()
	score := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		cw := csv.NewWriter(bw)
		header := []string{sc.predictionColumn()}
		if *id != "" {
			header = []string{*id, sc.predictionColumn()}
		}
		for _, c := range sc.classes {
			header = append(header, "p_"+c)
		}
		nPred := len(header)
		if *contribs {
			header = append(header, sc.contribHeader()...)
		}
		cw.Write(header)
		var X *tabular.Matrix
		var p, phi []float64
		rec := make([]string, len(header))
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			var brep tabular.TransformReport
			if X, brep, err = sc.matrix(b, X); err != nil {
				return notNumber(err, *model)
			}
			rep.Add(brep)
			if p, err = sc.ens.Predict(X, *threads, p); err != nil {
				return fmt.Errorf("%s: %w", *data, err)
			}
			if *contribs {
				if phi, err = sc.ens.Contributions(X, *threads, phi); err != nil {
					return fmt.Errorf("%s: %w", *data, err)
				}
			}
			var idc *tabular.Column
			if *id != "" {
				idc = b.Column(*id)
			}
			nc := max(1, len(sc.classes))
			var pred []int
			if sc.classes != nil {
				pred = metrics.ArgMax(p[:b.Rows*nc], nc)
			}
			for i := range b.Rows {
				k := 0
				if idc != nil {
					rec[0], _ = idc.Text(i)
					k = 1
				}
				switch {
				case sc.binaryClasses != nil:
					rec[k] = sc.binaryClasses[int(p[i])]
				case sc.classes == nil:
					rec[k] = sc.format(p[i])
				default:
					rec[k] = sc.classes[pred[i]]
					for c, v := range p[i*nc : (i+1)*nc] {
						rec[k+1+c] = sc.format(v)
					}
				}
				if *contribs {
					per := len(header) - nPred
					for j, v := range phi[i*per : (i+1)*per] {
						rec[nPred+j] = sc.format(v)
					}
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
			res.Rows += int64(b.Rows)
			res.Batches++
			done, total := r.Progress()
			bar.update(done, total, res.Rows, time.Since(start))
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	}
	if *out != "" {
		err = atomicfile.Write(*out, score)
	} else {
		err = score(stdout)
	}
	bar.finish()
	if err != nil {
		if *out != "" && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("%w (nothing was written to %s)", err, *out)
		}
		return err
	}
	res.Seconds = time.Since(start).Seconds()
	if res.Seconds > 0 {
		res.RowsPerSec = float64(res.Rows) / res.Seconds
	}
	res.Unseen = rep.Unseen
	summary := summaryOut(*out, stdout, stderr)
	for _, col := range slices.Sorted(mapKeys(rep.Unseen)) {
		effect := unseenEffect(sc.pipeline, col)
		if sc.pipeline.Spec.CategoricalEncoding == tabular.EncodeOneHot {
			effect += " (as DictVectorizer ignores unseen values)"
		}
		s := fmt.Sprintf("%d rows have a value of %s never seen in training, e.g. %s: %s",
			rep.Unseen[col], col, rep.FirstUnseen[col], effect)
		res.Warnings = append(res.Warnings, s)
		fmt.Fprintln(stderr, "warning:", s)
	}
	where := *out
	if where == "" {
		where = "standard output"
	}
	fmt.Fprintf(summary, "scored %s of %s with the %s model %s (%s) in %.2fs, %.0f rows/s; predictions in %s\n",
		plural(res.Rows, "row", "rows"), *data, sc.kind, *model, sc.objective, res.Seconds, res.RowsPerSec, where)
	switch {
	case sc.margins && sc.positive != "":
		res.Positive = sc.positive
		fmt.Fprintf(summary, "margin: the log-odds of class %q (the margin), as %s predicts it; its probability is 1/(1+exp(-margin))\n", sc.positive, sc.objective)
	case sc.margins:
		fmt.Fprintf(summary, "margin: the log-odds of class 1 (the margin), as %s predicts it; its probability is 1/(1+exp(-margin))\n", sc.objective)
	case sc.positive != "":
		res.Positive = sc.positive
		fmt.Fprintf(summary, "prediction: the probability of class %q\n", sc.positive)
	case sc.ens.Link() == gbt.Step && sc.binaryClasses != nil:
		fmt.Fprintf(summary, "prediction: the class, %q where the margin is above 0, else %q, as %s predicts it (no probability)\n", sc.binaryClasses[1], sc.binaryClasses[0], sc.objective)
	case sc.ens.Link() == gbt.Step:
		fmt.Fprintf(summary, "prediction: the class, 1 where the margin is above 0, else 0, as %s predicts it (no probability)\n", sc.objective)
	}
	switch obj := gbt.Objective(sc.objective); {
	case obj == gbt.SurvivalCox:
		fmt.Fprintf(summary, "hazard_ratio: exp of the margin, as %s predicts it: higher means an earlier event\n", sc.objective)
	case obj == gbt.SurvivalAFT:
		fmt.Fprintf(summary, "predicted_time: the predicted survival time (exp of the margin), as %s predicts it\n", sc.objective)
	case sc.ens.Link() == gbt.Exp:
		fmt.Fprintf(summary, "prediction: the predicted mean (exp of the margin), as %s predicts it\n", sc.objective)
	}
	if gbt.Objective(sc.objective).Ranking() {
		fmt.Fprintf(summary, "prediction: the ranking score (the margin), as %s predicts it: within a query, higher ranks first\n", sc.objective)
	}
	if *asJSON {
		return cli.WriteJSON(summary, res, nil)
	}
	return nil
}

// notNumber is err, an error of making a table's feature matrix for the
// model in the file model, saying, when it is a text that is not a number
// in a numeric column, that the model reads the column as numbers: the
// tabular error's advice, to list the column as categorical, is for a fit,
// not for scoring with a fitted model.
func notNumber(err error, model string) error {
	if ve, ok := err.(*tabular.ValueError); ok && !ve.Infinite && !(ve.Text && tabular.LooksLikeNA(ve.Value)) {
		return &scoredValueError{ve, model}
	}
	return err
}

// scoredValueError is a tabular.ValueError met scoring with a fitted model.
type scoredValueError struct {
	*tabular.ValueError
	model string
}

func (e *scoredValueError) Error() string {
	return fmt.Sprintf("%s, column %q: %q is not a number (the model %s reads the column as a numeric feature, as it was fitted)", e.Where, e.Column, e.Value, e.model)
}

func (e *scoredValueError) Unwrap() error { return e.ValueError }

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// scoreBar is a progress bar on a terminal, drawn once the job has run
// a second (short inputs get none) and at most ten times a second.
type scoreBar struct {
	w     io.Writer
	tty   bool
	last  time.Time
	drawn bool
}

func newScoreBar(w io.Writer, off bool) *scoreBar {
	b := &scoreBar{w: w}
	if f, ok := w.(*os.File); ok && !off {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

func (b *scoreBar) update(done, total, rows int64, elapsed time.Duration) {
	if !b.tty || elapsed < time.Second || time.Since(b.last) < 100*time.Millisecond || total <= 0 {
		return
	}
	b.last, b.drawn = time.Now(), true
	const width = 24
	frac := min(float64(done)/float64(total), 1)
	n := int(frac * width)
	eta := time.Duration(0)
	if frac > 0 {
		eta = time.Duration(float64(elapsed) * (1 - frac) / frac)
	}
	fmt.Fprintf(b.w, "\r\033[Kscoring [%s%s] %3.0f%% %d rows %.0f rows/s ETA %s",
		strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac, rows, float64(rows)/elapsed.Seconds(), eta.Round(time.Second))
}

func (b *scoreBar) finish() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

func init() {
	// ember predict reads gbt model files too, with the same output as for
	// the other classifiers (class, then each class's probability).
	scorers["gbt"] = func(mf *modelFile) (scorer, error) {
		s, err := gbt.Load(mf.path)
		if err != nil {
			return nil, err
		}
		if s.Pipeline == nil {
			return nil, fmt.Errorf("model file %s has no feature pipeline; score it from code", mf.path)
		}
		g := &gbtPredictor{saved: s, path: mf.path}
		if raw, ok := s.Training.(json.RawMessage); ok && s.Model.Objective.Survival() {
			var info trainingInfo
			if err := json.Unmarshal(raw, &info); err != nil {
				return nil, fmt.Errorf("model file %s: its training record: %w", mf.path, err)
			}
			g.survival = info.Survival
		}
		return g, nil
	}
}

// gbtPredictor is a gbt model as an ember predict scorer.
type gbtPredictor struct {
	saved *gbt.Saved
	path  string
	// rankMissing names what the data file lacks for a rank model's NDCG
	// and MAP (its query column, its grades), set by score; "" when it has
	// both.
	rankMissing string
	// survival is a survival model's event and upper-bound columns, nil
	// when the file does not record them (saved before it did, or from
	// code); survivalMissing names what the data file lacks for its
	// negative log likelihood and C-index, set by score.
	survival        *survivalColumns
	survivalMissing string
}

func (g *gbtPredictor) unscored(data string) string {
	if obj := g.saved.Model.Objective; obj.Ranking() {
		why := fmt.Sprintf("%s has no %s", data, g.rankMissing)
		if g.saved.Group == "" {
			why = "the model file does not record its query column (saved by an Ember from before it did)"
		}
		return fmt.Sprintf("the predictions are %s ranking scores, whose order within a query is the ranking, not estimates of %q: no RMSE is given, and no NDCG or MAP, as %s",
			obj, g.saved.Target, why)
	} else if obj.Survival() {
		what := "hazard ratios"
		if obj == gbt.SurvivalAFT {
			what = "predicted times"
		}
		why := fmt.Sprintf("%s has no %s", data, g.survivalMissing)
		if g.survival == nil {
			col := "--event column of event flags"
			if obj == gbt.SurvivalAFT {
				col = "--label-upper column of upper bounds"
			}
			why = fmt.Sprintf("the model file does not record whether it was fitted with a %s (saved by an Ember from before it did)", col)
		}
		return fmt.Sprintf("the predictions are %s's %s, not estimates of %q, whose censored rows bound the time only: no RMSE is given, and no negative log likelihood or C-index, as %s",
			obj, what, g.saved.Target, why)
	}
	if g.saved.Classes == nil {
		return noScoreLine(data, g.saved.Target, "RMSE")
	}
	return noScoreLine(data, g.saved.Target, "accuracy")
}

func (g *gbtPredictor) score(data string, layout tabular.Layout, id, weight string) (*scores, error) {
	s := g.saved
	if err := checkWeightColumn(weight, s.Target, g.path); err != nil {
		return nil, err
	}
	if s.Model.Objective.Ranking() && weight != "" {
		return nil, fmt.Errorf("--weight %s: the model %s is a ranking (%s), whose NDCG and MAP are unweighted, each query counting once, as XGBoost's and ember gbt's: leave --weight out",
			weight, g.path, s.Model.Objective)
	}
	if s.Model.Objective == gbt.SurvivalCox && weight != "" {
		return nil, fmt.Errorf("--weight %s: the model %s is %s, whose cox-nloglik and C-index are unweighted, as XGBoost's and scikit-survival's (and ember gbt's): leave --weight out",
			weight, g.path, s.Model.Objective)
	}
	var event, upper string // a survival model's columns besides the target
	if g.survival != nil {
		event, upper = g.survival.Event, g.survival.LabelUpper
	}
	cols := s.Pipeline.Inputs()
	for _, extra := range []string{id, s.Target, s.Group, event, upper} {
		if extra != "" && !slices.Contains(cols, extra) {
			cols = append(cols, extra)
		}
	}
	// The target is optional in the data: read it only when present.
	header, err := tableHeader(data, layout)
	if err != nil {
		return nil, err
	}
	for _, opt := range []string{s.Target, s.Group, event, upper} { // optional, unless features
		if opt != "" && !slices.Contains(header, opt) {
			cols = slices.DeleteFunc(cols, func(c string) bool { return c == opt && !slices.Contains(s.Pipeline.Inputs(), c) })
		}
	}
	if id != "" && !slices.Contains(header, id) {
		r, err := tabular.OpenLayout(data, []string{id}, 1, layout) // says which columns there are
		if err != nil {
			return nil, fmt.Errorf("--id: %w", err)
		}
		r.Close()
	}
	if weight != "" {
		what := "label"
		if s.Classes == nil {
			what = "target"
		}
		if s.Target == "" || !slices.Contains(header, s.Target) {
			return nil, noScoresToWeigh(weight, data, what, s.Target)
		}
		// Absent, it is left to weightValues to say so, as gbt --test does.
		if slices.Contains(header, weight) && !slices.Contains(cols, weight) {
			cols = append(cols, weight)
		}
	}
	b, err := readBatch(data, cols, layout)
	if err != nil {
		if errors.Is(err, tabular.ErrColumn) {
			return nil, fmt.Errorf("%w (the model %s reads the columns %s)", err, g.path, strings.Join(s.Pipeline.Inputs(), ", "))
		}
		return nil, err
	}
	out := g.labels(b)
	// A rank model's grades and queries, when the file has both: its
	// NDCG and MAP are given, as ember gbt gives them on held-out queries.
	var grades []float64
	var queries []int
	if obj := s.Model.Objective; obj.Ranking() && s.Group != "" {
		var missing []string
		if !slices.Contains(header, s.Group) {
			missing = append(missing, fmt.Sprintf("column %q (the model's query column)", s.Group))
		}
		if !slices.Contains(header, s.Target) {
			missing = append(missing, fmt.Sprintf("column %q (the model's relevance grades)", s.Target))
		}
		g.rankMissing = strings.Join(missing, " and no ")
		if missing == nil {
			if queries, err = queryColumn(b, s.Group, fmt.Sprintf("column %q (the model's query column)", s.Group)); err != nil {
				return nil, err
			}
			if grades, _, err = targetValues(b, s.Target, obj); err != nil {
				return nil, err
			}
			if err := rankTargets(b, s.Target, grades); err != nil {
				return nil, err
			}
		}
	}
	// A survival model's times (and event flags or upper bounds), when
	// the file has them: its negative log likelihood and C-index are
	// given, read and checked as ember gbt reads a --test file's.
	var times, uppers []float64
	if obj := s.Model.Objective; obj.Survival() && g.survival != nil {
		var missing []string
		for _, c := range []struct{ col, what string }{{s.Target, "times"}, {event, "event flags"}, {upper, "upper bounds on the times"}} {
			if c.col != "" && !slices.Contains(header, c.col) {
				missing = append(missing, fmt.Sprintf("column %q (the model's %s)", c.col, c.what))
			}
		}
		g.survivalMissing = strings.Join(missing, " and no ")
		if missing == nil {
			if times, _, err = targetValues(b, s.Target, obj); err != nil {
				return nil, err
			}
			if uppers, err = survivalTimes(b, obj, s.Target, event, upper, times); err != nil {
				return nil, err
			}
			if uppers == nil && obj == gbt.SurvivalAFT {
				uppers = times // observed times
			}
		}
	}
	if weight != "" {
		if s.Model.Objective == gbt.SurvivalAFT && times == nil {
			why := fmt.Sprintf("%s has no %s", data, g.survivalMissing)
			if g.survival == nil {
				why = fmt.Sprintf("the model file %s does not record whether it was fitted with a --label-upper column (saved by an Ember from before it did)", g.path)
			}
			return nil, fmt.Errorf("--weight %s: %s, so there is no aft-nloglik to weigh (leave --weight out to predict only)", weight, why)
		}
		if out.weights, err = weightValues(b, weight); err != nil {
			return nil, err
		}
		targets := out.targets
		if times != nil { // survival:aft's: every row has a time
			targets = times
		}
		if err := checkWeights(out.weights, out.truth, targets, weight, data, s.Target); err != nil {
			return nil, err
		}
	}
	X, _, err := s.Pipeline.Transform(b, nil)
	if err != nil {
		return nil, notNumber(err, g.path)
	}
	obj := s.Model.Objective
	nc := s.Model.NumClasses()
	classes := s.Classes
	if classes == nil && nc > 1 { // saved from code without class names
		classes = classNumbers(nc)
	}
	// A regressor's (or ranker's, or an unnamed binary classifier's)
	// predictions; a classifier's classes, and its probabilities, or the
	// margins of binary:logitraw (binary:hinge has neither).
	var p, margins []float64
	var pred []int
	switch {
	case classes == nil:
		p, err = s.Model.Predict(X)
	case obj == gbt.BinaryLogitRaw:
		if pred, err = s.Model.PredictClass(X); err == nil {
			margins, err = s.Model.Predict(X)
		}
	case obj.Probabilistic():
		if p, err = s.Model.PredictProba(X); err == nil {
			pred, err = predictedClasses(s.Model, X, p)
		}
	default:
		pred, err = s.Model.PredictClass(X)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", data, err)
	}
	// The predictions join the labels and weights read above.
	named := newClassifierScores(id, classes)
	if classes != nil && (!obj.Probabilistic() || obj == gbt.BinaryLogitRaw) {
		named = newClassifierScores(id, nil) // the class alone
		if margins != nil {
			named.header = append(named.header, "margin_"+classes[1])
		}
	}
	out.header, out.classes = named.header, classes
	if col := predictionColumn(string(s.Model.Objective)); col != "prediction" {
		out.header[len(out.header)-1] = col
	}
	var idc *tabular.Column
	if id != "" {
		idc = b.Column(id)
	}
	for i := range b.Rows {
		var rec []string
		if idc != nil {
			t, _ := idc.Text(i)
			rec = append(rec, t)
		}
		switch {
		case classes == nil:
			out.values = append(out.values, p[i])
			rec = append(rec, formatFloat(p[i]))
		case margins != nil:
			out.pred = append(out.pred, pred[i])
			rec = append(rec, classes[pred[i]], formatFloat(margins[i]))
		case p == nil: // binary:hinge: the class alone
			out.pred = append(out.pred, pred[i])
			rec = append(rec, classes[pred[i]])
		case nc == 1:
			out.pred = append(out.pred, pred[i])
			if out.truth != nil { // kept for the log loss against the labels
				out.proba = append(out.proba, []float64{1 - p[i], p[i]})
			}
			rec = append(rec, classes[pred[i]], formatFloat(1-p[i]), formatFloat(p[i]))
		default:
			out.pred = append(out.pred, pred[i])
			if out.truth != nil {
				out.proba = append(out.proba, p[i*nc:(i+1)*nc])
			}
			rec = append(rec, classes[pred[i]])
			for _, v := range p[i*nc : (i+1)*nc] {
				rec = append(rec, formatFloat(v))
			}
		}
		out.rows = append(out.rows, rec)
	}
	if grades != nil {
		metric := s.Model.RankMetric
		if metric == "" {
			metric = defaultRankMetric(obj)
		}
		if out.rankScores, err = rankScores(metric, grades, p, queries); err != nil {
			return nil, fmt.Errorf("%s: %w", data, err)
		}
		out.labelColumn, out.queryColumn = s.Target, s.Group
		out.nQueries = len(slices.Compact(slices.Clone(queries)))
	}
	if times != nil {
		// As ember gbt's held-out scores: aft-nloglik weighted by --weight,
		// as XGBoost's; cox-nloglik and the C-index unweighted.
		name, nll, c, cErr := survivalScores(s.Model, times, uppers, p, out.weights)
		out.survival = &survivalScore{Target: s.Target, Event: event, LabelUpper: upper, NLogLikName: name}
		if !math.IsNaN(nll) {
			out.survival.NLogLik = &nll
		}
		if cErr == nil {
			out.survival.CIndex = &c
		} else {
			out.survival.CIndexError = cErr.Error()
		}
	}
	return out, nil
}

// labels reads the labels (a classifier's) or targets (a regressor's) of
// the rows of b to score the predictions against, when b has the model's
// target column: the scores' labelColumn, truth or targets, badTargets and
// firstBadTarget.
func (g *gbtPredictor) labels(b *tabular.Batch) *scores {
	s := g.saved
	out := &scores{}
	if s.Model.Objective.Ranking() || s.Model.Objective.Survival() { // not estimates of the targets
		return out
	}
	if tc := b.Column(s.Target); tc != nil {
		out.labelColumn = s.Target
		for i := range b.Rows {
			txt, ok := tc.Text(i)
			if s.Classes != nil { // a classifier: the class, or labelMissing
				k := labelMissing
				if ok {
					k = slices.Index(s.Classes, txt)
				}
				out.truth = append(out.truth, k)
				continue
			}
			t := math.NaN() // a regressor: the target, NaN where there is none
			if ok && strings.TrimSpace(txt) != "" {
				f, err := strconv.ParseFloat(strings.TrimSpace(txt), 64)
				if err == nil && !math.IsInf(f, 0) {
					t = f
				} else if out.badTargets++; out.badTargets == 1 {
					out.firstBadTarget = fmt.Sprintf("%s: %q", b.Where(i), txt)
				}
			}
			out.targets = append(out.targets, t)
		}
	}
	return out
}

// predictionColumn names the output column of a model's predictions:
// "hazard_ratio" for survival:cox, "predicted_time" for survival:aft,
// "prediction" for the others.
func predictionColumn(objective string) string {
	switch gbt.Objective(objective) {
	case gbt.SurvivalCox:
		return "hazard_ratio"
	case gbt.SurvivalAFT:
		return "predicted_time"
	}
	return "prediction"
}
