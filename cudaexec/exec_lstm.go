package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.LSTM{}, lstmForward)
	Register(graph.LSTMBackward{}, lstmBackward)
}

// lstmForward: the input projection of all steps and the two biases
// (bias_ih, bias_hh) as one Sgemm into the activations' slot, then one fused
// kernel per step (recurrent product and pointwise, activations in place).
// Layout as LSTM.ExecCPU:
// [h (T,B,H) | activations (T,B,4H) | cells (T,B,H)].
func lstmForward(s *Step) (Launch, error) { return lstmForwardWith(s, nil) }

// lstmForwardWith is lstmForward; a non-nil beforeSteps runs on the
// activations' slot, holding the input projection plus the biases, before the
// steps (PackedLSTM masks the padding there).
func lstmForwardWith(s *Step, beforeSteps func(c *cuda.Context, pre cuda.Buffer) error) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, wih, whh, bih, bhh, out := s.In[0], s.In[1], s.In[2], s.In[3], s.In[4], s.Out
	t, b, ni, h := x.Shape[0], x.Shape[1], x.Shape[2], whh.Shape[1]
	g := 4 * h
	bh, bg := b*h, b*g
	return func(c *cuda.Context) error {
		o := out.Buffer()
		hs := o.Slice(0, t*bh)
		acts := o.Slice(t*bh, t*bh+t*bg)
		cs := o.Slice(t*bh+t*bg, t*bh+t*bg+t*bh)
		if err := c.SgemmBias(false, true, t*b, g, ni, 1, x.Buffer(), ni, wih.Buffer(), ni, 0, acts, g, bih.Buffer(),
			bhh.Buffer()); err != nil {
			return err
		}
		if beforeSteps != nil {
			if err := beforeSteps(c, acts); err != nil {
				return err
			}
		}
		for s := 0; s < t; s++ {
			a := acts.Slice(s*bg, (s+1)*bg)
			var hprev, cprev cuda.Buffer
			if s > 0 {
				hprev, cprev = hs.Slice((s-1)*bh, s*bh), cs.Slice((s-1)*bh, s*bh)
			}
			if err := c.LSTMForwardStepFused(a, cs.Slice(s*bh, (s+1)*bh), hs.Slice(s*bh, (s+1)*bh), a, hprev, cprev,
				whh.Buffer(), b, h); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// lstmBackward: backpropagation through time with one fused kernel per
// step (the recurrent gradient dP_{t+1}·W_hh and the pointwise backward),
// then the weight gradients over all steps as single products. Output
// layout as LSTMBackward.ExecCPU: [dx | dWih | dWhh | dbih | dbhh], the two
// bias gradients the column sums of the gate gradients, copied (equal, in
// separate windows: never one buffer for two parameters). Scratch: the
// gate gradients of every step, the running cell gradient and W_hh's
// transpose (written by the last step, which runs first, for the others).
func lstmBackward(s *Step) (Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	x, wih, whh, fwd, dfwd := s.In[0], s.In[1], s.In[2], s.In[3], s.In[4]
	t, b, ni, h := x.Shape[0], x.Shape[1], x.Shape[2], whh.Shape[1]
	g := 4 * h
	bh, bg := b*h, b*g
	dpS, dcS, wtS := s.Scratch(t*bg), s.Scratch(bh), s.Scratch(g*h)
	// The output's parts: a weight gradient the trainer's store holds is
	// written there directly (Step.OutPart).
	dxT, dwihT := s.OutPart(0, t*b*ni), s.OutPart(t*b*ni, g*ni)
	dwhhT := s.OutPart(t*b*ni+g*ni, g*h)
	dbihT, dbhhT := s.OutPart(t*b*ni+g*ni+g*h, g), s.OutPart(t*b*ni+g*ni+g*h+g, g)
	return func(c *cuda.Context) error {
		f := fwd.Buffer()
		hs := f.Slice(0, t*bh)
		acts := f.Slice(t*bh, t*bh+t*bg)
		cs := f.Slice(t*bh+t*bg, t*bh+t*bg+t*bh)
		dhs := dfwd.Buffer().Slice(0, t*bh)
		dx, dwih, dwhh := dxT.Buffer(), dwihT.Buffer(), dwhhT.Buffer()
		dbih, dbhh := dbihT.Buffer(), dbhhT.Buffer()
		dp, dc, wt := dpS.Buffer(), dcS.Buffer(), wtS.Buffer()
		for s := t - 1; s >= 0; s-- {
			var cprev, dcOut, dcIn, dpNext cuda.Buffer
			if s > 0 {
				cprev, dcOut = cs.Slice((s-1)*bh, s*bh), dc
			}
			if s < t-1 {
				dcIn, dpNext = dc, dp.Slice((s+1)*bg, (s+2)*bg)
			}
			if err := c.LSTMBackwardStepFused(dp.Slice(s*bg, (s+1)*bg), dcOut, dhs.Slice(s*bh, (s+1)*bh), dpNext,
				whh.Buffer(), wt, acts.Slice(s*bg, (s+1)*bg), cs.Slice(s*bh, (s+1)*bh), cprev, dcIn, b, h); err != nil {
				return err
			}
		}
		if err := c.Sgemm(false, false, t*b, ni, g, 1, dp, g, wih.Buffer(), ni, 0, dx, ni); err != nil {
			return err
		}
		if err := c.Sgemm(true, false, g, ni, t*b, 1, dp, g, x.Buffer(), ni, 0, dwih, ni); err != nil {
			return err
		}
		if t > 1 {
			if err := c.Sgemm(true, false, g, h, (t-1)*b, 1, dp.Slice(bg, t*bg), g, hs, h, 0, dwhh, h); err != nil {
				return err
			}
		} else if err := c.Zero(dwhh); err != nil {
			return err
		}
		if err := c.ColumnSums(dbih, dp, t*b, g, 0); err != nil {
			return err
		}
		return c.CopyDtoD(dbhh, dbih)
	}, nil
}
