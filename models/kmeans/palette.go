package kmeans

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the decoders LoadImage accepts
	_ "image/png"
	"math"
	"os"
	"slices"

	"golang.org/x/image/draw"
)

// Colour is one palette entry: a cluster centre rounded to 8-bit RGB.
type Colour struct {
	Hex      string  // "#rrggbb"
	R, G, B  uint8   // the same colour as numbers
	Pixels   int     // clustered pixels assigned to this colour
	Fraction float64 // Pixels / all clustered pixels
}

// PaletteOptions tunes Palette. The zero value clusters the image at full
// size with the KMeans defaults and seed 0.
type PaletteOptions struct {
	// MaxSide, when positive, first shrinks the image (bilinear filter,
	// aspect ratio kept) so that its longer side is at most MaxSide
	// pixels. Clustering 200×200 instead of 4000×3000 pixels changes the
	// palette little and the run time a lot.
	MaxSide int
	Seed    uint64
	NInit   int // 0 means DefaultNInit
	MaxIter int // 0 means DefaultMaxIter
}

// LoadImage decodes a PNG or JPEG file. The error names the file and says
// whether it could not be read or is not an image in a supported format.
func LoadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError already names the file
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("%s: not a PNG or JPEG image", path)
		}
		return nil, fmt.Errorf("%s: cannot decode image: %w", path, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Errorf("%s: %s image has no pixels", path, format)
	}
	return img, nil
}

// Downscale returns img shrunk with a bilinear (tent) filter so that its
// longer side is maxSide, or img itself when it is already small enough or
// maxSide <= 0. The filter averages over the whole footprint of each output
// pixel, so thin details still contribute their colour.
func Downscale(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if maxSide <= 0 || max(w, h) <= maxSide {
		return img
	}
	scale := float64(maxSide) / float64(max(w, h))
	nw := max(1, int(math.Round(float64(w)*scale)))
	nh := max(1, int(math.Round(float64(h)*scale)))
	dst := image.NewNRGBA(image.Rect(0, 0, nw, nh))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// Pixels returns the RGB values (0..255, non-premultiplied) of every pixel
// that is not fully transparent, row by row, as n×3 float32, and n.
// Transparent pixels are skipped: their colour channels are meaningless.
func Pixels(img image.Image) ([]float32, int) {
	b := img.Bounds()
	out := make([]float32, 0, 3*b.Dx()*b.Dy())
	add := func(c color.NRGBA) {
		if c.A != 0 {
			out = append(out, float32(c.R), float32(c.G), float32(c.B))
		}
	}
	switch im := img.(type) {
	case *image.NRGBA:
		// Fast path for the common decoded and downscaled form.
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				add(im.NRGBAAt(x, y))
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				add(color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA))
			}
		}
	}
	return out, len(out) / 3
}

// Palette reads the image at path and returns its k dominant colours,
// largest cluster first (fewer when the image has fewer distinct colours:
// each of them): the image is optionally downscaled
// (opts.MaxSide), its pixels that are not fully transparent are clustered in RGB with k-means, and
// each centre becomes a colour with its share of the pixels. Errors name
// the file.
func Palette(path string, k int, opts PaletteOptions) ([]Colour, error) {
	img, err := LoadImage(path)
	if err != nil {
		return nil, err
	}
	cols, err := PaletteOf(img, k, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cols, nil
}

// ErrAllTransparent is PaletteOf's error for an image with no pixel to
// cluster.
var ErrAllTransparent = errors.New("kmeans: palette: every pixel of the image is fully transparent")

// PaletteOf is Palette for an image already in memory.
func PaletteOf(img image.Image, k int, opts PaletteOptions) ([]Colour, error) {
	if opts.MaxSide < 0 {
		return nil, fmt.Errorf("kmeans: palette MaxSide = %d; must be >= 0", opts.MaxSide)
	}
	px, n := Pixels(Downscale(img, opts.MaxSide))
	if n == 0 {
		return nil, ErrAllTransparent
	}
	// An image with fewer distinct colours than k has those colours as its
	// palette (k-means with one cluster per colour puts each centre on one),
	// as palette tools return fewer colours rather than fail; Fit itself
	// refuses more clusters than distinct points.
	if distinct := countDistinct(px, 3, k); distinct < k {
		k = distinct
	}
	m := New(k)
	m.Seed = opts.Seed
	if opts.NInit != 0 {
		m.NInit = opts.NInit
	}
	if opts.MaxIter != 0 {
		m.MaxIter = opts.MaxIter
	}
	if err := m.FitFloat32(px, n, 3); err != nil {
		return nil, err
	}
	sizes := m.Sizes()
	out := make([]Colour, k)
	for j, c := range m.Centroids() {
		r, g, b := channel(c[0]), channel(c[1]), channel(c[2])
		out[j] = Colour{
			Hex: fmt.Sprintf("#%02x%02x%02x", r, g, b),
			R:   r, G: g, B: b,
			Pixels:   sizes[j],
			Fraction: float64(sizes[j]) / float64(n),
		}
	}
	slices.SortStableFunc(out, func(a, b Colour) int {
		if c := cmp.Compare(b.Pixels, a.Pixels); c != 0 {
			return c
		}
		return cmp.Compare(a.Hex, b.Hex)
	})
	return out, nil
}

// channel rounds a centre coordinate to 0..255; a mean of values in range
// stays in range, the clamp only guards rounding.
func channel(v float64) uint8 {
	return uint8(min(255, max(0, math.Round(v))))
}
