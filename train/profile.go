package train

import (
	"errors"
	"time"

	"github.com/emberml/ember/graph"
)

// ErrNoProfiling reports an executor that cannot profile its steps.
var ErrNoProfiling = errors.New("train: this executor does not profile its steps")

// Names of the entries a Trainer's profile has besides its program's ops.
const (
	ProfileFill = "Fill"            // Data.Fill into the input buffers (graph.PhaseData)
	ProfileClip = graph.ProfileClip // measuring and clipping the gradient norm (graph.PhaseOptimizer)
)

// stepTimes is what a trainer records per step around its executable.
type stepTimes struct {
	on    bool
	steps int
	wall  time.Duration
	fill  time.Duration
}

// SetProfiling turns per-op timing of Step on or off. Every op of the
// forward and backward passes is timed (on a device, by its own timers;
// a device step then launches kernel by kernel), and so are filling the
// batch, gradient clipping and the optimizer's update. Turning it off
// keeps what was recorded; a step without profiling costs a few branches
// more than before.
func (t *Trainer) SetProfiling(on bool) error {
	if err := t.exec.SetProfiling(on); err != nil {
		return err
	}
	t.prof.on = on
	return nil
}

// Profile returns where the profiled steps' time went: the program's ops
// by name and phase, then "Fill" (graph.PhaseData), "ClipGradNorm" (or
// "GlobalNorm" without clipping) and the optimizer's update named after
// its type, "Adam" say (graph.PhaseOptimizer). Steps is the number of
// profiled steps and Wall their total time inside Step, so Untimed is the
// rest (reading the loss, counting correct answers, the timers
// themselves).
func (t *Trainer) Profile() graph.Profile {
	p := t.exec.Profile()
	s := &t.prof
	p.Steps, p.Wall = s.steps, s.wall
	if s.steps == 0 {
		return p
	}
	return p.Merge(graph.Profile{Ops: []graph.OpTime{{Op: ProfileFill, Phase: graph.PhaseData, Calls: s.steps, Total: s.fill}}})
}

// ResetProfile forgets the times recorded so far.
func (t *Trainer) ResetProfile() {
	t.exec.ResetProfile()
	t.prof = stepTimes{on: t.prof.on}
}
