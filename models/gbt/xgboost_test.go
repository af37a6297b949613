package gbt

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// TestXGBoostParity: models saved by XGBoost 1.7 (JSON and UBJSON) score
// every fixture row, missing values and values sitting exactly on split
// thresholds included, within 1e-6 of XGBoost's own predict_proba and
// predict (testdata/make_xgboost.py).
func TestXGBoostParity(t *testing.T) {
	X, _ := readFixture(t, "testdata/xgb_rows.csv")
	want, cols := readFixture(t, "testdata/xgb_expected.csv")
	require.Equal(t, []string{"binary_proba", "reg_pred"}, cols)
	for _, tc := range []struct {
		file      string
		col       int
		objective string
		link      Link
	}{
		{"xgb_binary.json", 0, "binary:logistic", Logistic},
		{"xgb_binary.ubj", 0, "binary:logistic", Logistic},
		{"xgb_reg.json", 1, "reg:squarederror", Identity},
		{"xgb_reg.ubj", 1, "reg:squarederror", Identity},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := LoadXGBoost("testdata/" + tc.file)
			require.NoError(t, err)
			require.Equal(t, tc.objective, m.Objective)
			require.Equal(t, tc.link, m.Link())
			require.Equal(t, 8, m.NumFeatures())
			require.Equal(t, []int{1, 7, 4}, m.Version)
			for _, threads := range []int{1, 3} {
				got, err := m.Predict(X, threads, nil)
				require.NoError(t, err)
				exact, worst := 0, 0.0
				for i, g := range got {
					w := float64(want.At(i, tc.col))
					diff := math.Abs(g - w)
					require.LessOrEqual(t, diff, 1e-6, "row %d: got %v, XGBoost %v", i, g, w)
					worst = max(worst, diff)
					if float32(g) == float32(w) {
						exact++
					}
				}
				t.Logf("%s, %d threads: %d of %d rows bit-identical in float32, worst |diff| %.3g", tc.file, threads, exact, len(got), worst)
			}
		})
	}
}

// TestXGBoost3Layout: XGBoost 2 and 3 write a scalar tree's
// size_leaf_vector as "1" (1.7 wrote "0"), base_score as "[3E-1]", and new
// fields (cats, iteration_indptr). Such a file (the 1.7 fixture rewritten
// so) scores exactly as the 1.7 file does; a vector leaf is still refused.
func TestXGBoost3Layout(t *testing.T) {
	b, err := os.ReadFile("testdata/xgb_binary.json")
	require.NoError(t, err)
	v3 := strings.ReplaceAll(string(b), `"size_leaf_vector":"0"`, `"size_leaf_vector":"1"`)
	v3 = strings.Replace(v3, `"base_score":"3E-1"`, `"base_score":"[3E-1]"`, 1)
	v3 = strings.Replace(v3, `"version":[1,7,4]`, `"version":[3,1,0]`, 1)
	v3 = strings.Replace(v3, `"gbtree_model_param":`, `"cats":{"enc":[],"feature_segments":[],"sorted_idx":[]},"iteration_indptr":[0],"gbtree_model_param":`, 1)
	require.NotEqual(t, string(b), v3)
	old, err := ParseXGBoost(b)
	require.NoError(t, err)
	m, err := ParseXGBoost([]byte(v3))
	require.NoError(t, err)
	require.Equal(t, []int{3, 1, 0}, m.Version)
	X, _ := readFixture(t, "testdata/xgb_rows.csv")
	want, err := old.Predict(X, 1, nil)
	require.NoError(t, err)
	got, err := m.Predict(X, 1, nil)
	require.NoError(t, err)
	require.Equal(t, want, got)

	_, err = ParseXGBoost([]byte(strings.ReplaceAll(v3, `"size_leaf_vector":"1"`, `"size_leaf_vector":"3"`)))
	require.ErrorIs(t, err, ErrXGBoostModel)
	require.ErrorContains(t, err, "vector leaves (multi-target trees) are not supported")
}

func TestXGBoostBadFiles(t *testing.T) {
	good, err := os.ReadFile("testdata/xgb_binary.json")
	require.NoError(t, err)
	goodUBJ, err := os.ReadFile("testdata/xgb_binary.ubj")
	require.NoError(t, err)
	s := string(good)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"text", []byte("id,prediction\n1,0.5\n"), "neither JSON nor UBJSON"},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), "neither JSON nor UBJSON"},
		{"truncated JSON", good[:len(good)/2], "JSON"},
		{"truncated UBJSON", goodUBJ[:len(goodUBJ)/2], "UBJSON"},
		{"other JSON", []byte(`{"weights": [1, 2]}`), "not an XGBoost model"},
		{"multi-class", []byte(strings.Replace(s, `"num_class":"0"`, `"num_class":"3"`, 1)), "num_class 3"},
		{"objective", []byte(strings.Replace(s, `"name":"binary:logistic"`, `"name":"reg:quantileerror"`, 1)), `objective "reg:quantileerror" is not supported`},
		{"dart", []byte(strings.Replace(s, `"name":"gbtree"`, `"name":"dart"`, 1)), "dart"},
		{"categorical without a set", []byte(strings.Replace(s, `"split_type":[0,`, `"split_type":[1,`, 1)), "node 0 is a categorical split without categories"},
		{"child out of range", []byte(strings.Replace(s, `"left_children":[1,`, `"left_children":[100000,`, 1)), "outside"},
		{"cycle", []byte(strings.Replace(s, `"left_children":[1,`, `"left_children":[0,`, 1)), "reached twice"},
		{"feature out of range", []byte(strings.Replace(s, `"num_feature":"8","num_target"`, `"num_feature":"1","num_target"`, 1)), "splits on feature"},
		{"base score", []byte(strings.Replace(s, `"base_score":"3E-1"`, `"base_score":"1.5"`, 1)), "not a probability"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotEqual(t, s, string(tc.data), "the fixture edit did not apply")
			_, err := ParseXGBoost(tc.data)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrXGBoostModel)
			require.ErrorContains(t, err, tc.want)
			if tc.name == "base score" {
				var bse *BaseScoreError
				require.True(t, errors.As(err, &bse), "a *BaseScoreError as well: %v", err)
				require.Equal(t, 1.5, bse.BaseScore)
			}
		})
	}
	// Typed arrays of null, true or false take no bytes per element: a
	// 200 kB file of them used to decode into billions of values (minutes
	// of work and all the memory) before the model was even looked at.
	var bomb strings.Builder
	bomb.WriteString("{i\x01x[")
	for bomb.Len() < 200_000 {
		bomb.WriteString("[$Z#l\x00\x03\x0d\x40") // 200,000 nulls
	}
	bomb.WriteString("]}")
	start := time.Now()
	_, err = ParseXGBoost([]byte(bomb.String()))
	require.ErrorIs(t, err, ErrXGBoostModel)
	require.ErrorContains(t, err, "elements of null, true or false: more than the file's size allows")
	require.Less(t, time.Since(start), 10*time.Second)

	_, err = LoadXGBoost("testdata/no-such-model.json")
	require.ErrorIs(t, err, fs.ErrNotExist)

	// Rows of the wrong width are refused, not misread.
	m, err := ParseXGBoost(good)
	require.NoError(t, err)
	_, err = m.Predict(tabular.NewMatrix(3, 7), 1, nil)
	require.ErrorContains(t, err, "7 features; the model was fitted on 8")
	require.False(t, errors.Is(err, ErrXGBoostModel))
}
