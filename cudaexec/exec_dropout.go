package cudaexec

import (
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Dropout{}, dropout)
	Register(graph.DropoutGrad{}, dropoutGrad)
}

// dropoutRun keys a Dropout op's run counter among a program's run states.
type dropoutRun uint64

// dropout draws its mask from the op's seed and run counter exactly as the
// CPU kernel does: the forward step advances the counter (shared with the
// op, whichever executor runs it) before each run, and the kernel reads it
// from device memory.
func dropout(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	op := s.Op.(graph.Dropout)
	x, y := s.In[0], s.Out
	run := s.RunState(dropoutRun(op.ID()), 1, func(w []uint64) { w[0] = op.AdvanceRun() })
	p := float32(op.P)
	return func(c *cuda.Context) error {
		return c.DropoutForwardAt(y.Buffer(), x.Buffer(), p, op.Seed, run.Buffer(), 0)
	}, nil
}

// dropoutGrad applies the forward op's mask of this run to the gradient.
func dropoutGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	op := s.Op.(graph.DropoutGrad)
	if !s.HasRunState(dropoutRun(op.Fwd.ID())) {
		return nil, fmt.Errorf("its forward Dropout is not part of the program")
	}
	dy, dx := s.In[0], s.Out
	run := s.RunState(dropoutRun(op.Fwd.ID()), 1, nil)
	p := float32(op.Fwd.P)
	return func(c *cuda.Context) error {
		return c.DropoutBackwardAt(dx.Buffer(), dy.Buffer(), p, op.Fwd.Seed, run.Buffer(), 0)
	}, nil
}
