package cudaexec_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

// recurrentNet is a classifier over left-padded token ids: embedding, a
// two-layer LSTM or GRU (dropout between the layers; one direction or
// both), dense, sigmoid and BCE, with its gradient. Packed, it takes the
// rows' lengths and skips padding; padded, it runs over every step. seq is
// the top layer's outputs, seqWidth wide.
type recurrentNet struct {
	g                *graph.Graph
	ids, lengths, y  *gorgonia.Node
	p, loss, seq     *gorgonia.Node
	grads            []*gorgonia.Node
	params           []*graph.Param
	fwd              []*gorgonia.Node
	packed           bool
	vocab, batch, ts int
	seqWidth         int
}

// buildRecurrentNet builds a recurrentNet with the same weights every time
// (a fixed seed), so that two builds can run on two backends and be
// compared.
func buildRecurrentNet(t *testing.T, cell string, bidirectional, packed bool, vocab, embed, hidden, batch, steps int) *recurrentNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 9))
	dt := tensor.Float32
	emb := layers.NewEmbedding("embedding", vocab, embed, dt, rng)
	rnn, err := layers.NewRecurrent(cell, cell, embed, hidden, 2, 0.5, dt, rng, layers.WithBidirectional(bidirectional))
	require.NoError(t, err)
	dense := layers.NewDense("dense", rnn.OutputSize(), 1, dt, rng)
	g := graph.New(dt, true)
	n := &recurrentNet{g: g, packed: packed, vocab: vocab, batch: batch, ts: steps, seqWidth: rnn.OutputSize()}
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

// batchFor makes left-padded ids for the given lengths, and labels.
func (n *recurrentNet) batchFor(lens []int32, run int) (ids, lengths, y *graph.Buf) {
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

// parityRunLengths are the rows' lengths of the parity tests' runs, for
// batch 20 and 7 steps: unsorted (one of 0, one of 1, one of T), sorted,
// and all T.
var parityRunLengths = [][]int32{
	{3, 7, 0, 1, 5, 2, 7, 4, 6, 1, 3, 3, 2, 7, 5, 1, 4, 6, 2, 1},
	{7, 7, 6, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1},
	{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
}

// requireRecurrentParity runs cpuNet on the CPU Program and gpuNet (built
// the same way) on the CUDA program over runs of the given lengths: loss,
// output, the top layer's outputs and every parameter gradient agree
// within parity's float32 tolerances. Packed, the CUDA top-layer outputs
// are exact zeros at padding, and a length past the steps is refused at
// upload.
func requireRecurrentParity(t *testing.T, ctx *cuda.Context, cpuNet, gpuNet *recurrentNet, runs [][]int32) {
	t.Helper()
	batch, steps, width := cpuNet.batch, cpuNet.ts, cpuNet.seqWidth
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
		if cpuNet.packed {
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
			if i == 2 && cpuNet.packed {
				for b, l := range lens {
					for s := 0; s < steps-int(l); s++ {
						for j := 0; j < width; j++ {
							require.Zerof(t, got.At((s*batch+b)*width+j), "CUDA top-layer output at padding step %d row %d", s, b)
						}
					}
				}
			}
			t.Logf("run %d: %-32s rel err %.2e, scaled %.2e", run, name, e, nrm)
		}
	}
	if cpuNet.packed {
		bad := graph.NewBuf(tensor.Int32, batch)
		bad.I32[3] = int32(steps + 1)
		require.ErrorContains(t, gpuProg.Upload(gpuNet.lengths, bad), fmt.Sprintf("sequence length %d of row 3 is outside [0, %d]", steps+1, steps))
	}
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
	for _, cell := range layers.Cells {
		t.Run(cell, func(t *testing.T) {
			cpuNet := buildRecurrentNet(t, cell, false, true, vocab, embed, hidden, batch, steps)
			gpuNet := buildRecurrentNet(t, cell, false, true, vocab, embed, hidden, batch, steps)
			requireRecurrentParity(t, ctx, cpuNet, gpuNet, parityRunLengths)
		})
	}
}
