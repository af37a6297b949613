package cuda

import (
	"fmt"
	"time"
	"unsafe"
)

// Graph is work captured from a Context's stream (kernel launches, device
// to device copies and memsets) and instantiated once as a CUDA graph, so
// that Launch replays all of it with one driver call instead of one per
// kernel: at small batch sizes a training step is hundreds of short
// kernels whose launch cost would otherwise exceed their run time.
//
// Kernel arguments are captured by value: buffers must stay where they were
// (an Arena's buffers do), and a value that changes from replay to replay
// must be read by the kernel from device memory that the host rewrites
// before each Launch (DropoutForwardAt, AdamStepAt).
type Graph struct {
	c     *Context
	h     uintptr
	nodes int
}

// Capture runs fn on the Context's thread with the stream in capture mode
// and returns the captured work as a Graph; nothing runs on the device
// during Capture. Inside fn only enqueueing calls are allowed: a Sync, a
// host copy, an allocation or a Free fails with an error matching
// ResultStreamCaptureUnsupported (and then so does Capture). Work whose
// scratch space is not yet allocated (the reductions') must have run once
// before it is captured.
func (c *Context) Capture(fn func() error) (*Graph, error) {
	var g *Graph
	err := c.do(func() error {
		if c.capturing {
			return &Error{Call: "cuStreamBeginCapture", Err: ResultIllegalState, Detail: "already capturing"}
		}
		if err := c.b.captureBegin(); err != nil {
			return &Error{Call: "cuStreamBeginCapture", Err: err}
		}
		c.capturing = true
		var fnErr error
		func() {
			defer func() { // end the capture even when fn panics
				c.capturing = false
				h, nodes, err := c.b.captureEnd()
				if err != nil {
					if fnErr == nil {
						fnErr = &Error{Call: "cuStreamEndCapture/cuGraphInstantiate", Err: err}
					}
					return
				}
				if fnErr != nil {
					c.b.graphDestroy(h)
					return
				}
				g = &Graph{c: c, h: h, nodes: nodes}
				c.graphs[g] = struct{}{}
			}()
			fnErr = fn()
		}()
		return fnErr
	})
	if err != nil {
		return nil, fmt.Errorf("cuda: capturing a graph: %w", err)
	}
	return g, nil
}

// Launch enqueues one replay of the graph on the Context's stream.
func (g *Graph) Launch() error {
	if g.h == 0 {
		return &Error{Call: "cuGraphLaunch", Err: ErrClosed, Detail: "graph closed"}
	}
	c := g.c
	if !c.onThread() {
		return c.do(g.Launch)
	}
	if c.capturing {
		return &Error{Call: "cuGraphLaunch", Err: ResultStreamCaptureUnsupported}
	}
	if err := c.b.graphLaunch(g.h); err != nil {
		return &Error{Call: "cuGraphLaunch", Err: err}
	}
	return nil
}

// Nodes is the number of operations captured.
func (g *Graph) Nodes() int { return g.nodes }

// Close destroys the graph (after the stream's pending work). Closing twice
// is a no-op; Closing the Context destroys its graphs too.
func (g *Graph) Close() error {
	if g.h == 0 {
		return nil
	}
	return g.c.do(func() error {
		if g.h == 0 {
			return nil
		}
		err := c2err("cuStreamSynchronize (before cuGraphExecDestroy)", g.c.b.sync())
		if e := g.c.b.graphDestroy(g.h); e != nil && err == nil {
			err = &Error{Call: "cuGraphExecDestroy", Err: e}
		}
		delete(g.c.graphs, g)
		g.h = 0
		return err
	})
}

func c2err(call string, err error) error {
	if err != nil {
		return &Error{Call: call, Err: err}
	}
	return nil
}

// notCapturing is the check of calls that wait for the device or touch
// host memory, which the driver refuses (or which would silently escape
// the graph) while the stream is being captured. On the worker thread only.
func (c *Context) notCapturing(call string) error {
	if c.capturing {
		return &Error{Call: call, Err: ResultStreamCaptureUnsupported,
			Detail: "not allowed while capturing a graph (only kernels, device copies and memsets are)"}
	}
	return nil
}

// HostBuffer is page-locked host memory (cuMemAllocHost): copies between it
// and the device are faster than from ordinary Go memory, and *Async
// copies into it return at once instead of waiting. It is C memory, not
// moved or collected by Go; Free releases it (Closing the Context does too).
type HostBuffer struct {
	c     *Context
	p     unsafe.Pointer
	bytes int64
}

// AllocHost allocates bytes (> 0) of page-locked host memory, zeroed.
func (c *Context) AllocHost(bytes int64) (*HostBuffer, error) {
	if bytes <= 0 {
		return nil, invalid("cuMemAllocHost", "size %d bytes", bytes)
	}
	var h *HostBuffer
	err := c.do(func() error {
		if err := c.notCapturing("cuMemAllocHost"); err != nil {
			return err
		}
		p, err := c.b.hostAlloc(bytes)
		if err != nil {
			return &Error{Call: fmt.Sprintf("cuMemAllocHost %d bytes", bytes), Err: err}
		}
		clear(unsafe.Slice((*byte)(p), bytes))
		h = &HostBuffer{c: c, p: p, bytes: bytes}
		c.hosts[h] = struct{}{}
		return nil
	})
	return h, err
}

// Float32 is the memory as float32s (valid until Free).
func (h *HostBuffer) Float32() []float32 {
	if h.p == nil {
		return nil
	}
	return unsafe.Slice((*float32)(h.p), h.bytes/4)
}

// Int32 is the memory as int32s (valid until Free).
func (h *HostBuffer) Int32() []int32 {
	if h.p == nil {
		return nil
	}
	return unsafe.Slice((*int32)(h.p), h.bytes/4)
}

// Uint64 is the memory as uint64s (valid until Free).
func (h *HostBuffer) Uint64() []uint64 {
	if h.p == nil {
		return nil
	}
	return unsafe.Slice((*uint64)(h.p), h.bytes/8)
}

// Bytes is the size in bytes.
func (h *HostBuffer) Bytes() int64 { return h.bytes }

// Free releases the memory after the stream's pending work. Freeing twice
// is a no-op.
func (h *HostBuffer) Free() error {
	if h.p == nil {
		return nil
	}
	return h.c.do(func() error {
		if h.p == nil {
			return nil
		}
		if err := h.c.notCapturing("cuMemFreeHost"); err != nil {
			return err
		}
		err := c2err("cuStreamSynchronize (before cuMemFreeHost)", h.c.b.sync())
		if e := h.c.b.hostFree(h.p); e != nil && err == nil {
			err = &Error{Call: "cuMemFreeHost", Err: e}
		}
		delete(h.c.hosts, h)
		h.p, h.bytes = nil, 0
		return err
	})
}

// EventTimer measures device time between points of the stream's work
// (cuEventRecord at each Mark, cuEventElapsedTime after a Sync), e.g. the
// time of each op of a planned graph. Marks cost little but do separate
// kernels, so profile with a timer and measure speed without one.
type EventTimer struct {
	c   *Context
	evs []uintptr
}

// NewEventTimer creates marks events.
func (c *Context) NewEventTimer(marks int) (*EventTimer, error) {
	if marks < 2 {
		return nil, invalid("cuEventCreate", "%d marks (at least 2)", marks)
	}
	t := &EventTimer{c: c}
	err := c.do(func() error {
		for i := 0; i < marks; i++ {
			ev, err := c.b.eventCreate()
			if err != nil {
				return &Error{Call: "cuEventCreate", Err: err}
			}
			t.evs = append(t.evs, ev)
		}
		return nil
	})
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Marks is the number of marks.
func (t *EventTimer) Marks() int { return len(t.evs) }

// Mark records mark i at the current end of the stream's work.
func (t *EventTimer) Mark(i int) error {
	if i < 0 || i >= len(t.evs) {
		return invalid("cuEventRecord", "mark %d of %d", i, len(t.evs))
	}
	if !t.c.onThread() {
		return t.c.do(func() error { return t.Mark(i) })
	}
	if err := t.c.notCapturing("cuEventRecord"); err != nil {
		return err
	}
	return c2err("cuEventRecord", t.c.b.eventRecord(t.evs[i]))
}

// Elapsed is the device time from mark i to mark j; both must have been
// recorded and reached (Sync first).
func (t *EventTimer) Elapsed(i, j int) (time.Duration, error) {
	if i < 0 || j < 0 || i >= len(t.evs) || j >= len(t.evs) {
		return 0, invalid("cuEventElapsedTime", "marks %d, %d of %d", i, j, len(t.evs))
	}
	var ms float32
	err := t.c.do(func() error {
		var err error
		ms, err = t.c.b.eventElapsed(t.evs[i], t.evs[j])
		return c2err("cuEventElapsedTime", err)
	})
	return time.Duration(float64(ms) * 1e6), err
}

// Close destroys the events.
func (t *EventTimer) Close() error {
	if len(t.evs) == 0 {
		return nil
	}
	return t.c.do(func() error {
		var first error
		for _, ev := range t.evs {
			if err := t.c.b.eventDestroy(ev); err != nil && first == nil {
				first = &Error{Call: "cuEventDestroy", Err: err}
			}
		}
		t.evs = nil
		return first
	})
}
