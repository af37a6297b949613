package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// blues is the sequential scale for counts: near-white for 0 to dark blue
// for the largest count (the stops of ColorBrewer's "Blues", as in
// scikit-learn's ConfusionMatrixDisplay examples).
var blues = []color.RGBA{
	{0xf7, 0xfb, 0xff, 0xff}, {0xde, 0xeb, 0xf7, 0xff}, {0xc6, 0xdb, 0xef, 0xff},
	{0x9e, 0xca, 0xe1, 0xff}, {0x6b, 0xae, 0xd6, 0xff}, {0x42, 0x92, 0xc6, 0xff},
	{0x21, 0x71, 0xb5, 0xff}, {0x08, 0x51, 0x9c, 0xff}, {0x08, 0x30, 0x6b, 0xff},
}

// cmGrid presents a confusion matrix to gonum's heat map. Grid columns are
// predicted classes left to right; grid rows run bottom-up in gonum, so row
// r shows true class k-1-r and the first class ends up at the top, the
// usual reading order. The cells hold row counts (int) or sums of sample
// weights (float64).
type cmGrid[T int | float64] struct{ cm [][]T }

func (g cmGrid[T]) Dims() (c, r int)    { return len(g.cm), len(g.cm) }
func (g cmGrid[T]) Z(c, r int) float64  { return float64(g.cm[len(g.cm)-1-r][c]) }
func (g cmGrid[T]) X(c int) float64     { return float64(c) }
func (g cmGrid[T]) Y(r int) float64     { return float64(r) }
func (g cmGrid[T]) trueClass(r int) int { return len(g.cm) - 1 - r }
func (g cmGrid[T]) Min() float64        { return 0 }

// Max is the top of the colour scale: the largest cell, or 1 when every
// cell is 0 so that the scale still has a range.
func (g cmGrid[T]) Max() float64 {
	m := maxCell(g.cm)
	if m <= 0 {
		return 1
	}
	return float64(m)
}

// cellLabel prints a cell as the CLI's text tables do: counts in full,
// sums of weights with %.6g.
func (g cmGrid[T]) cellLabel(c, r int) string {
	switch v := any(g.cm[g.trueClass(r)][c]).(type) {
	case float64:
		return fmt.Sprintf("%.6g", v)
	case int:
		return strconv.Itoa(v)
	}
	panic("unreachable")
}

func maxCount(cm [][]int) int { return maxCell(cm) }

func maxCell[T int | float64](cm [][]T) T {
	var m T
	for _, row := range cm {
		for _, v := range row {
			m = max(m, v)
		}
	}
	return m
}

// ConfusionHeatmap draws a confusion matrix (cm[true][predicted], as
// metrics.ConfusionMatrix returns) as a heat map: one cell per (true,
// predicted) pair, shaded by its count on a colour bar and annotated with
// the count; true classes run down the left, predicted along the bottom.
// labels names the classes (nil numbers them). It errors on an empty or
// non-square matrix, negative counts, or len(labels) != len(cm).
func ConfusionHeatmap(path string, cm [][]int, labels []string, title string) error {
	return confusionHeatmap("ConfusionHeatmap", path, cm, labels, title, "count", countTicks)
}

// WeightedConfusionHeatmap is ConfusionHeatmap for a weighted confusion
// matrix (cm[true][predicted] the sum of the sample weights of the rows of
// that true class predicted as that class, as
// metrics.WeightedConfusionMatrix returns): cells are shaded by and
// annotated with their sums (printed with %.6g, as Ember's text tables
// print them) and the colour bar reads "sum of weights". A matrix of whole
// numbers draws the same picture as ConfusionHeatmap but for that
// caption. It errors as ConfusionHeatmap does, and on a NaN or infinite
// cell.
func WeightedConfusionHeatmap(path string, cm [][]float64, labels []string, title string) error {
	return confusionHeatmap("WeightedConfusionHeatmap", path, cm, labels, title, "sum of weights", weightTicks)
}

// confusionHeatmap draws either kind of confusion matrix; fn names the
// exported function in errors, caption labels the colour bar, and ticks
// places its ticks for the range 0..max.
func confusionHeatmap[T int | float64](fn, path string, cm [][]T, labels []string, title, caption string, ticksFor func(lo, hi float64) []plot.Tick) error {
	k := len(cm)
	if k == 0 {
		return fmt.Errorf("plots: %s: empty confusion matrix", fn)
	}
	for i, row := range cm {
		if len(row) != k {
			return fmt.Errorf("plots: %s: row %d has %d columns; the matrix must be %d×%d", fn, i, len(row), k, k)
		}
		for j, v := range row {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("plots: %s: cm[%d][%d] = %v is not a finite number", fn, i, j, v)
			}
			if v < 0 {
				return fmt.Errorf("plots: %s: cm[%d][%d] = %v is negative", fn, i, j, v)
			}
		}
	}
	if labels == nil {
		for i := range k {
			labels = append(labels, strconv.Itoa(i))
		}
	}
	if len(labels) != k {
		return fmt.Errorf("plots: %s: %d labels for a %d×%d matrix", fn, len(labels), k, k)
	}

	g := cmGrid[T]{cm}
	pal := colours(ramp(256, blues...))
	// Cells grow with the class count up to a cap, so two classes do not
	// look bloated and twenty still fit.
	cell := math.Max(28, math.Min(110, 480/float64(k)))
	longest := 0
	for _, l := range labels {
		longest = max(longest, len([]rune(l)))
	}
	labelPx := float64(min(longest, 24)) * 7
	side := cell*float64(k) + labelPx + 90
	// The colour bar's area fits its widest count; the image is wide
	// enough for the title, which is centred over the whole image, with
	// the matrix and bar centred under it.
	ticks := ticksFor(g.Min(), g.Max())
	barPx := 28 + 16 + 14 + 14 + toPx(widestLabel(colourBarLabel, ticks))
	ts := textStyle(14, color.Black)
	ts.YAlign = draw.YTop
	natural := side + 14 + barPx + 16
	wf := math.Max(natural, toPx(ts.Width(title))+32)
	w, h := int(math.Ceil(wf)), int(side+40)
	inset := px((float64(w) - natural) / 2)

	return savePNG(path, w, h, func(dc draw.Canvas) {
		p := newPlot("", "predicted", "true")
		dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - px(8)}, title)
		dc.Max.Y -= ts.Height("Ag") + px(18)
		hm := plotter.NewHeatMap(g, pal)
		hm.Min, hm.Max = g.Min(), g.Max()
		p.Add(flushHeatMap{hm})

		// Count annotations, dark text on light cells and light on dark.
		var xys plotter.XYs
		var texts []string
		var styles []draw.TextStyle
		fontSize := vg.Length(math.Max(8, math.Min(16, cell/4)))
		for r := range k {
			for c := range k {
				xys = append(xys, plotter.XY{X: float64(c), Y: float64(r)})
				texts = append(texts, g.cellLabel(c, r))
				t := (g.Z(c, r) - hm.Min) / (hm.Max - hm.Min)
				bg := pal[min(len(pal)-1, int(t*float64(len(pal)-1)))]
				styles = append(styles, textStyle(fontSize, textOn(bg)))
			}
		}
		ann, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
		if err != nil {
			panic(err) // only on a length mismatch, impossible here
		}
		ann.TextStyle = styles
		p.Add(ann)

		p.NominalX(labels...)
		trueNames := make([]string, k)
		for r := range k {
			trueNames[r] = labels[g.trueClass(r)]
		}
		p.NominalY(trueNames...)
		p.X.Min, p.X.Max = -0.5, float64(k)-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5
		p.X.Padding, p.Y.Padding = 0, 0
		p.X.Tick.Length, p.Y.Tick.Length = 0, 0
		p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = 11, 11
		// gonum raises y tick labels by the font's descent, which sets the
		// class names visibly above their row's centre; lower them back.
		p.Y.Tick.Label.YAlign = -0.68
		if longest*k > 48 {
			// Long names under narrow cells would overlap: slant them.
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign = draw.XRight
			// Hung from their top edge, a little below it: gonum anchors
			// tick labels a font descent above the axis, and centred
			// (YCenter) their ends ran under the matrix, which hid them.
			p.X.Tick.Label.YAlign = -1.3
			p.X.Label.Padding += 0.3 * p.X.Tick.Label.Font.Size // what that lowering takes
		}

		// The matrix on the left; the colour bar, drawn by hand so it lines
		// up with the matrix's data area, on the right.
		dc = draw.Crop(dc, px(8)+inset, -px(8)-inset, px(8), 0)
		main := draw.Crop(dc, 0, -px(barPx), 0, 0)
		p.Draw(main)
		da := p.DataCanvas(main)
		drawColourBar(dc, pal, hm.Min, hm.Max, ticks, caption,
			da.Max.X+px(28), da.Min.Y, da.Max.Y)
	})
}

// colourBarLabel is the style of a colour bar's tick labels.
var colourBarLabel = textStyle(10, color.Black)

// toPx converts a length to pixels at dpi.
func toPx(l vg.Length) float64 { return float64(l) / float64(vg.Inch) * dpi }

// widestLabel is the width of the widest tick label.
func widestLabel(sty text.Style, ticks []plot.Tick) vg.Length {
	widest := vg.Length(0)
	for _, t := range ticks {
		widest = max(widest, sty.Width(t.Label))
	}
	return widest
}

// countTicks are a colour bar's ticks for counts lo..hi: every whole
// number for a short range, else gonum's ticks labelled as whole numbers
// ("5000", not "5000.00").
func countTicks(lo, hi float64) []plot.Tick {
	if hi-lo <= 10 {
		return integerTicks{}.Ticks(lo, hi)
	}
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
		}
	}
	return ticks
}

// weightTicks are a colour bar's ticks for sums of weights lo..hi: for a
// whole-number top or one from 2 up, the ticks of counts (so whole-number
// weights draw the same bar as counts); for a fractional top below 2, where
// whole numbers would leave a single tick, gonum's ticks labelled with
// %.6g ("0.3", not "0.30000000000000004").
func weightTicks(lo, hi float64) []plot.Tick {
	if hi >= 2 || hi == math.Trunc(hi) {
		return countTicks(lo, hi)
	}
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = fmt.Sprintf("%.6g", t.Value)
		}
	}
	return ticks
}

// drawColourBar draws a vertical gradient for values min..max, 16 px wide
// with its left edge at x and spanning y0..y1, with the ticks and their
// labels on its right and a rotated caption beside them.
func drawColourBar(dc draw.Canvas, pal colours, lo, hi float64, ticks []plot.Tick, caption string, x, y0, y1 vg.Length) {
	w := px(16)
	// A 1×n image scaled into the bar: smooth, and free of the hairline
	// seams that abutting anti-aliased stripes leave.
	img := image.NewRGBA(image.Rect(0, 0, 1, len(pal)))
	for i, c := range pal {
		img.Set(0, len(pal)-1-i, c) // image rows run top-down
	}
	dc.DrawImage(vg.Rectangle{Min: vg.Point{X: x, Y: y0}, Max: vg.Point{X: x + w, Y: y1}}, img)
	edge := draw.LineStyle{Color: color.Gray{Y: 0x60}, Width: px(1)}
	dc.StrokeLines(edge, []vg.Point{{X: x, Y: y0}, {X: x + w, Y: y0}, {X: x + w, Y: y1}, {X: x, Y: y1}, {X: x, Y: y0}})

	lbl := colourBarLabel
	lbl.XAlign = draw.XLeft
	widest := vg.Length(0)
	for _, t := range ticks {
		if t.Label == "" || t.Value < lo || t.Value > hi {
			continue
		}
		y := y0 + (y1-y0)*vg.Length((t.Value-lo)/(hi-lo))
		dc.StrokeLine2(edge, x+w, y, x+w+px(4), y)
		dc.FillText(lbl, vg.Point{X: x + w + px(6), Y: y}, t.Label)
		widest = max(widest, lbl.Width(t.Label))
	}
	cap := textStyle(12, color.Black)
	cap.Rotation = math.Pi / 2
	dc.FillText(cap, vg.Point{X: x + w + px(14) + widest, Y: (y0 + y1) / 2}, caption)
}

// flushHeatMap is a heat map that asks for no glyph margin. gonum reserves
// 5 pt around every cell centre, which with small cells insets the data
// area and leaves a gap between the shading and the axis lines.
type flushHeatMap struct{ *plotter.HeatMap }

func (flushHeatMap) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return nil }

// integerTicks labels every integer in range, for small counts where the
// default ticker would print 0.5 steps.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		t = append(t, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return t
}
