// Package spam is the flagship job: an LSTM classifier of SMS messages
// (embedding, stacked LSTM, dense, sigmoid; binary cross-entropy, Adam,
// gradient-norm clipping), with the data pipeline, training, evaluation,
// prediction and the model file that holds all of it. The LSTM can be
// swapped for a GRU or a text CNN (Config.Cell), and a recurrent stack
// can read the messages in both directions (Config.Bidirectional).
package spam

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/train"
)

// Config is the model's architecture and preprocessing.
type Config struct {
	// Cell is the sequence encoder: "lstm" (the reference notebook's; the
	// zero value, and what model files from before this field hold), "gru",
	// or "cnn", Kim's text CNN (Widths, Channels) in place of the
	// recurrent stack (Hidden and Layers are then unused and recorded as 0).
	Cell    string  `json:"cell"`
	SeqLen  int     `json:"seq_len"` // tokens per message: left-padded, truncated keeping the first
	Embed   int     `json:"embed"`
	Hidden  int     `json:"hidden,omitempty"`
	Layers  int     `json:"layers,omitempty"`
	Dropout float64 `json:"dropout"` // between recurrent layers; on the pooled features of the cnn
	// Widths are the cnn's filter widths (default 3, 4, 5) and Channels its
	// filters per width (default 100), Kim (2014)'s settings.
	Widths   []int `json:"widths,omitempty"`
	Channels int   `json:"channels,omitempty"`
	Vocab    int   `json:"vocab"` // vocabulary size, padding and unknown included
	// Packed runs the recurrent stack on each message's own length
	// (PyTorch's pack_padded_sequence; layers' ForwardPacked): its
	// recurrence starts at its first word instead of running over the
	// left padding, so a message's probability does not depend on the
	// padding, and training with length-bucketed batches skips most of
	// the padding's work. Recurrent cells only.
	Packed bool `json:"packed,omitempty"`
	// Bidirectional runs every recurrent layer in both directions,
	// PyTorch's bidirectional=True (layers.WithBidirectional): each layer
	// has a reverse cell (parameters named <cell>.*_reverse) and outputs
	// 2·Hidden features per step, and the dense layer reads the forward
	// direction's last state beside the reverse direction's final one.
	// False (the zero value, and what model files from before the field
	// hold): forward only. Recurrent cells only.
	Bidirectional bool `json:"bidirectional,omitempty"`
	// Padding is how the embedding treats the padding id 0: PaddingZero
	// (the default, and what model files from before the field hold) keeps
	// its row at zero and never updates it, nn.Embedding(padding_idx=0);
	// PaddingLearned trains it like any word's row, as the reference
	// notebook's nn.Embedding (no padding_idx) does.
	Padding string `json:"padding,omitempty"`
}

// Cells are the encoders Config.Cell names.
var Cells = append(append([]string(nil), layers.Cells...), "cnn")

// The values of Config.Padding.
//
// PaddingZero is the default: every model file and benchmark figure before
// the option was made that way (and files without the field must mean
// it), and the PyTorch side of the benchmarks
// (benchmarks/pytorch/spam_lstm.py) uses padding_idx=0, so the speed and
// accuracy comparisons stay like for like. PaddingLearned reproduces the
// notebook's model exactly (spamrnn train --padding learned).
const (
	PaddingZero    = "zero"
	PaddingLearned = "learned"
)

// DefaultConfig is the reference notebook's model (the vocabulary size
// comes from the data).
func DefaultConfig() Config {
	return Config{Cell: "lstm", SeqLen: 44, Embed: 100, Hidden: 256, Layers: 2, Dropout: 0.5}
}

// WithDefaults fills the cell's zero-value defaults and clears the fields the
// cell does not use, so a model file records exactly what was built.
func (c Config) WithDefaults() Config {
	if c.Cell == "" {
		c.Cell = "lstm"
	}
	if c.Padding == "" {
		c.Padding = PaddingZero // recorded explicitly in new files
	}
	if c.Cell == "cnn" {
		if len(c.Widths) == 0 {
			c.Widths = []int{3, 4, 5}
		}
		if c.Channels == 0 {
			c.Channels = 100
		}
		c.Hidden, c.Layers = 0, 0
	} else {
		c.Widths, c.Channels = nil, 0
	}
	return c
}

// Upper bounds of a Config's sizes, far above any use of this model
// (spamrnn train's flags have the same): they keep a corrupt or hostile
// model file from describing a model of terabytes, and the size
// arithmetic from overflowing.
const (
	maxWidth  = 1 << 16 // Embed, Hidden, Channels
	maxLayers = 64
	maxSeqLen = 10_000
	maxWidths = 64 // len(Widths)
)

// Validate checks the configuration (after the zero-value defaults).
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.SeqLen > maxSeqLen:
		return fmt.Errorf("sequence length %d: want at most %d", c.SeqLen, maxSeqLen)
	case c.Embed > maxWidth:
		return fmt.Errorf("embedding size %d: want at most %d", c.Embed, maxWidth)
	case c.Hidden > maxWidth:
		return fmt.Errorf("hidden size %d: want at most %d", c.Hidden, maxWidth)
	case c.Layers > maxLayers:
		return fmt.Errorf("%d %s layers: want at most %d", c.Layers, strings.ToUpper(c.Cell), maxLayers)
	case c.Channels > maxWidth:
		return fmt.Errorf("%d cnn channels: want at most %d", c.Channels, maxWidth)
	case len(c.Widths) > maxWidths:
		return fmt.Errorf("%d cnn widths: want at most %d", len(c.Widths), maxWidths)
	}
	switch {
	case !slices.Contains(Cells, c.Cell):
		return fmt.Errorf("unknown cell %q (want %s)", c.Cell, strings.Join(Cells, ", "))
	case c.SeqLen < 1:
		return fmt.Errorf("sequence length %d must be at least 1", c.SeqLen)
	case c.Embed < 1:
		return fmt.Errorf("embedding size %d must be at least 1", c.Embed)
	case c.Cell != "cnn" && c.Hidden < 1:
		return fmt.Errorf("hidden size %d must be at least 1", c.Hidden)
	case c.Cell != "cnn" && c.Layers < 1:
		return fmt.Errorf("%d %s layers: need at least 1", c.Layers, strings.ToUpper(c.Cell))
	case c.Cell == "cnn" && c.Channels < 1:
		return fmt.Errorf("%d cnn channels: need at least 1", c.Channels)
	case !(c.Dropout >= 0 && c.Dropout < 1): // NaN too
		return fmt.Errorf("dropout %v must be in [0, 1)", c.Dropout)
	case c.Packed && c.Cell == "cnn":
		return fmt.Errorf("packed sequences apply to the recurrent cells (lstm, gru), not to the cnn")
	case c.Bidirectional && c.Cell == "cnn":
		return fmt.Errorf("bidirectional layers apply to the recurrent cells (lstm, gru), not to the cnn")
	case c.Padding != "" && c.Padding != PaddingZero && c.Padding != PaddingLearned:
		return fmt.Errorf("padding %q: want %s or %s", c.Padding, PaddingZero, PaddingLearned)
	case c.Vocab < 3:
		return fmt.Errorf("vocabulary of %d: needs padding, unknown and at least one word", c.Vocab)
	}
	for _, w := range c.Widths {
		if w < 1 || w > c.SeqLen {
			return fmt.Errorf("cnn filter width %d must be between 1 and the sequence length %d", w, c.SeqLen)
		}
	}
	return nil
}

// paramBound bounds the number of trainable numbers: the embedding, the
// encoder (per recurrent layer its input and recurrent weights and up to
// two bias vectors, as PyTorch has; per cnn width its filters and biases)
// and the dense output.
func (c Config) paramBound() int {
	c = c.WithDefaults()
	n := c.Vocab * c.Embed
	features := c.Hidden
	if c.Cell == "cnn" {
		for _, w := range c.Widths {
			n += w*c.Embed*c.Channels + c.Channels
		}
		features = c.Channels * len(c.Widths)
	} else {
		gates := 4
		if c.Cell == "gru" {
			gates = 3
		}
		in := c.Embed
		for range c.Layers {
			n += c.directions() * (gates*c.Hidden*(in+c.Hidden) + 2*gates*c.Hidden)
			in = c.directions() * c.Hidden
		}
		features *= c.directions()
	}
	return n + features + 1
}

// TrainingBytes estimates the memory training takes at a batch size, from
// above: a base for the runtime and the data, five float32 copies of every
// parameter (value, gradient, Adam's two moments, the best weights kept),
// and for a training batch and an evaluation batch of 256 the activations
// kept for the backward pass (embedded tokens and, per recurrent layer and
// step, the gates, cell and hidden states, or the cnn's feature maps) and
// their gradients. Measured on the CPU: 265 MiB resident for the default
// LSTM on the SMS data (estimate 289), 679 MiB with --hidden 1024
// (estimate 1081).
func (c Config) TrainingBytes(batch int) uint64 {
	const f32, base = 4, 64 << 20
	c = c.WithDefaults()
	params := uint64(c.paramBound()) * 5 * f32
	// A bidirectional layer keeps both directions' and, besides, its
	// input reversed, the reverse hidden states reversed back and the two
	// joined: 6·Hidden more at most.
	width := c.Embed + c.Layers*8*c.Hidden*c.directions()
	if c.Bidirectional {
		width += c.Layers * 6 * c.Hidden
	}
	if c.Cell == "cnn" {
		width = c.Embed + 2*c.Channels*len(c.Widths)
	}
	perRow := uint64(c.SeqLen) * uint64(width) * f32
	return base + params + perRow*uint64(2*batch+256)
}

// describe is the architecture in a few words, for messages.
func (c Config) describe() string {
	c = c.WithDefaults()
	if c.Cell == "cnn" {
		return fmt.Sprintf("embedding %d×%d, text CNN of widths %v × %d filters", c.Vocab, c.Embed, c.Widths, c.Channels)
	}
	bi := ""
	if c.Bidirectional {
		bi = "bidirectional "
	}
	return fmt.Sprintf("embedding %d×%d, %d×%s%s %d", c.Vocab, c.Embed, c.Layers, bi, strings.ToUpper(c.Cell), c.Hidden)
}

// directions is 2 for a bidirectional recurrent stack, else 1.
func (c Config) directions() int {
	if c.Bidirectional {
		return 2
	}
	return 1
}

// paddingRow is the embedding's padding row for c.Padding.
func (c Config) paddingRow() int {
	if c.Padding == PaddingLearned {
		return layers.NoPadding
	}
	return data.PadID
}

// Model is embedding → encoder (a recurrent stack, or the text CNN) →
// dense → sigmoid.
type Model struct {
	Cfg Config
	Emb *layers.Embedding
	// RNN is the recurrent stack (Cell "lstm" or "gru"); nil for the cnn.
	RNN layers.Recurrent
	// CNN is the text CNN (Cell "cnn"), with dropout CNNDropout on its
	// features; nil for a recurrent cell.
	CNN        *layers.TextCNN
	CNNDropout *layers.Dropout
	Out        *layers.Dense
}

// NewModel initialises a model from seed.
func NewModel(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	rng := rand.New(rand.NewPCG(seed, 0x5350414d))
	dt := tensor.Float32
	m := &Model{Cfg: cfg, Emb: layers.NewEmbedding("embedding", cfg.Vocab, cfg.Embed, dt, rng,
		layers.WithPadding(cfg.paddingRow()))}
	features := cfg.Hidden
	if cfg.Cell == "cnn" {
		m.CNN = layers.NewTextCNN("cnn", cfg.Embed, cfg.Channels, cfg.Widths, dt, rng)
		m.CNNDropout = &layers.Dropout{P: cfg.Dropout, Seed: rng.Uint64()}
		features = m.CNN.Features()
	} else {
		rnn, err := layers.NewRecurrent(cfg.Cell, cfg.Cell, cfg.Embed, cfg.Hidden, cfg.Layers, cfg.Dropout, dt, rng,
			layers.WithBidirectional(cfg.Bidirectional))
		if err != nil {
			return nil, err
		}
		m.RNN = rnn
		features = rnn.OutputSize()
	}
	m.Out = layers.NewDense("dense", features, 1, dt, rng)
	return m, nil
}

// Params lists every trainable tensor, in a fixed order.
func (m *Model) Params() []*graph.Param {
	if m.CNN != nil {
		return layers.Collect(m.Emb, m.CNN, m.Out)
	}
	return layers.Collect(m.Emb, m.RNN, m.Out)
}

// Build adds the model for a batch of token ids (batch, SeqLen) to g.
func (m *Model) Build(g *graph.Graph, batch int) (*train.Net, error) {
	ids := g.Input("ids", tensor.Int32, batch, m.Cfg.SeqLen)
	y := g.Input("label", g.Dtype, batch, 1)
	inputs := []*gorgonia.Node{ids}
	x := m.Emb.Forward(g, ids)
	var features *gorgonia.Node
	switch {
	case m.CNN != nil:
		features = m.CNNDropout.Forward(g, m.CNN.Forward(g, x))
	case m.Cfg.Packed:
		lengths := g.Input("lengths", tensor.Int32, batch)
		inputs = append(inputs, lengths)
		_, features = m.RNN.ForwardPacked(g, x, lengths)
	default:
		_, features = m.RNN.Forward(g, x)
	}
	p := layers.Sigmoid(m.Out.Forward(g, features))
	return &train.Net{Inputs: inputs, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// Dataset adapts encoded messages to train.Data; its Length (the
// message's tokens) makes it a train.SequenceData, which evaluation
// scores longest first.
type Dataset struct{ data.Dataset }

var _ train.SequenceData = Dataset{}

// Fill copies rows idx into the ids buffer and their labels into target,
// and, for a packed model (a second input), their lengths.
func (d Dataset) Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error {
	if err := d.Batch(idx, inputs[0].I32, target.F32); err != nil {
		return err
	}
	if len(inputs) > 1 {
		return d.Lengths(idx, inputs[1].I32)
	}
	return nil
}

// SeqLengths lists every row's length (tokens, padding excluded), what the
// length-bucketing sampler sorts by.
func (d Dataset) SeqLengths() []int {
	l := make([]int, d.Len())
	for i := range l {
		l[i] = d.Length(i)
	}
	return l
}
