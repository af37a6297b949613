package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// recurrent describes one recurrent cell's dense and packed ops for the
// tests below, each with PyTorch's two biases.
type recurrent struct {
	name               string
	gates              int // 4 (LSTM) or 3 (GRU)
	biases             int
	fwd, bwd           CPUKernel
	pfwd, pbwd         CPUKernel
	outSize            func(t, b, h int) int
	scratchF, scratchB func(out *Buf, in []*Buf) int
}

var recurrents = []recurrent{
	{name: "LSTM", gates: 4, biases: 2, fwd: LSTM{}, bwd: LSTMBackward{}, pfwd: PackedLSTM{}, pbwd: PackedLSTMBackward{},
		outSize:  LSTMOutputSize,
		scratchF: LSTM{}.ScratchSize, scratchB: LSTMBackward{}.ScratchSize},
	{name: "GRU", gates: 3, biases: 2, fwd: GRU{}, bwd: GRUBackward{}, pfwd: PackedGRU{}, pbwd: PackedGRUBackward{},
		outSize:  GRUOutputSize,
		scratchF: GRU{}.ScratchSize, scratchB: GRUBackward{}.ScratchSize},
}

// params returns random float64 inputs x (T,B,I), Wih, Whh and the biases.
func (rc recurrent) params(rng *rand.Rand, t, b, i, h int) []*Buf {
	ins := []*Buf{randBuf(rng, 1, t, b, i), randBuf(rng, 0.6, rc.gates*h, i), randBuf(rng, 0.6, rc.gates*h, h)}
	for k := 0; k < rc.biases; k++ {
		ins = append(ins, randBuf(rng, 0.6, rc.gates*h))
	}
	return ins
}

// run executes the forward and backward kernels on ins (packed when lens
// is not nil), with dh the gradient of the hidden states (T,B,H), and
// returns the forward output and the flat gradients. The contexts are
// returned too so a second run can reuse them (as a Program does).
func (rc recurrent) run(t *testing.T, ins []*Buf, lens []int32, dh *Buf, ctxs ...*Ctx) (fwd, bwd *Buf, fctx, bctx *Ctx) {
	t.Helper()
	x, whh := ins[0], ins[2]
	T, B, I, H := x.Shape[0], x.Shape[1], x.Shape[2], whh.Shape[1]
	dt := x.Dtype
	fk, bk := rc.fwd, rc.bwd
	fin := append([]*Buf(nil), ins...)
	var lb *Buf
	if lens != nil {
		fk, bk = rc.pfwd, rc.pbwd
		lb = NewBuf(tensor.Int32, B)
		copy(lb.I32, lens)
		fin = append(fin, lb)
	}
	fwd = NewBuf(dt, rc.outSize(T, B, H))
	if len(ctxs) == 2 {
		fctx, bctx = ctxs[0], ctxs[1]
	} else {
		fctx = &Ctx{}
		if n := rc.scratchF(fwd, fin); n > 0 {
			fctx.Scratch = NewBuf(dt, n)
		}
	}
	require.NoError(t, fk.ExecCPU(fctx, fwd, fin))
	dfwd := NewBuf(dt, fwd.Len())
	for k := 0; k < T*B*H; k++ { // only the hidden states carry gradient
		dfwd.Set(k, dh.At(k))
	}
	bin := []*Buf{x, ins[1], whh, fwd, dfwd}
	if lens != nil {
		bin = append(bin, lb)
	}
	bwd = NewBuf(dt, T*B*I+rc.gates*H*(I+H)+rc.biases*rc.gates*H)
	if bctx == nil {
		bctx = &Ctx{Scratch: NewBuf(dt, rc.scratchB(bwd, bin))}
		for k := 0; k < bctx.Scratch.Len(); k++ { // scratch is not zeroed between runs
			bctx.Scratch.Set(k, math.NaN())
		}
	}
	require.NoError(t, bk.ExecCPU(bctx, bwd, bin))
	return fwd, bwd, fctx, bctx
}

func TestGradPacked(t *testing.T) {
	const T, B, I, H = 5, 4, 3, 4
	for _, rc := range recurrents {
		for _, lens := range [][]int32{{5, 3, 3, 1}, {2, 0, 5, 1}} {
			t.Run(fmt.Sprintf("%s%v", rc.name, lens), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(31, uint64(lens[0])))
				l := NewBuf(tensor.Int32, B)
				copy(l.I32, lens)
				ps := rc.params(rng, T, B, I, H)
				in := []gcInput{{"x", ps[0], true, 0}, {"wih", ps[1], true, 0}, {"whh", ps[2], true, 0}}
				for k, b := range ps[3:] {
					in = append(in, gcInput{fmt.Sprintf("b%d", k), b, true, 0})
				}
				in = append(in, gcInput{"lengths", l, false, 0})
				gradCheck(t, in, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
					var out *gorgonia.Node
					if rc.name == "LSTM" {
						out = Use(PackedLSTM{}, n...)
					} else {
						out = Use(PackedGRU{}, n...)
					}
					// The whole sequence and the last step, as stacked models use them.
					seq := NewView(out, 0, T, B, H)
					last := NewView(out, (T-1)*B*H, B, H)
					s1 := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(seq))))
					s2 := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(last))))
					return gorgonia.Must(gorgonia.Add(s1, s2))
				}, nil)
			})
		}
	}
}

// TestPackedFullLengthsIsDense: with every length T the packed ops compute
// exactly what the dense ones do, in float64 and float32.
func TestPackedFullLengthsIsDense(t *testing.T) {
	const T, B, I, H = 6, 5, 7, 9
	for _, rc := range recurrents {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			rng := rand.New(rand.NewPCG(33, 34))
			ins := rc.params(rng, T, B, I, H)
			dh := randBuf(rng, 1, T, B, H)
			if dt == tensor.Float32 {
				for k := range ins {
					ins[k] = to32(ins[k])
				}
				dh = to32(dh)
			}
			lens := []int32{T, T, T, T, T}
			f0, b0, _, _ := rc.run(t, ins, nil, dh)
			f1, b1, _, _ := rc.run(t, ins, lens, dh)
			for k := 0; k < f0.Len(); k++ {
				require.Equalf(t, f0.At(k), f1.At(k), "%s %v forward[%d]", rc.name, dt, k)
			}
			for k := 0; k < b0.Len(); k++ {
				require.Equalf(t, b0.At(k), b1.At(k), "%s %v backward[%d]", rc.name, dt, k)
			}
		}
	}
}

// TestPackedIsEachSequenceAlone checks the packed ops against the dense
// ones run on each sequence alone, over its real steps only: the hidden
// states of its real steps, zeros at its padding, no gradient into its
// padding, and weight gradients that are the sum of the sequences' own.
// Lengths sorted and unsorted, with a sequence of length 0 and one of T.
func TestPackedIsEachSequenceAlone(t *testing.T) {
	const T, B, I, H = 7, 5, 3, 4
	for _, rc := range recurrents {
		for _, lens := range [][]int32{{7, 5, 5, 2, 1}, {3, 7, 0, 6, 3}} {
			rng := rand.New(rand.NewPCG(35, uint64(lens[1])))
			ins := rc.params(rng, T, B, I, H)
			dh := randBuf(rng, 1, T, B, H)
			fwd, bwd, _, _ := rc.run(t, ins, lens, dh)
			x := ins[0]
			wsum := make([]float64, bwd.Len()-T*B*I)
			for r, l := range lens {
				L := int(l)
				for s := 0; s < T-L; s++ { // padding: zero state, no gradient
					for j := 0; j < H; j++ {
						require.Zerof(t, fwd.At((s*B+r)*H+j), "%s %v: h at padding step %d row %d", rc.name, lens, s, r)
					}
					for j := 0; j < I; j++ {
						require.Zerof(t, bwd.At((s*B+r)*I+j), "%s %v: dx at padding step %d row %d", rc.name, lens, s, r)
					}
				}
				if L == 0 {
					continue
				}
				// The sequence alone: its L real steps, batch 1.
				one := append([]*Buf{NewBuf(tensor.Float64, L, 1, I)}, ins[1:]...)
				onedh := NewBuf(tensor.Float64, L, 1, H)
				for s := 0; s < L; s++ {
					copy(one[0].F64[s*I:(s+1)*I], x.F64[((T-L+s)*B+r)*I:])
					copy(onedh.F64[s*H:(s+1)*H], dh.F64[((T-L+s)*B+r)*H:])
				}
				f1, b1, _, _ := rc.run(t, one, nil, onedh)
				for s := 0; s < L; s++ {
					for j := 0; j < H; j++ {
						require.InDeltaf(t, f1.At(s*H+j), fwd.At(((T-L+s)*B+r)*H+j), 1e-13, "%s %v: h step %d row %d", rc.name, lens, T-L+s, r)
					}
					for j := 0; j < I; j++ {
						require.InDeltaf(t, b1.At(s*I+j), bwd.At(((T-L+s)*B+r)*I+j), 1e-13, "%s %v: dx step %d row %d", rc.name, lens, T-L+s, r)
					}
				}
				for k := range wsum {
					wsum[k] += b1.At(L*I + k)
				}
			}
			for k, w := range wsum {
				require.InDeltaf(t, w, bwd.At(T*B*I+k), 1e-12, "%s %v: weight gradient %d", rc.name, lens, k)
			}
		}
	}
}

// TestPackedFloat32MatchesFloat64 runs the float32 kernels (fast math, C
// cells, rows split over the cores) against the float64 ones on a batch
// in sorted and in unsorted order, twice over the same contexts with
// different lengths, as a program reuses them.
func TestPackedFloat32MatchesFloat64(t *testing.T) {
	// Odd sizes exercise the vector loops' tails; hidden size 80 puts the
	// per-step products on cpu's small-row kernel (W_hh transposed once per
	// call) where the CPU has it; 64 (the LSTM's 4H = 256) and 256 (the
	// GRU's 3H = 768) write W_hhᵀ with its rows cpu.SmallRowLd apart, not
	// 4H or 3H. float32's error grows with the sums' length: 3e-5 holds to
	// hidden size 80, 2e-4 at 256.
	for _, size := range []struct {
		T, B, I, H int
		tol        float64
	}{{9, 11, 7, 13, 3e-5}, {9, 11, 7, 80, 3e-5}, {9, 11, 7, 64, 3e-5}, {9, 11, 7, 256, 2e-4}} {
		testPackedFloat32MatchesFloat64(t, size.T, size.B, size.I, size.H, size.tol)
	}
}

func testPackedFloat32MatchesFloat64(t *testing.T, T, B, I, H int, tol float64) {
	for _, rc := range recurrents {
		rng := rand.New(rand.NewPCG(37, 38))
		ins64 := rc.params(rng, T, B, I, H)
		dh64 := randBuf(rng, 1, T, B, H)
		ins32 := make([]*Buf, len(ins64))
		for k, b := range ins64 {
			ins32[k] = to32(b)
		}
		dh32 := to32(dh64)
		var c64, c32 []*Ctx
		for _, lens := range [][]int32{{9, 9, 8, 6, 6, 5, 3, 3, 2, 1, 1}, {2, 9, 4, 0, 6, 1, 9, 3, 7, 5, 5}, {4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1}} {
			f64, b64, fc, bc := rc.run(t, ins64, lens, dh64, c64...)
			c64 = []*Ctx{fc, bc}
			f32, b32, fc, bc := rc.run(t, ins32, lens, dh32, c32...)
			c32 = []*Ctx{fc, bc}
			for _, c := range []struct {
				what      string
				want, got *Buf
				n         int
			}{{"hidden states", f64, f32, T * B * H}, {"gradients", b64, b32, b64.Len()}} {
				for k := 0; k < c.n; k++ {
					w, g := c.want.At(k), c.got.At(k)
					require.LessOrEqualf(t, math.Abs(w-g), tol*math.Max(1, math.Abs(w)), "%s %v %s[%d]: float64 %v, float32 %v", rc.name, lens, c.what, k, w, g)
				}
			}
		}
	}
}

// TestStepsByUnitsSameBits: an LSTM or GRU step shared over the cores by
// hidden units (each part its units' columns of the recurrent product, then
// their gates) gives the bits of the step shared by rows after the whole
// product, dense and packed, forward and backward; the packed batches have
// steps of one row, which go the rows' way.
func TestStepsByUnitsSameBits(t *testing.T) {
	for _, sz := range [][4]int{{9, 11, 7, 80}, {12, 10, 100, 256}} {
		for _, rc := range recurrents {
			t.Run(fmt.Sprintf("%s%v", rc.name, sz), func(t *testing.T) {
				testStepsByUnitsSameBits(t, rc, sz[0], sz[1], sz[2], sz[3])
			})
		}
	}
}

func testStepsByUnitsSameBits(t *testing.T, rc recurrent, T, B, I, H int) {
	if !byUnits(B, H) || !gruByUnits(B, H) {
		t.Skip("no small-row kernel or C cells here: steps are never shared by units")
	}
	rng := rand.New(rand.NewPCG(41, 42))
	ins := rc.params(rng, T, B, I, H)
	for k, b := range ins {
		ins[k] = to32(b)
	}
	dh := to32(randBuf(rng, 1, T, B, H))
	for _, lens := range [][]int32{nil, []int32{9, 9, 8, 6, 6, 5, 3, 3, 2, 1, 1}[:B], []int32{2, 9, 4, 0, 6, 1, 9, 3, 7, 5, 5}[:B]} {
		fUnits, bUnits, _, _ := rc.run(t, ins, lens, dh)
		stepsByUnits = false
		fRows, bRows, _, _ := rc.run(t, ins, lens, dh)
		stepsByUnits = true
		for _, c := range []struct {
			what        string
			units, rows *Buf
		}{{"forward output", fUnits, fRows}, {"gradients", bUnits, bRows}} {
			for k := range c.rows.F32 {
				if math.Float32bits(c.units.F32[k]) != math.Float32bits(c.rows.F32[k]) {
					t.Fatalf("lengths %v: %s[%d]: by units %v, by rows %v", lens, c.what, k, c.units.F32[k], c.rows.F32[k])
				}
			}
		}
	}
}

func TestPackedRejectsBadLengths(t *testing.T) {
	const T, B, I, H = 4, 2, 3, 2
	for _, rc := range recurrents {
		rng := rand.New(rand.NewPCG(39, 40))
		ins := rc.params(rng, T, B, I, H)
		for _, lens := range [][]int32{{5, 1}, {2, -1}} {
			lb := NewBuf(tensor.Int32, B)
			copy(lb.I32, lens)
			out := NewBuf(tensor.Float64, rc.outSize(T, B, H))
			ctx := &Ctx{}
			if n := rc.scratchF(out, append(ins, lb)); n > 0 {
				ctx.Scratch = NewBuf(tensor.Float64, n)
			}
			err := rc.pfwd.ExecCPU(ctx, out, append(append([]*Buf(nil), ins...), lb))
			require.ErrorContainsf(t, err, "outside [0, 4]", "%s %v", rc.name, lens)
		}
	}
}

// TestViewGradZeroesOnce: ViewGrad clears its output the first time it
// writes a buffer and then only copies the window; the result is the
// same each run.
func TestViewGradZeroesOnce(t *testing.T) {
	op := ViewGrad{Offset: 2, Shape: tensor.Shape{3}, InShape: tensor.Shape{8}}
	out := NewBuf(tensor.Float32, 8)
	for i := range out.F32 {
		out.F32[i] = 9 // a buffer that held something else
	}
	ctx := &Ctx{}
	for run := 1; run <= 3; run++ {
		in := NewBuf(tensor.Float32, 3)
		for i := range in.F32 {
			in.F32[i] = float32(run*10 + i)
		}
		require.NoError(t, op.ExecCPU(ctx, out, []*Buf{in}))
		require.Equal(t, []float32{0, 0, float32(run * 10), float32(run*10 + 1), float32(run*10 + 2), 0, 0, 0}, out.F32)
	}
	other := NewBuf(tensor.Float32, 8)
	other.F32[7] = 5
	require.NoError(t, op.ExecCPU(ctx, other, []*Buf{NewBuf(tensor.Float32, 3)}))
	require.Zero(t, other.F32[7], "a new buffer is zeroed again")
}
