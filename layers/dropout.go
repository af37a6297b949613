package layers

import (
	"gorgonia.org/gorgonia"

	"github.com/emberml/ember/graph"
)

// Dropout zeroes activations with probability P while training and is the
// identity in graphs built for inference. Each graph it is applied in gets
// its own op, seeded from Seed and a count of applications, so runs are
// repeatable. The zero value is the identity (P 0). A P outside [0, 1),
// NaN included, is a programmer error: Forward panics naming it, in every
// graph, so a Dropout built by hand fails where its first graph is built,
// as the constructors taking a dropout probability fail when called.
type Dropout struct {
	P    float64
	Seed uint64
	uses uint64
}

// Params is nil: dropout learns nothing.
func (d *Dropout) Params() []*graph.Param { return nil }

// Forward applies dropout when g is a training graph. It panics if P is
// not in [0, 1).
func (d *Dropout) Forward(g *graph.Graph, x *gorgonia.Node) *gorgonia.Node {
	// Checked before the inference shortcut: an evaluation graph built
	// first must not hide a P that training would trip on.
	if !(d.P >= 0 && d.P < 1) {
		panic(argError("Dropout", "P", d.P, "a probability in [0, 1)").Error())
	}
	if !g.Training || d.P == 0 {
		return x
	}
	d.uses++
	return graph.Use(graph.NewDropout(d.P, d.Seed+0x5851F42D4C957F2D*d.uses), x)
}
