package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/emberml/ember/graph"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestSGDMatchesPyTorch checks three steps on a scalar starting at 1 with
// gradients 0.5, −0.3, 0.2 and lr 0.1 against torch.optim.SGD's rule worked
// by hand in float64 (testdata/reference.py reproduces the numbers).
func TestSGDMatchesPyTorch(t *testing.T) {
	cases := []struct {
		name               string
		momentum, damp, wd float64
		nesterov           bool
		want               []float64 // w after steps 1, 2, 3
	}{
		// w −= 0.1·g: 1 − 0.05, + 0.03, − 0.02.
		{"plain", 0, 0, 0, false, []float64{0.95, 0.98, 0.96}},
		// d = g + 0.1·w: step 1 d = 0.6, w = 0.94; step 2 d = −0.3 + 0.094 =
		// −0.206, w = 0.9606.
		{"weight decay", 0, 0, 0.1, false, []float64{0.94, 0.9606, 0.930994}},
		// b = 0.5, then 0.9·0.5 − 0.3 = 0.15, then 0.135 + 0.2 = 0.335.
		{"momentum", 0.9, 0, 0, false, []float64{0.95, 0.935, 0.9015}},
		// The first buffer is the raw gradient, undamped: b = 0.5, then
		// 0.45 + 0.5·(−0.3) = 0.3, then 0.27 + 0.5·0.2 = 0.37.
		{"dampening", 0.9, 0.5, 0, false, []float64{0.95, 0.92, 0.883}},
		// d = g + 0.9·b: 0.5 + 0.45 = 0.95, −0.3 + 0.135 = −0.165,
		// 0.2 + 0.3015 = 0.5015.
		{"nesterov", 0.9, 0, 0, true, []float64{0.905, 0.9215, 0.87135}},
		// Step 1: d = 0.6, b = 0.6, d = 0.6 + 0.54 = 1.14, w = 0.886.
		{"nesterov weight decay", 0.9, 0, 0.1, true, []float64{0.886, 0.877566, 0.796275646}},
	}
	for _, tc := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%s/%v", tc.name, dt), func(t *testing.T) {
				s := &SGD{LR: 0.1, Momentum: tc.momentum, Dampening: tc.damp, WeightDecay: tc.wd, Nesterov: tc.nesterov}
				p := newParam("w", dt, 1)
				for step, g := range gradSeq {
					grad := newBuf(dt, g)
					before := values(grad)
					require.NoError(t, s.Step([]*graph.Param{p}, []*graph.Buf{grad}))
					requireClose(t, tc.want[step:step+1], values(p.Value), tol(dt), fmt.Sprintf("step %d", step+1))
					require.Equal(t, before, values(grad), "Step must not write the gradient")
				}
				require.Equal(t, 3, s.StepCount())
				if tc.momentum == 0 {
					require.Nil(t, s.State(p), "plain SGD keeps no state")
					require.Empty(t, s.Slots())
				} else {
					require.Equal(t, []string{SlotMomentum}, s.Slots())
					require.Len(t, s.State(p)[SlotMomentum].Shape, 1)
				}
			})
		}
	}
}

// TestSGDMomentumBuffer pins the buffer of the "dampening" case after each
// step: 0.5 (undamped copy), 0.3, 0.37.
func TestSGDMomentumBuffer(t *testing.T) {
	s := &SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.5}
	p := newParam("w", tensor.Float64, 1)
	for step, want := range []float64{0.5, 0.3, 0.37} {
		require.NoError(t, s.Step([]*graph.Param{p}, []*graph.Buf{newBuf(tensor.Float64, gradSeq[step])}))
		requireClose(t, []float64{want}, values(s.State(p)[SlotMomentum]), 1e-15, fmt.Sprintf("step %d", step+1))
	}
}

func TestSGDHyperparameterErrors(t *testing.T) {
	cases := []struct {
		name string
		sgd  SGD
		want string
	}{
		{"negative lr", SGD{LR: -0.1}, "LR = -0.1"},
		{"negative momentum", SGD{LR: 0.1, Momentum: -0.5}, "Momentum = -0.5"},
		{"negative weight decay", SGD{LR: 0.1, WeightDecay: -1}, "WeightDecay = -1"},
		{"infinite dampening", SGD{LR: 0.1, Momentum: 0.9, Dampening: math.Inf(1)}, "Dampening = +Inf"},
		{"nesterov without momentum", SGD{LR: 0.1, Nesterov: true}, "Nesterov needs Momentum > 0"},
		{"nesterov with dampening", SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}, "Dampening = 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.sgd
			p := newParam("w", tensor.Float32, 1)
			err := s.Step([]*graph.Param{p}, []*graph.Buf{newBuf(tensor.Float32, 1)})
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, 1.0, p.Value.At(0))
			require.Zero(t, s.StepCount())
		})
	}
}
