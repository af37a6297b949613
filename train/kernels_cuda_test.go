//go:build embercuda || cudaemu

package train_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

// TestCUDAKernelsPerStep counts the device operations (kernel launches,
// device copies, memsets) of one training step of the spam model at batch
// 10, 44 tokens (6 with -short), 2 recurrent layers with dropout: one
// kernel per layer, step and direction (4T), and, besides them, 29 for
// the LSTM and the GRU (each layer's second bias gradient is a copy of the
// first). Issue 15 counted 235 = 176 + 59 at T = 44 before (the norm as a
// reduction per gradient and a finishing pass, clipping and Adam per
// parameter, a bias add after every projection, ViewGrad as a memset and a
// copy); the backend seam's store made it 225 = 176 + 49 (with the LSTM's
// one bias then). The count is the same through Context.Enqueued and
// through the profile's kernel counts.
func TestCUDAKernelsPerStep(t *testing.T) {
	dev := cudaDevice(t).WithGraphs(false)
	steps := 44
	if testing.Short() {
		steps = 6
	}
	for _, tc := range []struct {
		cell   string
		others int
	}{{"lstm", 29}, {"gru", 29}} {
		t.Run(tc.cell, func(t *testing.T) {
			cfg := cellConfig(tc.cell, spam.Config{Vocab: 50, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5, SeqLen: steps})
			m, err := spam.NewModel(cfg, 7)
			require.NoError(t, err)
			tr, err := train.NewTrainer(m, train.Config{BatchSize: 10, ClipNorm: 0.5, Optimizer: optim.NewAdam(1e-2), Device: dev})
			require.NoError(t, err)
			defer tr.Close()
			d := newRandomIDs(20, cfg.SeqLen, cfg.Vocab, 3)
			idx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
			_, _, err = tr.Step(d, idx) // allocates the kernels' workspace
			require.NoError(t, err)
			ctx := dev.Context()
			before := ctx.Enqueued()
			_, _, err = tr.Step(d, idx)
			require.NoError(t, err)
			n := int(ctx.Enqueued() - before)
			recurrent := 2 * 2 * steps
			t.Logf("%s, batch 10, %d tokens: %d device operations per training step = %d recurrent steps + %d others",
				tc.cell, steps, n, recurrent, n-recurrent)
			require.Equal(t, recurrent+tc.others, n)

			require.NoError(t, tr.SetProfiling(true))
			_, _, err = tr.Step(d, idx)
			require.NoError(t, err)
			p := tr.Profile()
			require.Equal(t, n, p.Kernels()/p.Steps, "the profile counts the same kernels:\n%v", p)
			t.Logf("per op (kernels/step):\n%v", p)
		})
	}
}
