package logreg

import (
	"fmt"
	"math"
)

// objective evaluates a smooth function at x, writes its gradient into grad
// (len(grad) == len(x)) and returns the value.
type objective func(x, grad []float64) float64

// lbfgsSettings mirrors the knobs scipy's L-BFGS-B exposes to scikit-learn.
type lbfgsSettings struct {
	memory  int     // correction pairs kept (scipy maxcor, 10)
	maxIter int     // iterations (scipy maxiter = sklearn max_iter)
	gtol    float64 // stop when max|g_i| <= gtol (scipy gtol = sklearn tol)
	ftol    float64 // stop when the relative decrease of f is <= ftol
	maxLS   int     // function evaluations per line search (scipy maxls)
}

// lbfgsResult says where and why the minimiser stopped.
type lbfgsResult struct {
	x          []float64
	f          float64
	gradMax    float64 // max|g_i| at x
	iterations int     // completed iterations, as scipy's nit
	evals      int     // objective evaluations
	converged  bool
	reason     string
}

// minimizeLBFGS minimises fn from x0 with limited-memory BFGS: the two-loop
// recursion builds the quasi-Newton direction from the last memory (s, y)
// pairs, and a line search enforcing the strong Wolfe conditions picks the
// step. The stopping rules are scipy's (which sklearn's lbfgs solver uses):
// the gradient's largest component falls to gtol, or one iteration lowers f
// by no more than ftol relative to max(|f|, 1).
func minimizeLBFGS(fn objective, x0 []float64, st lbfgsSettings) lbfgsResult {
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	f := fn(x, g)
	res := lbfgsResult{evals: 1}

	finish := func(converged bool, reason string) lbfgsResult {
		res.x, res.f, res.gradMax = x, f, maxAbs(g)
		res.converged, res.reason = converged, reason
		return res
	}
	if !isFinite(f) {
		return finish(false, "the objective is not finite at the starting point")
	}
	if maxAbs(g) <= st.gtol {
		return finish(true, "gradient below tolerance")
	}

	mem := newLBFGSMemory(st.memory, n)
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)

	for res.iterations < st.maxIter {
		mem.direction(g, d)

		dg := dot(d, g)
		if !(dg < 0) {
			// Rounding can spoil the direction after many updates; restart
			// from steepest descent rather than give up.
			mem.clear()
			for i := range d {
				d[i] = -g[i]
			}
			dg = dot(d, g)
		}
		// Without curvature information the first step is scaled to unit
		// length, as L-BFGS-B does; afterwards the unit step is natural.
		step := 1.0
		if mem.empty() {
			step = 1 / norm2(g)
		}

		fNew, ok, evals := strongWolfe(fn, x, f, g, d, dg, step, st.maxLS, xNew, gNew)
		res.evals += evals
		if !ok {
			return finish(false, "the line search could not find a step that lowers the loss enough (ill-conditioned data: try scaling the features)")
		}
		res.iterations++

		mem.push(x, xNew, g, gNew)

		if slicesEqual(x, xNew) {
			// The accepted step was too small to change any parameter:
			// the loss did not fall because nothing moved, which is not
			// convergence (it happens when the features are so large that
			// the step underflows).
			return finish(false, "the step vanished before the gradient fell to the tolerance (features too large or badly scaled: scale them)")
		}
		fOld := f
		copy(x, xNew)
		copy(g, gNew)
		f = fNew

		if maxAbs(g) <= st.gtol {
			return finish(true, "gradient below tolerance")
		}
		if fOld-f <= st.ftol*max(math.Abs(fOld), math.Abs(f), 1) {
			return finish(true, "relative reduction of the loss below ftol")
		}
	}
	return finish(false, fmt.Sprintf("reached the iteration limit (%d) before the gradient fell to the tolerance", st.maxIter))
}

// lbfgsMemory is L-BFGS's limited memory: the last few correction pairs
// s = x_{k+1} - x_k, y = g_{k+1} - g_k, which stand in for the inverse
// Hessian.
type lbfgsMemory struct {
	size  int
	sHist [][]float64
	yHist [][]float64
	rho   []float64 // 1/(yᵀs) of each pair
	alpha []float64 // the two-loop recursion's scratch
	n     int
}

func newLBFGSMemory(size, n int) *lbfgsMemory {
	return &lbfgsMemory{size: size, n: n, alpha: make([]float64, size),
		sHist: make([][]float64, 0, size), yHist: make([][]float64, 0, size), rho: make([]float64, 0, size)}
}

func (m *lbfgsMemory) empty() bool { return len(m.sHist) == 0 }

// clear forgets every pair (the next direction is steepest descent).
func (m *lbfgsMemory) clear() { m.sHist, m.yHist, m.rho = m.sHist[:0], m.yHist[:0], m.rho[:0] }

// direction writes d = -H g by the two-loop recursion, with H0 = γI,
// γ = sᵀy/yᵀy of the newest pair (Nocedal & Wright, Algorithm 7.4).
func (m *lbfgsMemory) direction(g, d []float64) {
	copy(d, g)
	for i := len(m.sHist) - 1; i >= 0; i-- {
		m.alpha[i] = m.rho[i] * dot(m.sHist[i], d)
		axpy(-m.alpha[i], m.yHist[i], d)
	}
	gamma := 1.0
	if k := len(m.sHist) - 1; k >= 0 {
		gamma = dot(m.sHist[k], m.yHist[k]) / dot(m.yHist[k], m.yHist[k])
	}
	for i := range d {
		d[i] *= gamma
	}
	for i := range m.sHist {
		beta := m.rho[i] * dot(m.yHist[i], d)
		axpy(m.alpha[i]-beta, m.sHist[i], d)
	}
	for i := range d {
		d[i] = -d[i]
	}
}

// push stores the pair of the step from x (gradient g) to xNew (gNew),
// dropping the oldest when the memory is full. A pair with (numerically)
// no positive curvature is skipped: it would make H indefinite. The
// threshold is L-BFGS-B's.
func (m *lbfgsMemory) push(x, xNew, g, gNew []float64) {
	var sv, yv []float64
	if len(m.sHist) == m.size {
		sv, yv = m.sHist[0], m.yHist[0]
		copy(m.sHist, m.sHist[1:])
		copy(m.yHist, m.yHist[1:])
		copy(m.rho, m.rho[1:])
		last := len(m.sHist) - 1
		m.sHist, m.yHist, m.rho = m.sHist[:last], m.yHist[:last], m.rho[:last]
	} else {
		sv, yv = make([]float64, m.n), make([]float64, m.n)
	}
	for i := range sv {
		sv[i] = xNew[i] - x[i]
		yv[i] = gNew[i] - g[i]
	}
	if sy := dot(sv, yv); sy > 2.2e-16*dot(yv, yv) {
		m.sHist, m.yHist, m.rho = append(m.sHist, sv), append(m.yHist, yv), append(m.rho, 1/sy)
	}
}

// strongWolfe searches along d from x (value f0, gradient g0, slope
// dg0 = g0·d < 0) for a step a satisfying the strong Wolfe conditions
//
//	f(x+a d) <= f0 + c1 a dg0   and   |∇f(x+a d)·d| <= c2 |dg0|
//
// with c1 = 1e-4, c2 = 0.9 (Nocedal & Wright, Algorithms 3.5 and 3.6, with
// safeguarded cubic interpolation in the zoom phase). The accepted point and
// its gradient are left in xOut and gOut. ok is false when no such step was
// found within maxEval evaluations, or when the best step found does not
// lower f at all.
func strongWolfe(fn objective, x []float64, f0 float64, g0, d []float64, dg0, a1 float64, maxEval int, xOut, gOut []float64) (f float64, ok bool, evals int) {
	const c1, c2 = 1e-4, 0.9
	eval := func(a float64) (float64, float64) {
		for i := range x {
			xOut[i] = x[i] + a*d[i]
		}
		evals++
		fa := fn(xOut, gOut)
		return fa, dot(gOut, d)
	}
	// The best sufficient-decrease point seen, kept so that a search that
	// runs out of evaluations can still make progress.
	bestA, bestF := 0.0, f0

	zoom := func(lo, hi, fLo, fHi, dLo, dHi float64) (float64, bool) {
		for evals < maxEval {
			a := cubicMin(lo, fLo, dLo, hi, fHi, dHi)
			// Keep the trial well inside the bracket so it shrinks.
			width := hi - lo
			left, right := min(lo, hi)+0.1*math.Abs(width), max(lo, hi)-0.1*math.Abs(width)
			if !(a >= left && a <= right) {
				a = lo + 0.5*width
			}
			fa, da := eval(a)
			if !isFinite(fa) || fa > f0+c1*a*dg0 || fa >= fLo {
				hi, fHi, dHi = a, fa, da
				continue
			}
			if fa < bestF {
				bestA, bestF = a, fa
			}
			if math.Abs(da) <= -c2*dg0 {
				return fa, true
			}
			if da*(hi-lo) >= 0 {
				hi, fHi, dHi = lo, fLo, dLo
			}
			lo, fLo, dLo = a, fa, da
			if math.Abs(hi-lo) <= 1e-16*max(math.Abs(lo), 1) {
				break
			}
		}
		return 0, false
	}

	aPrev, fPrev, dPrev := 0.0, f0, dg0
	a := a1
	for i := 0; evals < maxEval; i++ {
		fa, da := eval(a)
		if !isFinite(fa) {
			// Overflow far out along d: back off towards the last good point.
			if f, ok := zoom(aPrev, a, fPrev, math.Inf(1), dPrev, math.NaN()); ok {
				return f, true, evals
			}
			break
		}
		if fa > f0+c1*a*dg0 || (i > 0 && fa >= fPrev) {
			if f, ok := zoom(aPrev, a, fPrev, fa, dPrev, da); ok {
				return f, true, evals
			}
			break
		}
		if fa < bestF {
			bestA, bestF = a, fa
		}
		if math.Abs(da) <= -c2*dg0 {
			return fa, true, evals
		}
		if da >= 0 {
			if f, ok := zoom(a, aPrev, fa, fPrev, da, dPrev); ok {
				return f, true, evals
			}
			break
		}
		aPrev, fPrev, dPrev = a, fa, da
		a *= 4 // still descending steeply: extrapolate
	}
	// No Wolfe point, but a step that decreased f sufficiently is still
	// progress (L-BFGS-B accepts these too when it runs out of evaluations).
	if bestA > 0 {
		f, _ := eval(bestA)
		return f, true, evals
	}
	return f0, false, evals
}

// cubicMin is the minimiser of the cubic interpolating f and f' at a and b,
// or NaN when the cubic has no interior minimum.
func cubicMin(a, fa, da, b, fb, db float64) float64 {
	d1 := da + db - 3*(fa-fb)/(a-b)
	disc := d1*d1 - da*db
	if !(disc >= 0) {
		return math.NaN()
	}
	d2 := math.Copysign(math.Sqrt(disc), b-a)
	return b - (b-a)*(db+d2-d1)/(db-da+2*d2)
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// axpy does y += a*x.
func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

// norm2 is the Euclidean norm, scaled so that squaring large components
// cannot overflow.
func norm2(v []float64) float64 {
	m := maxAbs(v)
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	var s float64
	for _, x := range v {
		s += (x / m) * (x / m)
	}
	return m * math.Sqrt(s)
}

func slicesEqual(a, b []float64) bool {
	for i, v := range a {
		if v != b[i] {
			return false
		}
	}
	return true
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
