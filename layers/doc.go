// Package layers holds the building blocks of models: each layer owns its
// parameters (graph.Param, shared by every graph built from it) and adds
// its ops to a graph.Graph in Forward.
//
// Adding a layer takes one file here: a struct holding its parameters, a
// constructor that initialises them, Params, and Forward, which applies
// ops from package graph (or a new op there, with its gradient check).
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
