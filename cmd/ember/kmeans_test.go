package main

import (
	"encoding/json"
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/emberml/ember/internal/shareddata"
)

// decodeLastLine decodes the last output line (the --json object) into v.
func decodeLastLine(t *testing.T, out string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	require.NoError(t, json.Unmarshal([]byte(last), v), "last line: %s", last)
}

func TestKMeansIris(t *testing.T) {
	iris := shareddata.TestPath(t, "iris.csv")
	prefix := filepath.Join(t.TempDir(), "iris")
	code, out, errOut := runCmd(t, "kmeans", "--data", iris, "--k", "3", "--target", "species", "--json", "--plot", prefix)
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{
		"150 rows, 4 features (sepal_length, sepal_width, petal_length, petal_width)",
		"k=3, k-means++ seeding, best of 10 runs",
		"centroids:", "cluster  size  share",
		`clusters against "species"`,
		"adjusted Rand index: 0.7302",
		"wrote " + prefix + "-clusters.png",
	} {
		require.Contains(t, out, want)
	}

	var res kmeansResult
	decodeLastLine(t, out, &res)
	// scikit-learn's KMeans(3, n_init=10) on the four iris features finds
	// inertia 78.851441 (78.85144142614601) and this clustering, whose
	// adjusted_rand_score against species is 0.7302382722834697.
	require.InDelta(t, 78.85144142614601, res.Inertia, 1e-9)
	require.InDelta(t, 0.7302382722834697, *res.ARI, 1e-12)
	require.Len(t, res.Centroids, 3)
	require.Len(t, res.Centroids[0], 4)
	require.ElementsMatch(t, []int{50, 62, 38}, res.Sizes)
	require.Equal(t, []string{"setosa", "versicolor", "virginica"}, res.Classes)
	total := 0
	for c, row := range res.CrossTab {
		rowSum := 0
		for _, v := range row {
			rowSum += v
		}
		require.Equal(t, res.Sizes[c], rowSum)
		total += rowSum
	}
	require.Equal(t, 150, total)
	require.Equal(t, []string{prefix + "-clusters.png"}, res.Plots)
	requirePNG(t, prefix+"-clusters.png")
}

func TestKMeansFeaturesAndOptions(t *testing.T) {
	csv := writeFile(t, "pts.csv", "name,x,y\na,0,0\nb,0,1\nc,10,10\nd,10,11\ne,-10,10\nf,-10,11\n")
	code, out, errOut := runCmd(t, "kmeans", "--data", csv, "--features", "x, y", "--k", "3", "--n-init", "2", "--seed", "7", "--json")
	require.Equal(t, 0, code, errOut)
	var res kmeansResult
	decodeLastLine(t, out, &res)
	require.Equal(t, []string{"x", "y"}, res.Features)
	require.Equal(t, 2, res.NInit)
	require.Equal(t, uint64(7), res.Seed)
	// Three pairs one unit apart: each pair is a cluster, inertia 3 × 0.5.
	require.InDelta(t, 1.5, res.Inertia, 1e-12)
	require.Equal(t, []int{2, 2, 2}, res.Sizes)
	require.Nil(t, res.CrossTab)

	// --exclude leaves the text column out of the default features.
	code, out, errOut = runCmd(t, "kmeans", "--data", csv, "--exclude", "name", "--k", "3", "--n-init", "2", "--seed", "7", "--json")
	require.Equal(t, 0, code, errOut)
	var ex kmeansResult
	decodeLastLine(t, out, &ex)
	require.Equal(t, []string{"x", "y"}, ex.Features)
	require.InDelta(t, 1.5, ex.Inertia, 1e-12)
}

func TestKMeansBadInput(t *testing.T) {
	dup := writeFile(t, "dup.csv", "x,y\n1,1\n1,1\n2,2\n")
	text := writeFile(t, "text.csv", "x,label\n1,a\n2,b\n")
	bad := writeFile(t, "bad.csv", "x,y\n1,2\n3,oops\n")
	huge := writeFile(t, "huge.csv", "x,y\n1,2\n3,-1e200\n5,6\n")
	tests := []cliErrorCase{
		{"k above distinct points", []string{"--data", dup, "--k", "3"}, []string{"--k 3: " + dup + " has only 2 distinct rows in the features used (of 3 rows); lower --k"}},
		{"missing column", []string{"--data", dup, "--features", "x,z"}, []string{`no column "z"`, "the columns are: x, y"}},
		{"non-numeric default features", []string{"--data", text, "--k", "2"}, []string{`"a" is not a number`, "--features", "--exclude"}},
		{"exclude of a missing column", []string{"--data", text, "--k", "1", "--exclude", "lable"}, []string{`--exclude: `, `no column "lable"`}},
		{"exclude of every column", []string{"--data", text, "--k", "1", "--exclude", "x,label"}, []string{`no feature columns besides "x", "label"`}},
		{"non-numeric value", []string{"--data", bad, "--k", "1"}, []string{"line 3", `"oops" is not a number`}},
		{"missing-value marker", []string{"--data", writeFile(t, "q.csv", "x,y\n1,2\n3,?\n"), "--k", "1"}, []string{`line 3, column "y": "?" is not a number; if it marks a missing value, drop or fill in those rows first`, `--na-values "?"`}},
		{"missing target", []string{"--data", dup, "--k", "1", "--target", "class"}, []string{`no column "class"`}},
		// It said `line 2, column "label": "a" is not a number`.
		{"missing target beside a text column", []string{"--data", text, "--k", "1", "--target", "lable"}, []string{text + `: no column "lable"; the columns are: x, label`}},
		{"huge value", []string{"--data", huge, "--k", "2"}, []string{huge + `: line 3, column "y": -1e+200 is too large in magnitude (the limit is 1e+100)`}},
		{"k above the data", []string{"--data", dup, "--k", "4"}, []string{"--k 4: " + dup + " has only 2 distinct rows"}},
	}
	// Bad flags: exit status 2, before the data is read.
	usage := []cliErrorCase{
		{"target in features", []string{"--data", text, "--features", "x,label", "--target", "label"}, []string{`--features includes the --target column "label"`}},
		{"feature listed twice", []string{"--data", dup, "--features", "x,y,y"}, []string{`--features: column "y" is listed twice`}},
		{"features list no column", []string{"--data", dup, "--features", ",,"}, []string{`--features ",," lists no column`}},
		// Given empty on purpose (or from an unset shell variable), it was
		// taken for the default: every column.
		{"features empty", []string{"--data", dup, "--features", ""}, []string{`--features "" is empty: give the columns, or leave --features out (default: every named column but --target and --exclude)`}},
		{"plot needs two features", []string{"--data", dup, "--features", "x", "--k", "1", "--plot", filepath.Join(t.TempDir(), "p")}, []string{`--plot draws the first two features, but --features lists only "x"`}},
		// Known only once the file is read, but still the command line's.
		{"plot of a one-column file", []string{"--data", writeFile(t, "one.csv", "x\n1\n2\n"), "--k", "1", "--plot", filepath.Join(t.TempDir(), "p")}, []string{`--plot draws the first two features, but only "x" is clustered`}},
		{"k zero", []string{"--data", dup, "--k", "0"}, []string{"--k 0: must be 1 to 100000"}},
		{"k huge", []string{"--data", dup, "--k", "100000000"}, []string{"--k 100000000: must be 1 to 100000"}},
		{"no data", []string{"--k", "2"}, []string{"--data is required"}},
		{"missing file", []string{"--data", filepath.Join(t.TempDir(), "none.csv")}, []string{"none.csv: no such file"}},
		{"stray argument", []string{"--data", dup, "extra"}, []string{`unexpected argument "extra"`}},
		{"bad n-init", []string{"--data", dup, "--k", "1", "--n-init", "0"}, []string{"--n-init 0: must be 1 to 1000"}},
		{"NaN tol", []string{"--data", dup, "--tol", "nan"}, []string{"--tol nan: must be a finite number"}},
		{"negative max-iter", []string{"--data", dup, "--max-iter", "-5"}, []string{"--max-iter -5: must be 1 to 1000000"}},
		{"save over the data", []string{"--data", dup, "--save", dup}, []string{"is an input of this command"}},
		{"exclude with features", []string{"--data", dup, "--features", "x", "--exclude", "y"}, []string{"--exclude trims the default feature set"}},
		{"plot of too many clusters", []string{"--data", dup, "--k", "21", "--plot", filepath.Join(t.TempDir(), "p")}, []string{"--plot tells at most 20 clusters apart, and --k is 21"}},
		{"plot in a missing directory", []string{"--data", dup, "--plot", "/nonexistent/p"}, []string{"/nonexistent/p-clusters.png: directory /nonexistent does not exist"}},
		{"plot prefix is a directory", []string{"--data", dup, "--k", "2", "--plot", t.TempDir()}, []string{": names a directory; --plot takes a prefix of file names"}},
	}
	runCLIErrorCases(t, "kmeans", 2, true, usage)
	runCLIErrorCases(t, "kmeans", 1, false, tests)
}

func TestAdjustedRand(t *testing.T) {
	// Expected values from scikit-learn's adjusted_rand_score on the
	// labelings these contingency tables describe.
	tests := []struct {
		tab  [][]int
		want float64
	}{
		{[][]int{{0, 48, 14}, {50, 0, 0}, {0, 2, 36}}, 0.7302382722834697},
		{[][]int{{5, 0}, {0, 5}}, 1},
		{[][]int{{3, 3}, {3, 3}}, -0.1},
		{[][]int{{1, 2, 0}, {0, 1, 4}, {2, 0, 0}}, 0.460431654676259},
		{[][]int{{10}}, 1},
		{[][]int{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, 1},
		// One row: no pairs; scikit-learn gives 1.0, not 0/0.
		{[][]int{{1}}, 1},
		{[][]int{{0, 1}, {0, 0}}, 1},
	}
	for _, tc := range tests {
		require.InDelta(t, tc.want, adjustedRand(tc.tab), 1e-12, "%v", tc.tab)
	}
}

// The centroid's legend entry must stay inside its legend row: the plot's
// 16-point cross, used as the thumbnail, ran into the rows above and below.
func TestCentroidLegendThumbFitsItsRow(t *testing.T) {
	img := vgimg.NewWith(vgimg.UseWH(100, 100), vgimg.UseDPI(72)) // one pixel per point
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	row := draw.Crop(dc, 40, -40, 45, -45) // a 20×10 point legend thumbnail
	crossThumb{}.Thumbnail(&row)

	rgba := img.Image()
	ink := 0
	for y := 0; y < 100; y++ {
		for x := 0; x < 100; x++ {
			if r, _, _, _ := rgba.At(x, y).RGBA(); r == 0xffff {
				continue
			}
			ink++
			// Image rows run down, canvas points up; one pixel of antialiasing.
			require.True(t, x >= 39 && x <= 61 && y >= 44 && y <= 56, "ink at (%d, %d), outside the thumbnail", x, y)
		}
	}
	require.Greater(t, ink, 20, "the cross is drawn")
}

func TestKMeansPlotTitle(t *testing.T) {
	require.Equal(t, "k-means, k=3: iris.csv (inertia 31.37)", kmeansPlotTitle(3, "../data/iris.csv", 31.3714, 2))
	require.Equal(t, "k-means, k=3: iris.csv (inertia 78.85; 2 of 4 features drawn)", kmeansPlotTitle(3, "iris.csv", 78.8514, 4))
}

// A long file name pushed the clusters chart's title past both edges of
// the image ("k-means, k=3" cut off): it is broken, then shortened.
func TestKMeansTitleFits(t *testing.T) {
	p := plot.New()
	sty := p.Title.TextStyle
	sty.Font = font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, 13)
	width := 6.6 * vg.Inch
	short := kmeansPlotTitle(3, "iris.csv", 78.85, 4)
	require.Equal(t, short, fitTitle(sty, short, width))

	long := kmeansPlotTitle(3, "customer_segments_export_2026_12_01_final_v2.csv", 78.85, 4)
	require.Greater(t, sty.Width(long), width)
	got := fitTitle(sty, long, width)
	require.Equal(t, "k-means, k=3: customer_segments_export_2026_12_01_final_v2.csv\n(inertia 78.85; 2 of 4 features drawn)", got)
	require.LessOrEqual(t, sty.Width(got), width)

	huge := kmeansPlotTitle(3, strings.Repeat("segment_", 30)+".csv", 78.85, 4)
	got = fitTitle(sty, huge, width)
	require.LessOrEqual(t, sty.Width(got), width)
	require.True(t, strings.HasPrefix(got, "k-means, k=3: segment_"), got)
	require.Contains(t, got, "…")
	require.True(t, strings.HasSuffix(got, ".csv\n(inertia 78.85; 2 of 4 features drawn)"), got)
}
