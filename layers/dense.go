package layers

import (
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Dense is a fully connected layer, y = x·Wᵀ + b, with W (Out, In).
type Dense struct {
	W, B    *graph.Param
	In, Out int
}

// NewDense initialises W and b from U(−1/√In, 1/√In), PyTorch's nn.Linear
// default. It panics unless in and out are at least 1, rng is not nil and
// dt is float32 or float64.
func NewDense(name string, in, out int, dt tensor.Dtype, rng *rand.Rand) *Dense {
	must(sizeError("NewDense", size{"in", in}, size{"out", out}), paramError("NewDense", dt, rng))
	w := graph.NewParam(name+".weight", dt, out, in)
	b := graph.NewParam(name+".bias", dt, out)
	w.InitUniform(rng, fanBound(in))
	b.InitUniform(rng, fanBound(in))
	return &Dense{W: w, B: b, In: in, Out: out}
}

// Params is the layer's weight and bias, W then B.
func (d *Dense) Params() []*graph.Param { return []*graph.Param{d.W, d.B} }

// Forward maps x (N, In) to (N, Out).
func (d *Dense) Forward(g *graph.Graph, x *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Linear{}, x, g.Param(d.W), g.Param(d.B))
}
