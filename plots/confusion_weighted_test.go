package plots

import (
	"bytes"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A weighted confusion matrix renders, its largest sum shaded darkest.
func TestWeightedConfusionHeatmap(t *testing.T) {
	dir := keepDir(t)
	tests := []struct {
		name   string
		cm     [][]float64
		labels []string
	}{
		{"fractional", [][]float64{{12.5, 0.25}, {1.75, 7.125}}, []string{"ham", "spam"}},
		{"below one", [][]float64{{0.3, 0.1, 0}, {0, 0.7, 0.05}, {0.2, 0, 0.45}}, nil},
		{"large", [][]float64{{1234567.5, 12}, {40.25, 9876.5}}, nil},
		{"all zero", [][]float64{{0, 0}, {0, 0}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "weighted "+tc.name+".png")
			require.NoError(t, WeightedConfusionHeatmap(path, tc.cm, tc.labels, "weighted by column w"))
			img := decodeAny(t, path)
			if maxCell(tc.cm) > 0 {
				require.Greater(t, countNear(img, blues[len(blues)-1], 2), 500)
			}
		})
	}
}

func TestWeightedConfusionHeatmapErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cm.png")
	tests := []struct {
		name    string
		cm      [][]float64
		labels  []string
		wantErr string
	}{
		{"empty", nil, nil, "WeightedConfusionHeatmap: empty confusion matrix"},
		{"not square", [][]float64{{1, 2}, {3}}, nil, "row 1 has 1 columns; the matrix must be 2×2"},
		{"negative", [][]float64{{1, -0.5}, {3, 4}}, nil, "cm[0][1] = -0.5 is negative"},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 4}}, nil, "cm[1][0] = NaN is not a finite number"},
		{"infinite", [][]float64{{1, 2}, {3, math.Inf(1)}}, nil, "cm[1][1] = +Inf is not a finite number"},
		{"labels", [][]float64{{1, 2}, {3, 4}}, []string{"a"}, "1 labels for a 2×2 matrix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, WeightedConfusionHeatmap(path, tc.cm, tc.labels, ""), tc.wantErr)
		})
	}
	_, err := os.Stat(path)
	require.True(t, os.IsNotExist(err), "no file may be left behind on bad input")
}

// Whole-number weights draw the unweighted picture: byte for byte with the
// same caption, and with the weighted caption differing only in the strip
// at the right edge where that caption is written.
func TestWeightedConfusionHeatmapWholeNumbersMatchCounts(t *testing.T) {
	dir := t.TempDir()
	for _, counts := range [][][]int{
		{{16, 0, 0}, {0, 11, 1}, {0, 2, 8}},
		{{1200, 15}, {40, 138}},
		{{1, 0}, {0, 0}},
	} {
		sums := make([][]float64, len(counts))
		for i, row := range counts {
			for _, v := range row {
				sums[i] = append(sums[i], float64(v))
			}
		}
		intPath := filepath.Join(dir, "int.png")
		require.NoError(t, ConfusionHeatmap(intPath, counts, nil, "same"))
		sameCaption := filepath.Join(dir, "float-count.png")
		require.NoError(t, confusionHeatmap("test", sameCaption, sums, nil, "same", "count", weightTicks))
		a, err := os.ReadFile(intPath)
		require.NoError(t, err)
		b, err := os.ReadFile(sameCaption)
		require.NoError(t, err)
		require.True(t, bytes.Equal(a, b), "%v: the float64 core draws other pixels than the int one", counts)

		weighted := filepath.Join(dir, "weighted.png")
		require.NoError(t, WeightedConfusionHeatmap(weighted, sums, nil, "same"))
		ia := decodeAny(t, intPath)
		ib := decode(t, weighted, ia.Bounds().Dx(), ia.Bounds().Dy())
		minX := ia.Bounds().Max.X
		for y := 0; y < ia.Bounds().Dy(); y++ {
			for x := 0; x < ia.Bounds().Dx(); x++ {
				if ia.At(x, y) != ib.At(x, y) {
					minX = min(minX, x)
				}
			}
		}
		require.Less(t, minX, ia.Bounds().Max.X, "the captions differ")
		require.GreaterOrEqual(t, minX, ia.Bounds().Max.X-32, "%v: pixels differ left of the caption strip", counts)
	}
}

// The colour bar of weights has at least two labelled ticks inside its
// range, labelled briefly, whatever the largest sum.
func TestWeightTicks(t *testing.T) {
	for _, hi := range []float64{0.05, 0.3, 0.7, 1, 1.5, 2.5, 9.75, 11.3, 5639.25, 1234567.5} {
		labelled := 0
		for _, tk := range weightTicks(0, hi) {
			if tk.Label == "" || tk.Value > hi {
				continue
			}
			labelled++
			require.LessOrEqual(t, len(tk.Label), 8, "max %v: label %q", hi, tk.Label)
			require.False(t, strings.Contains(tk.Label, "e"), "max %v: label %q", hi, tk.Label)
		}
		require.GreaterOrEqual(t, labelled, 2, "max %v", hi)
	}
	require.Equal(t, countTicks(0, 7), weightTicks(0, 7), "whole-number ranges tick as counts do")
}

func decodeAny(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err, "not a valid PNG")
	return img
}
