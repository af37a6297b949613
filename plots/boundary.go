package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// boundaryGrid is the number of probability samples along each axis of the
// shaded background; 160² evaluations keep even a slow model quick, and the
// smooth shading and interpolated 0.5 contour hide the grid.
const boundaryGrid = 160

// regionGrid is the finer grid for DecisionRegions, whose hard class edges
// would show 160-cell stairs; at 320 a step is about 1.7 pixels.
const regionGrid = 320

// probGrid holds a model output (probability or class) sampled on a regular grid, for the heat map and the
// 0.5 contour.
type probGrid struct {
	x0, y0, dx, dy float64
	n              int
	z              []float64 // z[r*n+c] = proba at (X(c), Y(r))
}

func (g *probGrid) Dims() (c, r int)   { return g.n, g.n }
func (g *probGrid) Z(c, r int) float64 { return g.z[r*g.n+c] }
func (g *probGrid) X(c int) float64    { return g.x0 + float64(c)*g.dx }
func (g *probGrid) Y(r int) float64    { return g.y0 + float64(r)*g.dy }
func (g *probGrid) Min() float64       { return 0 }
func (g *probGrid) Max() float64       { return 1 }

// The background shades from light blue (P = 0, class 0's colour) through
// white at 0.5 to light orange (P = 1, class 1's colour), pale enough that
// the points stay the focus.
var (
	shade0   = color.RGBA{0x9e, 0xc4, 0xe4, 0xff}
	shadeMid = color.RGBA{0xfb, 0xfb, 0xfb, 0xff}
	shade1   = color.RGBA{0xfd, 0xc6, 0x92, 0xff}
)

// DecisionBoundary draws a binary classifier over two features: the plane
// shaded by proba(x1, x2), the predicted probability of class 1, a black
// line where it crosses 0.5, and the samples X (n rows of two values)
// coloured and shaped by their class y. A legend names the classes and the
// boundary, and a colour bar reads the shading.
//
// It errors on no samples, len(X) != len(y), a row without exactly two
// values, a non-finite value, a negative label, a nil proba, or proba
// returning a value outside [0, 1] (naming where).
func DecisionBoundary(path string, X [][]float64, y []int, proba func(x1, x2 float64) float64, title string) error {
	return DecisionBoundaryWith(path, X, y, proba, BoundaryOptions{Title: title})
}

// BoundaryOptions names the parts of a DecisionBoundary chart.
type BoundaryOptions struct {
	Title string
	// XLabel and YLabel name the two features ("feature 1", "feature 2"
	// when empty).
	XLabel, YLabel string
	// ClassNames names classes 0, 1, ... in the legend and colour bar
	// ("class 0", ... when nil or too short).
	ClassNames []string
}

// DecisionBoundaryWith is DecisionBoundary with feature and class names.
func DecisionBoundaryWith(path string, X [][]float64, y []int, proba func(x1, x2 float64) float64, opts BoundaryOptions) error {
	const fn = "DecisionBoundary"
	if proba == nil {
		return errors.New("plots: DecisionBoundary: proba is nil")
	}
	sc, err := newScene(fn, X, y)
	if err != nil {
		return err
	}
	err = sc.sample(boundaryGrid, func(x1, x2 float64) (float64, error) {
		v := proba(x1, x2)
		if !(v >= 0 && v <= 1) {
			return 0, fmt.Errorf("proba(%g, %g) = %v; want a probability in [0, 1]", x1, x2, v)
		}
		return v, nil
	})
	if err != nil {
		return fmt.Errorf("plots: %s: %w", fn, err)
	}

	return savePNG(path, 760, 560, func(dc draw.Canvas) {
		p, leg := sc.plot(opts)
		pal := colours(ramp(101, shade0, shadeMid, shade1))
		hm := plotter.NewHeatMap(sc.grid, pal)
		hm.Min, hm.Max = 0, 1
		hm.Rasterized = true
		p.Add(flushHeatMap{hm})

		// The boundary only exists where proba actually crosses 0.5.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range sc.grid.z {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if lo < 0.5 && hi > 0.5 {
			ct := plotter.NewContour(sc.grid, []float64{0.5}, nil)
			ct.LineStyles = []draw.LineStyle{{Color: color.Black, Width: px(2.2)}}
			p.Add(ct)
			legendLine, err := plotter.NewLine(plotter.XYs{})
			if err == nil {
				legendLine.LineStyle = ct.LineStyles[0]
				leg.Add("boundary, P("+opts.className(1)+") = 0.5", legendLine)
			}
		}
		sc.addPoints(p, &leg, opts)

		dc = draw.Crop(dc, px(8), -px(8), px(8), -px(8))
		main := draw.Crop(dc, 0, -px(110), 0, 0)
		fitTitle(p, main)
		p.Draw(main)
		da := p.DataCanvas(main)
		drawLegendPanel(da, &leg)
		drawColourBar(dc, pal, 0, 1, integerTicks{}.Ticks(0, 1), "P("+opts.className(1)+")", da.Max.X+px(28), da.Min.Y, da.Max.Y)
	})
}

// DecisionRegions is DecisionBoundary for any number of classes: the plane
// is shaded by predict(x1, x2), the class a model assigns there, in a pale
// version of that class's colour, under the samples X coloured and shaped
// by their class y. predict must return a class index >= 0.
func DecisionRegions(path string, X [][]float64, y []int, predict func(x1, x2 float64) int, opts BoundaryOptions) error {
	const fn = "DecisionRegions"
	if predict == nil {
		return errors.New("plots: DecisionRegions: predict is nil")
	}
	sc, err := newScene(fn, X, y)
	if err != nil {
		return err
	}
	nClasses := sc.nClasses
	err = sc.sample(regionGrid, func(x1, x2 float64) (float64, error) {
		c := predict(x1, x2)
		if c < 0 {
			return 0, fmt.Errorf("predict(%g, %g) = %d; want a class index >= 0", x1, x2, c)
		}
		nClasses = max(nClasses, c+1)
		return float64(c), nil
	})
	if err != nil {
		return fmt.Errorf("plots: %s: %w", fn, err)
	}

	return savePNG(path, 680, 560, func(dc draw.Canvas) {
		p, leg := sc.plot(opts)
		// One pale colour per class; the heat map maps value c to entry c
		// when Min = 0 and Max = len-1 (at least two entries).
		pal := make(colours, max(2, nClasses))
		for c := range pal {
			pal[c] = lerp(classColour(c), color.RGBA{0xff, 0xff, 0xff, 0xff}, 0.72)
		}
		hm := plotter.NewHeatMap(sc.grid, pal)
		hm.Min, hm.Max = 0, float64(len(pal)-1)
		hm.Rasterized = true
		p.Add(flushHeatMap{hm})
		sc.addPoints(p, &leg, opts)

		dc = draw.Crop(dc, px(8), -px(8), px(8), -px(8))
		fitTitle(p, dc)
		p.Draw(dc)
		drawLegendPanel(p.DataCanvas(dc), &leg)
	})
}

// scene is the part DecisionBoundary and DecisionRegions share: validated
// samples, the padded plotting window and a grid of model outputs over it.
type scene struct {
	X                      [][]float64
	y                      []int
	nClasses               int
	xmin, xmax, ymin, ymax float64
	grid                   *probGrid
}

func newScene(fn string, X [][]float64, y []int) (*scene, error) {
	if len(X) == 0 {
		return nil, fmt.Errorf("plots: %s: no samples", fn)
	}
	if len(X) != len(y) {
		return nil, fmt.Errorf("plots: %s: %d samples but %d labels", fn, len(X), len(y))
	}
	s := &scene{X: X, y: y, xmin: math.Inf(1), xmax: math.Inf(-1), ymin: math.Inf(1), ymax: math.Inf(-1)}
	for i, row := range X {
		if len(row) != 2 {
			return nil, fmt.Errorf("plots: %s: X[%d] has %d values; want 2 features", fn, i, len(row))
		}
		if err := checkSeries(fmt.Sprintf("X[%d]", i), row); err != nil {
			return nil, fmt.Errorf("plots: %s: %w", fn, err)
		}
		if y[i] < 0 {
			return nil, fmt.Errorf("plots: %s: y[%d] = %d is negative; labels are class indices", fn, i, y[i])
		}
		s.xmin, s.xmax = math.Min(s.xmin, row[0]), math.Max(s.xmax, row[0])
		s.ymin, s.ymax = math.Min(s.ymin, row[1]), math.Max(s.ymax, row[1])
		s.nClasses = max(s.nClasses, y[i]+1)
	}
	s.xmin, s.xmax = padRange(s.xmin, s.xmax)
	s.ymin, s.ymax = padRange(s.ymin, s.ymax)
	return s, nil
}

// sample evaluates f over an n×n grid. Cells tile the window exactly, sampled
// at their centres, so the shading meets the axes with no gap or overhang.
func (s *scene) sample(n int, f func(x1, x2 float64) (float64, error)) error {
	dx, dy := (s.xmax-s.xmin)/float64(n), (s.ymax-s.ymin)/float64(n)
	g := &probGrid{x0: s.xmin + dx/2, y0: s.ymin + dy/2, dx: dx, dy: dy, n: n, z: make([]float64, n*n)}
	for r := range g.n {
		for c := range g.n {
			v, err := f(g.X(c), g.Y(r))
			if err != nil {
				return err
			}
			g.z[r*g.n+c] = v
		}
	}
	s.grid = g
	return nil
}

// plot makes the axes and an empty legend, to be drawn on a white panel
// so the shading does not run through its text.
func (s *scene) plot(opts BoundaryOptions) (*plot.Plot, plot.Legend) {
	xl, yl := opts.XLabel, opts.YLabel
	if xl == "" {
		xl = "feature 1"
	}
	if yl == "" {
		yl = "feature 2"
	}
	p := newPlot(opts.Title, xl, yl)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = s.xmin, s.xmax, s.ymin, s.ymax
	p.X.Padding, p.Y.Padding = 0, 0

	leg := plot.NewLegend()
	leg.TextStyle.Font = font.From(sans, 10)
	leg.Padding = px(3)
	leg.ThumbnailWidth = px(22)
	leg.Top, leg.Left = true, true
	leg.XOffs, leg.YOffs = px(10), -px(10)
	return p, leg
}

// addPoints adds one scatter per class, with a legend entry and count.
func (s *scene) addPoints(p *plot.Plot, leg *plot.Legend, opts BoundaryOptions) {
	for c := range s.nClasses {
		var pts plotter.XYs
		for i, row := range s.X {
			if s.y[i] == c {
				pts = append(pts, plotter.XY{X: row[0], Y: row[1]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			panic(err) // only for non-finite points, excluded by newScene
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: classColour(c), Radius: px(4.5), Shape: marker(c % int(nMarkers))}
		p.Add(sc)
		leg.Add(opts.className(c)+" ("+strconv.Itoa(len(pts))+")", sc)
	}
}

func (o BoundaryOptions) className(c int) string {
	if c < len(o.ClassNames) && o.ClassNames[c] != "" {
		return o.ClassNames[c]
	}
	return "class " + strconv.Itoa(c)
}

// drawLegendPanel draws leg inside da on a white, thinly framed panel,
// placed by its Top, Left and offsets as Legend.Draw places it.
func drawLegendPanel(da draw.Canvas, leg *plot.Legend) {
	r, ok := legendBox(da, leg)
	if !ok {
		return // no entries
	}
	box := []vg.Point{
		{X: r.Min.X, Y: r.Min.Y}, {X: r.Max.X, Y: r.Min.Y},
		{X: r.Max.X, Y: r.Max.Y}, {X: r.Min.X, Y: r.Max.Y},
	}
	da.FillPolygon(color.NRGBA{0xff, 0xff, 0xff, 0xe0}, box)
	da.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 0xb0}, Width: px(1)}, append(box, box[0]))
	leg.Draw(da)
}

// legendBox is the framed panel drawLegendPanel draws for leg in da (the
// legend's entries and a margin); ok is false when leg has no entries.
func legendBox(da draw.Canvas, leg *plot.Legend) (r vg.Rectangle, ok bool) {
	if leg.ThumbnailWidth == 0 {
		leg.ThumbnailWidth = px(22)
	}
	// Legend.Rectangle gives the right size, but its horizontal placement
	// is mirrored (Left reports the right-hand side) and it ignores the
	// offsets, so place the box here.
	size := leg.Rectangle(da).Size()
	if size.X == 0 {
		return r, false
	}
	if leg.Left {
		r.Min.X = da.Min.X + leg.XOffs
		r.Max.X = r.Min.X + size.X
	} else {
		r.Max.X = da.Max.X + leg.XOffs
		r.Min.X = r.Max.X - size.X
	}
	if leg.Top {
		r.Max.Y = da.Max.Y + leg.YOffs
		r.Min.Y = r.Max.Y - size.Y
	} else {
		r.Min.Y = da.Min.Y + leg.YOffs
		r.Max.Y = r.Min.Y + size.Y
	}
	pad := px(6)
	r.Min.X, r.Min.Y = r.Min.X-pad, r.Min.Y-pad
	r.Max.X, r.Max.Y = r.Max.X+pad, r.Max.Y+pad
	return r, true
}

// padRange widens [lo, hi] by 5% on each side (or ±1 when it is a single
// value), so no sample sits on the frame.
func padRange(lo, hi float64) (float64, float64) {
	if hi == lo {
		return lo - 1, hi + 1
	}
	pad := 0.05 * (hi - lo)
	return lo - pad, hi + pad
}

// marker is a filled glyph with a thin dark edge, so overlapping points stay
// distinguishable. Shapes differ by class as well as colours, for readers
// who cannot tell the colours apart and for greyscale prints.
type marker int

const (
	markerCircle marker = iota
	markerTriangle
	markerSquare
	markerDiamond
	nMarkers
)

func (m marker) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	var path vg.Path
	poly := func(pts ...vg.Point) {
		path.Move(pt.Add(pts[0]))
		for _, q := range pts[1:] {
			path.Line(pt.Add(q))
		}
		path.Close()
	}
	switch m {
	case markerTriangle:
		// Equal area to the circle looks balanced: a larger circumradius.
		t := r * 1.35
		poly(vg.Point{Y: t}, vg.Point{X: -t * 0.866, Y: -t * 0.5}, vg.Point{X: t * 0.866, Y: -t * 0.5})
	case markerSquare:
		s := r * 0.89
		poly(vg.Point{X: -s, Y: -s}, vg.Point{X: s, Y: -s}, vg.Point{X: s, Y: s}, vg.Point{X: -s, Y: s})
	case markerDiamond:
		d := r * 1.25
		poly(vg.Point{Y: d}, vg.Point{X: -d}, vg.Point{Y: -d}, vg.Point{X: d})
	default:
		path.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		path.Arc(pt, r, 0, 2*math.Pi)
		path.Close()
	}
	c.SetColor(sty.Color)
	c.Fill(path)
	c.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 0x30}, Width: px(1)})
	c.Stroke(path)
}
