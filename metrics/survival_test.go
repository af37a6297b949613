package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcordanceIndexByHand: times 2, 4, 4+, 6, 7+ (+: censored), risks
// 3, 2, 2, 1, 2. Comparable pairs: the event at 2 with all four later rows
// (risk 3 above each: 4 concordant); the event at 4 with the censored row
// at 4 (risks tie: 1/2), the row at 6 (2 > 1: 1) and the one at 7 (tie:
// 1/2); the event at 6 with the row at 7 (1 < 2: 0). C = 6/8.
func TestConcordanceIndexByHand(t *testing.T) {
	time := []float64{2, 4, 4, 6, 7}
	event := []bool{true, true, false, true, false}
	risk := []float64{3, 2, 2, 1, 2}
	c, err := ConcordanceIndex(time, event, risk)
	require.NoError(t, err)
	require.Equal(t, 0.75, c)
	// The rows' order does not matter.
	perm := []int{3, 0, 4, 2, 1}
	pt, pe, pr := make([]float64, 5), make([]bool, 5), make([]float64, 5)
	for k, i := range perm {
		pt[k], pe[k], pr[k] = time[i], event[i], risk[i]
	}
	c, err = ConcordanceIndex(pt, pe, pr)
	require.NoError(t, err)
	require.Equal(t, 0.75, c)
}

// TestConcordanceIndexMatchesPairCount: on made-up data with tied times
// (events and censored rows at one time), tied risks, heavy censoring and
// none, the C-index is the pair-by-pair count of
// testdata/make_concordance.py (scikit-survival's definition), and
// negating the risks gives 1 − C (concordant and discordant pairs swap,
// ties stay halves).
func TestConcordanceIndexMatchesPairCount(t *testing.T) {
	cases := readFixtureCases[struct {
		Time   []float64 `json:"time"`
		Event  []int     `json:"event"`
		Risk   []float64 `json:"risk"`
		CIndex float64   `json:"c_index"`
	}](t, "concordance.json", 3)
	for name, c := range cases {
		event := make([]bool, len(c.Event))
		for i, e := range c.Event {
			event[i] = e == 1
		}
		got, err := ConcordanceIndex(c.Time, event, c.Risk)
		require.NoError(t, err, name)
		require.InDelta(t, c.CIndex, got, 1e-14, name)
		neg := make([]float64, len(c.Risk))
		for i, r := range c.Risk {
			neg[i] = -r
		}
		rev, err := ConcordanceIndex(c.Time, event, neg)
		require.NoError(t, err, name)
		require.InDelta(t, 1-c.CIndex, rev, 1e-14, name)
	}
}

// TestConcordanceIndexErrors: mismatched lengths, NaN, and data with no
// comparable pair are errors.
func TestConcordanceIndexErrors(t *testing.T) {
	for _, tc := range []struct {
		time  []float64
		event []bool
		risk  []float64
		want  string
	}{
		{[]float64{1, 2}, []bool{true}, []float64{1, 2}, "2 times, 1 event flags and 2 risks"},
		{[]float64{1, math.NaN()}, []bool{true, true}, []float64{1, 2}, "time[1] is NaN"},
		{[]float64{1, 2}, []bool{true, true}, []float64{math.NaN(), 2}, "risk[0] is NaN"},
		{[]float64{1, 2, 3}, []bool{false, false, false}, []float64{1, 2, 3}, "no comparable pair"},
		{[]float64{5, 5}, []bool{true, true}, []float64{1, 2}, "no comparable pair"},
		{nil, nil, nil, "no comparable pair"},
	} {
		c, err := ConcordanceIndex(tc.time, tc.event, tc.risk)
		require.ErrorContains(t, err, tc.want)
		require.True(t, math.IsNaN(c))
	}
}
