package gbt

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/emberml/ember/tabular"
)

// Survival analysis: times to an event (death, churn, failure) of which
// some are only known to be later than a time (right-censored: the study
// ended first) or to lie in an interval. XGBoost 1.7's two objectives for
// them, with its gradients and metrics.
//
// survival:cox is Cox's proportional hazards model fitted by its partial
// likelihood (regression_obj.cu, CoxRegression): the margin is the log
// hazard ratio. With the rows sorted by time, a row's risk set is the rows
// still event-free at its time (time at least as late), and an event at
// time t adds, to every row j at risk then, exp(m_j)/S(t) to its
// gradient and exp(m_j)/S(t) − exp(m_j)²/S(t)² to its hessian, where S(t)
// is the sum of exp(m) over the risk set; an event row also adds −1 to
// its own gradient (ties by Breslow's method). XGBoost accumulates these
// in one pass over the rows stably sorted by |label|, so that rows tied
// in time take the events of the tie in that order: Ember does the same.
// A label is the time, negative for a censored row (XGBoost's
// convention). The partial likelihood does not see a constant added to
// every margin, so the fit starts from XGBoost's base_score 0.5, margin
// log 0.5, and Predict gives XGBoost's hazard ratios exp(margin).
//
// survival:aft is the accelerated failure time model (aft_obj.cu,
// survival_util.h): log T = margin + σZ, Z normal, logistic or extreme
// (Gumbel of minima), σ = AFTSigma. Each row has a lower and an upper
// bound on its time (XGBoost's label_lower_bound, label_upper_bound):
// equal for an observed time, upper +Inf for right-censored, lower 0 for
// left-censored, else an interval. The loss is the negative log
// likelihood, −log(f(z)/(σ·t)) for an observed time t, z = (log t −
// margin)/σ, and −log(F(z_upper) − F(z_lower)) for a censored one, with
// XGBoost's guards: the likelihood floored at 1e-12, gradients clipped to
// ±15 and hessians to [1e-16, 15], and where the formula's denominator
// vanishes XGBoost's limits at an infinite margin. Predict gives the
// predicted time exp(margin); the fit starts from the constant margin
// that minimises the training loss (XGBoost 1.7 starts from log 0.5).

const (
	// SurvivalCox is Cox proportional hazards regression (XGBoost's
	// survival:cox): labels are survival times, negative for a
	// right-censored row (the event had not happened by that time), and
	// predictions are hazard ratios exp(margin), higher meaning an
	// earlier event. See survival.go.
	SurvivalCox Objective = "survival:cox"
	// SurvivalAFT is the accelerated failure time model (XGBoost's
	// survival:aft) on interval-censored times: FitAFT takes each row's
	// lower and upper bound, predictions are times exp(margin). See
	// AFTDistribution, AFTSigma and survival.go.
	SurvivalAFT Objective = "survival:aft"
)

// AFTDistribution is the distribution of SurvivalAFT's error term, as
// XGBoost's aft_loss_distribution names it.
type AFTDistribution string

const (
	// AFTNormal: the log times are normal about the margin (a log-normal
	// time).
	AFTNormal AFTDistribution = "normal"
	// AFTLogistic: logistic about the margin (a log-logistic time), with
	// heavier tails than AFTNormal.
	AFTLogistic AFTDistribution = "logistic"
	// AFTExtreme: the extreme value (Gumbel of minima) distribution, a
	// Weibull time.
	AFTExtreme AFTDistribution = "extreme"
)

// aftDistributions are the AFTDistributions Fit knows.
var aftDistributions = []AFTDistribution{AFTNormal, AFTLogistic, AFTExtreme}

// Survival reports whether the objective is a survival one (SurvivalCox,
// SurvivalAFT).
func (o Objective) Survival() bool { return o == SurvivalCox || o == SurvivalAFT }

// FitAFT fits SurvivalAFT to X and each row's bounds on its time: lower
// (0 for a left-censored row) and upper (math.Inf(1) for a right-censored
// one; equal to lower for an observed time), as XGBoost's
// label_lower_bound and label_upper_bound; w, if not nil, weighs the rows.
// A bound that is NaN or negative, an upper bound below its lower one, or
// an observed time of 0 is an error naming the row, as is data in which
// every row is right-censored (nothing bounds the times above). valid.Y
// and valid.Upper are the validation set's bounds (Upper nil: the times
// Y, observed). Fit and FitWeighted on SurvivalAFT take y as observed
// times.
func (m *Model) FitAFT(X *tabular.Matrix, lower, upper, w []float64, valid *EvalSet) error {
	m.ens, m.importance, m.history = nil, nil, History{}
	m.setDefaults()
	if m.Objective != SurvivalAFT {
		return fmt.Errorf("gbt: FitAFT is for %s; Objective is %s", SurvivalAFT, m.Objective)
	}
	if upper == nil {
		return fmt.Errorf("gbt: FitAFT: no upper bounds; give each row's (+Inf for a right-censored row), or use Fit for observed times")
	}
	return m.fit(X, lower, upper, nil, w, valid)
}

// survivalLabels checks a survival fit's labels beyond checkLabels: an
// event among survival:cox's, training and validation; survival:aft's
// upper bounds (checkUpper), which it returns, the lower ones where none
// are given (observed times), and some row not right-censored. It also
// refuses upper bounds for another objective.
func (m *Model) survivalLabels(y, upper []float64, valid *EvalSet) (up, vup []float64, err error) {
	if valid != nil && valid.Upper != nil && m.Objective != SurvivalAFT {
		return nil, nil, fmt.Errorf("gbt: the validation set has upper bounds, but only %s takes them; Objective is %s", SurvivalAFT, m.Objective)
	}
	switch m.Objective {
	case SurvivalCox:
		if err := checkEvents("X", y); err != nil {
			return nil, nil, err
		}
		if valid != nil {
			if err := checkEvents("the validation set", valid.Y); err != nil {
				return nil, nil, err
			}
		}
	case SurvivalAFT:
		if upper == nil {
			upper = y
		}
		if err := checkUpper("X", y, upper); err != nil {
			return nil, nil, err
		}
		if !slices.ContainsFunc(upper, func(u float64) bool { return !math.IsInf(u, 1) }) {
			return nil, nil, fmt.Errorf("gbt: every row of X is right-censored (upper bound +Inf): nothing bounds the times from above, so %s cannot fit them", SurvivalAFT)
		}
		if valid != nil {
			vup = valid.Upper
			if vup == nil {
				vup = valid.Y
			}
			if err := checkUpper("the validation set", valid.Y, vup); err != nil {
				return nil, nil, err
			}
		}
	}
	return upper, vup, nil
}

// checkUpper checks SurvivalAFT's upper bounds against the lower ones
// (checkLabels checked those): one per row, not NaN, at or above the
// lower bound, above 0, within float32's range unless +Inf.
func checkUpper(name string, lower, upper []float64) error {
	if len(upper) != len(lower) {
		return fmt.Errorf("gbt: %s has %d lower bounds but %d upper bounds", name, len(lower), len(upper))
	}
	for i, u := range upper {
		l := lower[i]
		switch {
		case math.IsNaN(u):
			return fmt.Errorf("gbt: %s row %d: the upper bound is NaN; give +Inf for a right-censored row", name, i)
		case u < l:
			return fmt.Errorf("gbt: %s row %d: the upper bound %v is below the lower bound %v", name, i, u, l)
		case u == 0:
			return fmt.Errorf("gbt: %s row %d: the time is 0; %s needs times above 0 (it models their logarithm)", name, i, SurvivalAFT)
		case u > math.MaxFloat32 && !math.IsInf(u, 1):
			return fmt.Errorf("gbt: %s row %d: the upper bound %v is beyond float32's range (3.4e38), where XGBoost keeps it; give +Inf for a right-censored row", name, i, u)
		}
	}
	return nil
}

// survival prepares the trainer for a survival objective: the rows' order
// by time for survival:cox, the bounds and loss for survival:aft.
func (t *trainer) survival(upper, vupper []float64) {
	switch t.m.Objective {
	case SurvivalCox:
		t.coxOrder = coxOrder(t.y)
		if t.vy != nil {
			t.vcoxOrder = coxOrder(t.vy)
		}
	case SurvivalAFT:
		t.upper, t.vupper = upper, vupper
		t.aft = newAFTLoss(t.m.AFTDistribution, t.m.AFTSigma)
	}
}

// checkEvents refuses survival:cox labels without an event (a positive
// time): the partial likelihood is then constant.
func checkEvents(name string, y []float64) error {
	if !slices.ContainsFunc(y, func(v float64) bool { return v > 0 }) {
		return fmt.Errorf("gbt: every row of %s is censored (a negative time): %s needs some events (positive times)", name, SurvivalCox)
	}
	return nil
}

// coxOrder is the rows in XGBoost's LabelAbsSort order: stably sorted by
// the labels' magnitude, as float32.
func coxOrder(y []float64) []int {
	order := make([]int, len(y))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(math.Abs(float64(float32(y[a]))), math.Abs(float64(float32(y[b]))))
	})
	return order
}

// coxGradients is survival:cox's gradient and hessian for every training
// row, as XGBoost 1.7's CoxRegression::GetGradient computes them: one pass
// over the rows in coxOrder, the risk set's sum of exp(margin) lowered
// once the time moves past a tie, the events' 1/S and 1/S² accumulated
// as they come. A gradient or hessian that is not a finite float32 (a
// margin whose exp overflows) sets t.err.
func (t *trainer) coxGradients() {
	var expSum float64
	for _, i := range t.coxOrder {
		expSum += math.Exp(t.raw[i])
	}
	var rk, sk, lastExp, lastAbs, acc float64
	for _, i := range t.coxOrder {
		e := math.Exp(t.raw[i])
		y := float64(float32(t.y[i]))
		a := math.Abs(y)
		acc += lastExp
		if lastAbs < a {
			expSum -= acc
			acc = 0
		}
		event := 0.0
		if y > 0 {
			rk += 1 / expSum
			sk += 1 / (expSum * expSum)
			event = 1
		}
		g, h := e*rk-event, e*rk-e*e*sk
		if t.w != nil {
			g, h = g*t.w[i], h*t.w[i]
		}
		t.gh[i] = gradPair{float32(g), float32(h)}
		lastAbs, lastExp = a, e
		if gh := t.gh[i]; (isNaN32(gh.g) || isInf32(gh.g) || isNaN32(gh.h) || isInf32(gh.h)) && t.err == nil {
			// A margin so large that exp overflows (L2 0 lets a leaf of
			// censored rows step far): stop, as at a leaf beyond float32.
			t.err = &OverflowError{Round: t.round + 1, Step: math.NaN(), LearningRate: t.lr, G: g, H: h}
		}
	}
}

// CoxNLogLik is XGBoost 1.7's cox-nloglik: the negative log partial
// likelihood of hazard ratios exp(margins) for labels y (times, negative
// for censored rows), Breslow's for tied times, over the number of events
// (unweighted, as XGBoost's). The hazard ratios are float32, as XGBoost's
// predictions. It is NaN when no row has an event (a positive y).
func CoxNLogLik(y, margins []float64) float64 {
	return coxNLogLik(y, margins, coxOrder(y))
}

func coxNLogLik(y, margins []float64, order []int) float64 {
	p := make([]float64, len(margins))
	var sum float64
	for i, m := range margins {
		p[i] = float64(float32(math.Exp(m)))
		sum += p[i]
	}
	var out, acc float64
	events := 0
	for k, i := range order {
		yi := float32(y[i])
		if yi > 0 {
			out -= math.Log(p[i]) - math.Log(sum)
			events++
		}
		acc += p[i]
		if k == len(order)-1 || abs32(yi) < abs32(float32(y[order[k+1]])) {
			sum -= acc
			acc = 0
		}
	}
	return out / float64(events)
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// aftDist is a distribution of survival_util.h: its density, distribution
// function and the density's first two derivatives, in float64 as
// XGBoost's.
type aftDist struct {
	pdf, cdf, gradPDF, hessPDF func(z float64) float64
	kind                       AFTDistribution
}

func normalPDF(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }

var normalDist = aftDist{
	pdf:     normalPDF,
	cdf:     func(z float64) float64 { return 0.5 * (1 + math.Erf(z/math.Sqrt2)) },
	gradPDF: func(z float64) float64 { return -z * normalPDF(z) },
	hessPDF: func(z float64) float64 { return (z*z - 1) * normalPDF(z) },
	kind:    AFTNormal,
}

func logisticPDF(z float64) float64 {
	w := math.Exp(z)
	if math.IsInf(w, 0) || math.IsInf(w*w, 0) {
		return 0
	}
	return w / ((1 + w) * (1 + w))
}

var logisticDist = aftDist{
	pdf: logisticPDF,
	cdf: func(z float64) float64 {
		w := math.Exp(z)
		if math.IsInf(w, 0) {
			return 1
		}
		return w / (1 + w)
	},
	gradPDF: func(z float64) float64 {
		w := math.Exp(z)
		if math.IsInf(w, 0) {
			return 0
		}
		return logisticPDF(z) * (1 - w) / (1 + w)
	},
	hessPDF: func(z float64) float64 {
		w := math.Exp(z)
		if math.IsInf(w, 0) || math.IsInf(w*w, 0) {
			return 0
		}
		return logisticPDF(z) * (w*w - 4*w + 1) / ((1 + w) * (1 + w))
	},
	kind: AFTLogistic,
}

func extremePDF(z float64) float64 {
	w := math.Exp(z)
	if math.IsInf(w, 0) {
		return 0
	}
	return w * math.Exp(-w)
}

var extremeDist = aftDist{
	pdf: extremePDF,
	cdf: func(z float64) float64 { return 1 - math.Exp(-math.Exp(z)) },
	gradPDF: func(z float64) float64 {
		w := math.Exp(z)
		if math.IsInf(w, 0) {
			return 0
		}
		return (1 - w) * extremePDF(z)
	},
	hessPDF: func(z float64) float64 {
		w := math.Exp(z)
		if math.IsInf(w, 0) || math.IsInf(w*w, 0) {
			return 0
		}
		return (w*w - 3*w + 1) * extremePDF(z)
	},
	kind: AFTExtreme,
}

// aftLoss is the AFT loss of a distribution and scale σ.
type aftLoss struct {
	d     aftDist
	sigma float64 // as float32, as XGBoost keeps aft_loss_distribution_scale
}

func newAFTLoss(dist AFTDistribution, sigma float64) aftLoss {
	l := aftLoss{d: normalDist, sigma: float64(float32(sigma))}
	switch dist {
	case AFTLogistic:
		l.d = logisticDist
	case AFTExtreme:
		l.d = extremeDist
	}
	return l
}

// XGBoost's bounds on the AFT gradients and hessians, and on the
// likelihood and the denominators (survival_util.h).
const (
	aftMinGrad = -15.0
	aftMaxGrad = 15.0
	aftMinHess = 1e-16
	aftMaxHess = 15.0
	aftEps     = 1e-12
)

// censoring is a row's kind of bounds, as survival_util.h's CensoringType.
type censoring int

const (
	uncensored censoring = iota
	rightCensored
	leftCensored
	intervalCensored
)

// loss is AFTLoss::Loss: the negative log likelihood of bounds lo, hi at
// margin pred.
func (l aftLoss) loss(lo, hi, pred float64) float64 {
	s := l.sigma
	if lo == hi {
		z := (math.Log(lo) - pred) / s
		return -math.Log(math.Max(l.d.pdf(z)/(s*lo), aftEps))
	}
	cdfU, cdfL := 1.0, 0.0
	if !math.IsInf(hi, 0) {
		cdfU = l.d.cdf((math.Log(hi) - pred) / s)
	}
	if lo > 0 {
		cdfL = l.d.cdf((math.Log(lo) - pred) / s)
	}
	return -math.Log(math.Max(cdfU-cdfL, aftEps))
}

// gradHess is AFTLoss::Gradient and AFTLoss::Hessian at margin pred, each
// clipped, with XGBoost's limits where its denominator vanishes.
func (l aftLoss) gradHess(lo, hi, pred float64) (g, h float64) {
	s := l.sigma
	var gNum, gDen, hNum, hDen float64
	var kind censoring
	var zSign bool
	if lo == hi {
		z := (math.Log(lo) - pred) / s
		pdf, gpdf, hpdf := l.d.pdf(z), l.d.gradPDF(z), l.d.hessPDF(z)
		kind, zSign = uncensored, z > 0
		gNum, gDen = gpdf, s*pdf
		hNum, hDen = -(pdf*hpdf - gpdf*gpdf), s*s*pdf*pdf
	} else {
		var zU, zL, pdfU, pdfL, cdfU, cdfL, gpdfU, gpdfL float64
		kind = intervalCensored
		if math.IsInf(hi, 0) {
			cdfU, kind = 1, rightCensored
		} else {
			zU = (math.Log(hi) - pred) / s
			pdfU, cdfU, gpdfU = l.d.pdf(zU), l.d.cdf(zU), l.d.gradPDF(zU)
		}
		if lo <= 0 {
			kind = leftCensored
		} else {
			zL = (math.Log(lo) - pred) / s
			pdfL, cdfL, gpdfL = l.d.pdf(zL), l.d.cdf(zL), l.d.gradPDF(zL)
		}
		zSign = zU > 0 || zL > 0
		cdfDiff, pdfDiff := cdfU-cdfL, pdfU-pdfL
		gNum, gDen = pdfDiff, s*cdfDiff
		sd := s * cdfDiff // XGBoost's sqrt_denominator
		hNum, hDen = -(cdfDiff*(gpdfU-gpdfL) - pdfDiff*pdfDiff), sd*sd
	}
	g, h = gNum/gDen, hNum/hDen
	if gDen < aftEps && (math.IsNaN(g) || math.IsInf(g, 0)) {
		g = l.limitGrad(kind, zSign)
	}
	if hDen < aftEps && (math.IsNaN(h) || math.IsInf(h, 0)) {
		h = l.limitHess(kind, zSign)
	}
	return clip(g, aftMinGrad, aftMaxGrad), clip(h, aftMinHess, aftMaxHess)
}

// clip is aft::Clip (NaN passes through, as there).
func clip(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// limitGrad is GetLimitGradAtInfPred: the gradient's limit as the margin
// goes to ∓∞ (sign: the z-score is positive).
func (l aftLoss) limitGrad(kind censoring, sign bool) float64 {
	lo, hi := aftMinGrad, aftMaxGrad // the normal's
	switch l.d.kind {
	case AFTLogistic:
		lo, hi = -1/l.sigma, 1/l.sigma
	case AFTExtreme:
		hi = 1 / l.sigma
	}
	switch kind {
	case rightCensored:
		if sign {
			return lo
		}
		return 0
	case leftCensored:
		if sign {
			return 0
		}
		return hi
	}
	if sign {
		return lo
	}
	return hi
}

// limitHess is GetLimitHessAtInfPred.
func (l aftLoss) limitHess(kind censoring, sign bool) float64 {
	switch l.d.kind {
	case AFTLogistic:
		return aftMinHess
	case AFTExtreme:
		if kind == leftCensored || !sign {
			return aftMinHess
		}
		return aftMaxHess
	}
	inv := 1 / (l.sigma * l.sigma)
	switch {
	case kind == rightCensored && !sign, kind == leftCensored && sign:
		return aftMinHess
	}
	return inv
}

// aftGradients is survival:aft's gradient and hessian for every training
// row, as AFTObj::GetGradientImpl: each clipped and rounded to float32,
// then times the float32 weight in float32.
func (t *trainer) aftGradients(lo, hi int) {
	l := t.aft
	for i := lo; i < hi; i++ {
		g, h := l.gradHess(float64(float32(t.y[i])), float64(float32(t.upper[i])), t.raw[i])
		g32, h32 := float32(g), float32(h)
		if t.w != nil {
			w := float32(t.w[i])
			g32, h32 = g32*w, h32*w
		}
		t.gh[i] = gradPair{g32, h32}
	}
}

// AFTNLogLik is XGBoost 1.7's aft-nloglik: the mean negative log
// likelihood of bounds lower, upper at margins (log times) under the
// distribution and scale σ (AFTSigma; 0 means 1), weighted by w (nil:
// all 1); the bounds and margins as float32, as XGBoost keeps them.
func AFTNLogLik(dist AFTDistribution, sigma float64, lower, upper, margins, w []float64) float64 {
	if sigma == 0 {
		sigma = 1
	}
	l := newAFTLoss(dist, sigma)
	var sum, total float64
	for i, m := range margins {
		wi := weight(w, i)
		sum += wi * l.loss(float64(float32(lower[i])), float64(float32(upper[i])), float64(float32(m)))
		total += wi
	}
	return sum / total
}

// aftStart is the constant margin that minimises the weighted AFT loss of
// the training rows: the root of its gradient, which rises with the
// margin, by bisection between the logs of the smallest and largest
// bounds, widened (by up to 31σ) where censored rows pull beyond them.
func (t *trainer) aftStart() float64 {
	l := t.aft
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range t.y {
		for _, b := range []float64{v, t.upper[i]} {
			if b > 0 && !math.IsInf(b, 0) {
				lo, hi = min(lo, math.Log(b)), max(hi, math.Log(b))
			}
		}
	}
	grad := func(m float64) float64 {
		var g float64
		for i, v := range t.y {
			gi, _ := l.gradHess(float64(float32(v)), float64(float32(t.upper[i])), m)
			g += weight(t.w, i) * gi
		}
		return g
	}
	for step := l.sigma; grad(hi) < 0 && step <= 16*l.sigma; step *= 2 {
		hi += step
	}
	for step := l.sigma; grad(lo) > 0 && step <= 16*l.sigma; step *= 2 {
		lo -= step
	}
	for range 200 {
		c := lo + (hi-lo)/2
		if c <= lo || c >= hi {
			break
		}
		if grad(c) > 0 {
			hi = c
		} else {
			lo = c
		}
	}
	return lo + (hi-lo)/2
}
