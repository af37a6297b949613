package naivebayes

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// BernoulliNB is a Bernoulli naive Bayes classifier, scikit-learn's
// BernoulliNB with binarize=0.0 (see the package documentation for its
// estimates). It models which features a row has, not how often: a
// feature is present when its value is positive. Unlike MultinomialNB it
// also scores the features a row lacks, so a class whose typical words are
// missing from a document loses probability; on text with a large
// vocabulary that evidence of absence can outweigh the few words present,
// and a smaller vocabulary (min_df, max_features) often suits it better.
//
// Create it with NewBernoulli (Alpha 1, FitPrior true, scikit-learn's
// defaults), adjust the fields, then call Fit. The zero value is usable,
// with the same meaning as MultinomialNB's: Alpha 0 is almost no smoothing
// (raised to 1e-10) and FitPrior false a uniform prior.
type BernoulliNB struct {
	// Alpha is the additive smoothing of the presence counts: alpha
	// pseudo-rows with the feature and alpha without. Values below 1e-10
	// are raised to 1e-10; negative values are an error.
	Alpha float64
	// FitPrior learns class priors from class frequencies; when false the
	// prior is uniform. Ignored when ClassPrior is set.
	FitPrior bool
	// ClassPrior, when non-nil, gives the prior of each class in Classes()
	// order (sorted labels); it must be positive and sum to 1.
	ClassPrior []float64

	model
}

// NewBernoulli returns a classifier with scikit-learn's defaults: Alpha 1,
// FitPrior.
func NewBernoulli() *BernoulliNB {
	return &BernoulliNB{Alpha: 1, FitPrior: true}
}

// Fit estimates class priors and, per class, the probability that each
// feature is present, from X (one row per sample; a value above 0 is
// present) and labels y, at least two distinct ones.
func (m *BernoulliNB) Fit(X Matrix, y []int) error {
	// As scikit-learn: log(D_cj + alpha) - log(n_c + 2 alpha).
	t, err := fitSmoothed(X, y, m.Alpha, m.FitPrior, m.ClassPrior, true, func(rows float64, _ []float64, alpha float64) float64 {
		return rows + 2*alpha
	})
	if err != nil {
		return err
	}
	if err := t.setPresenceScores(); err != nil {
		return fmt.Errorf("naivebayes: Fit: %w; raise Alpha", err)
	}
	m.model = t
	return nil
}

// BernoulliFromState rebuilds a fitted BernoulliNB from s (FeatureLogProb
// holding log P(feature present|class)), with the checks of FromState and
// one more: no probability of presence may be 1 (a log of 0), which would
// make the score of a row lacking the feature -Inf and of one having it
// NaN. Alpha, FitPrior and ClassPrior, used only by Fit, are NewBernoulli's.
func BernoulliFromState(s State) (*BernoulliNB, error) {
	t, err := fromState(s)
	if err != nil {
		return nil, err
	}
	t.addPrior = true
	if err := t.setPresenceScores(); err != nil {
		return nil, fmt.Errorf("naivebayes: state: %w", err)
	}
	m := NewBernoulli()
	m.model = t
	return m, nil
}

// setPresenceScores derives BernoulliNB's scoring from logProbT (log p):
// presenceT = log p - log(1-p) and absentBase = sum_j log(1-p), so that a
// row's score needs its present features only. log(1-p) is computed as
// log(-expm1(log p)), exact even for p near 1, and from log p alone so
// that a model rebuilt from its state scores exactly as the fitted one.
func (t *model) setPresenceScores() error {
	c, f := len(t.classes), t.nFeatures
	lp := t.logProbT.Data().([]float64)
	t.presenceT = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(f, c))
	odds := t.presenceT.Data().([]float64)
	t.absentBase = make([]float64, c)
	for j := 0; j < f; j++ {
		for k := 0; k < c; k++ {
			v := lp[j*c+k]
			if v >= 0 {
				return fmt.Errorf("P(feature %d present|class %d) is 1 to double precision "+
					"(every training row of the class has it, and the smoothing is too small to leave its absence a chance)",
					j, t.classes[k])
			}
			absent := math.Log(-math.Expm1(v))
			odds[j*c+k] = v - absent
			t.absentBase[k] += absent
		}
	}
	return nil
}

// FeatureLogOdds returns, per class, log P(feature present|class) −
// log P(feature absent|class): what the feature's presence in a row adds
// to the class's score over its absence. Comparing it between classes
// says which features' presence points to a class.
func (m *BernoulliNB) FeatureLogOdds() [][]float64 {
	if m.presenceT == nil {
		return nil
	}
	c := len(m.classes)
	odds := m.presenceT.Data().([]float64)
	out := make([][]float64, c)
	for k := range out {
		out[k] = make([]float64, m.nFeatures)
		for j := range out[k] {
			out[k][j] = odds[j*c+k]
		}
	}
	return out
}
