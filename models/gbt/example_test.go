package gbt_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// Fit a binary classifier from a CSV table, score held-out rows, save the
// model with its feature pipeline, load it back and score the raw rows again.
func Example() {
	dir, err := os.MkdirTemp("", "gbt-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// A table with a numeric, a categorical and a label column: the label
	// is 1 when income is high, or mid-range in the north. Some incomes are
	// missing (empty cells), which the trees route by a learned default.
	rng := rand.New(rand.NewPCG(1, 2))
	var csv strings.Builder
	csv.WriteString("income,region,approved\n")
	for range 600 {
		income := 20 + 80*rng.Float64()
		region := []string{"north", "south", "west"}[rng.IntN(3)]
		label := 0
		if income > 70 || (income > 45 && region == "north") {
			label = 1
		}
		if rng.IntN(20) == 0 {
			fmt.Fprintf(&csv, ",%s,%d\n", region, label)
		} else {
			fmt.Fprintf(&csv, "%.1f,%s,%d\n", income, region, label)
		}
	}
	path := filepath.Join(dir, "loans.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	// Read it, and learn the features from the first 450 rows: income as a
	// number, region one-hot ("region=north", ...).
	r, err := tabular.Open(path, nil, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	table, err := tabular.ReadAll(r)
	r.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	rows := func(lo, hi int) []int {
		idx := make([]int, hi-lo)
		for i := range idx {
			idx[i] = lo + i
		}
		return idx
	}
	train, test := tabular.SelectRows(table, rows(0, 450)), tabular.SelectRows(table, rows(450, 600))
	pipe, err := tabular.Fit(tabular.Spec{Numeric: []string{"income"}, Categorical: []string{"region"}}, train)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("features:", pipe.Features)
	labels := func(b *tabular.Batch) []float64 {
		col := b.Column("approved") // CSV columns are text
		y := make([]float64, b.Rows)
		for i := range y {
			y[i], _ = tabular.ParseNumber(col.Str[i])
		}
		return y
	}
	Xtrain, _, err := pipe.Transform(train, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	Xtest, _, err := pipe.Transform(test, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	m := gbt.New()
	m.NumTrees, m.MaxDepth = 50, 3
	if err := m.Fit(Xtrain, labels(train), nil); err != nil {
		fmt.Println(err)
		return
	}
	p, err := m.Predict(Xtest) // P(approved = 1) per row
	if err != nil {
		fmt.Println(err)
		return
	}
	yTest := make([]int, len(p))
	for i, v := range labels(test) {
		yTest[i] = int(v)
	}
	auc, _ := metrics.ROCAUC(yTest, p)
	fmt.Printf("held-out ROC AUC above 0.95: %v\n", auc > 0.95)

	// The file holds the trees and the pipeline, so raw rows can be scored.
	modelPath := filepath.Join(dir, "loans.ember")
	if err := gbt.Save(modelPath, &gbt.Saved{Model: m, Pipeline: pipe, Target: "approved", Classes: []string{"0", "1"}}); err != nil {
		fmt.Println(err)
		return
	}
	saved, err := gbt.Load(modelPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	X, _, err := saved.Pipeline.Transform(test, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := saved.Model.Predict(X)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("loaded model predicts the same:", slices.Equal(p, again))
	// Output:
	// features: [income region=north region=south region=west]
	// held-out ROC AUC above 0.95: true
	// loaded model predicts the same: true
}
