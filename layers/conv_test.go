package layers

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// TestTextCNNMatchesPyTorch loads PyTorch's nn.Conv1d weights (transposed
// from (Out, In, Width) to Ember's (Out, Width, In)) into a TextCNN and
// checks the pooled features, the cost and every gradient in float64.
func TestTextCNNMatchesPyTorch(t *testing.T) {
	ref := loadReference(t, "testdata/textcnn_reference.json")
	s := ref.Shape
	cnn := NewTextCNN("cnn", s.In, s.Channels, s.Widths, tensor.Float64, rand.New(rand.NewPCG(1, 1)))
	require.Equal(t, len(s.Widths)*s.Channels, cnn.Features())
	// fromTorch maps PyTorch's (Out, In, Width) index to Ember's (Out, Width, In).
	fromTorch := func(c *Conv1D, torch []float64, dst []float64) {
		for o := 0; o < c.Out; o++ {
			for i := 0; i < c.In; i++ {
				for k := 0; k < c.Width; k++ {
					dst[(o*c.Width+k)*c.In+i] = torch[(o*c.In+i)*c.Width+k]
				}
			}
		}
	}
	for i, c := range cnn.Convs {
		fromTorch(c, ref.param(t, fmt.Sprintf("%d.weight", i), c.W.Value.Len()), c.W.Value.F64)
		copy(c.B.Value.F64, ref.param(t, fmt.Sprintf("%d.bias", i), c.Out))
	}
	x := &graph.Param{Name: "x", Value: graph.NewBuf(tensor.Float64, s.T, s.B, s.In)}
	copy(x.Value.F64, ref.X)

	g := graph.New(tensor.Float64, true)
	feats := cnn.Forward(g, g.Param(x))
	require.Equal(t, tensor.Shape{s.B, cnn.Features()}, feats.Shape())
	r := g.Input("r", tensor.Float64, feats.Shape()...)
	cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(feats, r))))
	grads, err := g.Grad(cost)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{cost, feats}, grads)
	require.NoError(t, err)
	copy(prog.Buf(r).F64, ref.R)
	require.NoError(t, prog.Run())

	closeTo(t, "features", ref.Features, prog.Buf(feats).F64)
	closeTo(t, "cost", []float64{ref.Cost}, []float64{prog.Scalar(cost)})
	byParam := map[*graph.Param][]float64{}
	for k, p := range g.Params() {
		byParam[p] = prog.Buf(grads[k]).F64
	}
	closeTo(t, "grad x", ref.GradX, byParam[x])
	for i, c := range cnn.Convs {
		want := make([]float64, c.W.Value.Len())
		fromTorch(c, ref.Grads[fmt.Sprintf("%d.weight", i)], want)
		closeTo(t, fmt.Sprintf("grad %d.weight", i), want, byParam[c.W])
		closeTo(t, fmt.Sprintf("grad %d.bias", i), ref.Grads[fmt.Sprintf("%d.bias", i)], byParam[c.B])
	}
}

func TestConv1DInitialisation(t *testing.T) {
	c := NewConv1D("c", 10, 6, 4, tensor.Float32, rand.New(rand.NewPCG(6, 6)))
	require.Equal(t, tensor.Shape{6, 4, 10}, c.W.Shape())
	require.Equal(t, []string{"c.weight", "c.bias"}, []string{c.Params()[0].Name, c.Params()[1].Name})
	for _, v := range c.W.Value.F32 {
		require.LessOrEqual(t, float64(v*v), 1.0/40, "U(±1/√(In·Width)), as nn.Conv1d")
	}
}
