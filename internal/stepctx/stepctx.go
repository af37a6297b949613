// Package stepctx provides a context for tests that stop a training run a
// given number of steps after some point, whatever the machine's speed: a
// timer would let a fast machine finish the run first.
//
// train.Fit checks its context's Err before each step, so counting those
// calls counts steps.
package stepctx

import (
	"context"
	"strings"
	"sync"
)

// Context is cancelled, with a cause, at the n-th call of its Err after
// Arm(n), or at once by Arm(0). Cancel ends it in any case. It is safe for
// concurrent use.
type Context struct {
	context.Context
	cancel context.CancelCauseFunc
	cause  error

	mu    sync.Mutex
	armed bool
	left  int
}

// New returns a Context that Arm will cancel with cause (context.Cause
// reports it).
func New(cause error) *Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Context{Context: ctx, cancel: cancel, cause: cause}
}

// Arm starts the count: the n-th call of Err from now cancels c (before it
// answers, so that call already reports the cancellation).
func (c *Context) Arm(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed, c.left = true, n
	c.countdown(false)
}

// Cancel cancels c now; later Arms do nothing.
func (c *Context) Cancel() { c.cancel(c.cause) }

func (c *Context) countdown(call bool) {
	if !c.armed {
		return
	}
	if call {
		c.left--
	}
	if c.left <= 0 {
		c.armed = false
		c.cancel(c.cause)
	}
}

// Err counts the call when armed, then answers as the underlying context.
func (c *Context) Err() error {
	c.mu.Lock()
	c.countdown(true)
	c.mu.Unlock()
	return c.Context.Err()
}

// ArmWhen returns a writer for a run's progress output that keeps what is
// written and calls c.Arm(n) once the output contains mark (the end of an
// epoch, say): the run then stops n steps later.
func (c *Context) ArmWhen(mark string, n int) *Writer {
	return &Writer{ctx: c, mark: mark, n: n}
}

// Writer is ArmWhen's writer; it is safe for concurrent use.
type Writer struct {
	ctx   *Context
	mark  string
	n     int
	mu    sync.Mutex
	buf   strings.Builder
	armed bool
}

func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.armed && strings.Contains(w.buf.String(), w.mark) {
		w.armed = true
		w.ctx.Arm(w.n)
	}
	return len(p), nil
}

// String is what has been written so far.
func (w *Writer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
