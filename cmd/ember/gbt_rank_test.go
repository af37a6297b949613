package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
)

// rankTable writes a CSV of queries (column q, ids 100, 101, …; 5 to 12
// documents each) whose relevance rel (0-4) follows features a and b, with
// a weight w per query; edit, when not nil, may change the lines (line 0
// is the header) before they are written.
func rankTable(t *testing.T, dir string, queries int, edit func(lines []string)) string {
	t.Helper()
	lines := []string{"a,b,q,w,rel"}
	for q := range queries {
		for d := range 5 + q*7%8 {
			a, b := float64((q*13+d*7)%17)/4, float64((q*5+d*3)%9)-4
			z := 0.6*a - 0.3*b + 0.5*math.Sin(float64(q+d))
			rel := min(4, max(0, int(math.Floor(z))))
			lines = append(lines, fmt.Sprintf("%g,%g,%d,%g,%d", a, b, 100+q, 1+float64(q%3)/2, rel))
		}
	}
	if edit != nil {
		edit(lines)
	}
	p := filepath.Join(dir, "rank.csv")
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return p
}

// TestGBTRank: ember gbt --objective rank:ndcg --group fits by queries,
// holds out whole queries, reports NDCG at 1, 3, 5, 10 and all, MAP and
// --metric over the held-out queries, and saves a model that records its
// objective and metric; ember score writes its ranking scores (the
// margins) and ember predict gives no RMSE of them against the grades.
func TestGBTRank(t *testing.T) {
	dir := t.TempDir()
	data := rankTable(t, dir, 40, nil)
	model := filepath.Join(dir, "rank.model")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "rel", "--group", "q", "--features", "a,b",
		"--objective", "rank:ndcg", "--metric", "ndcg@4", "--trees", "40", "--max-depth", "3", "--weight", "w", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "held-out ranking of 10 queries")
	require.NotContains(t, out, "RMSE")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, "q", res.Group)
	require.Equal(t, 10, res.NQueries)
	require.False(t, res.ScoresWeighted, "ranking metrics are unweighted")
	var names []string
	for _, s := range res.RankScores {
		names = append(names, s.Metric)
		require.True(t, s.Value >= 0 && s.Value <= 1, "%s %v", s.Metric, s.Value)
	}
	require.Equal(t, []string{"ndcg@1", "ndcg@3", "ndcg@5", "ndcg@10", "ndcg", "map", "ndcg@4"}, names)
	require.Greater(t, res.RankScores[4].Value, 0.9, "the grades follow the features")
	require.Nil(t, res.RMSE)

	s, err := gbt.Load(model)
	require.NoError(t, err)
	require.Equal(t, gbt.RankNDCG, s.Model.Objective)
	require.Equal(t, "ndcg@4", s.Model.RankMetric)

	scored := filepath.Join(dir, "scores.csv")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--out", scored)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(scored)
	require.NoError(t, err)
	require.Equal(t, "prediction", strings.SplitN(string(b), "\n", 2)[0])
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", data)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out+errOut, "RMSE against")
	require.Contains(t, out+errOut, `ranking of 40 queries of column "q" against the grades in column "rel"`)
}

// TestGBTRankPredict: the model file records the --group column, and
// ember predict on a file that has it and the grades reports NDCG at 1,
// 3, 5, 10 and all, MAP and the model's metric over the file's queries,
// as ember gbt reports them (the same figures on the same rows); a file
// without either column, or a model file that does not record its query
// column (saved before it did), gets the scores alone and a line saying
// why; --weight is refused (the ranking metrics are unweighted), and
// queries broken apart or a grade that is not one are errors naming the
// line, before any prediction.
func TestGBTRankPredict(t *testing.T) {
	dir := t.TempDir()
	data := rankTable(t, dir, 30, nil)
	model := filepath.Join(dir, "rank.model")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "rel", "--group", "q", "--features", "a,b",
		"--objective", "rank:map", "--metric", "map@3", "--trees", "20", "--test-frac", "0", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	var fit gbtResult
	decodeLast(t, out, &fit)
	s, err := gbt.Load(model)
	require.NoError(t, err)
	require.Equal(t, "q", s.Group)

	pred := filepath.Join(dir, "pred.csv")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--out", pred, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `ranking of 30 queries of column "q" against the grades in column "rel"`)
	var res predictResult
	decodeLast(t, out, &res)
	require.Equal(t, fit.RankScores, res.RankScores, "ember gbt's scores of the same rows")
	require.Equal(t, "map@3", res.RankScores[len(res.RankScores)-1].Metric)
	require.Equal(t, 30, res.NQueries)
	require.Equal(t, "q", res.Group)
	require.Equal(t, "rel", res.LabelColumn)
	require.Nil(t, res.RMSE)
	scores := readCSVFile(t, pred)
	require.Equal(t, []string{"prediction"}, scores[0])

	raw, err := os.ReadFile(data)
	require.NoError(t, err)
	drop := func(name string, col int) string {
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		for i, l := range lines {
			f := strings.Split(l, ",")
			lines[i] = strings.Join(append(f[:col:col], f[col+1:]...), ",")
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
		return p
	}
	for _, tc := range []struct{ data, want string }{
		{drop("noq.csv", 2), `has no column "q" (the model's query column)`},
		{drop("norel.csv", 4), `has no column "rel" (the model's relevance grades)`},
	} {
		out := filepath.Join(dir, "p2.csv")
		code, msg, errOut := runCmd(t, "predict", "--model", model, "--data", tc.data, "--out", out, "--json")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, msg, "no NDCG or MAP, as "+tc.data+" "+tc.want)
		var res predictResult
		decodeLast(t, msg, &res)
		require.Nil(t, res.RankScores)
		require.Equal(t, scores, readCSVFile(t, out), "the same scores")
	}

	// A file from before the query column was recorded still loads and
	// scores, and says why there is no NDCG.
	old := filepath.Join(dir, "old.model")
	s.Group = ""
	require.NoError(t, gbt.Save(old, s))
	code, out, errOut = runCmd(t, "predict", "--model", old, "--data", data, "--out", filepath.Join(dir, "p3.csv"))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "no NDCG or MAP, as the model file does not record its query column")
	require.Equal(t, scores, readCSVFile(t, filepath.Join(dir, "p3.csv")))

	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--weight", "w")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--weight w: the model "+model+" is a ranking (rank:map), whose NDCG and MAP are unweighted")

	apart := rankTable(t, filepath.Join(dir), 30, func(lines []string) {
		lines[3], lines[len(lines)-1] = lines[len(lines)-1], lines[3]
	})
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", apart, "--out", filepath.Join(dir, "p4.csv"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `column "q" (the model's query column): `+apart+`: line 5: query "100" comes back after query "129"'s rows (its rows began at `+apart+`: line 2)`)
	badGrade := rankTable(t, dir, 30, func(lines []string) {
		f := strings.Split(lines[7], ",")
		f[4] = "2.5"
		lines[7] = strings.Join(f, ",")
	})
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", badGrade, "--out", filepath.Join(dir, "p5.csv"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, badGrade+`: line 8, column "rel": "2.5" is not a relevance grade`)
	require.NoFileExists(t, filepath.Join(dir, "p5.csv"))
}

// TestGBTRankCVAndEarlyStopping: --cv folds and --early-stopping's
// validation rows are whole queries, scored by --metric (highest wins).
func TestGBTRankCVAndEarlyStopping(t *testing.T) {
	data := rankTable(t, t.TempDir(), 40, nil)
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "rel", "--group", "q", "--features", "a,b",
		"--objective", "rank:map", "--cv", "3", "--grid", "max_depth=2,3", "--trees", "20", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "3-fold whole-query cross-validation (map, mean ± std over folds)")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, "map", res.CV.Metric)
	best := res.CV.Points[res.CV.Best].Mean
	for _, p := range res.CV.Points {
		require.LessOrEqual(t, p.Mean, best, "the highest MAP wins")
	}

	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "rel", "--group", "q", "--features", "a,b",
		"--objective", "rank:pairwise", "--early-stopping", "3", "--lr", "0.5", "--trees", "200", "--metric", "ndcg@3", "--json")
	require.Equal(t, 0, code, errOut)
	decodeLast(t, out, &res)
	require.NotNil(t, res.BestRound)
	require.Less(t, res.Trees, 200)
}

// TestQuerySplits: the held-out split and the folds keep every query
// whole, and keep each set's rows in row order.
func TestQuerySplits(t *testing.T) {
	var q []int
	for k := range 23 {
		for range 1 + k%4 {
			q = append(q, k)
		}
	}
	side := func(rows []int) map[int]bool {
		in := map[int]bool{}
		for _, i := range rows {
			in[q[i]] = true
		}
		return in
	}
	tr, te := querySplit(q, 0.25, 3)
	require.Len(t, side(te), 6) // ceil(0.25 × 23)
	for k := range side(te) {
		require.False(t, side(tr)[k], "query %d on both sides", k)
	}
	require.Equal(t, len(q), len(tr)+len(te))
	require.IsIncreasing(t, te)
	folds, err := queryKFold(q, 4, 1)
	require.NoError(t, err)
	seen := map[int]int{}
	total := 0
	for f, rows := range folds {
		total += len(rows)
		require.IsIncreasing(t, rows)
		for k := range side(rows) {
			_, dup := seen[k]
			require.False(t, dup, "query %d in folds %d and %d", k, seen[k], f)
			seen[k] = f
		}
	}
	require.Equal(t, len(q), total)
	_, err = queryKFold(q[:3], 3, 1) // two queries
	require.ErrorContains(t, err, "the training rows have 2 queries")
}

// TestGBTRankBadInput: errors name the flag, file, line and value before
// any fit.
func TestGBTRankBadInput(t *testing.T) {
	dir := t.TempDir()
	set := func(line int, col int, v string) func([]string) {
		return func(lines []string) {
			f := strings.Split(lines[line], ",")
			f[col] = v
			lines[line] = strings.Join(f, ",")
		}
	}
	args := []string{"gbt", "--target", "rel", "--features", "a,b", "--objective", "rank:ndcg", "--group", "q"}
	for _, tc := range []struct {
		name string
		edit func([]string)
		args []string
		want string
	}{
		{"no group", nil, []string{"gbt", "--target", "rel", "--objective", "rank:ndcg"}, "--objective rank:ndcg ranks the documents of queries: name the column of query ids with --group"},
		{"group not rank", nil, []string{"gbt", "--target", "rel", "--objective", "reg:squarederror", "--group", "q"}, "--group names the queries of a rank:* objective; --objective is reg:squarederror"},
		{"group column", nil, []string{"gbt", "--target", "rel", "--objective", "rank:map", "--group", "query"}, `--group: `},
		{"fraction", set(7, 4, "1.5"), args, `line 8, column "rel": "1.5" is not a relevance grade; the rank objectives need whole numbers from 0 to 31`},
		{"negative", set(3, 4, "-1"), args, `line 4, column "rel": "-1" is not a relevance grade`},
		{"too high", set(3, 4, "40"), args, `"40" is not a relevance grade`},
		{"apart", set(20, 2, "100"), args, `line 21: query "100" comes back after query "102"'s rows (its rows began at`},
		{"missing id", set(9, 2, ""), args, `--group q: `},
		{"weights", set(2, 3, "7"), append(args, "--weight", "w"), `--weight w: `},
		{"metric", nil, append(args, "--metric", "rmse"), "--metric rmse: --objective rank:ndcg is scored by a ranking metric"},
		{"metric not rank", nil, []string{"gbt", "--target", "rel", "--objective", "reg:squarederror", "--metric", "ndcg@10", "--cv", "2", "--grid", "max_depth=2"}, "--metric ndcg@10 scores a ranking; --objective reg:squarederror does not rank"},
		{"metric rank, no objective", nil, []string{"gbt", "--target", "rel", "--metric", "ndcg@10", "--cv", "2", "--grid", "max_depth=2"}, "--metric ndcg@10 scores a ranking: give a rank objective, --objective rank:pairwise, rank:ndcg or rank:map, with --group"},
		{"group is target", nil, []string{"gbt", "--target", "rel", "--objective", "rank:ndcg", "--group", "rel"}, "--group rel is also the --target or --weight column"},
		{"group is feature", nil, []string{"gbt", "--target", "rel", "--features", "a,q", "--objective", "rank:ndcg", "--group", "q"}, "--group q is also a feature column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := rankTable(t, filepath.Join(dir), 6, tc.edit)
			code, out, errOut := runCmd(t, append(tc.args, "--data", data)...)
			require.NotEqual(t, 0, code, out)
			require.Contains(t, errOut, tc.want)
		})
	}
}
