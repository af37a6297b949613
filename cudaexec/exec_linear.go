package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Linear{}, linear)
	Register(graph.LinearGradX{}, linearGradX)
	Register(graph.LinearGradW{}, linearGradW)
	Register(graph.LinearGradB{}, linearGradB)
}

// linear: y = x·Wᵀ + b, one Sgemm with the bias in its epilogue.
func linear(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, w, b, y := s.In[0], s.In[1], s.In[2], s.Out
	n, k, m := x.Shape[0], x.Shape[1], w.Shape[0]
	return func(c *cuda.Context) error {
		return c.SgemmBias(false, true, n, m, k, 1, x.Buffer(), k, w.Buffer(), k, 0, y.Buffer(), m, b.Buffer(), cuda.Buffer{})
	}, nil
}

// linearGradX: dx = dy·W.
func linearGradX(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	dy, w, dx := s.In[0], s.In[1], s.Out
	n, m, k := dy.Shape[0], dy.Shape[1], w.Shape[1]
	return func(c *cuda.Context) error {
		return c.Sgemm(false, false, n, k, m, 1, dy.Buffer(), m, w.Buffer(), k, 0, dx.Buffer(), k)
	}, nil
}

// linearGradW: dW = dyᵀ·x.
func linearGradW(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	dy, x, dw := s.In[0], s.In[1], s.Out
	n, m, k := dy.Shape[0], dy.Shape[1], x.Shape[1]
	return func(c *cuda.Context) error {
		return c.Sgemm(true, false, m, k, n, 1, dy.Buffer(), m, x.Buffer(), k, 0, dw.Buffer(), k)
	}, nil
}

// linearGradB: db = column sums of dy.
func linearGradB(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	dy, db := s.In[0], s.Out
	n, m := dy.Shape[0], dy.Shape[1]
	return func(c *cuda.Context) error { return c.ColumnSums(db.Buffer(), dy.Buffer(), n, m, 0) }, nil
}
