package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Reverse{}, reverse)
	Register(graph.PackedReverse{}, packedReverse)
}

// reverse: the time axis of x (T, B, F), one reverse_steps launch
// (reverse.cu). It is its own gradient, so the backward pass runs it too.
func reverse(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, out := s.In[0], s.Out
	t, b, f := x.Shape[0], x.Shape[1], x.Shape[2]
	if err := fitsInt32(out.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().ReverseSteps(c.ElementwiseGrid(out.Len()), cuda.ElementwiseBlock, out.Buffer(), x.Buffer(), t, b, f)
	}, nil
}

// packedReverse: each sequence's real steps reversed in place in the
// left-padded layout, zeros at padding (reverse_steps_packed); the
// lengths are checked on upload as the packed recurrent ops' are.
func packedReverse(s *Step) (Launch, error) {
	lens, err := packedLengths(s, 1)
	if err != nil {
		return nil, err
	}
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, out := s.In[0], s.Out
	t, b, f := x.Shape[0], x.Shape[1], x.Shape[2]
	if err := fitsInt32(out.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().ReverseStepsPacked(c.ElementwiseGrid(out.Len()), cuda.ElementwiseBlock, out.Buffer(), x.Buffer(),
			lens.Buffer(), t, b, f)
	}, nil
}
