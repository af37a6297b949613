package gbt

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

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
)

// Model is a gradient-boosted tree model. Set the exported options (New
// gives the defaults documented on each), call Fit, then Predict.
type Model struct {
	// Objective is the loss (default BinaryLogistic).
	Objective Objective `json:"objective"`
	// NumTrees is the number of boosting rounds (default 100): one tree
	// each. XGBoost's n_estimators, scikit-learn's max_iter, Spark's maxIter.
	NumTrees int `json:"num_trees"`
	// MaxDepth is the deepest a leaf can be; the root is depth 0
	// (default 6, as XGBoost; Spark's default is 5).
	MaxDepth int `json:"max_depth"`
	// LearningRate shrinks each tree's leaf values (default 0.1): XGBoost's
	// eta, Spark's stepSize.
	LearningRate float64 `json:"learning_rate"`
	// MaxBins is the most value bins per feature, 2..255 (default 255);
	// missing values have a bin of their own. Spark's maxBins,
	// scikit-learn's max_bins (XGBoost's max_bin counts one more).
	MaxBins int `json:"max_bins"`
	// MinSamplesLeaf is the fewest training rows a leaf may hold (default
	// 1): Spark's minInstancesPerNode, scikit-learn's min_samples_leaf.
	MinSamplesLeaf int `json:"min_samples_leaf"`
	// MinChildWeight is the smallest hessian sum a leaf may have (default
	// 1e-3, scikit-learn's min_hessian_to_split; XGBoost's min_child_weight
	// defaults to 1).
	MinChildWeight float64 `json:"min_child_weight"`
	// MinSplitLoss is the loss reduction a split must exceed (default 0):
	// XGBoost's gamma on its scale (the children's G²/(H+λ) less the
	// parent's), Spark's minInfoGain.
	MinSplitLoss float64 `json:"min_split_loss"`
	// L2 is the L2 penalty on leaf values (default 1, XGBoost's lambda;
	// scikit-learn's l2_regularization defaults to 0).
	L2 float64 `json:"l2"`
	// Subsample is the fraction of rows each tree is grown on, drawn
	// without replacement (default 1: all).
	Subsample float64 `json:"subsample"`
	// EarlyStoppingRounds stops training when the validation loss passed
	// to Fit has not improved for this many rounds, and keeps the trees up
	// to the best round (default 0: off).
	EarlyStoppingRounds int `json:"early_stopping_rounds"`
	// Seed makes the binning sample and row subsampling reproducible.
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
	// TrainLoss is the training loss after each round (log-loss or mean
	// squared error).
	TrainLoss []float64
	// ValidLoss is the same on the validation set, when one was given.
	ValidLoss []float64
	// BestRound is the round (0-based) of the lowest validation loss when
	// early stopping was on, else the last round.
	BestRound int
}

// New returns a binary classifier with the documented defaults.
func New() *Model {
	return &Model{
		Objective:      BinaryLogistic,
		NumTrees:       100,
		MaxDepth:       6,
		LearningRate:   0.1,
		MaxBins:        MaxBins,
		MinSamplesLeaf: 1,
		MinChildWeight: 1e-3,
		L2:             1,
		Subsample:      1,
	}
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

func (m *Model) checkOptions() error {
	switch {
	case m.Objective != BinaryLogistic && m.Objective != SquaredError:
		return fmt.Errorf("gbt: unknown Objective %q; want %q or %q", m.Objective, BinaryLogistic, SquaredError)
	case m.NumTrees < 1:
		return fmt.Errorf("gbt: NumTrees must be at least 1, got %d", m.NumTrees)
	case m.MaxDepth < 1 || m.MaxDepth > 30:
		return fmt.Errorf("gbt: MaxDepth must be in 1..30, got %d", m.MaxDepth)
	case !(m.LearningRate > 0) || math.IsInf(m.LearningRate, 0):
		return fmt.Errorf("gbt: LearningRate must be a positive finite number, got %v", m.LearningRate)
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
	case !(m.Subsample > 0 && m.Subsample <= 1):
		return fmt.Errorf("gbt: Subsample must be in (0, 1], got %v", m.Subsample)
	case m.EarlyStoppingRounds < 0:
		return fmt.Errorf("gbt: EarlyStoppingRounds must not be negative, got %d", m.EarlyStoppingRounds)
	}
	return nil
}

// EvalSet is a validation set for early stopping and the loss history.
type EvalSet struct {
	X *tabular.Matrix
	Y []float64
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

// checkLabels validates labels for the objective.
func (m *Model) checkLabels(name string, y []float64, rows int) error {
	if len(y) != rows {
		return fmt.Errorf("gbt: %s has %d rows but %d labels", name, rows, len(y))
	}
	for i, v := range y {
		switch {
		case m.Objective == BinaryLogistic && v != 0 && v != 1:
			return fmt.Errorf("gbt: %s label %d is %v; binary:logistic needs labels 0 and 1", name, i, v)
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("gbt: %s label %d is %v; labels must be finite", name, i, v)
		}
	}
	return nil
}

// Fit grows the trees on X (rows × features, NaN for missing values) and
// labels y: 0 or 1 for BinaryLogistic, any finite value for SquaredError.
// valid, if not nil, is scored after every round (History) and drives
// early stopping.
func (m *Model) Fit(X *tabular.Matrix, y []float64, valid *EvalSet) error {
	m.ens, m.importance, m.history = nil, nil, History{}
	if err := m.checkOptions(); err != nil {
		return err
	}
	if err := X.Check(); err != nil {
		return fmt.Errorf("gbt: Fit: %w", err)
	}
	if X.Rows == 0 || X.Cols == 0 {
		return fmt.Errorf("gbt: Fit: X is %d×%d; it needs rows and features", X.Rows, X.Cols)
	}
	if err := m.checkLabels("X", y, X.Rows); err != nil {
		return err
	}
	if err := checkFinite("X", X); err != nil {
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
		if err := m.checkLabels("the validation set", valid.Y, valid.X.Rows); err != nil {
			return err
		}
		if err := checkFinite("the validation set's X", valid.X); err != nil {
			return err
		}
		if valid.X.Rows == 0 {
			return errors.New("gbt: the validation set has no rows")
		}
	}
	if m.Objective == BinaryLogistic {
		var pos int
		for _, v := range y {
			if v == 1 {
				pos++
			}
		}
		if pos == 0 || pos == len(y) {
			return fmt.Errorf("gbt: Fit: every label is %v; a classifier needs both classes", y[0])
		}
	}
	t := newTrainer(m, X, y, valid)
	t.run()
	m.ens, m.importance, m.history = t.ens, t.importance, t.history
	return nil
}

// Margins is the raw score of every row (log-odds for a classifier).
func (m *Model) Margins(X *tabular.Matrix) ([]float64, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	return m.ens.Margins(X, m.threads(), nil)
}

// Predict is the positive-class probability of every row for a
// classifier (predict_proba's second column), the predicted value for a
// regressor. An infinite feature value is an error, as in Fit (and as
// XGBoost refuses one): the trees' thresholds cannot route it as training
// binned it.
func (m *Model) Predict(X *tabular.Matrix) ([]float64, error) {
	if m.ens == nil {
		return nil, ErrNotFitted
	}
	if err := checkFinite("X", X); err != nil {
		return nil, err
	}
	return m.ens.Predict(X, m.threads(), nil)
}

// PredictClass is 1 where the probability is above 0.5, else 0 (as
// scikit-learn's argmax and XGBoost's predict break a tie at 0.5).
func (m *Model) PredictClass(X *tabular.Matrix) ([]int, error) {
	if m.Objective != BinaryLogistic {
		return nil, errors.New("gbt: PredictClass needs a classifier")
	}
	p, err := m.Predict(X)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(p))
	for i, v := range p {
		if v > 0.5 {
			out[i] = 1
		}
	}
	return out, nil
}
