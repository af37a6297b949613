package gbt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// rankFixture is testdata/rank_fit.csv (make_xgb_rank.py), split into its
// training and validation queries.
type rankFixture struct {
	X, vX            *tabular.Matrix
	y, vy, w         []float64
	qid, vqid        []int
	margins, vmargin map[string][]float64
}

func readRankFixture(t *testing.T) *rankFixture {
	t.Helper()
	fx := readFitFixture(t, "testdata/rank_fit.csv")
	cols := fx.cols
	f := &rankFixture{margins: map[string][]float64{}, vmargin: map[string][]float64{}}
	var tr, va []int
	for i, v := range cols["valid"] {
		if v == 0 {
			tr = append(tr, i)
		} else {
			va = append(va, i)
		}
	}
	f.X, f.vX = fx.X.SelectRows(tr), fx.X.SelectRows(va)
	pick := func(v []float64, idx []int) []float64 {
		out := make([]float64, len(idx))
		for k, i := range idx {
			out[k] = v[i]
		}
		return out
	}
	ints := func(v []float64) []int {
		out := make([]int, len(v))
		for i, x := range v {
			out[i] = int(x)
		}
		return out
	}
	f.y, f.vy, f.w = pick(cols["y"], tr), pick(cols["y"], va), pick(cols["w"], tr)
	f.qid, f.vqid = ints(pick(cols["qid"], tr)), ints(pick(cols["qid"], va))
	for _, name := range fx.names {
		if len(name) > 2 && name[:2] == "m_" {
			f.margins[name[2:]], f.vmargin[name[2:]] = pick(cols[name], tr), pick(cols[name], va)
		}
	}
	return f
}

// TestRankMatchesXGBoost: rank:pairwise, rank:ndcg and rank:map, with and
// without query weights, fitted as XGBoost 1.7's hist fits them on one
// thread (testdata/make_xgb_rank.py: 30 training queries of 5 to 20
// documents graded 0-4, one without relevant documents and one of
// documents all alike, depth 3, 8 rounds): the same sampled pairs, lambda
// weights and gradients give every training and validation row XGBoost's
// margin, and the validation queries' metric after each round (ndcg,
// ndcg@5, ndcg@3-, map, map@4) is XGBoost's evaluation, with Threads 1 and
// 4 alike.
func TestRankMatchesXGBoost(t *testing.T) {
	f := readRankFixture(t)
	var curves map[string]struct {
		Metric string    `json:"metric"`
		Curve  []float64 `json:"curve"`
	}
	readJSONFixture(t, "testdata/rank_fit_metrics.json", &curves)
	for _, tc := range []struct {
		name     string
		obj      Objective
		weighted bool
	}{
		{"pairwise", RankPairwise, false},
		{"ndcg", RankNDCG, false},
		{"ndcg_w", RankNDCG, true},
		{"map", RankMAP, false},
		{"map_w", RankMAP, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w []float64
			if tc.weighted {
				w = f.w
			}
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := New()
				m.Objective, m.RankMetric = tc.obj, curves[tc.name].Metric
				m.NumTrees, m.MaxDepth, m.LearningRate, m.Threads = 8, 3, 0.3, threads
				require.NoError(t, m.FitRank(f.X, f.y, f.qid, w, &EvalSet{X: f.vX, Y: f.vy, Query: f.vqid}))
				got, err := m.Margins(f.X)
				require.NoError(t, err)
				vgot, err := m.Margins(f.vX)
				require.NoError(t, err)
				for _, part := range []struct {
					name      string
					got, want []float64
				}{{"training", got, f.margins[tc.name]}, {"validation", vgot, f.vmargin[tc.name]}} {
					requireMarginsNear(t, part.got, part.want, 1e-5, fmt.Sprintf("threads %d: %s", threads, part.name))
				}
				curve := curves[tc.name].Curve
				require.Len(t, m.History().ValidLoss, len(curve))
				for r, v := range m.History().ValidLoss {
					require.InDelta(t, curve[r], v, 1e-9, "%s after round %d", curves[tc.name].Metric, r)
				}
				return got
			})
		})
	}
}

// TestRankWeightedValidationMatchesXGBoost: with its queries weighted
// (from 0.1 to 9.6) the validation set is scored as XGBoost 1.7.4 scores
// it, by the unweighted mean of RankMetric over its queries (EvalRank
// reads no weights), so early stopping keeps XGBoost's round
// (testdata/make_xgb_rank_validw.py: rank:ndcg on 24 weighted training
// queries, 12 validation queries, early stopping after 4 rounds; the
// script checks that a weighted mean would have stopped elsewhere, at
// round 4): ndcg@3, map and ndcg after each round are XGBoost's
// evals_result within 1e-6, as many rounds, and BestRound its
// best_iteration.
func TestRankWeightedValidationMatchesXGBoost(t *testing.T) {
	fx := readFitFixture(t, "testdata/rank_validw_fit.csv")
	var tr, va []int
	for i, v := range fx.cols["valid"] {
		if v == 0 {
			tr = append(tr, i)
		} else {
			va = append(va, i)
		}
	}
	pick := func(col string, idx []int) []float64 {
		out := make([]float64, len(idx))
		for k, i := range idx {
			out[k] = fx.cols[col][i]
		}
		return out
	}
	ids := func(idx []int) []int {
		out := make([]int, len(idx))
		for k, i := range idx {
			out[k] = int(fx.cols["qid"][i])
		}
		return out
	}
	valid := &EvalSet{X: fx.X.SelectRows(va), Y: pick("y", va), W: pick("w", va), Query: ids(va)}
	var cases map[string]struct {
		Objective     string    `json:"objective"`
		Metric        string    `json:"metric"`
		Curve         []float64 `json:"curve"`
		BestIteration int       `json:"best_iteration"`
	}
	readJSONFixture(t, "testdata/rank_validw_metrics.json", &cases)
	require.Len(t, cases, 3)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := New()
			m.Objective, m.RankMetric = Objective(c.Objective), c.Metric
			m.NumTrees, m.MaxDepth, m.LearningRate, m.EarlyStoppingRounds = 40, 3, 0.3, 4
			m.Binning = BinningXGBoost // its split values: validation rows between the training values route as in XGBoost
			require.NoError(t, m.FitRank(fx.X.SelectRows(tr), pick("y", tr), ids(tr), pick("w", tr), valid))
			h := m.History()
			require.Equal(t, c.Metric, h.Metric)
			require.Len(t, h.ValidLoss, len(c.Curve), "rounds before early stopping")
			for r, v := range h.ValidLoss {
				require.InDelta(t, c.Curve[r], v, 1e-6, "%s after round %d", c.Metric, r)
			}
			require.Equal(t, c.BestIteration, h.BestRound, "the round early stopping keeps")
			require.Equal(t, c.BestIteration+1, m.Ensemble().NumTrees(), "trees kept")
		})
	}
}

// TestLoadXGBoostRank: a rank:ndcg model saved by XGBoost 1.7 scores every
// fixture row as its predict does (the margin: rank objectives have no
// link).
func TestLoadXGBoostRank(t *testing.T) {
	all, _ := readFixture(t, "testdata/rank_fit.csv")
	X := tabular.NewMatrix(all.Rows, 4)
	for i := range all.Rows {
		copy(X.Row(i), all.Row(i)[:4])
	}
	want := readColumns(t, "testdata/rank_xgb_expected.csv")["rank_ndcg"]
	m, err := LoadXGBoost("testdata/rank_ndcg.json")
	require.NoError(t, err)
	require.Equal(t, "rank:ndcg", m.Objective)
	require.Equal(t, Identity, m.Link())
	p, err := m.Predict(X, 1, nil)
	require.NoError(t, err)
	require.Len(t, p, len(want))
	for i := range p {
		require.Equal(t, float32(want[i]), float32(p[i]), "row %d", i)
	}
}

// TestFitRankChecks: bad queries, grades and weights are errors naming the
// row and value, before any fit; the rank options are refused elsewhere.
func TestFitRankChecks(t *testing.T) {
	f := readRankFixture(t)
	n := len(f.y)
	with := func(v []float64, i int, x float64) []float64 {
		out := append([]float64(nil), v...)
		out[i] = x
		return out
	}
	split := append([]int(nil), f.qid...)
	split[n-1] = f.qid[0] // the first query's id again at the end
	ndcg := func(m *Model) { m.Objective = RankNDCG }
	for _, tc := range []struct {
		name  string
		set   func(*Model)
		y     []float64
		qid   []int
		w     []float64
		valid *EvalSet
		want  string
	}{
		{"apart", ndcg, f.y, split, nil, nil, "gbt: X: row " + itoa(n-1) + " is in query 0, whose rows began at row 0 and were broken off by query 29's: a query's rows must be contiguous"},
		{"fraction", ndcg, with(f.y, 5, 1.5), f.qid, nil, nil, "gbt: X label 5 is 1.5; rank:ndcg needs relevance grades, whole numbers from 0 to 31"},
		{"negative", ndcg, with(f.y, 7, -1), f.qid, nil, nil, "gbt: X label 7 is -1; rank:ndcg needs relevance grades"},
		{"too high", ndcg, with(f.y, 7, 32), f.qid, nil, nil, "gbt: X label 7 is 32"},
		{"nan", ndcg, with(f.y, 2, math.NaN()), f.qid, nil, nil, "label 2 is NaN"},
		{"weights", ndcg, f.y, f.qid, with(f.w, 3, 9), nil, "gbt: X: row 3 weighs 9 but row 0 of its query weighs 1.24"},
		{"qid length", ndcg, f.y, f.qid[1:], nil, nil, "gbt: X: " + itoa(n) + " rows but " + itoa(n-1) + " query ids"},
		{"no qid", ndcg, f.y, nil, nil, nil, "FitRank: no query ids"},
		{"not ranking", func(m *Model) { m.Objective = SquaredError }, f.y, f.qid, nil, nil, "FitRank is for the rank objectives"},
		{"metric", func(m *Model) { m.Objective, m.RankMetric = RankNDCG, "ndcg@0" }, f.y, f.qid, nil, nil, "RankMetric: metrics: ranking metric \"ndcg@0\""},
		{"valid apart", ndcg, f.y, f.qid, nil, &EvalSet{X: f.vX, Y: f.vy, Query: append([]int{f.vqid[len(f.vqid)-1]}, f.vqid[1:]...)}, "gbt: the validation set: row "},
		{"valid weights", ndcg, f.y, f.qid, nil, &EvalSet{X: f.vX, Y: f.vy, W: with(make([]float64, len(f.vy)), 2, 9), Query: f.vqid}, "gbt: the validation set: row 2 weighs 9 but row 0 of its query weighs 0; a ranking weighs each query"},
		{"valid grade", ndcg, f.y, f.qid, nil, &EvalSet{X: f.vX, Y: with(f.vy, 0, 0.5), Query: f.vqid}, "gbt: the validation set label 0 is 0.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			tc.set(m)
			err := m.FitRank(f.X, tc.y, tc.qid, tc.w, tc.valid)
			require.ErrorContains(t, err, tc.want)
			require.Nil(t, m.Ensemble())
		})
	}
	m := New()
	m.RankMetric = "ndcg"
	require.ErrorContains(t, m.Fit(f.X, f.y, nil), "RankMetric is \"ndcg\"; only the rank objectives take a ranking metric")
	m = NewRegressor()
	require.ErrorContains(t, m.Fit(f.X, f.y, &EvalSet{X: f.vX, Y: f.vy, Query: f.vqid}), "the validation set has query ids, but reg:squarederror does not rank")
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestRankOneQueryAndDefaults: Fit on a rank objective takes all the rows
// as one query, as FitRank with a single query id does (and as XGBoost
// without groups); the fit starts from XGBoost's base_score 0.5, and
// RankMetric defaults to the objective's measure.
func TestRankOneQueryAndDefaults(t *testing.T) {
	f := readRankFixture(t)
	one := make([]int, len(f.y))
	a, b := New(), New()
	a.Objective, b.Objective = RankNDCG, RankNDCG
	a.NumTrees, b.NumTrees = 5, 5
	require.NoError(t, a.Fit(f.X, f.y, nil))
	require.NoError(t, b.FitRank(f.X, f.y, one, nil, nil))
	pa, err := a.Predict(f.X)
	require.NoError(t, err)
	pb, err := b.Predict(f.X)
	require.NoError(t, err)
	require.Equal(t, pa, pb)
	require.Equal(t, float32(0.5), a.Ensemble().Base())
	require.Equal(t, "ndcg", a.RankMetric)
	for obj, want := range map[Objective]string{RankPairwise: "ndcg", RankMAP: "map"} {
		m := New()
		m.Objective, m.NumTrees = obj, 1
		require.NoError(t, m.Fit(f.X, f.y, nil))
		require.Equal(t, want, m.RankMetric)
	}
	// By queries, the same rows rank differently than as one query.
	c := New()
	c.Objective, c.NumTrees = RankNDCG, 5
	require.NoError(t, c.FitRank(f.X, f.y, f.qid, nil, nil))
	pc, err := c.Predict(f.X)
	require.NoError(t, err)
	require.NotEqual(t, pa, pc)
}

// TestRankEarlyStopping: early stopping keeps the round of the highest
// validation metric (a ranking metric rises as the fit improves).
func TestRankEarlyStopping(t *testing.T) {
	f := readRankFixture(t)
	m := New()
	m.Objective, m.NumTrees, m.LearningRate, m.EarlyStoppingRounds = RankNDCG, 60, 0.5, 5
	m.RankMetric = "ndcg@3"
	require.NoError(t, m.FitRank(f.X, f.y, f.qid, nil, &EvalSet{X: f.vX, Y: f.vy, Query: f.vqid}))
	h := m.History()
	best := 0
	for r, v := range h.ValidLoss {
		if v > h.ValidLoss[best] {
			best = r
		}
	}
	require.Equal(t, best, h.BestRound)
	require.Less(t, len(h.ValidLoss), 60, "stopped early")
	require.Equal(t, best+1, m.Ensemble().NumTrees())
	require.Greater(t, h.ValidLoss[best], h.ValidLoss[0])
}

// TestRankSaveLoad: a saved ranking model loads with its objective,
// metric and query column (Group; "" when not given, as in a file from
// before it was recorded) and scores as it did.
func TestRankSaveLoad(t *testing.T) {
	f := readRankFixture(t)
	m := New()
	m.Objective, m.NumTrees, m.RankMetric = RankMAP, 4, "map@5"
	require.NoError(t, m.FitRank(f.X, f.y, f.qid, f.w, nil))
	path := filepath.Join(t.TempDir(), "rank.ember")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	require.Empty(t, s.Group)
	require.NoError(t, Save(path, &Saved{Model: m, Group: "query_id"}))
	s, err = Load(path)
	require.NoError(t, err)
	require.Equal(t, "query_id", s.Group)
	require.Equal(t, RankMAP, s.Model.Objective)
	require.Equal(t, "map@5", s.Model.RankMetric)
	want, err := m.Predict(f.vX)
	require.NoError(t, err)
	got, err := s.Model.Predict(f.vX)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// TestMinstdUniform: the generator and distribution are libstdc++'s:
// std::minstd_rand's 10000th value from the default seed 1 is 399268537
// (the C++ standard's check of it), and a seed of 0 is taken as 1.
func TestMinstdUniform(t *testing.T) {
	r := newMinstd(1)
	var v uint64
	for range 10000 {
		v = r.next()
	}
	require.Equal(t, uint64(399268537), v)
	a, b := newMinstd(0), newMinstd(1)
	require.Equal(t, b.next(), a.next())
	// uniform(0) consumes a draw and gives 0; uniform(hi) stays in range.
	r = newMinstd(1111)
	require.Equal(t, uint64(0), r.uniform(0))
	for range 1000 {
		require.LessOrEqual(t, r.uniform(6), uint64(6))
	}
}

// rankThreadsData is a ranking problem of about 12,000 rows in queries of
// 1 to 40 documents graded 0-4 (every tenth query's documents all alike),
// with a weight per query, drawn from seed.
func rankThreadsData(seed uint64) (X *tabular.Matrix, y, w []float64, qid []int) {
	r := rand.New(rand.NewPCG(seed, 99))
	var rows [][]float32
	for q := 0; len(y) < 12_000; q++ {
		size, qw := 1+r.IntN(40), 0.5+r.Float64()
		for range size {
			row := []float32{float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())}
			grade := min(4, max(0, int(2+float64(row[0])-0.5*float64(row[1])+r.NormFloat64())))
			if q%10 == 0 {
				grade = 1
			}
			rows, y, w, qid = append(rows, row), append(y, float64(grade)), append(w, qw), append(qid, q)
		}
	}
	X = tabular.NewMatrix(len(rows), 3)
	for i, row := range rows {
		copy(X.Row(i), row)
	}
	return X, y, w, qid
}

// TestRankThreadsAlike: a ranking fit of hundreds of queries, whose
// gradients are computed on Threads goroutines taking queries as they
// finish, gives the model and margins of Threads 1 for Threads 2, 3 and 4,
// each objective, with and without query weights, on several data sets
// and seeds (row subsampling): each query's pairs come from its own draws
// of the round's one stream, and its gradients from its rows alone, not
// from which worker took it or when.
func TestRankThreadsAlike(t *testing.T) {
	for seed := range uint64(3) {
		X, y, w, qid := rankThreadsData(seed)
		for _, obj := range []Objective{RankPairwise, RankNDCG, RankMAP} {
			for _, weighted := range []bool{false, true} {
				t.Run(fmt.Sprintf("seed%d/%s/weighted=%v", seed, obj, weighted), func(t *testing.T) {
					qw := w
					if !weighted {
						qw = nil
					}
					fit := func(threads int) (*Model, []float64) {
						m := New()
						m.Objective, m.NumTrees, m.MaxDepth, m.Threads = obj, 6, 4, threads
						m.Subsample, m.Seed = 0.8, seed
						require.NoError(t, m.FitRank(X, y, qid, qw, nil))
						margins, err := m.Margins(X)
						require.NoError(t, err)
						return m, margins
					}
					one, want := fit(1)
					for _, threads := range []int{2, 3, 4} {
						m, got := fit(threads)
						require.Equal(t, want, got, "Threads %d against 1: margins", threads)
						require.Equal(t, one.Ensemble(), m.Ensemble(), "Threads %d against 1: trees", threads)
					}
				})
			}
		}
	}
}

// TestMinstdUniforms: uniforms fills a slice with the draws uniform makes
// one at a time, also where most draws are rejected and drawn again (hi
// just over 2³⁰, half the generator's range a part).
func TestMinstdUniforms(t *testing.T) {
	for _, hi := range []uint64{0, 1, 6, 39, 1 << 30} {
		a, b := newMinstd(2222), newMinstd(2222)
		got := make([]uint32, 500)
		a.uniforms(got, hi)
		for i, v := range got {
			require.Equal(t, b.uniform(hi), uint64(v), "hi %d, draw %d", hi, i)
		}
		require.Equal(t, b.next(), a.next(), "hi %d: the streams end alike", hi)
	}
}

// TestRankBuckets: a query's buckets are its labels' counts, highest label
// first, each drawing from the rest of the query; a query of one label is
// one bucket that draws nothing.
func TestRankBuckets(t *testing.T) {
	rel := []int{0, 2, 0, 1, 2, 2 /* | */, 3, 3 /* | */, 4}
	got := rankBuckets(rel, []int{0, 6, 8, 9})
	require.Equal(t, []rankBucket{{3, 3}, {1, 5}, {2, 4}, {2, 0}, {1, 0}}, got)
}
