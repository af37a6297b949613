package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/spam"
)

// FuzzTrainFlags parses fuzzed spamrnn train command lines. Parsing must
// not panic, and what it accepts must be a model spam.Train takes: every
// size in its range, no NaN, a cell and sizes that agree. (Training itself
// is not run: a fuzzed but valid command line may ask for hours of it.)
//
//	go test ./cmd/spamrnn -run '^$' -fuzz FuzzTrainFlags -fuzztime 3m
func FuzzTrainFlags(f *testing.F) {
	for _, s := range []string{
		"--epochs 3 --batch 16 --hidden 8",
		"--epochs 0 --batch -5 --hidden 100000000 --seq-len 100000000",
		"--dropout nan --clip nan --lr inf",
		"--dropout 0.999999 --clip 0 --lr 10 --seed 0",
		"--cell cnn --widths 3,4,5 --channels 7 --seq-len 5",
		"--cell cnn --widths 9 --seq-len 4",
		"--cell gru --widths 2",
		"--cell cnn --widths ,,,",
		"--cell cnn --widths 99999999999999999999",
		"--positive 1 --label stars --text review",
		"--device cuda:-1 --select loss --patience 3",
		"--out  --plot x.jpg",
		"--json=maybe --epochs=0x10",
		"-h",
		"extra args --epochs 2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		for _, a := range args {
			if strings.ContainsAny(a, `/\`) || strings.Contains(a, "..") {
				t.Skip("paths stay out of the way")
			}
		}
		tf := newTrainFlags(io.Discard)
		if err := tf.fs.Parse(args); err != nil {
			return
		}
		o, err := tf.options()
		if err != nil {
			t.Fatalf("%q: parsed, but the options fail: %v", line, err)
		}
		cfg := o.Model
		cfg.Vocab = 3
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%q: parsed, but the model is invalid: %v", line, err)
		}
		switch {
		case o.Epochs < 1 || o.Epochs > maxEpochs, o.BatchSize < 1 || o.BatchSize > maxBatch,
			!(o.LR > 0 && o.LR <= 10), !(o.Clip > 0 || o.Clip == -1), o.Patience < 0:
			t.Fatalf("%q: parsed out of range: %+v", line, o)
		}
		if cfg.TrainingBytes(o.BatchSize) == 0 {
			t.Fatalf("%q: no memory estimate", line)
		}
	})
}

// fuzzModel trains one tiny model for the predict and eval fuzz tests, in
// the fuzz test's temporary directory.
func fuzzModel(f *testing.F) string {
	f.Helper()
	ex, load, err := data.DemoCorpus()
	if err != nil {
		f.Fatal(err)
	}
	c, _, err := spam.Train(context.Background(), ex[:300], load, spam.Options{
		Model: spam.Config{SeqLen: 8, Embed: 4, Hidden: 4, Layers: 1}, Epochs: 1, BatchSize: 16})
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "m.model")
	if err := c.Save(path); err != nil {
		f.Fatal(err)
	}
	return path
}

// FuzzPredictStdin classifies fuzzed standard input: no panic, and one
// answer per line, whatever the bytes and the line lengths.
func FuzzPredictStdin(f *testing.F) {
	for _, s := range []string{
		"hello\nWIN a prize\n", "", "\n", "\r\n\r\n", "no newline at the end", "\xff\xfe\x00",
		strings.Repeat("x", 70000) + "\nshort\n", "...!!!\n\t\n",
	} {
		f.Add([]byte(s))
	}
	model := fuzzModel(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"predict", "--model", model}, bytes.NewReader(in), &out, &errb)
		if bytes.IndexByte(in, 0) >= 0 {
			// Not text: refused, naming the line with the first NUL.
			line := bytes.Count(in[:bytes.IndexByte(in, 0)], []byte("\n")) + 1
			if code != 1 || !strings.Contains(errb.String(), fmt.Sprintf("line %d: has NUL bytes", line)) {
				t.Fatalf("exit %d for input with a NUL on line %d: %s", code, line, errb.String())
			}
			return
		}
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		want := strings.Count(string(in), "\n")
		if len(in) > 0 && in[len(in)-1] != '\n' {
			want++
		}
		if got := strings.Count(out.String(), "\n"); got != want {
			t.Fatalf("%d answers for %d lines", got, want)
		}
	})
}

// FuzzEvalData scores a fuzzed data file with eval: an error or a
// report, never a panic.
func FuzzEvalData(f *testing.F) {
	for _, s := range []string{
		"ham\thello\nspam\tWIN\n", "v1,v2,,,\r\nham,\"a, b\",,,\r\n", "text,label\nx,spam\n", "", "ham\t\n",
		"\ufeffspam\tfree\n", "good\t1\nbad\t0\n",
	} {
		f.Add([]byte(s), "auto")
		f.Add([]byte(s), "csv")
	}
	dir := f.TempDir()
	model := fuzzModel(f)
	f.Fuzz(func(t *testing.T, in []byte, format string) {
		path := filepath.Join(dir, "d.txt")
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"eval", "--model", model, "--data", path, "--format", format}, nil, &out, &errb)
		if code != 0 && errb.Len() == 0 {
			t.Fatalf("exit %d without a message", code)
		}
	})
}

// FuzzImportConfig imports the PyTorch export fixture with a fuzzed
// config.json and vocab.txt: an error naming the file, or a model, never
// a panic or a model built from sizes the weights do not have (a
// hidden_size of 10^9 once exhausted memory).
//
//	go test ./cmd/spamrnn -run '^$' -fuzz FuzzImportConfig -fuzztime 60s
func FuzzImportConfig(f *testing.F) {
	src := filepath.Join(interop, "torch_export")
	config, err := os.ReadFile(filepath.Join(src, spam.ExportConfig))
	if err != nil {
		f.Fatal(err)
	}
	vocab, err := os.ReadFile(filepath.Join(src, spam.ExportVocab))
	if err != nil {
		f.Fatal(err)
	}
	weights, err := os.ReadFile(filepath.Join(src, spam.ExportWeights))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(config, vocab)
	for _, edit := range [][2]string{
		{`"hidden_size": 16`, `"hidden_size": 1000000000`},
		{`"hidden_size": 16`, `"hidden_size": 60000`},
		{`"num_layers": 2`, `"num_layers": 64`},
		{`"num_layers": 2`, `"num_layers": -1`},
		{`"seq_len": 20`, `"seq_len": 0`},
		{`"embedding_dim": 8`, `"embedding_dim": 65536`},
		{`"cell": "lstm"`, `"cell": "gru"`},
		{`"dropout": 0.5`, `"dropout": 1`},
		{`"padding_idx": 0`, `"padding_idx": null`},
	} {
		f.Add(bytes.Replace(config, []byte(edit[0]), []byte(edit[1]), 1), vocab)
	}
	f.Add(config[:len(config)/2], vocab)
	f.Add(config, vocab[:len(vocab)/2])
	f.Add(config, append([]byte("<pad>\n<unk>\nx y\n"), vocab...))
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, spam.ExportWeights), weights, 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, config, vocab []byte) {
		if err := os.WriteFile(filepath.Join(dir, spam.ExportConfig), config, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, spam.ExportVocab), vocab, 0o644); err != nil {
			t.Fatal(err)
		}
		clf, err := spam.Import(dir)
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("the error names no file: %v", err)
			}
			return
		}
		if _, err := clf.Predict([]string{"win a prize now"}); err != nil {
			t.Fatalf("an imported model that cannot predict: %v", err)
		}
	})
}
