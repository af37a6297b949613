// Command kernelgen generates the Go and C++ glue of a package's CUDA
// kernels from their .cu sources (package kernelgen says what and why).
// It is run by go generate:
//
//	//go:generate go run github.com/emberml/ember/cmd/kernelgen            (package cuda)
//	//go:generate go run github.com/emberml/ember/cmd/kernelgen -module NAME -emu-include DIR
//
// in the package directory, which holds the kernels under kernels/. It
// writes kernels_gen.go and emu_kernels_gen.cpp there (and emu_gen.go for
// a -module package) and checks the kernels against the committed PTX
// (kernels/*.ptx, made by make ptx) when it is present.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberml/ember/cuda/kernelgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kernelgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("kernelgen", flag.ContinueOnError)
	dir := fs.String("dir", ".", "package directory")
	pkg := fs.String("pkg", os.Getenv("GOPACKAGE"), "Go package name (go generate sets $GOPACKAGE)")
	kdir := fs.String("kernels", "kernels", "directory of the .cu files, relative to -dir")
	module := fs.String("module", "", "generate for a package with its own kernels, loaded and emulated under this module name")
	cudaImport := fs.String("cuda", "github.com/emberml/ember/cuda", "import path of package cuda (-module)")
	emuInclude := fs.String("emu-include", "", "directory of package cuda's emu_runtime.h, relative to -dir (-module)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pkg == "" {
		return errors.New("no package name: run from go generate or pass -pkg")
	}
	if *module != "" && *emuInclude == "" {
		return errors.New("-module needs -emu-include")
	}
	cfg := kernelgen.Config{Package: *pkg, KernelDir: *kdir, Module: *module, CUDAImport: *cudaImport,
		EmuInclude: *emuInclude}
	ks, err := kernelgen.Load(*dir, cfg)
	if err != nil {
		return err
	}
	ptx := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join(*dir, *kdir, "*.ptx"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		ptx[strings.TrimSuffix(filepath.Base(f), ".ptx")] = b
	}
	if len(ptx) > 0 {
		if err := kernelgen.CheckPTX(ks, ptx); err != nil {
			return fmt.Errorf("%w (the PTX is stale or missing a module: run make ptx)", err)
		}
	}
	out, err := kernelgen.Generate(cfg, ks)
	if err != nil {
		return err
	}
	for _, f := range out {
		if err := os.WriteFile(filepath.Join(*dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
