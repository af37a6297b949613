package metrics

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// rankingFixture is testdata/ranking.json (make_ranking.py).
type rankingFixture struct {
	Sklearn []struct {
		Rel   []int     `json:"rel"`
		Score []float64 `json:"score"`
		NDCG  float64   `json:"ndcg"`
		At1   float64   `json:"ndcg@1"`
		At3   float64   `json:"ndcg@3"`
		At5   float64   `json:"ndcg@5"`
		AP    *float64  `json:"ap"`
	} `json:"sklearn"`
	XGBoost map[string]float64 `json:"xgboost"`
	Rows    struct {
		Rel   []int     `json:"rel"`
		Score []float64 `json:"score"`
		QID   []int     `json:"qid"`
	} `json:"rows"`
}

func readRanking(t *testing.T) rankingFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/ranking.json")
	require.NoError(t, err)
	var f rankingFixture
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Sklearn)
	require.Len(t, f.XGBoost, 7)
	return f
}

// TestRankMetricMatchesSklearn: on queries without tied scores, NDCG and
// NDCG@k are sklearn's ndcg_score given the gains 2^rel − 1, and MAP is its
// average_precision_score of rel > 0.
func TestRankMetricMatchesSklearn(t *testing.T) {
	f := readRanking(t)
	for i, q := range f.Sklearn {
		for k, want := range map[int]float64{0: q.NDCG, 1: q.At1, 3: q.At3, 5: q.At5} {
			got := RankMetric{K: k}.Query(q.Rel, q.Score)
			require.InDelta(t, want, got, 1e-12, "query %d, ndcg@%d", i, k)
		}
		if q.AP != nil {
			require.InDelta(t, *q.AP, RankMetric{MAP: true}.Query(q.Rel, q.Score), 1e-12, "query %d, average precision", i)
		}
	}
}

// TestRankMetricMatchesXGBoost: over all the fixture's queries, ties and a
// query without relevant documents included, each metric's mean is
// XGBoost 1.7's evaluation of it (the "-" forms scoring the empty query 0,
// the others 1; MAP@k dividing by all of a query's relevant documents).
func TestRankMetricMatchesXGBoost(t *testing.T) {
	f := readRanking(t)
	for name, want := range f.XGBoost {
		m, err := ParseRankMetric(name)
		require.NoError(t, err)
		require.Equal(t, name, m.String())
		got, err := m.Mean(f.Rows.Rel, f.Rows.Score, f.Rows.QID)
		require.NoError(t, err)
		require.InDelta(t, want, got, 1e-12, name)
	}
}

// TestRankMetricConventions pins the cases the fixtures pass through: a
// query without relevant documents, ties kept in row order, and MAP@k's
// divisor.
func TestRankMetricConventions(t *testing.T) {
	none := []int{0, 0, 0}
	s := []float64{3, 2, 1}
	require.Equal(t, 1.0, RankMetric{}.Query(none, s))
	require.Equal(t, 0.0, RankMetric{Minus: true}.Query(none, s))
	require.Equal(t, 1.0, RankMetric{MAP: true, K: 2}.Query(none, s))
	require.Equal(t, 0.0, RankMetric{MAP: true, Minus: true}.Query(none, s))
	// Tied scores: the first row comes first, so a relevant second row
	// ranks second.
	tie := []float64{1, 1}
	require.InDelta(t, 1/math.Log2(3), RankMetric{}.Query([]int{0, 1}, tie), 1e-15)
	require.Equal(t, 1.0, RankMetric{}.Query([]int{1, 0}, tie))
	// Two relevant documents, one in the top 1: MAP@1 is (1/1)/2.
	require.Equal(t, 0.5, RankMetric{MAP: true, K: 1}.Query([]int{1, 0, 1}, s))
	// Gains are 2^rel − 1: rel 2 in second place against rel 1 in first.
	got := RankMetric{}.Query([]int{1, 2}, []float64{2, 1})
	require.InDelta(t, (1+3/math.Log2(3))/(3+1/math.Log2(3)), got, 1e-15)
}

func TestParseRankMetric(t *testing.T) {
	for name, want := range map[string]RankMetric{
		"ndcg": {}, "ndcg@10": {K: 10}, "ndcg-": {Minus: true}, "ndcg@5-": {K: 5, Minus: true},
		"map": {MAP: true}, "map@3": {MAP: true, K: 3}, "map-": {MAP: true, Minus: true},
	} {
		got, err := ParseRankMetric(name)
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
		require.Equal(t, name, got.String())
	}
	for _, bad := range []string{"", "auc", "ndcg@", "ndcg@0", "ndcg@x", "ndcg10", "map@-1", "ndcg@3--"} {
		_, err := ParseRankMetric(bad)
		require.Error(t, err, bad)
	}
}

func TestRankMetricBadInput(t *testing.T) {
	m := RankMetric{K: 3}
	require.True(t, math.IsNaN(m.Query([]int{1}, []float64{1, 2})))
	require.True(t, math.IsNaN(m.Query(nil, nil)))
	require.True(t, math.IsNaN(m.Query([]int{32}, []float64{1})))
	require.True(t, math.IsNaN(m.Query([]int{-1}, []float64{1})))
	require.True(t, math.IsNaN(m.Query([]int{1}, []float64{math.NaN()})))

	_, err := m.Mean([]int{1, 0, 1}, []float64{1, 2, 3}, []int{7, 8, 7})
	require.ErrorContains(t, err, "row 2 is in query 7, whose rows began at row 0")
	_, err = m.Mean([]int{1, 40}, []float64{1, 2}, []int{1, 1})
	require.ErrorContains(t, err, "row 1's relevance is 40")
	_, err = m.Mean([]int{1}, []float64{1, 2}, []int{1})
	require.ErrorContains(t, err, "1 relevances, 2 scores and 1 query ids")
	_, err = m.Mean(nil, nil, nil)
	require.ErrorContains(t, err, "no rows")
	_, err = m.Mean([]int{1}, []float64{math.NaN()}, []int{1})
	require.ErrorContains(t, err, "row 0's score is NaN")

	b, err := QueryBounds([]int{5, 5, 2, 9, 9, 9})
	require.NoError(t, err)
	require.Equal(t, []int{0, 2, 3, 6}, b)
}
