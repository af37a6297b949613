package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emberml/ember/internal/cli"
	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/spam"
)

// flopsBatch10 is one training step at batch 10 counted by hand:
// 3 · 10 · (44 · (2·(100+256)·1024 + 2·(256+256)·1024) + 2·256).
const flopsBatch10 = 2346531840

// useDemoCorpus points the shared-data lookup at an empty directory, so the
// command falls back to the embedded demo corpus as it does on a machine
// without the data.
func useDemoCorpus(t *testing.T) {
	t.Setenv(shareddata.EnvVar, t.TempDir())
}

func runCommand(t *testing.T, args ...string) (*Report, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	t.Logf("stderr:\n%s", stderr.String())
	var out string
	for i, a := range args {
		if a == "--out" {
			out = args[i+1]
		}
	}
	raw, rerr := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, rerr, "results.json must be written")
	var rep Report
	require.NoError(t, json.Unmarshal(raw, &rep))
	return &rep, stdout.String(), err
}

func TestQuickRun(t *testing.T) {
	useDemoCorpus(t)
	out := t.TempDir()
	rep, table, err := runCommand(t, "--quick", "--out", out)
	require.NoError(t, err)

	// Machine and provenance.
	require.Equal(t, schema, rep.Schema)
	_, perr := time.Parse(time.RFC3339, rep.Date)
	require.NoError(t, perr, "date %q", rep.Date)
	require.Contains(t, rep.Command, "--quick")
	require.NotEmpty(t, rep.GitCommit)
	require.NotEmpty(t, rep.Machine.CPUModel)
	require.Equal(t, runtime.NumCPU(), rep.Machine.Cores)
	require.Equal(t, runtime.Version(), rep.Machine.GoVersion)
	require.Equal(t, cpu.GEMMName(), rep.Machine.GEMM)
	require.NotNil(t, rep.Machine.GPUs)

	// --quick's settings, on the demo corpus, said so.
	require.Equal(t, []int{10}, rep.Settings.BatchSizes)
	require.Equal(t, 2, rep.Settings.Warmup)
	require.Equal(t, 5, rep.Settings.Steps)
	require.Equal(t, 1, rep.Settings.Repeats)
	require.True(t, rep.Data.Demo)
	require.Contains(t, strings.Join(rep.Notes, "\n"), "demo corpus")
	def := spam.DefaultConfig()
	require.Equal(t, def.SeqLen, rep.Settings.Model.SeqLen)
	require.Equal(t, def.Hidden, rep.Settings.Model.Hidden)
	require.Equal(t, rep.Data.Vocab, rep.Settings.Model.Vocab)
	require.Greater(t, rep.Data.Train, 1000)
	require.Equal(t, "skipped", rep.PyTorch.Status)
	raw, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	require.Contains(t, string(raw), `"bidirectional": false`, "results.json says which model, either way")

	// The one measured run.
	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	require.Equal(t, "ember", r.Engine)
	require.Equal(t, "cpu", r.Device)
	require.Equal(t, 10, r.Batch)
	require.True(t, r.OK, r.Error)
	require.Len(t, r.MsRepeats, 1)
	require.Greater(t, r.MsPerStep, 0.0)
	require.LessOrEqual(t, r.MsPerStepMin, r.MsPerStep)
	require.GreaterOrEqual(t, r.MsPerStepMax, r.MsPerStep)
	require.InEpsilon(t, 10*1000/r.MsPerStep, r.SeqPerS, 0.01, "seq/s and ms/step disagree")
	require.Equal(t, float64(flopsBatch10), r.FlopsPerStep)
	require.InEpsilon(t, flopsBatch10/(r.MsPerStep/1000)/1e9, r.GFlopsPerS, 1e-9)
	require.NotNil(t, r.FinalLoss)
	require.False(t, math.IsNaN(*r.FinalLoss))
	require.Greater(t, *r.FinalLoss, 0.0)
	require.Less(t, *r.FinalLoss, 3.0, "a loss this high after 7 steps means training is broken")
	require.Nil(t, r.PeakDeviceMB, "no device memory on the CPU")
	require.Nil(t, r.Profile, "no profile without --profile")
	require.Zero(t, rep.Settings.ProfileSteps)
	if runtime.GOOS == "linux" {
		require.NotNil(t, r.PeakHostMB)
		require.Greater(t, *r.PeakHostMB, 10.0)
	}

	// CUDA is reported, not measured.
	require.NotEmpty(t, rep.Unavailable)
	require.Equal(t, "ember", rep.Unavailable[0].Engine)
	require.Equal(t, "cuda", rep.Unavailable[0].Device)
	require.NotEmpty(t, rep.Unavailable[0].Reason)

	// The table has the run's row and the CUDA line.
	var row string
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[0] == "ember" && f[1] == "cpu" && f[2] == "10" {
			row = l
		}
	}
	require.NotEmpty(t, row, "no ember cpu row in:\n%s", table)
	require.Contains(t, row, "n/a", "peak device memory on the CPU")
	require.Contains(t, table, "not available")
	require.NotContains(t, table, "where a step's time goes")

	// The chart decodes, is full size, and has the Ember line drawn in.
	f, err := os.Open(filepath.Join(out, "seq_per_s.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	require.GreaterOrEqual(t, b.Dx(), 800)
	require.GreaterOrEqual(t, b.Dy(), 500)
	colours := map[[3]uint32]bool{}
	emberBlue := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if r>>8 == 0x1f && g>>8 == 0x77 && bl>>8 == 0xb4 {
				emberBlue++
			}
		}
	}
	require.Greater(t, len(colours), 20, "the chart looks blank")
	require.Greater(t, emberBlue, 50, "the Ember series is not drawn")
}

func TestProfileRun(t *testing.T) {
	useDemoCorpus(t)
	out := t.TempDir()
	rep, table, err := runCommand(t, "--quick", "--profile", "--profile-steps", "2", "--devices", "cpu", "--out", out)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Settings.ProfileSteps)
	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	require.True(t, r.OK, r.Error)
	require.Len(t, r.MsRepeats, 1, "the profiled steps are not among the timed ones")
	p := r.Profile
	require.NotNil(t, p)
	require.Empty(t, p.Error)
	require.Equal(t, 2, p.Steps)
	require.Greater(t, p.MsPerStep, 0.0)

	type key struct{ op, phase string }
	calls := map[key]float64{}
	percent, ms := 0.0, 0.0
	for _, o := range p.Ops {
		calls[key{o.Op, o.Phase}] = o.CallsPerStep
		percent += o.Percent
		ms += o.MsPerStep
	}
	for k, n := range map[key]float64{
		{"Fill", "data"}: 1, {"Embedding", "forward"}: 1, {"LSTM", "forward"}: 2, {"Dropout", "forward"}: 1,
		{"Linear", "forward"}: 1, {"LSTMBackward", "backward"}: 2, {"EmbeddingGrad", "backward"}: 1,
		{"ClipGradNorm", "optimizer"}: 1, {"Adam", "optimizer"}: 1,
	} {
		require.Equal(t, n, calls[k], "%v", k)
	}
	// The entries and the untimed rest make up the step.
	require.InDelta(t, p.MsPerStep, ms+p.UntimedMs, 0.01*p.MsPerStep)
	require.InDelta(t, 100, percent+100*p.UntimedMs/p.MsPerStep, 0.5)

	require.Contains(t, table, "ember cpu batch 10: where a step's time goes (2 profiled steps")
	require.Contains(t, table, "LSTMBackward")
	require.Contains(t, table, "% of step")
}

// fakePython stands in for the interpreter: it answers the torch check and
// prints a bench result in the script's format for the batch size asked,
// so the PyTorch plumbing is tested without torch.
const fakePython = `#!/bin/sh
if [ "$1" = "-c" ]; then
  echo '{"torch": "9.9.9", "python": "3.99.0", "cuda": false, "blas": ["/fake/libblas.so"]}'
  exit 0
fi
bs=""; prev=""; packed=""; bi=false
for a in "$@"; do
  if [ "$prev" = "--batch-sizes" ]; then bs="$a"; fi
  if [ "$a" = "--packed" ]; then packed=1; fi
  if [ "$a" = "--bidirectional" ]; then bi=true; fi
  prev="$a"
done
echo "data: {}"
echo "batch $bs fake progress line"
if [ "$bi" = true ] && [ -n "$packed" ]; then
echo '{"mode": "bench", "packed": true, "bidirectional": true, "batch_sizes": {"'"$bs"'": {"seq_per_s": 60.0, "seq_per_s_repeats": [60.0], "ms_per_step": 166.7, "ms_per_step_min": 166.7, "ms_per_step_max": 166.7, "ms_per_step_repeats": [166.7], "steps_per_repeat": 5, "final_loss": 0.5, "mean_loss_last_repeat": 0.45, "mean_tokens": 15.0, "cpu_util_repeats": [1.0], "flops_per_step": 2071787520}}, "data": {"rows": 3000, "dropped_empty": 0, "n_train": 2100, "n_val": 450, "n_test": 450, "vocab_size": 123, "train_spam": 270}, "device": "cpu", "torch_version": "9.9.9", "python": "3.99.0", "threads": 1}'
exit 0
fi
if [ "$bi" = true ]; then
echo '{"mode": "bench", "bidirectional": true, "batch_sizes": {"'"$bs"'": {"seq_per_s": 20.0, "seq_per_s_repeats": [20.0], "ms_per_step": 500.0, "ms_per_step_min": 500.0, "ms_per_step_max": 500.0, "ms_per_step_repeats": [500.0], "final_loss": 0.5, "cpu_util_repeats": [1.0], "flops_per_step": 6077184000}}, "data": {"rows": 3000, "dropped_empty": 0, "n_train": 2100, "n_val": 450, "n_test": 450, "vocab_size": 123, "train_spam": 270}, "device": "cpu", "torch_version": "9.9.9", "python": "3.99.0", "threads": 1}'
exit 0
fi
if [ -n "$packed" ]; then
echo '{"mode": "bench", "packed": true, "batch_sizes": {"'"$bs"'": {"seq_per_s": 120.0, "seq_per_s_repeats": [120.0], "ms_per_step": 83.3, "ms_per_step_min": 83.3, "ms_per_step_max": 83.3, "ms_per_step_repeats": [83.3], "steps_per_repeat": 5, "final_loss": 0.5, "mean_loss_last_repeat": 0.45, "mean_tokens": 15.0, "cpu_util_repeats": [1.0], "flops_per_step": 799964160}}, "data": {"rows": 3000, "dropped_empty": 0, "n_train": 2100, "n_val": 450, "n_test": 450, "vocab_size": 123, "train_spam": 270}, "device": "cpu", "torch_version": "9.9.9", "python": "3.99.0", "threads": 1}'
exit 0
fi
echo '{"mode": "bench", "batch_sizes": {"'"$bs"'": {"seq_per_s": 50.0, "seq_per_s_repeats": [50.0], "ms_per_step": 200.0, "ms_per_step_min": 190.0, "ms_per_step_max": 210.0, "ms_per_step_repeats": [200.0], "final_loss": 0.5, "cpu_util_repeats": [1.0], "flops_per_step": 2346531840}}, "data": {"rows": 3000, "dropped_empty": 0, "n_train": 2100, "n_val": 450, "n_test": 450, "vocab_size": 123, "train_spam": 270}, "device": "cpu", "torch_version": "9.9.9", "python": "3.99.0", "threads": 1}'
`

// fakeTorch writes the stand-in interpreter and script (and points the
// data at the demo corpus), or skips where a shell script cannot run.
func fakeTorch(t *testing.T) (python, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake interpreter is a shell script")
	}
	useDemoCorpus(t)
	dir := t.TempDir()
	python = filepath.Join(dir, "python3")
	require.NoError(t, os.WriteFile(python, []byte(fakePython), 0o755))
	script = filepath.Join(dir, "spam_lstm.py")
	require.NoError(t, os.WriteFile(script, []byte("# stand-in\n"), 0o644))
	return python, script
}

func TestTorchComparison(t *testing.T) {
	python, script := fakeTorch(t)
	out := t.TempDir()
	rep, table, err := runCommand(t, "--batch-sizes", "10", "--warmup", "1", "--steps", "2", "--repeats", "1",
		"--devices", "cpu", "--python", python, "--torch-script", script, "--torch-threads", "1", "--out", out)
	require.NoError(t, err)

	require.Equal(t, "ok", rep.PyTorch.Status, rep.PyTorch.Reason)
	require.Equal(t, "9.9.9", rep.PyTorch.Version)
	require.Equal(t, 1, rep.PyTorch.Threads)
	require.Equal(t, []string{"/fake/libblas.so"}, rep.PyTorch.BLAS)
	if _, set := os.LookupEnv("OMP_WAIT_POLICY"); !set {
		require.Equal(t, []string{"OMP_WAIT_POLICY=passive"}, rep.PyTorch.EnvAdded)
	}
	require.Len(t, rep.Results, 2)
	em, pt := rep.Results[0], rep.Results[1]
	require.Equal(t, "ember", em.Engine)
	require.Equal(t, "pytorch", pt.Engine)
	require.True(t, pt.OK, pt.Error)
	require.Equal(t, 50.0, pt.SeqPerS)
	require.Equal(t, 200.0, pt.MsPerStep)
	require.InEpsilon(t, flopsBatch10/0.2/1e9, pt.GFlopsPerS, 1e-9)
	require.NotNil(t, em.SpeedupVsPyTorch)
	require.InEpsilon(t, em.SeqPerS/50, *em.SpeedupVsPyTorch, 1e-9)
	require.NotEmpty(t, em.LossCheck)
	require.Empty(t, rep.Unavailable, "--devices cpu reports no CUDA")
	require.NotContains(t, strings.Join(rep.Notes, "\n"), "disagree", "the FLOP counts match")
	require.Contains(t, strings.Join(rep.Notes, "\n"), "vocabulary of 123")
	require.Contains(t, table, "pytorch")
	require.Contains(t, table, "×")
}

// TestTorchUnavailable: the default interpreter missing is a machine
// without PyTorch, reported with the results rather than refused.
func TestTorchUnavailable(t *testing.T) {
	useDemoCorpus(t)
	out := t.TempDir()
	saved := defaultPython
	defaultPython = filepath.Join(t.TempDir(), "no-python")
	t.Cleanup(func() { defaultPython = saved })
	// --devices cuda: nothing of this engine runs on the CPU, so the test
	// is about PyTorch's absence alone and takes no time.
	rep, table, err := runCommand(t, "--devices", "cuda", "--out", out)
	require.NoError(t, err, "a missing PyTorch is reported, not an error")
	require.Equal(t, "unavailable", rep.PyTorch.Status)
	require.Contains(t, rep.PyTorch.Reason, "not found")
	require.Empty(t, rep.Results)
	require.Contains(t, table, "not available")
}

// TestExplicitTorchPathsChecked: an interpreter or script given on the
// command line that cannot be used was found only after this engine's
// timed runs, and reported as "PyTorch unavailable"; it is refused before
// any run, naming the path. With --no-torch they are not used, so not
// checked.
func TestExplicitTorchPathsChecked(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	plain := filepath.Join(dir, "plain.py")
	require.NoError(t, os.WriteFile(plain, []byte("print(1)\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--python", missing}, "--python " + missing + ": no such file"},
		{[]string{"--python", dir}, "--python " + dir + ": is a directory, not an interpreter"},
		{[]string{"--python", plain}, "--python " + plain + ": is not executable"},
		{[]string{"--python", "ember-no-such-python"}, "--python ember-no-such-python: not found in $PATH"},
		{[]string{"--torch-script", missing}, "--torch-script " + missing + ": no such file"},
		{[]string{"--torch-script", dir}, "--torch-script " + dir + ": is a directory, not a file"},
	} {
		var stderr bytes.Buffer
		out := filepath.Join(t.TempDir(), "out")
		err := run(context.Background(), append(tc.args, "--out", out), io.Discard, &stderr)
		require.EqualError(t, err, tc.want, tc.args)
		require.Equal(t, 2, cli.ExitStatus(err), "%v: a bad command line", tc.args)
		require.Empty(t, stderr.String(), "%v: refused before any run", tc.args)
		require.NoDirExists(t, out, "%v: refused before any run", tc.args)

		_, err = parseOptions(append(tc.args, "--no-torch"), io.Discard)
		require.NoError(t, err, "%v --no-torch: PyTorch's paths are not used", tc.args)
	}
}

func TestParseOptions(t *testing.T) {
	var sink bytes.Buffer
	o, err := parseOptions([]string{"--quick", "--steps", "7"}, &sink)
	require.NoError(t, err)
	require.Equal(t, []int{10}, o.batchSizes)
	require.Equal(t, 7, o.steps, "an explicit flag wins over --quick")
	require.Equal(t, 1, o.repeats)
	require.True(t, o.noTorch)

	o, err = parseOptions([]string{"--batch-sizes", "256, 10,64,10"}, &sink)
	require.NoError(t, err)
	require.Equal(t, []int{10, 64, 256}, o.batchSizes, "sorted, duplicates dropped")
	require.Equal(t, defaultSteps, o.steps)
	require.False(t, o.noTorch)

	for _, bad := range [][]string{
		{"--batch-sizes", "0"}, {"--batch-sizes", "ten"}, {"--batch-sizes", ","},
		{"--steps", "0"}, {"--repeats", "0"}, {"--warmup", "-1"},
		{"--devices", "tpu"}, {"--torch-threads", "0"}, {"extra"}, {"--profile-steps", "0"}, {"--cell", "rnn"}, {"--bidirectional", "--cell", "cnn"},
	} {
		_, err := parseOptions(bad, &sink)
		require.Error(t, err, "%v", bad)
		err = run(context.Background(), bad, io.Discard, io.Discard)
		require.Equal(t, 2, cli.ExitStatus(err), "%v: main exits 2 for a bad command line", bad)
	}

	// One line each, said before any work, nothing printed by flag itself.
	dir := t.TempDir()
	file := filepath.Join(dir, "data.tsv")
	require.NoError(t, os.WriteFile(file, []byte("ham\thi\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch-sizes", "0,-3"}, `invalid value "0,-3" for flag -batch-sizes: batch size "0" is not a positive integer`},
		{[]string{"--data", filepath.Join(dir, "missing")}, "--data " + filepath.Join(dir, "missing") + ": no such file"},
		{[]string{"--data", dir}, "--data " + dir + ": is a directory, not a file"},
		{[]string{"--out", file}, "--out " + file + ": exists and is not a directory (results.json and seq_per_s.png go into it)"},
		// A flag given twice kept its last value without a word.
		{[]string{"--steps", "5", "--steps", "50"}, "--steps given twice (5, then 50): give it once"},
		{[]string{"--quick", "--quick"}, "--quick given twice (true, then true): give it once"},
		{[]string{"--batch-sizes", "10,64", "--batch-sizes", "256", "--seed", "1", "--seed", "2"},
			"--batch-sizes given twice (\"10,64\", then 256): give it once\n--seed given twice (1, then 2): give it once"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), tc.args, io.Discard, &stderr)
		require.Equal(t, 2, cli.ExitStatus(err), "%v", tc.args)
		require.EqualError(t, err, tc.want)
		require.Empty(t, stderr.String(), "%v: flag printed its own message or the usage", tc.args)
	}
	var stderr bytes.Buffer
	require.ErrorIs(t, run(context.Background(), []string{"-h"}, io.Discard, &stderr), flag.ErrHelp)
	require.Contains(t, stderr.String(), "Usage: go run ./benchmarks/spambench [flags]")
	require.Contains(t, stderr.String(), "-batch-sizes")
}

func TestFlopsPerStep(t *testing.T) {
	cfg := spam.DefaultConfig()
	require.Equal(t, float64(flopsBatch10), flopsPerStep(cfg, 10))
	require.Equal(t, 25.6*flopsBatch10, flopsPerStep(cfg, 256), "linear in the batch")
}

// TestFlopsPerCell counts the GRU's and the text CNN's steps by hand, as
// benchmarks/pytorch/spam_lstm.py's flops_per_step does.
func TestFlopsPerCell(t *testing.T) {
	gru := spam.DefaultConfig()
	gru.Cell = "gru"
	// 3 · 10 · (44 · (2·(100+256)·768 + 2·(256+256)·768) + 2·256)
	require.Equal(t, 1759902720.0, flopsPerStep(gru, 10))
	cnn := spam.DefaultConfig()
	cnn.Cell = "cnn" // widths 3, 4, 5, 100 channels
	// 3 · 10 · (2·100·100·(42·3 + 41·4 + 40·5) + 2·300)
	require.Equal(t, 294018000.0, flopsPerStep(cnn, 10))

	// Bidirectional: both directions' products, the second layer reading
	// 2·256 features, the dense layer 2·256 inputs:
	// 3 · 10 · (44 · (2·2·(100+256)·1024 + 2·2·(512+256)·1024) + 2·512),
	// as spam_lstm.py's flops_per_step(10, 44, "lstm", True).
	bi := spam.DefaultConfig()
	bi.Bidirectional = true
	require.Equal(t, 6077184000.0, flopsPerStep(bi, 10))
	bi.Cell = "gru" // 3 · 10 · (44 · (2·2·(100+256)·768 + 2·2·(512+256)·768) + 2·512)
	require.Equal(t, 4557895680.0, flopsPerStep(bi, 10))
}

// TestQuickRunGRU times the GRU model: the run records the cell and its
// FLOP count, and the table names it.
func TestQuickRunGRU(t *testing.T) {
	useDemoCorpus(t)
	out := t.TempDir()
	rep, table, err := runCommand(t, "--quick", "--cell", "gru", "--devices", "cpu", "--out", out)
	require.NoError(t, err)
	require.Equal(t, "gru", rep.Settings.Model.Cell)
	require.Len(t, rep.Results, 1)
	require.True(t, rep.Results[0].OK, rep.Results[0].Error)
	require.Equal(t, 1759902720.0, rep.Results[0].FlopsPerStep)
	require.Contains(t, table, "SMS-spam GRU training")
}

func TestMedianAndTolerance(t *testing.T) {
	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
	require.True(t, math.IsNaN(median(nil)))
	require.Greater(t, lossTolerance(10), lossTolerance(64))
	require.Greater(t, lossTolerance(64), lossTolerance(256))
	require.Greater(t, lossTolerance(1<<20), 0.1)
}

func TestCompareFlagsInconsistentLoss(t *testing.T) {
	results := []Result{
		{Engine: "ember", Device: "cpu", Batch: 256, OK: true, SeqPerS: 300, FinalLoss: ptr(0.69)},
		{Engine: "pytorch", Device: "cpu", Batch: 256, OK: true, SeqPerS: 100, FinalLoss: ptr(0.30)},
	}
	notes := compare(results, 33)
	require.InEpsilon(t, 3.0, *results[0].SpeedupVsPyTorch, 1e-12)
	require.Len(t, notes, 1)
	require.Contains(t, notes[0], "not in PyTorch's range")
	require.True(t, strings.HasPrefix(results[0].LossCheck, "differs"))
}

func TestStarvedTorchNote(t *testing.T) {
	rep := &Report{PyTorch: TorchInfo{Threads: 2}, Results: []Result{
		{Engine: "pytorch", Device: "cpu", Batch: 10, OK: true, CPUUtil: []float64{0.99, 1.0, 0.98}},
		{Engine: "pytorch", Device: "cpu", Batch: 64, OK: true, CPUUtil: []float64{1.9, 1.95, 2.0}},
	}}
	n := starvedTorch(rep)
	require.Contains(t, n, "0.99 (batch 10)")
	require.NotContains(t, n, "batch 64")
	require.Contains(t, n, "--torch-threads 1")
	rep.Results[0].CPUUtil = []float64{1.8}
	require.Empty(t, starvedTorch(rep), "both batch sizes used their threads")
}

// TestQuickRunPacked times the packed model beside the padded one: both
// rows, the packed one's speed-up over padded, its FLOPs at its mean
// tokens per message, and PyTorch's packed run (the stand-in interpreter)
// paired with it mode for mode.
func TestQuickRunPacked(t *testing.T) {
	python, script := fakeTorch(t)
	out := t.TempDir()
	rep, table, err := runCommand(t, "--quick", "--packed", "--no-torch=false", "--devices", "cpu", "--bucket", "4",
		"--python", python, "--torch-script", script, "--torch-threads", "1", "--out", out)
	require.NoError(t, err)
	require.True(t, rep.Settings.Packed)
	require.Equal(t, 5, rep.Settings.PackedSteps, "--quick: 5 packed steps per repeat")
	require.Equal(t, 4, rep.Settings.Bucket)
	require.Len(t, rep.Results, 4)
	byMode := map[string]Result{}
	for _, r := range rep.Results {
		require.True(t, r.OK, r.Error)
		byMode[r.Engine+" "+r.Mode] = r
	}
	padded, packed := byMode["ember padded"], byMode["ember packed"]
	require.Equal(t, 5, packed.StepsPerRepeat)
	require.Greater(t, packed.MeanTokens, 1.0)
	require.Less(t, packed.MeanTokens, 44.0)
	require.InEpsilon(t, flopsPerStepAt(spam.DefaultConfig(), 10, packed.MeanTokens), packed.FlopsPerStep, 1e-12)
	require.NotNil(t, packed.SpeedupVsPadded)
	require.InEpsilon(t, packed.SeqPerS/padded.SeqPerS, *packed.SpeedupVsPadded, 1e-12)
	require.Nil(t, padded.SpeedupVsPadded)
	require.InEpsilon(t, packed.SeqPerS/120, *packed.SpeedupVsPyTorch, 1e-12, "paired with PyTorch's packed run")
	require.InEpsilon(t, padded.SeqPerS/50, *padded.SpeedupVsPyTorch, 1e-12, "paired with PyTorch's padded run")
	require.Contains(t, packed.LossCheck, "mean loss of the last repeat")
	require.NotContains(t, strings.Join(rep.Notes, "\n"), "disagree", "PyTorch's packed FLOPs are counted at its own mean tokens")
	require.Contains(t, table, "vs padded")
	require.Contains(t, table, "packed runs: each message from its first word")

	_, err = parseOptions([]string{"--packed", "--cell", "cnn"}, io.Discard)
	require.ErrorContains(t, err, "recurrent cells")
	_, err = parseOptions([]string{"--packed-steps", "-1"}, io.Discard)
	require.Error(t, err)
	_, err = parseOptions([]string{"--bucket", "0"}, io.Discard)
	require.Error(t, err)
}

// TestParseOptionsUnusedFlags: a flag that only applies in a mode the run
// is not in (--bucket without --packed, --profile-steps without
// --profile) was silently ignored; it is an error naming what to add.
// (PyTorch's flags stay allowed with --no-torch: scripts/gpu-run.sh
// passes --python to every run.) An empty entry
// in --batch-sizes is an error, not skipped.
func TestParseOptionsUnusedFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bucket", "3"}, "--bucket: applies to --packed runs; add --packed"},
		{[]string{"--packed-steps", "5"}, "--packed-steps: applies to --packed runs; add --packed"},
		{[]string{"--interleave"}, "--interleave: applies to --packed runs; add --packed"},
		{[]string{"--profile-steps", "3"}, "--profile-steps: applies with --profile; add --profile"},
		{[]string{"--batch-sizes", "10,,64"}, `invalid value "10,,64" for flag -batch-sizes: an empty entry`},
	} {
		_, err := parseOptions(tc.args, io.Discard)
		require.ErrorContains(t, err, tc.want, tc.args)
	}
	for _, ok := range [][]string{
		{"--packed", "--bucket", "3", "--packed-steps", "5"},
		{"--profile", "--profile-steps", "3"},
		{"--quick", "--python", "python3", "--torch-threads", "1"},
		{"--quick", "--packed"},
	} {
		_, err := parseOptions(ok, io.Discard)
		require.NoError(t, err, ok)
	}
}

// TestQuickRunInterleaved: with --interleave the padded and packed runs
// take turns, each with its own trainer: the same losses as one after the
// other, both marked, the peak shared.
func TestQuickRunInterleaved(t *testing.T) {
	var reps [2]*Report
	for k, extra := range [][]string{nil, {"--interleave"}} {
		out := t.TempDir()
		rep, table, err := runCommand(t, append([]string{"--quick", "--packed", "--devices", "cpu", "--repeats", "2", "--out", out}, extra...)...)
		require.NoError(t, err)
		require.Len(t, rep.Results, 2)
		reps[k] = rep
		if extra != nil {
			require.True(t, rep.Settings.Interleave)
			require.Contains(t, table, "padded and packed repeats in turn")
			require.Regexp(t, `\d\.\d\d× \[\d+\.\d\d–\d+\.\d\d\]`, table, "the pairs' range beside the ratio")
		}
	}
	for i, r := range reps[1].Results {
		seq := reps[0].Results[i]
		require.True(t, r.OK, r.Error)
		require.True(t, r.Interleaved)
		require.False(t, seq.Interleaved)
		require.Equal(t, seq.Mode, r.Mode)
		require.Len(t, r.MsRepeats, 2)
		require.Nil(t, seq.SpeedupVsPaddedRepeats, "one mode after the other: no pairs")
		if r.Mode == "packed" {
			// Each repeat against the padded repeat just before it.
			padded := reps[1].Results[1-i]
			require.Len(t, r.SpeedupVsPaddedRepeats, 2)
			for k, q := range r.SpeedupVsPaddedRepeats {
				require.InEpsilon(t, r.SeqPerSRepeats[k]/padded.SeqPerSRepeats[k], q, 1e-12)
			}
		} else {
			require.Nil(t, r.SpeedupVsPaddedRepeats)
		}
		require.Equal(t, *seq.FinalLoss, *r.FinalLoss, "%s: the modes' trainers are independent", r.Mode)
		if r.PeakHostScope != "process" {
			require.Equal(t, "batch, both modes", r.PeakHostScope)
		}
	}
}

// TestQuickRunBidirectional times the bidirectional model (spamrnn
// --bidirectional) padded and packed, and PyTorch's (the stand-in
// interpreter, which answers only when asked for --bidirectional): the
// settings record it, the FLOPs count both directions, the table's title
// and the profiles say so, and the profile has the reverse direction's ops.
func TestQuickRunBidirectional(t *testing.T) {
	python, script := fakeTorch(t)
	out := t.TempDir()
	rep, table, err := runCommand(t, "--quick", "--bidirectional", "--packed", "--profile", "--profile-steps", "1",
		"--no-torch=false", "--devices", "cpu", "--python", python, "--torch-script", script, "--torch-threads", "1", "--out", out)
	require.NoError(t, err)
	require.True(t, rep.Settings.Model.Bidirectional)
	require.Contains(t, rep.Command, "--bidirectional")

	cfg := spam.DefaultConfig()
	cfg.Bidirectional = true
	byMode := map[string]Result{}
	for _, r := range rep.Results {
		byMode[r.Engine+" "+r.Mode] = r
	}
	padded, packed := byMode["ember padded"], byMode["ember packed"]
	require.True(t, padded.OK, padded.Error)
	require.True(t, packed.OK, packed.Error)
	require.Equal(t, 6077184000.0, padded.FlopsPerStep)
	require.InEpsilon(t, flopsPerStepAt(cfg, 10, packed.MeanTokens), packed.FlopsPerStep, 1e-12)
	pt, ptPacked := byMode["pytorch padded"], byMode["pytorch packed"]
	require.True(t, pt.OK, pt.Error)
	require.True(t, ptPacked.OK, ptPacked.Error)
	require.Equal(t, 500.0, pt.MsPerStep, "PyTorch ran bidirectional too")
	require.Equal(t, 166.7, ptPacked.MsPerStep, "PyTorch ran bidirectional packed too")
	require.InEpsilon(t, padded.SeqPerS/20, *padded.SpeedupVsPyTorch, 1e-12)
	require.InEpsilon(t, packed.SeqPerS/60, *packed.SpeedupVsPyTorch, 1e-12)
	require.NotContains(t, strings.Join(rep.Notes, "\n"), "disagree", "both engines count both directions")

	// Each mode's profile has the reverse direction: its LSTMs run on
	// the time-reversed input, so Reverse ops appear forward and backward.
	for _, r := range []Result{padded, packed} {
		require.NotNil(t, r.Profile, r.Mode)
		require.Empty(t, r.Profile.Error, r.Mode)
		calls := map[string]float64{}
		for _, o := range r.Profile.Ops {
			calls[o.Op+" "+o.Phase] += o.CallsPerStep
		}
		lstm, reverse := "LSTM", "Reverse" // a packed batch reverses each message's own steps
		if r.Mode == "packed" {
			lstm, reverse = "PackedLSTM", "PackedReverse"
		}
		require.Equal(t, 4.0, calls[lstm+" forward"], "%s: two layers, two directions each: %v", r.Mode, calls)
		require.Positive(t, calls[reverse+" forward"], "%s: %v", r.Mode, calls)
		require.Positive(t, calls[reverse+" backward"], "%s: %v", r.Mode, calls)
	}

	require.Contains(t, table, "SMS-spam bidirectional LSTM training")
	require.Contains(t, table, "ember cpu batch 10 padded: where a step's time goes")
	require.Contains(t, table, "ember cpu batch 10 packed: where a step's time goes")

	_, err = parseOptions([]string{"--bidirectional", "--cell", "cnn"}, io.Discard)
	require.EqualError(t, err, "--bidirectional: applies to the recurrent cells (--cell lstm or gru), not to the cnn")
}

// TestTorchBidirectionalMismatch: a PyTorch script that does not time the
// bidirectional model it was asked for (here one that ignores the flag)
// fails its rows, rather than standing as the unidirectional model's
// figures beside this engine's bidirectional ones.
func TestTorchBidirectionalMismatch(t *testing.T) {
	python, script := fakeTorch(t)
	ignoring := strings.Replace(fakePython, `if [ "$a" = "--bidirectional" ]; then bi=true; fi`, "", 1)
	require.NotEqual(t, fakePython, ignoring)
	require.NoError(t, os.WriteFile(python, []byte(ignoring), 0o755))
	out := t.TempDir()
	rep, _, err := runCommand(t, "--quick", "--bidirectional", "--no-torch=false", "--devices", "cpu",
		"--python", python, "--torch-script", script, "--torch-threads", "1", "--out", out)
	require.Error(t, err, "a failed row fails the run")
	require.Len(t, rep.Results, 2)
	pt := rep.Results[1]
	require.Equal(t, "pytorch", pt.Engine)
	require.False(t, pt.OK)
	require.Equal(t, "the script timed a model with bidirectional=false, not the bidirectional one asked for", pt.Error)
	require.Nil(t, rep.Results[0].SpeedupVsPyTorch)
}
