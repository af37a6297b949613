package cuda

import (
	"fmt"
	"sync"
	"unsafe"
)

// Module is a set of kernels a package ships itself, loaded on a Context
// from PTX it embeds (LoadModule): the way an op outside the engine gets a
// device kernel without touching this package. Its kernels are launched by
// index, with their arguments packed in Args, usually through the typed
// methods cmd/kernelgen generates from the package's .cu files. Under the
// cudaemu emulator the package's .cu, compiled for the CPU, is found by
// name instead of the PTX (RegisterEmulated, also generated).
type Module struct {
	c       *Context
	name    string
	kernels []string
	m       moduleHandle
}

// Args packs a kernel's parameters for Module.Launch, in order: one 8-byte
// slot per parameter. Use it on the stack; a launch does not retain it.
type Args struct{ a kargs }

// Ptr adds a device pointer.
func (a *Args) Ptr(b Buffer) { a.a.ptr(b) }

// Ptr8 adds a device pointer the kernel reads 8 bytes at a time (unsigned
// long long*, double*, float2*): the launch refuses one that is not 8-byte
// aligned, which would poison the context.
func (a *Args) Ptr8(b Buffer) { a.a.ptr8(b) }

// I32 adds an int (or unsigned) parameter.
func (a *Args) I32(v int) { a.a.i32(v) }

// F32 adds a float parameter.
func (a *Args) F32(v float32) { a.a.f32(v) }

// U64 adds an unsigned long long parameter.
func (a *Args) U64(v uint64) { a.a.u64(v) }

// LoadModule loads the named module's kernels on c: from ptx (PTX text,
// JIT-compiled by the driver for the device) with -tags embercuda, from
// the module's emulated build registered under name with -tags cudaemu.
// kernels lists the entry names, in the order Launch indexes them. The
// module lives until c is closed (or Unload).
func (c *Context) LoadModule(name string, ptx []byte, kernels []string) (*Module, error) {
	if len(kernels) == 0 {
		return nil, invalid("load module", "module %s: no kernels", name)
	}
	m := &Module{c: c, name: name, kernels: append([]string(nil), kernels...)}
	err := c.do(func() error {
		if err := c.notCapturing("cuModuleLoadDataEx"); err != nil {
			return err
		}
		h, err := c.b.loadModule(name, ptx, kernels)
		if err != nil {
			return err
		}
		m.m = h
		c.modules = append(c.modules, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cuda: loading module %s: %w", name, err)
	}
	return m, nil
}

// Module returns the module loaded on c under name, loading it first
// (LoadModule) if it is not: what an op's CUDA kernel calls when a program
// is compiled, so that every program on the Context shares one module.
func (c *Context) Module(name string, ptx []byte, kernels []string) (*Module, error) {
	var found *Module
	c.do(func() error {
		for _, m := range c.modules {
			if m.name == name && m.m != nil {
				found = m
			}
		}
		return nil
	})
	if found != nil {
		return found, nil
	}
	return c.LoadModule(name, ptx, kernels)
}

// Name is the module's name.
func (m *Module) Name() string { return m.name }

// Launch runs kernel k of the module (no dynamic shared memory) on the
// Context's stream with the packed arguments; like the package's own
// launches, it allocates nothing on the Context's thread and can be
// captured into a CUDA graph.
func (m *Module) Launch(k int, grid, block Dim3, args *Args) error {
	if k < 0 || k >= len(m.kernels) {
		return invalid("launch", "module %s has no kernel %d", m.name, k)
	}
	a := &args.a
	for i := 0; i < a.n; i++ {
		if a.kinds[i] == argPtr8 && a.vals[i]%8 != 0 {
			return &Error{Call: "launch " + m.kernels[k], Err: ErrInvalidArgument,
				Detail: fmt.Sprintf("argument %d (device address %#x) is read as 8-byte values and is not 8-byte aligned", i, a.vals[i])}
		}
	}
	if grid.X == 0 || grid.Y == 0 || grid.Z == 0 {
		return nil
	}
	c := m.c
	if !c.onThread() {
		ac := *args
		return c.do(func() error { return m.Launch(k, grid, block, &ac) })
	}
	if m.m == nil {
		return &Error{Call: "launch " + m.kernels[k], Err: ErrClosed, Detail: "module unloaded"}
	}
	if err := c.b.launchModule(m.m, k, grid, block, a); err != nil {
		return &Error{Call: "launch " + m.kernels[k], Err: err}
	}
	c.enqueued++
	return nil
}

// Unload releases the module (after the stream's pending work); Closing
// the Context unloads its modules too.
func (m *Module) Unload() error {
	if m.m == nil {
		return nil
	}
	return m.c.do(func() error {
		if m.m == nil {
			return nil
		}
		err := c2err("cuStreamSynchronize (before cuModuleUnload)", m.c.b.sync())
		if e := m.c.b.unloadModule(m.m); e != nil && err == nil {
			err = &Error{Call: "cuModuleUnload " + m.name, Err: e}
		}
		m.m = nil
		return err
	})
}

// moduleHandle is a backend's loaded module.
type moduleHandle interface{}

// emulatedModules holds the modules registered for the emulator.
var emulatedModules struct {
	sync.Mutex
	m map[string]emulatedModule
}

type emulatedModule struct {
	kernels []string
	launch  unsafe.Pointer
}

// RegisterEmulated registers a module's build for the cudaemu emulator:
// launch is its C dispatch, int f(int kernel, unsigned gx, gy, gz, bx, by,
// bz, const uint64_t* args), as cmd/kernelgen generates it
// (emu_kernels_gen.cpp and emu_gen.go of a -module package). Under the
// emulator, LoadModule finds the module here instead of JIT-compiling its
// PTX; in other builds registering is harmless.
func RegisterEmulated(name string, kernels []string, launch unsafe.Pointer) {
	emulatedModules.Lock()
	defer emulatedModules.Unlock()
	if emulatedModules.m == nil {
		emulatedModules.m = map[string]emulatedModule{}
	}
	emulatedModules.m[name] = emulatedModule{kernels: append([]string(nil), kernels...), launch: launch}
}

func lookupEmulated(name string) (emulatedModule, bool) {
	emulatedModules.Lock()
	defer emulatedModules.Unlock()
	m, ok := emulatedModules.m[name]
	return m, ok
}
