package graph_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

const ms = time.Millisecond

func TestProfileAggregate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []graph.OpTime
		want []graph.OpTime
	}{
		{name: "empty", in: nil, want: []graph.OpTime{}},
		{
			name: "same op and phase merge",
			in: []graph.OpTime{
				{Op: "LSTM", Phase: graph.PhaseForward, Calls: 2, Total: 3 * ms},
				{Op: "LSTM", Phase: graph.PhaseForward, Calls: 1, Total: 4 * ms},
			},
			want: []graph.OpTime{{Op: "LSTM", Phase: graph.PhaseForward, Calls: 3, Total: 7 * ms}},
		},
		{
			name: "phases stay apart, longest first",
			in: []graph.OpTime{
				{Op: "+", Phase: graph.PhaseForward, Calls: 1, Total: 1 * ms},
				{Op: "LSTMBackward", Phase: graph.PhaseBackward, Calls: 2, Total: 9 * ms},
				{Op: "+", Phase: graph.PhaseBackward, Calls: 3, Total: 2 * ms},
				{Op: "LSTM", Phase: graph.PhaseForward, Calls: 2, Total: 5 * ms},
			},
			want: []graph.OpTime{
				{Op: "LSTMBackward", Phase: graph.PhaseBackward, Calls: 2, Total: 9 * ms},
				{Op: "LSTM", Phase: graph.PhaseForward, Calls: 2, Total: 5 * ms},
				{Op: "+", Phase: graph.PhaseBackward, Calls: 3, Total: 2 * ms},
				{Op: "+", Phase: graph.PhaseForward, Calls: 1, Total: 1 * ms},
			},
		},
		{
			name: "ties by phase order, then name",
			in: []graph.OpTime{
				{Op: "Adam", Phase: graph.PhaseOptimizer, Calls: 1, Total: ms},
				{Op: "b", Phase: graph.PhaseBackward, Calls: 1, Total: ms},
				{Op: "a", Phase: graph.PhaseBackward, Calls: 1, Total: ms},
				{Op: "Linear", Phase: graph.PhaseForward, Calls: 1, Total: ms},
				{Op: "Fill", Phase: graph.PhaseData, Calls: 1, Total: ms},
			},
			want: []graph.OpTime{
				{Op: "Fill", Phase: graph.PhaseData, Calls: 1, Total: ms},
				{Op: "Linear", Phase: graph.PhaseForward, Calls: 1, Total: ms},
				{Op: "a", Phase: graph.PhaseBackward, Calls: 1, Total: ms},
				{Op: "b", Phase: graph.PhaseBackward, Calls: 1, Total: ms},
				{Op: "Adam", Phase: graph.PhaseOptimizer, Calls: 1, Total: ms},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			p := graph.Profile{Steps: 2, Wall: 30 * ms, Ops: in}
			got := p.Aggregate()
			require.Equal(t, tc.want, got.Ops)
			require.Equal(t, 2, got.Steps)
			require.Equal(t, 30*ms, got.Wall)
			require.Equal(t, tc.in, in, "the receiver is not changed")
			require.Equal(t, p.Total(), got.Total())
		})
	}
}

func TestProfileByOpMergeShare(t *testing.T) {
	p := graph.Profile{Steps: 2, Wall: 20 * ms, Ops: []graph.OpTime{
		{Op: "+", Phase: graph.PhaseForward, Calls: 2, Total: 1 * ms},
		{Op: "+", Phase: graph.PhaseBackward, Calls: 4, Total: 2 * ms},
		{Op: "LSTM", Phase: graph.PhaseForward, Calls: 4, Total: 10 * ms},
	}}
	require.Equal(t, []graph.OpTime{
		{Op: "LSTM", Phase: graph.PhaseForward, Calls: 4, Total: 10 * ms},
		{Op: "+", Phase: "", Calls: 6, Total: 3 * ms},
	}, p.ByOp().Ops)

	q := p.Merge(graph.Profile{Ops: []graph.OpTime{{Op: "Adam", Phase: graph.PhaseOptimizer, Calls: 2, Total: 4 * ms}}})
	require.Equal(t, 2, q.Steps, "entries merged with Steps 0 belong to p's steps")
	require.Equal(t, 20*ms, q.Wall)
	require.Equal(t, 17*ms, q.Total())
	require.Equal(t, 3*ms, q.Untimed())
	require.Equal(t, 5*ms, q.PerStep(10*ms))
	require.InDelta(t, 0.5, q.Share(10*ms), 1e-12)

	both := p.Merge(p)
	require.Equal(t, 4, both.Steps)
	require.Equal(t, 40*ms, both.Wall)
	require.Equal(t, 20*ms, both.Ops[0].Total)

	// Without a wall time (or with one below the entries' sum) the share
	// is of the entries' total.
	noWall := graph.Profile{Ops: []graph.OpTime{{Op: "a", Total: 3 * ms}, {Op: "b", Total: 1 * ms}}}
	require.InDelta(t, 0.75, noWall.Share(3*ms), 1e-12)
	require.Zero(t, noWall.Untimed())
	require.Equal(t, 3*ms, noWall.PerStep(3*ms), "Steps 0: totals as they are")
	require.Zero(t, graph.Profile{}.Share(ms))
}

func TestProfileTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    graph.Profile
		want string
	}{
		{
			name: "with wall time",
			p: graph.Profile{Steps: 4, Wall: 40 * ms, Ops: []graph.OpTime{
				{Op: "Adam", Phase: graph.PhaseOptimizer, Calls: 4, Total: 4 * ms},
				{Op: "LSTMBackward", Phase: graph.PhaseBackward, Calls: 8, Total: 20 * ms},
				{Op: "LSTM", Phase: graph.PhaseForward, Calls: 8, Total: 12 * ms},
				{Op: "+", Phase: graph.PhaseBackward, Calls: 6, Total: 2 * ms},
			}},
			want: `op            phase      calls/step  ms/step  % of step
LSTMBackward  backward            2    5.000      50.0%
LSTM          forward             2    3.000      30.0%
Adam          optimizer           1    1.000      10.0%
+             backward         1.50    0.500       5.0%
(untimed)                              0.500       5.0%
-------------------------------------------------------
step                                  10.000     100.0%
`,
		},
		{
			name: "no wall time, no steps",
			p: graph.Profile{Ops: []graph.OpTime{
				{Op: "Linear", Phase: graph.PhaseForward, Calls: 1, Total: 250 * time.Microsecond},
				{Op: "Linear", Phase: graph.PhaseForward, Calls: 1, Total: 250 * time.Microsecond},
				{Op: "BCE", Phase: graph.PhaseForward, Calls: 1, Total: 500 * time.Microsecond},
			}},
			want: `op      phase    calls/step  ms/step  % of step
BCE     forward           1    0.500      50.0%
Linear  forward           2    0.500      50.0%
-----------------------------------------------
step                           1.000     100.0%
`,
		},
		{
			name: "steps under a millisecond in microseconds",
			p: graph.Profile{Steps: 10, Wall: 5 * ms, Ops: []graph.OpTime{
				{Op: "Linear", Phase: graph.PhaseForward, Calls: 10, Total: 3 * ms},
				{Op: "SGD", Phase: graph.PhaseOptimizer, Calls: 10, Total: 1500 * time.Microsecond},
			}},
			want: `op         phase      calls/step  µs/step  % of step
Linear     forward             1  300.000      60.0%
SGD        optimizer           1  150.000      30.0%
(untimed)                          50.000      10.0%
----------------------------------------------------
step                              500.000     100.0%
`,
		},
		{
			name: "a device's kernel counts",
			p: graph.Profile{Steps: 2, Wall: 10 * ms, Ops: []graph.OpTime{
				{Op: "LSTM", Phase: graph.PhaseForward, Calls: 4, Total: 4 * ms, Kernels: 90},
				{Op: "Adam", Phase: graph.PhaseOptimizer, Calls: 2, Total: 2 * ms, Kernels: 2},
				{Op: "Fill", Phase: graph.PhaseData, Calls: 2, Total: 2 * ms},
			}},
			want: `op         phase      calls/step  ms/step  % of step  kernels/step
LSTM       forward             2    2.000      40.0%            45
Fill       data                1    1.000      20.0%
Adam       optimizer           1    1.000      20.0%             1
(untimed)                           1.000      20.0%
------------------------------------------------------------------
step                                5.000     100.0%            46
`,
		},
		{
			name: "empty",
			p:    graph.Profile{},
			want: `op    phase  calls/step  µs/step  % of step
-------------------------------------------
step                       0.000       0.0%
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.p.String())
			var b strings.Builder
			require.NoError(t, tc.p.WriteTable(&b))
			require.Equal(t, tc.want, b.String())
		})
	}
}

func TestOpName(t *testing.T) {
	g := gorgonia.NewGraph()
	a := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(2, 3), gorgonia.WithName("a"))
	b := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(2, 3), gorgonia.WithName("b"))
	sum := gorgonia.Must(gorgonia.Add(a, b))
	total := gorgonia.Must(gorgonia.Sum(a))
	reshaped := gorgonia.Must(gorgonia.Reshape(a, tensor.Shape{3, 2}))
	for _, tc := range []struct {
		op   gorgonia.Op
		want string
	}{
		{graph.LSTM{}, "LSTM"},
		{graph.LSTMBackward{}, "LSTMBackward"},
		{graph.Linear{}, "Linear"},
		{graph.Embedding{}, "Embedding"},
		{graph.Embedding{Padding: graph.NoPadding}, "Embedding"},
		{graph.EmbeddingGrad{Vocab: 100, Dim: 8, Padding: 3}, "EmbeddingGrad"},
		{graph.EmbeddingGrad{Vocab: 100, Dim: 8}, "EmbeddingGrad"},
		{graph.NewDropout(0.5, 1), "Dropout"},
		{graph.DropoutGrad{}, "DropoutGrad"},
		{graph.View{Offset: 3, Shape: tensor.Shape{2}, InShape: tensor.Shape{8}}, "View"},
		{graph.ViewGrad{Offset: 3, Shape: tensor.Shape{2}, InShape: tensor.Shape{8}}, "ViewGrad"},
		{sum.Op(), "+"},
		{total.Op(), "Σ"},
		{reshaped.Op(), "Reshape"},
		{nil, "input"},
	} {
		require.Equal(t, tc.want, graph.OpName(tc.op), "%v", tc.op)
	}
}

// profModel is a small recurrent classifier whose step uses every op kind
// of the reference model, plus a gradient sum (Add): its last hidden state
// feeds two dense layers whose losses are added.
type profModel struct {
	prog          *graph.Program
	ids, y        *gorgonia.Node
	batch, seqLen int
}

func newProfModel(t testing.TB) *profModel {
	const batch, seqLen, vocab, embed, hidden = 8, 12, 50, 16, 32
	rng := rand.New(rand.NewPCG(1, 2))
	g := graph.New(tensor.Float32, true)
	emb := layers.NewEmbedding("emb", vocab, embed, tensor.Float32, rng)
	lstm := layers.NewLSTM("lstm", embed, hidden, 2, 0.5, tensor.Float32, rng)
	d1 := layers.NewDense("d1", hidden, 1, tensor.Float32, rng)
	d2 := layers.NewDense("d2", hidden, 1, tensor.Float32, rng)
	ids := g.Input("ids", tensor.Int32, batch, seqLen)
	y := g.Input("y", tensor.Float32, batch, 1)
	_, last := lstm.Forward(g, emb.Forward(g, ids))
	l1 := layers.BCELoss(layers.Sigmoid(d1.Forward(g, last)), y)
	l2 := layers.BCELoss(layers.Sigmoid(d2.Forward(g, last)), y)
	loss := gorgonia.Must(gorgonia.Add(l1, l2))
	grads, err := g.Grad(loss)
	require.NoError(t, err)
	prog, err := g.Compile([]*gorgonia.Node{loss}, grads)
	require.NoError(t, err)
	m := &profModel{prog: prog, ids: ids, y: y, batch: batch, seqLen: seqLen}
	for i := range prog.Buf(ids).I32 {
		prog.Buf(ids).I32[i] = int32(rng.IntN(vocab)) // 0 is padding
	}
	for i := range prog.Buf(y).F32 {
		prog.Buf(y).F32[i] = float32(i % 2)
	}
	return m
}

func TestProgramProfile(t *testing.T) {
	m := newProfModel(t)
	p := m.prog
	require.NoError(t, p.Run()) // warm up: first-use set-up is not profiled
	require.False(t, p.Profiling())
	require.Empty(t, p.Profile().Ops, "nothing recorded before profiling is on")

	p.SetProfiling(true)
	require.True(t, p.Profiling())
	const runs = 40
	var outside time.Duration
	for range runs {
		t0 := time.Now()
		require.NoError(t, p.Run())
		outside += time.Since(t0)
	}
	prof := p.Profile()
	t.Logf("profile of %d runs:\n%s", runs, prof)

	require.Equal(t, runs, prof.Steps)
	type key struct{ op, phase string }
	got := map[key]int{}
	for _, o := range prof.Ops {
		require.Positive(t, o.Total, "%s %s", o.Op, o.Phase)
		require.Zero(t, o.Calls%runs, "%s %s: every run calls it the same number of times", o.Op, o.Phase)
		got[key{o.Op, o.Phase}] = o.Calls / runs
	}
	f, b := graph.PhaseForward, graph.PhaseBackward
	require.Equal(t, map[key]int{
		{"Embedding", f}: 1, {"LSTM", f}: 2, {"Dropout", f}: 1, {"Linear", f}: 2,
		{"Sigmoid", f}: 2, {"BCE", f}: 2, {"Add", f}: 1,
		{"BCEGrad", b}: 2, {"SigmoidGrad", b}: 2, {"LinearGradX", b}: 2, {"LinearGradW", b}: 2,
		{"LinearGradB", b}: 2, {"Add", b}: 1, {"ViewGrad", b}: 2, {"LSTMBackward", b}: 2,
		{"DropoutGrad", b}: 1, {"EmbeddingGrad", b}: 1,
	}, got)
	fwd, bwd := p.Steps()
	calls := 0
	for _, o := range prof.Ops {
		calls += o.Calls
	}
	require.Equal(t, runs*(fwd+bwd), calls, "every kernel is accounted for")

	// The kernels' times add up to the passes' wall time (the clock is
	// read once between kernels), which the caller's clock bounds.
	require.LessOrEqual(t, prof.Total(), prof.Wall)
	require.LessOrEqual(t, prof.Wall, outside)
	require.Greater(t, float64(prof.Total()), 0.98*float64(prof.Wall))
	require.Greater(t, float64(prof.Total()), 0.7*float64(outside), "the ops cover most of the measured time")
	var lstm time.Duration
	for _, o := range prof.Ops {
		if strings.HasPrefix(o.Op, "LSTM") {
			lstm += o.Total
		}
	}
	require.Greater(t, prof.Share(lstm), 0.2, "the recurrence is a large part of this model's step")

	// Off: nothing more is recorded, what was is kept; Reset forgets it.
	p.SetProfiling(false)
	require.NoError(t, p.Run())
	require.Equal(t, prof, p.Profile())
	p.ResetProfile()
	require.Empty(t, p.Profile().Ops)
	require.Zero(t, p.Profile().Steps)
	p.SetProfiling(true)
	require.NoError(t, p.Forward())
	fo := p.Profile()
	require.Equal(t, 1, fo.Steps)
	for _, o := range fo.Ops {
		require.Equal(t, graph.PhaseForward, o.Phase, "a forward pass alone times only forward ops")
	}
}

// TestProgramRunAllocatesNothing checks that profiling, on or off, keeps
// the executor allocation-free.
func TestProgramRunAllocatesNothing(t *testing.T) {
	m := newProfModel(t)
	p := m.prog
	require.NoError(t, p.Run())
	run := func() {
		if err := p.Run(); err != nil {
			panic(err)
		}
	}
	require.Zero(t, testing.AllocsPerRun(20, run), "profiling off")
	p.SetProfiling(true)
	require.Zero(t, testing.AllocsPerRun(20, run), "profiling on")
	p.SetProfiling(false)
	require.Zero(t, testing.AllocsPerRun(20, run), "profiling off again")
}

// BenchmarkProgramRun compares a run with profiling off and on.
func BenchmarkProgramRun(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "profiling=off"
		if on {
			name = "profiling=on"
		}
		b.Run(name, func(b *testing.B) {
			p := newProfModel(b).prog
			p.SetProfiling(on)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
