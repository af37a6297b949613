package graph_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

// TestGradSumRecognised pins how the planner finds gorgonia's gradient
// sums: gorgonia.Grad of a node used twice must produce an op that
// IsGradSum recognises (planned as graph.Add), and gorgonia's other
// elementwise operators, which share its type, must not be taken for it.
// A gorgonia upgrade that changes either fails here.
func TestGradSumRecognised(t *testing.T) {
	g := graph.New(tensor.Float64, true)
	rng := rand.New(rand.NewPCG(1, 2))
	d := layers.NewDense("d", 3, 2, tensor.Float64, rng)
	x := g.Input("x", tensor.Float64, 4, 3)
	h := d.Forward(g, x)
	// h feeds two sigmoids: its gradient is the sum of theirs.
	a := layers.Sigmoid(h)
	b := layers.Sigmoid(h)
	loss := gorgonia.Must(gorgonia.Add(gorgonia.Must(gorgonia.Sum(a)), gorgonia.Must(gorgonia.Sum(b))))
	grads, err := g.Grad(loss)
	require.NoError(t, err)

	sums := 0
	for _, n := range g.G.AllNodes() {
		if graph.IsGradSum(n.Op()) {
			sums++
		}
	}
	require.GreaterOrEqual(t, sums, 2, "the loss's + and the gradient sum of h")

	plan, err := graph.NewPlan([]*gorgonia.Node{loss}, grads, g.Binds())
	require.NoError(t, err)
	adds := 0
	for _, s := range plan.Backward {
		if _, ok := s.Op.(graph.Add); ok {
			adds++
		}
	}
	require.Equal(t, 1, adds, "the gradient sum of h is planned as graph.Add")

	u := g.Input("u", tensor.Float64, 2)
	v := g.Input("v", tensor.Float64, 2)
	for _, n := range []*gorgonia.Node{
		gorgonia.Must(gorgonia.Sub(u, v)),
		gorgonia.Must(gorgonia.HadamardProd(u, v)),
		gorgonia.Must(gorgonia.HadamardDiv(u, v)),
	} {
		require.False(t, graph.IsGradSum(n.Op()), "%v", n.Op())
	}
	require.True(t, graph.IsGradSum(gorgonia.Must(gorgonia.Add(u, v)).Op()))
	require.False(t, graph.IsGradSum(graph.Add{}))
	require.False(t, graph.IsGradSum(nil))
}

// TestPlanValues checks what the planner decides for each kind of node:
// bound parameters, inputs with and without an initial value, constants,
// views (through a view, onto the root's storage) and computed values, and
// the forward/backward split.
func TestPlanValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g := graph.New(tensor.Float32, true)
	emb := layers.NewEmbedding("emb", 10, 4, tensor.Float32, rng)
	lstm := layers.NewLSTM("lstm", 4, 5, 1, 0, tensor.Float32, rng)
	ids := g.Input("ids", tensor.Int32, 2, 3)
	seq, last := lstm.Forward(g, emb.Forward(g, ids))
	inner := graph.NewView(seq, 10, 2, 5) // a view of a view
	two := gorgonia.NewConstant(float32(2), gorgonia.WithName("two"))
	init := gorgonia.NewTensor(g.G, tensor.Float32, 1, gorgonia.WithShape(3), gorgonia.WithName("init"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{1, 2, 3}))))
	total := gorgonia.Must(gorgonia.Add(gorgonia.Must(gorgonia.Sum(inner)), gorgonia.Must(gorgonia.Sum(last))))
	loss := gorgonia.Must(gorgonia.Add(gorgonia.Must(gorgonia.Mul(total, two)), gorgonia.Must(gorgonia.Sum(init))))
	grads, err := g.Grad(loss)
	require.NoError(t, err)

	plan, err := graph.NewPlan([]*gorgonia.Node{loss}, grads, g.Binds())
	require.NoError(t, err)

	for _, p := range g.Params() {
		v := plan.Value(g.Param(p))
		require.Equal(t, graph.ValueBound, v.Kind)
		require.Same(t, p.Value, v.Host)
		require.Equal(t, -1, v.Slot)
	}
	vi := plan.Value(ids)
	require.Equal(t, graph.ValueInput, vi.Kind)
	require.Nil(t, vi.Host)
	require.Equal(t, graph.ValueInput, plan.Value(init).Kind)
	require.Equal(t, []float32{1, 2, 3}, plan.Value(init).Host.F32)
	require.Equal(t, []*graph.Value{vi, plan.Value(init)}, plan.Inputs)
	// The constant 2 (gorgonia adds it to the graph as a node of its own)
	// and, from gorgonia.Grad, the gradient 1 of the loss.
	var consts []float32
	for _, v := range plan.Values {
		if v.Kind == graph.ValueConstant {
			require.GreaterOrEqual(t, v.Slot, 0)
			consts = append(consts, v.Host.F32...)
		}
	}
	require.ElementsMatch(t, []float32{2, 1}, consts)

	vw := plan.Value(inner)
	require.Equal(t, graph.ValueView, vw.Kind)
	root, off := vw.Root()
	require.Equal(t, graph.ValueComputed, root.Kind)
	require.IsType(t, graph.LSTM{}, root.Node.Op())
	require.Equal(t, 10, off, "the sequence view starts at 0, the inner one 10 further")
	require.Equal(t, 2*3*5+2*3*20+2*3*5, root.Len())

	seen := map[int]bool{}
	for _, v := range plan.Values {
		if v.Slot >= 0 {
			require.False(t, seen[v.Slot], "one slot per value")
			seen[v.Slot] = true
			require.Equal(t, graph.Slot{Elems: v.Len(), Dtype: v.Dtype}, plan.Slots[v.Slot])
		}
	}
	inFwd := map[*gorgonia.Node]bool{}
	for _, s := range plan.Forward {
		require.Equal(t, graph.PhaseForward, s.Phase)
		inFwd[s.Node] = true
	}
	for _, s := range plan.Backward {
		require.Equal(t, graph.PhaseBackward, s.Phase)
		require.False(t, inFwd[s.Node])
		for _, in := range s.In {
			if in.Kind == graph.ValueComputed {
				// Every computed input is produced by an earlier step.
				require.NotNil(t, in.Node.Op())
			}
		}
	}
	require.Equal(t, plan.Value(loss), plan.Forward[len(plan.Forward)-1].Out)

	// AddScratch gives a step a slot of its own.
	s := plan.Backward[0]
	n := len(plan.Slots)
	i := plan.AddScratch(s, 7, tensor.Float32)
	require.Equal(t, n, i)
	require.Equal(t, []int{i}, s.Scratch)
	require.Equal(t, graph.Slot{Elems: 7, Dtype: tensor.Float32}, plan.Slots[i])
}

// TestPlanRejectsMisfitBinding: a bound buffer must match its node.
func TestPlanRejectsMisfitBinding(t *testing.T) {
	g := graph.New(tensor.Float32, false)
	x := g.Input("x", tensor.Float32, 2, 3)
	y := layers.Sigmoid(x)
	_, err := graph.NewPlan([]*gorgonia.Node{y}, nil, map[*gorgonia.Node]*graph.Buf{x: graph.NewBuf(tensor.Float32, 5)})
	require.ErrorContains(t, err, "bound buffer is float32(5)")
}

type fakeOp struct{ graph.Add }

// TestRegistry: lookups by the op's dynamic type, duplicate registration
// panics, and CPU kernels: an op's own ExecCPU, or one registered for a
// type without it.
func TestRegistry(t *testing.T) {
	r := graph.NewRegistry[string]("test")
	r.Register(graph.LSTM{}, "lstm")
	r.Register(&graph.Linear{}, "linear pointer")
	k, ok := r.Lookup(graph.LSTM{})
	require.True(t, ok)
	require.Equal(t, "lstm", k)
	_, ok = r.Lookup(graph.Linear{})
	require.False(t, ok, "the value type is not the pointer type")
	k, ok = r.Lookup(&graph.Linear{})
	require.True(t, ok)
	require.Equal(t, "linear pointer", k)
	require.Equal(t, []string{"*graph.Linear", "graph.LSTM"}, r.Ops())
	require.Equal(t, "test", r.Backend())
	require.PanicsWithValue(t, "graph: test registry: a kernel for graph.LSTM is already registered",
		func() { r.Register(graph.LSTM{}, "again") })

	kern, ok := graph.CPUKernelOf(graph.Linear{})
	require.True(t, ok)
	require.Equal(t, graph.Linear{}, kern)
	_, ok = graph.CPUKernelOf(gorgonia.Must(gorgonia.Sum(gorgonia.NewVector(gorgonia.NewGraph(), tensor.Float32,
		gorgonia.WithShape(2)))).Op())
	require.False(t, ok, "gorgonia's ops have no CPU kernel (Program runs their Do)")
}

// TestPlanReadRange: the ViewGrad of an LSTM's last hidden state is read
// only in its hidden-state part (LSTMBackward's InputRange), the LSTM's own
// output whole by the backward op, and a plan output whole.
func TestPlanReadRange(t *testing.T) {
	const T, B, I, H = 5, 3, 4, 6
	g := graph.New(tensor.Float64, true)
	rng := rand.New(rand.NewPCG(3, 4))
	l := layers.NewLSTM("lstm", I, H, 1, 0, tensor.Float64, rng)
	x := g.Input("x", tensor.Float64, T, B, I)
	_, last := l.Forward(g, x)
	loss := gorgonia.Must(gorgonia.Sum(last))
	grads, err := g.Grad(loss)
	require.NoError(t, err)
	plan, err := graph.NewPlan([]*gorgonia.Node{loss, last}, grads, g.Binds())
	require.NoError(t, err)
	var lstmOut, viewGrad *graph.Value
	for _, s := range append(plan.Forward, plan.Backward...) {
		switch s.Op.(type) {
		case graph.LSTM:
			lstmOut = s.Out
		case graph.ViewGrad:
			viewGrad = s.Out
		}
	}
	require.NotNil(t, lstmOut)
	require.NotNil(t, viewGrad)
	n := graph.LSTMOutputSize(T, B, H)
	lo, hi := plan.ReadRange(viewGrad)
	require.Equal(t, [2]int{0, T * B * H}, [2]int{lo, hi}, "LSTMBackward reads the hidden states' gradient only")
	lo, hi = plan.ReadRange(lstmOut)
	require.Equal(t, [2]int{0, n}, [2]int{lo, hi}, "the backward op reads the whole forward output, reserve included")
	lo, hi = plan.ReadRange(plan.Value(last))
	require.Equal(t, [2]int{0, B * H}, [2]int{lo, hi}, "a plan output is read whole")
	lo, hi = plan.ReadRange(plan.Value(loss))
	require.Equal(t, [2]int{0, 1}, [2]int{lo, hi})
}
