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

// embeddingGrad: the output gradient scatter-added into a cleared table
// gradient; the op's padding row (if any) gets nothing.
func embeddingGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(0); err != nil {
		return nil, err
	}
	op := s.Op.(graph.EmbeddingGrad)
	ids, dout, dtable := s.In[0], s.In[1], s.Out
	b, t := ids.Shape[0], ids.Shape[1]
	checkIDs(s, op.Vocab)
	return func(c *cuda.Context) error {
		if err := c.Zero(dtable.Buffer()); err != nil {
			return err
		}
		return c.EmbeddingBackward(dtable.Buffer(), dout.Buffer(), ids.Buffer(), b, t, op.Dim, op.Padding)
	}, nil
}
