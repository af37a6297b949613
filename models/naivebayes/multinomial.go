// Package naivebayes implements naive Bayes for count data such as
// bag-of-words vectors, with the same estimates as scikit-learn's
// MultinomialNB, ComplementNB and BernoulliNB, and for numeric tables,
// scikit-learn's GaussianNB. MultinomialNB estimates
//
//	P(c)        = n_c / n                                   (FitPrior)
//	P(word j|c) = (N_cj + alpha) / (N_c + alpha * nFeatures) (Lidstone; alpha=1 is Laplace)
//
// where N_cj is the total count of feature j in class c's training rows and
// N_c = sum_j N_cj. Prediction maximises the joint log-likelihood
//
//	log P(c) + sum_j x_j log P(word j|c),
//
// a product of the count matrix with the transposed log-probability matrix.
//
// ComplementNB is scikit-learn's ComplementNB (Rennie et al. 2003), which
// estimates each class from the counts of every other class, so that a
// small class (spam among ham) is estimated from as much text as a large
// one:
//
//	w_cj = -log((N_~cj + alpha) / (N_~c + alpha * nFeatures))
//
// where N_~cj is the total count of feature j outside class c and N_~c its
// sum over j. A document goes to the class with the largest x·w_c; the
// class priors do not enter (as in scikit-learn with two classes or more).
// With Norm the weights of each class are divided by their sum.
//
// BernoulliNB is scikit-learn's BernoulliNB with binarize=0.0: it models
// whether each feature is present in a row (value > 0), not how often, and
// counts a feature's absence as evidence too:
//
//	P(j present|c) = p_cj = (D_cj + alpha) / (n_c + 2 alpha)
//	score(c|x)     = log P(c) + sum over every feature j of
//	                 log p_cj if x_j > 0, else log(1 - p_cj)
//
// where D_cj is the number of class c's training rows in which feature j
// is present and n_c the number of class c's rows. The sum runs over the
// whole vocabulary, but it is computed from the row's non-zeros alone, as
// scikit-learn computes it: sum_j log(1 - p_cj) once per class at Fit,
// plus log p_cj - log(1 - p_cj) for each present feature.
//
// The three models take counts or any non-negative weights, such as the
// tf-idf weights of text.TfidfTransformer (which BernoulliNB reads only as
// present or absent).
//
// GaussianNB is for numeric features (measurements, not counts): each class
// models each feature as a normal distribution with the class's weighted
// mean θ_cj and variance σ²_cj, plus ε = var_smoothing × the largest
// feature variance over all training rows, and scores
//
//	log P(c) - ½ Σ_j log(2π σ²_cj) - ½ Σ_j (x_j - θ_cj)² / σ²_cj.
//
// It reads dense rows ([][]float64), as package logreg does.
//
// # Where the tensor engine is used
//
// The model's parameters live in gorgonia.org/tensor Dense tensors. For
// Dense input the class-count accumulation (Yᵀ·X) and the joint
// log-likelihood (X·Wᵀ) are single tensor.MatMul calls, so a BLAS or CUDA
// engine can take them. Bag-of-words input (text.Sparse, or any Matrix) is
// overwhelmingly zero: an SMS touches a dozen of ~7,000 columns. Densifying
// it for a GEMM would cost n×F work and memory for n×12 useful products, so
// sparse rows are multiplied in plain Go against the tensor's backing
// array, which is stored feature-major (F×C) so that each non-zero reads
// one contiguous run of C log-probabilities.
package naivebayes

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gorgonia.org/tensor"
)

// minAlpha is the smallest smoothing used, as in scikit-learn (force_alpha
// = False): with alpha = 0 an unseen word would give log(0) = -Inf, and a
// dense product 0 × -Inf is NaN.
const minAlpha = 1e-10

// MultinomialNB is a multinomial naive Bayes classifier. Create it with New
// (Alpha 1, FitPrior true, scikit-learn's defaults), adjust the fields, then
// call Fit.
//
// The zero value is usable but is not New's model: its Alpha 0 means almost
// no smoothing (raised to 1e-10) and its FitPrior false a uniform prior, both
// legitimate settings that scikit-learn also accepts, so they are taken as
// asked rather than replaced by defaults. On text that usually scores a
// little worse than New; use New unless you mean those settings.
type MultinomialNB struct {
	// Alpha is the additive (Lidstone) smoothing; 1 is Laplace smoothing.
	// Values below 1e-10 are raised to 1e-10; negative values are an error.
	Alpha float64
	// FitPrior learns class priors from class frequencies; when false the
	// prior is uniform. Ignored when ClassPrior is set.
	FitPrior bool
	// ClassPrior, when non-nil, gives the prior of each class in Classes()
	// order (sorted labels); it must be positive and sum to 1.
	ClassPrior []float64

	model
}

// model is the fitted state and the prediction shared by the three
// classifiers: each scores a row x by x·W (plus a log prior for
// MultinomialNB and BernoulliNB; BernoulliNB reads x as 0/1 and adds a
// constant per class).
type model struct {
	classes    []int         // sorted distinct labels
	classCount []float64     // training rows per class
	featCount  *tensor.Dense // C×F summed counts (BernoulliNB: rows where the feature is present)
	logProbT   *tensor.Dense // F×C log P(feature|class) or complement weights, feature-major
	logPrior   []float64     // C
	nFeatures  int
	addPrior   bool // the joint log-likelihood adds logPrior

	// BernoulliNB's scoring (setPresenceScores); zero for the others.
	// When presenceT is set, rows are read as 0/1: present when the value is > 0.
	presenceT  *tensor.Dense // F×C log p - log(1-p), scored instead of logProbT when set
	absentBase []float64     // C: sum_j log(1-p_cj), every row's score before its present features
}

// New returns a classifier with scikit-learn's defaults: Alpha 1, FitPrior.
func New() *MultinomialNB {
	return &MultinomialNB{Alpha: 1, FitPrior: true}
}

// Fit estimates class priors and per-class feature probabilities from the
// count matrix X (one row per sample) and labels y. Labels are arbitrary
// integers; at least two distinct ones are needed.
func (m *MultinomialNB) Fit(X Matrix, y []int) error {
	t, err := fitSmoothed(X, y, m.Alpha, m.FitPrior, m.ClassPrior, false, func(_ float64, row []float64, alpha float64) float64 {
		total := alpha * float64(len(row))
		for _, v := range row {
			total += v
		}
		return total
	})
	if err != nil {
		return err
	}
	m.model = t
	return nil
}

// fitSmoothed is MultinomialNB's and BernoulliNB's Fit: count (with
// presence, of the rows where a feature is present), then per class k
// log P(feature j|k) = log(N_kj + alpha) - log(denom(n_k, N_k, alpha)),
// where n_k is the class's rows, N_k its feature totals and alpha the
// Alpha setting raised to minAlpha, and the prior (setPrior: classPrior,
// else frequencies with fitPrior, else uniform).
func fitSmoothed(X Matrix, y []int, alphaSetting float64, fitPrior bool, classPrior []float64, presence bool,
	denom func(rows float64, featCount []float64, alpha float64) float64) (model, error) {
	var logPrior []float64
	t, err := count(X, y, alphaSetting, presence, func(c int) (err error) {
		if classPrior != nil {
			logPrior, err = checkPrior(classPrior, c)
		}
		return err
	})
	if err != nil {
		return model{}, err
	}
	c, f := len(t.classes), t.nFeatures
	alpha := math.Max(alphaSetting, minAlpha)
	fc := t.featCount.Data().([]float64)
	lp := t.logProbT.Data().([]float64)
	for k := 0; k < c; k++ {
		row := fc[k*f : (k+1)*f]
		logTotal := math.Log(denom(t.classCount[k], row, alpha))
		for j, v := range row {
			lp[j*c+k] = math.Log(v+alpha) - logTotal
		}
	}
	t.setPrior(fitPrior, logPrior)
	return t, nil
}

// setPrior sets the log prior that the joint log-likelihood adds: given
// (checkPrior's), else the class frequencies count left with fitPrior,
// else uniform.
func (t *model) setPrior(fitPrior bool, given []float64) {
	if given != nil {
		t.logPrior = given
	} else if !fitPrior {
		for k := range t.logPrior {
			t.logPrior[k] = -math.Log(float64(len(t.logPrior)))
		}
	}
	t.addPrior = true
}

// count checks X, y and alpha and returns a model with the classes, class
// and feature totals, frequency priors and a zero logProbT to fill in.
// With presence the feature totals count the rows where a feature is
// present (value > 0) rather than sum the values. checkMore (may be nil)
// checks settings that need the number of classes.
func count(X Matrix, y []int, alphaSetting float64, presence bool, checkMore func(classes int) error) (model, error) {
	if isNil(X) {
		return model{}, errors.New("naivebayes: Fit: nil matrix")
	}
	n, f := X.Dims()
	switch {
	case n == 0 || f == 0:
		return model{}, fmt.Errorf("naivebayes: Fit: empty matrix (%d rows, %d columns)", n, f)
	case len(y) != n:
		return model{}, fmt.Errorf("naivebayes: Fit: %d labels for %d rows", len(y), n)
	case alphaSetting < 0 || math.IsNaN(alphaSetting):
		return model{}, fmt.Errorf("naivebayes: Alpha = %v; smoothing must be >= 0", alphaSetting)
	}
	if err := checkMatrix(X, "Fit"); err != nil {
		return model{}, err
	}
	classes := slices.Clone(y)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) < 2 {
		return model{}, fmt.Errorf("naivebayes: Fit: y has a single class (%d); need at least two", classes[0])
	}
	c := len(classes)
	if checkMore != nil {
		if err := checkMore(c); err != nil {
			return model{}, err
		}
	}
	yIdx := make([]int, n)
	classCount := make([]float64, c)
	for i, label := range y {
		k, _ := slices.BinarySearch(classes, label)
		yIdx[i] = k
		classCount[k]++
	}
	featCount, err := accumulate(X, yIdx, c, presence)
	if err != nil {
		return model{}, err
	}
	logPrior := make([]float64, c)
	for k := range logPrior {
		logPrior[k] = math.Log(classCount[k]) - math.Log(float64(n))
	}
	return model{classes: classes, classCount: classCount, featCount: featCount,
		logProbT: tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(f, c)),
		logPrior: logPrior, nFeatures: f}, nil
}

func checkPrior(prior []float64, c int) ([]float64, error) {
	if len(prior) != c {
		return nil, fmt.Errorf("naivebayes: ClassPrior has %d values for %d classes", len(prior), c)
	}
	sum := 0.0
	out := make([]float64, c)
	for k, p := range prior {
		if !(p > 0) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("naivebayes: ClassPrior[%d] = %v; priors must be positive", k, p)
		}
		sum += p
		out[k] = math.Log(p)
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("naivebayes: ClassPrior sums to %v, not 1", sum)
	}
	return out, nil
}

// accumulate returns the C×F per-class feature totals Yᵀ·X, with X read
// as 0/1 under presence.
func accumulate(X Matrix, yIdx []int, c int, presence bool) (*tensor.Dense, error) {
	n, f := X.Dims()
	if d, ok := X.(*Dense); ok {
		data := d.data
		if presence {
			data = presenceOf(data)
		}
		// One-hot labels transposed (C×n) times X (n×F).
		yt := make([]float64, c*n)
		for i, k := range yIdx {
			yt[k*n+i] = 1
		}
		Yt := tensor.New(tensor.WithShape(c, n), tensor.WithBacking(yt))
		Xt := tensor.New(tensor.WithShape(n, f), tensor.WithBacking(data))
		out, err := tensor.MatMul(Yt, Xt)
		if err != nil {
			return nil, fmt.Errorf("naivebayes: class totals: %w", err)
		}
		return out.(*tensor.Dense), nil
	}
	out := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(c, f))
	fc := out.Data().([]float64)
	for i, k := range yIdx {
		cols, vals := X.Row(i)
		row := fc[k*f : (k+1)*f]
		for q, j := range cols {
			if !presence {
				row[j] += vals[q]
			} else if vals[q] > 0 {
				row[j]++
			}
		}
	}
	return out, nil
}

// presenceOf returns a copy of data with each positive value 1, the rest 0
// (scikit-learn's binarize=0.0).
func presenceOf(data []float64) []float64 {
	out := make([]float64, len(data))
	for i, v := range data {
		if v > 0 {
			out[i] = 1
		}
	}
	return out
}

// ErrNotFitted is returned by the prediction methods and State of every
// model in this package before a successful Fit (or FromState); match it
// with errors.Is.
var ErrNotFitted = errors.New("naivebayes: model is not fitted; call Fit first")

func (m *model) fitted() error {
	if m.logProbT == nil {
		return ErrNotFitted
	}
	return nil
}

// jointLogLikelihood returns the n×C matrix log P(c) + x·log P(·|c),
// row-major (BernoulliNB: log P(c) + absentBase + presence(x)·presenceT).
func (m *model) jointLogLikelihood(X Matrix) ([]float64, int, error) {
	if err := m.fitted(); err != nil {
		return nil, 0, err
	}
	if isNil(X) {
		return nil, 0, errors.New("naivebayes: nil matrix")
	}
	n, f := X.Dims()
	if f != m.nFeatures {
		return nil, 0, fmt.Errorf("naivebayes: matrix has %d features, the model was fitted with %d", f, m.nFeatures)
	}
	if err := checkMatrix(X, "predict"); err != nil {
		return nil, 0, err
	}
	c := len(m.classes)
	weights, presence := m.logProbT, m.presenceT != nil
	if presence {
		weights = m.presenceT
	}
	var jll []float64
	if d, ok := X.(*Dense); ok && n > 0 {
		data := d.data
		if presence {
			data = presenceOf(data)
		}
		Xt := tensor.New(tensor.WithShape(n, f), tensor.WithBacking(data))
		out, err := tensor.MatMul(Xt, weights)
		if err != nil {
			return nil, 0, fmt.Errorf("naivebayes: joint log-likelihood: %w", err)
		}
		jll = out.Data().([]float64)
	} else {
		jll = make([]float64, n*c)
		lp := weights.Data().([]float64)
		for i := 0; i < n; i++ {
			out := jll[i*c : (i+1)*c]
			cols, vals := X.Row(i)
			for q, j := range cols {
				v := vals[q]
				if presence {
					if v <= 0 {
						continue // a stored zero: absent
					}
					v = 1
				}
				w := lp[j*c : (j+1)*c]
				for k := range out {
					out[k] += v * w[k]
				}
			}
		}
	}
	if m.absentBase != nil {
		for i := 0; i < n; i++ {
			for k, b := range m.absentBase {
				jll[i*c+k] += b
			}
		}
	}
	if m.addPrior {
		for i := 0; i < n; i++ {
			for k, p := range m.logPrior {
				jll[i*c+k] += p
			}
		}
	}
	return jll, c, nil
}

// Predict returns the most probable class label of each row (the lowest
// label on an exact tie), or ErrNotFitted before Fit.
func (m *model) Predict(X Matrix) ([]int, error) {
	jll, c, err := m.jointLogLikelihood(X)
	if err != nil {
		return nil, err
	}
	n := len(jll) / c
	out := make([]int, n)
	for i := range out {
		row := jll[i*c : (i+1)*c]
		best := 0
		for k := 1; k < c; k++ {
			if row[k] > row[best] {
				best = k
			}
		}
		out[i] = m.classes[best]
	}
	return out, nil
}

// PredictLogProba returns log P(c|x) for each row, columns in Classes()
// order (for ComplementNB, as scikit-learn's, the scores x·w_c normalised
// as if they were log-likelihoods), normalised with log-sum-exp so that it neither underflows for long
// documents nor overflows. It returns ErrNotFitted before Fit.
func (m *model) PredictLogProba(X Matrix) ([][]float64, error) {
	jll, c, err := m.jointLogLikelihood(X)
	if err != nil {
		return nil, err
	}
	n := len(jll) / c
	out := make([][]float64, n)
	for i := range out {
		row := jll[i*c : (i+1)*c : (i+1)*c]
		lse := logSumExp(row)
		for k := range row {
			row[k] -= lse
		}
		out[i] = row
	}
	return out, nil
}

// PredictProba returns P(c|x) for each row, columns in Classes() order, or
// ErrNotFitted before Fit.
func (m *model) PredictProba(X Matrix) ([][]float64, error) {
	lp, err := m.PredictLogProba(X)
	if err != nil {
		return nil, err
	}
	for _, row := range lp {
		for k, v := range row {
			row[k] = math.Exp(v)
		}
	}
	return lp, nil
}

func logSumExp(x []float64) float64 {
	hi := math.Inf(-1)
	for _, v := range x {
		hi = math.Max(hi, v)
	}
	if math.IsInf(hi, 0) {
		return hi
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - hi)
	}
	return hi + math.Log(s)
}

// Classes returns the sorted class labels seen by Fit.
func (m *model) Classes() []int { return slices.Clone(m.classes) }

// NFeatures returns the number of features the model was fitted with.
func (m *model) NFeatures() int { return m.nFeatures }

// ClassLogPrior returns log P(c) in Classes() order (for ComplementNB, the
// class frequencies, which its predictions do not use).
func (m *model) ClassLogPrior() []float64 { return slices.Clone(m.logPrior) }

// ClassCount returns the number of training rows of each class.
func (m *model) ClassCount() []float64 { return slices.Clone(m.classCount) }

// FeatureCount returns the summed training counts, one row per class (for
// BernoulliNB, the number of training rows with the feature present).
func (m *model) FeatureCount() [][]float64 {
	if m.featCount == nil {
		return nil
	}
	fc := m.featCount.Data().([]float64)
	out := make([][]float64, len(m.classes))
	for k := range out {
		out[k] = slices.Clone(fc[k*m.nFeatures : (k+1)*m.nFeatures])
	}
	return out
}

// FeatureLogProb returns log P(feature j|class k) as rows per class, like
// scikit-learn's feature_log_prob_ (for ComplementNB, the weights w_kj;
// for BernoulliNB, log P(feature j present|class k)).
func (m *model) FeatureLogProb() [][]float64 {
	if m.logProbT == nil {
		return nil
	}
	c := len(m.classes)
	lp := m.logProbT.Data().([]float64)
	out := make([][]float64, c)
	for k := range out {
		out[k] = make([]float64, m.nFeatures)
		for j := range out[k] {
			out[k][j] = lp[j*c+k]
		}
	}
	return out
}
