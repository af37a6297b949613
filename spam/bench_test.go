package spam

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
		d.IDs[i] = int32(1 + rng.IntN(v-1))
	}
	// Left padding as in the SMS data (15 of 44 tokens on average, so
	// that packed models have padding to skip).
	for r := 0; r < n; r++ {
		clear(d.Row(r)[:seqLen-min(seqLen, 1+int(rng.ExpFloat64()*float64(seqLen)/3))])
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
//
// The packed models (cell=lstm-packed, gru-packed) step on a batch of the
// synthetic rows' median bucket: the batch at the middle of the rows
// sorted by length, as the bucketing sampler makes them.
func BenchmarkTrainStep(b *testing.B) {
	for _, cell := range append(Cells, "lstm-packed", "gru-packed") {
		for _, batch := range []int{10, 64} {
			b.Run(fmt.Sprintf("cell=%s/batch=%d", cell, batch), func(b *testing.B) {
				cfg := DefaultConfig()
				cell, packed := strings.CutSuffix(cell, "-packed")
				cfg.Packed = packed
				tr, d, idx := newStepper(b, cell, cfg, batch)
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
	set := syntheticSet(32*batch, cfg.Vocab, cfg.SeqLen)
	var d train.Data = set
	idx := make([]int, batch)
	for i := range idx {
		idx[i] = i
	}
	if cfg.Packed {
		byLength := make([]int, set.Len())
		for i := range byLength {
			byLength[i] = i
		}
		slices.SortStableFunc(byLength, func(x, y int) int { return set.Length(y) - set.Length(x) })
		copy(idx, byLength[set.Len()/2:])
	}
	if _, _, err := tr.Step(d, idx); err != nil {
		tb.Fatal(err)
	}
	return tr, d, idx
}

// requireTrainStepAllocatesNothing requires a CPU training step of cell's
// model with cfg, on batches of changing rows (and so of changing lengths,
// which packed models follow), to allocate nothing.
func requireTrainStepAllocatesNothing(t *testing.T, cell string, cfg Config) {
	t.Helper()
	tr, d, idx := newStepper(t, cell, cfg, 6)
	batches := [][]int{idx, {5, 4, 3, 2, 1, 0}, {7, 9, 8, 6, 11, 10}}
	step := 0
	allocs := testing.AllocsPerRun(20, func() {
		step++
		if _, _, err := tr.Step(d, batches[step%len(batches)]); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs, "allocations per training step")
}

// TestTrainStepAllocatesNothing: a training step of every cell's model
// (dropout included), and of the packed recurrent models on batches of
// changing lengths, allocates nothing on the CPU.
func TestTrainStepAllocatesNothing(t *testing.T) {
	cfg := Config{SeqLen: 12, Embed: 8, Hidden: 8, Layers: 2, Dropout: 0.3, Widths: []int{2, 3}, Channels: 4}
	for _, cell := range append(Cells, "lstm-packed", "gru-packed") {
		t.Run(cell, func(t *testing.T) {
			c := cfg
			if cell != "cnn" {
				c.Widths, c.Channels = nil, 0
			}
			cell, c.Packed = strings.CutSuffix(cell, "-packed")
			requireTrainStepAllocatesNothing(t, cell, c)
		})
	}
}
