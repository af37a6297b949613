//go:build embercuda

package cuda

/*
#cgo LDFLAGS: -lcuda -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <cuda.h>

// gorgonia.org/cu calls cuInit in its package init and, when that fails,
// prints a message and calls os.Exit(1): any program importing it would die
// at start-up on a machine without a working driver or device. This
// definition of cuInit, linked into the executable, takes precedence over
// libcuda's (the executable's symbols are found first); it forwards to the
// real cuInit, records the result, and reports success so that cu's init
// returns. Devices and NewContext then report the recorded failure as
// "no CUDA device: ...". Later driver calls fail with
// CUDA_ERROR_NOT_INITIALIZED, which nothing here makes after a failure.
static int ember_init_calls = 0;
static CUresult ember_init_result = CUDA_ERROR_NOT_INITIALIZED;
static int ember_init_missing = 0;

CUresult CUDAAPI cuInit(unsigned int flags) {
	typedef CUresult (CUDAAPI *init_fn)(unsigned int);
	init_fn real = (init_fn)dlsym(RTLD_NEXT, "cuInit");
	ember_init_calls++;
	if (real == NULL) {
		ember_init_missing = 1;
		ember_init_result = CUDA_ERROR_NOT_INITIALIZED;
		return CUDA_SUCCESS;
	}
	ember_init_result = real(flags);
	return CUDA_SUCCESS;
}

static int ember_init_state(int *calls, int *missing) {
	*calls = ember_init_calls;
	*missing = ember_init_missing;
	return (int)ember_init_result;
}

static const char *ember_error_name(int code) {
	const char *s = NULL;
	if (cuGetErrorName((CUresult)code, &s) != CUDA_SUCCESS) return NULL;
	return s;
}

static const char *ember_error_string(int code) {
	const char *s = NULL;
	if (cuGetErrorString((CUresult)code, &s) != CUDA_SUCCESS) return NULL;
	return s;
}
*/
import "C"

import (
	"embed"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"gorgonia.org/cu"
)

const backendName = "cuda"

// The kernels, compiled to PTX by `make ptx` (nvcc -ptx -arch=compute_80)
// and JIT-compiled by the driver for the device when a Context loads them.
//
//go:embed kernels/*.ptx
var ptxFS embed.FS

// ptxModules lists the embedded PTX files by module name ("sgemm", ...).
func ptxModules() map[string]string {
	mods := map[string]string{}
	ents, _ := ptxFS.ReadDir("kernels")
	for _, e := range ents {
		data, err := ptxFS.ReadFile("kernels/" + e.Name())
		if err == nil {
			mods[strings.TrimSuffix(e.Name(), path.Ext(e.Name()))] = string(data)
		}
	}
	return mods
}

// asResult turns a gorgonia.org/cu error (its unexported integer result
// type) into a Result; other errors pass through.
func asResult(err error) error {
	if err == nil {
		return nil
	}
	if v := reflect.ValueOf(err); v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64 {
		return Result(v.Int())
	}
	return err
}

func driverResultName(r Result) string {
	if s := C.ember_error_name(C.int(r)); s != nil {
		return C.GoString(s)
	}
	return ""
}

func driverResultString(r Result) string {
	if s := C.ember_error_string(C.int(r)); s != nil {
		return C.GoString(s)
	}
	return ""
}

var initOnce sync.Once
var initErr error

// driverInitError is the outcome of cuInit (made by gorgonia.org/cu's init,
// through the shim above): nil, or an error matching ErrNoDevice.
func driverInitError() error {
	initOnce.Do(func() {
		var calls, missing C.int
		code := C.ember_init_state(&calls, &missing)
		if calls == 0 { // cu did not go through the shim: initialise now
			C.cuInit(0)
			code = C.ember_init_state(&calls, &missing)
		}
		switch {
		case missing != 0:
			initErr = &noDeviceError{errors.New("cuInit not found in libcuda.so.1")}
		case code != 0:
			initErr = &noDeviceError{Result(code)}
		}
	})
	return initErr
}

func driverDevices() ([]DeviceInfo, error) {
	if err := driverInitError(); err != nil {
		return nil, err
	}
	n, err := cu.NumDevices()
	if err != nil {
		return nil, &noDeviceError{asResult(err)}
	}
	if n == 0 {
		return nil, &noDeviceError{errors.New("the driver reports 0 devices")}
	}
	out := make([]DeviceInfo, 0, n)
	for i := 0; i < n; i++ {
		d, err := deviceInfo(i)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func deviceInfo(ordinal int) (DeviceInfo, error) {
	fail := func(call string, err error) (DeviceInfo, error) {
		return DeviceInfo{}, &Error{Call: fmt.Sprintf("%s (device %d)", call, ordinal), Err: asResult(err)}
	}
	dev, err := cu.GetDevice(ordinal)
	if err != nil {
		return fail("cuDeviceGet", err)
	}
	info := DeviceInfo{Ordinal: ordinal, DriverVersion: cu.Version()}
	if info.Name, err = dev.Name(); err != nil {
		return fail("cuDeviceGetName", err)
	}
	if info.TotalMemory, err = dev.TotalMem(); err != nil {
		return fail("cuDeviceTotalMem", err)
	}
	attrs := []struct {
		a   cu.DeviceAttribute
		dst *int
	}{
		{cu.ComputeCapabilityMajor, &info.Major},
		{cu.ComputeCapabilityMinor, &info.Minor},
		{cu.MultiprocessorCount, &info.SMs},
	}
	for _, at := range attrs {
		if *at.dst, err = dev.Attribute(at.a); err != nil {
			return fail("cuDeviceGetAttribute", err)
		}
	}
	return info, nil
}

// backend is one CUDA context with its stream and loaded kernels. Its
// methods run on the Context's worker thread, where the context is current.
type backend struct {
	ctx    cu.CUContext
	stream cu.Stream
	mods   []cu.Module
	fns    [numKernels]cu.Function
}

func openBackend(ordinal int) (b *backend, info DeviceInfo, err error) {
	if err := driverInitError(); err != nil {
		return nil, DeviceInfo{}, err
	}
	n, err := cu.NumDevices()
	if err != nil {
		return nil, DeviceInfo{}, &noDeviceError{asResult(err)}
	}
	if ordinal < 0 || ordinal >= n {
		return nil, DeviceInfo{}, fmt.Errorf("cuda: no device %d (%d devices)", ordinal, n)
	}
	if info, err = deviceInfo(ordinal); err != nil {
		return nil, DeviceInfo{}, err
	}
	dev, _ := cu.GetDevice(ordinal)
	b = &backend{}
	// cuCtxCreate makes the new context current on this (locked) thread.
	if b.ctx, err = dev.MakeContext(cu.SchedAuto); err != nil {
		return nil, DeviceInfo{}, &Error{Call: fmt.Sprintf("cuCtxCreate (device %d)", ordinal), Err: asResult(err)}
	}
	defer func() {
		if err != nil {
			b.close()
			b = nil
		}
	}()
	// Non-blocking: no implicit synchronisation with the legacy NULL stream.
	if b.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
		return nil, DeviceInfo{}, &Error{Call: "cuStreamCreate", Err: asResult(err)}
	}
	mods := ptxModules()
	loaded := map[string]cu.Module{}
	for k := kernelID(0); k < numKernels; k++ {
		spec := kernels[k]
		mod, ok := loaded[spec.module]
		if !ok {
			src, found := mods[spec.module]
			if !found {
				return nil, DeviceInfo{}, fmt.Errorf("cuda: kernels/%s.ptx is not embedded (run make ptx)", spec.module)
			}
			if mod, err = loadModule(src); err != nil {
				return nil, DeviceInfo{}, &Error{Call: fmt.Sprintf("cuModuleLoadData %s.ptx", spec.module),
					Err: asResult(err), Detail: jitLog(src)}
			}
			loaded[spec.module] = mod
			b.mods = append(b.mods, mod)
		}
		if b.fns[k], err = mod.Function(spec.name); err != nil {
			return nil, DeviceInfo{}, &Error{Call: fmt.Sprintf("cuModuleGetFunction %s", spec.name), Err: asResult(err)}
		}
	}
	return b, info, nil
}

func loadModule(ptx string) (cu.Module, error) { return cu.LoadData(ptx) }

// jitLog retries a failed PTX load with an error log, for the message.
func jitLog(ptx string) string {
	logBuf := &cu.JITErrorLogBuffer{Buffer: make([]byte, 4096)}
	mod, err := cu.LoadDataEx(ptx, logBuf)
	if err == nil {
		mod.Unload()
		return ""
	}
	s := string(logBuf.Buffer)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func (b *backend) close() error {
	var first error
	keep := func(call string, err error) {
		if err != nil && first == nil {
			first = &Error{Call: call, Err: asResult(err)}
		}
	}
	for _, m := range b.mods {
		keep("cuModuleUnload", m.Unload())
	}
	b.mods = nil
	if b.stream != (cu.Stream{}) {
		keep("cuStreamDestroy", b.stream.Destroy())
	}
	if b.ctx != (cu.CUContext{}) {
		keep("cuCtxDestroy", b.ctx.Destroy())
	}
	return first
}

func (b *backend) sync() error { return asResult(b.stream.Synchronize()) }

func (b *backend) memInfo() (int64, int64, error) {
	free, total, err := cu.MemInfo()
	return free, total, asResult(err)
}

func (b *backend) alloc(bytes int64) (uintptr, error) {
	p, err := cu.MemAlloc(bytes)
	return uintptr(p), asResult(err)
}

func (b *backend) free(p uintptr) error { return asResult(cu.MemFree(cu.DevicePtr(p))) }

func (b *backend) copyHtoD(dst uintptr, src unsafe.Pointer, n int64) error {
	return asResult(cu.MemcpyHtoDAsync(cu.DevicePtr(dst), src, n, b.stream))
}

func (b *backend) copyDtoH(dst unsafe.Pointer, src uintptr, n int64) error {
	return asResult(cu.MemcpyDtoHAsync(dst, cu.DevicePtr(src), n, b.stream))
}

func (b *backend) copyDtoD(dst, src uintptr, n int64) error {
	return asResult(cu.MemcpyDtoDAsync(cu.DevicePtr(dst), cu.DevicePtr(src), n, b.stream))
}

func (b *backend) memsetD32(dst uintptr, v uint32, n int64) error {
	return asResult(cu.MemsetD32Async(cu.DevicePtr(dst), uint(v), n, b.stream))
}

func (b *backend) launch(k kernelID, grid, block dim3, args []unsafe.Pointer) error {
	return asResult(b.fns[k].Launch(int(grid.x), int(grid.y), int(grid.z), int(block.x), int(block.y), int(block.z),
		0, b.stream, args))
}
