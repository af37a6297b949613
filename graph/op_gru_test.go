package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cpu"
)

func TestGradGRU(t *testing.T) {
	for _, sh := range [][4]int{{4, 3, 5, 4}, {1, 1, 2, 3}} { // the second: one step, one row (W_hh gets no gradient)
		t.Run(fmt.Sprint(sh), func(t *testing.T) { gradCheckGRU(t, sh[0], sh[1], sh[2], sh[3]) })
	}
}

func gradCheckGRU(t *testing.T, T, B, I, H int) {
	rng := rand.New(rand.NewPCG(15, 16))
	gradCheck(t, []gcInput{
		{"x", randBuf(rng, 1, T, B, I), true, 0},
		{"wih", randBuf(rng, 0.6, 3*H, I), true, 0},
		{"whh", randBuf(rng, 0.6, 3*H, H), true, 0},
		{"bih", randBuf(rng, 0.6, 3*H), true, 0},
		{"bhh", randBuf(rng, 0.6, 3*H), true, 0},
	}, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
		out := Use(GRU{}, n[0], n[1], n[2], n[3], n[4])
		// Use both the whole sequence and the last step, as stacked models do.
		seq := GRUSequence(out, T, B, H)
		last := GRULast(out, T, B, H)
		s1 := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(seq))))
		s2 := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(last))))
		return gorgonia.Must(gorgonia.Add(s1, s2))
	}, nil)
}

// TestGRUFloat32MatchesFloat64 runs the float32 kernel (fast math, the C
// cells and the split over cores) and the exact float64 one on the same
// data: they agree to float32 accuracy, forward and backward.
func TestGRUFloat32MatchesFloat64(t *testing.T) {
	const T, B, I, H = 6, 9, 7, 13 // odd sizes exercise the vector loops' tails
	rng := rand.New(rand.NewPCG(17, 18))
	ins64 := []*Buf{randBuf(rng, 1, T, B, I), randBuf(rng, 0.5, 3*H, I), randBuf(rng, 0.5, 3*H, H),
		randBuf(rng, 0.5, 3*H), randBuf(rng, 0.5, 3*H)}
	run := func(dt tensor.Dtype) (fwd, bwd *Buf) {
		ins := ins64
		if dt == tensor.Float32 {
			ins = make([]*Buf, len(ins64))
			for i, b := range ins64 {
				ins[i] = to32(b)
			}
		}
		fwd = NewBuf(dt, GRUOutputSize(T, B, H))
		ctx := &Ctx{Scratch: NewBuf(dt, GRU{}.ScratchSize(fwd, ins))}
		require.NoError(t, GRU{}.ExecCPU(ctx, fwd, ins))
		dfwd := NewBuf(dt, fwd.Len())
		for i := 0; i < T*B*H; i++ { // only the hidden states carry gradient
			dfwd.Set(i, math.Sin(float64(i)))
		}
		bins := []*Buf{ins[0], ins[1], ins[2], fwd, dfwd}
		bwd = NewBuf(dt, T*B*I+3*H*I+3*H*H+6*H)
		bctx := &Ctx{Scratch: NewBuf(dt, GRUBackward{}.ScratchSize(bwd, bins))}
		bctx.Scratch.Set(0, math.NaN()) // scratch is not zeroed between runs
		require.NoError(t, GRUBackward{}.ExecCPU(bctx, bwd, bins))
		return fwd, bwd
	}
	f64, b64 := run(tensor.Float64)
	f32, b32 := run(tensor.Float32)
	for _, c := range []struct {
		what      string
		want, got *Buf
	}{{"forward", f64, f32}, {"backward", b64, b32}} {
		for i := 0; i < c.want.Len(); i++ {
			w, g := c.want.At(i), c.got.At(i)
			require.LessOrEqualf(t, math.Abs(w-g), 2e-5*math.Max(1, math.Abs(w)), "%s[%d]: float64 %v, float32 %v", c.what, i, w, g)
		}
	}
}

// TestNativeGRUCellsMatchGo checks the C gate kernels (cgo builds) against
// this package's Go kernels on the same random step.
func TestNativeGRUCellsMatchGo(t *testing.T) {
	if !cpu.NativeGRUCells {
		t.Skip("built without cgo: only the Go kernels exist")
	}
	const rows, h = 7, 37
	rng := rand.New(rand.NewPCG(19, 20))
	vec := func(n int, scale float64) []float32 { return randVec32(rng, n, scale) }
	near := func(what string, want, got []float32) { t.Helper(); nearGoC(t, what, want, got) }
	for _, first := range []bool{true, false} {
		pre := vec(rows*3*h, 6) // wide enough to reach the clamps and the tanh series
		bhn := vec(h, 1)
		var gh, hprev []float32
		if !first {
			gh, hprev = vec(rows*3*h, 3), vec(rows*h, 1)
		}
		aGo, aC := append([]float32(nil), pre...), append([]float32(nil), pre...)
		gGo, gC, hGo, hC := make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h)
		gruCellFwd(aGo, gh, bhn, hprev, gGo, hGo, rows, h)
		cpu.GRUCellForward(aC, gh, bhn, hprev, gC, hC, rows, h)
		near("act", aGo, aC)
		near("ghn", gGo, gC)
		near("h", hGo, hC)

		dh, dhOut := vec(rows*h, 1), vec(rows*h, 1)
		dhGo, dhC := append([]float32(nil), dh...), append([]float32(nil), dh...)
		diGo, diC := make([]float32, rows*3*h), make([]float32, rows*3*h)
		dgGo, dgC := make([]float32, rows*3*h), make([]float32, rows*3*h)
		gruCellBwd(diGo, dgGo, dhGo, dhOut, aGo, gGo, hprev, rows, h)
		cpu.GRUCellBackward(diC, dgC, dhC, dhOut, aGo, gGo, hprev, rows, h)
		near("dgi", diGo, diC)
		near("dgh", dgGo, dgC)
		near("dh", dhGo, dhC)
	}
}

// TestNativeGRUCellUnitsSameBits: the C GRU kernels run on ranges of
// hidden units (a step shared out by units) give each unit the bits of the
// kernels run on every unit, first step and later.
func TestNativeGRUCellUnitsSameBits(t *testing.T) {
	if !cpu.NativeGRUCells {
		t.Skip("built without cgo: only the Go kernels exist")
	}
	const rows, h = 3, 80
	rng := rand.New(rand.NewPCG(21, 22))
	vec := func(n int, scale float64) []float32 { return randVec32(rng, n, scale) }
	same := func(what string, want, got []float32) {
		t.Helper()
		for i := range want {
			require.Equalf(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s[%d]: whole %v, by units %v", what, i, want[i], got[i])
		}
	}
	for _, first := range []bool{true, false} {
		pre, bhn := vec(rows*3*h, 6), vec(h, 1)
		var gh, hprev []float32
		if !first {
			gh, hprev = vec(rows*3*h, 3), vec(rows*h, 1)
		}
		aW, aU := append([]float32(nil), pre...), append([]float32(nil), pre...)
		gW, gU, hW, hU := make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h)
		cpu.GRUCellForward(aW, gh, bhn, hprev, gW, hW, rows, h)
		for _, r := range [][2]int{{48, 80}, {0, 16}, {16, 48}} {
			cpu.GRUCellForwardUnits(aU, gh, bhn, hprev, gU, hU, rows, h, r[0], r[1])
		}
		same("act", aW, aU)
		same("ghn", gW, gU)
		same("h", hW, hU)

		dh, dhOut := vec(rows*h, 1), vec(rows*h, 1)
		dhW, dhU := append([]float32(nil), dh...), append([]float32(nil), dh...)
		diW, diU, dgW, dgU := make([]float32, rows*3*h), make([]float32, rows*3*h), make([]float32, rows*3*h), make([]float32, rows*3*h)
		cpu.GRUCellBackward(diW, dgW, dhW, dhOut, aW, gW, hprev, rows, h)
		for _, r := range [][2]int{{32, 80}, {0, 32}} {
			cpu.GRUCellBackwardUnits(diU, dgU, dhU, dhOut, aW, gW, hprev, rows, h, r[0], r[1])
		}
		same("dgi", diW, diU)
		same("dgh", dgW, dgU)
		same("dh", dhW, dhU)
	}
	require.PanicsWithValue(t, "cpu.GRUCellBackwardUnits: units [-1, 8) outside [0, 80)", func() {
		cpu.GRUCellBackwardUnits(nil, nil, nil, nil, nil, nil, nil, 0, h, -1, 8)
	})
}
