package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/safetensors"
	"github.com/emberml/ember/spam"
)

// The fixtures in testdata/interop are made by make.sh there: a model
// trained by PyTorch and exported by benchmarks/pytorch/spamrnn_torch.py,
// a model trained by Ember, and PyTorch's probabilities for messages.txt
// on each.

const interop = "testdata/interop"

type torchProb struct {
	Text  string   `json:"text"`
	Label string   `json:"label"`
	Prob  *float64 `json:"spam_probability"`
}

func readTorchProbs(t *testing.T, path string) []torchProb {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var ps []torchProb
	require.NoError(t, json.Unmarshal(raw, &ps))
	return ps
}

func messages(t *testing.T) []string {
	raw, err := os.ReadFile(filepath.Join(interop, "messages.txt"))
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

// requireSameProbs checks spamrnn's predictions against PyTorch's within 1e-5.
func requireSameProbs(t *testing.T, clf *spam.Classifier, want []torchProb) {
	t.Helper()
	var texts []string
	for _, w := range want {
		texts = append(texts, w.Text)
	}
	preds, err := clf.Predict(texts)
	require.NoError(t, err)
	worst := 0.0
	for i, p := range preds {
		require.Equal(t, want[i].Label, p.Label, want[i].Text)
		if want[i].Prob == nil {
			continue
		}
		d := math.Abs(p.Prob - *want[i].Prob)
		worst = max(worst, d)
		require.LessOrEqual(t, d, 1e-5, "%q: spamrnn %v, PyTorch %v", p.Text, p.Prob, *want[i].Prob)
	}
	t.Logf("largest difference from PyTorch: %.2g", worst)
}

// exports are the fixture pairs of the round trips: an export made by
// PyTorch and a model trained by Ember, each padded and packed, in one
// direction and bidirectional, and a GRU model trained by Ember
// (spamrnn_torch.py export trains only the LSTM).
var exports = []struct {
	name   string
	cell   string
	packed bool
	bidir  bool
	torch  string // export directory written by spamrnn_torch.py export ("": none)
	ember  string // model file written by make_ember_model.go
}{
	{"padded", "lstm", false, false, "torch_export", "ember.model"},
	{"packed", "lstm", true, false, "torch_packed_export", "ember_packed.model"},
	{"gru", "gru", false, false, "", "ember_gru.model"},
	{"bidirectional", "lstm", false, true, "torch_bidir_export", "ember_bidir.model"},
	{"bidirectional packed", "lstm", true, true, "torch_bidir_packed_export", "ember_bidir_packed.model"},
}

// probsFile is the fixture of PyTorch's probabilities for an export
// directory or model file: torch_export -> torch_probs.json,
// ember_packed.model -> ember_packed_probs.json.
func probsFile(fixture string) string {
	return filepath.Join(interop, strings.TrimSuffix(strings.TrimSuffix(fixture, ".model"), "_export")+"_probs.json")
}

// TestImportPyTorchModel: weights and vocabulary made by PyTorch, imported
// by spamrnn import, predict what PyTorch predicts (float32, 1e-5), for a
// model PyTorch trained and ran on padded rows and one it trained and ran
// packed. The packed model predicts otherwise when run padded: the
// check sees which way it runs.
func TestImportPyTorchModel(t *testing.T) {
	for _, tc := range exports {
		if tc.torch == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "torch.model")
			code, stdout, stderr := runCmd(t, "", "import", filepath.Join(interop, tc.torch), "--out", out)
			require.Equal(t, 0, code, stderr)
			require.Contains(t, stdout, "imported")
			clf, err := spam.Load(out)
			require.NoError(t, err)
			require.Equal(t, tc.packed, clf.Model.Cfg.Packed)
			require.Equal(t, tc.bidir, clf.Model.Cfg.Bidirectional)
			require.Equal(t, spam.SMSLabels, clf.Labels)
			want := readTorchProbs(t, probsFile(tc.torch))
			require.Len(t, want, len(messages(t)))
			requireSameProbs(t, clf, want)
			// And through the command, as a user would.
			code, stdout, _ = runCmd(t, "", "predict", "--model", out, want[1].Text)
			require.Equal(t, 0, code)
			require.Equal(t, want[1].Label, strings.Fields(stdout)[0])

			if tc.packed {
				padded := *clf.Model
				padded.Cfg.Packed = false
				other, err := (&spam.Classifier{Model: &padded, Vocab: clf.Vocab, Labels: clf.Labels}).Predict(messages(t))
				require.NoError(t, err)
				worst := 0.0
				for i, p := range other {
					worst = max(worst, math.Abs(p.Prob-*want[i].Prob))
				}
				require.Greater(t, worst, 1e-3, "the same weights run padded predict otherwise")
			}
		})
	}
}

// TestExportLoadsInPyTorch: a model trained by spamrnn (padded, and
// packed), exported, gives in PyTorch (the committed probabilities of
// spamrnn_torch.py predict on its export) what spamrnn gives (1e-5); the
// export holds the model's tensors exactly, under the reference names, and
// config.json says whether it runs packed.
func TestExportLoadsInPyTorch(t *testing.T) {
	for _, tc := range exports {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(interop, tc.ember)
			dir := filepath.Join(t.TempDir(), "export")
			code, _, stderr := runCmd(t, "", "export", "--model", model, "--out", dir)
			require.Equal(t, 0, code, stderr)
			clf, err := spam.Load(model)
			require.NoError(t, err)
			require.Equal(t, tc.packed, clf.Model.Cfg.Packed)
			require.Equal(t, tc.cell, clf.Model.Cfg.Cell)
			require.Equal(t, tc.bidir, clf.Model.Cfg.Bidirectional)
			requireSameProbs(t, clf, readTorchProbs(t, probsFile(tc.ember)))

			f, err := safetensors.ReadFile(filepath.Join(dir, spam.ExportWeights))
			require.NoError(t, err)
			names := []string{"emb.weight", "fc.weight", "fc.bias"}
			for _, k := range []string{"0", "1"} {
				for _, w := range []string{"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"} {
					names = append(names, tc.cell+"."+w+k)
					if tc.bidir {
						names = append(names, tc.cell+"."+w+k+"_reverse")
					}
				}
			}
			require.ElementsMatch(t, names, f.Names())
			emb, _ := f.Tensor("emb.weight")
			require.Equal(t, safetensors.F32, emb.Dtype)
			b, err := emb.Buf(clf.Model.Emb.Table.Value.Dtype)
			require.NoError(t, err)
			require.Equal(t, clf.Model.Emb.Table.Value.F32, b.F32)
			vocab, err := os.ReadFile(filepath.Join(dir, spam.ExportVocab))
			require.NoError(t, err)
			require.Equal(t, strings.Join(clf.Vocab.Words(), "\n")+"\n", string(vocab))
			var cfg map[string]any
			raw, err := os.ReadFile(filepath.Join(dir, spam.ExportConfig))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &cfg))
			require.Equal(t, tc.packed, cfg["packed"])
			require.Equal(t, tc.bidir, cfg["bidirectional"])
			require.Equal(t, tc.cell, cfg["cell"])

			// Import gives back the same model.
			back, err := spam.Import(dir)
			require.NoError(t, err)
			for i, p := range clf.Model.Params() {
				require.Equal(t, p.Value.F32, back.Model.Params()[i].Value.F32, p.Name)
			}
			require.Equal(t, clf.Model.Cfg, back.Model.Cfg)
			require.Equal(t, clf.Info, back.Info)
			require.Equal(t, clf.Labels, back.Labels)
		})
	}
}

// TestExportWithPyTorch runs the round trip live where Debian's
// python3-torch is installed: a fresh export of each Ember model, loaded
// by benchmarks/pytorch/spamrnn_torch.py, gives spamrnn's probabilities.
func TestExportWithPyTorch(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s with torch is not available (%v): the committed probabilities are checked by TestExportLoadsInPyTorch", python, err)
	}
	for _, tc := range exports {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "export")
			model := filepath.Join(interop, tc.ember)
			code, _, stderr := runCmd(t, "", "export", "--model", model, "--out", dir)
			require.Equal(t, 0, code, stderr)
			cmd := exec.Command(python, "../../benchmarks/pytorch/spamrnn_torch.py", "predict", dir, "--json")
			cmd.Stdin = strings.NewReader(strings.Join(messages(t), "\n") + "\n")
			out, err := cmd.Output()
			require.NoError(t, err)
			var got []torchProb
			require.NoError(t, json.Unmarshal(out, &got))
			clf, err := spam.Load(model)
			require.NoError(t, err)
			requireSameProbs(t, clf, got)
		})
	}
}

// TestImportConfigFields: an export whose config.json predates "packed"
// and "labels" imports as a padded ham/spam model; "labels" names the
// classes of another two-class model, and export writes them back.
// TestImportHalfPrecision: an export whose weights are BF16 (as a
// model.half() or bfloat16 PyTorch model saves them) imports, widened, to
// the same model as the float32 one to BF16's precision; the size check
// before the model is built allows 2 bytes a parameter.
func TestImportHalfPrecision(t *testing.T) {
	src := filepath.Join(interop, "torch_export")
	dir := filepath.Join(t.TempDir(), "export")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, name := range []string{spam.ExportVocab, spam.ExportConfig} {
		raw, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), raw, 0o644))
	}
	f, err := safetensors.ReadFile(filepath.Join(src, spam.ExportWeights))
	require.NoError(t, err)
	var half []safetensors.Tensor
	for _, name := range f.Names() {
		t32, _ := f.Tensor(name)
		require.Equal(t, safetensors.F32, t32.Dtype, name)
		b := make([]byte, 2*t32.Len())
		for i := range t32.Len() {
			// BF16 is the top half of a float32's bits (rounded toward zero here).
			copy(b[2*i:], t32.Data[4*i+2:4*i+4])
		}
		half = append(half, safetensors.Tensor{Name: name, Dtype: safetensors.BF16, Shape: t32.Shape, Data: b})
	}
	var buf bytes.Buffer
	require.NoError(t, safetensors.Write(&buf, half, nil))
	require.NoError(t, os.WriteFile(filepath.Join(dir, spam.ExportWeights), buf.Bytes(), 0o644))

	c, err := spam.Import(dir)
	require.NoError(t, err)
	full, err := spam.Import(src)
	require.NoError(t, err)
	for i, p := range c.Model.Params() {
		q := full.Model.Params()[i]
		for j := range p.Value.Len() {
			require.InDelta(t, q.Value.At(j), p.Value.At(j), math.Abs(q.Value.At(j))/128+1e-30, "%s[%d]", p.Name, j)
		}
	}
}

func TestImportConfigFields(t *testing.T) {
	src := filepath.Join(interop, "torch_export")
	withConfig := func(edit func(cfg map[string]any)) string {
		dir := filepath.Join(t.TempDir(), "export")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, name := range []string{spam.ExportWeights, spam.ExportVocab, spam.ExportConfig} {
			raw, err := os.ReadFile(filepath.Join(src, name))
			require.NoError(t, err)
			if name == spam.ExportConfig {
				var cfg map[string]any
				require.NoError(t, json.Unmarshal(raw, &cfg))
				edit(cfg)
				raw, err = json.Marshal(cfg)
				require.NoError(t, err)
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), raw, 0o644))
		}
		return dir
	}
	old, err := spam.Import(withConfig(func(cfg map[string]any) { delete(cfg, "packed"); delete(cfg, "labels") }))
	require.NoError(t, err)
	require.False(t, old.Model.Cfg.Packed)
	require.Equal(t, spam.SMSLabels, old.Labels)
	requireSameProbs(t, old, readTorchProbs(t, filepath.Join(interop, "torch_probs.json")))

	named, err := spam.Import(withConfig(func(cfg map[string]any) {
		cfg["labels"] = map[string]string{"negative": "legit", "positive": "phish"}
	}))
	require.NoError(t, err)
	require.Equal(t, spam.Labels{Negative: "legit", Positive: "phish"}, named.Labels)
	preds, err := named.Predict([]string{"WINNER!! claim your prize, call now"})
	require.NoError(t, err)
	require.Contains(t, []string{"legit", "phish"}, preds[0].Label)
	dir := filepath.Join(t.TempDir(), "again")
	require.NoError(t, named.Export(dir))
	back, err := spam.Import(dir)
	require.NoError(t, err)
	require.Equal(t, named.Labels, back.Labels)

	_, err = spam.Import(withConfig(func(cfg map[string]any) {
		cfg["labels"] = map[string]string{"negative": "spam", "positive": "spam"}
	}))
	require.ErrorContains(t, err, `class labels "spam" and "spam"`)
	require.ErrorContains(t, err, spam.ExportConfig)
}

func TestExportImportErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notDir, []byte("x"), 0o644))
	code, _, stderr := runCmd(t, "", "export", "--model", filepath.Join(interop, "ember.model"), "--out", notDir)
	require.NotEqual(t, 0, code, stderr)
	require.Contains(t, stderr, "exists and is not a directory")
	code, _, stderr = runCmd(t, "", "export", "--out", dir)
	require.NotEqual(t, 0, code)
	require.Contains(t, stderr, "--model is required")

	// A directory that is no export, or an export without a file: said to
	// be no export, with what one holds and what writes one (not "open
	// DIR/config.json: no such file or directory").
	code, _, stderr = runCmd(t, "", "import", dir, "--out", filepath.Join(dir, "m.model"))
	require.Equal(t, 1, code)
	require.Equal(t, "spamrnn import: "+dir+": not a spamrnn export: it has no model.safetensors or vocab.txt or config.json "+
		"(an export holds model.safetensors, vocab.txt and config.json); spamrnn export writes one from a model file, "+
		"and benchmarks/pytorch/spamrnn_torch.py export from a PyTorch model\n", stderr)
	partial := copyExport(t)
	require.NoError(t, os.Remove(filepath.Join(partial, spam.ExportWeights)))
	code, _, stderr = runCmd(t, "", "import", partial, "--out", filepath.Join(dir, "m.model"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "spamrnn import: "+partial+": not a spamrnn export: it has no model.safetensors (an export holds")

	// No directory, or a file: command-line errors, said before any work.
	for arg, want := range map[string]string{
		filepath.Join(dir, "missing"): ": no such directory (an export directory holds model.safetensors",
		notDir:                        ": not a directory (an export directory holds model.safetensors",
		"":                            `"": an empty DIR; give the export directory (it holds model.safetensors`,
	} {
		code, _, stderr = runCmd(t, "", "import", arg, "--out", filepath.Join(dir, "m.model"))
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, "spamrnn import: "+arg+want)
	}

	// A file of an export given as a model: said to be one, with how to
	// make a model of the export (it said only that the file is no Ember
	// model file).
	vocab := filepath.Join(partial, spam.ExportVocab) // of an export without its weights
	code, _, stderr = runCmd(t, "", "predict", "--model", filepath.Join(interop, "torch_export", spam.ExportWeights), "hello")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "not an Ember model file (it starts with ")
	export := filepath.Join(interop, "torch_export")
	require.Contains(t, stderr, "; it is part of the export in "+export+": spamrnn import "+export+" --out FILE makes a model file of it\n")
	code, _, stderr = runCmd(t, "", "predict", "--model", vocab, "hello")
	require.Equal(t, 1, code)
	require.NotContains(t, stderr, "part of the export", "not all of an export's files are there")

	// A broken export: the vocabulary one line short.
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.MkdirAll(bad, 0o755))
	for _, name := range []string{spam.ExportWeights, spam.ExportConfig, spam.ExportVocab} {
		raw, err := os.ReadFile(filepath.Join(interop, "torch_export", name))
		require.NoError(t, err)
		if name == spam.ExportVocab {
			raw = raw[:strings.LastIndex(strings.TrimSuffix(string(raw), "\n"), "\n")+1]
		}
		require.NoError(t, os.WriteFile(filepath.Join(bad, name), raw, 0o644))
	}
	code, _, stderr = runCmd(t, "", "import", bad, "--out", filepath.Join(dir, "m.model"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "499 tokens, but config.json says vocab_size 500")
	_, err := os.Stat(filepath.Join(dir, "m.model"))
	require.ErrorIs(t, err, os.ErrNotExist, "nothing written")
}

// copyExport copies the PyTorch export fixture into a new directory.
func copyExport(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, name := range []string{spam.ExportWeights, spam.ExportConfig, spam.ExportVocab} {
		raw, err := os.ReadFile(filepath.Join(interop, "torch_export", name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), raw, 0o644))
	}
	return dir
}

// TestImportExportKeepInputs: import's --out may not be a file of the
// export it reads, nor export's --model one of the files it writes: either
// would replace an input (import once wrote its model over vocab.txt).
func TestImportExportKeepInputs(t *testing.T) {
	dir := copyExport(t)
	for _, name := range []string{spam.ExportWeights, spam.ExportConfig, spam.ExportVocab} {
		p := filepath.Join(dir, name)
		before, err := os.ReadFile(p)
		require.NoError(t, err)
		code, _, stderr := runCmd(t, "", "import", dir, "--out", p)
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, "--out "+p+": is the export's "+name)
		after, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Equal(t, before, after, "%s unchanged", name)
	}

	model, err := os.ReadFile(filepath.Join(interop, "ember.model"))
	require.NoError(t, err)
	for _, name := range []string{spam.ExportWeights, spam.ExportConfig, spam.ExportVocab} {
		out := t.TempDir()
		p := filepath.Join(out, name)
		require.NoError(t, os.WriteFile(p, model, 0o644))
		code, _, stderr := runCmd(t, "", "export", "--model", p, "--out", out)
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, "--model "+p+": export writes "+name+" in --out "+out)
		after, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Equal(t, model, after, "%s unchanged", name)
	}
}

// TestImportBadVocabLineIsClipped: a vocab.txt that is no vocabulary (a
// model file copied over it) is named with its line, not printed whole.
func TestImportBadVocabLineIsClipped(t *testing.T) {
	dir := copyExport(t)
	vocab := filepath.Join(dir, spam.ExportVocab)
	long := "<pad>\n<unk>\n" + strings.Repeat("x y ", 20000) + "\n"
	require.NoError(t, os.WriteFile(vocab, []byte(long), 0o644))
	code, _, stderr := runCmd(t, "", "import", dir, "--out", filepath.Join(t.TempDir(), "m.model"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, vocab+": line 3")
	require.Contains(t, stderr, "contains white space")
	require.Less(t, len(stderr), 400, stderr)
}

// TestImportVocabLineTooLong: a line beyond the reader's 1 MiB is named.
func TestImportVocabLineTooLong(t *testing.T) {
	dir := copyExport(t)
	vocab := filepath.Join(dir, spam.ExportVocab)
	require.NoError(t, os.WriteFile(vocab, []byte("<pad>\n<unk>\n"+strings.Repeat("x", 2<<20)+"\n"), 0o644))
	code, _, stderr := runCmd(t, "", "import", dir, "--out", filepath.Join(t.TempDir(), "m.model"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, vocab+": line 3 is longer than 1 MiB")
}

// TestImportSizesCheckedFirst: config.json's sizes are checked against
// their bounds and against the weights file before the model is built: a
// hidden_size of 10^9 (or sizes within bounds that need terabytes) made
// import die of running out of memory instead of saying what is wrong.
func TestImportSizesCheckedFirst(t *testing.T) {
	edit := func(change map[string]any) string {
		dir := copyExport(t)
		p := filepath.Join(dir, spam.ExportConfig)
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		var cfg map[string]any
		require.NoError(t, json.Unmarshal(raw, &cfg))
		for k, v := range change {
			cfg[k] = v
		}
		raw, err = json.Marshal(cfg)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, raw, 0o644))
		return dir
	}
	for _, tc := range []struct {
		change map[string]any
		want   string
	}{
		{map[string]any{"hidden_size": 1e9}, "hidden_size 1000000000: want 1 to 65536"},
		{map[string]any{"embedding_dim": 0}, "embedding_dim 0: want 1 to 65536"},
		{map[string]any{"num_layers": 1000}, "num_layers 1000: want 1 to 64"},
		{map[string]any{"seq_len": 1e7}, "seq_len 10000000: want 1 to 10000"},
		{map[string]any{"hidden_size": 60000, "num_layers": 64}, "parameters, at least 3,657,665,408,002 bytes at 2 bytes each), but"},
	} {
		dir := edit(tc.change)
		_, err := spam.Import(dir)
		require.ErrorContains(t, err, tc.want, tc.change)
		code, _, stderr := runCmd(t, "", "import", dir, "--out", filepath.Join(t.TempDir(), "m.model"))
		require.Equal(t, 1, code, stderr)
	}
}

// TestExportHelp: export's help names what a GRU model's weights are
// called and that a cnn model cannot be exported (it named only the
// LSTM's, and export then refused the cnn).
func TestExportHelp(t *testing.T) {
	code, out, _ := runCmd(t, "", "export", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "a GRU model has gru.* in place of lstm.*")
	require.Contains(t, out, "A cnn model has no PyTorch counterpart and is not exported.")
	require.Contains(t, out, "a bidirectional one each\nlayer's reverse cell too, under the same names with _reverse added")
	require.Contains(t, out, "DIR is created if needed (its parent must exist)")
	code, _, stderr := runCmd(t, "", "export", "--model", filepath.Join(t.TempDir(), "none"), "--out", t.TempDir())
	require.Equal(t, 2, code, stderr)
}
