package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

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
	Pixels        int             `json:"pixels"` // opaque pixels clustered
	K             int             `json:"k"`
	Seed          uint64          `json:"seed"`
	Colours       []paletteColour `json:"colours"`
	Swatch        string          `json:"swatch,omitempty"`
}

type paletteColour struct {
	Hex      string  `json:"hex"`
	Fraction float64 `json:"fraction"`
	Pixels   int     `json:"pixels"`
}

func runPalette(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("palette", stderr,
		"usage: ember palette IMAGE [--k 6] [--max-side 200] [--seed 1] [--swatch FILE.png] [--json]\n"+
			"\nClusters the opaque pixels of a PNG or JPEG image in RGB with k-means and prints\n"+
			"the cluster colours as hex codes, largest share first.\n\noptions:\n")
	k := fs.Int("k", 6, "number of colours")
	maxSide := fs.Int("max-side", 200, "shrink the image so its longer side is at most this many pixels before clustering (0: full size)")
	seed := fs.Uint64("seed", 1, "random seed for k-means++")
	nInit := fs.Int("n-init", kmeans.DefaultNInit, "k-means++ restarts; the lowest inertia wins")
	swatch := fs.String("swatch", "", "write a swatch of the palette to `FILE.png`")
	asJSON := fs.Bool("json", false, "print the palette as one JSON object on the last line")
	pos, err := paletteParseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case len(pos) == 0:
		fs.Usage()
		return errors.New("no image given")
	case len(pos) > 1:
		return fmt.Errorf("one image at a time, got %d: %s", len(pos), strings.Join(pos, " "))
	case *k < 1:
		return fmt.Errorf("--k must be at least 1, got %d", *k)
	case *maxSide < 0:
		return fmt.Errorf("--max-side must be >= 0, got %d", *maxSide)
	}
	if *swatch != "" && strings.ToLower(filepath.Ext(*swatch)) != ".png" {
		return fmt.Errorf("--swatch %q must end in .png", *swatch)
	}
	path := pos[0]

	img, err := kmeans.LoadImage(path)
	if err != nil {
		return err
	}
	small := kmeans.Downscale(img, *maxSide)
	cols, err := kmeans.PaletteOf(small, *k, kmeans.PaletteOptions{Seed: *seed, NInit: *nInit})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
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
		title := fmt.Sprintf("%s: %d-colour k-means palette", filepath.Base(path), *k)
		if err := plots.Swatch(*swatch, hexes, fracs, title); err != nil {
			return err
		}
		res.Swatch = *swatch
	}

	printPalette(stdout, res)
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// paletteParseArgs lets options come before or after the image name, as in
// "ember palette photo.jpg --k 5": the flag package stops at the first
// non-option, so parsing resumes after each positional argument.
func paletteParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// After a literal "--" everything is positional.
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func printPalette(w io.Writer, r paletteResult) {
	fmt.Fprintf(w, "image: %s (%d×%d)", r.Image, r.Width, r.Height)
	if r.ClusterWidth != r.Width || r.ClusterHeight != r.Height {
		fmt.Fprintf(w, ", shrunk to %d×%d", r.ClusterWidth, r.ClusterHeight)
	}
	fmt.Fprintf(w, "; %d opaque pixels clustered\n", r.Pixels)
	fmt.Fprintf(w, "palette: %d colours, k-means in RGB, seed %d\n\n", r.K, r.Seed)
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
