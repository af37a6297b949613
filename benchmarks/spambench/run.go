package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/train"
)

// run is the whole command: parse flags, measure, report. Progress goes to
// stderr and the table to stdout. Runs that fail are recorded and the others
// go on; the results are written even then (and after an interrupt, with
// what was measured), and the error says what went wrong.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	start := time.Now()
	jsonPath, pngPath := outputPaths(o.out)
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", o.out, err)
	}

	// Devices: asked once; the answer goes into the machine facts too.
	cudaDevs, cudaErr := cuda.Devices()
	rep := &Report{
		Schema:    schema,
		Date:      start.Format(time.RFC3339),
		Command:   commandLine(args),
		Argv:      append([]string{}, args...),
		GitCommit: gitCommit(ctx),
		Env:       threadEnv(),
		Machine:   machineFacts(ctx, cudaDevs, cudaErr),
		Settings: Settings{
			BatchSizes: o.batchSizes, Warmup: o.warmup, Steps: o.steps, Repeats: o.repeats,
			Devices: o.devices, CUDAGraphs: o.cudaGraphs, Seed: o.seed, LR: learningRate, ClipNorm: clipNorm, Optimizer: "adam",
			TorchThreads: o.torchThreads, Quick: o.quick,
		},
		Results:     []Result{},
		Unavailable: []Unavailable{},
		Notes:       []string{},
	}
	if o.profile {
		rep.Settings.ProfileSteps = o.profileSteps
	}
	if o.packed {
		rep.Settings.Packed, rep.Settings.PackedSteps, rep.Settings.Bucket = true, o.packedSteps, o.bucket
		rep.Settings.Interleave = o.interleave
	}
	rep.Machine.LoadAvgStart = loadAvg()
	// busyCores is how much of a core other work may take, on average,
	// before the timings are called unrepresentative.
	const busyCores = 0.25
	note := func(format string, a ...any) {
		s := fmt.Sprintf(format, a...)
		rep.Notes = append(rep.Notes, s)
		fmt.Fprintln(stderr, "note:", s)
	}
	// What other processes do now, not the 1-minute load average, which
	// still holds a previous run's (this benchmark's own last run, say):
	// watched while the data loads (this process's own time is left out),
	// rather than by idling, which slowed the first timed steps after it.
	c0 := readCPUClock()
	p, err := loadData(o.data, o.seed, o.cell, o.bidirectional)
	if err != nil {
		return err
	}
	runClock := readCPUClock()
	if others, _, ok := runClock.othersSince(c0); ok {
		rep.Machine.OthersStart = &others
		if others > busyCores {
			note("the machine is busy: other processes kept %.1f of its %d cores busy before the runs; timings are not representative", others, rep.Machine.Cores)
		}
	}
	rep.Data = p.info
	if p.note != "" {
		note("%s", p.note)
	}
	rep.Settings.Model = ModelCfg{Cell: p.cfg.Cell, SeqLen: p.cfg.SeqLen, Embed: p.cfg.Embed, Hidden: p.cfg.Hidden,
		Layers: p.cfg.Layers, Widths: p.cfg.Widths, Channels: p.cfg.Channels, Dropout: p.cfg.Dropout, Vocab: p.cfg.Vocab,
		Bidirectional: p.cfg.Bidirectional}
	fmt.Fprintf(stderr, "data: %s: %d rows, %d training, vocabulary %d\n", p.info.Source, p.info.Rows, p.info.Train, p.info.Vocab)

	wantCPU := o.devices == "auto" || o.devices == "cpu"
	wantCUDA := o.devices == "auto" || o.devices == "cuda"
	gpuPresent := len(rep.Machine.GPUs) > 0

	runErr := measure(ctx, o, p, rep, wantCPU, wantCUDA, gpuPresent, cudaErr, cudaDevs, stderr)

	if runErr != nil && ctx.Err() != nil {
		runErr = fmt.Errorf("interrupted; the results so far are in %s", jsonPath)
	}
	rep.Machine.LoadAvgEnd = loadAvg()
	if others, steal, ok := readCPUClock().othersSince(runClock); ok {
		rep.Machine.OthersRun, rep.Machine.StealRun = &others, &steal
		if others > busyCores || steal > busyCores {
			note("other processes kept %.2f cores busy and the hypervisor took %.2f, on average over the runs: timings are not representative", others, steal)
		}
	}
	rep.Notes = append(rep.Notes, compare(rep.Results, o.warmup+o.steps*o.repeats)...)
	if runErr == nil {
		failed := 0
		for _, r := range rep.Results {
			if !r.OK {
				failed++
			}
		}
		if failed > 0 {
			runErr = fmt.Errorf("%d of %d runs failed (see the table)", failed, len(rep.Results))
		}
	}
	rep.WallSeconds = math.Round(time.Since(start).Seconds()*10) / 10

	if err := writeJSON(jsonPath, rep); err != nil {
		return errors.Join(runErr, err)
	}
	if err := plotThroughput(pngPath, rep); err != nil {
		// Without a successful run there is nothing to draw; the table and
		// JSON still say why.
		rep.Notes = append(rep.Notes, "no chart: "+err.Error())
		pngPath = "(no chart)"
		if werr := writeJSON(jsonPath, rep); werr != nil {
			return errors.Join(runErr, werr)
		}
	}
	printTable(stdout, rep, pngPath, jsonPath)
	return runErr
}

// measure runs this engine on each wanted device, then PyTorch, appending
// to rep. It returns only cancellation; failed runs are in rep.Results.
func measure(ctx context.Context, o options, p *prepared, rep *Report, wantCPU, wantCUDA, gpuPresent bool,
	cudaErr error, cudaDevs []cuda.DeviceInfo, log io.Writer) error {
	unavailable := func(engine, device, reason string) {
		rep.Unavailable = append(rep.Unavailable, Unavailable{Engine: engine, Device: device, Reason: reason})
		fmt.Fprintf(log, "%s %s: not available: %s\n", engine, device, reason)
	}
	modes := []bool{false}
	if o.packed {
		modes = append(modes, true)
	}
	if wantCPU {
		for _, b := range o.batchSizes {
			rs, err := benchEmberModes(ctx, p, b, o, log, train.CPU, modes)
			rep.Results = append(rep.Results, rs...)
			if err != nil {
				rep.Notes = append(rep.Notes, "interrupted: results are partial")
				return err
			}
		}
	}
	if wantCUDA {
		switch {
		case cudaErr != nil:
			unavailable("ember", "cuda", cudaErr.Error())
		case cuda.Backend() != "cuda":
			unavailable("ember", "cuda", "the "+cuda.Backend()+" backend is for tests, not timings")
		default:
			dc, err := cuda.NewContext(0)
			if err != nil {
				unavailable("ember", "cuda", err.Error())
				break
			}
			// sm_90 SASS or JIT-compiled PTX, and the load time a process pays.
			rep.Notes = append(rep.Notes, "ember cuda kernels: "+dc.KernelImage())
			devs := []train.Device{train.CUDA(dc)}
			if o.cudaGraphs == "both" {
				devs = append(devs, train.CUDA(dc).WithGraphs(false))
			}
			for _, dev := range devs {
				for _, b := range o.batchSizes {
					rs, err := benchEmberModes(ctx, p, b, o, log, dev, modes)
					rep.Results = append(rep.Results, rs...)
					if err != nil {
						dc.Close()
						rep.Notes = append(rep.Notes, "interrupted: results are partial")
						return err
					}
				}
			}
			dc.Close()
		}
	}

	rep.PyTorch = TorchInfo{Python: o.python, Script: o.torchScript, Threads: o.torchThreads, EnvAdded: torchEnv()}
	if o.noTorch {
		rep.PyTorch = TorchInfo{Status: "skipped", Reason: "--no-torch"}
		if o.quick {
			rep.PyTorch.Reason = "--quick"
		}
		return nil
	}
	pf, err := torchPreflight(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rep.PyTorch.Status, rep.PyTorch.Reason = "unavailable", err.Error()
		fmt.Fprintf(log, "PyTorch: not run: %v\n", err)
		return nil
	}
	rep.PyTorch.Version, rep.PyTorch.PythonVersion, rep.PyTorch.CUDA, rep.PyTorch.BLAS = pf.Torch, pf.Python, pf.CUDA, pf.BLAS

	var devices []string
	if wantCPU {
		devices = append(devices, "cpu")
	}
	if wantCUDA {
		switch {
		case pf.CUDA:
			devices = append(devices, "cuda")
		case gpuPresent:
			unavailable("pytorch", "cuda", fmt.Sprintf("PyTorch %s cannot use the GPU (torch.cuda.is_available() is false)", pf.Torch))
		default:
			unavailable("pytorch", "cuda", "no GPU found")
		}
	}
	if len(devices) == 0 {
		rep.PyTorch.Status, rep.PyTorch.Reason = "unavailable", "no device to run on"
		return nil
	}
	dir, err := os.MkdirTemp("", "spambench-")
	if err != nil {
		rep.PyTorch.Status, rep.PyTorch.Reason = "failed", err.Error()
		return nil
	}
	defer os.RemoveAll(dir)
	dataFile, err := writeTorchData(dir, p.examples)
	if err != nil {
		rep.PyTorch.Status, rep.PyTorch.Reason = "failed", err.Error()
		return nil
	}
	ok := 0
	for _, dev := range devices {
		for _, b := range o.batchSizes {
			for _, packed := range modes {
				r, err := benchTorch(ctx, o, dataFile, dev, b, p.cfg.SeqLen, &rep.PyTorch, log, packed)
				if err != nil {
					rep.Notes = append(rep.Notes, "interrupted: results are partial")
					return err
				}
				if r.OK {
					ok++
					want := flopsPerStep(p.cfg, b)
					if packed { // counted at PyTorch's own mean tokens per message
						want = flopsPerStepAt(p.cfg, b, r.MeanTokens)
					}
					if math.Abs(r.FlopsPerStep-want) > 1e-9*want {
						rep.Notes = append(rep.Notes, fmt.Sprintf("PyTorch counts %.4g FLOPs per step at batch %d, this run %.4g: the two analytic counts disagree",
							r.FlopsPerStep, b, want))
					}
				}
				rep.Results = append(rep.Results, r)
			}
		}
	}
	rep.PyTorch.Status = "ok"
	if ok == 0 {
		rep.PyTorch.Status, rep.PyTorch.Reason = "failed", "every PyTorch run failed"
	}
	if n := starvedTorch(rep); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	if s := rep.PyTorch.Data; s != nil && s.Vocab != rep.Data.Vocab {
		rep.Notes = append(rep.Notes, fmt.Sprintf("PyTorch's own split gives %d training rows and a vocabulary of %d (this engine: %d and %d), so the embedding tables differ by that many rows",
			s.Train, s.Vocab, rep.Data.Train, rep.Data.Vocab))
	}
	return nil
}

// starvedTorch returns a warning when PyTorch's CPU runs used far less CPU
// time than their thread count allows. On the project's 2-core machine,
// under load, PyTorch with 2 threads spent most of each step with its
// OpenMP threads waiting on each other and on OpenBLAS's, and was 7 to 30
// times slower than with 1 thread or OMP_WAIT_POLICY=passive; a speed-up
// measured against that says nothing about this engine.
func starvedTorch(rep *Report) string {
	threads := rep.PyTorch.Threads
	if threads < 1 {
		return ""
	}
	var low []string
	for _, r := range rep.Results {
		if r.Engine != "pytorch" || r.Device != "cpu" || !r.OK || len(r.CPUUtil) == 0 {
			continue
		}
		if u := median(r.CPUUtil); u < 0.6*float64(threads) {
			low = append(low, fmt.Sprintf("%.2f (batch %d)", u, r.Batch))
		}
	}
	if len(low) == 0 {
		return ""
	}
	if threads == 1 {
		return fmt.Sprintf("PyTorch's one thread got only %s CPU-seconds per wall second: other work had the core, "+
			"so the timings understate both engines", strings.Join(low, ", "))
	}
	fix := "--torch-threads 1, or with OMP_WAIT_POLICY=passive in the environment,"
	if len(rep.PyTorch.EnvAdded) > 0 {
		fix = "--torch-threads 1"
	}
	return fmt.Sprintf("PyTorch ran %d threads but got only %s CPU-seconds per wall second: other work had the cores, "+
		"or its threads were waiting on each other. Rerun with %s before trusting the speed-ups",
		threads, strings.Join(low, ", "), fix)
}

// threadEnv is the environment that sets either engine's threading, as
// given to this run (PyTorch inherits it).
func threadEnv() map[string]string {
	env := map[string]string{}
	for _, k := range []string{"GOMAXPROCS", "EMBER_BLAS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
		"OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MKL_NUM_THREADS", "KMP_BLOCKTIME", "CUDA_VISIBLE_DEVICES"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env
}
