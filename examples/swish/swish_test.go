package swish_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/examples/swish"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/internal/cudatest"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// net is a small classifier with Swish between two dense layers.
type net struct {
	d1, d2 *layers.Dense
	in     int
}

func newNet(dt tensor.Dtype, seed uint64) *net {
	rng := rand.New(rand.NewPCG(seed, 1))
	return &net{d1: layers.NewDense("d1", 6, 8, dt, rng), d2: layers.NewDense("d2", 8, 1, dt, rng), in: 6}
}

func (m *net) Params() []*graph.Param { return layers.Collect(m.d1, m.d2) }

func (m *net) Build(g *graph.Graph, batch int) (*train.Net, error) {
	x := g.Input("x", g.Dtype, batch, m.in)
	y := g.Input("y", g.Dtype, batch, 1)
	p := layers.Sigmoid(m.d2.Forward(g, swish.Apply(m.d1.Forward(g, x))))
	return &train.Net{Inputs: []*gorgonia.Node{x}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// points is n random points labelled by a fixed quadratic rule.
type points struct {
	x [][]float64
	y []float64
}

func newPoints(n int, seed uint64) *points {
	rng := rand.New(rand.NewPCG(seed, 2))
	d := &points{}
	for range n {
		row := make([]float64, 6)
		s := 0.0
		for j := range row {
			row[j] = rng.NormFloat64()
			s += row[j] * row[j] * float64(j%3-1)
		}
		d.x = append(d.x, row)
		d.y = append(d.y, map[bool]float64{true: 1, false: 0}[s > 0])
	}
	return d
}

func (d *points) Len() int { return len(d.y) }

func (d *points) Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error {
	for k, i := range idx {
		for j, v := range d.x[i] {
			inputs[0].Set(k*6+j, v)
		}
		target.Set(k, d.y[i])
	}
	return nil
}

// TestGradient checks the op's backward pass against central differences
// in float64, the test every op gets.
func TestGradient(t *testing.T) {
	m := newNet(tensor.Float64, 1)
	g := graph.New(tensor.Float64, true)
	tn, err := m.Build(g, 5)
	require.NoError(t, err)
	grads, err := g.Grad(tn.Loss)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{tn.Loss}, grads)
	require.NoError(t, err)
	d := newPoints(5, 3)
	require.NoError(t, d.Fill([]int{0, 1, 2, 3, 4}, []*graph.Buf{prog.Buf(tn.Inputs[0])}, prog.Buf(tn.Target)))
	require.NoError(t, graph.CheckGradients(prog, tn.Loss, g.Params(), grads, graph.GradCheck{Seed: 1}))
}

// TestFormula: the float32 kernel (fast sigmoid, split over the cores)
// against the formula in float64, on inputs large enough to be split.
func TestFormula(t *testing.T) {
	const n = 1 << 16
	g := graph.New(tensor.Float32, false)
	x := g.Input("x", tensor.Float32, n)
	y := swish.Apply(x)
	prog, err := graph.Compile([]*gorgonia.Node{y}, nil, nil)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 1))
	xs := prog.Buf(x).F32
	for i := range xs {
		xs[i] = float32(rng.NormFloat64() * 6)
	}
	require.NoError(t, prog.Forward())
	for i, v := range prog.Buf(y).F32 {
		want := float64(xs[i]) / (1 + math.Exp(-float64(xs[i])))
		require.InDelta(t, want, float64(v), 2e-6*max(1, math.Abs(want)), "x = %v", xs[i])
	}
	allocs := testing.AllocsPerRun(20, func() { _ = prog.Forward() })
	require.Zero(t, allocs, "the kernel allocates nothing per run")
}

func cudaDevice(t *testing.T) *cuda.Context { return cudatest.Context(t) }

// TestCUDAKernel runs the op's own CUDA kernels (the emulator without a
// GPU) against its CPU kernels: forward and gradient, no CPU fallback.
func TestCUDAKernel(t *testing.T) {
	ctx := cudaDevice(t)
	build := func() (*graph.Graph, *gorgonia.Node, *gorgonia.Node, []*gorgonia.Node) {
		g := graph.New(tensor.Float32, true)
		w := graph.NewParam("w", tensor.Float32, 3, 700)
		w.InitUniform(rand.New(rand.NewPCG(2, 2)), 4)
		x := g.Param(w)
		loss := gorgonia.Must(gorgonia.Sum(swish.Apply(x)))
		grads, err := g.Grad(loss)
		require.NoError(t, err)
		return g, x, loss, grads
	}
	g1, x1, loss1, grads1 := build()
	g2, x2, loss2, grads2 := build()
	cpuProg, err := g1.Compile([]*gorgonia.Node{loss1, x1}, grads1)
	require.NoError(t, err)
	plan, err := graph.NewPlan([]*gorgonia.Node{loss2, x2}, grads2, g2.Binds())
	require.NoError(t, err)
	var fell []string
	gpuProg, err := cudaexec.CompilePlan(ctx, plan, cudaexec.Options{Fallback: func(op gorgonia.Op, _ string) {
		fell = append(fell, graph.OpName(op))
	}})
	require.NoError(t, err)
	defer gpuProg.Close()
	require.NotContains(t, fell, "Swish", "Swish runs its own CUDA kernel")
	require.NotContains(t, fell, "SwishGrad")
	require.NoError(t, cpuProg.Run())
	require.NoError(t, gpuProg.Run())
	got, err := gpuProg.Download(grads2[0])
	require.NoError(t, err)
	want := cpuProg.Buf(grads1[0])
	for i := range want.F32 {
		require.InDelta(t, want.F32[i], got.F32[i], 1e-6+1e-5*math.Abs(float64(want.F32[i])), "dw[%d]", i)
	}
}

// TestTrainsOnCUDA fits the small classifier on the CPU and on CUDA from
// the same weights: the parameters end within 1e-4 (relative) of each
// other, and the op never runs on the CPU inside the CUDA program.
func TestTrainsOnCUDA(t *testing.T) {
	ctx := cudaDevice(t)
	var warned []string
	dev := train.On(cudaexec.New(ctx).WithWarnings(func(m string) { warned = append(warned, m) }))
	cfg := train.Config{Epochs: 3, BatchSize: 16, ClipNorm: 1, Seed: 2, KeepLast: true}
	cpuModel, gpuModel := newNet(tensor.Float32, 5), newNet(tensor.Float32, 5)
	tr, val := newPoints(70, 1), newPoints(30, 2)
	cfg.Optimizer = optim.NewAdam(0.02)
	want, err := train.Fit(context.Background(), cpuModel, tr, val, cfg)
	require.NoError(t, err)
	cfg.Optimizer, cfg.Device = optim.NewAdam(0.02), dev
	got, err := train.Fit(context.Background(), gpuModel, tr, val, cfg)
	require.NoError(t, err)
	require.Empty(t, warned, "no op of the model falls back to the CPU")
	t.Logf("validation loss: CPU %.6f, CUDA %.6f", want.Best.ValLoss, got.Best.ValLoss)
	for i, p := range cpuModel.Params() {
		q := gpuModel.Params()[i]
		for j := range p.Value.Len() {
			a, b := q.Value.At(j), p.Value.At(j)
			require.LessOrEqual(t, math.Abs(a-b), 1e-6+1e-4*math.Abs(b), "%s[%d]: CUDA %v, CPU %v", p.Name, j, a, b)
		}
	}
}
