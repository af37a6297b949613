package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestClassifiersSplitStratified: logreg, naivebayes and gbt hold out the
// same share of each class for every seed, and every class keeps a
// training row. logreg and naivebayes held out a random ceil(frac·n) rows,
// so a seed could hold out both rows of a small class and naive Bayes
// trained without it.
func TestClassifiersSplitStratified(t *testing.T) {
	var tab, docs strings.Builder
	tab.WriteString("x,label\n")
	docs.WriteString("text,label\n")
	class := func(i int) string { return []string{"neg", "pos", "rare"}[min(i/20, 2)] }
	for i := range 42 { // 20 neg, 20 pos, 2 rare
		fmt.Fprintf(&tab, "%d,%s\n", i, class(i))
		fmt.Fprintf(&docs, "%[1]s %[1]s %[1]s %[1]s number %[2]d,%[1]s\n", class(i), i)
	}
	tabPath := writeFile(t, "classes.csv", tab.String())
	docPath := writeFile(t, "docs.csv", docs.String())
	// ceil(0.25·20) = 5 of neg and pos; ceil(0.25·2) = 1 of rare, its
	// other row training.
	want := []int{5, 5, 1}
	for seed := 1; seed <= 12; seed++ {
		s := fmt.Sprint(seed)
		code, out, errOut := runCmd(t, "logreg", "--data", tabPath, "--target", "label", "--seed", s, "--json")
		require.Equal(t, 0, code, errOut)
		lr := lastJSON(t, out)
		require.Equal(t, want, supports(lr.Report), "logreg, seed %d", seed)
		require.Equal(t, 42-11, lr.NTrain)

		code, out, errOut = runCmd(t, "naivebayes", "--data", docPath, "--text", "text", "--label", "label", "--seed", s, "--json")
		require.Equal(t, 0, code, errOut)
		var nb nbResult
		decodeLast(t, out, &nb)
		require.Equal(t, want, supports(nb.Report), "naivebayes, seed %d", seed)
		require.Equal(t, 42-11, nb.NTrain)
		require.Equal(t, 1.0, nb.Accuracy, "seed %d: every class learned", seed)

		code, out, errOut = runCmd(t, "gbt", "--data", tabPath, "--target", "label", "--trees", "2", "--seed", s, "--json")
		require.Equal(t, 0, code, errOut)
		var gb gbtResult
		decodeLast(t, out, &gb)
		require.Equal(t, 42-11, gb.NTrain, "gbt, seed %d", seed)
	}
}

func supports(rows []jsonClassRow) []int {
	var n []int
	for _, r := range rows {
		n = append(n, r.Support)
	}
	return n
}
