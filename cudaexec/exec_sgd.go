package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/optim"
)

func init() { RegisterOptimizer(&optim.SGD{}, sgd) }

// sgd is optim.SGD on the device (weight decay, momentum with dampening,
// Nesterov): one sgd_update launch over the whole parameter block, which
// also applies the gradient-norm clip. As on the CPU, a parameter's
// momentum buffer starts, on its first step, as its gradient; a state
// restored from the host counts as started.
func sgd(u *UpdateStep) (OptimizerUpdate, error) {
	s := u.Optimizer.(*optim.SGD)
	buf := u.StateBlock(optim.SlotMomentum) // a zero Buffer without momentum
	started := false
	for _, p := range u.Params {
		if s.State(p) != nil {
			started = true
		}
	}
	first := s.StepCount()
	const per = 6 // values per parameter (cuda/kernels/optim.cu)
	host, dev := u.Values(1 + per*len(u.Params))
	np := len(u.Params)
	prepare := func(step int) {
		// The first step taken on the device starts the buffers, unless
		// they were restored (the step count only advances on applied steps).
		isFirst := !started && s.StepCount() == first
		host[0] = float32(u.Clip)
		for i := range u.Params {
			h := host[1+per*i : 1+per*i+per]
			lr, wd := s.Hyper(u.Params[i]) // its parameter group's, or s's own
			h[0], h[1], h[2], h[3] = float32(lr), float32(wd), float32(s.Momentum), float32(1-s.Dampening)
			h[4], h[5] = 0, 0
			if s.Nesterov {
				h[4] = 1
			}
			if isFirst {
				h[5] = 1
			}
		}
	}
	launch := func(c *cuda.Context) error {
		n := u.Block
		return c.Kernels().SGDUpdate(c.ElementwiseGrid(n), cuda.ElementwiseBlock, u.WBlock, u.GBlock, buf, n, u.Starts, np,
			dev, u.Norm)
	}
	return OptimizerUpdate{Prepare: prepare, Check: s.Validate, Launch: launch, FoldsClip: true}, nil
}
