package cudaexec

import (
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.GRU{}, gruForward)
	Register(graph.GRUBackward{}, gruBackward)
}

// gruDims reads a GRU step's sizes (x is input 0, W_hh input 2), refusing
// (the step then runs on the CPU) float64, a batch beyond the fused steps'
// 65535 row blocks of 16 or sizes beyond int32.
func gruDims(s *Step) (t, b, i, h int, err error) {
	if err := s.CheckFloat32(); err != nil {
		return 0, 0, 0, 0, err
	}
	t, b, i, h = s.In[0].Shape[0], s.In[0].Shape[1], s.In[0].Shape[2], s.In[2].Shape[1]
	if err := fitsInt32(t*b*3*h, t*b*i, 3*h*max(h, i)); err != nil {
		return 0, 0, 0, 0, err
	}
	if ceilDiv(b, 16) > 65535 {
		return 0, 0, 0, 0, fmt.Errorf("%w: batch %d needs more than 65535 row blocks", ErrUnsupported, b)
	}
	return t, b, i, h, nil
}

// gruForward: the input projection of all steps and both biases (b_ih,
// and b_hh's r and z blocks) as one Sgemm into the activations' slot,
// then one fused kernel per step (recurrent product and gate arithmetic,
// activations in place). Layout as GRU.ExecCPU:
// [h (T,B,H) | activations r,z,n (T,B,3H) | W_hn h + b_hn (T,B,H)].
func gruForward(s *Step) (Launch, error) { return gruForwardWith(s, nil) }

// gruForwardWith is gruForward; a non-nil beforeSteps runs on the
// activations' slot, holding the input projection plus biases, before the
// steps (PackedGRU masks the padding there).
func gruForwardWith(s *Step, beforeSteps func(c *cuda.Context, pre cuda.Buffer) error) (Launch, error) {
	t, b, ni, h, err := gruDims(s)
	if err != nil {
		return nil, err
	}
	x, wih, whh, bih, bhh, out := s.In[0], s.In[1], s.In[2], s.In[3], s.In[4], s.Out
	g := 3 * h
	bh, bg := b*h, b*g
	return func(c *cuda.Context) error {
		o := out.Buffer()
		hs := o.Slice(0, t*bh)
		acts := o.Slice(t*bh, t*bh+t*bg)
		ghns := o.Slice(t*bh+t*bg, t*bh+t*bg+t*bh)
		if err := c.SgemmBias(false, true, t*b, g, ni, 1, x.Buffer(), ni, wih.Buffer(), ni, 0, acts, g, bih.Buffer(),
			bhh.Buffer().Slice(0, 2*h)); err != nil {
			return err
		}
		if beforeSteps != nil {
			if err := beforeSteps(c, acts); err != nil {
				return err
			}
		}
		bhn := bhh.Buffer().Slice(2*h, 3*h)
		for s := 0; s < t; s++ {
			var hprev cuda.Buffer
			if s > 0 {
				hprev = hs.Slice((s-1)*bh, s*bh)
			}
			if err := c.GRUForwardStepFused(acts.Slice(s*bg, (s+1)*bg), ghns.Slice(s*bh, (s+1)*bh),
				hs.Slice(s*bh, (s+1)*bh), hprev, whh.Buffer(), bhn, b, h); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// gruBackward: backpropagation through time with one fused kernel per
// step (the recurrent gradient dGh_{t+1}·W_hh, the carried dh·z and the
// gate arithmetic), then the weight gradients over all steps as single
// products, as GRUBackward.ExecCPU: [dx | dWih | dWhh | dbih | dbhh].
// Scratch: the gate gradients of both sides for every step, dh·z and W_hh's
// transpose (written by the last step, which runs first, for the others).
func gruBackward(s *Step) (Launch, error) {
	t, b, ni, h, err := gruDims(s)
	if err != nil {
		return nil, err
	}
	x, wih, whh, fwd, dfwd := s.In[0], s.In[1], s.In[2], s.In[3], s.In[4]
	g := 3 * h
	bh, bg := b*h, b*g
	dgiS, dghS, dhzS, wtS := s.Scratch(t*bg), s.Scratch(t*bg), s.Scratch(bh), s.Scratch(g*h)
	// The output's parts, a weight gradient the store holds written there
	// directly (Step.OutPart).
	off := 0
	part := func(n int) *Tensor { off += n; return s.OutPart(off-n, n) }
	dxT, dwihT, dwhhT, dbihT, dbhhT := part(t*b*ni), part(g*ni), part(g*h), part(g), part(g)
	return func(c *cuda.Context) error {
		f := fwd.Buffer()
		hs := f.Slice(0, t*bh)
		acts := f.Slice(t*bh, t*bh+t*bg)
		ghns := f.Slice(t*bh+t*bg, t*bh+t*bg+t*bh)
		dhs := dfwd.Buffer().Slice(0, t*bh)
		dx, dwih, dwhh, dbih, dbhh := dxT.Buffer(), dwihT.Buffer(), dwhhT.Buffer(), dbihT.Buffer(), dbhhT.Buffer()
		dgi, dgh, dhz, wt := dgiS.Buffer(), dghS.Buffer(), dhzS.Buffer(), wtS.Buffer()
		for s := t - 1; s >= 0; s-- {
			var hprev, dhzOut, dhzIn, dghNext cuda.Buffer
			if s > 0 {
				hprev, dhzOut = hs.Slice((s-1)*bh, s*bh), dhz
			}
			if s < t-1 {
				dhzIn, dghNext = dhz, dgh.Slice((s+1)*bg, (s+2)*bg)
			}
			if err := c.GRUBackwardStepFused(dgi.Slice(s*bg, (s+1)*bg), dgh.Slice(s*bg, (s+1)*bg), dhzOut,
				dhs.Slice(s*bh, (s+1)*bh), dghNext, whh.Buffer(), wt, acts.Slice(s*bg, (s+1)*bg),
				ghns.Slice(s*bh, (s+1)*bh), hprev, dhzIn, b, h); err != nil {
				return err
			}
		}
		if err := c.Sgemm(false, false, t*b, ni, g, 1, dgi, g, wih.Buffer(), ni, 0, dx, ni); err != nil {
			return err
		}
		if err := c.Sgemm(true, false, g, ni, t*b, 1, dgi, g, x.Buffer(), ni, 0, dwih, ni); err != nil {
			return err
		}
		if t > 1 {
			if err := c.Sgemm(true, false, g, h, (t-1)*b, 1, dgh.Slice(bg, t*bg), g, hs, h, 0, dwhh, h); err != nil {
				return err
			}
		} else if err := c.Zero(dwhh); err != nil {
			return err
		}
		if err := c.ColumnSums(dbih, dgi, t*b, g, 0); err != nil {
			return err
		}
		return c.ColumnSums(dbhh, dgh, t*b, g, 0)
	}, nil
}
