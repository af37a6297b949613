package logreg

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/internal/shareddata"
)

// reference is testdata/reference.json, written by
// testdata/make_reference.py with scikit-learn's LogisticRegression.
type reference struct {
	Sklearn string    `json:"sklearn"`
	Cases   []refCase `json:"cases"`
}

type refCase struct {
	Name   string `json:"name"`
	Params struct {
		C            *float64 `json:"C"`
		Tol          *float64 `json:"tol"`
		MaxIter      *int     `json:"max_iter"`
		MultiClass   string   `json:"multi_class"`
		FitIntercept *bool    `json:"fit_intercept"`
	} `json:"params"`
	Coef      [][]float64 `json:"coef"`
	Intercept []float64   `json:"intercept"`
	NIter     int         `json:"n_iter"`
	Converged bool        `json:"converged"`
	Probe     [][]float64 `json:"probe"`
	Proba     [][]float64 `json:"proba"`
	Predict   []int       `json:"predict"`
}

func loadReference(t *testing.T) map[string]refCase {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	require.NoError(t, err)
	var ref reference
	require.NoError(t, json.Unmarshal(b, &ref))
	out := map[string]refCase{}
	for _, c := range ref.Cases {
		out[c.Name] = c
	}
	return out
}

// model builds a Model with the case's sklearn parameters.
func (c refCase) model() *Model {
	m := New()
	if c.Params.C != nil {
		m.C = *c.Params.C
	}
	if c.Params.Tol != nil {
		m.Tol = *c.Params.Tol
	}
	if c.Params.MaxIter != nil {
		m.MaxIter = *c.Params.MaxIter
	}
	if c.Params.MultiClass != "" {
		m.Multi = MultiClass(c.Params.MultiClass)
	}
	if c.Params.FitIntercept != nil {
		m.FitIntercept = *c.Params.FitIntercept
	}
	return m
}

var (
	demoX = [][]float64{{-1, -2}, {-2, -1}, {-3, -2}, {1, 3}, {2, 1}, {3, 2}}
	demoY = []int{0, 0, 0, 1, 1, 1}
)

func TestDemoProbabilities(t *testing.T) {
	// The values the brief quotes for sklearn's LogisticRegression() on this
	// data, independent of reference.json.
	m := New()
	require.NoError(t, m.Fit(demoX, demoY))
	require.True(t, m.Converged)
	p, err := m.PredictProba([][]float64{{0, -1}, {1, 2}})
	require.NoError(t, err)
	requireClose(t, [][]float64{{0.69567724, 0.30432276}, {0.11983936, 0.88016064}}, p, 1e-6)
	pred, err := m.Predict([][]float64{{0, -1}, {1, 2}})
	require.NoError(t, err)
	require.Equal(t, []int{0, 1}, pred)
}

func TestMatchesSklearn(t *testing.T) {
	ref := loadReference(t)
	irisX, irisY := loadIris(t)
	tight := func(m *Model) { m.Tol, m.MaxIter = 1e-10, 10000 }

	tests := []struct {
		name string // reference case
		X    [][]float64
		y    []int
		mod  func(*Model) // our settings on top of the case's C, multi_class, fit_intercept
		tol  float64      // on coefficients and intercepts
	}{
		// Same defaults as sklearn, both converged.
		{"demo default", demoX, demoY, nil, 1e-5},
		// Our tight fits against the exact optimum (newton-cg, gradient ~1e-8).
		{"demo C=0.1 optimum", demoX, demoY, tight, 1e-6},
		{"iris binary optimum", irisX[:100], irisY[:100], tight, 1e-4},
		{"iris multinomial optimum", irisX, irisY, tight, 1e-4},
		{"iris ovr optimum", irisX, irisY, tight, 1e-4},
		{"iris multinomial C=0.05 optimum", irisX, irisY, tight, 1e-4},
		{"iris multinomial no intercept optimum", irisX, irisY, tight, 1e-4},
		// And against sklearn's own lbfgs with tol=1e-10. sklearn 1.2 stops
		// on scipy's default ftol before reaching that tol (its gradient is
		// still ~1e-3 on multinomial iris; grad_max in reference.json), so
		// the agreement is as close as its fit is to the optimum.
		{"iris binary lbfgs tight", irisX[:100], irisY[:100], tight, 1e-4},
		{"iris multinomial lbfgs tight", irisX, irisY, tight, 1e-3},
		{"iris ovr lbfgs tight", irisX, irisY, tight, 1e-3},
		// Default settings: both stop at tol=1e-4 on different paths.
		{"iris binary default", irisX[:100], irisY[:100], nil, 1e-3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := ref[tc.name]
			require.True(t, ok, "reference.json has no case %q; rerun make_reference.py", tc.name)
			m := c.model()
			if tc.mod != nil {
				tc.mod(m)
			}
			require.NoError(t, m.Fit(tc.X, tc.y))
			require.True(t, m.Converged)
			require.Positive(t, m.Iterations)
			requireClose(t, c.Coef, m.Coef(), tc.tol)
			require.InDeltaSlice(t, c.Intercept, m.Intercept(), tc.tol)

			p, err := m.PredictProba(c.Probe)
			require.NoError(t, err)
			requireClose(t, c.Proba, p, tc.tol)
			pred, err := m.Predict(c.Probe)
			require.NoError(t, err)
			require.Equal(t, c.Predict, pred)
		})
	}
}

func TestIrisMultinomialDefaultDoesNotConverge(t *testing.T) {
	// On unscaled iris sklearn's default 100 iterations are not enough
	// (it warns); neither are ours, and Fit must say so rather than stay
	// quiet. The model is still usable and close to the optimum.
	ref := loadReference(t)
	c := ref["iris multinomial default"]
	require.False(t, c.Converged, "reference expectation changed; revisit this test")
	X, y := loadIris(t)

	m := New()
	err := m.Fit(X, y)
	var ce *ConvergenceError
	require.ErrorAs(t, err, &ce)
	require.False(t, m.Converged)
	require.Equal(t, 100, m.Iterations)
	require.Equal(t, 100, ce.Iterations)
	require.Equal(t, -1, ce.Class)
	require.Greater(t, ce.GradMax, 1e-4)
	require.Contains(t, err.Error(), "did not converge after 100 iterations")

	// sklearn's unconverged fit is within 0.03 of the optimum; so is ours.
	opt := ref["iris multinomial optimum"]
	requireClose(t, opt.Coef, m.Coef(), 0.03)
	require.InDeltaSlice(t, opt.Intercept, m.Intercept(), 0.03)
	pred, err := m.Predict(X)
	require.NoError(t, err)
	var right int
	for i := range y {
		if pred[i] == y[i] {
			right++
		}
	}
	require.GreaterOrEqual(t, right, 145) // sklearn: 146 of 150
}

func TestTightFitReachesGradientTolerance(t *testing.T) {
	// Check the gradient at the returned coefficients directly, not through
	// the optimiser's word. With Tol=1e-8 the fit may instead stop on the
	// relative-reduction rule (ftol = 64 eps, as sklearn >= 1.3 sets it),
	// when f no longer changes in float64; that leaves gradients of a few
	// 1e-6 here, far inside the 1e-4 agreement the reference tests need.
	X, y := loadIris(t)
	for _, multi := range []MultiClass{Multinomial, OneVsRest} {
		t.Run(string(multi), func(t *testing.T) {
			m := New()
			m.Multi, m.Tol, m.MaxIter = multi, 1e-8, 10000
			require.NoError(t, m.Fit(X, y))
			for c := range m.coef {
				var prob *problem
				params := []float64{}
				xd := tensor.New(tensor.WithShape(150, 4), tensor.WithBacking(slices.Concat(X...)))
				xt := xd.Clone().(*tensor.Dense)
				require.NoError(t, xt.T())
				require.NoError(t, xt.Transpose())
				if multi == Multinomial {
					if c > 0 {
						break
					}
					prob = newProblem(xd, xt, y, 3, 1, true)
					for j := range 4 {
						for k := range 3 {
							params = append(params, m.coef[k][j])
						}
					}
					params = append(params, m.intercept...)
				} else {
					yc := make([]int, len(y))
					for i, v := range y {
						if v == c {
							yc[i] = 1
						}
					}
					prob = newProblem(xd, xt, yc, 1, 1, true)
					params = append(slices.Clone(m.coef[c]), m.intercept[c])
				}
				grad := make([]float64, len(params))
				prob.lossGrad(params, grad)
				require.LessOrEqual(t, maxAbs(grad), 1e-5, "class %d", c)
			}
		})
	}
}

func TestConvergenceErrorStillFits(t *testing.T) {
	X, y := loadIris(t)
	m := New()
	m.MaxIter = 3
	err := m.Fit(X, y)
	var ce *ConvergenceError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, 3, m.Iterations)
	require.Equal(t, 3, ce.MaxIter)
	_, err = m.Predict(X)
	require.NoError(t, err)

	m.Multi = OneVsRest
	err = m.Fit(X, y)
	require.ErrorAs(t, err, &ce)
	require.GreaterOrEqual(t, ce.Class, 0)
	require.Contains(t, err.Error(), "one-vs-rest, class")
}

func TestLabelsNeedNotBeContiguous(t *testing.T) {
	// Any integer labels work; Classes reports them and Predict returns them.
	y := make([]int, len(demoY))
	for i, v := range demoY {
		y[i] = []int{-7, 40}[v]
	}
	m := New()
	require.NoError(t, m.Fit(demoX, y))
	require.Equal(t, []int{-7, 40}, m.Classes())
	pred, err := m.Predict([][]float64{{0, -1}, {1, 2}})
	require.NoError(t, err)
	require.Equal(t, []int{-7, 40}, pred)
}

func TestExplicitMultinomialBinary(t *testing.T) {
	// A two-class softmax has W1 = -W0 at the optimum and its probabilities
	// equal a sigmoid model's with half the penalty (C doubled).
	m := New()
	m.Multi, m.Tol = Multinomial, 1e-10
	require.NoError(t, m.Fit(demoX, demoY))
	coef := m.Coef()
	require.Len(t, coef, 2)
	for j := range coef[0] {
		require.InDelta(t, -coef[0][j], coef[1][j], 1e-7)
	}
	b := New()
	b.C, b.Tol = 2, 1e-10
	require.NoError(t, b.Fit(demoX, demoY))
	pm, err := m.PredictProba(demoX)
	require.NoError(t, err)
	pb, err := b.PredictProba(demoX)
	require.NoError(t, err)
	requireClose(t, pb, pm, 1e-6)
}

func TestFitDenseMatchesFit(t *testing.T) {
	X, y := loadIris(t)
	a := New()
	_ = a.Fit(X, y) // may not converge with defaults; compared below
	b := New()
	dense := tensor.New(tensor.WithShape(150, 4), tensor.WithBacking(slices.Concat(X...)))
	_ = b.FitDense(dense, y)
	require.Equal(t, a.Coef(), b.Coef())
	require.Equal(t, a.Intercept(), b.Intercept())

	// A transposed view is read in its logical (row-major) order.
	cols := tensor.New(tensor.WithShape(4, 150), tensor.WithBacking(make([]float64, 600)))
	for i, row := range X {
		for j, v := range row {
			require.NoError(t, cols.SetAt(v, j, i))
		}
	}
	require.NoError(t, cols.T())
	c := New()
	_ = c.FitDense(cols, y)
	require.Equal(t, a.Coef(), c.Coef())
}

func TestFitErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		mod     func(*Model)
		X       [][]float64
		y       []int
		wantErr string
	}{
		{"empty", nil, nil, nil, "X has no samples"},
		{"no features", nil, [][]float64{{}, {}}, []int{0, 1}, "X has no features"},
		{"mismatched", nil, [][]float64{{1}, {2}}, []int{0}, "X has 2 samples but y has 1 labels"},
		{"ragged", nil, [][]float64{{1, 2}, {2}}, []int{0, 1}, "X[1] has 1 features but X[0] has 2"},
		{"NaN", nil, [][]float64{{1, 2}, {2, nan}}, []int{0, 1}, "X[1][1] is NaN"},
		{"Inf", nil, [][]float64{{inf, 2}, {2, 3}}, []int{0, 1}, "X[0][0] is +Inf"},
		{"one class", nil, [][]float64{{1}, {2}}, []int{3, 3}, "single class (3)"},
		{"C zero", func(m *Model) { m.C = 0 }, demoX, demoY, "C must be a positive"},
		{"C NaN", func(m *Model) { m.C = nan }, demoX, demoY, "C must be a positive"},
		// scikit-learn 1.2.1 refuses LogisticRegression(penalty="none", C=0)
		// too; the message says why a setting the fit ignores is checked.
		{"C zero, no penalty", func(m *Model) { m.Penalty, m.C = None, 0 }, demoX, demoY,
			`C must be a positive finite number, got 0 (Penalty "none" does not use it`},
		{"MaxIter", func(m *Model) { m.MaxIter = 0 }, demoX, demoY, "MaxIter must be at least 1"},
		{"Tol", func(m *Model) { m.Tol = -1 }, demoX, demoY, "Tol must be finite and non-negative, got -1"},
		// scikit-learn 1.2.1 refuses tol=inf too; it would stop at once.
		{"Tol +Inf", func(m *Model) { m.Tol = inf }, demoX, demoY, "Tol must be finite and non-negative, got +Inf"},
		{"Tol NaN", func(m *Model) { m.Tol = nan }, demoX, demoY, "Tol must be finite and non-negative, got NaN"},
		{"Multi", func(m *Model) { m.Multi = "softmax" }, demoX, demoY, `unknown Multi "softmax"`},
		{"zero Model", func(m *Model) { *m = Model{C: 1, MaxIter: 1} }, demoX, demoY, "Multi is not set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			if tc.mod != nil {
				tc.mod(m)
			}
			err := m.Fit(tc.X, tc.y)
			require.ErrorContains(t, err, tc.wantErr)
			var ce *ConvergenceError
			require.False(t, errors.As(err, &ce))
			_, err = m.Predict(demoX)
			require.ErrorIs(t, err, ErrNotFitted)
		})
	}
}

func TestFitDenseErrors(t *testing.T) {
	m := New()
	require.ErrorContains(t, m.FitDense(nil, nil), "X is nil")
	v := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3}))
	require.ErrorContains(t, m.FitDense(v, []int{0, 1, 0}), "2-D float64")
	f32 := tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float32{1, 2}))
	require.ErrorContains(t, m.FitDense(f32, []int{0, 1}), "2-D float64")
}

func TestPredictErrors(t *testing.T) {
	m := New()
	require.NoError(t, m.Fit(demoX, demoY))
	_, err := m.Predict([][]float64{{1, 2, 3}})
	require.ErrorContains(t, err, "X[0] has 3 features; the model was fitted on 2")
	_, err = m.PredictProba([][]float64{{1, math.NaN()}})
	require.ErrorContains(t, err, "X[0][1] is NaN")
	_, err = m.DecisionFunction(nil)
	require.ErrorContains(t, err, "no samples")
}

func TestRefitClearsPreviousModel(t *testing.T) {
	X, y := loadIris(t)
	m := New()
	require.NoError(t, m.Fit(demoX, demoY))
	require.Error(t, m.Fit(X[:3], y[:3])) // a single class
	_, err := m.Predict(demoX)
	require.ErrorIs(t, err, ErrNotFitted)
}

func TestAccessorsCopy(t *testing.T) {
	m := New()
	require.NoError(t, m.Fit(demoX, demoY))
	m.Coef()[0][0] = 99
	m.Intercept()[0] = 99
	m.Classes()[0] = 99
	require.NotEqual(t, 99.0, m.Coef()[0][0])
	require.NotEqual(t, 99.0, m.Intercept()[0])
	require.Equal(t, []int{0, 1}, m.Classes())
}

func TestLBFGSRosenbrock(t *testing.T) {
	// A classic hard valley for the optimiser on its own, far from logistic
	// losses: the minimum is (1, 1).
	rosen := func(x, g []float64) float64 {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		g[0] = -2*a - 400*x[0]*b
		g[1] = 200 * b
		return a*a + 100*b*b
	}
	res := minimizeLBFGS(rosen, []float64{-1.2, 1}, lbfgsSettings{memory: 10, maxIter: 200, gtol: 1e-9, maxLS: 50})
	require.True(t, res.converged, res.reason)
	require.InDeltaSlice(t, []float64{1, 1}, res.x, 1e-7)
	require.Less(t, res.iterations, 60)
}

func loadIris(t *testing.T) ([][]float64, []int) {
	t.Helper()
	f, err := os.Open(shareddata.TestPath(t, "iris.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"sepal_length", "sepal_width", "petal_length", "petal_width", "species"}, rows[0])
	species := map[string]int{"setosa": 0, "versicolor": 1, "virginica": 2}
	var X [][]float64
	var y []int
	for _, r := range rows[1:] {
		x := make([]float64, 4)
		for j := range x {
			x[j], err = strconv.ParseFloat(r[j], 64)
			require.NoError(t, err)
		}
		c, ok := species[r[4]]
		require.True(t, ok, r[4])
		X, y = append(X, x), append(y, c)
	}
	require.Len(t, X, 150)
	return X, y
}

func requireClose(t *testing.T, want, got [][]float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.InDeltaSlice(t, want[i], got[i], tol, "row %d: want %v got %v", i, want[i], got[i])
	}
}

func TestOneFeature(t *testing.T) {
	// d = 1 and k = 1 make every matrix in the loss a column or a 1×1.
	X := [][]float64{{0}, {1}, {2}, {3}, {4}, {5}}
	y := []int{0, 0, 1, 0, 1, 1}
	for _, multi := range []MultiClass{Auto, Multinomial} {
		m := New()
		m.Multi = multi
		require.NoError(t, m.Fit(X, y))
		pred, err := m.Predict([][]float64{{-10}, {10}})
		require.NoError(t, err)
		require.Equal(t, []int{0, 1}, pred)
	}
}
