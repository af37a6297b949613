package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Concat{}, concat)
	Register(graph.ConcatGrad{}, concatGrad)
}

// concat: each input (N, Widths[i]) into its columns of the output, one
// copy_cols launch (concat.cu) per input.
func concat(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	op := s.Op.(graph.Concat)
	out, ins := s.Out, s.In
	rows, total := out.Shape[0], out.Shape[1]
	if err := fitsInt32(out.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		off := 0
		for i, w := range op.Widths {
			if err := c.Kernels().CopyCols(c.ElementwiseGrid(rows*w), cuda.ElementwiseBlock, out.Buffer(), ins[i].Buffer(),
				rows, w, total, off, w, 0); err != nil {
				return err
			}
			off += w
		}
		return nil
	}, nil
}

// concatGrad: columns [Offset, Offset+Width) of the gradient.
func concatGrad(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	op := s.Op.(graph.ConcatGrad)
	dy, dx := s.In[0], s.Out
	rows := dx.Shape[0]
	if err := fitsInt32(dy.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		return c.Kernels().CopyCols(c.ElementwiseGrid(dx.Len()), cuda.ElementwiseBlock, dx.Buffer(), dy.Buffer(),
			rows, op.Width, op.Width, 0, op.Total, op.Offset)
	}, nil
}
