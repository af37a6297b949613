package plots

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// spamLike are the labels and probabilities of a good spam filter: 13%
// positives, most scored near 1, a few negatives scored high.
func spamLike() ([]int, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	var y []int
	var p []float64
	for range 800 {
		pos := r.Float64() < 0.13
		s := r.Float64() * r.Float64() * 0.4
		if pos {
			s = 1 - r.Float64()*r.Float64()*0.9
		}
		y = append(y, map[bool]int{true: 1}[pos])
		p = append(p, float64(float32(s)))
	}
	return y, p
}

// TestCurvesMarkTheOperatingPoint: the ROC and precision-recall charts
// draw, and only the ...At forms ring a point, in the colour kept for it.
func TestCurvesMarkTheOperatingPoint(t *testing.T) {
	dir := keepDir(t)
	y, p := spamLike()
	ring := classColour(3)
	for name, draw := range map[string]func(path string) error{
		"roc":       func(path string) error { return ROCCurve(path, y, p, "ROC curve") },
		"pr":        func(path string) error { return PrecisionRecallCurve(path, y, p, "precision-recall curve") },
		"roc-at":    func(path string) error { return ROCCurveAt(path, y, p, 0.5, "ROC curve") },
		"pr-at":     func(path string) error { return PrecisionRecallCurveAt(path, y, p, 0.5, "precision-recall curve") },
		"pr-at-top": func(path string) error { return PrecisionRecallCurveAt(path, y, p, 0.9999, "nothing above") },
	} {
		path := filepath.Join(dir, name+".png")
		require.NoError(t, draw(path), name)
		img := decode(t, path, curveWidth, curveHeight)
		rings := countNear(img, ring, 30)
		if len(name) > 3 && name[len(name)-3:] == "-at" || name == "pr-at-top" {
			require.Greater(t, rings, 50, "%s: the operating point is ringed", name)
		} else {
			require.Zero(t, rings, "%s: no operating point without a threshold", name)
		}
		require.Greater(t, countNear(img, classColour(0), 30), 500, "%s: the model's curve is drawn", name)
	}
}

// TestOperatingPoint: the point is that of predicting 1 at scores at or
// above the threshold, so a score equal to it counts as predicted 1.
func TestOperatingPoint(t *testing.T) {
	y := []int{0, 0, 1, 1, 0, 1}
	s := []float64{0.1, 0.5, 0.5, 0.8, 0.3, 0.2}
	op := operatingPoint(y, s, 0.5)
	require.Equal(t, operating{tp: 2, fp: 1, pos: 3, neg: 3}, op)
	require.InDelta(t, 2.0/3, op.tpr(), 1e-15)
	require.InDelta(t, 1.0/3, op.fpr(), 1e-15)
	require.Equal(t, operating{tp: 1, fp: 0, pos: 3, neg: 3}, operatingPoint(y, s, math.Nextafter(0.5, 1)))
	require.Equal(t, "0.5", formatThreshold(0.5))
	require.Equal(t, "0.333333", formatThreshold(1.0/3))
}

func TestCurveErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.png")
	y, p := spamLike()
	require.ErrorContains(t, ROCCurveAt(path, y, p, math.NaN(), ""), "plots: ROCCurveAt: the threshold is NaN")
	require.ErrorContains(t, PrecisionRecallCurveAt(path, y, p, math.NaN(), ""), "plots: PrecisionRecallCurveAt: the threshold is NaN")
	require.ErrorContains(t, PrecisionRecallCurve(path, []int{0, 0}, []float64{0.1, 0.2}, ""), "no positive sample")
	require.ErrorContains(t, ROCCurveAt(path, []int{1, 1}, []float64{0.1, 0.2}, 0.5, ""), "both classes are needed")
	require.ErrorContains(t, PrecisionRecallCurve(filepath.Join(dir, "c.jpg"), y, p, ""), "must end in .png")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing is written on an error")
}

// TestLegendLeavesTheOperatingPoint: the legend goes to a corner the
// curve leaves clear, and the operating point is a corner of the curve:
// where a weak model's point sits in the corner the legend prefers
// (recall 1 at the chance line, bottom right, the bottom left taken by
// the curve), the point shows as fully as one in the open.
func TestLegendLeavesTheOperatingPoint(t *testing.T) {
	dir := keepDir(t)
	r := rand.New(rand.NewPCG(3, 4))
	var y []int
	var s []float64
	for i := range 400 {
		y = append(y, map[bool]int{true: 1}[i%10 == 0])
		s = append(s, 0.3+0.4*r.Float64()+0.05*float64(y[i]))
		if i%10 != 0 && i < 60 {
			s[i] += 0.3 // ham scored highest: the curve starts along the bottom left
		}
	}
	red := func(name string, threshold float64) int {
		path := filepath.Join(dir, name+".png")
		require.NoError(t, PrecisionRecallCurveAt(path, y, s, threshold, "weak model"))
		return countNear(decode(t, path, curveWidth, curveHeight), classColour(3), 30)
	}
	open := red("weak-open", 0.66)     // recall low, precision middling: in the open
	corner := red("weak-corner", 0.01) // every message positive: recall 1, precision 1/10, under the legend
	require.InDelta(t, float64(open), float64(corner), 0.1*float64(open), "the operating point in the corner is not hidden")
}
