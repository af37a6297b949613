package gbt

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/tabular"
)

// TestColCountMatchesXGBoost: the number of features a draw keeps is
// XGBoost's, as testdata/make_colsample.py observed it in XGBoost's trees,
// float32 cases included.
func TestColCountMatchesXGBoost(t *testing.T) {
	f, err := os.Open("testdata/colsample_count.csv")
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"n", "fraction", "kept"}, recs[0])
	float64Differs := false
	for _, r := range recs[1:] {
		n, err := strconv.Atoi(r[0])
		require.NoError(t, err)
		frac, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err)
		want, err := strconv.Atoi(r[2])
		require.NoError(t, err)
		require.Equal(t, want, colCount(float32(frac), n), "%v of %d features", frac, n)
		m := &Model{ColsampleByTree: frac, ColsampleByLevel: 1, ColsampleByNode: 1}
		s := newColSampler(m, n)
		s.newTree()
		require.Len(t, s.tree, want, "%v of %d features", frac, n)
		float64Differs = float64Differs || max(1, int(frac*float64(n))) != want
	}
	require.True(t, float64Differs, "the fixture should hold a case where float64's product truncates otherwise")
}

// wideData is a binary problem on d features that all matter a little,
// so that a tree free to choose would split on most of them.
func wideData(n, d int, seed uint64) (*tabular.Matrix, []float64) {
	r := rand.New(rand.NewPCG(seed, 3))
	X := tabular.NewMatrix(n, d)
	y := make([]float64, n)
	for i := range n {
		row := X.Row(i)
		var z float64
		for j := range row {
			row[j] = float32(r.NormFloat64())
			z += float64(row[j]) * (1 + float64(j%3)) / float64(d) * 3
			if r.Float64() < 0.05 {
				row[j] = float32(math.NaN())
			}
		}
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
	}
	return X, y
}

// fitLogged fits m as Fit does, recording every node's feature sets.
func fitLogged(t *testing.T, m *Model, X *tabular.Matrix, y []float64) (*trainer, []colDraw) {
	t.Helper()
	m.setDefaults()
	require.NoError(t, m.checkOptions())
	k, err := m.numClass(y)
	require.NoError(t, err)
	tr := newTrainer(m, X, y, nil, nil, k, nil)
	require.NotNil(t, tr.cols)
	var log []colDraw
	tr.cols.log = &log
	require.NoError(t, tr.run())
	return tr, log
}

func isSubset(sub, of []int) bool {
	for _, f := range sub {
		if !slices.Contains(of, f) {
			return false
		}
	}
	return true
}

// TestColsampleSets: each node searches a set drawn from its depth's set,
// drawn from its tree's, each of XGBoost's size, the same set for a whole
// tree and a whole depth of it, new ones for each tree (each class's
// too), depth and node, and every split is on a feature of its node's set.
func TestColsampleSets(t *testing.T) {
	X, y := wideData(3000, 20, 1)
	Xm, ym := toyMulti(1500, 4)
	for _, tc := range []struct {
		name                    string
		byTree, byLevel, byNode float64
		leaves                  int
		multi                   bool
	}{
		{"bytree", 0.5, 1, 1, 0, false},
		{"bylevel", 1, 0.5, 1, 0, false},
		{"bynode", 1, 1, 0.5, 0, false},
		{"all", 0.8, 0.7, 0.6, 0, false},
		{"lossguide", 0.8, 0.7, 0.6, 12, false},
		{"multiclass", 0.5, 1, 1, 0, true},
		{"multiclass lossguide", 0.75, 0.7, 1, 6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			m.NumTrees, m.MaxDepth, m.MaxLeaves, m.Seed = 8, 4, tc.leaves, 3
			m.ColsampleByTree, m.ColsampleByLevel, m.ColsampleByNode = tc.byTree, tc.byLevel, tc.byNode
			Xf, yf := X, y
			if tc.multi {
				m.Objective = MultiSoftprob
				Xf, yf = Xm, ym
			}
			tr, log := fitLogged(t, m, Xf, yf)
			d := Xf.Cols
			byID := map[int32]colDraw{}
			treeSet := map[int32][]int{}
			type level struct {
				root  int32
				depth int
			}
			levelSet := map[level][]int{}
			var distinctTree, distinctLevel, distinctNode bool
			var lastTree, lastLevel, lastNode []int
			for _, c := range log {
				byID[c.id] = c
				for _, s := range [][]int{c.tree, c.level, c.node} {
					require.True(t, slices.IsSorted(s) && len(slices.Compact(slices.Clone(s))) == len(s), "%v", s)
				}
				require.Len(t, c.tree, colCount(float32(tc.byTree), d))
				require.Len(t, c.level, colCount(float32(tc.byLevel), len(c.tree)))
				require.Len(t, c.node, colCount(float32(tc.byNode), len(c.level)))
				require.True(t, isSubset(c.level, c.tree) && isSubset(c.node, c.level), "%+v", c)
				if s, ok := treeSet[c.root]; ok {
					require.Equal(t, s, c.tree, "one set per tree")
				} else {
					treeSet[c.root] = c.tree
					distinctTree = distinctTree || (lastTree != nil && !slices.Equal(lastTree, c.tree))
					lastTree = c.tree
				}
				if s, ok := levelSet[level{c.root, c.depth}]; ok {
					require.Equal(t, s, c.level, "one set per depth of a tree")
				} else {
					levelSet[level{c.root, c.depth}] = c.level
					distinctLevel = distinctLevel || (lastLevel != nil && !slices.Equal(lastLevel, c.level))
					lastLevel = c.level
				}
				distinctNode = distinctNode || (lastNode != nil && !slices.Equal(lastNode, c.node))
				lastNode = c.node
			}
			// Every tree of every class drew its own set.
			require.Len(t, treeSet, len(tr.ens.roots))
			require.Equal(t, tc.byTree < 1, distinctTree, "trees' sets differ")
			require.Equal(t, tc.byTree*tc.byLevel < 1, distinctLevel, "levels' sets differ")
			require.Equal(t, tc.byTree*tc.byLevel*tc.byNode < 1, distinctNode, "nodes' sets differ")
			splits := 0
			for id, nd := range tr.ens.nodes {
				if nd.Feature < 0 {
					continue
				}
				c, ok := byID[int32(id)]
				require.True(t, ok, "split node %d drew no set", id)
				require.Contains(t, c.node, int(nd.Feature), "node %d", id)
				splits++
			}
			require.Greater(t, splits, 2*len(tr.ens.roots))
		})
	}
}

// colsampleModel is a model that samples columns every way.
func colsampleModel(seed uint64) *Model {
	m := New()
	m.NumTrees, m.MaxDepth, m.Seed = 12, 4, seed
	m.ColsampleByTree, m.ColsampleByLevel, m.ColsampleByNode = 0.8, 0.8, 0.6
	return m
}

// TestColsampleReproducible: the same Seed gives the same model whatever
// the threads, another Seed another model; Save and Load keep the
// fractions.
func TestColsampleReproducible(t *testing.T) {
	X, y := wideData(40_000, 12, 2) // rows enough for several histogram chunks
	Xm, ym := toyMulti(1500, 5)
	for _, tc := range []struct {
		name string
		edit func(m *Model)
	}{
		{"depthwise", func(m *Model) {}},
		{"lossguide", func(m *Model) { m.MaxLeaves = 10 }},
		{"subsample", func(m *Model) { m.Subsample = 0.7 }},
		{"multiclass", func(m *Model) { m.Objective = MultiSoftprob }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Xf, yf := X, y
			if tc.name == "multiclass" {
				Xf, yf = Xm, ym
			}
			fit := func(seed uint64, threads int) *Model {
				m := colsampleModel(seed)
				tc.edit(m)
				m.Threads = threads
				require.NoError(t, m.Fit(Xf, yf, nil))
				return m
			}
			a, b, c := fit(1, 1), fit(1, 8), fit(2, 8)
			require.Equal(t, a.Ensemble().nodes, b.Ensemble().nodes)
			require.Equal(t, predictions(t, a, Xf), predictions(t, b, Xf))
			require.NotEqual(t, a.Ensemble().nodes, c.Ensemble().nodes)

			path := filepath.Join(t.TempDir(), "m.model")
			require.NoError(t, Save(path, &Saved{Model: a}))
			s, err := Load(path)
			require.NoError(t, err)
			require.Equal(t, [3]float64{0.8, 0.8, 0.6}, [3]float64{s.Model.ColsampleByTree, s.Model.ColsampleByLevel, s.Model.ColsampleByNode})
		})
	}
}

// TestColsampleAllOne: fractions of 1, or of 0 (a Model literal, a file
// from before the options), sample nothing: the fit is the one without
// sampling, row subsampling's draws included.
func TestColsampleAllOne(t *testing.T) {
	X, y := wideData(2000, 10, 3)
	fit := func(v float64) []float64 {
		m := New()
		m.NumTrees, m.Subsample, m.Seed = 10, 0.8, 4
		m.ColsampleByTree, m.ColsampleByLevel, m.ColsampleByNode = v, v, v
		require.NoError(t, m.Fit(X, y, nil))
		require.Equal(t, 1.0, m.ColsampleByNode)
		return predictions(t, m, X)
	}
	require.Equal(t, fit(0), fit(1))
	m := New()
	m.setDefaults()
	require.Nil(t, newColSampler(m, 10))
	m.ColsampleByNode = 0.5
	require.NotNil(t, newColSampler(m, 10))
}

// TestColsampleEarlyStopping: early stopping keeps the trees a fit of
// the best round's number of trees grows, the same draws included.
func TestColsampleEarlyStopping(t *testing.T) {
	X, y := wideData(3000, 10, 5)
	Xv, yv := wideData(1000, 10, 6)
	m := colsampleModel(7)
	m.NumTrees, m.LearningRate, m.MaxDepth, m.EarlyStoppingRounds = 300, 0.5, 6, 5
	require.NoError(t, m.Fit(X, y, &EvalSet{X: Xv, Y: yv}))
	best := m.History().BestRound
	require.Less(t, best, 290, "the validation loss should stop improving early at this learning rate")
	again := colsampleModel(7)
	again.NumTrees, again.LearningRate, again.MaxDepth = best+1, 0.5, 6
	require.NoError(t, again.Fit(X, y, nil))
	require.Equal(t, again.Ensemble().nodes, m.Ensemble().nodes)
	require.Equal(t, again.Ensemble().roots, m.Ensemble().roots)
}

func TestColsampleBadInput(t *testing.T) {
	X, y := toyData(50, 8, false)
	for _, tc := range []struct {
		name string
		edit func(m *Model)
		want string
	}{
		{"bytree above 1", func(m *Model) { m.ColsampleByTree = 1.5 }, "ColsampleByTree must be in (0, 1], got 1.5"},
		{"bylevel negative", func(m *Model) { m.ColsampleByLevel = -0.5 }, "ColsampleByLevel must be in (0, 1], got -0.5"},
		{"bynode NaN", func(m *Model) { m.ColsampleByNode = math.NaN() }, "ColsampleByNode must be in (0, 1], got NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			tc.edit(m)
			require.ErrorContains(t, m.Fit(X, y, nil), tc.want)
		})
	}
}

type colsampleCredit struct {
	Trees          int     `json:"trees"`
	MaxDepth       int     `json:"max_depth"`
	LearningRate   float64 `json:"learning_rate"`
	MaxBins        int     `json:"max_bins"`
	MinChildWeight float64 `json:"min_child_weight"`
	L2             float64 `json:"l2"`
	Seeds          int     `json:"seeds"`
	Runs           []struct {
		ByTree         float64 `json:"bytree"`
		ByLevel        float64 `json:"bylevel"`
		ByNode         float64 `json:"bynode"`
		XGBoostAUC     float64 `json:"xgboost_auc"`
		XGBoostAUCSD   float64 `json:"xgboost_auc_sd"`
		XGBoostLogLoss float64 `json:"xgboost_log_loss"`
	} `json:"runs"`
}

// TestColsampleCreditQuality: on the credit-default data, with XGBoost's
// settings and column sampling, the held-out ROC AUC and log-loss over
// seeds are XGBoost's (testdata/make_colsample.py) within 0.003.
func TestColsampleCreditQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("20 fits of 100 trees")
	}
	Xtr, ytr, Xte, yte, _ := creditSplit(t)
	var ref colsampleCredit
	readJSONFixture(t, "testdata/colsample_credit.json", &ref)
	yteInt := make([]int, len(yte))
	for i, v := range yte {
		yteInt[i] = int(v)
	}
	for _, run := range ref.Runs {
		var auc, ll float64
		for seed := range ref.Seeds {
			m := New()
			m.NumTrees, m.MaxDepth, m.LearningRate, m.MaxBins = ref.Trees, ref.MaxDepth, ref.LearningRate, ref.MaxBins
			m.MinChildWeight, m.L2, m.Seed = ref.MinChildWeight, ref.L2, uint64(seed)
			m.ColsampleByTree, m.ColsampleByLevel, m.ColsampleByNode = run.ByTree, run.ByLevel, run.ByNode
			require.NoError(t, m.Fit(Xtr, ytr, nil))
			p, err := m.Predict(Xte)
			require.NoError(t, err)
			a, err := metrics.ROCAUC(yteInt, p)
			require.NoError(t, err)
			auc += a / float64(ref.Seeds)
			ll += metrics.BinaryLogLoss(yteInt, p) / float64(ref.Seeds)
		}
		t.Logf("colsample bytree %v bylevel %v bynode %v: AUC %.4f (xgboost %.4f ± %.4f), log-loss %.4f (xgboost %.4f)",
			run.ByTree, run.ByLevel, run.ByNode, auc, run.XGBoostAUC, run.XGBoostAUCSD, ll, run.XGBoostLogLoss)
		require.GreaterOrEqual(t, auc, run.XGBoostAUC-0.003)
		require.LessOrEqual(t, ll, run.XGBoostLogLoss+0.003)
	}
}
