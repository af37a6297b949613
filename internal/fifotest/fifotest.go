// Package fifotest makes named pipes (FIFOs) for the tests of outputs that
// are written into an existing device or pipe rather than replaced (see
// internal/atomicfile): each pipe has a reader that takes what comes
// through it, whole, once.
package fifotest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Pipe is a FIFO with a reader running: it reads the pipe to its end once,
// from the first writer's open to that writer's close.
type Pipe struct {
	Path string
	got  chan []byte
}

// New makes a FIFO named name in a new temporary directory of t and starts
// its reader.
func New(t testing.TB, name string) *Pipe {
	t.Helper()
	p := &Pipe{Path: filepath.Join(t.TempDir(), name), got: make(chan []byte, 1)}
	if err := syscall.Mkfifo(p.Path, 0o600); err != nil {
		t.Fatalf("fifotest: %v", err)
	}
	go func() {
		b, err := os.ReadFile(p.Path) // blocks until a writer opens the pipe
		if err != nil {
			b = nil
		}
		p.got <- b
	}()
	return p
}

// Read returns what came through the pipe, failing the test if nothing
// has within timeout (the writer never opened it, or is still writing).
func (p *Pipe) Read(t testing.TB, timeout time.Duration) []byte {
	t.Helper()
	select {
	case b := <-p.got:
		return b
	case <-time.After(timeout):
		t.Fatalf("nothing came through the FIFO %s within %v", p.Path, timeout)
		return nil
	}
}
