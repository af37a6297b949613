//go:build cudaemu && !embercuda

package cuda

import (
	"os"
	"testing"
)

// TestEmulatorFMA says whether the emulated kernels round like the GPU's
// fused multiply-adds; with EMBER_EMU_FMA=1 (make cuda-emu-test-fma, in CI)
// it fails unless they do, so that build really exercises FMA rounding.
func TestEmulatorFMA(t *testing.T) {
	on := emulatorFMA()
	t.Logf("emulated kernels contract a*b+c into FMA: %v", on)
	if os.Getenv("EMBER_EMU_FMA") == "1" && !on {
		t.Fatal("EMBER_EMU_FMA=1 but the emulator was compiled without FMA contraction (CGO_CXXFLAGS needs -mfma -ffp-contract=fast)")
	}
}
