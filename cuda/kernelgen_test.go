package cuda

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emberml/ember/cuda/kernelgen"
)

// TestGeneratedKernelGlueIsFresh fails when kernels_gen.go or
// emu_kernels_gen.cpp is not what go generate makes from kernels/*.cu
// today (a kernel was added or its signature changed without running
// go generate ./cuda), or when a kernel's signature disagrees with the
// committed PTX (make ptx not run). Like make ptx-check for the PTX, it
// keeps the three things a kernel's signature appears in (the .cu, the
// PTX and the launch glue) in step.
func TestGeneratedKernelGlueIsFresh(t *testing.T) {
	cfg := kernelgen.Config{Package: "cuda", KernelDir: "kernels"}
	ks, err := kernelgen.Load(".", cfg)
	if err != nil {
		t.Fatal(err)
	}
	files, err := kernelgen.Generate(cfg, ks)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		disk, err := os.ReadFile(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(disk, f.Data) {
			t.Errorf("%s is stale: run go generate ./cuda", f.Name)
		}
	}
	ptx := map[string][]byte{}
	paths, _ := filepath.Glob("kernels/*.ptx")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ptx[strings.TrimSuffix(filepath.Base(p), ".ptx")] = b
	}
	if err := kernelgen.CheckPTX(ks, ptx); err != nil {
		t.Error(err)
	}
	if len(ks) != int(numKernels) {
		t.Errorf("%d kernels in the sources, %d in the table", len(ks), numKernels)
	}
}
