package gbt

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestXGBoostCategorical: a model XGBoost 1.7 trained with
// enable_categorical (partition splits on a 12-level feature, one-hot
// splits on a 3-level one; testdata/make_xgb_categorical.py) scores every
// fixture row, from JSON and from UBJSON, bit for bit in float32 as
// XGBoost's predict and output_margin do, and its contributions match
// pred_contribs: rows with unseen, negative, fractional, huge and missing
// category codes included.
func TestXGBoostCategorical(t *testing.T) {
	X, _ := readFixture(t, "testdata/xgb_cat_rows.csv")
	want, cols := readFixture(t, "testdata/xgb_cat_expected.csv")
	require.Equal(t, []string{"proba", "margin", "phi_color", "phi_size", "phi_x", "bias"}, cols)
	for _, file := range []string{"xgb_cat.json", "xgb_cat.ubj"} {
		t.Run(file, func(t *testing.T) {
			m, err := LoadXGBoost("testdata/" + file)
			require.NoError(t, err)
			require.Equal(t, 3, m.NumFeatures())
			for _, threads := range []int{1, 3} {
				p, err := m.Predict(X, threads, nil)
				require.NoError(t, err)
				mg, err := m.Margins(X, threads, nil)
				require.NoError(t, err)
				for i := range X.Rows {
					require.Equal(t, want.At(i, 0), float32(p[i]), "row %d: probability", i)
					require.Equal(t, want.At(i, 1), float32(mg[i]), "row %d: margin", i)
				}
			}
			phi, err := m.Contributions(X, 2, nil)
			require.NoError(t, err)
			for i := range X.Rows {
				for j := range 4 {
					g, w := phi[i*4+j], float64(want.At(i, 2+j))
					require.LessOrEqual(t, math.Abs(g-w), 2e-5*max(1, math.Abs(w)), "row %d, contribution %d: got %v, XGBoost %v", i, j, g, w)
				}
			}
		})
	}
}

// TestCatRight: category membership as XGBoost's common::Decision decides
// it, at the edges of the bitset and of the codes.
func TestCatRight(t *testing.T) {
	set := []uint32{1<<3 | 1<<31, 1 << 0} // categories 3, 31, 32
	for v, want := range map[float32]bool{
		3: true, 3.9: true, 31: true, 32: true, 32.5: true,
		0: false, 2.999: false, 4: false, 33: false, 64: false, 1e9: false,
		-1: false, -0.5: false, float32(math.Inf(1)): false, float32(math.NaN()): false,
	} {
		require.Equal(t, want, catRight(set, v), "value %v", v)
	}
}

// TestXGBoostCategoricalBadFiles: damaged category sets are refused with
// the node named, never scored wrongly or panicking.
func TestXGBoostCategoricalBadFiles(t *testing.T) {
	good, err := os.ReadFile("testdata/xgb_cat.json")
	require.NoError(t, err)
	s := string(good)
	_, err = ParseXGBoost(good)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"no set", `"categories_nodes":[0,3]`, `"categories_nodes":[3]`, "have 1, 2 and 2 entries"},
		{"set dropped", `"categories_nodes":[0,3],"categories_segments":[0,5],"categories_sizes":[5,9]`,
			`"categories_nodes":[3],"categories_segments":[5],"categories_sizes":[9]`, "node 0 is a categorical split without categories"},
		{"negative", `"categories":[1,4,`, `"categories":[-1,4,`, "outside 0..16777215"},
		{"too many", `"categories_sizes":[5,9]`, `"categories_sizes":[5,90]`, "entries 5..94 of 14"},
		{"split type", `"split_type":[1,`, `"split_type":[2,`, "split_type 2"},
		{"numeric with set", `"split_type":[1,`, `"split_type":[0,`, "node 0 has categories but is not a categorical split"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(s, tc.old, tc.new, 1)
			require.NotEqual(t, s, bad, "the fixture edit did not apply")
			_, err := ParseXGBoost([]byte(bad))
			require.ErrorIs(t, err, ErrXGBoostModel)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestCategoricalSaveLoad: an ensemble with categorical splits (XGBoost's,
// here) written by Save and read by Load predicts and explains every row
// exactly as before, as a version 3 file; a damaged set is refused.
func TestCategoricalSaveLoad(t *testing.T) {
	X, _ := readFixture(t, "testdata/xgb_cat_rows.csv")
	xm, err := LoadXGBoost("testdata/xgb_cat.json")
	require.NoError(t, err)
	m := New()
	m.ens, m.importance = xm.Ensemble, make([]float64, 3)
	path := filepath.Join(t.TempDir(), "cat.model")
	require.NoError(t, Save(path, &Saved{Model: m}))
	s, err := Load(path)
	require.NoError(t, err)
	require.NotEmpty(t, s.Model.ens.cats)
	for _, f := range []func(*Ensemble) ([]float64, error){
		func(e *Ensemble) ([]float64, error) { return e.Predict(X, 2, nil) },
		func(e *Ensemble) ([]float64, error) { return e.Contributions(X, 2, nil) },
	} {
		want, err := f(xm.Ensemble)
		require.NoError(t, err)
		got, err := f(s.Model.ens)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	require.Equal(t, 3, savedFileVersion(t, path))

	// A set reaching past the bits is refused on saving (and so never
	// written), and on loading.
	k := slices.IndexFunc(m.ens.nodes, func(nd node) bool { return nd.CatWords > 0 })
	m.ens.nodes[k].CatWords = int32(len(m.ens.cats)) + 1
	err = Save(filepath.Join(t.TempDir(), "bad.model"), &Saved{Model: m})
	require.ErrorContains(t, err, "category set")
}
