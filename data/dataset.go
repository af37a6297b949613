package data

import "fmt"

// Dataset holds encoded messages ready for training: one row of SeqLen word
// indices per message, left-padded with PadID, and a label per row.
type Dataset struct {
	IDs    []int32   // Len()*SeqLen indices, row-major
	Labels []float32 // 1 for spam, 0 for ham
	SeqLen int

	Index     []int // Index[i] is the position in the source examples of row i
	Tokens    int   // tokens written into rows (after truncation), padding excluded
	Unknown   int   // of those, how many mapped to UnkID
	Truncated int   // rows whose message had more than SeqLen tokens
	Empty     int   // rows whose message had no tokens (all padding)
}

// NewDataset encodes examples[idx[0]], examples[idx[1]], ... with v into a
// Dataset whose rows are seqLen long. It fails on a non-positive seqLen, a
// nil vocabulary or an index out of range; messages without tokens become
// all-padding rows and are counted in Empty (DropEmpty removes them first).
func NewDataset(examples []Example, idx []int, v *Vocab, seqLen int) (Dataset, error) {
	if seqLen <= 0 {
		return Dataset{}, fmt.Errorf("dataset: sequence length %d must be positive", seqLen)
	}
	if v == nil {
		return Dataset{}, fmt.Errorf("dataset: nil vocabulary")
	}
	d := Dataset{
		IDs:    make([]int32, len(idx)*seqLen),
		Labels: make([]float32, len(idx)),
		SeqLen: seqLen,
		Index:  append([]int(nil), idx...),
	}
	for row, i := range idx {
		if i < 0 || i >= len(examples) {
			return Dataset{}, fmt.Errorf("dataset: index %d (row %d) out of range for %d examples", i, row, len(examples))
		}
		toks := Tokens(examples[i].Text)
		switch {
		case len(toks) == 0:
			d.Empty++
		case len(toks) > seqLen:
			d.Truncated++
		}
		d.Tokens += min(len(toks), seqLen)
		d.Unknown += v.Encode(toks, d.Row(row))
		if examples[i].Spam {
			d.Labels[row] = 1
		}
	}
	return d, nil
}

// Len is the number of rows.
func (d Dataset) Len() int { return len(d.Labels) }

// Row returns row i's word indices; it aliases IDs. It panics when i is not
// a row (0..Len()-1) or the dataset's IDs do not hold it, as indexing a
// slice does: that is a bug in the caller (Batch and Lengths check their
// indices and return an error instead).
func (d Dataset) Row(i int) []int32 {
	d.mustHaveRow("Row", i)
	return d.IDs[i*d.SeqLen : (i+1)*d.SeqLen : (i+1)*d.SeqLen]
}

// mustHaveRow panics, naming the method, when i is not a row of d.
func (d Dataset) mustHaveRow(method string, i int) {
	if i < 0 || i >= d.Len() || (i+1)*d.SeqLen > len(d.IDs) {
		panic(fmt.Sprintf("data: Dataset.%s(%d) out of range: %d rows of %d ids each, %d ids", method, i, d.Len(), d.SeqLen, len(d.IDs)))
	}
}

// Spam counts the spam rows.
func (d Dataset) Spam() int {
	n := 0
	for _, l := range d.Labels {
		if l == 1 {
			n++
		}
	}
	return n
}

// Batch copies the rows named by indices into caller-owned buffers: ids
// must hold exactly len(indices)*SeqLen values and labels len(indices). It
// allocates nothing on success, so a training loop can reuse one pair of
// buffers for every step; a short last batch passes shorter slices of them.
func (d Dataset) Batch(indices []int, ids []int32, labels []float32) error {
	if len(ids) != len(indices)*d.SeqLen || len(labels) != len(indices) {
		return fmt.Errorf("batch: buffers hold %d ids and %d labels, want %d and %d for %d rows of length %d",
			len(ids), len(labels), len(indices)*d.SeqLen, len(indices), len(indices), d.SeqLen)
	}
	if err := d.checkRows("batch", indices); err != nil {
		return err
	}
	for k, i := range indices {
		copy(ids[k*d.SeqLen:(k+1)*d.SeqLen], d.IDs[i*d.SeqLen:(i+1)*d.SeqLen])
		labels[k] = d.Labels[i]
	}
	return nil
}

// Length is the number of tokens in row i: its length without the left
// padding (0 for an all-padding row). Packed recurrent models read it as
// the sequence's length. Like Row, it panics when i is not a row.
func (d Dataset) Length(i int) int {
	d.mustHaveRow("Length", i)
	row := d.Row(i)
	for k, id := range row {
		if id != PadID {
			return len(row) - k
		}
	}
	return 0
}

// Lengths writes the lengths (see Length) of the rows named by indices
// into dst, which must hold exactly len(indices) values. It allocates
// nothing, as Batch.
func (d Dataset) Lengths(indices []int, dst []int32) error {
	if len(dst) != len(indices) {
		return fmt.Errorf("lengths: buffer holds %d values, want %d", len(dst), len(indices))
	}
	if err := d.checkRows("lengths", indices); err != nil {
		return err
	}
	for k, i := range indices {
		dst[k] = int32(d.Length(i))
	}
	return nil
}

// checkRows checks that the dataset is consistent and that indices name
// its rows, before a copy: a hand-built Dataset whose IDs and Labels
// disagree would otherwise fail deep in copy with an index panic.
func (d Dataset) checkRows(what string, indices []int) error {
	n := d.Len()
	if d.SeqLen <= 0 || len(d.IDs) != n*d.SeqLen {
		return fmt.Errorf("%s: inconsistent dataset: %d ids for %d rows of length %d", what, len(d.IDs), n, d.SeqLen)
	}
	for _, i := range indices {
		if i < 0 || i >= n {
			return fmt.Errorf("%s: row %d out of range for %d rows", what, i, n)
		}
	}
	return nil
}
