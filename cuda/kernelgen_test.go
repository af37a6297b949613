package cuda

import (
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
	if err := kernelgen.CheckGenerated(".", cfg); err != nil {
		t.Fatal(err)
	}
	ks, err := kernelgen.Load(".", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != int(numKernels) {
		t.Errorf("%d kernels in the sources, %d in the table", len(ks), numKernels)
	}
}
