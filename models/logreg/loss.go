package logreg

import (
	"math"

	"gorgonia.org/tensor"
)

// problem is the smooth part of one logistic loss to minimise: a softmax
// over k classes (k >= 2), or a single sigmoid (k == 1, binary labels 0/1).
//
// The parameter vector holds W (d×k, row-major) followed, when the intercept
// is fitted, by b (k). The loss is
//
//	Σ_i s_i·logloss(x_i W + b, y_i) + l2·||W||²/2
//
// with s_i the sample's weight (1 when sw is nil), as sklearn weighs it,
// and l2 = 1/C for the L2 penalty: sklearn's 0.5||W||² + C Σ logloss
// divided by C, the same minimiser, and the scale sklearn's lbfgs path
// uses, so a gradient tolerance means the same thing here as sklearn's tol.
// The L1 part of an L1 or elastic-net penalty is not smooth, and is added
// by the optimiser (minimizeOWLQN). The intercept is not penalised.
type problem struct {
	x, xt        *tensor.Dense // samples n×d, and their transpose d×n for XᵀG
	n, d, k      int
	y            []int     // class index per sample (softmax) or 0/1 (sigmoid)
	sw           []float64 // weight per sample; nil weighs each 1
	l2           float64   // the weight of ||W||²/2
	fitIntercept bool

	// Work tensors reused across evaluations; the optimiser calls the loss
	// hundreds of times, and fresh n×k buffers each time would dominate.
	w, z, g, gw *tensor.Dense
}

// newProblem is the loss of x's rows labelled y, with l2 the weight of
// ||W||²/2 (1/C for the L2 penalty; 0 for none).
func newProblem(x, xt *tensor.Dense, y []int, k int, l2 float64, fitIntercept bool) *problem {
	n, d := x.Shape()[0], x.Shape()[1]
	mk := func(r, c int) *tensor.Dense {
		return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(make([]float64, r*c)))
	}
	return &problem{
		x: x, xt: xt, n: n, d: d, k: k, y: y, l2: l2, fitIntercept: fitIntercept,
		w: mk(d, k), z: mk(n, k), g: mk(n, k), gw: mk(d, k),
	}
}

// size is the length of the parameter vector.
func (p *problem) size() int {
	if p.fitIntercept {
		return p.d*p.k + p.k
	}
	return p.d * p.k
}

// lossGrad is the objective for minimizeLBFGS (and the smooth part of
// minimizeOWLQN's).
func (p *problem) lossGrad(params, grad []float64) float64 {
	dk := p.d * p.k
	copy(p.w.Float64s(), params[:dk])
	// Z = X W (n×k), on the tensor engine's BLAS GEMM.
	if _, err := tensor.MatMul(p.x, p.w, tensor.WithReuse(p.z)); err != nil {
		// Shapes are fixed at construction, so this cannot happen; NaN makes
		// the optimiser stop with a clear "not finite" reason if it ever does.
		return math.NaN()
	}
	z, g := p.z.Float64s(), p.g.Float64s()
	var b []float64
	if p.fitIntercept {
		b = params[dk:]
	}

	var loss float64
	if p.k == 1 {
		loss = binaryRows(z, g, p.y, b, p.sw)
	} else {
		loss = softmaxRows(z, g, p.y, b, p.k, p.sw)
	}

	// ∇W = Xᵀ G + l2·W (d×k), again as one GEMM.
	if _, err := tensor.MatMul(p.xt, p.g, tensor.WithReuse(p.gw)); err != nil {
		return math.NaN()
	}
	gw := p.gw.Float64s()
	var penalty float64
	for i, wi := range params[:dk] {
		penalty += wi * wi
		grad[i] = gw[i] + p.l2*wi
	}
	loss += 0.5 * p.l2 * penalty

	if p.fitIntercept {
		// ∇b is the column sums of G.
		gb := grad[dk:]
		clear(gb)
		for i := range p.n {
			row := g[i*p.k : (i+1)*p.k]
			for c, v := range row {
				gb[c] += v
			}
		}
	}
	return loss
}

// softmaxRows adds the intercept to each row of z (n×k), returns the summed
// multinomial log loss and writes its gradient with respect to z,
// softmax(z_i) - onehot(y_i), into g; with sw, both scaled by each row's
// weight.
func softmaxRows(z, g []float64, y []int, b []float64, k int, sw []float64) float64 {
	var loss float64
	for i, yi := range y {
		zr, gr := z[i*k:(i+1)*k], g[i*k:(i+1)*k]
		if b != nil {
			for c := range zr {
				zr[c] += b[c]
			}
		}
		lse := logSumExp(zr)
		for c, v := range zr {
			gr[c] = math.Exp(v - lse)
		}
		gr[yi]--
		if sw == nil {
			loss += lse - zr[yi]
			continue
		}
		loss += sw[i] * (lse - zr[yi])
		for c := range gr {
			gr[c] *= sw[i]
		}
	}
	return loss
}

// binaryRows is softmaxRows for one sigmoid output: z_i is the log-odds of
// class 1, the loss log(1+exp(-z)) for y=1 and log(1+exp(z)) for y=0, and the
// gradient sigmoid(z_i) - y_i (both times the row's weight, with sw).
func binaryRows(z, g []float64, y []int, b []float64, sw []float64) float64 {
	var loss float64
	for i, yi := range y {
		zi := z[i]
		if b != nil {
			zi += b[0]
		}
		var li float64
		if yi == 1 {
			li = log1pExp(-zi)
		} else {
			li = log1pExp(zi)
		}
		g[i] = sigmoid(zi) - float64(yi)
		if sw != nil {
			li *= sw[i]
			g[i] *= sw[i]
		}
		loss += li
	}
	return loss
}

// log1pExp is log(1+exp(t)) without overflow for large t or loss of
// precision for very negative t.
func log1pExp(t float64) float64 {
	if t > 0 {
		return t + math.Log1p(math.Exp(-t))
	}
	return math.Log1p(math.Exp(t))
}

// sigmoid is 1/(1+exp(-t)), written so neither branch overflows.
func sigmoid(t float64) float64 {
	if t >= 0 {
		return 1 / (1 + math.Exp(-t))
	}
	e := math.Exp(t)
	return e / (1 + e)
}

// logSumExp is log Σ exp(v_c), shifted by the maximum so it cannot overflow.
func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}
