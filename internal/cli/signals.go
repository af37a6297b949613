package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/emberml/ember/internal/atomicfile"
)

// Interrupts handles SIGINT and SIGTERM for a command; see Notify.
type Interrupts struct {
	mu       sync.Mutex
	name     string
	stderr   io.Writer
	graceful bool
	got      os.Signal
	cancel   context.CancelCauseFunc
	ch       chan os.Signal
	done     chan struct{}
	exit     func(int) // os.Exit; tests replace it
}

// Notify handles SIGINT and SIGTERM until Stop. In graceful mode the first
// signal cancels the returned context and says that the command is
// stopping; the command is expected to finish its step, keep what it has,
// say what it saved and return Interrupts.ExitCode. A second signal, or
// the first one when not graceful, quits at once: the temporary files of
// writes in progress are removed, so destinations keep their old content,
// and the process exits with 128 plus the signal number (130 for SIGINT,
// 143 for SIGTERM). name prefixes the messages ("spamrnn train").
func Notify(parent context.Context, name string, stderr io.Writer, graceful bool) (context.Context, *Interrupts) {
	ctx, cancel := context.WithCancelCause(parent)
	in := &Interrupts{name: name, stderr: stderr, graceful: graceful, cancel: cancel,
		ch: make(chan os.Signal, 2), done: make(chan struct{}), exit: os.Exit}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go in.loop()
	return ctx, in
}

func (in *Interrupts) loop() {
	for {
		select {
		case <-in.done:
			return
		case s := <-in.ch:
			in.receive(s)
		}
	}
}

// receive acts on one signal.
func (in *Interrupts) receive(s os.Signal) {
	in.mu.Lock()
	first := in.got == nil
	if first {
		in.got = s
	}
	graceful := in.graceful
	in.mu.Unlock()
	if first && graceful {
		fmt.Fprintf(in.stderr, "\n%s: %s: stopping after the current step (send it again to quit at once)\n", in.name, SignalName(s))
		in.cancel(Interrupted{Signal: s})
		return
	}
	// Exiting inside Abandon: a save the training loop starts meanwhile
	// cannot leave a temporary file behind.
	atomicfile.Abandon(func(removed, done []string) {
		msg := fmt.Sprintf("\n%s: %s: quitting", in.name, SignalName(s))
		if len(removed) > 0 {
			msg += fmt.Sprintf(" (an unfinished write was abandoned: %d temporary file(s) removed, the destination left as it was)", len(removed))
		}
		if len(done) > 0 {
			msg += "; written before the signal: " + strings.Join(done, ", ")
		} else {
			msg += "; nothing was written"
		}
		fmt.Fprintln(in.stderr, msg)
		in.exit(ExitCode(s))
	})
}

// SetGraceful switches graceful mode on or off (say, on for the training
// loop of a command that otherwise quits at once).
func (in *Interrupts) SetGraceful(on bool) {
	in.mu.Lock()
	in.graceful = on
	in.mu.Unlock()
}

// Signal returns the first signal received, or nil.
func (in *Interrupts) Signal() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.got
}

// ExitCode returns code, or 128 plus the signal number when a signal
// stopped the command: the status a shell reports for a command killed by
// that signal, so scripts see the interruption.
func (in *Interrupts) ExitCode(code int) int {
	if s := in.Signal(); s != nil {
		return ExitCode(s)
	}
	return code
}

// Stop stops handling signals (they kill the process again) and releases
// the context.
func (in *Interrupts) Stop() {
	signal.Stop(in.ch)
	close(in.done)
	in.cancel(nil)
}

// Interrupted is the cause (context.Cause) of a context Notify cancelled
// on a signal.
type Interrupted struct{ Signal os.Signal }

func (e Interrupted) Error() string { return "interrupted by " + SignalName(e.Signal) }

// InterruptSignal returns the signal that cancelled ctx (through Notify, or
// a test's cancel(Interrupted{...})), or nil.
func InterruptSignal(ctx context.Context) os.Signal {
	var in Interrupted
	if errors.As(context.Cause(ctx), &in) {
		return in.Signal
	}
	return nil
}

// ExitCode is 128 plus the signal's number (130 for SIGINT, 143 for
// SIGTERM), or 1 for a signal without a number.
func ExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}

// SignalName is "SIGINT" or "SIGTERM" (else the signal's own description).
func SignalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
