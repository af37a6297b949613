package optim

import (
	"fmt"
	"math"

	"github.com/emberml/ember/graph"
	"gorgonia.org/tensor"
)

// Optimizer updates parameters in place from their gradients.
type Optimizer interface {
	// Step applies one update: params[i] moves along grads[i]. Gradients
	// are read, never written.
	Step(params []*graph.Param, grads []*graph.Buf) error

	// StepCount is the number of successful Steps taken so far.
	StepCount() int
	// SetStepCount restores the step count from a checkpoint.
	SetStepCount(n int) error

	// Slots names the per-parameter state buffers the current
	// configuration uses, in a fixed order (nil when it keeps none).
	Slots() []string
	// State returns p's state buffers by slot name, or nil if p has none
	// yet. The buffers are the optimizer's own, not copies: read them to
	// save a checkpoint; writing them changes the optimizer's state.
	State(p *graph.Param) map[string]*graph.Buf
	// SetState copies state (from a checkpoint) into p's buffers,
	// allocating them if needed. It must hold every slot of Slots, each
	// the size and dtype of p, its values finite (a second moment's at
	// least 0). An empty state forgets p's state, so that p's next step
	// is a first step.
	SetState(p *graph.Param, state map[string]*graph.Buf) error
}

// Compile-time checks that both optimizers satisfy the interface.
var (
	_ Optimizer = (*Adam)(nil)
	_ Optimizer = (*SGD)(nil)
)

// checkPairs validates every parameter/gradient pair before a Step writes
// anything, so that an error leaves the model untouched.
func checkPairs(params []*graph.Param, grads []*graph.Buf) error {
	if len(params) != len(grads) {
		return fmt.Errorf("optim: %d parameters but %d gradients", len(params), len(grads))
	}
	for i, p := range params {
		if err := checkParam(i, p); err != nil {
			return err
		}
		g := grads[i]
		if g == nil {
			return fmt.Errorf("optim: parameter %q: gradient is nil", p.Name)
		}
		if g.Dtype != p.Value.Dtype {
			return fmt.Errorf("optim: parameter %q is %v but its gradient is %v", p.Name, p.Value.Dtype, g.Dtype)
		}
		if g.Len() != p.Value.Len() {
			return fmt.Errorf("optim: parameter %q has %d elements%s but its gradient has %d%s",
				p.Name, p.Value.Len(), shapeNote(p.Value), g.Len(), shapeNote(g))
		}
	}
	return nil
}

// shapeNote is " (shape (r, c))" for a buffer of two or more dimensions,
// where the element count alone does not say how it is laid out, and ""
// otherwise (a vector's shape is its element count).
func shapeNote(b *graph.Buf) string {
	if len(b.Shape) < 2 {
		return ""
	}
	return fmt.Sprintf(" (shape %v)", b.Shape)
}

// checkParam rejects nil parameters and non-float dtypes.
func checkParam(i int, p *graph.Param) error {
	if p == nil || p.Value == nil {
		return fmt.Errorf("optim: parameter %d is nil or has no value", i)
	}
	if !isFloat(p.Value.Dtype) {
		return fmt.Errorf("optim: parameter %q: dtype %v is not float32 or float64", p.Name, p.Value.Dtype)
	}
	return nil
}

func isFloat(dt tensor.Dtype) bool { return dt == tensor.Float32 || dt == tensor.Float64 }

// checkStateBuf checks that an existing or restored state buffer still fits
// p: a parameter whose Value was replaced by one of another size or dtype
// must not be updated with stale state.
func checkStateBuf(p *graph.Param, slot string, b *graph.Buf) error {
	if b == nil {
		return fmt.Errorf("optim: parameter %q: state %q is nil", p.Name, slot)
	}
	if b.Dtype != p.Value.Dtype || b.Len() != p.Value.Len() {
		return fmt.Errorf("optim: parameter %q is %v with %d elements but state %q is %v with %d",
			p.Name, p.Value.Dtype, p.Value.Len(), slot, b.Dtype, b.Len())
	}
	return nil
}

// restore validates state against slots and p, and copies it into the
// buffers returned by get (which allocates them on demand). Every value
// must be finite, and those of the slot named nonNegative (a second
// moment; "" for none) at least 0: either fault would make the next
// step's weights NaN. It checks everything before copying anything.
func restore(p *graph.Param, slots []string, nonNegative string, state map[string]*graph.Buf, get func(slot string) *graph.Buf) error {
	if err := checkParam(0, p); err != nil {
		return err
	}
	for name := range state {
		if !contains(slots, name) {
			return fmt.Errorf("optim: parameter %q: unknown state %q (want %v)", p.Name, name, slots)
		}
	}
	for _, s := range slots {
		b, ok := state[s]
		if !ok {
			return fmt.Errorf("optim: parameter %q: state %q missing", p.Name, s)
		}
		if err := checkStateBuf(p, s, b); err != nil {
			return err
		}
		if err := checkStateValues(p, s, b, s == nonNegative); err != nil {
			return err
		}
	}
	for _, s := range slots {
		if err := get(s).CopyFrom(state[s]); err != nil {
			return fmt.Errorf("optim: parameter %q: %w", p.Name, err)
		}
	}
	return nil
}

// checkStateValues reports the first value of b that is not finite, or
// negative where nonNegative.
func checkStateValues(p *graph.Param, slot string, b *graph.Buf, nonNegative bool) error {
	for i := range b.Len() {
		v := b.At(i)
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("optim: parameter %q: state %q element %d is %v, want a finite value", p.Name, slot, i, v)
		case nonNegative && v < 0:
			return fmt.Errorf("optim: parameter %q: state %q element %d is %v, want a finite value >= 0 (a second moment is a mean of squares)",
				p.Name, slot, i, v)
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// newStateBuf allocates a zeroed state buffer shaped like p.
func newStateBuf(p *graph.Param) *graph.Buf {
	return graph.NewBuf(p.Value.Dtype, p.Value.Shape...)
}

// checkStepCount validates a restored step count.
func checkStepCount(n int) error {
	if n < 0 {
		return fmt.Errorf("optim: negative step count %d", n)
	}
	return nil
}

// checkHyper rejects a hyperparameter outside [lo, hi) (hi = +Inf allows any
// finite value above lo). NaN fails every comparison, so it is rejected too.
func checkHyper(opt, name string, v, lo, hi float64) error {
	if !(v >= lo) || !(v < hi) || math.IsInf(v, 0) {
		if math.IsInf(hi, 1) {
			return fmt.Errorf("optim: %s: %s = %v, want a finite value >= %v", opt, name, v, lo)
		}
		return fmt.Errorf("optim: %s: %s = %v, want %v <= %s < %v", opt, name, v, lo, name, hi)
	}
	return nil
}
