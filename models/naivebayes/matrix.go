package naivebayes

import (
	"fmt"
	"math"
	"reflect"
)

// Matrix is a sample-by-feature matrix of non-negative counts (or
// frequencies) as the model reads it: row by row, non-zeros only. The
// sparse matrices of package text (*text.Sparse) satisfy it, and Dense
// adapts ordinary rows. Fit and the Predict methods return an error, not a
// panic, for a nil or malformed matrix (a column index outside the columns,
// indices not increasing, or a Validate method that fails).
type Matrix interface {
	Dims() (rows, cols int)
	// Row returns row i's column indices (increasing) and values; the model
	// only reads them.
	Row(i int) (cols []int, vals []float64)
}

// Dense is a row-major dense matrix. The model multiplies it with its
// log-probabilities as one tensor.MatMul instead of walking it row by row.
type Dense struct {
	rows, cols int
	data       []float64 // row-major, len rows*cols
	iota       []int     // 0..cols-1, returned by Row as the column indices
}

// NewDense copies rows into a Dense matrix. Rows must all have the same
// length.
func NewDense(rows [][]float64) (*Dense, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("naivebayes: empty matrix (no rows)")
	}
	c := len(rows[0])
	d := &Dense{rows: len(rows), cols: c, data: make([]float64, 0, len(rows)*c), iota: make([]int, c)}
	for i, r := range rows {
		if len(r) != c {
			return nil, fmt.Errorf("naivebayes: row %d has %d values, row 0 has %d", i, len(r), c)
		}
		d.data = append(d.data, r...)
	}
	for j := range d.iota {
		d.iota[j] = j
	}
	return d, nil
}

// Dims returns the number of rows and columns.
func (d *Dense) Dims() (rows, cols int) { return d.rows, d.cols }

// Row returns every column of row i (zeros included).
func (d *Dense) Row(i int) (cols []int, vals []float64) {
	return d.iota, d.data[i*d.cols : (i+1)*d.cols : (i+1)*d.cols]
}

// checkMatrix rejects a matrix the model cannot read (its callers have
// refused a nil one, typed or not, with isNil): a malformed one (its Validate method, where it has one, such as
// *text.Sparse's, fails), a row whose column indices are outside 0..cols-1
// or not increasing, and values a multinomial model cannot take (negative,
// NaN or infinite), naming the first offender. It costs one pass over the
// non-zeros, far less than the prediction itself.
func checkMatrix(X Matrix, what string) error {
	if v, ok := X.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("naivebayes: %s: malformed matrix: %w", what, err)
		}
	}
	n, f := X.Dims()
	for i := 0; i < n; i++ {
		cols, vals := X.Row(i)
		if len(cols) != len(vals) {
			return fmt.Errorf("naivebayes: %s: row %d has %d column indices but %d values", what, i, len(cols), len(vals))
		}
		for k, v := range vals {
			j := cols[k]
			if j < 0 || j >= f {
				return fmt.Errorf("naivebayes: %s: row %d has column index %d, outside 0..%d", what, i, j, f-1)
			}
			if k > 0 && j <= cols[k-1] {
				return fmt.Errorf("naivebayes: %s: row %d: column indices not increasing (%d after %d)", what, i, j, cols[k-1])
			}
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("naivebayes: %s: row %d, column %d has value %v; counts must be finite and non-negative",
					what, i, j, v)
			}
		}
	}
	return nil
}

// isNil reports whether X is nil or a nil pointer in a non-nil interface (a
// nil *Dense or *text.Sparse), which would otherwise panic on first use.
func isNil(X Matrix) bool {
	if X == nil {
		return true
	}
	v := reflect.ValueOf(X)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}
