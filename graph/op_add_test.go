package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGradAdd: Add applied directly has its operands' shape, the sum's
// values, and each operand gets the output's gradient.
func TestGradAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	gradCheck(t, []gcInput{
		{"a", randBuf(rng, 1, 3, 4), true, 0},
		{"b", randBuf(rng, 1, 3, 4), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		sum := Use(Add{}, n[0], gorgonia.Must(gorgonia.Tanh(n[1])))
		require.Equal(t, tensor.Shape{3, 4}, sum.Shape())
		return sum
	}, nil)
}

// TestAddShapes: operands of different shapes are refused when the graph
// is built, naming both, even where their sizes agree.
func TestAddShapes(t *testing.T) {
	for _, c := range []struct{ a, b tensor.Shape }{{tensor.Shape{3, 4}, tensor.Shape{3, 1}}, {tensor.Shape{3, 4}, tensor.Shape{4, 3}}} {
		g := New(tensor.Float32, true)
		a := g.Input("a", tensor.Float32, c.a...)
		b := g.Input("b", tensor.Float32, c.b...)
		_, err := gorgonia.ApplyOp(Add{}, a, b)
		require.ErrorContains(t, err, fmt.Sprintf("Add: shapes %v and %v differ", c.a, c.b))
	}
}

// TestAddValues: the sum, computed in float32 on a compiled program.
func TestAddValues(t *testing.T) {
	g := New(tensor.Float32, false)
	a := g.Input("a", tensor.Float32, 2, 2)
	b := g.Input("b", tensor.Float32, 2, 2)
	sum := Use(Add{}, a, b)
	prog, err := g.Compile([]*gorgonia.Node{sum}, nil)
	require.NoError(t, err)
	require.NoError(t, prog.Buf(a).CopyFrom(&Buf{Shape: tensor.Shape{2, 2}, Dtype: tensor.Float32, F32: []float32{1, 2, 3, 4}}))
	require.NoError(t, prog.Buf(b).CopyFrom(&Buf{Shape: tensor.Shape{2, 2}, Dtype: tensor.Float32, F32: []float32{10, 20, 30, 40}}))
	require.NoError(t, prog.Run())
	require.Equal(t, []float32{11, 22, 33, 44}, prog.Buf(sum).F32)
}
