package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberml/ember/graph"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// optimizers are the configurations the shared tests run: each keeps state
// except plain SGD, which checks the stateless path.
var optimizers = []struct {
	name string
	make func() Optimizer
}{
	{"adam", func() Optimizer { return NewAdam(0.05) }},
	{"adam l2", func() Optimizer { a := NewAdam(0.05); a.WeightDecay = 0.01; return a }},
	{"adamw", func() Optimizer { a := NewAdam(0.05); a.WeightDecay = 0.01; a.Decoupled = true; return a }},
	{"sgd", func() Optimizer { return NewSGD(0.1) }},
	{"sgd momentum", func() Optimizer { return &SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01} }},
	{"sgd nesterov", func() Optimizer { return &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true} }},
}

func TestStepValidation(t *testing.T) {
	f32, f64 := tensor.Float32, tensor.Float64
	cases := []struct {
		name string
		// second is the faulty pair; the first pair ("a") is valid and
		// must come out untouched.
		second func() (*graph.Param, *graph.Buf)
		nGrads int // grads passed (2 unless testing the count)
		want   string
	}{
		{"count", func() (*graph.Param, *graph.Buf) { return newParam("b", f32, 1), newBuf(f32, 1) }, 1,
			"2 parameters but 1 gradients"},
		{"nil param", func() (*graph.Param, *graph.Buf) { return nil, newBuf(f32, 1) }, 2,
			"parameter 1 is nil"},
		{"int param", func() (*graph.Param, *graph.Buf) {
			return &graph.Param{Name: "b", Value: graph.NewBuf(tensor.Int32, 1)}, graph.NewBuf(tensor.Int32, 1)
		}, 2, `parameter "b": dtype int32 is not float32 or float64`},
		{"nil gradient", func() (*graph.Param, *graph.Buf) { return newParam("b", f32, 1), nil }, 2,
			`parameter "b": gradient is nil`},
		{"dtype", func() (*graph.Param, *graph.Buf) { return newParam("b", f32, 1), newBuf(f64, 1) }, 2,
			`parameter "b" is float32 but its gradient is float64`},
		{"size", func() (*graph.Param, *graph.Buf) { return newParam("b", f32, 1, 2, 3), newBuf(f32, 1, 2) }, 2,
			`parameter "b" has 3 elements but its gradient has 2`},
		{"size of a matrix", func() (*graph.Param, *graph.Buf) {
			return &graph.Param{Name: "b", Value: graph.NewBuf(f32, 2, 3)}, graph.NewBuf(f32, 3, 1)
		}, 2, `parameter "b" has 6 elements (shape (2, 3)) but its gradient has 3 (shape (3, 1))`},
	}
	for _, o := range optimizers {
		for _, tc := range cases {
			t.Run(o.name+"/"+tc.name, func(t *testing.T) {
				opt := o.make()
				a := newParam("a", f32, 1, 2)
				b, gb := tc.second()
				grads := []*graph.Buf{newBuf(f32, 0.5, 0.5), gb}[:tc.nGrads]
				err := opt.Step([]*graph.Param{a, b}, grads)
				require.ErrorContains(t, err, tc.want)
				require.Equal(t, []float64{1, 2}, values(a.Value), "a failed Step must not update any parameter")
				require.Zero(t, opt.StepCount())
				require.Nil(t, opt.State(a))
			})
		}
	}
}

// TestStepRejectsStaleState replaces a parameter's value by one of another
// size after a step: its state no longer fits and must not be used.
func TestStepRejectsStaleState(t *testing.T) {
	for _, o := range optimizers {
		opt := o.make()
		if len(opt.Slots()) == 0 {
			continue
		}
		t.Run(o.name, func(t *testing.T) {
			p := newParam("w", tensor.Float32, 1, 2)
			require.NoError(t, opt.Step([]*graph.Param{p}, []*graph.Buf{newBuf(tensor.Float32, 1, 1)}))
			p.Value = newBuf(tensor.Float32, 1, 2, 3)
			err := opt.Step([]*graph.Param{p}, []*graph.Buf{newBuf(tensor.Float32, 1, 1, 1)})
			require.ErrorContains(t, err, fmt.Sprintf(`parameter "w" is float32 with 3 elements but state %q is float32 with 2`, opt.Slots()[0]))
			require.Equal(t, 1, opt.StepCount())
		})
	}
}

// TestStateRoundTrip trains one optimizer for three steps, restores its
// state into a fresh one over copies of the parameters, and checks that both
// then take bit-identical steps. Without the restore the fresh one must
// differ, so the test shows that the state is what carries over.
func TestStateRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randBuf := func(n int) *graph.Buf {
		b := graph.NewBuf(tensor.Float32, n)
		for i := range b.F32 {
			b.F32[i] = float32(rng.NormFloat64())
		}
		return b
	}
	clone := func(p *graph.Param) *graph.Param {
		c := &graph.Param{Name: p.Name, Value: graph.NewBuf(p.Value.Dtype, p.Value.Shape...)}
		require.NoError(t, c.Value.CopyFrom(p.Value))
		return c
	}
	for _, o := range optimizers {
		t.Run(o.name, func(t *testing.T) {
			src := []*graph.Param{{Name: "w", Value: randBuf(6)}, {Name: "b", Value: randBuf(3)}}
			orig := o.make()
			for range 3 {
				require.NoError(t, orig.Step(src, []*graph.Buf{randBuf(6), randBuf(3)}))
			}

			restored := o.make()
			dst := []*graph.Param{clone(src[0]), clone(src[1])}
			cold := []*graph.Param{clone(src[0]), clone(src[1])}
			require.NoError(t, restored.SetStepCount(orig.StepCount()))
			for i, p := range src {
				st := orig.State(p)
				require.Len(t, st, len(orig.Slots()))
				require.NoError(t, restored.SetState(dst[i], st))
				for slot, b := range restored.State(dst[i]) {
					require.NotSame(t, st[slot], b, "SetState must copy %s, not adopt it", slot)
					require.Equal(t, values(st[slot]), values(b), slot)
				}
			}

			grads := []*graph.Buf{randBuf(6), randBuf(3)}
			require.NoError(t, orig.Step(src, grads))
			require.NoError(t, restored.Step(dst, grads))
			fresh := o.make()
			require.NoError(t, fresh.Step(cold, grads))
			for i := range src {
				require.Equal(t, values(src[i].Value), values(dst[i].Value), "restored step of %s", src[i].Name)
			}
			if len(orig.Slots()) > 0 {
				require.NotEqual(t, values(src[0].Value), values(cold[0].Value), "a fresh optimizer must step differently")
			} else {
				require.Equal(t, values(src[0].Value), values(cold[0].Value), "stateless SGD needs no restore")
			}
		})
	}
}

func TestSetStateErrors(t *testing.T) {
	f32 := tensor.Float32
	p := newParam("w", f32, 1, 2)
	cases := []struct {
		name  string
		opt   Optimizer
		p     *graph.Param
		state map[string]*graph.Buf
		want  string
	}{
		{"adam unknown slot", NewAdam(0.1), p, map[string]*graph.Buf{
			SlotExpAvg: newBuf(f32, 0, 0), SlotExpAvgSq: newBuf(f32, 0, 0), "momentum": newBuf(f32, 0, 0),
		}, `parameter "w": unknown state "momentum"`},
		{"adam missing slot", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, 0)},
			`parameter "w": state "exp_avg_sq" missing`},
		{"adam size", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, 0), SlotExpAvgSq: newBuf(f32, 0)},
			`state "exp_avg_sq" is float32 with 1`},
		{"adam dtype", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(tensor.Float64, 0, 0), SlotExpAvgSq: newBuf(f32, 0, 0)},
			`state "exp_avg" is float64 with 2`},
		{"adam nil buffer", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: nil, SlotExpAvgSq: newBuf(f32, 0, 0)},
			`state "exp_avg" is nil`},
		{"nil param", NewAdam(0.1), nil, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, 0)}, "parameter 0 is nil"},
		{"sgd without momentum", NewSGD(0.1), p, map[string]*graph.Buf{SlotMomentum: newBuf(f32, 0, 0)},
			`unknown state "momentum_buffer"`},
		{"sgd size", &SGD{LR: 0.1, Momentum: 0.9}, p, map[string]*graph.Buf{SlotMomentum: newBuf(f32, 0, 0, 0)},
			`state "momentum_buffer" is float32 with 3`},
		{"adam negative second moment", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, 0), SlotExpAvgSq: newBuf(f32, 0, -1)},
			`optim: parameter "w": state "exp_avg_sq" element 1 is -1, want a finite value >= 0`},
		{"adam NaN second moment", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, 0), SlotExpAvgSq: newBuf(f32, nan(), 0)},
			`optim: parameter "w": state "exp_avg_sq" element 0 is NaN, want a finite value`},
		{"adam infinite second moment", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, 0), SlotExpAvgSq: newBuf(f32, 0, math.Inf(1))},
			`state "exp_avg_sq" element 1 is +Inf, want a finite value`},
		{"adam NaN first moment", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, nan(), 0), SlotExpAvgSq: newBuf(f32, 0, 0)},
			`optim: parameter "w": state "exp_avg" element 0 is NaN, want a finite value`},
		{"adam infinite first moment", NewAdam(0.1), p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, 0, math.Inf(-1)), SlotExpAvgSq: newBuf(f32, 0, 0)},
			`state "exp_avg" element 1 is -Inf, want a finite value`},
		{"sgd NaN momentum", &SGD{LR: 0.1, Momentum: 0.9}, p, map[string]*graph.Buf{SlotMomentum: newBuf(f32, 1, nan())},
			`optim: parameter "w": state "momentum_buffer" element 1 is NaN, want a finite value`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.opt.SetState(tc.p, tc.state), tc.want)
			if tc.p != nil {
				require.Nil(t, tc.opt.State(tc.p), "a failed SetState must not create state")
			}
		})
	}
	// A first moment may be negative (it averages gradients).
	require.NoError(t, NewAdam(0.1).SetState(p, map[string]*graph.Buf{SlotExpAvg: newBuf(f32, -1, 2), SlotExpAvgSq: newBuf(f32, 0, 4)}))
	require.ErrorContains(t, NewAdam(0.1).SetStepCount(-1), "negative step count -1")
	require.ErrorContains(t, NewSGD(0.1).SetStepCount(-2), "negative step count -2")
}

// TestSetStateEmptyForgets checks that clearing a parameter's state makes
// its next step a first step again.
func TestSetStateEmptyForgets(t *testing.T) {
	for _, o := range optimizers {
		t.Run(o.name, func(t *testing.T) {
			opt := o.make()
			p := newParam("w", tensor.Float64, 1)
			g := []*graph.Buf{newBuf(tensor.Float64, 0.5)}
			require.NoError(t, opt.Step([]*graph.Param{p}, g))
			require.NoError(t, opt.SetState(p, nil))
			require.NoError(t, opt.SetStepCount(0))
			require.Nil(t, opt.State(p))
			before := p.Value.At(0)
			require.NoError(t, opt.Step([]*graph.Param{p}, g))
			// A first step from any start moves by the same amount.
			first := newParam("w", tensor.Float64, before)
			require.NoError(t, o.make().Step([]*graph.Param{first}, g))
			require.Equal(t, first.Value.At(0), p.Value.At(0))
		})
	}
}
