package gbt

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// TestXGBoostContributions: Ember's contributions for XGBoost's own
// models (binary, regression, 4-class; missing values and values on split
// thresholds included) are XGBoost's predict(pred_contribs=True) within
// float32 rounding (testdata/make_contribs.py; XGBoost sums in float32).
func TestXGBoostContributions(t *testing.T) {
	X, _ := readFixture(t, "testdata/xgb_rows.csv")
	Xm, _, _ := readMultiRows(t)
	Xm = Xm.SelectRows(seq(300))
	for _, tc := range []struct {
		model, want string
		X           *tabular.Matrix
	}{
		{"xgb_binary.json", "xgb_binary_contribs.csv", X},
		{"xgb_reg.ubj", "xgb_reg_contribs.csv", X},
		{"xgb_multi.json", "xgb_multi_contribs.csv", Xm},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m, err := LoadXGBoost("testdata/" + tc.model)
			require.NoError(t, err)
			want, _ := readFixture(t, "testdata/"+tc.want)
			got, err := m.Contributions(tc.X, 2, nil)
			require.NoError(t, err)
			require.Len(t, got, len(want.Data))
			worst := 0.0
			for i, g := range got {
				w := float64(want.Data[i])
				diff := math.Abs(g - w)
				require.LessOrEqual(t, diff, 2e-5*max(1, math.Abs(w)), "value %d: got %v, XGBoost %v", i, g, w)
				worst = max(worst, diff)
			}
			t.Logf("%s: %d values, largest |difference| %.3g", tc.model, len(got), worst)
		})
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestContributionsAreShapley: for Ember's own fits (binary, multi-class,
// best first, weighted), each row's contributions and bias add up to its
// margin, and on a four-feature problem they equal the Shapley values of
// the cover-weighted tree expectation, computed by brute force over all 16
// feature subsets.
func TestContributionsAreShapley(t *testing.T) {
	X, y := toyData(600, 31, false)
	Xm, ym := toyMulti(600, 32)
	w := make([]float64, len(y))
	for i := range w {
		w[i] = 0.5 + float64(i%4)/2
	}
	for _, tc := range []struct {
		name string
		fit  func() (*Model, *tabular.Matrix)
	}{
		{"binary", func() (*Model, *tabular.Matrix) {
			m := New()
			m.NumTrees, m.MaxDepth = 8, 3
			require.NoError(t, m.Fit(X, y, nil))
			return m, X
		}},
		{"multi-class", func() (*Model, *tabular.Matrix) {
			m := NewMulticlass()
			m.NumTrees, m.MaxDepth = 5, 3
			require.NoError(t, m.Fit(Xm, ym, nil))
			return m, Xm
		}},
		{"best first, weighted", func() (*Model, *tabular.Matrix) {
			m := New()
			m.NumTrees, m.MaxDepth, m.MaxLeaves = 6, 10, 5
			require.NoError(t, m.FitWeighted(X, y, w, nil))
			return m, X
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, X := tc.fit()
			e := m.Ensemble()
			k, d := e.NumClass(), X.Cols
			c, err := m.Contributions(X)
			require.NoError(t, err)
			mg, err := m.Margins(X)
			require.NoError(t, err)
			for i := range X.Rows {
				for cl := range k {
					block := c[(i*k+cl)*(d+1) : (i*k+cl+1)*(d+1)]
					var sum float64
					for _, v := range block {
						sum += v
					}
					require.InDelta(t, mg[i*k+cl], sum, 1e-9, "row %d class %d", i, cl)
					if i < 25 { // brute force on a few rows
						want := bruteShapley(e, X.Row(i), cl)
						for j := range d + 1 {
							require.InDelta(t, want[j], block[j], 1e-9, "row %d class %d feature %d", i, cl, j)
						}
					}
				}
			}
		})
	}
}

// bruteShapley is the Shapley values of v(S), the ensemble's class-cl
// margin with the features outside S integrated out by the covers, over
// every subset S; the last value is v(∅), the bias.
func bruteShapley(e *Ensemble, x []float32, cl int) []float64 {
	d := e.nFeature
	value := func(set uint) float64 {
		v := float64(e.ClassBase(cl))
		var walk func(n int32) float64
		walk = func(n int32) float64 {
			nd := e.nodes[n]
			if nd.Feature < 0 {
				return float64(nd.Threshold)
			}
			if set&(1<<uint(nd.Feature)) != 0 {
				return walk(e.child(&nd, x[nd.Feature]))
			}
			cl, cr := float64(e.cover[nd.Left]), float64(e.cover[nd.Left+1])
			return (walk(nd.Left)*cl + walk(nd.Left+1)*cr) / float64(e.cover[n])
		}
		for t, root := range e.roots {
			if e.TreeClass(t) == cl {
				v += walk(root)
			}
		}
		return v
	}
	fact := func(n int) float64 {
		f := 1.0
		for i := 2; i <= n; i++ {
			f *= float64(i)
		}
		return f
	}
	phi := make([]float64, d+1)
	for j := range d {
		for set := uint(0); set < 1<<uint(d); set++ {
			if set&(1<<uint(j)) != 0 {
				continue
			}
			s := 0
			for b := range d {
				if set&(1<<uint(b)) != 0 {
					s++
				}
			}
			weight := fact(s) * fact(d-s-1) / fact(d)
			phi[j] += weight * (value(set|1<<uint(j)) - value(set))
		}
	}
	phi[d] = value(0)
	return phi
}

// TestContributionsSaveLoad: covers are saved with the model, so a loaded
// model explains as the fitted one; a file without covers (saved before
// Ember recorded them) says so.
func TestContributionsSaveLoad(t *testing.T) {
	X, y := toyData(300, 33, false)
	m := New()
	m.NumTrees, m.MaxDepth = 5, 3
	require.NoError(t, m.Fit(X, y, nil))
	path := filepath.Join(t.TempDir(), "m.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	want, err := m.Contributions(X)
	require.NoError(t, err)
	got, err := s.Model.Contributions(X)
	require.NoError(t, err)
	require.Equal(t, want, got)

	m.ens.cover = nil
	_, err = m.Contributions(X)
	require.ErrorIs(t, err, ErrNoCover)
}
