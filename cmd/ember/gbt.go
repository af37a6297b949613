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
	"time"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/sysmem"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/selection"
	"github.com/emberml/ember/tabular"
)

func init() {
	register("gbt", "fit gradient-boosted trees to a CSV/Parquet table, optionally cross-validating a grid", runGBT)
}

// gbtResult is the --json summary.
type gbtResult struct {
	Data        string             `json:"data"`
	Test        string             `json:"test,omitempty"`
	Target      string             `json:"target"`
	Objective   string             `json:"objective"`
	Numeric     []string           `json:"numeric"`
	Categorical []string           `json:"categorical,omitempty"`
	CatMode     string             `json:"categorical_mode,omitempty"` // "native" when coded, else one-hot
	Tokens      []string           `json:"tokens,omitempty"`
	NFeatures   int                `json:"n_features"`
	Classes     []string           `json:"classes,omitempty"`
	Params      map[string]float64 `json:"params"`
	Monotone    map[string]int     `json:"monotone,omitempty"` // --monotone: column -> -1 or +1
	CV          *selection.Result  `json:"cv,omitempty"`
	NTrain      int                `json:"n_train"`
	NValid      int                `json:"n_valid,omitempty"`
	NTest       int                `json:"n_test"`
	EvalOn      string             `json:"eval_on"`
	Weight      string             `json:"weight,omitempty"`
	Trees       int                `json:"trees"`  // rounds × classes for multi:softprob
	Rounds      int                `json:"rounds"` // boosting rounds kept (params.num_trees asks for)
	BestRound   *int               `json:"best_round,omitempty"`
	// EarlyStoppingMetric names what --early-stopping watched (the
	// model's History.Metric, XGBoost's names): --metric's, or the
	// objective's loss.
	EarlyStoppingMetric string     `json:"early_stopping_metric,omitempty"`
	TrainSecs           float64    `json:"train_seconds"`
	ROCAUC              *float64   `json:"roc_auc,omitempty"`
	ROCAUCOVR           *ovrROCAUC `json:"roc_auc_ovr,omitempty"` // three classes or more
	LogLoss             *float64   `json:"log_loss,omitempty"`
	Accuracy            *float64   `json:"accuracy,omitempty"`
	RMSE                *float64   `json:"rmse,omitempty"`
	// Deviance is the held-out mean of the objective's own loss
	// (DevianceName says which): Poisson, Tweedie or gamma deviance, the
	// pseudo-Huber loss, the absolute error, the squared log error, or the
	// log-loss of reg:logistic's probability targets.
	Deviance     *float64 `json:"mean_deviance,omitempty"`
	DevianceName string   `json:"deviance,omitempty"`
	// RankScores are a rank objective's held-out metrics (NDCG at 1, 3,
	// 5, 10 and all, MAP, and --metric), the mean over NQueries queries,
	// unweighted as XGBoost's; Group is the --group column.
	RankScores []rankScore `json:"rank_scores,omitempty"`
	// NLogLik is a survival objective's held-out negative log likelihood
	// (NLogLikName: cox-nloglik, unweighted; aft-nloglik, weighted by
	// --weight, and then ScoresWeighted), CIndex Harrell's C-index of its
	// predictions, always unweighted (metrics.ConcordanceIndex; --weight
	// weighs the fit only); LabelUpper and Event are the --label-upper and
	// --event columns.
	NLogLik     *float64 `json:"nloglik,omitempty"`
	NLogLikName string   `json:"nloglik_name,omitempty"`
	CIndex      *float64 `json:"c_index,omitempty"`
	LabelUpper  string   `json:"label_upper,omitempty"`
	Event       string   `json:"event,omitempty"`
	NQueries    int      `json:"n_queries,omitempty"`
	Group       string   `json:"group,omitempty"`
	// ScoresWeighted says that the held-out scores (ROC AUC, log-loss,
	// accuracy, RMSE, the deviance, the report's precision, recall and F1)
	// are weighted by the --weight column, as scikit-learn's metrics with
	// sample_weight.
	ScoresWeighted bool `json:"scores_weighted,omitempty"`
	// Confusion counts rows, weighted or not; WeightedConfusion sums their
	// weights (only with --weight).
	Confusion         [][]int         `json:"confusion,omitempty"`
	WeightedConfusion [][]float64     `json:"weighted_confusion,omitempty"`
	Report            []jsonClassRow  `json:"report,omitempty"`
	Importance        []importanceRow `json:"importance"`
	Unseen            map[string]int  `json:"unseen_categories,omitempty"`
	Plots             []string        `json:"plots,omitempty"`
	Saved             string          `json:"saved,omitempty"`
	Warnings          []string        `json:"warnings,omitempty"`

	// Interactions are --interaction-constraints' sets, by feature name.
	Interactions [][]string `json:"interaction_constraints,omitempty"`
	// FeatureWeights are --feature-weights' weights, by feature name.
	FeatureWeights map[string]float64 `json:"feature_weights,omitempty"`
}

type importanceRow struct {
	Feature string  `json:"feature"`
	Gain    float64 `json:"gain"`
	Share   float64 `json:"share"`
}

// gbtParams maps grid and flag names to the model's options; aliases are
// Spark's and XGBoost's names. Each setter refuses the values its flag
// refuses, so a bad grid fails before any fit starts.
var gbtParams = map[string]func(m *gbt.Model, v float64) error{
	"num_trees": func(m *gbt.Model, v float64) error { return intParam(&m.NumTrees, v, 1, 1_000_000) },
	"max_depth": func(m *gbt.Model, v float64) error { return intParam(&m.MaxDepth, v, 1, 30) },
	"max_leaves": func(m *gbt.Model, v float64) error {
		if v == 0 {
			m.MaxLeaves = 0
			return nil
		}
		return intParam(&m.MaxLeaves, v, 2, gbt.MaxLeaves)
	},
	"learning_rate":    func(m *gbt.Model, v float64) error { return floatParam(&m.LearningRate, v, true, false) },
	"max_bins":         func(m *gbt.Model, v float64) error { return intParam(&m.MaxBins, v, 2, gbt.MaxBins) },
	"min_samples_leaf": func(m *gbt.Model, v float64) error { return intParam(&m.MinSamplesLeaf, v, 1, 1<<30) },
	"min_child_weight": func(m *gbt.Model, v float64) error { return floatParam(&m.MinChildWeight, v, false, false) },
	"min_split_loss":   func(m *gbt.Model, v float64) error { return floatParam(&m.MinSplitLoss, v, false, false) },
	"l2":               func(m *gbt.Model, v float64) error { return floatParam(&m.L2, v, false, false) },
	"l1":               func(m *gbt.Model, v float64) error { return floatParam(&m.L1, v, false, false) },
	"max_delta_step":   func(m *gbt.Model, v float64) error { return floatParam(&m.MaxDeltaStep, v, false, false) },
	"subsample":        func(m *gbt.Model, v float64) error { return floatParam(&m.Subsample, v, true, true) },
	"scale_pos_weight": func(m *gbt.Model, v float64) error { return floatParam(&m.ScalePosWeight, v, true, false) },

	// Column sampling: fractions of the features, per tree, depth and node.
	"colsample_bytree":  func(m *gbt.Model, v float64) error { return floatParam(&m.ColsampleByTree, v, true, true) },
	"colsample_bylevel": func(m *gbt.Model, v float64) error { return floatParam(&m.ColsampleByLevel, v, true, true) },
	"colsample_bynode":  func(m *gbt.Model, v float64) error { return floatParam(&m.ColsampleByNode, v, true, true) },
}

var gbtAliases = map[string]string{
	"n_estimators": "num_trees", "max_iter": "num_trees", "maxIter": "num_trees", "trees": "num_trees",
	"maxDepth": "max_depth", "depth": "max_depth",
	"num_leaves": "max_leaves", "max_leaf_nodes": "max_leaves", "maxLeaves": "max_leaves", "leaves": "max_leaves",
	"eta": "learning_rate", "stepSize": "learning_rate", "lr": "learning_rate",
	"maxBins": "max_bins", "max_bin": "max_bins",
	"min_instances": "min_samples_leaf", "minInstancesPerNode": "min_samples_leaf", "min_instances_per_node": "min_samples_leaf",
	"gamma": "min_split_loss", "minInfoGain": "min_split_loss",
	"lambda": "l2", "reg_lambda": "l2", "l2_regularization": "l2",
	"alpha": "l1", "reg_alpha": "l1", "maxDeltaStep": "max_delta_step",
	"subsamplingRate": "subsample", "scalePosWeight": "scale_pos_weight",
	"feature_fraction": "colsample_bytree", "feature_fraction_bynode": "colsample_bynode",
}

// baseScoreFlag refuses a --base-score the objective cannot start from,
// saying why (gbt.Objective.BaseMargin).
func baseScoreFlag(obj gbt.Objective, v float64) error {
	_, err := obj.BaseMargin(v)
	if bse, ok := errors.AsType[*gbt.BaseScoreError](err); ok {
		return fmt.Errorf("--base-score %v is %s", v, bse.Reason)
	}
	return err
}

func intParam(dst *int, v float64, lo, hi int) error {
	if v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
		return fmt.Errorf("%v is not a whole number from %d to %d", v, lo, hi)
	}
	*dst = int(v)
	return nil
}

// floatParam sets a finite option that must be above 0 (positive) or at
// least 0, and at most 1 (fraction).
func floatParam(dst *float64, v float64, positive, fraction bool) error {
	switch {
	case fraction && !(v > 0 && v <= 1):
		return fmt.Errorf("%v is not in (0, 1]", v)
	case positive && !(v > 0):
		return fmt.Errorf("%v is not above 0", v)
	case v < 0:
		return fmt.Errorf("%v is negative", v)
	}
	*dst = v
	return nil
}

// canonicalGrid renames grid axes to the option names, refusing unknown
// ones before any work.
func canonicalGrid(g selection.Grid) (selection.Grid, error) {
	seen := map[string]bool{}
	for i := range g {
		name := g[i].Name
		if a, ok := gbtAliases[name]; ok {
			name = a
		}
		if _, ok := gbtParams[name]; !ok {
			known := slices.Sorted(func(yield func(string) bool) {
				for k := range gbtParams {
					if !yield(k) {
						return
					}
				}
			})
			return nil, fmt.Errorf("--grid: unknown setting %q (settings: %s; Spark's and XGBoost's names work too)", g[i].Name, strings.Join(known, ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("--grid: %q is given twice (under two names)", name)
		}
		seen[name] = true
		g[i].Name = name
		probe := gbt.New()
		for _, v := range g[i].Values {
			if err := gbtParams[name](probe, v); err != nil {
				return nil, fmt.Errorf("--grid %s: %w", name, err)
			}
		}
	}
	return g, nil
}

// gridFlag is the flag that sets the same as the canonical grid setting
// name (a key of gbtParams).
func gridFlag(name string) string {
	switch name {
	case "num_trees":
		return "trees"
	case "learning_rate":
		return "lr"
	}
	return strings.ReplaceAll(name, "_", "-")
}

// applyPoint sets a grid point's options on m. A point growing best first
// (max_leaves above 0) with no depth of its own and no --max-depth
// (depthSet) has no practical depth bound, as --max-leaves alone has.
func applyPoint(m *gbt.Model, p selection.Point, depthSet bool) error {
	for k, v := range p {
		if err := gbtParams[k](m, v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if _, ok := p["max_depth"]; !ok && !depthSet && m.MaxLeaves > 0 {
		m.MaxDepth = 30
	}
	return nil
}

func runGBT(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gbt", stdout,
		"usage: ember gbt --data FILE --target COLUMN [options]\n"+
			"\nFits gradient-boosted trees (histogram splits, as XGBoost's hist and scikit-learn's\n"+
			"HistGradientBoosting) to a CSV/TSV or Parquet table and reports held-out ROC AUC\n"+
			"(for more than two classes one-vs-rest, macro and weighted), log-loss, accuracy, the confusion matrix and feature importances\n"+
			"(regression: RMSE, and the mean deviance of count:poisson, reg:tweedie, reg:gamma,\n"+
			"the pseudo-Huber loss, the mean absolute error, the mean squared log error of\n"+
			"reg:squaredlogerror, or reg:logistic's log loss), weighted by --weight when given, as\n"+
			"scikit-learn's metrics with sample_weight; for a ranking (--objective rank:pairwise, rank:ndcg or\n"+
			"rank:map, relevance grades in the target, query ids in --group) NDCG and MAP over held-out\n"+
			"queries; binary:hinge, which gives no probabilities, has no log loss and its ROC AUC\n"+
			"ranks the margins; for survival times (--objective survival:cox, or survival:aft with\n"+
			"--label-upper), the objective's negative log likelihood and Harrell's C-index.\n"+
			"A target of more than two classes is fitted with\n"+
			"multi:softprob, one tree per class a round, as XGBClassifier does. Missing values\n"+
			"are kept and routed by each split's learned default.\n"+
			"Columns: numeric unless listed in --categorical (one-hot, named column=value,\n"+
			"or with --categorical-mode native one feature of category codes) or\n"+
			"--tokens (token counts); without --features every other column is used, a\n"+
			"column of mostly non-numeric values is taken as categorical (unless it looks\n"+
			"like an ID: a distinct value in most rows), and a stray word in a column of\n"+
			"numbers is an error naming its line. With --cv K and --grid,\n"+
			"each grid point is scored by K-fold cross-validation on the training rows\n"+
			"(stratified for a classifier, shuffled for a regressor or survival times, as\n"+
			"scikit-learn's StratifiedKFold and KFold; whole queries for a ranking; folds in\n"+
			"parallel) and the best point is refitted on all of them.\n"+
			"--save keeps the fitted pipeline and model for ember score.\n")
	data := fs.Input("data", "", "CSV, TSV or Parquet `file` with named columns (or see --no-header)", cli.Required())
	layout := layoutFlags(fs)
	target := fs.String("target", "", "`column` to predict", cli.Required())
	features := fs.String("features", "", "comma-separated feature `columns`", cli.DefaultText("every other column"), cli.NotEmpty("the feature columns"))
	exclude := fs.String("exclude", "", "comma-separated `columns` left out of the default features (an ID column, say)")
	categorical := fs.String("categorical", "", "comma-separated `columns` of categories (one-hot encoded, or see --categorical-mode)")
	catMode := fs.Choice("categorical-mode", "onehot", []string{"onehot", "native"},
		"how categorical columns become features: onehot, a 0/1 feature per value; native, one feature of category codes "+
			"(the training values in sorted order) split by sets of categories, as XGBoost's enable_categorical does. Native: at most "+
			strconv.Itoa(gbt.MaxCategories)+" categories a column, and no more than --max-bins; a value not seen in training "+
			"is in no split's set and goes left, as XGBoost sends it from a numeric DMatrix")
	tokens := fs.String("tokens", "", "comma-separated `columns` holding token lists, counted per token")
	checkListedOnce(fs, map[string]*string{"features": features, "exclude": exclude, "categorical": categorical, "tokens": tokens})
	tokenSep := fs.String("token-sep", "", "`separator` of the tokens in a --tokens cell", cli.DefaultText("spaces"))
	maxVocab := fs.Int("max-vocab", 0, 0, 1<<30, "keep the most frequent tokens per --tokens column (0: all)")
	minDF := fs.Int("min-df", 1, 1, 1<<30, "keep tokens found in at least this many rows")
	impute := fs.Choice("impute", "none", []string{"none", "mean", "median", "most_frequent", "constant"},
		"fill missing numeric values (none: keep them missing; the trees learn where they go)")
	fill := fs.Float("fill-value", 0, cli.Between(-math.MaxFloat32, math.MaxFloat32), "value for --impute constant (the features are float32)")
	objective := fs.Choice("objective", string(gbt.BinaryLogistic), []string{string(gbt.BinaryLogistic), string(gbt.MultiSoftprob), string(gbt.SquaredError),
		string(gbt.CountPoisson), string(gbt.Tweedie), string(gbt.Gamma), string(gbt.PseudoHuber), string(gbt.AbsoluteError),
		string(gbt.RankPairwise), string(gbt.RankNDCG), string(gbt.RankMAP),
		string(gbt.SquaredLogError), string(gbt.RegLogistic), string(gbt.BinaryLogitRaw), string(gbt.BinaryHinge), string(gbt.MultiSoftmax),
		string(gbt.SurvivalCox), string(gbt.SurvivalAFT)},
		"loss: classification (multi:softprob by itself for more than two classes) or regression: squared error; "+
			"count:poisson for counts, reg:tweedie for totals often 0 (claim cost), reg:gamma for positive amounts (claim size), "+
			"all three predicting the mean through a log link; reg:pseudohubererror for a number with outliers; "+
			"reg:absoluteerror (L1) for the median, each leaf set to its rows' median residual; "+
			"or learning to rank the documents of each --group query by relevance grades 0-31: rank:pairwise (pairs of documents), "+
			"rank:ndcg (LambdaRank for NDCG), rank:map (for MAP), predicting scores whose order within a query is the ranking (XGBoost's objectives). "+
			"Also XGBoost's reg:squaredlogerror (squared error of log(1+target), targets above -1; --max-delta-step 1 steadies it on targets near -1), reg:logistic (targets from 0 to 1, predicted through the logistic), "+
			"binary:logitraw (binary:logistic's fit, ember score and predict giving the margin, the log-odds), binary:hinge (a boosted SVM: classes, no probabilities) "+
			"and multi:softmax (multi:softprob's fit, XGBoost predicting the class)")
	labelUpper := fs.String("label-upper", "", "survival:aft's `column` of upper bounds on the times (XGBoost's label_upper_bound; --target is the lower bound, 0 for left-censored): "+
		"equal to the lower bound for an observed time, empty or inf for a right-censored row, else an interval", cli.DefaultText("none: every time observed"))
	eventCol := fs.String("event", "", "survival:cox's `column` of event flags, 1 (or true) where the event was seen at the --target time, 0 (or false) where the row was censored then; "+
		"without it a negative time marks a censored row, as XGBoost's label")
	aftDist := fs.Choice("aft-distribution", string(gbt.AFTNormal), []string{string(gbt.AFTNormal), string(gbt.AFTLogistic), string(gbt.AFTExtreme)},
		"survival:aft's distribution of the log time about the prediction (XGBoost's aft_loss_distribution): normal (log-normal times), logistic (log-logistic), extreme (Weibull)")
	aftSigma := fs.Float("aft-sigma", 1, cli.Range{Min: 0, MinOpen: true, Max: math.MaxFloat32},
		"survival:aft's scale of that distribution, in log-time units (XGBoost's aft_loss_distribution_scale)")
	tweediePower := fs.Float("tweedie-variance-power", 1.5, cli.Range{Min: 1, Max: 2, MaxOpen: true},
		"reg:tweedie's variance power (XGBoost's tweedie_variance_power): near 1 Poisson-like, near 2 gamma-like")
	huberSlope := fs.Float("huber-slope", 1, cli.Above(0),
		"reg:pseudohubererror's slope δ (XGBoost's huber_slope), in the target's units: residuals beyond about δ count linearly, not squared")
	baseScore := fs.Float("base-score", 0, cli.Range{Min: math.Inf(-1), Max: math.Inf(1)},
		"XGBoost's base_score: where every row's prediction starts, before the first tree, in the target's terms, as XGBoost takes it: "+
			"a probability in (0, 1) for binary:logistic and reg:logistic (the start is its log-odds); a mean above 0 for count:poisson, reg:tweedie, reg:gamma, "+
			"survival:cox and survival:aft (its log); for the others the score itself, any number (binary:logitraw's is the log-odds; every class's for multi:softprob). "+
			"XGBoost 1.7 starts most objectives from 0.5: with --binning xgboost, --base-score 0.5 starts where XGBoost does by default, so that the two fits can be compared tree for tree",
		cli.DefaultText("ember's estimate from the training targets: the log-odds of the positive share, the mean, the log of the mean, the log class shares, "+
			"or what minimises the objective's loss"))
	trees := fs.Int("trees", 100, 1, 1_000_000, "boosting rounds (one tree each; one per class for multi:softprob)")
	depth := fs.Int("max-depth", 6, 1, 30, "deepest leaf (the root is depth 0; with --max-leaves the default is 30, no practical bound, as LightGBM's and scikit-learn's)")
	maxLeaves := fs.Int("max-leaves", 0, 0, gbt.MaxLeaves, "grow each tree best first to this many leaves (LightGBM's num_leaves, scikit-learn's max_leaf_nodes, XGBoost's lossguide; --max-depth still bounds it); 0: depth by depth")
	lr := fs.Float("lr", 0.1, cli.Above(0), "learning rate (shrinkage of each tree; one that takes a leaf value beyond float32's range, 3.4e38, stops the fit with an error)")
	bins := fs.Int("max-bins", gbt.MaxBins, 2, gbt.MaxBins, "value bins per feature (scikit-learn's max_bins; XGBoost's max_bin, whose default 256 is one more than ember holds)")
	binning := fs.Choice("binning", "sklearn", []string{"sklearn", "xgboost"},
		"how features are cut into bins: sklearn, scikit-learn's quantiles of up to 200,000 rows (its HistGradientBoosting's); "+
			"xgboost, XGBoost 1.7's hist cuts bit for bit (its weighted quantile sketch of every row, weighted by --weight), with splits scanned in XGBoost's order, "+
			"so that the trees are XGBoost's hist trees (tree_method=hist, max_bin=--max-bins) on continuous columns too")
	minLeaf := fs.Int("min-samples-leaf", 1, 1, 1<<30, "fewest training rows in a leaf (Spark's minInstancesPerNode)")
	minChild := fs.Float("min-child-weight", 1e-3, cli.AtLeast(0), "smallest hessian sum in a leaf")
	gamma := fs.Float("min-split-loss", 0, cli.AtLeast(0), "loss reduction a split must exceed (XGBoost's gamma)")
	l2 := fs.Float("l2", 1, cli.AtLeast(0), "L2 penalty on leaf values (XGBoost's lambda)")
	l1 := fs.Float("l1", 0, cli.AtLeast(0), "L1 penalty on leaf values (XGBoost's alpha): a leaf whose gradient sum is within it of 0 gets 0, the others shrink towards 0 (0: none)")
	maxDelta := fs.Float("max-delta-step", 0, cli.AtLeast(0),
		"largest step a leaf may take before --lr shrinks it (XGBoost's max_delta_step; 1 to 10 can steady a fit of very rare positives; 0: no bound). "+
			"count:poisson, as XGBoost, takes 0.7 unless given, and also shifts its hessian by it (0: neither)", cli.DefaultText("0; 0.7 for count:poisson"))
	monotoneText := fs.String("monotone", "",
		"make predictions rise (+1) or fall (-1) as each of these numeric `columns` rises, the other features held, "+
			"e.g. 'LIMIT_BAL:-1,PAY_0:+1' (XGBoost's monotone_constraints): a split that would break it is not made. "+
			"With more than two classes each class's score (margin) is constrained, not its probability")
	subsample := fs.Float("subsample", 1, cli.Range{Min: 0, MinOpen: true, Max: 1}, "fraction of rows each tree is grown on")
	colsTree := fs.Float("colsample-bytree", 1, cli.Range{Min: 0, MinOpen: true, Max: 1},
		"fraction of the features (after one-hot encoding) each tree may split on, drawn anew for each tree (XGBoost's colsample_bytree, LightGBM's feature_fraction)")
	colsLevel := fs.Float("colsample-bylevel", 1, cli.Range{Min: 0, MinOpen: true, Max: 1},
		"fraction of the tree's features each depth of it may split on, drawn anew for each depth (XGBoost's colsample_bylevel)")
	colsNode := fs.Float("colsample-bynode", 1, cli.Range{Min: 0, MinOpen: true, Max: 1},
		"fraction of the depth's features each split chooses from, drawn anew for each node (XGBoost's colsample_bynode). "+
			"The three multiply: 0.5 each leaves a split an eighth of the features; each draw keeps at least one")
	weightsText := fs.String("feature-weights", "",
		"weigh the features' chances in the --colsample-* draws (XGBoost's feature_weights): a comma list of `feature=weight`, e.g. 'age=2,city=0,city=Oslo=3,3=0.5', "+
			"each feature a column's name, a one-hot feature's name (column=value), or the index of a numeric (or --categorical-mode native) feature ('\"3\"=2', in double quotes, is the column named 3, as --no-header names them); unlisted features weigh 1. "+
			"A one-hot encoded column's name gives each of its one-hot features the weight (so city=1 changes nothing, and city=0 keeps all of them out of the draws); "+
			"with --categorical-mode native the column is one feature, drawn as one. "+
			"Each draw picks features one by one, each with its weight's share of those left; a feature of weight 0 only when a draw keeps more features than weigh above 0")
	interactText := fs.String("interaction-constraints", "",
		"`sets` of features that may interact (XGBoost's interaction_constraints), as a JSON list of lists of column names, one-hot features' names (column=value) "+
			"or indices of numeric (or --categorical-mode native) features, e.g. '[[\"age\",\"income\"],[\"city\",\"debt\"]]' or '[[0,1],[2,3]]': below the root a split may use a feature "+
			"only if one set holds it and every feature split on above it. A one-hot encoded column's name puts all of its one-hot features in the set; "+
			"with --categorical-mode native the column is one feature. A feature in no set is split on alone; '[]' keeps every feature apart (an additive model)")
	weightCol := fs.String("weight", "", "`column` of sample weights (XGBoost's and scikit-learn's sample_weight): the fit, --early-stopping's metric, the --cv scores "+
		"and the held-out scores (scikit-learn's metrics with sample_weight; the confusion matrix sums weights) are weighted, so a --test file needs the column; "+
		"not the ranking metrics, cox-nloglik or Harrell's C-index, which are unweighted, as XGBoost's and scikit-survival's")
	groupCol := fs.String("group", "", "`column` of query ids for a rank:* objective (XGBoost's qid, LightGBM's group): the documents of a query are ranked against each other, "+
		"and a query's rows must be together in the file. The held-out rows, --early-stopping's and the --cv folds are whole queries; --weight weighs queries, so a query's rows weigh alike. "+
		"--save records it, so that ember predict scores the ranking (NDCG, MAP) of a file that has it and the grades")
	positive := fs.String("positive", "", "the positive `class` of a two-class target, whose probability the model gives (scikit-learn's pos_label)", cli.DefaultText("the second in sorted order, as LabelEncoder numbers them"))
	spw := fs.Float("scale-pos-weight", 1, cli.Above(0), "weight of the rows whose target is 1, as XGBoost's scale_pos_weight: the positive class of binary:logistic and binary:logitraw "+
		"(negatives/positives balances the classes), and the rows whose target is exactly 1 of reg:logistic, reg:squarederror and reg:squaredlogerror (XGBoost 1.7's RegLossObj); "+
		"the other objectives, which XGBoost fits without reading it, refuse it")
	early := fs.Int("early-stopping", 0, 0, 1_000_000, "stop after this many rounds without improvement on --valid-frac of the training rows, and keep the trees up to the best round, "+
		"as XGBoost's early_stopping_rounds and best_iteration: improvement of --metric when given (XGBoost's eval_metric; roc_auc and c_index rising, the others falling), "+
		"else of the objective's own loss (a ranking's metric rising) (0: off)")
	validFrac := fs.Float("valid-frac", 0.1, cli.Range{Min: 0, MinOpen: true, Max: 1, MaxOpen: true}, "fraction of training rows held out for --early-stopping")
	testPath := fs.Input("test", "", "score on this `file` instead of a split of --data")
	testFrac := fs.Float("test-frac", 0.25, cli.Range{Min: 0, Max: 1, MaxOpen: true}, "fraction of --data held out for scoring, stratified (0: score on the training rows)")
	cv := fs.Int("cv", 0, 0, 100, "cross-validate --grid with this many folds, stratified for a classifier, shuffled (by --seed) for a regressor or survival times, whole queries for a rank:* objective (0: off)")
	gridText := fs.String("grid", "", "parameter grid, e.g. 'max_depth=3,4;min_samples_leaf=2,3;max_bins=50,55'; the other settings come from their flags (a setting in the grid is refused as a flag too)")
	metricName := fs.String("metric", "roc_auc",
		"`name` of what --cv selects by and, when given, what --early-stopping watches on its validation rows (XGBoost's eval_metric; without it, the objective's own loss), "+
			"by ember's name or by XGBoost's of the same, in brackets (the summary and --json name it as ember does, whichever is given): "+
			"for a classifier roc_auc (auc), log_loss (logloss, mlogloss) or accuracy (error, error@0.5, merror: the share wrong, which ranks fits alike) (--cv's default is log_loss when the target has more than two classes; "+
			"roc_auc of more than two classes is each class's one-vs-rest ROC AUC weighted by its rows, or with --weight their weight, "+
			"in --cv as in --early-stopping: XGBoost's multi-class auc, scikit-learn's scoring=\"roc_auc_ovr_weighted\"); "+
			"for a regressor rmse, mae (mean absolute error), or deviance, the objective's mean deviance as ember gbt reports it (lowest wins), "+
			"which ranks fits as the objective's loss by XGBoost's name does (count:poisson's poisson-nloglik, reg:gamma's gamma-nloglik or gamma-deviance, "+
			"reg:tweedie's tweedie-nloglik@P at P = --tweedie-variance-power, reg:pseudohubererror's mphe, reg:squaredlogerror's rmsle, reg:logistic's logloss; "+
			"--cv averages the folds' deviance); "+
			"for a rank:* objective ndcg, ndcg@k, map or map@k, with - after it to score a query without relevant documents 0, not 1 (XGBoost's names, highest wins), "+
			"which --early-stopping watches given or not; "+
			"for survival:cox and survival:aft nloglik, the objective's negative log likelihood (cox-nloglik unweighted, aft-nloglik weighted by --weight; lowest wins), "+
			"or c_index, Harrell's C-index, unweighted (highest wins); "+
			"XGBoost's other metrics (mape, aucpr, error@t but 0.5, another objective's loss, …) are refused",
		cli.DefaultText("roc_auc; a regressor's deviance, rmse for reg:squarederror, mae for reg:absoluteerror; ndcg for rank:pairwise and rank:ndcg, map for rank:map; nloglik for survival:*"))
	parallel := fs.Int("parallel", 0, 0, 1024, "cross-validation fits run at once (0: one per core)")
	threads := fs.Int("threads", 0, 0, 1024, "cores for training and scoring (0: all)")
	seed := fs.Uint64("seed", 1, "random seed (splits, folds, binning sample, row and column subsampling)")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	plotPrefix := fs.OutputPrefix("plot", "write PREFIX-importance.png, and for a classifier PREFIX-confusion.png and (two classes) PREFIX-roc.png",
		[]string{"-roc.png", "-confusion.png", "-importance.png"})
	save := fs.Output("save", "", "save the fitted pipeline and model to this `file` (see ember score)")
	var grid selection.Grid
	var monotone []monotoneRule
	var interactions [][]featureRef
	var weightRules []weightRule
	fs.Check(func() error {
		var err error
		monotone, err = parseMonotone(*monotoneText)
		return err
	})
	fs.Check(func() error {
		var err error
		interactions, err = parseInteractions(*interactText)
		return err
	})
	fs.Check(func() error {
		var err error
		weightRules, err = parseFeatureWeights(*weightsText)
		return err
	})
	fs.Check(func() error {
		if *testPath != "" && fs.IsSet("test-frac") {
			return errors.New("--test and --test-frac exclude each other")
		}
		if (*cv > 0) != (*gridText != "") {
			return errors.New("--cv and --grid go together: --cv K --grid 'name=v1,v2;...'")
		}
		if *cv == 1 {
			return errors.New("--cv needs at least 2 folds")
		}
		if *cv > 0 {
			g, err := selection.ParseGrid(*gridText)
			if err == nil {
				g, err = canonicalGrid(g)
			}
			if err != nil {
				return err
			}
			for _, axis := range g {
				if flag := gridFlag(axis.Name); fs.IsSet(flag) {
					return fmt.Errorf("--%s %s and --grid %s both set it, and the grid's values would replace the flag's: leave one out",
						flag, fs.Value(flag), axis.Name)
				}
			}
			grid = g
		}
		if *exclude != "" && *features != "" {
			return errors.New("--exclude trims the default feature set; with --features, list just the columns you want")
		}
		rank := gbt.Objective(*objective).Ranking()
		switch {
		case rank && *groupCol == "":
			return fmt.Errorf("--objective %s ranks the documents of queries: name the column of query ids with --group", *objective)
		case !rank && *groupCol != "":
			return fmt.Errorf("--group names the queries of a rank:* objective; --objective is %s", *objective)
		case *groupCol != "" && (*groupCol == *target || *groupCol == *weightCol):
			return fmt.Errorf("--group %s is also the --target or --weight column", *groupCol)
		case !rank && fs.IsSet("metric") && isRankMetric(*metricName) && !fs.IsSet("objective"):
			return fmt.Errorf("--metric %s scores a ranking: give a rank objective, --objective rank:pairwise, rank:ndcg or rank:map, with --group", *metricName)
		case !rank && fs.IsSet("metric") && isRankMetric(*metricName):
			return fmt.Errorf("--metric %s scores a ranking; --objective %s does not rank (rank:pairwise, rank:ndcg and rank:map do)", *metricName, *objective)
		}
		if !rank && fs.IsSet("metric") {
			// XGBoost's name read as ember's, which is all that follows sees.
			m, err := gbtMetric(gbt.Objective(*objective), *metricName, *tweediePower)
			if err != nil {
				return err
			}
			*metricName = m
		}
		if rank {
			if err := rankMetricFlag(gbt.Objective(*objective), metricName, fs.IsSet("metric")); err != nil {
				return err
			}
		}
		if fs.IsSet("metric") && *cv == 0 && *early == 0 && !rank {
			return errors.New("--metric is what --cv selects by; it needs --cv and --grid, or --early-stopping N, which then watches it")
		}
		if fs.IsSet("parallel") && *cv == 0 {
			return errors.New("--parallel runs cross-validation fits at once; it needs --cv and --grid")
		}
		if *positive != "" && !gbt.Objective(*objective).Classifier() {
			return fmt.Errorf("--positive names the positive class of a classifier; --objective %s predicts a number", *objective)
		}
		if fs.IsSet("tweedie-variance-power") && *objective != string(gbt.Tweedie) {
			return fmt.Errorf("--tweedie-variance-power is reg:tweedie's; --objective is %s", *objective)
		}
		if err := survivalFlags(gbt.Objective(*objective), fs.IsSet, *labelUpper, *eventCol, *target, *weightCol); err != nil {
			return err
		}
		// Without --objective a classifier's is chosen by its classes
		// (multi:softprob, any number, for more than two): checked once
		// they are known.
		if fs.IsSet("base-score") && fs.IsSet("objective") {
			if err := baseScoreFlag(gbt.Objective(*objective), *baseScore); err != nil {
				return err
			}
		}
		if fs.IsSet("huber-slope") && *objective != string(gbt.PseudoHuber) {
			return fmt.Errorf("--huber-slope is reg:pseudohubererror's; --objective is %s", *objective)
		}
		if *monotoneText != "" && *objective == string(gbt.AbsoluteError) {
			return fmt.Errorf("--monotone with --objective %s: its leaves are set to medians after each tree is grown, which the constraints do not bound; use reg:pseudohubererror for a monotone fit robust to outliers", *objective)
		}
		if fs.IsSet("valid-frac") && *early == 0 {
			return errors.New("--valid-frac is the validation share of --early-stopping; it needs --early-stopping N")
		}
		for _, name := range []string{"token-sep", "max-vocab", "min-df"} {
			if fs.IsSet(name) && *tokens == "" {
				return fmt.Errorf("--%s applies to --tokens columns; there are none", name)
			}
		}
		if fs.IsSet("scale-pos-weight") && !gbt.Objective(*objective).ScalesPositives() {
			return fmt.Errorf("--scale-pos-weight weighs the rows whose target is 1 (XGBoost's scale_pos_weight) of binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror; XGBoost fits --objective %s without reading it", *objective)
		}
		if !gbt.Objective(*objective).ScalesPositives() && slices.ContainsFunc(grid, func(a selection.Param) bool { return a.Name == "scale_pos_weight" }) {
			return fmt.Errorf("--grid scale_pos_weight weighs the rows whose target is 1 of binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror; XGBoost fits --objective %s without reading it", *objective)
		}
		if *weightCol != "" && *weightCol == *target {
			return fmt.Errorf("--weight %s is the --target column", *weightCol)
		}
		if *maxLeaves == 1 {
			return errors.New("--max-leaves 1 would make every tree a single leaf: give 2 or more, or 0 to grow depth by depth")
		}
		if fs.IsSet("fill-value") && *impute != "constant" {
			return errors.New("--fill-value is the value of --impute constant; add --impute constant, or drop --fill-value")
		}
		if *cv > 0 && !rank && !fs.IsSet("metric") {
			*metricName = cvMetric(gbt.Objective(*objective))
		}
		return nil
	})
	// Feature weights weigh column sampling's draws: without any, they do nothing.
	fs.Check(func() error {
		if *weightsText == "" || *colsTree < 1 || *colsLevel < 1 || *colsNode < 1 || slices.ContainsFunc(grid, func(a selection.Param) bool {
			return strings.HasPrefix(a.Name, "colsample_")
		}) {
			return nil
		}
		return errors.New("--feature-weights weighs the features drawn by --colsample-bytree, --colsample-bylevel and --colsample-bynode; with all three 1 nothing is drawn: give one below 1")
	})
	// A column is one-hot encoded or counted as tokens, not both.
	fs.Check(func() error {
		var both []string
		for _, c := range splitList(*tokens) {
			if slices.Contains(splitList(*categorical), c) && !slices.Contains(both, c) {
				both = append(both, c)
			}
		}
		if both != nil {
			return fmt.Errorf("--categorical and --tokens both list %s: a column is one-hot encoded or counted as tokens, not both", strings.Join(both, ", "))
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	var warnings []string
	warn := func(format string, a ...any) {
		s := fmt.Sprintf(format, a...)
		warnings = append(warnings, s)
		fmt.Fprintln(stderr, "warning:", s)
	}
	if *maxLeaves > 0 && fs.IsSet("max-depth") && *depth < 30 && *maxLeaves > 1<<*depth {
		warn("--max-leaves %d cannot be reached within --max-depth %d (at most %d leaves); leave --max-depth out for no depth bound", *maxLeaves, *depth, 1<<*depth)
	}

	base := gbt.New()
	base.Objective = gbt.Objective(*objective)
	base.NumTrees, base.MaxDepth, base.LearningRate, base.MaxBins = *trees, *depth, *lr, *bins
	base.MaxLeaves = *maxLeaves
	if *binning == "xgboost" {
		base.Binning = gbt.BinningXGBoost // sklearn stays "", what a saved model records for it
	}
	if *maxLeaves > 0 && !fs.IsSet("max-depth") {
		base.MaxDepth = 30
	}
	base.MinSamplesLeaf, base.MinChildWeight, base.MinSplitLoss, base.L2 = *minLeaf, *minChild, *gamma, *l2
	base.L1, base.MaxDeltaStep = *l1, *maxDelta
	if base.Objective == gbt.CountPoisson && fs.IsSet("max-delta-step") && *maxDelta == 0 {
		base.MaxDeltaStep = gbt.NoDeltaStep // given as 0: XGBoost's max_delta_step=0, no shift and no bound
	}
	switch base.Objective {
	case gbt.Tweedie:
		base.TweedieVariancePower = *tweediePower
	case gbt.PseudoHuber:
		base.HuberSlope = *huberSlope
	case gbt.SurvivalAFT:
		base.AFTDistribution, base.AFTSigma = gbt.AFTDistribution(*aftDist), *aftSigma
	}
	base.Subsample, base.EarlyStoppingRounds, base.Seed, base.Threads = *subsample, *early, *seed, *threads
	base.ScalePosWeight = *spw
	base.ColsampleByTree, base.ColsampleByLevel, base.ColsampleByNode = *colsTree, *colsLevel, *colsNode
	rank := base.Objective.Ranking()
	if rank {
		base.RankMetric = *metricName
	}
	if *impute == "none" {
		*impute = ""
	}
	spec := tabular.Spec{Categorical: splitList(*categorical), Tokens: splitList(*tokens), TokenSep: *tokenSep,
		MaxVocab: *maxVocab, MinDF: *minDF, Impute: *impute, FillValue: *fill}
	if *catMode == "native" {
		spec.CategoricalEncoding = tabular.EncodeCodes
	}

	header, err := tableHeader(*data, *layout)
	if err != nil {
		return err
	}
	for _, c := range splitList(*exclude) {
		if !slices.Contains(header, c) {
			return fmt.Errorf("--exclude: %w", columnError(*data, c, *layout))
		}
	}
	// Only the columns the fit may use are read, so that a Parquet column
	// of a type ember cannot read stops it only when it is a feature.
	readCols := gbtColumns(header, splitList(*features), slices.Concat(spec.Categorical, spec.Tokens), splitList(*exclude),
		[]string{*target, *weightCol, *groupCol, *eventCol, *labelUpper})
	tb, err := readBatch(*data, readCols, *layout)
	if errors.Is(err, tabular.ErrColumn) {
		// Every column asked for is in the header: this one's type is
		// the trouble.
		return fmt.Errorf("%w (leave it out with --exclude %s, or list the columns to use with --features)", err, unreadColumn(*data, readCols, *layout))
	}
	if err != nil {
		return err
	}
	if tb.Column(*target) == nil {
		return columnError(*data, *target, *layout) // names the columns the file has
	}
	// notFeature refuses a column the flag names (--weight, --group, the
	// survival columns) that --features, --categorical or --tokens lists
	// too, and keeps it out of the default features.
	featureLists := slices.Concat(splitList(*features), spec.Categorical, spec.Tokens)
	except := append(splitList(*exclude), *target)
	notFeature := func(flag, col string) error {
		if slices.Contains(featureLists, col) {
			return fmt.Errorf("--%s %s is also a feature column", flag, col)
		}
		except = append([]string{col}, except...) // the target stays last, as chooseColumns reads it
		return nil
	}
	var weights []float64
	if *weightCol != "" {
		if weights, err = weightValues(tb, *weightCol); err != nil {
			return err
		}
		if err := notFeature("weight", *weightCol); err != nil {
			return err
		}
	}
	for _, c := range []struct{ flag, col string }{{"label-upper", *labelUpper}, {"event", *eventCol}} {
		if c.col == "" {
			continue
		}
		if err := notFeature(c.flag, c.col); err != nil {
			return err
		}
	}
	var queries []int // a rank objective's: each row's query
	if rank {
		if queries, err = queryValues(tb, *groupCol); err != nil {
			return err
		}
		if err := notFeature("group", *groupCol); err != nil {
			return err
		}
		if weights != nil {
			if err := queryWeights(tb, *weightCol, weights, queries); err != nil {
				return err
			}
		}
	}
	if err := chooseColumns(tb, &spec, *features, except, warn); err != nil {
		return err
	}
	// Every feature value is checked (a non-number in a numeric column
	// named by file and line) before any split or fit.
	pl0, err := tabular.Fit(spec, tb)
	if err != nil {
		return err
	}
	if *catMode == "native" {
		if len(spec.Categorical) == 0 {
			warn("--categorical-mode native: no column is categorical (list them in --categorical)")
		}
		if err := checkCategoryCounts(pl0, *data, *bins, grid); err != nil {
			return err
		}
		// Every pipeline of this spec puts the codes in the same columns.
		base.Categorical = pl0.CodeFeatures()
	}
	// Every pipeline of this spec puts each numeric column in the same
	// feature, too.
	if base.Monotone, err = monotoneFeatures(monotone, pl0, header, *data, *target, *weightCol); err != nil {
		return err
	}
	// The other per-feature options name features by keys that each fit's
	// pipeline resolves (fitPerFeature): one-hot features' indices differ
	// between them. Resolved here against every row, to check them first.
	featOpts, err := resolveFeatureOptions(interactions, weightRules, pl0, header, *data, *target, *weightCol)
	if err != nil {
		return err
	}
	// The dense float32 matrix of every row and its bins (a byte a value)
	// must fit in memory: one-hot and token features can make it huge.
	need := uint64(tb.Rows) * uint64(len(pl0.Features)) * 5
	if avail, ok := availableMemory(); ok && need > avail {
		return fmt.Errorf("%s: %d rows × %d features make a feature matrix of about %s, and %s of memory is available (each one-hot value and token is a feature: --max-vocab, --min-df, or fewer --categorical/--tokens columns make fewer)",
			*data, tb.Rows, len(pl0.Features), sysmem.Format(need), sysmem.Format(avail))
	}
	y, classes, err := targetValues(tb, *target, base.Objective)
	if err != nil {
		return err
	}
	if rank {
		if err := rankTargets(tb, *target, y); err != nil {
			return err
		}
	}
	// survival:aft's upper bounds (nil: observed times)
	upper, err := survivalTimes(tb, base.Objective, *target, *eventCol, *labelUpper, y)
	if err != nil {
		return err
	}
	// The splits (held-out, --early-stopping's) and the folds draw rows by
	// the classes' sorted order (strata), so that --positive picks which
	// probability the model gives without changing which rows are held out.
	strata := y
	if *positive != "" {
		if y, classes, err = setPositive(y, classes, *positive, *target); err != nil {
			return err
		}
	}
	if base.Objective.Classifier() {
		if base.Objective, err = classObjective(tb, *target, classes, base.Objective, fs.IsSet("objective")); err != nil {
			return err
		}
		*objective = string(base.Objective)
	}
	if fs.IsSet("base-score") {
		if err := baseScoreFlag(base.Objective, *baseScore); err != nil {
			return err
		}
		base.BaseScore = new(*baseScore)
	}
	if base.Objective == gbt.MultiSoftprob || base.Objective == gbt.MultiSoftmax {
		if fs.IsSet("scale-pos-weight") {
			return fmt.Errorf("--scale-pos-weight weighs the positive class of binary:logistic; %q has %d classes (%s): weigh rows with --weight instead", *target, len(classes), base.Objective)
		}
		if slices.ContainsFunc(grid, func(a selection.Param) bool { return a.Name == "scale_pos_weight" }) {
			return fmt.Errorf("--grid scale_pos_weight weighs the positive class of binary:logistic; %q has %d classes (%s)", *target, len(classes), base.Objective)
		}
		// Every class has trees, even one a split leaves out of training.
		base.NumClass = len(classes)
		// Without --metric, --cv selects among more than two classes by
		// log-loss, as it did before it could score their ROC AUC: a class
		// with fewer rows than folds, which leaves a fold's AUC undefined,
		// is then a warning rather than an error.
		if *cv > 0 && !fs.IsSet("metric") && len(classes) > 2 {
			*metricName = "log_loss"
		}
	}

	res := gbtResult{Data: *data, Test: *testPath, Target: *target, Objective: *objective, Numeric: spec.Numeric,
		Categorical: spec.Categorical, Tokens: spec.Tokens, Classes: classes, Weight: *weightCol, Group: *groupCol, Warnings: nil,
		LabelUpper: *labelUpper, Event: *eventCol}
	if *catMode == "native" {
		res.CatMode = "native"
	}
	var train, test *tabular.Batch
	var ytr, yte, wtr, wte []float64 // wtr, wte: the training and held-out rows' weights
	var qtr, qte []int               // a rank objective's queries of the training and held-out rows
	var utr, ute []float64           // survival:aft's upper bounds of the training and held-out rows
	res.EvalOn = "test"
	if *testPath != "" {
		train, ytr, wtr, qtr, utr = tb, y, weights, queries, upper
		cols := slices.Concat(spec.Numeric, spec.Categorical, spec.Tokens, []string{*target})
		if *weightCol != "" {
			cols = append(cols, *weightCol)
		}
		for _, c := range []string{*labelUpper, *eventCol} {
			if c != "" {
				cols = append(cols, c)
			}
		}
		if rank {
			cols = append(cols, *groupCol)
		}
		if test, err = readBatch(*testPath, cols, *layout); err != nil {
			return testWeightError(err, *testPath, *weightCol, *layout)
		}
		if yte, err = testTargets(test, *target, base.Objective, classes); err != nil {
			return err
		}
		if ute, err = survivalTimes(test, base.Objective, *target, *eventCol, *labelUpper, yte); err != nil {
			return err
		}
		if rank {
			if qte, err = queryValues(test, *groupCol); err != nil {
				return err
			}
			if err := rankTargets(test, *target, yte); err != nil {
				return err
			}
		}
		if *weightCol != "" { // the held-out scores are weighted
			if wte, err = weightValues(test, *weightCol); err != nil {
				return err
			}
		}
	} else {
		trIdx, teIdx := stratifiedSplit(strata, *testFrac, *seed, base.Objective.Classifier())
		if rank { // whole queries
			trIdx, teIdx = querySplit(queries, *testFrac, *seed)
			qtr, qte = pickInts(queries, trIdx), pickInts(queries, teIdx)
			if len(teIdx) == 0 && *testFrac > 0 {
				return fmt.Errorf("--test-frac %v holds out no query: %s has a single query, and the held-out rows are whole queries; use --test FILE, or --test-frac 0 to score on the training rows", *testFrac, *data)
			}
		}
		if len(trIdx) == 0 {
			return fmt.Errorf("--test-frac %v leaves no training rows out of %d", *testFrac, len(y))
		}
		if len(teIdx) == 0 && *testFrac > 0 {
			return noRowHeldOutGBT(fmt.Sprintf("--test-frac %v", *testFrac), *target, classes, "row in "+*data,
				"--test FILE, or --test-frac 0 to score on the training rows", fs.IsSet("objective"))
		}
		train, ytr, strata = tabular.SelectRows(tb, trIdx), pickFloats(y, trIdx), pickFloats(strata, trIdx)
		if weights != nil {
			wtr = pickFloats(weights, trIdx)
		}
		if upper != nil {
			utr, ute = pickFloats(upper, trIdx), pickFloats(upper, teIdx)
		}
		if len(teIdx) == 0 {
			res.EvalOn = "train"
			test, yte, wte, qte, ute = train, ytr, wtr, qtr, utr
		} else {
			test, yte = tabular.SelectRows(tb, teIdx), pickFloats(y, teIdx)
			if weights != nil {
				wte = pickFloats(weights, teIdx)
				if err := heldOutWeight(wte, *weightCol, "the held-out rows", "use a larger --test-frac, or other weights"); err != nil {
					return err
				}
			}
			// The split keeps a row of every class for training, so a class
			// of one row is never held out: say the scores cannot speak for it.
			if none := classesWithout(yte, classes); none != nil {
				warn("no held-out rows of class %s (too few rows to hold one out): the held-out scores say nothing about it", listClasses(none, 6))
			}
		}
	}
	if err := checkFitWeights(wtr, ytr, classes, base, *weightCol, "the training rows"); err != nil {
		return err
	}
	if base.Objective.Classifier() && countClasses(floatLabels(ytr)) < 2 {
		return fmt.Errorf("the training rows have a single class (%s); use more data or a smaller --test-frac", classes[int(ytr[0])])
	}

	if *cv > 0 && !base.Objective.Classifier() {
		folds, err := selection.KFold(len(ytr), *cv, *seed)
		if rank { // folds of whole queries
			folds, err = queryKFold(qtr, *cv, *seed)
		}
		if err != nil {
			return fmt.Errorf("--cv %d: %w", *cv, err)
		}
		metric := selection.RMSE
		switch *metricName {
		case "mae":
			metric = selection.MAE
		case "deviance":
			name, unit := devianceUnit(base)
			metric = selection.MeanLoss(name, unit)
		}
		targets, scoreWeights := ytr, wtr
		if rank {
			m, _ := metrics.ParseRankMetric(*metricName) // checked with the flags
			metric, targets, scoreWeights = rankCVMetric(m, floatLabels(ytr), qtr), rowNumbers(len(ytr)), nil
		}
		if base.Objective.Survival() {
			if err := survivalFolds(base.Objective, *metricName, folds, ytr, utr); err != nil {
				return fmt.Errorf("--cv %d: %w", *cv, err)
			}
			metric, targets = survivalCVMetric(base, *metricName, ytr, utr), rowNumbers(len(ytr))
			if !(*metricName == "nloglik" && base.Objective == gbt.SurvivalAFT) {
				scoreWeights = nil // unweighted, as XGBoost's cox-nloglik and the C-index
			}
		}
		start := time.Now()
		r, err := selection.CrossValidateValues(grid, folds, metric, *parallel, cvFit(base, featOpts, spec, train, ytr, wtr, qtr, utr, fs.IsSet("max-depth")), targets, scoreWeights)
		if err != nil {
			return cvError(err, *weightCol, *cv)
		}
		fmt.Fprintf(stderr, "cross-validated %d grid points × %d folds in %.1fs\n", len(r.Points), *cv, time.Since(start).Seconds())
		res.CV = r
		if err := applyPoint(base, r.Points[r.Best].Point, fs.IsSet("max-depth")); err != nil {
			return err
		}
	} else if *cv > 0 {
		labels := floatLabels(ytr)
		// A class with fewer training rows than folds leaves some folds
		// without it (scikit-learn warns): their ROC AUC is undefined, so
		// that metric is refused here, before any fit; the others go on.
		count := make([]int, len(classes))
		for _, c := range labels {
			count[c]++
		}
		for c := range len(classes) {
			if n := count[c]; n < *cv {
				rows := fmt.Sprintf("%d training rows", n)
				if n == 1 {
					rows = "1 training row"
				}
				if *metricName == "roc_auc" {
					if n < 2 { // two folds are the fewest, and one goes without it
						return fmt.Errorf("--cv %d: class %s has only %s, so a fold would have none and its ROC AUC is undefined: use --metric log_loss, or more data",
							*cv, classes[c], rows)
					}
					return fmt.Errorf("--cv %d: class %s has only %s, so some folds would have none and their ROC AUC is undefined: use --cv %d or fewer, or --metric log_loss",
						*cv, classes[c], rows, n)
				}
				warn("class %s has only %s, fewer than the %d folds: some folds have none of it", classes[c], rows, *cv)
			}
		}
		folds, err := selection.StratifiedKFold(floatLabels(strata), *cv, *seed)
		if err != nil {
			return err
		}
		metric, _ := selection.MetricByName(*metricName)
		fit := cvFit(base, featOpts, spec, train, ytr, wtr, nil, nil, fs.IsSet("max-depth"))
		start := time.Now()
		r, err := selection.CrossValidate(grid, folds, metric, *parallel, fit, labels, wtr)
		if err != nil {
			return cvError(err, *weightCol, *cv)
		}
		fmt.Fprintf(stderr, "cross-validated %d grid points × %d folds in %.1fs\n", len(r.Points), *cv, time.Since(start).Seconds())
		res.CV = r
		if err := applyPoint(base, r.Points[r.Best].Point, fs.IsSet("max-depth")); err != nil {
			return err
		}
	}

	pl, err := tabular.Fit(spec, train)
	if err != nil {
		return err
	}
	fitPerFeature(base, featOpts, pl)
	X, _, err := pl.Transform(train, nil)
	if err != nil {
		return err
	}
	Xte, rep, err := pl.Transform(test, nil)
	if err != nil {
		return err
	}
	for _, col := range slices.Sorted(mapKeys(rep.Unseen)) {
		warn("%d held-out rows have a value of %s never seen in training, e.g. %s: %s", rep.Unseen[col], col, rep.FirstUnseen[col], unseenEffect(pl, col))
	}
	res.Unseen = rep.Unseen
	res.NFeatures = len(pl.Features)
	var valid *gbt.EvalSet
	Xfit, yfit, wfit, qfit, ufit := X, ytr, wtr, qtr, utr
	if *early > 0 {
		trIdx, vaIdx := stratifiedSplit(strata, *validFrac, *seed+1, base.Objective.Classifier())
		if rank { // whole queries
			trIdx, vaIdx = querySplit(qtr, *validFrac, *seed+1)
		}
		switch {
		case len(vaIdx) == 0:
			fix := "or no --early-stopping"
			if *testPath == "" && *testFrac > 0 {
				fix = "a smaller --test-frac, or no --early-stopping"
			}
			return noRowHeldOutGBT(fmt.Sprintf("--early-stopping's --valid-frac %v", *validFrac), *target, classes, "training row", fix, fs.IsSet("objective"))
		case len(trIdx) == 0:
			return fmt.Errorf("--early-stopping's --valid-frac %v of the %d training rows leaves none to fit on: use more data, or no --early-stopping", *validFrac, len(ytr))
		}
		Xfit, yfit = X.SelectRows(trIdx), pickFloats(ytr, trIdx)
		valid = &gbt.EvalSet{X: X.SelectRows(vaIdx), Y: pickFloats(ytr, vaIdx)}
		if rank {
			qfit, valid.Query = pickInts(qtr, trIdx), pickInts(qtr, vaIdx)
		}
		if utr != nil {
			ufit, valid.Upper = pickFloats(utr, trIdx), pickFloats(utr, vaIdx)
		}
		if wtr != nil { // the validation loss weighted, as XGBoost weighs an eval set
			wfit, valid.W = pickFloats(wtr, trIdx), pickFloats(wtr, vaIdx)
			if err := checkFitWeights(wfit, yfit, classes, base, *weightCol, "the rows --early-stopping fits on"); err != nil {
				return err
			}
			if !slices.ContainsFunc(valid.W, func(v float64) bool { return v > 0 }) {
				return fmt.Errorf("--weight %s: every row of the --valid-frac validation split weighs 0, so its loss is undefined: use a larger --valid-frac, or other weights", *weightCol)
			}
		}
		res.NValid = len(vaIdx)
	}
	start := time.Now()
	if valid != nil && fs.IsSet("metric") && !rank {
		base.EvalMetric = evalMetric(base.Objective, *metricName)
	}
	if err := fitModel(base, Xfit, yfit, wfit, qfit, ufit, valid); err != nil {
		if ue := (*gbt.UndefinedMetricError)(nil); errors.As(err, &ue) {
			return fmt.Errorf("--early-stopping's validation split (--valid-frac %v of the training rows) %s, so --metric %s is undefined on it: use a larger --valid-frac, or another --metric",
				*validFrac, ue.Reason, *metricName)
		}
		return fitError(err)
	}
	res.TrainSecs = time.Since(start).Seconds()
	res.NTrain, res.NTest = Xfit.Rows, Xte.Rows
	if res.EvalOn == "train" {
		res.NTest = 0
	}
	res.Trees = base.Ensemble().NumTrees()
	res.Rounds = res.Trees / base.NumClasses()
	if *early > 0 {
		br := base.History().BestRound
		res.BestRound, res.EarlyStoppingMetric = &br, base.History().Metric
	}
	res.Params = map[string]float64{
		"num_trees": float64(base.NumTrees), "max_depth": float64(base.MaxDepth), "learning_rate": base.LearningRate,
		"max_bins": float64(base.MaxBins), "min_samples_leaf": float64(base.MinSamplesLeaf), "min_child_weight": base.MinChildWeight,
		"min_split_loss": base.MinSplitLoss, "l2": base.L2, "subsample": base.Subsample, "max_leaves": float64(base.MaxLeaves),
		"colsample_bytree": base.ColsampleByTree, "colsample_bylevel": base.ColsampleByLevel, "colsample_bynode": base.ColsampleByNode,
		"l1": base.L1, "max_delta_step": max(base.MaxDeltaStep, 0),
	}
	switch base.Objective {
	case gbt.Tweedie:
		res.Params["tweedie_variance_power"] = base.TweedieVariancePower
	case gbt.PseudoHuber:
		res.Params["huber_slope"] = base.HuberSlope
	case gbt.SurvivalAFT:
		res.Params["aft_sigma"] = base.AFTSigma
	}
	for _, r := range monotone {
		if res.Monotone == nil {
			res.Monotone = map[string]int{}
		}
		res.Monotone[r.column] = r.sign
	}
	for _, set := range base.InteractionConstraints {
		var names []string
		for _, j := range set {
			names = append(names, pl.Features[j])
		}
		res.Interactions = append(res.Interactions, names)
	}
	for _, r := range featOpts.weights {
		for _, j := range indices(r.keys, pl) {
			if res.FeatureWeights == nil {
				res.FeatureWeights = map[string]float64{}
			}
			res.FeatureWeights[pl.Features[j]] = r.weight
		}
	}
	if base.BaseScore != nil {
		res.Params["base_score"] = *base.BaseScore
	}
	// binary:logistic's is always reported; the other objectives that
	// read it report it when given.
	if base.Objective == gbt.BinaryLogistic || base.Objective.ScalesPositives() && base.ScalePosWeight != 1 {
		res.Params["scale_pos_weight"] = base.ScalePosWeight
	}
	p, err := heldOutPredictions(base, Xte)
	if err != nil {
		return err
	}
	var yInt []int
	var pos []float64 // P(the second class) of a two-class model, for its ROC
	res.ScoresWeighted = wte != nil
	if base.Objective.Classifier() {
		yInt = floatLabels(yte)
		k := base.NumClasses()
		pred, err := predictedClasses(base, Xte, p)
		if err != nil {
			return err
		}
		if k == 1 {
			pos = p
		} else if k == 2 { // multi:softprob asked for on two classes
			pos = metrics.ClassProba(p, 2, 1)
		}
		res.Confusion = metrics.ConfusionMatrix(yInt, pred, len(classes))
		if k >= 3 && base.Objective.Probabilistic() {
			ovr, err := ovrScores(yInt, metrics.ProbaRows(p, k), wte)
			if err != nil {
				warn("one-vs-rest ROC AUC: %v", err)
			}
			res.ROCAUCOVR = ovr
		}
		if wte == nil {
			acc := metrics.Accuracy(yInt, pred)
			res.Accuracy = &acc
			var ll float64
			if k == 1 {
				ll = metrics.BinaryLogLoss(yInt, p)
			} else {
				ll = metrics.LogLoss(yInt, metrics.ProbaRows(p, k))
			}
			if base.Objective.Probabilistic() {
				res.LogLoss = &ll
			}
			if pos != nil {
				if auc, err := metrics.ROCAUC(yInt, pos); err == nil {
					res.ROCAUC = &auc
				} else {
					warn("ROC AUC: %v", err)
				}
			}
			res.Report, _, _ = reportRows(metrics.Classification(yInt, pred, classes))
		} else {
			// As scikit-learn's metrics score with sample_weight=wte.
			res.WeightedConfusion = metrics.WeightedConfusionMatrix(yInt, pred, wte, len(classes))
			report := metrics.WeightedClassification(yInt, pred, wte, classes)
			res.Accuracy = &report.Accuracy
			res.Report, _, _ = reportRows(report)
			if base.Objective.Probabilistic() {
				ll, err := selection.LogLoss.Score(yInt, p, wte)
				if err != nil {
					return err
				}
				res.LogLoss = &ll
			}
			if pos != nil {
				if auc, err := selection.ROCAUC.Score(yInt, pos, wte); err == nil {
					res.ROCAUC = &auc
				} else {
					warn("weighted ROC AUC: %v", err)
				}
			}
		}
	} else if rank {
		// Unweighted, as XGBoost's ranking metrics: each query counts once.
		res.ScoresWeighted = false
		if res.RankScores, err = rankScores(*metricName, yte, p, qte); err != nil {
			return err
		}
		res.NQueries = len(slices.Compact(slices.Clone(qte)))
	} else if base.Objective.Survival() {
		if ute == nil && base.Objective == gbt.SurvivalAFT {
			ute = yte // observed times
		}
		// cox-nloglik and the C-index are unweighted, as XGBoost's and
		// scikit-survival's; aft-nloglik is weighted.
		res.ScoresWeighted = wte != nil && base.Objective == gbt.SurvivalAFT
		name, nll, c, cErr := survivalScores(base, yte, ute, p, wte)
		if math.IsNaN(nll) {
			warn("no %s: the held-out rows have no event (every time censored)", name)
		} else {
			res.NLogLik, res.NLogLikName = &nll, name
		}
		if cErr != nil {
			warn("no C-index: %v", cErr)
		} else {
			res.CIndex = &c
		}
	} else {
		rmse, name, dev, err := regressionScores(base, yte, p, wte)
		if err != nil {
			return err
		}
		res.RMSE = &rmse
		if name != "" {
			res.Deviance, res.DevianceName = &dev, name
		}
	}
	imp := base.Importance()
	var total float64
	for _, v := range imp {
		total += v
	}
	for i, v := range imp {
		share := 0.0
		if total > 0 {
			share = v / total
		}
		res.Importance = append(res.Importance, importanceRow{pl.Features[i], v, share})
	}
	slices.SortStableFunc(res.Importance, func(a, b importanceRow) int {
		switch {
		case a.Gain > b.Gain:
			return -1
		case a.Gain < b.Gain:
			return 1
		}
		return 0
	})

	if *plotPrefix != "" {
		on := fmt.Sprintf("%d held-out rows", res.NTest)
		if res.EvalOn == "train" {
			on = "training rows"
		}
		if yInt != nil && res.ROCAUC != nil {
			path := *plotPrefix + "-roc.png"
			// The curve is of the second class's probability: say which.
			rocOn := on
			if res.ScoresWeighted { // the curve counts rows, whatever they weigh
				rocOn += ", unweighted"
			}
			title := fmt.Sprintf("GBT: %s, positive class %q (%s)", *target, classes[1], rocOn)
			if err := plots.ROCCurve(path, yInt, pos, title); err != nil {
				return err
			}
			res.Plots = append(res.Plots, path)
		}
		if yInt != nil {
			path := *plotPrefix + "-confusion.png"
			// The heat map shows the matrix the text prints: sums of
			// weights when the scores are weighted, row counts otherwise.
			if res.WeightedConfusion != nil {
				title := fmt.Sprintf("GBT: %s (%s, weighted by column %q)", *target, on, *weightCol)
				if err := plots.WeightedConfusionHeatmap(path, res.WeightedConfusion, classes, title); err != nil {
					return err
				}
			} else if err := plots.ConfusionHeatmap(path, res.Confusion, classes, fmt.Sprintf("GBT: %s (%s)", *target, on)); err != nil {
				return err
			}
			res.Plots = append(res.Plots, path)
		}
		if total > 0 {
			path := *plotPrefix + "-importance.png"
			if err := plots.FeatureImportance(path, pl.Features, imp, importanceTop, importanceTitle(len(pl.Features), res.Trees)); err != nil {
				return err
			}
			res.Plots = append(res.Plots, path)
		} else {
			warn("no %s-importance.png: the trees made no split, so every feature's importance is zero", *plotPrefix)
		}
	}
	if *save != "" {
		info := trainingInfo{Data: *data, Test: *testPath, Rows: tb.Rows, NTrain: res.NTrain, NTest: res.NTest, Seed: *seed, EvalOn: res.EvalOn, Accuracy: res.Accuracy, Weight: *weightCol,
			AccuracyWeighted: res.ScoresWeighted}
		if base.Objective.Survival() {
			info.Survival = &survivalColumns{Event: *eventCol, LabelUpper: *labelUpper}
		}
		if err := gbt.Save(*save, &gbt.Saved{Model: base, Pipeline: pl, Target: *target, Group: *groupCol, Classes: classes, Training: info}); err != nil {
			return err
		}
		res.Saved = *save
	}
	res.Warnings = warnings
	printGBT(stdout, &res)
	if *asJSON {
		return cli.WriteJSON(stdout, res, nil)
	}
	return nil
}

// fitError words a fit's error for the command line: a leaf value beyond
// float32's range names the flags that set it.
func fitError(err error) error {
	var oe *gbt.OverflowError
	if !errors.As(err, &oe) {
		return err
	}
	if math.IsNaN(oe.Step) || math.IsInf(oe.Step, 0) {
		return fmt.Errorf("the fit stopped at round %d: a row's gradient is beyond float32's range, where gradients are kept (a leaf's sums are G %.3g, H %.3g), as its margin or target is too large: lower --lr (learning_rate in --grid) or raise --l2, or scale the target",
			oe.Round, oe.G, oe.H)
	}
	return fmt.Errorf("the fit stopped at round %d: a leaf value of %.3g (the Newton step −G/(H+λ) = %.3g times learning rate %g) is beyond float32's range (3.4e38), where leaf values are kept: lower --lr (learning_rate in --grid), or raise --l2",
		oe.Round, oe.Step*oe.LearningRate, oe.Step, oe.LearningRate)
}

// importanceTop is how many features the importance chart shows.
const importanceTop = 20

// importanceTitle titles the importance chart, saying when it shows only
// the top features.
func importanceTitle(features, trees int) string {
	if features > importanceTop {
		return fmt.Sprintf("GBT feature importance: top %d of %d features (%d trees)", importanceTop, features, trees)
	}
	return fmt.Sprintf("GBT feature importance (%d trees)", trees)
}

// unseenEffect says what becomes of a row whose value of categorical column
// col was never seen in training.
func unseenEffect(pl *tabular.Pipeline, col string) string {
	if pl.Spec.CategoricalEncoding == tabular.EncodeCodes {
		return fmt.Sprintf("their %s code is in no split's set, so they go left at each split on %s (as XGBoost sends an unseen code from a numeric DMatrix)", col, col)
	}
	return fmt.Sprintf("no %s=… feature is set for them", col)
}

// checkCategoryCounts refuses, before any fit, a --categorical-mode native
// column with more categories than a tree can split on: gbt's
// MaxCategories, and the bins of --max-bins (or of the smallest max_bins
// the grid tries).
func checkCategoryCounts(pl *tabular.Pipeline, data string, bins int, grid selection.Grid) error {
	limit, why := min(gbt.MaxCategories, bins), fmt.Sprintf("--max-bins %d", bins)
	for _, a := range grid {
		if a.Name == "max_bins" {
			for _, v := range a.Values {
				if int(v) < limit {
					limit, why = int(v), fmt.Sprintf("--grid max_bins=%v", v)
				}
			}
		}
	}
	if limit == gbt.MaxCategories {
		why = fmt.Sprintf("the most native categories, %d", gbt.MaxCategories)
	}
	for k, col := range pl.Spec.Categorical {
		if n := len(pl.Categories[k]); n > limit {
			return fmt.Errorf("%s: column %q has %d categories; --categorical-mode native splits at most %d a column (%s): use --categorical-mode onehot, or merge its rare values",
				data, col, n, limit, why)
		}
	}
	return nil
}

// availableMemory is sysmem.Available, replaced in tests.
var availableMemory = sysmem.Available

// readBatch reads a whole table (the named columns, or all).
func readBatch(path string, cols []string, layout tabular.Layout) (*tabular.Batch, error) {
	r, err := tabular.OpenLayout(path, cols, 0, layout)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return tabular.ReadAll(r)
}

// tableHeader is the names of a table file's columns.
func tableHeader(path string, layout tabular.Layout) ([]string, error) {
	r, err := tabular.OpenLayout(path, []string{}, 1, layout)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Header(), nil
}

// columnError is the error of a column a table has not got, as the
// reader gives it on opening path for that column (it names the columns
// the file has). Should the open succeed after all, the reader is closed
// and the error says the column was not read, so a caller never goes on
// without it.
func columnError(path, col string, layout tabular.Layout) error {
	r, err := tabular.OpenLayout(path, []string{col}, 1, layout)
	if err != nil {
		return err
	}
	r.Close()
	return fmt.Errorf("%s: column %q was not read", path, col)
}

// gbtColumns is the columns of header, in its order, that a fit reads:
// the features (the listed ones, or every column not excluded) and the
// columns the flags name (special; "" where a flag is unset).
func gbtColumns(header, features, encoded, exclude, special []string) []string {
	var cols []string
	for _, c := range header {
		use := slices.Contains(special, c) || slices.Contains(encoded, c)
		if len(features) > 0 {
			use = use || slices.Contains(features, c)
		} else {
			use = use || !slices.Contains(exclude, c)
		}
		if use {
			cols = append(cols, c)
		}
	}
	return cols
}

// unreadColumn is the first of cols that path's reader refuses, by name.
func unreadColumn(path string, cols []string, layout tabular.Layout) string {
	for _, c := range cols {
		r, err := tabular.OpenLayout(path, []string{c}, 1, layout)
		if errors.Is(err, tabular.ErrColumn) {
			return c
		}
		if err == nil {
			r.Close()
		}
	}
	return "COLUMN"
}

// chooseColumns fills the spec's numeric columns: --features less the
// categorical and token ones, or every other column, numeric when every
// value is a number and categorical otherwise.
func chooseColumns(b *tabular.Batch, spec *tabular.Spec, features string, except []string, warn func(string, ...any)) error {
	target := except[len(except)-1]
	for _, c := range slices.Concat(spec.Categorical, spec.Tokens) {
		if c == target {
			return fmt.Errorf("the --target column %q is also a feature column", c)
		}
		if b.Column(c) == nil {
			return columnError(b.Source, c, b.Layout)
		}
	}
	special := slices.Concat(spec.Categorical, spec.Tokens)
	if features != "" {
		for _, c := range splitList(features) {
			if c == target {
				return fmt.Errorf("--features includes the --target column %q", c)
			}
			if b.Column(c) == nil {
				return columnError(b.Source, c, b.Layout)
			}
			if !slices.Contains(special, c) {
				spec.Numeric = append(spec.Numeric, c)
			}
		}
		return nil
	}
	for _, c := range b.Columns {
		if slices.Contains(except, c.Name) || slices.Contains(special, c.Name) {
			continue
		}
		if c.Kind == tabular.Text {
			nums, words, first := countNumbers(c)
			if words > 0 && nums > words {
				// Mostly numbers: a typo to fix, or a missing-value marker
				// (UCI's "?"), not categories.
				how := "fix it, or leave the cell empty for a missing value"
				if v := c.Str[first]; tabular.LooksLikeNA(v) && b.Lines != nil { // Parquet has no --na-values
					how = fmt.Sprintf("--na-values %q reads it as a missing value", v)
				}
				return fmt.Errorf("%s, column %q: %q is not a number, though %d of its %d values are (%s; --categorical %s one-hot encodes the column instead)",
					b.Where(first), c.Name, c.Str[first], nums, nums+words, how, c.Name)
			}
			if words > 0 {
				if distinct := countDistinct(c); distinct > max(50, b.Rows/2) {
					// One one-hot feature per row: an ID, not a category.
					return fmt.Errorf("%s: column %q has %d distinct values in %d rows, as an identifier does: leave it out with --exclude %s (or list it in --categorical to one-hot encode it anyway)",
						b.Source, c.Name, distinct, b.Rows, c.Name)
				}
				spec.Categorical = append(spec.Categorical, c.Name)
				how := "one-hot encoding it"
				if spec.CategoricalEncoding == tabular.EncodeCodes {
					how = "taking it as categorical (native)"
				}
				warn("column %q has non-numeric values (%q, %s): %s (list it in --categorical to say so, or leave it out with --features)", c.Name, c.Str[first], b.Where(first), how)
				continue
			}
		}
		spec.Numeric = append(spec.Numeric, c.Name)
	}
	if len(spec.Numeric)+len(spec.Categorical)+len(spec.Tokens) == 0 {
		return fmt.Errorf("%s: no feature columns besides %q", b.Source, target)
	}
	return nil
}

// countDistinct counts a text column's distinct present values.
func countDistinct(c *tabular.Column) int {
	seen := map[string]bool{}
	for i, s := range c.Str {
		if c.Null == nil || !c.Null[i] {
			seen[s] = true
		}
	}
	return len(seen)
}

// countNumbers counts a text column's present values that are numbers and
// those that are not, and returns the row of the first that is not (-1:
// none). A number beyond float64's range ("1e400") counts as a number:
// reading the column as numbers says what is wrong with it.
func countNumbers(c *tabular.Column) (nums, words, first int) {
	first = -1
	for i, s := range c.Str {
		if c.Null != nil && c.Null[i] {
			continue
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			nums++
			continue
		}
		if first < 0 {
			first = i
		}
		words++
	}
	return nums, words, first
}

// targetValues reads the target: for a classifier, two or more distinct
// labels, numbered in sorted order (numerically when all are numbers);
// for a regressor, numbers. A missing target is an error naming the row.
func targetValues(b *tabular.Batch, target string, obj gbt.Objective) ([]float64, []string, error) {
	c := b.Column(target)
	y := make([]float64, b.Rows)
	if !obj.Classifier() {
		for i := range b.Rows {
			s, ok := c.Text(i)
			if !ok {
				return nil, nil, fmt.Errorf("%s, column %q: missing target value%s", b.Where(i), target, c.MissingMarker(i))
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("%s, column %q: %q is not a finite number (regression targets must be)", b.Where(i), target, s)
			}
			if math.Abs(v) > math.MaxFloat32 {
				return nil, nil, fmt.Errorf("%s, column %q: %q is beyond float32's range (±3.4e38), where the model keeps its values: scale the target", b.Where(i), target, s)
			}
			switch {
			case (obj == gbt.CountPoisson || obj == gbt.Tweedie) && v < 0:
				return nil, nil, fmt.Errorf("%s, column %q: %q is negative; --objective %s needs targets of 0 or more", b.Where(i), target, s, obj)
			case obj == gbt.Gamma && v <= 0:
				return nil, nil, fmt.Errorf("%s, column %q: %q is not above 0, as --objective %s needs", b.Where(i), target, s, obj)
			case obj == gbt.SquaredLogError && !(float32(v) > -1):
				return nil, nil, fmt.Errorf("%s, column %q: %q is not above -1, as --objective %s needs (it fits log(1+target))", b.Where(i), target, s, obj)
			case obj == gbt.RegLogistic && !(v >= 0 && v <= 1):
				return nil, nil, fmt.Errorf("%s, column %q: %q is not from 0 to 1, as --objective %s needs (a probability or share; for two classes, --objective binary:logistic)", b.Where(i), target, s, obj)
			case obj == gbt.SurvivalCox && v == 0:
				return nil, nil, fmt.Errorf("%s, column %q: %q is not a survival time; --objective %s needs times, negative for a censored row (XGBoost's label), or above 0 with --event", b.Where(i), target, s, obj)
			case obj == gbt.SurvivalAFT && v < 0:
				return nil, nil, fmt.Errorf("%s, column %q: %q is negative; --objective %s needs lower bounds on the times of 0 (left-censored) or more", b.Where(i), target, s, obj)
			}
			y[i] = v
		}
		return y, nil, nil
	}
	set := map[string]bool{}
	for i := range b.Rows {
		s, ok := c.Text(i)
		if !ok {
			return nil, nil, fmt.Errorf("%s, column %q: missing class label%s", b.Where(i), target, c.MissingMarker(i))
		}
		set[s] = true
	}
	classes := slices.Collect(func(yield func(string) bool) {
		for k := range set {
			if !yield(k) {
				return
			}
		}
	})
	sortLabels(classes)
	switch {
	case len(classes) < 2:
		return nil, nil, fmt.Errorf("%s: column %q has a single class (%q); a classifier needs two", b.Source, target, classes[0])
	case len(classes) > gbt.MaxClasses:
		return nil, nil, fmt.Errorf("%s: column %q has %d distinct values, more classes than a classifier takes (%d): for a number, --objective reg:squarederror",
			b.Source, target, len(classes), gbt.MaxClasses)
	}
	index := classNumbering(classes)
	for i := range b.Rows {
		s, _ := c.Text(i)
		y[i] = float64(index[s])
	}
	return y, classes, nil
}

// setPositive makes --positive class 1 of a two-class target: the classes
// swapped and the labels flipped (new slices) when it is first in sorted
// order.
func setPositive(y []float64, classes []string, positive, target string) ([]float64, []string, error) {
	switch k := slices.Index(classes, positive); {
	case len(classes) != 2:
		return nil, nil, fmt.Errorf("--positive names the positive class of a two-class target; column %q has %d classes (%s)", target, len(classes), listClasses(classes, 6))
	case k < 0:
		return nil, nil, fmt.Errorf("--positive %q is not a class of column %q (%s)", positive, target, listClasses(classes, 6))
	case k == 1:
		return y, classes, nil
	}
	flipped := make([]float64, len(y))
	for i, v := range y {
		flipped[i] = 1 - v
	}
	return flipped, []string{classes[1], classes[0]}, nil
}

// classNumbering numbers the classes by their place in the list.
func classNumbering(classes []string) map[string]int {
	index := make(map[string]int, len(classes))
	for k, s := range classes {
		index[s] = k
	}
	return index
}

// classesWithout lists the classes no label of y (class numbers) has.
func classesWithout(y []float64, classes []string) []string {
	if classes == nil { // a regressor's targets are numbers, not classes
		return nil
	}
	has := make([]bool, len(classes))
	for _, v := range y {
		has[int(v)] = true
	}
	var none []string
	for c, ok := range has {
		if !ok {
			none = append(none, classes[c])
		}
	}
	return none
}

// checkFitWeights refuses, before a fit and naming --weight, weights of
// rows (those the split left for training, say) that sum to 0, that leave
// a classifier fewer than two classes of weighted rows, or that
// --scale-pos-weight takes beyond gbt.MaxWeight.
func checkFitWeights(w, y []float64, classes []string, m *gbt.Model, col, rows string) error {
	if w == nil {
		return nil
	}
	weighted := map[int]bool{}
	top := 0.0
	for i, v := range w {
		if v > 0 {
			weighted[int(y[i])] = true
		}
		top = max(top, v)
	}
	switch {
	case len(weighted) == 0:
		return fmt.Errorf("--weight %s: every one of %s weighs 0", col, rows)
	case m.Objective.Classifier() && len(weighted) < 2:
		var only string
		for c := range weighted {
			only = classes[c]
		}
		return fmt.Errorf("--weight %s: of %s, only those of class %s weigh more than 0; a classifier needs two classes of weighted rows", col, rows, only)
	case m.Objective.ScalesPositives() && top*m.ScalePosWeight > gbt.MaxWeight:
		return fmt.Errorf("--scale-pos-weight %g times the largest --weight (%g) is beyond 3.4e38, float32's range (XGBoost keeps weights in float32)", m.ScalePosWeight, top)
	}
	return nil
}

// weightValues reads a --weight column: a finite, non-negative number in
// every row (a missing or bad one is an error naming its line), not all 0.
func weightValues(b *tabular.Batch, name string) ([]float64, error) {
	c := b.Column(name)
	if c == nil {
		return nil, fmt.Errorf("--weight: %w", columnError(b.Source, name, b.Layout))
	}
	w := make([]float64, b.Rows)
	var sum float64
	for i := range b.Rows {
		s, ok := c.Text(i)
		if !ok {
			return nil, fmt.Errorf("--weight %s: %s: missing weight%s", name, b.Where(i), c.MissingMarker(i))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || !(v >= 0 && v <= gbt.MaxWeight) {
			return nil, fmt.Errorf("--weight %s: %s: weight %q is not a number from 0 to 3.4e38 (float32's range, as XGBoost keeps weights)", name, b.Where(i), s)
		}
		w[i] = v
		sum += v
	}
	if !(sum > 0) {
		return nil, fmt.Errorf("--weight %s: %s: every weight is 0", name, b.Source)
	}
	return w, nil
}

// testWeightError is err, the error of reading a --test file's columns,
// saying that the file needs the --weight column when it lacks it: the
// held-out scores are weighted.
func testWeightError(err error, path, col string, layout tabular.Layout) error {
	if col == "" || !errors.Is(err, tabular.ErrColumn) {
		return err
	}
	r, rerr := tabular.OpenLayout(path, nil, 1, layout)
	if rerr != nil {
		return err
	}
	defer r.Close()
	if slices.Contains(r.Header(), col) {
		return err
	}
	return fmt.Errorf("--weight %s: %w (the held-out scores are weighted, so the --test file needs the weight column too)", col, err)
}

// listClasses joins the first n class names, with "…" when there are more.
func listClasses(classes []string, n int) string {
	s := strings.Join(classes[:min(len(classes), n)], ", ")
	if len(classes) > n {
		s += ", …"
	}
	return s
}

// manyNumericClasses is the most distinct labels, all numbers, a target
// is taken as classes without --objective saying so: more look like a
// quantity to regress on.
const manyNumericClasses = 20

// classObjective is the classification objective for the target's
// classes: binary:logistic for two (unless multi:softprob was asked for),
// multi:softprob for more. A binary:logistic given explicitly for more
// than two classes is an error, as is, without --objective, a target of
// many distinct numbers (a quantity, most likely).
func classObjective(b *tabular.Batch, target string, classes []string, obj gbt.Objective, explicit bool) (gbt.Objective, error) {
	if len(classes) == 2 || obj == gbt.MultiSoftprob || obj == gbt.MultiSoftmax {
		return obj, nil
	}
	list := listClasses(classes, 6)
	if explicit {
		return "", fmt.Errorf("%s: column %q has %d classes (%s); %s needs two: use --objective multi:softprob (or reg:squarederror for a number)",
			b.Source, target, len(classes), list, obj)
	}
	if len(classes) > manyNumericClasses && allNumbers(classes) {
		return "", fmt.Errorf("%s: column %q has %d distinct numbers (%s): to predict the number, --objective reg:squarederror; to treat each as a class, --objective multi:softprob",
			b.Source, target, len(classes), list)
	}
	return gbt.MultiSoftprob, nil
}

// allNumbers reports whether every class label reads as a number.
func allNumbers(classes []string) bool {
	return !slices.ContainsFunc(classes, func(s string) bool {
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	})
}

// noRowHeldOutGBT is noRowHeldOut for ember gbt's splits. A target whose
// values are all numbers, taken as classes because --objective was not
// given, may well be a quantity: its classes are too small to split
// because nearly every row has its own, and a regression objective is
// what was meant.
func noRowHeldOutGBT(what, target string, classes []string, where, fix string, objectiveGiven bool) error {
	err := noRowHeldOut(what, target, len(classes), where, fix)
	if objectiveGiven || !allNumbers(classes) {
		return err
	}
	return fmt.Errorf("%w; the values of %q are all numbers, taken as classes: to predict the number, --objective reg:squarederror", err, target)
}

// testTargets reads a --test file's targets against the training classes.
func testTargets(b *tabular.Batch, target string, obj gbt.Objective, classes []string) ([]float64, error) {
	if !obj.Classifier() {
		y, _, err := targetValues(b, target, obj)
		return y, err
	}
	c := b.Column(target)
	y := make([]float64, b.Rows)
	index := classNumbering(classes)
	for i := range b.Rows {
		s, ok := c.Text(i)
		if !ok {
			return nil, fmt.Errorf("%s, column %q: missing class label%s", b.Where(i), target, c.MissingMarker(i))
		}
		k, found := index[s]
		if !found {
			return nil, fmt.Errorf("%s, column %q: class %q was not in the training data (%s)", b.Where(i), target, s, listClasses(classes, 6))
		}
		y[i] = float64(k)
	}
	return y, nil
}

func pickFloats(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = v[i]
	}
	return out
}

func floatLabels(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

func printGBT(w io.Writer, r *gbtResult) {
	fmt.Fprintf(w, "data: %s, target %q", r.Data, r.Target)
	switch {
	case len(r.Classes) == 2 && (r.Objective == string(gbt.BinaryLogistic) || r.Objective == string(gbt.BinaryLogitRaw) || r.Objective == string(gbt.BinaryHinge)):
		fmt.Fprintf(w, ": classes %s and %s (positive: %s)", r.Classes[0], r.Classes[1], r.Classes[1])
	case r.Classes != nil:
		fmt.Fprintf(w, ": %d classes (%s)", len(r.Classes), listClasses(r.Classes, 10))
	}
	native := ""
	if r.CatMode == "native" {
		native = " (native)"
	}
	fmt.Fprintf(w, "; %s from %d numeric, %d categorical%s, %d token columns\n",
		plural(r.NFeatures, "feature", "features"), len(r.Numeric), len(r.Categorical), native, len(r.Tokens))
	if r.CV != nil {
		kind := "stratified"
		if !gbt.Objective(r.Objective).Classifier() {
			kind = "shuffled"
		}
		rank := gbt.Objective(r.Objective).Ranking()
		if rank {
			kind = "whole-query"
		}
		weighted := ""
		// Ranking metrics, cox-nloglik and the C-index are unweighted.
		unweighted := rank || gbt.Objective(r.Objective).Survival() && !strings.HasPrefix(r.CV.Metric, "aft-nloglik")
		switch {
		case r.Weight != "" && unweighted && !rank:
			weighted = fmt.Sprintf(", unweighted: column %q weighs the fits only", r.Weight)
		case r.Weight != "" && !unweighted:
			weighted = fmt.Sprintf(" weighted by column %q", r.Weight)
		}
		fmt.Fprintf(w, "\n%d-fold %s cross-validation (%s%s, mean ± std over folds):\n", r.CV.Folds, kind, r.CV.Metric, weighted)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, p := range r.CV.Points {
			mark := ""
			if i == r.CV.Best {
				mark = "  <- best"
			}
			fmt.Fprintf(tw, "  %s\t%.4f ± %.4f%s\n", p.Point, p.Mean, p.Std, mark)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nsplit: %d training rows", r.NTrain)
	if r.NValid > 0 {
		fmt.Fprintf(w, ", %d validation rows (early stopping)", r.NValid)
	}
	if r.EvalOn == "train" {
		fmt.Fprint(w, ", no held-out rows (--test-frac 0)")
	} else {
		fmt.Fprintf(w, ", %d held-out rows", r.NTest)
	}
	if r.Group != "" {
		fmt.Fprintf(w, "; whole queries of column %q", r.Group)
	}
	switch {
	case r.Weight != "" && r.Group != "":
		fmt.Fprintf(w, "; queries weighted by column %q in the fit (the ranking scores are unweighted, as XGBoost's)", r.Weight)
	case r.Weight != "" && r.Objective == string(gbt.SurvivalCox):
		fmt.Fprintf(w, "; rows weighted by column %q in the fit (cox-nloglik and the C-index are unweighted)", r.Weight)
	case r.Weight != "" && r.Objective == string(gbt.SurvivalAFT):
		fmt.Fprintf(w, "; rows weighted by column %q (the fit and aft-nloglik; the C-index is unweighted)", r.Weight)
	case r.Weight != "":
		fmt.Fprintf(w, "; rows weighted by column %q (the fit and the held-out scores)", r.Weight)
	}
	fmt.Fprintln(w)
	p := r.Params
	fmt.Fprintf(w, "model: %s, %d trees", r.Objective, r.Trees)
	var notes []string
	if k := len(r.Classes); (r.Objective == string(gbt.MultiSoftprob) || r.Objective == string(gbt.MultiSoftmax)) && k > 0 {
		notes = append(notes, fmt.Sprintf("%s of %d classes", plural(r.Rounds, "round", "rounds"), k))
	}
	if r.BestRound != nil {
		kept := "round 1"
		if *r.BestRound > 0 {
			kept = fmt.Sprintf("rounds 1-%d", *r.BestRound+1)
		}
		notes = append(notes, fmt.Sprintf("early stopping kept %s by %s", kept, r.EarlyStoppingMetric))
	}
	if notes != nil {
		fmt.Fprintf(w, " (%s)", strings.Join(notes, "; "))
	}
	if p["max_leaves"] > 0 {
		fmt.Fprintf(w, ", best first to %g leaves", p["max_leaves"])
	}
	fmt.Fprintf(w, ", max depth %g, learning rate %g, %g bins, min %g rows per leaf, l2 %g", p["max_depth"], p["learning_rate"], p["max_bins"], p["min_samples_leaf"], p["l2"])
	if v, ok := p["scale_pos_weight"]; ok && v != 1 {
		fmt.Fprintf(w, ", scale_pos_weight %g", v)
	}
	if v, ok := p["base_score"]; ok {
		fmt.Fprintf(w, ", base_score %g", v)
	}
	if p["l1"] != 0 {
		fmt.Fprintf(w, ", l1 %g", p["l1"])
	}
	if p["max_delta_step"] != 0 {
		fmt.Fprintf(w, ", max delta step %g", p["max_delta_step"])
	}
	if v, ok := p["tweedie_variance_power"]; ok {
		fmt.Fprintf(w, ", variance power %g", v)
	}
	if v, ok := p["huber_slope"]; ok {
		fmt.Fprintf(w, ", huber slope %g", v)
	}
	if v, ok := p["aft_sigma"]; ok {
		fmt.Fprintf(w, ", AFT sigma %g", v)
	}
	if len(r.Monotone) > 0 {
		var cs []string
		for _, c := range slices.Sorted(maps.Keys(r.Monotone)) {
			cs = append(cs, fmt.Sprintf("%s %+d", c, r.Monotone[c]))
		}
		fmt.Fprintf(w, ", monotone in %s", strings.Join(cs, ", "))
	}
	if len(r.Interactions) > 0 {
		var sets []string
		for _, s := range r.Interactions {
			sets = append(sets, "["+strings.Join(s, " ")+"]")
		}
		fmt.Fprintf(w, ", interactions within %s", strings.Join(sets, " "))
	}
	if len(r.FeatureWeights) > 0 {
		var ws []string
		for _, f := range slices.Sorted(maps.Keys(r.FeatureWeights)) {
			ws = append(ws, fmt.Sprintf("%s %g", f, r.FeatureWeights[f]))
		}
		fmt.Fprintf(w, ", feature weights %s", strings.Join(ws, ", "))
	}
	fmt.Fprintf(w, "; trained in %.2fs\n", r.TrainSecs)
	on := "held-out"
	if r.EvalOn == "train" {
		on = "training (no held-out rows: --test-frac 0)"
	}
	if r.ScoresWeighted {
		on += " weighted"
	}
	if r.RankScores != nil {
		fmt.Fprintf(w, "\n%s ranking of %d queries (mean over queries; a query without relevant documents scores 1, 0 in the - forms):\n", on, r.NQueries)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, sc := range r.RankScores {
			fmt.Fprintf(tw, "  %s\t%.4f\n", sc.Metric, sc.Value)
		}
		tw.Flush()
	} else if gbt.Objective(r.Objective).Survival() {
		fmt.Fprintln(w)
		if r.NLogLik != nil {
			fmt.Fprintf(w, "%s %s: %.6g\n", on, r.NLogLikName, *r.NLogLik)
		}
		if r.CIndex != nil {
			how := "Harrell's, unweighted"
			if r.Weight != "" {
				// No weighted C-index is standard (scikit-survival's and
				// lifelines' take no weights): say that --weight is not in it.
				how += fmt.Sprintf(": column %q weighs the fit, not the pairs", r.Weight)
			}
			fmt.Fprintf(w, "%s C-index (%s): %.4f\n", strings.TrimSuffix(on, " weighted"), how, *r.CIndex)
		}
	} else if r.RMSE != nil {
		fmt.Fprintf(w, "\n%s RMSE: %.6g\n", on, *r.RMSE)
		if r.Deviance != nil {
			fmt.Fprintf(w, "%s %s: %.6g\n", on, r.DevianceName, *r.Deviance)
		}
	} else {
		fmt.Fprintln(w)
		printROCAUC(w, on, r.ROCAUC, r.ROCAUCOVR)
		if r.LogLoss != nil { // binary:hinge gives no probabilities
			fmt.Fprintf(w, "%s log loss: %.4f\n", on, *r.LogLoss)
		}
		fmt.Fprintf(w, "%s accuracy: %.4f\n", on, *r.Accuracy)
		if r.WeightedConfusion != nil {
			printConfusion(w, r.Classes, r.WeightedConfusion, r.Weight)
		} else {
			printConfusion(w, r.Classes, r.Confusion, "")
		}
	}
	fmt.Fprintln(w, "\nfeature importance (share of total gain):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, im := range r.Importance[:min(len(r.Importance), 10)] {
		fmt.Fprintf(tw, "  %s\t%5.1f%%\n", im.Feature, 100*im.Share)
	}
	tw.Flush()
	if len(r.Importance) > 10 {
		fmt.Fprintf(w, "  … %d more\n", len(r.Importance)-10)
	}
	for _, pth := range r.Plots {
		fmt.Fprintf(w, "wrote %s\n", pth)
	}
	if r.Saved != "" {
		fmt.Fprintf(w, "saved the pipeline and model to %s\n", r.Saved)
	}
}

// monotoneRule is one --monotone entry: predictions rise (sign +1) or
// fall (−1) with column.
type monotoneRule struct {
	column string
	sign   int
}

// parseMonotone reads --monotone's 'COLUMN:+1,COLUMN:-1' (a sign of +1,
// 1 or -1), refusing a bad entry or a column given twice.
func parseMonotone(text string) ([]monotoneRule, error) {
	var rules []monotoneRule
	for _, item := range splitList(text) {
		i := strings.LastIndexByte(item, ':')
		if i <= 0 {
			return nil, fmt.Errorf("--monotone: %q is not COLUMN:SIGN (e.g. LIMIT_BAL:-1 for predictions that fall as LIMIT_BAL rises)", item)
		}
		col, signText := strings.TrimSpace(item[:i]), strings.TrimSpace(item[i+1:])
		var sign int
		switch signText {
		case "+1", "1":
			sign = 1
		case "-1":
			sign = -1
		default:
			return nil, fmt.Errorf("--monotone %s: the sign is %q; give +1 (predictions rise with the column) or -1 (they fall)", col, signText)
		}
		if slices.ContainsFunc(rules, func(r monotoneRule) bool { return r.column == col }) {
			return nil, fmt.Errorf("--monotone lists %s twice", col)
		}
		rules = append(rules, monotoneRule{col, sign})
	}
	return rules, nil
}

// monotoneFeatures is the model's Monotone for the rules: a constraint per
// feature of pl, the rules' set (columns: the file's). A column must be a numeric
// feature: not the target or weight, not left out, not categorical or
// token counts, whose values have no order to be monotone in.
func monotoneFeatures(rules []monotoneRule, pl *tabular.Pipeline, columns []string, data, target, weight string) ([]int, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	out := make([]int, len(pl.Features))
	for _, r := range rules {
		j := slices.Index(pl.Spec.Numeric, r.column)
		if j >= 0 {
			out[j] = r.sign
			continue
		}
		switch {
		case !slices.Contains(columns, r.column):
			return nil, fmt.Errorf("--monotone %s: %s has no column %q (the features are: %s)", r.column, data, r.column, strings.Join(pl.Inputs(), ", "))
		case r.column == target:
			return nil, fmt.Errorf("--monotone %s: %s is the --target", r.column, r.column)
		case r.column == weight:
			return nil, fmt.Errorf("--monotone %s: %s is the --weight column, not a feature", r.column, r.column)
		case slices.Contains(pl.Spec.Categorical, r.column):
			return nil, fmt.Errorf("--monotone %s: %s is categorical (--categorical, or taken as such for its non-numeric values): its categories have no order for predictions to rise or fall in (XGBoost refuses this too); give its values as numbers to constrain it", r.column, r.column)
		case slices.Contains(pl.Spec.Tokens, r.column):
			return nil, fmt.Errorf("--monotone %s: %s holds --tokens, counted per token, not one number to rise or fall with", r.column, r.column)
		}
		return nil, fmt.Errorf("--monotone %s: %s is not a feature (see --features and --exclude)", r.column, r.column)
	}
	return out, nil
}

// fitPerFeature fits m's per-feature options, made for the features of
// the pipeline fitted on every row, to pl, fitted on some of them (the
// training rows, a fold's): the numeric and native categorical features
// come first in both, the same, but the one-hot and token features after
// them are those of the values the rows have, so Monotone (of numeric
// columns only; 0 after them) is cut or padded to pl's features, and the
// interaction sets and feature weights are found in pl by their keys.
func fitPerFeature(m *gbt.Model, opts featureOptions, pl *tabular.Pipeline) {
	m.Monotone = resized(m.Monotone, len(pl.Features), 0)
	opts.apply(m, pl)
}

// resized is v cut or padded with fill to length d; nil stays nil.
func resized[T any](v []T, d int, fill T) []T {
	switch {
	case v == nil || len(v) == d:
		return v
	case len(v) > d:
		return v[:d:d]
	}
	return append(slices.Clone(v), slices.Repeat([]T{fill}, d-len(v))...)
}

// meanDeviance is the mean of the objective's own loss on y at predictions
// mu, and its name; "" for objectives with none beyond RMSE: the unit
// deviances of scikit-learn's mean_poisson_deviance, mean_tweedie_deviance
// (power ρ) and mean_gamma_deviance, the pseudo-Huber loss
// δ²(√(1+((y−μ)/δ)²) − 1) (XGBoost's mphe), the absolute error
// (mean_absolute_error, XGBoost's mae), the squared log error
// (mean_squared_log_error, whose root is XGBoost's rmsle), or the log-loss
// of a probability target (reg:logistic's loss; log_loss of the targets
// as probabilities).
func meanDeviance(m *gbt.Model, y, mu []float64) (string, float64) {
	name, unit := devianceUnit(m)
	if name == "" {
		return "", 0
	}
	var sum float64
	for i, v := range y {
		sum += unit(v, mu[i])
	}
	return name, sum / float64(len(y))
}

// devianceUnit is meanDeviance's name and unit loss; "" and nil for
// objectives with none beyond RMSE.
func devianceUnit(m *gbt.Model) (name string, unit func(y, mu float64) float64) {
	switch m.Objective {
	case gbt.CountPoisson:
		name = "mean Poisson deviance"
		unit = func(y, mu float64) float64 {
			d := mu - y
			if y > 0 {
				d += y * math.Log(y/mu)
			}
			return 2 * d
		}
	case gbt.Gamma:
		name = "mean gamma deviance"
		unit = func(y, mu float64) float64 { return 2 * (math.Log(mu/y) + y/mu - 1) }
	case gbt.Tweedie:
		rho := m.TweedieVariancePower
		name = fmt.Sprintf("mean Tweedie deviance (power %g)", rho)
		unit = func(y, mu float64) float64 {
			if rho == 1 {
				d := mu - y
				if y > 0 {
					d += y * math.Log(y/mu)
				}
				return 2 * d
			}
			return 2 * (math.Pow(y, 2-rho)/((1-rho)*(2-rho)) - y*math.Pow(mu, 1-rho)/(1-rho) + math.Pow(mu, 2-rho)/(2-rho))
		}
	case gbt.PseudoHuber:
		d := m.HuberSlope
		name = fmt.Sprintf("mean pseudo-Huber loss (slope %g)", d)
		unit = func(y, mu float64) float64 {
			a := (y - mu) / d
			return d * d * (math.Sqrt(1+a*a) - 1)
		}
	case gbt.AbsoluteError:
		name = "mean absolute error"
		unit = func(y, mu float64) float64 { return math.Abs(y - mu) }
	case gbt.SquaredLogError:
		// A prediction at or below -1 counts as -1 + 1e-6, as in the fit.
		name = "mean squared log error"
		unit = func(y, mu float64) float64 {
			d := math.Log1p(y) - math.Log1p(max(mu, -1+1e-6))
			return d * d
		}
	case gbt.RegLogistic:
		name = "mean log loss (cross-entropy)"
		unit = func(y, mu float64) float64 {
			mu = min(max(mu, 1e-15), 1-1e-15)
			return -(y*math.Log(mu) + (1-y)*math.Log(1-mu))
		}
	default:
		return "", nil
	}
	return name, unit
}

// cvMetric is what --cv selects by when --metric is not given (given,
// gbtMetric checked it against the objective): roc_auc for a classifier,
// the mean deviance for a regressor that has one, rmse for squared error,
// mae for the absolute error, nloglik for a survival objective.
func cvMetric(obj gbt.Objective) string {
	name, _ := devianceUnit(&gbt.Model{Objective: obj})
	switch {
	case obj.Survival():
		return "nloglik"
	case obj.Classifier():
		return "roc_auc"
	case obj == gbt.AbsoluteError:
		return "mae"
	case name == "":
		return "rmse"
	}
	return "deviance"
}

// evalMetric is --metric (checked against the objective by gbtMetric) as
// the model's EvalMetric, what --early-stopping watches: roc_auc is auc
// (for a multi: objective XGBoost's one-vs-rest auc),
// log_loss logloss (mlogloss for more than two classes), accuracy error
// (merror), rmse and mae themselves, c_index c-index. A regressor's
// deviance and a survival objective's nloglik are the objective's own
// loss (""), which ranks the rounds as the deviance does (it is the
// deviance up to a scale and a constant, or its root), but reg:logistic's,
// whose deviance is the log-loss and whose own metric XGBoost's rmse.
func evalMetric(obj gbt.Objective, metric string) string {
	multi := obj == gbt.MultiSoftprob || obj == gbt.MultiSoftmax
	switch metric {
	case "roc_auc":
		return gbt.MetricAUC
	case "log_loss":
		if multi {
			return gbt.MetricMLogLoss
		}
		return gbt.MetricLogLoss
	case "accuracy":
		if multi {
			return gbt.MetricMError
		}
		return gbt.MetricError
	case "rmse":
		return gbt.MetricRMSE
	case "mae":
		return gbt.MetricMAE
	case "c_index":
		return gbt.MetricCIndex
	case "deviance":
		if obj == gbt.RegLogistic {
			return gbt.MetricLogLoss
		}
	}
	return ""
}

// cvError is a cross-validation error as the command reports it, naming
// --weight when a fold's rows all weigh 0.
func cvError(err error, weightCol string, folds int) error {
	if errors.Is(err, selection.ErrWeightlessFold) {
		return fmt.Errorf("--weight %s: --cv %d: %w: use fewer folds, or other weights", weightCol, folds, err)
	}
	return fmt.Errorf("cross-validation: %w", err)
}

// cvFit is the fit of one grid point on one fold: a copy of base with the
// point's settings, fitted on the fold's training rows of train (pipeline
// included, as on the whole), predicting its held-out rows; qtr, when not
// nil, is the training rows' queries of a rank objective, and utr, when
// not nil, their upper bounds of survival:aft.
func cvFit(base *gbt.Model, opts featureOptions, spec tabular.Spec, train *tabular.Batch, ytr, wtr []float64, qtr []int, utr []float64, depthSet bool) selection.FitFunc {
	return func(p selection.Point, trRows, teRows []int, threads int) ([]float64, error) {
		m := *base
		m.Threads, m.EarlyStoppingRounds = threads, 0
		if err := applyPoint(&m, p, depthSet); err != nil {
			return nil, err
		}
		fb, vb := tabular.SelectRows(train, trRows), tabular.SelectRows(train, teRows)
		pl, err := tabular.Fit(spec, fb)
		if err != nil {
			return nil, err
		}
		fitPerFeature(&m, opts, pl)
		X, _, err := pl.Transform(fb, nil)
		if err != nil {
			return nil, err
		}
		Xv, _, err := pl.Transform(vb, nil)
		if err != nil {
			return nil, err
		}
		var w []float64
		if wtr != nil {
			w = pickFloats(wtr, trRows)
		}
		var q []int
		var u []float64
		if qtr != nil {
			q = pickInts(qtr, trRows)
		}
		if utr != nil {
			u = pickFloats(utr, trRows)
		}
		if err := fitModel(&m, X, pickFloats(ytr, trRows), w, q, u, nil); err != nil {
			return nil, fitError(err)
		}
		return heldOutPredictions(&m, Xv)
	}
}

// fitModel fits m to X and y, weighted by w (nil: 1), by the fit its
// objective reads: a rank objective's with the queries q, survival:aft's
// with the upper bounds u when not nil (nil: observed times, fitted as
// any other objective).
func fitModel(m *gbt.Model, X *tabular.Matrix, y, w []float64, q []int, u []float64, valid *gbt.EvalSet) error {
	switch {
	case m.Objective.Ranking():
		return m.FitRank(X, y, q, w, valid)
	case u != nil:
		return m.FitAFT(X, y, u, w, valid)
	}
	return m.FitWeighted(X, y, w, valid)
}

// predictedClasses is m's PredictClass of the rows of X, whose
// probabilities p (PredictProba's) are at hand: for binary:logistic and
// multi:softprob, whose PredictClass is the argmax of those, taken from p
// rather than by predicting the rows again.
func predictedClasses(m *gbt.Model, X *tabular.Matrix, p []float64) ([]int, error) {
	switch m.Objective {
	case gbt.BinaryLogistic, gbt.MultiSoftprob:
		return metrics.ArgMax(p, m.NumClasses()), nil
	}
	return m.PredictClass(X)
}

// heldOutPredictions are what the held-out and --cv scores read: a
// classifier's probabilities (PredictProba: binary:logitraw's too, and
// multi:softmax's, not their margins and classes), for binary:hinge,
// which has none, the logistic of the margins, a score in (0, 1) that
// orders the rows as the margins do and is above 0.5 where the class is
// 1, for ROC AUC and accuracy (log-loss is not taken of it); the
// predictions of a regressor or ranker.
func heldOutPredictions(m *gbt.Model, X *tabular.Matrix) ([]float64, error) {
	switch {
	case m.Objective == gbt.BinaryHinge:
		mg, err := m.Margins(X)
		if err != nil {
			return nil, err
		}
		for i, v := range mg {
			mg[i] = 1 / (1 + math.Exp(-v))
		}
		return mg, nil
	case m.Objective.Classifier():
		return m.PredictProba(X)
	}
	return m.Predict(X)
}
