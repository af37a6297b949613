package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// ConcordanceIndex is Harrell's concordance index (C-index) of risk scores
// on right-censored survival data, as scikit-survival's
// concordance_index_censored and lifelines' concordance_index compute it:
// the share of comparable pairs of rows that the scores put in the order
// the events came in. time is each row's survival or censoring time,
// event whether the event was seen at that time (false: censored, the
// event came later if at all), and risk the model's score, higher meaning
// an earlier event (a hazard ratio; for a model that predicts times, pass
// the negated times).
//
// A pair (i, j) is comparable when row i's event was seen and came first:
// time[i] < time[j], or time[i] == time[j] with j censored (j was known to
// be event-free at that time). Pairs of two censored rows, and of two
// events at the same time, are not comparable: their order is unknown. A
// comparable pair is concordant when risk[i] > risk[j] and counts 1/2
// when the risks tie, so C is 1 for a perfect ranking, 1/2 for scores no
// better than chance (or all equal) and 0 for a reversed ranking, as ROC
// AUC is; with no censoring and no tied times it is the ROC AUC of every
// pair of rows. The count takes O(n log n): rows sorted by time, each
// event's later rows counted by risk in a Fenwick tree.
//
// It errors when the lengths differ, a time or risk is NaN (an infinite
// time or risk is ordered as any other), or no pair is comparable (no
// event seen, or only events at one time with nothing censored there).
func ConcordanceIndex(time []float64, event []bool, risk []float64) (float64, error) {
	n := len(time)
	if len(event) != n || len(risk) != n {
		return math.NaN(), fmt.Errorf("metrics: ConcordanceIndex: %d times, %d event flags and %d risks; they must match", n, len(event), len(risk))
	}
	for i := range n {
		if math.IsNaN(time[i]) {
			return math.NaN(), fmt.Errorf("metrics: ConcordanceIndex: time[%d] is NaN", i)
		}
		if math.IsNaN(risk[i]) {
			return math.NaN(), fmt.Errorf("metrics: ConcordanceIndex: risk[%d] is NaN", i)
		}
	}
	// Rank the risks (ties share a rank, from 1) for the Fenwick tree.
	sorted := slices.Clone(risk)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	rank := make([]int, n)
	for i, r := range risk {
		rank[i] = sort.SearchFloat64s(sorted, r) + 1
	}
	tree := make([]int64, len(sorted)+1)
	add := func(k int) {
		for ; k < len(tree); k += k & -k {
			tree[k]++
		}
	}
	// atMost is how many rows in the tree have rank ≤ k.
	atMost := func(k int) int64 {
		var s int64
		for ; k > 0; k -= k & -k {
			s += tree[k]
		}
		return s
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case time[a] < time[b]:
			return -1
		case time[a] > time[b]:
			return 1
		}
		return 0
	})
	// From the latest time back: the tree holds the rows of later times;
	// a time's censored rows join it before its events are counted, its
	// events after.
	var concordant, tied, comparable int64
	for end := n; end > 0; {
		begin := end - 1
		for begin > 0 && time[order[begin-1]] == time[order[end-1]] {
			begin--
		}
		group := order[begin:end]
		for _, i := range group {
			if !event[i] {
				add(rank[i])
			}
		}
		inTree := int64(n - end)
		for _, i := range group {
			if !event[i] {
				inTree++
			}
		}
		for _, i := range group {
			if event[i] {
				below, upTo := atMost(rank[i]-1), atMost(rank[i])
				concordant += below
				tied += upTo - below
				comparable += inTree
			}
		}
		for _, i := range group {
			if event[i] {
				add(rank[i])
			}
		}
		end = begin
	}
	if comparable == 0 {
		return math.NaN(), fmt.Errorf("metrics: ConcordanceIndex: no comparable pair of rows (a pair needs a seen event before the other row's time, or at a time the other row was censored)")
	}
	return (float64(concordant) + float64(tied)/2) / float64(comparable), nil
}
