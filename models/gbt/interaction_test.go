package gbt

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/tabular"
)

// icFixture is testdata/ic_xgb.json (make_xgb_interaction.py).
type icFixture struct {
	Cases map[string]struct {
		Params struct {
			Sets [][]int `json:"interaction_constraints"`
		} `json:"params"`
		Margins []float64 `json:"margins"`
		Paths   [][][]int `json:"paths"` // per tree, its paths' distinct feature sets
	} `json:"cases"`
	Weights struct {
		Weights []float64 `json:"weights"`
		Draws   []struct {
			Keep   int   `json:"keep"`
			Trees  int   `json:"trees"`
			Counts []int `json:"counts"`
		} `json:"draws"`
	} `json:"weights"`
}

func readICFixture(t *testing.T) (*icFixture, *tabular.Matrix, map[string][]float64) {
	t.Helper()
	var fx icFixture
	readJSONFixture(t, "testdata/ic_xgb.json", &fx)
	all, names := readFixture(t, "testdata/ic_rows.csv")
	require.Equal(t, []string{"f0", "f1", "f2", "f3", "f4", "yb", "yr", "yk"}, names)
	X := tabular.NewMatrix(all.Rows, 5)
	labels := map[string][]float64{}
	for i := range all.Rows {
		copy(X.Row(i), all.Row(i)[:5])
		for j, name := range names[5:] {
			labels[name] = append(labels[name], float64(all.At(i, 5+j)))
		}
	}
	return &fx, X, labels
}

// treePaths is, per tree of e, the distinct sets of features on its
// root-to-leaf paths (each sorted), sorted, as the fixture lists them.
func treePaths(e *Ensemble) [][][]int {
	var out [][][]int
	for _, root := range e.roots {
		var sets [][]int
		var walk func(n int32, feats []int)
		walk = func(n int32, feats []int) {
			nd := e.nodes[n]
			if nd.Feature < 0 {
				s := slices.Compact(slices.Sorted(slices.Values(feats)))
				if !slices.ContainsFunc(sets, func(o []int) bool { return slices.Equal(o, s) }) {
					sets = append(sets, s)
				}
				return
			}
			f := append(slices.Clip(feats), int(nd.Feature))
			walk(nd.Left, f)
			walk(nd.Left+1, f)
		}
		walk(root, nil)
		slices.SortFunc(sets, slices.Compare)
		out = append(out, sets)
	}
	return out
}

// constraintBreaks counts the splits of e that XGBoost's rule forbids: a
// split below the root on feature f, with the features P split on above
// it, is allowed when f is in P or some set holds f and all of P.
func constraintBreaks(e *Ensemble, sets [][]int) int {
	breaks := 0
	var walk func(n int32, above []int)
	walk = func(n int32, above []int) {
		nd := e.nodes[n]
		if nd.Feature < 0 {
			return
		}
		f := int(nd.Feature)
		ok := len(above) == 0 || slices.Contains(above, f) || slices.ContainsFunc(sets, func(s []int) bool {
			return slices.Contains(s, f) && !slices.ContainsFunc(above, func(j int) bool { return !slices.Contains(s, j) })
		})
		if !ok {
			breaks++
		}
		next := append(slices.Clip(above), f)
		walk(nd.Left, next)
		walk(nd.Left+1, next)
	}
	for _, root := range e.roots {
		walk(root, nil)
	}
	return breaks
}

// pathsEnsemble is a stand-in Ensemble whose trees have the given paths'
// feature sets, one leaf per path, for checking XGBoost's trees with
// constraintBreaks: each path a chain of splits on its features in
// ascending order (the order does not matter to the rule, as a path's
// every prefix must be allowed).
func pathsEnsemble(paths [][][]int) *Ensemble {
	e := &Ensemble{}
	for _, tree := range paths {
		for _, p := range tree {
			e.roots = append(e.roots, int32(len(e.nodes)))
			for _, f := range p {
				at := int32(len(e.nodes))
				e.nodes = append(e.nodes, node{Feature: int32(f), Left: at + 1})
			}
			e.nodes = append(e.nodes, node{Feature: -1}, node{Feature: -1})
			// A chain: each split's right child is the leaf after its left.
			for i := len(e.nodes) - 2 - len(p); i < len(e.nodes)-2; i++ {
				e.nodes[i].Left = int32(i + 1)
			}
		}
	}
	return e
}

// TestInteractionConstraintsMatchXGBoost: with XGBoost 1.7.4's params
// (make_xgb_interaction.py), a feature in two sets and features in none
// included, depth by depth and best first, with Monotone, multi:softprob
// and a categorical feature, Ember grows XGBoost's trees: every tree's
// paths use XGBoost's sets of features, every training row gets XGBoost's
// margins within 1e-6 (float32 leaves summed over up to 10 trees: their
// float32 rounding, about 3e-7 here), with Threads 1 and 4
// alike; no split breaks the constraints, XGBoost's neither, and the
// same fit unconstrained does break them (so the rule is tested).
func TestInteractionConstraintsMatchXGBoost(t *testing.T) {
	fx, X, labels := readICFixture(t)
	for _, tc := range []struct {
		name  string
		newM  func() *Model
		label string
		set   func(*Model)
	}{
		{"depthwise", New, "yb", func(m *Model) { m.NumTrees = 10 }},
		{"lossguide", NewRegressor, "yr", func(m *Model) { m.NumTrees, m.MaxDepth, m.MaxLeaves = 8, 30, 12 }},
		{"mono", NewRegressor, "yr", func(m *Model) { m.NumTrees, m.Monotone = 10, []int{1, 0, 0, 0, 1} }},
		{"multi", NewMulticlass, "yk", func(m *Model) { m.NumTrees = 5 }},
		{"cat", NewRegressor, "yr", func(m *Model) { m.NumTrees, m.Categorical = 8, []int{2} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := fx.Cases[tc.name]
			require.True(t, ok)
			y := labels[tc.label]
			require.Zero(t, constraintBreaks(pathsEnsemble(c.Paths), c.Params.Sets), "XGBoost's own trees break the rule as the test reads it")
			fit := func(sets [][]int, threads int) *Model {
				m := tc.newM()
				m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Threads = 4, 0.3, 1, threads
				tc.set(m)
				m.InteractionConstraints = sets
				require.NoError(t, m.Fit(X, y, nil))
				return m
			}
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := fit(c.Params.Sets, threads)
				require.Zero(t, constraintBreaks(m.ens, c.Params.Sets))
				require.Equal(t, c.Paths, treePaths(m.ens), "threads %d: the trees' paths", threads)
				got, err := m.Margins(X)
				require.NoError(t, err)
				require.Len(t, got, len(c.Margins))
				requireMarginsNear(t, got, c.Margins, 1e-6, fmt.Sprintf("threads %d", threads))
				return got
			})
			free := fit(nil, 1)
			require.Positive(t, constraintBreaks(free.ens, c.Params.Sets), "the unconstrained fit obeys the constraints already: the test proves nothing")
		})
	}
}

// TestInteractionConstraintsColsample: with column sampling every way,
// depth by depth and best first, binary and multi:softprob, no split
// breaks the constraints (a feature in several sets, and features in
// none, included), every split is on a feature its node drew, and the
// fit is the same whatever the threads.
func TestInteractionConstraintsColsample(t *testing.T) {
	X, y := wideData(3000, 12, 8)
	Xm, ym := toyMulti(1500, 9)
	sets := [][]int{{0, 1, 2, 3}, {3, 4, 5}, {5, 6, 7, 0}, {9}}
	for _, tc := range []struct {
		name string
		set  func(*Model)
	}{
		{"depthwise", func(m *Model) {}},
		{"lossguide", func(m *Model) { m.MaxLeaves, m.MaxDepth = 14, 8 }},
		{"weighted", func(m *Model) { m.FeatureWeights = []float64{1, 2, 0.5, 3, 1, 1, 0, 2, 1, 1, 4, 1} }},
		{"monotone", func(m *Model) { m.Monotone = []int{1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0} }},
		{"multiclass", func(m *Model) { m.Objective = MultiSoftprob }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Xf, yf, s := X, y, sets
			if tc.name == "multiclass" {
				Xf, yf, s = Xm, ym, [][]int{{0, 1}, {1, 2}}
			}
			var nodes []node
			for _, threads := range []int{1, 4} {
				m := colsampleModel(11)
				m.ColsampleByTree, m.MaxDepth, m.Threads, m.InteractionConstraints = 0.9, 5, threads, s
				tc.set(m)
				tr, log := fitLogged(t, m, Xf, yf)
				require.Zero(t, constraintBreaks(tr.ens, s))
				drew := map[int32][]int{}
				for _, c := range log {
					drew[c.id] = c.node
				}
				splits := 0
				for id, nd := range tr.ens.nodes {
					if nd.Feature >= 0 {
						require.Contains(t, drew[int32(id)], int(nd.Feature))
						splits++
					}
				}
				require.Greater(t, splits, 2*len(tr.ens.roots))
				if nodes == nil {
					nodes = tr.ens.nodes
				} else {
					require.Equal(t, nodes, tr.ens.nodes, "Threads 4 against 1")
				}
			}
		})
	}
}

// TestInteractionConstraintsEdges: one set of every feature constrains
// nothing (the fit is the unconstrained one); each feature alone
// (XGBoost's "[]") grows trees whose every path uses one feature; an
// empty list is none; the sets are checked, each bad value named, before
// any fit; a saved model keeps them, and an unset one writes nothing.
func TestInteractionConstraintsEdges(t *testing.T) {
	X, y := toyData(800, 12, false)
	fit := func(set func(*Model)) *Model {
		m := New()
		m.NumTrees, m.MaxDepth = 8, 4
		set(m)
		require.NoError(t, m.Fit(X, y, nil))
		return m
	}
	plain := fit(func(*Model) {})
	require.Equal(t, plain.ens.nodes, fit(func(m *Model) { m.InteractionConstraints = [][]int{{3, 2, 1, 0}} }).ens.nodes)
	require.Equal(t, plain.ens.nodes, fit(func(m *Model) { m.InteractionConstraints = [][]int{} }).ens.nodes)
	apart := fit(func(m *Model) { m.InteractionConstraints = [][]int{{0}, {1}, {2}, {3}} })
	for _, tree := range treePaths(apart.ens) {
		for _, p := range tree {
			require.Len(t, p, 1, "a path of the additive model uses one feature")
		}
	}
	require.Positive(t, constraintBreaks(plain.ens, [][]int{{0}, {1}, {2}, {3}}))

	for _, tc := range []struct {
		sets [][]int
		want string
	}{
		{[][]int{{0, 1}, {}}, "InteractionConstraints[1] is empty"},
		{[][]int{{0, -1}}, "InteractionConstraints[0] lists feature -1; features are column indices of X, from 0"},
		{[][]int{{2}, {0, 1, 0}}, "InteractionConstraints[1] lists feature 0 twice"},
		{[][]int{{0, 1}, {2, 4}}, "InteractionConstraints[1] lists feature 4, but X has 4 features (0..3)"},
	} {
		m := New()
		m.InteractionConstraints = tc.sets
		require.ErrorContains(t, m.Fit(X, y, nil), tc.want)
	}

	m := fit(func(m *Model) { m.InteractionConstraints = [][]int{{0, 1}, {1, 2, 3}} })
	dir := t.TempDir()
	path := filepath.Join(dir, "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, [][]int{{0, 1}, {1, 2, 3}}, s.Model.InteractionConstraints)
	require.Equal(t, predictions(t, m, X), predictions(t, s.Model, X))
	old := filepath.Join(dir, "old.model")
	require.NoError(t, Save(old, &Saved{Model: plain}))
	f, err := checkpoint.Load(old, FileKind)
	require.NoError(t, err)
	require.NotContains(t, string(f.Meta), "interaction_constraints")
	require.NotContains(t, string(f.Meta), "feature_weights")
}

// maxDrawnLaw is, for a weighted draw of keep of the len(w) features
// without replacement (successive draws, each feature with its weight's
// share of those left, XGBoost's law), the probability that each feature
// is the largest drawn: exact, by summing over the ordered draws.
func maxDrawnLaw(w []float64, keep int) []float64 {
	p := make([]float64, len(w))
	used := make([]bool, len(w))
	var rec func(left int, prob float64, top int)
	rec = func(left int, prob float64, top int) {
		if left == 0 {
			p[top] += prob
			return
		}
		var sum float64
		for j, v := range w {
			if !used[j] {
				sum += v
			}
		}
		for j, v := range w {
			if !used[j] {
				used[j] = true
				rec(left-1, prob*v/sum, max(top, j))
				used[j] = false
			}
		}
	}
	rec(keep, 1, -1)
	return p
}

// chiSquare is Pearson's statistic of counts against probabilities p over
// n draws, over the cells expecting at least one; the others must be 0.
func chiSquare(t *testing.T, counts []int, p []float64, n int) float64 {
	t.Helper()
	var x float64
	for j, c := range counts {
		e := p[j] * float64(n)
		if e < 1 {
			require.Zero(t, c, "feature %d expects %.2g of %d", j, e, n)
			continue
		}
		x += (float64(c) - e) * (float64(c) - e) / e
	}
	return x
}

// TestFeatureWeightsDrawLaw: FeatureWeights draws follow XGBoost's law,
// weighted sampling without replacement: on stumps over six features of
// rising strength (make_xgb_interaction.py) the root is the strongest
// feature a tree drew, and XGBoost's counts of it, keeping 1 and 3 of
// the 6, fit the exact law (Pearson's χ² below 25: p < 0.0002 at 5
// degrees of freedom); so do those of Ember's draws (30,000 trees), which
// are Ember's own random numbers, not XGBoost's. The feature of weight 0
// is never drawn, by either, when fewer than the features of weight
// above 0 are kept.
func TestFeatureWeightsDrawLaw(t *testing.T) {
	fx, _, _ := readICFixture(t)
	w := fx.Weights.Weights
	floored := make([]float64, len(w))
	for j, v := range w {
		floored[j] = max(v, minFeatureWeight)
	}
	for _, d := range fx.Weights.Draws {
		law := maxDrawnLaw(floored, d.Keep)
		xg := chiSquare(t, d.Counts, law, d.Trees)
		m := &Model{ColsampleByTree: float64(d.Keep)/float64(len(w)) + 1e-3, ColsampleByLevel: 1, ColsampleByNode: 1, FeatureWeights: w, Seed: 1}
		s := newColSampler(m, len(w))
		require.NotNil(t, s.weights)
		const trees = 30_000
		counts := make([]int, len(w))
		for range trees {
			s.newTree()
			require.Len(t, s.tree, d.Keep)
			counts[slices.Max(s.tree)]++
		}
		em := chiSquare(t, counts, law, trees)
		t.Logf("keep %d: law %.4f; XGBoost %v of %d (χ² %.1f), Ember %v of %d (χ² %.1f)", d.Keep, law, d.Counts, d.Trees, xg, counts, trees, em)
		require.Less(t, xg, 25.0, "XGBoost's draws against the law: the law, or the fixture, is not XGBoost's")
		require.Less(t, em, 25.0, "Ember's draws against XGBoost's law")
		require.Zero(t, counts[len(w)-1], "the feature of weight 0")
	}
}

// TestFeatureWeightsFit: in a fit sampling columns by tree, level and
// node, depth by depth and best first, features of weight 0 are never
// split on while the draws keep fewer features than weigh above 0, and
// features of weight 0 are drawn once a draw needs them; weights all
// alike fit as none do; bad weights are errors naming them.
func TestFeatureWeightsFit(t *testing.T) {
	X, y := wideData(3000, 10, 12)
	for _, leaves := range []int{0, 12} {
		m := colsampleModel(13)
		m.ColsampleByTree, m.ColsampleByLevel, m.ColsampleByNode, m.MaxLeaves = 0.6, 0.9, 0.9, leaves
		// 7 features above 0; a tree keeps 6.
		m.FeatureWeights = []float64{0, 1, 2, 0, 1, 3, 1, 0, 1, 0.5}
		require.NoError(t, m.Fit(X, y, nil))
		for _, nd := range m.ens.nodes {
			require.NotContains(t, []int32{0, 3, 7}, nd.Feature, "a feature of weight 0")
		}
		require.Positive(t, m.ens.NumTrees())
	}
	// 8 kept of 7 above 0: a feature of weight 0 is in every tree's set.
	m := colsampleModel(13)
	m.ColsampleByTree, m.ColsampleByLevel, m.ColsampleByNode = 0.8, 1, 1
	m.FeatureWeights = []float64{0, 1, 2, 0, 1, 3, 1, 0, 1, 0.5}
	tr, log := fitLogged(t, m, X, y)
	for _, c := range log {
		require.Len(t, c.tree, 8)
		require.True(t, slices.Contains(c.tree, 0) || slices.Contains(c.tree, 3) || slices.Contains(c.tree, 7), "%v", c.tree)
	}
	require.Positive(t, len(tr.ens.roots))

	fit := func(w []float64) []node {
		m := colsampleModel(14)
		m.FeatureWeights = w
		require.NoError(t, m.Fit(X, y, nil))
		return m.ens.nodes
	}
	plain := fit(nil)
	require.Equal(t, plain, fit(slices.Repeat([]float64{2.5}, 10)), "weights all alike")
	require.NotEqual(t, plain, fit([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 2}))

	for _, tc := range []struct {
		w    []float64
		want string
	}{
		{[]float64{1, 1, -1, 1, 1, 1, 1, 1, 1, 1}, "FeatureWeights[2] is -1; a feature weight must be a non-negative finite number"},
		{[]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, math.NaN()}, "FeatureWeights[9] is NaN"},
		{[]float64{math.Inf(1), 1, 1, 1, 1, 1, 1, 1, 1, 1}, "FeatureWeights[0] is +Inf"},
		{[]float64{1, 2, 3}, "FeatureWeights has 3 weights, but X has 10 features"},
	} {
		m := colsampleModel(1)
		m.FeatureWeights = tc.w
		require.ErrorContains(t, m.Fit(X, y, nil), tc.want)
	}
	m = colsampleModel(15)
	m.FeatureWeights = []float64{0, 1, 2, 0, 1, 3, 1, 0, 1, 0.5}
	require.NoError(t, m.Fit(X, y, nil))
	path := filepath.Join(t.TempDir(), "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, m.FeatureWeights, s.Model.FeatureWeights)
}
