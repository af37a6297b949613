// Package logreg is L2-regularised (or, with Penalty None, unpenalised)
// logistic regression fitted with L-BFGS, and L1 or elastic-net
// regularised logistic regression fitted with OWL-QN; the L2 fit
// matches scikit-learn's LogisticRegression() (lbfgs solver): the same
// objective, defaults (C=1, tol=1e-4, max_iter=100, fitted unpenalised
// intercept), stopping rule and class handling, so coefficients agree with
// sklearn's to the optimiser's tolerance. The L1 and elastic-net
// penalties (Penalty L1 and ElasticNet, with L1Ratio) give sparse models,
// as sklearn's penalty="l1" and "elasticnet" with the saga solver do; see
// Sparse models below.
//
// Two classes give one sigmoid decision function; more give a multinomial
// (softmax) model by default, or independent one-vs-rest sigmoids. The loss
// and its gradient are computed with gorgonia.org/tensor matrix products.
//
// Standardise the features first, as scikit-learn's documentation advises
// for lbfgs: on raw features of different scales (an amount in the tens of
// thousands beside a rate near 1, as in credit data) L-BFGS often stops at
// MaxIter with a *ConvergenceError, and C penalises the coefficients
// unevenly. FitScaler learns each column's mean and standard deviation
// from the training rows (StandardScaler); scale the training and the test
// rows with the same Scaler (and the rows to predict, when the model is
// used later, so keep its Mean and Std with the model):
//
//	sc, err := logreg.FitScaler(Xtrain)
//	...
//	Xtrain, _ = sc.Transform(Xtrain)
//	Xtest, _ = sc.Transform(Xtest)
//	m := logreg.New()
//	if err := m.Fit(Xtrain, y); err != nil {
//		var ce *logreg.ConvergenceError
//		if !errors.As(err, &ce) {
//			return err // bad input
//		}
//		log.Print(err) // fitted, but not to the tolerance: like sklearn's ConvergenceWarning
//	}
//	proba, err := m.PredictProba(Xtest)
//
// The coefficients are then per standard deviation of each feature.
//
// # Weights
//
// For imbalanced classes (a rare positive class the unweighted model
// seldom predicts), weigh the loss as scikit-learn's class_weight and
// sample_weight do: each sample's log loss is multiplied by its weight,
// and the L2 term stays ||W||²/(2C), so the weighted fit matches
// LogisticRegression(class_weight=...).fit(X, y, sample_weight=w).
// BalancedClassWeight weighs each class by n/(k·count), so that every
// class carries the same total weight; ClassWeight gives weights by
// label; FitWeighted takes one weight per sample, multiplied by the
// sample's class weight. Weights change the fit only: Predict and
// PredictProba are as before, and a balanced model's probabilities are
// no longer calibrated to the class frequencies (the positive class's are
// inflated; that is what moves the 0.5 threshold):
//
//	m := logreg.New()
//	m.BalancedClassWeight = true
//	err := m.Fit(Xtrain, y)
//
// # Sparse models
//
// The L2 penalty shrinks every coefficient but leaves them all non-zero.
// The L1 penalty, ||W||₁/C in the objective in place of ||W||²/(2C), sets
// the coefficients of features that do not earn their cost to exactly 0,
// so the fit selects features; the smaller C, the fewer survive.
// ElasticNet mixes the two, (L1Ratio·||W||₁ + (1-L1Ratio)·||W||²/2)/C,
// as sklearn's l1_ratio: it keeps L1's zeros while sharing weight among
// correlated features rather than picking one of them. Standardise the
// features first (FitScaler): the penalty then costs every feature alike,
// per standard deviation.
//
//	m := logreg.New()
//	m.Penalty, m.C = logreg.L1, 0.1
//	err := m.Fit(Xtrain, y)
//	zeros := m.ZeroCoefs() // coefficients at 0, over every decision function
//
// The L1 term has no derivative at 0, so these penalties are fitted with
// OWL-QN (orthant-wise L-BFGS, Andrew & Gao 2007), which extends the
// L-BFGS solver: it keeps each step within one orthant (a coefficient
// that would change sign stops at 0) and stops when the pseudo-gradient,
// the objective's least subgradient, falls to Tol, the rule the L2 path
// applies to the gradient. sklearn's saga solver reaches the same
// minimum (its Tol means something else: a relative change of the
// coefficients per pass over the data).
package logreg

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"gorgonia.org/tensor"
)

// MultiClass picks how more than two classes are modelled.
type MultiClass string

const (
	// Auto is Multinomial for more than two classes and a single sigmoid for
	// two, as sklearn's multi_class="auto" with the lbfgs solver.
	Auto MultiClass = "auto"
	// Multinomial fits one softmax over all classes (cross-entropy loss).
	// With two classes it fits two symmetric weight vectors.
	Multinomial MultiClass = "multinomial"
	// OneVsRest fits one binary classifier per class against the others and
	// normalises their probabilities to sum to one.
	OneVsRest MultiClass = "ovr"
)

// Penalty is the regularisation term of the objective. The intercept is
// never penalised.
type Penalty string

const (
	// L2 adds ||W||²/(2C) to the summed log loss (sklearn's penalty="l2").
	L2 Penalty = "l2"
	// L1 adds ||W||₁/C, the sum of the coefficients' magnitudes, which
	// sets some of them to exactly 0 (sklearn's penalty="l1"). Fitted by
	// OWL-QN.
	L1 Penalty = "l1"
	// ElasticNet adds (L1Ratio·||W||₁ + (1-L1Ratio)·||W||²/2)/C
	// (sklearn's penalty="elasticnet" with l1_ratio): L1Ratio 1 is L1, 0
	// is L2. Fitted by OWL-QN (by L-BFGS when L1Ratio is 0).
	ElasticNet Penalty = "elasticnet"
	// None fits the summed log loss alone, the maximum-likelihood fit
	// (sklearn's penalty=None, "none" in 1.2). C does not enter the fit,
	// but Fit still checks it as for every penalty, as scikit-learn's
	// parameter validation does (C=0 is refused there too). The
	// optimum is finite only when no hyperplane separates the classes: on
	// separable data the coefficients grow until MaxIter, and Fit returns
	// a *ConvergenceError.
	None Penalty = "none"
)

// Model is a logistic regression classifier. Set the exported options (New
// gives sklearn's defaults), call Fit, then Predict or PredictProba.
//
// The zero Model is not ready to fit: Fit refuses its C, MaxIter and Multi,
// naming the field, rather than guessing, because its FitIntercept false (no
// intercept) and Tol 0 are real settings that New's defaults would silently
// differ from. Start from New and change what you need.
type Model struct {
	// C is the inverse regularisation strength: the objective is
	// penalty(W) + C·Σ logloss, with penalty 0.5·||W||² for L2. Smaller C
	// means stronger shrinkage (and, for L1, more zeros). Must be > 0
	// and finite (New: 1), with Penalty None too, though that fit does not
	// use it: scikit-learn 1.2 refuses LogisticRegression(penalty="none",
	// C=0) as well.
	C float64
	// Penalty is L2 (also the zero value, ""), L1, ElasticNet or None.
	Penalty Penalty
	// L1Ratio is ElasticNet's share of the L1 term, in [0, 1] (sklearn's
	// l1_ratio). Any other penalty needs it 0, its zero value.
	L1Ratio float64
	// Multi chooses the multi-class scheme (New: Auto; the zero value ""
	// is refused).
	Multi MultiClass
	// MaxIter bounds the L-BFGS (or OWL-QN) iterations (per class for
	// OneVsRest); at least 1 (New: 100, sklearn's max_iter).
	MaxIter int
	// Tol stops the optimiser once the largest gradient component is at most
	// Tol (sklearn's tol, scipy's gtol), on the objective divided by C; for
	// L1 and ElasticNet, the largest pseudo-gradient component. Finite
	// and at least 0 (New: 1e-4); at 0 the fit stops only when the loss
	// no longer falls (scipy's ftol) or at MaxIter.
	Tol float64
	// FitIntercept adds an unpenalised bias per decision function (New:
	// true; false fits decision functions through the origin).
	FitIntercept bool
	// ClassWeight multiplies the loss of each sample of a class by the
	// class's weight (finite, >= 0), as sklearn's class_weight={label: w};
	// labels not listed weigh 1, and a label y does not contain is an
	// error. nil weighs every class 1. It cannot be combined with
	// BalancedClassWeight.
	ClassWeight map[int]float64
	// BalancedClassWeight weighs each class by n/(k·count): n samples, k
	// classes, count the samples of the class (whatever their sample
	// weights, as sklearn counts), as class_weight="balanced". For
	// OneVsRest with more than two classes each class's fit balances it
	// against the rest, n/(2·count) on each side, as sklearn does.
	BalancedClassWeight bool

	// Converged reports whether the last Fit met the tolerance (for
	// OneVsRest, every class's fit did).
	Converged bool
	// Iterations is the number of L-BFGS (or OWL-QN) iterations of the
	// last Fit (the largest over the classes for OneVsRest), as sklearn's
	// n_iter_.
	Iterations int

	classes   []int       // the distinct labels seen by Fit, ascending
	coef      [][]float64 // one row of nFeatures weights per decision function
	intercept []float64
	nFeatures int
	scheme    scheme
}

// scheme is how the decision functions become probabilities.
type scheme int

const (
	schemeBinary  scheme = iota + 1 // one function: P(class 1) = sigmoid(z)
	schemeSoftmax                   // k functions: softmax
	schemeOVR                       // k functions: sigmoids normalised to sum 1
)

// New returns a model with scikit-learn's LogisticRegression() defaults.
func New() *Model {
	return &Model{C: 1, Penalty: L2, Multi: Auto, MaxIter: 100, Tol: 1e-4, FitIntercept: true}
}

// ConvergenceError is returned by Fit when L-BFGS (or OWL-QN) stopped
// before meeting the tolerance. The model is still fitted with the last iterate and can predict;
// the error plays the role of sklearn's ConvergenceWarning, so a caller that
// accepts an approximate fit can check for it with errors.As and go on.
type ConvergenceError struct {
	Class      int     // the label whose one-vs-rest fit failed; -1 otherwise
	Iterations int     // iterations done
	MaxIter    int     // the limit
	GradMax    float64 // largest gradient (OWL-QN: pseudo-gradient) component at the last iterate
	Tol        float64
	Reason     string
	// Solver is "lbfgs", or "owlqn" for the L1 and elastic-net penalties;
	// "" reads as "lbfgs".
	Solver string
}

// Names are the solver's name and that of the gradient figure it stops
// on, as the error words them: "lbfgs" and "max|gradient|", or "owlqn"
// and "max|pseudo-gradient|".
func (e *ConvergenceError) Names() (solver, gradient string) {
	if e.Solver == "" || e.Solver == "lbfgs" {
		return "lbfgs", "max|gradient|"
	}
	return e.Solver, "max|pseudo-gradient|"
}

func (e *ConvergenceError) Error() string {
	who, grad := e.Names()
	if e.Class >= 0 {
		who = fmt.Sprintf("%s (one-vs-rest, class %d)", who, e.Class)
	}
	return fmt.Sprintf("logreg: %s did not converge after %d iterations: %s %.3g > tol %.3g: %s; increase MaxIter or scale the features (FitScaler)",
		who, e.Iterations, grad, e.GradMax, e.Tol, e.Reason)
}

// ErrNotFitted is returned by the prediction methods before a successful Fit.
var ErrNotFitted = errors.New("logreg: model is not fitted; call Fit first")

// Fit learns the coefficients from samples X (one row per sample) and their
// class labels y (any integers; at least two distinct). It returns an error
// naming the problem for empty input, mismatched lengths, ragged rows,
// NaN/Inf features, a single class or invalid options, and a
// *ConvergenceError (with the model still fitted) when the optimiser did not
// reach Tol within MaxIter iterations.
func (m *Model) Fit(X [][]float64, y []int) error {
	return m.FitWeighted(X, y, nil)
}

// FitWeighted is Fit with a weight per sample, as sklearn's
// fit(X, y, sample_weight): each sample's log loss is multiplied by its
// weight (times its class's weight, with ClassWeight or
// BalancedClassWeight). A sample of weight 0 does not change the fit,
// though BalancedClassWeight still counts it. Weights must be finite and
// non-negative, and at least two classes must have samples that weigh
// more than 0; the error names the first bad sample. nil weighs every
// sample 1, exactly as Fit.
func (m *Model) FitWeighted(X [][]float64, y []int, sampleWeight []float64) error {
	m.reset()
	if len(X) == 0 {
		return errors.New("logreg: Fit: X has no samples")
	}
	d := len(X[0])
	data := make([]float64, 0, len(X)*d)
	for i, row := range X {
		if len(row) != d {
			return fmt.Errorf("logreg: Fit: X[%d] has %d features but X[0] has %d", i, len(row), d)
		}
		data = append(data, row...)
	}
	return m.fit(data, len(X), d, y, sampleWeight)
}

// FitDense is Fit for a samples×features float64 matrix.
func (m *Model) FitDense(X *tensor.Dense, y []int) error {
	return m.FitDenseWeighted(X, y, nil)
}

// FitDenseWeighted is FitWeighted for a samples×features float64 matrix.
func (m *Model) FitDenseWeighted(X *tensor.Dense, y []int, sampleWeight []float64) error {
	m.reset()
	if X == nil {
		return errors.New("logreg: FitDense: X is nil")
	}
	if X.Dtype() != tensor.Float64 || X.Dims() != 2 {
		return fmt.Errorf("logreg: FitDense: X must be a 2-D float64 matrix, got %v %v", X.Dtype(), X.Shape())
	}
	// Copy through Data in row-major order, whatever X's layout or view.
	c := X.Materialize().(*tensor.Dense)
	if c == X {
		c = X.Clone().(*tensor.Dense)
	}
	return m.fit(c.Float64s(), X.Shape()[0], X.Shape()[1], y, sampleWeight)
}

func (m *Model) fit(data []float64, n, d int, y []int, sampleWeight []float64) error {
	m.reset()
	if err := m.checkOptions(); err != nil {
		return err
	}
	if n == 0 {
		return errors.New("logreg: Fit: X has no samples")
	}
	if d == 0 {
		return errors.New("logreg: Fit: X has no features")
	}
	if len(y) != n {
		return fmt.Errorf("logreg: Fit: X has %d samples but y has %d labels", n, len(y))
	}
	if sampleWeight != nil && len(sampleWeight) != n {
		return fmt.Errorf("logreg: Fit: X has %d samples but sampleWeight has %d weights", n, len(sampleWeight))
	}
	if err := checkWeights(sampleWeight); err != nil {
		return fmt.Errorf("logreg: Fit: %w", err)
	}
	if err := checkFinite(data, d); err != nil {
		return fmt.Errorf("logreg: Fit: %w", err)
	}
	if err := checkMagnitude(data, d); err != nil {
		return fmt.Errorf("logreg: Fit: %w", err)
	}
	classes := slices.Compact(slices.Sorted(slices.Values(y)))
	if len(classes) < 2 {
		return fmt.Errorf("logreg: Fit: y has a single class (%d); logistic regression needs at least two", classes[0])
	}
	idx := make([]int, n) // y as indexes into classes
	for i, v := range y {
		idx[i], _ = slices.BinarySearch(classes, v)
	}
	k := len(classes)
	ovr := k == 2 && m.Multi != Multinomial || k > 2 && m.Multi == OneVsRest
	// The weights every fit shares: sample weights times the class
	// weights of the original labels (balanced ones only for a softmax; a
	// sigmoid per class balances its own two sides below, as sklearn).
	// nil when nothing is weighted, so that path stays exactly as it was.
	sw, err := m.sampleClassWeights(sampleWeight, classes, idx, ovr)
	if err != nil {
		return fmt.Errorf("logreg: Fit: %w", err)
	}

	x := tensor.New(tensor.WithShape(n, d), tensor.WithBacking(data))
	xt := x.Clone().(*tensor.Dense)
	// A materialised transpose (not a view) keeps XᵀG one plain GEMM.
	if err := xt.T(); err != nil {
		return fmt.Errorf("logreg: Fit: %w", err)
	}
	if err := xt.Transpose(); err != nil {
		return fmt.Errorf("logreg: Fit: %w", err)
	}

	settings := lbfgsSettings{memory: 10, maxIter: m.MaxIter, gtol: m.Tol, ftol: 64 * 2.220446049250313e-16, maxLS: 50}

	var convErr *ConvergenceError
	switch {
	case ovr:
		// One sigmoid per class (just class 1 for a binary problem).
		m.scheme = schemeOVR
		targets := classes
		if k == 2 {
			m.scheme, targets = schemeBinary, classes[1:]
		}
		m.Converged = true
		for _, c := range targets {
			yc := make([]int, n)
			for i, v := range y {
				if v == c {
					yc[i] = 1
				}
			}
			p := newProblem(x, xt, yc, 1, m.l2Weight(), m.FitIntercept)
			p.sw = sw
			if m.BalancedClassWeight {
				p.sw = balanceBinary(sw, yc)
			}
			coef, icpt, res := m.solve(p, settings)
			m.coef = append(m.coef, coef[0])
			m.intercept = append(m.intercept, icpt[0])
			m.Iterations = max(m.Iterations, res.iterations)
			if !res.converged {
				m.Converged = false
				if convErr == nil {
					convErr = m.convergenceError(res, c)
					if k == 2 {
						convErr.Class = -1
					}
				}
			}
		}
	default:
		m.scheme = schemeSoftmax
		p := newProblem(x, xt, idx, k, m.l2Weight(), m.FitIntercept)
		p.sw = sw
		coef, icpt, res := m.solve(p, settings)
		m.coef, m.intercept = coef, icpt
		m.Iterations, m.Converged = res.iterations, res.converged
		if !res.converged {
			convErr = m.convergenceError(res, -1)
		}
	}
	m.classes, m.nFeatures = classes, d
	if convErr != nil {
		return convErr
	}
	return nil
}

// reset forgets the fitted state, keeping the options, so that a Fit that
// fails on bad input leaves an unfitted model rather than a stale one.
func (m *Model) reset() {
	*m = Model{C: m.C, Penalty: m.Penalty, L1Ratio: m.L1Ratio, Multi: m.Multi, MaxIter: m.MaxIter, Tol: m.Tol, FitIntercept: m.FitIntercept,
		ClassWeight: m.ClassWeight, BalancedClassWeight: m.BalancedClassWeight}
}

func (m *Model) convergenceError(res lbfgsResult, class int) *ConvergenceError {
	return &ConvergenceError{Class: class, Iterations: res.iterations, MaxIter: m.MaxIter,
		GradMax: res.gradMax, Tol: m.Tol, Reason: res.reason, Solver: m.solver()}
}

// solve minimises p (plus the L1 term, if the penalty has one) from zero
// (sklearn's starting point) and unpacks the parameters into
// per-function coefficient rows and intercepts.
func (m *Model) solve(p *problem, st lbfgsSettings) ([][]float64, []float64, lbfgsResult) {
	var res lbfgsResult
	if l1 := m.l1Weight(); l1 > 0 {
		// W's entries pay l1 each; the intercepts after them nothing.
		weights := make([]float64, p.size())
		for i := range p.d * p.k {
			weights[i] = l1
		}
		res = minimizeOWLQN(p.lossGrad, weights, make([]float64, p.size()), st)
	} else {
		res = minimizeLBFGS(p.lossGrad, make([]float64, p.size()), st)
	}
	coef := make([][]float64, p.k)
	for c := range coef {
		coef[c] = make([]float64, p.d)
		for j := range p.d {
			coef[c][j] = res.x[j*p.k+c] // W is d×k row-major
		}
	}
	icpt := make([]float64, p.k)
	if p.fitIntercept {
		copy(icpt, res.x[p.d*p.k:])
	}
	return coef, icpt, res
}

// l2Weight is the weight of ||W||²/2 in the objective divided by C: 1/C
// for L2, (1-L1Ratio)/C for ElasticNet, 0 for L1 and without a penalty
// (sklearn's C=inf), as sklearn's saga path weighs it.
func (m *Model) l2Weight() float64 {
	switch m.Penalty {
	case None, L1:
		return 0
	case ElasticNet:
		return (1 - m.L1Ratio) / m.C
	}
	return 1 / m.C
}

// l1Weight is the weight of ||W||₁ in the objective divided by C: 1/C for
// L1, L1Ratio/C for ElasticNet, else 0.
func (m *Model) l1Weight() float64 {
	switch m.Penalty {
	case L1:
		return 1 / m.C
	case ElasticNet:
		return m.L1Ratio / m.C
	}
	return 0
}

// solver names the optimiser the penalty takes.
func (m *Model) solver() string {
	if m.l1Weight() > 0 {
		return "owlqn"
	}
	return "lbfgs"
}

func (m *Model) checkOptions() error {
	switch m.Penalty {
	case L2, L1, ElasticNet, None, "":
	default:
		return fmt.Errorf(`logreg: unknown Penalty %q; want "l2", "l1", "elasticnet" or "none"`, m.Penalty)
	}
	switch {
	case !(m.L1Ratio >= 0 && m.L1Ratio <= 1):
		return fmt.Errorf("logreg: L1Ratio must be in [0, 1], got %v", m.L1Ratio)
	case m.L1Ratio != 0 && m.Penalty != ElasticNet:
		// sklearn warns and ignores it; a ratio set by mistake is more
		// likely a penalty left unset.
		return fmt.Errorf("logreg: L1Ratio %v is used only by the elasticnet Penalty, not %q", m.L1Ratio, m.penaltyName())
	}
	switch {
	case !(m.C > 0) || math.IsInf(m.C, 1):
		if m.Penalty == None {
			// Say why a setting the fit ignores is refused.
			return fmt.Errorf(`logreg: C must be a positive finite number, got %v (Penalty "none" does not use it, but C is checked for every penalty, as in scikit-learn)`, m.C)
		}
		return fmt.Errorf("logreg: C must be a positive finite number, got %v", m.C)
	case m.MaxIter < 1:
		return fmt.Errorf("logreg: MaxIter must be at least 1, got %d", m.MaxIter)
	case !(m.Tol >= 0) || math.IsInf(m.Tol, 1):
		// scikit-learn 1.2.1 refuses tol=inf too ("in the range [0, inf)"):
		// it would stop the fit before its first step.
		return fmt.Errorf("logreg: Tol must be finite and non-negative, got %v", m.Tol)
	case m.BalancedClassWeight && m.ClassWeight != nil:
		return errors.New("logreg: ClassWeight and BalancedClassWeight exclude each other; set one")
	}
	for _, label := range slices.Sorted(maps.Keys(m.ClassWeight)) {
		if v := m.ClassWeight[label]; !(v >= 0) || math.IsInf(v, 1) {
			return fmt.Errorf("logreg: ClassWeight[%d] is %v; class weights must be finite and non-negative", label, v)
		}
	}
	switch m.Multi {
	case Auto, Multinomial, OneVsRest:
		return nil
	case "":
		return errors.New(`logreg: Multi is not set; use New() or one of "auto", "multinomial", "ovr"`)
	default:
		return fmt.Errorf(`logreg: unknown Multi %q; want "auto", "multinomial" or "ovr"`, m.Multi)
	}
}

// penaltyName is the Penalty as set, "l2" for the zero value.
func (m *Model) penaltyName() Penalty {
	if m.Penalty == "" {
		return L2
	}
	return m.Penalty
}

// MaxFeature bounds the magnitude of the features Fit accepts. The solver
// multiplies features together (the loss's curvature grows with x²), so
// beyond about 1e154 float64 overflows, and long before that a step scaled
// to such features underflows; features this large are in the wrong units,
// and Fit asks for them to be scaled rather than report a meaningless fit.
const MaxFeature = 1e100

// checkFinite finds the first NaN or ±Inf in row-major data with d columns.
func checkFinite(data []float64, d int) error {
	for i, v := range data {
		if !isFinite(v) {
			return fmt.Errorf("X[%d][%d] is %v; features must be finite", i/d, i%d, v)
		}
	}
	return nil
}

// checkMagnitude finds the first feature larger in magnitude than MaxFeature.
func checkMagnitude(data []float64, d int) error {
	for i, v := range data {
		if math.Abs(v) > MaxFeature {
			return fmt.Errorf("%w: X[%d][%d] is %g; scale the features (FitScaler standardises them) first", ErrTooLarge, i/d, i%d, v)
		}
	}
	return nil
}

// ErrTooLarge reports features beyond MaxFeature in magnitude.
var ErrTooLarge = fmt.Errorf("features larger than %g in magnitude would overflow the solver's arithmetic", MaxFeature)

// Classes returns the class labels in the order of PredictProba's columns.
func (m *Model) Classes() []int { return slices.Clone(m.classes) }

// Coef returns the weights, one row of len(features) per decision function:
// a single row (for the larger label) in a binary problem, else one per
// class in Classes order (sklearn's coef_).
func (m *Model) Coef() [][]float64 {
	out := make([][]float64, len(m.coef))
	for i, r := range m.coef {
		out[i] = slices.Clone(r)
	}
	return out
}

// Intercept returns the bias of each decision function (sklearn's
// intercept_), zeros when FitIntercept is false.
func (m *Model) Intercept() []float64 { return slices.Clone(m.intercept) }

// ZeroCoefs counts the coefficients that are exactly 0, over every
// decision function (Coef's rows): the features an L1 or elastic-net fit
// dropped, times the functions that dropped them. The intercepts are not
// counted. 0 before a fit.
func (m *Model) ZeroCoefs() int {
	var n int
	for _, row := range m.coef {
		for _, v := range row {
			if v == 0 {
				n++
			}
		}
	}
	return n
}

// DecisionFunction returns x·coefᵀ + intercept for each sample: one column
// in a binary problem (the log-odds of the larger label), else one per class.
func (m *Model) DecisionFunction(X [][]float64) ([][]float64, error) {
	if m.classes == nil {
		return nil, ErrNotFitted
	}
	n := len(X)
	if n == 0 {
		return nil, errors.New("logreg: no samples to predict")
	}
	d := m.nFeatures
	data := make([]float64, 0, n*d)
	for i, row := range X {
		if len(row) != d {
			return nil, fmt.Errorf("logreg: X[%d] has %d features; the model was fitted on %d", i, len(row), d)
		}
		data = append(data, row...)
	}
	if err := checkFinite(data, d); err != nil {
		return nil, fmt.Errorf("logreg: %w", err)
	}
	k := len(m.coef)
	wt := make([]float64, d*k) // coefᵀ, d×k
	for c, r := range m.coef {
		for j, v := range r {
			wt[j*k+c] = v
		}
	}
	z, err := tensor.MatMul(
		tensor.New(tensor.WithShape(n, d), tensor.WithBacking(data)),
		tensor.New(tensor.WithShape(d, k), tensor.WithBacking(wt)))
	if err != nil {
		return nil, fmt.Errorf("logreg: %w", err)
	}
	flat := z.Data().([]float64)
	out := make([][]float64, n)
	for i := range out {
		out[i] = flat[i*k : (i+1)*k : (i+1)*k]
		for c := range out[i] {
			out[i][c] += m.intercept[c]
		}
	}
	return out, nil
}

// PredictProba returns, for each sample, the probability of each class in
// Classes order.
func (m *Model) PredictProba(X [][]float64) ([][]float64, error) {
	z, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	k := len(m.classes)
	out := make([][]float64, len(z))
	for i, zi := range z {
		p := make([]float64, k)
		switch m.scheme {
		case schemeBinary:
			p[1] = sigmoid(zi[0])
			p[0] = 1 - p[1]
		case schemeSoftmax:
			lse := logSumExp(zi)
			for c, v := range zi {
				p[c] = math.Exp(v - lse)
			}
		case schemeOVR:
			var s float64
			for c, v := range zi {
				p[c] = sigmoid(v)
				s += p[c]
			}
			if s == 0 {
				// Every sigmoid underflowed: no class is preferred.
				for c := range p {
					p[c] = 1 / float64(k)
				}
				break
			}
			for c := range p {
				p[c] /= s
			}
		}
		out[i] = p
	}
	return out, nil
}

// Predict returns the most probable class label for each sample (ties go to
// the smaller label, as numpy's argmax does).
func (m *Model) Predict(X [][]float64) ([]int, error) {
	proba, err := m.PredictProba(X)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(proba))
	for i, p := range proba {
		best := 0
		for c, v := range p {
			if v > p[best] {
				best = c
			}
		}
		out[i] = m.classes[best]
	}
	return out, nil
}
