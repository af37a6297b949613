package gbt

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/internal/creditdata"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/tabular"
)

// TestRegularisedFitsMatchXGBoost: L1, MaxDeltaStep and Monotone fitted
// as XGBoost 1.7's hist fits reg_alpha, max_delta_step and
// monotone_constraints (testdata/make_xgb_regularise.py): alone and
// together, depth by depth and best first, binary, regression and
// multi:softprob, and categorical splits under a constrained split's
// bounds, every training row gets XGBoost's margins, with Threads 1 and 4
// alike.
func TestRegularisedFitsMatchXGBoost(t *testing.T) {
	mono := []int{1, -1, 0, 1}
	for _, tc := range []struct {
		name string
		newM func() *Model
		set  func(*Model)
	}{
		{"l1", New, func(m *Model) { m.NumTrees, m.L1 = 10, 2 }},
		{"l1_reg", NewRegressor, func(m *Model) { m.NumTrees, m.L1 = 10, 15 }},
		{"mds", New, func(m *Model) { m.NumTrees, m.MaxDeltaStep, m.L2 = 10, 0.4, 0 }},
		{"mds_l1", New, func(m *Model) { m.NumTrees, m.MaxDeltaStep, m.L1 = 10, 0.4, 0.5 }},
		{"mono", New, func(m *Model) { m.NumTrees, m.Monotone = 12, mono }},
		{"mono_leaves", New, func(m *Model) { m.NumTrees, m.MaxDepth, m.MaxLeaves, m.Monotone = 8, 30, 10, mono }},
		{"mono_all", NewRegressor, func(m *Model) {
			m.NumTrees, m.L1, m.MaxDeltaStep, m.Monotone = 10, 3, 1.5, []int{1, -1, 0, -1}
		}},
		{"mono_multi", NewMulticlass, func(m *Model) { m.NumTrees, m.L1, m.Monotone = 6, 0.5, mono }},
		{"mono_cat", NewRegressor, func(m *Model) { m.NumTrees, m.Categorical, m.Monotone = 8, []int{2}, mono }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			X, y, want := regFixture(t, tc.name)
			k := len(want) / X.Rows
			requireSameWithThreads1And4(t, func(threads int) []float64 {
				m := tc.newM()
				m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Threads = 4, 0.3, 1, threads
				tc.set(m)
				require.NoError(t, m.Fit(X, y, nil))
				require.Equal(t, k, m.ens.NumClass())
				got, err := m.Margins(X)
				require.NoError(t, err)
				requireMarginsNear(t, got, want, 1e-5, fmt.Sprintf("threads %d", threads))
				return got
			})
		})
	}
}

// regFixture reads testdata/reg_<name>.csv: the features, the labels and
// XGBoost's margins (k per row).
func regFixture(t *testing.T, name string) (*tabular.Matrix, []float64, []float64) {
	t.Helper()
	all, names := readFixture(t, fmt.Sprintf("testdata/reg_%s.csv", name))
	d := 0
	for names[d] != "y" {
		d++
	}
	k := all.Cols - d - 1
	X := tabular.NewMatrix(all.Rows, d)
	y, want := make([]float64, all.Rows), make([]float64, all.Rows*k)
	for i := range all.Rows {
		for j := range d {
			X.Data[i*d+j] = all.At(i, j)
		}
		y[i] = float64(all.At(i, d))
		for c := range k {
			want[i*k+c] = float64(all.At(i, d+1+c))
		}
	}
	return X, y, want
}

// monotoneBreaks counts the (row, step) pairs at which a class's margin
// moves against dir as feature f sweeps vals (ascending), every other
// feature of the row held: 0 for a model monotone in f.
func monotoneBreaks(t *testing.T, m *Model, X *tabular.Matrix, rows, f, dir int, vals []float32) int {
	t.Helper()
	k := max(1, m.NumClasses())
	S := tabular.NewMatrix(len(vals), X.Cols)
	breaks := 0
	for i := range min(rows, X.Rows) {
		for v, x := range vals {
			copy(S.Row(v), X.Row(i))
			S.Row(v)[f] = x
		}
		mg, err := m.Margins(S)
		require.NoError(t, err)
		for v := 1; v < len(vals); v++ {
			for c := range k {
				if d := mg[v*k+c] - mg[(v-1)*k+c]; d*float64(dir) < 0 {
					breaks++
				}
			}
		}
	}
	return breaks
}

// sweep is feature f's distinct values in X, ascending, with one below
// and one above them all.
func sweep(X *tabular.Matrix, f int) []float32 {
	var vals []float32
	for i := range X.Rows {
		if v := X.At(i, f); v == v {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	return append(append([]float32{vals[0] - 1}, vals...), vals[len(vals)-1]+1)
}

// TestMonotoneCredit: on the credit data (UCI default of credit card
// clients, with 5% of the values missing), a model constrained to fall
// with LIMIT_BAL and rise with PAY_0 (last month's payment delay) has
// margins monotone in each, for every held-out row swept over every
// training value, grown depth by depth or best first, and after early
// stopping has cut the trees; the same fit unconstrained is not.
func TestMonotoneCredit(t *testing.T) {
	Xtr, ytr, Xte, yte, _ := creditSplit(t)
	_, _, names, err := creditdata.Load(shareddata.TestPath(t, creditdata.Rel...))
	require.NoError(t, err)
	limit, pay := slices.Index(names, "LIMIT_BAL"), slices.Index(names, "PAY_0")
	require.True(t, limit >= 0 && pay >= 0, "features %v", names)
	mono := make([]int, Xtr.Cols)
	mono[limit], mono[pay] = -1, 1
	vLimit, vPay := sweep(Xtr, limit), sweep(Xtr, pay)
	const rows = 150
	for _, tc := range []struct {
		name string
		set  func(*Model)
	}{
		{"depthwise", func(m *Model) {}},
		{"leaves", func(m *Model) { m.MaxLeaves, m.MaxDepth = 16, 30 }},
		{"early stopping", func(m *Model) { m.NumTrees, m.EarlyStoppingRounds = 300, 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit := func(mono []int) *Model {
				m := New()
				m.NumTrees, m.MaxDepth, m.LearningRate, m.Monotone = 40, 5, 0.2, mono
				tc.set(m)
				require.NoError(t, m.Fit(Xtr, ytr, &EvalSet{X: Xte, Y: yte}))
				return m
			}
			m := fit(mono)
			if m.EarlyStoppingRounds > 0 {
				require.Less(t, m.History().BestRound, len(m.History().ValidLoss)-1, "early stopping cut no trees")
			}
			require.Zero(t, monotoneBreaks(t, m, Xte, rows, limit, -1, vLimit), "LIMIT_BAL")
			require.Zero(t, monotoneBreaks(t, m, Xte, rows, pay, +1, vPay), "PAY_0")
			free := fit(nil)
			b := monotoneBreaks(t, free, Xte, rows, limit, -1, vLimit) + monotoneBreaks(t, free, Xte, rows, pay, +1, vPay)
			t.Logf("unconstrained: %d breaks; validation log-loss %.4f constrained, %.4f not",
				b, m.History().ValidLoss[m.History().BestRound], free.History().ValidLoss[free.History().BestRound])
			require.Positive(t, b, "the unconstrained fit is monotone already: the test proves nothing")
		})
	}
}

// TestMonotoneMulticlass: with MultiSoftprob every class's margin is
// monotone in a constrained feature (each class's trees are), though a
// class's probability need not be.
func TestMonotoneMulticlass(t *testing.T) {
	X, y, _ := regFixture(t, "mono_multi")
	m := NewMulticlass()
	m.NumTrees, m.MaxDepth, m.LearningRate, m.Monotone = 20, 4, 0.3, []int{1, -1, 0, 1}
	require.NoError(t, m.Fit(X, y, nil))
	require.Equal(t, 3, m.NumClasses())
	for f, dir := range m.Monotone {
		if dir != 0 {
			require.Zero(t, monotoneBreaks(t, m, X, X.Rows, f, dir, sweep(X, f)), "feature %d", f)
		}
	}
}

// TestRegularisationOptions: the options' bad values are errors naming
// them, before any fit; all-zero constraints fit as none; MaxDeltaStep
// bounds every leaf; a large L1 zeroes every leaf; and a saved model keeps
// the options, written only when set, so a file without them (one from
// before them) loads as their zero values.
func TestRegularisationOptions(t *testing.T) {
	X, y := toyData(500, 3, false)
	for _, tc := range []struct {
		set  func(*Model)
		want string
	}{
		{func(m *Model) { m.L1 = -1 }, "L1 must be a non-negative finite number, got -1"},
		{func(m *Model) { m.L1 = math.Inf(1) }, "L1 must be"},
		{func(m *Model) { m.MaxDeltaStep = math.NaN() }, "MaxDeltaStep must be a non-negative finite number (0: no bound) or NoDeltaStep (-1), got NaN"},
		{func(m *Model) { m.Monotone = []int{0, 2, 0, 0} }, "Monotone[1] is 2; a constraint is -1 (falling), 0 (none) or +1 (rising)"},
		{func(m *Model) { m.Monotone = []int{1, -1} }, "Monotone has 2 constraints, but X has 4 features"},
		{func(m *Model) { m.Monotone, m.Categorical = []int{0, 0, 0, -1}, []int{3} }, "Monotone[3] is -1, but feature 3 is Categorical"},
	} {
		m := New()
		tc.set(m)
		require.ErrorContains(t, m.Fit(X, y, nil), tc.want)
	}

	fit := func(set func(*Model)) *Model {
		m := New()
		m.NumTrees, m.MaxDepth, m.LearningRate = 20, 4, 0.5
		set(m)
		require.NoError(t, m.Fit(X, y, nil))
		return m
	}
	margins := func(m *Model) []float64 {
		mg, err := m.Margins(X)
		require.NoError(t, err)
		return mg
	}
	plain := fit(func(*Model) {})
	require.Equal(t, margins(plain), margins(fit(func(m *Model) { m.Monotone = make([]int, 4) })), "all-zero Monotone")

	bounded := fit(func(m *Model) { m.MaxDeltaStep = 0.3 })
	var top float32
	for _, nd := range bounded.ens.nodes {
		if nd.Feature < 0 {
			top = max(top, float32(math.Abs(float64(nd.Threshold))))
		}
	}
	require.LessOrEqual(t, top, float32(0.3*0.5))
	require.NotEqual(t, margins(plain), margins(bounded))

	sparse := fit(func(m *Model) { m.L1 = 1e6 })
	for _, v := range margins(sparse) {
		require.Equal(t, float64(sparse.ens.base), v, "an L1 above every |G| leaves every leaf 0")
	}

	m := fit(func(m *Model) { m.L1, m.MaxDeltaStep, m.Monotone = 0.5, 2, []int{1, -1, 0, 0} })
	dir := t.TempDir()
	path := filepath.Join(dir, "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, 0.5, s.Model.L1)
	require.Equal(t, 2.0, s.Model.MaxDeltaStep)
	require.Equal(t, []int{1, -1, 0, 0}, s.Model.Monotone)
	require.Equal(t, margins(m), margins(s.Model))

	// Unset, the options are not written: the settings are those an Ember
	// from before them wrote and reads, and such a file loads as none.
	old := filepath.Join(dir, "old.model")
	require.NoError(t, Save(old, &Saved{Model: plain}))
	f, err := checkpoint.Load(old, FileKind)
	require.NoError(t, err)
	for _, key := range []string{`"l1"`, `"max_delta_step"`, `"monotone_constraints"`} {
		require.NotContains(t, string(f.Meta), key)
	}
	s, err = Load(old)
	require.NoError(t, err)
	require.Zero(t, s.Model.L1)
	require.Zero(t, s.Model.MaxDeltaStep)
	require.Nil(t, s.Model.Monotone)
}

// TestMissingAloneLeft: a constrained feature with missing values can
// take XGBoost's split of missing values alone left, every value right
// (threshold −Inf): the binned walk of training (the validation loss)
// routes rows as the scorer does, and a saved model keeps it.
func TestMissingAloneLeft(t *testing.T) {
	X, y, _ := regFixture(t, "mono")
	m := New()
	m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Monotone = 12, 4, 0.3, 1, []int{1, -1, 0, 1}
	require.NoError(t, m.Fit(X, y, &EvalSet{X: X, Y: y}))
	n := 0
	for _, nd := range m.ens.nodes {
		if nd.Feature >= 0 && math.IsInf(float64(nd.Threshold), -1) {
			require.Zero(t, nd.Default, "missing values go left")
			n++
		}
	}
	require.Positive(t, n, "no split of missing values alone: the test proves nothing")
	mg, err := m.Margins(X)
	require.NoError(t, err)
	var loss float64
	for i, v := range mg {
		loss += New().pointLoss(v, y[i])
	}
	h := m.History().ValidLoss
	require.InDelta(t, loss/float64(len(y)), h[len(h)-1], 1e-6)
	path := filepath.Join(t.TempDir(), "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	got, err := s.Model.Margins(X)
	require.NoError(t, err)
	require.Equal(t, mg, got)
}
