package tabular

import (
	"fmt"
	"math"
)

// Matrix is a dense row-major float32 feature matrix: row i is
// Data[i*Cols:(i+1)*Cols]. NaN marks a missing value. float32 is what
// XGBoost and LightGBM hold features in; it halves the memory of a large
// table, and a model's split thresholds are float32 too, so a value is
// compared exactly as it was at training time.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix allocates a rows×cols matrix of zeros.
func NewMatrix(rows, cols int) *Matrix {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("tabular: NewMatrix(%d, %d): negative size", rows, cols))
	}
	return &Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// MatrixFromRows copies [][]float64 rows into a Matrix; NaN stays missing.
// Every row must have the same length.
func MatrixFromRows(rows [][]float64) (*Matrix, error) {
	if len(rows) == 0 {
		return &Matrix{}, nil
	}
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		if len(r) != m.Cols {
			return nil, fmt.Errorf("tabular: row %d has %d values but row 0 has %d", i, len(r), m.Cols)
		}
		for j, v := range r {
			m.Data[i*m.Cols+j] = float32(v)
		}
	}
	return m, nil
}

// Row is row i, sharing the matrix's storage.
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols] }

// At is the value at row i, column j.
func (m *Matrix) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Check reports, as an error, a matrix whose Data does not hold Rows×Cols
// values.
func (m *Matrix) Check() error {
	if m == nil {
		return fmt.Errorf("tabular: nil matrix")
	}
	if m.Rows < 0 || m.Cols < 0 || len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("tabular: matrix of %d×%d holds %d values", m.Rows, m.Cols, len(m.Data))
	}
	return nil
}

// SelectRows copies the given rows into a new matrix, in that order.
func (m *Matrix) SelectRows(idx []int) *Matrix {
	out := NewMatrix(len(idx), m.Cols)
	for k, i := range idx {
		copy(out.Data[k*m.Cols:(k+1)*m.Cols], m.Row(i))
	}
	return out
}

// Missing is the value that marks a missing feature.
var Missing = float32(math.NaN())
