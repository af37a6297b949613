package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
)

// TestGBTMonotoneRareCategory: --monotone is made for the features of
// every row, and still fits a model whose training rows (or --cv fold)
// lack a one-hot column's rare value, and so a feature: the constraints
// are cut to the fit's features.
func TestGBTMonotoneRareCategory(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,city,label\n")
	for i := range 300 {
		city := []string{"Oslo", "Rome", "Lima"}[i%3]
		if i == 7 {
			city = "Bergen"
		}
		label := "no"
		if (i*7%47 > 20) != (i%3 == 1) {
			label = "yes"
		}
		b.WriteString(strconv.Itoa(i*7%47) + "," + city + "," + label + "\n")
	}
	data := filepath.Join(t.TempDir(), "t.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	heldOut := 0
	for seed := 1; seed <= 6; seed++ {
		model := filepath.Join(t.TempDir(), "m.model")
		code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--categorical", "city",
			"--trees", "5", "--monotone", "x:+1", "--seed", strconv.Itoa(seed), "--save", model)
		require.Equal(t, 0, code, "seed %d: %s", seed, errOut)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		require.Len(t, s.Model.Monotone, len(s.Pipeline.Features))
		require.Equal(t, 1, s.Model.Monotone[0])
		if !slices.Contains(s.Pipeline.Features, "city=Bergen") {
			heldOut++
		}
	}
	require.Positive(t, heldOut, "the rare value was always a training row: the test proves nothing")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--categorical", "city",
		"--trees", "5", "--monotone", "x:+1", "--cv", "3", "--grid", "max_depth=2,3")
	require.Equal(t, 0, code, errOut)
}
