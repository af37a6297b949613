package text

import (
	"fmt"
	"sort"
)

// Sparse is a matrix in compressed sparse row (CSR) form, the layout of
// scipy.sparse.csr_matrix: the non-zeros of row i are at positions
// Indptr[i]:Indptr[i+1] of Indices (column numbers, strictly increasing
// within a row) and Data (values).
//
// Bag-of-words matrices are overwhelmingly zero (an SMS uses a dozen of
// several thousand words), so storing only the non-zeros keeps both memory
// and the model's dot products proportional to the text actually present.
type Sparse struct {
	NRows, NCols int
	Indptr       []int // len NRows+1, Indptr[0] == 0
	Indices      []int
	Data         []float64
}

// Dims returns the number of rows and columns.
func (m *Sparse) Dims() (rows, cols int) { return m.NRows, m.NCols }

// NNZ returns the number of stored non-zeros.
func (m *Sparse) NNZ() int { return len(m.Data) }

// Row returns row i's column indices and values. The slices alias the
// matrix; callers must not modify them.
func (m *Sparse) Row(i int) (cols []int, vals []float64) {
	lo, hi := m.Indptr[i], m.Indptr[i+1]
	return m.Indices[lo:hi:hi], m.Data[lo:hi:hi]
}

// At returns element (i, j); it panics when i or j is out of range, like
// slice indexing.
func (m *Sparse) At(i, j int) float64 {
	if i < 0 || i >= m.NRows || j < 0 || j >= m.NCols {
		panic(fmt.Sprintf("text: Sparse.At(%d, %d) out of range for %dx%d matrix", i, j, m.NRows, m.NCols))
	}
	cols, vals := m.Row(i)
	k := sort.SearchInts(cols, j)
	if k < len(cols) && cols[k] == j {
		return vals[k]
	}
	return 0
}

// Dense returns the matrix as rows of float64; intended for small matrices
// and tests.
func (m *Sparse) Dense() [][]float64 {
	out := make([][]float64, m.NRows)
	for i := range out {
		out[i] = make([]float64, m.NCols)
		cols, vals := m.Row(i)
		for k, j := range cols {
			out[i][j] = vals[k]
		}
	}
	return out
}

// SelectRows returns a new matrix made of the given rows, in that order
// (repeats allowed), e.g. to split a data set into training and test parts.
func (m *Sparse) SelectRows(rows []int) (*Sparse, error) {
	out := &Sparse{NRows: len(rows), NCols: m.NCols, Indptr: make([]int, 1, len(rows)+1)}
	for _, i := range rows {
		if i < 0 || i >= m.NRows {
			return nil, fmt.Errorf("text: row %d out of range [0, %d)", i, m.NRows)
		}
		cols, vals := m.Row(i)
		out.Indices = append(out.Indices, cols...)
		out.Data = append(out.Data, vals...)
		out.Indptr = append(out.Indptr, len(out.Data))
	}
	return out, nil
}

// Validate checks the CSR invariants and reports the first violation; it is
// meant for matrices built by hand rather than by CountVectorizer.
func (m *Sparse) Validate() error {
	if m.NRows < 0 || m.NCols < 0 {
		return fmt.Errorf("text: negative dimensions %dx%d", m.NRows, m.NCols)
	}
	if len(m.Indptr) != m.NRows+1 || m.Indptr[0] != 0 {
		return fmt.Errorf("text: Indptr must have %d entries starting at 0, has %d", m.NRows+1, len(m.Indptr))
	}
	if len(m.Indices) != len(m.Data) || m.Indptr[m.NRows] != len(m.Data) {
		return fmt.Errorf("text: Indptr ends at %d but there are %d indices and %d values",
			m.Indptr[m.NRows], len(m.Indices), len(m.Data))
	}
	for i := 0; i < m.NRows; i++ {
		lo, hi := m.Indptr[i], m.Indptr[i+1]
		if lo > hi || hi > len(m.Data) {
			return fmt.Errorf("text: row %d: bad Indptr range [%d, %d) for %d values", i, lo, hi, len(m.Data))
		}
		for k := lo; k < hi; k++ {
			j := m.Indices[k]
			if j < 0 || j >= m.NCols {
				return fmt.Errorf("text: row %d: column %d out of range [0, %d)", i, j, m.NCols)
			}
			if k > lo && j <= m.Indices[k-1] {
				return fmt.Errorf("text: row %d: columns not strictly increasing (%d after %d)", i, j, m.Indices[k-1])
			}
		}
	}
	return nil
}
