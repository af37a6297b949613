package main

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/train"
)

// defaultProfileSteps is how many steps --profile times op by op, after
// the timed repeats.
const defaultProfileSteps = 5

// OpProfile is where one engine, device and batch size's training step
// spends its time (--profile): this engine's per-op timings over a few
// extra steps run after the timed repeats, with profiling on.
type OpProfile struct {
	Steps int `json:"steps"`
	// MsPerStep is the profiled steps' wall time per step, timers included:
	// compare it with the result's ms_per_step for the timers' overhead.
	MsPerStep float64 `json:"ms_per_step"`
	// UntimedMs is the part of a step no entry covers (reading the loss,
	// counting correct answers, the timers themselves).
	UntimedMs float64 `json:"untimed_ms_per_step"`
	// KernelsPerStep is the device operations (kernel launches, device
	// copies, memsets) a step enqueues, on a device that counts them (0 on
	// the CPU): a captured step replays that many as one CUDA graph.
	KernelsPerStep float64   `json:"kernels_per_step,omitempty"`
	Ops            []OpShare `json:"ops"`
	// Error says why there is no profile (an executor that cannot profile).
	Error string `json:"error,omitempty"`

	table string // the printed table
}

// OpShare is one op (or part of the step) in one phase.
type OpShare struct {
	Op           string  `json:"op"`
	Phase        string  `json:"phase"` // data, forward, backward or optimizer
	CallsPerStep float64 `json:"calls_per_step"`
	MsPerStep    float64 `json:"ms_per_step"`
	Percent      float64 `json:"percent"` // of the profiled step's wall time
	// KernelsPerStep: the op's device operations per step (CUDA).
	KernelsPerStep float64 `json:"kernels_per_step,omitempty"`
}

// newOpProfile summarises a trainer's profile.
func newOpProfile(p graph.Profile) *OpProfile {
	p = p.Aggregate()
	ms := func(d time.Duration) float64 { return round(float64(p.PerStep(d))/1e6, 4) }
	perStep := func(n int) float64 { return round(float64(n)/float64(max(p.Steps, 1)), 2) }
	op := &OpProfile{Steps: p.Steps, MsPerStep: ms(max(p.Wall, p.Total())), UntimedMs: ms(p.Untimed()),
		KernelsPerStep: perStep(p.Kernels()), Ops: make([]OpShare, 0, len(p.Ops)), table: p.String()}
	for _, o := range p.Ops {
		op.Ops = append(op.Ops, OpShare{Op: o.Op, Phase: o.Phase, CallsPerStep: perStep(o.Calls),
			MsPerStep: ms(o.Total), Percent: round(100*p.Share(o.Total), 2), KernelsPerStep: perStep(o.Kernels)})
	}
	return op
}

func round(v float64, digits int) float64 {
	s := math.Pow(10, float64(digits))
	return math.Round(v*s) / s
}

// profileSteps runs n more steps with tr's profiling on and returns the
// profile (or why there is none); only a failed step is an error.
func profileSteps(tr *train.Trainer, n int, step func() (float64, error)) (*OpProfile, error) {
	if err := tr.SetProfiling(true); err != nil {
		return &OpProfile{Error: err.Error()}, nil
	}
	defer tr.SetProfiling(false)
	tr.ResetProfile()
	for range n {
		if _, err := step(); err != nil {
			return nil, err
		}
	}
	return newOpProfile(tr.Profile()), nil
}

// printProfiles writes each result's per-op table after the summary,
// each named by its row of the table (with --packed, its mode too).
func printProfiles(w io.Writer, rep *Report) {
	for _, r := range rep.Results {
		p := r.Profile
		if p == nil {
			continue
		}
		name := fmt.Sprintf("%s %s batch %d", r.Engine, r.Device, r.Batch)
		if rep.Settings.Packed {
			name += " " + r.Mode
		}
		if p.Error != "" {
			fmt.Fprintf(w, "\n%s: no per-op profile: %s\n", name, p.Error)
			continue
		}
		kernels := ""
		if p.KernelsPerStep > 0 {
			kernels = fmt.Sprintf(", %g kernels/step", p.KernelsPerStep)
		}
		fmt.Fprintf(w, "\n%s: where a step's time goes (%d profiled steps, %s ms/step with the timers; %s ms/step timed without%s)\n",
			name, p.Steps, fmtMs(p.MsPerStep), fmtMs(r.MsPerStep), kernels)
		fmt.Fprint(w, p.table)
	}
}
