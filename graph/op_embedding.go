package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Embedding looks up rows of the table E (V, D) for int32 ids (B, T) and
// writes them time-major, (T, B, D), the layout the LSTM op reads. The id
// Padding (0 in the zero value, NoPadding for none) is read like any other
// (layers keep its row zero) but receives no gradient, like PyTorch's
// padding_idx.
type Embedding struct {
	opBase
	Padding int
}

// NoPadding is the Padding of an Embedding whose every row is learned.
const NoPadding = -1

func (Embedding) Arity() int { return 2 }
func (Embedding) Type() hm.Type {
	return hm.NewFnType(ttOf(2, tensor.Int32), tt(2), tt(3))
}
func (op Embedding) String() string {
	if op.Padding == 0 {
		return "Embedding"
	}
	return fmt.Sprintf("Embedding(padding %d)", op.Padding)
}
func (op Embedding) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Embedding) Hashcode() uint32      { return hashcode(op) }
func (op Embedding) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s[0]) != 2 || len(s[1]) != 2 {
		return nil, fmt.Errorf("Embedding: ids %v must be (batch, time) and the table %v (vocab, dim)", s[0], s[1])
	}
	if op.Padding != NoPadding && (op.Padding < 0 || op.Padding >= s[1][0]) {
		return nil, fmt.Errorf("Embedding: padding row %d is outside the table %v", op.Padding, s[1])
	}
	return tensor.Shape{s[0][1], s[0][0], s[1][1]}, nil
}
func (op Embedding) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (Embedding) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	b, t := in[0].Shape[0], in[0].Shape[1]
	v, d := in[1].Shape[0], in[1].Shape[1]
	if out.Dtype == tensor.Float32 {
		return embedFwd(out.F32, in[0].I32, in[1].F32, b, t, v, d)
	}
	return embedFwd(out.F64, in[0].I32, in[1].F64, b, t, v, d)
}

func embedFwd[T Float](out []T, ids []int32, table []T, b, t, v, d int) error {
	for bi := 0; bi < b; bi++ {
		for ti := 0; ti < t; ti++ {
			id := int(ids[bi*t+ti])
			if id < 0 || id >= v {
				return fmt.Errorf("id %d at (row %d, step %d) is outside the vocabulary of %d", id, bi, ti, v)
			}
			copy(out[(ti*b+bi)*d:(ti*b+bi+1)*d], table[id*d:(id+1)*d])
		}
	}
	return nil
}

func (Embedding) DiffWRT(int) []bool { return []bool{false, true} }
func (op Embedding) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	s := in[1].Shape()
	d, err := gorgonia.ApplyOp(EmbeddingGrad{Vocab: s[0], Dim: s[1], Padding: op.Padding}, in[0], grad)
	return gorgonia.Nodes{nil, d}, err
}

// EmbeddingGrad scatter-adds the output gradient (T, B, D) into a table
// gradient (Vocab, Dim); the Padding row (if not NoPadding) stays zero.
type EmbeddingGrad struct {
	opBase
	Vocab, Dim int
	Padding    int
}

func (EmbeddingGrad) Arity() int { return 2 }
func (EmbeddingGrad) Type() hm.Type {
	return hm.NewFnType(ttOf(2, tensor.Int32), tt(3), tt(2))
}
func (op EmbeddingGrad) String() string {
	if op.Padding == 0 {
		return fmt.Sprintf("EmbeddingGrad(%d,%d)", op.Vocab, op.Dim)
	}
	return fmt.Sprintf("EmbeddingGrad(%d,%d,padding %d)", op.Vocab, op.Dim, op.Padding)
}
func (op EmbeddingGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op EmbeddingGrad) Hashcode() uint32      { return hashcode(op) }
func (op EmbeddingGrad) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.Vocab, op.Dim}, nil
}
func (op EmbeddingGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (op EmbeddingGrad) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	b, t := in[0].Shape[0], in[0].Shape[1]
	st := ctxState[embedGradState](ctx)
	if out.Dtype == tensor.Float32 {
		embedBwd(st, out, out.F32, in[0].I32, in[1].F32, b, t, op.Vocab, op.Dim, op.Padding)
	} else {
		embedBwd(st, out, out.F64, in[0].I32, in[1].F64, b, t, op.Vocab, op.Dim, op.Padding)
	}
	return nil
}

// embedGradState is what EmbeddingGrad keeps across runs. A batch touches
// few rows of a large table (about 150 of 8,000 in the SMS model at batch
// 10), so the op clears only the rows its last run wrote and lists those
// it writes in the output's NonzeroRows, for the gradient norm and
// clipping to skip the rest.
type embedGradState struct {
	out  *Buf    // the buffer rows describe
	rows []int32 // the rows the last run wrote, in order of first use
	seen []bool  // one per table row; all false between runs
}

// embedBwd scatter-adds dout into dtable (out's storage). A table row is
// written only where a batch uses it, so when out still lists the rows of
// this op's last run, those alone are cleared; otherwise the whole table.
func embedBwd[T Float](st *embedGradState, out *Buf, dtable []T, ids []int32, dout []T, b, t, v, d, pad int) {
	if st.out == out && out.NonzeroRows != nil {
		for _, id := range out.NonzeroRows {
			clear(dtable[int(id)*d : (int(id)+1)*d])
		}
	} else {
		clear(dtable)
	}
	if len(st.seen) != v {
		st.seen = make([]bool, v)
	}
	if cap(st.rows) < b*t { // sized once: no run appends past it
		st.rows = make([]int32, 0, b*t)
	}
	st.out, st.rows = out, st.rows[:0]
	for bi := 0; bi < b; bi++ {
		for ti := 0; ti < t; ti++ {
			id := int(ids[bi*t+ti])
			if id == pad || id < 0 || id >= v { // padding, or rejected by the forward pass
				continue
			}
			if !st.seen[id] {
				st.seen[id] = true
				st.rows = append(st.rows, int32(id))
			}
			dst := dtable[id*d : (id+1)*d]
			src := dout[(ti*b+bi)*d : (ti*b+bi+1)*d]
			for j, g := range src {
				dst[j] += g
			}
		}
	}
	for _, id := range st.rows {
		st.seen[id] = false
	}
	// The list is only worth reading while it is short against the table.
	out.NonzeroRows = nil
	if 4*len(st.rows) <= v {
		out.NonzeroRows = st.rows
	}
}
