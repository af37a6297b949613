package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
)

// TestGBTColsample: --colsample-bytree/bylevel/bynode reach the model (a
// tree of one sampled feature splits on that one only), are reported and
// saved, are reproducible by --seed, work as --grid axes under XGBoost's
// and LightGBM's names, and bad fractions are refused before any work.
func TestGBTColsample(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 600, nil)
	fit := func(args ...string) gbtResult {
		t.Helper()
		args = append([]string{"gbt", "--data", data, "--target", "label", "--features", "x",
			"--categorical", "city", "--tokens", "genres", "--token-sep", "|", "--max-depth", "3", "--json"}, args...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		return res
	}
	used := func(res gbtResult) int {
		n := 0
		for _, r := range res.Importance {
			if r.Gain > 0 {
				n++
			}
		}
		return n
	}
	// 7 features; a tree drawing 0.1 of them has one.
	all := fit("--trees", "1")
	require.Equal(t, 7, all.NFeatures)
	require.Greater(t, used(all), 1)
	one := fit("--trees", "1", "--colsample-bytree", "0.1")
	require.Equal(t, 1, used(one))
	require.Equal(t, 0.1, one.Params["colsample_bytree"])
	require.Equal(t, 1.0, one.Params["colsample_bynode"])

	model := filepath.Join(t.TempDir(), "m.model")
	args := []string{"--trees", "20", "--colsample-bytree", "0.8", "--colsample-bylevel", "0.7", "--colsample-bynode", "0.6"}
	a := fit(append(args, "--save", model)...)
	b := fit(args...)
	c := fit(append(slices.Clone(args), "--seed", "2")...)
	d := fit("--trees", "20", "--seed", "2")
	require.Equal(t, a.Importance, b.Importance)
	require.Equal(t, *a.ROCAUC, *b.ROCAUC)
	require.NotEqual(t, c.Importance, d.Importance, "sampling changes the trees")
	s, err := gbt.Load(model)
	require.NoError(t, err)
	require.Equal(t, []float64{0.8, 0.7, 0.6}, []float64{s.Model.ColsampleByTree, s.Model.ColsampleByLevel, s.Model.ColsampleByNode})

	cv := fit("--trees", "10", "--cv", "2", "--grid", "feature_fraction=0.5,1;colsample_bynode=0.5")
	require.Len(t, cv.CV.Points, 2)
	for _, p := range cv.CV.Points {
		require.Contains(t, p.Point, "colsample_bytree")
		require.Equal(t, 0.5, p.Point["colsample_bynode"])
	}
	require.Equal(t, 0.5, cv.Params["colsample_bynode"])

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--colsample-bytree", "0"}, "--colsample-bytree 0: must be from 0 to 1, 0 excluded"},
		{[]string{"--colsample-bylevel", "1.5"}, "--colsample-bylevel 1.5: must be from 0 to 1, 0 excluded"},
		{[]string{"--colsample-bynode", "nan"}, "--colsample-bynode nan: must be a finite number"},
		{[]string{"--cv", "2", "--grid", "colsample_bynode=0.5,1.5"}, "--grid colsample_bynode: 1.5 is not in (0, 1]"},
		{[]string{"--cv", "2", "--grid", "feature_fraction=0"}, "--grid colsample_bytree: 0 is not in (0, 1]"},
	} {
		code, _, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--target", "label"}, tc.args...)...)
		require.Equal(t, 2, code, errOut)
		require.Contains(t, errOut, tc.want)
	}
}
