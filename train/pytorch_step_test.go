package train_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// pytorchStep is testdata/pytorch_step.json, written by pytorch_step.py.
type pytorchStep struct {
	Shape struct {
		Vocab, Embed, Hidden, Layers, Batch, Steps int
	}
	Cell     string
	Packed   bool
	Clip, LR float64
	IDs      [][]int32 `json:"ids"`
	Labels   []float64
	Params   map[string]namedTensor
	Probs    []float64
	Loss     float64
	Grads    map[string]namedTensor
	GradNorm float64 `json:"grad_norm"`
	Clipped  map[string]namedTensor
	After    map[string]namedTensor
}

type namedTensor struct {
	Shape  []int
	Values []float64
}

// spamRNN is the reference SpamRNN's shape under PyTorch's names: emb,
// lstm (or gru), fc; packed, the recurrent layers run on each row's length.
type spamRNN struct {
	emb    *layers.Embedding
	rnn    layers.Recurrent
	fc     *layers.Dense
	t      int
	packed bool
}

func (m *spamRNN) Params() []*graph.Param { return layers.Collect(m.emb, m.rnn, m.fc) }

func (m *spamRNN) Build(g *graph.Graph, batch int) (*train.Net, error) {
	ids := g.Input("ids", tensor.Int32, batch, m.t)
	y := g.Input("y", g.Dtype, batch, 1)
	inputs := []*gorgonia.Node{ids}
	var lengths *gorgonia.Node
	if m.packed {
		lengths = g.Input("lengths", tensor.Int32, batch)
		inputs = append(inputs, lengths)
	}
	_, last := m.rnn.ForwardPacked(g, m.emb.Forward(g, ids), lengths)
	p := layers.Sigmoid(m.fc.Forward(g, last))
	return &train.Net{Inputs: inputs, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// fixedBatch is the reference's one batch.
type fixedBatch struct {
	ids    [][]int32
	labels []float64
}

func (d fixedBatch) Len() int { return len(d.ids) }

// Fill writes the ids, and for a packed model each row's length: the row
// minus its left padding, as data.Dataset.Length counts it.
func (d fixedBatch) Fill(idx []int, in []*graph.Buf, target *graph.Buf) error {
	t := len(d.ids[0])
	for k, i := range idx {
		copy(in[0].I32[k*t:(k+1)*t], d.ids[i])
		if len(in) > 1 {
			n := int32(t)
			for _, id := range d.ids[i] {
				if id != 0 {
					break
				}
				n--
			}
			in[1].I32[k] = n
		}
		target.Set(k, d.labels[i])
	}
	return nil
}

// TestOneStepMatchesPyTorch: one training step of the reference model's
// shape (embedding with padding row 0, two stacked LSTM layers, dense,
// sigmoid, BCE) through the public Trainer in float64 — the loss, every
// gradient, the global norm, the gradients clipped at 0.1 and the weights
// after one Adam step at lr 0.01 — equals what PyTorch computes
// (testdata/pytorch_step.py made the values) within 1e-9; the same with a
// GRU (PyTorch's b_ih and b_hh, b_hn inside r's product) and with the LSTM
// run packed (pack_padded_sequence and h_n[-1] in PyTorch).
func TestOneStepMatchesPyTorch(t *testing.T) {
	for _, file := range []string{"pytorch_step.json", "pytorch_step_gru.json", "pytorch_step_packed.json"} {
		t.Run(strings.TrimSuffix(file, ".json"), func(t *testing.T) { oneStepMatchesPyTorch(t, file) })
	}
}

func oneStepMatchesPyTorch(t *testing.T, file string) {
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	var ref pytorchStep
	require.NoError(t, json.Unmarshal(raw, &ref))
	s := ref.Shape
	rng := rand.New(rand.NewPCG(1, 1)) // every value is overwritten by PyTorch's
	cell := ref.Cell
	if cell == "" {
		cell = "lstm"
	}
	rnn, err := layers.NewRecurrent(cell, cell, s.Embed, s.Hidden, s.Layers, 0, tensor.Float64, rng)
	require.NoError(t, err)
	m := &spamRNN{
		emb:    layers.NewEmbedding("emb", s.Vocab, s.Embed, tensor.Float64, rng, layers.WithPadding(0)),
		rnn:    rnn,
		fc:     layers.NewDense("fc", s.Hidden, 1, tensor.Float64, rng),
		t:      s.Steps,
		packed: ref.Packed,
	}
	require.Len(t, ref.Params, len(m.Params()))
	for _, p := range m.Params() {
		want, ok := ref.Params[p.Name]
		require.True(t, ok, "PyTorch has no parameter %s", p.Name)
		require.Equal(t, []int(p.Shape()), want.Shape, p.Name)
		copy(p.Value.F64, want.Values)
	}

	const tol = 1e-9
	check := func(what string, want map[string]namedTensor, got []*graph.Buf, params []*graph.Param) {
		t.Helper()
		worst := 0.0
		for i, p := range params {
			w := want[p.Name].Values
			require.Len(t, w, got[i].Len(), "%s %s", what, p.Name)
			for j, v := range w {
				d := math.Abs(got[i].At(j) - v)
				worst = max(worst, d)
				require.LessOrEqual(t, d, tol, "%s %s[%d]: Ember %.17g, PyTorch %.17g", what, p.Name, j, got[i].At(j), v)
			}
		}
		t.Logf("%s: largest difference from PyTorch %.3g", what, worst)
	}
	values := func(ps []*graph.Param) []*graph.Buf {
		out := make([]*graph.Buf, len(ps))
		for i, p := range ps {
			out[i] = p.Value
		}
		return out
	}

	tr, err := train.NewTrainer(m, train.Config{
		BatchSize: s.Batch, Dtype: tensor.Float64, ClipNorm: ref.Clip, Optimizer: optim.NewAdam(ref.LR),
	})
	require.NoError(t, err)
	d := fixedBatch{ids: ref.IDs, labels: ref.Labels}
	idx := []int{0, 1}

	// The raw gradients and their norm.
	loss, err := tr.Gradients(d, idx)
	require.NoError(t, err)
	require.InDelta(t, ref.Loss, loss, tol, "loss")
	grads, err := tr.Grads()
	require.NoError(t, err)
	check("gradient", ref.Grads, grads, tr.Params())
	require.InDelta(t, ref.GradNorm, tr.GradNorm(), tol, "gradient norm")
	// Two biases per layer, as PyTorch: the norm counts the bias gradient
	// twice (with one summed bias it would be smaller).
	require.Greater(t, ref.GradNorm, ref.Clip, "the clip must bite")

	// One step: clip at 0.1, then Adam.
	loss, _, err = tr.Step(d, idx)
	require.NoError(t, err)
	require.InDelta(t, ref.Loss, loss, tol, "loss")
	require.InDelta(t, ref.GradNorm, tr.GradNorm(), tol, "gradient norm reported by the step")
	grads, err = tr.Grads()
	require.NoError(t, err)
	check("clipped gradient", ref.Clipped, grads, tr.Params())
	check("weight after Adam", ref.After, values(tr.Params()), tr.Params())
}
