package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/cuda"
)

// Machine is what the figures were measured on.
type Machine struct {
	CPUModel     string    `json:"cpu_model"`
	Cores        int       `json:"cores"` // logical CPUs
	GOMAXPROCS   int       `json:"gomaxprocs"`
	GoVersion    string    `json:"go_version"`
	OS           string    `json:"os"`
	Arch         string    `json:"arch"`
	GEMM         string    `json:"gemm_backend"` // cpu.GEMMName()
	CUDABackend  string    `json:"cuda_backend"` // cuda.Backend(): stub, emulator or cuda
	CUDAError    string    `json:"cuda_error,omitempty"`
	GPUs         []GPU     `json:"gpus"`
	LoadAvgStart []float64 `json:"loadavg_start"`
	LoadAvgEnd   []float64 `json:"loadavg_end"`
	// OthersStart and OthersRun are how many cores other processes kept
	// busy, on average, while the data loaded and over all the runs; StealRun is how many the hypervisor took over the runs
	// (Linux /proc/stat less this process's time; absent elsewhere).
	OthersStart *float64 `json:"other_cores_busy_start,omitempty"`
	OthersRun   *float64 `json:"other_cores_busy_run,omitempty"`
	StealRun    *float64 `json:"steal_cores_run,omitempty"`
}

// GPU is one device, as this engine's cuda package or nvidia-smi sees it.
type GPU struct {
	Name   string `json:"name"`
	Driver string `json:"driver,omitempty"`
	Memory string `json:"memory,omitempty"`
	Source string `json:"source"` // "ember/cuda" or "nvidia-smi"
}

// machineFacts gathers the machine description; cudaDevs and cudaErr are
// cuda.Devices's answer, asked once by the caller.
func machineFacts(ctx context.Context, cudaDevs []cuda.DeviceInfo, cudaErr error) Machine {
	m := Machine{
		CPUModel:    cpuModel(),
		Cores:       runtime.NumCPU(),
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		GoVersion:   runtime.Version(),
		OS:          runtime.GOOS,
		Arch:        runtime.GOARCH,
		GEMM:        cpu.GEMMName(),
		CUDABackend: cuda.Backend(),
	}
	if cudaErr != nil {
		m.CUDAError = cudaErr.Error()
	}
	for _, d := range cudaDevs {
		m.GPUs = append(m.GPUs, GPU{
			Name:   d.Name,
			Driver: formatCUDAVersion(d.DriverVersion),
			Memory: formatBytes(d.TotalMemory),
			Source: "ember/cuda",
		})
	}
	if len(m.GPUs) == 0 {
		// This engine may be built without CUDA on a machine that has a
		// GPU; the GPU still belongs in the facts (PyTorch may use it).
		m.GPUs = nvidiaSMI(ctx)
	}
	if m.GPUs == nil {
		m.GPUs = []GPU{} // "gpus": [] rather than null for readers of the JSON
	}
	return m
}

// cpuModel is the first "model name" in /proc/cpuinfo.
func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown (" + runtime.GOARCH + ")"
}

// nvidiaSMI lists GPUs through nvidia-smi, or nothing when it is absent or
// fails (no driver, no device).
func nvidiaSMI(ctx context.Context) []GPU {
	path, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader").Output()
	if err != nil {
		return nil
	}
	var gpus []GPU
	for line := range strings.Lines(string(out)) {
		f := strings.Split(line, ",")
		if len(f) != 3 || strings.TrimSpace(f[0]) == "" {
			continue
		}
		gpus = append(gpus, GPU{
			Name:   strings.TrimSpace(f[0]),
			Driver: strings.TrimSpace(f[1]),
			Memory: strings.TrimSpace(f[2]),
			Source: "nvidia-smi",
		})
	}
	return gpus
}

// gitCommit is the commit the benchmark was built from: the one go build
// stamped into the binary (short, "-dirty" when the tree had uncommitted
// changes), or, when there is none (go run does not stamp), the short
// commit of the checkout it runs in, else "unknown". The stamp comes first
// because a binary built earlier (or elsewhere, as scripts/gpu-bundle.sh
// does) and run in a checkout that has moved on would otherwise report the
// checkout's commit rather than its own.
func gitCommit(ctx context.Context) string {
	if s := stampedCommit(); s != "" {
		return s
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if s := strings.TrimSpace(string(out)); err == nil && s != "" {
		return s
	}
	return "unknown"
}

// stampedCommit is the VCS revision in the binary's build information
// (short, "-dirty" when modified), or "".
func stampedCommit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	return rev + dirty
}

func formatCUDAVersion(v int) string {
	if v <= 0 {
		return ""
	}
	return "CUDA " + strconv.Itoa(v/1000) + "." + strconv.Itoa(v%1000/10)
}

func formatBytes(n int64) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(int(n>>20)) + " MiB"
}
