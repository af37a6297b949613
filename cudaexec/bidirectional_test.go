package cudaexec_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

// buildBidirNet is buildPackedNet's classifier with a bidirectional
// two-layer stack, run packed (with the lengths input) or padded (over
// every step, the lengths input unused).
func buildBidirNet(t *testing.T, cell string, packed bool, vocab, embed, hidden, batch, steps int) *packedNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 9))
	dt := tensor.Float32
	emb := layers.NewEmbedding("embedding", vocab, embed, dt, rng)
	rnn, err := layers.NewRecurrent(cell, cell, embed, hidden, 2, 0.5, dt, rng, layers.WithBidirectional(true))
	require.NoError(t, err)
	dense := layers.NewDense("dense", rnn.OutputSize(), 1, dt, rng)
	g := graph.New(dt, true)
	n := &packedNet{g: g, vocab: vocab, batch: batch, ts: steps}
	n.ids = g.Input("ids", tensor.Int32, batch, steps)
	n.y = g.Input("label", dt, batch, 1)
	var last *gorgonia.Node
	if packed {
		n.lengths = g.Input("lengths", tensor.Int32, batch)
		n.seq, last = rnn.ForwardPacked(g, emb.Forward(g, n.ids), n.lengths)
	} else {
		n.seq, last = rnn.Forward(g, emb.Forward(g, n.ids))
	}
	n.p = layers.Sigmoid(dense.Forward(g, last))
	n.loss = layers.BCELoss(n.p, n.y)
	n.grads, err = g.Grad(n.loss)
	require.NoError(t, err)
	n.params = g.Params()
	n.fwd = []*gorgonia.Node{n.loss, n.p, n.seq}
	return n
}

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
	runs := [][]int32{
		{3, 7, 0, 1, 5, 2, 7, 4, 6, 1, 3, 3, 2, 7, 5, 1, 4, 6, 2, 1},
		{7, 7, 6, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1},
		{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
	}
	for _, cell := range layers.Cells {
		for _, packed := range []bool{false, true} {
			mode := map[bool]string{false: "padded", true: "packed"}[packed]
			t.Run(cell+"/"+mode, func(t *testing.T) {
				cpuNet := buildBidirNet(t, cell, packed, vocab, embed, hidden, batch, steps)
				gpuNet := buildBidirNet(t, cell, packed, vocab, embed, hidden, batch, steps)
				binds := map[*gorgonia.Node]*graph.Buf{}
				for _, p := range gpuNet.params {
					binds[gpuNet.g.Param(p)] = p.Value
				}
				cpuProg, err := cpuNet.g.Compile(cpuNet.fwd, cpuNet.grads)
				require.NoError(t, err)
				gpuProg, err := cudaexec.Compile(ctx, gpuNet.fwd, gpuNet.grads, binds)
				require.NoError(t, err)
				defer func() { require.NoError(t, gpuProg.Close()) }()
				for run, lens := range runs {
					ids, lengths, y := cpuNet.batchFor(lens, run)
					require.NoError(t, cpuProg.Buf(cpuNet.ids).CopyFrom(ids))
					require.NoError(t, cpuProg.Buf(cpuNet.y).CopyFrom(y))
					require.NoError(t, gpuProg.Upload(gpuNet.ids, ids))
					require.NoError(t, gpuProg.Upload(gpuNet.y, y))
					if packed {
						require.NoError(t, cpuProg.Buf(cpuNet.lengths).CopyFrom(lengths))
						require.NoError(t, gpuProg.Upload(gpuNet.lengths, lengths))
					}
					require.NoError(t, cpuProg.Run())
					require.NoError(t, gpuProg.Run())
					outs := append(append([]*gorgonia.Node(nil), gpuNet.fwd...), gpuNet.grads...)
					want := append(append([]*gorgonia.Node(nil), cpuNet.fwd...), cpuNet.grads...)
					for i, n := range outs {
						got, err := gpuProg.Download(n)
						require.NoError(t, err)
						name := []string{"loss", "p", "seq"}[min(i, 2)]
						if i > 2 {
							name = "d" + cpuNet.params[i-3].Name
						}
						e, nrm := parity(t, fmt.Sprintf("run %d %s", run, name), got, cpuProg.Buf(want[i]))
						if i == 2 && packed {
							for b, l := range lens {
								for s := 0; s < steps-int(l); s++ {
									for j := 0; j < 2*hidden; j++ {
										require.Zerof(t, got.At((s*batch+b)*2*hidden+j), "CUDA output at padding step %d row %d", s, b)
									}
								}
							}
						}
						t.Logf("run %d: %-32s rel err %.2e, scaled %.2e", run, name, e, nrm)
					}
				}
				if packed {
					bad := graph.NewBuf(tensor.Int32, batch)
					bad.I32[3] = steps + 1
					require.ErrorContains(t, gpuProg.Upload(gpuNet.lengths, bad), "sequence length 8 of row 3 is outside [0, 7]")
				}
			})
		}
	}
}
