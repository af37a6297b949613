// Package gbt is gradient-boosted decision trees with histogram split
// finding, in the manner of XGBoost's "hist" method, LightGBM and
// scikit-learn's HistGradientBoostingClassifier, and a scorer for models
// saved by XGBoost itself.
//
//	m := gbt.New() // binary log-loss; gbt.NewMulticlass(), gbt.NewRegressor()
//	m.NumTrees, m.MaxDepth = 200, 4
//	if err := m.Fit(X, y, &gbt.EvalSet{X: Xval, Y: yval}); err != nil { ... }
//	p, err := m.Predict(Xtest) // P(y=1) per row
//
// X is a tabular.Matrix: float32 rows, NaN for a missing value (the
// tabular package builds one from CSV or Parquet columns). Fit and Predict
// refuse an infinite value, as XGBoost does.
//
// # Training
//
// Each feature's values are cut into at most MaxBins bins at quantiles of
// (up to 200,000 of) the training rows (or, with Binning BinningXGBoost,
// at the cuts of XGBoost 1.7's weighted quantile sketch of every row, bit
// for bit, so that the trees are XGBoost's hist trees on continuous
// features too: xgbsketch.go), and the table becomes one byte
// per value, row-major, with code 255 for missing. A tree grows depth by
// depth (or, with MaxLeaves, best first: the leaf whose split gains most
// next, as LightGBM grows): for every node a histogram sums the gradients, hessians and row
// counts per bin of every feature, and the best split is the bin boundary
// maximising XGBoost's gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), with
// the node's missing values tried on both sides (the better side becomes
// the split's default direction; with none in the node they go to the
// larger child, as scikit-learn's). Only the smaller child's histogram is
// built from its rows: the larger one is its parent's minus it. Histogram
// building is split over the cores by chunks of rows, each into its own
// histogram, merged afterwards; the rows of each node are kept as a
// contiguous, ascending slice of row indices, partitioned in parallel
// after each split. Buffers are reused from tree to tree. Leaves take
// the Newton step −G/(H+λ), shrunk by LearningRate, as float32: a value
// beyond its range stops Fit with an *OverflowError.
//
// # Categorical features
//
// Model.Categorical names the features whose values are category codes
// (0, 1, 2, …; XGBoost's enable_categorical). Such a feature's histogram
// has a bin per category, and its splits send a set of categories right
// and the rest left, as XGBoost's hist finds them: one category against
// the rest below MaxCatToOnehot categories, else the categories ordered
// by their Newton step −G/(H+λ) and the best cut of that order
// (max_cat_threshold bounding the scan); missing values still take the
// better side. With none in the node their side is the one the scan that
// found the split put them on, as XGBoost's evaluator leaves it: left for
// one category against the rest and for a cut found growing the first
// part, right for one found shrinking it (not the larger child, as at a
// numeric split). A feature's categories are the codes 0 to its largest
// training code, as XGBoost's cuts number them: a code above every
// training row's goes left at every such split, but one in a gap below
// it (no training row had it) is sorted with weight 0, as a category
// absent from a node is, and may be in a set, as in XGBoost's trees.
// On a 10-level feature whose effect is not monotone in its code, fitted
// with XGBoost's params, the trees are XGBoost's (margins within 3e-7);
// at depth 2 and 10 trees the training log-loss is 0.449 against 0.517
// for thresholds on the same codes.
//
// Text columns become such codes through a tabular.Pipeline whose Spec
// has CategoricalEncoding tabular.EncodeCodes: each column's training
// values in sorted order are codes 0, 1, 2, …, a missing value is NaN,
// and the pipeline's CodeFeatures are what Categorical takes; the saved
// pipeline codes new rows the same way. `ember gbt --categorical-mode
// native` does this for its categorical columns. A value never seen in
// training is coded one past the known ones, so it is in no split's set
// and goes left, as XGBoost sends such a code from a numeric DMatrix
// (its common::Decision). Through pandas XGBoost differs: pandas codes a
// value outside a column's categories (the training ones, when the test
// column is given their dtype) as −1, which XGBoost reads as missing, so
// the row takes each split's default branch. Ember keeps unseen apart
// from missing because the default branch was learned from rows that
// had no value, not from rows with a new one, and so that an Ember model
// and XGBoost scoring the same codes agree.
//
// Native splits are no sure gain over one-hot. On the credit approval
// data (tabular/crx.csv: 690 rows, 9 categorical columns of 2 to 14
// values), `ember gbt --data crx.csv --target approved --categorical
// A1,A4,A5,A6,A7,A9,A10,A12,A13 [--categorical-mode native] --seed S`
// over seeds 1–5 (a quarter of the rows held out) gives held-out ROC AUC
// 0.9179 native against 0.9217 one-hot (log-loss 0.4508 and 0.4179; 15
// features against 46), and with --max-depth 3, 0.9217 against 0.9281
// (log-loss 0.3677 and 0.3498). So few categories leave a set split
// little that one-hot splits miss; native splits pay off on columns of
// many categories whose effect is not monotone in any order, where
// one-hot needs a split per value.
//
// The options map onto the other libraries': NumTrees (n_estimators,
// max_iter, maxIter), MaxDepth, LearningRate (eta, stepSize), MaxBins
// (max_bins, maxBins), MinSamplesLeaf (min_samples_leaf,
// minInstancesPerNode), MinChildWeight (min_child_weight), MinSplitLoss
// (gamma, minInfoGain), L2 (lambda, l2_regularization), L1 (alpha,
// reg_alpha), MaxDeltaStep (max_delta_step), Monotone
// (monotone_constraints), Subsample, ColsampleByTree, ColsampleByLevel
// and ColsampleByNode (colsample_bytree, colsample_bylevel,
// colsample_bynode; LightGBM's feature_fraction and
// feature_fraction_bynode, scikit-learn's max_features),
// FeatureWeights (feature_weights), InteractionConstraints
// (interaction_constraints), EvalMetric (eval_metric),
// EarlyStoppingRounds (early_stopping_rounds). Training is
// deterministic for a given Seed, whatever the number of Threads.
//
// Column sampling draws as XGBoost's: a set of features per tree, from it
// a set per depth of the tree, from that a set per node, each keeping
// max(1, ⌊fraction × n⌋) of the n it draws from, in float32 as XGBoost
// counts (testdata/make_colsample.py checks the counts against XGBoost's
// trees); a node's split is the best over its set. The draws are Ember's
// own, so the trees are not XGBoost's, but on the credit-default data
// (100 trees of depth 6, 5 seeds) the held-out ROC AUC is XGBoost's within
// 0.003 at each setting tried: 0.7824 against 0.7800 with
// ColsampleByTree 0.5, 0.7815 against 0.7829 with all three 0.8.
// FeatureWeights (XGBoost's feature_weights) weigh the draws: each is a
// weighted sample without replacement, XGBoost's law (on its stumps over
// features of rising strength, XGBoost's counts of the strongest feature
// drawn fit that law as Ember's do: testdata/make_xgb_interaction.py).
//
// # Interaction constraints
//
// InteractionConstraints (XGBoost's interaction_constraints) are sets of
// features that may interact: below the root a node may split on the
// features above it and on those of each set that holds all of them, as
// XGBoost's hist applies them (on the same bins and starting margins the
// trees are XGBoost's, margins within 1e-6, depth by depth and best
// first, with Monotone and categorical features). Each tree is then a
// sum of functions of one set's features: a model of main effects and
// the interactions a domain expert allows (age with income, not with
// postcode), or, with each feature alone, an additive model whose
// per-feature effects can be plotted exactly.
//
// # Regularisation
//
// L1, MaxDeltaStep and Monotone are fitted as XGBoost 1.7's hist fits
// reg_alpha, max_delta_step and monotone_constraints (on the same bins
// and starting margins the trees are XGBoost's, margins within 1e-6):
// L1 moves each leaf's gradient sum G towards 0 before the Newton step
// −G/(H+λ), MaxDeltaStep bounds the step, and Monotone constrains the
// margin to rise or fall with a feature. A split on a constrained
// feature whose children's steps go the wrong way is not taken, and
// each child's steps, its subtree's included, are held on its side of
// the mean of the two, so every tree is monotone in the feature, and so
// is the model (for MultiSoftprob, each class's margin). With
// MaxDeltaStep or Monotone set, gains are taken at the bounded steps, in
// float32, as XGBoost's evaluator takes them. Credit scoring is the usual
// use: a score that falls as the credit limit rises, all else equal, is
// one a regulator or a customer can be given reasons for.
//
// # Starting margin
//
// Boosting starts every row from a constant margin. By default Fit
// estimates the constant that minimises the (weighted) training loss, as
// scikit-learn's and XGBoost 2's estimated intercepts do: the log-odds of
// the positive rate for BinaryLogistic, the mean for SquaredError, the
// log of the mean for the log links, the log class shares for
// MultiSoftprob (scikit-learn's start), the median for AbsoluteError,
// and each other objective's minimiser or XGBoost's 0.5 where none is
// better (the hinge loss, the rank objectives, Cox's partial likelihood).
// XGBoost 1.7 starts most objectives from base_score 0.5 instead (its own
// estimate only for reg:absoluteerror); the trees make up the
// difference, but the fits are not the same. Model.BaseScore is
// base_score: given in the objective's output space (a probability, a
// mean), it becomes the starting margin as XGBoost turns it into one
// (Objective.BaseMargin: the log-odds, the log, or the value itself; every
// class's margin for MultiSoftprob), and a value the objective cannot take
// (1.5 for binary:logistic, 0 for count:poisson) is refused. With
// BinningXGBoost and BaseScore 0.5 a fit starts where XGBoost 1.7's
// default does, so the two can be compared tree for tree: on the same
// bins, given base_score, binary:logistic, binary:logitraw,
// reg:squarederror, count:poisson and multi:softprob margins are
// XGBoost's within 1e-5 (testdata/make_xgb_basescore.py).
//
// # Early stopping
//
// Fit scores the validation set it is given (an EvalSet) after every
// round (History) by the objective's own loss or, with EvalMetric, by
// another metric, XGBoost's eval_metric: "auc", "error" or "logloss" for
// a binary classifier, "merror", "mlogloss" or "auc" (XGBoost's
// one-vs-rest AUC, weighted by the classes' rows; see MetricAUC) for a
// multi-class one,
// "rmse" or "mae" for a regressor, "c-index" (Harrell's, Ember's own) for
// survival times; a rank objective by RankMetric. EarlyStoppingRounds
// stops the fit when that metric has not improved for so many rounds
// (risen, for auc, c-index and the ranking metrics; fallen, for the
// others) and keeps the trees up to the best round, as XGBoost's
// early_stopping_rounds and best_iteration: on the same bins and
// starting margins, the best round and the metric after each round are
// XGBoost's (testdata/make_xgb_evalmetric.py, where each metric stops
// the fit at another round than the objective's loss does).
//
// # Scoring
//
// A fitted model is an Ensemble: trees laid out flat with each node's
// children side by side, walked with one float32 comparison per level
// ("value < threshold" goes left, NaN follows the default direction),
// tree by tree over blocks of 64 rows and over the cores by ranges of
// rows. A categorical split holds a set of category codes instead of a
// threshold (a bitset, in one flat array for the whole ensemble): a row
// whose value is a code in the set goes right, any other code left, as
// XGBoost's do; a value that is negative, 2^24 or more, or unknown to the
// split is in no set, and a fractional one is truncated. LoadXGBoost
// reads models saved by XGBoost's save_model (JSON or UBJSON), those
// trained with enable_categorical included, into the same layout and
// scores them exactly as XGBoost's CPU predictor does, float32 sums
// included.
//
// # Explaining predictions
//
// Contributions gives each feature's share of a row's margin, and the
// bias: path-dependent TreeSHAP (Lundberg et al. 2018), as XGBoost's
// pred_contribs and the shap package's TreeExplainer compute it, with the
// branches a row does not take weighed by the training rows' hessian sums
// (covers), which Fit records and LoadXGBoost reads (sum_hessian).
//
// # Files
//
// Save and Load keep a model, with the tabular.Pipeline that makes its
// features, in a checkpoint file of kind "ember.gbt": versioned,
// checksummed, written atomically, and checked tree by tree on loading.
//
// # Multi-class
//
// MultiSoftprob fits K classes as XGBoost's multi:softprob does: each
// round grows one tree per class, all on the gradients at the round's
// start (p − 1[y = k], hessian 2p(1−p)), from the log class shares
// (scikit-learn's start); Predict gives each row's K probabilities, the
// softmax of its K margins, row by row as predict_proba lays them out.
//
// # Counts, claims and outliers
//
// Besides BinaryLogistic, MultiSoftprob and SquaredError, Fit knows
// XGBoost's regression objectives for targets that least squares fits
// badly, each with XGBoost 1.7's gradients and hessians (on the same bins
// and starting margin the trees are XGBoost's, margins within 1e-6):
// CountPoisson for counts (claims per policy, orders per day), Tweedie
// for totals that are often 0 and otherwise skewed (claim cost per policy;
// TweedieVariancePower ρ in [1, 2), default 1.5), Gamma for positive
// amounts (claim sizes), and PseudoHuber for a number with outlying
// labels (HuberSlope δ, default 1). The first three fit the log of the
// mean: Predict gives the mean, exp(margin), and the fit starts from the
// log of the weighted mean label. CountPoisson's MaxDeltaStep defaults to
// XGBoost's 0.7, which both bounds the steps and shifts the hessian
// (NoDeltaStep turns both off). PseudoHuber starts from the constant that
// minimises its loss. XGBoost 1.7 starts them all from base_score 0.5
// (log 0.5 for the log links): the trees differ by that start, not by how
// they grow. Labels must be 0 or more (CountPoisson, Tweedie) or above 0
// (Gamma). The validation loss, and so early stopping, is XGBoost's
// default metric for the objective (poisson-nloglik, tweedie-nloglik@ρ,
// gamma-nloglik, mphe). LoadXGBoost scores XGBoost's models of these
// objectives as its predict does.
//
// # XGBoost's other simple objectives
//
// SquaredLogError (reg:squaredlogerror) fits log(1 + y) by least squares
// on the margin itself, for skewed positive targets judged by their
// relative error (labels above −1; it starts from expm1 of their mean
// log1p, validated by rmsle; MaxDeltaStep 1 steadies it on labels near
// −1, see its doc). RegLogistic (reg:logistic) regresses a
// probability or share in [0, 1] on the log-loss through the logistic
// link (validated by rmse, XGBoost's default for it). BinaryLogitRaw
// (binary:logitraw) is BinaryLogistic predicting the margin, the
// log-odds; PredictProba gives its probabilities. BinaryHinge
// (binary:hinge) is a boosted support vector machine: rows inside the
// margin (s·m < 1, s = ±1) pull with gradient −s and hessian 1, the
// others not at all; it predicts classes 0 and 1, with no probabilities,
// starts from XGBoost's base_score 0.5 and is validated by the error
// rate. MultiSoftmax (multi:softmax) is MultiSoftprob's fit, its trees
// the same, predicting the class of highest margin. The gradients of the
// first four are computed in float32, as XGBoost 1.7's regression_loss.h
// and hinge.cu compute them, so on the same bins and starting margins the
// trees are XGBoost's (margins within 1e-6, weighted and not:
// testdata/make_xgb_simple.py), and so are the validation metrics, but
// for binary:logitraw's: XGBoost 1.7's default logloss reads its margins
// as probabilities; Ember's is the log-loss of their logistic.
//
// # Medians: the absolute error
//
// AbsoluteError (XGBoost's reg:absoluteerror) fits the conditional median,
// minimising |m − y|: an outlying label moves it no more than any label on
// the same side does. Its gradients sign(m − y) say only which side of
// the margin each label lies, so, as XGBoost's "adaptive" objectives, a
// tree is grown on them (hessian 1, times the weights: MinChildWeight
// counts weight) and then each leaf's value is replaced by the median of
// its training rows' residuals y − m, times LearningRate; L1, L2 and
// MaxDeltaStep shape the splits only. The fit starts from the labels'
// median. Without weights the medians are interpolated (the mean of the
// two middle values of an even count); with weights, even all 1, they are
// XGBoost's weighted quantile, the smallest residual at which half the
// weight is reached. Rows weighing 0 are left out of the medians. The
// arithmetic is XGBoost's, in float32, so on the same bins the trees,
// starting margin (XGBoost 1.7 estimates this one) and margins are
// XGBoost's (within 1e-5; testdata/make_xgb_absoluteerror.py). One
// difference: XGBoost 1.7 leaves the learning rate out of these leaves (a
// bug, fixed in XGBoost 2.0), so its fits agree with Ember's at
// LearningRate 1 only; Ember's are XGBoost 2's at every rate. The
// validation loss is XGBoost's mae. Monotone constraints are refused: the
// medians do not keep them.
//
// # Learning to rank
//
// RankPairwise, RankNDCG and RankMAP are XGBoost's rank:pairwise,
// rank:ndcg and rank:map: FitRank takes each row's query id (XGBoost's
// qid; a query's rows together) and relevance grade 0..31, and the model
// scores documents so that, within a query, the more relevant score
// higher. Each round pairs every document with one of another grade drawn
// from its query, and a pair adds RankNet's gradient σ(s_i − s_j) − 1,
// weighed for rank:ndcg by how much the query's NDCG would change were
// the two to swap places (LambdaRank), for rank:map by the change in its
// average precision. The draws and the float32 arithmetic are XGBoost
// 1.7's on one thread (std::minstd_rand seeded by the round, libstdc++'s
// uniform_int_distribution; see rank.go), and numeric splits are scanned
// in XGBoost's order with its float32 gains (whatever the Binning), whose
// tie-breaking decides the side of documents in no weighed pair: on the
// same bins the trees are XGBoost's (margins
// within 2e-7 over 8 rounds on 30 queries, testdata/make_xgb_rank.py),
// and so are the validation metrics. The fit starts from XGBoost's
// base_score 0.5; Predict gives the scores (margins). Query weights
// (FitRank's w, one per query) weigh a query's pairs, normalised to mean
// 1, as XGBoost's group weights. The validation set is scored by
// RankMetric (metrics.RankMetric: ndcg, ndcg@k, map, map@k, with XGBoost's
// "-" forms), higher better, which early stopping maximises: the plain
// mean over the validation queries, whatever their weights, as XGBoost
// 1.7's ranking metrics take it (testdata/make_xgb_rank_validw.py).
//
// # Survival
//
// SurvivalCox and SurvivalAFT are XGBoost's survival:cox and survival:aft,
// for times to an event (churn, failure, death) some of which are censored:
// only known to be later than a time, or to lie in an interval. Cox's
// proportional hazards model takes each row's time as its label, negative
// for a censored row (XGBoost's convention), fits the log hazard ratio by
// the partial likelihood (Breslow's ties) and predicts hazard ratios
// exp(margin): higher means sooner. The accelerated failure time model
// (FitAFT) takes a lower and an upper bound per row (equal: observed;
// upper +Inf: right-censored; lower 0: left-censored), fits log T =
// margin + σZ for Z normal, logistic or extreme (AFTDistribution, σ
// AFTSigma) and predicts times exp(margin). The gradients are XGBoost
// 1.7's, its pass over the rows sorted by time for Cox and its clipping
// and limits for AFT included (see survival.go): on the same bins the
// trees are XGBoost's (margins within 3e-6 over 8 rounds, with ties and
// every kind of censoring, weighted and not; testdata/make_xgb_survival.py).
// Cox starts from XGBoost's margin log 0.5 (the partial likelihood does
// not see a constant shift, so the hazard ratios are XGBoost's), AFT from
// the constant of least loss (XGBoost 1.7 starts it from log 0.5 too). The
// validation loss is XGBoost's cox-nloglik (unweighted, over the events)
// or aft-nloglik (weighted) at the fitted distribution and scale (XGBoost
// 1.7.4's default aft-nloglik is at normal, σ 1, whatever the objective's:
// a bug of its, as with mphe); CoxNLogLik and AFTNLogLik compute them on
// other margins, and metrics.ConcordanceIndex scores the ranking of either
// model's predictions (negate AFT's times to make them risks).
//
// # Weights
//
// FitWeighted takes a weight per training row (scikit-learn's and
// XGBoost's sample_weight) and ScalePosWeight weighs the rows labelled 1
// (XGBoost's scale_pos_weight, read where XGBoost 1.7 reads it: a binary
// fit's positive rows, and reg:logistic's, reg:squarederror's and
// reg:squaredlogerror's rows labelled exactly 1): each row's gradient and
// hessian are scaled as XGBoost scales them, the starting margin is the
// weighted one, and an EvalSet's W weighs the validation loss.
//
// Not here yet: a CUDA histogram kernel (no GPU was available to
// measure one on).
package gbt
