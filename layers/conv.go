package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Conv1D is a convolution over time (PyTorch's nn.Conv1d with stride 1 and
// no padding) on time-major sequences: (T, B, In) to (T−Width+1, B, Out).
// Its weight is (Out, Width, In), channels last (PyTorch's is
// (Out, In, Width)).
type Conv1D struct {
	W, B           *graph.Param
	In, Out, Width int
}

// NewConv1D initialises W and b from U(−1/√(In·Width), 1/√(In·Width)),
// PyTorch's nn.Conv1d default. It panics unless in, out and width are at
// least 1, rng is not nil and dt is float32 or float64.
func NewConv1D(name string, in, out, width int, dt tensor.Dtype, rng *rand.Rand) *Conv1D {
	must(sizeError("NewConv1D", size{"in", in}, size{"out", out}, size{"width", width}), paramError("NewConv1D", dt, rng))
	c := &Conv1D{
		W:  graph.NewParam(name+".weight", dt, out, width, in),
		B:  graph.NewParam(name+".bias", dt, out),
		In: in, Out: out, Width: width,
	}
	c.W.InitUniform(rng, fanBound(in*width))
	c.B.InitUniform(rng, fanBound(in*width))
	return c
}

// Params is the layer's weight and bias, W then B.
func (c *Conv1D) Params() []*graph.Param { return []*graph.Param{c.W, c.B} }

// Forward convolves x (T, B, In), T ≥ Width.
func (c *Conv1D) Forward(g *graph.Graph, x *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Conv1D{}, x, g.Param(c.W), g.Param(c.B))
}

// TextCNN is the convolutional text encoder of Kim (2014): for each filter
// width, a Conv1D with Channels filters over the embedded sequence, ReLU,
// and global max pooling over time; the pooled features of every width are
// joined, giving (B, len(Widths)·Channels).
type TextCNN struct {
	Widths   []int
	Channels int
	Convs    []*Conv1D
}

// NewTextCNN makes one Conv1D per width (named <name>.<i>) over inputs of
// in channels (the embedding size). It panics unless in, channels and
// every width are at least 1, widths has one at least, rng is not nil and
// dt is float32 or float64.
func NewTextCNN(name string, in, channels int, widths []int, dt tensor.Dtype, rng *rand.Rand) *TextCNN {
	must(sizeError("NewTextCNN", size{"in", in}, size{"channels", channels}), paramError("NewTextCNN", dt, rng))
	if len(widths) == 0 {
		panic("layers: NewTextCNN: widths is empty, want one filter width at least")
	}
	for i, w := range widths {
		must(sizeError("NewTextCNN", size{fmt.Sprintf("widths[%d]", i), w}))
	}
	t := &TextCNN{Widths: append([]int(nil), widths...), Channels: channels}
	for i, w := range widths {
		t.Convs = append(t.Convs, NewConv1D(fmt.Sprintf("%s.%d", name, i), in, channels, w, dt, rng))
	}
	return t
}

// Params lists each convolution's W and B, in the order of Widths.
func (t *TextCNN) Params() []*graph.Param {
	ls := make([]Layer, len(t.Convs))
	for i, c := range t.Convs {
		ls[i] = c
	}
	return Collect(ls...)
}

// Features is the width of the encoding, len(Widths)·Channels.
func (t *TextCNN) Features() int { return len(t.Widths) * t.Channels }

// Forward encodes x (T, B, In), T at least the widest filter, as (B, Features()).
func (t *TextCNN) Forward(g *graph.Graph, x *gorgonia.Node) *gorgonia.Node {
	pooled := make([]*gorgonia.Node, len(t.Convs))
	for i, c := range t.Convs {
		pooled[i] = graph.Use(graph.MaxOverTime{}, ReLU(c.Forward(g, x)))
	}
	if len(pooled) == 1 {
		return pooled[0]
	}
	return graph.NewConcat(pooled...)
}
