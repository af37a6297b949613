package cuda

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// Context is a CUDA context on one device, with one stream. Every CUDA call
// for it runs on one goroutine locked to one OS thread (the driver's current
// context is per thread), which the Context owns: methods called from other
// goroutines hand their work to that thread and wait for it. Work is
// enqueued on the Context's stream in call order; kernels and *Async copies
// return before the device has finished (errors of a kernel's execution
// surface at the next Sync or synchronous copy), synchronous copies wait.
//
// A Context is safe for concurrent use; calls are serialised on its thread.
// Do runs a whole function on the thread, so a sequence of launches inside
// Do costs one hand-off instead of one per call. There is at most one open
// Context per device.
type Context struct {
	info DeviceInfo
	b    *backend
	tid  int // OS thread id of the worker (see onThread)

	reqs chan request
	quit chan struct{} // closed when the worker has shut down

	mu     sync.Mutex
	closed bool

	scratch Buffer   // kernel workspace (syncScratch); only touched on the worker thread
	retired []Buffer // scratch outgrown while graphs may hold its address; freed at Close

	modules   []*Module                // loaded by LoadModule, unloaded at Close
	capturing bool                     // the stream is being captured (worker thread only)
	enqueued  int64                    // device operations enqueued (worker thread only): Enqueued
	graphs    map[*Graph]struct{}      // live graphs, destroyed at Close
	hosts     map[*HostBuffer]struct{} // live page-locked buffers, freed at Close

	rec       func(launchRecord) // tests only: record launches instead of running them
	sgemmTile int                // tests only: force the 64 or 128 sgemm kernels (0: choose)
	gemmSplit int                // tests only: force the sgemm K slices (0: choose)
	recU      int                // tests only: force the fused recurrent steps' units per block (0: choose)
}

type request struct {
	fn    func() error
	close bool
	done  chan reply
}

type reply struct {
	err      error
	panicked bool
	panicVal any
}

var (
	openMu   sync.Mutex
	openCtxs = map[int]*Context{}
)

// NewContext creates the Context for device ordinal (see Devices): a CUDA
// context, a stream, and the package's kernels (PTX, JIT-compiled by the
// driver for the device on first load). Close releases all of it, including
// every allocation made through it.
func NewContext(ordinal int) (*Context, error) {
	if !Enabled() {
		return nil, ErrNotBuilt
	}
	openMu.Lock()
	if _, busy := openCtxs[ordinal]; busy {
		openMu.Unlock()
		return nil, fmt.Errorf("cuda: device %d already has an open Context (one per device; Close it first)", ordinal)
	}
	c := &Context{reqs: make(chan request), quit: make(chan struct{}), tid: -1,
		graphs: map[*Graph]struct{}{}, hosts: map[*HostBuffer]struct{}{}}
	openCtxs[ordinal] = c
	openMu.Unlock()

	ready := make(chan error)
	go c.loop(ordinal, ready)
	if err := <-ready; err != nil {
		openMu.Lock()
		delete(openCtxs, ordinal)
		openMu.Unlock()
		return nil, err
	}
	return c, nil
}

// loop is the worker: it owns the OS thread for the Context's whole life.
func (c *Context) loop(ordinal int, ready chan<- error) {
	// Never unlocked: when the goroutine returns, the runtime ends the thread
	// with it, so no other goroutine ever runs with this CUDA context current.
	runtime.LockOSThread()
	c.tid = osThreadID()
	b, info, err := openBackend(ordinal)
	if err != nil {
		ready <- err
		return
	}
	c.b, c.info = b, info
	ready <- nil
	for {
		r := <-c.reqs
		if r.close {
			err := c.shutdown()
			close(c.quit)
			r.done <- reply{err: err}
			return
		}
		r.done <- call(r.fn)
	}
}

func call(fn func() error) (rep reply) {
	defer func() {
		if p := recover(); p != nil {
			rep = reply{panicked: true, panicVal: p}
		}
	}()
	return reply{err: fn()}
}

func (c *Context) shutdown() error {
	err := c.b.sync()
	if err != nil {
		err = &Error{Call: "cuStreamSynchronize (close)", Err: err}
	}
	for g := range c.graphs {
		c.b.graphDestroy(g.h)
		g.h = 0
	}
	for h := range c.hosts {
		c.b.hostFree(h.p)
		h.p, h.bytes = nil, 0
	}
	for _, m := range c.modules {
		if m.m != nil {
			c.b.unloadModule(m.m)
			m.m = nil
		}
	}
	c.modules = nil
	for _, b := range c.retired {
		c.b.free(b.ptr)
	}
	if !c.scratch.IsNil() {
		c.b.free(c.scratch.ptr)
	}
	c.graphs, c.hosts, c.retired = nil, nil, nil
	if cerr := c.b.close(); cerr != nil && err == nil {
		err = &Error{Call: "close context", Err: cerr}
	}
	c.scratch = Buffer{}
	return err
}

// onThread reports whether the caller is the worker goroutine (the only one
// that can run on the worker's locked thread).
func (c *Context) onThread() bool { return c.tid >= 0 && osThreadID() == c.tid }

// do runs fn on the worker thread (directly when already there, so calls nest).
func (c *Context) do(fn func() error) error {
	if c.rec != nil || c.onThread() {
		return fn()
	}
	done := replyChans.Get().(chan reply)
	r := request{fn: fn, done: done}
	select {
	case c.reqs <- r:
	case <-c.quit:
		replyChans.Put(done)
		return ErrClosed
	}
	rep := <-done
	replyChans.Put(done) // empty again: the worker sends exactly one reply
	if rep.panicked {
		panic(rep.panicVal)
	}
	return rep.err
}

// replyChans recycles the hand-off's reply channels, so that a call from
// another goroutine (a training step's one Do) allocates nothing.
var replyChans = sync.Pool{New: func() any { return make(chan reply, 1) }}

// Do runs fn on the Context's thread and returns its error. Inside fn, the
// Context's methods run directly (no hand-off), and gorgonia.org/cu calls
// act on this Context (a cuda build only). A panic in fn is re-raised in the
// caller. Do must not be called after Close.
func (c *Context) Do(fn func() error) error { return c.do(fn) }

// DoOp is Do with the error labelled with a graph op (see WithOp), e.g.
// "cuda: launch lstm_fwd_pointwise (op LSTM): CUDA_ERROR_INVALID_VALUE".
func (c *Context) DoOp(op string, fn func() error) error { return WithOp(c.do(fn), op) }

// Device describes the Context's device.
func (c *Context) Device() DeviceInfo { return c.info }

// KernelImage says which build of the engine's kernels the Context loaded
// and how long loading took: on a real device the sm_90 SASS of the
// embedded fatbins (H100, H200), or their compute_80 PTX JIT-compiled by
// the driver (other GPUs, or everywhere with EMBER_CUDA_PTX=1), e.g.
// "sm_90 SASS from the fatbin, loaded in 21ms".
func (c *Context) KernelImage() string { return c.b.kernelImage() }

// Close waits for the stream, unloads the kernels and destroys the stream and
// the CUDA context, which frees every allocation made through it (Buffers
// and Arenas of this Context are invalid afterwards). Closing twice is a
// no-op. Close must not be called from inside Do.
func (c *Context) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if c.onThread() {
		c.mu.Unlock()
		return fmt.Errorf("cuda: Context.Close called on the context's own thread (inside Do)")
	}
	c.closed = true
	c.mu.Unlock()
	if c.rec != nil {
		return nil
	}
	r := request{close: true, done: make(chan reply, 1)}
	c.reqs <- r
	rep := <-r.done
	openMu.Lock()
	for k, v := range openCtxs {
		if v == c {
			delete(openCtxs, k)
		}
	}
	openMu.Unlock()
	return rep.err
}

// Sync waits until all work enqueued on the stream is done, and returns the
// first error of that work (e.g. an illegal address in a kernel).
func (c *Context) Sync() error {
	if c.rec != nil {
		return nil // a recording (test) context has no stream
	}
	if !c.onThread() {
		return c.do(c.Sync)
	}
	if err := c.notCapturing("cuStreamSynchronize"); err != nil {
		return err
	}
	if err := c.b.sync(); err != nil {
		return &Error{Call: "cuStreamSynchronize", Err: err}
	}
	return nil
}

// MemInfo is the device's free and total memory in bytes (cuMemGetInfo).
func (c *Context) MemInfo() (free, total int64, err error) {
	err = c.do(func() error {
		var e error
		free, total, e = c.b.memInfo()
		if e != nil {
			return &Error{Call: "cuMemGetInfo", Err: e}
		}
		return nil
	})
	return free, total, err
}

// Alloc allocates bytes (> 0) of device memory (cuMemAlloc, 256-byte
// aligned). Out of memory gives an error matching ErrOutOfMemory that names
// the bytes requested and the device's free and total memory.
func (c *Context) Alloc(bytes int64) (Buffer, error) {
	if bytes <= 0 {
		return Buffer{}, invalid("cuMemAlloc", "size %d bytes", bytes)
	}
	var buf Buffer
	err := c.do(func() error {
		if err := c.notCapturing("cuMemAlloc"); err != nil {
			return err
		}
		p, err := c.b.alloc(bytes)
		if err != nil {
			e := &Error{Call: fmt.Sprintf("cuMemAlloc %d bytes", bytes), Err: err}
			if free, total, ierr := c.b.memInfo(); ierr == nil {
				e.Detail = fmt.Sprintf("requested %s; device has %s free of %s", fmtBytes(bytes),
					fmtBytes(free), fmtBytes(total))
			}
			return e
		}
		buf = Buffer{ptr: p, bytes: bytes}
		return nil
	})
	return buf, err
}

// AllocFloat32 allocates room for n float32s.
func (c *Context) AllocFloat32(n int) (Buffer, error) { return c.Alloc(int64(n) * 4) }

// Free releases memory from Alloc, after the stream's pending work (which
// may still use it) has finished. Freeing a nil Buffer is a no-op.
func (c *Context) Free(b Buffer) error {
	if b.IsNil() {
		return nil
	}
	return c.do(func() error {
		if err := c.notCapturing("cuMemFree"); err != nil {
			return err
		}
		if err := c.b.sync(); err != nil {
			return &Error{Call: "cuStreamSynchronize (before cuMemFree)", Err: err}
		}
		if err := c.b.free(b.ptr); err != nil {
			return &Error{Call: fmt.Sprintf("cuMemFree 0x%x", b.ptr), Err: err}
		}
		return nil
	})
}

// HostElem are the element types copies move between host slices and Buffers.
type HostElem interface {
	~float32 | ~int32 | ~uint32 | ~byte
}

func hostBytes[T HostElem](s []T) (unsafe.Pointer, int64) {
	var z T
	return unsafe.Pointer(unsafe.SliceData(s)), int64(len(s)) * int64(unsafe.Sizeof(z))
}

// Upload copies src into the start of dst and waits for it (and for the
// stream's earlier work).
func Upload[T HostElem](c *Context, dst Buffer, src []T) error { return upload(c, dst, src, true) }

// UploadAsync enqueues the copy of src into the start of dst on the stream.
// From ordinary (pageable) Go memory the driver has taken its copy of src
// by the time this returns, so src may be reused at once.
func UploadAsync[T HostElem](c *Context, dst Buffer, src []T) error {
	return upload(c, dst, src, false)
}

// Download copies the start of src into dst, after the stream's earlier work.
func Download[T HostElem](c *Context, dst []T, src Buffer) error { return download(c, dst, src, true) }

// DownloadAsync enqueues the copy of the start of src into dst on the stream.
// Into ordinary (pageable) Go memory the driver completes the copy before
// returning; dst must stay untouched until Sync in any case.
func DownloadAsync[T HostElem](c *Context, dst []T, src Buffer) error {
	return download(c, dst, src, false)
}

func upload[T HostElem](c *Context, dst Buffer, src []T, wait bool) error {
	p, n := hostBytes(src)
	err := c.copyIn(dst, p, n, wait)
	runtime.KeepAlive(src)
	return err
}

func download[T HostElem](c *Context, dst []T, src Buffer, wait bool) error {
	p, n := hostBytes(dst)
	err := c.copyOut(p, src, n, wait)
	runtime.KeepAlive(dst)
	return err
}

// copyIn and copyOut run on the worker thread without a closure when called
// there, so a training step's copies allocate nothing.
func (c *Context) copyIn(dst Buffer, p unsafe.Pointer, n int64, wait bool) error {
	if n == 0 {
		return nil
	}
	if n > dst.bytes || dst.IsNil() {
		return invalid("cuMemcpyHtoDAsync", "%d bytes into %v", n, dst)
	}
	if !c.onThread() {
		return c.do(func() error { return c.copyIn(dst, p, n, wait) })
	}
	if err := c.notCapturing("cuMemcpyHtoDAsync"); err != nil {
		return err
	}
	if err := c.b.copyHtoD(dst.ptr, p, n); err != nil {
		return &Error{Call: fmt.Sprintf("cuMemcpyHtoDAsync %d bytes", n), Err: err}
	}
	if wait {
		if err := c.b.sync(); err != nil {
			return &Error{Call: "cuStreamSynchronize (after cuMemcpyHtoDAsync)", Err: err}
		}
	}
	return nil
}

func (c *Context) copyOut(p unsafe.Pointer, src Buffer, n int64, wait bool) error {
	if n == 0 {
		return nil
	}
	if n > src.bytes || src.IsNil() {
		return invalid("cuMemcpyDtoHAsync", "%d bytes from %v", n, src)
	}
	if !c.onThread() {
		return c.do(func() error { return c.copyOut(p, src, n, wait) })
	}
	if err := c.notCapturing("cuMemcpyDtoHAsync"); err != nil {
		return err
	}
	if err := c.b.copyDtoH(p, src.ptr, n); err != nil {
		return &Error{Call: fmt.Sprintf("cuMemcpyDtoHAsync %d bytes", n), Err: err}
	}
	if wait {
		if err := c.b.sync(); err != nil {
			return &Error{Call: "cuStreamSynchronize (after cuMemcpyDtoHAsync)", Err: err}
		}
	}
	return nil
}

// CopyHtoD copies src into the start of dst and waits (Upload for float32).
func (c *Context) CopyHtoD(dst Buffer, src []float32) error { return Upload(c, dst, src) }

// CopyDtoH copies the start of src into dst and waits (Download for float32).
func (c *Context) CopyDtoH(dst []float32, src Buffer) error { return Download(c, dst, src) }

// CopyHtoDAsync enqueues src -> dst on the stream (UploadAsync for float32).
func (c *Context) CopyHtoDAsync(dst Buffer, src []float32) error { return UploadAsync(c, dst, src) }

// CopyDtoHAsync enqueues src -> dst on the stream (DownloadAsync for float32).
func (c *Context) CopyDtoHAsync(dst []float32, src Buffer) error { return DownloadAsync(c, dst, src) }

// CopyDtoD enqueues a copy of all of src into the start of dst on the stream.
func (c *Context) CopyDtoD(dst, src Buffer) error {
	if src.bytes == 0 {
		return nil
	}
	if src.IsNil() || dst.IsNil() || src.bytes > dst.bytes {
		return invalid("cuMemcpyDtoDAsync", "%v into %v", src, dst)
	}
	if !c.onThread() {
		return c.do(func() error { return c.CopyDtoD(dst, src) })
	}
	if err := c.b.copyDtoD(dst.ptr, src.ptr, src.bytes); err != nil {
		return &Error{Call: fmt.Sprintf("cuMemcpyDtoDAsync %d bytes", src.bytes), Err: err}
	}
	c.enqueued++
	return nil
}

// Memset32 enqueues setting every 4-byte word of dst to v (cuMemsetD32Async);
// for float32 use math.Float32bits, or Fill.
func (c *Context) Memset32(dst Buffer, v uint32) error {
	if dst.bytes == 0 {
		return nil
	}
	if dst.IsNil() || dst.bytes%4 != 0 || dst.ptr%4 != 0 {
		return invalid("cuMemsetD32Async", "%v is not a whole number of aligned 4-byte words", dst)
	}
	if !c.onThread() {
		return c.do(func() error { return c.Memset32(dst, v) })
	}
	if err := c.b.memsetD32(dst.ptr, v, dst.bytes/4); err != nil {
		return &Error{Call: fmt.Sprintf("cuMemsetD32Async %d words", dst.bytes/4), Err: err}
	}
	c.enqueued++
	return nil
}

// Enqueued is the number of device operations (kernel launches, device to
// device copies, memsets: the nodes a captured graph has) enqueued on the
// Context's stream so far, captured ones included and graph replays and
// the Context's own one-off workspace setup not: the difference around a
// step run kernel by kernel is its kernel count.
func (c *Context) Enqueued() int64 {
	if c.onThread() {
		return c.enqueued
	}
	var n int64
	c.do(func() error { n = c.enqueued; return nil })
	return n
}

// Zero enqueues clearing dst to 0 (all bits zero, i.e. 0.0 for float32).
func (c *Context) Zero(dst Buffer) error { return c.Memset32(dst, 0) }

// checkN is the guard for kernels indexing with 32-bit integers.
func checkN(call string, n int) error {
	if n < 0 || n > math.MaxInt32 {
		return invalid(call, "%d elements (kernels take at most 2^31-1)", n)
	}
	return nil
}
