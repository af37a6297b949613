package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
)

// twoColourPNG writes a 60×20 PNG: 40 columns of #d04010, 20 of #2050a0.
func twoColourPNG(t *testing.T) string {
	img := image.NewNRGBA(image.Rect(0, 0, 60, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 60; x++ {
			c := color.NRGBA{R: 0xd0, G: 0x40, B: 0x10, A: 0xff}
			if x >= 40 {
				c = color.NRGBA{R: 0x20, G: 0x50, B: 0xa0, A: 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "two.png")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return path
}

func TestPaletteCoffee(t *testing.T) {
	coffee := shareddata.TestPath(t, "images", "coffee.png")
	swatch := filepath.Join(t.TempDir(), "coffee-swatch.png")
	// Options after the image name, as users type them.
	code, out, errOut := runCmd(t, "palette", coffee, "--k", "5", "--swatch", swatch, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(600×400), shrunk to 200×133; 26600 pixels clustered\n")
	require.Contains(t, out, "wrote "+swatch)

	var res paletteResult
	decodeLastLine(t, out, &res)
	require.Len(t, res.Colours, 5)
	require.Equal(t, 26600, res.Pixels)
	total := 0.0
	for i, c := range res.Colours {
		require.Regexp(t, `^#[0-9a-f]{6}$`, c.Hex)
		require.Contains(t, out, c.Hex)
		total += c.Fraction
		if i > 0 {
			require.GreaterOrEqual(t, res.Colours[i-1].Pixels, c.Pixels)
		}
	}
	require.InDelta(t, 1, total, 1e-12)
	requirePNG(t, swatch)
}

func TestPaletteExactColours(t *testing.T) {
	path := twoColourPNG(t)
	code, out, errOut := runCmd(t, "palette", "--k", "2", "--max-side", "0", "--json", path)
	require.Equal(t, 0, code, errOut)
	var res paletteResult
	decodeLastLine(t, out, &res)
	require.Equal(t, []paletteColour{
		{Hex: "#d04010", Fraction: 800.0 / 1200, Pixels: 800},
		{Hex: "#2050a0", Fraction: 400.0 / 1200, Pixels: 400},
	}, res.Colours)
	require.Equal(t, 60, res.ClusterWidth)
}

// Half-transparent pixels are clustered, fully transparent ones are not,
// and the summary says so instead of calling them all opaque.
func TestPaletteTransparency(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	for y := 0; y < 10; y++ {
		for x := 0; x < 20; x++ {
			a := uint8(0xff)
			switch {
			case x >= 15:
				a = 0
			case x >= 10:
				a = 0x80
			}
			c := color.NRGBA{R: 0x10, G: 0x90, B: 0x30, A: a}
			if y >= 5 {
				c.R = 0xf0
			}
			img.SetNRGBA(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "logo.png")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	code, out, errOut := runCmd(t, "palette", path, "--k", "2", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "(20×10); 150 of its 200 pixels clustered (fully transparent ones left out)\n")
	var res paletteResult
	decodeLastLine(t, out, &res)
	require.Equal(t, 150, res.Pixels)
	require.Equal(t, []string{"#109030", "#f09030"}, []string{res.Colours[0].Hex, res.Colours[1].Hex})
}

// TestPaletteFewerColoursThanK: an image with fewer distinct colours than
// --k gets those colours as its palette, and a note says so (in English
// for one colour: it said "only 1 distinct colours: the palette is those 1").
func TestPaletteFewerColoursThanK(t *testing.T) {
	two := twoColourPNG(t)
	one := flatPNG(t, "flat.png", color.NRGBA{R: 0x20, G: 0x50, B: 0xa0, A: 0xff})
	tests := []struct {
		name, image, k string
		note           string // "": none
		colours        []string
	}{
		{"two colours", two, "3", "note: the image has only 2 distinct colours: the palette is those 2, not 3\n", []string{"#d04010", "#2050a0"}},
		{"one colour", one, "3", "note: the image has only one colour: the palette is that colour, not 3\n", []string{"#2050a0"}},
		{"one colour asked for", one, "1", "", []string{"#2050a0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "palette", tc.image, "--k", tc.k, "--json")
			require.Equal(t, 0, code, errOut)
			require.Equal(t, tc.note, errOut)
			var res paletteResult
			decodeLastLine(t, out, &res)
			var hexes []string
			for _, c := range res.Colours {
				hexes = append(hexes, c.Hex)
			}
			require.Equal(t, tc.colours, hexes)
		})
	}
}

// flatPNG writes a 10×10 PNG of one colour.
func flatPNG(t *testing.T, name string, c color.NRGBA) string {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	for y := 0; y < 10; y++ {
		for x := 0; x < 10; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return path
}

func TestPaletteBadInput(t *testing.T) {
	notImage := writeFile(t, "notes.jpg", "these are not pixels\n")
	two := twoColourPNG(t)
	clear := flatPNG(t, "clear.png", color.NRGBA{})
	tests := []cliErrorCase{
		{"unreadable image", []string{notImage}, []string{notImage, "not a PNG or JPEG image"}},
		// It said "kmeans: palette: every pixel of the image is fully transparent".
		{"fully transparent image", []string{clear}, []string{"ember palette: " + clear + ": every pixel is fully transparent: there is no colour to cluster\n"}},
	}
	// Bad flags: exit status 2, before the image is read.
	usage := []cliErrorCase{
		{"missing image", []string{filepath.Join(t.TempDir(), "gone.png")}, []string{"gone.png: no such file"}},
		{"no image", []string{"--k", "3"}, []string{"no image given"}},
		{"two images", []string{two, two}, []string{"one image at a time"}},
		{"k zero", []string{two, "--k", "0"}, []string{"--k 0: must be 1 to 1000"}},
		{"negative max-side", []string{two, "--max-side", "-1"}, []string{"--max-side -1: must be 0 to 100000"}},
		{"swatch not png", []string{two, "--swatch", "out.jpg"}, []string{"--swatch out.jpg: must end in .png"}},
		{"swatch over the image", []string{two, "--swatch", two}, []string{"--swatch " + two + ": is an input of this command; writing it would replace the input"}},
		{"bad flag", []string{two, "--colours", "3"}, []string{"flag provided but not defined: --colours"}},
		// Before the clustering, which takes a minute at --k 1000.
		{"swatch of too many colours", []string{two, "--k", "65", "--swatch", filepath.Join(t.TempDir(), "s.png")}, []string{"--swatch draws at most 64 colours, and --k is 65"}},
	}
	runCLIErrorCases(t, "palette", 2, false, usage)
	runCLIErrorCases(t, "palette", 1, false, tests)
}
