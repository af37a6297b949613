package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.Conv1D{}, conv1D)
	Register(graph.Conv1DBackward{}, conv1DBackward)
}

// conv1D: as Conv1D.ExecCPU, Width products of shifted blocks of the
// time-major x with the strided slices W[:,k,:], accumulated into y, then
// the bias. No im2col buffer.
func conv1D(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, w, bias, y := s.In[0], s.In[1], s.In[2], s.Out
	t, b, in, out, width := x.Shape[0], x.Shape[1], x.Shape[2], w.Shape[0], w.Shape[1]
	rows := (t - width + 1) * b
	if err := fitsInt32(x.Len(), w.Len(), y.Len()); err != nil {
		return nil, err
	}
	return func(c *cuda.Context) error {
		xb, wb, yb := x.Buffer(), w.Buffer(), y.Buffer()
		for k := 0; k < width; k++ {
			var beta float32
			if k > 0 {
				beta = 1
			}
			// y += x[k·B : k·B+rows] · W[:,k,:]ᵀ
			if err := c.Sgemm(false, true, rows, out, in, 1, xb.Slice(k*b*in, xb.Len()), in, wb.Slice(k*in, wb.Len()),
				width*in, beta, yb, out); err != nil {
				return err
			}
		}
		return c.AddBiasRows(yb, yb, bias.Buffer(), rows, out)
	}, nil
}

// conv1DBackward: [dx | dW | dbias] as Conv1DBackward.ExecCPU: dx cleared
// and accumulated from the shifted blocks, dW[:,k,:] = dyᵀ·x_k, dbias the
// column sums of dy.
func conv1DBackward(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, w, dy, grads := s.In[0], s.In[1], s.In[2], s.Out
	t, b, in, out, width := x.Shape[0], x.Shape[1], x.Shape[2], w.Shape[0], w.Shape[1]
	rows := (t - width + 1) * b
	if err := fitsInt32(x.Len(), w.Len(), dy.Len(), grads.Len()); err != nil {
		return nil, err
	}
	nx, nw := t*b*in, out*width*in
	return func(c *cuda.Context) error {
		xb, wb, dyb, gb := x.Buffer(), w.Buffer(), dy.Buffer(), grads.Buffer()
		dx, dw, db := gb.Slice(0, nx), gb.Slice(nx, nx+nw), gb.Slice(nx+nw, nx+nw+out)
		if err := c.Zero(dx); err != nil {
			return err
		}
		for k := 0; k < width; k++ {
			// dx[k·B : k·B+rows] += dy · W[:,k,:]
			if err := c.Sgemm(false, false, rows, in, out, 1, dyb, out, wb.Slice(k*in, wb.Len()), width*in, 1,
				dx.Slice(k*b*in, nx), in); err != nil {
				return err
			}
			// dW[:,k,:] = dyᵀ · x[k·B : k·B+rows]
			if err := c.Sgemm(true, false, out, in, rows, 1, dyb, out, xb.Slice(k*b*in, nx), in, 0,
				dw.Slice(k*in, nw), width*in); err != nil {
				return err
			}
		}
		return c.ColumnSums(db, dyb, rows, out, 0)
	}, nil
}
