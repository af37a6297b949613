package train

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

func cloneBufs(bs []*graph.Buf) []*graph.Buf {
	out := make([]*graph.Buf, len(bs))
	for i, b := range bs {
		out[i] = graph.NewBuf(b.Dtype, b.Shape...)
		_ = out[i].CopyFrom(b)
	}
	return out
}

// TestTrainerExposesGradients: Gradients leaves the raw gradients and their
// norm; a Step with clipping reports the same norm (before clipping) and
// leaves the clipped gradients that the optimizer used.
func TestTrainerExposesGradients(t *testing.T) {
	data := newBlobs(8, 1)
	idx := []int{0, 1, 2, 3}
	m := newLogistic(2)
	tr, err := NewTrainer(m, Config{BatchSize: 4, ClipNorm: 0.01, Optimizer: optim.NewSGD(0)})
	require.NoError(t, err)
	require.Equal(t, m.Params(), tr.Params())
	require.Zero(t, tr.GradNorm(), "no step yet")

	loss, err := tr.Gradients(data, idx)
	require.NoError(t, err)
	require.Greater(t, loss, 0.0)
	g, err := tr.Grads()
	require.NoError(t, err)
	raw := cloneBufs(g)
	norm := tr.GradNorm()
	require.InDelta(t, optim.GlobalNorm(raw), norm, 1e-12)
	require.Greater(t, norm, 0.01, "the clip must bite for this test")

	stepLoss, _, err := tr.Step(data, idx) // SGD with lr 0: the weights stay
	require.NoError(t, err)
	require.Equal(t, loss, stepLoss)
	require.InDelta(t, norm, tr.GradNorm(), 1e-9*norm)
	g, err = tr.Grads()
	require.NoError(t, err)
	require.InDelta(t, 0.01, optim.GlobalNorm(g), 1e-6, "the gradients as clipped")
	coef := 0.01 / (norm + 1e-6)
	for i := range g {
		for j := range g[i].Len() {
			require.InDelta(t, raw[i].At(j)*coef, g[i].At(j), 1e-7)
		}
	}

	// Without clipping the norm is computed on demand from the gradients.
	tr2, err := NewTrainer(m, Config{BatchSize: 4, Optimizer: optim.NewSGD(0)})
	require.NoError(t, err)
	_, _, err = tr2.Step(data, idx)
	require.NoError(t, err)
	require.InDelta(t, norm, tr2.GradNorm(), 1e-9*norm)
	require.False(t, math.IsNaN(tr2.GradNorm()))
}
