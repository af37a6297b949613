package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// A sequence classifier made from layers: embedding → LSTM → dense → sigmoid.
type tinyRNN struct {
	emb  *layers.Embedding
	lstm *layers.LSTM
	out  *layers.Dense
}

// newTinyRNN makes the model's parameters in dtype dt (float32, the working
// precision, or float64, for checking against a reference).
func newTinyRNN(vocab int, dt tensor.Dtype, rng *rand.Rand) *tinyRNN {
	return &tinyRNN{
		emb:  layers.NewEmbedding("emb", vocab, 8, dt, rng),
		lstm: layers.NewLSTM("lstm", 8, 16, 1, 0, dt, rng),
		out:  layers.NewDense("out", 16, 1, dt, rng),
	}
}

func (m *tinyRNN) Params() []*graph.Param { return layers.Collect(m.emb, m.lstm, m.out) }

// Build adds the model for one batch size; train plans it once and reuses it.
func (m *tinyRNN) Build(g *graph.Graph, batch int) (*train.Net, error) {
	ids := g.Input("ids", tensor.Int32, batch, 6)
	y := g.Input("y", g.Dtype, batch, 1) // the graph's float dtype (Config.Dtype)
	_, last := m.lstm.Forward(g, m.emb.Forward(g, ids))
	p := layers.Sigmoid(m.out.Forward(g, last))
	return &train.Net{Inputs: []*gorgonia.Node{ids}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// seqs: label 1 when token 3 occurs in the sequence.
type seqs struct {
	ids    []int32
	labels []float32
}

func (s seqs) Len() int { return len(s.labels) }

func (s seqs) Fill(idx []int, in []*graph.Buf, target *graph.Buf) error {
	for k, i := range idx {
		copy(in[0].I32[k*6:(k+1)*6], s.ids[i*6:(i+1)*6])
		target.Set(k, float64(s.labels[i])) // whatever the target's dtype
	}
	return nil
}

func makeSeqs(n int, rng *rand.Rand) seqs {
	s := seqs{ids: make([]int32, 6*n), labels: make([]float32, n)}
	for i := 0; i < n; i++ {
		for j := 0; j < 6; j++ {
			s.ids[i*6+j] = int32(1 + rng.IntN(9))
			if s.ids[i*6+j] == 3 {
				s.labels[i] = 1
			}
		}
	}
	return s
}

func Example() {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		rng := rand.New(rand.NewPCG(1, 2))
		model := newTinyRNN(10, dt, rng)
		res, err := train.Fit(context.Background(), model, makeSeqs(800, rng), makeSeqs(200, rng), train.Config{
			Epochs: 8, BatchSize: 20, Seed: 1, ClipNorm: 5, Optimizer: optim.NewAdam(0.01), Dtype: dt,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%v: validation accuracy above 95%%: %v\n", dt, res.Best.ValAcc > 0.95)
	}
	// Output:
	// float32: validation accuracy above 95%: true
	// float64: validation accuracy above 95%: true
}
