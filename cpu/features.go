package cpu

import sysfeat "golang.org/x/sys/cpu"

// What this CPU's vector extensions allow, read once from CPUID and from the
// registers the OS saves (golang.org/x/sys/cpu checks both; an instruction
// set the OS does not save state for is reported absent). Every choice of
// kernel in this package starts here; on other architectures all are off.
var (
	// vectorLevel is what the C vector kernels (Adam, SumSq, Scale, the
	// small-row GEMM) may use: 2 AVX-512F, 1 AVX, 0 neither (the Go kernels
	// run).
	vectorLevel = x86VectorLevel()
	// dropoutAVX512 is whether the AVX-512DQ dropout kernel runs (it
	// multiplies 64-bit lanes).
	dropoutAVX512 = sysfeat.X86.HasAVX512F && sysfeat.X86.HasAVX512DQ
)

func x86VectorLevel() int {
	switch {
	case sysfeat.X86.HasAVX512F:
		return 2
	case sysfeat.X86.HasAVX:
		return 1
	}
	return 0
}

// x86CoreType names the OpenBLAS kernels (an OPENBLAS_CORETYPE) for the
// widest vector extensions of this x86 CPU and its OS, "" when it has none
// worth naming (or is not x86).
func x86CoreType() string {
	x := sysfeat.X86
	switch {
	case x.HasAVX512F && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL && x.HasAVX512BF16:
		return "Cooperlake"
	case x.HasAVX512F && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL:
		return "SkylakeX"
	case x.HasAVX2 && x.HasFMA:
		return "Haswell"
	}
	return ""
}
