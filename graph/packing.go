package graph

import (
	"fmt"

	"gorgonia.org/tensor"
)

// packing says which rows of a time-major batch the recurrent ops compute
// at each step. The packed ops (PackedLSTM, PackedGRU) take the sequences
// left-padded, as the data is: sequence r of length L holds its tokens in
// the last L of the T planned steps, so its recurrence starts at step T−L
// from the zero state and its last real step is T−1 for every row. The
// rows real at step s are those with L ≥ T−s; with lengths in
// non-increasing order (a sorted batch, as PyTorch's enforce_sorted and
// the length-bucketing sampler give) they are a prefix that grows with s,
// so each step's products and gate arithmetic run on that prefix alone and
// steps before the longest sequence starts are skipped. Other orders are
// correct too, at the cost of computing the prefix up to the last real row
// and zeroing the rows in it that have not started.
//
// The hidden (and cell) states of rows and steps not computed are stored
// as zeros: that is the padded output PyTorch's pad_packed_sequence gives,
// and it makes the zero initial state of a row that starts later fall out
// of the recurrence with no per-row test.
type packing struct {
	t, b int
	// first is the first step with a real token in any row (T − the
	// longest length); the ops compute steps first … T−1.
	first int
	// rows[s] is how many leading rows step s computes: every row real at
	// s lies among them. nil means every row at every step (dense).
	rows []int
	// exact: each rows[s] is exactly the rows real at s (lengths
	// non-increasing), so no row of a prefix needs masking.
	exact bool
	lens  []int32
}

// densePacking is the packing of the LSTM and GRU ops: every row real at
// every step.
func densePacking(t, b int) packing { return packing{t: t, b: b, exact: true} }

// n is how many leading rows step s computes.
func (p *packing) n(s int) int {
	if p.rows == nil {
		return p.b
	}
	return p.rows[s]
}

// real reports whether row r has a real token at step s.
func (p *packing) real(s, r int) bool { return p.rows == nil || int(p.lens[r]) >= p.t-s }

// set reads the lengths of a batch of b left-padded sequences planned for
// t steps. rows is (re)allocated only when it is too short, so a packing
// kept across runs allocates on its first run alone.
func (p *packing) set(lens []int32, t, b int) error {
	if len(lens) < b {
		return fmt.Errorf("%d sequence lengths for a batch of %d", len(lens), b)
	}
	p.t, p.b, p.lens, p.exact = t, b, lens[:b], true
	if cap(p.rows) < t {
		p.rows = make([]int, t)
	}
	p.rows = p.rows[:t]
	clear(p.rows)
	longest := 0
	for r, l := range p.lens {
		if l < 0 || int(l) > t {
			return fmt.Errorf("sequence length %d of row %d is outside [0, %d]", l, r, t)
		}
		longest = max(longest, int(l))
		if r > 0 && l > p.lens[r-1] {
			p.exact = false
		}
		if l > 0 { // row r starts at step t−l: it is the last real row there so far
			p.rows[t-int(l)] = r + 1
		}
	}
	p.first = t - longest
	for s := 1; s < t; s++ { // rows real at s stay real later
		p.rows[s] = max(p.rows[s], p.rows[s-1])
	}
	return nil
}

// setPacking reads a packed op's lengths input (one int32 per sequence of
// x, each in [0, T]) into pk.
func setPacking(op fmt.Stringer, pk *packing, x, lengths *Buf) error {
	t, b := x.Shape[0], x.Shape[1]
	if lengths.I32 == nil || lengths.Len() != b {
		return fmt.Errorf("%v: lengths must be %d int32 values, got %v%v", op, b, lengths.Dtype, lengths.Shape)
	}
	if err := pk.set(lengths.I32, t, b); err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	return nil
}

// packedLengths checks that a packed op has one length per sequence of x.
func packedLengths(op string, x, lengths tensor.Shape) error {
	if len(x) != 3 || sizeOf(lengths) != x[1] || len(lengths) != 1 {
		return fmt.Errorf("%s: lengths %v must be one per sequence of x %v", op, lengths, x)
	}
	return nil
}
