package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TrainingCurve draws a model's learning curves in two panels side by side:
// loss per epoch on the left, accuracy (in percent) per epoch on the right,
// training solid and validation dashed, with the epoch of the lowest
// validation loss marked.
//
// epochs are the epoch numbers, strictly increasing. Each series is either
// empty (left out: a run without validation passes nil for valLoss and
// valAcc) or as long as epochs. Losses must be finite and accuracies
// fractions in [0, 1]. A panel is drawn only when it has a series; at least
// one series is required.
func TrainingCurve(path string, epochs []int, trainLoss, valLoss, trainAcc, valAcc []float64) error {
	return TrainingCurveKept(path, 0, epochs, trainLoss, valLoss, trainAcc, valAcc)
}

// TrainingCurveKept is TrainingCurve with the epoch whose weights a
// training run kept (chosen by any validation figure) ringed on both
// panels instead of the lowest validation loss; kept 0 behaves as
// TrainingCurve.
func TrainingCurveKept(path string, kept int, epochs []int, trainLoss, valLoss, trainAcc, valAcc []float64) error {
	keptIdx := -1
	for i, e := range epochs {
		if kept > 0 && e == kept {
			keptIdx = i
		}
	}
	if kept > 0 && keptIdx < 0 {
		return fmt.Errorf("plots: TrainingCurve: kept epoch %d is not among the epochs", kept)
	}
	if len(epochs) == 0 {
		return errors.New("plots: TrainingCurve: no epochs")
	}
	for i := 1; i < len(epochs); i++ {
		if epochs[i] <= epochs[i-1] {
			return fmt.Errorf("plots: TrainingCurve: epochs must increase, but epochs[%d] = %d follows %d", i, epochs[i], epochs[i-1])
		}
	}
	series := []struct {
		name string
		v    []float64
		acc  bool
	}{
		{"trainLoss", trainLoss, false}, {"valLoss", valLoss, false},
		{"trainAcc", trainAcc, true}, {"valAcc", valAcc, true},
	}
	present := false
	for _, s := range series {
		if len(s.v) == 0 {
			continue
		}
		present = true
		if len(s.v) != len(epochs) {
			return fmt.Errorf("plots: TrainingCurve: %s has %d values for %d epochs", s.name, len(s.v), len(epochs))
		}
		if err := checkSeries(s.name, s.v); err != nil {
			return fmt.Errorf("plots: TrainingCurve: %w", err)
		}
		if s.acc {
			for i, a := range s.v {
				if a < 0 || a > 1 {
					return fmt.Errorf("plots: TrainingCurve: %s[%d] = %v; accuracies are fractions in [0, 1]", s.name, i, a)
				}
			}
		}
	}
	if !present {
		return errors.New("plots: TrainingCurve: every series is empty; nothing to plot")
	}

	hasLoss := len(trainLoss) > 0 || len(valLoss) > 0
	hasAcc := len(trainAcc) > 0 || len(valAcc) > 0
	w := 520
	if hasLoss && hasAcc {
		w = 1040
	}
	return savePNG(path, w, 420, func(dc draw.Canvas) {
		dc = draw.Crop(dc, px(8), -px(12), px(6), -px(6))
		var panels []*plot.Plot
		// Each panel's curves, and the legend corners to try in order of
		// preference: the legend goes where it hides the least of them.
		var curves [][]plotter.XYs
		var corners [][]corner
		if hasLoss {
			p := newPlot("", "epoch", "cross-entropy loss (nats / sample)")
			p.Title.Text = "loss per epoch" // drawn by hand below
			// Loss falls, so the top right is usually clear; but validation
			// loss rises again as a model overfits.
			corners = append(corners, []corner{topRight, bottomLeft, topLeft, bottomRight})
			curves = append(curves, []plotter.XYs{
				addCurve(p, epochs, trainLoss, 1, "train", classColour(0), false),
				addCurve(p, epochs, valLoss, 1, "validation", classColour(1), true),
			})
			if len(valLoss) > 0 && keptIdx >= 0 {
				ringEpoch(p, float64(epochs[keptIdx]), valLoss[keptIdx], "kept model (epoch "+strconv.Itoa(kept)+")")
			} else if len(valLoss) > 0 {
				best := 0
				for i, v := range valLoss {
					if v < valLoss[best] {
						best = i
					}
				}
				ringEpoch(p, float64(epochs[best]), valLoss[best], "lowest validation loss (epoch "+strconv.Itoa(epochs[best])+")")
			}
			p.Y.Min = math.Min(p.Y.Min, 0) // losses are judged from zero
			panels = append(panels, p)
		}
		if hasAcc {
			p := newPlot("", "epoch", "accuracy (%)")
			p.Title.Text = "accuracy per epoch"
			// Accuracy rises, so the bottom right is usually clear.
			corners = append(corners, []corner{bottomRight, topLeft, bottomLeft, topRight})
			curves = append(curves, []plotter.XYs{
				addCurve(p, epochs, trainAcc, 100, "train", classColour(0), false),
				addCurve(p, epochs, valAcc, 100, "validation", classColour(1), true),
			})
			if len(valAcc) > 0 && keptIdx >= 0 {
				ringEpoch(p, float64(epochs[keptIdx]), 100*valAcc[keptIdx], "kept model (epoch "+strconv.Itoa(kept)+")")
			}
			// Leave headroom under 100% so the top curve stays clear of the
			// legend, but never suggest accuracies above 100%.
			lo := p.Y.Min
			p.Y.Min = math.Max(0, lo-0.1*(p.Y.Max-lo)-1)
			p.Y.Max = 100
			panels = append(panels, p)
		}
		for _, p := range panels {
			p.Add(plotter.NewGrid())
			p.X.Tick.Marker = epochTicks{}
			padAxis(&p.X, 0.02)
		}
		// Panel titles are drawn by hand, centred over each data area at one
		// height: gonum's own titles shift with each panel's tick labels.
		titles := make([]string, len(panels))
		for i, p := range panels {
			titles[i], p.Title.Text = p.Title.Text, ""
		}
		ts := textStyle(14, color.Black)
		ts.YAlign = draw.YTop
		titleTop := dc.Max.Y
		dc.Max.Y -= ts.Height("Ag") + px(12)
		tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: px(24)}
		canvases := plot.Align([][]*plot.Plot{panels}, tiles, dc)
		for i, p := range panels {
			c := canvases[0][i]
			// The legend is drawn on a panel of its own so curves passing
			// under it do not run through its text.
			leg := p.Legend
			p.Legend = plot.NewLegend()
			fitLegend(c, p, &leg, curves[i], corners[i])
			p.Draw(c)
			da := p.DataCanvas(c)
			dc.FillText(ts, vg.Point{X: (da.Min.X + da.Max.X) / 2, Y: titleTop}, titles[i])
			drawLegendPanel(da, &leg)
		}
	})
}

// addCurve adds one series, scaled, as a line (dashed when dashed) with
// point markers when there are few enough epochs to tell them apart, and
// returns its points (nil for an empty series).
func addCurve(p *plot.Plot, epochs []int, v []float64, scale float64, name string, c color.Color, dashed bool) plotter.XYs {
	if len(v) == 0 {
		return nil
	}
	pts := make(plotter.XYs, len(v))
	for i := range v {
		pts[i] = plotter.XY{X: float64(epochs[i]), Y: v[i] * scale}
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		panic(err) // values were checked finite
	}
	line.LineStyle = draw.LineStyle{Color: c, Width: px(2)}
	if dashed {
		line.LineStyle.Dashes = []vg.Length{px(7), px(4)}
	}
	thumbs := []plot.Thumbnailer{line}
	p.Add(line)
	if len(v) <= 40 {
		dots, err := plotter.NewScatter(pts)
		if err == nil {
			dots.GlyphStyle = draw.GlyphStyle{Color: c, Radius: px(2.5), Shape: draw.CircleGlyph{}}
			p.Add(dots)
			thumbs = append(thumbs, dots)
		}
	}
	p.Legend.Add(name, thumbs...)
	return pts
}

// epochTicks labels epochs at a round step (1, 2, 5, 10, 20, ...) chosen
// to give at most about ten labels; epochs are whole numbers, so the
// default ticker's fractional steps would mislead.
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	step := 1.0
	for mag := 1.0; ; mag *= 10 {
		if s := mag; span/s <= 10 {
			step = s
			break
		}
		if s := 2 * mag; span/s <= 10 {
			step = s
			break
		}
		if s := 5 * mag; span/s <= 10 {
			step = s
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// padAxis widens an axis range by frac on each side, so end points and
// markers do not sit on the frame.
func padAxis(a *plot.Axis, frac float64) {
	span := a.Max - a.Min
	if span == 0 {
		span = 1
	}
	a.Min -= frac * span
	a.Max += frac * span
}

// ringEpoch rings one validation point and names it in the legend.
func ringEpoch(p *plot.Plot, x, y float64, label string) {
	mark, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
	if err != nil {
		return
	}
	mark.GlyphStyle = draw.GlyphStyle{Color: classColour(1), Radius: px(6), Shape: draw.RingGlyph{}}
	p.Add(mark)
	p.Legend.Add(label, mark)
}

// corner is a legend placement inside a panel's data area.
type corner struct{ top, left bool }

var (
	topRight    = corner{top: true}
	topLeft     = corner{top: true, left: true}
	bottomRight = corner{}
	bottomLeft  = corner{left: true}
)

// set places leg in c, 10 pixels in from both edges.
func (c corner) set(leg *plot.Legend) {
	leg.Top, leg.Left = c.top, c.left
	leg.XOffs, leg.YOffs = -px(10), -px(10)
	if c.left {
		leg.XOffs = px(10)
	}
	if !c.top {
		leg.YOffs = px(10)
	}
}

// fitLegend places leg in p's data area within canvas c where it hides
// none of the curves: in the corner among corners that covers the fewest
// of them (the earlier on ties), or, when none is clear, on the side of
// the preferred corner (corners[0]) with the value axis widened to make
// room: up for loss, whose legend prefers the top; down for accuracy.
func fitLegend(c draw.Canvas, p *plot.Plot, leg *plot.Legend, curves []plotter.XYs, corners []corner) {
	if placeLegend(p.DataCanvas(c), p, leg, curves, corners) > 0 {
		makeRoom(c, p, leg, curves, corners[0].top)
	}
}

// placeLegend puts leg in the corner of da, among corners, whose panel
// covers the fewest points sampled along the curves (as p's axes map
// them), the earlier corner winning ties, and returns how many it covers:
// a fixed corner hides whichever curve turns into it, such as a
// validation loss that climbs as the model overfits.
func placeLegend(da draw.Canvas, p *plot.Plot, leg *plot.Legend, curves []plotter.XYs, corners []corner) int {
	const samples = 16 // per segment between epochs
	best, least := corners[0], -1
	for _, c := range corners {
		c.set(leg)
		r, ok := legendBox(da, leg)
		if !ok {
			return 0
		}
		covered := 0
		cover := func(x, y float64) {
			pt := vg.Point{X: da.X(p.X.Norm(x)), Y: da.Y(p.Y.Norm(y))}
			if pt.X >= r.Min.X && pt.X <= r.Max.X && pt.Y >= r.Min.Y && pt.Y <= r.Max.Y {
				covered++
			}
		}
		for _, xy := range curves {
			for j := range xy {
				if j+1 == len(xy) {
					cover(xy[j].X, xy[j].Y)
					break
				}
				for k := 0; k < samples; k++ {
					t := float64(k) / samples
					cover(xy[j].X+t*(xy[j+1].X-xy[j].X), xy[j].Y+t*(xy[j+1].Y-xy[j].Y))
				}
			}
		}
		if least < 0 || covered < least {
			best, least = c, covered
		}
	}
	best.set(leg)
	return least
}

// makeRoom widens p's value axis, up (top corners) or down (bottom corners,
// never below zero), until the curves pass clear of the legend's panel in
// canvas c, and places leg there. It is for curves that leave no corner
// clear: an overfitting run's loss starts high on the left and climbs
// again on the right.
func makeRoom(c draw.Canvas, p *plot.Plot, leg *plot.Legend, curves []plotter.XYs, up bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, xy := range curves {
		for _, q := range xy {
			lo, hi = math.Min(lo, q.Y), math.Max(hi, q.Y)
		}
	}
	da := p.DataCanvas(c)
	side := []corner{bottomRight, bottomLeft}
	if up {
		side = []corner{topRight, topLeft}
	}
	side[0].set(leg)
	r, ok := legendBox(da, leg)
	if !ok || math.IsInf(lo, 0) {
		return
	}
	// The share of the panel's height left to the curves, below (or
	// above) the legend's panel with a few pixels' gap.
	h := float64(da.Max.Y - da.Min.Y)
	free := (h - float64(r.Max.Y-r.Min.Y+px(10)+px(6))) / h
	if free < 0.4 {
		return // a legend this tall in a panel this small: leave it
	}
	if up {
		p.Y.Max = math.Max(p.Y.Max, p.Y.Min+(hi-p.Y.Min)/free)
	} else {
		p.Y.Min = math.Max(0, math.Min(p.Y.Min, p.Y.Max-(p.Y.Max-lo)/free))
	}
	placeLegend(p.DataCanvas(c), p, leg, curves, side)
}
