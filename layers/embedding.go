package layers

import (
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Embedding maps token ids to learned vectors. Id 0 is padding: its vector
// starts at zero and is never updated (PyTorch's padding_idx=0).
type Embedding struct {
	Table      *graph.Param // (Vocab, Dim)
	Vocab, Dim int
}

// NewEmbedding initialises the table from N(0, 1), as PyTorch does.
func NewEmbedding(name string, vocab, dim int, dt tensor.Dtype, rng *rand.Rand) *Embedding {
	p := graph.NewParam(name+".weight", dt, vocab, dim)
	p.InitNormal(rng, 1)
	for j := 0; j < dim; j++ {
		p.Value.Set(j, 0)
	}
	return &Embedding{Table: p, Vocab: vocab, Dim: dim}
}

func (e *Embedding) Params() []*graph.Param { return []*graph.Param{e.Table} }

// Forward looks up ids (B, T) int32 and returns (T, B, Dim), time-major.
func (e *Embedding) Forward(g *graph.Graph, ids *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Embedding{}, ids, g.Param(e.Table))
}
