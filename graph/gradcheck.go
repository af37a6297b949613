package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GradCheck configures CheckGradients. Zero values take the defaults noted;
// other values must be in range (CheckGradients returns an error naming
// the field otherwise).
type GradCheck struct {
	Eps         float64        // central-difference step, positive and finite; 0: 1e-6
	Tol         float64        // largest accepted relative error, positive and finite; 0: 1e-5
	MaxPerParam int            // elements checked per parameter (a random sample), at least 1; 0: 60
	Frozen      map[string]int // leading elements of a parameter (by name) that must get exactly zero gradient
	Seed        uint64         // seed of the sample of elements checked
	// BeforeForward runs before every forward pass (to pin a random mask, say).
	BeforeForward func()
}

// CheckGradients runs prog forward and backward and compares the gradient
// nodes grads[k] of float64 parameters params[k] with central differences
// of the scalar cost. It is how every op and layer here is tested: use it
// for a new one. It returns an error naming the first element whose
// relative error exceeds the tolerance.
//
// Only parameters are differentiated: to check an op's gradient with
// respect to a data input, make that input a Param (Graph.Param) and pass
// it with its gradient node.
//
// The forward and backward passes run twice before the gradients are read,
// and both runs must give the same cost and gradients (within Tol): a
// kernel that accumulates into its output instead of overwriting it, or
// reads what an earlier run left there, fails the check, as the kernel
// contract requires (buffers are reused and not zeroed; docs/extending.md).
//
// params and grads must have the same length, and every grads[k] must be
// a node of prog; prog and cost must not be nil and cost must be a node of
// prog: it returns an error otherwise, as it does for a GradCheck field
// out of range.
func CheckGradients(prog *Program, cost *gorgonia.Node, params []*Param, grads []*gorgonia.Node, o GradCheck) error {
	if err := o.setDefaults(); err != nil {
		return err
	}
	switch {
	case prog == nil:
		return fmt.Errorf("graph: CheckGradients: nil Program")
	case cost == nil:
		return fmt.Errorf("graph: CheckGradients: nil cost node")
	case prog.Buf(cost) == nil:
		return fmt.Errorf("graph: CheckGradients: cost %v is not a node of the program", cost)
	case len(params) != len(grads):
		return fmt.Errorf("graph: CheckGradients: %d parameters but %d gradient nodes, want one gradient per parameter", len(params), len(grads))
	}
	for k, p := range params {
		if p == nil || p.Value == nil {
			return fmt.Errorf("graph: CheckGradients: parameter %d is nil or has no value", k)
		}
		if p.Value.Dtype != tensor.Float64 {
			return fmt.Errorf("gradient check of %s: parameters must be float64, not %v", p.Name, p.Value.Dtype)
		}
		if gb := prog.Buf(grads[k]); gb == nil || gb.Len() != p.Value.Len() || gb.Dtype != tensor.Float64 {
			return fmt.Errorf("gradient check of %s: no float64 gradient buffer of %d elements", p.Name, p.Value.Len())
		}
		if f := o.Frozen[p.Name]; f < 0 || f > p.Value.Len() {
			return fmt.Errorf("graph: GradCheck.Frozen[%q] %d, want 0 to %d (the parameter's size)", p.Name, f, p.Value.Len())
		}
	}
	forward := func() (float64, error) {
		if o.BeforeForward != nil {
			o.BeforeForward()
		}
		if err := prog.Forward(); err != nil {
			return 0, err
		}
		return prog.Scalar(cost), nil
	}
	// Two runs: the gradients of the second must be those of the first.
	// A backward kernel that adds into its output (which is not zeroed
	// between runs) gives twice its gradient the second time.
	analytic := make([][]float64, len(params)) // the gradients, as the first run left them
	var firstCost float64
	for run := 0; run < 2; run++ {
		c, err := forward()
		if err != nil {
			return err
		}
		if err := prog.Backward(); err != nil {
			return err
		}
		if run == 0 {
			firstCost = c
		} else if !agree(c, firstCost, o.Tol) {
			return fmt.Errorf("gradient check: the cost changed from %.9g to %.9g between two runs on the same inputs: "+
				"a forward kernel reads what an earlier run left in a buffer (buffers are reused and not zeroed)", firstCost, c)
		}
		for k, p := range params {
			gb := prog.Buf(grads[k])
			if run == 0 {
				analytic[k] = append([]float64(nil), gb.F64...)
				continue
			}
			for i, g := range gb.F64 {
				if !agree(g, analytic[k][i], o.Tol) {
					return fmt.Errorf("gradient check of %s: element %d is %.9g after one run and %.9g after two on the same inputs: "+
						"a backward kernel accumulates into its output or reads what an earlier run left there (buffers are reused and not zeroed)",
						p.Name, i, analytic[k][i], g)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x67726164))
	for k, p := range params {
		analytic := analytic[k]
		frozen := o.Frozen[p.Name]
		for i := 0; i < frozen; i++ {
			if analytic[i] != 0 {
				return fmt.Errorf("%s[%d] is frozen but has gradient %g", p.Name, i, analytic[i])
			}
		}
		idx := rng.Perm(p.Value.Len())
		if len(idx) > o.MaxPerParam {
			idx = idx[:o.MaxPerParam]
		}
		for _, i := range idx {
			if i < frozen {
				continue
			}
			v := p.Value.F64[i]
			p.Value.F64[i] = v + o.Eps
			up, err := forward()
			if err != nil {
				return err
			}
			p.Value.F64[i] = v - o.Eps
			down, err := forward()
			p.Value.F64[i] = v
			if err != nil {
				return err
			}
			numeric := (up - down) / (2 * o.Eps)
			if rel := relErr(numeric, analytic[i]); !(rel < o.Tol) {
				return fmt.Errorf("%s[%d]: analytic gradient %.9g, finite differences %.9g (relative error %.2g)",
					p.Name, i, analytic[i], numeric, rel)
			}
		}
	}
	return nil
}

// setDefaults replaces zero fields by their defaults and refuses values out
// of range.
func (o *GradCheck) setDefaults() error {
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Tol == 0 {
		o.Tol = 1e-5
	}
	if o.MaxPerParam == 0 {
		o.MaxPerParam = 60
	}
	switch {
	case !(o.Eps > 0) || math.IsInf(o.Eps, 0):
		return fmt.Errorf("graph: GradCheck.Eps %g, want a positive finite step (0 for 1e-6)", o.Eps)
	case !(o.Tol > 0) || math.IsInf(o.Tol, 0):
		return fmt.Errorf("graph: GradCheck.Tol %g, want a positive finite tolerance (0 for 1e-5)", o.Tol)
	case o.MaxPerParam < 0:
		return fmt.Errorf("graph: GradCheck.MaxPerParam %d, want at least 1 (0 for 60)", o.MaxPerParam)
	}
	return nil
}

// agree reports whether a and b agree within relative tolerance tol, as
// the finite differences must agree with the gradient.
func agree(a, b, tol float64) bool { return a == b || relErr(a, b) < tol }

// relErr is the relative difference of a and b, on a scale of at least
// 1e-4 so that gradients near zero are compared absolutely.
func relErr(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Abs(a)+math.Abs(b), 1e-4)
}
