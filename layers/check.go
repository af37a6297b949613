package layers

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// The constructors' arguments are the model's wiring: a size below 1, a
// dropout probability outside [0, 1), a nil rng or a dtype a parameter
// cannot have is a programmer error, and the constructor panics with a
// message naming it, where the mistake is made rather than at the first
// Forward or training step. NewRecurrent, which takes a cell name from
// configuration, returns the same messages as errors.

// argError is the message for fn's argument arg of value v, wanting want.
func argError(fn, arg string, v any, want string) error {
	return fmt.Errorf("layers: %s: %s %v, want %s", fn, arg, v, want)
}

// size is a constructor's size argument: its name and value.
type size struct {
	arg string
	n   int
}

// sizeError is the error for the first of sizes below 1.
func sizeError(fn string, sizes ...size) error {
	for _, s := range sizes {
		if s.n < 1 {
			return argError(fn, s.arg, s.n, "at least 1")
		}
	}
	return nil
}

// paramError is the error for an rng or dtype parameters cannot be made with.
func paramError(fn string, dt tensor.Dtype, rng *rand.Rand) error {
	if rng == nil {
		return fmt.Errorf("layers: %s: rng is nil, want a *rand.Rand to initialise the parameters", fn)
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return argError(fn, "dtype", dt, "float32 or float64")
	}
	return nil
}

// dropoutError is the error for a dropout probability outside [0, 1).
func dropoutError(fn string, p float64) error {
	if !(p >= 0 && p < 1) {
		return argError(fn, "dropout", p, "a probability in [0, 1)")
	}
	return nil
}

// must panics with the first non-nil error.
func must(errs ...error) {
	for _, err := range errs {
		if err != nil {
			panic(err.Error())
		}
	}
}
