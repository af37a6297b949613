package layers

import (
	"gorgonia.org/gorgonia"

	"github.com/emberml/ember/graph"
)

// Sigmoid applies the logistic function elementwise.
func Sigmoid(x *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Sigmoid{Dims: x.Dims()}, x)
}

// Tanh applies tanh elementwise.
func Tanh(x *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Tanh{Dims: x.Dims()}, x)
}

// ReLU applies max(x, 0) elementwise.
func ReLU(x *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.ReLU{Dims: x.Dims()}, x)
}
