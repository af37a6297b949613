package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/emberml/ember/internal/atomicfile"
)

// kmeansColours is matplotlib's tab10, the categorical palette the plots
// package uses for classes, so clusters look the way readers expect.
var kmeansColours = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// kmeansScatter draws the first two columns of X coloured by cluster, with
// each centroid as a large cross outlined in black, to a PNG file. The
// point glyphs are half transparent so dense regions read as darker.
func kmeansScatter(path string, X [][]float64, labels []int, centroids [][]float64, xName, yName, title string) (err error) {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".png" {
		return fmt.Errorf("plot %q must end in .png", path)
	}
	k := len(centroids)
	if k > 2*len(kmeansColours) {
		// Beyond 20 colours, clusters are not told apart by eye; the
		// glyph shapes below double the palette once.
		return fmt.Errorf("--plot supports up to %d clusters, got %d", 2*len(kmeansColours), k)
	}
	// gonum/plot panics on some degenerate input; report instead of crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing %s failed: %v", path, r)
		}
	}()

	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text, p.Y.Label.Text = xName, yName
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 12)
		ax.Tick.Label.Font = font.From(sans, 10)
	}
	// The legend goes in a panel right of the axes, where it cannot hide
	// points (p.Legend would be drawn inside them).
	legend := plot.NewLegend()
	legend.TextStyle.Font = font.From(sans, 10)
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(3) // rows apart: "(62)" no longer touches the row below
	p.Add(plotter.NewGrid())

	groups := make([]plotter.XYs, k)
	for i, l := range labels {
		groups[l] = append(groups[l], plotter.XY{X: X[i][0], Y: X[i][1]})
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}}
	for c, pts := range groups {
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("cluster %d: %w", c, err)
		}
		base := kmeansColours[c%len(kmeansColours)]
		// Non-premultiplied: a color.RGBA with A < 0xff would need its
		// channels scaled down too.
		col := color.NRGBA{R: base.R, G: base.G, B: base.B, A: 0xb0}
		s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.6), Shape: shapes[c/len(kmeansColours)]}
		p.Add(s)
		legend.Add(fmt.Sprintf("cluster %d (%d)", c, len(pts)), s)
	}

	cs := make(plotter.XYs, k)
	for c, ctr := range centroids {
		cs[c] = plotter.XY{X: ctr[0], Y: ctr[1]}
	}
	// A black cross under a slightly smaller coloured one: visible on any
	// cluster colour and matched to its cluster.
	outline, err := plotter.NewScatter(cs)
	if err != nil {
		return err
	}
	outline.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(8), Shape: thickCross{width: vg.Points(4)}}
	p.Add(outline)
	for c := range centroids {
		one, err := plotter.NewScatter(cs[c : c+1])
		if err != nil {
			return err
		}
		one.GlyphStyle = draw.GlyphStyle{Color: kmeansColours[c%len(kmeansColours)], Radius: vg.Points(6.5), Shape: thickCross{width: vg.Points(2)}}
		p.Add(one)
	}
	// The centroid's own glyph (16 points across) is taller than a legend
	// row and would run into the rows around it.
	legend.Add("centroid", crossThumb{})

	// Pad the axes so edge points and crosses are not clipped.
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		pad := 0.04 * (ax.Max - ax.Min)
		if pad == 0 || math.IsNaN(pad) {
			pad = 1
		}
		ax.Min -= pad
		ax.Max += pad
	}
	const legendW = 1.7 * vg.Inch
	const width = 8.5 * vg.Inch
	p.Title.Text = fitTitle(p.Title.TextStyle, title, width-legendW-0.2*vg.Inch)
	img := vgimg.New(width, 5.5*vg.Inch)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p.Draw(draw.Crop(dc, 0, -legendW, 0, -0.12*vg.Inch)) // top margin above the title
	legend.Draw(draw.Crop(dc, dc.Max.X-legendW+0.15*vg.Inch, 0, 0, -0.45*vg.Inch))

	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
		return err
	})
}

// fitTitle returns title as it fits in width: whole, else broken before
// its parenthesis (a long file name), else cut in the middle of the first
// line with an ellipsis. The title is centred over the axes, so what does
// not fit is cut off at both edges of the image.
func fitTitle(sty text.Style, title string, width vg.Length) string {
	if sty.Width(title) <= width {
		return title
	}
	if i := strings.Index(title, " ("); i > 0 {
		title = title[:i] + "\n" + title[i+1:]
	}
	first, rest, _ := strings.Cut(title, "\n")
	for r := []rune(first); sty.Width(first) > width && len(r) > 8; {
		r = append(r[:len(r)/2-2], r[len(r)/2+2:]...)
		first = string(r[:len(r)/2]) + "…" + string(r[len(r)/2:])
	}
	if rest != "" {
		return first + "\n" + rest
	}
	return first
}

// thickCross is an "×" drawn with a given stroke width (gonum's CrossGlyph
// uses the hairline width of the glyph style).
type thickCross struct{ width vg.Length }

func (g thickCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	ls := draw.LineStyle{Color: sty.Color, Width: g.width}
	r := sty.Radius * vg.Length(math.Sqrt2) / 2
	c.StrokeLine2(ls, pt.X-r, pt.Y-r, pt.X+r, pt.Y+r)
	c.StrokeLine2(ls, pt.X-r, pt.Y+r, pt.X+r, pt.Y-r)
}

// crossThumb is the centroid's legend entry: the black cross, small enough
// for one legend row.
type crossThumb struct{}

func (crossThumb) Thumbnail(c *draw.Canvas) {
	pt := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	r := min(c.Max.Y-c.Min.Y, c.Max.X-c.Min.X) / 2
	thickCross{width: vg.Points(2.5)}.DrawGlyph(c, draw.GlyphStyle{Color: color.Black, Radius: r}, pt)
}
