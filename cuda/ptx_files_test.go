//go:build !embercuda

package cuda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ptxSources is the PTX the kernel-table test checks: without the cuda tag
// nothing is embedded, so the files next to the sources (go test runs in the
// package directory).
func ptxSources(t *testing.T) map[string]string {
	files, err := filepath.Glob("kernels/*.ptx")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".ptx")] = string(data)
	}
	return out
}
