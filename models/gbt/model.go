package gbt

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/tabular"
)

// Objective is the loss the trees are fitted to, named as XGBoost names it.
type Objective string

const (
	// BinaryLogistic is log-loss on labels 0 and 1; predictions are the
	// probability of 1.
	BinaryLogistic Objective = "binary:logistic"
	// SquaredError is least squares regression; predictions are values.
	SquaredError Objective = "reg:squarederror"
	// MultiSoftprob is multi-class log-loss (softmax) on labels 0, 1, …,
	// K−1; predictions are the K class probabilities of each row. Each
	// boosting round grows one tree per class.
	MultiSoftprob Objective = "multi:softprob"
	// CountPoisson is Poisson regression with a log link, for counts
	// (labels ≥ 0): the trees fit the log of the mean, predictions are
	// the mean, exp(margin). As XGBoost's, MaxDeltaStep defaults to 0.7
	// and shifts the hessian too (see it).
	CountPoisson Objective = "count:poisson"
	// Tweedie is Tweedie regression with a log link (labels ≥ 0), for
	// totals that are often exactly 0 and otherwise positive and skewed
	// (insurance claims, demand): a compound Poisson–gamma of variance
	// power TweedieVariancePower. Predictions are the mean, exp(margin).
	Tweedie Objective = "reg:tweedie"
	// Gamma is gamma regression with a log link (labels > 0), for
	// positive, right-skewed amounts (claim sizes); predictions are the
	// mean, exp(margin).
	Gamma Objective = "reg:gamma"
	// PseudoHuber is regression on the pseudo-Huber loss
	// δ²(√(1+(m−y)²/δ²) − 1), δ = HuberSlope: squared error near the
	// label, absolute error beyond about δ, so outlying labels pull the
	// fit less than under SquaredError. Predictions are values.
	PseudoHuber Objective = "reg:pseudohubererror"
	// AbsoluteError is regression on the absolute error |m−y| (L1):
	// predictions are values, estimates of the conditional median, which
	// outlying labels pull no further than any other label. As XGBoost's
	// reg:absoluteerror, the trees are grown on the gradients sign(m−y)
	// (hessian 1, times the weights), then every leaf's value is set to
	// the median of the residuals y−m of its training rows (weighted:
	// XGBoost's weighted quantile, the smallest residual at which half
	// the weight is reached) times LearningRate; the fit starts from the
	// labels' (weighted) median. See doc.go for the finer points.
	AbsoluteError Objective = "reg:absoluteerror"
	// RankPairwise is learning to rank by pairs of a query's documents
	// (RankNet's loss, XGBoost's rank:pairwise): labels are relevance
	// grades 0..31 and the rows come in queries (FitRank); predictions are
	// scores, margins whose order within a query is the ranking. See
	// rank.go for the pairs and gradients, XGBoost 1.7's.
	RankPairwise Objective = "rank:pairwise"
	// RankNDCG is LambdaRank for NDCG (XGBoost's rank:ndcg): RankPairwise
	// with each pair weighed by the change in the query's NDCG were its two
	// documents to swap places.
	RankNDCG Objective = "rank:ndcg"
	// RankMAP is LambdaRank for mean average precision (XGBoost's
	// rank:map): RankPairwise with each pair weighed by the change in the
	// query's average precision (labels above 0 are relevant).
	RankMAP Objective = "rank:map"
	// SquaredLogError is regression on the squared log error
	// (log(1+m) − log(1+y))² (XGBoost's reg:squaredlogerror), for positive,
	// skewed targets whose relative errors matter (prices, durations):
	// labels above −1; predictions are values, the margin itself. Its
	// validation loss is XGBoost's rmsle. Where a prediction m is far above
	// its label (log1p(m) − log1p(y) > 1) the loss is concave and, as
	// XGBoost's, its hessian is floored at 1e-6, so only L2 bounds the
	// Newton step: a leaf of labels near −1 can be sent below −1, where
	// the fit hardly moves it again (XGBoost's fits do the same). A
	// MaxDeltaStep of about 1, or a larger L2, keeps the steps small.
	SquaredLogError Objective = "reg:squaredlogerror"
	// RegLogistic is regression of a probability or share (labels in
	// [0, 1], fractions included) on the log-loss, through a logistic
	// link (XGBoost's reg:logistic): predictions are 1/(1+exp(−margin)).
	// Its validation loss is XGBoost's default metric for it, the RMSE of
	// the predictions.
	RegLogistic Objective = "reg:logistic"
	// BinaryLogitRaw is BinaryLogistic's fit (log-loss on labels 0 and 1)
	// predicting the margin, the log-odds of 1, not its probability
	// (XGBoost's binary:logitraw).
	BinaryLogitRaw Objective = "binary:logitraw"
	// BinaryHinge is the hinge loss max(0, 1 − s·m), s = ±1 for labels 1
	// and 0, of a support vector machine (XGBoost's binary:hinge):
	// predictions are classes, 1 where the margin is above 0, else 0, with
	// no probability. Its validation loss is XGBoost's error, the
	// (weighted) share of rows whose class is wrong.
	BinaryHinge Objective = "binary:hinge"
	// MultiSoftmax is MultiSoftprob's fit predicting each row's class, the
	// first of highest probability, not the K probabilities (XGBoost's
	// multi:softmax); PredictProba still gives them.
	MultiSoftmax Objective = "multi:softmax"
)

// objectives are the Objectives Fit knows, in the order errors list them.
var objectives = []Objective{BinaryLogistic, MultiSoftprob, SquaredError, CountPoisson, Tweedie, Gamma, PseudoHuber, AbsoluteError, RankPairwise, RankNDCG, RankMAP,
	SquaredLogError, RegLogistic, BinaryLogitRaw, BinaryHinge, MultiSoftmax, SurvivalCox, SurvivalAFT}

// link is how the objective's margins become predictions.
func (o Objective) link() Link {
	switch o {
	case BinaryLogistic:
		return Logistic
	case MultiSoftprob:
		return Softmax
	case CountPoisson, Tweedie, Gamma:
		return Exp
	case RegLogistic:
		return Logistic
	case MultiSoftmax:
		return Softmax
	case BinaryHinge:
		return Step
	case SurvivalCox, SurvivalAFT:
		return Exp
	}
	return Identity
}

// multiClass is whether the objective fits K classes, a tree per class a
// round (MultiSoftprob, MultiSoftmax).
func (o Objective) multiClass() bool { return o == MultiSoftprob || o == MultiSoftmax }

// binaryClass is whether the objective fits labels 0 and 1 as two classes
// (BinaryLogistic, BinaryLogitRaw, BinaryHinge).
func (o Objective) binaryClass() bool {
	return o == BinaryLogistic || o == BinaryLogitRaw || o == BinaryHinge
}

// elementwise32 is whether the objective's gradients are computed in
// float32 from the float32 margin, as XGBoost computes them (the
// objectives added in file version 6; the older ones keep their float64
// arithmetic, rounded to float32).
func (o Objective) elementwise32() bool {
	return o == SquaredLogError || o == RegLogistic || o == BinaryLogitRaw || o == BinaryHinge
}

// rootMean is whether the objective's validation loss is the root of the
// (weighted) mean of its row losses: XGBoost's rmse and rmsle.
func (o Objective) rootMean() bool { return o == RegLogistic || o == SquaredLogError }

// logLink is whether the objective fits the log of the mean.
func (o Objective) logLink() bool { return o.link() == Exp && !o.Survival() }

// adaptive is whether the objective sets its leaves after growing each
// tree (XGBoost's UpdateTreeLeaf): AbsoluteError's medians.
func (o Objective) adaptive() bool { return o == AbsoluteError }

// Ranking reports whether the objective learns to rank the documents of
// queries (RankPairwise, RankNDCG, RankMAP).
func (o Objective) Ranking() bool { return o == RankPairwise || o == RankNDCG || o == RankMAP }

// f32Margins is whether a fit keeps its training margins as float32 sums,
// as XGBoost's prediction cache does: the adaptive objectives' medians and
// the rank objectives' orders by margin are taken from them (see
// adaptive.go and rank.go).
func (o Objective) f32Margins() bool { return o.adaptive() || o.Ranking() }

// Classifier reports whether the objective fits classes: labels 0 and 1
// (BinaryLogistic, BinaryLogitRaw, BinaryHinge) or 0..K−1 (MultiSoftprob,
// MultiSoftmax). All but BinaryHinge give class probabilities
// (PredictProba); Predict gives them for BinaryLogistic and MultiSoftprob.
func (o Objective) Classifier() bool { return o.binaryClass() || o.multiClass() }

// ScalesPositives reports whether ScalePosWeight weighs the objective's
// rows labelled 1: the objectives of XGBoost 1.7's RegLossObj, which reads
// scale_pos_weight (BinaryLogistic, BinaryLogitRaw, RegLogistic,
// SquaredError, SquaredLogError); the others ignore it.
func (o Objective) ScalesPositives() bool {
	switch o {
	case BinaryLogistic, BinaryLogitRaw, RegLogistic, SquaredError, SquaredLogError:
		return true
	}
	return false
}

// positiveScalers lists the objectives ScalesPositives holds for, for
// errors.
const positiveScalers = "binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror"

// Probabilistic reports whether the objective's fit gives class
// probabilities (PredictProba): every classifier but BinaryHinge.
func (o Objective) Probabilistic() bool { return o.Classifier() && o != BinaryHinge }

// MaxLeaves is the most leaves Model.MaxLeaves may ask a tree for.
const MaxLeaves = 1 << 16

// MaxClasses is the most classes a multi:softprob model may have: far
// above any real use, it keeps a stray huge label from asking for that
// many trees a round.
const MaxClasses = 1 << 12

// NoDeltaStep is the MaxDeltaStep that is XGBoost's max_delta_step given
// as 0: no bound on the steps and, for CountPoisson, no shift of the
// hessian (for CountPoisson, MaxDeltaStep's zero value means
// PoissonDeltaStep, as XGBoost's max_delta_step not given does).
const NoDeltaStep = -1

// PoissonDeltaStep is XGBoost's count:poisson default max_delta_step: the
// Poisson hessian exp(margin) is taken at margin + 0.7 (about twice as
// large), which halves the Newton steps, and every step is bounded by 0.7
// (XGBoost's learner sets the one parameter for both).
const PoissonDeltaStep = 0.7

// Model is a gradient-boosted tree model. Set the exported options, call
// Fit, then Predict.
//
// The zero Model is a binary classifier ready to fit, as New's: Fit takes
// a zero Objective, NumTrees, MaxDepth, LearningRate, MaxBins,
// MinSamplesLeaf, Subsample, ColsampleByTree, ColsampleByLevel,
// ColsampleByNode, ScalePosWeight, MaxCatToOnehot or
// MaxCatThreshold to mean the default
// documented on it, and sets the field to that value, so that after Fit
// the options say what was used (and a saved model records them). Zero is
// a setting of its own for the options that can be 0 (MinChildWeight, L2
// and the others): Model{} fits with MinChildWeight 0 and L2 0, where New
// sets 1e-3 and 1. L1, MaxDeltaStep, Monotone, FeatureWeights and
// InteractionConstraints are off at 0 (nil), in New as in Model{}, and
// a nil BaseScore starts the fit from Ember's estimate.
type Model struct {
	// Objective is the loss (default, and zero, BinaryLogistic).
	Objective Objective `json:"objective"`
	// NumTrees is the number of boosting rounds (default 100; 0 means
	// the default, as for the other options below that say so): one tree
	// each, one per class for MultiSoftprob. XGBoost's n_estimators,
	// scikit-learn's max_iter, Spark's maxIter.
	NumTrees int `json:"num_trees"`
	// NumClass is MultiSoftprob's number of classes, K: labels are 0..K−1.
	// 0 (the default) takes the largest training label plus one; set it
	// when a class may be missing from the training labels. Other
	// objectives leave it 0.
	NumClass int `json:"num_class,omitempty"`
	// MaxDepth is the deepest a leaf can be; the root is depth 0
	// (default 6, as XGBoost; Spark's default is 5; 0 means 6).
	MaxDepth int `json:"max_depth"`
	// MaxLeaves, when set (2 or more), grows each tree best first: the
	// leaf whose best split gains most is split next, until the tree has
	// MaxLeaves leaves (LightGBM's num_leaves, scikit-learn's
	// max_leaf_nodes, XGBoost's max_leaves with grow_policy lossguide);
	// MaxDepth still bounds the depth (30 for no practical bound). The
	// default 0 grows depth by depth to MaxDepth, as XGBoost's default.
	MaxLeaves int `json:"max_leaves,omitempty"`
	// LearningRate shrinks each tree's leaf values (default 0.1; 0 means
	// 0.1): XGBoost's eta, Spark's stepSize.
	LearningRate float64 `json:"learning_rate"`
	// MaxBins is the most value bins per feature, 2..255 (default 255; 0
	// means 255);
	// missing values have a bin of their own. Spark's maxBins,
	// scikit-learn's max_bins, and XGBoost's max_bin, which counts the
	// same bins (its cuts, the last one above every value included), but
	// whose default 256 is one more than a byte per value leaves room for.
	MaxBins int `json:"max_bins"`
	// Binning is how each feature's values are cut into bins: the default
	// BinningSklearn ("" means it, and is what Fit leaves and a saved
	// model records), scikit-learn's quantiles of up to 200,000 rows, or
	// BinningXGBoost, XGBoost 1.7's hist sketch of every row (weighted by
	// the sample weights; rows of weight 0 are left out), bit for bit,
	// with splits scanned in XGBoost's order (among thresholds of equal
	// gain it picks XGBoost's, and a node without missing values sends
	// them right, as XGBoost does, not to the larger child). With it, and
	// MaxBins as max_bin, the trees are XGBoost's on continuous features
	// too, thresholds included. The two binnings agree on a feature of at
	// most MaxBins distinct values (every value a bin of its own), though
	// not on its thresholds (XGBoost's are the values, scikit-learn's the
	// midpoints between them). XGBoost's sketches every row, not a
	// sample.
	Binning Binning `json:"binning,omitempty"`
	// MinSamplesLeaf is the fewest training rows a leaf may hold (default
	// 1; 0 means 1): Spark's minInstancesPerNode, scikit-learn's
	// min_samples_leaf.
	MinSamplesLeaf int `json:"min_samples_leaf"`
	// MinChildWeight is the smallest hessian sum a leaf may have (New's
	// default 1e-3, scikit-learn's min_hessian_to_split; XGBoost's
	// min_child_weight defaults to 1). 0 is no bound, also in a Model
	// literal.
	MinChildWeight float64 `json:"min_child_weight"`
	// MinSplitLoss is the loss reduction a split must exceed (default 0):
	// XGBoost's gamma on its scale (the children's G²/(H+λ) less the
	// parent's), Spark's minInfoGain.
	MinSplitLoss float64 `json:"min_split_loss"`
	// L2 is the L2 penalty on leaf values (New's default 1, XGBoost's
	// lambda; scikit-learn's l2_regularization defaults to 0). 0 is no
	// penalty, also in a Model literal.
	L2 float64 `json:"l2"`
	// L1 is the L1 penalty on leaf values (XGBoost's alpha, reg_alpha;
	// default 0: none, also in New): a leaf's Newton step becomes
	// −T(G)/(H+λ), where T moves the gradient sum G towards 0 by L1 and
	// is 0 within L1 of it, so leaves of small G are 0; the gains are
	// T(G)²/(H+λ), as XGBoost's.
	L1 float64 `json:"l1,omitempty"`
	// MaxDeltaStep bounds every leaf's Newton step to ±MaxDeltaStep
	// before LearningRate shrinks it (XGBoost's max_delta_step; default
	// 0: no bound). XGBoost suggests 1 to 10 for a logistic fit of very
	// imbalanced classes, whose small hessians make large steps. With it,
	// gains are taken at the bounded step, as XGBoost's: −(2Gw + (H+λ)w²)
	// for step w (L1's α|w| left out, as XGBoost's evaluator leaves it).
	//
	// For CountPoisson it is also, as XGBoost's, the shift s of the
	// hessian exp(margin + s), and its default is XGBoost's for
	// count:poisson, PoissonDeltaStep (0.7: s = 0.7 and steps bounded by
	// 0.7; 0 means 0.7, which Fit sets). NoDeltaStep (−1) is
	// max_delta_step=0 given to XGBoost: s = 0 and no bound, plain Newton
	// steps (scikit-learn's Poisson loss). For the other objectives
	// NoDeltaStep is 0.
	MaxDeltaStep float64 `json:"max_delta_step,omitempty"`
	// TweedieVariancePower is Tweedie's variance power ρ, in [1, 2): the
	// variance is φμ^ρ, so 1 is Poisson's and towards 2 gamma's (XGBoost's
	// tweedie_variance_power; default 1.5, 0 means 1.5). Other objectives
	// leave it 0.
	TweedieVariancePower float64 `json:"tweedie_variance_power,omitempty"`
	// HuberSlope is PseudoHuber's δ, the residual beyond which the loss
	// grows about linearly (XGBoost's huber_slope; default 1, 0 means 1):
	// set it near the residual size an outlier starts at, in the label's
	// units. Other objectives leave it 0.
	HuberSlope float64 `json:"huber_slope,omitempty"`
	// AFTDistribution is SurvivalAFT's distribution of the log times
	// about the margin (XGBoost's aft_loss_distribution): AFTNormal (the
	// default; "" means it), AFTLogistic or AFTExtreme. Other objectives
	// leave it "".
	AFTDistribution AFTDistribution `json:"aft_loss_distribution,omitempty"`
	// AFTSigma is SurvivalAFT's scale σ of that distribution, in log-time
	// units (XGBoost's aft_loss_distribution_scale; default 1, 0 means 1;
	// kept as float32, as XGBoost keeps it). Other objectives leave it 0.
	AFTSigma float64 `json:"aft_loss_distribution_scale,omitempty"`
	// Monotone constrains the margin to rise (+1) or fall (−1) with a
	// feature, all else equal; 0 leaves a feature free (XGBoost's
	// monotone_constraints; default nil: none). It has one entry per
	// feature (column of X), or is nil; a Categorical feature must be 0.
	// As XGBoost's: a split on a constrained feature whose children's
	// steps go the wrong way is not taken, and each child's steps (its
	// leaf and those below it) are held on its side of the mean of the
	// two, which makes every tree, and so their sum, monotone in the
	// feature. Gains are then taken at the bounded step, as with
	// MaxDeltaStep. For MultiSoftprob each class's margin is constrained
	// (each class's trees are), not its probability: a softmax of
	// rising margins can fall.
	Monotone []int `json:"monotone_constraints,omitempty"`
	// Subsample is the fraction of rows each tree is grown on, drawn
	// without replacement, in (0, 1] (default 1: all; 0 means 1).
	Subsample float64 `json:"subsample"`
	// ColsampleByTree, ColsampleByLevel and ColsampleByNode are the
	// fractions of the features a split may choose from, drawn without
	// replacement as XGBoost's colsample_bytree, colsample_bylevel and
	// colsample_bynode draw them (scikit-learn's max_features and
	// LightGBM's feature_fraction are the per node and per tree ones): a
	// set per tree from all the features, a set per depth of the tree
	// from the tree's set (best-first growth too), and a set per node
	// from its depth's, so the fractions multiply: 0.5 each leaves a node
	// an eighth of the features. Each draw keeps max(1, ⌊fraction × n⌋)
	// of the n features it draws from (the product in float32, as
	// XGBoost's), so at least one. Every tree draws its own set, each
	// class's too (MultiSoftprob), from Seed. Each is in (0, 1] (default
	// 1: all features; 0 means 1).
	ColsampleByTree  float64 `json:"colsample_bytree,omitempty"`
	ColsampleByLevel float64 `json:"colsample_bylevel,omitempty"`
	ColsampleByNode  float64 `json:"colsample_bynode,omitempty"`
	// FeatureWeights weigh each feature's chance in the column sampling
	// draws, one weight per feature (column of X), each 0 or more
	// (XGBoost's feature_weights; default nil: all alike). Each draw is a
	// weighted sample without replacement, as XGBoost's: features are
	// picked one after another, each with probability its weight over
	// the weights of those not yet picked (Efraimidis and Spirakis'
	// keys, log(u)/w, largest first). As XGBoost's, a weight below 1e-6
	// counts as 1e-6, so a feature of weight 0 is drawn only when a draw
	// keeps more features than have a weight above 0 (or, against a
	// weight of 1, at odds of a million to one). Without column sampling
	// (all three fractions 1) nothing is drawn and the weights do
	// nothing; weights all equal draw as none do.
	FeatureWeights []float64 `json:"feature_weights,omitempty"`
	// InteractionConstraints are sets of features (column indices of X)
	// that may interact (XGBoost's interaction_constraints; default nil:
	// none). A split may use a feature only if, together with every
	// feature split on above it in the tree, it lies in one of the sets,
	// or it is already split on above: so a branch whose path uses 0 and
	// 1 of the sets {0, 1, 2} and {1, 3} may go on to 2 but not to 3, and
	// a feature in no set may be split on at the root, after which its
	// branches split on it alone. A feature may be in several sets.
	// Features interact in the model only within a set: each tree is a
	// sum of functions of one set's features (a feature in no set: of it
	// alone). XGBoost's "[]", every feature apart, is one set per
	// feature, [[0], [1], …]; nil or empty is no constraint. The sets
	// are checked as Categorical is: an index must be a column of X, a
	// set not empty, and a feature in it once (XGBoost ignores all
	// three). They narrow the features a node's column sampling drew
	// (ColsampleBy*), as XGBoost applies them: the draws are made as
	// without constraints, and a node left no feature is a leaf.
	InteractionConstraints [][]int `json:"interaction_constraints,omitempty"`
	// BaseScore is XGBoost's base_score: where every row's prediction
	// starts, before the first tree, given in the objective's output space
	// (a probability, a mean), not as a margin. Default nil: the constant
	// Ember estimates from the training labels (the log-odds of the
	// positive rate, the mean, the log of the mean, the log class shares,
	// …; see "Starting margin" in the package doc), where XGBoost 1.7
	// starts most objectives from 0.5. Set it with new(0.5). As in XGBoost
	// 1.7 (its ProbToMargin, in float32: Objective.BaseMargin), the
	// starting margin is its log-odds for BinaryLogistic and RegLogistic,
	// so it must be in (0, 1); its log for CountPoisson, Tweedie, Gamma,
	// SurvivalCox and SurvivalAFT, so it must be above 0; and the value
	// itself for the others, any finite value, 0 included (BinaryLogitRaw's
	// base_score is its margin, as XGBoost takes it). MultiSoftprob and
	// MultiSoftmax start every class's margin there. It is kept as
	// float32, as XGBoost keeps it; a value beyond float32's range is
	// refused. Fit leaves it as it is: the margin a fit started from is
	// Ensemble().Base() (ClassBase per class).
	BaseScore *float64 `json:"base_score,omitempty"`
	// ScalePosWeight multiplies the weight of every row whose label is 1
	// (in float32, as XGBoost compares it) in the fit of an objective
	// for which Objective.ScalesPositives holds: BinaryLogistic's positive
	// class (XGBoost's scale_pos_weight; the usual choice for imbalanced
	// classes is negatives/positives), and as XGBoost 1.7's RegLossObj
	// does, BinaryLogitRaw's, and the rows labelled exactly 1 of
	// RegLogistic, SquaredError and SquaredLogError. Default 1; 0 means 1
	// (a Model literal, or a file from before the option); other
	// objectives, which XGBoost fits without reading it, leave it 1.
	ScalePosWeight float64 `json:"scale_pos_weight,omitempty"`
	// RankMetric is the ranking metric a rank objective's validation set
	// is scored by, and so early stopping: "ndcg", "map", either at the
	// top k documents ("ndcg@10") and with "-" to score a query without
	// relevant documents 0, not 1 ("ndcg@10-"), as XGBoost names and
	// computes them (metrics.RankMetric). Default "map" for RankMAP,
	// "ndcg" for RankNDCG and RankPairwise ("" means the default; XGBoost
	// 1.7's default is map for all three). Other objectives leave it "".
	// The set's score is the plain mean over its queries, its weights
	// (EvalSet.W) unread, as XGBoost 1.7.4's ranking metrics (EvalRank in
	// its rank_metric.cc) divide the queries' sum by their number, group
	// weights or not: so early stopping keeps XGBoost's round on a
	// weighted validation set too (testdata/make_xgb_rank_validw.py).
	RankMetric string `json:"rank_metric,omitempty"`
	// EvalMetric is the metric the validation set passed to Fit is scored
	// by after each round (History), and so early stopping, as XGBoost's
	// eval_metric: "" (the default) is the objective's own (see
	// History.ValidLoss); otherwise, by XGBoost's names, MetricLogLoss,
	// MetricError or MetricAUC for binary:logistic and binary:logitraw,
	// MetricError or MetricAUC for binary:hinge, MetricMLogLoss or
	// MetricMError for the multi-class objectives, MetricRMSE or MetricMAE
	// for a regressor (and MetricLogLoss for reg:logistic), MetricCIndex
	// for a survival objective, or the objective's default named (as
	// History.Metric names it). MetricAUC and MetricCIndex are higher
	// better, the others lower. A rank objective takes RankMetric instead.
	EvalMetric string `json:"eval_metric,omitempty"`
	// EarlyStoppingRounds stops training when the validation metric
	// (EvalMetric, or for a rank objective RankMetric) has not improved
	// for this many rounds, and keeps the trees up to the best round, as
	// XGBoost's early_stopping_rounds and best_iteration (default 0: off).
	EarlyStoppingRounds int `json:"early_stopping_rounds"`
	// Categorical lists the features (columns of X) that hold category
	// codes rather than numbers, as XGBoost's enable_categorical with
	// feature_types "c" (default none). A code is a non-negative integer
	// (as float32; NaN is missing); a feature's codes must be below
	// MaxCategories and MaxBins; its categories are 0 to its largest
	// training code, gaps included. Such a feature is split by sets of
	// categories, not by a threshold: fewer than MaxCatToOnehot
	// categories, one category against the rest; otherwise the best
	// partition of the categories ordered by their Newton step −G/(H+λ),
	// trying the first MaxCatThreshold of either end (XGBoost's
	// partition-based split). The categories in a split's set go right,
	// any other code (one past the largest training code, a negative one)
	// left, and missing values the way that gained most. A code in a gap
	// below the largest, which no training row had, goes as XGBoost sends
	// it: its weight 0 orders it among the others, so it may be in a set.
	Categorical []int `json:"categorical,omitempty"`
	// MaxCatToOnehot: a categorical feature with fewer categories is
	// split one category against the rest (XGBoost's max_cat_to_onehot;
	// default 4, 0 means 4; 1 never does).
	MaxCatToOnehot int `json:"max_cat_to_onehot,omitempty"`
	// MaxCatThreshold bounds the categories a partition-based split
	// scans from either end of the ordered categories (XGBoost's
	// max_cat_threshold; default 64, 0 means 64).
	MaxCatThreshold int `json:"max_cat_threshold,omitempty"`
	// Seed makes the binning sample and the row and column subsampling
	// reproducible.
	Seed uint64 `json:"seed"`
	// Threads is how many goroutines training and prediction use (default
	// 0: one per core).
	Threads int `json:"threads"`

	ens        *Ensemble
	importance []float64
	history    History
}

// History is what Fit recorded per boosting round.
type History struct {
	// ValidLoss is the metric of the validation set passed to Fit after
	// each round: Model.EvalMetric, or by default the objective's own loss
	// (log-loss, multi-class log-loss, mean squared error, or XGBoost's
	// metric for the objective: poisson-nloglik, tweedie-nloglik@ρ,
	// gamma-nloglik, mphe, mae, rmsle, rmse, error, aft-nloglik; weighted
	// by the set's W, as XGBoost weighs an evaluation set; cox-nloglik,
	// unweighted as XGBoost's); pass the training rows as the validation
	// set for a training curve. For a rank objective it is not a loss but
	// Model.RankMetric, the mean over the set's queries (unweighted, as
	// XGBoost 1.7's), higher better, as MetricAUC and MetricCIndex are.
	ValidLoss []float64
	// Metric names what ValidLoss holds: EvalMetric, or the objective's
	// default ("logloss", "mlogloss", "mse", "poisson-nloglik",
	// "tweedie-nloglik@1.5", "gamma-nloglik", "mphe", "mae", "rmsle",
	// "rmse", "error", "cox-nloglik", "aft-nloglik", or RankMetric); ""
	// without a validation set (or in a file from before it was kept).
	Metric string `json:",omitempty"`
	// BestRound is the round (0-based) of the best validation metric (the
	// lowest, or for a metric that is higher better the highest) when
	// early stopping was on, else the last round.
	BestRound int
}

// New returns a binary classifier with the documented defaults: the zero
// Model's, but MinChildWeight 1e-3 and L2 1.
func New() *Model {
	m := &Model{MinChildWeight: 1e-3, L2: 1}
	m.setDefaults()
	return m
}

// NewMulticlass is New with the multi-class softmax objective.
func NewMulticlass() *Model {
	m := New()
	m.Objective = MultiSoftprob
	return m
}

// NewRegressor is New with the squared-error objective.
func NewRegressor() *Model {
	m := New()
	m.Objective = SquaredError
	return m
}

// ErrNotFitted is returned by Predict and friends before Fit.
var ErrNotFitted = errors.New("gbt: model is not fitted; call Fit first")

// Ensemble is the fitted trees, or nil before Fit.
func (m *Model) Ensemble() *Ensemble { return m.ens }

// History is the per-round losses of the last Fit.
func (m *Model) History() History { return m.history }

// Importance is each feature's total gain: the loss reduction summed over
// every split on it (XGBoost's "total_gain"). Divide by the sum for
// scikit-learn-style importances that add up to one.
func (m *Model) Importance() []float64 { return slices.Clone(m.importance) }

func (m *Model) threads() int {
	if m.Threads > 0 {
		return m.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// setDefaults sets the zero options that mean a default to it (see Model).
func (m *Model) setDefaults() {
	if m.Objective == "" {
		m.Objective = BinaryLogistic
	}
	setZero(&m.NumTrees, 100)
	setZero(&m.MaxDepth, 6)
	setZero(&m.LearningRate, 0.1)
	setZero(&m.MaxBins, MaxBins)
	setZero(&m.MinSamplesLeaf, 1)
	setZero(&m.Subsample, 1)
	setZero(&m.ColsampleByTree, 1)
	setZero(&m.ColsampleByLevel, 1)
	setZero(&m.ColsampleByNode, 1)
	setZero(&m.ScalePosWeight, 1)
	setZero(&m.MaxCatToOnehot, 4)
	setZero(&m.MaxCatThreshold, 64)
	switch m.Objective {
	case RankMAP:
		if m.RankMetric == "" {
			m.RankMetric = "map"
		}
	case RankNDCG, RankPairwise:
		if m.RankMetric == "" {
			m.RankMetric = "ndcg"
		}
	case CountPoisson:
		setZero(&m.MaxDeltaStep, PoissonDeltaStep)
	case Tweedie:
		setZero(&m.TweedieVariancePower, 1.5)
	case PseudoHuber:
		setZero(&m.HuberSlope, 1)
	case SurvivalAFT:
		if m.AFTDistribution == "" {
			m.AFTDistribution = AFTNormal
		}
		setZero(&m.AFTSigma, 1)
	}
}

// setZero sets *v to def when it is 0.
func setZero[T int | float64](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

func (m *Model) checkOptions() error {
	switch {
	case !slices.Contains(objectives, m.Objective):
		return fmt.Errorf("gbt: unknown Objective %q; want one of %v", m.Objective, objectives)
	case m.TweedieVariancePower != 0 && m.Objective != Tweedie:
		return fmt.Errorf("gbt: TweedieVariancePower is %v; only %s takes a variance power", m.TweedieVariancePower, Tweedie)
	case m.Objective == Tweedie && !(m.TweedieVariancePower >= 1 && m.TweedieVariancePower < 2):
		return fmt.Errorf("gbt: TweedieVariancePower must be in [1, 2) (XGBoost's range), got %v", m.TweedieVariancePower)
	case m.HuberSlope != 0 && m.Objective != PseudoHuber:
		return fmt.Errorf("gbt: HuberSlope is %v; only %s takes a slope", m.HuberSlope, PseudoHuber)
	case m.Objective == PseudoHuber && (!(m.HuberSlope > 0) || math.IsInf(m.HuberSlope, 0)):
		return fmt.Errorf("gbt: HuberSlope must be a positive finite number, got %v", m.HuberSlope)
	case m.AFTDistribution != "" && m.Objective != SurvivalAFT:
		return fmt.Errorf("gbt: AFTDistribution is %q; only %s takes a distribution", m.AFTDistribution, SurvivalAFT)
	case m.Objective == SurvivalAFT && !slices.Contains(aftDistributions, m.AFTDistribution):
		return fmt.Errorf("gbt: unknown AFTDistribution %q; want one of %v", m.AFTDistribution, aftDistributions)
	case m.AFTSigma != 0 && m.Objective != SurvivalAFT:
		return fmt.Errorf("gbt: AFTSigma is %v; only %s takes a scale", m.AFTSigma, SurvivalAFT)
	case m.Objective == SurvivalAFT && (!(m.AFTSigma > 0) || m.AFTSigma > math.MaxFloat32 || float32(m.AFTSigma) == 0):
		return fmt.Errorf("gbt: AFTSigma must be a positive number within float32's range, got %v", m.AFTSigma)
	case m.Objective.adaptive() && slices.ContainsFunc(m.Monotone, func(c int) bool { return c != 0 }):
		return fmt.Errorf("gbt: Monotone constraints with %s: its leaves are set to medians after each tree is grown, which the constraints do not bound (XGBoost 1.7's fits break them too); fit without them, or with %s", m.Objective, PseudoHuber)
	case m.RankMetric != "" && !m.Objective.Ranking():
		return fmt.Errorf("gbt: RankMetric is %q; only the rank objectives take a ranking metric", m.RankMetric)
	case m.NumClass != 0 && !m.Objective.multiClass():
		return fmt.Errorf("gbt: NumClass is %d; only %s and %s take a number of classes", m.NumClass, MultiSoftprob, MultiSoftmax)
	case m.NumClass != 0 && (m.NumClass < 2 || m.NumClass > MaxClasses):
		return fmt.Errorf("gbt: NumClass must be in 2..%d, got %d", MaxClasses, m.NumClass)
	case m.NumTrees < 1:
		return fmt.Errorf("gbt: NumTrees must be at least 1, got %d", m.NumTrees)
	case m.MaxDepth < 1 || m.MaxDepth > 30:
		return fmt.Errorf("gbt: MaxDepth must be in 1..30, got %d", m.MaxDepth)
	case m.MaxLeaves != 0 && (m.MaxLeaves < 2 || m.MaxLeaves > MaxLeaves):
		return fmt.Errorf("gbt: MaxLeaves must be 0 (depth by depth) or in 2..%d, got %d", MaxLeaves, m.MaxLeaves)
	case !(m.LearningRate > 0) || math.IsInf(m.LearningRate, 0):
		return fmt.Errorf("gbt: LearningRate must be a positive finite number, got %v", m.LearningRate)
	case m.Binning != "" && !slices.Contains(binnings, m.Binning):
		return fmt.Errorf("gbt: unknown Binning %q; want one of %v", m.Binning, binnings)
	case m.MaxBins < 2 || m.MaxBins > MaxBins:
		return fmt.Errorf("gbt: MaxBins must be in 2..%d, got %d", MaxBins, m.MaxBins)
	case m.MinSamplesLeaf < 1:
		return fmt.Errorf("gbt: MinSamplesLeaf must be at least 1, got %d", m.MinSamplesLeaf)
	case !(m.MinChildWeight >= 0) || math.IsInf(m.MinChildWeight, 0):
		return fmt.Errorf("gbt: MinChildWeight must be a non-negative finite number, got %v", m.MinChildWeight)
	case !(m.MinSplitLoss >= 0) || math.IsInf(m.MinSplitLoss, 0):
		return fmt.Errorf("gbt: MinSplitLoss must be a non-negative finite number, got %v", m.MinSplitLoss)
	case !(m.L2 >= 0) || math.IsInf(m.L2, 0):
		return fmt.Errorf("gbt: L2 must be a non-negative finite number, got %v", m.L2)
	case !(m.L1 >= 0) || math.IsInf(m.L1, 0):
		return fmt.Errorf("gbt: L1 must be a non-negative finite number, got %v", m.L1)
	case !(m.MaxDeltaStep >= 0 || m.MaxDeltaStep == NoDeltaStep) || math.IsInf(m.MaxDeltaStep, 0):
		return fmt.Errorf("gbt: MaxDeltaStep must be a non-negative finite number (0: no bound) or NoDeltaStep (-1), got %v", m.MaxDeltaStep)
	case !(m.Subsample > 0 && m.Subsample <= 1):
		return fmt.Errorf("gbt: Subsample must be in (0, 1], got %v", m.Subsample)
	case !(m.ColsampleByTree >= 0 && m.ColsampleByTree <= 1): // 0: a file from before the option
		return fmt.Errorf("gbt: ColsampleByTree must be in (0, 1], got %v", m.ColsampleByTree)
	case !(m.ColsampleByLevel >= 0 && m.ColsampleByLevel <= 1):
		return fmt.Errorf("gbt: ColsampleByLevel must be in (0, 1], got %v", m.ColsampleByLevel)
	case !(m.ColsampleByNode >= 0 && m.ColsampleByNode <= 1):
		return fmt.Errorf("gbt: ColsampleByNode must be in (0, 1], got %v", m.ColsampleByNode)
	case m.ScalePosWeight != 0 && m.ScalePosWeight != 1 && !m.Objective.ScalesPositives():
		return fmt.Errorf("gbt: ScalePosWeight is %v; %s does not weigh rows by their label (XGBoost ignores scale_pos_weight there): only %s do", m.ScalePosWeight, m.Objective, positiveScalers)
	case !(m.ScalePosWeight >= 0) || math.IsInf(m.ScalePosWeight, 0):
		return fmt.Errorf("gbt: ScalePosWeight must be a non-negative finite number, got %v", m.ScalePosWeight)
	case m.EarlyStoppingRounds < 0:
		return fmt.Errorf("gbt: EarlyStoppingRounds must not be negative, got %d", m.EarlyStoppingRounds)
	case m.MaxCatToOnehot < 0:
		return fmt.Errorf("gbt: MaxCatToOnehot must not be negative, got %d", m.MaxCatToOnehot)
	case m.MaxCatThreshold < 0:
		return fmt.Errorf("gbt: MaxCatThreshold must not be negative, got %d", m.MaxCatThreshold)
	}
	if m.BaseScore != nil {
		if _, err := m.Objective.BaseMargin(*m.BaseScore); err != nil {
			// In the setting's name; errors.As still finds the
			// *BaseScoreError.
			return &kindError{msg: fmt.Sprintf("gbt: BaseScore %v is %s", *m.BaseScore, err.(*BaseScoreError).Reason), cause: err}
		}
	}
	if m.RankMetric != "" {
		if _, err := metrics.ParseRankMetric(m.RankMetric); err != nil {
			return fmt.Errorf("gbt: RankMetric: %w", err)
		}
	}
	if err := m.checkEvalMetric(); err != nil {
		return err
	}
	for k, j := range m.Categorical {
		if j < 0 || slices.Contains(m.Categorical[:k], j) {
			return fmt.Errorf("gbt: Categorical lists feature %d: not a column index, or listed twice", j)
		}
	}
	for j, c := range m.Monotone {
		switch {
		case c < -1 || c > 1:
			return fmt.Errorf("gbt: Monotone[%d] is %d; a constraint is -1 (falling), 0 (none) or +1 (rising)", j, c)
		case c != 0 && slices.Contains(m.Categorical, j):
			return fmt.Errorf("gbt: Monotone[%d] is %+d, but feature %d is Categorical: category codes have no order to be monotone in (XGBoost refuses this too)", j, c, j)
		}
	}
	for j, w := range m.FeatureWeights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("gbt: FeatureWeights[%d] is %v; a feature weight must be a non-negative finite number", j, w)
		}
	}
	for k, set := range m.InteractionConstraints {
		if len(set) == 0 {
			return fmt.Errorf("gbt: InteractionConstraints[%d] is empty; a set lists the features that may be split on together", k)
		}
		for i, j := range set {
			switch {
			case j < 0:
				return fmt.Errorf("gbt: InteractionConstraints[%d] lists feature %d; features are column indices of X, from 0", k, j)
			case slices.Contains(set[:i], j):
				return fmt.Errorf("gbt: InteractionConstraints[%d] lists feature %d twice", k, j)
			}
		}
	}
	return nil
}

// checkFeatureOptions checks the options that name or count features
// against X's number of features: Monotone, FeatureWeights and
// InteractionConstraints.
func (m *Model) checkFeatureOptions(features int) error {
	if err := m.checkMonotone(features); err != nil {
		return err
	}
	if m.FeatureWeights != nil && len(m.FeatureWeights) != features {
		return fmt.Errorf("gbt: FeatureWeights has %d weights, but X has %d features; give one per feature", len(m.FeatureWeights), features)
	}
	for k, set := range m.InteractionConstraints {
		for _, j := range set {
			if j >= features {
				return fmt.Errorf("gbt: InteractionConstraints[%d] lists feature %d, but X has %d features (0..%d)", k, j, features, features-1)
			}
		}
	}
	return nil
}

// checkMonotone checks that Monotone has one entry per feature of X, or
// none.
func (m *Model) checkMonotone(features int) error {
	if m.Monotone != nil && len(m.Monotone) != features {
		return fmt.Errorf("gbt: Monotone has %d constraints, but X has %d features; give one per feature (0 for none)", len(m.Monotone), features)
	}
	return nil
}

// monotone is the constraints the trainer applies: Monotone, or nil when
// it constrains nothing (so that all zeros fit as no constraints do).
func (m *Model) monotone() []int {
	if !slices.ContainsFunc(m.Monotone, func(c int) bool { return c != 0 }) {
		return nil
	}
	return m.Monotone
}

// OverflowError is Fit's error when a leaf value is beyond float32's
// range, where leaf values are kept: the Newton step −G/(H+λ) times the
// learning rate overflows, or (Step not finite) a row's float32 gradient
// already had, its margin or label being too large.
type OverflowError struct {
	Round        int     // the boosting round, from 1
	Step         float64 // −G/(H+λ) of the leaf
	LearningRate float64
	G, H         float64 // the leaf's gradient and hessian sums
}

func (e *OverflowError) Error() string {
	if math.IsNaN(e.Step) || math.IsInf(e.Step, 0) {
		return fmt.Sprintf("gbt: Fit: round %d: a leaf's gradient sums are not finite (G %.3g, H %.3g): a row's gradient is beyond float32's range, where gradients are kept, as its margin or label is too large: lower LearningRate (or raise L2), or scale the labels",
			e.Round, e.G, e.H)
	}
	return fmt.Sprintf("gbt: Fit: round %d: a leaf value of %.3g (the Newton step −G/(H+λ) = %.3g times LearningRate %g) is beyond float32's range (3.4e38), where leaf values are kept: lower LearningRate, or raise L2",
		e.Round, e.Step*e.LearningRate, e.Step, e.LearningRate)
}

// EvalSet is a validation set for early stopping and the loss history.
type EvalSet struct {
	X *tabular.Matrix
	Y []float64
	// W weighs each row's loss (nil: every row 1), as XGBoost weighs an
	// evaluation set's metric. A rank objective's metric is unweighted, as
	// XGBoost 1.7's ranking metrics are (see Model.RankMetric), but W is
	// still checked as FitRank's w is: the same on every row of a query,
	// as XGBoost takes an evaluation set's weights one per group.
	W []float64
	// Query is each row's query id for a rank objective (see FitRank):
	// the set's queries, each row's together; nil is one query of all the
	// rows.
	Query []int
	// Upper is each row's upper bound on its time for survival:aft (Y is
	// the lower bound; +Inf: right-censored; see FitAFT); nil is the
	// times Y, observed. Other objectives leave it nil.
	Upper []float64
}

// MaxWeight is the largest sample weight (times ScalePosWeight) a fit
// takes: float32's largest, as XGBoost keeps weights in float32, so that a
// weighted gradient pair (float32) stays finite.
const MaxWeight = math.MaxFloat32

// checkWeights validates the sample weights of name (the training rows,
// the validation set): one per row, from 0 to MaxWeight, not all zero.
func checkWeights(name string, w []float64, rows int) error {
	if w == nil {
		return nil
	}
	if len(w) != rows {
		return fmt.Errorf("gbt: %s: %d rows but %d weights", name, rows, len(w))
	}
	var sum float64
	for i, v := range w {
		if !(v >= 0 && v <= MaxWeight) {
			return fmt.Errorf("gbt: weight %d of %s is %v; weights must be from 0 to 3.4e38 (float32's range, as XGBoost keeps them)", i, name, v)
		}
		sum += v
	}
	if !(sum > 0) {
		return fmt.Errorf("gbt: every weight of %s is 0", name)
	}
	return nil
}

// checkFinite refuses an infinite feature value, as XGBoost does: binning
// puts +Inf with the largest values, but a split whose float32 threshold
// is +Inf ("v < +Inf") would send it the other way at prediction.
func checkFinite(name string, X *tabular.Matrix) error {
	for k, v := range X.Data {
		if math.IsInf(float64(v), 0) {
			return fmt.Errorf("gbt: %s[%d][%d] is %v; features must be finite (NaN marks a missing value)", name, k/X.Cols, k%X.Cols, v)
		}
	}
	return nil
}

// checkLabels validates labels for the objective; classes is
// MultiSoftprob's number of classes (labels must be below it).
func (m *Model) checkLabels(name string, y []float64, rows, classes int) error {
	if len(y) != rows {
		return fmt.Errorf("gbt: %s has %d rows but %d labels", name, rows, len(y))
	}
	for i, v := range y {
		switch {
		case m.Objective == BinaryLogistic && v != 0 && v != 1:
			return fmt.Errorf("gbt: %s label %d is %v; binary:logistic needs labels 0 and 1", name, i, v)
		case m.Objective.multiClass() && !(v >= 0 && v < float64(classes) && v == math.Trunc(v)):
			return fmt.Errorf("gbt: %s label %d is %v; %s needs class numbers 0..%d", name, i, v, m.Objective, classes-1)
		case (m.Objective == BinaryLogitRaw || m.Objective == BinaryHinge) && v != 0 && v != 1:
			return fmt.Errorf("gbt: %s label %d is %v; %s needs labels 0 and 1", name, i, v, m.Objective)
		case m.Objective == RegLogistic && !(v >= 0 && v <= 1):
			return fmt.Errorf("gbt: %s label %d is %v; %s needs labels from 0 to 1 (probabilities or shares)", name, i, v, m.Objective)
		case m.Objective == SquaredLogError && !(v > -1 && float32(v) > -1):
			return fmt.Errorf("gbt: %s label %d is %v; %s needs labels above -1 (it fits log(1+label))", name, i, v, m.Objective)
		case m.Objective.elementwise32() && math.Abs(v) > math.MaxFloat32 && !math.IsInf(v, 0):
			return fmt.Errorf("gbt: %s label %d is %v; %s takes its labels as float32, as XGBoost does, so they must be within ±3.4e38", name, i, v, m.Objective)
		case (m.Objective == CountPoisson || m.Objective == Tweedie) && v < 0:
			return fmt.Errorf("gbt: %s label %d is %v; %s needs labels of 0 or more", name, i, v, m.Objective)
		case m.Objective == Gamma && v <= 0:
			return fmt.Errorf("gbt: %s label %d is %v; %s needs labels above 0", name, i, v, m.Objective)
		case m.Objective == SurvivalCox && (v == 0 || math.Abs(v) > math.MaxFloat32):
			return fmt.Errorf("gbt: %s label %d is %v; %s needs survival times, negative for a censored row, within float32's range (3.4e38), as XGBoost keeps them", name, i, v, m.Objective)
		case m.Objective == SurvivalAFT && (v < 0 || v > math.MaxFloat32):
			return fmt.Errorf("gbt: %s label %d is %v; %s's lower bound must be a time of 0 (left-censored) or more, within float32's range (3.4e38)", name, i, v, m.Objective)
		case m.Objective == AbsoluteError && math.Abs(v) > math.MaxFloat32:
			return fmt.Errorf("gbt: %s label %d is %v; %s takes its labels as float32, as XGBoost does, so they must be within ±3.4e38", name, i, v, m.Objective)
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("gbt: %s label %d is %v; labels must be finite", name, i, v)
		}
	}
	return nil
}

// numClass is the number of margins per row Fit grows: NumClass, or the
// largest label plus one, for MultiSoftprob; 1 otherwise.
func (m *Model) numClass(y []float64) (int, error) {
	if !m.Objective.multiClass() {
		return 1, nil
	}
	if m.NumClass != 0 {
		return m.NumClass, nil
	}
	var seen [MaxClasses]bool
	top := 0
	for i, v := range y {
		if !(v >= 0 && v < MaxClasses && v == math.Trunc(v)) {
			return 0, fmt.Errorf("gbt: label %d is %v; %s needs class numbers 0..%d", i, v, m.Objective, MaxClasses-1)
		}
		seen[int(v)] = true
		top = max(top, int(v))
	}
	// A class number with no rows below the largest is most likely a
	// stray label (a sentinel such as 999), which would ask for that many
	// trees a round: as XGBClassifier, refuse it unless NumClass says so.
	if empty := top + 1 - countTrue(seen[:top+1]); empty > 0 {
		first := slices.Index(seen[:top+1], false)
		return 0, fmt.Errorf("gbt: the labels run to %d, but %d of the classes 0..%d have no rows (class %d first): number the classes 0..K−1, or set NumClass to say how many there are",
			top, empty, top, first)
	}
	return top + 1, nil
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// Fit grows the trees on X (rows × features, NaN for missing values) and
// labels y: 0 or 1 for BinaryLogistic, BinaryLogitRaw and BinaryHinge,
// class numbers 0..K−1 for MultiSoftprob and MultiSoftmax (K is NumClass,
// or the largest label plus one when every class below it has rows), any
// finite value for SquaredError and PseudoHuber (within float32's range
// for AbsoluteError), 0 or more for CountPoisson and Tweedie (not all 0),
// above 0 for Gamma, above −1 for SquaredLogError, from 0 to 1 for
// RegLogistic, survival times for SurvivalCox (negative: censored; some
// positive), observed times above 0 for SurvivalAFT (FitAFT takes
// censored ones); a label out of range is an error naming its row.
// valid, if not nil, is scored after every round (History) and drives
// early stopping. Fit first sets the zero options that mean a default to
// it (see Model).
func (m *Model) Fit(X *tabular.Matrix, y []float64, valid *EvalSet) error {
	return m.FitWeighted(X, y, nil, valid)
}

// FitWeighted is Fit with a weight per training row (nil: every row 1;
// each from 0 to MaxWeight), as XGBoost's and scikit-learn's
// sample_weight: each row's gradient and hessian are scaled by its weight,
// so MinChildWeight bounds a leaf's weighted hessian and the starting
// margin is the weighted mean's; MinSamplesLeaf still counts rows. The bins
// are cut from the rows unweighted, as scikit-learn cuts them (XGBoost's
// hist sketch weighs them), so a weight of 0 leaves a row out of the fit
// but not out of the bins. A leaf value beyond float32's range stops the
// fit with an *OverflowError.
func (m *Model) FitWeighted(X *tabular.Matrix, y, w []float64, valid *EvalSet) error {
	return m.fit(X, y, nil, nil, w, valid)
}

// FitRank fits a rank objective (RankPairwise, RankNDCG, RankMAP) to the
// documents X of queries: y is each row's relevance grade (a whole number
// from 0 to 31; NDCG's gain is 2^y − 1, MAP takes y > 0 as relevant),
// query each row's query id, and w, if not nil, each row's weight, the
// same on every row of a query (XGBoost weighs queries, not rows). A
// query's rows must be contiguous, as XGBoost 1.7 needs its qid sorted
// (any order of the queries themselves will do here): a query id that
// comes back after another query's rows is an error naming the row, as
// is a label that is not a grade or a weight that differs within a
// query. Fit and FitWeighted on a rank objective take all the rows as one
// query, as XGBoost does without groups. valid.Query gives the
// validation set's queries, scored by RankMetric.
func (m *Model) FitRank(X *tabular.Matrix, y []float64, query []int, w []float64, valid *EvalSet) error {
	m.ens, m.importance, m.history = nil, nil, History{}
	m.setDefaults()
	if !m.Objective.Ranking() {
		return fmt.Errorf("gbt: FitRank is for the rank objectives (%s, %s, %s); Objective is %s", RankPairwise, RankNDCG, RankMAP, m.Objective)
	}
	if query == nil {
		return errors.New("gbt: FitRank: no query ids; give each row's query (Fit takes all the rows as one)")
	}
	return m.fit(X, y, nil, query, w, valid)
}

// fit is FitWeighted, FitRank and FitAFT: query is nil but for FitRank,
// upper nil but for FitAFT.
func (m *Model) fit(X *tabular.Matrix, y, upper []float64, query []int, w []float64, valid *EvalSet) error {
	m.ens, m.importance, m.history = nil, nil, History{}
	m.setDefaults()
	if err := m.checkOptions(); err != nil {
		return err
	}
	if err := X.Check(); err != nil {
		return fmt.Errorf("gbt: Fit: %w", err)
	}
	if X.Rows == 0 || X.Cols == 0 {
		return fmt.Errorf("gbt: Fit: X is %d×%d; it needs rows and features", X.Rows, X.Cols)
	}
	if err := m.checkFeatureOptions(X.Cols); err != nil {
		return err
	}
	k, err := m.numClass(y)
	if err != nil {
		return err
	}
	if err := m.checkLabels("X", y, X.Rows, k); err != nil {
		return err
	}
	if err := checkFinite("X", X); err != nil {
		return err
	}
	if err := checkWeights("the training rows", w, X.Rows); err != nil {
		return err
	}
	if m.EarlyStoppingRounds > 0 && valid == nil {
		return errors.New("gbt: EarlyStoppingRounds needs a validation set")
	}
	if valid != nil {
		if err := valid.X.Check(); err != nil {
			return fmt.Errorf("gbt: validation set: %w", err)
		}
		if valid.X.Cols != X.Cols {
			return fmt.Errorf("gbt: the validation set has %d features, the training set %d", valid.X.Cols, X.Cols)
		}
		if err := m.checkLabels("the validation set", valid.Y, valid.X.Rows, k); err != nil {
			return err
		}
		if err := checkFinite("the validation set's X", valid.X); err != nil {
			return err
		}
		if err := checkWeights("the validation set", valid.W, valid.X.Rows); err != nil {
			return err
		}
		if valid.X.Rows == 0 {
			return errors.New("gbt: the validation set has no rows")
		}
	}
	if valid != nil && valid.Query != nil && !m.Objective.Ranking() {
		return fmt.Errorf("gbt: the validation set has query ids, but %s does not rank", m.Objective)
	}
	upper, vupper, err := m.survivalLabels(y, upper, valid)
	if err != nil {
		return err
	}
	if valid != nil {
		if err := m.checkEvalSet(valid, vupper, k); err != nil {
			return err
		}
	}
	var rank *rankData
	if m.Objective.Ranking() {
		if rank, err = m.rankData(y, query, w, valid); err != nil {
			return err
		}
	}
	if m.Objective.Classifier() && !slices.ContainsFunc(y, func(v float64) bool { return v != y[0] }) {
		need := "both classes"
		if m.Objective.multiClass() {
			need = "two classes or more"
		}
		return fmt.Errorf("gbt: Fit: every label is %v; a classifier needs %s", y[0], need)
	}
	if m.Objective.ScalesPositives() && m.ScalePosWeight > 1 {
		top := 1.0
		if w != nil {
			top = slices.Max(w)
		}
		if top*m.ScalePosWeight > MaxWeight {
			return fmt.Errorf("gbt: ScalePosWeight %v times the largest weight, %v, is beyond 3.4e38 (float32's range, as XGBoost keeps weights)", m.ScalePosWeight, top)
		}
	}
	if w != nil && m.Objective.Classifier() {
		// The weighted classes must be two or more as well: a class whose
		// rows all weigh 0 does not count (a binary fit would start at a
		// log-odds of ±Inf).
		var with []float64
		for i, v := range y {
			if w[i] > 0 && !slices.Contains(with, v) {
				if with = append(with, v); len(with) == 2 {
					break
				}
			}
		}
		if len(with) < 2 {
			return fmt.Errorf("gbt: Fit: only rows of class %v have a weight above 0; a classifier needs two classes of weighted rows", with[0])
		}
	}
	if m.Objective.logLink() {
		// The fit starts at the log of the weighted mean label, which
		// must be above 0 (Gamma's labels all are).
		var sum float64
		for i, v := range y {
			sum += weight(w, i) * v
		}
		if !(sum > 0) {
			return fmt.Errorf("gbt: Fit: every label (of the rows weighing more than 0) is 0; %s fits the log of the mean label, which needs some above 0", m.Objective)
		}
	}
	nCat, err := m.categoryCounts(X)
	if err != nil {
		return err
	}
	t := newTrainer(m, X, y, w, valid, k, nCat)
	if m.Objective.Survival() {
		t.survival(upper, vupper)
	}
	if rank != nil {
		t.w = nil // the pairs carry the query weights
		t.rankData = *rank
	}
	if err := t.run(); err != nil {
		return err
	}
	m.ens, m.importance, m.history = t.ens, t.importance, t.history
	return nil
}

// rankData is what a ranking fit needs beyond the rows: the training and
// validation queries' bounds (query q is rows bounds[q]:bounds[q+1]), each
// training query's weight (nil: all 1) and, for RankNDCG, ideal DCG
// (idealDCGs), and the validation labels as grades; and the pair
// sampling's draws: the training queries' buckets of equal labels
// (rankBuckets) and room for a round's draws, one per training row.
type rankData struct {
	bounds, vbounds []int
	qw, idcg        []float32
	vrel            []int
	buckets         []rankBucket
	draws           []uint32
}

// rankData checks a ranking fit's queries, labels and weights (see
// queryBounds), the validation set's too.
func (m *Model) rankData(y []float64, query []int, w []float64, valid *EvalSet) (*rankData, error) {
	var r rankData
	var err error
	var rel []int
	if r.bounds, rel, r.qw, err = m.queryBounds("X", query, y, w); err != nil {
		return nil, err
	}
	r.buckets, r.draws = rankBuckets(rel, r.bounds), make([]uint32, len(y))
	if m.Objective == RankNDCG {
		r.idcg = idealDCGs(y, r.bounds)
	}
	if valid != nil {
		// The metric reads no weights, but checks them per query, as
		// XGBoost refuses an evaluation set's weights that are not one
		// per group.
		if r.vbounds, r.vrel, _, err = m.queryBounds("the validation set", valid.Query, valid.Y, valid.W); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// Margins is the raw score of every row (log-odds for a binary
// classifier; NumClass per row, row by row, for MultiSoftprob).
func (m *Model) Margins(X *tabular.Matrix) ([]float64, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	return m.ens.Margins(X, m.threads(), nil)
}

// Predict is the positive-class probability of every row for a binary
// classifier (predict_proba's second column), the NumClass class
// probabilities of every row, row by row, for MultiSoftprob
// (predict_proba's layout), the predicted value for a regressor, the score
// (margin) for a rank objective, the hazard ratio exp(margin) for
// SurvivalCox, the time exp(margin) for SurvivalAFT. As XGBoost's predict,
// it is the margin (log-odds) for BinaryLogitRaw, the class 0 or 1 for
// BinaryHinge and the class number for MultiSoftmax (the first of highest
// margin): see PredictProba and PredictClass. An
// infinite feature value is an error, as in Fit (and as
// XGBoost refuses one): the trees' thresholds cannot route it as training
// binned it.
func (m *Model) Predict(X *tabular.Matrix) ([]float64, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	if err := m.ens.checkX(X); err != nil { // before checkFinite reads X
		return nil, err
	}
	if err := checkFinite("X", X); err != nil {
		return nil, err
	}
	if m.Objective == MultiSoftmax {
		k := m.ens.NumClass()
		mg, err := m.ens.Margins(X, m.threads(), nil)
		if err != nil {
			return nil, err
		}
		out := make([]float64, X.Rows)
		for i, c := range metrics.ArgMax(mg, k) {
			out[i] = float64(c)
		}
		return out, nil
	}
	return m.ens.Predict(X, m.threads(), nil)
}

// PredictProba is the class probabilities of every row for the
// classifiers fitted on the log-loss: the positive class's for
// BinaryLogistic and BinaryLogitRaw (the logistic of its margin), the
// NumClass classes', row by row, for MultiSoftprob and MultiSoftmax (the
// softmax of their margins). BinaryHinge gives none (an error), nor do the
// regressors.
func (m *Model) PredictProba(X *tabular.Matrix) ([]float64, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	if !m.Objective.Probabilistic() {
		return nil, fmt.Errorf("gbt: PredictProba: %s gives no class probabilities", m.Objective)
	}
	if m.Objective == MultiSoftmax {
		if err := m.ens.checkX(X); err != nil {
			return nil, err
		}
		if err := checkFinite("X", X); err != nil {
			return nil, err
		}
		return m.ens.Predict(X, m.threads(), nil) // the softmax link
	}
	p, err := m.Predict(X)
	if err != nil || m.Objective != BinaryLogitRaw {
		return p, err
	}
	for i, v := range p {
		p[i] = m.ens.sigmoid(v)
	}
	return p, nil
}

// NumClasses is the fitted number of classes for MultiSoftprob and
// MultiSoftmax, else 1 (0 before Fit): how many predictions Predict gives
// per row, but for MultiSoftmax, whose Predict gives one class a row
// (PredictProba gives NumClasses).
func (m *Model) NumClasses() int {
	if m.ens == nil {
		return 0
	}
	return m.ens.NumClass()
}

// PredictClass is each row's most probable class: for a binary classifier
// 1 where the probability is above 0.5, else 0 (as scikit-learn's argmax
// and XGBoost's predict break a tie at 0.5), for BinaryLogitRaw and
// BinaryHinge 1 where the margin is above 0; for MultiSoftprob the first
// class of highest probability, as numpy's argmax, for MultiSoftmax of
// highest margin, as XGBoost's predict.
func (m *Model) PredictClass(X *tabular.Matrix) ([]int, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	if !m.Objective.Classifier() {
		return nil, errors.New("gbt: PredictClass needs a classifier")
	}
	p, err := m.Predict(X)
	if err != nil {
		return nil, err
	}
	switch m.Objective {
	case BinaryLogitRaw, BinaryHinge, MultiSoftmax:
		// Margins, classes 0 and 1, class numbers.
		out := make([]int, len(p))
		for i, v := range p {
			switch {
			case m.Objective == BinaryLogitRaw && v > 0:
				out[i] = 1
			case m.Objective != BinaryLogitRaw:
				out[i] = int(v)
			}
		}
		return out, nil
	}
	return metrics.ArgMax(p, m.NumClasses()), nil
}

// MaxCategories is the most categories a Categorical feature may have
// (codes 0..253): the 8-bit bin codes keep one for missing values and one
// for the codes no training row had.
const MaxCategories = 254

// categoryCounts is each feature's number of categories (its largest code
// plus one; 0 for a numeric feature), or nil when none is categorical,
// checking that every training value of a categorical feature is a code.
func (m *Model) categoryCounts(X *tabular.Matrix) ([]int, error) {
	if len(m.Categorical) == 0 {
		return nil, nil
	}
	limit := min(MaxCategories, m.MaxBins)
	nCat := make([]int, X.Cols)
	for _, j := range m.Categorical {
		if j >= X.Cols {
			return nil, fmt.Errorf("gbt: Categorical lists feature %d; X has %d", j, X.Cols)
		}
		top := float32(-1)
		for i := range X.Rows {
			v := X.Data[i*X.Cols+j]
			if v != v {
				continue
			}
			if !(v >= 0) || float64(v) != math.Trunc(float64(v)) {
				return nil, fmt.Errorf("gbt: Fit: X row %d, categorical feature %d: %v is not a category code (a non-negative integer)", i, j, v)
			}
			top = max(top, v)
		}
		if top+1 > float32(limit) {
			return nil, fmt.Errorf("gbt: Fit: categorical feature %d has %v categories (codes 0..%v); at most %d are supported (MaxCategories and MaxBins)", j, top+1, top, limit)
		}
		// A feature of missing values only still needs a bin.
		nCat[j] = max(int(top)+1, 1)
	}
	return nCat, nil
}
