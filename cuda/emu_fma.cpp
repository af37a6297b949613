//go:build cudaemu && !embercuda

// emu_fma_contracted reports whether this package's a*b+c is contracted into
// one fused multiply-add, as nvcc does on the GPU by default (-fmad=true);
// the emulated kernels (emu_kernels_gen.cpp) are compiled with the same
// flags. The caller passes a = b = 1+2^-12, c = -(1+2^-11): rounded
// separately the result is 0, fused it is 2^-24. `make cuda-emu-test-fma`
// (CI) compiles the emulator with -mfma -ffp-contract=fast so that the
// kernels' tests see FMA rounding before hardware does, and checks with
// this that it took effect.
extern "C" int emu_fma_contracted(float a, float b, float c) { return a * b + c != 0.0f; }
