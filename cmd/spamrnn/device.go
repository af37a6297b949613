package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/internal/sysmem"
	"github.com/emberml/ember/train"
)

// selectedDevice is what --device resolved to.
type selectedDevice struct {
	dev  train.Device
	name string // "cpu" or "cuda:N"
	info string // the one-line description printed as "device: ..."
	ctx  *cuda.Context
}

// close releases the CUDA context, if one was opened.
func (d selectedDevice) close() error {
	if d.ctx == nil {
		return nil
	}
	return d.ctx.Close()
}

var cpuDevice = selectedDevice{dev: train.CPU, name: "cpu", info: "cpu"}

// checkDeviceSpec checks --device's form before any work; whether the
// device exists is found when it is opened.
func checkDeviceSpec(spec string) error {
	switch {
	case spec == "auto" || spec == "cpu" || spec == "cuda":
		return nil
	case strings.HasPrefix(spec, "cuda:"):
		if n, err := strconv.Atoi(strings.TrimPrefix(spec, "cuda:")); err != nil || n < 0 {
			return errors.New("want cuda or cuda:N with N a device number")
		}
		return nil
	}
	return errors.New("want auto, cpu or cuda[:N]")
}

// describe is the "device:" line: the CPU with its GEMM backend, or the
// CUDA device.
func (d selectedDevice) describe() string {
	if d.ctx == nil {
		return d.info + ", GEMM " + cpu.GEMMName()
	}
	return d.info
}

// gemm names the CPU's GEMM backend for --json ("" on CUDA, where the
// device's own kernels multiply).
func (d selectedDevice) gemm() string {
	if d.ctx != nil {
		return ""
	}
	return cpu.GEMMName()
}

// freeMemory is the memory a model may use on the device: the CUDA
// device's free memory, or the host's available memory (0: unknown, no
// check).
func (d selectedDevice) freeMemory() uint64 {
	if d.ctx != nil {
		if free, _, err := d.ctx.MemInfo(); err == nil && free > 0 {
			return uint64(free)
		}
		return 0
	}
	n, _ := sysmem.Available()
	return n
}

// selectDevice resolves --device. cpu is the CPU; cuda[:N] opens CUDA
// device N (0 by default) and fails clearly in a build without the
// embercuda tag or on a machine without the device; auto takes CUDA device
// 0 when this is an embercuda build and a device is present, and otherwise
// the CPU with a one-line notice (the cudaemu emulator, which runs the
// kernels on the CPU for tests, is never picked automatically).
func selectDevice(spec string) (d selectedDevice, note string, err error) {
	switch {
	case spec == "cpu":
		return cpuDevice, "", nil
	case spec == "auto":
		if cuda.Backend() != "cuda" {
			if cuda.Enabled() {
				return cpuDevice, fmt.Sprintf("note: this build's CUDA backend is the %s (for tests); using the CPU", cuda.Backend()), nil
			}
			return cpuDevice, fmt.Sprintf("note: CUDA unavailable (%v); using the CPU", cuda.ErrNotBuilt), nil
		}
		if _, err := cuda.Devices(); err != nil {
			return cpuDevice, fmt.Sprintf("note: CUDA unavailable (%v); using the CPU", err), nil
		}
		d, err := openCUDA(0)
		if err != nil {
			return cpuDevice, fmt.Sprintf("note: CUDA unavailable (%v); using the CPU", err), nil
		}
		return d, "", nil
	case spec == "cuda" || strings.HasPrefix(spec, "cuda:"):
		n := 0
		if s, ok := strings.CutPrefix(spec, "cuda:"); ok {
			if n, err = strconv.Atoi(s); err != nil || n < 0 {
				return selectedDevice{}, "", fmt.Errorf("--device %q: want cuda or cuda:N with N a device number", spec)
			}
		}
		d, err := openCUDA(n)
		if err != nil {
			return selectedDevice{}, "", fmt.Errorf("--device %s: %w", spec, err)
		}
		return d, "", nil
	default:
		return selectedDevice{}, "", fmt.Errorf("--device %q: want auto, cpu or cuda[:N]", spec)
	}
}

func openCUDA(ordinal int) (selectedDevice, error) {
	ctx, err := cuda.NewContext(ordinal)
	if err != nil {
		return selectedDevice{}, err
	}
	info := ctx.Device().String()
	if cuda.Backend() != "cuda" {
		info += " [" + cuda.Backend() + "]"
	} else {
		info += "; kernels: " + ctx.KernelImage()
	}
	return selectedDevice{dev: train.CUDA(ctx), name: fmt.Sprintf("cuda:%d", ordinal), info: info, ctx: ctx}, nil
}
