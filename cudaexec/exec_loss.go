package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.BCE{}, bce)
	Register(graph.BCEGrad{}, bceGrad)
}

// bce: the mean binary cross-entropy of probabilities p against targets y.
func bce(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	p, y, loss := s.In[0], s.In[1], s.Out
	return func(c *cuda.Context) error { return c.BCELoss(loss.Buffer(), p.Buffer(), y.Buffer()) }, nil
}

// bceGrad: dp from p, y and the loss's gradient dl, read on the device.
func bceGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	p, y, dl, dp := s.In[0], s.In[1], s.In[2], s.Out
	return func(c *cuda.Context) error { return c.BCEBackwardDev(dp.Buffer(), p.Buffer(), y.Buffer(), dl.Buffer()) }, nil
}
