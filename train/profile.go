package train

import (
	"errors"
	"reflect"
	"time"

	"github.com/emberml/ember/graph"
)

// ErrNoProfiling reports an executor that cannot profile its steps.
var ErrNoProfiling = errors.New("train: this executor does not profile its steps")

// stepProfiler is the hook through which a device executor's half of a
// Trainer (t.cu) profiles its steps: a cudaTrainer that has these methods
// is profiled through them, one without makes SetProfiling return
// ErrNoProfiling and Profile return an empty profile. profile must cover
// the whole step as the CPU's does: graph.OpTime entries named with
// graph.OpName, phases graph.PhaseForward, PhaseBackward and
// PhaseOptimizer ("ClipGradNorm", "Adam"), Steps and Wall filled.
type stepProfiler interface {
	setProfiling(on bool) error
	profile() graph.Profile
	resetProfile()
}

// profilerOf is x's stepProfiler hook, or nil if it has none. (x is a
// *cudaTrainer in practice; the assertion is dynamic so that this file
// builds whether or not the CUDA trainer has the methods yet.)
func profilerOf(x any) stepProfiler {
	p, _ := x.(stepProfiler)
	return p
}

// Names of the entries a Trainer adds to its program's profile.
const (
	ProfileFill = "Fill"         // Data.Fill into the input buffers (graph.PhaseData)
	ProfileClip = "ClipGradNorm" // optim.ClipGradNorm (graph.PhaseOptimizer)
)

// stepTimes is what a CPU trainer records per step around its program.
type stepTimes struct {
	on      bool
	optName string // the optimizer's type name: "Adam", "SGD"
	steps   int
	wall    time.Duration
	fill    time.Duration
	clip    time.Duration
	update  time.Duration
	nClip   int
}

// lap adds the time since t0 to *d and returns the time now.
func lap(d *time.Duration, t0 time.Time) time.Time {
	t1 := time.Now()
	*d += t1.Sub(t0)
	return t1
}

// SetProfiling turns per-op timing of Step on or off. On the CPU every
// kernel of the forward and backward passes is timed, and so are filling
// the batch, gradient clipping and the optimizer's update; turning it off
// keeps what was recorded, and a step without profiling costs a few
// branches more than before. On CUDA it returns ErrNoProfiling unless the
// CUDA executor provides its own timings.
func (t *Trainer) SetProfiling(on bool) error {
	if t.cu != nil {
		if p := profilerOf(t.cu); p != nil {
			return p.setProfiling(on)
		}
		return ErrNoProfiling
	}
	if t.prof.optName == "" {
		t.prof.optName = typeName(t.cfg.Optimizer)
	}
	t.prof.on = on
	t.prog.SetProfiling(on)
	return nil
}

// Profile returns where the profiled steps' time went: the program's ops
// by name and phase, then "Fill" (graph.PhaseData), "ClipGradNorm" and the
// optimizer's update named after its type, "Adam" say
// (graph.PhaseOptimizer). Steps is the number of profiled steps and Wall
// their total time inside Step, so Untimed is the rest (reading the loss,
// counting correct answers, the timers themselves). Empty on an executor
// that does not profile.
func (t *Trainer) Profile() graph.Profile {
	if t.cu != nil {
		if p := profilerOf(t.cu); p != nil {
			return p.profile()
		}
		return graph.Profile{}
	}
	p := t.prog.Profile()
	s := &t.prof
	p.Steps, p.Wall = s.steps, s.wall
	if s.steps == 0 {
		return p
	}
	extra := []graph.OpTime{{Op: ProfileFill, Phase: graph.PhaseData, Calls: s.steps, Total: s.fill}}
	if s.nClip > 0 {
		extra = append(extra, graph.OpTime{Op: ProfileClip, Phase: graph.PhaseOptimizer, Calls: s.nClip, Total: s.clip})
	}
	extra = append(extra, graph.OpTime{Op: s.optName, Phase: graph.PhaseOptimizer, Calls: s.steps, Total: s.update})
	return p.Merge(graph.Profile{Ops: extra})
}

// ResetProfile forgets the times recorded so far.
func (t *Trainer) ResetProfile() {
	if t.cu != nil {
		if p := profilerOf(t.cu); p != nil {
			p.resetProfile()
		}
		return
	}
	t.prog.ResetProfile()
	on, name := t.prof.on, t.prof.optName
	t.prof = stepTimes{on: on, optName: name}
}

// typeName is the name of v's type without package or pointer: "Adam".
func typeName(v any) string {
	rt := reflect.TypeOf(v)
	if rt == nil {
		return "optimizer"
	}
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	if rt.Name() == "" {
		return "optimizer"
	}
	return rt.Name()
}
