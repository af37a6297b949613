// Package layers holds the building blocks of models: each layer owns its
// parameters (graph.Param, shared by every graph built from it) and adds
// its ops to a graph.Graph in Forward.
//
// Adding a layer takes one file, here or in a package of your own: a struct
// holding its parameters, a constructor that initialises them, Params,
// and Forward, which applies ops from package graph or ops of your own.
// A new op can live in your own package, built on graph's exported
// OpBase, TensorType, DoCPU and the like, as examples/swish does, or, for
// the engine, in package graph; either way it gets a gradient check
// (graph.CheckGradients). docs/extending.md walks through both.
//
// The constructors panic on arguments no model can have (a size below 1, a
// dropout probability outside [0, 1), a nil rng), with a message naming
// the argument and its range: a programmer error, surfaced where it is
// made. NewRecurrent returns those messages as errors.
package layers

import (
	"math"

	"github.com/emberml/ember/graph"
)

// Layer is anything with trainable parameters.
type Layer interface {
	Params() []*graph.Param
}

// Collect gathers the parameters of several layers, in order.
func Collect(ls ...Layer) []*graph.Param {
	var ps []*graph.Param
	for _, l := range ls {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// fanBound is PyTorch's default initialisation bound 1/sqrt(fan).
func fanBound(fan int) float64 { return 1 / math.Sqrt(float64(fan)) }
