package cpu

import (
	"os"
	"os/exec"
	"testing"
)

// TestFallbackProcess runs the fallback as a fresh process with
// EMBER_BLAS=gonum, as a user without OpenBLAS would: the backend is chosen
// once per process, so this is the only way to start the worker pool with
// OpenBLAS never loaded (starting it used to call into the unloaded library).
func TestFallbackProcess(t *testing.T) {
	if os.Getenv("EMBER_FALLBACK_CHILD") == "1" {
		j := &sumJob{x: make([]float32, 512), out: make([]float64, 512)}
		ParallelFor(512, 16, j)
		const m, n, k = 200, 300, 150
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = 1
		}
		for i := range b {
			b[i] = 2
		}
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		if c[0] != 2*k || c[m*n-1] != 2*k {
			t.Fatalf("fallback product wrong: %v, %v", c[0], c[m*n-1])
		}
		if name := GEMMName(); name[:5] != "gonum" {
			t.Fatalf("backend %q, want the gonum fallback", name)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFallbackProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EMBER_FALLBACK_CHILD=1", "EMBER_BLAS=gonum")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the fallback process failed: %v\n%s", err, out)
	}
}
