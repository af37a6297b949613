// Command spambench times training of Ember's flagship model, the SMS-spam
// LSTM classifier, on every device this engine can use, and PyTorch on the
// same machine in the same run, and reports both side by side.
//
//	go run ./benchmarks/spambench [flags]
//
// For each device and batch size it builds the reference model
// (spam.DefaultConfig: embedding 100, 2×LSTM 256, dense, sigmoid, sequence
// 44; vocabulary from the training split), with the data prepared exactly as
// spam.Train prepares it (empty messages dropped, seeded 70/15/15 split),
// a trainer with Adam 1e-3 and gradient clipping at 5, and runs real
// training batches in a seeded shuffled order that every device of this
// engine shares: warm-up steps first, then --repeats timed runs of --steps
// steps each. Then it runs benchmarks/pytorch/spam_lstm.py in its --bench
// mode with the same data file, batch sizes, warm-up, steps, repeats and
// seed, once per batch size so that each gets its own peak-memory figure.
// A --python or --torch-script given that cannot be run is refused before
// anything is timed; without them, a machine lacking /usr/bin/python3 or
// torch gets this engine's figures and a line saying why PyTorch did not run.
//
// It prints a table (sequences per second, ms per step as median [min–max]
// over repeats, peak host and device memory, the loss after the last step,
// analytic GFLOP/s, and this engine's speed-up over PyTorch) and writes
// results.json (every figure, the machine, versions, git commit, date and
// command line) and seq_per_s.png to --out.
//
// # What is compared
//
// Both engines train the same architecture, from the same initial
// distributions, on the same file with the same tokenisation and split
// proportions. They cannot see bit-identical batches: the PyTorch script
// splits with Python's Mersenne Twister and orders batches with
// torch.randperm, this engine with its own seeded PCG permutations. The
// training rows and batch order therefore differ, so the losses after the
// same number of steps should be in the same range, not equal; the run
// flags a loss further from PyTorch's than batch-to-batch noise explains.
//
// FLOPs per step are counted analytically, as the PyTorch script does: the
// input and recurrent products of both LSTM layers and the dense layer,
// forward, times three for the backward pass. Gate arithmetic, the
// embedding, the loss, clipping and Adam are not counted.
//
// # Cells
//
// --cell gru times the same model with a GRU (three gates, two biases per
// layer) in place of the LSTM on both engines (nn.GRU in the PyTorch
// script), and --cell cnn Kim's text CNN (spamrnn --cell cnn: widths 3, 4,
// 5 with 100 filters each); their FLOPs are counted the same way.
//
// # Bidirectional
//
// --bidirectional times the bidirectional model (spamrnn --bidirectional;
// the PyTorch script's --bidirectional, nn.LSTM or nn.GRU with
// bidirectional=True) on both engines, padded and (with --packed) packed:
// each recurrent layer also runs over the message backwards, the second
// layer and the dense layer reading both directions' 2×256 features. Its FLOPs
// count both directions' products, about 2.6 times the unidirectional
// model's. The table's title, the chart's and results.json
// ("settings.model.bidirectional") name the model, and --profile shows
// the reverse direction's time reversals (Reverse, or PackedReverse on
// packed batches) beside the recurrent ops.
//
// # Packed sequences
//
// --packed times each engine a second time per device and batch size with
// the recurrent layers run on each message's own length (spamrnn
// --packed; the PyTorch script's --packed, which packs each batch with
// pack_padded_sequence), on batches from the length-bucketing sampler
// (train.Bucket, reimplemented in the script): shuffle, sort by length
// within chunks of --bucket batches, shuffle the batches. A packed step's
// cost follows its batch's lengths, so each packed repeat is a whole epoch
// of bucketed batches (--packed-steps to shorten it), a new epoch each
// repeat: both engines are timed over the same length distribution (their
// training splits differ, as above). Packed rows say "packed" in the mode
// column and their speed-up over the same engine's padded run; PyTorch is
// compared mode with mode. Their FLOPs are counted at the mean tokens per
// message of the last repeat, the products a packed step really computes;
// their loss is the last repeat's mean, as both engines train a few epochs.
// With --interleave this engine's padded and packed repeats take turns, and
// the speed-up over padded is followed by the range of the repeat pairs'
// ratios (each packed repeat over the padded one just before it; in
// results.json, "speedup_vs_padded_repeats"): how far the host's drift
// moved it during the run.
//
// # Devices
//
// --devices auto measures the CPU and, in a build with -tags embercuda on a
// machine with a GPU, this engine on CUDA device 0 (the whole training step
// on the device); otherwise its CUDA row reads "not available" with the
// reason. PyTorch also runs on CUDA when torch can see a GPU. On CUDA the
// trainer replays its step as a captured CUDA graph; with --cuda-graphs both
// (the default) each batch size is also timed launching kernel by kernel,
// as device "cuda-nograph", to show what the graph saves. GPUs are
// listed in results.json from this engine's cuda package, or nvidia-smi.
//
// # PyTorch's threads
//
// PyTorch runs with --torch-threads threads (default: every core) and, unless
// the environment sets it, OMP_WAIT_POLICY=passive. Debian's torch pairs an
// OpenMP pool with the pthread build of OpenBLAS; with OpenMP's default busy
// waiting the two fight for the cores, and on the project's 2-core machine a
// 2-thread step took 7 to 30 times longer than with passive waiting (which
// was within 20% of 1 thread). The run warns when PyTorch used much less CPU
// time than its threads allow; the environment both engines ran under is in
// results.json.
//
// # Per-op profile
//
// --profile adds, after the timed repeats of each of this engine's runs,
// --profile-steps more steps (5 by default) with train.Trainer's profiling
// on, and prints where a step's time goes: every op of the forward and
// backward passes, filling the batch, gradient clipping and Adam, in
// milliseconds per step and as a share of the step, the rest "(untimed)".
// results.json has the same under each result's "profile". The timed
// figures are taken before profiling starts, so they are the same with or
// without the flag; the profiled steps read the clock around every op and
// are a little slower (on CUDA, a profiled step is timed with device
// events and launched kernel by kernel, not replayed as a graph). An
// executor that cannot profile says so in the profile's "error". PyTorch
// is not profiled.
//
// # Run time
//
// The defaults (batch sizes 10, 64, 256; 3 warm-up steps, then 3 repeats of
// 10 steps; PyTorch included) are about 33 steps per engine and batch size.
// Batch-256 steps dominate: about 0.9 to 2 s each for either engine on the
// project's 2-core machine. Expect about 2 minutes on that machine when it
// is quiet and 3 to 4 when other work shares it, under 5 either way.
// --quick (batch 10, 2 warm-up steps, 5 steps, 1 repeat, no PyTorch) takes
// a few seconds; the tests run it. The run records the load average and
// each repeat's CPU utilisation, and warns when the machine was busy: such
// figures are not meaningful.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	// A bad command line exits 2, a failed run 1.
	os.Exit(cli.Report(os.Stderr, "spambench", err))
}

// Defaults, chosen so that the full CPU run with PyTorch stays under five
// minutes on the project's 2-core machine (see the package documentation).
const (
	defaultBatches = "10,64,256"
	defaultWarmup  = 3
	defaultSteps   = 10
	defaultRepeats = 3
	defaultOut     = "benchmarks/out"
	defaultSeed    = 1234
	torchScriptRel = "benchmarks/pytorch/spam_lstm.py"
)

// defaultPython is the interpreter used without --python. Its absence is
// reported with the results, not refused (see parseOptions); a variable
// so that tests can stand in a missing one.
var defaultPython = "/usr/bin/python3"

// options are the parsed command line.
type options struct {
	data         string // "" means the shared SMS Spam Collection, else the demo corpus
	cell         string // the model's encoder: lstm, gru or cnn (spam.Config.Cell)
	batchSizes   []int  // ascending, distinct
	warmup       int
	steps        int
	repeats      int
	devices      string // auto, cpu or cuda
	cudaGraphs   string // on or both (also without CUDA-graph replay)
	python       string
	torchScript  string
	torchThreads int
	noTorch      bool
	out          string
	seed         uint64
	quick        bool
	profile      bool // time this engine's steps op by op, after the timed repeats
	profileSteps int
	packed       bool // also time both engines packed, on length-bucketed batches
	packedSteps  int  // timed steps per packed repeat (0: one epoch)
	interleave   bool // with packed: this engine's padded and packed repeats in turn
	bucket       int  // batches the bucketing sampler sorts together

	// bidirectional: recurrent layers in both directions, on both engines
	// (spam.Config.Bidirectional).
	bidirectional bool
}

// intList is a comma-separated list of positive integers.
type intList []int

func (l *intList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(s string) error {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			return errors.New("an empty entry (want positive integers separated by commas)")
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return fmt.Errorf("batch size %q is not a positive integer", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return errors.New("no batch sizes given")
	}
	slices.Sort(out)
	*l = slices.Compact(out)
	return nil
}

// parseOptions reads the flags. Usage and flag errors go to stderr;
// --help returns flag.ErrHelp.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("spambench", flag.ContinueOnError)
	// A bad flag is one line from main, not flag's line and the whole
	// usage; -h prints the usage (below).
	fs.SetOutput(io.Discard)
	batches := intList{}
	if err := batches.Set(defaultBatches); err != nil {
		return o, err
	}
	fs.StringVar(&o.data, "data", "", "SMS data file (UCI tab-separated or CSV); default: the SMS Spam Collection under ../shared/data (or $EMBER_DATA), else the embedded demo corpus")
	fs.StringVar(&o.cell, "cell", "lstm", "the model's sequence encoder, on both engines: "+strings.Join(spam.Cells, ", ")+
		" (spamrnn --cell; the PyTorch script's --cell)")
	fs.BoolVar(&o.bidirectional, "bidirectional", false, "bidirectional recurrent layers, on both engines (spamrnn --bidirectional; the PyTorch script's --bidirectional)")
	fs.Var(&batches, "batch-sizes", "comma-separated `list` of training batch sizes")
	fs.IntVar(&o.warmup, "warmup", defaultWarmup, "untimed steps before the timed repeats, per engine, device and batch size")
	fs.IntVar(&o.steps, "steps", defaultSteps, "timed training steps per repeat")
	fs.IntVar(&o.repeats, "repeats", defaultRepeats, "timed repeats (the median is reported)")
	fs.StringVar(&o.devices, "devices", "auto", "auto (CPU, and CUDA where available), cpu or cuda")
	fs.StringVar(&o.cudaGraphs, "cuda-graphs", "both",
		"on: time CUDA steps as replays of the captured step; both: also kernel by kernel (device \"cuda-nograph\")")
	fs.StringVar(&o.python, "python", defaultPython, "Python interpreter with torch, for the PyTorch comparison (a path, or a name looked up in $PATH; checked before the run)")
	fs.StringVar(&o.torchScript, "torch-script", "", "PyTorch reference script (default: "+torchScriptRel+" in this module; given, checked before the run)")
	fs.IntVar(&o.torchThreads, "torch-threads", runtime.NumCPU(), "PyTorch CPU threads (torch.set_num_threads)")
	fs.BoolVar(&o.noTorch, "no-torch", false, "do not run PyTorch")
	fs.StringVar(&o.out, "out", defaultOut, "directory for results.json and seq_per_s.png (by default under the module root)")
	fs.Uint64Var(&o.seed, "seed", defaultSeed, "seed for the split, the initial weights and the batch order")
	fs.BoolVar(&o.profile, "profile", false, "after each of this engine's timed runs, profile --profile-steps more steps op by op and print where a step's time goes (also in results.json)")
	fs.IntVar(&o.profileSteps, "profile-steps", defaultProfileSteps, "steps profiled per engine, device and batch size with --profile")
	fs.BoolVar(&o.packed, "packed", false, "also time each engine packed (recurrent cells only): each message from its first word, on length-bucketed batches (spamrnn --packed; the PyTorch script's --packed, pack_padded_sequence), beside the padded runs")
	fs.BoolVar(&o.interleave, "interleave", false, "with --packed: time this engine's padded and packed repeats in turn (padded 1, packed 1, padded 2, …) after warming both, so that a host that drifts during the run weighs on both alike; the peak host memory is then both modes' together")
	fs.IntVar(&o.packedSteps, "packed-steps", 0, "timed steps per repeat of a packed run (0: one whole epoch of bucketed batches, so that both engines are timed over the whole length distribution)")
	fs.IntVar(&o.bucket, "bucket", train.DefaultChunk, "with --packed: batches the bucketing sampler sorts by length together (spamrnn --bucket)")
	fs.BoolVar(&o.quick, "quick", false, "smoke run: batch 10, 2 warm-up, 5 steps, 1 repeat, no PyTorch (flags given explicitly still apply)")
	fs.Usage = func() {}
	// A flag given twice is refused, as by Ember's commands, rather than
	// timing the last value without a word.
	if err := cli.ParseOnce(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "Usage: go run ./benchmarks/spambench [flags]\n\n"+
				"Times training of the SMS-spam classifier (LSTM, or --cell gru or cnn; --bidirectional) on this engine's devices and on PyTorch.\n"+
				"Each flag is given at most once.\n\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (all settings are flags; see --help)", fs.Arg(0))
	}
	set := map[string]bool{} // flags given on the command line
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		// --quick supplies defaults; a flag given on the command line wins.
		if !set["batch-sizes"] {
			batches = intList{10}
		}
		if !set["warmup"] {
			o.warmup = 2
		}
		if !set["steps"] {
			o.steps = 5
		}
		if !set["repeats"] {
			o.repeats = 1
		}
		if !set["no-torch"] {
			o.noTorch = true
		}
		if !set["packed-steps"] {
			o.packedSteps = 5
		}
	}
	o.batchSizes = batches
	if !set["out"] {
		// The default is relative to the module root, so running from a
		// subdirectory does not scatter result directories.
		if root, err := moduleRoot(); err == nil {
			o.out = filepath.Join(root, defaultOut)
		}
	}
	switch {
	case o.warmup < 0:
		return o, fmt.Errorf("--warmup %d: must be 0 or more", o.warmup)
	case o.steps < 1:
		return o, fmt.Errorf("--steps %d: must be at least 1", o.steps)
	case o.repeats < 1:
		return o, fmt.Errorf("--repeats %d: must be at least 1", o.repeats)
	case o.profileSteps < 1:
		return o, fmt.Errorf("--profile-steps %d: must be at least 1", o.profileSteps)
	case o.packedSteps < 0:
		return o, fmt.Errorf("--packed-steps %d: must be 0 (one epoch) or more", o.packedSteps)
	case o.bucket < 1:
		return o, fmt.Errorf("--bucket %d: must be at least 1", o.bucket)
	case o.packed && o.cell == "cnn":
		return o, errors.New("--packed: applies to the recurrent cells (--cell lstm or gru), not to the cnn")
	case o.bidirectional && o.cell == "cnn":
		return o, errors.New("--bidirectional: applies to the recurrent cells (--cell lstm or gru), not to the cnn")
	case o.torchThreads < 1:
		return o, fmt.Errorf("--torch-threads %d: must be at least 1", o.torchThreads)
	case o.out == "":
		return o, errors.New("--out: empty directory name")
	}
	if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
		return o, fmt.Errorf("--out %s: exists and is not a directory (results.json and seq_per_s.png go into it)", o.out)
	}
	if o.data != "" {
		switch fi, err := os.Stat(o.data); {
		case errors.Is(err, os.ErrNotExist):
			return o, fmt.Errorf("--data %s: no such file", o.data)
		case err != nil:
			return o, fmt.Errorf("--data %s: %w", o.data, err)
		case fi.IsDir():
			return o, fmt.Errorf("--data %s: is a directory, not a file", o.data)
		}
	}
	// Flags of a mode the run is not in would be ignored without a word.
	for _, name := range []string{"bucket", "packed-steps", "interleave"} {
		if set[name] && !o.packed {
			return o, fmt.Errorf("--%s: applies to --packed runs; add --packed", name)
		}
	}
	if set["profile-steps"] && !o.profile {
		return o, errors.New("--profile-steps: applies with --profile; add --profile")
	}
	if !slices.Contains(spam.Cells, o.cell) {
		return o, fmt.Errorf("--cell %q: want one of %s", o.cell, strings.Join(spam.Cells, ", "))
	}
	if o.cudaGraphs != "on" && o.cudaGraphs != "both" {
		return o, fmt.Errorf("--cuda-graphs %q: want on or both", o.cudaGraphs)
	}
	switch o.devices {
	case "auto", "cpu", "cuda":
	default:
		return o, fmt.Errorf("--devices %q: want auto, cpu or cuda", o.devices)
	}
	// An interpreter or script named on the command line is checked now:
	// a typo found only when PyTorch's turn comes, after minutes of this
	// engine's runs, would be reported as "PyTorch unavailable" like a
	// machine without torch. The default interpreter missing is that case
	// and stays a line of the report. With --no-torch (or --quick) neither
	// is used, and scripts pass them to every run.
	if !o.noTorch {
		if set["python"] {
			if err := checkPython(o.python); err != nil {
				return o, fmt.Errorf("--python %s: %w", o.python, err)
			}
		}
		if set["torch-script"] {
			switch fi, err := os.Stat(o.torchScript); {
			case errors.Is(err, os.ErrNotExist):
				return o, fmt.Errorf("--torch-script %s: no such file", o.torchScript)
			case err != nil:
				return o, fmt.Errorf("--torch-script %s: %w", o.torchScript, err)
			case fi.IsDir():
				return o, fmt.Errorf("--torch-script %s: is a directory, not a file", o.torchScript)
			}
		}
	}
	if o.torchScript == "" && !o.noTorch {
		root, err := moduleRoot()
		if err != nil {
			// Not fatal: the PyTorch step reports the missing script in one line.
			o.torchScript = torchScriptRel
		} else {
			o.torchScript = filepath.Join(root, torchScriptRel)
		}
	}
	return o, nil
}

// checkPython says why path cannot be run as the Python interpreter: a
// name without a directory is looked up in $PATH, as exec does; a path must
// be an executable file.
func checkPython(path string) error {
	if path == "" {
		return errors.New("empty interpreter name")
	}
	if !strings.ContainsRune(path, filepath.Separator) && !strings.ContainsRune(path, '/') {
		if _, err := exec.LookPath(path); err != nil {
			return errors.New("not found in $PATH")
		}
		return nil
	}
	switch fi, err := os.Stat(path); {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("no such file")
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("is a directory, not an interpreter")
	}
	if _, err := exec.LookPath(path); err != nil {
		return errors.New("is not executable")
	}
	return nil
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod, so the command finds the PyTorch script from anywhere in the tree.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// commandLine renders the invocation so it can be pasted back into a shell.
func commandLine(args []string) string {
	parts := []string{"go run ./benchmarks/spambench"}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ',' || r == '=' || r == ':' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
