package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // LoadImage reads JPEG too; DecodeConfig needs the decoders
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/internal/atomicfile"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/sysmem"
	"github.com/emberml/ember/models/kmeans"
	"github.com/emberml/ember/plots"
)

func init() {
	register("palette", "extract the dominant colours of a PNG or JPEG image with k-means", runPalette)
}

// paletteResult is the --json summary, one object on the last line.
type paletteResult struct {
	Image         string          `json:"image"`
	Width         int             `json:"width"`
	Height        int             `json:"height"`
	ClusterWidth  int             `json:"cluster_width"`
	ClusterHeight int             `json:"cluster_height"`
	Pixels        int             `json:"pixels"` // pixels clustered: all but fully transparent ones
	K             int             `json:"k"`      // as asked; Colours has fewer when the image has fewer distinct colours
	Seed          uint64          `json:"seed"`
	Colours       []paletteColour `json:"colours"`
	Swatch        string          `json:"swatch,omitempty"`
}

type paletteColour struct {
	Hex      string  `json:"hex"`
	Fraction float64 `json:"fraction"`
	Pixels   int     `json:"pixels"`
}

func runPalette(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("palette", stdout,
		"usage: ember palette IMAGE [--k 6] [--max-side 200] [--seed 1] [--swatch FILE.png] [--json]\n"+
			"\nClusters the pixels of a PNG or JPEG image (all but fully transparent ones) in RGB\n"+
			"with k-means and prints the cluster colours as hex codes, largest share first.\n")
	fs.Args(cli.ArgSpec{Name: "image", Min: 1, Max: 1, Inputs: true, Interleaved: true})
	k := fs.Int("k", 6, 1, 1000, "number of colours")
	maxSide := fs.Int("max-side", 200, 0, 100_000, "shrink the image so its longer side is at most this many pixels before clustering (0: full size)")
	seed := fs.Uint64("seed", 1, "random seed for k-means++")
	nInit := fs.Int("n-init", kmeans.DefaultNInit, 1, 1000, "k-means++ restarts; the lowest inertia wins")
	swatch := fs.Output("swatch", "", "write a swatch of the palette to this PNG `file` (its name ends in .png)", cli.Ext(".png"))
	asJSON := fs.Bool("json", false, "print the palette as one JSON object on the last line")
	fs.Check(func() error {
		// Refused here, not after clustering (a minute at --k 1000).
		if *swatch != "" && *k > plots.MaxSwatch {
			return fmt.Errorf("--swatch draws at most %d colours, and --k is %d", plots.MaxSwatch, *k)
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := fs.Arg()[0]
	if err := checkImageFits(path); err != nil {
		return err
	}

	img, err := kmeans.LoadImage(path)
	if err != nil {
		return err
	}
	small := kmeans.Downscale(img, *maxSide)
	cols, err := kmeans.PaletteOf(small, *k, kmeans.PaletteOptions{Seed: *seed, NInit: *nInit})
	if errors.Is(err, kmeans.ErrAllTransparent) {
		return fmt.Errorf("%s: every pixel is fully transparent: there is no colour to cluster", path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case len(cols) == 1 && *k > 1:
		fmt.Fprintf(stderr, "note: the image has only one colour: the palette is that colour, not %d\n", *k)
	case len(cols) < *k:
		fmt.Fprintf(stderr, "note: the image has only %d distinct colours: the palette is those %d, not %d\n", len(cols), len(cols), *k)
	}
	res := paletteResult{
		Image: path, Width: img.Bounds().Dx(), Height: img.Bounds().Dy(),
		ClusterWidth: small.Bounds().Dx(), ClusterHeight: small.Bounds().Dy(),
		K: *k, Seed: *seed,
	}
	hexes := make([]string, len(cols))
	fracs := make([]float64, len(cols))
	for i, c := range cols {
		res.Pixels += c.Pixels
		res.Colours = append(res.Colours, paletteColour{Hex: c.Hex, Fraction: c.Fraction, Pixels: c.Pixels})
		hexes[i], fracs[i] = c.Hex, c.Fraction
	}
	if *swatch != "" {
		title := fmt.Sprintf("%s: %d-colour k-means palette", filepath.Base(path), len(cols))
		if err := plots.Swatch(*swatch, hexes, fracs, title); err != nil {
			return err
		}
		res.Swatch = *swatch
	}

	printPalette(stdout, res)
	if *asJSON {
		return cli.WriteJSON(stdout, res, nil)
	}
	return nil
}

// bytesPerPixel bounds what decoding and clustering an image take per
// pixel: 16-bit RGBA (8 bytes) decoded, and three float32 channels.
const bytesPerPixel = 8 + 12

// checkImageFits reads only the image's header and refuses an image whose
// pixels would not fit in the memory available (a tiny PNG can claim
// gigapixels).
func checkImageFits(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil // LoadImage says what is wrong with the file
	}
	need := uint64(cfg.Width) * uint64(cfg.Height) * bytesPerPixel
	if avail, ok := sysmem.Available(); ok && need > avail {
		return fmt.Errorf("%s is %d×%d pixels; decoding it needs about %s of memory, and %s is available",
			path, cfg.Width, cfg.Height, sysmem.Format(need), sysmem.Format(avail))
	}
	return nil
}

func printPalette(w io.Writer, r paletteResult) {
	fmt.Fprintf(w, "image: %s (%d×%d)", r.Image, r.Width, r.Height)
	if r.ClusterWidth != r.Width || r.ClusterHeight != r.Height {
		fmt.Fprintf(w, ", shrunk to %d×%d", r.ClusterWidth, r.ClusterHeight)
	}
	if all := r.ClusterWidth * r.ClusterHeight; r.Pixels < all {
		fmt.Fprintf(w, "; %d of its %d pixels clustered (fully transparent ones left out)\n", r.Pixels, all)
	} else {
		fmt.Fprintf(w, "; %d pixels clustered\n", r.Pixels)
	}
	fmt.Fprintf(w, "palette: %d colours, k-means in RGB, seed %d\n\n", len(r.Colours), r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "colour\tshare\tpixels\t")
	for _, c := range r.Colours {
		bar := strings.Repeat("█", int(c.Fraction*40+0.5))
		fmt.Fprintf(tw, "%s\t%5.1f%%\t%d\t%s\n", c.Hex, 100*c.Fraction, c.Pixels, bar)
	}
	tw.Flush()
	if r.Swatch != "" {
		fmt.Fprintf(w, "wrote %s\n", r.Swatch)
	}
}
