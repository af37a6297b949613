package text

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Norm is how TfidfTransformer scales each row.
type Norm int

const (
	// NormL2 divides a row by its Euclidean length (scikit-learn's
	// norm="l2", the default).
	NormL2 Norm = iota
	// NormL1 divides a row by the sum of its absolute values (norm="l1").
	NormL1
	// NormNone leaves rows unscaled (norm=None).
	NormNone
)

// String is scikit-learn's name for the norm: "l2", "l1" or "none".
func (n Norm) String() string {
	switch n {
	case NormL2:
		return "l2"
	case NormL1:
		return "l1"
	case NormNone:
		return "none"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// ParseNorm reads "l2", "l1" or "none".
func ParseNorm(s string) (Norm, error) {
	for _, n := range []Norm{NormL2, NormL1, NormNone} {
		if s == n.String() {
			return n, nil
		}
	}
	return 0, fmt.Errorf("text: norm %q: want l2, l1 or none", s)
}

// TfidfTransformer reweights a count matrix by inverse document frequency,
// as scikit-learn's TfidfTransformer (CountVectorizer followed by it is
// scikit-learn's TfidfVectorizer). The zero value has scikit-learn's
// defaults (norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False);
// each field below turns one of them off or on. For document i and term j:
//
//	tf  = count              (1 + ln(count) with SublinearTF)
//	idf = ln((1+n)/(1+df)) + 1   (ln(n/df) + 1 with NoSmoothIDF)
//	x   = tf * idf, then each row scaled to unit length (Norm)
//
// where n is the number of documents Fit saw and df the number of them
// holding term j. The "+1" keeps terms found in every document (idf 0
// otherwise) from vanishing; smoothing acts as if one extra document held
// every term, so a term absent from the training documents does not
// divide by zero.
type TfidfTransformer struct {
	// Norm scales each output row; NormL2 (the zero value) to unit
	// Euclidean length.
	Norm Norm
	// NoIDF leaves out the idf factor: tf, normalised (use_idf=False).
	NoIDF bool
	// NoSmoothIDF uses ln(n/df) + 1 (smooth_idf=False).
	NoSmoothIDF bool
	// SublinearTF replaces a count by 1 + ln(count) (sublinear_tf=True),
	// so that the tenth occurrence of a word weighs less than the first.
	SublinearTF bool

	idf    []float64
	fitted bool
}

// Fit learns the idf of every column of the count matrix X (rows are
// documents). With NoIDF it only records the number of columns.
func (t *TfidfTransformer) Fit(X *Sparse) error {
	if X == nil {
		return errors.New("text: TfidfTransformer.Fit: nil matrix")
	}
	if err := X.Validate(); err != nil {
		return fmt.Errorf("text: TfidfTransformer.Fit: %w", err)
	}
	if t.Norm < NormL2 || t.Norm > NormNone {
		return fmt.Errorf("text: TfidfTransformer: unknown %v", t.Norm)
	}
	t.idf = nil
	if !t.NoIDF {
		df := make([]float64, X.NCols)
		for _, j := range X.Indices {
			df[j]++
		}
		n := float64(X.NRows)
		if !t.NoSmoothIDF {
			n++
			for j := range df {
				df[j]++
			}
		}
		t.idf = make([]float64, X.NCols)
		for j, d := range df {
			// Without smoothing an unseen column has idf +Inf, as in
			// scikit-learn; it is zero in every training row.
			t.idf[j] = math.Log(n/d) + 1
		}
	}
	t.fitted = true
	return nil
}

// SetIDF makes idf the fitted weights, as if Fit had learned them: for a
// transformer rebuilt from a saved model. nil (with NoIDF) means no idf.
func (t *TfidfTransformer) SetIDF(idf []float64) error {
	if !t.NoIDF && len(idf) == 0 {
		return errors.New("text: TfidfTransformer.SetIDF: no weights")
	}
	for j, w := range idf {
		if math.IsNaN(w) || w < 0 {
			return fmt.Errorf("text: TfidfTransformer.SetIDF: idf %d is %v", j, w)
		}
	}
	t.idf, t.fitted = slices.Clone(idf), true
	return nil
}

// IDF returns the fitted idf weights, one per column (nil with NoIDF).
func (t *TfidfTransformer) IDF() []float64 { return slices.Clone(t.idf) }

// Transform returns X's tf-idf weights as a new matrix; X is not modified.
func (t *TfidfTransformer) Transform(X *Sparse) (*Sparse, error) {
	if !t.fitted {
		return nil, errors.New("text: TfidfTransformer.Transform called before Fit")
	}
	if X == nil {
		return nil, errors.New("text: TfidfTransformer.Transform: nil matrix")
	}
	if err := X.Validate(); err != nil {
		return nil, fmt.Errorf("text: TfidfTransformer.Transform: %w", err)
	}
	if t.idf != nil && X.NCols != len(t.idf) {
		return nil, fmt.Errorf("text: TfidfTransformer.Transform: matrix has %d columns, fitted with %d", X.NCols, len(t.idf))
	}
	out := &Sparse{NRows: X.NRows, NCols: X.NCols, Indptr: slices.Clone(X.Indptr),
		Indices: slices.Clone(X.Indices), Data: slices.Clone(X.Data)}
	for k, v := range out.Data {
		if v < 0 || math.IsNaN(v) {
			return nil, fmt.Errorf("text: TfidfTransformer.Transform: value %v; counts must be non-negative", v)
		}
		if t.SublinearTF {
			v = math.Log(v) + 1
		}
		if t.idf != nil {
			v *= t.idf[out.Indices[k]]
		}
		out.Data[k] = v
	}
	if t.Norm == NormNone {
		return out, nil
	}
	for i := 0; i < out.NRows; i++ {
		row := out.Data[out.Indptr[i]:out.Indptr[i+1]]
		// Summed in column order, as scikit-learn's normalize loops over
		// a row's stored values.
		s := 0.0
		for _, v := range row {
			if t.Norm == NormL1 {
				s += math.Abs(v)
			} else {
				s += v * v
			}
		}
		if s == 0 {
			continue
		}
		if t.Norm == NormL2 {
			s = math.Sqrt(s)
		}
		for k := range row {
			row[k] /= s
		}
	}
	return out, nil
}

// FitTransform is Fit followed by Transform on the same matrix.
func (t *TfidfTransformer) FitTransform(X *Sparse) (*Sparse, error) {
	if err := t.Fit(X); err != nil {
		return nil, err
	}
	return t.Transform(X)
}
