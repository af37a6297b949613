package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/fifotest"
)

// decode opens a written chart and checks it is a PNG of the given size.
func decode(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err, "not a valid PNG")
	require.Equal(t, image.Rect(0, 0, w, h), img.Bounds())
	return img
}

// countNear counts pixels within tol (per 8-bit channel) of c.
func countNear(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := func(v uint32, w uint8) bool { return math.Abs(float64(v>>8)-float64(w)) <= float64(tol) }
			if d(r, c.R) && d(g, c.G) && d(bl, c.B) {
				n++
			}
		}
	}
	return n
}

// keepDir is where tests write their charts: a temporary directory, or
// $EMBER_PLOTS_KEEP to look at them afterwards.
func keepDir(t *testing.T) string {
	if d := os.Getenv("EMBER_PLOTS_KEEP"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

func TestConfusionHeatmap(t *testing.T) {
	dir := keepDir(t)
	// logreg's title on the credit-default data was wider than the image
	// and lost both ends; the image now widens to hold it.
	long := "logistic regression: default.payment.next.month (7500 held-out rows)"
	tests := []struct {
		name, title string
		cm          [][]int
		labels      []string
		w, h        int
	}{
		{"iris", "title", [][]int{{16, 0, 0}, {0, 11, 1}, {0, 2, 8}}, []string{"setosa", "versicolor", "virginica"}, 607, 530},
		{"binary, no labels", "title", [][]int{{1200, 15}, {40, 138}}, nil, 449, 357},
		{"all zero", "title", [][]int{{0, 0}, {0, 0}}, []string{"a", "b"}, 427, 357},
		{"one class", "title", [][]int{{5}}, []string{"only"}, 338, 268},
		{"long title", long, [][]int{{5639, 184}, {1268, 409}}, nil, 599, 357},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".png")
			require.NoError(t, ConfusionHeatmap(path, tc.cm, tc.labels, tc.title))
			title := textStyle(14, color.Black)
			require.Greater(t, float64(tc.w), toPx(title.Width(tc.title)), "the title fits")
			img := decode(t, path, tc.w, tc.h)
			if maxCount(tc.cm) > 0 {
				// The largest count's cell is the darkest blue of the scale.
				require.Greater(t, countNear(img, blues[len(blues)-1], 2), 500)
			}
		})
	}
}

// TestCountTicks: a colour bar of counts is labelled in whole numbers
// ("5000", not gonum's "5000.00").
func TestCountTicks(t *testing.T) {
	for _, hi := range []float64{1, 7, 11, 138, 5639, 1e6} {
		labelled := 0
		for _, tk := range countTicks(0, hi) {
			if tk.Label == "" {
				continue
			}
			labelled++
			require.Equal(t, strconv.FormatFloat(tk.Value, 'f', -1, 64), tk.Label, "max %v", hi)
			require.NotContains(t, tk.Label, ".", "max %v", hi)
		}
		require.GreaterOrEqual(t, labelled, 2, "max %v", hi)
	}
}

// Slanted class names under the matrix started half their height above
// their anchor, so their ends ran under the matrix, which covered them
// ("name_1" read "name_"). Below the matrix's bottom edge there must be a
// white gap before any text.
func TestConfusionHeatmapSlantedLabelsClearTheMatrix(t *testing.T) {
	const k = 8
	cm := make([][]int, k)
	labels := make([]string, k)
	for i := range cm {
		cm[i] = make([]int, k)
		cm[i][i] = 10
		labels[i] = fmt.Sprintf("category_with_a_long_name_%d", i)
	}
	labels[0] = "b" // short names too: anchored at their end
	path := filepath.Join(keepDir(t), "slanted.png")
	require.NoError(t, ConfusionHeatmap(path, cm, labels, "slanted"))
	img := decode(t, path, 855, 778)
	b := img.Bounds()
	blue := func(x, y int) bool { // a matrix cell (pale or dark blue)
		r, _, bl, _ := img.At(x, y).RGBA()
		return bl>>8 > r>>8+4
	}
	ink := func(x, y int) bool { // grey text, antialiased edges included
		r, g, bl, _ := img.At(x, y).RGBA()
		return !blue(x, y) && (r>>8 < 200 || g>>8 < 200 || bl>>8 < 200)
	}
	// The matrix's bottom edge, one third of the way across.
	x := b.Dx() / 3
	bottom := -1
	for y := b.Dy() / 2; y < b.Max.Y; y++ {
		if blue(x, y) {
			bottom = y
		}
	}
	require.Positive(t, bottom)
	// No text in the two rows under it, from its left edge to its right
	// (the colour bar beside it is blue too: stop at the first gap).
	left, right := x, x
	for left > b.Min.X && blue(left-1, bottom) {
		left--
	}
	for right < b.Max.X-1 && blue(right+1, bottom) {
		right++
	}
	require.Greater(t, right-left, b.Dx()/2, "the matrix spans most of the chart")
	for dy := 1; dy <= 2; dy++ {
		for x := left; x <= right; x++ {
			require.False(t, ink(x, bottom+dy), "text touches the matrix at (%d, %d)", x, bottom+dy)
		}
	}
}

func TestConfusionHeatmapErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cm.png")
	tests := []struct {
		name    string
		path    string
		cm      [][]int
		labels  []string
		wantErr string
	}{
		{"empty", path, nil, nil, "empty confusion matrix"},
		{"not square", path, [][]int{{1, 2}, {3}}, nil, "row 1 has 1 columns; the matrix must be 2×2"},
		{"negative", path, [][]int{{1, -2}, {3, 4}}, nil, "cm[0][1] = -2 is negative"},
		{"labels", path, [][]int{{1, 2}, {3, 4}}, []string{"a"}, "1 labels for a 2×2 matrix"},
		{"not png", filepath.Join(t.TempDir(), "cm.svg"), [][]int{{1}}, nil, "must end in .png"},
		{"no path", "", [][]int{{1}}, nil, "empty output path"},
		{"missing dir", filepath.Join(t.TempDir(), "nope", "cm.png"), [][]int{{1}}, nil, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, ConfusionHeatmap(tc.path, tc.cm, tc.labels, ""), tc.wantErr)
		})
	}
	_, err := os.Stat(path)
	require.True(t, os.IsNotExist(err), "no file may be left behind on bad input")
}

// A device or a FIFO is written into whatever its name: a chart to
// /dev/null is discarded, and one to a FIFO reaches its reader as a PNG. A
// regular file must still end in .png (TestConfusionHeatmapErrors).
func TestChartToSpecialFile(t *testing.T) {
	pipe := fifotest.New(t, "chart") // no .png
	require.NoError(t, ConfusionHeatmap(pipe.Path, [][]int{{3, 1}, {0, 4}}, []string{"ham", "spam"}, "through a pipe"))
	img, err := png.Decode(bytes.NewReader(pipe.Read(t, 10*time.Second)))
	require.NoError(t, err, "the reader got a PNG")
	require.False(t, img.Bounds().Empty())

	require.NoError(t, ConfusionHeatmap(os.DevNull, [][]int{{1}}, nil, ""))
	require.NoError(t, TrainingCurve(os.DevNull, []int{1, 2}, []float64{0.5, 0.4}, nil, nil, nil))
	fi, err := os.Stat(os.DevNull)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeCharDevice, "/dev/null is still a device")
}

var (
	demoX = [][]float64{{-1, -2}, {-2, -1}, {-3, -2}, {1, 3}, {2, 1}, {3, 2}}
	demoY = []int{0, 0, 0, 1, 1, 1}
)

func logistic(x1, x2 float64) float64 { return 1 / (1 + math.Exp(-(0.73*x1 + 0.69*x2 - 0.13))) }

func TestDecisionBoundary(t *testing.T) {
	dir := keepDir(t)
	path := filepath.Join(dir, "db.png")
	require.NoError(t, DecisionBoundary(path, demoX, demoY, logistic, "demo"))
	img := decode(t, path, 760, 560)
	// Both ends of the shading appear (the classes' regions), and the
	// boundary line is drawn in black.
	require.Greater(t, countNear(img, shade0, 12), 1000)
	require.Greater(t, countNear(img, shade1, 12), 1000)
	require.Greater(t, countNear(img, color.RGBA{0, 0, 0, 0xff}, 20), 300)
	// Class colours of the markers.
	require.Greater(t, countNear(img, classColour(0), 2), 50)
	require.Greater(t, countNear(img, classColour(1), 2), 50)

	// A constant proba has no boundary and a single-point cloud a zero
	// range; both must still draw.
	path2 := filepath.Join(dir, "flat.png")
	require.NoError(t, DecisionBoundaryWith(path2, [][]float64{{1, 1}, {1, 1}}, []int{0, 2},
		func(float64, float64) float64 { return 0.2 },
		BoundaryOptions{XLabel: "a", YLabel: "b", ClassNames: []string{"x"}}))
	decode(t, path2, 760, 560)
}

func TestDecisionBoundaryErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.png")
	tests := []struct {
		name    string
		X       [][]float64
		y       []int
		proba   func(float64, float64) float64
		wantErr string
	}{
		{"empty", nil, nil, logistic, "no samples"},
		{"mismatched", demoX, demoY[:2], logistic, "6 samples but 2 labels"},
		{"nil proba", demoX, demoY, nil, "proba is nil"},
		{"three features", [][]float64{{1, 2, 3}}, []int{0}, logistic, "X[0] has 3 values; want 2 features"},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 1}}, []int{0, 1}, logistic, "X[1][0] is NaN"},
		{"negative label", [][]float64{{1, 2}}, []int{-1}, logistic, "y[0] = -1 is negative"},
		{"bad proba", demoX, demoY, func(a, b float64) float64 { return a }, "want a probability in [0, 1]"},
		{"NaN proba", demoX, demoY, func(a, b float64) float64 { return math.NaN() }, "= NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, DecisionBoundary(path, tc.X, tc.y, tc.proba, ""), tc.wantErr)
		})
	}
	_, err := os.Stat(path)
	require.True(t, os.IsNotExist(err))
}

func TestTrainingCurve(t *testing.T) {
	dir := keepDir(t)
	var ep []int
	var tl, vl, ta, va []float64
	for e := 1; e <= 30; e++ {
		ep = append(ep, e)
		tl = append(tl, 0.7*math.Exp(-float64(e)/5)+0.05)
		vl = append(vl, 0.7*math.Exp(-float64(e)/5)+0.08)
		ta = append(ta, 1-0.5*math.Exp(-float64(e)/4))
		va = append(va, 0.97-0.5*math.Exp(-float64(e)/4))
	}
	tests := []struct {
		name           string
		tl, vl, ta, va []float64
		w              int
	}{
		{"all four", tl, vl, ta, va, 1040},
		{"no validation", tl, nil, ta, nil, 1040},
		{"loss only", tl, vl, nil, nil, 520},
		{"accuracy only", nil, nil, nil, va, 520},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".png")
			require.NoError(t, TrainingCurve(path, ep, tc.tl, tc.vl, tc.ta, tc.va))
			img := decode(t, path, tc.w, 420)
			if tc.tl != nil || tc.ta != nil {
				require.Greater(t, countNear(img, classColour(0), 2), 200, "training curve colour")
			}
			if tc.vl != nil || tc.va != nil {
				require.Greater(t, countNear(img, classColour(1), 2), 200, "validation curve colour")
			}
		})
	}
	// One epoch is a valid (if dull) run.
	require.NoError(t, TrainingCurve(filepath.Join(dir, "one.png"), []int{1}, []float64{0.5}, nil, []float64{0.7}, nil))
}

func TestTrainingCurveErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tc.png")
	ep := []int{1, 2, 3}
	ok := []float64{0.3, 0.2, 0.1}
	tests := []struct {
		name           string
		ep             []int
		tl, vl, ta, va []float64
		wantErr        string
	}{
		{"no epochs", nil, ok, nil, nil, nil, "no epochs"},
		{"nothing to plot", ep, nil, nil, nil, nil, "every series is empty"},
		{"short series", ep, ok[:2], nil, nil, nil, "trainLoss has 2 values for 3 epochs"},
		{"long series", ep, ok, nil, nil, []float64{0.1, 0.2, 0.3, 0.4}, "valAcc has 4 values for 3 epochs"},
		{"not increasing", []int{1, 3, 3}, ok, nil, nil, nil, "epochs[2] = 3 follows 3"},
		{"NaN loss", ep, ok, []float64{0.1, math.NaN(), 0.1}, nil, nil, "valLoss[1] is NaN"},
		{"Inf loss", ep, []float64{math.Inf(1), 1, 1}, nil, nil, nil, "trainLoss[0] is +Inf"},
		{"percent accuracy", ep, nil, nil, []float64{50, 60, 70}, nil, "trainAcc[0] = 50; accuracies are fractions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, TrainingCurve(path, tc.ep, tc.tl, tc.vl, tc.ta, tc.va), tc.wantErr)
		})
	}
}

func TestSwatch(t *testing.T) {
	dir := keepDir(t)
	hexes := []string{"#3b2a20", "#E8DCC8", "8b4a2b", "#abc"}
	fr := []float64{0.5, 0.3, 0.15, 0.05}
	path := filepath.Join(dir, "sw.png")
	require.NoError(t, Swatch(path, hexes, fr, "palette"))
	img := decode(t, path, 560, 300)
	// Each colour fills its tile and its share of the bar; the bar area
	// scales with the share, so the biggest share has the most pixels.
	counts := make([]int, len(hexes))
	for i, h := range hexes {
		c, err := ParseHex(h)
		require.NoError(t, err)
		counts[i] = countNear(img, c, 0)
		require.Greater(t, counts[i], 5000, h)
	}
	require.Greater(t, counts[0], counts[1])
	require.Greater(t, counts[1], counts[2])

	// Counts instead of fractions, no title, many colours.
	many := make([]string, 40)
	counts40 := make([]float64, 40)
	for i := range many {
		many[i] = hexString(color.RGBA{uint8(i * 6), 0x80, uint8(255 - i*6), 0xff})
		counts40[i] = float64(i + 1)
	}
	path = filepath.Join(dir, "many.png")
	require.NoError(t, Swatch(path, many, counts40, ""))
	decode(t, path, 2440, 270)
}

func TestSwatchErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sw.png")
	tests := []struct {
		name    string
		hex     []string
		fr      []float64
		wantErr string
	}{
		{"empty", nil, nil, "no colours"},
		{"mismatched", []string{"#000000", "#ffffff"}, []float64{1}, "2 colours but 1 fractions"},
		{"bad hex", []string{"#00000g"}, []float64{1}, `colour 0: "#00000g" is not a hex colour`},
		{"short hex", []string{"#0000"}, []float64{1}, `"#0000" is not a hex colour`},
		{"negative", []string{"#000", "#fff"}, []float64{1, -1}, "fractions[1] = -1"},
		{"NaN", []string{"#000"}, []float64{math.NaN()}, "fractions[0] = NaN"},
		{"all zero", []string{"#000", "#fff"}, []float64{0, 0}, "every fraction is zero"},
		{"too many", make([]string, 65), make([]float64, 65), "65 colours; at most 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, Swatch(path, tc.hex, tc.fr, ""), tc.wantErr)
		})
	}
}

func TestParseHex(t *testing.T) {
	tests := []struct {
		in   string
		want color.RGBA
	}{
		{"#1f77b4", color.RGBA{0x1f, 0x77, 0xb4, 0xff}},
		{"1F77B4", color.RGBA{0x1f, 0x77, 0xb4, 0xff}},
		{" #abc ", color.RGBA{0xaa, 0xbb, 0xcc, 0xff}},
	}
	for _, tc := range tests {
		got, err := ParseHex(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
		require.Equal(t, tc.in != " #abc ", hexString(got) == "#1f77b4")
	}
	_, err := ParseHex("")
	require.Error(t, err)
	_, err = ParseHex("#-12345")
	require.Error(t, err)
}

func TestFormatPercent(t *testing.T) {
	for in, want := range map[float64]string{0: "0%", 0.37: "0.37%", 4: "4.0%", 31.4: "31%", 100: "100%"} {
		require.Equal(t, want, formatPercent(in))
	}
}

func TestTextOnContrast(t *testing.T) {
	require.Equal(t, color.Color(color.White), textOn(color.RGBA{0x08, 0x30, 0x6b, 0xff}))
	require.Equal(t, color.Color(color.Black), textOn(color.RGBA{0xf7, 0xfb, 0xff, 0xff}))
}

func TestTrainingCurveKept(t *testing.T) {
	dir := t.TempDir()
	ep := []int{1, 2, 3}
	loss, acc := []float64{0.3, 0.2, 0.25}, []float64{0.9, 0.92, 0.95}
	require.NoError(t, TrainingCurveKept(filepath.Join(dir, "k.png"), 3, ep, loss, loss, acc, acc))
	require.ErrorContains(t, TrainingCurveKept(filepath.Join(dir, "x.png"), 7, ep, loss, loss, acc, acc), "kept epoch 7")
}
