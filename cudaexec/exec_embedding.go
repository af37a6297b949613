package cudaexec

import (
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Embedding{}, embedding)
	Register(graph.EmbeddingGrad{}, embeddingGrad)
}

// checkIDs makes the program refuse, on upload, ids the CPU kernel would
// refuse (the device kernel gives such ids a zero row).
func checkIDs(s *Step, vocab int) {
	s.CheckInput(0, func(b *graph.Buf) error {
		for i, id := range b.I32 {
			if id < 0 || int(id) >= vocab {
				return fmt.Errorf("id %d at element %d is outside the vocabulary of %d", id, i, vocab)
			}
		}
		return nil
	})
}

// embedding: rows of the table for int32 ids (B, T), written time-major.
func embedding(s *Step) (Launch, error) {
	if err := s.CheckFloat32(0); err != nil {
		return nil, err
	}
	ids, table, out := s.In[0], s.In[1], s.Out
	b, t, d := ids.Shape[0], ids.Shape[1], table.Shape[1]
	checkIDs(s, table.Shape[0])
	return func(c *cuda.Context) error {
		return c.EmbeddingForward(out.Buffer(), table.Buffer(), ids.Buffer(), b, t, d)
	}, nil
}

// embeddingOrder keys an EmbeddingGrad step's grouping of its ids among a
// program's run states.
type embeddingOrder struct{ step *graph.Step }

// embeddingGrad: the output gradient summed per id into a cleared table
// gradient; the op's padding row (if any) gets nothing. When the ids are a
// data input (uploaded from the host each run), the host groups their
// positions by id as they are uploaded (cuda.EmbeddingOrder) and the
// kernel sums each id's rows in a fixed order: the same bits on every run,
// which a resumed training run needs to end as the uninterrupted one.
// Otherwise it scatter-adds with atomics.
func embeddingGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(0); err != nil {
		return nil, err
	}
	op := s.Op.(graph.EmbeddingGrad)
	ids, dout, dtable := s.In[0], s.In[1], s.Out
	b, t := ids.Shape[0], ids.Shape[1]
	checkIDs(s, op.Vocab)
	if s.Plan.In[0].Kind != graph.ValueInput {
		return func(c *cuda.Context) error {
			if err := c.Zero(dtable.Buffer()); err != nil {
				return err
			}
			return c.EmbeddingBackward(dtable.Buffer(), dout.Buffer(), ids.Buffer(), b, t, op.Dim, op.Padding)
		}, nil
	}
	words := cuda.EmbeddingOrderLen(b, t)
	order := make([]uint32, words+words%2)
	counts := make([]int32, op.Vocab+2)
	s.CheckInput(0, func(host *graph.Buf) error {
		cuda.EmbeddingOrder(order, host.I32, b, t, op.Vocab, counts)
		return nil
	})
	dev := s.RunState(embeddingOrder{s.Plan}, len(order)/2, func(dst []uint64) {
		for k := range dst {
			dst[k] = uint64(order[2*k]) | uint64(order[2*k+1])<<32 // little-endian words
		}
	})
	return func(c *cuda.Context) error {
		if err := c.Zero(dtable.Buffer()); err != nil {
			return err
		}
		return c.EmbeddingBackwardGrouped(dtable.Buffer(), dout.Buffer(), ids.Buffer(), dev.Buffer(), b, t, op.Dim, op.Padding)
	}, nil
}
