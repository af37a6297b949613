package logreg

import (
	"fmt"
	"math"
)

// minimizeOWLQN minimises fn(x) + Σ_i l1[i]·|x_i| from x0, with fn smooth
// and convex and every l1[i] >= 0 (0 leaves x_i unpenalised), by
// orthant-wise limited-memory quasi-Newton (OWL-QN; Andrew & Gao, "Scalable
// training of L1-regularized log-linear models", ICML 2007).
//
// The L1 term is not differentiable where a component is 0, so OWL-QN
// works with the pseudo-gradient: the gradient of the objective where it
// has one, and otherwise the one-sided derivative closest to 0 (0 itself
// when the smooth gradient is within l1[i] of 0: moving x_i off 0 in
// either direction would raise the objective). Within an orthant (the
// signs of x fixed) the L1 term is linear, so L-BFGS's model of fn is a
// model of the whole objective there: each iteration takes the L-BFGS
// direction for the pseudo-gradient, drops the components that would go
// uphill, and searches along it by backtracking, projecting every trial
// point onto the orthant it started in (a component that would cross 0
// stops at 0). That projection is what makes coefficients exactly 0. The
// correction pairs are of fn's gradient alone, the L1 term having no
// curvature.
//
// The stopping rules are minimizeLBFGS's on the pseudo-gradient and the
// whole objective: its largest component falls to gtol, or an iteration
// lowers the objective by no more than ftol relative to max(|f|, 1). The
// result's f and gradMax are the whole objective and the pseudo-gradient.
func minimizeOWLQN(fn objective, l1 []float64, x0 []float64, st lbfgsSettings) lbfgsResult {
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	f := fn(x, g) + l1Norm(l1, x)
	pg := make([]float64, n)
	pseudoGradient(pg, x, g, l1)
	res := lbfgsResult{evals: 1}

	finish := func(converged bool, reason string) lbfgsResult {
		res.x, res.f, res.gradMax = x, f, maxAbs(pg)
		res.converged, res.reason = converged, reason
		return res
	}
	if !isFinite(f) {
		return finish(false, "the objective is not finite at the starting point")
	}
	if maxAbs(pg) <= st.gtol {
		return finish(true, "pseudo-gradient below tolerance")
	}

	mem := newLBFGSMemory(st.memory, n)
	d := make([]float64, n)
	orthant := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)

	for res.iterations < st.maxIter {
		mem.direction(pg, d)
		// Keep only the penalised components that descend along -pg (the
		// unpenalised ones are smooth, and move as L-BFGS moves them);
		// with no descent left (rounding), restart from the steepest
		// descent.
		for i := range d {
			if l1[i] > 0 && d[i]*pg[i] >= 0 {
				d[i] = 0
			}
		}
		if !(dot(d, pg) < 0) {
			mem.clear()
			for i := range d {
				d[i] = -pg[i]
			}
		}
		// The orthant of the search: x's signs, and at 0 the side that
		// the pseudo-gradient points down to; 0 for an unpenalised
		// component, which may take any sign.
		for i, v := range x {
			switch {
			case l1[i] == 0:
				orthant[i] = 0
			case v != 0:
				orthant[i] = math.Copysign(1, v)
			default:
				orthant[i] = -sign(pg[i])
			}
		}
		step := 1.0
		if mem.empty() {
			step = 1 / norm2(pg)
		}

		fNew, ok := math.NaN(), false
		for range st.maxLS {
			for i := range x {
				v := x[i] + step*d[i]
				if l1[i] > 0 && v*orthant[i] <= 0 {
					v = 0 // crossed 0 (or is held there): stop at 0
				}
				xNew[i] = v
			}
			res.evals++
			fNew = fn(xNew, gNew) + l1Norm(l1, xNew)
			// Armijo's sufficient decrease, measured with the
			// pseudo-gradient along the projected step.
			var slope float64
			for i := range x {
				slope += pg[i] * (xNew[i] - x[i])
			}
			if isFinite(fNew) && fNew <= f+1e-4*slope {
				ok = true
				break
			}
			step /= 2
		}
		if !ok {
			return finish(false, "the line search could not find a step that lowers the loss enough (ill-conditioned data: try scaling the features)")
		}
		res.iterations++

		mem.push(x, xNew, g, gNew)

		if slicesEqual(x, xNew) {
			return finish(false, "the step vanished before the pseudo-gradient fell to the tolerance (features too large or badly scaled: scale them)")
		}
		fOld := f
		copy(x, xNew)
		copy(g, gNew)
		f = fNew
		pseudoGradient(pg, x, g, l1)

		if maxAbs(pg) <= st.gtol {
			return finish(true, "pseudo-gradient below tolerance")
		}
		if fOld-f <= st.ftol*max(math.Abs(fOld), math.Abs(f), 1) {
			return finish(true, "relative reduction of the loss below ftol")
		}
	}
	return finish(false, fmt.Sprintf("reached the iteration limit (%d) before the pseudo-gradient fell to the tolerance", st.maxIter))
}

// pseudoGradient writes into pg the pseudo-gradient of f + Σ l1[i]·|x_i|
// at x, where f's gradient is g: the objective's gradient away from 0; at
// x_i = 0 the right derivative g_i + l1[i] if it is negative, the left
// one g_i - l1[i] if it is positive, else 0. It is 0 exactly at a minimum
// (it is the subgradient of least norm).
func pseudoGradient(pg, x, g, l1 []float64) {
	for i, v := range x {
		switch {
		case v > 0:
			pg[i] = g[i] + l1[i]
		case v < 0:
			pg[i] = g[i] - l1[i]
		case g[i]+l1[i] < 0:
			pg[i] = g[i] + l1[i]
		case g[i]-l1[i] > 0:
			pg[i] = g[i] - l1[i]
		default:
			pg[i] = 0
		}
	}
}

// l1Norm is Σ l1[i]·|x_i|.
func l1Norm(l1, x []float64) float64 {
	var s float64
	for i, v := range x {
		s += l1[i] * math.Abs(v)
	}
	return s
}

// sign is -1, 0 or 1.
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
