package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/spam"
)

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

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

var smallModel = []string{"--epochs", "2", "--batch", "16", "--seq-len", "20", "--embed", "16", "--hidden", "16", "--lr", "0.005"}

func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &m), "last line: %q", lines[len(lines)-1])
	return m
}

func TestTrainEvalPredict(t *testing.T) {
	path := fixture(t)
	model := filepath.Join(t.TempDir(), "spam.model")
	plot := filepath.Join(t.TempDir(), "curve.png")
	code, out, errOut := runCmd(t, "", append([]string{"train", "--data", path, "--out", model, "--plot", plot, "--device", "auto", "--json"}, smallModel...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "skipped 2")
	require.Contains(t, out, "using the CPU")
	res := lastJSON(t, out)
	for _, k := range []string{"test_accuracy", "test_loss", "val_accuracy", "epochs", "train_seconds", "seq_per_s", "device", "rows_loaded", "rows_skipped", "vocab_size"} {
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

func TestTrainDefaultsToDemoCorpus(t *testing.T) {
	model := filepath.Join(t.TempDir(), "m.model")
	code, out, errOut := runCmd(t, "", append([]string{"train", "--out", model, "--epochs", "1"}, smallModel[2:]...)...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "embedded synthetic demo corpus")
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.model")
	require.NoError(t, os.WriteFile(garbage, []byte("not a model"), 0o644))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing data file", []string{"train", "--data", filepath.Join(dir, "nope.tsv")}, "nope.tsv"},
		{"cuda device missing or not built", []string{"train", "--device", "cuda:99"}, "--device cuda:99"},
		{"unknown device", []string{"train", "--device", "tpu"}, "tpu"},
		{"bad format", []string{"train", "--data", "x", "--format", "xml"}, "xml"},
		{"corrupt model", []string{"predict", "--model", garbage, "hi"}, "garbage.model"},
		{"eval needs flags", []string{"eval"}, "--model and --data"},
		{"unknown command", []string{"fly"}, "unknown command"},
		{"unknown cell", []string{"train", "--cell", "rnn"}, `--cell "rnn": want one of lstm, gru, cnn`},
		{"recurrent sizes for the cnn", []string{"train", "--cell", "cnn", "--layers", "3"}, "--layers: not used by --cell cnn"},
		{"cnn sizes for the gru", []string{"train", "--cell", "gru", "--widths", "2"}, "--widths: not used by --cell gru"},
		{"bad widths", []string{"train", "--cell", "cnn", "--widths", "3,,4"}, `--widths "3,,4"`},
		{"width beyond the sequence", []string{"train", "--cell", "cnn", "--seq-len", "4", "--widths", "5"}, "width 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, "", c.args...)
			require.NotEqual(t, 0, code)
			require.Contains(t, errOut, c.want)
		})
	}
}
