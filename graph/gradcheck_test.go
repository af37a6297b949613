package graph

import (
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chewxy/hm"
	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gcInput is one input of a gradient check: parameters are differentiated,
// other inputs (ids, targets) are only fed.
type gcInput struct {
	name  string
	buf   *Buf
	param bool
	// frozen leading elements must get exactly zero gradient (the
	// embedding's padding row) instead of matching finite differences.
	frozen int
}

func randBuf(rng *rand.Rand, scale float64, shape ...int) *Buf {
	b := NewBuf(tensor.Float64, shape...)
	for i := range b.F64 {
		b.F64[i] = (2*rng.Float64() - 1) * scale
	}
	return b
}

// gradCheck builds cost = Σ out⊙R (or out itself when scalar) in float64,
// differentiates it with gorgonia.Grad, runs it on Program and compares
// every parameter gradient with central differences.
func gradCheck(t *testing.T, ins []gcInput, build func(g *Graph, n []*gorgonia.Node) *gorgonia.Node, beforeForward func(g *gorgonia.ExprGraph)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	g := New(tensor.Float64, true)
	nodes := make([]*gorgonia.Node, len(ins))
	for i, in := range ins {
		if in.param {
			nodes[i] = g.Param(&Param{Name: in.name, Value: in.buf})
		} else {
			nodes[i] = g.Input(in.name, in.buf.Dtype, in.buf.Shape...)
		}
	}
	out := build(g, nodes)
	cost := out
	var r *gorgonia.Node
	if !out.IsScalar() {
		r = g.Input("r", tensor.Float64, out.Shape()...)
		cost = gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, r))))
	}
	grads, err := g.Grad(cost)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{cost}, grads)
	require.NoError(t, err)
	for i, in := range ins {
		if !in.param {
			require.NoError(t, prog.Buf(nodes[i]).CopyFrom(in.buf))
		}
	}
	if r != nil {
		rb := prog.Buf(r)
		for i := range rb.F64 {
			rb.F64[i] = 2*rng.Float64() - 1
		}
	}
	frozen := map[string]int{}
	for _, in := range ins {
		frozen[in.name] = in.frozen
	}
	var before func()
	if beforeForward != nil {
		before = func() { beforeForward(g.G) }
	}
	require.NoError(t, CheckGradients(prog, cost, g.Params(), grads, GradCheck{Frozen: frozen, BeforeForward: before}))
}

func TestGradLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gradCheck(t, []gcInput{
		{"x", randBuf(rng, 1, 5, 3), true, 0},
		{"w", randBuf(rng, 1, 4, 3), true, 0},
		{"b", randBuf(rng, 1, 4), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(Linear{}, n[0], n[1], n[2])
	}, nil)
}

func TestGradSigmoidBCE(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := NewBuf(tensor.Float64, 6, 1)
	for i := range y.F64 {
		y.F64[i] = float64(i % 2)
	}
	gradCheck(t, []gcInput{
		{"z", randBuf(rng, 2, 6, 1), true, 0},
		{"y", y, false, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		p := Use(Sigmoid{Dims: 2}, n[0])
		return Use(BCE{Dims: 2}, p, n[1])
	}, nil)
}

func TestGradBCEWithLogits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	y := NewBuf(tensor.Float64, 7)
	for i := range y.F64 {
		y.F64[i] = float64(i % 2)
	}
	gradCheck(t, []gcInput{
		{"z", randBuf(rng, 4, 7), true, 0},
		{"y", y, false, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(BCEWithLogits{Dims: 1}, n[0], n[1])
	}, nil)
}

func TestGradSoftmaxCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tgt := NewBuf(tensor.Int32, 5)
	for i := range tgt.I32 {
		tgt.I32[i] = int32(i % 3)
	}
	gradCheck(t, []gcInput{
		{"z", randBuf(rng, 3, 5, 3), true, 0},
		{"t", tgt, false, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(SoftmaxCrossEntropy{}, n[0], n[1])
	}, nil)
}

func TestGradEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ids := NewBuf(tensor.Int32, 3, 4)
	for i := range ids.I32 {
		ids.I32[i] = int32(rng.IntN(6)) // includes padding 0 and repeats
	}
	ids.I32[0] = 0
	gradCheck(t, []gcInput{
		{"ids", ids, false, 0},
		{"emb", randBuf(rng, 1, 6, 5), true, 5},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(Embedding{}, n[0], n[1])
	}, nil)
}

// TestGradEmbeddingNoPadding: without a padding row, id 0 is learned like
// any other (nn.Embedding without padding_idx).
func TestGradEmbeddingNoPadding(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 11))
	ids := NewBuf(tensor.Int32, 3, 4)
	for i := range ids.I32 {
		ids.I32[i] = int32(rng.IntN(6))
	}
	ids.I32[0], ids.I32[5] = 0, 0
	gradCheck(t, []gcInput{
		{"ids", ids, false, 0},
		{"emb", randBuf(rng, 1, 6, 5), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		return Use(Embedding{Padding: NoPadding}, n[0], n[1])
	}, nil)
}

// TestEmbeddingPaddingRow: the padding row, wherever it is, gets no
// gradient and every other row gets what it gets without padding.
func TestEmbeddingPaddingRow(t *testing.T) {
	const B, T, V, D = 2, 5, 4, 3
	ids := NewBuf(tensor.Int32, B, T)
	copy(ids.I32, []int32{2, 0, 2, 1, 3, 3, 2, 0, 1, 2})
	dout := randBuf(rand.New(rand.NewPCG(1, 2)), 1, T, B, D)
	grad := func(pad int) []float64 {
		out := NewBuf(tensor.Float64, V, D)
		require.NoError(t, EmbeddingGrad{Vocab: V, Dim: D, Padding: pad}.ExecCPU(nil, out, []*Buf{ids, dout}))
		return out.F64
	}
	all := grad(NoPadding)
	for _, pad := range []int{0, 2} {
		got := grad(pad)
		for i := range all {
			want := all[i]
			if i/D == pad {
				want = 0
			}
			require.Equal(t, want, got[i], "padding %d, element %d", pad, i)
		}
	}
	require.NotZero(t, all[0], "id 0 is learned without padding")
	_, err := Embedding{Padding: V}.InferShape(tensor.Shape{B, T}, tensor.Shape{V, D})
	require.ErrorContains(t, err, "padding row 4 is outside the table (4, 3)")
	require.NotEqual(t, Embedding{}.Hashcode(), Embedding{Padding: NoPadding}.Hashcode())
}

func TestGradLSTM(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const T, B, I, H = 4, 3, 5, 4
	gradCheck(t, []gcInput{
		{"x", randBuf(rng, 1, T, B, I), true, 0},
		{"wih", randBuf(rng, 0.5, 4*H, I), true, 0},
		{"whh", randBuf(rng, 0.5, 4*H, H), true, 0},
		{"bih", randBuf(rng, 0.5, 4*H), true, 0},
		{"bhh", randBuf(rng, 0.5, 4*H), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		out := Use(LSTM{}, n[0], n[1], n[2], n[3], n[4])
		// Use both the whole sequence and the last step, as stacked models do.
		seq := LSTMSequence(out, T, B, H)
		last := LSTMLast(out, T, B, H)
		s1 := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(seq))))
		s2 := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(last))))
		return gorgonia.Must(gorgonia.Add(s1, s2))
	}, nil)
}

func TestGradDropout(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var drop Dropout
	gradCheck(t, []gcInput{
		{"x", randBuf(rng, 1, 6, 7), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		drop = NewDropout(0.4, 99)
		return Use(drop, n[0])
	}, func(*gorgonia.ExprGraph) {
		*drop.runs = 0 // same mask for every evaluation of the check
	})
}

func TestNewDropoutRefusesP(t *testing.T) {
	// NaN compares false with both bounds, so a check written as "p < 0 ||
	// p >= 1" would let it through; it must be refused like 2 or -0.1.
	for _, p := range []float64{-0.1, 1, 2, math.NaN(), math.Inf(1)} {
		require.PanicsWithValuef(t, fmt.Sprintf("graph: dropout probability %v outside [0,1)", p), func() {
			NewDropout(p, 1)
		}, "p=%v", p)
	}
	require.NotPanics(t, func() { NewDropout(0, 1) })
}

func TestDropoutMask(t *testing.T) {
	// About P of the elements are dropped, survivors are scaled, and the mask
	// changes from run to run but is fixed by (seed, run).
	d := NewDropout(0.3, 5)
	x := NewBuf(tensor.Float32, 10000)
	for i := range x.F32 {
		x.F32[i] = 1
	}
	y1, y2 := NewBuf(tensor.Float32, 10000), NewBuf(tensor.Float32, 10000)
	require.NoError(t, d.ExecCPU(nil, y1, []*Buf{x}))
	require.NoError(t, d.ExecCPU(nil, y2, []*Buf{x}))
	zeros, same := 0, 0
	for i := range y1.F32 {
		if y1.F32[i] == 0 {
			zeros++
		} else {
			require.InDelta(t, 1/0.7, y1.F32[i], 1e-6)
		}
		if y1.F32[i] == y2.F32[i] {
			same++
		}
	}
	require.InDelta(t, 3000, zeros, 200)
	require.Less(t, same, 9000, "masks of two runs must differ")
	require.Equal(t, DropoutKeep(5, 1, 17, 0.3), y1.F32[17] != 0)
}

// cubeOp is y = x³ elementwise, with kernels that can be made to break the
// kernel contract by adding into their output instead of overwriting it
// (buffers are reused and not zeroed).
type cubeOp struct {
	opBase
	AccForward, AccBackward bool
}

func (op cubeOp) Arity() int            { return 1 }
func (op cubeOp) Type() hm.Type         { return hm.NewFnType(tt(1), tt(1)) }
func (op cubeOp) String() string        { return fmt.Sprintf("cube[%v %v]", op.AccForward, op.AccBackward) }
func (op cubeOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op cubeOp) Hashcode() uint32      { return hashcode(op) }
func (op cubeOp) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op cubeOp) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (op cubeOp) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	for i, x := range in[0].F64 {
		if op.AccForward {
			out.F64[i] += x * x * x
		} else {
			out.F64[i] = x * x * x
		}
	}
	return nil
}
func (cubeOp) DiffWRT(int) []bool { return []bool{true} }
func (op cubeOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(cubeGrad{Acc: op.AccBackward}, in[0], grad)
	return gorgonia.Nodes{dx}, err
}

// cubeGrad is dx = 3x²·dy; with Acc, dx += 3x²·dy.
type cubeGrad struct {
	opBase
	Acc bool
}

func (op cubeGrad) Arity() int            { return 2 }
func (op cubeGrad) Type() hm.Type         { return hm.NewFnType(tt(1), tt(1), tt(1)) }
func (op cubeGrad) String() string        { return fmt.Sprintf("cubeGrad[%v]", op.Acc) }
func (op cubeGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op cubeGrad) Hashcode() uint32      { return hashcode(op) }
func (op cubeGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op cubeGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (op cubeGrad) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	for i, x := range in[0].F64 {
		if op.Acc {
			out.F64[i] += 3 * x * x * in[1].F64[i]
		} else {
			out.F64[i] = 3 * x * x * in[1].F64[i]
		}
	}
	return nil
}

// cubeProgram is cost = Σ cube(w) over a parameter w of 5 elements.
func cubeProgram(t *testing.T, op cubeOp) (*Program, *gorgonia.Node, []*Param, []*gorgonia.Node) {
	t.Helper()
	g := New(tensor.Float64, true)
	w := &Param{Name: "w", Value: randBuf(rand.New(rand.NewPCG(3, 5)), 1, 5)}
	cost := gorgonia.Must(gorgonia.Sum(Use(op, g.Param(w))))
	grads, err := g.Grad(cost)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{cost}, grads)
	require.NoError(t, err)
	return prog, cost, g.Params(), grads
}

// TestCheckGradientsCatchesAccumulation: a kernel that adds into its
// output, which the next run does not zero, fails the check even when its
// first run, on fresh buffers, is right.
func TestCheckGradientsCatchesAccumulation(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   cubeOp
		want string
	}{
		{"correct", cubeOp{}, ""},
		{"backward accumulates", cubeOp{AccBackward: true}, "gradient check of w: element 0 is"},
		{"forward accumulates", cubeOp{AccForward: true}, "the cost changed from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog, cost, params, grads := cubeProgram(t, tc.op)
			err := CheckGradients(prog, cost, params, grads, GradCheck{})
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "buffers are reused and not zeroed")
		})
	}
}

// TestCheckGradientsArguments: settings out of range and mismatched
// arguments are errors naming them, not panics or a silent partial check.
func TestCheckGradientsArguments(t *testing.T) {
	prog, cost, params, grads := cubeProgram(t, cubeOp{})
	other, _, _, _ := cubeProgram(t, cubeOp{})
	for _, tc := range []struct {
		name   string
		prog   *Program
		cost   *gorgonia.Node
		params []*Param
		grads  []*gorgonia.Node
		o      GradCheck
		want   string
	}{
		{"Eps negative", prog, cost, params, grads, GradCheck{Eps: -1e-6}, "GradCheck.Eps -1e-06, want a positive finite step"},
		{"Eps NaN", prog, cost, params, grads, GradCheck{Eps: math.NaN()}, "GradCheck.Eps NaN"},
		{"Eps infinite", prog, cost, params, grads, GradCheck{Eps: math.Inf(1)}, "GradCheck.Eps +Inf"},
		{"Tol negative", prog, cost, params, grads, GradCheck{Tol: -1}, "GradCheck.Tol -1, want a positive finite tolerance"},
		{"Tol NaN", prog, cost, params, grads, GradCheck{Tol: math.NaN()}, "GradCheck.Tol NaN"},
		{"MaxPerParam negative", prog, cost, params, grads, GradCheck{MaxPerParam: -1}, "GradCheck.MaxPerParam -1, want at least 1"},
		{"Frozen beyond the parameter", prog, cost, params, grads, GradCheck{Frozen: map[string]int{"w": 6}}, `GradCheck.Frozen["w"] 6, want 0 to 5`},
		{"Frozen negative", prog, cost, params, grads, GradCheck{Frozen: map[string]int{"w": -1}}, `GradCheck.Frozen["w"] -1`},
		{"fewer params than grads", prog, cost, nil, grads, GradCheck{}, "0 parameters but 1 gradient nodes"},
		{"more params than grads", prog, cost, params, nil, GradCheck{}, "1 parameters but 0 gradient nodes"},
		{"nil param", prog, cost, []*Param{nil}, grads, GradCheck{}, "parameter 0 is nil"},
		{"nil program", nil, cost, params, grads, GradCheck{}, "nil Program"},
		{"nil cost", prog, nil, params, grads, GradCheck{}, "nil cost node"},
		{"cost of another program", other, cost, params, grads, GradCheck{}, "is not a node of the program"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, CheckGradients(tc.prog, tc.cost, tc.params, tc.grads, tc.o), tc.want)
		})
	}
	require.NoError(t, CheckGradients(prog, cost, params, grads, GradCheck{Frozen: map[string]int{"v": 9}}),
		"Frozen entries of other names are ignored")
}
