package gbt

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/emberml/ember/metrics"
)

// Learning to rank, as XGBoost 1.7's LambdaRank objectives
// (src/objective/rank_obj.cu, ComputeGradientsOnCPU) compute their
// gradients. Each round, in every query, each document is paired with one
// document of another relevance drawn uniformly from the query's, the
// pairs drawn in the order of the documents sorted by relevance (highest
// first, ties in their order by margin). A pair (i more relevant than j)
// with margins s_i, s_j and weight w adds
//
//	p = σ(s_i − s_j), g = (p − 1)·w to i and −(p − 1)·w to j,
//	h = 2·max(p(1 − p), 1e-16)·w to both,
//
// the gradient of w·log(1 + exp(−(s_i − s_j))), RankNet's loss. The pair's
// weight is the query's weight times ngroups/Σ query weights (1 without
// weights), times for rank:ndcg |ΔNDCG|, the change in the query's NDCG were
// i and j to swap places in the order by margin (gains 2^rel − 1, the
// ideal DCG over the whole query), and for rank:map |ΔAP|, the change in its
// average precision (rel > 0 relevant). A query whose documents are all
// alike gives no pairs, and under rank:ndcg one with no relevant document
// gives pairs of weight 0: its rows have gradient and hessian 0.
//
// The draws are XGBoost's on one thread: std::minstd_rand seeded with
// (round + 1)·1111 each round, one stream through the queries in order,
// and libstdc++'s std::uniform_int_distribution (downscaling with
// rejection). The arithmetic is float32 where XGBoost's is, with the
// training margins kept as float32 sums (addMargin), as its prediction
// cache keeps them: so on the same bins the trees are XGBoost's
// (testdata/make_xgb_rank.py). The draws do not depend on Model.Seed.
//
// XGBoost on more threads gives each thread its own stream, seeded alike,
// so its pairs change with nthread; Ember's do not change with Threads.
// What a query draws, and from how many documents, depends on its labels
// alone (rankBuckets), never on the margins, so a round first makes all
// its draws on one stream (rankDraws, a few nanoseconds a row), and then
// the queries, each reading its own draws and writing only its own rows,
// are computed on Threads goroutines in any order.

// minstd is std::minstd_rand: x ← 48271·x mod 2³¹−1, from 1 to 2³¹−2.
type minstd struct{ x uint64 }

const minstdModulus = 2147483647

// newMinstd is std::minstd_rand seeded with s (a seed ≡ 0 is taken as 1).
func newMinstd(s uint64) minstd {
	x := s % minstdModulus
	if x == 0 {
		x = 1
	}
	return minstd{x}
}

func (r *minstd) next() uint64 {
	r.x = r.x * 48271 % minstdModulus
	return r.x
}

// uniform is std::uniform_int_distribution<unsigned>(0, hi)(r) as libstdc++
// draws it from a generator of smaller range than 2³²: the range is cut
// into hi+1 equal parts of the generator's, a draw past the last whole part
// drawn again.
func (r *minstd) uniform(hi uint64) uint64 {
	scaling, past := uniformScale(hi)
	for {
		if v := r.next() - 1; v < past {
			return v / scaling
		}
	}
}

// uniformScale is uniform(hi)'s part size and the end of its last whole
// part in the generator's range.
func uniformScale(hi uint64) (scaling, past uint64) {
	const urngRange = minstdModulus - 2 // max − min: 2³¹−2 − 1
	parts := hi + 1
	scaling = urngRange / parts
	return scaling, parts * scaling
}

// uniforms fills dst with len(dst) draws of uniform(hi), in order.
func (r *minstd) uniforms(dst []uint32, hi uint64) {
	scaling, past := uniformScale(hi)
	for i := range dst {
		v := r.next() - 1
		for v >= past {
			v = r.next() - 1
		}
		dst[i] = uint32(v / scaling)
	}
}

// rankBucket is a run of a query's documents as the pair sampling meets
// them: size documents of one label, each drawing its partner from the
// query's parts documents of other labels; parts 0 is a whole query of
// one label, which draws nothing.
type rankBucket struct{ size, parts uint32 }

// rankBuckets is every query's buckets of equal labels, query by query,
// highest label first within a query: the order queryGradients draws in.
// rel is each row's label, bounds the queries' bounds.
func rankBuckets(rel []int, bounds []int) []rankBucket {
	var out []rankBucket
	var count [metrics.MaxRelevance + 1]uint32
	for q := range len(bounds) - 1 {
		lo, hi := bounds[q], bounds[q+1]
		n := uint32(hi - lo)
		clear(count[:])
		for _, l := range rel[lo:hi] {
			count[l]++
		}
		if count[rel[lo]] == n {
			out = append(out, rankBucket{n, 0})
			continue
		}
		for l := len(count) - 1; l >= 0; l-- {
			if c := count[l]; c != 0 {
				out = append(out, rankBucket{c, n - c})
			}
		}
	}
	return out
}

// rankDraws fills t.draws with round t.round's draws, one per row of
// every query of more than one label (its documents' in queryGradients'
// order), from one stream through the queries in order.
func (t *trainer) rankDraws() {
	rng := newMinstd(uint64(t.round+1) * 1111)
	row := 0
	for _, b := range t.buckets {
		end := row + int(b.size)
		if b.parts != 0 {
			rng.uniforms(t.draws[row:end], uint64(b.parts-1))
		}
		row = end
	}
}

// rankDoc is a document of a query: its margin and label, and its row.
type rankDoc struct {
	pred, label float32
	row         int
}

// rankPair is a sampled pair: positions in the query's documents sorted by
// margin, pos the more relevant, and the pair's weight.
type rankPair struct {
	pos, neg int
	w        float32
}

// rankScratch is one worker's buffers, reused query to query.
type rankScratch struct {
	docs  []rankDoc
	byRel []int // positions in docs, sorted by label, highest first
	pairs []rankPair
	stats []mapStats
}

// rankBlock is how many queries a worker of rankGradients takes at a time.
const rankBlock = 16

// rankGradients computes every training row's gradient and hessian for
// round t.round: the draws on one stream (rankDraws), then the queries on
// up to t.threads goroutines, each taking the next rankBlock queries as it
// finishes. A query's gradients depend on its rows, its draws and its
// weight alone, so they are the same whichever worker computes them.
func (t *trainer) rankGradients() {
	t.rankDraws()
	// XGBoost's weight normalisation: ngroups over the float32 sum of the
	// query weights (each 1 without weights).
	nq := len(t.bounds) - 1
	norm := float32(1)
	if t.qw != nil {
		var sum float32
		for _, w := range t.qw {
			sum += w
		}
		norm = float32(nq) / sum
	}
	workers := max(1, min(t.threads, (nq+rankBlock-1)/rankBlock))
	for len(t.rankScratch) < workers {
		t.rankScratch = append(t.rankScratch, new(rankScratch))
	}
	var next atomic.Int64
	work := func(s *rankScratch) {
		for {
			first := int(next.Add(1)-1) * rankBlock
			if first >= nq {
				return
			}
			for q := first; q < min(first+rankBlock, nq); q++ {
				qw := float32(1)
				if t.qw != nil {
					qw = t.qw[q]
				}
				t.queryGradients(s, q, qw*norm)
			}
		}
	}
	var wg sync.WaitGroup
	for _, s := range t.rankScratch[1:workers] {
		wg.Go(func() { work(s) })
	}
	work(t.rankScratch[0])
	wg.Wait()
}

// queryGradients fills t.gh with the gradients of query q's rows, whose
// pairs weigh w before the objective's |Δ|, from its draws in t.draws.
func (t *trainer) queryGradients(s *rankScratch, q int, w float32) {
	lo, hi := t.bounds[q], t.bounds[q+1]
	n := hi - lo
	draws := t.draws[lo:hi]
	s.docs = s.docs[:0]
	for j := lo; j < hi; j++ {
		s.docs = append(s.docs, rankDoc{pred: float32(t.raw[j]), label: float32(t.y[j]), row: j - lo})
	}
	slices.SortStableFunc(s.docs, func(a, b rankDoc) int { return cmp.Compare(b.pred, a.pred) })
	s.byRel = s.byRel[:0]
	for i := range n {
		s.byRel = append(s.byRel, i)
	}
	slices.SortStableFunc(s.byRel, func(a, b int) int { return cmp.Compare(s.docs[b].label, s.docs[a].label) })
	s.pairs = s.pairs[:0]
	// Each bucket of equal labels [i, j) pairs each of its documents with
	// one drawn from outside it: above (more relevant) or below. Its k-th
	// document's draw is draws[k] (rankBuckets and rankDraws go the same
	// way).
	for i := 0; i < n; {
		j := i + 1
		for j < n && s.docs[s.byRel[j]].label == s.docs[s.byRel[i]].label {
			j++
		}
		if left, right := i, n-j; left+right != 0 {
			for k := i; k < j; k++ {
				r := int(draws[k])
				if r < left {
					s.pairs = append(s.pairs, rankPair{s.byRel[r], s.byRel[k], w})
				} else {
					s.pairs = append(s.pairs, rankPair{s.byRel[k], s.byRel[r+j-i], w})
				}
			}
		}
		i = j
	}
	switch t.m.Objective {
	case RankNDCG:
		ndcgWeights(s.docs, s.pairs, t.idcg[q])
	case RankMAP:
		s.stats = mapWeights(s.docs, s.pairs, s.stats)
	}
	gh := t.gh[lo:hi]
	clear(gh)
	for _, p := range s.pairs {
		pos, neg := s.docs[p.pos], s.docs[p.neg]
		prob := sigmoid32(pos.pred - neg.pred)
		g := prob - 1
		h := max(float32(prob*(1-prob)), 1e-16)
		gw, hw := float32(g*p.w), float32(float32(2*p.w)*h)
		gh[pos.row].g += gw
		gh[pos.row].h += hw
		gh[neg.row].g -= gw
		gh[neg.row].h += hw
	}
}

// sigmoid32 is XGBoost's common::Sigmoid, in float32: 1/(1 + expf(min(−x,
// 88.7)) + 1e-16).
func sigmoid32(x float32) float32 {
	e := float32(math.Exp(float64(min(-x, 88.7))))
	return 1 / (e + 1 + 1e-16)
}

// gain32 is 2^label − 1 (label an integer 0..31, as Fit checks).
func gain32(label float32) float32 { return float32(int64(1)<<int(label) - 1) }

// idealDCGs is each query's ideal DCG, as XGBoost's
// NDCGLambdaWeightComputer takes it: float32 gains over float32 discounts
// 1/log2(position + 2) of the labels sorted highest first, summed in
// float64 over the whole query and taken as float32. It depends on the
// labels alone, so a fit takes it once, not every round.
func idealDCGs(y []float64, bounds []int) []float32 {
	out := make([]float32, len(bounds)-1)
	var labels []float32
	for q := range out {
		labels = labels[:0]
		for _, v := range y[bounds[q]:bounds[q+1]] {
			labels = append(labels, float32(v))
		}
		slices.SortStableFunc(labels, func(a, b float32) int { return cmp.Compare(b, a) })
		var sum float64
		for i, l := range labels {
			if l != 0 {
				sum += float64(gain32(l) / log2f(float32(i+2)))
			}
		}
		out[q] = float32(sum)
	}
	return out
}

// ndcgWeights multiplies each pair's weight by |ΔNDCG| of swapping its
// documents in docs (sorted by margin), XGBoost's
// NDCGLambdaWeightComputer: float32 discounts 1/log2(position + 2), over
// the query's ideal DCG idcg (idealDCGs); a query of ideal DCG 0 weighs
// its pairs 0.
func ndcgWeights(docs []rankDoc, pairs []rankPair, idcg float32) {
	for k := range pairs {
		p := &pairs[k]
		if idcg == 0 {
			p.w = 0
			continue
		}
		posInv, negInv := 1/log2f(float32(p.pos)+2), 1/log2f(float32(p.neg)+2)
		gp, gn := gain32(docs[p.pos].label), gain32(docs[p.neg].label)
		original := float32(gp*posInv) + float32(gn*negInv)
		changed := float32(gn*posInv) + float32(gp*negInv)
		delta := float32(original-changed) * (1 / idcg)
		p.w = float32(p.w * float32(math.Abs(float64(delta))))
	}
}

// log2f is log2 in float32, as std::log2(float).
func log2f(x float32) float32 { return float32(math.Log2(float64(x))) }

// mapStats are XGBoost's MAPStats at a position of the order by margin:
// the precisions summed at the relevant documents so far (as they are,
// with one relevant document fewer, with one more) and the relevant
// documents so far.
type mapStats struct{ acc, miss, add, hits float32 }

// mapWeights multiplies each pair's weight by |ΔAP| of swapping its
// documents in docs (sorted by margin), XGBoost's MAPLambdaWeightComputer,
// in float32; it returns stats for reuse.
func mapWeights(docs []rankDoc, pairs []rankPair, stats []mapStats) []mapStats {
	stats = stats[:0]
	var hit, a1, a2, a3 float32
	for i := 1; i <= len(docs); i++ {
		if docs[i-1].label > 0 {
			hit++
			a1 += hit / float32(i)
			a2 += (hit - 1) / float32(i)
			a3 += (hit + 1) / float32(i)
		}
		stats = append(stats, mapStats{a1, a2, a3, hit})
	}
	total := stats[len(stats)-1].hits
	for k := range pairs {
		p := &pairs[k]
		p.w = float32(p.w * deltaMAP(p.pos, p.neg, docs[p.pos].label, docs[p.neg].label, stats, total))
	}
	return stats
}

// deltaMAP is XGBoost's GetLambdaMAP: |ΔAP| of swapping the documents at
// positions a and b of the order by margin.
func deltaMAP(a, b int, la, lb float32, st []mapStats, total float32) float32 {
	if a == b || total == 0 {
		return 0
	}
	if a > b {
		a, b, la, lb = b, a, lb, la
	}
	original := st[b].acc
	if a != 0 {
		original -= st[a-1].acc
	}
	r1, r2 := la > 0, lb > 0
	var changed float32
	switch {
	case r1 == r2:
		return 0
	case !r1: // the relevant one moves up to a
		changed += st[b-1].add - st[a].add
		changed += (st[a].hits + 1) / float32(a+1)
	default: // the relevant one moves down to b
		changed += st[b-1].miss - st[a].miss
		changed += st[b].hits / float32(b+1)
	}
	ans := (changed - original) / total
	return float32(math.Abs(float64(ans)))
}

// rankMetric is the metric a ranking fit's validation set is scored by.
func (m *Model) rankMetric() metrics.RankMetric {
	r, _ := metrics.ParseRankMetric(m.RankMetric) // checkOptions checked it
	return r
}

// rankValid is the validation queries' mean RankMetric at their margins,
// which are float32 sums, as XGBoost's predictions are (validateTree).
func (t *trainer) rankValid() float64 {
	return t.m.rankMetric().MeanBounds(t.vrel, t.vraw, t.vbounds)
}

// queryBounds checks the query ids of name's rows, and its labels and
// weights for a rank objective: contiguous queries, integer labels 0 to
// metrics.MaxRelevance, one weight per query (the same on each of its
// rows). It returns the queries' bounds, the labels as integers and each
// query's weight (nil without weights). query nil is one query of all rows.
func (m *Model) queryBounds(name string, query []int, y, w []float64) (bounds, rel []int, qw []float32, err error) {
	n := len(y)
	if query == nil {
		bounds = []int{0, n}
	} else {
		if len(query) != n {
			return nil, nil, nil, fmt.Errorf("gbt: %s: %d rows but %d query ids", name, n, len(query))
		}
		if bounds, err = metrics.QueryBounds(query); err != nil {
			return nil, nil, nil, fmt.Errorf("gbt: %s: %w (sort the rows by query first; XGBoost's qid needs them sorted)", name, err)
		}
	}
	rel = make([]int, n)
	for i, v := range y {
		if !(v >= 0 && v <= metrics.MaxRelevance && v == math.Trunc(v)) {
			return nil, nil, nil, fmt.Errorf("gbt: %s label %d is %v; %s needs relevance grades, whole numbers from 0 to %d", name, i, v, m.Objective, metrics.MaxRelevance)
		}
		rel[i] = int(v)
	}
	if w != nil {
		qw = make([]float32, len(bounds)-1)
		for q := range qw {
			lo, hi := bounds[q], bounds[q+1]
			for i := lo + 1; i < hi; i++ {
				if w[i] != w[lo] {
					return nil, nil, nil, fmt.Errorf("gbt: %s: row %d weighs %v but row %d of its query weighs %v; a ranking weighs each query, so its rows must weigh alike (XGBoost takes one weight per group)", name, i, w[i], lo, w[lo])
				}
			}
			qw[q] = float32(w[lo])
		}
	}
	return bounds, rel, qw, nil
}
