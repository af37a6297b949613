package logreg_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/emberml/ember/models/logreg"
)

// Predict whether a loan defaults from the borrower's income and debt
// ratio: standardise the features, fit, read the probabilities, then save
// the scaler and the model's State as JSON and load them back. The
// coefficients and probabilities are scikit-learn's
// LogisticRegression() (C=1, lbfgs) on the same standardised rows, to the
// digits printed.
func Example() {
	// 200 generated borrowers: the chance of default rises with the debt
	// ratio and falls with income (in dollars, a scale far from the
	// ratio's, which is why the features are standardised first).
	rng := rand.New(rand.NewPCG(7, 11))
	var X [][]float64
	var y []int
	for range 200 {
		income := 20000 + 80000*rng.Float64()
		ratio := rng.Float64()
		pDefault := 1 / (1 + math.Exp(-(-1 + 5*ratio - income/25000)))
		label := 0
		if rng.Float64() < pDefault {
			label = 1
		}
		X = append(X, []float64{income, ratio})
		y = append(y, label)
	}

	scaler, err := logreg.FitScaler(X)
	if err != nil {
		fmt.Println(err)
		return
	}
	Xs, err := scaler.Transform(X)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := logreg.New() // scikit-learn's defaults: L2 penalty, C 1, lbfgs
	if err := m.Fit(Xs, y); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("classes %v, coefficients per standard deviation %.2f, intercept %.2f\n",
		m.Classes(), m.Coef()[0], m.Intercept()[0])

	applicants := [][]float64{{90000, 0.2}, {30000, 0.9}}
	As, err := scaler.Transform(applicants)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba, err := m.PredictProba(As) // columns in Classes() order
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, err := m.Predict(As)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, a := range applicants {
		fmt.Printf("income %.0f, debt ratio %.1f: P(default) %.3f, class %d\n", a[0], a[1], proba[i][1], pred[i])
	}

	// What a program keeps: the scaler's statistics and the model's State.
	state, err := m.State()
	if err != nil {
		fmt.Println(err)
		return
	}
	file, err := json.Marshal(map[string]any{"scaler": scaler, "model": state})
	if err != nil {
		fmt.Println(err)
		return
	}

	var saved struct {
		Scaler logreg.Scaler
		Model  logreg.State
	}
	if err := json.Unmarshal(file, &saved); err != nil {
		fmt.Println(err)
		return
	}
	m2, err := logreg.FromState(saved.Model)
	if err != nil {
		fmt.Println(err)
		return
	}
	As2, err := saved.Scaler.Transform(applicants)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba2, err := m2.PredictProba(As2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("loaded model, same P(default):", proba2[0][1] == proba[0][1] && proba2[1][1] == proba[1][1])
	// Output:
	// classes [0 1], coefficients per standard deviation [-1.02 1.59], intercept -1.04
	// income 90000, debt ratio 0.2: P(default) 0.016, class 0
	// income 30000, debt ratio 0.9: P(default) 0.922, class 1
	// loaded model, same P(default): true
}
