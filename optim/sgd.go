package optim

import (
	"fmt"
	"math"

	"github.com/emberml/ember/graph"
	"gorgonia.org/tensor"
)

// SGD is torch.optim.SGD: stochastic gradient descent with optional L2
// weight decay, momentum (with dampening) and Nesterov momentum.
//
// As in PyTorch, a parameter's momentum buffer starts as a copy of its first
// (weight-decayed) gradient, undamped; only later steps apply Dampening.
//
// A literal needs only LR: the other fields' zero values are PyTorch's
// defaults (no momentum, dampening or weight decay; Nesterov off), so
// &SGD{LR: 0.1} is NewSGD(0.1). LR has no default: 0 leaves the weights
// where they are (a warm-up schedule may start there).
type SGD struct {
	LR, Momentum, Dampening, WeightDecay float64
	Nesterov                             bool

	steps  int
	bufs   map[*graph.Param]*graph.Buf
	groups groups
}

// SlotMomentum is SGD's slot name, PyTorch's state_dict key.
const SlotMomentum = "momentum_buffer"

// NewSGD returns plain SGD with learning rate lr; set Momentum, Dampening,
// WeightDecay and Nesterov on the result as needed.
func NewSGD(lr float64) *SGD { return &SGD{LR: lr} }

func (s *SGD) check() error {
	if err := s.groups.check("SGD"); err != nil {
		return err
	}
	for _, h := range []struct {
		name string
		v    float64
	}{{"LR", s.LR}, {"Momentum", s.Momentum}, {"WeightDecay", s.WeightDecay}} {
		if err := checkHyper("SGD", h.name, h.v, 0, math.Inf(1)); err != nil {
			return err
		}
	}
	// PyTorch does not bound dampening; only a non-finite one is rejected
	// here, since it would turn every weight into NaN.
	if math.IsNaN(s.Dampening) || math.IsInf(s.Dampening, 0) {
		return fmt.Errorf("optim: SGD: Dampening = %v, want a finite value", s.Dampening)
	}
	if s.Nesterov && (s.Momentum <= 0 || s.Dampening != 0) {
		return fmt.Errorf("optim: SGD: Nesterov needs Momentum > 0 and Dampening = 0, have %v and %v", s.Momentum, s.Dampening)
	}
	return nil
}

// Step applies one SGD update to every parameter:
//
//	d = grad + WeightDecay·w
//	b = d on p's first step, else Momentum·b + (1−Dampening)·d    (Momentum ≠ 0)
//	d = d + Momentum·b if Nesterov, else b                        (Momentum ≠ 0)
//	w -= LR·d
//
// with LR and WeightDecay the parameter's group's (see AddGroup).
func (s *SGD) Step(params []*graph.Param, grads []*graph.Buf) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := checkPairs(params, grads); err != nil {
		return err
	}
	if s.Momentum != 0 {
		for _, p := range params {
			if b, ok := s.bufs[p]; ok {
				if err := checkStateBuf(p, SlotMomentum, b); err != nil {
					return err
				}
			}
		}
		if s.bufs == nil {
			s.bufs = make(map[*graph.Param]*graph.Buf, len(params))
		}
	}

	s.steps++
	for i, p := range params {
		lr, wd := s.Hyper(p)
		c := sgdCoef{lr: lr, wd: wd, mom: s.Momentum, damp: s.Dampening, nesterov: s.Nesterov}
		var b *graph.Buf
		first := false
		if s.Momentum != 0 {
			if b = s.bufs[p]; b == nil {
				b = newStateBuf(p)
				s.bufs[p] = b
				first = true
			}
		}
		g := grads[i]
		if p.Value.Dtype == tensor.Float32 {
			var bf []float32
			if b != nil {
				bf = b.F32
			}
			sgdUpdate(p.Value.F32, g.F32, bf, first, c)
		} else {
			var bf []float64
			if b != nil {
				bf = b.F64
			}
			sgdUpdate(p.Value.F64, g.F64, bf, first, c)
		}
	}
	return nil
}

type sgdCoef struct {
	lr, wd, mom, damp float64
	nesterov          bool
}

// sgdUpdate is the elementwise SGD kernel; buf is nil without momentum.
// The caller has checked that every non-nil slice has len(w) elements.
func sgdUpdate[T graph.Float](w, g, buf []T, first bool, c sgdCoef) {
	g = g[:len(w)]
	lr, wd := T(c.lr), T(c.wd)
	if buf == nil {
		for i := range w {
			d := g[i]
			if wd != 0 {
				d += wd * w[i]
			}
			w[i] -= lr * d
		}
		return
	}
	buf = buf[:len(w)]
	mom, keep := T(c.mom), T(1-c.damp)
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		b := d
		if !first {
			b = mom*buf[i] + keep*d
		}
		buf[i] = b
		if c.nesterov {
			d += mom * b
		} else {
			d = b
		}
		w[i] -= lr * d
	}
}

// AddGroup puts params in a new parameter group whose LR and WeightDecay
// start as s's and can then be changed (see Group). A parameter can be in
// one group only: AddGroup panics otherwise.
func (s *SGD) AddGroup(params ...*graph.Param) *Group {
	return s.groups.add("SGD", s.LR, s.WeightDecay, params)
}

// Groups lists the groups added, in order (not the default group).
func (s *SGD) Groups() []*Group { return s.groups.list }

// Hyper returns the learning rate and weight decay that p's next step uses:
// its group's, or s's own for a parameter in no group.
func (s *SGD) Hyper(p *graph.Param) (lr, weightDecay float64) {
	return s.groups.hyper(p, s.LR, s.WeightDecay)
}

// StepCount is the number of successful Steps. SGD's update does not
// depend on it; it is kept for checkpoints and logs.
func (s *SGD) StepCount() int { return s.steps }

// SetStepCount restores the step count.
func (s *SGD) SetStepCount(n int) error {
	if err := checkStepCount(n); err != nil {
		return err
	}
	s.steps = n
	return nil
}

// Slots returns "momentum_buffer" when Momentum is set, else nil.
func (s *SGD) Slots() []string {
	if s.Momentum == 0 {
		return nil
	}
	return []string{SlotMomentum}
}

// State returns p's momentum buffer (live, not a copy) under
// "momentum_buffer", or nil before p's first step with momentum.
func (s *SGD) State(p *graph.Param) map[string]*graph.Buf {
	b := s.bufs[p]
	if b == nil {
		return nil
	}
	return map[string]*graph.Buf{SlotMomentum: b}
}

// SetState copies p's momentum buffer from state; its values must be
// finite. A restored buffer counts as already started: p's next step
// applies momentum and dampening to it.
func (s *SGD) SetState(p *graph.Param, state map[string]*graph.Buf) error {
	if len(state) == 0 {
		delete(s.bufs, p)
		return nil
	}
	b := s.bufs[p]
	if b != nil && checkStateBuf(p, SlotMomentum, b) != nil {
		b = nil // the parameter changed size or dtype: do not reuse
	}
	err := restore(p, s.Slots(), "", state, func(string) *graph.Buf {
		if b == nil {
			b = newStateBuf(p)
		}
		return b
	})
	if err != nil {
		return err
	}
	if s.bufs == nil {
		s.bufs = make(map[*graph.Param]*graph.Buf)
	}
	s.bufs[p] = b
	return nil
}
