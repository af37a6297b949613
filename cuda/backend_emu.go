//go:build cudaemu && !embercuda

package cuda

/*
#cgo CXXFLAGS: -std=c++17 -O2 -fno-strict-aliasing -Wno-unknown-pragmas
#cgo noescape emu_htod
#cgo noescape emu_dtoh
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int emu_fma_contracted(float a, float b, float c);
int emu_launch(int kernel, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
               const uint64_t* v);

// emu_module_launch calls a module's generated dispatch (RegisterEmulated).
typedef int (*emu_module_fn)(int, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, const uint64_t*);
static int emu_module_launch(void* fn, int k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                             unsigned bz, const uint64_t* v) {
	return ((emu_module_fn)fn)(k, gx, gy, gz, bx, by, bz, v);
}

// "Device pointers" are host addresses carried as integers.
static uintptr_t emu_alloc(size_t n) {
	void* p = NULL;
	if (posix_memalign(&p, 256, n) != 0) return 0;
	memset(p, 0xA5, n); // like fresh device memory: not zeros
	return (uintptr_t)p;
}
static void emu_free(uintptr_t p) { free((void*)p); }
static void emu_htod(uintptr_t dst, const void* src, size_t n) { memcpy((void*)dst, src, n); }
static void emu_dtoh(void* dst, uintptr_t src, size_t n) { memcpy(dst, (const void*)src, n); }
static void emu_dtod(uintptr_t dst, uintptr_t src, size_t n) { memmove((void*)dst, (const void*)src, n); }
static void emu_memset32(uintptr_t p, uint32_t v, size_t n) {
	uint32_t* q = (uint32_t*)p;
	for (size_t i = 0; i < n; i++) q[i] = v;
}
*/
import "C"

import (
	"embed"
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// emuKernelSources makes the CUDA sources, which emu_kernels_gen.cpp #includes
// from kernels/, inputs of this package for the go build cache: without it
// an edited .cu would not rebuild the emulator (the cache does not follow
// C #include directives outside the package directory).
//
//go:embed kernels/*.cu kernels/*.cuh
var emuKernelSources embed.FS

// The CPU emulator backend (-tags cudaemu): the kernels' CUDA source compiled
// for the host (emu_runtime.h, emu_kernels_gen.cpp) behind the same backend interface, so the
// device tests can check the kernels without a GPU. "Device memory" is host
// memory from posix_memalign; the stream is synchronous.

const backendName = "emulator"

const emuTotalMemory = 4 << 30

var emuMem struct {
	sync.Mutex
	used  int64
	sizes map[uintptr]int64
}

func emuDevice() DeviceInfo {
	return DeviceInfo{Ordinal: 0, Name: "CPU emulator (cudaemu)", Major: 8, Minor: 0, TotalMemory: emuTotalMemory,
		SMs: 2, DriverVersion: 0}
}

func driverDevices() ([]DeviceInfo, error) { return []DeviceInfo{emuDevice()}, nil }

func driverResultName(Result) string   { return "" }
func driverResultString(Result) string { return "" }

type backend struct {
	args      *C.uint64_t // C copy of a launch's parameter slots (no Go pointer crosses into C)
	capturing bool
	recorded  []emuCmd
}

func openBackend(ordinal int) (*backend, DeviceInfo, error) {
	if ordinal != 0 {
		return nil, DeviceInfo{}, &noDeviceError{ResultNoDevice}
	}
	b := &backend{args: (*C.uint64_t)(C.calloc(maxArgs, 8))}
	return b, emuDevice(), nil
}

func (b *backend) close() error {
	C.free(unsafe.Pointer(b.args))
	b.args = nil
	return nil
}

func (b *backend) sync() error { return nil }

func (b *backend) kernelImage() string {
	return "the kernels' CUDA source compiled for the CPU (emulator)"
}

func (b *backend) memInfo() (int64, int64, error) {
	emuMem.Lock()
	defer emuMem.Unlock()
	return emuTotalMemory - emuMem.used, emuTotalMemory, nil
}

func (b *backend) alloc(n int64) (uintptr, error) {
	emuMem.Lock()
	defer emuMem.Unlock()
	if emuMem.used+n > emuTotalMemory {
		return 0, ResultOutOfMemory
	}
	p := C.emu_alloc(C.size_t(n))
	if p == 0 {
		return 0, ResultOutOfMemory
	}
	if emuMem.sizes == nil {
		emuMem.sizes = map[uintptr]int64{}
	}
	emuMem.sizes[uintptr(p)] = n
	emuMem.used += n
	return uintptr(p), nil
}

func (b *backend) free(p uintptr) error {
	emuMem.Lock()
	defer emuMem.Unlock()
	n, ok := emuMem.sizes[p]
	if !ok {
		return ResultInvalidValue
	}
	delete(emuMem.sizes, p)
	emuMem.used -= n
	C.emu_free(C.uintptr_t(p))
	return nil
}

func (b *backend) copyHtoD(dst uintptr, src unsafe.Pointer, n int64) error {
	if b.capturing {
		return ResultStreamCaptureUnsupported
	}
	C.emu_htod(C.uintptr_t(dst), src, C.size_t(n))
	return nil
}

func (b *backend) copyDtoH(dst unsafe.Pointer, src uintptr, n int64) error {
	if b.capturing {
		return ResultStreamCaptureUnsupported
	}
	C.emu_dtoh(dst, C.uintptr_t(src), C.size_t(n))
	return nil
}

func (b *backend) copyDtoD(dst, src uintptr, n int64) error {
	if b.capturing {
		b.recorded = append(b.recorded, emuCmd{op: emuDtoD, dst: dst, src: src, n: n})
		return nil
	}
	C.emu_dtod(C.uintptr_t(dst), C.uintptr_t(src), C.size_t(n))
	return nil
}

func (b *backend) memsetD32(dst uintptr, v uint32, n int64) error {
	if b.capturing {
		b.recorded = append(b.recorded, emuCmd{op: emuMemset, dst: dst, v: v, n: n})
		return nil
	}
	C.emu_memset32(C.uintptr_t(dst), C.uint32_t(v), C.size_t(n))
	return nil
}

func (b *backend) launch(k kernelID, grid, block dim3, a *kargs) error {
	if b.capturing {
		b.recorded = append(b.recorded, emuCmd{op: emuLaunch, k: k, grid: grid, block: block, vals: a.vals})
		return nil
	}
	return b.run(k, grid, block, &a.vals)
}

func (b *backend) run(k kernelID, grid, block dim3, vals *[maxArgs]uint64) error {
	*(*[maxArgs]uint64)(unsafe.Pointer(b.args)) = *vals
	rc := C.emu_launch(C.int(k), C.uint(grid.X), C.uint(grid.Y), C.uint(grid.Z), C.uint(block.X),
		C.uint(block.Y), C.uint(block.Z), b.args)
	if rc != 0 {
		return Result(rc)
	}
	return nil
}

// Pinned host memory is ordinary C memory here.
func (b *backend) hostAlloc(bytes int64) (unsafe.Pointer, error) {
	p := C.calloc(C.size_t(bytes), 1)
	if p == nil {
		return nil, ResultOutOfMemory
	}
	return p, nil
}

func (b *backend) hostFree(p unsafe.Pointer) error {
	C.free(p)
	return nil
}

// Stream capture records the stream's commands, arguments by value, as the
// driver does; a graph launch replays them. Copies to or from the host and
// synchronisation are refused while capturing, as the driver refuses them
// (pageable memory) or invalidates the capture.
type emuOp uint8

const (
	emuLaunch emuOp = iota
	emuMemset
	emuDtoD
)

type emuCmd struct {
	op          emuOp
	k           kernelID
	mod         unsafe.Pointer // a module's dispatch, with kernel mk (else package kernel k)
	mk          int
	grid, block dim3
	vals        [maxArgs]uint64
	dst, src    uintptr
	v           uint32
	n           int64
}

type emuGraph struct{ cmds []emuCmd }

var emuGraphs struct {
	sync.Mutex
	next uintptr
	live map[uintptr]*emuGraph
}

func (b *backend) captureBegin() error {
	if b.capturing {
		return ResultIllegalState
	}
	b.capturing, b.recorded = true, nil
	return nil
}

func (b *backend) captureEnd() (uintptr, int, error) {
	if !b.capturing {
		return 0, 0, ResultIllegalState
	}
	g := &emuGraph{cmds: b.recorded}
	b.capturing, b.recorded = false, nil
	emuGraphs.Lock()
	defer emuGraphs.Unlock()
	if emuGraphs.live == nil {
		emuGraphs.live = map[uintptr]*emuGraph{}
	}
	emuGraphs.next++
	emuGraphs.live[emuGraphs.next] = g
	return emuGraphs.next, len(g.cmds), nil
}

func (b *backend) graphLaunch(h uintptr) error {
	if b.capturing {
		return ResultStreamCaptureUnsupported
	}
	emuGraphs.Lock()
	g := emuGraphs.live[h]
	emuGraphs.Unlock()
	if g == nil {
		return ResultInvalidValue
	}
	for i := range g.cmds {
		c := &g.cmds[i]
		switch c.op {
		case emuLaunch:
			if c.mod != nil {
				if err := b.runModule(c.mod, c.mk, c.grid, c.block, &c.vals); err != nil {
					return err
				}
			} else if err := b.run(c.k, c.grid, c.block, &c.vals); err != nil {
				return err
			}
		case emuMemset:
			C.emu_memset32(C.uintptr_t(c.dst), C.uint32_t(c.v), C.size_t(c.n))
		case emuDtoD:
			C.emu_dtod(C.uintptr_t(c.dst), C.uintptr_t(c.src), C.size_t(c.n))
		}
	}
	return nil
}

func (b *backend) graphDestroy(h uintptr) error {
	emuGraphs.Lock()
	defer emuGraphs.Unlock()
	if emuGraphs.live[h] == nil {
		return ResultInvalidValue
	}
	delete(emuGraphs.live, h)
	return nil
}

// Events are host timestamps: the emulator's stream is synchronous.
var emuEvents struct {
	sync.Mutex
	next uintptr
	at   map[uintptr]time.Time
}

func (b *backend) eventCreate() (uintptr, error) {
	emuEvents.Lock()
	defer emuEvents.Unlock()
	if emuEvents.at == nil {
		emuEvents.at = map[uintptr]time.Time{}
	}
	emuEvents.next++
	emuEvents.at[emuEvents.next] = time.Time{}
	return emuEvents.next, nil
}

func (b *backend) eventRecord(ev uintptr) error {
	if b.capturing {
		return ResultStreamCaptureUnsupported
	}
	emuEvents.Lock()
	defer emuEvents.Unlock()
	if _, ok := emuEvents.at[ev]; !ok {
		return ResultInvalidValue
	}
	emuEvents.at[ev] = time.Now()
	return nil
}

func (b *backend) eventElapsed(from, to uintptr) (float32, error) {
	emuEvents.Lock()
	defer emuEvents.Unlock()
	a, okA := emuEvents.at[from]
	z, okZ := emuEvents.at[to]
	if !okA || !okZ || a.IsZero() || z.IsZero() {
		return 0, ResultInvalidValue
	}
	return float32(z.Sub(a).Seconds() * 1e3), nil
}

func (b *backend) eventDestroy(ev uintptr) error {
	emuEvents.Lock()
	defer emuEvents.Unlock()
	delete(emuEvents.at, ev)
	return nil
}

// emulatorFMA reports whether the emulated kernels were compiled with a*b+c
// contracted into fused multiply-adds (see emu_fma_contracted).
func emulatorFMA() bool {
	a := float32(1 + 1.0/4096)
	return C.emu_fma_contracted(C.float(a), C.float(a), C.float(-(1+1.0/2048))) != 0
}

// Modules: the package's own dispatch, registered by its generated
// emu_gen.go (RegisterEmulated); the PTX is not used.
func (b *backend) loadModule(name string, _ []byte, kernels []string) (moduleHandle, error) {
	m, ok := lookupEmulated(name)
	if !ok {
		return nil, fmt.Errorf("module %s has no emulated build registered (its package's emu_gen.go, built with -tags cudaemu, registers one)", name)
	}
	if len(m.kernels) != len(kernels) {
		return nil, fmt.Errorf("module %s: %d kernels emulated, %d asked for (regenerate the package's glue)", name, len(m.kernels), len(kernels))
	}
	for i := range kernels {
		if kernels[i] != m.kernels[i] {
			return nil, fmt.Errorf("module %s: kernel %d is %s in the emulated build, %s asked for", name, i, m.kernels[i], kernels[i])
		}
	}
	return m, nil
}

func (b *backend) launchModule(h moduleHandle, k int, grid, block dim3, a *kargs) error {
	m := h.(emulatedModule)
	if b.capturing {
		b.recorded = append(b.recorded, emuCmd{op: emuLaunch, mod: m.launch, mk: k, grid: grid, block: block, vals: a.vals})
		return nil
	}
	return b.runModule(m.launch, k, grid, block, &a.vals)
}

func (b *backend) runModule(fn unsafe.Pointer, k int, grid, block dim3, vals *[maxArgs]uint64) error {
	*(*[maxArgs]uint64)(unsafe.Pointer(b.args)) = *vals
	rc := C.emu_module_launch(fn, C.int(k), C.uint(grid.X), C.uint(grid.Y), C.uint(grid.Z), C.uint(block.X),
		C.uint(block.Y), C.uint(block.Z), b.args)
	if rc != 0 {
		return Result(rc)
	}
	return nil
}

func (b *backend) unloadModule(moduleHandle) error { return nil }
