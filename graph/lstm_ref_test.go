package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestLSTMMatchesGorgoniaReference checks the fused LSTM op (forward and all
// gradients) against the same layer unrolled from gorgonia's standard ops
// and differentiated and run by gorgonia's TapeMachine, whose single bias is
// the sum of the op's two: each of the op's bias gradients must equal the
// reference's.
func TestLSTMMatchesGorgoniaReference(t *testing.T) {
	const T, B, I, H = 5, 3, 4, 6
	rng := rand.New(rand.NewPCG(21, 22))
	x := randBuf(rng, 1, T, B, I)
	wih := randBuf(rng, 0.6, 4*H, I)
	whh := randBuf(rng, 0.6, 4*H, H)
	bih, bhh := randBuf(rng, 0.6, 4*H), randBuf(rng, 0.6, 4*H)
	bias := NewBuf(tensor.Float64, 4*H)
	for i := range bias.F64 {
		bias.F64[i] = bih.F64[i] + bhh.F64[i]
	}
	r := randBuf(rng, 1, T, B, H)

	// Reference: gorgonia's own ops, one step at a time.
	rg := gorgonia.NewGraph()
	rx := gorgonia.NewTensor(rg, tensor.Float64, 3, gorgonia.WithShape(T, B, I), gorgonia.WithName("x"), gorgonia.WithValue(cloneDense(x)))
	rwih := gorgonia.NewMatrix(rg, tensor.Float64, gorgonia.WithShape(4*H, I), gorgonia.WithName("wih"), gorgonia.WithValue(cloneDense(wih)))
	rwhh := gorgonia.NewMatrix(rg, tensor.Float64, gorgonia.WithShape(4*H, H), gorgonia.WithName("whh"), gorgonia.WithValue(cloneDense(whh)))
	rb := gorgonia.NewMatrix(rg, tensor.Float64, gorgonia.WithShape(1, 4*H), gorgonia.WithName("b"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(1, 4*H), tensor.WithBacking(append([]float64(nil), bias.F64...)))))
	must := gorgonia.Must
	var h, c *gorgonia.Node
	var hs []*gorgonia.Node
	var cost *gorgonia.Node
	for s := 0; s < T; s++ {
		xt := must(gorgonia.Slice(rx, gorgonia.S(s)))
		pre := must(gorgonia.Mul(xt, must(gorgonia.Transpose(rwih))))
		if s > 0 {
			pre = must(gorgonia.Add(pre, must(gorgonia.Mul(h, must(gorgonia.Transpose(rwhh))))))
		}
		pre = must(gorgonia.BroadcastAdd(pre, rb, nil, []byte{0}))
		gate := func(k int) *gorgonia.Node { return must(gorgonia.Slice(pre, nil, gorgonia.S(k*H, (k+1)*H))) }
		ig, fg := must(gorgonia.Sigmoid(gate(0))), must(gorgonia.Sigmoid(gate(1)))
		gg, og := must(gorgonia.Tanh(gate(2))), must(gorgonia.Sigmoid(gate(3)))
		if s == 0 {
			c = must(gorgonia.HadamardProd(ig, gg))
		} else {
			c = must(gorgonia.Add(must(gorgonia.HadamardProd(fg, c)), must(gorgonia.HadamardProd(ig, gg))))
		}
		h = must(gorgonia.HadamardProd(og, must(gorgonia.Tanh(c))))
		hs = append(hs, h)
		rt := gorgonia.NewMatrix(rg, tensor.Float64, gorgonia.WithShape(B, H), gorgonia.WithName("r"+string(rune('0'+s))),
			gorgonia.WithValue(tensor.New(tensor.WithShape(B, H), tensor.WithBacking(append([]float64(nil), r.F64[s*B*H:(s+1)*B*H]...)))))
		term := must(gorgonia.Sum(must(gorgonia.HadamardProd(h, rt))))
		if cost == nil {
			cost = term
		} else {
			cost = must(gorgonia.Add(cost, term))
		}
	}
	// Read the hidden states through copies the backward pass cannot touch.
	var hvals []*gorgonia.Value
	for _, hn := range hs {
		v := new(gorgonia.Value)
		gorgonia.Read(hn, v)
		hvals = append(hvals, v)
	}
	refGrads, err := gorgonia.Grad(cost, rx, rwih, rwhh, rb)
	require.NoError(t, err)
	vm := gorgonia.NewTapeMachine(rg)
	defer vm.Close()
	require.NoError(t, vm.RunAll())

	// Ours.
	g := New(tensor.Float64, true)
	px, pwih, pwhh := &Param{"x", x}, &Param{"wih", wih}, &Param{"whh", whh}
	pbih, pbhh := &Param{"bih", bih}, &Param{"bhh", bhh}
	out := Use(LSTM{}, g.Param(px), g.Param(pwih), g.Param(pwhh), g.Param(pbih), g.Param(pbhh))
	seq := LSTMSequence(out, T, B, H)
	rn := g.Input("r", tensor.Float64, T, B, H)
	ourCost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(seq, rn))))
	grads, err := g.Grad(ourCost)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{ourCost, seq}, grads)
	require.NoError(t, err)
	require.NoError(t, prog.Buf(rn).CopyFrom(r))
	require.NoError(t, prog.Run())

	relClose := func(what string, want, got []float64) {
		t.Helper()
		require.Equal(t, len(want), len(got), what)
		for i := range want {
			d := math.Abs(want[i] - got[i])
			require.LessOrEqualf(t, d, 1e-5*math.Max(math.Abs(want[i]), 1e-3), "%s[%d]: reference %.10g, ours %.10g", what, i, want[i], got[i])
		}
	}
	ourSeq := prog.Buf(seq).F64
	for s := 0; s < T; s++ {
		relClose("h", (*hvals[s]).Data().([]float64), ourSeq[s*B*H:(s+1)*B*H])
	}
	relClose("cost", []float64{cost.Value().Data().(float64)}, []float64{prog.Scalar(ourCost)})
	for k, name := range []string{"x", "wih", "whh", "bih", "bhh"} {
		relClose("d"+name, refGrads[min(k, 3)].Value().Data().([]float64), prog.Buf(grads[k]).F64)
	}
	require.NotSame(t, &prog.Buf(grads[3]).F64[0], &prog.Buf(grads[4]).F64[0], "the bias gradients share no storage")
}

func cloneDense(b *Buf) *tensor.Dense {
	return tensor.New(tensor.WithShape(b.Shape.Clone()...), tensor.WithBacking(append([]float64(nil), b.F64...)))
}

// TestOpsRunOnTapeMachine runs a small model built from this package's ops
// on gorgonia's TapeMachine (through Do) and on Program, and compares.
func TestOpsRunOnTapeMachine(t *testing.T) {
	const T, B, V, E, H = 4, 2, 7, 3, 5
	rng := rand.New(rand.NewPCG(31, 32))
	ids := NewBuf(tensor.Int32, B, T)
	for i := range ids.I32 {
		ids.I32[i] = int32(rng.IntN(V))
	}
	y := NewBuf(tensor.Float64, B, 1)
	y.F64[1] = 1
	params := []*Param{
		{"emb", randBuf(rng, 1, V, E)}, {"wih", randBuf(rng, 0.5, 4*H, E)}, {"whh", randBuf(rng, 0.5, 4*H, H)},
		{"bih", randBuf(rng, 0.5, 4*H)}, {"w", randBuf(rng, 0.5, 1, H)}, {"bo", randBuf(rng, 0.5, 1)},
		{"bhh", randBuf(rng, 0.5, 4*H)},
	}
	build := func(g *Graph, idn, yn *gorgonia.Node) (*gorgonia.Node, []*gorgonia.Node) {
		emb := Use(Embedding{}, idn, g.Param(params[0]))
		l := Use(LSTM{}, emb, g.Param(params[1]), g.Param(params[2]), g.Param(params[3]), g.Param(params[6]))
		logit := Use(Linear{}, LSTMLast(l, T, B, H), g.Param(params[4]), g.Param(params[5]))
		p := Use(Sigmoid{Dims: 2}, logit)
		loss := Use(BCE{Dims: 2}, p, yn)
		grads, err := g.Grad(loss)
		require.NoError(t, err)
		return loss, grads
	}
	// Program.
	g := New(tensor.Float64, true)
	idn, yn := g.Input("ids", tensor.Int32, B, T), g.Input("y", tensor.Float64, B, 1)
	loss, grads := build(g, idn, yn)
	prog, err := g.Compile([]*gorgonia.Node{loss}, grads)
	require.NoError(t, err)
	require.NoError(t, prog.Buf(idn).CopyFrom(ids))
	require.NoError(t, prog.Buf(yn).CopyFrom(y))
	require.NoError(t, prog.Run())

	// TapeMachine, with the inputs bound as values.
	g2 := New(tensor.Float64, true)
	idn2, yn2 := g2.Input("ids", tensor.Int32, B, T), g2.Input("y", tensor.Float64, B, 1)
	require.NoError(t, gorgonia.Let(idn2, ids.Dense()))
	require.NoError(t, gorgonia.Let(yn2, y.Dense()))
	loss2, grads2 := build(g2, idn2, yn2)
	for _, p := range g2.Params() {
		require.NoError(t, gorgonia.Let(g2.nodes[p], cloneDense(p.Value)))
	}
	vm := gorgonia.NewTapeMachine(g2.G)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	require.InDelta(t, loss2.Value().Data().(float64), prog.Scalar(loss), 1e-12)
	for k := range grads {
		want := grads2[k].Value().Data().([]float64)
		require.InDeltaSlice(t, want, prog.Buf(grads[k]).F64, 1e-12, "gradient %d", k)
	}
}
