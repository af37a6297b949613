package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() { Register(graph.Add{}, add) }

// add: out = a + b elementwise (the planner's gradient sums).
func add(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	out, a, b := s.Out, s.In[0], s.In[1]
	return func(c *cuda.Context) error { return c.Add(out.Buffer(), a.Buffer(), b.Buffer()) }, nil
}
