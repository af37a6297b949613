//go:build embercuda || cudaemu

package train_test

import (
	"strings"
	"testing"

	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/spam"
)

// TestCUDATrainerMatchesCPUBidirectional is TestCUDATrainerMatchesCPU for
// the bidirectional recurrent models, padded and packed: the reversals,
// the joins of the two directions and the reverse cells' updates (Adam on
// the device, clipping over every parameter) agree with the CPU's step by
// step.
func TestCUDATrainerMatchesCPUBidirectional(t *testing.T) {
	dev := cudaDevice(t)
	for _, cell := range []string{"lstm", "gru", "lstm-packed", "gru-packed"} {
		t.Run(cell, func(t *testing.T) {
			name, packed := strings.CutSuffix(cell, "-packed")
			cfg := cellConfig(name, spam.Config{Vocab: 50, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5, SeqLen: 6,
				Packed: packed, Bidirectional: true})
			trainersMatch(t, dev, cfg, 0.5, optim.NewAdam(1e-2), optim.NewAdam(1e-2))
		})
	}
}
