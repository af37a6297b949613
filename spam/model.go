// Package spam is the flagship job: an LSTM classifier of SMS messages
// (embedding, stacked LSTM, dense, sigmoid; binary cross-entropy, Adam,
// gradient-norm clipping), with the data pipeline, training, evaluation,
// prediction and the model file that holds all of it.
package spam

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/train"
)

// Config is the model's architecture and preprocessing.
type Config struct {
	SeqLen  int     `json:"seq_len"` // tokens per message: left-padded, truncated keeping the first
	Embed   int     `json:"embed"`
	Hidden  int     `json:"hidden"`
	Layers  int     `json:"layers"`
	Dropout float64 `json:"dropout"` // between LSTM layers
	Vocab   int     `json:"vocab"`   // vocabulary size, padding and unknown included
}

// DefaultConfig is the reference notebook's model (the vocabulary size
// comes from the data).
func DefaultConfig() Config {
	return Config{SeqLen: 44, Embed: 100, Hidden: 256, Layers: 2, Dropout: 0.5}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.SeqLen < 1:
		return fmt.Errorf("sequence length %d must be at least 1", c.SeqLen)
	case c.Embed < 1 || c.Hidden < 1:
		return fmt.Errorf("embedding %d and hidden %d sizes must be at least 1", c.Embed, c.Hidden)
	case c.Layers < 1:
		return fmt.Errorf("%d LSTM layers: need at least 1", c.Layers)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("dropout %v must be in [0, 1)", c.Dropout)
	case c.Vocab < 3:
		return fmt.Errorf("vocabulary of %d: needs padding, unknown and at least one word", c.Vocab)
	}
	return nil
}

// Model is embedding → LSTM stack → dense → sigmoid.
type Model struct {
	Cfg  Config
	Emb  *layers.Embedding
	LSTM *layers.LSTM
	Out  *layers.Dense
}

// NewModel initialises a model from seed.
func NewModel(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5350414d))
	dt := tensor.Float32
	return &Model{
		Cfg:  cfg,
		Emb:  layers.NewEmbedding("embedding", cfg.Vocab, cfg.Embed, dt, rng),
		LSTM: layers.NewLSTM("lstm", cfg.Embed, cfg.Hidden, cfg.Layers, cfg.Dropout, dt, rng),
		Out:  layers.NewDense("dense", cfg.Hidden, 1, dt, rng),
	}, nil
}

// Params lists every trainable tensor, in a fixed order.
func (m *Model) Params() []*graph.Param { return layers.Collect(m.Emb, m.LSTM, m.Out) }

// Build adds the model for a batch of token ids (batch, SeqLen) to g.
func (m *Model) Build(g *graph.Graph, batch int) (*train.Net, error) {
	ids := g.Input("ids", tensor.Int32, batch, m.Cfg.SeqLen)
	y := g.Input("label", g.Dtype, batch, 1)
	x := m.Emb.Forward(g, ids)
	_, last := m.LSTM.Forward(g, x)
	p := layers.Sigmoid(m.Out.Forward(g, last))
	return &train.Net{Inputs: []*gorgonia.Node{ids}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// Dataset adapts encoded messages to train.Data.
type Dataset struct{ data.Dataset }

// Fill copies rows idx into the ids buffer and their labels into target.
func (d Dataset) Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error {
	return d.Batch(idx, inputs[0].I32, target.F32)
}
