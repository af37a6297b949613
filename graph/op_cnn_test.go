package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGradTanhReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	gradCheck(t, []gcInput{{"x", randBuf(rng, 2, 5, 4), true, 0}}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(Tanh{Dims: 2}, n[0])
	}, nil)
	gradCheck(t, []gcInput{{"x", randBuf(rng, 2, 3, 5, 4), true, 0}}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(ReLU{Dims: 3}, n[0])
	}, nil)
}

func TestActivationValues(t *testing.T) {
	x := NewBuf(tensor.Float64, 5)
	copy(x.F64, []float64{-2, -0.5, 0, 0.5, 2})
	y := NewBuf(tensor.Float64, 5)
	require.NoError(t, ReLU{Dims: 1}.ExecCPU(nil, y, []*Buf{x}))
	require.Equal(t, []float64{0, 0, 0, 0.5, 2}, y.F64)
	require.NoError(t, Tanh{Dims: 1}.ExecCPU(nil, y, []*Buf{x}))
	for i, v := range x.F64 {
		require.Equal(t, math.Tanh(v), y.F64[i])
	}
	dy := NewBuf(tensor.Float64, 5)
	copy(dy.F64, []float64{1, 2, 3, 4, 5})
	relu := NewBuf(tensor.Float64, 5)
	copy(relu.F64, []float64{0, 0, 0, 0.5, 2})
	dx := NewBuf(tensor.Float64, 5)
	require.NoError(t, ReLUGrad{Dims: 1}.ExecCPU(nil, dx, []*Buf{relu, dy}))
	require.Equal(t, []float64{0, 0, 0, 4, 5}, dx.F64, "PyTorch's ReLU has gradient 0 at 0")
}

// TestConv1DFormula checks Conv1D against its definition, summed naively,
// in float64 and in float32 (through the fast GEMM, split over cores).
func TestConv1DFormula(t *testing.T) {
	const T, B, In, Out, W = 7, 3, 5, 4, 3
	rng := rand.New(rand.NewPCG(23, 24))
	x, w, b := randBuf(rng, 1, T, B, In), randBuf(rng, 1, Out, W, In), randBuf(rng, 1, Out)
	want := make([]float64, (T-W+1)*B*Out)
	for s := 0; s <= T-W; s++ {
		for r := 0; r < B; r++ {
			for o := 0; o < Out; o++ {
				v := b.F64[o]
				for k := 0; k < W; k++ {
					for c := 0; c < In; c++ {
						v += w.F64[(o*W+k)*In+c] * x.F64[((s+k)*B+r)*In+c]
					}
				}
				want[(s*B+r)*Out+o] = v
			}
		}
	}
	shape, err := Conv1D{}.InferShape(x.Shape, w.Shape, b.Shape)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{T - W + 1, B, Out}, shape)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		ins := []*Buf{x, w, b}
		if dt == tensor.Float32 {
			ins = []*Buf{to32(x), to32(w), to32(b)}
		}
		y := NewBuf(dt, shape...)
		for i := range y.Len() {
			y.Set(i, math.NaN()) // output buffers are reused, not zeroed
		}
		require.NoError(t, Conv1D{}.ExecCPU(nil, y, ins))
		for i, v := range want {
			require.InDelta(t, v, y.At(i), 1e-5, "%v y[%d]", dt, i)
		}
	}
	_, err = Conv1D{}.InferShape(tensor.Shape{2, B, In}, w.Shape, b.Shape)
	require.ErrorContains(t, err, "filter width 3 does not fit a sequence of 2 steps")
}

func to32(b *Buf) *Buf {
	c := NewBuf(tensor.Float32, b.Shape...)
	for i, v := range b.F64 {
		c.F32[i] = float32(v)
	}
	return c
}

func TestGradConv1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const T, B, In, Out, W = 6, 2, 3, 4, 3
	gradCheck(t, []gcInput{
		{"x", randBuf(rng, 1, T, B, In), true, 0},
		{"w", randBuf(rng, 0.5, Out, W, In), true, 0},
		{"b", randBuf(rng, 0.5, Out), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(Conv1D{}, n[0], n[1], n[2])
	}, nil)
}

func TestMaxOverTime(t *testing.T) {
	x := NewBuf(tensor.Float64, 3, 1, 2)
	copy(x.F64, []float64{1, -5, 4, -7, 4, -6}) // column 0: max 4 at steps 1 and 2 (tie); column 1: -5 at step 0
	y := NewBuf(tensor.Float64, 1, 2)
	require.NoError(t, MaxOverTime{}.ExecCPU(nil, y, []*Buf{x}))
	require.Equal(t, []float64{4, -5}, y.F64)
	dy := NewBuf(tensor.Float64, 1, 2)
	copy(dy.F64, []float64{10, 20})
	dx := NewBuf(tensor.Float64, 3, 1, 2)
	require.NoError(t, MaxOverTimeGrad{}.ExecCPU(nil, dx, []*Buf{x, y, dy}))
	require.Equal(t, []float64{0, 20, 10, 0, 0, 0}, dx.F64, "the gradient goes to the first maximum only")

	rng := rand.New(rand.NewPCG(27, 28))
	gradCheck(t, []gcInput{{"x", randBuf(rng, 1, 5, 3, 4), true, 0}}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(MaxOverTime{}, n[0])
	}, nil)
}

func TestConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	gradCheck(t, []gcInput{
		{"a", randBuf(rng, 1, 3, 2), true, 0},
		{"b", randBuf(rng, 1, 3, 4), true, 0},
		{"c", randBuf(rng, 1, 3, 1), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		out := NewConcat(n[0], n[1], n[2])
		require.Equal(t, tensor.Shape{3, 7}, out.Shape())
		return out
	}, nil)
	a, b := NewBuf(tensor.Float32, 2, 1), NewBuf(tensor.Float32, 2, 2)
	copy(a.F32, []float32{1, 2})
	copy(b.F32, []float32{3, 4, 5, 6})
	out := NewBuf(tensor.Float32, 2, 3)
	require.NoError(t, Concat{Widths: []int{1, 2}}.ExecCPU(nil, out, []*Buf{a, b}))
	require.Equal(t, []float32{1, 3, 4, 2, 5, 6}, out.F32)
}
