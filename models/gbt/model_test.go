package gbt

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/tabular"
)

// toyData is a small problem with structure, missing values and a
// constant column: y depends on x0 > 0, x1 and whether x2 is missing.
func toyData(n int, seed uint64, regression bool) (*tabular.Matrix, []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	X := tabular.NewMatrix(n, 4)
	y := make([]float64, n)
	for i := range n {
		row := X.Row(i)
		for j := range 3 {
			row[j] = float32(r.NormFloat64())
		}
		row[3] = 7
		miss := r.Float64() < 0.2
		if miss {
			row[2] = float32(math.NaN())
		}
		z := 2*float64(row[1]) - 1
		if row[0] > 0 {
			z += 2
		}
		if miss {
			z -= 1.5
		}
		if regression {
			y[i] = z + 0.1*r.NormFloat64()
		} else if r.Float64() < 1/(1+math.Exp(-2*z)) {
			y[i] = 1
		}
	}
	return X, y
}

func TestFitLearnsAndPredictsConsistently(t *testing.T) {
	X, y := toyData(2000, 1, false)
	m := New()
	m.NumTrees, m.MaxDepth = 30, 3
	require.NoError(t, m.Fit(X, y, nil))
	p, err := m.Predict(X)
	require.NoError(t, err)
	correct := 0
	for i, v := range p {
		require.True(t, v > 0 && v < 1)
		if (v > 0.5) == (y[i] == 1) {
			correct++
		}
	}
	require.Greater(t, float64(correct)/float64(len(y)), 0.8)
	// The constant column is never split on; x0 and x1 carry the most gain.
	imp := m.Importance()
	require.Zero(t, imp[3])
	require.Greater(t, imp[1], imp[2])
	require.Greater(t, imp[0], imp[2])

	// Training is deterministic, and the same on one thread as on several.
	m2 := New()
	m2.NumTrees, m2.MaxDepth, m2.Threads = 30, 3, 1
	require.NoError(t, m2.Fit(X, y, nil))
	p2, err := m2.Predict(X)
	require.NoError(t, err)
	require.Equal(t, p, p2)
}

func TestRegressor(t *testing.T) {
	X, y := toyData(3000, 2, true)
	Xt, yt := toyData(1000, 3, true)
	m := NewRegressor()
	m.NumTrees, m.MaxDepth, m.LearningRate = 100, 4, 0.2
	require.NoError(t, m.Fit(X, y, nil))
	p, err := m.Predict(Xt)
	require.NoError(t, err)
	var sse, sst, mean float64
	for _, v := range yt {
		mean += v / float64(len(yt))
	}
	for i, v := range p {
		sse += (v - yt[i]) * (v - yt[i])
		sst += (yt[i] - mean) * (yt[i] - mean)
	}
	// The step in x0 and the missing-x2 shift are learned: R² close to the
	// noise limit.
	require.Greater(t, 1-sse/sst, 0.95)
}

func TestEarlyStoppingKeepsBestRound(t *testing.T) {
	X, y := toyData(1500, 4, false)
	Xv, yv := toyData(500, 5, false)
	m := New()
	m.NumTrees, m.LearningRate, m.MaxDepth, m.EarlyStoppingRounds = 500, 0.5, 6, 5
	require.NoError(t, m.Fit(X, y, &EvalSet{X: Xv, Y: yv}))
	h := m.History()
	require.Less(t, len(h.ValidLoss), 500, "the validation loss should stop improving early at this learning rate")
	require.Equal(t, h.BestRound+1, m.Ensemble().NumTrees())
	require.Equal(t, len(h.ValidLoss)-1-5, h.BestRound)
	for _, l := range h.ValidLoss {
		require.GreaterOrEqual(t, l, h.ValidLoss[h.BestRound])
	}
}

func TestSubsampleIsSeeded(t *testing.T) {
	X, y := toyData(1000, 6, false)
	fit := func(seed uint64) []float64 {
		m := New()
		m.NumTrees, m.Subsample, m.Seed = 20, 0.5, seed
		require.NoError(t, m.Fit(X, y, nil))
		p, err := m.Predict(X)
		require.NoError(t, err)
		return p
	}
	a, b, c := fit(1), fit(1), fit(2)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)
}

func TestMinSamplesLeafAndDepth(t *testing.T) {
	X, y := toyData(500, 7, false)
	m := New()
	m.NumTrees, m.MaxDepth, m.MinSamplesLeaf = 5, 3, 60
	require.NoError(t, m.Fit(X, y, nil))
	e := m.Ensemble()
	// Walk every tree: depth at most 3, and every leaf holds >= 60 rows.
	counts := make(map[int32]int)
	for i := range X.Rows {
		for k := range e.roots {
			n := e.roots[k]
			for depth := 0; ; depth++ {
				nd := e.nodes[n]
				if nd.Feature < 0 {
					require.LessOrEqual(t, depth, 3)
					counts[n]++
					break
				}
				v := X.At(i, int(nd.Feature))
				switch {
				case v != v:
					n = nd.Left + nd.Default
				case v < nd.Threshold:
					n = nd.Left
				default:
					n = nd.Left + 1
				}
			}
		}
	}
	for _, c := range counts {
		require.GreaterOrEqual(t, c, 60)
	}
}

func TestBadInput(t *testing.T) {
	X, y := toyData(50, 8, false)
	for _, tc := range []struct {
		name string
		edit func(m *Model)
		X    *tabular.Matrix
		y    []float64
		want string
	}{
		{"objective", func(m *Model) { m.Objective = "binary" }, X, y, `unknown Objective "binary"`},
		{"trees", func(m *Model) { m.NumTrees = -1 }, X, y, "NumTrees must be at least 1, got -1"},
		{"bins", func(m *Model) { m.MaxBins = 256 }, X, y, "MaxBins must be in 2..255"},
		{"lr", func(m *Model) { m.LearningRate = math.NaN() }, X, y, "LearningRate"},
		{"subsample", func(m *Model) { m.Subsample = 1.5 }, X, y, "Subsample must be in (0, 1], got 1.5"},
		{"labels", func(m *Model) {}, X, make([]float64, 49), "50 rows but 49 labels"},
		{"label value", func(m *Model) {}, X, append(make([]float64, 49), 2), "label 49 is 2; binary:logistic needs labels 0 and 1"},
		{"one class", func(m *Model) {}, X, make([]float64, 50), "needs both classes"},
		{"no rows", func(m *Model) {}, tabular.NewMatrix(0, 4), nil, "X is 0×4"},
		{"ragged", func(m *Model) {}, &tabular.Matrix{Rows: 2, Cols: 2, Data: make([]float32, 3)}, []float64{0, 1}, "holds 3 values"},
		{"early stop", func(m *Model) { m.EarlyStoppingRounds = 3 }, X, y, "needs a validation set"},
		// Bins put +Inf with the largest values, but no float32 threshold
		// routes it there: infinite features are refused, as XGBoost does.
		{"infinite feature", func(m *Model) {}, withValue(X, 7, 2, float32(math.Inf(1))), y, "X[7][2] is +Inf; features must be finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			tc.edit(m)
			require.ErrorContains(t, m.Fit(tc.X, tc.y, nil), tc.want)
		})
	}
	m := New()
	_, err := m.Predict(X)
	require.ErrorIs(t, err, ErrNotFitted)
	_, err = m.PredictClass(X)
	require.ErrorIs(t, err, ErrNotFitted)
	m.NumTrees = 3
	require.NoError(t, m.Fit(X, y, nil))
	// A nil matrix is an error, in Predict as in Fit.
	_, err = m.Predict(nil)
	require.ErrorContains(t, err, "nil matrix")
	_, err = m.PredictClass(nil)
	require.ErrorContains(t, err, "nil matrix")
	_, err = m.Margins(nil)
	require.ErrorContains(t, err, "nil matrix")
	_, err = m.Contributions(nil)
	require.ErrorContains(t, err, "nil matrix")
	require.ErrorContains(t, New().Fit(nil, y, nil), "nil matrix")
	_, err = m.Predict(tabular.NewMatrix(2, 5))
	require.ErrorContains(t, err, "5 features; the model was fitted on 4")
	_, err = m.Predict(withValue(X, 3, 1, float32(math.Inf(-1))))
	require.ErrorContains(t, err, "X[3][1] is -Inf; features must be finite")
}

// TestZeroModel: a Model literal fits as its docs promise: a zero option
// that means a default is set to it (New's values but MinChildWeight and
// L2, whose 0 is a setting), and the fit is a binary classifier's.
func TestZeroModel(t *testing.T) {
	X, y := toyData(300, 5, false)
	var m Model
	require.NoError(t, m.Fit(X, y, nil))
	want := *New()
	want.MinChildWeight, want.L2 = 0, 0
	got := m
	got.ens, got.importance, got.history = nil, nil, History{}
	require.Equal(t, want, got)
	require.Equal(t, 100, m.Ensemble().NumTrees())
	p, err := m.Predict(X)
	require.NoError(t, err)
	for _, v := range p {
		require.True(t, v > 0 && v < 1, "%v is not a probability", v)
	}
	_, err = m.PredictClass(X)
	require.NoError(t, err)

	// Options set in a literal are kept; the others take their defaults.
	r := Model{Objective: SquaredError, NumTrees: 7, L2: 2}
	require.NoError(t, r.Fit(X, y, nil))
	require.Equal(t, 7, r.Ensemble().NumTrees())
	require.Equal(t, 2.0, r.L2)
	require.Equal(t, 6, r.MaxDepth)
	require.Equal(t, 0.1, r.LearningRate)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	X, y := toyData(800, 9, false)
	m := New()
	m.NumTrees, m.MaxDepth = 25, 4
	require.NoError(t, m.Fit(X, y, nil))
	path := filepath.Join(t.TempDir(), "m.model")
	require.NoError(t, Save(path, &Saved{Model: m, Target: "y", Classes: []string{"no", "yes"}, Training: map[string]any{"rows": 800}}))
	s, err := Load(path)
	require.NoError(t, err)
	want, err := m.Predict(X)
	require.NoError(t, err)
	got, err := s.Model.Predict(X)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, m.Importance(), s.Model.Importance())
	require.Equal(t, []string{"no", "yes"}, s.Classes)
	require.Equal(t, 25, s.Model.NumTrees)
	require.JSONEq(t, `{"rows":800}`, string(s.Training.(json.RawMessage)))

	// Damage: every error is a clear one from checkpoint, never a panic.
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		data []byte
		is   error
	}{
		{"truncated", b[:len(b)/2], checkpoint.ErrTruncated},
		{"flipped", flip(b, len(b)/2), checkpoint.ErrCorrupt},
		{"text", []byte("customer_ID,prediction\n"), checkpoint.ErrNotModel},
	} {
		p := filepath.Join(t.TempDir(), tc.name)
		require.NoError(t, os.WriteFile(p, tc.data, 0o644))
		_, err := Load(p)
		require.ErrorIs(t, err, tc.is, tc.name)
		require.ErrorContains(t, err, p)
	}
	// Another kind of model file is refused by kind.
	other := filepath.Join(t.TempDir(), "other.model")
	require.NoError(t, checkpoint.Save(other, "ember.logreg", map[string]int{"version": 1}, nil))
	_, err = Load(other)
	require.ErrorIs(t, err, checkpoint.ErrKind)
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

// TestBinFastMatchesSearch: the branch-free search gives sort.Search's bin
// for every value around every cut, for cut counts 0 to 254.
func TestBinFastMatchesSearch(t *testing.T) {
	for n := range 255 {
		cuts := make([]float32, n)
		for i := range cuts {
			cuts[i] = float32(2 * i)
		}
		bm := &binMapper{cuts: [][]float32{cuts}}
		for v := float32(-2); v <= float32(2*n+1); v += 0.5 {
			require.Equal(t, bm.bin(0, v), bm.binFast(0, v), "n %d v %v", n, v)
		}
		require.Equal(t, uint8(missingBin), bm.binFast(0, float32(math.NaN())))
	}
}

// withValue is a copy of X with X[i][j] = v.
func withValue(X *tabular.Matrix, i, j int, v float32) *tabular.Matrix {
	out := &tabular.Matrix{Rows: X.Rows, Cols: X.Cols, Data: slices.Clone(X.Data)}
	out.Data[i*X.Cols+j] = v
	return out
}

func TestWeightsBadInput(t *testing.T) {
	X, y := toyData(50, 8, false)
	ones := func(n int) []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = 1
		}
		return w
	}
	with := func(i int, v float64) []float64 {
		w := ones(50)
		w[i] = v
		return w
	}
	for _, tc := range []struct {
		name string
		edit func(m *Model)
		w    []float64
		want string
	}{
		{"length", func(m *Model) {}, ones(49), "the training rows: 50 rows but 49 weights"},
		{"negative", func(m *Model) {}, with(3, -1), "weight 3 of the training rows is -1; weights must be from 0 to 3.4e38"},
		{"NaN", func(m *Model) {}, with(4, math.NaN()), "weight 4 of the training rows is NaN"},
		{"infinite", func(m *Model) {}, with(5, math.Inf(1)), "weight 5 of the training rows is +Inf"},
		{"all zero", func(m *Model) {}, make([]float64, 50), "every weight of the training rows is 0"},
		{"one class weighted", func(m *Model) {}, func() []float64 {
			w := make([]float64, 50)
			for i, v := range y {
				if v == 1 {
					w[i] = 1
				}
			}
			return w
		}(), "only rows of class 1 have a weight above 0; a classifier needs two classes of weighted rows"},
		{"scale_pos_weight on a regressor XGBoost fits without it", func(m *Model) { m.Objective, m.ScalePosWeight = Gamma, 3 }, nil,
			"ScalePosWeight is 3; reg:gamma does not weigh rows by their label (XGBoost ignores scale_pos_weight there): only binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror do"},
		{"negative scale_pos_weight", func(m *Model) { m.ScalePosWeight = -2 }, nil, "ScalePosWeight must be a non-negative finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			tc.edit(m)
			require.ErrorContains(t, m.FitWeighted(X, y, tc.w, nil), tc.want)
		})
	}
	m := New()
	m.NumTrees = 2
	require.ErrorContains(t, m.Fit(X, y, &EvalSet{X: X, Y: y, W: ones(3)}), "the validation set: 50 rows but 3 weights")

	// A zero ScalePosWeight (a Model literal, an old file) means 1.
	a, b := New(), New()
	a.NumTrees, b.NumTrees, b.ScalePosWeight = 5, 5, 0
	require.NoError(t, a.Fit(X, y, nil))
	require.NoError(t, b.Fit(X, y, nil))
	require.Equal(t, predictions(t, a, X), predictions(t, b, X))
}

// predictions is m.Predict(X), failing the test on an error.
func predictions(t *testing.T, m *Model, X *tabular.Matrix) []float64 {
	t.Helper()
	p, err := m.Predict(X)
	require.NoError(t, err)
	return p
}

// TestWeightedValidationLoss: the validation loss is the weighted mean
// when the EvalSet has weights, as XGBoost weighs an evaluation metric.
func TestWeightedValidationLoss(t *testing.T) {
	X, y := toyData(400, 12, false)
	Xv, yv := toyData(200, 13, false)
	wv := make([]float64, len(yv))
	for i := range wv {
		wv[i] = float64(i%3) + 0.5
	}
	m := New()
	m.NumTrees, m.MaxDepth = 10, 3
	require.NoError(t, m.Fit(X, y, &EvalSet{X: Xv, Y: yv, W: wv}))
	p, err := m.Predict(Xv)
	require.NoError(t, err)
	var sum, total float64
	for i, v := range p {
		l := -math.Log(min(max(v, 1e-15), 1-1e-15))
		if yv[i] == 0 {
			l = -math.Log(min(max(1-v, 1e-15), 1-1e-15))
		}
		sum += wv[i] * l
		total += wv[i]
	}
	h := m.History()
	require.InDelta(t, sum/total, h.ValidLoss[len(h.ValidLoss)-1], 1e-9)
}

// TestLeafwise: best-first trees have at most MaxLeaves leaves; with a
// budget of 2^MaxDepth, which never binds, they split exactly the nodes
// depth-by-depth growth splits, so the predictions are the same.
func TestLeafwise(t *testing.T) {
	X, y := toyData(1500, 14, false)
	m := New()
	m.NumTrees, m.MaxDepth, m.MaxLeaves = 15, 8, 7
	require.NoError(t, m.Fit(X, y, nil))
	e := m.Ensemble()
	for k, r := range e.roots {
		end := len(e.nodes)
		if k+1 < len(e.roots) {
			end = int(e.roots[k+1])
		}
		leaves := 0
		for _, nd := range e.nodes[r:end] {
			if nd.Feature < 0 {
				leaves++
			}
		}
		require.LessOrEqual(t, leaves, 7, "tree %d", k)
	}

	depth, leaf := New(), New()
	depth.NumTrees, depth.MaxDepth = 10, 4
	leaf.NumTrees, leaf.MaxDepth, leaf.MaxLeaves = 10, 4, 16
	require.NoError(t, depth.Fit(X, y, nil))
	require.NoError(t, leaf.Fit(X, y, nil))
	pd, err := depth.Predict(X)
	require.NoError(t, err)
	pl, err := leaf.Predict(X)
	require.NoError(t, err)
	require.Equal(t, pd, pl)
	// The same gains, summed in another node order.
	require.InDeltaSlice(t, depth.Importance(), leaf.Importance(), 1e-9)

	bad := New()
	bad.MaxLeaves = 1
	require.ErrorContains(t, bad.Fit(X, y, nil), "MaxLeaves must be 0 (depth by depth) or in 2..65536, got 1")
}
