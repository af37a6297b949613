package cudaexec_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

// layerNet is a classifier over token ids with a given encoder: embedding,
// then a stacked GRU (dropout between the layers) or a text CNN (Conv1D per
// width, ReLU, max over time, Concat; Tanh and dropout on its features),
// then dense, sigmoid and BCE, with its gradient.
type layerNet struct {
	g       *graph.Graph
	ids, y  *gorgonia.Node
	p, loss *gorgonia.Node
	grads   []*gorgonia.Node
	params  []*graph.Param
}

type layerShape struct {
	encoder                        string // "gru" or "cnn"
	vocab, embed, hidden, batch, t int
}

func buildLayerNet(t *testing.T, s layerShape, seed uint64) *layerNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	dt := tensor.Float32
	emb := layers.NewEmbedding("embedding", s.vocab, s.embed, dt, rng)
	g := graph.New(dt, true)
	ids := g.Input("ids", tensor.Int32, s.batch, s.t)
	y := g.Input("label", dt, s.batch, 1)
	x := emb.Forward(g, ids)
	var feats *gorgonia.Node
	var dense *layers.Dense
	switch s.encoder {
	case "gru":
		gru := layers.NewGRU("gru", s.embed, s.hidden, 2, 0.5, dt, rng)
		_, feats = gru.Forward(g, x)
		dense = layers.NewDense("dense", s.hidden, 1, dt, rng)
	case "cnn":
		cnn := layers.NewTextCNN("cnn", s.embed, s.hidden, []int{2, 3, 5}, dt, rng)
		drop := &layers.Dropout{P: 0.3, Seed: rng.Uint64()}
		feats = drop.Forward(g, layers.Tanh(cnn.Forward(g, x)))
		dense = layers.NewDense("dense", cnn.Features(), 1, dt, rng)
	default:
		t.Fatalf("unknown encoder %q", s.encoder)
	}
	p := layers.Sigmoid(dense.Forward(g, feats))
	loss := layers.BCELoss(p, y)
	grads, err := g.Grad(loss)
	require.NoError(t, err)
	return &layerNet{g: g, ids: ids, y: y, p: p, loss: loss, grads: grads, params: g.Params()}
}

func layerBatch(s layerShape, run int) (ids, y *graph.Buf) {
	rng := rand.New(rand.NewPCG(uint64(run), 8))
	ids = graph.NewBuf(tensor.Int32, s.batch, s.t)
	for b := 0; b < s.batch; b++ {
		pad := rng.IntN(min(3, s.t)) // at least one token
		for k := pad; k < s.t; k++ {
			ids.I32[b*s.t+k] = int32(1 + rng.IntN(s.vocab-1))
		}
	}
	y = graph.NewBuf(tensor.Float32, s.batch, 1)
	for b := range y.F32 {
		y.F32[b] = float32(rng.IntN(2))
	}
	return ids, y
}

// TestCUDAProgramNewLayersParity runs the GRU and text-CNN classifiers'
// loss, output and every parameter gradient on the CPU Program and on the
// CUDA program (the emulator without a GPU), two runs each (dropout masks
// advance in step). The shapes leave partial tiles in the GRU's fused step
// kernels (hidden 37: units of 8, K chunks of 32 and 64; batch 20: row
// tiles of 16).
func TestCUDAProgramNewLayersParity(t *testing.T) {
	ctx := cudaContext(t)
	shapes := []layerShape{
		{"gru", 40, 8, 16, 4, 6},
		{"gru", 40, 6, 37, 20, 5},
		{"gru", 40, 4, 5, 3, 1}, // one step: no recurrent product either way
		{"cnn", 40, 8, 6, 4, 7},
		{"cnn", 40, 5, 9, 19, 12},
	}
	if !testing.Short() {
		// The spam model's sizes (hidden 256, filters 100), at batch 10 and
		// at 70 (five row tiles), over fewer steps.
		shapes = append(shapes, layerShape{"gru", 300, 100, 256, 10, 6}, layerShape{"gru", 300, 100, 256, 70, 3},
			layerShape{"cnn", 300, 100, 100, 10, 44})
	}
	for _, s := range shapes {
		t.Run(fmt.Sprintf("%s/H%d/B%d", s.encoder, s.hidden, s.batch), func(t *testing.T) {
			cpuNet, gpuNet := buildLayerNet(t, s, 3), buildLayerNet(t, s, 3)
			binds := map[*gorgonia.Node]*graph.Buf{}
			for _, p := range gpuNet.params {
				binds[gpuNet.g.Param(p)] = p.Value
			}
			cpuProg, err := cpuNet.g.Compile([]*gorgonia.Node{cpuNet.loss, cpuNet.p}, cpuNet.grads)
			require.NoError(t, err)
			gpuProg, err := cudaexec.Compile(ctx, []*gorgonia.Node{gpuNet.loss, gpuNet.p}, gpuNet.grads, binds)
			require.NoError(t, err)
			defer func() { require.NoError(t, gpuProg.Close()) }()
			for run := 1; run <= 2; run++ {
				ids, y := layerBatch(s, run)
				require.NoError(t, cpuProg.Buf(cpuNet.ids).CopyFrom(ids))
				require.NoError(t, cpuProg.Buf(cpuNet.y).CopyFrom(y))
				require.NoError(t, cpuProg.Run())
				require.NoError(t, gpuProg.Upload(gpuNet.ids, ids))
				require.NoError(t, gpuProg.Upload(gpuNet.y, y))
				require.NoError(t, gpuProg.Run())
				for i, n := range append([]*gorgonia.Node{gpuNet.loss, gpuNet.p}, gpuNet.grads...) {
					want := cpuProg.Buf(append([]*gorgonia.Node{cpuNet.loss, cpuNet.p}, cpuNet.grads...)[i])
					got, err := gpuProg.Download(n)
					require.NoError(t, err)
					name := "loss"
					switch {
					case i == 1:
						name = "p"
					case i > 1:
						name = "d" + cpuNet.params[i-2].Name
					}
					e, nrm := parity(t, name, got, want)
					nz := 0
					for j := 0; j < want.Len(); j++ {
						if want.At(j) != 0 {
							nz++
						}
					}
					if !(s.t == 1 && strings.Contains(name, "weight_hh")) { // one step: h_prev = 0
						require.Positive(t, nz, "%s is all zero", name)
					}
					t.Logf("run %d: %-22s rel err %.2e, scaled %.2e", run, name, e, nrm)
				}
			}
		})
	}
}
