package gbt

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/emberml/ember/tabular"
)

// trainer holds everything one Fit needs. All large buffers are allocated
// once, before the first tree: growing a tree allocates only when a level
// needs more histograms than any level before it.
type trainer struct {
	m       *Model
	rules   splitRules
	threads int
	lr      float64

	n, d  int
	bm    *binMapper
	nBins []int
	bins  []uint8 // row-major n×d bin codes
	y     []float64
	// k is the number of margins per row (classes of multi:softprob, else
	// 1); class is the one the tree being grown adds to.
	k, class int
	// w is each training row's weight (sample weight times
	// ScalePosWeight for a positive row), nil when every weight is 1.
	w    []float64
	raw  []float64 // margins of the training rows, k per row
	prob []float64 // multi:softprob: the round's class probabilities, k per row
	// xgbSoftmax: multi-class with BinningXGBoost, whose fit is XGBoost's
	// to the bit: its probabilities, gradients, leaf values and training
	// margins are taken in float32 as XGBoost 1.7 takes them (softmax32),
	// so that the split scan's float32 gains (bestNumericXGB) see its
	// sums and tie where its do.
	xgbSoftmax bool
	gh         []gradPair

	rows    []uint32 // row indices, partitioned node by node
	scratch []uint32 // partition buffer, as long as rows
	sampled []bool   // which rows this tree is grown on (Subsample < 1)
	rng     *rand.Rand
	cols    *colSampler   // nil: every node searches every feature
	ic      *interactions // nil: no interaction constraints

	free []([]featHist) // histogram buffers not in use

	ens    *Ensemble
	binThr []int16   // per ensemble node: the split's bin, for binned traversal (−1: no value goes left)
	gains  []float64 // per ensemble node: the split's loss reduction
	cover  []float32 // per ensemble node: its rows' hessian sum (for Contributions)

	vbins []uint8 // validation rows, binned
	vy    []float64
	vw    []float64 // nil: every validation row weighs 1
	vwSum float64   // the validation rows' total weight
	vraw  []float64 // k per row
	// What EvalMetric reads of the validation rows besides their margins,
	// taken from their labels once (validScore), not every round: their
	// classes (MetricAUC), or their times and events and room for their
	// risks (MetricCIndex).
	vlabels []int
	vprob   []float64 // the rows' class probabilities (multi-class MetricAUC)
	vtime   []float64
	vevent  []bool
	vrisk   []float64

	// Rank objectives: the training and validation queries (see rankData),
	// and each gradient worker's buffers, kept from round to round.
	rankData
	rankScratch []*rankScratch

	// Survival objectives: survival:cox's rows in time order (coxOrder),
	// training and validation; survival:aft's upper bounds (y, vy are the
	// lower ones) and its loss.
	coxOrder, vcoxOrder []int
	upper, vupper       []float64
	aft                 aftLoss

	importance []float64
	history    History
	round      int   // the round being grown, from 0
	err        error // an *OverflowError: the first leaf value beyond float32's range
}

// growNode is a node of the tree being grown.
type growNode struct {
	id         int32 // index in ens.nodes
	begin, end int   // its rows: rows[begin:end]
	tot        stats
	b          bounds     // its weights' bounds (monotone constraints)
	hist       []featHist // nil when the node will not be split
	sp         split
	// path is the features split on from the root to the node, each
	// once, kept only under interaction constraints (t.ic).
	path []int
}

// newTrainer prepares a Fit of k margins per row (the classes of
// multi:softprob, else 1).
// nCat is each feature's number of categories (0: numeric), nil when
// none is categorical.
func newTrainer(m *Model, X *tabular.Matrix, y, w []float64, valid *EvalSet, k int, nCat []int) *trainer {
	t := &trainer{
		m: m,
		rules: splitRules{
			lambda:         m.L2,
			alpha:          m.L1,
			maxDelta:       max(m.MaxDeltaStep, 0), // NoDeltaStep: none
			monotone:       m.monotone(),
			minSamplesLeaf: m.MinSamplesLeaf,
			minChildWeight: m.MinChildWeight,
			minSplitLoss:   m.MinSplitLoss,
			nCat:           nCat,
			onehotBelow:    m.MaxCatToOnehot,
			catThreshold:   m.MaxCatThreshold,
			xgbScan:        m.Objective.Ranking() || m.Binning == BinningXGBoost,
		},
		threads: m.threads(),
		lr:      m.LearningRate,
		n:       X.Rows,
		d:       X.Cols,
		y:       y,
		k:       k,
		rng:     rand.New(rand.NewPCG(m.Seed, 0x6b7)),
	}
	t.bm = newBinMapperFor(m, X, w, t.threads, nCat)
	t.nBins = make([]int, t.d)
	for j := range t.nBins {
		t.nBins[j] = t.bm.nBins(j)
	}
	t.bins = t.bm.binAll(X, t.threads)
	t.w = rowWeights(m, y, w)
	t.raw = make([]float64, t.n*k)
	t.gh = make([]gradPair, t.n)
	t.rows = make([]uint32, t.n)
	t.scratch = make([]uint32, t.n)
	if m.Subsample < 1 {
		t.sampled = make([]bool, t.n)
	}
	t.cols = newColSampler(m, t.d)
	t.ic = newInteractions(m.InteractionConstraints, t.d)
	t.ens = &Ensemble{link: m.Objective.link(), nFeature: t.d}
	if m.Objective.multiClass() {
		t.prob = make([]float64, t.n*k)
		t.xgbSoftmax = m.Binning == BinningXGBoost
		t.ens.bases = make([]float32, k)
	}
	if valid != nil {
		t.vbins = t.bm.binAll(valid.X, t.threads)
		t.vy, t.vw = valid.Y, valid.W
		t.vwSum = float64(len(t.vy))
		if t.vw != nil {
			t.vwSum = 0
			for _, v := range t.vw {
				t.vwSum += v
			}
		}
		t.vraw = make([]float64, valid.X.Rows*k)
	}
	return t
}

// rowWeights is each row's weight in the fit: its sample weight (w, or 1),
// times ScalePosWeight for a row labelled 1 of an objective that
// ScalesPositives (XGBoost compares the float32 label with 1.0f); nil when
// every weight is 1.
func rowWeights(m *Model, y, w []float64) []float64 {
	spw := m.ScalePosWeight
	if spw == 0 {
		spw = 1
	}
	scale := m.Objective.ScalesPositives()
	if w == nil && (spw == 1 || !scale) {
		return nil
	}
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = 1
		if w != nil {
			out[i] = w[i]
		}
		if scale && float32(v) == 1 {
			out[i] *= spw
		}
	}
	return out
}

// weight is row i's weight in w, nil meaning 1.
func weight(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// baseScore is the constant the boosting starts from, the one that
// minimises the (weighted) training loss, as scikit-learn's and XGBoost 2's
// estimated intercepts do: the log-odds of the positive rate
// (BinaryLogistic), the mean (SquaredError), the log of the mean (the log
// links: the mean minimises Poisson, Tweedie and gamma deviance alike),
// the pseudo-Huber loss's minimiser (between the median and the mean), the
// (weighted) median for the absolute error (XGBoost 1.7's own estimate for
// it, to the bit), the log-odds of the weighted mean label for
// BinaryLogitRaw and RegLogistic, expm1 of the weighted mean of log1p(y)
// for SquaredLogError. XGBoost 1.7 starts the other objectives from base_score
// 0.5 instead (log(0.5) for the log links); the trees make up the
// difference. BinaryHinge starts from XGBoost's 0.5: the hinge loss of a
// constant is least at ±1, whichever class weighs more, a start no
// better than any other in between. Model.BaseScore, when set, replaces
// this estimate.
func (t *trainer) baseScore() float64 {
	var sum, total float64
	for i, v := range t.y {
		wi := weight(t.w, i)
		sum += wi * v
		total += wi
	}
	mean := sum / total
	switch t.m.Objective {
	case BinaryLogistic, BinaryLogitRaw, RegLogistic:
		// Clipped as scikit-learn clips it: a class whose weight vanishes
		// beside the other's (a ScalePosWeight of 1e17) starts the fit at
		// a finite log-odds.
		const eps = 0x1p-52
		mean = min(max(mean, eps), 1-eps)
		return math.Log(mean / (1 - mean))
	case CountPoisson, Tweedie, Gamma:
		return math.Log(mean) // Fit checked that mean > 0
	case PseudoHuber:
		return pseudoHuberCentre(t.y, t.w, t.m.HuberSlope)
	case AbsoluteError:
		return t.medianBase()
	case RankPairwise, RankNDCG, RankMAP:
		// XGBoost's base_score: a constant shift, which no ranking sees,
		// so that the scores are XGBoost's own.
		return 0.5
	case BinaryHinge:
		return 0.5
	case SquaredLogError:
		// The c minimising Σ w (log1p(c) − log1p(y))².
		var logs float64
		for i, v := range t.y {
			logs += weight(t.w, i) * math.Log1p(v)
		}
		return math.Expm1(logs / total)
	case SurvivalCox:
		// XGBoost's base_score 0.5 through its ProbToMargin, log: the
		// partial likelihood does not see a constant shift, and so the
		// hazard ratios are XGBoost's own.
		return math.Log(0.5)
	case SurvivalAFT:
		return t.aftStart()
	}
	return mean
}

// pseudoHuberCentre is the c minimising Σ w δ²(√(1+(c−y)²/δ²) − 1): the
// root of its derivative Σ w z/√(1+z²/δ²), z = c − y, which rises with c,
// found by bisection between the smallest and largest label.
func pseudoHuberCentre(y, w []float64, delta float64) float64 {
	lo, hi := slices.Min(y), slices.Max(y)
	for range 200 {
		c := lo + (hi-lo)/2
		if c <= lo || c >= hi {
			break
		}
		var g float64
		for i, v := range y {
			z := (c - v) / delta
			g += weight(w, i) * z / math.Sqrt(1+z*z)
		}
		if g > 0 {
			hi = c
		} else {
			lo = c
		}
	}
	return lo + (hi-lo)/2
}

// classBases are multi:softprob's starting margins: the log of each class's
// share of the training rows, clipped to [ε, 1−ε] (float64's ε) for a
// class with none, as scikit-learn's HistGradientBoostingClassifier starts.
func (t *trainer) classBases() {
	count := make([]float64, t.k)
	var total float64
	for i, v := range t.y {
		wi := weight(t.w, i)
		count[int(v)] += wi
		total += wi
	}
	const eps = 0x1p-52
	for c, n := range count {
		t.ens.bases[c] = float32(math.Log(min(max(n/total, eps), 1-eps)))
	}
}

// run grows the trees; it stops at the first tree with a leaf value
// beyond float32's range and returns the error saying so.
func (t *trainer) run() error {
	switch {
	case t.m.BaseScore != nil:
		// XGBoost's base_score, through its ProbToMargin; checkOptions
		// has checked that the objective takes it.
		margin, _ := t.m.Objective.BaseMargin(*t.m.BaseScore)
		t.ens.base = margin
		for c := range t.ens.bases {
			t.ens.bases[c] = margin
		}
	case t.ens.bases != nil:
		t.classBases()
	default:
		t.ens.base = float32(t.baseScore())
	}
	for _, raw := range [][]float64{t.raw, t.vraw} {
		for i := range raw {
			raw[i] = float64(t.ens.ClassBase(i % t.k))
		}
	}
	best, bestLoss := 0, math.Inf(1)
	maximize := t.m.maximizes()
	if maximize {
		bestLoss = math.Inf(-1)
	}
	if t.vraw != nil {
		t.history.Metric = t.m.validMetric()
	}
	for round := 0; round < t.m.NumTrees; round++ {
		t.round = round
		if t.prob != nil {
			t.probabilities()
		}
		// One tree per class, all fitted to the gradients at the round's
		// start, as XGBoost grows a round of multi:softprob.
		for t.class = 0; t.class < t.k; t.class++ {
			t.gradients()
			ns := t.sample()
			if t.cols != nil {
				t.cols.newTree()
			}
			root := len(t.ens.nodes)
			t.ens.roots = append(t.ens.roots, int32(root))
			if t.ens.bases != nil {
				t.ens.class = append(t.ens.class, int32(t.class))
			}
			if t.m.MaxLeaves > 0 {
				t.growLeafwise(ns)
			} else {
				t.growTree(ns)
			}
			if t.err != nil {
				return t.err
			}
			if t.sampled != nil {
				t.updateUnsampled(int32(root))
			}
			if t.vraw != nil {
				t.validateTree(int32(root))
			}
		}
		if t.vraw == nil {
			continue
		}
		loss, err := t.validScore()
		if err != nil {
			return err
		}
		t.history.ValidLoss = append(t.history.ValidLoss, loss)
		better := loss < bestLoss
		if maximize {
			better = loss > bestLoss
		}
		if better {
			best, bestLoss = round, loss
		}
		if t.m.EarlyStoppingRounds > 0 && round-best >= t.m.EarlyStoppingRounds {
			break
		}
	}
	t.history.BestRound = len(t.ens.roots)/t.k - 1
	if t.m.EarlyStoppingRounds > 0 {
		t.history.BestRound = best
		// Keep the trees up to the best round, as Spark's GBT with a
		// validation set and XGBoost's best_iteration do.
		if keep := (best + 1) * t.k; keep < len(t.ens.roots) {
			end := t.ens.roots[keep]
			t.ens.roots = t.ens.roots[:keep]
			if t.ens.class != nil {
				t.ens.class = t.ens.class[:keep]
			}
			t.ens.nodes = t.ens.nodes[:end]
			t.gains = t.gains[:end]
			t.cover = t.cover[:end]
			// The kept nodes' sets come first: cut the rest.
			cats := 0
			for _, nd := range t.ens.nodes {
				cats = max(cats, int(nd.CatBegin+nd.CatWords))
			}
			t.ens.cats = t.ens.cats[:cats]
		}
	}
	t.ens.cats = slices.Clip(t.ens.cats)
	t.importance = make([]float64, t.d)
	for i, nd := range t.ens.nodes {
		if nd.Feature >= 0 {
			t.importance[nd.Feature] += t.gains[i]
		}
	}
	t.ens.nodes = slices.Clip(t.ens.nodes)
	t.ens.cover = slices.Clip(t.cover)
	return nil
}

// gradients computes every row's gradient and hessian for the tree of
// t.class: at the current margins, or at the round's class probabilities
// for multi:softprob (p − 1[y = class] and XGBoost's hessian 2p(1−p)),
// each times the row's weight, with XGBoost's floors: the logistic
// hessian's 1e-16 before the weight, the softmax one's after it.
func (t *trainer) gradients() {
	obj, k, c := t.m.Objective, t.k, t.class
	if obj.Ranking() {
		t.rankGradients()
		return
	}
	if obj == SurvivalCox { // every row's gradient needs the others'
		t.coxGradients()
		return
	}
	parallel(t.n, t.threads, func(lo, hi int) {
		y, gh := t.y[lo:hi], t.gh[lo:hi]
		var w []float64
		if t.w != nil {
			w = t.w[lo:hi]
		}
		switch obj {
		case BinaryLogistic:
			for i, m := range t.raw[lo:hi] {
				p := 1 / (1 + math.Exp(-m))
				g, h := p-y[i], max(p*(1-p), 1e-16)
				if w != nil {
					g, h = g*w[i], h*w[i]
				}
				gh[i] = gradPair{float32(g), float32(h)}
			}
		case MultiSoftprob, MultiSoftmax:
			if t.xgbSoftmax {
				for i := range gh {
					wt := float32(1)
					if w != nil {
						wt = float32(w[i])
					}
					gh[i] = softmaxGrad32(float32(t.prob[(lo+i)*k+c]), int(y[i]) == c, wt)
				}
				break
			}
			for i := range gh {
				p := t.prob[(lo+i)*k+c]
				g, h := p, 2*p*(1-p)
				if int(y[i]) == c {
					g = p - 1
				}
				if w != nil {
					g, h = g*w[i], h*w[i]
				}
				gh[i] = gradPair{float32(g), float32(max(h, 1e-16))}
			}
		case SquaredLogError, RegLogistic, BinaryLogitRaw, BinaryHinge:
			for i, m := range t.raw[lo:hi] {
				wi := float32(1)
				if w != nil {
					wi = float32(w[i])
				}
				gh[i] = grad32(obj, float32(m), float32(y[i]), wi)
			}
		case SurvivalAFT:
			t.aftGradients(lo, hi)
		case CountPoisson, Tweedie, Gamma, PseudoHuber, AbsoluteError:
			for i, m := range t.raw[lo:hi] {
				g, h := t.pointGrad(m, y[i])
				if w != nil {
					g, h = g*w[i], h*w[i]
				}
				gh[i] = gradPair{float32(g), float32(h)}
			}
		default:
			for i, m := range t.raw[lo:hi] {
				g, h := m-y[i], 1.0
				if w != nil {
					g, h = g*w[i], w[i]
				}
				gh[i] = gradPair{float32(g), float32(h)}
			}
		}
	})
}

// pointGrad is one row's gradient and hessian at margin m, label y, for
// the objectives of regression_obj.cu in XGBoost 1.7: Poisson's hessian at
// m + s (s: see Model.MaxDeltaStep), Tweedie's of power ρ, gamma's, and
// pseudo-Huber's of slope δ, and the absolute error's sign(m − y) with
// hessian 1 (the label as float32, as XGBoost keeps it: see adaptive.go).
func (t *trainer) pointGrad(m, y float64) (g, h float64) {
	switch t.m.Objective {
	case CountPoisson:
		return math.Exp(m) - y, math.Exp(m + t.poissonShift())
	case Tweedie:
		rho := t.m.TweedieVariancePower
		a, b := math.Exp((1-rho)*m), math.Exp((2-rho)*m)
		return -y*a + b, -y*(1-rho)*a + (2-rho)*b
	case Gamma:
		r := y / math.Exp(m)
		return 1 - r, r
	case AbsoluteError:
		d := m - float64(float32(y))
		switch {
		case d > 0:
			return 1, 1
		case d < 0:
			return -1, 1
		}
		return 0, 1
	default: // PseudoHuber
		d := t.m.HuberSlope
		z := m - y
		s := math.Sqrt(1 + z*z/(d*d))
		return z / s, d * d / ((d*d + z*z) * s)
	}
}

// grad32 is one row's gradient pair at margin m, label y and weight w, for
// the objectives XGBoost 1.7 computes in float32 (regression_loss.h,
// hinge.cu), as it computes them: the squared log error's (margin held
// above −1 + 1e-6, the hessian at least 1e-6, before the weight),
// the logistic loss's of reg:logistic and binary:logitraw (its hessian at
// least 1e-16), and the hinge loss's −s, hessian 1 (s = ±1 for labels 1
// and 0) while s·m < 1, else 0 and float32's smallest normal number,
// unweighted.
func grad32(obj Objective, m, y, w float32) gradPair {
	var g, h float32
	switch obj {
	case SquaredLogError:
		m = max(m, -1+1e-6)
		lm, ly := log1p32(m), log1p32(y)
		g = (lm - ly) / (m + 1)
		// std::pow(float, int) is taken in double, and so is the quotient.
		d := float64(m + 1)
		h = float32(float64(-lm+ly+1) / (d * d))
		h = max(h, 1e-6)
	case RegLogistic, BinaryLogitRaw:
		p := sigmoid32(m)
		g, h = p-y, max(p*(1-p), 1e-16)
	case BinaryHinge:
		s := float32(float64(y)*2 - 1)
		if float64(m*s) < 1 {
			return gradPair{-s * w, w}
		}
		return gradPair{0, 0x1p-126}
	}
	return gradPair{g * w, h * w}
}

// softmax32 replaces margins m by their softmax as XGBoost 1.7's
// multi:softprob gradient takes it (SoftmaxMultiClassObj): from the
// float32 margins, less their largest (at least float32's smallest normal
// number, where XGBoost's maximum starts), expf of each in float32, summed
// in float64, each divided by that sum rounded to float32.
func softmax32(m []float64) {
	wmax := float32(0x1p-126)
	for _, v := range m {
		wmax = max(float32(v), wmax)
	}
	var sum float64
	for i, v := range m {
		e := float32(math.Exp(float64(float32(v) - wmax)))
		m[i] = float64(e)
		sum += float64(e)
	}
	for i, v := range m {
		m[i] = float64(float32(v) / float32(sum))
	}
}

// softmaxGrad32 is XGBoost 1.7's multi:softprob gradient pair of a row
// of weight w at its class probability p (softmax32), the row's label
// being the class or not: (p − 1[label], 2p(1−p)) times w, the hessian
// at least 1e-16, each step in float32.
func softmaxGrad32(p float32, label bool, w float32) gradPair {
	h := max(float32(float32(float32(2*p)*(1-p))*w), 1e-16)
	if label {
		p--
	}
	return gradPair{p * w, h}
}

// log1p32 is log1pf: Go's float64 Log1p rounded to float32 (within an ulp
// of glibc's). sigmoid32 (rank.go) is XGBoost's common::Sigmoid.
func log1p32(x float32) float32 { return float32(math.Log1p(float64(x))) }

// poissonShift is the margin shift of CountPoisson's hessian, as XGBoost
// reads max_delta_step for it (see Model.MaxDeltaStep).
func (t *trainer) poissonShift() float64 {
	return max(t.m.MaxDeltaStep, 0) // NoDeltaStep: none; Fit set 0 to 0.7
}

// softmax is the softmax a multi-class fit takes its probabilities by,
// the training rows' (probabilities) and the validation rows'
// (multiClassAUC) alike: softmax32 under xgbSoftmax, else softmax64.
func (t *trainer) softmax() func([]float64) {
	if t.xgbSoftmax {
		return softmax32
	}
	return softmax64
}

// probabilities is the softmax of every training row's margins, the
// probabilities a multi:softprob round's gradients are taken at.
func (t *trainer) probabilities() {
	k := t.k
	softmax := t.softmax()
	parallel(t.n, t.threads, func(lo, hi int) {
		copy(t.prob[lo*k:hi*k], t.raw[lo*k:hi*k])
		for i := lo; i < hi; i++ {
			softmax(t.prob[i*k : (i+1)*k])
		}
	})
}

// sample fills rows with the rows this tree is grown on and returns their
// count: all of them, or each with probability Subsample (as XGBoost
// samples), in ascending order.
func (t *trainer) sample() int {
	if t.sampled == nil {
		for i := range t.rows {
			t.rows[i] = uint32(i)
		}
		return t.n
	}
	ns := 0
	for i := range t.n {
		in := t.rng.Float64() < t.m.Subsample
		t.sampled[i] = in
		if in {
			t.rows[ns] = uint32(i)
			ns++
		}
	}
	if ns == 0 { // a tiny data set and an unlucky draw: take one row
		t.sampled[0], t.rows[0], ns = true, 0, 1
	}
	return ns
}

// newNode appends a placeholder node to the ensemble.
func (t *trainer) newNode() int32 {
	t.ens.nodes = append(t.ens.nodes, node{Feature: -1})
	t.binThr = append(t.binThr, 0)
	t.cover = append(t.cover, 0)
	t.gains = append(t.gains, 0)
	return int32(len(t.ens.nodes) - 1)
}

func (t *trainer) getHist() []featHist {
	if k := len(t.free); k > 0 {
		h := t.free[k-1]
		t.free = t.free[:k-1]
		return h
	}
	return make([]featHist, t.d)
}

func (t *trainer) putHist(h []featHist) {
	if h != nil {
		t.free = append(t.free, h)
	}
}

// canSplit is whether a node with these totals could meet the split rules
// at all; nodes that cannot need no histogram.
func (t *trainer) canSplit(s stats) bool {
	return s.n >= 2*t.rules.minSamplesLeaf && s.h >= 2*t.rules.minChildWeight && s.n >= 2
}

// leafSpan is a finished leaf's node, rows and value.
type leafSpan struct {
	id         int32
	begin, end int
	value      float64
}

// growTree grows one tree, level by level, on rows[:ns], and adds its leaf
// values to the margins of those rows.
func (t *trainer) growTree(ns int) {
	root := growNode{id: t.newNode(), begin: 0, end: ns, b: noBounds}
	root.hist = t.getHist()
	t.buildHists([]*growNode{&root})
	root.tot = histTotal(root.hist)
	t.cover[root.id] = float32(root.tot.h)
	level := []growNode{root}
	t.findSplits(level, 0, root.id)
	var leaves []leafSpan
	for depth := 0; len(level) > 0; depth++ {
		var splitting []*growNode
		for i := range level {
			nd := &level[i]
			if depth < t.m.MaxDepth && nd.sp.ok {
				splitting = append(splitting, nd)
				continue
			}
			leaves = append(leaves, t.makeLeaf(nd))
			t.putHist(nd.hist)
			nd.hist = nil
		}
		if len(splitting) == 0 {
			break
		}
		t.partition(splitting)
		next := make([]growNode, 0, 2*len(splitting))
		for _, p := range splitting {
			left, right := t.splitInto(p)
			next = append(next, left, right)
		}
		var build []*growNode
		var subtract []histPair
		for k, p := range splitting {
			t.childHists(p, &next[2*k], &next[2*k+1], depth+1, &build, &subtract)
		}
		t.finishHists(build, subtract, next)
		t.findSplits(next, depth+1, root.id)
		level = next
	}
	t.applyLeaves(leaves)
}

// splitInto turns node p into an inner node on its best split and
// returns its two children (their rows are p's, partitioned: left first).
func (t *trainer) splitInto(p *growNode) (left, right growNode) {
	left = growNode{begin: p.begin, end: p.begin + p.sp.left.n, tot: p.sp.left}
	right = growNode{begin: left.end, end: p.end, tot: p.tot.sub(p.sp.left)}
	left.b, right.b = t.rules.childBounds(left.tot, right.tot, p.b, p.sp.feature)
	left.id = t.newNode()
	right.id = t.newNode()
	if t.ic != nil {
		left.path = childPath(p.path, p.sp.feature)
		right.path = left.path
	}
	t.cover[left.id], t.cover[right.id] = float32(left.tot.h), float32(right.tot.h)
	f := p.sp.feature
	lo, thr := t.bm.splitBounds(f)
	bin := int16(p.sp.bin)
	switch {
	case p.sp.noValueLeft:
		thr, bin = lo, -1
	case int(p.sp.bin) < len(t.bm.cuts[f]):
		thr = t.bm.cuts[f][p.sp.bin]
	}
	var def int32
	if !p.sp.defaultLeft {
		def = 1
	}
	nd := node{Threshold: thr, Feature: int32(f), Left: left.id, Default: def}
	if p.sp.categorical {
		words := len(p.sp.cats)
		for words > 1 && p.sp.cats[words-1] == 0 {
			words--
		}
		nd.Threshold, nd.CatBegin, nd.CatWords = 0, int32(len(t.ens.cats)), int32(words)
		t.ens.cats = append(t.ens.cats, p.sp.cats[:words]...)
	}
	t.ens.nodes[p.id] = nd
	t.binThr[p.id] = bin
	t.gains[p.id] = p.sp.gain
	return left, right
}

// histPair is a child whose histogram is its parent's (large) less its
// sibling's (small).
type histPair struct{ large, small *growNode }

// childHists plans the histograms of p's children l and r at depth
// childDepth, for children that may split: the smaller child's is to be
// built (appended to build) and the larger's got by subtracting it from
// the parent's, in place (appended to subtract); p's histogram is handed
// on or freed.
func (t *trainer) childHists(p, l, r *growNode, childDepth int, build *[]*growNode, subtract *[]histPair) {
	small, large := l, r
	if r.end-r.begin < l.end-l.begin {
		small, large = r, l
	}
	hist := p.hist
	p.hist = nil
	if childDepth >= t.m.MaxDepth || (!t.canSplit(l.tot) && !t.canSplit(r.tot)) {
		t.putHist(hist)
		return
	}
	small.hist = t.getHist()
	*build = append(*build, small)
	if t.canSplit(large.tot) {
		large.hist = hist
		*subtract = append(*subtract, histPair{large, small})
		return
	}
	t.putHist(hist)
}

// finishHists builds the planned histograms, subtracts, and frees those
// of the nodes (children) that were built only to be subtracted.
func (t *trainer) finishHists(build []*growNode, subtract []histPair, children []growNode) {
	t.buildHists(build)
	if len(subtract) > 0 {
		runTasks(len(subtract), t.threads, func(i int) {
			subHist(subtract[i].large.hist, subtract[i].small.hist)
		})
	}
	for i := range children {
		if nd := &children[i]; nd.hist != nil && !t.canSplit(nd.tot) {
			t.putHist(nd.hist)
			nd.hist = nil
		}
	}
}

// growLeafwise grows one tree best first on rows[:ns] (LightGBM's
// leaf-wise growth, scikit-learn's with max_leaf_nodes, XGBoost's
// lossguide): it splits the leaf whose best split gains most, again and
// again, until the tree has MaxLeaves leaves or no leaf can split
// (MaxDepth still bounds the depth), and adds its leaf values to the
// margins of those rows. A tie goes to the leaf made first, as XGBoost's
// lossguide queue breaks it by node id.
func (t *trainer) growLeafwise(ns int) {
	roots := []growNode{{id: t.newNode(), begin: 0, end: ns, b: noBounds}}
	root := &roots[0]
	root.hist = t.getHist()
	t.buildHists([]*growNode{root})
	root.tot = histTotal(root.hist)
	t.cover[root.id] = float32(root.tot.h)
	t.findSplits(roots, 0, root.id)
	var made []*growNode // every node, in the order made
	queue := &leafQueue{}
	push := func(nd *growNode, depth int) {
		made = append(made, nd)
		if nd.sp.ok && depth < t.m.MaxDepth {
			heap.Push(queue, leafEntry{nd, depth})
		}
	}
	push(root, 0)
	for n := 1; n < t.m.MaxLeaves && queue.Len() > 0; n++ {
		p := heap.Pop(queue).(leafEntry)
		t.partition([]*growNode{p.nd})
		kids := make([]growNode, 2)
		kids[0], kids[1] = t.splitInto(p.nd)
		var build []*growNode
		var subtract []histPair
		t.childHists(p.nd, &kids[0], &kids[1], p.depth+1, &build, &subtract)
		t.finishHists(build, subtract, kids)
		t.findSplits(kids, p.depth+1, root.id)
		push(&kids[0], p.depth+1)
		push(&kids[1], p.depth+1)
	}
	var spans []leafSpan
	for _, nd := range made {
		if t.ens.nodes[nd.id].Feature < 0 { // never split: a leaf
			spans = append(spans, t.makeLeaf(nd))
		}
		t.putHist(nd.hist)
		nd.hist = nil
	}
	t.applyLeaves(spans)
}

// leafEntry is a leaf that can split, waiting in growLeafwise's queue.
type leafEntry struct {
	nd    *growNode
	depth int
}

// leafQueue is a max-heap of leaves by gain, the leaf made first (the
// smaller node id) first among equal gains.
type leafQueue []leafEntry

func (q leafQueue) Len() int { return len(q) }
func (q leafQueue) Less(i, j int) bool {
	a, b := q[i].nd, q[j].nd
	if a.sp.gain != b.sp.gain {
		return a.sp.gain > b.sp.gain
	}
	return a.id < b.id
}
func (q leafQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *leafQueue) Push(x any)   { *q = append(*q, x.(leafEntry)) }
func (q *leafQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// makeLeaf turns a node into a leaf with the Newton step -G/(H+λ) (L1's
// −T(G)/(H+λ), clamped to ±MaxDeltaStep and the node's bounds), shrunk
// by the learning rate: 0 when H+λ is not above 0, where the step is
// undefined (XGBoost's leaf weight is 0 there too). A value beyond
// float32's range sets t.err.
func (t *trainer) makeLeaf(nd *growNode) leafSpan {
	step := t.rules.boundedWeight(nd.tot, nd.b)
	v := float32(step * t.lr)
	if t.xgbSoftmax { // XGBoost's float32 weight times its float32 eta
		v = float32(step) * float32(t.lr)
	}
	if (isNaN32(v) || isInf32(v)) && t.err == nil {
		t.err = t.leafError(step, nd.tot)
	}
	t.ens.nodes[nd.id] = node{Threshold: v, Feature: -1}
	return leafSpan{nd.id, nd.begin, nd.end, float64(v)}
}

// leafError is the error for a leaf value that is not a finite float32.
func (t *trainer) leafError(step float64, s stats) error {
	return &OverflowError{Round: t.round + 1, Step: step, LearningRate: t.lr, G: s.g, H: s.h}
}

// f32Margins is whether the fit keeps its training margins as float32
// sums (addMargin): the objective's choice (Objective.f32Margins), or
// xgbSoftmax's.
func (t *trainer) f32Margins() bool { return t.m.Objective.f32Margins() || t.xgbSoftmax }

// applyLeaves adds each leaf's value to the margins of its rows, first
// setting the leaves of an adaptive objective (adaptLeaves).
func (t *trainer) applyLeaves(leaves []leafSpan) {
	if t.m.Objective.adaptive() {
		t.adaptLeaves(leaves)
	}
	f32 := t.f32Margins()
	runTasks(len(leaves), t.threads, func(i int) {
		l := leaves[i]
		for _, r := range t.rows[l.begin:l.end] {
			t.addMargin(f32, int(r)*t.k+t.class, l.value)
		}
	})
}

// addMargin adds a leaf value to training margin j: in float32 when f32
// (an adaptive objective, Objective.adaptive, decided once per pass by the
// caller), as XGBoost's prediction cache sums (see adaptive.go); the rank
// objectives' too (rank.go).
func (t *trainer) addMargin(f32 bool, j int, v float64) {
	if f32 {
		t.raw[j] = float64(float32(t.raw[j]) + float32(v))
		return
	}
	t.raw[j] += v
}

// findSplits finds the best split of every node that has a histogram,
// nodes at depth of the tree rooted at root, over the features sampled
// for it.
func (t *trainer) findSplits(nodes []growNode, depth int, root int32) {
	feats := t.constrain(nodes, t.nodeFeatures(nodes, depth, root))
	runTasks(len(nodes), t.threads, func(i int) {
		nd := &nodes[i]
		if nd.hist == nil {
			nd.sp = split{}
			return
		}
		var f []int
		if feats != nil {
			f = feats[i]
		}
		nd.sp = t.bestSplitOf(nd.hist, nd.tot, nd.b, f)
	})
}

// histChunkRows is the fewest rows worth a histogram of their own: below
// it, zeroing and merging a partial histogram costs more than the rows.
const histChunkRows = 16 << 10

// buildHists builds the histograms of the nodes. A node with many rows is
// split into chunks, each summed into its own histogram on its own core and
// merged after, so that all cores work even on the root.
func (t *trainer) buildHists(nodes []*growNode) {
	if len(nodes) == 0 {
		return
	}
	type task struct {
		nd     *growNode
		lo, hi int
		dst    []featHist
	}
	var tasks []task
	type merge struct {
		dst, src []featHist
	}
	var merges []merge
	for _, nd := range nodes {
		n := nd.end - nd.begin
		chunks := max(1, min(t.threads, n/histChunkRows))
		for c := range chunks {
			lo, hi := nd.begin+n*c/chunks, nd.begin+n*(c+1)/chunks
			dst := nd.hist
			if c > 0 {
				dst = t.getHist()
				merges = append(merges, merge{nd.hist, dst})
			}
			tasks = append(tasks, task{nd, lo, hi, dst})
		}
	}
	// Largest first, so that a long task does not start last.
	slices.SortStableFunc(tasks, func(a, b task) int { return (b.hi - b.lo) - (a.hi - a.lo) })
	runTasks(len(tasks), t.threads, func(i int) {
		tk := tasks[i]
		clear(tk.dst)
		accumulate(tk.dst, t.bins, t.d, t.rows[tk.lo:tk.hi], t.gh)
	})
	if len(merges) > 0 {
		parallel(t.d, t.threads, func(lo, hi int) {
			for _, mg := range merges {
				addHist(mg.dst[lo:hi], mg.src[lo:hi])
			}
		})
		for _, mg := range merges {
			t.putHist(mg.src)
		}
	}
}

// partitionChunkRows is the most rows one partition task handles.
const partitionChunkRows = 64 << 10

// partition reorders each splitting node's rows so that the rows going
// left come first, keeping their order (ascending row indices read the
// binned matrix front to back). Large nodes are split into chunks, each
// partitioned on its own core, then stitched.
func (t *trainer) partition(nodes []*growNode) {
	type task struct {
		nd     *growNode
		lo, hi int
		nLeft  int
	}
	var tasks []task
	for _, nd := range nodes {
		n := nd.end - nd.begin
		chunks := max(1, (n+partitionChunkRows-1)/partitionChunkRows)
		for c := range chunks {
			tasks = append(tasks, task{nd: nd, lo: nd.begin + n*c/chunks, hi: nd.begin + n*(c+1)/chunks})
		}
	}
	d := t.d
	runTasks(len(tasks), t.threads, func(i int) {
		tk := &tasks[i]
		sp := &tk.nd.sp
		f := sp.feature
		var left [256]bool
		sp.leftBins(&left)
		rows, right := t.rows[tk.lo:tk.hi], t.scratch[tk.lo:tk.hi]
		nl, nr := 0, 0
		for _, r := range rows {
			if left[t.bins[int(r)*d+f]] {
				rows[nl] = r
				nl++
			} else {
				right[nr] = r
				nr++
			}
		}
		tk.nLeft = nl
	})
	// Stitch: each node's left runs in chunk order, then its right runs.
	runTasks(len(nodes), t.threads, func(k int) {
		nd := nodes[k]
		pos := nd.begin
		for i := range tasks {
			if tk := &tasks[i]; tk.nd == nd {
				pos += copy(t.rows[pos:], t.rows[tk.lo:tk.lo+tk.nLeft])
			}
		}
		for i := range tasks {
			if tk := &tasks[i]; tk.nd == nd {
				nr := tk.hi - tk.lo - tk.nLeft
				pos += copy(t.rows[pos:], t.scratch[tk.lo:tk.lo+nr])
			}
		}
	})
}

// leafBinned walks the tree rooted at root for a binned row.
func (t *trainer) leafBinned(root int32, row []uint8) float32 {
	nodes := t.ens.nodes
	n := root
	for {
		nd := &nodes[n]
		if nd.Feature < 0 {
			return nd.Threshold
		}
		b := row[nd.Feature]
		switch {
		case b == missingBin:
			n = nd.Left + nd.Default
		case nd.CatWords > 0:
			// A categorical feature's bin is its code (unseenBin in no set).
			n = nd.Left
			if catRight(t.ens.cats[nd.CatBegin:nd.CatBegin+nd.CatWords], float32(b)) {
				n++
			}
		case int16(b) <= t.binThr[n]:
			n = nd.Left
		default:
			n = nd.Left + 1
		}
	}
}

// updateUnsampled adds the new tree's value to the margins of the rows it
// was not grown on.
func (t *trainer) updateUnsampled(root int32) {
	d := t.d
	f32 := t.f32Margins()
	parallel(t.n, t.threads, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if !t.sampled[i] {
				t.addMargin(f32, i*t.k+t.class, float64(t.leafBinned(root, t.bins[i*d:(i+1)*d])))
			}
		}
	})
}

// validateTree adds the new tree to the validation margins: as float32
// sums for a rank objective, whose metric orders XGBoost's float32
// predictions.
func (t *trainer) validateTree(root int32) {
	d, k, c := t.d, t.k, t.class
	f32 := t.m.Objective.Ranking()
	parallel(len(t.vy), t.threads, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := t.leafBinned(root, t.vbins[i*d:(i+1)*d])
			if f32 {
				t.vraw[i*k+c] = float64(float32(t.vraw[i*k+c]) + v)
				continue
			}
			t.vraw[i*k+c] += float64(v)
		}
	})
}

// validLoss is the validation rows' mean loss at their current margins
// (t.k per row), weighted by their weights: log-loss, multi-class
// log-loss or squared error (see pointLoss), or its root for the
// objectives whose metric is a root mean; for the survival objectives
// cox-nloglik (unweighted, as XGBoost's) and aft-nloglik.
func (t *trainer) validLoss() float64 {
	raw, y, w := t.vraw, t.vy, t.vw
	switch t.m.Objective {
	case SurvivalCox:
		return coxNLogLik(y, raw, t.vcoxOrder)
	case SurvivalAFT:
		return AFTNLogLik(t.m.AFTDistribution, t.m.AFTSigma, y, t.vupper, raw, w)
	}
	n := len(y)
	parts := make([]float64, max(1, min(t.threads, n)))
	parallel(len(parts), len(parts), func(plo, phi int) {
		var m []float64
		if t.k > 1 {
			m = make([]float64, t.k)
		}
		for p := plo; p < phi; p++ {
			var sum float64
			for i := n * p / len(parts); i < n*(p+1)/len(parts); i++ {
				if m == nil {
					sum += weight(w, i) * t.m.pointLoss(raw[i], y[i])
					continue
				}
				copy(m, raw[i*t.k:(i+1)*t.k])
				softmax64(m)
				sum += weight(w, i) * -math.Log(min(max(m[int(y[i])], 1e-15), 1-1e-15))
			}
			parts[p] = sum
		}
	})
	var sum float64
	for _, s := range parts {
		sum += s
	}
	if t.m.Objective.rootMean() {
		return math.Sqrt(sum / t.vwSum)
	}
	return sum / t.vwSum
}

// pointLoss is one row's loss at margin m: the log-loss (probabilities
// clipped to [1e-15, 1-1e-15], as scikit-learn's log_loss), the squared
// error, or the metric XGBoost 1.7 evaluates the objective by
// (DefaultEvalMetric, elementwise_metric.cu): poisson-nloglik,
// tweedie-nloglik@ρ, gamma-nloglik, mphe or mae. At ρ = 1, where XGBoost's
// tweedie-nloglik divides by 0, it is Poisson's μ − y log μ; mphe is at
// HuberSlope (XGBoost 1.7.4's default mphe is at slope 1 whatever
// huber_slope is, a bug of its: for early stopping Ember takes the loss
// the trees fit). For the objectives whose metric is a root mean (rmsle
// for SquaredLogError, rmse of the probabilities for RegLogistic) it is
// the squared error the root is taken of (validLoss takes it; a margin
// at or below −1 counts as −1 + 1e-6, where XGBoost's rmsle is NaN);
// BinaryLogitRaw's is the log-loss, as BinaryLogistic's (XGBoost 1.7's
// default logloss for it reads the margins as probabilities, a number of
// no use); BinaryHinge's is XGBoost's error, 1 for a row whose class,
// 1 where the margin is above 0, is wrong.
func (m *Model) pointLoss(margin, y float64) float64 {
	switch m.Objective {
	case BinaryLogistic, BinaryLogitRaw:
		p := min(max(1/(1+math.Exp(-margin)), 1e-15), 1-1e-15)
		if y == 1 {
			return -math.Log(p)
		}
		return -math.Log(1 - p)
	case CountPoisson:
		mu := max(math.Exp(margin), 1e-16)
		lg, _ := math.Lgamma(y + 1)
		return lg + mu - math.Log(mu)*y
	case Tweedie:
		rho := m.TweedieVariancePower
		if rho == 1 {
			return math.Exp(margin) - y*margin
		}
		return -y*math.Exp((1-rho)*margin)/(1-rho) + math.Exp((2-rho)*margin)/(2-rho)
	case Gamma:
		mu := max(math.Exp(margin), 1e-6)
		return y/mu + math.Log(mu)
	case PseudoHuber:
		d := m.HuberSlope
		a := (y - margin) / d
		return d * d * (math.Sqrt(1+a*a) - 1)
	case AbsoluteError:
		return math.Abs(margin - y)
	case SquaredLogError:
		d := math.Log1p(max(margin, -1+1e-6)) - math.Log1p(y)
		return d * d
	case RegLogistic:
		d := 1/(1+math.Exp(-margin)) - y
		return d * d
	case BinaryHinge:
		if (margin > 0) != (y == 1) {
			return 1
		}
		return 0
	}
	return (margin - y) * (margin - y)
}

// runTasks runs fn(0..n-1) on up to threads goroutines, each taking the
// next task as it finishes one.
func runTasks(n, threads int, fn func(i int)) {
	if n == 0 {
		return
	}
	if threads <= 1 || n == 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	for range min(threads, n) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}
