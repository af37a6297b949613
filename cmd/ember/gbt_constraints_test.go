package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// creditTable writes n rows of id, age, income, debt, score, city (one
// value, "Bergen", on row rare only, when rare ≥ 0), genres and label,
// whose label needs age with income and debt with score.
func creditTable(t *testing.T, n, rare int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,age,income,debt,score,city,genres,label\n")
	for i := range n {
		age, income, debt, score := 20+i*7%47, i*13%31, i*5%23, i*11%17
		city := []string{"Oslo", "Rome", "Lima"}[i%3]
		if i == rare {
			city = "Bergen"
		}
		z := float64(age-43)*float64(income-15)/60 + float64(debt-11)*float64(score-8)/20 + float64(i%3) - 1
		label := "no"
		if z+math.Sin(float64(i))*1.5 > 0 {
			label = "yes"
		}
		b.WriteString(strings.Join([]string{strconv.Itoa(i), strconv.Itoa(age), strconv.Itoa(income), strconv.Itoa(debt),
			strconv.Itoa(score), city, []string{"a|b", "b", "c"}[i%3], label}, ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), "credit.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// fitCredit fits gbt on the creditTable file data, predicting label from
// every column but id and genres with city one-hot encoded, and args added
// (the size of the fit among them); it saves the model and prints --json.
// It returns the --json result, the saved model, the model file and
// stdout.
func fitCredit(t *testing.T, data string, args ...string) (res gbtResult, saved *gbt.Saved, model, out string) {
	t.Helper()
	model = filepath.Join(t.TempDir(), "m.model")
	code, out, errOut := runCmd(t, slices.Concat([]string{"gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city",
		"--save", model, "--json"}, args)...)
	require.Equal(t, 0, code, errOut)
	decodeLast(t, out, &res)
	saved, err := gbt.Load(model)
	require.NoError(t, err)
	return res, saved, model, out
}

// interacts is the largest difference-in-differences of m's margins over
// the rows of X when features a and b move together from their values to
// other's: 0 (float32 rounding) when no tree lets them interact.
func interacts(t *testing.T, m *gbt.Model, X *tabular.Matrix, a, b int, va, vb float32) float64 {
	t.Helper()
	S := tabular.NewMatrix(4*X.Rows, X.Cols)
	for i := range X.Rows {
		for k := range 4 {
			row := S.Row(4*i + k)
			copy(row, X.Row(i))
			if k&1 != 0 {
				row[a] = va
			}
			if k&2 != 0 {
				row[b] = vb
			}
		}
	}
	mg, err := m.Margins(S)
	require.NoError(t, err)
	worst := 0.0
	for i := range X.Rows {
		g := mg[4*i : 4*i+4]
		worst = max(worst, math.Abs(g[3]-g[2]-g[1]+g[0]))
	}
	return worst
}

// TestGBTInteractionConstraints: --interaction-constraints takes
// XGBoost's JSON sets by column name or feature index (the same model
// either way), reaches the model, the summary and the file, and the
// fitted model lets features interact only within a set (a pair in no
// common set has no difference-in-differences); '[]' keeps every feature
// apart; it works with --cv and a native categorical column; and each bad
// value is an error naming it before any fit.
func TestGBTInteractionConstraints(t *testing.T) {
	data := creditTable(t, 600, -1)
	fit := func(args ...string) (gbtResult, *gbt.Saved, string) {
		t.Helper()
		res, s, _, out := fitCredit(t, data, slices.Concat([]string{"--trees", "30", "--max-depth", "4"}, args)...)
		return res, s, out
	}
	tb, err := readBatch(data, nil, tabular.Layout{})
	require.NoError(t, err)
	X := func(s *gbt.Saved) *tabular.Matrix {
		X, _, err := s.Pipeline.Transform(tb, nil)
		require.NoError(t, err)
		return X.SelectRows([]int{0, 5, 17, 90, 201, 333, 470, 599})
	}
	// Features: age 0, income 1, debt 2, score 3, city=… 4-6.
	res, s, out := fit("--interaction-constraints", `[["age","income"],["debt","score","age"]]`)
	require.Equal(t, [][]int{{0, 1}, {2, 3, 0}}, s.Model.InteractionConstraints)
	require.Equal(t, [][]string{{"age", "income"}, {"debt", "score", "age"}}, res.Interactions)
	require.Contains(t, out, "interactions within [age income] [debt score age]")
	Xs := X(s)
	free, sFree, _ := fit()
	require.Nil(t, free.Interactions)
	Xf := X(sFree)
	require.Greater(t, interacts(t, sFree.Model, Xf, 1, 3, 3, 2), 1e-3, "income and score interact unconstrained: the test proves nothing")
	require.Greater(t, interacts(t, sFree.Model, Xf, 4, 0, 1, 60), 1e-3, "city=Lima and age interact unconstrained: the test proves nothing")
	require.Less(t, interacts(t, s.Model, Xs, 1, 2, 3, 20), 1e-5, "income and debt share no set")
	require.Less(t, interacts(t, s.Model, Xs, 1, 3, 3, 2), 1e-5, "income and score share no set")
	require.Less(t, interacts(t, s.Model, Xs, 4, 0, 1, 60), 1e-5, "city=Lima is in no set")
	require.Greater(t, interacts(t, s.Model, Xs, 0, 1, 60, 3), 1e-3, "age and income do interact")

	byIndex, _, _ := fit("--interaction-constraints", `[[0, "income"], [2,3,0]]`)
	require.Equal(t, res.Importance, byIndex.Importance, "by index as by name")

	_, apart, _ := fit("--interaction-constraints", "[]")
	require.Equal(t, [][]int{{0}, {1}, {2}, {3}}, apart.Model.InteractionConstraints)
	Xa := X(apart)
	for a := range 4 {
		for b := a + 1; b < 7; b++ {
			require.Less(t, interacts(t, apart.Model, Xa, a, b, 1, 1), 1e-5, "features %d and %d", a, b)
		}
	}

	native, sn, _ := fit("--categorical-mode", "native", "--interaction-constraints", `[["city","debt"]]`)
	require.Equal(t, [][]int{{4, 2}}, sn.Model.InteractionConstraints)
	require.Equal(t, [][]string{{"city", "debt"}}, native.Interactions)

	cv, _, _ := fit("--interaction-constraints", `[["age","income"]]`, "--cv", "2", "--grid", "learning_rate=0.1,0.3")
	require.Len(t, cv.CV.Points, 2)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--interaction-constraints", "[[0,1]"}, 2, `--interaction-constraints [[0,1]: not a list of feature lists, e.g. '[[0,1],[2,3]]'`},
		{[]string{"--interaction-constraints", "[0,1]"}, 2, "not a list of feature lists"},
		{[]string{"--interaction-constraints", "null"}, 2, "not a list of feature lists"},
		{[]string{"--interaction-constraints", "[[0,1]] x"}, 2, "not a list of feature lists"},
		{[]string{"--interaction-constraints", "[[0,1],[]]"}, 2, "--interaction-constraints: set 2 (from 1) is empty"},
		{[]string{"--interaction-constraints", "[[0,1.5]]"}, 2, "--interaction-constraints: set 1 (from 1): 1.5 is not a feature index"},
		{[]string{"--interaction-constraints", "[[-1]]"}, 2, "set 1 (from 1): -1 is not a feature index"},
		{[]string{"--interaction-constraints", "[[0,true]]"}, 2, "set 1 (from 1): true is not a feature index or a column name"},
		{[]string{"--interaction-constraints", `[["age"],["size"]]`}, 1, `--interaction-constraints: ` + data + ` has no column "size" (the features are: age, income, debt, score, city)`},
		{[]string{"--interaction-constraints", `[["label","age"]]`}, 1, "--interaction-constraints: label is the --target"},
		{[]string{"--interaction-constraints", `[["id"]]`}, 1, "--interaction-constraints: id is not a feature"},
		{[]string{"--interaction-constraints", `[[0,9]]`}, 1, "--interaction-constraints: feature 9: there are 7 features (0..6: age, income, debt, score, city=Lima, city=Oslo, city=Rome)"},
		{[]string{"--interaction-constraints", `[[0,5]]`}, 1, `--interaction-constraints: feature 5 is city=Oslo, a one-hot feature, whose index depends on the values a fit's rows have: name it "city=Oslo" (or "city" for all of city's one-hot features)`},
		{[]string{"--interaction-constraints", `[["age",1,0]]`}, 1, "--interaction-constraints: set 1 (from 1) lists age twice"},
	} {
		requireRefusedBeforeFit(t, []string{"gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city", "--trees", "2"},
			tc.args, tc.code, tc.want)
	}
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--tokens", "genres", "--token-sep", "|",
		"--interaction-constraints", `[["genres"]]`)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--interaction-constraints: genres holds --tokens")
}

// TestGBTFeatureWeights: --feature-weights reaches the model by column
// name or feature index (unlisted features weigh 1): features of weight 0
// are never split on while the tree's draw keeps fewer than weigh above
// 0; it is refused without column sampling, and each bad entry is an
// error naming it before any fit.
func TestGBTFeatureWeights(t *testing.T) {
	data := creditTable(t, 600, -1)
	fit := func(args ...string) (gbtResult, *gbt.Saved) {
		t.Helper()
		res, s, _, out := fitCredit(t, data, slices.Concat([]string{"--trees", "20", "--max-depth", "3"}, args)...)
		require.Contains(t, out, "feature weights ")
		return res, s
	}
	// 7 features, 5 weigh above 0 (age, income at 0); a tree keeps 4.
	res, s := fit("--colsample-bytree", "0.6", "--feature-weights", "age=0,1=0,score=2.5")
	require.Equal(t, []float64{0, 0, 1, 2.5, 1, 1, 1}, s.Model.FeatureWeights)
	require.Equal(t, map[string]float64{"age": 0, "income": 0, "score": 2.5}, res.FeatureWeights)
	for _, r := range res.Importance {
		if r.Feature == "age" || r.Feature == "income" {
			require.Zero(t, r.Gain, r.Feature)
		}
	}
	free, _ := func() (gbtResult, *gbt.Saved) {
		code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city",
			"--trees", "20", "--max-depth", "3", "--colsample-bytree", "0.6", "--json")
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		return res, nil
	}()
	require.Positive(t, slices.IndexFunc(free.Importance, func(r importanceRow) bool { return r.Feature == "age" && r.Gain > 0 })+1,
		"age is split on unweighted: the test proves nothing")

	// Under --cv a grid's colsample axis is enough.
	cv, _ := fit("--feature-weights", "debt=3", "--cv", "2", "--grid", "colsample_bynode=0.5")
	require.Equal(t, map[string]float64{"debt": 3}, cv.FeatureWeights)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--feature-weights", "age=2"}, 2, "--feature-weights weighs the features drawn by --colsample-bytree, --colsample-bylevel and --colsample-bynode; with all three 1 nothing is drawn"},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age"}, 2, `--feature-weights: "age" is not FEATURE=WEIGHT`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age=-1"}, 2, `--feature-weights age: the weight is "-1"; give a number of 0 or more`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age=NaN"}, 2, `--feature-weights age: the weight is "NaN"`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age=inf"}, 2, `--feature-weights age: the weight is "inf"`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age=x"}, 2, `--feature-weights age: the weight is "x"`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age=1,age=2"}, 2, "--feature-weights lists age twice"},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "age=1,0=2"}, 1, "--feature-weights gives age twice (as a name and an index)"},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "size=2"}, 1, `--feature-weights: ` + data + ` has no column "size"`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "6=2"}, 1, `--feature-weights: feature 6 is city=Rome, a one-hot feature, whose index depends on the values a fit's rows have: name it "city=Rome"`},
		{[]string{"--colsample-bynode", "0.5", "--feature-weights", "7=2"}, 1, "--feature-weights: feature 7: there are 7 features"},
	} {
		requireRefusedBeforeFit(t, []string{"gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city", "--trees", "2"},
			tc.args, tc.code, tc.want)
	}
}

// TestGBTPerFeatureOptionsRareCategory: --monotone and --feature-weights
// are made for the features of every row, and still fit a model whose
// training rows (or --cv fold) lack a one-hot column's rare value, and so
// a feature: the options are cut to the fit's features.
func TestGBTPerFeatureOptionsRareCategory(t *testing.T) {
	data := creditTable(t, 300, 7) // "Bergen" on row 7 alone
	heldOut := 0
	for seed := 1; seed <= 6; seed++ {
		model := filepath.Join(t.TempDir(), "m.model")
		code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city",
			"--trees", "5", "--monotone", "age:+1", "--colsample-bytree", "0.7", "--feature-weights", "debt=2,age=0.5",
			"--seed", strconv.Itoa(seed), "--save", model, "--json")
		require.Equal(t, 0, code, "seed %d: %s", seed, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		d := len(s.Pipeline.Features)
		require.Equal(t, d, res.NFeatures)
		require.Len(t, s.Model.Monotone, d)
		require.Equal(t, []float64{0.5, 1, 2, 1}, s.Model.FeatureWeights[:4])
		require.Len(t, s.Model.FeatureWeights, d)
		if !slices.Contains(s.Pipeline.Features, "city=Bergen") {
			heldOut++
		}
	}
	require.Positive(t, heldOut, "the rare value was always a training row: the test proves nothing")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id,genres", "--categorical", "city",
		"--trees", "5", "--monotone", "age:+1", "--cv", "3", "--grid", "max_depth=2,3")
	require.Equal(t, 0, code, errOut)
}
