package naivebayes

import "math"

// ComplementNB is a complement naive Bayes classifier, scikit-learn's
// ComplementNB (see the package documentation for its weights). It suits
// text with unbalanced classes, where MultinomialNB's estimate for the
// small class rests on little text. Create it with NewComplement (Alpha 1,
// Norm false, scikit-learn's defaults), adjust the fields, then call Fit.
//
// The zero value is usable: Alpha 0 is almost no smoothing (raised to
// 1e-10), as for MultinomialNB.
type ComplementNB struct {
	// Alpha is the additive smoothing of the complement counts; values
	// below 1e-10 are raised to 1e-10, negative values are an error.
	Alpha float64
	// Norm divides each class's weights by their sum (scikit-learn's
	// norm=True, the second normalisation of Rennie et al.); scikit-learn
	// leaves it off by default, and it rarely helps.
	Norm bool

	model
}

// NewComplement returns a classifier with scikit-learn's defaults: Alpha
// 1, Norm false.
func NewComplement() *ComplementNB {
	return &ComplementNB{Alpha: 1}
}

// Fit estimates the complement weights from the count (or tf-idf) matrix X
// and labels y, at least two distinct ones.
func (m *ComplementNB) Fit(X Matrix, y []int) error {
	t, err := count(X, y, m.Alpha, false, nil)
	if err != nil {
		return err
	}
	c, f := len(t.classes), t.nFeatures
	alpha := math.Max(m.Alpha, minAlpha)
	fc := t.featCount.Data().([]float64)
	all := make([]float64, f) // feature_all_: totals over every class
	for k := 0; k < c; k++ {
		for j, v := range fc[k*f : (k+1)*f] {
			all[j] += v
		}
	}
	lp := t.logProbT.Data().([]float64)
	comp := make([]float64, f)
	for k := 0; k < c; k++ {
		total := 0.0
		for j, v := range fc[k*f : (k+1)*f] {
			comp[j] = all[j] + alpha - v
			total += comp[j]
		}
		// log of the quotient, as scikit-learn computes it (not a
		// difference of logs): the weights then agree to the last bits.
		sum := 0.0
		for j := range comp {
			comp[j] = math.Log(comp[j] / total)
			sum += comp[j]
		}
		for j, v := range comp {
			if m.Norm {
				lp[j*c+k] = v / sum
			} else {
				lp[j*c+k] = -v
			}
		}
	}
	m.model = t
	return nil
}
