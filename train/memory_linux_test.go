package train_test

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMemoryCheckCatchesRSSLeak is a test of the leak check: it leaks two
// touched pages per step outside the Go heap (anonymous mmap, as C code,
// the CUDA driver or the emulator's device memory would; only package
// syscall's small record of each mapping is on the heap); over 2,000 steps
// (16 MiB) the resident set must exceed its tolerance.
func TestMemoryCheckCatchesRSSLeak(t *testing.T) {
	lc := cpuLeakCheck(2000)
	if residentBytes() < 0 {
		t.Skip("no /proc/self/statm")
	}
	page := syscall.Getpagesize()
	var maps [][]byte
	t.Cleanup(func() {
		for _, m := range maps {
			require.NoError(t, syscall.Munmap(m))
		}
	})
	lc.leak = func() {
		m, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			t.Fatalf("mmap: %v", err)
		}
		for i := 0; i < len(m); i += page {
			m[i] = 1
		}
		maps = append(maps, m)
	}
	r := lc.run(t)
	lc.log(t, r)
	requireCaught(t, lc.violations(r), "resident set grew")
}
