package cudaexec

import (
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// Views themselves are aliases (the plan gives them no step); their
// gradients scatter back into zeros.
func init() { Register(graph.ViewGrad{}, viewGrad) }

func viewGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	op := s.Op.(graph.ViewGrad)
	dv, dx := s.In[0], s.Out
	off, size := op.Offset, dv.Len()
	if off < 0 || off+size > dx.Len() {
		return nil, fmt.Errorf("[%d:+%d] outside its %d-element output", off, size, dx.Len())
	}
	return func(c *cuda.Context) error {
		if err := c.Zero(dx.Buffer()); err != nil {
			return err
		}
		return c.CopyDtoD(dx.Buffer().Slice(off, off+size), dv.Buffer())
	}, nil
}
