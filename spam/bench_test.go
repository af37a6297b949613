package spam

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// syntheticSet is n random rows over a vocabulary of v words, at the
// reference sequence length, for timing (timing does not depend on values).
func syntheticSet(n, v, seqLen int) Dataset {
	rng := rand.New(rand.NewPCG(1, 2))
	d := data.Dataset{IDs: make([]int32, n*seqLen), Labels: make([]float32, n), SeqLen: seqLen}
	for i := range d.IDs {
		d.IDs[i] = int32(rng.IntN(v))
	}
	for i := range d.Labels {
		d.Labels[i] = float32(i % 2)
	}
	return Dataset{d}
}

// BenchmarkTrainStep times one training step of the reference model
// (embedding 100, 2×LSTM 256, seq 44; forward, backward, clip 5, Adam), and
// of the same with a GRU or the text CNN in the LSTM's place, and reports
// training sequences per second. allocs/op must be 0.
func BenchmarkTrainStep(b *testing.B) {
	for _, cell := range Cells {
		for _, batch := range []int{10, 64} {
			b.Run(fmt.Sprintf("cell=%s/batch=%d", cell, batch), func(b *testing.B) {
				tr, d, idx := newStepper(b, cell, DefaultConfig(), batch)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, _, err := tr.Step(d, idx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "seq/s")
			})
		}
	}
}

// newStepper makes a trainer of the model cfg with the given cell, and a
// batch of synthetic data, after one step (which allocates the optimizer's
// state).
func newStepper(tb testing.TB, cell string, cfg Config, batch int) (*train.Trainer, train.Data, []int) {
	tb.Helper()
	cfg.Cell, cfg.Vocab = cell, 8000
	m, err := NewModel(cfg, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := train.NewTrainer(m, train.Config{BatchSize: batch, ClipNorm: 5, Optimizer: optim.NewAdam(1e-3)})
	if err != nil {
		tb.Fatal(err)
	}
	var d train.Data = syntheticSet(4*batch, cfg.Vocab, cfg.SeqLen)
	idx := make([]int, batch)
	for i := range idx {
		idx[i] = i
	}
	if _, _, err := tr.Step(d, idx); err != nil {
		tb.Fatal(err)
	}
	return tr, d, idx
}

// TestTrainStepAllocatesNothing: a training step of every cell's model
// (dropout included) allocates nothing on the CPU.
func TestTrainStepAllocatesNothing(t *testing.T) {
	cfg := Config{SeqLen: 12, Embed: 8, Hidden: 8, Layers: 2, Dropout: 0.3, Widths: []int{2, 3}, Channels: 4}
	for _, cell := range Cells {
		t.Run(cell, func(t *testing.T) {
			c := cfg
			if cell != "cnn" {
				c.Widths, c.Channels = nil, 0
			}
			tr, d, idx := newStepper(t, cell, c, 6)
			allocs := testing.AllocsPerRun(20, func() {
				if _, _, err := tr.Step(d, idx); err != nil {
					panic(err)
				}
			})
			require.Zero(t, allocs, "allocations per training step")
		})
	}
}
