package logreg

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// weightedCase is one fit of testdata/weighted_reference.json, written by
// testdata/make_weighted_reference.py with scikit-learn's
// LogisticRegression(class_weight=...).fit(X, y, sample_weight=...),
// solved to the optimum (newton-cg). It carries its own rows, so these
// tests need no shared data.
type weightedCase struct {
	Name         string          `json:"name"`
	MultiClass   string          `json:"multi_class"`
	C            float64         `json:"C"`
	ClassWeight  json.RawMessage `json:"class_weight"` // null, "balanced" or {"label": weight}
	X            [][]float64     `json:"X"`
	Y            []int           `json:"y"`
	SampleWeight []float64       `json:"sample_weight"`
	Coef         [][]float64     `json:"coef"`
	Intercept    []float64       `json:"intercept"`
	GradMax      float64         `json:"grad_max"`
}

func loadWeightedReference(t *testing.T) []weightedCase {
	t.Helper()
	b, err := os.ReadFile("testdata/weighted_reference.json")
	require.NoError(t, err)
	var ref struct {
		Cases []weightedCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &ref))
	require.NotEmpty(t, ref.Cases)
	return ref.Cases
}

// model is a tight-tolerance Model with the case's options.
func (c weightedCase) model(t *testing.T) *Model {
	t.Helper()
	m := New()
	m.C, m.Multi, m.Tol, m.MaxIter = c.C, MultiClass(c.MultiClass), 1e-10, 10000
	var balanced string
	var byLabel map[string]float64
	switch {
	case string(c.ClassWeight) == "null":
	case json.Unmarshal(c.ClassWeight, &balanced) == nil:
		require.Equal(t, "balanced", balanced)
		m.BalancedClassWeight = true
	default:
		require.NoError(t, json.Unmarshal(c.ClassWeight, &byLabel))
		m.ClassWeight = map[int]float64{}
		for k, v := range byLabel {
			label, err := strconv.Atoi(k)
			require.NoError(t, err)
			m.ClassWeight[label] = v
		}
	}
	return m
}

func TestWeightedMatchesSklearn(t *testing.T) {
	for _, c := range loadWeightedReference(t) {
		t.Run(c.Name, func(t *testing.T) {
			require.Less(t, c.GradMax, 1e-6, "the reference is not at the optimum")
			m := c.model(t)
			requireNearOptimum(t, m.FitWeighted(c.X, c.Y, c.SampleWeight))
			// As the existing parity tests against the optimum.
			requireClose(t, c.Coef, m.Coef(), 1e-4)
			require.InDeltaSlice(t, c.Intercept, m.Intercept(), 1e-4)
		})
	}
}

// requireNearOptimum accepts a tight fit that met Tol, or one whose line
// search gave up at a gradient far below what the 1e-4 agreement needs
// (float64 cannot lower the loss further there: see
// TestTightFitReachesGradientTolerance).
func requireNearOptimum(t *testing.T, err error) {
	t.Helper()
	var ce *ConvergenceError
	if errors.As(err, &ce) {
		require.Less(t, ce.GradMax, 1e-5, err.Error())
		require.Less(t, ce.Iterations, ce.MaxIter, err.Error())
		return
	}
	require.NoError(t, err)
}

// TestWeightsChangeTheFit guards the reference test against a case that
// would pass unweighted: every case's weighted optimum is far from the
// unweighted one.
func TestWeightsChangeTheFit(t *testing.T) {
	for _, c := range loadWeightedReference(t) {
		m := c.model(t)
		m.ClassWeight, m.BalancedClassWeight = nil, false
		requireNearOptimum(t, m.Fit(c.X, c.Y))
		var diff float64
		for i := range c.Coef {
			for j := range c.Coef[i] {
				diff = max(diff, math.Abs(c.Coef[i][j]-m.Coef()[i][j]))
			}
			diff = max(diff, math.Abs(c.Intercept[i]-m.Intercept()[i]))
		}
		require.Greater(t, diff, 0.05, c.Name)
	}
}

// weightedData is the reference's three-class rows (50, 30 and 12 of the
// classes) and its sample weights.
func weightedData(t *testing.T) ([][]float64, []int, []float64) {
	t.Helper()
	for _, c := range loadWeightedReference(t) {
		if c.Name == "multinomial sample_weight" {
			return c.X, c.Y, c.SampleWeight
		}
	}
	t.Fatal("weighted_reference.json has no case \"multinomial sample_weight\"")
	return nil, nil, nil
}

func TestZeroWeightRowsDoNotMatter(t *testing.T) {
	X, y, w := weightedData(t)
	// Rows that would pull the fit hard, were they counted: far out, and
	// labelled as another class.
	var Xz [][]float64
	var yz []int
	var wz []float64
	var Xkept [][]float64
	var ykept []int
	var wkept []float64
	for i := range X {
		Xkept, ykept, wkept = append(Xkept, X[i]), append(ykept, y[i]), append(wkept, w[i])
		Xz, yz, wz = append(Xz, X[i]), append(yz, y[i]), append(wz, w[i])
		if i%5 == 0 {
			far := slices.Clone(X[i])
			for j := range far {
				far[j] = 40 - 3*far[j]
			}
			Xz, yz, wz = append(Xz, far), append(yz, (y[i]+1)%3), append(wz, 0)
		}
	}
	for _, tc := range []struct {
		name string
		mod  func(*Model)
	}{
		{"multinomial", func(*Model) {}},
		{"ovr", func(m *Model) { m.Multi = OneVsRest }},
		{"class weights", func(m *Model) { m.ClassWeight = map[int]float64{0: 0.5, 2: 4} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit := func(X [][]float64, y []int, w []float64) *Model {
				m := New()
				m.Tol, m.MaxIter = 1e-10, 10000
				tc.mod(m)
				requireNearOptimum(t, m.FitWeighted(X, y, w))
				return m
			}
			kept, zeroed := fit(Xkept, ykept, wkept), fit(Xz, yz, wz)
			requireClose(t, kept.Coef(), zeroed.Coef(), 1e-6)
			require.InDeltaSlice(t, kept.Intercept(), zeroed.Intercept(), 1e-6)
		})
	}
}

func TestWholeWeightsRepeatRows(t *testing.T) {
	// Weight 2 is the row twice, as in sklearn.
	X, y, _ := weightedData(t)
	w := make([]float64, len(X))
	Xr, yr := slices.Clone(X), slices.Clone(y)
	for i := range w {
		w[i] = 1
		if i%4 == 1 {
			w[i] = 2
			Xr, yr = append(Xr, X[i]), append(yr, y[i])
		}
	}
	a, b := New(), New()
	a.Tol, a.MaxIter, b.Tol, b.MaxIter = 1e-10, 10000, 1e-10, 10000
	requireNearOptimum(t, a.FitWeighted(X, y, w))
	requireNearOptimum(t, b.Fit(Xr, yr))
	requireClose(t, b.Coef(), a.Coef(), 1e-5)
	require.InDeltaSlice(t, b.Intercept(), a.Intercept(), 1e-5)
}

func TestNilWeightsAreFit(t *testing.T) {
	// FitWeighted(nil) takes Fit's unweighted path: the same bits. Unit
	// weights take the weighted path to the same optimum.
	X, y, _ := weightedData(t)
	a, b, c := New(), New(), New()
	a.MaxIter, b.MaxIter, c.MaxIter = 1000, 1000, 1000
	require.NoError(t, a.Fit(X, y))
	require.NoError(t, b.FitWeighted(X, y, nil))
	require.Equal(t, a.Coef(), b.Coef())
	require.Equal(t, a.Intercept(), b.Intercept())
	ones := make([]float64, len(X))
	for i := range ones {
		ones[i] = 1
	}
	require.NoError(t, c.FitWeighted(X, y, ones))
	requireClose(t, a.Coef(), c.Coef(), 1e-3) // both stop at Tol 1e-4
}

func TestFitDenseWeightedMatchesFitWeighted(t *testing.T) {
	X, y, w := weightedData(t)
	a, b := New(), New()
	a.BalancedClassWeight, b.BalancedClassWeight = true, true
	a.MaxIter, b.MaxIter = 1000, 1000
	require.NoError(t, a.FitWeighted(X, y, w))
	dense := tensor.New(tensor.WithShape(len(X), len(X[0])), tensor.WithBacking(slices.Concat(X...)))
	require.NoError(t, b.FitDenseWeighted(dense, y, w))
	require.Equal(t, a.Coef(), b.Coef())
	require.Equal(t, a.Intercept(), b.Intercept())
	require.ErrorContains(t, b.FitDenseWeighted(dense, y, w[1:]), "sampleWeight has 91 weights")
}

func TestBalancedRefitKeepsOptions(t *testing.T) {
	// A fit that fails on bad input forgets the model, not the options.
	X, y, _ := weightedData(t)
	m := New()
	m.BalancedClassWeight, m.MaxIter = true, 1000
	require.NoError(t, m.Fit(X, y))
	want := m.Coef()
	require.Error(t, m.FitWeighted(X, y, []float64{1}))
	require.True(t, m.BalancedClassWeight)
	require.NoError(t, m.Fit(X, y))
	require.Equal(t, want, m.Coef())
}

func TestWeightErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	X, y := demoX, demoY // labels 0, 0, 0, 1, 1, 1
	w := func(v ...float64) []float64 { return v }
	tests := []struct {
		name    string
		mod     func(*Model)
		w       []float64
		wantErr string
	}{
		{"length", nil, w(1, 1, 1), "X has 6 samples but sampleWeight has 3 weights"},
		{"negative", nil, w(1, 1, 1, -0.5, 1, 1), "sampleWeight[3] is -0.5; sample weights must be finite and non-negative"},
		{"NaN", nil, w(1, nan, 1, 1, 1, 1), "sampleWeight[1] is NaN"},
		{"Inf", nil, w(1, 1, 1, 1, 1, inf), "sampleWeight[5] is +Inf"},
		{"-Inf", nil, w(math.Inf(-1), 1, 1, 1, 1, 1), "sampleWeight[0] is -Inf"},
		{"all zero", nil, w(0, 0, 0, 0, 0, 0), "every sample weighs 0"},
		{"one class", nil, w(0, 0, 0, 1, 2, 3), "only the samples of class 1 weigh more than 0"},
		{"one class by class weight", func(m *Model) { m.ClassWeight = map[int]float64{1: 0} }, nil, "only the samples of class 0 weigh more than 0"},
		{"sum overflows", nil, w(1e308, 1e308, 1, 1, 1, 1), "sum beyond float64's range"},
		{"class weight negative", func(m *Model) { m.ClassWeight = map[int]float64{0: -1} }, nil, "ClassWeight[0] is -1; class weights must be finite and non-negative"},
		{"class weight NaN", func(m *Model) { m.ClassWeight = map[int]float64{1: nan} }, nil, "ClassWeight[1] is NaN"},
		{"class weight Inf", func(m *Model) { m.ClassWeight = map[int]float64{1: inf} }, nil, "ClassWeight[1] is +Inf"},
		{"unknown label", func(m *Model) { m.ClassWeight = map[int]float64{1: 2, 7: 1} }, nil, "ClassWeight has a weight for label 7, which y does not contain (its classes are [0 1])"},
		{"both", func(m *Model) { m.ClassWeight, m.BalancedClassWeight = map[int]float64{1: 2}, true }, nil, "ClassWeight and BalancedClassWeight exclude each other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			if tc.mod != nil {
				tc.mod(m)
			}
			err := m.FitWeighted(X, y, tc.w)
			require.ErrorContains(t, err, tc.wantErr)
			require.ErrorContains(t, err, "logreg: ")
			_, err = m.Predict(X)
			require.ErrorIs(t, err, ErrNotFitted)
		})
	}
}
