package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/spam"
)

const exportUsage = `usage: spamrnn export --model FILE --out DIR

Writes an LSTM or GRU model for PyTorch: DIR/model.safetensors (the
reference SpamRNN's state_dict: emb.weight, lstm.weight_ih_l<k>,
lstm.weight_hh_l<k>, lstm.bias_ih_l<k>, lstm.bias_hh_l<k>, fc.weight,
fc.bias; a GRU model has gru.* in place of lstm.*, a bidirectional one each
layer's reverse cell too, under the same names with _reverse added),
DIR/vocab.txt (one token per line; line n is id n, 0 the padding, 1 the
unknown word) and DIR/config.json (sizes, padding_idx, whether it runs
packed or bidirectional, sequence length, class labels, cleaning rules).
benchmarks/pytorch/spamrnn_torch.py predict DIR loads it into PyTorch (a
packed model runs there on pack_padded_sequence: same weights, each message
on its own length). DIR is created if needed (its parent must exist); those
three files in it are replaced, others are left alone.
A cnn model has no PyTorch counterpart and is not exported.
`

const importUsage = `usage: spamrnn import DIR --out FILE

Reads an export directory (model.safetensors, vocab.txt, config.json: what
spamrnn export writes, or benchmarks/pytorch/spamrnn_torch.py export from a
PyTorch model) into a model file that spamrnn eval and predict use. Every
file is checked before the model is built; a model file already at --out is
replaced, a training state there is not.
`

// checkOutDir refuses an --out DIR that exists as something other than a
// directory, or whose parent is missing.
func checkOutDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("--out %s: exists and is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Errorf("--out %s: directory %s does not exist", dir, parent)
	}
	return nil
}

// exportFiles are the files an export directory holds.
var exportFiles = []string{spam.ExportWeights, spam.ExportVocab, spam.ExportConfig}

func cmdExport(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("spamrnn export", exportUsage, stdout)
	model := fs.Input("model", "", "model file written by spamrnn train or import", cli.Required())
	out := fs.String("out", "", "export directory", cli.Required(), cli.Placeholder("DIR"))
	fs.Check(func() error { return checkOutDir(*out) })
	fs.Check(func() error {
		// Export replaces these files in --out: the model may not be one.
		for _, name := range exportFiles {
			if cli.SameFile(*model, filepath.Join(*out, name)) {
				return fmt.Errorf("--model %s: export writes %s in --out %s, which would replace the model; give another --out", *model, name, *out)
			}
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	clf, err := loadModel(*model, stderr)
	if err != nil {
		return err
	}
	if err := clf.Export(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %s to %s (%s, %s, %s)\nmodel: %s\n", *model, *out,
		spam.ExportWeights, spam.ExportVocab, spam.ExportConfig, clf.Summary())
	return nil
}

func cmdImport(args []string, stdout io.Writer) error {
	fs := cli.NewFlagSet("spamrnn import", importUsage, stdout)
	fs.Args(cli.ArgSpec{Name: "DIR", Min: 1, Max: 1, Interleaved: true})
	out := fs.Output("out", "", "model file to write", cli.Required(), cli.Replaces(replacesOnly(spam.FileKind)))
	fs.Check(func() error {
		dir := fs.Arg()[0]
		switch fi, err := os.Stat(dir); {
		case dir == "":
			return fmt.Errorf(`"": an empty DIR; give the export directory (it holds %s)`, strings.Join(exportFiles, ", "))
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("%s: no such directory (an export directory holds %s)", dir, strings.Join(exportFiles, ", "))
		case err != nil:
			return err
		case !fi.IsDir():
			return fmt.Errorf("%s: not a directory (an export directory holds %s)", dir, strings.Join(exportFiles, ", "))
		}
		for _, name := range exportFiles {
			if cli.SameFile(*out, filepath.Join(dir, name)) {
				return fmt.Errorf("--out %s: is the export's %s, an input of this command; writing it would replace the input", *out, name)
			}
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := fs.Arg()[0]
	clf, err := spam.Import(dir)
	if errors.Is(err, spam.ErrNotExport) {
		return fmt.Errorf("%w; spamrnn export writes one from a model file, and benchmarks/pytorch/spamrnn_torch.py export from a PyTorch model", err)
	}
	if err != nil {
		return err
	}
	if err := clf.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s into %s\nmodel: %s\n", dir, *out, clf.Summary())
	return nil
}
