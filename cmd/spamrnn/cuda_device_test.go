//go:build embercuda || cudaemu

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/data"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

func TestSelectDeviceAuto(t *testing.T) {
	d, note, err := selectDevice("auto")
	require.NoError(t, err)
	defer d.close()
	if cuda.Backend() != "cuda" {
		require.Equal(t, "cpu", d.name, "auto never picks the emulator")
		require.Contains(t, note, "using the CPU")
		return
	}
	if _, err := cuda.Devices(); err != nil {
		require.Equal(t, "cpu", d.name)
		require.Contains(t, note, "CUDA unavailable")
		return
	}
	require.Equal(t, "cuda:0", d.name)
	require.True(t, d.dev.IsCUDA())
}

func TestSelectDeviceBadOrdinal(t *testing.T) {
	_, _, err := selectDevice("cuda:x")
	require.ErrorContains(t, err, "cuda:N")
}

// TestCUDATrainedModelPredictsOnCPU trains on CUDA (through the command on
// a real GPU, through the library on the emulator), saves, and loads and
// predicts with the command on the CPU.
func TestCUDATrainedModelPredictsOnCPU(t *testing.T) {
	devs, err := cuda.Devices()
	if err != nil || len(devs) == 0 {
		t.Skipf("no CUDA device or emulator (%s backend): %v", cuda.Backend(), err)
	}
	model := filepath.Join(t.TempDir(), "spam.model")
	if cuda.Backend() == "cuda" {
		code, out, errOut := runCmd(t, "", append([]string{"train", "--data", fixture(t), "--out", model, "--device", "cuda", "--json"}, smallModel...)...)
		require.Equal(t, 0, code, "stderr: %s", errOut)
		require.Equal(t, "cuda:0", lastJSON(t, out)["device"])
	} else {
		d, _, err := selectDevice("cuda")
		require.NoError(t, err)
		defer d.close()
		ex, load, err := data.DemoCorpus()
		require.NoError(t, err)
		c, rep, err := spam.Train(context.Background(), ex[:200], load, spam.Options{
			Model:  spam.Config{SeqLen: 10, Embed: 8, Hidden: 8, Layers: 1},
			Epochs: 1, BatchSize: 32, LR: 1e-2, Device: d.dev,
		})
		require.NoError(t, err)
		require.Equal(t, 1, rep.Fit.BestEpoch)
		require.NoError(t, c.Save(model))
		// The host weights are what the device trained: CPU scoring agrees.
		cpu, err := train.NewEvaluator(c.Model, tensor.Float32).Evaluate(spamSet(t, ex[:60], c), 30)
		require.NoError(t, err)
		dev, err := train.NewEvaluatorOn(c.Model, tensor.Float32, d.dev).Evaluate(spamSet(t, ex[:60], c), 30)
		require.NoError(t, err)
		require.InDelta(t, cpu.Loss, dev.Loss, 1e-5*cpu.Loss+1e-6)
	}
	code, out, errOut := runCmd(t, "", "predict", "--model", model, "free prize call now", "see you at dinner")
	require.Equal(t, 0, code, "stderr: %s", errOut)
	require.Equal(t, 2, strings.Count(strings.TrimSpace(out), "\n")+1, "one line per message: %q", out)
}

func spamSet(t *testing.T, ex []data.Example, c *spam.Classifier) spam.Dataset {
	t.Helper()
	kept, _ := data.DropEmpty(ex)
	idx := make([]int, len(kept))
	for i := range idx {
		idx[i] = i
	}
	d, err := data.NewDataset(kept, idx, c.Vocab, c.Model.Cfg.SeqLen)
	require.NoError(t, err)
	return spam.Dataset{Dataset: d}
}
