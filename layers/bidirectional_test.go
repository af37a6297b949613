package layers

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/train"
)

// bidirectionalReference is testdata/bidirectional_reference.json: per
// cell, a padded and a packed run of two stacked bidirectional layers.
type bidirectionalReference struct {
	Torch string
	LSTM  bidirectionalRuns `json:"lstm"`
	GRU   bidirectionalRuns `json:"gru"`
}

type bidirectionalRuns struct {
	Padded packedCase `json:"padded"`
	Packed packedCase `json:"packed"`
}

// TestBidirectionalMatchesPyTorch checks two stacked bidirectional layers
// of each cell, with dropout between them, against PyTorch's
// nn.LSTM/nn.GRU(bidirectional=True) in float64
// (testdata/bidirectional_reference.py), padded (Forward: the reverse
// direction reads the padding last, as PyTorch's does on a padded batch)
// and packed (ForwardPacked over unsorted lengths with a 1 and a T:
// PyTorch on a pack_padded_sequence): the top layer's (T, B, 2H) outputs,
// the last features (torch.cat((h_n[-2], h_n[-1]), 1)), the cost and the
// gradients of the input and of every parameter, _reverse ones included,
// within 1e-9. In the packed run the input's padding steps hold noise
// here (zeros in PyTorch's run): it must not matter.
func TestBidirectionalMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/bidirectional_reference.json")
	require.NoError(t, err)
	var refs bidirectionalReference
	require.NoError(t, json.Unmarshal(raw, &refs))
	for _, tc := range []struct {
		cell string
		runs *bidirectionalRuns
	}{{"lstm", &refs.LSTM}, {"gru", &refs.GRU}} {
		for _, mode := range []string{"padded", "packed"} {
			t.Run(tc.cell+"/"+mode, func(t *testing.T) {
				ref := &tc.runs.Padded
				if mode == "packed" {
					ref = &tc.runs.Packed
					require.NotEmpty(t, ref.Lengths)
				}
				s := ref.Shape
				require.NotEmpty(t, ref.X)
				rnn, err := NewRecurrent(tc.cell, tc.cell, s.I, s.H, s.Layers, ref.Dropout.P, tensor.Float64,
					rand.New(rand.NewPCG(1, 1)), WithBidirectional(true))
				require.NoError(t, err)
				require.True(t, rnn.Bidirectional())
				require.Equal(t, 2*s.H, rnn.OutputSize())
				require.Len(t, rnn.Params(), len(ref.Params), "one parameter per PyTorch state_dict entry")
				setDropoutSeed(rnn, ref.Dropout.LayerSeed)
				loadTorchParams(t, rnn, &ref.torchReference)

				x := &graph.Param{Name: "x", Value: graph.NewBuf(tensor.Float64, s.T, s.B, s.I)}
				copy(x.Value.F64, ref.X)
				g := graph.New(tensor.Float64, true)
				var fill func(*graph.Program)
				var seq, last *gorgonia.Node
				if mode == "packed" {
					noise := rand.New(rand.NewPCG(2, 2))
					for r, l := range ref.Lengths {
						for st := 0; st < s.T-int(l); st++ {
							for j := 0; j < s.I; j++ {
								x.Value.F64[(st*s.B+r)*s.I+j] = noise.NormFloat64()
							}
						}
					}
					lengths := g.Input("lengths", tensor.Int32, s.B)
					fill = func(p *graph.Program) { copy(p.Buf(lengths).I32, ref.Lengths) }
					seq, last = rnn.ForwardPacked(g, g.Param(x), lengths)
				} else {
					seq, last = rnn.Forward(g, g.Param(x))
				}
				require.Equal(t, tensor.Shape{s.T, s.B, 2 * s.H}, seq.Shape())
				require.Equal(t, tensor.Shape{s.B, 2 * s.H}, last.Shape())
				requireDropoutSeed(t, g, ref.Dropout.OpSeed)
				prog, grads := runTorchCost(t, g, x, seq, last, &ref.torchReference, fill)
				for k, p := range g.Params() {
					if p != x {
						checkTorchGrad(t, p, prog.Buf(grads[k]).F64, &ref.torchReference)
					}
				}
			})
		}
	}
}

// bidirClassifier is embedding → bidirectional recurrent stack (packed
// when packed) → dense → sigmoid, a train.Model.
type bidirClassifier struct {
	emb    *Embedding
	rnn    Recurrent
	out    *Dense
	steps  int
	packed bool
}

func (m *bidirClassifier) Params() []*graph.Param { return Collect(m.emb, m.rnn, m.out) }

func (m *bidirClassifier) Build(g *graph.Graph, batch int) (*train.Net, error) {
	ids := g.Input("ids", tensor.Int32, batch, m.steps)
	y := g.Input("y", g.Dtype, batch, 1)
	inputs := []*gorgonia.Node{ids}
	var last *gorgonia.Node
	if m.packed {
		lengths := g.Input("lengths", tensor.Int32, batch)
		inputs = append(inputs, lengths)
		_, last = m.rnn.ForwardPacked(g, m.emb.Forward(g, ids), lengths)
	} else {
		_, last = m.rnn.Forward(g, m.emb.Forward(g, ids))
	}
	p := Sigmoid(m.out.Forward(g, last))
	return &train.Net{Inputs: inputs, Target: y, Output: p, Loss: BCELoss(p, y)}, nil
}

// leftPadded is train.Data of left-padded token ids with their lengths.
type leftPadded struct {
	ids    [][]int32
	labels []float32
}

func (d *leftPadded) Len() int { return len(d.ids) }
func (d *leftPadded) Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error {
	steps := len(d.ids[0])
	for k, i := range idx {
		copy(inputs[0].I32[k*steps:], d.ids[i])
		target.F32[k] = d.labels[i]
		if len(inputs) > 1 {
			n := 0
			for _, id := range d.ids[i] {
				if id != 0 {
					n++
				}
			}
			inputs[1].I32[k] = int32(n)
		}
	}
	return nil
}

// TestBidirectionalTrainStepAllocatesNothing: a training step (forward,
// backward, clipping, Adam) of a classifier with a bidirectional stack of
// each cell, padded and packed over batches of changing lengths (0 and T
// among them), allocates nothing on the CPU once the first step has run.
func TestBidirectionalTrainStepAllocatesNothing(t *testing.T) {
	const vocab, embed, hidden, steps, batch = 20, 6, 7, 9, 6
	rng := rand.New(rand.NewPCG(8, 8))
	d := &leftPadded{}
	for i := 0; i < 18; i++ {
		n := (i * 5) % (steps + 1)
		row := make([]int32, steps)
		for s := steps - n; s < steps; s++ {
			row[s] = int32(1 + rng.IntN(vocab-1))
		}
		d.ids, d.labels = append(d.ids, row), append(d.labels, float32(i%2))
	}
	batches := [][]int{{0, 1, 2, 3, 4, 5}, {11, 10, 9, 8, 7, 6}, {12, 15, 13, 17, 14, 16}}
	for _, cell := range Cells {
		for _, packed := range []bool{false, true} {
			name := cell + "/padded"
			if packed {
				name = cell + "/packed"
			}
			t.Run(name, func(t *testing.T) {
				rnn, err := NewRecurrent(cell, cell, embed, hidden, 2, 0.3, tensor.Float32, rng, WithBidirectional(true))
				require.NoError(t, err)
				m := &bidirClassifier{emb: NewEmbedding("emb", vocab, embed, tensor.Float32, rng), rnn: rnn,
					out: NewDense("out", rnn.OutputSize(), 1, tensor.Float32, rng), steps: steps, packed: packed}
				tr, err := train.NewTrainer(m, train.Config{BatchSize: batch, ClipNorm: 1})
				require.NoError(t, err)
				var data train.Data = d
				_, _, err = tr.Step(data, batches[0]) // the optimizer's state is made on the first step
				require.NoError(t, err)
				step := 0
				allocs := testing.AllocsPerRun(20, func() {
					step++
					if _, _, err := tr.Step(data, batches[step%len(batches)]); err != nil {
						panic(err)
					}
				})
				require.Zero(t, allocs, "allocations per training step")
			})
		}
	}
}
