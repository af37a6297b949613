package kmeans

import (
	"encoding/json"
	"fmt"

	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
)

// reference is testdata/reference.json, written by make_reference.py with
// scikit-learn's KMeans on the same sub-sampled pixels.
type reference struct {
	SKLearn string `json:"sklearn"`
	Stride  int    `json:"stride"`
	NInit   int    `json:"n_init"`
	Cases   []struct {
		Image    string    `json:"image"`
		K        int       `json:"k"`
		NPixels  int       `json:"n_pixels"`
		PixelSum float64   `json:"pixel_sum"`
		Inertia  float64   `json:"inertia"`
		Spread   []float64 `json:"spread"`
	} `json:"cases"`
}

// stridePixels keeps pixel (x, y) when x and y are multiples of stride,
// numpy's img[::stride, ::stride], as RGB float32.
func stridePixels(t *testing.T, path string, stride int) ([]float32, int) {
	img, err := LoadImage(path)
	require.NoError(t, err)
	b := img.Bounds()
	var out []float32
	for y := b.Min.Y; y < b.Max.Y; y += stride {
		for x := b.Min.X; x < b.Max.X; x += stride {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			out = append(out, float32(c.R), float32(c.G), float32(c.B))
		}
	}
	return out, len(out) / 3
}

// TestParityWithScikitLearn requires our inertia within 1% of
// scikit-learn's for the same k and n_init on the same pixels, in both
// float32 and float64.
func TestParityWithScikitLearn(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	require.NoError(t, err)
	var ref reference
	require.NoError(t, json.Unmarshal(raw, &ref))
	require.NotEmpty(t, ref.Cases)

	for _, tc := range ref.Cases {
		t.Run(fmt.Sprintf("%s/k=%d", tc.Image, tc.K), func(t *testing.T) {
			px, n := stridePixels(t, shareddata.TestPath(t, "images", tc.Image), ref.Stride)
			require.Equal(t, tc.NPixels, n)
			sum := 0.0
			for _, v := range px {
				sum += float64(v)
			}
			if strings.HasSuffix(tc.Image, ".png") {
				// PNG decoding is exact: the very same pixels as sklearn's.
				require.Equal(t, tc.PixelSum, sum)
			} else {
				// JPEG decoders differ by a few levels (see the script).
				require.InDelta(t, tc.PixelSum, sum, 0.005*tc.PixelSum)
			}

			rows := make([][]float64, n)
			for i := range rows {
				rows[i] = []float64{float64(px[3*i]), float64(px[3*i+1]), float64(px[3*i+2])}
			}
			for _, dtype := range []string{"float32", "float64"} {
				m := New(tc.K)
				m.NInit = ref.NInit
				if dtype == "float32" {
					require.NoError(t, m.FitFloat32(px, n, 3))
				} else {
					require.NoError(t, m.Fit(rows))
				}
				rel := (m.Inertia() - tc.Inertia) / tc.Inertia
				t.Logf("%s k=%d %s: inertia ours %.6g, sklearn %s %.6g (%+.3f%%), %d iterations",
					tc.Image, tc.K, dtype, m.Inertia(), ref.SKLearn, tc.Inertia, 100*rel, m.Iterations())
				require.LessOrEqual(t, math.Abs(rel), 0.01, "%s: inertia %.6g vs sklearn %.6g", dtype, m.Inertia(), tc.Inertia)
				require.InDelta(t, m.Inertia(), recomputeInertia(rows, m), 1e-6*m.Inertia())
			}
		})
	}
}

// recomputeInertia is the textbook definition, independent of the
// package's centring and norm expansion.
func recomputeInertia(X [][]float64, m *KMeans) float64 {
	c := m.Centroids()
	total := 0.0
	for i, l := range m.Labels() {
		for j, v := range X[i] {
			total += (v - c[l][j]) * (v - c[l][j])
		}
	}
	return total
}
