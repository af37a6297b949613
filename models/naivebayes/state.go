package naivebayes

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gorgonia.org/tensor"
)

// State is what a fitted MultinomialNB, ComplementNB or BernoulliNB needs
// to predict, for saving it: rebuild the model with FromState,
// ComplementFromState or BernoulliFromState. For ComplementNB,
// FeatureLogProb holds its weights; for BernoulliNB, log P(feature
// present|class).
type State struct {
	Classes        []int       // sorted labels: PredictProba's columns
	ClassLogPrior  []float64   // log P(c), one per class
	FeatureLogProb [][]float64 // log P(feature j|class c), one row per class
	ClassCount     []float64   // training rows per class (for reports)
}

// State returns the fitted state (copies), or ErrNotFitted before Fit.
func (m *model) State() (State, error) {
	if err := m.fitted(); err != nil {
		return State{}, err
	}
	return State{Classes: m.Classes(), ClassLogPrior: m.ClassLogPrior(), FeatureLogProb: m.FeatureLogProb(),
		ClassCount: m.ClassCount()}, nil
}

// FromState rebuilds a fitted classifier from s, checking its parts agree
// (one prior and one probability row per class, rows of one length, no NaN
// and no +Inf; -Inf is a probability of zero): a restored model predicts
// exactly what the saved one did. FeatureCount is not part of the state and
// is nil on the result.
func FromState(s State) (*MultinomialNB, error) {
	t, err := fromState(s)
	if err != nil {
		return nil, err
	}
	m := New()
	t.addPrior = true
	m.model = t
	return m, nil
}

// ComplementFromState rebuilds a fitted ComplementNB from s, with the
// checks of FromState; Alpha and Norm, used only by Fit, are NewComplement's.
func ComplementFromState(s State) (*ComplementNB, error) {
	t, err := fromState(s)
	if err != nil {
		return nil, err
	}
	m := NewComplement()
	m.model = t
	return m, nil
}

func fromState(s State) (model, error) {
	c := len(s.Classes)
	switch {
	case c < 2:
		return model{}, fmt.Errorf("naivebayes: state: %d classes; need at least two", c)
	case !slices.IsSorted(s.Classes) || len(slices.Compact(slices.Clone(s.Classes))) != c:
		return model{}, errors.New("naivebayes: state: classes must be distinct and ascending")
	case len(s.ClassLogPrior) != c || len(s.FeatureLogProb) != c:
		return model{}, fmt.Errorf("naivebayes: state: %d classes but %d priors and %d probability rows",
			c, len(s.ClassLogPrior), len(s.FeatureLogProb))
	case s.ClassCount != nil && len(s.ClassCount) != c:
		return model{}, fmt.Errorf("naivebayes: state: %d class counts for %d classes", len(s.ClassCount), c)
	case len(s.FeatureLogProb[0]) == 0:
		return model{}, errors.New("naivebayes: state: no features")
	}
	f := len(s.FeatureLogProb[0])
	logProbT := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(f, c))
	lp := logProbT.Data().([]float64)
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 1) }
	for k, row := range s.FeatureLogProb {
		if len(row) != f {
			return model{}, fmt.Errorf("naivebayes: state: probability row %d has %d features, row 0 has %d", k, len(row), f)
		}
		for j, v := range row {
			if bad(v) {
				return model{}, fmt.Errorf("naivebayes: state: log P(feature %d|class %d) is %v", j, k, v)
			}
			lp[j*c+k] = v
		}
		if bad(s.ClassLogPrior[k]) {
			return model{}, fmt.Errorf("naivebayes: state: log prior of class %d is %v", k, s.ClassLogPrior[k])
		}
	}
	return model{classes: slices.Clone(s.Classes), logPrior: slices.Clone(s.ClassLogPrior), logProbT: logProbT,
		nFeatures: f, classCount: slices.Clone(s.ClassCount)}, nil
}
