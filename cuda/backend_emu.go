//go:build cudaemu && !embercuda

package cuda

/*
#cgo CXXFLAGS: -std=c++17 -O2 -fno-strict-aliasing -Wno-unknown-pragmas
#cgo LDFLAGS: -lpthread
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
               const uint64_t* v);

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
	"sync"
	"unsafe"
)

// emuKernelSources makes the CUDA sources, which emu_kernels.cpp #includes
// from kernels/, inputs of this package for the go build cache: without it
// an edited .cu would not rebuild the emulator (the cache does not follow
// C #include directives outside the package directory).
//
//go:embed kernels/*.cu
var emuKernelSources embed.FS

// The CPU emulator backend (-tags cudaemu): the kernels' CUDA source compiled
// for the host (emu_kernels.cpp) behind the same backend interface, so the
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

type backend struct{ names [numKernels]*C.char }

func openBackend(ordinal int) (*backend, DeviceInfo, error) {
	if ordinal != 0 {
		return nil, DeviceInfo{}, &noDeviceError{ResultNoDevice}
	}
	b := &backend{}
	for k := range b.names {
		b.names[k] = C.CString(kernels[k].name)
	}
	return b, emuDevice(), nil
}

func (b *backend) close() error {
	for k, s := range b.names {
		C.free(unsafe.Pointer(s))
		b.names[k] = nil
	}
	return nil
}

func (b *backend) sync() error { return nil }

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
	C.emu_htod(C.uintptr_t(dst), src, C.size_t(n))
	return nil
}

func (b *backend) copyDtoH(dst unsafe.Pointer, src uintptr, n int64) error {
	C.emu_dtoh(dst, C.uintptr_t(src), C.size_t(n))
	return nil
}

func (b *backend) copyDtoD(dst, src uintptr, n int64) error {
	C.emu_dtod(C.uintptr_t(dst), C.uintptr_t(src), C.size_t(n))
	return nil
}

func (b *backend) memsetD32(dst uintptr, v uint32, n int64) error {
	C.emu_memset32(C.uintptr_t(dst), C.uint32_t(v), C.size_t(n))
	return nil
}

func (b *backend) launch(k kernelID, grid, block dim3, args []unsafe.Pointer) error {
	// Copy the 8-byte slots, as cuLaunchKernel (through cu) reads them.
	vals := make([]uint64, len(args)+1)
	for i, p := range args {
		vals[i] = *(*uint64)(p)
	}
	rc := C.emu_launch(b.names[k], C.uint(grid.x), C.uint(grid.y), C.uint(grid.z), C.uint(block.x),
		C.uint(block.y), C.uint(block.z), (*C.uint64_t)(unsafe.Pointer(&vals[0])))
	if rc != 0 {
		return Result(rc)
	}
	return nil
}
