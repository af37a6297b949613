package plots

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// TestFitTitle: a title wider than the chart is broken at spaces into
// lines that fit (ember gbt's ROC title, with a long target column's
// name, was cut off at both edges); a title that fits, and a word too
// wide for any line, are left whole.
func TestFitTitle(t *testing.T) {
	const long = `ROC curve of ember gbt: default.payment.next.month, positive class "1" (7500 held-out rows)`
	p := newPlot(long, "false positive rate", "true positive rate")
	c := draw.New(vgimg.NewWith(vgimg.UseWH(px(curveWidth), px(curveHeight)), vgimg.UseDPI(dpi)))
	require.Greater(t, p.Title.TextStyle.Width(long), c.Rectangle.Size().X, "the case is a title too wide")
	fitTitle(p, c)
	lines := strings.Split(p.Title.Text, "\n")
	require.Len(t, lines, 2)
	require.Equal(t, strings.Fields(long), strings.Fields(p.Title.Text), "every word kept, in order")
	for _, l := range lines {
		require.LessOrEqual(t, p.Title.TextStyle.Width(l), c.Rectangle.Size().X-2*px(8), l)
	}

	short := newPlot("ROC curve", "x", "y")
	fitTitle(short, c)
	require.Equal(t, "ROC curve", short.Title.Text)

	word := strings.Repeat("x", 200)
	require.Equal(t, "a\n"+word+"\nb", wrapText("a "+word+" b", p.Title.TextStyle, vg.Length(100)))
}
