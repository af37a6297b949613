package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/emberml/ember/metrics"
)

// ROCCurve draws a binary classifier's ROC curve (true against false
// positive rate) with the chance diagonal, its AUC in the legend. yTrue
// holds 0 or 1, scores the predicted probabilities of 1.
func ROCCurve(path string, yTrue []int, scores []float64, title string) error {
	return rocCurve(path, yTrue, scores, math.NaN(), title)
}

// ROCCurveAt is ROCCurve with the operating point of a decision threshold
// ringed and named in the legend: the false and true positive rates of
// predicting 1 where the score is at least threshold (score >= threshold,
// the rule of the curve's own points, so the ring sits on a corner of the
// curve). A NaN threshold is an error.
func ROCCurveAt(path string, yTrue []int, scores []float64, threshold float64, title string) error {
	if math.IsNaN(threshold) {
		return errors.New("plots: ROCCurveAt: the threshold is NaN")
	}
	return rocCurve(path, yTrue, scores, threshold, title)
}

// rocCurve is ROCCurve, with the operating point at threshold unless it is
// NaN.
func rocCurve(path string, yTrue []int, scores []float64, threshold float64, title string) error {
	fpr, tpr, _, err := metrics.ROCCurve(yTrue, scores)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	auc, err := metrics.ROCAUC(yTrue, scores)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return savePNG(path, curveWidth, curveHeight, func(dc draw.Canvas) {
		p := newPlot(title, "false positive rate", "true positive rate")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		// A little room around the square: a good model's curve runs up
		// the left edge and along the top, where the axes would hide it.
		padAxis(&p.X, 0.02)
		padAxis(&p.Y, 0.02)
		p.Add(plotter.NewGrid())
		chance := plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}
		diag := dashedLine(chance)
		pts := make(plotter.XYs, len(fpr))
		for i := range fpr {
			pts[i] = plotter.XY{X: fpr[i], Y: tpr[i]}
		}
		line := modelLine(pts)
		p.Add(diag, line)
		p.Legend.Add(fmt.Sprintf("model (AUC %.4f)", auc), line)
		p.Legend.Add("chance (AUC 0.5)", diag)
		if !math.IsNaN(threshold) {
			op := operatingPoint(yTrue, scores, threshold)
			ringOperatingPoint(p, op.fpr(), op.tpr(), fmt.Sprintf("threshold %s: FPR %.4f, TPR %.4f", formatThreshold(threshold), op.fpr(), op.tpr()))
		}
		// A useful model's curve hugs the top left, leaving the bottom
		// right clear; a model worse than chance leaves the top left.
		drawCurveChart(dc, p, []plotter.XYs{pts, chance}, []corner{bottomRight, topLeft, bottomLeft, topRight})
	})
}

// PrecisionRecallCurve draws a binary classifier's precision against its
// recall (metrics.PrecisionRecallCurve) as a step line whose area is the
// average precision, given in the legend, with the precision of ranking at
// random, the share of 1s in yTrue, dashed. yTrue holds 0 or 1 (at least
// one 1), scores the predicted probabilities of 1.
func PrecisionRecallCurve(path string, yTrue []int, scores []float64, title string) error {
	return precisionRecallCurve(path, yTrue, scores, math.NaN(), title)
}

// PrecisionRecallCurveAt is PrecisionRecallCurve with the operating point
// of a decision threshold ringed and named in the legend: the recall and
// precision of predicting 1 where the score is at least threshold. Where
// no score reaches the threshold, precision is undefined, and the ring
// marks the curve's end at recall 0, precision 1, as the legend says. A NaN
// threshold is an error.
func PrecisionRecallCurveAt(path string, yTrue []int, scores []float64, threshold float64, title string) error {
	if math.IsNaN(threshold) {
		return errors.New("plots: PrecisionRecallCurveAt: the threshold is NaN")
	}
	return precisionRecallCurve(path, yTrue, scores, threshold, title)
}

// precisionRecallCurve is PrecisionRecallCurve, with the operating point
// at threshold unless it is NaN.
func precisionRecallCurve(path string, yTrue []int, scores []float64, threshold float64, title string) error {
	precision, recall, _, err := metrics.PrecisionRecallCurve(yTrue, scores)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	ap, err := metrics.AveragePrecision(yTrue, scores)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	pos := 0
	for _, y := range yTrue {
		pos += y
	}
	share := float64(pos) / float64(len(yTrue))
	return savePNG(path, curveWidth, curveHeight, func(dc draw.Canvas) {
		p := newPlot(title, "recall", "precision")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		padAxis(&p.X, 0.02)
		padAxis(&p.Y, 0.02)
		p.Add(plotter.NewGrid())
		chance := plotter.XYs{{X: 0, Y: share}, {X: 1, Y: share}}
		base := dashedLine(chance)
		// Steps as scikit-learn draws them (drawstyle="steps-post"):
		// precision[i] holds from recall[i] down to recall[i+1], so the
		// area under the steps is the average precision.
		pts := make(plotter.XYs, 0, 2*len(recall))
		for i := range recall {
			if i > 0 {
				pts = append(pts, plotter.XY{X: recall[i], Y: precision[i-1]})
			}
			pts = append(pts, plotter.XY{X: recall[i], Y: precision[i]})
		}
		line := modelLine(pts)
		p.Add(base, line)
		p.Legend.Add(fmt.Sprintf("model (AP %.4f)", ap), line)
		p.Legend.Add(fmt.Sprintf("random ranking (AP %.4f)", share), base)
		if !math.IsNaN(threshold) {
			op := operatingPoint(yTrue, scores, threshold)
			if op.tp+op.fp == 0 {
				ringOperatingPoint(p, 0, 1, fmt.Sprintf("threshold %s: nothing predicted positive", formatThreshold(threshold)))
			} else {
				prec := float64(op.tp) / float64(op.tp+op.fp)
				ringOperatingPoint(p, op.tpr(), prec, fmt.Sprintf("threshold %s: recall %.4f, precision %.4f", formatThreshold(threshold), op.tpr(), prec))
			}
		}
		// A useful model keeps its precision high until the recall is
		// high, leaving the bottom left clear but for the dashed line.
		drawCurveChart(dc, p, []plotter.XYs{pts}, []corner{bottomLeft, bottomRight, topRight, topLeft})
	})
}

// The size of the ROC and precision-recall charts, in pixels.
const curveWidth, curveHeight = 560, 520

// operating are the counts of predicting 1 where the score is at least a
// threshold: true and false positives among pos 1s and neg 0s.
type operating struct{ tp, fp, pos, neg int }

func (o operating) tpr() float64 { return float64(o.tp) / float64(o.pos) }
func (o operating) fpr() float64 { return float64(o.fp) / float64(o.neg) }

// operatingPoint counts the decisions of threshold on checked labels and
// scores (a curve was drawn from them).
func operatingPoint(yTrue []int, scores []float64, threshold float64) operating {
	var o operating
	for i, y := range yTrue {
		predicted := scores[i] >= threshold
		switch {
		case y == 1 && predicted:
			o.tp++
		case y == 1:
		case predicted:
			o.fp++
		}
		if y == 1 {
			o.pos++
		} else {
			o.neg++
		}
	}
	return o
}

// formatThreshold writes a threshold as given (0.5, 0.35), or to six
// significant digits when it has more.
func formatThreshold(t float64) string {
	s := strconv.FormatFloat(t, 'g', -1, 64)
	if len(s) > 8 {
		s = strconv.FormatFloat(t, 'g', 6, 64)
	}
	return s
}

// modelLine is a model's curve: solid, thick, the first class colour.
func modelLine(pts plotter.XYs) *plotter.Line {
	line, err := plotter.NewLine(pts)
	if err != nil {
		panic(err) // the metrics' points are finite; savePNG turns a panic into an error
	}
	line.Color = classColour(0)
	line.Width = px(2.5)
	return line
}

// dashedLine is a reference line (chance): grey and dashed.
func dashedLine(pts plotter.XYs) *plotter.Line {
	line, err := plotter.NewLine(pts)
	if err != nil {
		panic(err)
	}
	line.Color = color.Gray{Y: 0x99}
	line.Dashes = []vg.Length{px(5), px(4)}
	return line
}

// ringOperatingPoint marks the point (x, y) of a curve with a red dot,
// ringed so that it shows on the curve's line, and names it in the legend.
func ringOperatingPoint(p *plot.Plot, x, y float64, label string) {
	at := plotter.XYs{{X: x, Y: y}}
	dot, err := plotter.NewScatter(at)
	if err != nil {
		return
	}
	dot.GlyphStyle = draw.GlyphStyle{Color: classColour(3), Radius: px(5), Shape: draw.CircleGlyph{}}
	ring, err := plotter.NewScatter(at)
	if err != nil {
		return
	}
	ring.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: px(5), Shape: draw.RingGlyph{}}
	p.Add(dot, ring)
	p.Legend.Add(label, dot, ring)
}

// unitTicks labels a rate's axis every 0.2, with minor ticks every 0.1.
var unitTicks = plot.ConstantTicks(func() []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i <= 10; i++ {
		t := plot.Tick{Value: float64(i) / 10}
		if i%2 == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'f', 1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}())

// drawCurveChart draws p on dc with its legend on a panel of its own, in
// the corner among corners that hides the least of curves (an operating
// point is a corner of its curve, so the legend leaves it clear too).
func drawCurveChart(dc draw.Canvas, p *plot.Plot, curves []plotter.XYs, corners []corner) {
	c := draw.Crop(dc, px(6), -px(14), px(6), -px(6))
	fitTitle(p, c)
	p.X.Tick.Marker, p.Y.Tick.Marker = unitTicks, unitTicks
	leg := p.Legend
	leg.Padding = px(3) // the operating point's dot is taller than a line of text
	p.Legend = plot.NewLegend()
	placeLegend(p.DataCanvas(c), p, &leg, curves, corners)
	p.Draw(c)
	drawLegendPanel(p.DataCanvas(c), &leg)
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
		c := draw.Crop(dc, px(6), -px(14), px(6), -px(6))
		fitTitle(p, c)
		p.Draw(c)
	})
}
