package cudaexec

import (
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// Views themselves are aliases (the plan gives them no step); their
// gradients scatter back into zeros, written only over the part of the
// source's shape that something reads (graph.Plan.ReadRange: an LSTM's
// backward reads the hidden states' gradient, not the reserve's), in one
// launch.
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
	lo, hi := s.p.plan.ReadRange(s.Plan.Out)
	return func(c *cuda.Context) error {
		return c.ScatterWindow(dx.Buffer(), dv.Buffer(), off, lo, hi)
	}, nil
}
