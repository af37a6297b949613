package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

// miswired is the logistic model with one thing wrong in what Build
// returns (or in its parameters' dtype), as a user's model may have.
type miswired struct {
	d     *layers.Dense
	wrong string
}

func (m *miswired) Params() []*graph.Param { return m.d.Params() }

func (m *miswired) Build(g *graph.Graph, batch int) (*Net, error) {
	x := g.Input("x", g.Dtype, batch, 2)
	y := g.Input("y", g.Dtype, batch, 1)
	p := layers.Sigmoid(m.d.Forward(g, x))
	net := &Net{Inputs: []*gorgonia.Node{x}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}
	switch m.wrong {
	case "no Loss":
		net.Loss = nil
	case "no Output":
		net.Output = nil
	case "no Target":
		net.Target = nil
	case "nil input":
		net.Inputs = append(net.Inputs, nil)
	case "no Net":
		net = nil
	case "target shape":
		// A loss that does not mind the shapes: the mean of the outputs.
		net.Target = g.Input("y2", g.Dtype, batch, 2)
		net.Loss = gorgonia.Must(gorgonia.Mean(p))
	case "output shape":
		net.Output = x
		net.Target = g.Input("y2", g.Dtype, batch, 2)
	case "loss shape":
		net.Loss = p
	}
	return net, nil
}

func newMiswired(wrong string, dt tensor.Dtype) *miswired {
	return &miswired{layers.NewDense("d", 2, 1, dt, rand.New(rand.NewPCG(1, 1))), wrong}
}

// TestConfigAndModelErrors: settings out of range and models that break
// Net's contract are errors from NewTrainer and Fit, naming the field or
// the parameter, never panics or silently untrained models.
func TestConfigAndModelErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		model *miswired // nil: a sound one
		want  string
	}{
		{"negative epochs", Config{Epochs: -2}, nil, "Config.Epochs -2, want at least 1"},
		{"negative batch size", Config{BatchSize: -2}, nil, "Config.BatchSize -2, want at least 1"},
		{"negative clip", Config{ClipNorm: -1}, nil, "Config.ClipNorm -1, want a finite norm at least 0"},
		{"NaN clip", Config{ClipNorm: math.NaN()}, nil, "Config.ClipNorm NaN"},
		{"infinite clip", Config{ClipNorm: math.Inf(1)}, nil, "Config.ClipNorm +Inf"},
		{"negative patience", Config{Patience: -1}, nil, "Config.Patience -1, want at least 0"},
		{"select out of range", Config{Select: 9}, nil, "Config.Select 9, want SelectLoss (0) or SelectAccuracy (1)"},
		{"int dtype", Config{Dtype: tensor.Int32}, nil, "Config.Dtype int32, want tensor.Float32 or tensor.Float64"},
		{"float64 layers, default dtype", Config{}, newMiswired("", tensor.Float64),
			"parameter d.weight is float64, Config.Dtype float32"},
		{"float32 layers, float64 dtype", Config{Dtype: tensor.Float64}, newMiswired("", tensor.Float32),
			"parameter d.weight is float32, Config.Dtype float64"},
		{"no Loss", Config{}, newMiswired("no Loss", tensor.Float32), "the model's Net for batch size 10: no Loss"},
		{"no Output", Config{}, newMiswired("no Output", tensor.Float32), "no Output"},
		{"no Target", Config{}, newMiswired("no Target", tensor.Float32), "no Target"},
		{"nil input", Config{}, newMiswired("nil input", tensor.Float32), "input 1 is nil"},
		{"no Net", Config{}, newMiswired("no Net", tensor.Float32), "Build returned no Net and no error"},
		{"target shape", Config{}, newMiswired("target shape", tensor.Float32), "Target has shape (10, 2), Output (10, 1)"},
		{"output shape", Config{}, newMiswired("output shape", tensor.Float32), "Output has shape (10, 2), want (10, 1) or (10)"},
		{"loss shape", Config{}, newMiswired("loss shape", tensor.Float32), "Loss has shape (10, 1), want a scalar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Model = newLogistic(1)
			if tc.model != nil {
				m = tc.model
			}
			tc.cfg.Progress = nil
			tr, err := NewTrainer(m, tc.cfg)
			require.ErrorContains(t, err, tc.want, "NewTrainer")
			require.Nil(t, tr)
			res, err := Fit(context.Background(), m, newBlobs(40, 1), newBlobs(20, 2), tc.cfg)
			require.ErrorContains(t, err, tc.want, "Fit")
			require.Nil(t, res)
		})
	}
}

// TestFitDataErrors: training data Fit cannot train on is an error.
func TestFitDataErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data Data
		cfg  Config
		want string
	}{
		{"nil", nil, Config{}, "train: nil training data"},
		{"empty", newBlobs(0, 1), Config{}, "the training data has no examples"},
		{"empty, keeping the last batch", newBlobs(0, 1), Config{KeepLast: true}, "the training data has no examples"},
		{"fewer than a batch", newBlobs(5, 1), Config{}, "5 training examples are fewer than one batch of 10 (Config.BatchSize), and Config.KeepLast is off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(context.Background(), newLogistic(1), tc.data, nil, tc.cfg)
			require.ErrorContains(t, err, tc.want)
			require.Nil(t, res)
		})
	}
}
