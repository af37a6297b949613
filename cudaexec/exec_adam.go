package cudaexec

import (
	"math"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/optim"
)

func init() { RegisterOptimizer(&optim.Adam{}, adam) }

// adam is optim.Adam (and AdamW, with Decoupled) on the device: one
// adam_update launch over the whole parameter block (each parameter with
// its own settings, for parameter groups), reading the step's
// coefficients, which the host computes in float64 as the CPU update
// does, from device memory, and applying the gradient-norm clip as it
// reads the gradients.
func adam(u *UpdateStep) (OptimizerUpdate, error) {
	a := u.Optimizer.(*optim.Adam)
	m, v := u.StateBlock(optim.SlotExpAvg), u.StateBlock(optim.SlotExpAvgSq)
	const per = 8 // values per parameter (cuda/kernels/optim.cu), after the clip
	host, dev := u.Values(1 + per*len(u.Params))
	np := len(u.Params)
	prepare := func(step int) {
		t := float64(step)
		bc1, bc2 := 1-math.Pow(a.Beta1, t), 1-math.Pow(a.Beta2, t)
		host[0] = float32(u.Clip)
		for i := range u.Params {
			lr, wd := a.Hyper(u.Params[i]) // its parameter group's, or a's own
			l2, decay := 0.0, 1.0
			if wd != 0 {
				if a.Decoupled {
					decay = 1 - lr*wd
				} else {
					l2 = wd
				}
			}
			h := host[1+per*i : 1+per*i+per]
			h[0], h[1], h[2] = float32(1-a.Beta1), float32(a.Beta2), float32(1-a.Beta2)
			h[3], h[4], h[5] = float32(lr/bc1), float32(math.Sqrt(bc2)), float32(a.Eps)
			h[6], h[7] = float32(l2), float32(decay)
		}
	}
	launch := func(c *cuda.Context) error {
		n := u.Block
		return c.Kernels().AdamUpdate(c.ElementwiseGrid(n), cuda.ElementwiseBlock, u.WBlock, u.GBlock, m, v, n, u.Starts,
			np, dev, u.Norm)
	}
	return OptimizerUpdate{Prepare: prepare, Check: a.Validate, Launch: launch, FoldsClip: true}, nil
}
