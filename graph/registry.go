package graph

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"gorgonia.org/gorgonia"
)

// Registry maps op types (or other types: a backend keys its optimizer
// updates by optimizer type) to one backend's kernels of type K. Each backend
// keeps one (the CUDA executor's holds its launch builders) and looks a
// plan step's kernel up by the step's op type; an op gains a kernel on a
// backend by registering one, from an init function in the file of the op
// or in the backend's file named after it, without any edit to an
// executor. Ops are keyed by their dynamic Go type: register the form
// (value or pointer) the op is used in.
//
// Registering and looking up are safe for concurrent use; registration
// normally happens in init functions.
type Registry[K any] struct {
	backend string
	mu      sync.RWMutex
	m       map[reflect.Type]K
}

// NewRegistry makes an empty registry for the named backend ("cuda", ...),
// a name its panics and listings use.
func NewRegistry[K any](backend string) *Registry[K] {
	return &Registry[K]{backend: backend, m: map[reflect.Type]K{}}
}

// Register adds kernel k for ops of op's type. Registering a type twice
// panics: two kernels for one op on one backend is a programming error.
func (r *Registry[K]) Register(op any, k K) {
	t := reflect.TypeOf(op)
	if t == nil {
		panic(fmt.Sprintf("graph: %s registry: Register with a nil op", r.backend))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[t]; dup {
		panic(fmt.Sprintf("graph: %s registry: a kernel for %v is already registered", r.backend, t))
	}
	r.m[t] = k
}

// Lookup returns the kernel registered for op's type.
func (r *Registry[K]) Lookup(op any) (K, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.m[reflect.TypeOf(op)]
	return k, ok
}

// Ops lists the registered op types (as package.Type), sorted.
func (r *Registry[K]) Ops() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m))
	for t := range r.m {
		out = append(out, t.String())
	}
	slices.Sort(out)
	return out
}

// Backend is the name the registry was made with.
func (r *Registry[K]) Backend() string { return r.backend }

// cpuKernels holds CPU kernels registered for op types that do not
// implement CPUKernel themselves (RegisterCPUKernel).
var cpuKernels = NewRegistry[func(op gorgonia.Op) CPUKernel]("cpu")

// RegisterCPUKernel registers the CPU kernel of ops of op's type, for op
// types that cannot carry an ExecCPU method (ops of another package that
// must not depend on this one). make returns the kernel of one op value
// (its settings included); it is called when a program is planned.
//
// An op type of your own needs no registration: its ExecCPU method is its
// CPU kernel (see CPUKernel).
//
// It panics when op or make is nil, or when op's type already has a CPU
// kernel registered: a programming error, surfaced at init rather than
// when a program is planned.
func RegisterCPUKernel(op gorgonia.Op, make func(op gorgonia.Op) CPUKernel) {
	if make == nil {
		panic(fmt.Sprintf("graph: RegisterCPUKernel(%T): nil kernel maker", op))
	}
	cpuKernels.Register(op, make)
}

// CPUKernelOrDo is op's CPU kernel (CPUKernelOf), or DoKernel{op} for an
// op without one.
func CPUKernelOrDo(op gorgonia.Op) CPUKernel {
	if k, ok := CPUKernelOf(op); ok {
		return k
	}
	return DoKernel{op}
}

// CPUKernelOf returns op's CPU kernel: the one registered for its type,
// else op itself when it implements CPUKernel. ok is false for ops with
// neither (gorgonia's own, say), which Program runs through their Do and
// device executors run through the CPU fallback.
func CPUKernelOf(op gorgonia.Op) (k CPUKernel, ok bool) {
	if mk, found := cpuKernels.Lookup(op); found {
		return mk(op), true
	}
	k, ok = op.(CPUKernel)
	return k, ok
}
