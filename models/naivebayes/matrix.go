package naivebayes

import (
	"fmt"
	"math"
)

// Matrix is a sample-by-feature matrix of non-negative counts (or
// frequencies) as the model reads it: row by row, non-zeros only. The
// sparse matrices of package text (*text.Sparse) satisfy it, and Dense
// adapts ordinary rows.
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

// checkCounts rejects the values a multinomial model cannot take: negative,
// NaN or infinite entries, naming the first offender.
func checkCounts(X Matrix, what string) error {
	n, _ := X.Dims()
	for i := 0; i < n; i++ {
		cols, vals := X.Row(i)
		for k, v := range vals {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("naivebayes: %s: row %d, column %d has value %v; counts must be finite and non-negative",
					what, i, cols[k], v)
			}
		}
	}
	return nil
}
