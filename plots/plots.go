// Package plots draws the charts Ember's models report with, as PNG files
// made with gonum.org/v1/plot: a confusion-matrix heat map, a 2-D decision
// boundary, training curves (loss and accuracy per epoch), a binary
// classifier's ROC and precision-recall curves (with the operating point of
// a decision threshold marked, by the ...At forms), feature importances and
// a colour palette swatch.
//
// Every function validates its input and returns an error naming the
// offending argument, index or value; none panics on bad input. Charts are
// always written as PNG, so a file's path must end in ".png"; an existing
// device or FIFO (/dev/null, a pipe a viewer reads) is written into
// whatever its name (see package internal/atomicfile).
package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/emberml/ember/internal/atomicfile"
)

// dpi is the resolution of every PNG: sizes below are in pixels.
const dpi = 96

// sans is the typeface for all text. gonum/plot defaults to a serif face;
// sans reads better at chart sizes. It is set per plot rather than through
// plot.DefaultFont so as not to change other packages' plots.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// px converts pixels at dpi to vg lengths (points).
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// textStyle is a sans text style of the given size in points.
func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(sans, size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot is plot.New with sans text at readable sizes and a light grid
// colour scheme shared by all charts.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 14)
	p.Title.Padding = px(10)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 12)
		ax.Tick.Label.Font = font.From(sans, 10)
		ax.Label.Padding = px(4)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.TextStyle.Font = font.From(sans, 10)
	return p
}

// savePNG draws onto a wPx×hPx canvas and writes it to path as PNG. gonum
// plot panics on some degenerate inputs; callers validate first, and a
// panic that still escapes is returned as an error rather than crashing the
// program.
func savePNG(path string, wPx, hPx int, drawFn func(dc draw.Canvas)) (err error) {
	if err := checkPath(path); err != nil {
		return err
	}
	c := vgimg.NewWith(vgimg.UseWH(px(float64(wPx)), px(float64(hPx))), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("plots: drawing %s failed: %v", path, r)
			}
		}()
		drawFn(dc)
	}()
	if err != nil {
		return err
	}
	// Written atomically: a failed or interrupted write leaves no partial
	// PNG behind (and an older chart at path intact).
	if err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	return nil
}

// checkPath refuses an empty path and a file not named *.png. A target
// written in place has a name the caller does not choose (/dev/null), so
// the extension rule, which is there to keep a file's name true to its
// format, does not apply to it.
func checkPath(path string) error {
	if path == "" {
		return errors.New("plots: empty output path")
	}
	if atomicfile.InPlace(path) {
		return nil
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".png" {
		return fmt.Errorf("plots: output %q must end in .png (charts are written as PNG)", path)
	}
	return nil
}

// checkSeries reports the first non-finite value of a named series.
func checkSeries(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("plots: %s[%d] is %v; values must be finite", name, i, x)
		}
	}
	return nil
}

// Colours shared by the charts: the first ten are matplotlib's "tab10", the
// de-facto standard categorical palette, so classes look as readers expect.
var classColours = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

func classColour(i int) color.RGBA { return classColours[i%len(classColours)] }

// lerp mixes a and b: t=0 gives a, t=1 gives b.
func lerp(a, b color.RGBA, t float64) color.RGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + t*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), mix(a.A, b.A)}
}

// ramp returns a colour map through the given stops, evenly spaced on
// [0, 1], sampled at n colours.
func ramp(n int, stops ...color.RGBA) []color.Color {
	out := make([]color.Color, n)
	for i := range out {
		t := float64(i) / float64(n-1) * float64(len(stops)-1)
		k := min(int(t), len(stops)-2)
		out[i] = lerp(stops[k], stops[k+1], t-float64(k))
	}
	return out
}

// luminance is the relative luminance (WCAG) of c, used to pick black or
// white text that stays legible on it.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// textOn returns black or white, whichever contrasts more with bg.
func textOn(bg color.Color) color.Color {
	// Contrast with black is (L+0.05)/0.05, with white 1.05/(L+0.05); they
	// are equal at L ≈ 0.179.
	if luminance(bg) > 0.179 {
		return color.Black
	}
	return color.White
}

// colours is a fixed list of colours as a gonum palette.Palette.
type colours []color.Color

func (p colours) Colors() []color.Color { return p }

// fitTitle breaks p's title into lines where it is wider than c, the
// canvas p is to be drawn on: centred, a long title (a target column's
// name, a file's) was cut off at both edges. Called before anything that
// reads p.DataCanvas(c), which the title's height moves.
func fitTitle(p *plot.Plot, c draw.Canvas) {
	p.Title.Text = wrapText(p.Title.Text, p.Title.TextStyle, c.Rectangle.Size().X-2*px(8))
}

// wrapText breaks s at spaces into lines no wider than width in style
// sty, greedily; a word wider than width keeps a line of its own.
func wrapText(s string, sty text.Style, width vg.Length) string {
	if s == "" || sty.Width(s) <= width {
		return s
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			switch {
			case line == "":
				line = w
			case sty.Width(line+" "+w) <= width:
				line += " " + w
			default:
				lines = append(lines, line)
				line = w
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
