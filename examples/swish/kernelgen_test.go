package swish

import (
	"testing"

	"github.com/emberml/ember/cuda/kernelgen"
)

// TestGeneratedGlueIsFresh fails when the generated files are not what
// go generate makes from kernels/*.cu today, or disagree with the PTX.
func TestGeneratedGlueIsFresh(t *testing.T) {
	cfg := kernelgen.Config{Package: "swish", KernelDir: "kernels", Module: "swish",
		CUDAImport: "github.com/emberml/ember/cuda", EmuInclude: "../../cuda"}
	if err := kernelgen.CheckGenerated(".", cfg); err != nil {
		t.Fatal(err)
	}
}
