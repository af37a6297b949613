package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Ranking metrics score the order a model puts each query's documents in,
// as XGBoost 1.7's evaluation metrics ndcg, ndcg@k, map and map@k compute
// it (src/metric/rank_metric.cc): a query's documents are sorted by score,
// highest first, ties kept in their row order (a stable sort), and the
// metric is the mean over queries, every query counting once.
//
// A document's relevance is a small integer, 0 for none. NDCG's gain is
// 2^rel − 1 and its discount log2(position + 1): DCG@k = Σ_{i<k}
// (2^rel_i − 1)/log2(i + 2) over the top k, and NDCG@k is DCG@k over the
// DCG@k of the ideal order (by relevance). sklearn.metrics.ndcg_score takes
// its gain to be the relevance itself: passing it 2^rel − 1 as y_true gives
// XGBoost's value, when no two scores of a query tie (sklearn averages over
// tied documents; XGBoost, and so this, keeps them in row order).
//
// MAP is the mean of each query's average precision, taking a document of
// relevance above 0 as relevant: the precision at the position of each
// relevant document in the top k, summed, over the query's relevant
// documents (all of them, not only those in the top k, as XGBoost 1.7
// divides). Without k it is sklearn.metrics.average_precision_score of the
// relevant flags, again when no scores tie.
//
// A query with no relevant document has no ideal order to compare with: it
// scores 1, as XGBoost's ndcg and map score it, or 0 with the metric's "-"
// form (ndcg-, ndcg@10-, map-), as sklearn's ndcg_score scores it.

// RankMetric is a ranking metric: NDCG or MAP, at the top K documents of
// each query or over all of them. Its Mean takes no weights: XGBoost
// 1.7.4 averages a ranking metric over the queries unweighted even when
// they carry group weights (its EvalRank reads none), and Mean is that
// average.
type RankMetric struct {
	// MAP selects mean average precision; false is NDCG.
	MAP bool
	// K is how many top documents count (0: all of them).
	K int
	// Minus scores a query without relevant documents 0 instead of 1
	// (XGBoost's "-" suffix).
	Minus bool
}

// MaxRelevance is the largest relevance the ranking metrics take: NDCG's
// gain 2^rel − 1 is computed in integers, as XGBoost computes it.
const MaxRelevance = 31

// ParseRankMetric reads a metric as XGBoost names it: "ndcg" or "map",
// optionally followed by "@k" (k ≥ 1) and then "-", as in "ndcg@10" and
// "map@5-"; "ndcg-" is NDCG over the whole list scoring empty queries 0.
func ParseRankMetric(name string) (RankMetric, error) {
	var m RankMetric
	s := name
	switch {
	case strings.HasPrefix(s, "ndcg"):
		s = s[len("ndcg"):]
	case strings.HasPrefix(s, "map"):
		m.MAP, s = true, s[len("map"):]
	default:
		return m, fmt.Errorf("metrics: ranking metric %q: want ndcg or map, optionally @k and -, e.g. ndcg@10", name)
	}
	if rest, ok := strings.CutSuffix(s, "-"); ok {
		m.Minus, s = true, rest
	}
	if s == "" {
		return m, nil
	}
	k, err := strconv.Atoi(strings.TrimPrefix(s, "@"))
	if !strings.HasPrefix(s, "@") || err != nil || k < 1 {
		return m, fmt.Errorf("metrics: ranking metric %q: the cut-off after @ must be a whole number from 1, as in ndcg@10", name)
	}
	m.K = k
	return m, nil
}

// String is the metric's name as XGBoost writes it: ndcg, ndcg@10,
// ndcg@10-, map-, ….
func (m RankMetric) String() string {
	s := "ndcg"
	if m.MAP {
		s = "map"
	}
	if m.K > 0 {
		s += "@" + strconv.Itoa(m.K)
	}
	if m.Minus {
		s += "-"
	}
	return s
}

// Query is the metric of one query: rel[i] is document i's relevance (0 to
// MaxRelevance) and scores[i] its score. It is NaN when the lengths differ,
// the query is empty, a relevance is out of range or a score is NaN.
func (m RankMetric) Query(rel []int, scores []float64) float64 {
	if len(rel) != len(scores) || len(rel) == 0 {
		return math.NaN()
	}
	for i, r := range rel {
		if r < 0 || r > MaxRelevance || math.IsNaN(scores[i]) {
			return math.NaN()
		}
	}
	return m.query(rel, scores, make([]int, len(rel)))
}

// query is Query on checked input; order is scratch of len(rel).
func (m RankMetric) query(rel []int, scores []float64, order []int) float64 {
	for i := range order {
		order[i] = i
	}
	// Highest score first, ties in row order: XGBoost's stable sort.
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	top := len(order)
	if m.K > 0 {
		top = min(m.K, top)
	}
	empty := 1.0
	if m.Minus {
		empty = 0
	}
	if m.MAP {
		hits, sum := 0, 0.0
		for i, d := range order {
			if rel[d] != 0 {
				hits++
				if i < top {
					sum += float64(hits) / float64(i+1)
				}
			}
		}
		if hits == 0 {
			return empty
		}
		return sum / float64(hits)
	}
	dcg := dcgAt(rel, order, top)
	ideal := slices.Clone(rel)
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	var idcg float64
	for i := range top {
		if r := ideal[i]; r != 0 {
			idcg += float64(int(1)<<r-1) / math.Log2(float64(i)+2)
		}
	}
	if idcg == 0 {
		return empty
	}
	return dcg / idcg
}

// dcgAt is the DCG of the first top documents of order.
func dcgAt(rel, order []int, top int) float64 {
	var dcg float64
	for i, d := range order[:top] {
		if r := rel[d]; r != 0 {
			dcg += float64(int(1)<<r-1) / math.Log2(float64(i)+2)
		}
	}
	return dcg
}

// Mean is the metric's mean over queries, each counting once, as XGBoost
// evaluates a ranking: query[i] is row i's query, and a query's rows must
// be together (contiguous), as XGBoost's qid and group sizes lay them out.
// It errors on lengths that differ, no rows, a relevance out of 0 to
// MaxRelevance, a NaN score, or a query whose rows are apart, naming the
// row.
func (m RankMetric) Mean(rel []int, scores []float64, query []int) (float64, error) {
	if len(rel) != len(scores) || len(rel) != len(query) {
		return math.NaN(), fmt.Errorf("metrics: %s: %d relevances, %d scores and %d query ids; give one of each per row", m, len(rel), len(scores), len(query))
	}
	if len(rel) == 0 {
		return math.NaN(), errors.New("metrics: " + m.String() + ": no rows")
	}
	for i, r := range rel {
		switch {
		case r < 0 || r > MaxRelevance:
			return math.NaN(), fmt.Errorf("metrics: %s: row %d's relevance is %d; relevances are 0 to %d", m, i, r, MaxRelevance)
		case math.IsNaN(scores[i]):
			return math.NaN(), fmt.Errorf("metrics: %s: row %d's score is NaN", m, i)
		}
	}
	bounds, err := QueryBounds(query)
	if err != nil {
		return math.NaN(), fmt.Errorf("metrics: %s: %w", m, err)
	}
	return m.MeanBounds(rel, scores, bounds), nil
}

// MeanBounds is Mean on checked input with the queries given by their
// bounds, as QueryBounds returns them: query q is rows
// bounds[q]:bounds[q+1]. The queries are summed in order, as XGBoost sums
// them on one thread.
func (m RankMetric) MeanBounds(rel []int, scores []float64, bounds []int) float64 {
	order := make([]int, 0, len(rel))
	var sum float64
	for q := range len(bounds) - 1 {
		lo, hi := bounds[q], bounds[q+1]
		sum += m.query(rel[lo:hi], scores[lo:hi], order[:hi-lo])
	}
	return sum / float64(len(bounds)-1)
}

// QueryBounds turns each row's query id into the queries' bounds (XGBoost's
// group pointer): query q is rows bounds[q]:bounds[q+1], in the order the
// queries first appear. A query's rows must be contiguous: an id that
// appears again after another query's rows is an error naming the row.
func QueryBounds(query []int) ([]int, error) {
	if len(query) == 0 {
		return nil, errors.New("no rows")
	}
	bounds := []int{0}
	seen := map[int]int{query[0]: 0}
	for i := 1; i < len(query); i++ {
		if query[i] == query[i-1] {
			continue
		}
		if first, ok := seen[query[i]]; ok {
			return nil, fmt.Errorf("row %d is in query %d, whose rows began at row %d and were broken off by query %d's: a query's rows must be contiguous",
				i, query[i], first, query[i-1])
		}
		seen[query[i]] = i
		bounds = append(bounds, i)
	}
	return append(bounds, len(query)), nil
}
