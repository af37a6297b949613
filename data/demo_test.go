package data

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDemoCorpus(t *testing.T) {
	ex, rep, err := DemoCorpus()
	require.NoError(t, err)
	require.Equal(t, FormatTSV, rep.Format)
	require.Zero(t, rep.Skipped)
	require.Len(t, ex, rep.Loaded)

	// The description states the real counts.
	require.Contains(t, DemoDescription, fmt.Sprintf("%d generated messages (%d spam)", rep.Loaded, rep.Spam))
	require.Contains(t, DemoDescription, "not the SMS Spam Collection")

	ratio := float64(rep.Spam) / float64(rep.Loaded)
	require.InDelta(t, 0.13, ratio, 0.01, "spam share %.3f", ratio)
	require.Greater(t, rep.Loaded, 2500)

	kept, dropped := DropEmpty(ex)
	require.Zero(t, dropped)
	require.Len(t, kept, len(ex))

	// Enough variety to be worth training on: mostly distinct messages, a
	// real vocabulary, and some messages longer than the 44-token window.
	distinct := map[string]bool{}
	long := 0
	for _, e := range ex {
		distinct[strings.ToLower(e.Text)] = true
		if len(Tokens(e.Text)) > 44 {
			long++
		}
	}
	require.Greater(t, len(distinct), len(ex)*3/4)
	require.Positive(t, long)
	lists, err := TokenLists(ex, nil)
	require.NoError(t, err)
	require.Greater(t, BuildVocab(lists, 0, 2).Size(), 500)
}

// TestDemoCorpusNotTrivial checks the corpus is learnable but not perfectly
// separable, with a multinomial naive Bayes baseline on the 70/15/15 split:
// the LSTM it is meant for should land in the same 95-99% band.
func TestDemoCorpusNotTrivial(t *testing.T) {
	ex, _, err := DemoCorpus()
	require.NoError(t, err)
	for _, seed := range []int64{1, 2, 3} {
		tr, _, te, err := Split(len(ex), 0.7, 0.15, seed)
		require.NoError(t, err)
		acc := naiveBayesAccuracy(ex, tr, te)
		require.Greater(t, acc, 0.94, "seed %d", seed)
		require.Less(t, acc, 0.995, "seed %d", seed)
	}
}

// naiveBayesAccuracy trains a Laplace-smoothed multinomial naive Bayes on
// the train indices and returns its accuracy on the test indices.
func naiveBayesAccuracy(ex []Example, train, test []int) float64 {
	class := func(e Example) int {
		if e.Spam {
			return 1
		}
		return 0
	}
	var docs, total [2]float64
	counts := [2]map[string]float64{{}, {}}
	seen := map[string]bool{}
	for _, i := range train {
		c := class(ex[i])
		docs[c]++
		for _, w := range Tokens(ex[i].Text) {
			counts[c][w]++
			total[c]++
			seen[w] = true
		}
	}
	v := float64(len(seen))
	right := 0
	for _, i := range test {
		var score [2]float64
		for c := range score {
			score[c] = math.Log(docs[c])
			for _, w := range Tokens(ex[i].Text) {
				if seen[w] {
					score[c] += math.Log((counts[c][w] + 1) / (total[c] + v))
				}
			}
		}
		if (score[1] > score[0]) == ex[i].Spam {
			right++
		}
	}
	return float64(right) / float64(len(test))
}
