package graph

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Graph is a gorgonia expression graph under construction, with the
// bookkeeping a model needs: the parameters it uses (each bound to one input
// node), its dtype, and whether it is built for training (dropout active) or
// for inference.
type Graph struct {
	G        *gorgonia.ExprGraph
	Dtype    tensor.Dtype
	Training bool

	params []*Param
	nodes  map[*Param]*gorgonia.Node
}

// New starts a graph whose float tensors have dtype dt.
func New(dt tensor.Dtype, training bool) *Graph {
	return &Graph{G: gorgonia.NewGraph(), Dtype: dt, Training: training, nodes: map[*Param]*gorgonia.Node{}}
}

// Param returns the input node standing for p in this graph, creating it on
// first use. The executor binds the node to p.Value.
func (g *Graph) Param(p *Param) *gorgonia.Node {
	if n, ok := g.nodes[p]; ok {
		return n
	}
	if p.Value.Dtype != g.Dtype {
		panic(fmt.Sprintf("graph: parameter %s is %v in a %v graph", p.Name, p.Value.Dtype, g.Dtype))
	}
	n := gorgonia.NewTensor(g.G, g.Dtype, len(p.Shape()), gorgonia.WithShape(p.Shape()...), gorgonia.WithName(p.Name))
	g.nodes[p] = n
	g.params = append(g.params, p)
	return n
}

// Params lists the parameters used so far, in order of first use.
func (g *Graph) Params() []*Param { return g.params }

// Input adds an input node (data, labels, ids) that the caller fills
// through Program.Buf before each run.
func (g *Graph) Input(name string, dt tensor.Dtype, shape ...int) *gorgonia.Node {
	if len(shape) == 0 {
		return gorgonia.NewScalar(g.G, dt, gorgonia.WithName(name))
	}
	return gorgonia.NewTensor(g.G, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
}

// Grad differentiates the scalar cost with respect to every parameter in
// Params() and returns the gradient nodes in the same order.
func (g *Graph) Grad(cost *gorgonia.Node) ([]*gorgonia.Node, error) {
	wrt := make(gorgonia.Nodes, len(g.params))
	for i, p := range g.params {
		wrt[i] = g.nodes[p]
	}
	grads, err := gorgonia.Grad(cost, wrt...)
	if err != nil {
		return nil, fmt.Errorf("graph: differentiating %v: %w", cost, err)
	}
	return grads, nil
}

// Compile plans a program that computes fwd (forward outputs) and bwd
// (typically gradient nodes), binding every parameter to its Value.
func (g *Graph) Compile(fwd, bwd []*gorgonia.Node) (*Program, error) {
	return Compile(fwd, bwd, g.Binds())
}

// Binds maps each parameter's node to the parameter's storage, the binding
// every executor (CPU or CUDA) compiles the graph with.
func (g *Graph) Binds() map[*gorgonia.Node]*Buf {
	binds := make(map[*gorgonia.Node]*Buf, len(g.nodes))
	for p, n := range g.nodes {
		binds[n] = p.Value
	}
	return binds
}

// Use applies op to the inputs, panicking on a construction error. Layers
// use it where the shapes are known to fit; such an error is a bug.
func Use(op gorgonia.Op, inputs ...*gorgonia.Node) *gorgonia.Node {
	n, err := gorgonia.ApplyOp(op, inputs...)
	if err != nil {
		panic(fmt.Sprintf("graph: %v: %v", op, err))
	}
	return n
}
