package kernelgen

import (
	"strings"
	"testing"
)

const sample = `// A comment mentioning extern "C" __global__ void fake(int x) must not count.
#define EW_LOOP(i, n) for (unsigned i = 0; i < (unsigned)(n); ++i)

/* a block comment
   extern "C" __global__ void also_fake(float* y) */
extern "C" __global__ void scale_fwd(float* __restrict__ y, const float* x,
                                     float a, int n)
{
    EW_LOOP(i, n) y[i] = a * x[i];
}

#define ENTRY(name, T)                                             \
    extern "C" __global__ void __launch_bounds__(256)              \
        name(int n, const T* __restrict__ in, unsigned long long seed, \
             const unsigned long long* step_at)                     \
    {                                                               \
        body<T>(n, in, seed, step_at);                              \
    }

ENTRY(entry_b, float)
ENTRY(entry_a, float)

extern "C" __global__ void __launch_bounds__(128) last_one(unsigned k, const float2* pairs) { }
`

func TestParseCU(t *testing.T) {
	ks, err := ParseCU("mod", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range ks {
		var ps []string
		for _, p := range k.Params {
			ps = append(ps, p.CType+" "+p.Name+":"+p.Kind.String())
		}
		got = append(got, k.Module+"."+k.Name+"("+strings.Join(ps, ", ")+")")
	}
	want := []string{
		"mod.scale_fwd(float* y:ptr, const float* x:ptr, float a:f32, int n:i32)",
		"mod.entry_b(int n:i32, const T* in:ptr, unsigned long long seed:u64, const unsigned long long* step_at:ptr8)",
		"mod.entry_a(int n:i32, const T* in:ptr, unsigned long long seed:u64, const unsigned long long* step_at:ptr8)",
		"mod.last_one(unsigned k:i32, const float2* pairs:ptr8)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parsed (in source order):\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseCURejects(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`extern "C" __global__ void k(double x) {}`, `type "double"`},
		{`extern "C" __global__ void k(float*) {}`, "has no name"},
		{`extern "C" __global__ void k(const float4* x) {}`, "16-byte vector pointers are not supported"},
		{"#define E(name) extern \"C\" __global__ void other(int n) {}\n", "declares kernel other"},
	} {
		_, err := ParseCU("m", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.src, err, tc.want)
		}
	}
}

func TestGoNames(t *testing.T) {
	for in, want := range map[string]string{"lstm_fwd_step": "LSTMFwdStep", "sgemm_nn_128": "SgemmNN128",
		"ew_add": "EWAdd", "col_sums": "ColSums", "gru_bwd": "GRUBwd"} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"h_prev": "hPrev", "A": "A", "type": "type_", "grid": "grid_",
		"args": "args_", "dc_out": "dcOut"} {
		if got := goParam(in); got != want {
			t.Errorf("goParam(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPTX(t *testing.T) {
	ks, err := ParseCU("mod", []byte(`extern "C" __global__ void k(float* y, int n, unsigned long long s) {}`))
	if err != nil {
		t.Fatal(err)
	}
	good := `.visible .entry k(
	.param .u64 k_param_0,
	.param .u32 k_param_1,
	.param .u64 k_param_2
)`
	if err := CheckPTX(ks, map[string][]byte{"mod": []byte(good)}); err != nil {
		t.Errorf("matching PTX: %v", err)
	}
	for _, tc := range []struct{ ptx, want string }{
		{strings.Replace(good, ".u32", ".f32", 1), "parameter n is .f32 in the PTX, i32 in the source"},
		{strings.Replace(good, ",\n\t.param .u64 k_param_2", "", 1), "2 parameters in the PTX, 3 in the source"},
		{strings.Replace(good, "entry k(", "entry j(", 1), "has no .entry k"},
	} {
		err := CheckPTX(ks, map[string][]byte{"mod": []byte(tc.ptx)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	if err := CheckPTX(ks, nil); err == nil || !strings.Contains(err.Error(), "no mod.ptx") {
		t.Errorf("missing module: %v", err)
	}
}

func TestGenerateModule(t *testing.T) {
	ks, err := ParseCU("swish", []byte(`extern "C" __global__ void swish_fwd(float* y, const float* x, int n) {}`))
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(Config{Package: "swish", KernelDir: "kernels", Module: "swish",
		CUDAImport: "github.com/emberml/ember/cuda", EmuInclude: "../../cuda"}, ks)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, f := range files {
		byName[f.Name] = string(f.Data)
	}
	for name, want := range map[string][]string{
		"kernels_gen.go": {"func (kn kernels) SwishFwd(grid, block cuda.Dim3, y cuda.Buffer, x cuda.Buffer, n int) error",
			"return kn.m.Launch(0, grid, block, &args)", `const swishModule = "swish"`},
		"emu_kernels_gen.cpp": {"//go:build cudaemu && !embercuda", `#include "kernels/swish.cu"`,
			`extern "C" int swish_emu_launch(`, "case 0:\n        return emu_call(swish_fwd, g, b, v);"},
		"emu_gen.go": {"-I${SRCDIR}/../../cuda", "cuda.RegisterEmulated(swishModule, swishKernelNames, unsafe.Pointer(C.swish_emu_launch))"},
	} {
		for _, w := range want {
			if !strings.Contains(byName[name], w) {
				t.Errorf("%s lacks %q:\n%s", name, w, byName[name])
			}
		}
	}
}
