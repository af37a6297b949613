//go:build !linux

package cuda

// osThreadID cannot tell threads apart here; Context methods then always
// hand work to the worker, so they must not be called from inside Do.
// (The cuda backend is Linux-only.)
func osThreadID() int { return -2 }
