package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/graph"
)

// stepper is what the group tests need of Adam and SGD.
type stepper interface {
	Optimizer
	AddGroup(...*graph.Param) *Group
	Hyper(*graph.Param) (float64, float64)
}

// TestGroupsMatchPyTorch runs torch.optim's param_groups case of
// testdata/reference.py: two scalars fed the same gradients, the first in
// the default group and the second in its own, with values checked there
// against torch.optim.Adam and SGD given the same groups.
func TestGroupsMatchPyTorch(t *testing.T) {
	cases := []struct {
		name string
		opt  func() stepper
		lr   float64 // the group's
		wd   float64
		want [][2]float64
	}{
		{"adam", func() stepper { return NewAdam(0.1) }, 0.05, 0.1, [][2]float64{
			{0.900000002, 0.9500000008333334}, {0.8808501989417752, 0.9303331147216561}, {0.846107430790882, 0.9031250862246235}}},
		{"sgd", func() stepper { return &SGD{LR: 0.1, WeightDecay: 0.1, Momentum: 0.9} }, 0.3, 0, [][2]float64{
			{0.94, 0.85}, {0.9066, 0.8049999999999999}, {0.847474, 0.7044999999999999}}},
	}
	for _, tc := range cases {
		for _, dt := range dtypes {
			t.Run(fmt.Sprintf("%s/%v", tc.name, dt), func(t *testing.T) {
				opt := tc.opt()
				a, b := newParam("a", dt, 1), newParam("b", dt, 1)
				g := opt.AddGroup(b)
				g.LR, g.WeightDecay = tc.lr, tc.wd
				lr, wd := opt.Hyper(b)
				require.Equal(t, [2]float64{tc.lr, tc.wd}, [2]float64{lr, wd})
				for step, gv := range gradSeq {
					require.NoError(t, opt.Step([]*graph.Param{a, b}, []*graph.Buf{newBuf(dt, gv), newBuf(dt, gv)}))
					requireClose(t, tc.want[step][:], []float64{a.Value.At(0), b.Value.At(0)}, tol(dt), fmt.Sprintf("step %d", step+1))
				}
			})
		}
	}
}

func TestAddGroup(t *testing.T) {
	a := NewAdam(0.01)
	a.WeightDecay = 0.5
	p, q := newParam("p", dtypes[0], 1), newParam("q", dtypes[0], 1)
	g := a.AddGroup(p)
	require.Equal(t, 0.01, g.LR, "a group starts from the optimizer's settings")
	require.Equal(t, 0.5, g.WeightDecay)
	require.Equal(t, []*graph.Param{p}, g.Params())
	require.Equal(t, []*Group{g}, a.Groups())
	lr, wd := a.Hyper(q)
	require.Equal(t, [2]float64{0.01, 0.5}, [2]float64{lr, wd}, "q is in the default group")
	a.LR = 0.02 // the default group's schedule does not move the group
	lr, _ = a.Hyper(p)
	require.Equal(t, 0.01, lr)
	require.PanicsWithValue(t, `optim: Adam.AddGroup: parameter "p" is already in a group`, func() { a.AddGroup(q, p) })
	require.Len(t, a.Groups(), 1, "a refused group is not added")
	lr, _ = a.Hyper(q)
	require.Equal(t, 0.02, lr, "nor are its other parameters")
	require.Panics(t, func() { (&SGD{}).AddGroup(nil) })
}

// TestGroupHyperparametersChecked: a bad group setting fails the step
// before anything is written, naming the group.
func TestGroupHyperparametersChecked(t *testing.T) {
	for _, opt := range []stepper{NewAdam(0.1), NewSGD(0.1)} {
		p := newParam("p", dtypes[1], 1)
		opt.AddGroup(p).LR = math.NaN()
		err := opt.Step([]*graph.Param{p}, []*graph.Buf{newBuf(dtypes[1], 1)})
		require.ErrorContains(t, err, "group 0 LR = NaN")
		require.Equal(t, 1.0, p.Value.At(0))
		require.Equal(t, 0, opt.StepCount())
	}
}

// TestGroupStepAllocatesNothing: groups keep Step allocation-free.
func TestGroupStepAllocatesNothing(t *testing.T) {
	a := NewAdam(0.1)
	p, q := newParam("p", dtypes[0], 1, 2), newParam("q", dtypes[0], 3)
	a.AddGroup(q).WeightDecay = 0.1
	ps, gs := []*graph.Param{p, q}, []*graph.Buf{newBuf(dtypes[0], 1, 1), newBuf(dtypes[0], 1)}
	require.NoError(t, a.Step(ps, gs))
	require.Zero(t, testing.AllocsPerRun(20, func() { _ = a.Step(ps, gs) }))
}
