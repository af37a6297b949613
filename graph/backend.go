package graph

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"

	"gorgonia.org/gorgonia"
)

// Backend runs plans on one device: CPU, or a CUDA device (package
// cudaexec). A trainer or evaluator knows its device only through this
// interface: it makes a Store for the model's parameters, compiles each
// plan (one per batch size and mode) over that store, and runs the
// resulting Executables.
type Backend interface {
	// String names the device: "cpu", "cuda:0 NVIDIA H100 ...".
	String() string
	// NewStore makes the storage of params on this backend; with
	// u.Optimizer set, also their gradients, the optimizer's state and the
	// update a training step ends with (Executable.Step).
	NewStore(params []*Param, u Update) (Store, error)
	// Compile makes the executable of plan over st: the plan's bound
	// values must be st's parameters (their host Values). With grads (the
	// gradient node of each of st's parameters, in st's order; nil for an
	// inference program) the executable trains: Step runs the plan and
	// applies st's update.
	Compile(plan *Plan, st Store, grads []*gorgonia.Node) (Executable, error)
}

// Update is the parameter update that ends a training step: the global
// L2 norm of the gradients is measured and, when ClipNorm > 0, clipped to
// it (torch.nn.utils.clip_grad_norm_), then Optimizer steps. A step whose
// gradient norm is not finite is skipped, on every backend.
type Update struct {
	ClipNorm  float64
	Optimizer Optimizer
}

// Optimizer updates parameters in place from their gradients: what a
// training step needs of an optimizer on the CPU (package optim's
// Optimizer is one; a device backend runs its own update for the
// optimizer types it supports, from their settings and state).
type Optimizer interface {
	Step(params []*Param, grads []*Buf) error
}

// Store is where a backend keeps a model's parameters and, for training,
// their gradients and the optimizer's state. Programs compiled over one
// store share it: the training program, the one for a last short batch
// and an evaluation program read and update the same parameters, with no
// copies between them. On the CPU the parameters are their own Values; a
// device keeps them in device memory, and the model's host Values are
// brought up to date by SyncHost.
type Store interface {
	// Params lists the stored parameters, in order.
	Params() []*Param
	// SyncHost copies the backend's parameters (and the optimizer's
	// state) into the parameters' host Values (and the optimizer); a no-op
	// on the CPU.
	SyncHost() error
	// SyncDevice copies the parameters' host Values to the backend, after
	// they were changed on the host (restored from a checkpoint, say); a
	// no-op on the CPU.
	SyncDevice() error
	// Close frees the store's device memory; the store and the programs
	// compiled over it are unusable afterwards.
	Close() error
}

// Executable is a plan compiled for one backend. Its inputs and outputs
// are host buffers: the caller fills the inputs before each run and reads
// the forward outputs after it. A run allocates nothing.
type Executable interface {
	// Input is the host buffer of input node n, which the caller fills
	// before each run; nil if n is not an input of the plan.
	Input(n *gorgonia.Node) *Buf
	// Output is the host buffer where each run leaves the value of n, one
	// of the plan's forward outputs; nil if n is not one.
	Output(n *gorgonia.Node) *Buf
	// Forward runs the forward pass.
	Forward() error
	// Step runs a training step: the forward and backward passes, the
	// gradients' global norm (returned, before clipping), and, when it is
	// finite, clipping and the optimizer's update of the store's
	// parameters. A non-finite norm skips the update and returns an error
	// wrapping ErrNonFiniteNorm. It fails on an inference program.
	Step() (norm float64, err error)
	// Gradients runs the forward and backward passes and measures the
	// gradients' global norm, without clipping or updating anything.
	Gradients() (norm float64, err error)
	// Grads returns the gradients of the last Step (clipped) or Gradients
	// (raw), one per store parameter: on the CPU the program's own
	// buffers, on a device host copies made by this call.
	Grads() ([]*Buf, error)
	// SetProfiling turns per-op timing on or off; Profile returns what was
	// recorded: every op of the passes, and the update's parts
	// (ProfileClip or ProfileNorm, and the optimizer's type name) in
	// PhaseOptimizer.
	SetProfiling(on bool) error
	Profile() Profile
	ResetProfile()
	// Close frees the executable's device memory (not the store's).
	Close() error
}

// Names of the update's entries in a training Executable's profile.
const (
	ProfileClip = "ClipGradNorm" // measuring and clipping the gradients' norm
	ProfileNorm = "GlobalNorm"   // measuring it, without clipping
)

// TypeName is the name of v's type without its package or pointer ("Adam"
// for an *optim.Adam), or "optimizer" for an unnamed type; profiles name an
// optimizer's update by it.
func TypeName(v any) string {
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

// CPU is the CPU backend: programs are Programs, parameters stay in their
// own Values, the optimizer is stepped on the host.
var CPU Backend = cpuBackend{}

type cpuBackend struct{}

func (cpuBackend) String() string { return "cpu" }

func (cpuBackend) NewStore(params []*Param, u Update) (Store, error) {
	if u.ClipNorm < 0 || math.IsNaN(u.ClipNorm) {
		return nil, fmt.Errorf("graph: clip norm %v, want >= 0 (0: no clipping)", u.ClipNorm)
	}
	return &cpuStore{params: params, u: u}, nil
}

// cpuStore is the CPU's parameter storage: the parameters themselves.
type cpuStore struct {
	params []*Param
	u      Update
}

func (s *cpuStore) Params() []*Param  { return s.params }
func (s *cpuStore) SyncHost() error   { return nil }
func (s *cpuStore) SyncDevice() error { return nil }
func (s *cpuStore) Close() error      { return nil }

func (cpuBackend) Compile(plan *Plan, st Store, grads []*gorgonia.Node) (Executable, error) {
	s, ok := st.(*cpuStore)
	if !ok {
		return nil, fmt.Errorf("graph: the CPU backend compiles over its own stores, not a %T", st)
	}
	stored := make(map[*Buf]bool, len(s.params))
	for _, p := range s.params {
		stored[p.Value] = true
	}
	for _, v := range plan.Values {
		if v.Kind == ValueBound && !stored[v.Host] {
			return nil, fmt.Errorf("graph: input %v is bound to a buffer that is no parameter of the store", v.Node)
		}
	}
	prog, err := CompilePlan(plan)
	if err != nil {
		return nil, err
	}
	e := &cpuExec{prog: prog, store: s, outputs: map[*gorgonia.Node]bool{}}
	for _, v := range plan.Outputs {
		e.outputs[v.Node] = true
	}
	if grads != nil {
		if len(grads) != len(s.params) {
			return nil, fmt.Errorf("graph: %d gradients for %d parameters", len(grads), len(s.params))
		}
		if s.u.Optimizer == nil {
			return nil, errors.New("graph: a training program over a store without an optimizer")
		}
		for i, n := range grads {
			b := prog.Buf(n)
			if b == nil || b.Len() != s.params[i].Value.Len() {
				return nil, fmt.Errorf("graph: the gradient of %s is not a planned value of its size", s.params[i].Name)
			}
			e.grads = append(e.grads, b)
		}
		e.optName = TypeName(s.u.Optimizer)
	}
	return e, nil
}

// cpuExec is a CPU Program with the training step's update.
type cpuExec struct {
	prog    *Program
	store   *cpuStore
	grads   []*Buf
	outputs map[*gorgonia.Node]bool

	optName         string
	prof            bool
	steps, clipRuns int
	clip, update    time.Duration
}

func (e *cpuExec) Input(n *gorgonia.Node) *Buf {
	if v := e.prog.plan.Value(n); v == nil || v.Kind != ValueInput {
		return nil
	}
	return e.prog.Buf(n)
}

func (e *cpuExec) Output(n *gorgonia.Node) *Buf {
	if !e.outputs[n] {
		return nil
	}
	return e.prog.Buf(n)
}

func (e *cpuExec) Forward() error { return e.prog.Forward() }

func (e *cpuExec) Gradients() (float64, error) {
	if e.grads == nil {
		return math.NaN(), errors.New("graph: Gradients of an inference program")
	}
	if err := e.prog.Run(); err != nil {
		return math.NaN(), err
	}
	return GlobalNorm(e.grads), nil
}

func (e *cpuExec) Step() (float64, error) {
	if e.grads == nil {
		return math.NaN(), errors.New("graph: Step of an inference program")
	}
	if err := e.prog.Run(); err != nil {
		return math.NaN(), err
	}
	var t0 time.Time
	if e.prof {
		t0 = time.Now()
	}
	var norm float64
	var err error
	if c := e.store.u.ClipNorm; c > 0 {
		norm, err = ClipGradNorm(e.grads, c)
	} else if norm = GlobalNorm(e.grads); math.IsNaN(norm) || math.IsInf(norm, 0) {
		err = nonFiniteError(e.grads, norm)
	}
	if e.prof {
		t1 := time.Now()
		e.clip += t1.Sub(t0)
		e.clipRuns++
		t0 = t1
	}
	if err != nil {
		return norm, err
	}
	if err := e.store.u.Optimizer.Step(e.store.params, e.grads); err != nil {
		return norm, err
	}
	if e.prof {
		e.update += time.Since(t0)
		e.steps++
	}
	return norm, nil
}

func (e *cpuExec) Grads() ([]*Buf, error) {
	if e.grads == nil {
		return nil, errors.New("graph: Grads of an inference program")
	}
	return e.grads, nil
}

func (e *cpuExec) SetProfiling(on bool) error {
	e.prog.SetProfiling(on)
	e.prof = on
	return nil
}

func (e *cpuExec) Profile() Profile {
	p := e.prog.Profile()
	if e.clipRuns == 0 && e.steps == 0 {
		return p
	}
	clipName := ProfileNorm
	if e.store.u.ClipNorm > 0 {
		clipName = ProfileClip
	}
	return p.Merge(Profile{Ops: []OpTime{
		{Op: clipName, Phase: PhaseOptimizer, Calls: e.clipRuns, Total: e.clip},
		{Op: e.optName, Phase: PhaseOptimizer, Calls: e.steps, Total: e.update},
	}})
}

func (e *cpuExec) ResetProfile() {
	e.prog.ResetProfile()
	e.steps, e.clipRuns, e.clip, e.update = 0, 0, 0, 0
}

func (e *cpuExec) Close() error { return nil }
