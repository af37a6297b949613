package naivebayes

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// GaussianNB is a Gaussian naive Bayes classifier for numeric features,
// scikit-learn's GaussianNB. Each class c models each feature j as an
// independent normal distribution with the class's mean θ_cj and variance
// σ²_cj of the feature (weighted by the sample weights when given), and
// scores a row x by
//
//	log P(c) - ½ Σ_j log(2π σ²_cj) - ½ Σ_j (x_j - θ_cj)² / σ²_cj
//
// turned into probabilities with a log-sum-exp. Every class variance is
// raised by ε = VarSmoothing × the largest variance of any feature over all
// training rows (unweighted, as scikit-learn computes it), so that a feature
// constant within a class does not give a zero variance.
//
// Create it with NewGaussian (VarSmoothing 1e-9, scikit-learn's default),
// adjust the fields, then call Fit or FitWeighted. The zero value is usable
// and takes VarSmoothing 0 as asked (no smoothing, which scikit-learn also
// accepts): Fit then refuses a feature constant within a class.
type GaussianNB struct {
	// VarSmoothing is the share of the largest feature variance added to
	// every class variance, for numerical stability. Negative, NaN or
	// infinite values are an error.
	VarSmoothing float64
	// ClassPrior, when non-nil, gives the prior of each class in Classes()
	// order (sorted labels); it must be positive and sum to 1. When nil the
	// priors are the classes' shares of the rows (of the weight, with
	// FitWeighted).
	ClassPrior []float64

	classes    []int
	classCount []float64   // rows (total weight) per class
	prior      []float64   // P(c)
	logPrior   []float64   // log P(c)
	theta      [][]float64 // C×F means
	variance   [][]float64 // C×F variances, epsilon included
	logNorm    []float64   // C: -½ Σ_j log(2π σ²_cj)
	epsilon    float64
}

// NewGaussian returns a classifier with scikit-learn's default
// VarSmoothing, 1e-9.
func NewGaussian() *GaussianNB {
	return &GaussianNB{VarSmoothing: 1e-9}
}

// Fit estimates the class priors, means and variances from X (one row per
// sample, every row of the same length) and labels y, at least two
// distinct ones.
func (m *GaussianNB) Fit(X [][]float64, y []int) error {
	return m.FitWeighted(X, y, nil)
}

// FitWeighted is Fit with a weight per row (scikit-learn's sample_weight):
// weighted class means, variances and (unless ClassPrior is set) priors.
// Weights must be finite and non-negative, and every class needs a
// positive total weight; nil weighs every row 1.
func (m *GaussianNB) FitWeighted(X [][]float64, y []int, w []float64) error {
	n := len(X)
	switch {
	case n == 0:
		return errors.New("naivebayes: Fit: no rows")
	case len(y) != n:
		return fmt.Errorf("naivebayes: Fit: %d rows but %d labels", n, len(y))
	case w != nil && len(w) != n:
		return fmt.Errorf("naivebayes: Fit: %d rows but %d weights", n, len(w))
	case !(m.VarSmoothing >= 0) || math.IsInf(m.VarSmoothing, 1):
		return fmt.Errorf("naivebayes: Fit: VarSmoothing %v; want a finite number from 0 up", m.VarSmoothing)
	}
	f := len(X[0])
	if f == 0 {
		return errors.New("naivebayes: Fit: no features")
	}
	if err := checkRows(X, f, "Fit"); err != nil {
		return err
	}
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 1) {
			return fmt.Errorf("naivebayes: Fit: weight of row %d is %v; weights must be finite and non-negative", i, v)
		}
	}
	classes := slices.Compact(slices.Sorted(slices.Values(y)))
	c := len(classes)
	if c < 2 {
		return fmt.Errorf("naivebayes: Fit: a single class (%d); need at least two", classes[0])
	}
	var logPrior []float64
	if m.ClassPrior != nil {
		var err error
		if logPrior, err = checkPrior(m.ClassPrior, c); err != nil {
			return err
		}
	}
	yIdx := make([]int, n)
	for i, v := range y {
		yIdx[i], _ = slices.BinarySearch(classes, v)
	}

	// ε from the variance of every feature over all rows, unweighted, as
	// scikit-learn's np.var(X, axis=0).max().
	var maxVar float64
	for j := 0; j < f; j++ {
		var mean float64
		for _, row := range X {
			mean += row[j]
		}
		mean /= float64(n)
		var ss float64
		for _, row := range X {
			d := row[j] - mean
			ss += d * d
		}
		maxVar = math.Max(maxVar, ss/float64(n))
	}
	eps := m.VarSmoothing * maxVar

	count := make([]float64, c)
	theta := make([][]float64, c)
	variance := make([][]float64, c)
	for k := range theta {
		theta[k] = make([]float64, f)
		variance[k] = make([]float64, f)
	}
	weight := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	for i, row := range X {
		k, wi := yIdx[i], weight(i)
		count[k] += wi
		for j, v := range row {
			theta[k][j] += wi * v
		}
	}
	for k := range theta {
		if !(count[k] > 0) {
			return fmt.Errorf("naivebayes: Fit: the rows of class %d weigh 0 in all; each class needs some weight", classes[k])
		}
		for j := range theta[k] {
			theta[k][j] /= count[k]
		}
	}
	for i, row := range X {
		k, wi := yIdx[i], weight(i)
		for j, v := range row {
			d := v - theta[k][j]
			variance[k][j] += wi * d * d
		}
	}
	for k := range variance {
		for j := range variance[k] {
			variance[k][j] = variance[k][j]/count[k] + eps
			if !(variance[k][j] > 0) {
				return fmt.Errorf("naivebayes: Fit: feature %d is constant (%v) among the rows of class %d and VarSmoothing adds nothing "+
					"(it is 0, or every feature is constant): its variance is 0", j, theta[k][j], classes[k])
			}
			if math.IsInf(variance[k][j], 1) || math.IsInf(theta[k][j], 0) {
				return fmt.Errorf("naivebayes: Fit: feature %d of class %d has mean %v and variance %v, beyond float64's range; scale it down",
					j, classes[k], theta[k][j], variance[k][j])
			}
		}
	}
	var total float64
	for _, v := range count {
		total += v
	}
	prior := make([]float64, c)
	if m.ClassPrior != nil {
		copy(prior, m.ClassPrior)
	} else {
		logPrior = make([]float64, c)
		for k := range prior {
			prior[k] = count[k] / total
			logPrior[k] = math.Log(prior[k])
		}
	}
	m.classes, m.classCount, m.prior, m.logPrior = classes, count, prior, logPrior
	m.theta, m.variance, m.epsilon = theta, variance, eps
	m.setNorm()
	return nil
}

// setNorm computes each class's -½ Σ_j log(2π σ²_cj) once, as
// scikit-learn sums it per class before the rows' terms.
func (m *GaussianNB) setNorm() {
	m.logNorm = make([]float64, len(m.classes))
	for k, vs := range m.variance {
		var s float64
		for _, v := range vs {
			s += math.Log(2 * math.Pi * v)
		}
		m.logNorm[k] = -0.5 * s
	}
}

// checkRows refuses rows of another width than f and values that are NaN
// or infinite, naming the first.
func checkRows(X [][]float64, f int, what string) error {
	for i, row := range X {
		if len(row) != f {
			return fmt.Errorf("naivebayes: %s: row %d has %d values, want %d", what, i, len(row), f)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("naivebayes: %s: row %d, feature %d is %v; values must be finite", what, i, j, v)
			}
		}
	}
	return nil
}

func (m *GaussianNB) fitted() error {
	if m.theta == nil {
		return ErrNotFitted
	}
	return nil
}

// JointLogLikelihood returns, per row of X and class (Classes() order),
// log P(c) + log P(x|c), scikit-learn's _joint_log_likelihood; ErrNotFitted
// before Fit.
func (m *GaussianNB) JointLogLikelihood(X [][]float64) ([][]float64, error) {
	if err := m.fitted(); err != nil {
		return nil, err
	}
	if err := checkRows(X, len(m.theta[0]), "predict"); err != nil {
		return nil, err
	}
	out := make([][]float64, len(X))
	flat := make([]float64, len(X)*len(m.classes))
	for i, row := range X {
		jll := flat[i*len(m.classes) : (i+1)*len(m.classes) : (i+1)*len(m.classes)]
		for k := range m.classes {
			th, vs := m.theta[k], m.variance[k]
			var s float64
			for j, x := range row {
				d := x - th[j]
				s += d * d / vs[j]
			}
			jll[k] = m.logPrior[k] + (m.logNorm[k] - 0.5*s)
		}
		out[i] = jll
	}
	return out, nil
}

// PredictLogProba returns, per row of X, the log-probability of each class
// in Classes() order: the joint log-likelihood less its log-sum-exp.
// It returns ErrNotFitted before Fit.
func (m *GaussianNB) PredictLogProba(X [][]float64) ([][]float64, error) {
	jll, err := m.JointLogLikelihood(X)
	if err != nil {
		return nil, err
	}
	for _, row := range jll {
		lse := logSumExp(row)
		for k := range row {
			row[k] -= lse
		}
	}
	return jll, nil
}

// PredictProba returns, per row of X, the probability of each class in
// Classes() order, or ErrNotFitted before Fit.
func (m *GaussianNB) PredictProba(X [][]float64) ([][]float64, error) {
	p, err := m.PredictLogProba(X)
	if err != nil {
		return nil, err
	}
	for _, row := range p {
		for k, v := range row {
			row[k] = math.Exp(v)
		}
	}
	return p, nil
}

// Predict returns the label of the class with the largest joint
// log-likelihood for each row of X (the first such class on a tie), or
// ErrNotFitted before Fit.
func (m *GaussianNB) Predict(X [][]float64) ([]int, error) {
	jll, err := m.JointLogLikelihood(X)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(jll))
	for i, row := range jll {
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		out[i] = m.classes[best]
	}
	return out, nil
}

// Classes returns the sorted labels: the columns of PredictProba.
func (m *GaussianNB) Classes() []int { return slices.Clone(m.classes) }

// Theta returns each class's feature means (scikit-learn's theta_), one
// row per class.
func (m *GaussianNB) Theta() [][]float64 { return cloneRows(m.theta) }

// Var returns each class's feature variances, ε included (scikit-learn's
// var_), one row per class.
func (m *GaussianNB) Var() [][]float64 { return cloneRows(m.variance) }

// ClassPriorFitted returns P(c) per class as used in prediction
// (scikit-learn's class_prior_): ClassPrior when set, else the classes'
// shares of the training rows or weight.
func (m *GaussianNB) ClassPriorFitted() []float64 { return slices.Clone(m.prior) }

// ClassCount returns the training rows per class, or their total weight
// with FitWeighted (scikit-learn's class_count_).
func (m *GaussianNB) ClassCount() []float64 { return slices.Clone(m.classCount) }

// Epsilon returns the variance added to every class variance
// (scikit-learn's epsilon_); 0 for a model rebuilt from its state.
func (m *GaussianNB) Epsilon() float64 { return m.epsilon }

func cloneRows(x [][]float64) [][]float64 {
	if x == nil {
		return nil
	}
	out := make([][]float64, len(x))
	for i, r := range x {
		out[i] = slices.Clone(r)
	}
	return out
}

// GaussianState is what a fitted GaussianNB needs to predict, for saving
// it; rebuild the model with GaussianFromState.
type GaussianState struct {
	Classes    []int       // sorted labels: PredictProba's columns
	ClassPrior []float64   // P(c), one per class
	Theta      [][]float64 // means, one row per class
	Var        [][]float64 // variances (ε included), one row per class
	ClassCount []float64   // training rows (or weight) per class, for reports; may be nil
}

// State returns the fitted state (copies), or ErrNotFitted before Fit.
func (m *GaussianNB) State() (GaussianState, error) {
	if err := m.fitted(); err != nil {
		return GaussianState{}, err
	}
	return GaussianState{Classes: m.Classes(), ClassPrior: m.ClassPriorFitted(), Theta: m.Theta(), Var: m.Var(),
		ClassCount: m.ClassCount()}, nil
}

// GaussianFromState rebuilds a fitted GaussianNB from s, checking its parts
// agree (at least two distinct ascending classes, one prior, mean row and
// variance row per class, rows of one length, finite means, priors in
// (0, 1], finite positive variances): a restored model predicts exactly
// what the saved one did. VarSmoothing, used only by Fit, is NewGaussian's.
func GaussianFromState(s GaussianState) (*GaussianNB, error) {
	c := len(s.Classes)
	switch {
	case c < 2:
		return nil, fmt.Errorf("naivebayes: state: %d classes; need at least two", c)
	case !slices.IsSorted(s.Classes) || len(slices.Compact(slices.Clone(s.Classes))) != c:
		return nil, errors.New("naivebayes: state: classes must be distinct and ascending")
	case len(s.ClassPrior) != c || len(s.Theta) != c || len(s.Var) != c:
		return nil, fmt.Errorf("naivebayes: state: %d classes but %d priors, %d mean rows and %d variance rows",
			c, len(s.ClassPrior), len(s.Theta), len(s.Var))
	case s.ClassCount != nil && len(s.ClassCount) != c:
		return nil, fmt.Errorf("naivebayes: state: %d class counts for %d classes", len(s.ClassCount), c)
	case len(s.Theta[0]) == 0:
		return nil, errors.New("naivebayes: state: no features")
	}
	f := len(s.Theta[0])
	logPrior := make([]float64, c)
	for k := 0; k < c; k++ {
		if len(s.Theta[k]) != f || len(s.Var[k]) != f {
			return nil, fmt.Errorf("naivebayes: state: class %d has %d means and %d variances, class 0 has %d features",
				k, len(s.Theta[k]), len(s.Var[k]), f)
		}
		if p := s.ClassPrior[k]; !(p > 0 && p <= 1) {
			return nil, fmt.Errorf("naivebayes: state: prior of class %d is %v; want one in (0, 1]", k, p)
		}
		logPrior[k] = math.Log(s.ClassPrior[k])
		for j := 0; j < f; j++ {
			if t := s.Theta[k][j]; math.IsNaN(t) || math.IsInf(t, 0) {
				return nil, fmt.Errorf("naivebayes: state: mean of feature %d in class %d is %v", j, k, t)
			}
			if v := s.Var[k][j]; !(v > 0) || math.IsInf(v, 1) {
				return nil, fmt.Errorf("naivebayes: state: variance of feature %d in class %d is %v; want a finite positive one", j, k, v)
			}
		}
	}
	m := NewGaussian()
	m.classes, m.prior, m.logPrior = slices.Clone(s.Classes), slices.Clone(s.ClassPrior), logPrior
	m.theta, m.variance, m.classCount = cloneRows(s.Theta), cloneRows(s.Var), slices.Clone(s.ClassCount)
	m.setNorm()
	return m, nil
}
