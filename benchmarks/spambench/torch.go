package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/emberml/ember/data"
)

// TorchInfo is the PyTorch side of the run.
type TorchInfo struct {
	// Status is "ok" (at least one run finished), "skipped" (--no-torch or
	// --quick), "unavailable" (no python, torch or script) or "failed".
	Status        string   `json:"status"`
	Reason        string   `json:"reason,omitempty"`
	Python        string   `json:"python,omitempty"`
	PythonVersion string   `json:"python_version,omitempty"`
	Version       string   `json:"torch_version,omitempty"`
	Threads       int      `json:"threads,omitempty"`
	CUDA          bool     `json:"cuda_available"`
	GPU           string   `json:"gpu,omitempty"`
	BLAS          []string `json:"blas_libraries,omitempty"` // BLAS/LAPACK libraries torch loaded
	Script        string   `json:"script,omitempty"`
	// EnvAdded is what this command added to PyTorch's environment (see
	// torchEnv).
	EnvAdded []string  `json:"env_added,omitempty"`
	Data     *TorchSet `json:"data,omitempty"` // the script's own split of the same file
}

// TorchSet is the data summary the script prints with its results.
type TorchSet struct {
	Rows         int `json:"rows"`
	DroppedEmpty int `json:"dropped_empty"`
	Train        int `json:"n_train"`
	Val          int `json:"n_val"`
	Test         int `json:"n_test"`
	Vocab        int `json:"vocab_size"`
	TrainSpam    int `json:"train_spam"`
}

// torchOutput is the final JSON line of spam_lstm.py --bench.
type torchOutput struct {
	Mode       string                `json:"mode"`
	BatchSizes map[string]torchBatch `json:"batch_sizes"`
	Data       TorchSet              `json:"data"`
	Device     string                `json:"device"`
	Version    string                `json:"torch_version"`
	Python     string                `json:"python"`
	Threads    int                   `json:"threads"`
	GPU        string                `json:"gpu"`

	// Bidirectional is the model the script says it timed, checked
	// against the run's (absent, so false, from a script without the flag).
	Bidirectional bool `json:"bidirectional"`
}

type torchBatch struct {
	SeqPerS        float64   `json:"seq_per_s"`
	SeqPerSRepeats []float64 `json:"seq_per_s_repeats"`
	MsPerStep      float64   `json:"ms_per_step"`
	MsMin          float64   `json:"ms_per_step_min"`
	MsMax          float64   `json:"ms_per_step_max"`
	MsRepeats      []float64 `json:"ms_per_step_repeats"`
	StepsPerRepeat int       `json:"steps_per_repeat"`
	FinalLoss      float64   `json:"final_loss"`
	MeanLoss       *float64  `json:"mean_loss_last_repeat"` // packed runs
	MeanTokens     float64   `json:"mean_tokens"`           // packed runs
	CPUUtil        []float64 `json:"cpu_util_repeats"`
	FlopsPerStep   float64   `json:"flops_per_step"`
}

// preflightCode asks the interpreter for torch's version and CUDA support
// in one short process, so a missing torch costs one line, not one failure
// per batch size. It reports the BLAS libraries torch loaded because they
// decide its CPU speed (a reference BLAS is several times slower).
const preflightCode = `
import json, os, platform, sys
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
    sys.exit(0)
blas = []
if os.path.exists("/proc/self/maps"):
    blas = sorted({l.split()[-1] for l in open("/proc/self/maps")
                   if "blas" in l.lower() or "lapack" in l.lower() or "mkl" in l.lower()})
print(json.dumps({"torch": torch.__version__, "python": platform.python_version(),
                  "cuda": bool(torch.cuda.is_available()), "blas": blas}))
`

type preflight struct {
	Error  string   `json:"error"`
	Torch  string   `json:"torch"`
	Python string   `json:"python"`
	CUDA   bool     `json:"cuda"`
	BLAS   []string `json:"blas"`
}

// torchPreflight checks the interpreter, torch and the script. A non-nil
// error is a one-line reason to skip PyTorch.
func torchPreflight(ctx context.Context, o options) (preflight, error) {
	var pf preflight
	if _, err := exec.LookPath(o.python); err != nil {
		return pf, fmt.Errorf("python %s not found", o.python)
	}
	if st, err := os.Stat(o.torchScript); err != nil || st.IsDir() {
		return pf, fmt.Errorf("PyTorch script %s not found", o.torchScript)
	}
	var stderr tailBuffer
	cmd := exec.CommandContext(ctx, o.python, "-c", preflightCode)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return pf, fmt.Errorf("%s failed: %v%s", o.python, err, stderr.lastLine(": "))
	}
	if err := json.Unmarshal(lastJSONLine(out), &pf); err != nil {
		return pf, fmt.Errorf("%s: unreadable answer to the torch check: %v", o.python, err)
	}
	if pf.Error != "" {
		return pf, fmt.Errorf("%s cannot import torch (%s)", o.python, pf.Error)
	}
	return pf, nil
}

// torchEnv is what the PyTorch runs get on top of this process's
// environment: OMP_WAIT_POLICY=passive, unless the environment sets it.
// Debian's torch pairs its OpenMP pool with the pthread build of OpenBLAS,
// and with OpenMP's default busy-waiting the two pools fight for the cores:
// on the project's 2-core machine a 2-thread step took 7 to 30 times longer
// than with passive waiting, which in turn was within 20% of 1 thread.
// Passive waiting only makes PyTorch faster, so the comparison stays fair
// and the run keeps to its time budget.
func torchEnv() []string {
	if _, ok := os.LookupEnv("OMP_WAIT_POLICY"); ok {
		return nil
	}
	return []string{"OMP_WAIT_POLICY=passive"}
}

// writeTorchData writes the examples this engine loaded as a UCI-style
// tab-separated file, the one format the script reads, so that both engines
// start from the same rows whatever --data's format was. Line breaks inside
// a message (possible in CSV input) become spaces, which tokenise the same.
func writeTorchData(dir string, examples []data.Example) (string, error) {
	var b bytes.Buffer
	clean := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")
	for _, e := range examples {
		label := "ham"
		if e.Spam {
			label = "spam"
		}
		b.WriteString(label)
		b.WriteByte('\t')
		b.WriteString(clean.Replace(e.Text))
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, "sms.tsv")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write the PyTorch copy of the data: %w", err)
	}
	return path, nil
}

// benchTorch runs the script's --bench mode for one device and batch size
// (one process each, so the process's peak RSS is that batch size's) and
// returns its figures; info is filled from the script's own report. A
// failure of the script is recorded in the result; only cancellation is
// returned as an error.
func benchTorch(ctx context.Context, o options, dataFile, device string, batch, seqLen int, info *TorchInfo, log io.Writer, packed bool) (Result, error) {
	r := Result{Engine: "pytorch", Device: device, Batch: batch, Mode: modeName(packed)}
	label := fmt.Sprintf("pytorch %s batch %d", device, batch)
	if packed {
		label += " packed"
	}
	fail := func(err error) (Result, error) {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.Error = err.Error()
		fmt.Fprintf(log, "%s: failed: %v\n", label, err)
		return r, nil
	}
	args := []string{o.torchScript, "--bench",
		"--data", dataFile,
		"--seed", strconv.FormatUint(o.seed, 10),
		"--seq-len", strconv.Itoa(seqLen),
		"--cell", o.cell,
		"--device", device,
		"--threads", strconv.Itoa(o.torchThreads),
		"--batch-sizes", strconv.Itoa(batch),
		"--warmup", strconv.Itoa(o.warmup),
		"--steps", strconv.Itoa(o.steps),
		"--repeats", strconv.Itoa(o.repeats),
	}
	if o.bidirectional {
		args = append(args, "--bidirectional")
	}
	if packed {
		args = append(args, "--packed", "--bucket", strconv.Itoa(o.bucket), "--packed-steps", strconv.Itoa(o.packedSteps))
	}
	cmd := exec.CommandContext(ctx, o.python, args...)
	cmd.Env = append(os.Environ(), info.EnvAdded...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", o.python, err))
	}
	// Echo the script's progress lines and keep the last JSON line.
	var last []byte
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("{")) {
			last = append(last[:0], line...)
			continue
		}
		fmt.Fprintf(log, "%s | %s\n", label, line)
	}
	scanErr := sc.Err()
	if err := cmd.Wait(); err != nil {
		return fail(fmt.Errorf("%s exited: %v%s", filepath.Base(o.torchScript), err, stderr.lastLine(": ")))
	}
	if scanErr != nil {
		return fail(fmt.Errorf("reading the script's output: %w", scanErr))
	}
	if last == nil {
		return fail(errors.New("the script printed no JSON result"))
	}
	var out torchOutput
	if err := json.Unmarshal(last, &out); err != nil {
		return fail(fmt.Errorf("unreadable JSON result: %w", err))
	}
	if out.Bidirectional != o.bidirectional {
		return fail(fmt.Errorf("the script timed a model with bidirectional=%t, not the %s one asked for", out.Bidirectional, directions(o.bidirectional)))
	}
	b, ok := out.BatchSizes[strconv.Itoa(batch)]
	if out.Mode != "bench" || !ok {
		return fail(fmt.Errorf("the JSON result has no bench figures for batch %d", batch))
	}
	if !(b.SeqPerS > 0) || math.IsInf(b.SeqPerS, 0) || len(b.MsRepeats) == 0 {
		return fail(fmt.Errorf("the JSON result for batch %d has no valid timings", batch))
	}
	info.Version, info.PythonVersion, info.Threads = out.Version, out.Python, out.Threads
	if out.GPU != "" {
		info.GPU = out.GPU
	}
	set := out.Data
	info.Data = &set

	r.OK = true
	r.SeqPerS, r.SeqPerSRepeats = b.SeqPerS, b.SeqPerSRepeats
	r.MsPerStep, r.MsPerStepMin, r.MsPerStepMax, r.MsRepeats = b.MsPerStep, b.MsMin, b.MsMax, b.MsRepeats
	r.CPUUtil = b.CPUUtil
	r.FinalLoss = ptr(b.FinalLoss)
	r.MeanLossLastRepeat, r.MeanTokens, r.StepsPerRepeat = b.MeanLoss, b.MeanTokens, b.StepsPerRepeat
	r.FlopsPerStep = b.FlopsPerStep
	r.GFlopsPerS = b.FlopsPerStep / (b.MsPerStep / 1000) / 1e9
	if peak, ok := childPeakRSS(cmd); ok {
		r.PeakHostMB, r.PeakHostScope = ptr(float64(peak)/(1<<20)), "process"
	}
	return r, nil
}

// lastJSONLine returns the last line of out that starts with "{".
func lastJSONLine(out []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); bytes.HasPrefix(l, []byte("{")) {
			return l
		}
	}
	return nil
}

// tailBuffer keeps the last few kilobytes written to it: enough for a
// Python traceback's final line without holding a runaway log.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 8 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailMax:]...)
	}
	return len(p), nil
}

// lastLine returns prefix and the last non-empty line written, or "".
func (t *tailBuffer) lastLine(prefix string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return prefix + l
	}
	return ""
}
