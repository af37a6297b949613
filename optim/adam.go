package optim

import (
	"fmt"
	"math"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/graph"
	"gorgonia.org/tensor"
)

// Adam is torch.optim.Adam (amsgrad off). With Decoupled it is AdamW
// (torch.optim.AdamW): weight decay shrinks the weights directly instead of
// being added to the gradient, so it is not rescaled by the adaptive
// denominator.
//
// The hyperparameters are plain fields so that a schedule can change LR
// between steps. Start from NewAdam, which sets PyTorch's defaults (betas
// 0.9 and 0.999, eps 1e-8). A literal must set Beta1, Beta2 and Eps itself:
// their zero values are not those defaults. Beta1 = Beta2 = 0 is valid (no
// averaging, as in PyTorch), but Eps = 0 is refused by Validate and Step,
// unlike PyTorch: with no Eps, an element whose gradient has been zero at
// every step so far divides 0 by 0 and its weight becomes NaN. LR = 0
// leaves the weights where they are (a warm-up schedule may start there).
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	// WeightDecay is the L2 coefficient: g += WeightDecay·w, as in
	// torch.optim.Adam; with Decoupled, w *= 1 − LR·WeightDecay instead.
	WeightDecay float64
	Decoupled   bool

	steps  int
	calls  int // Step calls, failed ones too
	state  map[*graph.Param]*adamState
	groups groups
	job    adamJob // the float32 updates of a step, split over the cores together
}

type adamState struct {
	m, v *graph.Buf
	call int // the Step call that last listed the parameter
}

// Adam's slot names, PyTorch's state_dict keys for the first and second
// moment estimates.
const (
	SlotExpAvg   = "exp_avg"
	SlotExpAvgSq = "exp_avg_sq"
)

var adamSlots = []string{SlotExpAvg, SlotExpAvgSq}

// NewAdam returns Adam with learning rate lr and PyTorch's defaults: betas
// 0.9 and 0.999, eps 1e-8, no weight decay.
func NewAdam(lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

func (a *Adam) check() error {
	if err := a.groups.check("Adam"); err != nil {
		return err
	}
	for _, h := range []struct {
		name      string
		v, lo, hi float64
	}{
		{"LR", a.LR, 0, math.Inf(1)},
		{"Beta1", a.Beta1, 0, 1},
		{"Beta2", a.Beta2, 0, 1},
		{"WeightDecay", a.WeightDecay, 0, math.Inf(1)},
	} {
		if err := checkHyper("Adam", h.name, h.v, h.lo, h.hi); err != nil {
			return err
		}
	}
	if !(a.Eps > 0) || math.IsInf(a.Eps, 1) {
		why := ""
		if a.Eps == 0 {
			why = ": with no Eps an element whose gradient has always been zero divides 0 by 0 and its weight " +
				"becomes NaN (NewAdam sets PyTorch's defaults: Beta1 0.9, Beta2 0.999, Eps 1e-8)"
		}
		return fmt.Errorf("optim: Adam: Eps = %v, want a finite value > 0%s", a.Eps, why)
	}
	return nil
}

// Step applies one Adam update to every parameter:
//
//	g  = grad (+ WeightDecay·w unless Decoupled)
//	m  = β1·m + (1−β1)·g
//	v  = β2·v + (1−β2)·g²
//	w  = w·(1 − LR·WeightDecay)            (Decoupled only)
//	w -= LR/(1−β1^t) · m / (√v/√(1−β2^t) + Eps)
//
// where t is the step count after this step, and LR and WeightDecay are
// the parameter's group's (see AddGroup). A parameter listed twice is an
// error, and nothing is updated.
func (a *Adam) Step(params []*graph.Param, grads []*graph.Buf) error {
	if err := a.check(); err != nil {
		return err
	}
	if err := checkPairs(params, grads); err != nil {
		return err
	}
	if a.state == nil {
		a.state = make(map[*graph.Param]*adamState, len(params))
	}
	// Every parameter's state, new ones made here, each stamped with this
	// call: a parameter listed twice is refused before anything moves (the
	// float32 updates run together over the cores, and two of one buffer
	// would race).
	a.calls++
	for _, p := range params {
		st := a.state[p]
		if st == nil {
			st = &adamState{m: newStateBuf(p), v: newStateBuf(p)}
			a.state[p] = st
		} else {
			if err := checkStateBuf(p, SlotExpAvg, st.m); err != nil {
				return err
			}
			if err := checkStateBuf(p, SlotExpAvgSq, st.v); err != nil {
				return err
			}
		}
		if st.call == a.calls {
			return fmt.Errorf("optim: Adam: parameter %q is listed twice", p.Name)
		}
		st.call = a.calls
	}

	a.steps++
	t := float64(a.steps)
	bc1 := 1 - math.Pow(a.Beta1, t)
	bc2 := 1 - math.Pow(a.Beta2, t)
	a.job.reset() // empty unless an earlier Step panicked part way

	for i, p := range params {
		st := a.state[p]
		lr, wd := a.Hyper(p)
		c := adamCoef{
			b1:       a.Beta1,
			b2:       a.Beta2,
			stepSize: lr / bc1,
			bc2Sqrt:  math.Sqrt(bc2),
			eps:      a.Eps,
			decay:    1,
		}
		if wd != 0 {
			if a.Decoupled {
				c.decay = 1 - lr*wd
			} else {
				c.l2 = wd
			}
		}
		g := grads[i]
		if p.Value.Dtype == tensor.Float32 {
			a.job.add(adamSlice{w: p.Value.F32, g: g.F32, m: st.m.F32, v: st.v.F32, c: c, c32: c.float32()})
		} else {
			adamUpdate(p.Value.F64, g.F64, st.m.F64, st.v.F64, c)
		}
	}
	// Every float32 parameter in one split: one hand-off to the cores a
	// step, and parts of equal size whatever the parameters' sizes (5-9%
	// faster than a split per parameter over the LSTM spam model's, the
	// two alternated in one process).
	cpu.ParallelFor(a.job.n, adamGrain, &a.job)
	a.job.reset()
	return nil
}

// adamGrain is the fewest elements worth a hand-off to another core: the
// update costs about 2.4 ns per element on one core of the reference
// machine, and the embedding table and LSTM weights (0.3 to 0.8 M elements
// each) split in two ran twice as fast.
const adamGrain = 1 << 14

// adamJob is a step's float32 updates, laid end to end as one index range
// that cpu.ParallelFor splits (a field of Adam, so that passing it
// allocates nothing once its list has grown).
type adamJob struct {
	slices []adamSlice
	n      int // elements of all the slices
}

// adamSlice is one parameter's update, from element at of the job's range.
type adamSlice struct {
	w, g, m, v []float32
	c          adamCoef
	c32        cpu.AdamCoef // c rounded, for cpu.AdamUpdate
	at         int
}

func (j *adamJob) add(s adamSlice) {
	s.at = j.n
	j.slices = append(j.slices, s)
	j.n += len(s.w)
}

// reset empties the job, dropping its references to the parameters.
func (j *adamJob) reset() {
	clear(j.slices)
	j.slices, j.n = j.slices[:0], 0
}

func (j *adamJob) Run(lo, hi int) {
	for i := range j.slices {
		s := &j.slices[i]
		a, b := max(lo-s.at, 0), min(hi-s.at, len(s.w))
		if a >= b {
			continue
		}
		if cpu.NativeAdam {
			cpu.AdamUpdate(s.w[a:b], s.g[a:b], s.m[a:b], s.v[a:b], s.c32)
		} else {
			adamUpdate(s.w[a:b], s.g[a:b], s.m[a:b], s.v[a:b], s.c)
		}
	}
}

// adamCoef holds one step's scalars, computed in float64 (as PyTorch does
// in Python) and converted to the parameter's dtype in the kernel.
type adamCoef struct {
	b1, b2   float64
	stepSize float64 // LR/(1−β1^t)
	bc2Sqrt  float64 // √(1−β2^t)
	eps      float64
	l2       float64 // gradient += l2·w (coupled weight decay), or 0
	decay    float64 // w *= decay (decoupled weight decay), or 1
}

// float32 is c rounded for cpu.AdamUpdate, as adamUpdate rounds it.
func (c adamCoef) float32() cpu.AdamCoef {
	return cpu.AdamCoef{
		OneMinusBeta1: float32(1 - c.b1), Beta2: float32(c.b2), OneMinusBeta2: float32(1 - c.b2),
		StepSize: float32(c.stepSize), BC2Sqrt: float32(c.bc2Sqrt), Eps: float32(c.eps),
		L2: float32(c.l2), Decay: float32(c.decay),
	}
}

// adamUpdate is the elementwise Adam kernel in Go: float64 parameters, and
// float32 ones where cpu.NativeAdam is false. The caller has checked that
// every slice has len(w) elements. Each product is converted to T before it
// is added, which stops the compiler fusing it into a multiply-add
// (GOAMD64=v3, arm64): the results are then the same bits on every
// platform, and the same as cpu.AdamUpdate's.
func adamUpdate[T graph.Float](w, g, m, v []T, c adamCoef) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)] // lets the compiler drop bounds checks
	omb1, b2, omb2 := T(1-c.b1), T(c.b2), T(1-c.b2)
	stepSize, bc2Sqrt, eps := T(c.stepSize), T(c.bc2Sqrt), T(c.eps)
	l2, decay := T(c.l2), T(c.decay)
	for i := range w {
		gi, wi := g[i], w[i]
		if l2 != 0 {
			gi += T(l2 * wi)
		}
		// m moves toward g (m + (1−β1)·(g−m)) rather than being computed
		// as β1·m + (1−β1)·g: the same value, but the rounding of
		// PyTorch's exp_avg.lerp_(grad, 1−β1) for the usual β1 > 0.5.
		mi := m[i] + T(omb1*(gi-m[i]))
		vi := T(v[i]*b2) + T(omb2*gi*gi)
		m[i], v[i] = mi, vi
		if decay != 1 {
			wi *= decay
		}
		denom := T(math.Sqrt(float64(vi)))/bc2Sqrt + eps
		w[i] = wi - T(stepSize*(mi/denom))
	}
}

// AddGroup puts params in a new parameter group whose LR and WeightDecay
// start as a's and can then be changed (see Group). A parameter can be in
// one group only: AddGroup panics otherwise.
func (a *Adam) AddGroup(params ...*graph.Param) *Group {
	return a.groups.add("Adam", a.LR, a.WeightDecay, params)
}

// Groups lists the groups added, in order (not the default group).
func (a *Adam) Groups() []*Group { return a.groups.list }

// Hyper returns the learning rate and weight decay that p's next step uses:
// its group's, or a's own for a parameter in no group. A device
// implementation of the update reads them here.
func (a *Adam) Hyper(p *graph.Param) (lr, weightDecay float64) {
	return a.groups.hyper(p, a.LR, a.WeightDecay)
}

// StepCount is the number of successful Steps (Adam's t).
func (a *Adam) StepCount() int { return a.steps }

// SetStepCount restores t, which the bias corrections depend on.
func (a *Adam) SetStepCount(n int) error {
	if err := checkStepCount(n); err != nil {
		return err
	}
	a.steps = n
	return nil
}

// Slots returns "exp_avg" and "exp_avg_sq".
func (a *Adam) Slots() []string { return append([]string(nil), adamSlots...) }

// State returns p's moments (live, not copies) under "exp_avg" and
// "exp_avg_sq", or nil before p's first step.
func (a *Adam) State(p *graph.Param) map[string]*graph.Buf {
	st := a.state[p]
	if st == nil {
		return nil
	}
	return map[string]*graph.Buf{SlotExpAvg: st.m, SlotExpAvgSq: st.v}
}

// SetState copies p's moments from state, which must hold both slots, every
// value finite and exp_avg_sq's at least 0 (checked here, where a corrupt
// checkpoint would otherwise make the next Step's weights NaN).
func (a *Adam) SetState(p *graph.Param, state map[string]*graph.Buf) error {
	if len(state) == 0 {
		delete(a.state, p)
		return nil
	}
	var m, v *graph.Buf
	if st := a.state[p]; st != nil && checkStateBuf(p, SlotExpAvg, st.m) == nil && checkStateBuf(p, SlotExpAvgSq, st.v) == nil {
		m, v = st.m, st.v // reuse buffers that still fit
	}
	err := restore(p, adamSlots, SlotExpAvgSq, state, func(slot string) *graph.Buf {
		if slot == SlotExpAvg {
			if m == nil {
				m = newStateBuf(p)
			}
			return m
		}
		if v == nil {
			v = newStateBuf(p)
		}
		return v
	})
	if err != nil {
		return err
	}
	if a.state == nil {
		a.state = make(map[*graph.Param]*adamState)
	}
	a.state[p] = &adamState{m: m, v: v}
	return nil
}
