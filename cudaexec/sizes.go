package cudaexec

import (
	"fmt"
	"math"
)

// ceilDiv is ⌈a/b⌉ for positive b.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// fitsInt32 returns an error wrapping ErrUnsupported (the step then runs on
// the CPU) when an element count passed to a kernel as an int does not fit
// one: the kernels index with 32-bit ints.
func fitsInt32(counts ...int) error {
	for _, n := range counts {
		if n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("%w: %d elements do not fit the kernels' 32-bit sizes", ErrUnsupported, n)
		}
	}
	return nil
}
