//go:build embercuda

package cuda

/*
#cgo LDFLAGS: -lcuda -ldl
#cgo nocallback ember_launch
#cgo noescape ember_htod
#cgo noescape ember_dtoh
#cgo noescape ember_event_elapsed
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
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

// The hot path calls the driver directly rather than through
// gorgonia.org/cu: cu's Function.Launch mallocs and frees two C arrays per
// launch, and cu v0.9.6 has no stream capture. vals holds one 8-byte slot
// per kernel parameter (C memory, reused: cuLaunchKernel copies the
// parameters before it returns).
static int ember_launch(uintptr_t fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
		unsigned bz, uintptr_t stream, uint64_t *vals, int n) {
	void *params[16];
	if (n > 16) return (int)CUDA_ERROR_INVALID_VALUE;
	for (int i = 0; i < n; i++) params[i] = &vals[i];
	return (int)cuLaunchKernel((CUfunction)fn, gx, gy, gz, bx, by, bz, 0, (CUstream)stream, params, NULL);
}

static int ember_htod(uintptr_t dst, const void *src, size_t n, uintptr_t stream) {
	return (int)cuMemcpyHtoDAsync((CUdeviceptr)dst, src, n, (CUstream)stream);
}
static int ember_dtoh(void *dst, uintptr_t src, size_t n, uintptr_t stream) {
	return (int)cuMemcpyDtoHAsync(dst, (CUdeviceptr)src, n, (CUstream)stream);
}
static int ember_dtod(uintptr_t dst, uintptr_t src, size_t n, uintptr_t stream) {
	return (int)cuMemcpyDtoDAsync((CUdeviceptr)dst, (CUdeviceptr)src, n, (CUstream)stream);
}
static int ember_memset32(uintptr_t dst, unsigned v, size_t n, uintptr_t stream) {
	return (int)cuMemsetD32Async((CUdeviceptr)dst, v, n, (CUstream)stream);
}
static int ember_stream_create(uintptr_t *s) {
	CUstream st;
	CUresult r = cuStreamCreate(&st, CU_STREAM_NON_BLOCKING);
	*s = (uintptr_t)st;
	return (int)r;
}
static int ember_stream_destroy(uintptr_t s) { return (int)cuStreamDestroy((CUstream)s); }
static int ember_stream_sync(uintptr_t s) { return (int)cuStreamSynchronize((CUstream)s); }

// Modules: PTX JIT-compiled by the driver, with its error log on failure.
static int ember_module_load(uintptr_t *mod, const char *ptx, char *log, unsigned logSize) {
	CUjit_option opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void *vals[2] = {log, (void *)(uintptr_t)logSize};
	CUmodule m;
	CUresult r = cuModuleLoadDataEx(&m, ptx, 2, opts, vals);
	*mod = (uintptr_t)m;
	return (int)r;
}
static int ember_module_unload(uintptr_t mod) { return (int)cuModuleUnload((CUmodule)mod); }
static int ember_module_function(uintptr_t *fn, uintptr_t mod, const char *name) {
	CUfunction f;
	CUresult r = cuModuleGetFunction(&f, (CUmodule)mod, name);
	*fn = (uintptr_t)f;
	return (int)r;
}

// Page-locked host memory (fast, truly asynchronous copies).
static int ember_host_alloc(void **p, size_t n) { return (int)cuMemAllocHost(p, n); }
static int ember_host_free(void *p) { return (int)cuMemFreeHost(p); }

// Stream capture into a CUDA graph. THREAD_LOCAL: only this thread's
// unsafe calls (e.g. a synchronous copy) are prohibited while capturing.
static int ember_capture_begin(uintptr_t s) {
	return (int)cuStreamBeginCapture((CUstream)s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}
static int ember_capture_end(uintptr_t s, uintptr_t *exec, size_t *nodes) {
	CUgraph g = NULL;
	CUgraphExec e = NULL;
	CUresult r = cuStreamEndCapture((CUstream)s, &g);
	if (r != CUDA_SUCCESS) {
		if (g) cuGraphDestroy(g);
		return (int)r;
	}
	*nodes = 0;
	cuGraphGetNodes(g, NULL, nodes);
	r = cuGraphInstantiateWithFlags(&e, g, 0);
	cuGraphDestroy(g);  // the executable graph keeps what it needs
	*exec = (uintptr_t)e;
	return (int)r;
}
static int ember_graph_launch(uintptr_t exec, uintptr_t s) {
	return (int)cuGraphLaunch((CUgraphExec)exec, (CUstream)s);
}
static int ember_graph_destroy(uintptr_t exec) { return (int)cuGraphExecDestroy((CUgraphExec)exec); }

// Events, for per-op timing.
static int ember_event_create(uintptr_t *ev) {
	CUevent e;
	CUresult r = cuEventCreate(&e, CU_EVENT_DEFAULT);
	*ev = (uintptr_t)e;
	return (int)r;
}
static int ember_event_record(uintptr_t ev, uintptr_t s) { return (int)cuEventRecord((CUevent)ev, (CUstream)s); }
static int ember_event_elapsed(float *ms, uintptr_t a, uintptr_t b) {
	return (int)cuEventElapsedTime(ms, (CUevent)a, (CUevent)b);
}
static int ember_event_destroy(uintptr_t ev) { return (int)cuEventDestroy((CUevent)ev); }
*/
import "C"

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gorgonia.org/cu"
)

const backendName = "cuda"

// The kernels, compiled to PTX by `make ptx` (nvcc -ptx -arch=compute_80),
// and the same PTX in a fatbin beside sm_90 SASS that ptxas assembled from
// it. A Context loads the fatbins: the driver runs the SASS on sm_90
// devices (no JIT) and JIT-compiles the PTX for others. With
// EMBER_CUDA_PTX=1 in the environment it loads the PTX alone (always JIT),
// to compare the two or to rule the SASS out.
//
//go:embed kernels/*.ptx kernels/*.fatbin
var kernelFS embed.FS

// ptxModules lists the embedded PTX files by module name ("sgemm", ...).
func ptxModules() map[string]string { return embeddedModules(".ptx") }

// fatbinModules lists the embedded fatbins by module name.
func fatbinModules() map[string]string { return embeddedModules(".fatbin") }

func embeddedModules(ext string) map[string]string {
	mods := map[string]string{}
	ents, _ := kernelFS.ReadDir("kernels")
	for _, e := range ents {
		if path.Ext(e.Name()) != ext {
			continue
		}
		data, err := kernelFS.ReadFile("kernels/" + e.Name())
		if err == nil {
			mods[strings.TrimSuffix(e.Name(), ext)] = string(data)
		}
	}
	return mods
}

// usePTXOnly reports whether EMBER_CUDA_PTX asks for the PTX alone.
func usePTXOnly() bool {
	v := os.Getenv("EMBER_CUDA_PTX")
	return v != "" && v != "0"
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
// Context creation, device properties and memory allocation go through
// gorgonia.org/cu; the stream, modules, launches, copies, capture and
// events through the small C wrappers above.
type backend struct {
	ctx    cu.CUContext
	stream C.uintptr_t
	args   *C.uint64_t // C copy of a launch's parameter slots (no Go pointer crosses into C)
	mods   []C.uintptr_t
	fns    [numKernels]C.uintptr_t
	image  string // kernelImage
}

func res(code C.int) error {
	if code != 0 {
		return Result(code)
	}
	return nil
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
	b = &backend{args: (*C.uint64_t)(C.calloc(maxArgs, 8))}
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
	if err = res(C.ember_stream_create(&b.stream)); err != nil {
		return nil, DeviceInfo{}, &Error{Call: "cuStreamCreate", Err: err}
	}
	mods, ext := fatbinModules(), ".fatbin"
	if usePTXOnly() {
		mods, ext = ptxModules(), ".ptx"
	}
	loaded := map[string]C.uintptr_t{}
	start := time.Now()
	for k := kernelID(0); k < numKernels; k++ {
		spec := kernels[k]
		mod, ok := loaded[spec.module]
		if !ok {
			src, found := mods[spec.module]
			if !found {
				return nil, DeviceInfo{}, fmt.Errorf("cuda: kernels/%s%s is not embedded (run make ptx)", spec.module, ext)
			}
			var log string
			if mod, log, err = loadModule(src); err != nil {
				return nil, DeviceInfo{}, &Error{Call: fmt.Sprintf("cuModuleLoadDataEx %s%s", spec.module, ext),
					Err: err, Detail: log}
			}
			loaded[spec.module] = mod
			b.mods = append(b.mods, mod)
		}
		name := C.CString(spec.name)
		err = res(C.ember_module_function(&b.fns[k], mod, name))
		C.free(unsafe.Pointer(name))
		if err != nil {
			return nil, DeviceInfo{}, &Error{Call: fmt.Sprintf("cuModuleGetFunction %s", spec.name), Err: err}
		}
	}
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case ext == ".ptx":
		b.image = fmt.Sprintf("compute_80 PTX JIT-compiled by the driver (EMBER_CUDA_PTX), loaded in %v", took)
	case info.Major == 9 && info.Minor == 0:
		b.image = fmt.Sprintf("sm_90 SASS from the fatbin, loaded in %v", took)
	default:
		b.image = fmt.Sprintf("compute_80 PTX from the fatbin JIT-compiled for sm_%d%d, loaded in %v", info.Major, info.Minor, took)
	}
	return b, info, nil
}

// kernelImage says which image of the kernels the driver runs and how
// long loading them took.
func (b *backend) kernelImage() string { return b.image }

// loadModule loads a module image (PTX text, JIT-compiled for the current
// device, or a fatbin, whose matching SASS or PTX the driver picks),
// returning the driver's error log with a failure.
func loadModule(image string) (C.uintptr_t, string, error) {
	src := C.CString(image) // NUL-terminated, as PTX must be
	defer C.free(unsafe.Pointer(src))
	const logSize = 8192
	logBuf := (*C.char)(C.calloc(logSize, 1))
	defer C.free(unsafe.Pointer(logBuf))
	var mod C.uintptr_t
	if err := res(C.ember_module_load(&mod, src, logBuf, logSize)); err != nil {
		return 0, strings.TrimSpace(C.GoString(logBuf)), err
	}
	return mod, "", nil
}

func (b *backend) close() error {
	var first error
	keep := func(call string, err error) {
		if err != nil && first == nil {
			first = &Error{Call: call, Err: err}
		}
	}
	for _, m := range b.mods {
		keep("cuModuleUnload", res(C.ember_module_unload(m)))
	}
	b.mods = nil
	if b.stream != 0 {
		keep("cuStreamDestroy", res(C.ember_stream_destroy(b.stream)))
		b.stream = 0
	}
	if b.ctx != (cu.CUContext{}) {
		keep("cuCtxDestroy", asResult(b.ctx.Destroy()))
	}
	C.free(unsafe.Pointer(b.args))
	b.args = nil
	return first
}

func (b *backend) sync() error { return res(C.ember_stream_sync(b.stream)) }

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
	return res(C.ember_htod(C.uintptr_t(dst), src, C.size_t(n), b.stream))
}

func (b *backend) copyDtoH(dst unsafe.Pointer, src uintptr, n int64) error {
	return res(C.ember_dtoh(dst, C.uintptr_t(src), C.size_t(n), b.stream))
}

func (b *backend) copyDtoD(dst, src uintptr, n int64) error {
	return res(C.ember_dtod(C.uintptr_t(dst), C.uintptr_t(src), C.size_t(n), b.stream))
}

func (b *backend) memsetD32(dst uintptr, v uint32, n int64) error {
	return res(C.ember_memset32(C.uintptr_t(dst), C.uint(v), C.size_t(n), b.stream))
}

func (b *backend) launch(k kernelID, grid, block dim3, a *kargs) error {
	*(*[maxArgs]uint64)(unsafe.Pointer(b.args)) = a.vals
	return res(C.ember_launch(b.fns[k], C.uint(grid.X), C.uint(grid.Y), C.uint(grid.Z), C.uint(block.X),
		C.uint(block.Y), C.uint(block.Z), b.stream, b.args, C.int(a.n)))
}

func (b *backend) hostAlloc(bytes int64) (unsafe.Pointer, error) {
	var p unsafe.Pointer
	if err := res(C.ember_host_alloc(&p, C.size_t(bytes))); err != nil {
		return nil, err
	}
	return p, nil
}

func (b *backend) hostFree(p unsafe.Pointer) error { return res(C.ember_host_free(p)) }

func (b *backend) captureBegin() error { return res(C.ember_capture_begin(b.stream)) }

func (b *backend) captureEnd() (uintptr, int, error) {
	var exec C.uintptr_t
	var nodes C.size_t
	err := res(C.ember_capture_end(b.stream, &exec, &nodes))
	return uintptr(exec), int(nodes), err
}

func (b *backend) graphLaunch(g uintptr) error {
	return res(C.ember_graph_launch(C.uintptr_t(g), b.stream))
}

func (b *backend) graphDestroy(g uintptr) error { return res(C.ember_graph_destroy(C.uintptr_t(g))) }

func (b *backend) eventCreate() (uintptr, error) {
	var ev C.uintptr_t
	err := res(C.ember_event_create(&ev))
	return uintptr(ev), err
}

func (b *backend) eventRecord(ev uintptr) error {
	return res(C.ember_event_record(C.uintptr_t(ev), b.stream))
}

// eventElapsed is the time between two recorded events, after both are done.
func (b *backend) eventElapsed(from, to uintptr) (float32, error) {
	var ms C.float
	err := res(C.ember_event_elapsed(&ms, C.uintptr_t(from), C.uintptr_t(to)))
	return float32(ms), err
}

func (b *backend) eventDestroy(ev uintptr) error { return res(C.ember_event_destroy(C.uintptr_t(ev))) }

// cudaModule is a module loaded by LoadModule and its kernels' functions.
type cudaModule struct {
	mod C.uintptr_t
	fns []C.uintptr_t
}

func (b *backend) loadModule(name string, ptx []byte, kernels []string) (moduleHandle, error) {
	if len(ptx) == 0 {
		return nil, fmt.Errorf("module %s: no PTX (run make ptx)", name)
	}
	mod, log, err := loadModule(string(ptx))
	if err != nil {
		return nil, &Error{Call: fmt.Sprintf("cuModuleLoadDataEx %s", name), Err: err, Detail: log}
	}
	m := &cudaModule{mod: mod}
	for _, k := range kernels {
		cname := C.CString(k)
		var fn C.uintptr_t
		err := res(C.ember_module_function(&fn, mod, cname))
		C.free(unsafe.Pointer(cname))
		if err != nil {
			C.ember_module_unload(mod)
			return nil, &Error{Call: fmt.Sprintf("cuModuleGetFunction %s (module %s)", k, name), Err: err}
		}
		m.fns = append(m.fns, fn)
	}
	return m, nil
}

func (b *backend) launchModule(h moduleHandle, k int, grid, block dim3, a *kargs) error {
	m := h.(*cudaModule)
	*(*[maxArgs]uint64)(unsafe.Pointer(b.args)) = a.vals
	return res(C.ember_launch(m.fns[k], C.uint(grid.X), C.uint(grid.Y), C.uint(grid.Z), C.uint(block.X),
		C.uint(block.Y), C.uint(block.Z), b.stream, b.args, C.int(a.n)))
}

func (b *backend) unloadModule(h moduleHandle) error {
	return res(C.ember_module_unload(h.(*cudaModule).mod))
}
