package gbt

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/tabular"
)

// This file holds what the XGBoost parity tests share: reading the
// fixtures the testdata/make_*.py scripts write, and comparing a fit's
// margins and losses with XGBoost's.

// readCSVFloats reads a CSV fixture of float columns: the header and
// the rows, an empty cell as NaN.
func readCSVFloats(t *testing.T, path string) ([]string, [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	rows := make([][]float64, len(recs)-1)
	for i, rec := range recs[1:] {
		rows[i] = make([]float64, len(rec))
		for j, s := range rec {
			v := math.NaN()
			if s != "" {
				v, err = strconv.ParseFloat(s, 64)
				require.NoError(t, err)
			}
			rows[i][j] = v
		}
	}
	return recs[0], rows
}

// readFixture reads a CSV of float columns as float32; an empty cell is
// NaN.
func readFixture(t *testing.T, path string) (*tabular.Matrix, []string) {
	t.Helper()
	names, rows := readCSVFloats(t, path)
	X := tabular.NewMatrix(len(rows), len(names))
	for i, row := range rows {
		for j, v := range row {
			X.Data[i*X.Cols+j] = float32(v)
		}
	}
	return X, names
}

// readColumns reads a CSV fixture's columns as float64, by name; an empty
// cell is NaN.
func readColumns(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	names, rows := readCSVFloats(t, path)
	out := map[string][]float64{}
	for _, row := range rows {
		for j, v := range row {
			out[names[j]] = append(out[names[j]], v)
		}
	}
	return out
}

// readJSONFixture decodes the JSON fixture at path into v.
func readJSONFixture(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// fitFixture is a CSV fixture of XGBoost fits whose first four columns
// are the features f0..f3; the other columns are labels, weights and
// XGBoost's margins.
type fitFixture struct {
	all   *tabular.Matrix      // every column as float32, as readFixture reads it
	names []string             // the columns' names
	X     *tabular.Matrix      // the features: the first four columns
	cols  map[string][]float64 // every column by name as float64, as readColumns reads it
}

// readFitFixture reads a fitFixture. Labels, weights and margins written
// with up to 9 digits are to be taken from cols, not through the float32
// matrix.
func readFitFixture(t *testing.T, path string) fitFixture {
	t.Helper()
	all, names := readFixture(t, path)
	X := tabular.NewMatrix(all.Rows, 4)
	for i := range all.Rows {
		copy(X.Row(i), all.Row(i)[:4])
	}
	return fitFixture{all: all, names: names, X: X, cols: readColumns(t, path)}
}

// margins are XGBoost's margins of a fit of k classes in the fixture,
// row by row as Margins gives them: column m_<name>, or m_<name>_<c> for
// class c when k > 1.
func (f fitFixture) margins(t *testing.T, name string, k int) []float64 {
	t.Helper()
	want := make([]float64, f.all.Rows*k)
	for c := range k {
		col := "m_" + name
		if k > 1 {
			col = fmt.Sprintf("%s_%d", col, c)
		}
		require.Contains(t, f.names, col)
		for i, v := range f.cols[col] {
			want[i*k+c] = v
		}
	}
	return want
}

// requireMarginsNear requires every margin of got within tol of XGBoost's
// (want), and logs the largest difference; what names the fit in the
// messages.
func requireMarginsNear(t *testing.T, got, want []float64, tol float64, what string) {
	t.Helper()
	worst, at := 0.0, 0
	for i := range got {
		// A NaN counts as the largest difference: NaN > worst is false.
		if e := math.Abs(got[i] - want[i]); e > worst || math.IsNaN(e) && !math.IsNaN(worst) {
			worst, at = e, i
		}
	}
	t.Logf("%s: largest |margin difference| from XGBoost %.3g", what, worst)
	require.Less(t, worst, tol, "%s: margin %d of the fixture", what, at)
}

// requireLossCurve requires the validation loss after each round (got,
// History().ValidLoss) to be XGBoost's evaluation of metric (want) within
// tol relative: as many rounds, and exactly 0 where XGBoost's is 0, which
// has no relative error.
func requireLossCurve(t *testing.T, got, want []float64, tol float64, metric string) {
	t.Helper()
	require.Len(t, got, len(want), "rounds of %s", metric)
	for r, v := range got {
		if want[r] == 0 {
			require.Zero(t, v, "%s after round %d", metric, r)
			continue
		}
		require.InEpsilon(t, want[r], v, tol, "%s after round %d", metric, r)
	}
}

// requireSameWithThreads1And4 calls fit with Threads 1 and then 4, and
// requires what the two return (margins, or predictions) to be the same.
func requireSameWithThreads1And4(t *testing.T, fit func(threads int) []float64) {
	t.Helper()
	one := fit(1)
	require.Equal(t, one, fit(4), "Threads 4 against 1")
}

// savedFileVersion is the metadata version of the model file at path.
func savedFileVersion(t *testing.T, path string) int {
	t.Helper()
	f, err := checkpoint.Load(path, FileKind)
	require.NoError(t, err)
	var meta struct {
		Version int `json:"version"`
	}
	require.NoError(t, f.DecodeMeta(&meta))
	return meta.Version
}

// saveAndReload saves m to path and loads it back: the loaded model and
// the file's metadata version.
func saveAndReload(t *testing.T, m *Model, path string) (*Model, int) {
	t.Helper()
	require.NoError(t, Save(path, &Saved{Model: m}))
	version := savedFileVersion(t, path)
	s, err := Load(path)
	require.NoError(t, err)
	return s.Model, version
}

// float32Steps is how many float32 values apart a and b are, each
// rounded to float32 (0: the same float32).
func float32Steps(a, b float64) int {
	d := int(int64(math.Float32bits(float32(a))) - int64(math.Float32bits(float32(b))))
	return max(d, -d)
}

// xgbRowsHead is the first n rows of testdata/xgb_rows.csv
// (make_xgboost.py), the rows XGBoost's saved models of the objectives
// were trained on.
func xgbRowsHead(t *testing.T, n int) *tabular.Matrix {
	t.Helper()
	X, _ := readFixture(t, "testdata/xgb_rows.csv")
	return &tabular.Matrix{Rows: n, Cols: X.Cols, Data: X.Data[:n*X.Cols]}
}
