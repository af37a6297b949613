package naivebayes

import (
	"encoding/csv"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emberml/ember/internal/shareddata"
)

// gaussianReference is testdata/gaussian_reference.json, written by
// make_gaussian_reference.py.
type gaussianReference struct {
	Train   [][]float64 `json:"train"`
	Labels  []int       `json:"labels"`
	Weights []float64   `json:"weights"`
	Test    [][]float64 `json:"test"`
	Cases   []struct {
		Name         string      `json:"name"`
		Weighted     bool        `json:"weighted"`
		Priors       []float64   `json:"priors"`
		VarSmoothing float64     `json:"var_smoothing"`
		Theta        [][]float64 `json:"theta"`
		Var          [][]float64 `json:"var"`
		ClassPrior   []float64   `json:"class_prior"`
		ClassCount   []float64   `json:"class_count"`
		Epsilon      float64     `json:"epsilon"`
		Proba        [][]float64 `json:"proba"`
		Predict      []int       `json:"predict"`
	} `json:"cases"`
	Iris *struct {
		Every      int         `json:"every"`
		Theta      [][]float64 `json:"theta"`
		Var        [][]float64 `json:"var"`
		ClassPrior []float64   `json:"class_prior"`
		Proba      [][]float64 `json:"proba"`
	} `json:"iris"`
}

func loadGaussianReference(t *testing.T) gaussianReference {
	t.Helper()
	var ref gaussianReference
	readJSONFixture(t, "gaussian_reference.json", &ref)
	return ref
}

// closeRows fails unless got and want agree within tol, relative to
// max(1, |want|).
func closeRows(t *testing.T, what string, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %d values, want %d", what, i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if d := math.Abs(got[i][j] - want[i][j]); d > tol*math.Max(1, math.Abs(want[i][j])) {
				t.Errorf("%s[%d][%d] = %.17g, sklearn %.17g (off by %.3g)", what, i, j, got[i][j], want[i][j], d)
			}
		}
	}
}

func TestGaussianMatchesSklearn(t *testing.T) {
	ref := loadGaussianReference(t)
	for _, tc := range ref.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			m := NewGaussian()
			m.VarSmoothing, m.ClassPrior = tc.VarSmoothing, tc.Priors
			var w []float64
			if tc.Weighted {
				w = ref.Weights
			}
			if err := m.FitWeighted(ref.Train, ref.Labels, w); err != nil {
				t.Fatal(err)
			}
			if got := m.Classes(); !slices.Equal(got, []int{2, 5, 9}) {
				t.Fatalf("classes %v", got)
			}
			closeRows(t, "theta", m.Theta(), tc.Theta, 1e-12)
			closeRows(t, "var", m.Var(), tc.Var, 1e-12)
			closeRows(t, "class_prior", [][]float64{m.ClassPriorFitted()}, [][]float64{tc.ClassPrior}, 1e-12)
			closeRows(t, "class_count", [][]float64{m.ClassCount()}, [][]float64{tc.ClassCount}, 1e-12)
			if d := math.Abs(m.Epsilon() - tc.Epsilon); d > 1e-12*tc.Epsilon {
				t.Errorf("epsilon %.17g, sklearn %.17g", m.Epsilon(), tc.Epsilon)
			}
			proba, err := m.PredictProba(ref.Test)
			if err != nil {
				t.Fatal(err)
			}
			closeRows(t, "predict_proba", proba, tc.Proba, 1e-12)
			pred, err := m.Predict(ref.Test)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pred, tc.Predict) {
				t.Errorf("predict %v, sklearn %v", pred, tc.Predict)
			}

			// A model rebuilt from its state predicts exactly the same.
			st, err := m.State()
			if err != nil {
				t.Fatal(err)
			}
			back, err := GaussianFromState(st)
			if err != nil {
				t.Fatal(err)
			}
			again, err := back.PredictProba(ref.Test)
			if err != nil {
				t.Fatal(err)
			}
			closeRows(t, "restored predict_proba", again, proba, 0)
		})
	}
}

// TestGaussianIris checks the fit on the whole of iris (shared data; skips
// when absent) against the figures of make_gaussian_reference.py.
func TestGaussianIris(t *testing.T) {
	ref := loadGaussianReference(t)
	path := shareddata.TestPath(t, "iris.csv")
	if ref.Iris == nil {
		t.Fatal("gaussian_reference.json has no iris figures: rerun make_gaussian_reference.py with the shared data")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var X [][]float64
	var names []string
	for _, r := range recs[1:] {
		row := make([]float64, 4)
		for j := range row {
			if row[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				t.Fatal(err)
			}
		}
		X = append(X, row)
		names = append(names, r[4])
	}
	classes := slices.Compact(slices.Sorted(slices.Values(names)))
	y := make([]int, len(names))
	for i, n := range names {
		y[i], _ = slices.BinarySearch(classes, n)
	}
	m := NewGaussian()
	if err := m.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	closeRows(t, "theta", m.Theta(), ref.Iris.Theta, 1e-12)
	closeRows(t, "var", m.Var(), ref.Iris.Var, 1e-12)
	closeRows(t, "class_prior", [][]float64{m.ClassPriorFitted()}, [][]float64{ref.Iris.ClassPrior}, 1e-12)
	var sample [][]float64
	for i := 0; i < len(X); i += ref.Iris.Every {
		sample = append(sample, X[i])
	}
	proba, err := m.PredictProba(sample)
	if err != nil {
		t.Fatal(err)
	}
	closeRows(t, "predict_proba", proba, ref.Iris.Proba, 1e-12)
}

func TestGaussianRefusesBadInput(t *testing.T) {
	X := [][]float64{{1, 2}, {2, 3}, {3, 5}, {4, 4}}
	y := []int{0, 0, 1, 1}
	for _, tc := range []struct {
		name string
		m    *GaussianNB
		X    [][]float64
		y    []int
		w    []float64
		want string
	}{
		{"no rows", NewGaussian(), nil, nil, nil, "no rows"},
		{"labels", NewGaussian(), X, y[:3], nil, "4 rows but 3 labels"},
		{"ragged", NewGaussian(), [][]float64{{1, 2}, {2}, {3, 4}, {4, 5}}, y, nil, "row 1 has 1 values, want 2"},
		{"NaN", NewGaussian(), [][]float64{{1, 2}, {2, 3}, {3, math.NaN()}, {4, 4}}, y, nil, "row 2, feature 1 is NaN"},
		{"one class", NewGaussian(), X, []int{3, 3, 3, 3}, nil, "a single class (3)"},
		{"negative smoothing", &GaussianNB{VarSmoothing: -1}, X, y, nil, "VarSmoothing -1"},
		{"negative weight", NewGaussian(), X, y, []float64{1, -1, 1, 1}, "weight of row 1 is -1"},
		{"class of zero weight", NewGaussian(), X, y, []float64{1, 1, 0, 0}, "class 1 weigh 0"},
		{"bad prior", &GaussianNB{VarSmoothing: 1e-9, ClassPrior: []float64{0.5, 0.6}}, X, y, nil, "sums to"},
		// Without smoothing, a feature constant within a class has no
		// variance; scikit-learn divides by it and returns NaN.
		{"zero variance", &GaussianNB{}, [][]float64{{1, 2}, {1, 3}, {3, 5}, {4, 4}}, y, nil, "feature 0 is constant (1) among the rows of class 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.FitWeighted(tc.X, tc.y, tc.w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	m := NewGaussian()
	if _, err := m.PredictProba(X); !errors.Is(err, ErrNotFitted) {
		t.Errorf("before Fit: %v", err)
	}
	if err := m.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Predict([][]float64{{1, 2, 3}}); err == nil || !strings.Contains(err.Error(), "row 0 has 3 values, want 2") {
		t.Errorf("wide row: %v", err)
	}
	if _, err := m.Predict([][]float64{{1, math.Inf(1)}}); err == nil || !strings.Contains(err.Error(), "+Inf") {
		t.Errorf("infinite value: %v", err)
	}
	// The zero value with a smoothing of 0 fits data without constant
	// features, taking 0 as asked: epsilon 0.
	z := &GaussianNB{}
	if err := z.Fit(X, y); err != nil || z.Epsilon() != 0 {
		t.Errorf("zero value: %v, epsilon %v", err, z.Epsilon())
	}
}

func TestGaussianFromStateRefusesBadState(t *testing.T) {
	good := func() GaussianState {
		return GaussianState{Classes: []int{0, 1}, ClassPrior: []float64{0.4, 0.6},
			Theta: [][]float64{{0, 1}, {2, 3}}, Var: [][]float64{{1, 1}, {2, 2}}}
	}
	if _, err := GaussianFromState(good()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*GaussianState)
		want string
	}{
		{"one class", func(s *GaussianState) { s.Classes = []int{0} }, "1 classes"},
		{"unsorted", func(s *GaussianState) { s.Classes = []int{1, 0} }, "ascending"},
		{"priors", func(s *GaussianState) { s.ClassPrior = []float64{1} }, "1 priors"},
		{"ragged", func(s *GaussianState) { s.Var[1] = []float64{1} }, "class 1 has 2 means and 1 variances"},
		{"zero variance", func(s *GaussianState) { s.Var[0][1] = 0 }, "variance of feature 1 in class 0 is 0"},
		{"NaN mean", func(s *GaussianState) { s.Theta[1][0] = math.NaN() }, "mean of feature 0 in class 1 is NaN"},
		{"zero prior", func(s *GaussianState) { s.ClassPrior[0] = 0 }, "prior of class 0 is 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.edit(&s)
			if _, err := GaussianFromState(s); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
