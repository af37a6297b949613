package optim

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/emberml/ember/graph"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// gradSeq is the gradient sequence every hand-computed case feeds to a
// scalar parameter that starts at w0 = 1.
var gradSeq = []float64{0.5, -0.3, 0.2}

// TestAdamMatchesPyTorch checks three steps on a scalar against values
// computed by hand in float64 from PyTorch's documented update, independently
// of this package (testdata/reference.py reproduces them, and checks them
// against torch.optim itself where torch is installed).
//
// Worked step 1 of "defaults" (lr 0.1, g 0.5):
//
//	m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025
//	bc1 = 1−0.9 = 0.1, bc2 = 1−0.999 = 0.001
//	denom = √0.00025/√0.001 + 1e-8 = 0.5 + 1e-8
//	w = 1 − (0.1/0.1)·0.05/(0.5+1e-8) = 1 − 0.099999998 = 0.900000002
//
// Step 2 (g −0.3): m = 0.9·0.05 − 0.03 = 0.015, v = 0.999·0.00025 + 0.001·0.09
// = 0.00033975, bc1 = 0.19, bc2 = 0.001999, so w = 0.900000002 −
// (0.1/0.19)·0.015/(√0.00033975/√0.001999 + 1e-8) = 0.8808501989417752.
func TestAdamMatchesPyTorch(t *testing.T) {
	cases := []struct {
		name                      string
		lr, beta1, beta2, eps, wd float64
		decoupled                 bool
		want                      []float64 // w after steps 1, 2, 3
	}{
		{"defaults", 0.1, 0.9, 0.999, 1e-8, 0, false,
			[]float64{0.900000002, 0.8808501989417752, 0.846107430790882}},
		// L2: g += 0.1·w, so step 1 sees g = 0.6 and still moves by ≈ lr.
		{"l2 weight decay", 0.1, 0.9, 0.999, 1e-8, 0.1, false,
			[]float64{0.9000000016666666, 0.8613529972101512, 0.8078745546785667}},
		// Decoupled: w *= 1 − 0.1·0.1 before the plain Adam step, so step 1
		// is 0.99 − 0.099999998.
		{"decoupled weight decay", 0.1, 0.9, 0.999, 1e-8, 0.1, true,
			[]float64{0.890000002, 0.8619501989217752, 0.8185879287816642}},
		// A large eps and other betas make eps and both bias corrections
		// visible: step 1 is 1 − 0.1·0.5/(0.5+1e-3).
		{"betas and eps", 0.1, 0.8, 0.99, 1e-3, 0, false,
			[]float64{0.9001996007984032, 0.886742117288124, 0.8545000088265061}},
	}
	for _, tc := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%s/%v", tc.name, dt), func(t *testing.T) {
				a := &Adam{LR: tc.lr, Beta1: tc.beta1, Beta2: tc.beta2, Eps: tc.eps, WeightDecay: tc.wd, Decoupled: tc.decoupled}
				p := newParam("w", dt, 1)
				for step, g := range gradSeq {
					grad := newBuf(dt, g)
					before := values(grad)
					require.NoError(t, a.Step([]*graph.Param{p}, []*graph.Buf{grad}))
					requireClose(t, tc.want[step:step+1], values(p.Value), tol(dt), fmt.Sprintf("step %d", step+1))
					require.Equal(t, before, values(grad), "Step must not write the gradient")
				}
				require.Equal(t, 3, a.StepCount())
			})
		}
	}
}

func TestNewAdamDefaults(t *testing.T) {
	a := NewAdam(1e-3)
	require.Equal(t, &Adam{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, a)
}

// TestAdamMoments checks the state after step 1 of the "defaults" case:
// m = (1−β1)·g and v = (1−β2)·g².
func TestAdamMoments(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			a := NewAdam(0.1)
			p := newParam("w", dt, 1)
			require.Nil(t, a.State(p), "no state before the first step")
			require.NoError(t, a.Step([]*graph.Param{p}, []*graph.Buf{newBuf(dt, 0.5)}))
			st := a.State(p)
			require.Len(t, st, 2)
			requireClose(t, []float64{0.05}, values(st[SlotExpAvg]), tol(dt), "exp_avg")
			requireClose(t, []float64{0.00025}, values(st[SlotExpAvgSq]), tol(dt), "exp_avg_sq")
			require.Equal(t, dt, st[SlotExpAvg].Dtype)
			require.Equal(t, p.Value.Shape, st[SlotExpAvgSq].Shape)
		})
	}
}

// TestAdamVector checks that a vector parameter (7 elements, so loop tails
// are exercised) and several parameters in one Step update elementwise
// exactly like separate scalar runs, which TestAdamMatchesPyTorch pins down.
func TestAdamVector(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			w0 := []float64{1, -2, 0.5, 0, 3, -0.25, 7}
			gs := [][]float64{
				{0.5, -0.3, 0.2, 1, -1, 0, 4},
				{-0.1, 0.3, 0.2, -2, 1, 0.5, 4},
			}
			mk := func() *Adam { return &Adam{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01} }

			vec, other := newParam("vec", dt, w0...), newParam("other", dt, 1, 2)
			a := mk()
			for _, g := range gs {
				require.NoError(t, a.Step([]*graph.Param{vec, other}, []*graph.Buf{newBuf(dt, g...), newBuf(dt, 0.1, 0.2)}))
			}
			for i := range w0 {
				s, sa := newParam("s", dt, w0[i]), mk()
				for _, g := range gs {
					require.NoError(t, sa.Step([]*graph.Param{s}, []*graph.Buf{newBuf(dt, g[i])}))
				}
				require.Equal(t, s.Value.At(0), vec.Value.At(i), "element %d", i)
			}
		})
	}
}

func TestAdamHyperparameterErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(a *Adam)
		want string
	}{
		{"negative lr", func(a *Adam) { a.LR = -1 }, "LR = -1"},
		{"beta1 one", func(a *Adam) { a.Beta1 = 1 }, "Beta1 = 1"},
		{"beta2 negative", func(a *Adam) { a.Beta2 = -0.1 }, "Beta2 = -0.1"},
		{"nan eps", func(a *Adam) { a.Eps = nan() }, "Eps = NaN, want a finite value > 0"},
		{"negative eps", func(a *Adam) { a.Eps = -1 }, "Eps = -1, want a finite value > 0"},
		{"infinite eps", func(a *Adam) { a.Eps = math.Inf(1) }, "Eps = +Inf, want a finite value > 0"},
		{"zero eps", func(a *Adam) { a.Eps = 0 }, "Eps = 0, want a finite value > 0: with no Eps an element whose gradient has always been zero divides 0 by 0"},
		// A literal with only LR set: its zero Eps is refused, pointing to NewAdam.
		{"literal with LR only", func(a *Adam) { *a = Adam{LR: 0.1} }, "NewAdam sets PyTorch's defaults"},
		{"negative weight decay", func(a *Adam) { a.WeightDecay = -1e-4 }, "WeightDecay = -0.0001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAdam(0.1)
			tc.edit(a)
			p := newParam("w", tensor.Float32, 1)
			err := a.Step([]*graph.Param{p}, []*graph.Buf{newBuf(tensor.Float32, 1)})
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, 1.0, p.Value.At(0))
			require.Zero(t, a.StepCount())
		})
	}
}

// TestAdamRefusesDuplicates: a parameter listed twice is refused before
// anything moves (its float32 updates would run on two cores at once), at
// the first step and later, and the next good step goes on as usual.
func TestAdamRefusesDuplicates(t *testing.T) {
	for _, later := range []bool{false, true} {
		p := graph.NewParam("w", tensor.Float32, 40000)
		q := graph.NewParam("q", tensor.Float64, 3)
		for i := range p.Value.F32 {
			p.Value.F32[i] = 1
		}
		g := graph.NewBuf(tensor.Float32, 40000)
		for i := range g.F32 {
			g.F32[i] = 0.5
		}
		gq := graph.NewBuf(tensor.Float64, 3)
		gq.F64[0] = 1
		opt := NewAdam(0.1)
		if later {
			require.NoError(t, opt.Step([]*graph.Param{p, q}, []*graph.Buf{g, gq}))
		}
		before := slices.Clone(p.Value.F32)
		beforeQ := slices.Clone(q.Value.F64)
		err := opt.Step([]*graph.Param{q, p, p}, []*graph.Buf{gq, g, g})
		require.EqualError(t, err, `optim: Adam: parameter "w" is listed twice`)
		require.Equal(t, before, p.Value.F32, "nothing moved")
		require.Equal(t, beforeQ, q.Value.F64, "nothing moved")
		steps := opt.StepCount()
		require.NoError(t, opt.Step([]*graph.Param{p, q}, []*graph.Buf{g, gq}))
		require.Equal(t, steps+1, opt.StepCount())
		require.NotEqual(t, before, p.Value.F32)
	}
}

// TestAdamZeroValueFields: Validate refuses the zero Eps a literal with
// only LR set has (its zero-gradient elements would become 0/0 = NaN),
// while zero betas with an Eps are valid, as in PyTorch, and stay finite.
func TestAdamZeroValueFields(t *testing.T) {
	require.ErrorContains(t, (&Adam{LR: 0.01}).Validate(), "optim: Adam: Eps = 0, want a finite value > 0")
	a := &Adam{LR: 0.01, Eps: 1e-8}
	require.NoError(t, a.Validate())
	p := newParam("w", tensor.Float32, 1, 2, 3)
	require.NoError(t, a.Step([]*graph.Param{p}, []*graph.Buf{newBuf(tensor.Float32, 0.5, 0, 0)}))
	require.NoError(t, p.CheckFinite())
	require.Equal(t, []float64{2, 3}, values(p.Value)[1:], "a zero gradient leaves its weights alone")
}
