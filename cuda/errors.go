package cuda

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrNotBuilt is returned by everything in a build without the cuda tag.
var ErrNotBuilt = errors.New("built without CUDA support (rebuild with -tags embercuda)")

// ErrNoDevice is matched (errors.Is) by the error Devices and NewContext
// return when the driver is missing, fails to initialise, or sees no device.
var ErrNoDevice = errors.New("no CUDA device")

// ErrClosed is returned by a Context's methods after Close.
var ErrClosed = errors.New("cuda: context closed")

// ErrInvalidArgument is matched (errors.Is) by argument-check failures of the
// kernel wrappers and copies (wrong sizes, nil buffers, bad dimensions),
// which are caught on the host before anything reaches the device.
var ErrInvalidArgument = errors.New("invalid argument")

// ErrArenaFull is matched by an Arena allocation that does not fit.
var ErrArenaFull = errors.New("arena full")

// Result is a CUDA driver status code (CUresult); its Error is the code's
// name, e.g. "CUDA_ERROR_INVALID_VALUE".
type Result int

// Driver results the package compares against (errors.Is(err, ErrOutOfMemory)).
const (
	ResultSuccess        Result = 0
	ResultInvalidValue   Result = 1
	ResultOutOfMemory    Result = 2
	ResultNotInitialized Result = 3
	ResultNoDevice       Result = 100
	ResultIllegalState   Result = 401
	// ResultStreamCaptureUnsupported: an operation not allowed while a
	// stream is being captured into a graph (a sync, a host copy).
	ResultStreamCaptureUnsupported Result = 900
)

// ErrOutOfMemory is matched (errors.Is) by a failed device allocation.
var ErrOutOfMemory error = ResultOutOfMemory

// Name is the CUresult's name, e.g. "CUDA_ERROR_OUT_OF_MEMORY".
func (r Result) Name() string {
	if s, ok := resultNames[r]; ok {
		return s
	}
	if s := driverResultName(r); s != "" {
		return s
	}
	return "CUDA_ERROR_" + strconv.Itoa(int(r))
}

func (r Result) Error() string { return r.Name() }

// Description is the driver's one-line explanation of the code ("" when the
// driver is not available to ask).
func (r Result) Description() string { return driverResultString(r) }

// Error is what every failing call of a Context returns: which CUDA call or
// kernel failed, for which graph op (when known), and the driver's result.
// Its text reads like
//
//	cuda: launch lstm_fwd_pointwise (op LSTM): CUDA_ERROR_INVALID_VALUE
type Error struct {
	Call   string // the failing call: "launch sgemm_nn_128", "cuMemAlloc 4096 bytes", ...
	Op     string // the graph op being executed ("" when unknown); see WithOp and Context.DoOp
	Err    error  // a Result for driver failures; ErrInvalidArgument etc. otherwise
	Detail string // extra context, e.g. free/total memory on out-of-memory
}

func (e *Error) Error() string {
	s := "cuda: " + e.Call
	if e.Op != "" {
		s += " (op " + e.Op + ")"
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// WithOp labels err with the graph op that was executing: a *Error gets its
// Op set (on a copy) unless it already has one; any other non-nil error is
// wrapped as "<err> (op <op>)". nil stays nil.
func WithOp(err error, op string) error {
	if err == nil || op == "" {
		return err
	}
	if e, ok := err.(*Error); ok {
		if e.Op != "" {
			return err
		}
		cp := *e
		cp.Op = op
		return &cp
	}
	return fmt.Errorf("%w (op %s)", err, op)
}

// invalid builds the error of a host-side argument check.
func invalid(call, format string, args ...any) error {
	return &Error{Call: call, Err: ErrInvalidArgument, Detail: fmt.Sprintf(format, args...)}
}

// noDeviceError is "no CUDA device: <driver error>".
type noDeviceError struct{ err error }

func (e *noDeviceError) Error() string {
	msg := e.err.Error()
	var r Result
	if errors.As(e.err, &r) {
		if d := r.Description(); d != "" {
			msg += " (" + d + ")"
		}
	}
	return "no CUDA device: " + msg
}

func (e *noDeviceError) Unwrap() error        { return e.err }
func (e *noDeviceError) Is(target error) bool { return target == ErrNoDevice }
