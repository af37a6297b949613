// Command stepbench times training steps of the reference spam model
// (embedding 100, 2×LSTM 256, sequence 44, vocabulary 8000; Adam 1e-3,
// clipping at 5) on the CPU at one batch size, and prints one line:
// sequences per second of wall time, milliseconds per step, the fastest
// step (and its sequences per second: the step least disturbed by other
// work on the machine), the process's CPU time (user and system) per step,
// sequences per CPU-second, and heap allocations per step.
//
//	go run ./benchmarks/stepbench -batch 64 -steps 12
//
// It is small and stable across commits on purpose, so that two builds of
// it (one per commit) can be run interleaved on the same machine to compare
// the commits in one run:
//
//	git worktree add /tmp/base BASE && (cd /tmp/base && go build -o /tmp/step-base ./benchmarks/stepbench)
//	go build -o /tmp/step-new ./benchmarks/stepbench
//	for rep in 1 2 3 4 5; do for b in 10 64 256; do
//		/tmp/step-base -batch $b; /tmp/step-new -batch $b; done; done
//
// (alternate which runs first). On a shared machine the wall-clock figures
// follow the load; the CPU time per step follows the work done, and is the
// figure to compare when the load is high (benchmarks/RESULTS.md, section 7).
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/sysmem"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

func main() {
	// A bad command line exits 2, a failed run 1.
	os.Exit(cli.Report(os.Stderr, "stepbench", run(os.Args[1:], os.Stdout, os.Stderr)))
}

const usage = `usage: stepbench [-batch N] [-steps N] [-warm N]

Times training steps of the reference spam model (embedding 100, 2×LSTM 256,
sequence 44, vocabulary 8000; Adam 1e-3, clipping at 5) on the CPU at one
batch size, on random token ids, and prints one line: sequences per second,
milliseconds per step, the fastest step, CPU milliseconds per step, sequences
per CPU-second and heap allocations per step. Build it at two commits and run
the builds interleaved to compare them (see the package comment). Each flag
is given at most once, as with Ember's commands.

`

func run(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("stepbench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprint(errOut, usage)
		fs.PrintDefaults()
	}
	batch := fs.Int("batch", 10, "batch size")
	steps := fs.Int("steps", 20, "timed steps")
	warm := fs.Int("warm", 3, "warm-up steps (not timed)")
	if err := cli.ParseOnce(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// Parsing stops at the first argument: flags after it would be
		// ignored without a word.
		return cli.Usage(fmt.Errorf("unexpected argument %q: stepbench takes flags only (see -h)", fs.Arg(0)))
	}
	if *batch < 1 || *steps < 1 || *warm < 0 {
		return cli.Usage(fmt.Errorf("-batch %d, -steps %d, -warm %d: want batch and steps >= 1, warm >= 0", *batch, *steps, *warm))
	}
	cfg := spam.DefaultConfig()
	cfg.Vocab = 8000
	if avail, ok := sysmem.Available(); ok && *batch > 0 {
		if need := cfg.TrainingBytes(*batch); need > avail {
			return cli.Usage(fmt.Errorf("-batch %d: training needs about %s of memory; %s is available",
				*batch, sysmem.Format(need), sysmem.Format(avail)))
		}
	}
	m, err := spam.NewModel(cfg, 1)
	if err != nil {
		return err
	}
	tr, err := train.NewTrainer(m, train.Config{BatchSize: *batch, ClipNorm: 5, Optimizer: optim.NewAdam(1e-3)})
	if err != nil {
		return err
	}
	defer tr.Close()
	n := 4 * *batch
	rng := rand.New(rand.NewPCG(1, 2))
	d := data.Dataset{IDs: make([]int32, n*cfg.SeqLen), Labels: make([]float32, n), SeqLen: cfg.SeqLen}
	for i := range d.IDs {
		d.IDs[i] = int32(rng.IntN(cfg.Vocab))
	}
	for i := range d.Labels {
		d.Labels[i] = float32(i % 2)
	}
	var ds train.Data = spam.Dataset{Dataset: d}
	idx := make([]int, *batch)
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < *warm; i++ {
		if _, _, err := tr.Step(ds, idx); err != nil {
			return err
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	t0 := time.Now()
	best := time.Duration(math.MaxInt64)
	for i := 0; i < *steps; i++ {
		ts := time.Now()
		if _, _, err := tr.Step(ds, idx); err != nil {
			return err
		}
		best = min(best, time.Since(ts))
	}
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	_, err = fmt.Fprintf(out, "batch=%d seq/s=%.1f ms/step=%.2f best-ms/step=%.2f best-seq/s=%.1f cpu-ms/step=%.2f "+
		"seq/cpu-s=%.1f allocs/step=%.2f\n", *batch, float64(*batch**steps)/el.Seconds(), el.Seconds()*1e3/float64(*steps),
		best.Seconds()*1e3, float64(*batch)/best.Seconds(), cpu.Seconds()*1e3/float64(*steps),
		float64(*batch**steps)/cpu.Seconds(), float64(ms1.Mallocs-ms0.Mallocs)/float64(*steps))
	return err
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
