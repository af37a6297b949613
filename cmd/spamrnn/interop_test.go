package main

import (
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

// TestImportPyTorchModel: weights and vocabulary made by PyTorch, imported
// by spamrnn import, predict what PyTorch predicts (float32, 1e-5).
func TestImportPyTorchModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "torch.model")
	code, stdout, stderr := runCmd(t, "", "import", filepath.Join(interop, "torch_export"), "--out", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "imported")
	clf, err := spam.Load(out)
	require.NoError(t, err)
	want := readTorchProbs(t, filepath.Join(interop, "torch_probs.json"))
	require.Len(t, want, len(messages(t)))
	requireSameProbs(t, clf, want)
	// And through the command, as a user would.
	code, stdout, _ = runCmd(t, "", "predict", "--model", out, want[1].Text)
	require.Equal(t, 0, code)
	require.Equal(t, want[1].Label, strings.Fields(stdout)[0])
}

// TestExportLoadsInPyTorch: a model trained by spamrnn, exported, gives in
// PyTorch (the committed probabilities of spamrnn_torch.py predict on its
// export) what spamrnn gives (1e-5); the export holds the model's tensors
// exactly, under the reference names.
func TestExportLoadsInPyTorch(t *testing.T) {
	model := filepath.Join(interop, "ember.model")
	dir := filepath.Join(t.TempDir(), "export")
	code, _, stderr := runCmd(t, "", "export", "--model", model, "--out", dir)
	require.Equal(t, 0, code, stderr)
	clf, err := spam.Load(model)
	require.NoError(t, err)
	requireSameProbs(t, clf, readTorchProbs(t, filepath.Join(interop, "ember_probs.json")))

	f, err := safetensors.ReadFile(filepath.Join(dir, spam.ExportWeights))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"emb.weight", "fc.weight", "fc.bias",
		"lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
		"lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1"}, f.Names())
	emb, _ := f.Tensor("emb.weight")
	require.Equal(t, safetensors.F32, emb.Dtype)
	b, err := emb.Buf(clf.Model.Emb.Table.Value.Dtype)
	require.NoError(t, err)
	require.Equal(t, clf.Model.Emb.Table.Value.F32, b.F32)
	vocab, err := os.ReadFile(filepath.Join(dir, spam.ExportVocab))
	require.NoError(t, err)
	require.Equal(t, strings.Join(clf.Vocab.Words(), "\n")+"\n", string(vocab))

	// Import gives back the same model.
	back, err := spam.Import(dir)
	require.NoError(t, err)
	for i, p := range clf.Model.Params() {
		require.Equal(t, p.Value.F32, back.Model.Params()[i].Value.F32, p.Name)
	}
	require.Equal(t, clf.Model.Cfg, back.Model.Cfg)
	require.Equal(t, clf.Info, back.Info)
}

// TestExportWithPyTorch runs the round trip live where Debian's
// python3-torch is installed: a fresh export of the Ember model, loaded by
// benchmarks/pytorch/spamrnn_torch.py, gives spamrnn's probabilities.
func TestExportWithPyTorch(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s with torch is not available (%v): the committed probabilities are checked by TestExportLoadsInPyTorch", python, err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	model := filepath.Join(interop, "ember.model")
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

	code, _, stderr = runCmd(t, "", "import", dir, "--out", filepath.Join(dir, "m.model"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "config.json")

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
