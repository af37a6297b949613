package layers

import (
	"gorgonia.org/gorgonia"

	"github.com/emberml/ember/graph"
)

// Sigmoid applies the logistic function elementwise.
func Sigmoid(x *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.Sigmoid{Dims: x.Dims()}, x)
}
