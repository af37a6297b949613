package cudaexec_test

import (
	"testing"

	"github.com/emberml/ember/layers"
)

// TestCUDABidirectionalParity runs classifiers with a bidirectional LSTM
// and GRU stack, padded and packed, on the CPU Program and on the CUDA
// program (the emulator without a GPU): loss, output, the top layer's
// (T, B, 2H) outputs and every parameter gradient (the _reverse cells'
// included) agree within parity's float32 tolerances, over runs with
// unsorted lengths (one of 0, one of 1, one of T), sorted lengths and all
// lengths T. Packed, both directions' outputs are exact zeros at padding.
// The reversals (graph.Reverse, graph.PackedReverse) run in the forward
// and the backward pass.
func TestCUDABidirectionalParity(t *testing.T) {
	ctx := cudaContext(t)
	const vocab, embed, hidden, batch, steps = 40, 6, 37, 20, 7
	for _, cell := range layers.Cells {
		for _, packed := range []bool{false, true} {
			mode := map[bool]string{false: "padded", true: "packed"}[packed]
			t.Run(cell+"/"+mode, func(t *testing.T) {
				cpuNet := buildRecurrentNet(t, cell, true, packed, vocab, embed, hidden, batch, steps)
				gpuNet := buildRecurrentNet(t, cell, true, packed, vocab, embed, hidden, batch, steps)
				requireRecurrentParity(t, ctx, cpuNet, gpuNet, parityRunLengths)
			})
		}
	}
}
