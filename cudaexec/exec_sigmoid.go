package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Sigmoid{}, sigmoid)
	Register(graph.SigmoidGrad{}, sigmoidGrad)
}

func sigmoid(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, y := s.In[0], s.Out
	return func(c *cuda.Context) error { return c.SigmoidForward(y.Buffer(), x.Buffer()) }, nil
}

// sigmoidGrad: dx = dy·y·(1−y); inputs y, dy.
func sigmoidGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	y, dy, dx := s.In[0], s.In[1], s.Out
	return func(c *cuda.Context) error { return c.SigmoidBackward(dx.Buffer(), dy.Buffer(), y.Buffer()) }, nil
}
