package layers

import (
	"gorgonia.org/gorgonia"

	"github.com/emberml/ember/graph"
)

// Dropout zeroes activations with probability P while training and is the
// identity in graphs built for inference. Each graph it is applied in gets
// its own op, seeded from Seed and a count of applications, so runs are
// repeatable.
type Dropout struct {
	P    float64
	Seed uint64
	uses uint64
}

func (d *Dropout) Params() []*graph.Param { return nil }

// Forward applies dropout when g is a training graph.
func (d *Dropout) Forward(g *graph.Graph, x *gorgonia.Node) *gorgonia.Node {
	if !g.Training || d.P == 0 {
		return x
	}
	d.uses++
	return graph.Use(graph.NewDropout(d.P, d.Seed+0x5851F42D4C957F2D*d.uses), x)
}
