package plots

import (
	"errors"
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/emberml/ember/metrics"
)

// ROCCurve draws a binary classifier's ROC curve (true against false
// positive rate) with the chance diagonal, its AUC in the legend. yTrue
// holds 0 or 1, scores the predicted probabilities of 1.
func ROCCurve(path string, yTrue []int, scores []float64, title string) error {
	fpr, tpr, _, err := metrics.ROCCurve(yTrue, scores)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	auc, err := metrics.ROCAUC(yTrue, scores)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return savePNG(path, 560, 520, func(dc draw.Canvas) {
		p := newPlot(title, "false positive rate", "true positive rate")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		p.Add(plotter.NewGrid())
		diag, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
		diag.Color = color.Gray{Y: 0x99}
		diag.Dashes = []vg.Length{px(5), px(4)}
		pts := make(plotter.XYs, len(fpr))
		for i := range fpr {
			pts[i] = plotter.XY{X: fpr[i], Y: tpr[i]}
		}
		line, _ := plotter.NewLine(pts)
		line.Color = classColour(0)
		line.Width = px(2.5)
		p.Add(diag, line)
		p.Legend.Add(fmt.Sprintf("model (AUC %.4f)", auc), line)
		p.Legend.Add("chance (AUC 0.5)", diag)
		p.Legend.Left, p.Legend.Top = false, false
		p.Legend.XOffs, p.Legend.YOffs = -px(10), px(10)
		p.Draw(draw.Crop(dc, px(6), -px(14), px(6), -px(6)))
	})
}

// FeatureImportance draws the top features by importance as horizontal
// bars, largest at the top, against their share of the total (%).
// values must be finite and non-negative; top <= 0 shows every feature.
func FeatureImportance(path string, names []string, values []float64, top int, title string) error {
	if len(names) != len(values) {
		return fmt.Errorf("plots: FeatureImportance: %d names for %d values", len(names), len(values))
	}
	if err := checkSeries("values", values); err != nil {
		return fmt.Errorf("plots: FeatureImportance: %w", err)
	}
	var total float64
	for i, v := range values {
		if v < 0 {
			return fmt.Errorf("plots: FeatureImportance: values[%d] = %v is negative", i, v)
		}
		total += v
	}
	if total == 0 {
		return errors.New("plots: FeatureImportance: every importance is zero (the model made no splits)")
	}
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case values[a] > values[b]:
			return -1
		case values[a] < values[b]:
			return 1
		}
		return 0
	})
	if top > 0 && len(order) > top {
		order = order[:top]
	}
	// Bars bottom-up: the largest last, at the top.
	slices.Reverse(order)
	bars := make(plotter.Values, len(order))
	labels := make([]string, len(order))
	for k, i := range order {
		bars[k] = 100 * values[i] / total
		labels[k] = names[i]
	}
	h := 120 + 22*len(order)
	return savePNG(path, 720, h, func(dc draw.Canvas) {
		p := newPlot(title, "share of total gain (%)", "")
		bc, err := plotter.NewBarChart(bars, px(14))
		if err != nil {
			panic(err) // values were checked; savePNG turns a panic into an error
		}
		bc.Horizontal = true
		bc.Color = classColour(0)
		bc.LineStyle.Width = 0
		grid := plotter.NewGrid()
		grid.Horizontal.Width = 0
		p.Add(grid, bc)
		p.NominalY(labels...)
		p.X.Min, p.X.Max = 0, 1.05*slices.Max(bars)
		p.Draw(draw.Crop(dc, px(6), -px(14), px(6), -px(6)))
	})
}
