package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.MaxOverTime{}, maxOverTime)
	Register(graph.MaxOverTimeGrad{}, maxOverTimeGrad)
}

// maxOverTime: y (B,C) = max over t of x (T,B,C), max_over_time_fwd (pool.cu).
func maxOverTime(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, y := s.In[0], s.Out
	t, n := x.Shape[0], y.Len()
	if err := fitsInt32(x.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().MaxOverTimeFwd(c.ElementwiseGrid(n), cuda.ElementwiseBlock, y.Buffer(), x.Buffer(), t, n)
	}, nil
}

// maxOverTimeGrad: dy to the first step holding each maximum; inputs x, y, dy.
func maxOverTimeGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, y, dy, dx := s.In[0], s.In[1], s.In[2], s.Out
	t, n := x.Shape[0], y.Len()
	if err := fitsInt32(x.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().MaxOverTimeBwd(c.ElementwiseGrid(n), cuda.ElementwiseBlock, dx.Buffer(), x.Buffer(),
			y.Buffer(), dy.Buffer(), t, n)
	}, nil
}
