// Package kernelgen generates the Go and C++ glue of CUDA kernels from
// their .cu sources, so that nothing has to be kept in step with a
// kernel's signature by hand: the kernel table (names, modules and
// parameter kinds, which the launch checks and the PTX is tested
// against), a typed Go launch method per kernel that packs its arguments,
// and the CPU emulator's dispatch (build tag cudaemu), which calls each
// kernel with its parameters converted from the launch's 8-byte slots by
// C++ template deduction from the kernel's own declaration.
//
// It is run by go generate (cmd/kernelgen) for package cuda, and can be
// run for a package of its own by an op that ships its own kernels (see
// Config.Module). Its output is committed; a test of each package
// compares it with a fresh generation, as the PTX is compared with nvcc's.
//
// A kernel is an `extern "C" __global__ void name(...)` declaration in a
// .cu file, directly or in a #define whose first parameter is the kernel
// name (the SGEMM tile variants), expanded where the macro is used at the
// top level of the file. Parameters are pointers (any T*: a device
// Buffer; a pointer to 8-byte values must be 8-byte aligned, which the
// launch checks), int and unsigned (Go int), float (float32) and unsigned
// long long (uint64).
package kernelgen

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Kind is a kernel parameter's type as the launch packs it.
type Kind int

const (
	Ptr Kind = iota // a device pointer (.param .u64)
	I32             // int or unsigned (.param .u32/.s32)
	F32             // float (.param .f32)
	U64             // unsigned long long (.param .u64)
	// Ptr8 is a pointer the kernel reads 8 bytes at a time (unsigned long
	// long*, double*): the launch checks that it is 8-byte aligned, since a
	// misaligned read poisons the CUDA context.
	Ptr8
)

var kindNames = [...]string{"ptr", "i32", "f32", "u64", "ptr8"}

func (k Kind) String() string { return kindNames[k] }

// PTXTypes are the PTX parameter types a parameter of kind k may have.
func (k Kind) PTXTypes() []string {
	switch k {
	case I32:
		return []string{".u32", ".s32"}
	case F32:
		return []string{".f32"}
	}
	return []string{".u64"}
}

// Param is one kernel parameter.
type Param struct {
	Name  string // as in the .cu source
	CType string // e.g. "const float*"
	Kind  Kind
}

// Kernel is one __global__ entry point.
type Kernel struct {
	Name   string // the C (and PTX .entry) name
	Module string // the .cu file's base name: kernels/<Module>.cu
	Params []Param
}

// Config says what to generate for one package.
type Config struct {
	// Package is the Go package name.
	Package string
	// KernelDir is the directory of the .cu files relative to the package
	// directory ("kernels").
	KernelDir string
	// Module, when set, generates for a package outside package cuda that
	// ships its own kernels: a kernel table launched through a
	// cuda.Module loaded from its embedded PTX, and an emulator dispatch
	// registered with cuda.RegisterEmulated under this module name.
	// Unset, it generates package cuda's own table.
	Module string
	// CUDAImport is the import path of package cuda (module packages).
	CUDAImport string
	// EmuInclude is the path, relative to the package directory, of the
	// directory holding package cuda's emu_runtime.h (module packages).
	EmuInclude string
}

// File is one generated file.
type File struct {
	Name string
	Data []byte
}

// Load parses every .cu file of dir/cfg.KernelDir, in name order.
func Load(dir string, cfg Config) ([]Kernel, error) {
	files, err := filepath.Glob(filepath.Join(dir, cfg.KernelDir, "*.cu"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("kernelgen: no .cu files in %s", filepath.Join(dir, cfg.KernelDir))
	}
	slices.Sort(files)
	var all []Kernel
	seen := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mod := strings.TrimSuffix(filepath.Base(f), ".cu")
		ks, err := ParseCU(mod, src)
		if err != nil {
			return nil, fmt.Errorf("kernelgen: %s: %w", f, err)
		}
		for _, k := range ks {
			if other, dup := seen[k.Name]; dup {
				return nil, fmt.Errorf("kernelgen: kernel %s is defined in %s.cu and %s.cu", k.Name, other, mod)
			}
			seen[k.Name] = mod
		}
		all = append(all, ks...)
	}
	return all, nil
}

var (
	entryRE  = regexp.MustCompile(`extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(([^)]*)\)`)
	defineRE = regexp.MustCompile(`^#\s*define\s+(\w+)\s*\(\s*(\w+)\s*[,)]`)
	callRE   = regexp.MustCompile(`^(\w+)\s*\(\s*(\w+)\s*[,)]`)
	spaceRE  = regexp.MustCompile(`\s+`)
)

// ParseCU finds the kernels of one .cu file (module is its base name), in
// the order they appear in it.
func ParseCU(module string, src []byte) ([]Kernel, error) {
	text := stripComments(string(src))
	// Join continued lines, so that a #define is one logical line (the
	// backslash and newline become two spaces: offsets stay put).
	text = strings.ReplaceAll(text, "\\\n", "  ")
	type found struct {
		at int
		k  Kernel
	}
	var out []found
	macros := map[string][]Param{} // macro name -> the entry's parameters
	// body is text with the preprocessor lines blanked, for the direct
	// declarations, which may span lines.
	body := []byte(text)
	depth, at := 0, 0
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch m := defineRE.FindStringSubmatch(trimmed); {
		case strings.HasPrefix(trimmed, "#"):
			for i := at; i < at+len(line); i++ {
				if body[i] != '\n' {
					body[i] = ' '
				}
			}
			if m == nil {
				break
			}
			if e := entryRE.FindStringSubmatch(trimmed); e != nil {
				if e[1] != m[2] {
					return nil, fmt.Errorf("macro %s declares kernel %s, not its first parameter %s", m[1], e[1], m[2])
				}
				ps, err := parseParams(e[2])
				if err != nil {
					return nil, fmt.Errorf("macro %s: %w", m[1], err)
				}
				macros[m[1]] = ps
			}
		case depth == 0:
			if c := callRE.FindStringSubmatch(trimmed); c != nil {
				if ps, ok := macros[c[1]]; ok {
					out = append(out, found{at, Kernel{Name: c[2], Module: module, Params: slices.Clone(ps)}})
				}
			}
		}
		if !strings.HasPrefix(trimmed, "#") {
			depth += strings.Count(line, "{") - strings.Count(line, "}")
		}
		at += len(line)
	}
	for _, e := range entryRE.FindAllSubmatchIndex(body, -1) {
		name, params := string(body[e[2]:e[3]]), string(body[e[4]:e[5]])
		ps, err := parseParams(params)
		if err != nil {
			return nil, fmt.Errorf("kernel %s: %w", name, err)
		}
		out = append(out, found{e[0], Kernel{Name: name, Module: module, Params: ps}})
	}
	slices.SortStableFunc(out, func(a, b found) int { return a.at - b.at })
	ks := make([]Kernel, len(out))
	for i, f := range out {
		ks[i] = f.k
	}
	return ks, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			b.WriteString(strings.Repeat("\n", strings.Count(s[i:i+2+end], "\n")))
			i += end + 3
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func parseParams(list string) ([]Param, error) {
	list = strings.TrimSpace(spaceRE.ReplaceAllString(list, " "))
	if list == "" || list == "void" {
		return nil, nil
	}
	var out []Param
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(strings.ReplaceAll(p, "__restrict__", ""))
		p = spaceRE.ReplaceAllString(p, " ")
		i := strings.LastIndexFunc(p, func(r rune) bool {
			return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		})
		if i < 0 || i == len(p)-1 {
			return nil, fmt.Errorf("parameter %q has no name", p)
		}
		name, ctype := p[i+1:], strings.TrimSpace(p[:i+1])
		ctype = strings.ReplaceAll(ctype, " *", "*")
		k, err := kindOf(ctype)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		out = append(out, Param{Name: name, CType: ctype, Kind: k})
	}
	return out, nil
}

func kindOf(ctype string) (Kind, error) {
	if strings.HasSuffix(ctype, "*") {
		switch strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(ctype, "*"), "const ")) {
		case "unsigned long long", "long long", "uint64_t", "int64_t", "double", "size_t", "float2", "int2", "uint2":
			return Ptr8, nil
		case "float4", "int4", "uint4", "double2":
			// A 16-byte vector read needs 16-byte alignment, which no
			// argument kind checks: take a float* and cast in the kernel,
			// where the alignment is the kernel's to ensure.
			return 0, fmt.Errorf("type %q: 16-byte vector pointers are not supported (pass float* and cast)", ctype)
		}
		return Ptr, nil
	}
	switch strings.TrimSpace(strings.TrimPrefix(ctype, "const ")) {
	case "int", "unsigned", "unsigned int", "int32_t", "uint32_t":
		return I32, nil
	case "float":
		return F32, nil
	case "unsigned long long", "long long", "uint64_t", "int64_t":
		return U64, nil
	}
	return 0, fmt.Errorf("type %q is not a pointer, int, unsigned, float or unsigned long long", ctype)
}

var (
	ptxEntryRE = regexp.MustCompile(`(?s)\.entry\s+(\w+)\s*\((.*?)\)`)
	ptxParamRE = regexp.MustCompile(`\.param\s+(\.\w+)\s+\w+`)
)

// PTXEntries maps each .entry of a PTX module to its parameter types
// (".u64", ".u32", ".f32", ...).
func PTXEntries(ptx []byte) map[string][]string {
	out := map[string][]string{}
	for _, m := range ptxEntryRE.FindAllSubmatch(ptx, -1) {
		var params []string
		for _, p := range ptxParamRE.FindAllSubmatch(m[2], -1) {
			params = append(params, string(p[1]))
		}
		out[string(m[1])] = params
	}
	return out
}

// CheckPTX reports the first difference between the kernels and the
// entries of their modules' PTX (ptx maps a module name to its PTX).
func CheckPTX(kernels []Kernel, ptx map[string][]byte) error {
	for _, k := range kernels {
		src, ok := ptx[k.Module]
		if !ok {
			return fmt.Errorf("kernelgen: no %s.ptx for kernel %s (run make ptx)", k.Module, k.Name)
		}
		params, ok := PTXEntries(src)[k.Name]
		if !ok {
			return fmt.Errorf("kernelgen: %s.ptx has no .entry %s (run make ptx)", k.Module, k.Name)
		}
		if len(params) != len(k.Params) {
			return fmt.Errorf("kernelgen: %s: %d parameters in the PTX, %d in the source", k.Name, len(params), len(k.Params))
		}
		for i, p := range k.Params {
			if !slices.Contains(p.Kind.PTXTypes(), params[i]) {
				return fmt.Errorf("kernelgen: %s: parameter %s is %s in the PTX, %v in the source", k.Name, p.Name, params[i], p.Kind)
			}
		}
	}
	return nil
}

// CheckGenerated reports the first difference between the glue committed
// in the package directory dir and what Generate makes from its .cu files
// today ("stale: run go generate"), or between the kernels and the
// committed PTX (kernels/*.ptx) when there is some: the freshness test of
// a package with kernels, as make ptx-check is for the PTX.
func CheckGenerated(dir string, cfg Config) error {
	ks, err := Load(dir, cfg)
	if err != nil {
		return err
	}
	files, err := Generate(cfg, ks)
	if err != nil {
		return err
	}
	for _, f := range files {
		disk, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return err
		}
		if !bytes.Equal(disk, f.Data) {
			return fmt.Errorf("kernelgen: %s is stale: run go generate in %s", f.Name, dir)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, cfg.KernelDir, "*.ptx"))
	if len(paths) == 0 {
		return nil
	}
	ptx := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ptx[strings.TrimSuffix(filepath.Base(p), ".ptx")] = b
	}
	return CheckPTX(ks, ptx)
}

// Generate writes the glue of kernels for cfg.
func Generate(cfg Config, kernels []Kernel) ([]File, error) {
	if len(kernels) == 0 {
		return nil, fmt.Errorf("kernelgen: no kernels")
	}
	goFile, err := genGo(cfg, kernels)
	if err != nil {
		return nil, err
	}
	files := []File{{Name: "kernels_gen.go", Data: goFile}, {Name: "emu_kernels_gen.cpp", Data: genEmu(cfg, kernels)}}
	if cfg.Module != "" {
		f, err := genEmuGo(cfg)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: "emu_gen.go", Data: f})
	}
	return files, nil
}

const header = "// Code generated by kernelgen from %s/*.cu; DO NOT EDIT.\n\n"

// initialisms are the parts of kernel names written in capitals in Go.
var initialisms = map[string]bool{"nn": true, "nt": true, "tn": true, "tt": true, "lstm": true, "gru": true,
	"bce": true, "ew": true, "id": true, "ids": true, "sgd": true}

// GoName is a kernel's Go name: lstm_fwd_step → LSTMFwdStep.
func GoName(kernel string) string {
	var b strings.Builder
	for _, part := range strings.Split(kernel, "_") {
		if part == "" {
			continue
		}
		if initialisms[part] {
			b.WriteString(strings.ToUpper(part))
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

var goKeywords = map[string]bool{"break": true, "case": true, "chan": true, "const": true, "continue": true,
	"default": true, "defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true,
	"goto": true, "if": true, "import": true, "interface": true, "map": true, "package": true, "range": true,
	"return": true, "select": true, "struct": true, "switch": true, "type": true, "var": true}

// goParam turns a C parameter name into a Go one (h_prev → hPrev) that
// does not collide with the launch method's own names.
func goParam(c string) string {
	parts := strings.Split(c, "_")
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			continue
		}
		if i == 0 || b.Len() == 0 {
			b.WriteString(p)
		} else {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	n := b.String()
	switch {
	case goKeywords[n], n == "grid", n == "block", n == "kn", n == "args":
		return n + "_"
	}
	return n
}

func goType(k Kind, cuda string) string {
	switch k {
	case Ptr, Ptr8:
		return cuda + "Buffer"
	case F32:
		return "float32"
	case U64:
		return "uint64"
	}
	return "int"
}

func genGo(cfg Config, kernels []Kernel) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, header, cfg.KernelDir)
	fmt.Fprintf(&b, "package %s\n\n", cfg.Package)
	q := "" // qualifier of package cuda's names
	if cfg.Module != "" {
		q = "cuda."
		fmt.Fprintf(&b, "import %q\n\n", cfg.CUDAImport)
	}
	if cfg.Module == "" {
		b.WriteString("// The kernels of kernels/*.cu, by file name and then in source order.\nconst (\n")
		for i, k := range kernels {
			if i == 0 {
				fmt.Fprintf(&b, "\tk%s kernelID = iota\n", GoName(k.Name))
			} else {
				fmt.Fprintf(&b, "\tk%s\n", GoName(k.Name))
			}
		}
		b.WriteString("\tnumKernels\n)\n\n")
		b.WriteString("// kernels is each kernel's entry name, module and parameter kinds.\n")
		b.WriteString("var kernels = [numKernels]kernelSpec{\n")
		for _, k := range kernels {
			fmt.Fprintf(&b, "\tk%s: {%q, %q, []argKind{", GoName(k.Name), k.Name, k.Module)
			for i, p := range k.Params {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(map[Kind]string{Ptr: "argPtr", I32: "argI32", F32: "argF32", U64: "argU64", Ptr8: "argPtr8"}[p.Kind])
			}
			b.WriteString("}},\n")
		}
		b.WriteString("}\n\n")
		b.WriteString(`// Kernels launches the package's kernels directly: one method per kernel
// of kernels/*.cu, taking the kernel's parameters in order (a pointer is a
// Buffer, int and unsigned an int, float a float32, unsigned long long a
// uint64) after the launch's grid and block. The methods check nothing
// but the argument count and kinds; the Context's exported kernel
// functions (Sgemm, AddBiasRows, ...) check sizes and pick the geometry,
// and an op's CUDA kernel that launches a kernel of its own through this
// table checks its arguments itself. A launch from the Context's thread
// allocates nothing.
type Kernels struct{ c *Context }

// Kernels returns c's kernel launcher.
func (c *Context) Kernels() Kernels { return Kernels{c} }

`)
	} else {
		fmt.Fprintf(&b, "// %sModule is the name the module's PTX is loaded and emulated under.\n", cfg.Package)
		fmt.Fprintf(&b, "const %sModule = %q\n\n", cfg.Package, cfg.Module)
		fmt.Fprintf(&b, "// %sKernelNames lists the module's kernels; a kernel's index is its\n// place here.\n", cfg.Package)
		fmt.Fprintf(&b, "var %sKernelNames = []string{\n", cfg.Package)
		for _, k := range kernels {
			fmt.Fprintf(&b, "\t%q,\n", k.Name)
		}
		b.WriteString("}\n\n")
		b.WriteString("// kernels launches the module's kernels, one method per kernel, with\n")
		b.WriteString("// the kernel's parameters in order after the grid and block.\n")
		b.WriteString("type kernels struct{ m *cuda.Module }\n\n")
	}
	recv := "kn Kernels"
	if cfg.Module != "" {
		recv = "kn kernels"
	}
	for i, k := range kernels {
		gn := GoName(k.Name)
		var sig, cargs []string
		for _, p := range k.Params {
			sig = append(sig, fmt.Sprintf("%s %s", goParam(p.Name), goType(p.Kind, q)))
			cargs = append(cargs, p.CType+" "+p.Name)
		}
		fmt.Fprintf(&b, "// %s launches %s (%s/%s.cu):\n//\n//\t%s(%s)\n", gn, k.Name, cfg.KernelDir, k.Module, k.Name,
			strings.Join(cargs, ", "))
		fmt.Fprintf(&b, "func (%s) %s(grid, block %sDim3", recv, gn, q)
		for _, s := range sig {
			b.WriteString(", " + s)
		}
		b.WriteString(") error {\n")
		if cfg.Module == "" {
			b.WriteString("\tvar args kargs\n")
		} else {
			b.WriteString("\tvar args cuda.Args\n")
		}
		for _, p := range k.Params {
			n := goParam(p.Name)
			if cfg.Module == "" {
				fmt.Fprintf(&b, "\targs.%s(%s)\n", map[Kind]string{Ptr: "ptr", I32: "i32", F32: "f32", U64: "u64", Ptr8: "ptr8"}[p.Kind], n)
			} else {
				fmt.Fprintf(&b, "\targs.%s(%s)\n", map[Kind]string{Ptr: "Ptr", I32: "I32", F32: "F32", U64: "U64", Ptr8: "Ptr8"}[p.Kind], n)
			}
		}
		if cfg.Module == "" {
			fmt.Fprintf(&b, "\treturn kn.c.launch(k%s, grid, block, &args)\n}\n\n", gn)
		} else {
			fmt.Fprintf(&b, "\treturn kn.m.Launch(%d, grid, block, &args)\n}\n\n", i)
		}
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("kernelgen: formatting the Go file: %w\n%s", err, b.Bytes())
	}
	return src, nil
}

func genEmu(cfg Config, kernels []Kernel) []byte {
	var b bytes.Buffer
	tag := "cudaemu && !embercuda"
	fmt.Fprintf(&b, "//go:build %s\n\n", tag)
	fmt.Fprintf(&b, header, cfg.KernelDir)
	b.WriteString("// The CPU emulator's build of the kernels (see emu_runtime.h) and its\n")
	b.WriteString("// dispatch: kernel i of the Go table is case i.\n\n")
	b.WriteString("#include \"emu_runtime.h\"\n\n")
	var mods []string
	for _, k := range kernels {
		if !slices.Contains(mods, k.Module) {
			mods = append(mods, k.Module)
		}
	}
	for _, m := range mods {
		fmt.Fprintf(&b, "#include \"%s/%s.cu\"\n", cfg.KernelDir, m)
	}
	fn := "emu_launch"
	if cfg.Module != "" {
		fn = cfg.Package + "_emu_launch"
	}
	fmt.Fprintf(&b, "\n// %s runs kernel k of the table with the 8-byte parameter slots v (as\n", fn)
	b.WriteString("// cuLaunchKernel would read them). Returns 0, or a CUresult code.\n")
	fmt.Fprintf(&b, "extern \"C\" int %s(int k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,\n", fn)
	b.WriteString("                          const uint64_t* v)\n{\n")
	b.WriteString("    if (!emu_geometry_ok(gx, gy, gz, bx, by, bz))\n        return 1;  // CUDA_ERROR_INVALID_VALUE\n")
	b.WriteString("    const emu_uint3 g = {gx, gy, gz}, b = {bx, by, bz};\n    switch (k) {\n")
	for i, k := range kernels {
		fmt.Fprintf(&b, "    case %d:\n        return emu_call(%s, g, b, v);\n", i, k.Name)
	}
	b.WriteString("    }\n    return 500;  // CUDA_ERROR_NOT_FOUND\n}\n")
	return b.Bytes()
}

func genEmuGo(cfg Config) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("//go:build cudaemu && !embercuda\n\n")
	fmt.Fprintf(&b, header, cfg.KernelDir)
	fmt.Fprintf(&b, "package %s\n\n", cfg.Package)
	fmt.Fprintf(&b, "/*\n#cgo CXXFLAGS: -std=c++17 -O2 -fno-strict-aliasing -Wno-unknown-pragmas -I${SRCDIR}/%s\n", cfg.EmuInclude)
	b.WriteString("#include <stdint.h>\n")
	fmt.Fprintf(&b, "int %s_emu_launch(int k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,\n", cfg.Package)
	b.WriteString("\tconst uint64_t* v);\n*/\nimport \"C\"\n\n")
	fmt.Fprintf(&b, "import (\n\t\"embed\"\n\t\"unsafe\"\n\n\t%q\n)\n\n", cfg.CUDAImport)
	b.WriteString("// emuKernelSources makes the CUDA sources, which emu_kernels_gen.cpp\n")
	b.WriteString("// #includes, inputs of the package for the go build cache.\n//\n")
	fmt.Fprintf(&b, "//go:embed %s/*.cu\nvar emuKernelSources embed.FS\n\n", cfg.KernelDir)
	fmt.Fprintf(&b, "func init() {\n\tcuda.RegisterEmulated(%sModule, %sKernelNames, unsafe.Pointer(C.%s_emu_launch))\n}\n",
		cfg.Package, cfg.Package, cfg.Package)
	return format.Source(b.Bytes())
}
