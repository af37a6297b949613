package kmeans

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
)

// stripes is a 100×10 image: 50 columns red, 30 blue, 20 transparent
// green (which must not count).
func stripes() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 100, 10))
	for y := 0; y < 10; y++ {
		for x := 0; x < 100; x++ {
			c := color.NRGBA{R: 200, G: 10, B: 20, A: 255}
			switch {
			case x >= 80:
				c = color.NRGBA{G: 255, A: 0}
			case x >= 50:
				c = color.NRGBA{R: 16, G: 32, B: 250, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func writeImage(t *testing.T, name string, img image.Image) string {
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(t, err)
	if filepath.Ext(name) == ".jpg" {
		require.NoError(t, jpeg.Encode(f, img, &jpeg.Options{Quality: 100}))
	} else {
		require.NoError(t, png.Encode(f, img))
	}
	require.NoError(t, f.Close())
	return path
}

func TestPaletteSkipsTransparentPixels(t *testing.T) {
	path := writeImage(t, "stripes.png", stripes())
	cols, err := Palette(path, 2, PaletteOptions{Seed: 3})
	require.NoError(t, err)
	require.Equal(t, []Colour{
		{Hex: "#c80a14", R: 200, G: 10, B: 20, Pixels: 500, Fraction: 0.625},
		{Hex: "#1020fa", R: 16, G: 32, B: 250, Pixels: 300, Fraction: 0.375},
	}, cols)

	// Only two opaque colours: a palette of three is those two, exactly.
	cols3, err := Palette(path, 3, PaletteOptions{Seed: 3})
	require.NoError(t, err)
	require.Equal(t, cols, cols3)
}

func TestPaletteJPEGAndDownscale(t *testing.T) {
	// JPEG is lossy, so colours come back close, not exact.
	path := writeImage(t, "stripes.jpg", stripes())
	cols, err := Palette(path, 3, PaletteOptions{MaxSide: 50, Seed: 1})
	require.NoError(t, err)
	require.Len(t, cols, 3)
	total := 0.0
	for i, c := range cols {
		total += c.Fraction
		if i > 0 {
			require.GreaterOrEqual(t, cols[i-1].Pixels, c.Pixels, "sorted by size")
		}
	}
	require.InDelta(t, 1, total, 1e-12)
	// The largest cluster is the red half (JPEG drops alpha, so the
	// transparent stripe is an opaque colour here).
	require.InDelta(t, 200, int(cols[0].R), 12)
	require.InDelta(t, 0.5, cols[0].Fraction, 0.06)
}

func TestDownscale(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 100))
	require.Equal(t, image.Rect(0, 0, 100, 25), Downscale(img, 100).Bounds())
	require.Equal(t, image.Rect(0, 0, 200, 50), Downscale(img, 200).Bounds())
	require.Same(t, img, Downscale(img, 400))
	require.Same(t, img, Downscale(img, 0))
	tall := image.NewRGBA(image.Rect(0, 0, 3, 1000))
	require.Equal(t, image.Rect(0, 0, 1, 300), Downscale(tall, 300).Bounds())

	// A uniform colour stays that colour.
	src := stripes()
	small := Downscale(src, 10).(*image.NRGBA)
	require.Equal(t, color.NRGBA{R: 200, G: 10, B: 20, A: 255}, small.NRGBAAt(1, 0))
}

func TestPaletteErrors(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.png")
	require.NoError(t, os.WriteFile(notImage, []byte("just some text\n"), 0o644))
	truncated := filepath.Join(dir, "cut.png")
	full, err := os.ReadFile(writeImage(t, "full.png", stripes()))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(truncated, full[:len(full)/2], 0o644))
	transparent := writeImage(t, "clear.png", image.NewNRGBA(image.Rect(0, 0, 4, 4)))

	tests := []struct {
		name, path string
		k          int
		opts       PaletteOptions
		msg        []string
	}{
		{"missing", filepath.Join(dir, "nope.png"), 3, PaletteOptions{}, []string{"nope.png", "no such file"}},
		{"not an image", notImage, 3, PaletteOptions{}, []string{notImage, "not a PNG or JPEG image"}},
		{"truncated", truncated, 3, PaletteOptions{}, []string{truncated, "cannot decode image"}},
		{"all transparent", transparent, 3, PaletteOptions{}, []string{transparent, "every pixel of the image is fully transparent"}},
		{"bad k", writeImage(t, "ok.png", stripes()), 0, PaletteOptions{}, []string{"K = 0"}},
		{"bad max side", writeImage(t, "ok2.png", stripes()), 2, PaletteOptions{MaxSide: -1}, []string{"MaxSide = -1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Palette(tc.path, tc.k, tc.opts)
			require.Error(t, err)
			for _, s := range tc.msg {
				require.ErrorContains(t, err, s)
			}
		})
	}
}

func TestPaletteOfLogo(t *testing.T) {
	// The shared data README reports the logo as about 30% white and 29%
	// green (3-bit bins); the three-colour palette must agree.
	path := shareddata.TestPath(t, "images", "skimage_logo.png")
	cols, err := Palette(path, 3, PaletteOptions{MaxSide: 200, Seed: 1})
	require.NoError(t, err)
	byName := map[string]Colour{}
	for _, c := range cols {
		switch {
		case c.R > 240 && c.G > 240 && c.B > 240:
			byName["white"] = c
		case c.G > c.R && c.G > c.B:
			byName["green"] = c
		case c.R > c.G && c.G > c.B:
			byName["orange"] = c
		}
	}
	require.Len(t, byName, 3, "palette %v", cols)
	require.InDelta(t, 0.30, byName["white"].Fraction, 0.05)
	require.InDelta(t, 0.33, byName["green"].Fraction, 0.06)
}
