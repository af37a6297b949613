package plots

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// An overfitting run (the GRU spam model's figures in RESULTS.md: the
// validation loss climbs to its highest at the last epoch) must not have
// its validation curve drawn under the loss legend, which sits top right
// when the curves leave that corner clear.
func TestPlaceLegendAvoidsCurves(t *testing.T) {
	epochs := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	train := []float64{0.1694, 0.0574, 0.0344, 0.0180, 0.0156, 0.0143, 0.0113, 0.0065, 0.0041, 0.0029}
	val := []float64{0.1048, 0.0939, 0.1124, 0.1993, 0.1973, 0.2006, 0.1520, 0.1391, 0.2153, 0.2433}
	falling := []float64{0.30, 0.20, 0.15, 0.12, 0.10, 0.09, 0.085, 0.08, 0.078, 0.077}

	place := func(curves ...[]float64) corner {
		p := newPlot("", "epoch", "loss")
		var xys []plotter.XYs
		for i, v := range curves {
			xys = append(xys, addCurve(p, epochs, v, 1, "curve", classColour(i), i > 0))
		}
		p.Y.Min = 0
		c := vgimg.New(px(520), px(420))
		dc := draw.New(c)
		leg := p.Legend
		p.Draw(dc)
		da := p.DataCanvas(dc)
		placeLegend(da, p, &leg, xys, []corner{topRight, bottomLeft, topLeft, bottomRight})
		got := corner{top: leg.Top, left: leg.Left}
		// Whatever the corner, the panel covers none of the curves' points.
		r, ok := legendBox(da, &leg)
		require.True(t, ok)
		for _, xy := range xys {
			for _, q := range xy {
				x, y := da.X(p.X.Norm(q.X)), da.Y(p.Y.Norm(q.Y))
				require.False(t, x >= r.Min.X && x <= r.Max.X && y >= r.Min.Y && y <= r.Max.Y,
					"legend at %+v covers epoch %v (%v)", got, q.X, q.Y)
			}
		}
		return got
	}
	require.Equal(t, topRight, place(falling, falling), "falling losses keep the legend top right")
	require.NotEqual(t, topRight, place(train, val), "a validation loss ending at its highest moves the legend")

	// And the chart of that run draws.
	require.NoError(t, TrainingCurveKept(filepath.Join(keepDir(t), "overfit.png"), 7, epochs, train, val, nil, nil))
}
