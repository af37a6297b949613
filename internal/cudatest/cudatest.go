// Package cudatest opens the CUDA device the tests of the CUDA backend run
// on: a GPU with -tags embercuda, the CPU emulator with -tags cudaemu.
package cudatest

import (
	"testing"

	"github.com/emberml/ember/cuda"
)

// Context opens device 0 for the test and closes it when the test ends,
// skipping the test (with the reason) when this build or machine has none.
func Context(t testing.TB) *cuda.Context {
	t.Helper()
	devs, err := cuda.Devices()
	if err != nil || len(devs) == 0 {
		t.Skipf("no CUDA device or emulator (%s backend): %v", cuda.Backend(), err)
	}
	ctx, err := cuda.NewContext(0)
	if err != nil {
		t.Skipf("no CUDA context on %v: %v", devs[0], err)
	}
	t.Cleanup(func() {
		if err := ctx.Close(); err != nil {
			t.Errorf("closing the CUDA context: %v", err)
		}
	})
	return ctx
}
