package main

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PNG geometry: pixels at a screen resolution, so the file views at 1:1.
const (
	pngDPI    = 96
	pngWidth  = 880
	pngHeight = 560
)

func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / pngDPI }

// sans reads better than gonum/plot's default serif face at chart sizes.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// seriesStyle gives each engine and device a fixed look: this engine solid,
// PyTorch dashed; blue/orange on the CPU, green/red on CUDA (matplotlib's
// tab10 colours, which readers know).
func seriesStyle(engine, device string) (color.RGBA, draw.GlyphDrawer, []vg.Length) {
	var dashes []vg.Length
	if engine == "pytorch" {
		dashes = []vg.Length{px(7), px(4)}
	}
	switch {
	case engine == "ember" && device == "cpu":
		return color.RGBA{0x1f, 0x77, 0xb4, 0xff}, draw.CircleGlyph{}, dashes
	case engine == "pytorch" && device == "cpu":
		return color.RGBA{0xff, 0x7f, 0x0e, 0xff}, draw.BoxGlyph{}, dashes
	case engine == "ember":
		return color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, draw.TriangleGlyph{}, dashes
	default:
		return color.RGBA{0xd6, 0x27, 0x28, 0xff}, draw.PyramidGlyph{}, dashes
	}
}

// seriesName is the legend entry of one engine on one device.
func seriesName(rep *Report, engine, device string) string {
	dev := strings.ToUpper(device)
	if engine == "pytorch" {
		name := "PyTorch"
		if rep.PyTorch.Version != "" {
			name += " " + rep.PyTorch.Version
		}
		if device == "cpu" && rep.PyTorch.Threads > 0 {
			return fmt.Sprintf("%s, CPU (%s)", name, plural(rep.PyTorch.Threads, "thread"))
		}
		return name + ", " + dev
	}
	if device == "cpu" {
		return "Ember, CPU (" + strings.SplitN(rep.Machine.GEMM, " ", 2)[0] + " GEMM)"
	}
	return "Ember, " + dev
}

// plotThroughput draws sequences per second against batch size, one line
// per engine and device, and writes it to path as PNG.
//
// The title, legend and y-axis label are laid out by hand around the plot:
// gonum/plot draws its legend over the data, where grid lines run through
// it, and reserves room for the y label at the arithmetic middle of the
// range, which on a log axis is near the top and squashes the data area.
func plotThroughput(path string, rep *Report) (err error) {
	type key struct{ engine, device, mode string }
	var order []key
	series := map[key]plotter.XYs{}
	for _, r := range rep.Results {
		if !r.OK || !(r.SeqPerS > 0) || math.IsInf(r.SeqPerS, 0) {
			continue
		}
		k := key{r.Engine, r.Device, r.Mode}
		if _, ok := series[k]; !ok {
			order = append(order, k)
		}
		series[k] = append(series[k], plotter.XY{X: float64(r.Batch), Y: r.SeqPerS})
	}
	if len(order) == 0 {
		return errors.New("plot: no successful runs to draw")
	}

	p := plot.New()
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 11)
		ax.Tick.Label.Font = font.From(sans, 10)
		ax.Label.Padding = px(4)
	}
	p.X.Label.Text = "batch size (sequences per step, log scale)"

	// Horizontal rules only: vertical ones add nothing at a few batch sizes.
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = color.Gray{0xe4}
	p.Add(grid)

	// The batch sizes are the only meaningful x values: tick exactly those,
	// on a log axis so 10, 64 and 256 are evenly readable.
	var batches []float64
	yMin, yMax := math.Inf(1), 0.0
	for _, k := range order {
		for _, pt := range series[k] {
			batches = append(batches, pt.X)
			yMin, yMax = min(yMin, pt.Y), max(yMax, pt.Y)
		}
	}
	slices.Sort(batches)
	batches = slices.Compact(batches)
	var ticks []plot.Tick
	for _, b := range batches {
		ticks = append(ticks, plot.Tick{Value: b, Label: strconv.Itoa(int(b))})
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = batches[0]/1.6, batches[len(batches)-1]*1.6
	if yMax/yMin > 30 {
		// CPU and GPU figures together span orders of magnitude.
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.TickerFunc(logTicks125)
		p.Y.Min, p.Y.Max = yMin/1.5, yMax*1.5
	} else {
		p.Y.Tick.Marker = plot.TickerFunc(linearTicks)
		p.Y.Min, p.Y.Max = 0, yMax*1.08
	}

	type entry struct {
		name   string
		thumbs []plot.Thumbnailer
	}
	var legend []entry
	for _, k := range order {
		xy := series[k]
		slices.SortFunc(xy, func(a, b plotter.XY) int { return int(a.X - b.X) })
		line, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return fmt.Errorf("plot %s %s: %w", k.engine, k.device, err)
		}
		c, glyph, dashes := seriesStyle(k.engine, k.device)
		name := seriesName(rep, k.engine, k.device)
		width := px(2.2)
		if k.mode == "packed" {
			// Packed runs: the engine's colour and dashes, a heavier line
			// and larger marks (packed is far above padded anyway).
			width, name = px(3.4), name+", packed"
		}
		line.Color, line.Width, line.Dashes = c, width, dashes
		pts.Color, pts.Shape, pts.Radius = c, glyph, px(4.5)
		if k.mode == "packed" {
			pts.Radius = px(6)
		}
		p.Add(line, pts)
		legend = append(legend, entry{name, []plot.Thumbnailer{line, pts}})
	}

	canvas := vgimg.NewWith(vgimg.UseWH(px(pngWidth), px(pngHeight)), vgimg.UseDPI(pngDPI))
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	// gonum/plot panics on some degenerate inputs; the data is checked
	// above, and anything that still escapes becomes an error, not a crash.
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("plot: drawing failed: %v", r)
			}
		}()
		area := draw.Crop(dc, px(10), -px(18), px(8), -px(10))
		top := area.Max.Y

		// Title: two centred lines.
		title := textStyle(13)
		sub := textStyle(10.5)
		sub.Color = color.Gray{0x55}
		top -= title.FontExtents().Height
		area.FillText(title, vg.Point{X: area.Center().X, Y: top}, fmt.Sprintf("SMS-spam %s training throughput (higher is better)", modelName(rep.Settings.Model)))
		top -= sub.FontExtents().Height + px(4)
		area.FillText(sub, vg.Point{X: area.Center().X, Y: top}, fmt.Sprintf("%s, %d cores; %s; git %s",
			rep.Machine.CPUModel, rep.Machine.Cores, dateOnly(rep.Date), rep.GitCommit))

		// Legend: centred rows under the title, as many entries to a row
		// as fit the width.
		lsty := textStyle(10)
		lsty.XAlign = draw.XLeft
		thumbW, gap, sep, rowH := px(34), px(6), px(24), px(18)
		width := func(e entry) vg.Length { return thumbW + gap + lsty.Width(e.name) }
		var rows [][]entry
		var rowW []vg.Length
		for _, e := range legend {
			n := len(rows)
			if n == 0 || rowW[n-1]+sep+width(e) > area.Size().X {
				rows, rowW = append(rows, nil), append(rowW, -sep)
				n++
			}
			rows[n-1] = append(rows[n-1], e)
			rowW[n-1] += sep + width(e)
		}
		top -= px(10)
		for i, row := range rows {
			top -= rowH
			x := area.Center().X - rowW[i]/2
			for _, e := range row {
				icon := draw.Canvas{Canvas: area.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: x, Y: top}, Max: vg.Point{X: x + thumbW, Y: top + rowH},
				}}
				for _, t := range e.thumbs {
					t.Thumbnail(&icon)
				}
				area.FillText(lsty, vg.Point{X: x + thumbW + gap, Y: top + rowH/2}, e.name)
				x += width(e) + sep
			}
		}

		// The plot below, with the y label rotated along its left edge.
		ylab := textStyle(11)
		ylab.Rotation = math.Pi / 2
		labelW := ylab.FontExtents().Height
		body := draw.Crop(area, labelW+px(6), 0, 0, -(area.Max.Y-top)-px(10))
		p.Draw(body)
		area.FillText(ylab, vg.Point{X: area.Min.X + labelW/2, Y: body.Center().Y}, "training throughput (sequences / s)")
	}()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	return nil
}

// textStyle is centred sans text of the given size in points.
func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(sans, size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// linearTicks labels multiples of a round step (1, 2 or 5 times a power of
// ten) giving about five labels, with unlabelled ticks halfway between:
// gonum's default ticks can land on steps such as 90.
func linearTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return nil
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / step * 2); i/2*step <= hi; i++ {
		v := i / 2 * step
		t := plot.Tick{Value: v}
		if int(i)%2 == 0 {
			t.Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// logTicks125 labels 1, 2 and 5 times each power of ten in [lo, hi] and
// marks the other integer multiples as minor ticks: gonum's LogTicks labels
// only the powers of ten, too few when the range spans one or two decades.
func logTicks125(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// dateOnly shortens an RFC 3339 time to the date and minute.
func dateOnly(rfc3339 string) string {
	if len(rfc3339) >= 16 {
		return strings.Replace(rfc3339[:16], "T", " ", 1)
	}
	return rfc3339
}
