package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// NoPadding marks an Embedding without a padding row.
const NoPadding = graph.NoPadding

// Embedding maps token ids to learned vectors.
//
// Padding is the padding row, as nn.Embedding's padding_idx: it starts at
// zero and receives no gradient, so it stays zero. NoPadding makes every
// row an ordinary learned row (nn.Embedding without padding_idx; the
// padding token's vector is then learned like any word's). NewEmbedding
// uses row 0, where data.Vocab puts its padding token, unless told
// otherwise.
type Embedding struct {
	Table      *graph.Param // (Vocab, Dim)
	Vocab, Dim int
	Padding    int // the padding row, or NoPadding
}

// EmbeddingOption configures NewEmbedding.
type EmbeddingOption func(*Embedding)

// WithPadding makes row idx the padding row (nn.Embedding(padding_idx=idx));
// NoPadding makes no row special (nn.Embedding without padding_idx). It
// panics when idx is outside the table.
func WithPadding(idx int) EmbeddingOption {
	return func(e *Embedding) {
		if idx != NoPadding && (idx < 0 || idx >= e.Vocab) {
			panic(fmt.Sprintf("layers: WithPadding: row %d, want NoPadding or a row in 0..%d (the vocabulary of %d)", idx, e.Vocab-1, e.Vocab))
		}
		e.Padding = idx
	}
}

// NewEmbedding initialises the table from N(0, 1), as PyTorch does, with
// the padding row (row 0 by default; see WithPadding) set to zero. It
// panics unless vocab and dim are at least 1, rng is not nil and dt is
// float32 or float64.
func NewEmbedding(name string, vocab, dim int, dt tensor.Dtype, rng *rand.Rand, opts ...EmbeddingOption) *Embedding {
	must(sizeError("NewEmbedding", size{"vocab", vocab}, size{"dim", dim}), paramError("NewEmbedding", dt, rng))
	e := &Embedding{Vocab: vocab, Dim: dim}
	for _, o := range opts {
		o(e)
	}
	e.Table = graph.NewParam(name+".weight", dt, vocab, dim)
	e.Table.InitNormal(rng, 1)
	if e.Padding != NoPadding {
		for j := 0; j < dim; j++ {
			e.Table.Value.Set(e.Padding*dim+j, 0)
		}
	}
	return e
}

// Params is the embedding table.
func (e *Embedding) Params() []*graph.Param { return []*graph.Param{e.Table} }

// Forward looks up ids (B, T) int32 and returns (T, B, Dim), time-major.
func (e *Embedding) Forward(g *graph.Graph, ids *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Embedding{Padding: e.Padding}, ids, g.Param(e.Table))
}
