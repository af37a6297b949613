package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MaxSwatch bounds the colours in one swatch; beyond it the labels would
// not fit even at the widest image.
const MaxSwatch = 64

// Swatch draws a colour palette, such as the k-means palette of an image:
// a bar split in proportion to each colour's share, and under it one tile
// per colour labelled with its hex code and share in percent. hexColours
// are "#rrggbb" (or "rrggbb", "#rgb"); fractions are each colour's share,
// normalised by their sum (so pixel counts work too). It errors on no
// colours, more than 64, mismatched lengths, an unparsable colour, or a
// negative, non-finite or all-zero fraction.
func Swatch(path string, hexColours []string, fractions []float64, title string) error {
	k := len(hexColours)
	if k == 0 {
		return errors.New("plots: Swatch: no colours")
	}
	if k > MaxSwatch {
		return fmt.Errorf("plots: Swatch: %d colours; at most %d fit", k, MaxSwatch)
	}
	if len(fractions) != k {
		return fmt.Errorf("plots: Swatch: %d colours but %d fractions", k, len(fractions))
	}
	cols := make([]color.RGBA, k)
	for i, h := range hexColours {
		c, err := ParseHex(h)
		if err != nil {
			return fmt.Errorf("plots: Swatch: colour %d: %w", i, err)
		}
		cols[i] = c
	}
	var total float64
	for i, f := range fractions {
		if !(f >= 0) || math.IsInf(f, 0) {
			return fmt.Errorf("plots: Swatch: fractions[%d] = %v; shares must be finite and non-negative", i, f)
		}
		total += f
	}
	if total == 0 {
		return errors.New("plots: Swatch: every fraction is zero")
	}

	tileW := math.Max(60, math.Min(130, 1200/float64(k)))
	w := int(math.Max(520, tileW*float64(k)+40))
	h := 300
	if title == "" {
		h = 270
	}
	return savePNG(path, w, h, func(dc draw.Canvas) {
		dc = draw.Crop(dc, px(20), -px(20), px(16), -px(12))
		if title != "" {
			ts := textStyle(14, color.Black)
			ts.YAlign = draw.YTop
			dc.FillText(ts, vg.Point{X: dc.Center().X, Y: dc.Max.Y}, title)
			dc.Max.Y -= ts.Height(title) + px(14)
		}
		width := dc.Max.X - dc.Min.X
		frame := draw.LineStyle{Color: color.Gray{Y: 0xc8}, Width: px(1)}

		// Proportional bar: the palette as it is spread over the image.
		barH := px(56)
		x := dc.Min.X
		top := dc.Max.Y
		for i, c := range cols {
			share := vg.Length(fractions[i] / total)
			dc.FillPolygon(c, rect(x, top-barH, x+width*share, top))
			x += width * share
		}
		dc.StrokeLines(frame, rectLine(dc.Min.X, top-barH, dc.Max.X, top))
		caption := textStyle(10, color.Gray{Y: 0x55})
		caption.YAlign = draw.YTop
		caption.XAlign = draw.XLeft
		dc.FillText(caption, vg.Point{X: dc.Min.X, Y: top - barH - px(6)}, "share of pixels")

		// Tiles with their codes, in the given order.
		tilesTop := top - barH - px(34)
		gap := px(6)
		tw := (width - gap*vg.Length(k-1)) / vg.Length(k)
		tileH := tilesTop - dc.Min.Y - px(40)
		size := vg.Length(math.Max(8, math.Min(12, float64(tw)/6.5)))
		for i, c := range cols {
			x0 := dc.Min.X + vg.Length(i)*(tw+gap)
			dc.FillPolygon(c, rect(x0, dc.Min.Y+px(40), x0+tw, tilesTop))
			dc.StrokeLines(frame, rectLine(x0, dc.Min.Y+px(40), x0+tw, tilesTop))
			pct := 100 * fractions[i] / total
			// The share inside the tile, legible on its colour.
			in := textStyle(size+2, textOn(c))
			dc.FillText(in, vg.Point{X: x0 + tw/2, Y: dc.Min.Y + px(40) + tileH/2}, formatPercent(pct))
			below := textStyle(size, color.Black)
			below.YAlign = draw.YTop
			below.Font = font.From(font.Font{Typeface: "Liberation", Variant: "Mono"}, size)
			dc.FillText(below, vg.Point{X: x0 + tw/2, Y: dc.Min.Y + px(32)}, hexString(c))
		}
	})
}

func rect(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}

func rectLine(x0, y0, x1, y1 vg.Length) []vg.Point {
	return append(rect(x0, y0, x1, y1), vg.Point{X: x0, Y: y0})
}

// formatPercent shows small shares with more precision, so a 0.4% accent
// colour does not read as 0%.
func formatPercent(p float64) string {
	switch {
	case p == 0:
		return "0%"
	case p < 1:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
}

// ParseHex parses a colour written as "#rrggbb", "rrggbb", "#rgb" or "rgb"
// (case-insensitive) into an opaque RGBA.
func ParseHex(s string) (color.RGBA, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return color.RGBA{}, fmt.Errorf("%q is not a hex colour like #1f77b4", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.RGBA{}, fmt.Errorf("%q is not a hex colour like #1f77b4", s)
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}, nil
}

func hexString(c color.RGBA) string {
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}
