package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/selection"
	"github.com/emberml/ember/tabular"
)

// ember gbt's rank objectives (rank:pairwise, rank:ndcg, rank:map): the
// rows come in queries (--group), and every split of the rows (the
// held-out rows, --early-stopping's validation rows, --cv's folds) keeps a
// query whole, drawing queries rather than rows, so that no query is
// scored on documents the fit saw.

// rankScore is a held-out ranking metric, as --json gives it.
type rankScore struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
}

// rankReport are the metrics ember gbt reports for a ranking fit, besides
// --metric: NDCG at the usual cut-offs and MAP.
var rankReport = []string{"ndcg@1", "ndcg@3", "ndcg@5", "ndcg@10", "ndcg", "map"}

// queryValues reads the --group column: each row's query as a number, the
// queries numbered in the order they first appear. A query's rows must be
// together, as XGBoost 1.7 needs its qid sorted: a missing id, or one that
// comes back after another query's rows, is an error naming its line.
func queryValues(b *tabular.Batch, col string) ([]int, error) {
	if b.Column(col) == nil {
		return nil, fmt.Errorf("--group: %w", columnError(b.Source, col, b.Layout))
	}
	return queryColumn(b, col, "--group "+col)
}

// queryColumn is queryValues of a column b has, its errors prefixed by
// what (the flag, or words naming the column) rather than --group's.
func queryColumn(b *tabular.Batch, col, what string) ([]int, error) {
	c := b.Column(col)
	ids := map[string]int{}
	first := map[string]int{}
	q := make([]int, b.Rows)
	prev := ""
	for i := range b.Rows {
		s, ok := c.Text(i)
		if !ok {
			return nil, fmt.Errorf("%s: %s: missing query id%s", what, b.Where(i), c.MissingMarker(i))
		}
		id, seen := ids[s]
		switch {
		case !seen:
			id = len(ids)
			ids[s], first[s] = id, i
		case i > 0 && s != prev:
			return nil, fmt.Errorf("%s: %s: query %q comes back after query %q's rows (its rows began at %s); a query's rows must be together, as XGBoost needs its qid sorted: sort the file by the column",
				what, b.Where(i), s, prev, b.Where(first[s]))
		}
		q[i], prev = id, s
	}
	return q, nil
}

// rankTargets checks that a rank objective's target values are relevance
// grades: whole numbers from 0 to 31 (NDCG's gain is 2^rel − 1).
func rankTargets(b *tabular.Batch, target string, y []float64) error {
	c := b.Column(target)
	for i, v := range y {
		if !(v >= 0 && v <= metrics.MaxRelevance && v == math.Trunc(v)) {
			s, _ := c.Text(i)
			return fmt.Errorf("%s, column %q: %q is not a relevance grade; the rank objectives need whole numbers from 0 to %d (0: not relevant)",
				b.Where(i), target, s, metrics.MaxRelevance)
		}
	}
	return nil
}

// queryWeights checks that every row of a query has the same --weight: a
// ranking weighs queries (XGBoost takes one weight per group).
func queryWeights(b *tabular.Batch, col string, w []float64, q []int) error {
	for i := 1; i < len(w); i++ {
		if q[i] == q[i-1] && w[i] != w[i-1] {
			return fmt.Errorf("--weight %s: %s weighs %v, but the row before it in its query weighs %v: a ranking weighs whole queries, so give each query's rows one weight",
				col, b.Where(i), w[i], w[i-1])
		}
	}
	return nil
}

// querySplit holds out ceil(frac × queries) whole queries, drawn with seed
// (never all of them), and gives both sets of rows in row order, so each
// query's rows stay together.
func querySplit(q []int, frac float64, seed uint64) (train, test []int) {
	nq := 0
	for _, v := range q {
		nq = max(nq, v+1)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e7))
	out := make([]bool, nq)
	perm := r.Perm(nq)
	for _, k := range perm[:min(int(math.Ceil(frac*float64(nq))), nq-1)] {
		out[k] = true
	}
	for i, v := range q {
		if out[v] {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}

// queryKFold deals the queries, shuffled with seed, into k folds of whole
// queries (as scikit-learn's GroupKFold keeps groups whole), each fold's
// rows in row order.
func queryKFold(q []int, k int, seed uint64) ([][]int, error) {
	var ids []int // the queries present, in order
	for i, v := range q {
		if i == 0 || v != q[i-1] {
			ids = append(ids, v)
		}
	}
	if k > len(ids) {
		return nil, fmt.Errorf("--cv %d: the training rows have %d queries; each fold needs one", k, len(ids))
	}
	folds, err := selection.KFold(len(ids), k, seed)
	if err != nil {
		return nil, err
	}
	fold := map[int]int{}
	for f, members := range folds {
		for _, j := range members {
			fold[ids[j]] = f
		}
	}
	out := make([][]int, k)
	for i, v := range q {
		out[fold[v]] = append(out[fold[v]], i)
	}
	return out, nil
}

// rankCVMetric is --metric as a cross-validation metric over the training
// rows, whose grades and queries are rel and q. selection scores a fold's
// predictions against its "targets" without their rows, so the targets
// passed to CrossValidateValues are the row numbers, and the metric looks
// each row's grade and query up by its number. Unweighted, as XGBoost's
// ranking metrics.
func rankCVMetric(m metrics.RankMetric, rel []int, q []int) selection.Metric {
	return selection.Metric{Name: m.String(), HigherIsBetter: true, ScoreValues: func(rows, p, _ []float64) (float64, error) {
		idx := floatLabels(rows) // the fold's row numbers
		return m.Mean(pickInts(rel, idx), p, pickInts(q, idx))
	}}
}

// rowNumbers is 0, 1, …, n−1 as floats: the targets of rankCVMetric and
// survivalCVMetric.
func rowNumbers(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// rankScores are the held-out ranking metrics: rankReport's and --metric,
// over the queries q of grades y at scores p.
func rankScores(metric string, y, p []float64, q []int) ([]rankScore, error) {
	names := slices.Clone(rankReport)
	if !slices.Contains(names, metric) {
		names = append(names, metric)
	}
	var out []rankScore
	for _, name := range names {
		m, err := metrics.ParseRankMetric(name)
		if err != nil {
			return nil, err
		}
		v, err := m.Mean(floatLabels(y), p, q)
		if err != nil {
			return nil, err
		}
		out = append(out, rankScore{name, v})
	}
	return out, nil
}

// rankMetricFlag checks --metric for a rank objective and, when not given,
// sets it to the objective's default (gbt.Model.RankMetric's).
func rankMetricFlag(obj gbt.Objective, metric *string, given bool) error {
	if !given {
		*metric = defaultRankMetric(obj)
		return nil
	}
	if _, err := metrics.ParseRankMetric(*metric); err != nil {
		why := ""
		if base, _, _ := strings.Cut(*metric, "@"); slices.Contains(xgboostOnlyMetrics, base) || base == gbt.MetricAUC {
			why = " (XGBoost's auc, aucpr and pre@k of a ranking are not among them)"
		}
		return fmt.Errorf("--metric %s: --objective %s is scored by a ranking metric, by XGBoost's names: ndcg or map, optionally @k and -, e.g. ndcg@10%s", *metric, obj, why)
	}
	return nil
}

// defaultRankMetric is a rank objective's metric when none is given, as
// gbt.Model's RankMetric defaults: map for rank:map, else ndcg.
func defaultRankMetric(obj gbt.Objective) string {
	if obj == gbt.RankMAP {
		return "map"
	}
	return "ndcg"
}

// pickInts is v at the rows idx.
func pickInts(v []int, idx []int) []int {
	out := make([]int, len(idx))
	for k, i := range idx {
		out[k] = v[i]
	}
	return out
}
