//go:build embercuda

package cuda

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Checks that need the cuda build but no device.

// ptxSources is the PTX the kernel-table test checks: the embedded copy.
func ptxSources(*testing.T) map[string]string { return ptxModules() }

func TestEmbeddedPTX(t *testing.T) {
	mods := ptxModules()
	want := map[string]bool{}
	for k := kernelID(0); k < numKernels; k++ {
		want[kernels[k].module] = true
	}
	for mod := range want {
		src, ok := mods[mod]
		if !ok {
			t.Errorf("kernels/%s.ptx is not embedded", mod)
			continue
		}
		// Next to the sources (go test runs in the package directory; a
		// test binary run elsewhere has only the embedded copy).
		disk, err := os.ReadFile("kernels/" + mod + ".ptx")
		if os.IsNotExist(err) {
			t.Logf("kernels/%s.ptx not found from here: not compared", mod)
		} else if err != nil || string(disk) != src {
			t.Errorf("embedded %s.ptx differs from the file on disk (%v)", mod, err)
		}
		if !strings.Contains(src, ".target sm_80") {
			t.Errorf("%s.ptx is not compute_80 PTX", mod)
		}
	}
	for k := kernelID(0); k < numKernels; k++ {
		src := mods[kernels[k].module]
		if !strings.Contains(src, ".entry "+kernels[k].name+"(") {
			t.Errorf("%s.ptx has no .entry %s", kernels[k].module, kernels[k].name)
		}
	}
}

// TestEmbeddedFatbins: every module the kernel table names is embedded as a
// fatbin too (what a Context loads), and holds sm_90 SASS and compute_80
// PTX (listed by cuobjdump when it is installed; `make ptx-check` checks
// that each is what ptxas and fatbinary make of the committed PTX).
func TestEmbeddedFatbins(t *testing.T) {
	mods := fatbinModules()
	want := map[string]bool{}
	for k := kernelID(0); k < numKernels; k++ {
		want[kernels[k].module] = true
	}
	cuobjdump, _ := exec.LookPath("cuobjdump")
	for mod := range want {
		img, ok := mods[mod]
		if !ok {
			t.Errorf("kernels/%s.fatbin is not embedded (run make ptx)", mod)
			continue
		}
		if len(img) < 4 || binary.LittleEndian.Uint32([]byte(img[:4])) != 0xBA55ED50 {
			t.Errorf("kernels/%s.fatbin does not start with the fatbin magic", mod)
			continue
		}
		if cuobjdump == "" {
			continue
		}
		f := filepath.Join(t.TempDir(), mod+".fatbin")
		if err := os.WriteFile(f, []byte(img), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(cuobjdump, "--list-elf", "--list-ptx", f).CombinedOutput()
		if err != nil {
			t.Errorf("cuobjdump %s.fatbin: %v\n%s", mod, err, out)
			continue
		}
		if !strings.Contains(string(out), ".sm_90.cubin") || !strings.Contains(string(out), ".sm_80.ptx") {
			t.Errorf("%s.fatbin should hold sm_90 SASS and compute_80 PTX; cuobjdump lists:\n%s", mod, out)
		}
	}
	if cuobjdump == "" {
		t.Log("cuobjdump not installed: the fatbins' images not listed")
	}
}

// With no usable driver or device (this holds on a build machine with the
// libcuda stub or a driver but no GPU), Devices and NewContext must return a
// clear error, not exit or panic (gorgonia.org/cu exits from its init when
// cuInit fails: see the cuInit shim in backend_cuda.go).
func TestNoDeviceError(t *testing.T) {
	if Backend() != "cuda" || !Enabled() {
		t.Fatalf("Backend() = %q", Backend())
	}
	devs, err := Devices()
	if err == nil {
		if len(devs) == 0 {
			t.Fatal("Devices returned no devices and no error")
		}
		for _, d := range devs {
			t.Logf("%v", d)
		}
		t.Skip("a CUDA device is present")
	}
	t.Logf("Devices: %v", err)
	if !errors.Is(err, ErrNoDevice) || !strings.HasPrefix(err.Error(), "no CUDA device: ") {
		t.Errorf("Devices error %q does not match ErrNoDevice / \"no CUDA device: ...\"", err)
	}
	c, err := NewContext(0)
	if c != nil || !errors.Is(err, ErrNoDevice) {
		t.Errorf("NewContext(0) = %v, %v; want ErrNoDevice", c, err)
	}
	// The registry must not keep the failed ordinal busy.
	if _, err2 := NewContext(0); err2 == nil || strings.Contains(err2.Error(), "already") {
		t.Errorf("second NewContext(0): %v", err2)
	}
}

func TestDriverResultNames(t *testing.T) {
	// From the table, and (for codes newer than cuda.h 11.8) from the driver.
	if s := Result(1).Name(); s != "CUDA_ERROR_INVALID_VALUE" {
		t.Errorf("Result(1) = %q", s)
	}
	if s := Result(987654).Name(); s != "CUDA_ERROR_987654" {
		t.Errorf("unknown code: %q", s)
	}
}
