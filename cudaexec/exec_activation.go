package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Tanh{}, tanhFwd)
	Register(graph.TanhGrad{}, tanhGrad)
	Register(graph.ReLU{}, reluFwd)
	Register(graph.ReLUGrad{}, reluGrad)
}

func tanhFwd(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, y := s.In[0], s.Out
	return func(c *cuda.Context) error { return c.TanhForward(y.Buffer(), x.Buffer()) }, nil
}

// tanhGrad: dx = dy·(1−y²); inputs y, dy.
func tanhGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	y, dy, dx := s.In[0], s.In[1], s.Out
	return func(c *cuda.Context) error { return c.TanhBackward(dx.Buffer(), dy.Buffer(), y.Buffer()) }, nil
}

// reluFwd: y = max(x, 0), ew_relu_fwd (elementwise.cu).
func reluFwd(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, y := s.In[0], s.Out
	n := y.Len()
	if err := fitsInt32(n); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().EWReluFwd(c.ElementwiseGrid(n), cuda.ElementwiseBlock, y.Buffer(), x.Buffer(), n)
	}, nil
}

// reluGrad: dx = dy where y > 0, else 0; inputs y, dy (ew_relu_bwd).
func reluGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	y, dy, dx := s.In[0], s.In[1], s.Out
	n := dx.Len()
	if err := fitsInt32(n); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().EWReluBwd(c.ElementwiseGrid(n), cuda.ElementwiseBlock, dx.Buffer(), dy.Buffer(), y.Buffer(), n)
	}, nil
}
