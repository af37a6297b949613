package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/models/gbt"
)

// pathFeatureSets are the distinct sets of features (each sorted) on the
// root-to-leaf paths of the trees of the model file at path, read from
// its tensors (a split's children are Left and Left+1; a leaf's feature
// is -1).
func pathFeatureSets(t *testing.T, path string) [][]int {
	t.Helper()
	f, err := checkpoint.Load(path, gbt.FileKind)
	require.NoError(t, err)
	tensor := func(name string) []int32 {
		b, err := f.Tensor(name)
		require.NoError(t, err)
		return b.I32
	}
	roots, feature, left := tensor("trees.roots"), tensor("nodes.feature"), tensor("nodes.left")
	var out [][]int
	var walk func(n int32, above []int)
	walk = func(n int32, above []int) {
		if feature[n] < 0 {
			s := slices.Compact(slices.Sorted(slices.Values(above)))
			if !slices.ContainsFunc(out, func(o []int) bool { return slices.Equal(o, s) }) {
				out = append(out, s)
			}
			return
		}
		next := append(slices.Clip(above), int(feature[n]))
		walk(left[n], next)
		walk(left[n]+1, next)
	}
	for _, r := range roots {
		walk(r, nil)
	}
	return out
}

// crossings are the paths whose features no one set holds (a path on
// one feature is always allowed: a feature in no set is split on alone).
func crossings(paths, sets [][]int) [][]int {
	var out [][]int
	for _, p := range paths {
		if len(p) > 1 && !slices.ContainsFunc(sets, func(s []int) bool {
			return !slices.ContainsFunc(p, func(j int) bool { return !slices.Contains(s, j) })
		}) {
			out = append(out, p)
		}
	}
	return out
}

// TestGBTConstraintsOneHotColumn: a one-hot encoded column named in
// --interaction-constraints puts each of its one-hot features in the set
// (no tree path then joins one of them with a feature of another set,
// which the same fit unconstrained does), and named in --feature-weights
// weighs each of them (weight 0: never split on, where unweighted they
// carry gain); one one-hot feature can be named "column=value"; with
// --categorical-mode native the column is its one feature, and naming a
// value of it is an error that says to name the column.
func TestGBTConstraintsOneHotColumn(t *testing.T) {
	data := creditTable(t, 600, -1)
	fit := func(args ...string) (gbtResult, *gbt.Saved, string) {
		t.Helper()
		res, s, model, _ := fitCredit(t, data, slices.Concat([]string{"--trees", "30", "--max-depth", "4"}, args)...)
		return res, s, model
	}
	// Features: age 0, income 1, debt 2, score 3, city=Lima 4, city=Oslo 5, city=Rome 6.
	_, _, freeModel := fit()
	sets := [][]int{{4, 5, 6, 2}, {0, 1}}
	require.NotEmpty(t, crossings(pathFeatureSets(t, freeModel), sets), "unconstrained trees keep to the sets: the test proves nothing")
	res, s, model := fit("--interaction-constraints", `[["city","debt"],["age","income"]]`)
	require.Equal(t, sets, s.Model.InteractionConstraints)
	require.Equal(t, [][]string{{"city=Lima", "city=Oslo", "city=Rome", "debt"}, {"age", "income"}}, res.Interactions)
	paths := pathFeatureSets(t, model)
	require.Empty(t, crossings(paths, sets))
	require.True(t, slices.ContainsFunc(paths, func(p []int) bool {
		return len(p) > 1 && slices.ContainsFunc(p, func(j int) bool { return j >= 4 }) && slices.Contains(p, 2)
	}), "a city feature and debt do interact: %v", paths)

	_, one, oneModel := fit("--interaction-constraints", `[["city=Oslo","age"],["debt"]]`)
	require.Equal(t, [][]int{{5, 0}, {2}}, one.Model.InteractionConstraints)
	require.Empty(t, crossings(pathFeatureSets(t, oneModel), [][]int{{5, 0}, {2}}))

	// colsample-bytree 0.5 keeps 3 of the 7 features, and 4 weigh above 0.
	free, _, _ := fit("--colsample-bytree", "0.5")
	cityGain := func(r gbtResult) float64 {
		var g float64
		for _, row := range r.Importance {
			if len(row.Feature) > 5 && row.Feature[:5] == "city=" {
				g += row.Gain
			}
		}
		return g
	}
	require.Positive(t, cityGain(free), "city is split on unweighted: the test proves nothing")
	weighed, sw, _ := fit("--colsample-bytree", "0.5", "--feature-weights", "city=0,income=2")
	require.Equal(t, []float64{1, 2, 1, 1, 0, 0, 0}, sw.Model.FeatureWeights)
	require.Equal(t, map[string]float64{"city=Lima": 0, "city=Oslo": 0, "city=Rome": 0, "income": 2}, weighed.FeatureWeights)
	require.Zero(t, cityGain(weighed))
	_, sw, _ = fit("--colsample-bytree", "0.5", "--feature-weights", "city=Rome=3")
	require.Equal(t, []float64{1, 1, 1, 1, 1, 1, 3}, sw.Model.FeatureWeights)

	// Native: city is feature 4, the one feature of its codes.
	_, sn, nativeModel := fit("--categorical-mode", "native", "--interaction-constraints", `[["city","debt"],["age","income"]]`,
		"--colsample-bytree", "0.5", "--feature-weights", "city=0")
	require.Equal(t, [][]int{{4, 2}, {0, 1}}, sn.Model.InteractionConstraints)
	require.Equal(t, []float64{1, 1, 1, 1, 0}, sn.Model.FeatureWeights)
	require.Empty(t, crossings(pathFeatureSets(t, nativeModel), [][]int{{4, 2}, {0, 1}}))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--interaction-constraints", `[["city=Paris"]]`},
			`--interaction-constraints: city=Paris: column city has no value "Paris" in ` + data + ` (its values: Lima, Oslo, Rome); name city for all of its one-hot features`},
		{[]string{"--interaction-constraints", `[["city","city=Oslo"]]`}, "--interaction-constraints: set 1 (from 1) lists city=Oslo twice (city stands for all of its one-hot features)"},
		{[]string{"--interaction-constraints", `[["city=Oslo","city"]]`}, "--interaction-constraints: set 1 (from 1) lists city=Oslo twice (city stands for all of its one-hot features)"},
		{[]string{"--interaction-constraints", `[["size"]]`}, `has no column "size" (the features are: age, income, debt, score, city); a one-hot feature is named column=value, e.g. city=Lima`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "city=2,city=Oslo=1"}, "--feature-weights gives city=Oslo twice (city stands for all of its one-hot features)"},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "city=Paris=1"}, `--feature-weights: city=Paris: column city has no value "Paris"`},
		{[]string{"--categorical-mode", "native", "--interaction-constraints", `[["city=Oslo"]]`},
			"--interaction-constraints: city=Oslo: city is one feature of category codes (--categorical-mode native), not a feature per value: name city"},
		{[]string{"--categorical-mode", "native", "--colsample-bynode", "0.5", "--feature-weights", "city=Oslo=2"},
			"--feature-weights: city=Oslo: city is one feature of category codes (--categorical-mode native), not a feature per value: name city"},
		{[]string{"--categorical-mode", "native", "--interaction-constraints", `[["size"]]`}, `has no column "size" (the features are: age, income, debt, score, city)`},
	} {
		_, errOut := requireRefusedBeforeFit(t, []string{"gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city", "--trees", "2"},
			tc.args, 1, tc.want)
		if slices.Contains(tc.args, "native") {
			require.NotContains(t, errOut, "one-hot feature is named", "%v: native has none", tc.args)
		}
	}
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "city", "--tokens", "genres", "--token-sep", "|",
		"--interaction-constraints", `[["genres=a"]]`)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--interaction-constraints: genres=a is a feature of --tokens column genres")
}

// TestGBTConstraintsOneHotRareValue: the one-hot features a named column
// stands for are those of the values the fit's rows have (the training
// rows', each --cv fold's): a rare value left out of the training rows is
// in no set and weighs nothing, its neighbours keep their sets and
// weights; a set of only that value is dropped, its features then in no
// set (feature 0 alone is XGBoost's "[]": every feature apart).
func TestGBTConstraintsOneHotRareValue(t *testing.T) {
	data := creditTable(t, 300, 7) // "Bergen" on row 7 alone
	heldOut, kept := 0, 0
	for seed := 1; seed <= 6; seed++ {
		for _, ic := range []string{`[["city","debt"],["age"]]`, `[["city=Bergen"]]`} {
			model := filepath.Join(t.TempDir(), "m.model")
			code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city",
				"--trees", "5", "--colsample-bytree", "0.7", "--feature-weights", "city=2,age=0.5", "--interaction-constraints", ic,
				"--seed", strconv.Itoa(seed), "--save", model)
			require.Equal(t, 0, code, "seed %d: %s", seed, errOut)
			s, err := gbt.Load(model)
			require.NoError(t, err)
			features := s.Pipeline.Features
			var city []int
			for j, f := range features {
				if len(f) > 5 && f[:5] == "city=" {
					city = append(city, j)
				}
			}
			bergen := slices.Index(features, "city=Bergen")
			if ic == `[["city=Bergen"]]` {
				if bergen < 0 {
					require.Equal(t, [][]int{{0}}, s.Model.InteractionConstraints, "seed %d", seed)
				} else {
					require.Equal(t, [][]int{{bergen}}, s.Model.InteractionConstraints, "seed %d", seed)
				}
				continue
			}
			if bergen < 0 {
				heldOut++
				require.Len(t, city, 3)
			} else {
				kept++
				require.Len(t, city, 4)
			}
			require.Equal(t, [][]int{append(city, 2), {0}}, s.Model.InteractionConstraints, "seed %d: %v", seed, features)
			want := slices.Repeat([]float64{1}, len(features))
			want[0] = 0.5
			for _, j := range city {
				want[j] = 2
			}
			require.Equal(t, want, s.Model.FeatureWeights, "seed %d", seed)
			require.Empty(t, crossings(pathFeatureSets(t, model), s.Model.InteractionConstraints), "seed %d", seed)
		}
	}
	require.Positive(t, heldOut, "the rare value was always a training row: the test proves nothing")
	require.Positive(t, kept, "the rare value was never a training row: the test proves nothing")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city",
		"--trees", "5", "--interaction-constraints", `[["city","debt"]]`, "--feature-weights", "city=Bergen=3",
		"--cv", "3", "--grid", "colsample_bytree=0.5,0.8")
	require.Equal(t, 0, code, errOut)
}

// TestGBTFeatureWeightsNumberedColumns: with columns named by number
// (--no-header), a whole-number key that is both a feature index and
// another column's name is an error saying how to write either, not a
// weight on the feature of that index; the name in double quotes is the
// column (all of its one-hot features).
func TestGBTFeatureWeightsNumberedColumns(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		// Columns 0 (categorical), 1, 2 (numbers), 3 (label): features 1 0, 2 1, 0=a.. 2-4.
		label := "no"
		if i*7%11 > 5 != (i%3 == 0) {
			label = "yes"
		}
		fmt.Fprintf(&b, "%s %d %d %s\n", []string{"a", "b", "c"}[i%3], i*7%11, i*5%13, label)
	}
	data := filepath.Join(t.TempDir(), "numbered.data")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	run := func(weights string) (int, *gbt.Saved, string) {
		t.Helper()
		model := filepath.Join(t.TempDir(), "m.model")
		code, _, errOut := runCmd(t, "gbt", "--data", data, "--sep", "whitespace", "--no-header", "--target", "3", "--categorical", "0",
			"--trees", "3", "--colsample-bytree", "0.5", "--feature-weights", weights, "--save", model)
		if code != 0 {
			return code, nil, errOut
		}
		s, err := gbt.Load(model)
		require.NoError(t, err)
		return code, s, errOut
	}
	code, _, errOut := run("0=3")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, `--feature-weights 0=3: 0 is a column's name and a feature index: write '"0"=3' (in double quotes) for column 0, or '"1"=3' for feature 0`)
	code, _, errOut = run("3=2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, `write '"3"=2' (in double quotes) for column 3`)
	_, s, _ := run(`"0"=3`)
	require.Equal(t, []string{"1", "2", "0=a", "0=b", "0=c"}, s.Pipeline.Features)
	require.Equal(t, []float64{1, 1, 3, 3, 3}, s.Model.FeatureWeights)
	_, s, _ = run(`"1"=0,0=b=2`)
	require.Equal(t, []float64{0, 1, 1, 2, 1}, s.Model.FeatureWeights)
	// Feature 2 is no column's name "2" (that column is feature 1).
	code, _, errOut = run("2=4")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, `for column 2, or '"0=a"=4' for feature 2`)
}
