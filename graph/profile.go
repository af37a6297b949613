package graph

import (
	"cmp"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorgonia.org/gorgonia"
)

// Phases of a training step, for OpTime.Phase.
const (
	PhaseData      = "data"      // filling the batch's input buffers
	PhaseForward   = "forward"   // the forward pass's ops
	PhaseBackward  = "backward"  // the gradient ops
	PhaseOptimizer = "optimizer" // gradient clipping and the parameter update
)

// OpTime is the time one kind of op took in one phase over the passes a
// Profile covers. It is backend-neutral: the CPU Program fills it from the
// wall clock around each kernel, a device executor from its own timers.
type OpTime struct {
	Op    string        `json:"op"`    // OpName of the op, or a step's part ("Fill", "ClipGradNorm", "Adam")
	Phase string        `json:"phase"` // PhaseForward, PhaseBackward, ...
	Calls int           `json:"calls"` // executions over all the passes
	Total time.Duration `json:"total_ns"`
	// Kernels is the device operations (kernel launches, device copies,
	// memsets) the op enqueued over the passes; 0 where the executor does
	// not launch kernels (the CPU).
	Kernels int `json:"kernels,omitempty"`
}

// Profile is where the time of some passes (forward and backward runs of a
// Program, or training steps of a trainer) went, op by op.
type Profile struct {
	// Steps is how many passes the figures cover (a Program counts its
	// runs, forward and backward passes being one; a trainer its training
	// steps); per-step figures divide by it.
	Steps int `json:"steps"`
	// Wall is the wall time of those passes, timer overhead included; the
	// difference from Total is time no entry covers. 0 when not measured.
	Wall time.Duration `json:"wall_ns"`
	Ops  []OpTime      `json:"ops"`
}

// Total is the sum of the entries' times.
func (p Profile) Total() time.Duration {
	var t time.Duration
	for _, o := range p.Ops {
		t += o.Total
	}
	return t
}

// Aggregate merges the entries with the same op and phase and sorts them,
// the longest first (ties by phase, then op name). The receiver is not
// changed.
func (p Profile) Aggregate() Profile {
	type key struct{ op, phase string }
	idx := map[key]int{}
	out := Profile{Steps: p.Steps, Wall: p.Wall, Ops: make([]OpTime, 0, len(p.Ops))}
	for _, o := range p.Ops {
		k := key{o.Op, o.Phase}
		if i, ok := idx[k]; ok {
			out.Ops[i].Calls += o.Calls
			out.Ops[i].Total += o.Total
			out.Ops[i].Kernels += o.Kernels
			continue
		}
		idx[k] = len(out.Ops)
		out.Ops = append(out.Ops, o)
	}
	slices.SortStableFunc(out.Ops, func(a, b OpTime) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		if c := cmp.Compare(phaseRank(a.Phase), phaseRank(b.Phase)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Phase, b.Phase); c != 0 {
			return c
		}
		return cmp.Compare(a.Op, b.Op)
	})
	return out
}

// ByOp merges the entries with the same op name across phases (Phase is
// then "" where an op appears in more than one) and sorts them as
// Aggregate does.
func (p Profile) ByOp() Profile {
	q := Profile{Steps: p.Steps, Wall: p.Wall, Ops: make([]OpTime, 0, len(p.Ops))}
	for _, o := range p.Aggregate().Ops {
		i := slices.IndexFunc(q.Ops, func(x OpTime) bool { return x.Op == o.Op })
		if i < 0 {
			q.Ops = append(q.Ops, o)
			continue
		}
		q.Ops[i].Calls += o.Calls
		q.Ops[i].Total += o.Total
		q.Ops[i].Kernels += o.Kernels
		if q.Ops[i].Phase != o.Phase {
			q.Ops[i].Phase = ""
		}
	}
	return q.Aggregate()
}

// Merge returns p's and q's entries together, their steps and wall time
// added (for the profiles of different passes or programs); call it with
// Steps 0 on one side to add entries that belong to the other's passes,
// such as a trainer's optimizer timings.
func (p Profile) Merge(q Profile) Profile {
	ops := make([]OpTime, 0, len(p.Ops)+len(q.Ops))
	ops = append(append(ops, p.Ops...), q.Ops...)
	return Profile{Steps: p.Steps + q.Steps, Wall: p.Wall + q.Wall, Ops: ops}.Aggregate()
}

// Kernels is the device operations of all the entries (see
// OpTime.Kernels).
func (p Profile) Kernels() int {
	n := 0
	for _, o := range p.Ops {
		n += o.Kernels
	}
	return n
}

// PerStep is d divided by the profile's steps (d itself when Steps is 0).
func (p Profile) PerStep(d time.Duration) time.Duration {
	if p.Steps <= 0 {
		return d
	}
	return d / time.Duration(p.Steps)
}

// Share is d as a fraction of the step: of Wall when it was measured and
// is at least Total, else of Total.
func (p Profile) Share(d time.Duration) float64 {
	den := max(p.Wall, p.Total())
	if den <= 0 {
		return 0
	}
	return float64(d) / float64(den)
}

// Untimed is the part of Wall that no entry covers (0 when Wall was not
// measured or is less than Total).
func (p Profile) Untimed() time.Duration {
	return max(p.Wall-p.Total(), 0)
}

func phaseRank(ph string) int {
	switch ph {
	case PhaseData:
		return 0
	case PhaseForward:
		return 1
	case PhaseBackward:
		return 2
	case PhaseOptimizer:
		return 3
	}
	return 4
}

// WriteTable writes the aggregated profile as an aligned table: per op and
// phase, calls and time per step and the share of the step, the longest
// first; then the untimed rest (when Wall was measured) and the step's
// total. Times are in milliseconds, or microseconds when a step takes less
// than one millisecond.
func (p Profile) WriteTable(w io.Writer) error {
	a := p.Aggregate()
	steps := max(a.Steps, 1)
	step := a.Total()
	if a.Wall > 0 {
		step = max(a.Wall, step)
	}
	unit, scale := "ms/step", 1e6
	if a.PerStep(step) < time.Millisecond {
		unit, scale = "µs/step", 1e3
	}
	// A device executor's profile says how many kernels each op launches.
	kernels := a.Kernels() > 0
	perStep := func(n int) string {
		v := float64(n) / float64(steps)
		if v != float64(int(v)) {
			return fmt.Sprintf("%.2f", v)
		}
		return fmt.Sprintf("%.0f", v)
	}
	head := []string{"op", "phase", "calls/step", unit, "% of step"}
	if kernels {
		head = append(head, "kernels/step")
	}
	rows := [][]string{head}
	row := func(op, phase, calls string, d time.Duration, k string) {
		r := []string{op, phase, calls, fmt.Sprintf("%.3f", float64(a.PerStep(d))/scale),
			fmt.Sprintf("%.1f%%", 100*a.Share(d))}
		if kernels {
			r = append(r, k)
		}
		rows = append(rows, r)
	}
	for _, o := range a.Ops {
		k := ""
		if o.Kernels > 0 {
			k = perStep(o.Kernels)
		}
		row(o.Op, o.Phase, perStep(o.Calls), o.Total, k)
	}
	if a.Wall > 0 {
		row("(untimed)", "", "", a.Untimed(), "")
	}
	row("step", "", "", step, perStep(a.Kernels()))
	right := []bool{false, false, true, true, true, true}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for k, r := range rows {
		if k == len(rows)-1 {
			n := 2 * (len(widths) - 1)
			for _, wd := range widths {
				n += wd
			}
			b.WriteString(strings.Repeat("-", n) + "\n")
		}
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String is the table WriteTable writes.
func (p Profile) String() string {
	var b strings.Builder
	_ = p.WriteTable(&b)
	return b.String()
}

// OpName is the short, readable name of op that profiles use: the type
// name for this package's ops ("LSTM", "LSTMBackward", "Dropout",
// "DropoutGrad", "EmbeddingGrad", "ViewGrad"...), and for gorgonia's own
// ops its String() without settings or shapes ("+" for the gradient sums
// gorgonia.Grad inserts, "Σ", "Reshape"...). Every executor names ops
// through it, so their profiles line up.
func OpName(op gorgonia.Op) string {
	if op == nil {
		return "input"
	}
	t := reflect.TypeOf(op)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == ownPkgPath && t.Name() != "" {
		return t.Name()
	}
	s := op.String()
	s = strings.TrimSuffix(strings.TrimSuffix(s, " true"), " false") // elemBinOp: "+ false"
	if i := strings.IndexAny(s, "([{=<"); i > 0 {
		s = s[:i]
	}
	if s = strings.TrimSpace(s); s == "" {
		return t.Name()
	}
	return s
}

var ownPkgPath = reflect.TypeOf(Program{}).PkgPath()

// StepTimes accumulates the time of each step of an executor's forward
// and backward passes by step index, so that recording allocates nothing;
// Profile names and merges them. Program keeps one; a device executor
// fills one from its own timers.
type StepTimes struct {
	Fwd, Bwd               []time.Duration
	FwdRuns, BwdRuns       int           // passes timed
	FwdWall, BwdWall       time.Duration // their wall (or device) time
	FwdCalls, BwdCalls     []int         // executions per step (a failed pass stops early)
	FwdKernels, BwdKernels []int         // device operations per step (a device executor's)
}

// Ensure sizes the per-step slices for nf forward and nb backward steps,
// once (profiling is turned on before the first timed pass).
func (t *StepTimes) Ensure(nf, nb int) {
	if t.Fwd == nil {
		t.Fwd, t.Bwd = make([]time.Duration, nf), make([]time.Duration, nb)
		t.FwdCalls, t.BwdCalls = make([]int, nf), make([]int, nb)
		t.FwdKernels, t.BwdKernels = make([]int, nf), make([]int, nb)
	}
}

// Reset forgets what was recorded.
func (t *StepTimes) Reset() {
	clear(t.Fwd)
	clear(t.Bwd)
	clear(t.FwdCalls)
	clear(t.BwdCalls)
	clear(t.FwdKernels)
	clear(t.BwdKernels)
	t.FwdRuns, t.BwdRuns, t.FwdWall, t.BwdWall = 0, 0, 0, 0
}

// Profile names the recorded steps by their ops (fwdOp(i), bwdOp(i),
// through OpName) and merges them by op name and phase.
func (t *StepTimes) Profile(fwdOp, bwdOp func(i int) gorgonia.Op) Profile {
	return t.ProfileNamed(func(i int) string { return OpName(fwdOp(i)) }, func(i int) string { return OpName(bwdOp(i)) })
}

// ProfileNamed is Profile with the steps' names given (a device executor
// marks the steps it ran on the CPU).
func (t *StepTimes) ProfileNamed(fwdName, bwdName func(i int) string) Profile {
	var ops []OpTime
	add := func(name func(int) string, times []time.Duration, calls, kernels []int, phase string) {
		for i := range times {
			if calls[i] > 0 {
				k := 0
				if i < len(kernels) {
					k = kernels[i]
				}
				ops = append(ops, OpTime{Op: name(i), Phase: phase, Calls: calls[i], Total: times[i], Kernels: k})
			}
		}
	}
	add(fwdName, t.Fwd, t.FwdCalls, t.FwdKernels, PhaseForward)
	add(bwdName, t.Bwd, t.BwdCalls, t.BwdKernels, PhaseBackward)
	return Profile{Steps: max(t.FwdRuns, t.BwdRuns), Wall: t.FwdWall + t.BwdWall, Ops: ops}.Aggregate()
}

// SetProfiling turns per-op timing on or off. While on, Forward and
// Backward read the clock around every kernel (a few tens of nanoseconds
// per op) and add the time to the profile, allocating nothing; while off
// they cost one branch per pass. Turning it off keeps what was recorded.
func (p *Program) SetProfiling(on bool) {
	if on {
		p.times.Ensure(len(p.fwd), len(p.bwd))
	}
	p.profiling = on
}

// Profiling reports whether SetProfiling(true) is in effect.
func (p *Program) Profiling() bool { return p.profiling }

// ResetProfile forgets the times recorded so far.
func (p *Program) ResetProfile() { p.times.Reset() }

// Profile returns the times recorded since profiling was turned on or
// last reset, merged by op name and phase. Steps counts passes (Run is
// one forward and one backward pass: one step); Wall is the time of all the
// passes, timer overhead included.
func (p *Program) Profile() Profile {
	return p.times.Profile(func(i int) gorgonia.Op { return p.fwd[i].op },
		func(i int) gorgonia.Op { return p.bwd[i].op })
}

// runTimed is run with each step's time added to times[i] and wall.
func runTimed(steps []step, times []time.Duration, calls []int, wall *time.Duration) error {
	start := time.Now()
	t0 := start
	for i := range steps {
		err := runStep(&steps[i])
		t1 := time.Now()
		times[i] += t1.Sub(t0)
		calls[i]++
		t0 = t1
		if err != nil {
			*wall += t1.Sub(start)
			return err
		}
	}
	*wall += t0.Sub(start)
	return nil
}
