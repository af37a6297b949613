package graph_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
)

// cpuNet is a dense classifier on the CPU backend, with its plan pieces.
type cpuNet struct {
	g          *graph.Graph
	x, y, p, l *gorgonia.Node
	grads      []*gorgonia.Node
	d1, d2     *layers.Dense
	plan       *graph.Plan
}

func newCPUNet(t *testing.T, seed uint64) *cpuNet {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := &cpuNet{g: graph.New(tensor.Float32, true)}
	n.d1 = layers.NewDense("d1", 3, 4, tensor.Float32, rng)
	n.d2 = layers.NewDense("d2", 4, 1, tensor.Float32, rng)
	n.x, n.y = n.g.Input("x", tensor.Float32, 5, 3), n.g.Input("y", tensor.Float32, 5, 1)
	n.p = layers.Sigmoid(n.d2.Forward(n.g, layers.Sigmoid(n.d1.Forward(n.g, n.x))))
	n.l = layers.BCELoss(n.p, n.y)
	var err error
	n.grads, err = n.g.Grad(n.l)
	require.NoError(t, err)
	n.plan, err = graph.NewPlan([]*gorgonia.Node{n.l, n.p}, n.grads, n.g.Binds())
	require.NoError(t, err)
	return n
}

// TestCPUBackend: a training executable's Step is the program's run, the
// norm, clipping and the optimizer's step, as a caller would do them by
// hand; its buffers are the program's; Gradients and Grads give the raw
// gradients; a store that does not hold the graph's parameters is refused.
func TestCPUBackend(t *testing.T) {
	a, b := newCPUNet(t, 1), newCPUNet(t, 1)
	st, err := graph.CPU.NewStore(a.g.Params(), graph.Update{ClipNorm: 0.1, Optimizer: optim.NewAdam(0.1)})
	require.NoError(t, err)
	ex, err := graph.CPU.Compile(a.plan, st, a.grads)
	require.NoError(t, err)
	require.Nil(t, ex.Input(a.p), "an output is no input")
	require.Nil(t, ex.Output(a.x), "an input is no output")
	require.Equal(t, "cpu", graph.CPU.String())

	prog, err := b.g.Compile([]*gorgonia.Node{b.l, b.p}, b.grads)
	require.NoError(t, err)
	opt := optim.NewAdam(0.1)
	rng := rand.New(rand.NewPCG(2, 2))
	for range 3 {
		for i := range 15 {
			v := float32(rng.NormFloat64())
			ex.Input(a.x).F32[i], prog.Buf(b.x).F32[i] = v, v
		}
		for i := range 5 {
			v := float32(rng.IntN(2))
			ex.Input(a.y).F32[i], prog.Buf(b.y).F32[i] = v, v
		}
		norm, err := ex.Step()
		require.NoError(t, err)

		require.NoError(t, prog.Run())
		var grads []*graph.Buf
		for _, n := range b.grads {
			grads = append(grads, prog.Buf(n))
		}
		want, err := optim.ClipGradNorm(grads, 0.1)
		require.NoError(t, err)
		require.NoError(t, opt.Step(b.g.Params(), grads))
		require.Equal(t, want, norm)
		require.Equal(t, prog.Buf(b.l).F32, ex.Output(a.l).F32)
		for i, p := range a.g.Params() {
			require.Equal(t, b.g.Params()[i].Value.F32, p.Value.F32, p.Name)
		}
	}

	norm, err := ex.Gradients()
	require.NoError(t, err)
	gs, err := ex.Grads()
	require.NoError(t, err)
	require.InDelta(t, graph.GlobalNorm(gs), norm, 1e-12, "Gradients measures the raw gradients")

	// A non-finite gradient skips the update.
	before := append([]float32(nil), a.g.Params()[0].Value.F32...)
	ex.Input(a.x).F32[0] = float32(math.NaN())
	_, err = ex.Step()
	require.True(t, errors.Is(err, graph.ErrNonFiniteNorm), "%v", err)
	require.Equal(t, before, a.g.Params()[0].Value.F32)

	other, err := graph.CPU.NewStore(b.g.Params(), graph.Update{})
	require.NoError(t, err)
	_, err = graph.CPU.Compile(a.plan, other, nil)
	require.ErrorContains(t, err, "no parameter of the store")
	_, err = graph.CPU.Compile(a.plan, other, a.grads)
	require.Error(t, err)
	inf, err := graph.CPU.Compile(b.plan, other, nil)
	require.NoError(t, err)
	_, err = inf.Step()
	require.ErrorContains(t, err, "inference program")
	_, err = graph.CPU.NewStore(nil, graph.Update{ClipNorm: -1})
	require.Error(t, err)
}
