package plots

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The loss legend must not hide the curves, wherever they run: falling
// losses leave the top right clear; an overfitting run whose validation
// loss ends at its highest (the GRU spam model's figures in RESULTS.md)
// moves it to another corner; a run that starts high on the left and
// climbs again on the right (the packed LSTM's) leaves no corner clear,
// and the axis grows to make room above the curves.
func TestFitLegendAvoidsCurves(t *testing.T) {
	epochs := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	falling := []float64{0.30, 0.20, 0.15, 0.12, 0.10, 0.09, 0.085, 0.08, 0.078, 0.077}
	gruTrain := []float64{0.1694, 0.0574, 0.0344, 0.0180, 0.0156, 0.0143, 0.0113, 0.0065, 0.0041, 0.0029}
	gruVal := []float64{0.1048, 0.0939, 0.1124, 0.1993, 0.1973, 0.2006, 0.1520, 0.1391, 0.2153, 0.2433}
	packedTrain := []float64{0.2327, 0.0834, 0.0327, 0.0135, 0.0186, 0.0038, 0.0058, 0.0055, 0.0003, 0.0001}
	packedVal := []float64{0.1517, 0.1168, 0.1849, 0.1460, 0.1331, 0.1727, 0.1910, 0.1409, 0.2024, 0.2179}

	fit := func(curves ...[]float64) (corner, float64) {
		p := newPlot("", "epoch", "loss")
		var xys []plotter.XYs
		for i, v := range curves {
			xys = append(xys, addCurve(p, epochs, v, 1, "curve", classColour(i), i > 0))
		}
		ringEpoch(p, 8, curves[len(curves)-1][7], "kept model (epoch 8)")
		p.Y.Min = 0
		c := draw.New(vgimg.New(px(520), px(420)))
		leg := p.Legend
		p.Legend.Top = false // fitLegend decides, whatever it was
		yMax := p.Y.Max
		fitLegend(c, p, &leg, xys, []corner{topRight, bottomLeft, topLeft, bottomRight})
		p.Draw(c)
		da := p.DataCanvas(c)
		got := corner{top: leg.Top, left: leg.Left}
		r, ok := legendBox(da, &leg)
		require.True(t, ok)
		require.Zero(t, placeLegend(da, p, &leg, xys, []corner{got}), "legend at %+v covers the curves", got)
		for _, xy := range xys {
			for _, q := range xy {
				x, y := da.X(p.X.Norm(q.X)), da.Y(p.Y.Norm(q.Y))
				require.False(t, x >= r.Min.X && x <= r.Max.X && y >= r.Min.Y && y <= r.Max.Y,
					"legend at %+v covers epoch %v (%v)", got, q.X, q.Y)
			}
		}
		return got, p.Y.Max / yMax
	}
	got, grew := fit(falling, falling)
	require.Equal(t, topRight, got, "falling losses keep the legend top right")
	require.Equal(t, 1.0, grew)
	got, grew = fit(gruTrain, gruVal)
	require.NotEqual(t, topRight, got, "a validation loss ending at its highest moves the legend")
	require.Equal(t, 1.0, grew)
	got, grew = fit(packedTrain, packedVal)
	require.True(t, got.top, "no corner is clear: room is made at the top")
	require.Greater(t, grew, 1.1)

	// And the charts of those runs draw.
	dir := keepDir(t)
	require.NoError(t, TrainingCurveKept(filepath.Join(dir, "overfit.png"), 7, epochs, gruTrain, gruVal, nil, nil))
	acc := []float64{0.92, 0.975, 0.99, 0.998, 0.995, 0.999, 0.998, 0.998, 1, 1}
	vacc := []float64{0.964, 0.9665, 0.9737, 0.9653, 0.9725, 0.9737, 0.9605, 0.9737, 0.9725, 0.9725}
	require.NoError(t, TrainingCurveKept(filepath.Join(dir, "no-clear-corner.png"), 8, epochs, packedTrain, packedVal, acc, vacc))
}
