package main

import (
	"fmt"
	"strings"

	"github.com/emberml/ember/cuda"
)

// selectDevice resolves --device. This engine's executor runs on the CPU;
// cuda asks for the GPU backend and fails clearly where it is missing, and
// auto falls back to the CPU with a one-line notice.
func selectDevice(spec string) (device, note string, err error) {
	switch {
	case spec == "cpu":
		return "cpu", "", nil
	case spec == "auto":
		if _, err := cuda.Devices(); err != nil {
			return "cpu", fmt.Sprintf("device: CUDA unavailable (%v); using the CPU", err), nil
		}
		return "cpu", "device: a CUDA device is present, but this build's executor runs on the CPU only; using the CPU", nil
	case spec == "cuda" || strings.HasPrefix(spec, "cuda:"):
		if _, err := cuda.Devices(); err != nil {
			return "", "", fmt.Errorf("--device %s: %w", spec, err)
		}
		return "", "", fmt.Errorf("--device %s: the CUDA executor is not available in this version; use --device cpu", spec)
	default:
		return "", "", fmt.Errorf("--device %q: want auto, cpu or cuda[:N]", spec)
	}
}
