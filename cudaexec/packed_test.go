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

// packedNet is a classifier over left-padded token ids with their lengths:
// embedding, a packed two-layer LSTM or GRU (dropout between the layers),
// dense, sigmoid and BCE, with its gradient; seq is the top layer's
// hidden states.
type packedNet struct {
	g                *graph.Graph
	ids, lengths, y  *gorgonia.Node
	p, loss, seq     *gorgonia.Node
	grads            []*gorgonia.Node
	params           []*graph.Param
	fwd              []*gorgonia.Node
	vocab, batch, ts int
}

func buildPackedNet(t *testing.T, cell string, vocab, embed, hidden, batch, steps int) *packedNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 9))
	dt := tensor.Float32
	emb := layers.NewEmbedding("embedding", vocab, embed, dt, rng)
	rnn, err := layers.NewRecurrent(cell, cell, embed, hidden, 2, 0.5, dt, rng)
	require.NoError(t, err)
	dense := layers.NewDense("dense", hidden, 1, dt, rng)
	g := graph.New(dt, true)
	n := &packedNet{g: g, vocab: vocab, batch: batch, ts: steps}
	n.ids = g.Input("ids", tensor.Int32, batch, steps)
	n.lengths = g.Input("lengths", tensor.Int32, batch)
	n.y = g.Input("label", dt, batch, 1)
	var last *gorgonia.Node
	n.seq, last = rnn.ForwardPacked(g, emb.Forward(g, n.ids), n.lengths)
	n.p = layers.Sigmoid(dense.Forward(g, last))
	n.loss = layers.BCELoss(n.p, n.y)
	n.grads, err = g.Grad(n.loss)
	require.NoError(t, err)
	n.params = g.Params()
	n.fwd = []*gorgonia.Node{n.loss, n.p, n.seq}
	return n
}

// batch makes left-padded ids for the given lengths, and labels.
func (n *packedNet) batchFor(lens []int32, run int) (ids, lengths, y *graph.Buf) {
	rng := rand.New(rand.NewPCG(uint64(run), 10))
	ids = graph.NewBuf(tensor.Int32, n.batch, n.ts)
	lengths = graph.NewBuf(tensor.Int32, n.batch)
	y = graph.NewBuf(tensor.Float32, n.batch, 1)
	for b, l := range lens {
		lengths.I32[b] = l
		for k := n.ts - int(l); k < n.ts; k++ {
			ids.I32[b*n.ts+k] = int32(1 + rng.IntN(n.vocab-1))
		}
		y.F32[b] = float32(rng.IntN(2))
	}
	return ids, lengths, y
}

// TestCUDAPackedParity runs the packed LSTM and GRU classifiers' loss,
// output, top-layer hidden states and every parameter gradient on the CPU
// Program (which skips padding) and on the CUDA program (the emulator
// without a GPU; it masks padding), over runs with unsorted lengths (one
// of 0, one of T), sorted lengths, and all lengths T. The padding's hidden
// states are exact zeros on both. Hidden 37 and batch 20 leave partial
// tiles in the fused step kernels.
func TestCUDAPackedParity(t *testing.T) {
	ctx := cudaContext(t)
	const vocab, embed, hidden, batch, steps = 40, 6, 37, 20, 7
	runs := [][]int32{
		{3, 7, 0, 1, 5, 2, 7, 4, 6, 1, 3, 3, 2, 7, 5, 1, 4, 6, 2, 1},
		{7, 7, 6, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1},
		{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
	}
	for _, cell := range layers.Cells {
		t.Run(cell, func(t *testing.T) {
			cpuNet := buildPackedNet(t, cell, vocab, embed, hidden, batch, steps)
			gpuNet := buildPackedNet(t, cell, vocab, embed, hidden, batch, steps)
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
				require.NoError(t, cpuProg.Buf(cpuNet.lengths).CopyFrom(lengths))
				require.NoError(t, cpuProg.Buf(cpuNet.y).CopyFrom(y))
				require.NoError(t, cpuProg.Run())
				require.NoError(t, gpuProg.Upload(gpuNet.ids, ids))
				require.NoError(t, gpuProg.Upload(gpuNet.lengths, lengths))
				require.NoError(t, gpuProg.Upload(gpuNet.y, y))
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
					if i == 2 {
						for b, l := range lens {
							for s := 0; s < steps-int(l); s++ {
								for j := 0; j < hidden; j++ {
									require.Zerof(t, got.At((s*batch+b)*hidden+j), "CUDA h at padding step %d row %d", s, b)
								}
							}
						}
					}
					t.Logf("run %d: %-22s rel err %.2e, scaled %.2e", run, name, e, nrm)
				}
			}
			bad := graph.NewBuf(tensor.Int32, batch)
			bad.I32[3] = steps + 1
			require.ErrorContains(t, gpuProg.Upload(gpuNet.lengths, bad), "sequence length 8 of row 3 is outside [0, 7]")
		})
	}
}
