package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GradCheck configures CheckGradients. Zero values take the defaults noted.
type GradCheck struct {
	Eps         float64        // central-difference step; 1e-6
	Tol         float64        // largest accepted relative error; 1e-5
	MaxPerParam int            // elements checked per parameter (a random sample); 60
	Frozen      map[string]int // leading elements of a parameter that must get exactly zero gradient
	Seed        uint64
	// BeforeForward runs before every forward pass (to pin a random mask, say).
	BeforeForward func()
}

// CheckGradients runs prog forward and backward and compares the gradient
// nodes grads[k] of float64 parameters params[k] with central differences
// of the scalar cost. It is how every op and layer here is tested: use it
// for a new one. It returns an error naming the first element whose
// relative error exceeds the tolerance.
func CheckGradients(prog *Program, cost *gorgonia.Node, params []*Param, grads []*gorgonia.Node, o GradCheck) error {
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Tol == 0 {
		o.Tol = 1e-5
	}
	if o.MaxPerParam == 0 {
		o.MaxPerParam = 60
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
	if _, err := forward(); err != nil {
		return err
	}
	if err := prog.Backward(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x67726164))
	for k, p := range params {
		if p.Value.Dtype != tensor.Float64 {
			return fmt.Errorf("gradient check of %s: parameters must be float64, not %v", p.Name, p.Value.Dtype)
		}
		gb := prog.Buf(grads[k])
		if gb == nil || gb.Len() != p.Value.Len() {
			return fmt.Errorf("gradient check of %s: no gradient buffer of %d elements", p.Name, p.Value.Len())
		}
		analytic := append([]float64(nil), gb.F64...)
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
			scale := math.Max(math.Abs(numeric)+math.Abs(analytic[i]), 1e-4)
			if rel := math.Abs(numeric-analytic[i]) / scale; !(rel < o.Tol) {
				return fmt.Errorf("%s[%d]: analytic gradient %.9g, finite differences %.9g (relative error %.2g)",
					p.Name, i, analytic[i], numeric, rel)
			}
		}
	}
	return nil
}
