//go:build cgo && linux

package cpu

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLoadOpenBLAS covers the dlopen fallbacks that a machine with gcc but
// without OpenBLAS depends on. libm is on every glibc system and lacks the
// cblas symbols, so it exercises the "loads but is not a BLAS" branch.
func TestLoadOpenBLAS(t *testing.T) {
	cases := []struct {
		name    string
		names   []string
		wantErr []string
	}{
		{"absent", []string{"libember-no-such-blas.so.0"}, []string{"OpenBLAS not loaded", "libember-no-such-blas.so.0: "}},
		{"not a BLAS", []string{"libm.so.6"}, []string{"libm.so.6: missing cblas_sgemm"}},
		{"every failure reported", []string{"libember-a.so", "libember-b.so"}, []string{"libember-a.so: ", "; libember-b.so: "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lib, err := loadOpenBLAS(tc.names)
			require.Error(t, err)
			require.Empty(t, lib)
			for _, w := range tc.wantErr {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestFailedLoadKeepsOpenBLAS checks that a failed load does not disturb an
// OpenBLAS that is already in use: the function pointers are only replaced
// after every symbol resolved.
func TestFailedLoadKeepsOpenBLAS(t *testing.T) {
	useBackend(t, true)
	_, err := loadOpenBLAS([]string{"libm.so.6"})
	require.Error(t, err)
	c := []float32{0}
	Sgemm(false, false, 1, 1, 2, 1, []float32{2, 3}, 2, []float32{5, 7}, 1, 0, c, 1)
	require.Equal(t, float32(31), c[0])
}

// TestLoadOpenBLASSkipsMissing checks that a missing first name does not stop
// the search, as when only libopenblas.so.0 (no -dev package) is installed.
func TestLoadOpenBLASSkipsMissing(t *testing.T) {
	useBackend(t, true) // skips unless OpenBLAS is present
	lib, err := loadOpenBLAS([]string{"libember-no-such-blas.so.0", active.lib})
	require.NoError(t, err)
	require.Equal(t, active.lib, lib)
}

// TestOpenBLASKernelsForThisCPU checks that OpenBLAS runs the kernels
// chosen for this CPU's vector extensions (OPENBLAS_CORETYPE, set before it
// loaded): an OpenBLAS older than the CPU otherwise falls back to its SSE3
// (Prescott) kernels, 4x slower at sgemm. A user's own setting wins.
func TestOpenBLASKernelsForThisCPU(t *testing.T) {
	useBackend(t, true) // skips unless OpenBLAS is present
	core := openblasCore()
	if core == "" {
		t.Skip("this OpenBLAS does not report its kernels (no openblas_get_corename)")
	}
	want := os.Getenv("OPENBLAS_CORETYPE")
	if want == "" {
		require.Empty(t, x86CoreType(), "OPENBLAS_CORETYPE was not set for this CPU")
		t.Skip("this CPU has neither AVX2 nor AVX-512: OpenBLAS chooses alone")
	}
	if c := x86CoreType(); want != c {
		t.Logf("OPENBLAS_CORETYPE=%s set by the user (this CPU's choice would be %q)", want, c)
	}
	if strings.EqualFold(core, want) {
		return
	}
	old := []string{"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood"}
	require.NotContains(t, old, strings.ToLower(core), "OpenBLAS runs its %s kernels with OPENBLAS_CORETYPE=%s", core, want)
	t.Skipf("OpenBLAS runs %s kernels, not OPENBLAS_CORETYPE=%s: a single-target (not DYNAMIC_ARCH) build ignores it", core, want)
}
