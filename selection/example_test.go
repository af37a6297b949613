package selection_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/emberml/ember/models/logreg"
	"github.com/emberml/ember/selection"
)

// Choose logistic regression's C by 5-fold stratified cross-validation on
// ROC AUC: each fit sees only its training rows and scores its held-out rows.
func Example() {
	// 60 rows of 30 features, of which only the first two carry the label:
	// a large C fits the noise of the other 28.
	rng := rand.New(rand.NewPCG(1, 2))
	X := make([][]float64, 60)
	y := make([]int, len(X))
	for i := range X {
		X[i] = make([]float64, 30)
		for j := range X[i] {
			X[i][j] = rng.NormFloat64()
		}
		if X[i][0]+X[i][1]+rng.NormFloat64() > 0 {
			y[i] = 1
		}
	}
	rows := func(idx []int) ([][]float64, []int) {
		xs, ys := make([][]float64, len(idx)), make([]int, len(idx))
		for k, i := range idx {
			xs[k], ys[k] = X[i], y[i]
		}
		return xs, ys
	}

	grid, err := selection.ParseGrid("C=0.01,0.1,1,100")
	if err != nil {
		fmt.Println(err)
		return
	}
	folds, err := selection.StratifiedKFold(y, 5, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := selection.CrossValidate(grid, folds, selection.ROCAUC, 0,
		func(p selection.Point, train, test []int, threads int) ([]float64, error) {
			m := logreg.New()
			m.C = p["C"]
			var notConverged *logreg.ConvergenceError
			if err := m.Fit(rows(train)); err != nil && !errors.As(err, &notConverged) {
				return nil, err // bad input; a fit short of the tolerance still scores
			}
			xs, _ := rows(test)
			proba, err := m.PredictProba(xs)
			if err != nil {
				return nil, err
			}
			scores := make([]float64, len(proba))
			for k, pr := range proba {
				scores[k] = pr[1] // P(y=1)
			}
			return scores, nil
		}, y, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Points {
		fmt.Printf("%v: %s %.3f ± %.3f\n", p.Point, res.Metric, p.Mean, p.Std)
	}
	fmt.Println("best:", res.Points[res.Best].Point)
	// Output:
	// C=0.01: roc_auc 0.790 ± 0.125
	// C=0.1: roc_auc 0.778 ± 0.137
	// C=1: roc_auc 0.739 ± 0.166
	// C=100: roc_auc 0.733 ± 0.147
	// best: C=0.01
}
