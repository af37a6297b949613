package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/internal/stepctx"
	"github.com/emberml/ember/spam"
)

// TestMain runs the command itself when the test binary is started with
// SPAMRNN_MAIN=1, so that the signal tests can send real signals to a
// real process.
func TestMain(m *testing.M) {
	if os.Getenv("SPAMRNN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// fixture writes part of the demo corpus as a UCI TSV file with some bad rows.
func fixture(t *testing.T) string {
	t.Helper()
	ex, _, err := data.DemoCorpus()
	require.NoError(t, err)
	var b strings.Builder
	for i, e := range ex[:900] {
		label := "ham"
		if e.Spam {
			label = "spam"
		}
		b.WriteString(label + "\t" + e.Text + "\n")
		if i == 10 {
			b.WriteString("maybe\tnot a label we know\n")
			b.WriteString("spam\t\n")
		}
	}
	p := filepath.Join(t.TempDir(), "sms.tsv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCtx(t, context.Background(), stdin, args...)
}

func runCtx(t *testing.T, ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

var smallModel = []string{"--epochs", "2", "--batch", "16", "--seq-len", "20", "--embed", "16", "--hidden", "16", "--lr", "0.005"}

// smallModelEpochs is smallModel trained for n epochs: its --epochs
// replaced, as spamrnn refuses a flag given twice.
func smallModelEpochs(n int) []string {
	args := slices.Clone(smallModel)
	args[1] = strconv.Itoa(n)
	return args
}

func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &m), "last line: %q", lines[len(lines)-1])
	return m
}

// dirNames lists a directory: tests check that no temporary file is left.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestTrainEvalPredict(t *testing.T) {
	path := fixture(t)
	model := filepath.Join(t.TempDir(), "spam.model")
	plot := filepath.Join(t.TempDir(), "curve.png")
	code, out, errOut := runCmd(t, "", append([]string{"train", "--data", path, "--out", model, "--plot", plot, "--device", "auto", "--json"}, smallModel...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "skipped 2")
	require.Contains(t, out, "using the CPU")
	require.Regexp(t, `device: cpu, GEMM (openblas|gonum) \(`, out, "the device line names the GEMM backend")
	res := lastJSON(t, out)
	for _, k := range []string{"test_accuracy", "test_loss", "val_accuracy", "epochs", "train_seconds", "seq_per_s", "device", "gemm", "rows_loaded", "rows_skipped", "vocab_size"} {
		require.Contains(t, res, k)
	}
	require.EqualValues(t, 900, res["rows_loaded"])
	require.EqualValues(t, 2, res["rows_skipped"])
	require.Equal(t, "cpu", res["device"])
	require.Greater(t, res["test_accuracy"].(float64), 0.8)
	require.FileExists(t, plot)

	code, out, errOut = runCmd(t, "", "eval", "--model", model, "--data", path, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "precision")
	require.Greater(t, lastJSON(t, out)["accuracy"].(float64), 0.8)

	code, out, errOut = runCmd(t, "WINNER! claim your free prize, call now\n\nsee you later\n", "predict", "--model", model)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^(spam|ham) +0\.\d{4}$`, lines[0])
	require.True(t, strings.HasPrefix(lines[1], "empty"), lines[1])

	code, out, _ = runCmd(t, "", "predict", "--model", model, "hello there", "FREE entry win cash")
	require.Equal(t, 0, code)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 2)

	// --json: one object per message, the probability at full precision
	// (what spam.Load + Predict give), null for a message with no words.
	code, out, errOut = runCmd(t, "WINNER! claim your free prize, call now\n\n", "predict", "--model", model, "--json")
	require.Equal(t, 0, code, errOut)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	clf, err := spam.Load(model)
	require.NoError(t, err)
	want, err := clf.Predict([]string{"WINNER! claim your free prize, call now"})
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	require.Equal(t, want[0].Prob, got["probability"])
	require.Equal(t, want[0].Label, got["label"])
	require.Equal(t, "WINNER! claim your free prize, call now", got["text"])
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &got))
	require.Equal(t, "empty", got["label"])
	require.Nil(t, got["probability"])

	// A byte-order mark at the start of stdin is not part of the message.
	_, withBOM, _ := runCmd(t, "\ufeffWINNER! claim your free prize\n", "predict", "--model", model)
	_, without, _ := runCmd(t, "WINNER! claim your free prize\n", "predict", "--model", model)
	require.Equal(t, without, withBOM)

	// A line of stdin of any length: several MiB, between ordinary lines.
	long := strings.Repeat("free prize winner call now ", 200_000)
	code, out, errOut = runCmd(t, "hello\n"+long+"\r\nsee you at lunch", "predict", "--model", model)
	require.Equal(t, 0, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 3, "every line answered, the long one too")
}

// TestTrainCells trains a GRU and a text CNN through the command: the
// model file records the cell, and eval and predict use it.
func TestTrainCells(t *testing.T) {
	path := fixture(t)
	for _, cell := range []string{"gru", "cnn"} {
		t.Run(cell, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), cell+".model")
			args := []string{"train", "--data", path, "--out", model, "--cell", cell, "--epochs", "2", "--batch", "16",
				"--seq-len", "20", "--embed", "16", "--lr", "0.005", "--json"}
			if cell == "cnn" {
				args = append(args, "--widths", "2,3", "--channels", "8")
			} else {
				args = append(args, "--hidden", "16")
			}
			code, out, errOut := runCmd(t, "", args...)
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, map[string]string{"gru": "2×GRU 16", "cnn": "text CNN (widths 2,3"}[cell])
			require.Greater(t, lastJSON(t, out)["test_accuracy"].(float64), 0.8)
			clf, err := spam.Load(model)
			require.NoError(t, err)
			require.Equal(t, cell, clf.Model.Cfg.Cell)
			code, out, errOut = runCmd(t, "", "predict", "--model", model, "FREE entry win cash now")
			require.Equal(t, 0, code, errOut)
			require.Regexp(t, `^(spam|ham) +0\.\d{4}\n$`, out)
		})
	}
}

// TestTrainPacked trains packed LSTM and GRU models through the command:
// the model file records that they are packed, the summary and the JSON
// say so, and predict uses the lengths.
func TestTrainPacked(t *testing.T) {
	path := fixture(t)
	for _, cell := range []string{"lstm", "gru"} {
		t.Run(cell, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), cell+".model")
			code, out, errOut := runCmd(t, "", "train", "--data", path, "--out", model, "--cell", cell, "--packed", "--bucket", "4",
				"--epochs", "2", "--batch", "16", "--seq-len", "20", "--embed", "16", "--hidden", "16", "--lr", "0.005", "--json")
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, "packed: each message from its first word")
			res := lastJSON(t, out)
			require.Equal(t, true, res["packed"])
			require.Greater(t, res["test_accuracy"].(float64), 0.8)
			clf, err := spam.Load(model)
			require.NoError(t, err)
			require.True(t, clf.Model.Cfg.Packed)
			code, out, errOut = runCmd(t, "", "predict", "--model", model, "FREE entry win cash now")
			require.Equal(t, 0, code, errOut)
			require.Regexp(t, `^(spam|ham) +0\.\d{4}\n$`, out)
		})
	}
}

// TestTrainBidirectional trains a packed bidirectional GRU through the
// command: the summary, the JSON and the model file say so, and predict
// runs it.
func TestTrainBidirectional(t *testing.T) {
	path := fixture(t)
	model := filepath.Join(t.TempDir(), "bi.model")
	code, out, errOut := runCmd(t, "", "train", "--data", path, "--out", model, "--cell", "gru", "--packed", "--bidirectional",
		"--epochs", "2", "--batch", "16", "--seq-len", "20", "--embed", "16", "--hidden", "12", "--lr", "0.005", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "2×bidirectional GRU 12")
	res := lastJSON(t, out)
	require.Equal(t, true, res["bidirectional"])
	require.Greater(t, res["test_accuracy"].(float64), 0.8)
	clf, err := spam.Load(model)
	require.NoError(t, err)
	require.True(t, clf.Model.Cfg.Bidirectional)
	require.True(t, clf.Model.Cfg.Packed)
	code, out, errOut = runCmd(t, "", "predict", "--model", model, "FREE entry win cash now")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `^(spam|ham) +0\.\d{4}\n$`, out)
}

func TestTrainDefaultsToDemoCorpus(t *testing.T) {
	model := filepath.Join(t.TempDir(), "m.model")
	code, out, errOut := runCmd(t, "", append([]string{"train", "--out", model, "--epochs", "1"}, smallModel[2:]...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "embedded synthetic demo corpus")
}

// TestTrainFlagProblems: each bad flag is one clear line, exit status 2,
// and nothing is done: no training, no file written.
func TestTrainFlagProblems(t *testing.T) {
	data := fixture(t)
	dir := t.TempDir()
	old := writeFile(t, "old.model", "an older model")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative batch", []string{"--batch", "-5"}, "--batch -5: must be 1 to 65536"},
		// Given empty, they were taken for their defaults.
		{"empty positive", []string{"--positive", ""}, `--positive "" is empty: give a label, or leave --positive out (default: spam, with ham the negative class)`},
		{"empty data", []string{"--data", ""}, `--data "" is empty: give a data file, or leave --data out (default: the embedded demo corpus)`},
		{"empty resume", []string{"--resume", ""}, `--resume "" is empty: give the training state file to resume, or leave --resume out`},
		{"empty label column", []string{"--label", ""}, `--label "" is empty: give a column, or leave --label out (default: label, v1, category or class)`},
		{"huge hidden", []string{"--hidden", "100000000"}, "--hidden 100000000: must be 1 to 65536"},
		{"huge seq-len", []string{"--seq-len", "100000000"}, "--seq-len 100000000: must be 1 to 10000"},
		{"zero epochs", []string{"--epochs", "0"}, "--epochs 0: must be 1 to 100000"},
		{"negative epochs", []string{"--epochs", "-1"}, "--epochs -1: must be 1 to 100000"},
		{"zero hidden", []string{"--hidden", "0"}, "--hidden 0: must be 1 to 65536"},
		{"zero embed", []string{"--embed", "0"}, "--embed 0: must be 1 to 65536"},
		{"zero layers", []string{"--layers", "0"}, "--layers 0: must be 1 to 64"},
		{"zero seq-len", []string{"--seq-len", "0"}, "--seq-len 0: must be 1 to 10000"},
		{"zero batch", []string{"--batch", "0"}, "--batch 0: must be 1 to 65536"},
		{"negative clip", []string{"--clip", "-1"}, "--clip -1: must be at least 0"},
		{"NaN clip", []string{"--clip", "nan"}, "--clip nan: must be a finite number, at least 0"},
		{"NaN dropout", []string{"--dropout", "nan"}, "--dropout nan: must be a finite number, from 0 to 1, 1 excluded"},
		{"dropout one", []string{"--dropout", "1"}, "--dropout 1: must be from 0 to 1, 1 excluded"},
		{"zero lr", []string{"--lr", "0"}, "--lr 0: must be from 0 to 10, 0 excluded"},
		{"Inf lr", []string{"--lr", "inf"}, "--lr inf: must be a finite number"},
		{"overflowing lr, as typed", []string{"--lr", "1e400"}, "--lr 1e400: must be a finite number"},
		{"hex batch, as typed", []string{"--batch", "0x0"}, "--batch 0x0: must be 1 to 65536"},
		{"negative patience", []string{"--patience", "-1"}, "--patience -1: must be 0 to 100000"},
		{"bad select", []string{"--select", "f1"}, `--select "f1": want accuracy or loss`},
		{"unknown device", []string{"--device", "tpu"}, `--device "tpu": want auto, cpu or cuda[:N]`},
		{"bad ordinal", []string{"--device", "cuda:x"}, `--device "cuda:x": want cuda or cuda:N`},
		{"bad format", []string{"--format", "xml"}, `--format "xml": want auto, tsv or csv`},
		{"out over the data", []string{"--out", data}, "--out " + data + ": is an input of this command; writing it would replace the input"},
		{"out in a missing directory", []string{"--out", filepath.Join(dir, "no", "m.model")}, "directory " + filepath.Join(dir, "no") + " does not exist"},
		{"empty out", []string{"--out", ""}, "--out: empty path (the default is spam.model)"},
		{"out unwritable", []string{"--out", "/proc/m.model"}, "--out /proc/m.model: cannot write in directory /proc"},
		{"out is a directory", []string{"--out", dir}, "is a directory; give a file name"},
		{"plot extension", []string{"--plot", filepath.Join(dir, "c.jpg")}, "must end in .png"},
		{"plot in a missing directory", []string{"--plot", "/nonexistent/c.png"}, "--plot /nonexistent/c.png: directory /nonexistent does not exist"},
		{"plot over the model", []string{"--out", filepath.Join(dir, "x.png"), "--plot", filepath.Join(dir, "x.png")}, "--plot " + filepath.Join(dir, "x.png") + ": --out writes the same file"},
		{"packed cnn", []string{"--packed", "--cell", "cnn"}, "--packed: applies to the recurrent cells"},
		{"bidirectional cnn", []string{"--bidirectional", "--cell", "cnn"}, "--bidirectional: applies to the recurrent cells"},
		{"bucket unpacked", []string{"--bucket", "4"}, "--bucket: sorts the batches of a --packed run"},
		{"zero bucket", []string{"--packed", "--bucket", "0"}, "--bucket 0: must be 1 to 65536"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The data and an output every case has, unless it gives its own.
			args := []string{"train"}
			if !slices.Contains(tc.args, "--data") {
				args = append(args, "--data", data)
			}
			if !slices.Contains(tc.args, "--out") {
				args = append(args, "--out", old)
			}
			args = append(args, tc.args...)
			code, out, errOut := runCmd(t, "", args...)
			require.Equal(t, 2, code, "stdout: %s", out)
			require.Empty(t, out, "nothing was done")
			first := strings.Split(errOut, "\n")[0]
			require.True(t, strings.HasPrefix(first, "spamrnn train: --") || strings.HasPrefix(first, "spamrnn train: unexpected"), errOut)
			require.Contains(t, first, tc.want)
			b, err := os.ReadFile(old)
			require.NoError(t, err)
			require.Equal(t, "an older model", string(b))
		})
	}
	// Several problems: one line each.
	_, _, errOut := runCmd(t, "", "train", "--epochs", "0", "--dropout", "nan", "--out", "")
	require.Equal(t, "spamrnn train: --epochs 0: must be 1 to 100000\nspamrnn train: --dropout nan: must be a finite number, from 0 to 1, 1 excluded\n"+
		"spamrnn train: --out: empty path (the default is spam.model)\n", errOut)
}

// TestFlagGivenTwice: a flag given twice is refused before any work, exit
// status 2, naming it and both values; package flag trained the last
// one's 50 epochs, whatever the first said.
func TestFlagGivenTwice(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "spam.model")
	require.NoError(t, os.WriteFile(model, []byte("an older model"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append([]string{"train", "--data", fixture(t), "--out", model, "--epochs", "5"}, append(smallModel[2:], "--epochs", "50")...),
			"spamrnn train: --epochs given twice (5, then 50): give it once\n"},
		{[]string{"predict", "--model", model, "--json", "--json", "hello"},
			"spamrnn predict: --json given twice (true, then true): give it once\n"},
	} {
		code, out, errOut := runCmd(t, "", tc.args...)
		require.Equal(t, 2, code, errOut)
		require.Empty(t, out, "nothing was done")
		require.Equal(t, tc.want, errOut)
	}
	b, err := os.ReadFile(model)
	require.NoError(t, err)
	require.Equal(t, "an older model", string(b))
	require.Equal(t, []string{"spam.model"}, dirNames(t, dir), "no training state either")
}

// TestTrainRefusesData: data that cannot train a classifier, or a model
// that cannot fit in memory, is refused before training, exit status 1.
func TestTrainRefusesData(t *testing.T) {
	var hamOnly, oneSpam strings.Builder
	for i := range 50 {
		hamOnly.WriteString("ham\tsee you at lunch number " + string(rune('a'+i%26)) + "\n")
	}
	for i := range 20 { // --seed 1234's split puts line 3 in the test split
		fmt.Fprintf(&oneSpam, "%s\tmessage number %d\n", map[bool]string{false: "ham", true: "spam"}[i == 2], i)
	}
	tests := []struct {
		name string
		data string
		args []string
		want string
	}{
		{"single class", hamOnly.String(), nil, "a classifier needs examples of both classes: every message in the data is ham"},
		{"single class in training", oneSpam.String(), nil,
			"a classifier needs examples of both classes: every message in the training split is ham (another --seed, or more data)"},
		{"too few for the splits", "ham\thi there\nspam\twin cash\nham\tok then\n", []string{"--batch", "1"},
			"too few examples: 3 messages with words; a 70/15/15 split with a training batch of 1 needs at least 7 (so that validation and test are not empty)"},
		{"too few for a batch", "ham\thi there\nspam\twin cash\nham\tok then\nspam\tfree prize\nham\tlunch?\nham\tyes\nspam\tclaim now\n", nil,
			"a training batch of 10 needs at least 15, for a training split of one batch and non-empty validation and test splits (more data, or a smaller --batch)"},
		{"other labels without --positive", "good film\t1\nawful\t0\n", nil, "for labels other than ham and spam, name the positive one with --positive"},
		{"a third label", "good film\t1\nawful\t0\nmeh\t2\n", []string{"--positive", "1"}, `line 3 has the label "2", a third one besides "1" and "0"`},
		{"a CSV file read as TSV", "label,text\nham,hi there\nspam,win now\n", []string{"--format", "tsv"},
			"no line has a tab (tsv), but 3 of 3 have commas: it looks like CSV; read it as csv (--format csv)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "d.tsv")
			require.NoError(t, os.WriteFile(path, []byte(tc.data), 0o644))
			args := append([]string{"train", "--data", path, "--out", filepath.Join(dir, "m.model")}, tc.args...)
			code, _, errOut := runCmd(t, "", args...)
			require.Equal(t, 1, code, errOut)
			require.Contains(t, errOut, tc.want)
			require.Equal(t, []string{"d.tsv"}, dirNames(t, dir), "no model written")
		})
	}
	for _, tc := range []struct {
		name, advice string
		args         []string
	}{
		{"memory", "make --hidden, --embed, --layers, --seq-len or --batch smaller", []string{"--hidden", "65536", "--layers", "8"}},
		{"memory cnn", "make --channels, --widths, --embed, --seq-len or --batch smaller",
			[]string{"--cell", "cnn", "--channels", "65536", "--seq-len", "10000", "--widths", "1000,2000,3000,4000,5000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errOut := runCmd(t, "", append([]string{"train", "--data", fixture(t), "--out", filepath.Join(dir, "m.model")}, tc.args...)...)
			require.Equal(t, 1, code)
			require.Contains(t, errOut, "the model does not fit in memory: training embedding")
			require.Contains(t, errOut, "is available: "+tc.advice+"\n")
			require.NotContains(t, errOut, "Options.")
			require.NotContains(t, out, "epoch 1/")
			require.Empty(t, dirNames(t, dir))
		})
	}
}

// TestTrainPositiveSentiment trains the same LSTM on the UCI sentence
// sentiment file (text<TAB>0|1, no header) with --positive 1.
func TestTrainPositiveSentiment(t *testing.T) {
	imdb := shareddata.TestPath(t, "sentiment", "imdb_labelled.txt")
	model := filepath.Join(t.TempDir(), "imdb.model")
	code, out, errOut := runCmd(t, "", "train", "--data", imdb, "--positive", "1", "--out", model, "--epochs", "3",
		"--batch", "16", "--seq-len", "30", "--embed", "32", "--hidden", "32", "--lr", "0.005", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "loaded 1000 rows (0 500, 1 500), skipped 0")
	require.Contains(t, out, "test: accuracy ")
	require.Contains(t, out, "rows true, columns predicted")
	res := lastJSON(t, out)
	require.Equal(t, []any{"0", "1"}, res["labels"])
	require.Greater(t, res["test_accuracy"].(float64), 0.5, "better than chance on balanced classes")

	code, out, errOut = runCmd(t, "", "predict", "--model", model, "a wonderful, moving film", "")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Regexp(t, `^[01]    0\.\d{4}$`, lines[0])
	require.True(t, strings.HasPrefix(lines[1], "empty"))

	code, out, errOut = runCmd(t, "", "eval", "--model", model, "--data", imdb)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "eval on ")
	require.Contains(t, out, "at threshold 0.5 (1 when P(1) >= 0.5): accuracy ")

	// Data with other labels than the model's is refused by eval.
	other := writeFile(t, "o.tsv", "great\tpos\nbad\tneg\n")
	code, _, errOut = runCmd(t, "", "eval", "--model", model, "--data", other)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no row has the label "1"`)
}

// TestInterruptBeforeFirstEpoch: a signal before any epoch ends saves
// nothing, says so (and that an older file at --out is not this run's),
// prints no test figures, and exits 128+signal.
func TestInterruptBeforeFirstEpoch(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "spam.model")
	require.NoError(t, os.WriteFile(model, []byte("from an earlier run"), 0o644))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cli.Interrupted{Signal: sig})
		code, out, errOut := runCtx(t, ctx, "", append([]string{"train", "--data", fixture(t), "--out", model}, smallModel...)...)
		require.Equal(t, 128+int(sig), code, errOut)
		require.Contains(t, out, "interrupted by "+cli.SignalName(sig)+" before the first epoch finished: no model was saved ("+model+" is from an earlier run and was left as it was)")
		require.NotContains(t, out, "test:")
		require.NotContains(t, out, "accuracy")
		b, err := os.ReadFile(model)
		require.NoError(t, err)
		require.Equal(t, "from an earlier run", string(b))
		require.Equal(t, []string{"spam.model"}, dirNames(t, dir))
	}
}

// TestInterruptAfterAnEpoch: a signal after the first epoch keeps the best
// model saved so far, says which, and exits 128+signal.
func TestInterruptAfterAnEpoch(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "spam.model")
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for {
			if _, err := os.Stat(model); err == nil {
				cancel(cli.Interrupted{Signal: syscall.SIGTERM})
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	args := append([]string{"train", "--data", fixture(t), "--out", model, "--json"}, smallModelEpochs(200)...)
	code, out, errOut := runCtx(t, ctx, "", args...)
	require.Equal(t, 143, code, errOut)
	require.Regexp(t, `interrupted by SIGTERM after \d+ complete epochs?\n`, out)
	require.Regexp(t, `the best model \(epoch \d+\) is saved in `+model, out)
	require.True(t, lastJSON(t, out)["interrupted"].(bool))
	require.Contains(t, out, "continue with spamrnn train --resume "+model+".state")
	_, err := spam.Load(model)
	require.NoError(t, err)
	require.Equal(t, []string{"spam.model", "spam.model.state"}, dirNames(t, dir))
}

// TestInterruptInLastValidation: a signal after the last epoch's last step
// (in its validation) said "stopping after the current step", then the run
// ended as if nothing had happened and exited 0. It ends as a signal
// between two epochs does: the best model and the state kept, the interrupt
// said, 128+signal; no resume note, as every epoch is trained.
func TestInterruptInLastValidation(t *testing.T) {
	dir := t.TempDir()
	model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
	ctx := stepctx.New(cli.Interrupted{Signal: syscall.SIGINT})
	// The epoch's line is printed after its validation, with no step
	// (and no look at the context) left in the run: the same point.
	out := ctx.ArmWhen("epoch 2/2", 0)
	var errb bytes.Buffer
	code := run(ctx, append([]string{"train", "--data", fixture(t), "--out", model, "--json"}, smallModel...), strings.NewReader(""), out, &errb)
	ctx.Cancel()
	require.Equal(t, 130, code, errb.String())
	require.Contains(t, out.String(), "interrupted by SIGINT after 2 complete epochs\n")
	require.Regexp(t, `the best model \(epoch \d\) is saved in `+regexp.QuoteMeta(model), out.String())
	require.True(t, lastJSON(t, out.String())["interrupted"].(bool))
	require.NotContains(t, out.String()+errb.String(), "continue with")
	_, err := spam.Load(model)
	require.NoError(t, err)
	require.FileExists(t, state)
}

// startMain runs spamrnn in a child process (the test binary, see
// TestMain).
func startMain(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "SPAMRNN_MAIN=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Start())
	return cmd, &out, &errb
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	return ee.ExitCode()
}

// TestSignals sends real signals to a training process.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("trains in a child process")
	}
	data := fixture(t)
	args := append([]string{"train", "--data", data}, smallModelEpochs(500)...)

	// SIGTERM after the first save: the model is kept, exit 143.
	dir := t.TempDir()
	model := filepath.Join(dir, "spam.model")
	cmd, out, errb := startMain(t, nil, append(args, "--out", model)...)
	require.Eventually(t, func() bool { _, err := os.Stat(model); return err == nil }, time.Minute, 5*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, 143, exitCode(t, cmd), errb.String())
	require.Contains(t, errb.String(), "spamrnn train: SIGTERM: stopping after the current step")
	require.Regexp(t, `the best model \(epoch \d+\) is saved in `+model, out.String())
	_, err := spam.Load(model)
	require.NoError(t, err)
	require.Equal(t, []string{"spam.model", "spam.model.state"}, dirNames(t, dir), "no temporary file survives")

	// Two signals: the second quits at once, no temporary file. (Two
	// signals of one kind sent together can arrive as one, so the test
	// sends two kinds; the exit status is the second's.)
	dir = t.TempDir()
	model = filepath.Join(dir, "spam.model")
	cmd, _, errb = startMain(t, nil, append(args, "--out", model)...)
	require.Eventually(t, func() bool { _, err := os.Stat(model); return err == nil }, time.Minute, 5*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	code := exitCode(t, cmd)
	require.Contains(t, []int{130, 143}, code, errb.String())
	require.Regexp(t, `SIG(INT|TERM): quitting`, errb.String())
	for _, n := range dirNames(t, dir) {
		require.False(t, strings.Contains(n, ".tmp-"), "temporary file %s survived", n)
	}
	_, err = spam.Load(model)
	require.NoError(t, err, "the model saved before the signals is intact")
}

// TestPureGoGEMMNotice: without OpenBLAS, train says so before it starts.
func TestPureGoGEMMNotice(t *testing.T) {
	if testing.Short() {
		t.Skip("trains in a child process")
	}
	model := filepath.Join(t.TempDir(), "m.model")
	cmd, out, errb := startMain(t, []string{"EMBER_BLAS=gonum"}, append([]string{"train", "--data", fixture(t), "--out", model}, smallModel...)...)
	require.Equal(t, 0, exitCode(t, cmd), errb.String())
	require.Contains(t, errb.String(), "spamrnn train: notice: OpenBLAS is not loaded, so matrix products use the pure-Go GEMM, several times slower (gonum (pure Go; EMBER_BLAS=gonum))")
	require.Contains(t, out.String(), "device: cpu, GEMM gonum (pure Go; EMBER_BLAS=gonum)")
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.model")
	require.NoError(t, os.WriteFile(garbage, []byte("not a model"), 0o644))
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing data file", []string{"train", "--data", filepath.Join(dir, "nope.tsv")}, 2, "--data " + filepath.Join(dir, "nope.tsv") + ": no such file"},
		{"cuda device missing or not built", []string{"train", "--device", "cuda:99", "--out", filepath.Join(dir, "m")}, 1, "--device cuda:99"},
		{"unknown device", []string{"train", "--device", "tpu"}, 2, "tpu"},
		{"bad format", []string{"train", "--data", garbage, "--format", "xml"}, 2, "xml"},
		{"columns without data", []string{"train", "--positive", "1", "--out", filepath.Join(dir, "m")}, 2, "--positive, --label and --text describe a --data file"},
		{"corrupt model", []string{"predict", "--model", garbage, "hi"}, 1, "garbage.model"},
		{"predict needs a model", []string{"predict", "hi"}, 2, "--model is required"},
		{"eval needs flags", []string{"eval"}, 2, "spamrnn eval: --model is required\nspamrnn eval: --data is required"},
		{"eval with a missing model", []string{"eval", "--model", filepath.Join(dir, "none"), "--data", garbage}, 2, "none: no such file"},
		{"unknown command", []string{"fly"}, 2, "unknown command"},
		{"no command", nil, 2, "usage:"},
		{"unknown cell", []string{"train", "--cell", "rnn"}, 2, `--cell "rnn": want lstm, gru or cnn`},
		{"recurrent sizes for the cnn", []string{"train", "--cell", "cnn", "--layers", "3"}, 2, "--layers: not used by --cell cnn"},
		{"cnn sizes for the gru", []string{"train", "--cell", "gru", "--widths", "2"}, 2, "--widths: not used by --cell gru"},
		{"bad widths", []string{"train", "--cell", "cnn", "--widths", "3,,4"}, 2, `--widths "3,,4"`},
		{"width beyond the sequence", []string{"train", "--cell", "cnn", "--seq-len", "4", "--widths", "5"}, 2, "width 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, "", c.args...)
			require.Equal(t, c.code, code, errOut)
			require.Contains(t, errOut, c.want)
		})
	}
	code, out, _ := runCmd(t, "", "train", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "--epochs N\n    \ttraining epochs (1 to 100000; default 10)")
	require.Equal(t, strings.Count(out, "\n  --"), strings.Count(out, "default "), "every option states its default")
	require.Contains(t, out, "(on\nthe same device: the CPU and CUDA round differently)", "resuming is bit for bit on one device")

	// eval and predict take models that import wrote too, and eval's
	// labels come from the model, not from a flag of its own.
	for _, cmd := range []string{"eval", "predict"} {
		code, out, _ := runCmd(t, "", cmd, "-h")
		require.Equal(t, 0, code)
		require.Contains(t, out, "model file written by spamrnn train or import (required)", cmd)
	}
	_, out, _ = runCmd(t, "", "eval", "-h")
	require.Contains(t, out, "usage: spamrnn eval --model FILE --data FILE [--threshold X] [--plot PREFIX] [--format auto|tsv|csv] [--label COLUMN] [--text COLUMN] [--json]")
	require.Contains(t, out, "(the loss, ROC AUC and average precision do not depend on it)")
	require.Contains(t, out, "those of the data it was trained on with\n--positive")
}

// TestDataHints: what eval and train say about data they cannot read as
// asked names flags the command has, and --label or --text on data read
// as TSV (which has no columns to name) is refused, not ignored.
func TestDataHints(t *testing.T) {
	sentences := writeFile(t, "imdb.txt", "a fine film\t1\na dull film\t0\n")
	model := filepath.Join(interop, "ember.model") // ham/spam labels
	code, _, stderr := runCmd(t, "", "eval", "--model", model, "--data", sentences)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "cannot detect the format")
	require.Contains(t, stderr, "say which with --format tsv or --format csv")
	require.Contains(t, stderr, `the model's labels are "ham" and "spam"`)
	require.NotContains(t, stderr, "--positive", "eval has no --positive")

	code, _, stderr = runCmd(t, "", "train", "--data", sentences, "--out", filepath.Join(t.TempDir(), "m.model"))
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "name the positive one with --positive")

	tsv := fixture(t)
	for _, args := range [][]string{
		{"train", "--data", tsv, "--label", "v1", "--out", filepath.Join(t.TempDir(), "m.model")},
		{"train", "--data", tsv, "--text", "v2", "--format", "tsv", "--out", filepath.Join(t.TempDir(), "m.model")},
		{"eval", "--model", model, "--data", tsv, "--label", "v1"},
	} {
		code, stdout, stderr := runCmd(t, "", args...)
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, "name the columns of a CSV file; "+tsv+" is read as TSV", args)
		require.NotContains(t, stdout, "epoch 1", "refused before training")
	}
}

// TestPredictOptionAfterText: an option after the first message used to
// be classified as a message (or, for --model, to read "--model is
// required" though it was given); it is a usage error saying where
// options go. After --, anything is a message.
func TestPredictOptionAfterText(t *testing.T) {
	model := filepath.Join(interop, "ember.model")
	for _, args := range [][]string{
		{"predict", "win a prize", "--model", model},
		{"predict", "--model", model, "win a prize", "--json"},
		{"predict", "--model", model, "win a prize", "-json=true"},
	} {
		code, stdout, stderr := runCmd(t, "", args...)
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, `comes after the first message "win a prize": options go before the messages`, args)
		require.NotContains(t, stderr, "is required")
		require.Empty(t, stdout)
	}
	code, stdout, stderr := runCmd(t, "", "predict", "--model", model, "--", "win a prize", "--json")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, 2, strings.Count(stdout, "\n"), stdout)
	code, stdout, stderr = runCmd(t, "", "predict", "--model", model, "hello", "-50% off, call now", "--jsonish")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, 3, strings.Count(stdout, "\n"), "not options of predict: messages")
}

// TestDropoutOneLayerNote: dropout acts between recurrent layers, so with
// one layer it does nothing; train says so (as PyTorch's nn.LSTM warns)
// instead of printing "(dropout 0.5)" as if it applied.
func TestDropoutOneLayerNote(t *testing.T) {
	path := fixture(t)
	args := []string{"train", "--data", path, "--epochs", "1", "--batch", "16", "--seq-len", "20", "--embed", "16", "--hidden", "16", "--layers", "1"}
	code, out, errOut := runCmd(t, "", append(args, "--out", filepath.Join(t.TempDir(), "m.model"))...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "note: --dropout 0.5 acts between recurrent layers: with --layers 1 it has no effect")
	require.Contains(t, out, "1×LSTM 16 → dense")
	code, out, errOut = runCmd(t, "", append(args, "--dropout", "0", "--out", filepath.Join(t.TempDir(), "m.model"))...)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "note: --dropout")
}

// TestOldModelFileNote: a model file from before the LSTM's second bias is
// converted on load, and eval, predict and export say how to rewrite it
// with spamrnn's own commands (the library's note names none).
func TestOldModelFileNote(t *testing.T) {
	model := filepath.Join("..", "..", "spam", "testdata", "v1_single_bias.model")
	want := "note: model file " + model + " was saved before the LSTM kept PyTorch's two biases per layer; " +
		"it was converted on load (bias_ih = its bias, bias_hh = 0) and predicts exactly as before; " +
		"to rewrite it in the new layout: spamrnn export --model " + model + " --out DIR, then spamrnn import DIR --out " + model + "\n"
	for _, args := range [][]string{
		{"predict", "--model", model, "free prize"},
		{"export", "--model", model, "--out", t.TempDir()},
	} {
		code, _, errOut := runCmd(t, "", args...)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, want, errOut, args[0])
	}
}

// TestPredictBlankMessage: a message of nothing but white space is said to
// be blank, given as an argument or as a line of stdin; predict once
// showed it trimmed and quoted, as "", which is not what was given.
// TestPredictRefusesNUL: standard input with NUL bytes (binary, or
// UTF-16, here with its byte-order mark) is refused naming the line, not
// classified as if its bytes were words.
func TestPredictRefusesNUL(t *testing.T) {
	model := filepath.Join(interop, "ember.model")
	utf16 := "\xff\xfeh\x00i\x00\n\x00"
	code, stdout, stderr := runCmd(t, "free prize\n"+utf16, "predict", "--model", model)
	require.Equal(t, 1, code, stdout)
	require.Contains(t, stderr, "standard input, line 2: has NUL bytes, so it is not UTF-8 text")
	code, _, stderr = runCmd(t, utf16, "predict", "--model", model)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "line 1: has NUL bytes")
}

func TestPredictBlankMessage(t *testing.T) {
	model := filepath.Join(interop, "ember.model")
	code, stdout, stderr := runCmd(t, "", "predict", "--model", model, "   ", "", "?!")
	require.Equal(t, 0, code, stderr)
	want := "empty -      (a blank message has no words to classify)\n" +
		"empty -      (a blank message has no words to classify)\n" +
		"empty -      (\"?!\" has no words to classify)\n"
	require.Equal(t, want, stdout)
	code, stdout, stderr = runCmd(t, " \t\r\n\r\n?!\n", "predict", "--model", model)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, want, stdout)
}

// TestPredictLineEnds: stdin's lines may end in LF, CRLF or a lone CR (old
// Mac text), mixed too: each is one message, without its line end; CR-only
// text was once read as one message. A NUL byte is reported on the line
// the CRs count.
func TestPredictLineEnds(t *testing.T) {
	model := filepath.Join(interop, "ember.model")
	texts := func(stdout string) []string {
		var out []string
		for line := range strings.Lines(stdout) {
			var p struct{ Text string }
			require.NoError(t, json.Unmarshal([]byte(line), &p))
			out = append(out, p.Text)
		}
		return out
	}
	long := strings.Repeat("free prize ", 20_000) // past bufio's buffer, split by a CR
	for stdin, want := range map[string][]string{
		"win a prize\rsee you soon\r":          {"win a prize", "see you soon"},
		"win a prize\rsee you soon":            {"win a prize", "see you soon"},
		"win a prize\r\nsee you soon\r\n":      {"win a prize", "see you soon"},
		"a\rb\nc\r\nd\r\re":                    {"a", "b", "c", "d", "", "e"},
		"\r":                                   {""},
		long + "\r" + long + "\r\n" + "ok\r\n": {long, long, "ok"},
	} {
		code, stdout, stderr := runCmd(t, stdin, "predict", "--model", model, "--json")
		require.Equal(t, 0, code, stderr)
		require.Equal(t, want, texts(stdout), "%.40q", stdin)
	}
	code, _, stderr := runCmd(t, "a\rb\rc\x00\r", "predict", "--model", model)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "standard input, line 3: has NUL bytes")
}
