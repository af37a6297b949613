package spam

import (
	"fmt"
	"math/rand/v2"
	"testing"

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
// (embedding 100, 2×LSTM 256, seq 44; forward, backward, clip 5, Adam) and
// reports training sequences per second. allocs/op must be 0.
func BenchmarkTrainStep(b *testing.B) {
	for _, batch := range []int{10, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Vocab = 8000
			m, err := NewModel(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			tr, err := train.NewTrainer(m, train.Config{BatchSize: batch, ClipNorm: 5, Optimizer: optim.NewAdam(1e-3)})
			if err != nil {
				b.Fatal(err)
			}
			var d train.Data = syntheticSet(4*batch, cfg.Vocab, cfg.SeqLen)
			idx := make([]int, batch)
			for i := range idx {
				idx[i] = i
			}
			if _, _, err := tr.Step(d, idx); err != nil { // optimizer state
				b.Fatal(err)
			}
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
