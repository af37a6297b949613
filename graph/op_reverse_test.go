package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestReverseValues checks both reversals element by element against
// their definitions, in float32 and float64, over a second run on the same
// output buffer (so stale values, padding included, must be overwritten),
// with lengths 0, 1, T and some between, unsorted.
func TestReverseValues(t *testing.T) {
	const T, B, F = 5, 4, 3
	lens := []int32{2, 5, 0, 1}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		x := NewBuf(dt, T, B, F)
		for i := 0; i < x.Len(); i++ {
			x.Set(i, float64(i+1))
		}
		lb := NewBuf(tensor.Int32, B)
		copy(lb.I32, lens)
		out := NewBuf(dt, T, B, F)
		for run := 0; run < 2; run++ {
			for i := 0; i < out.Len(); i++ {
				out.Set(i, -7) // stale
			}
			require.NoError(t, Reverse{}.ExecCPU(nil, out, []*Buf{x}))
			for s := 0; s < T; s++ {
				for r := 0; r < B; r++ {
					for j := 0; j < F; j++ {
						require.Equal(t, x.At(((T-1-s)*B+r)*F+j), out.At((s*B+r)*F+j), "Reverse s %d r %d j %d", s, r, j)
					}
				}
			}
			for i := 0; i < out.Len(); i++ {
				out.Set(i, -7)
			}
			require.NoError(t, PackedReverse{}.ExecCPU(nil, out, []*Buf{x, lb}))
			for r, l := range lens {
				first := T - int(l) // the sequence's first real step
				for s := 0; s < T; s++ {
					for j := 0; j < F; j++ {
						want := 0.0
						if s >= first { // the k-th real step reads the k-th from the end
							want = x.At(((T-1-(s-first))*B+r)*F + j)
						}
						require.Equal(t, want, out.At((s*B+r)*F+j), "PackedReverse s %d r %d (length %d) j %d", s, r, l, j)
					}
				}
			}
		}
	}
}

// TestReverseIsItsOwnInverse: reversing twice (packed: within the same
// lengths) gives back x, padding aside.
func TestReverseIsItsOwnInverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const T, B, F = 6, 3, 2
	x := randBuf(rng, 1, T, B, F)
	lb := NewBuf(tensor.Int32, B)
	copy(lb.I32, []int32{6, 3, 1})
	once, twice := NewBuf(tensor.Float64, T, B, F), NewBuf(tensor.Float64, T, B, F)
	require.NoError(t, Reverse{}.ExecCPU(nil, once, []*Buf{x}))
	require.NoError(t, Reverse{}.ExecCPU(nil, twice, []*Buf{once}))
	require.Equal(t, x.F64, twice.F64)
	require.NoError(t, PackedReverse{}.ExecCPU(nil, once, []*Buf{x, lb}))
	require.NoError(t, PackedReverse{}.ExecCPU(nil, twice, []*Buf{once, lb}))
	for r, l := range lb.I32 {
		for s := T - int(l); s < T; s++ {
			for j := 0; j < F; j++ {
				i := (s*B+r)*F + j
				require.Equal(t, x.F64[i], twice.F64[i])
			}
		}
	}
}

// TestReverseBadLengths: lengths out of [0, T], or of the wrong count, are
// errors, not panics.
func TestReverseBadLengths(t *testing.T) {
	x, out := NewBuf(tensor.Float64, 4, 2, 1), NewBuf(tensor.Float64, 4, 2, 1)
	lb := NewBuf(tensor.Int32, 2)
	lb.I32[1] = 5
	require.ErrorContains(t, PackedReverse{}.ExecCPU(nil, out, []*Buf{x, lb}), "sequence length 5 of row 1 is outside [0, 4]")
	lb.I32[1] = -1
	require.ErrorContains(t, PackedReverse{}.ExecCPU(nil, out, []*Buf{x, lb}), "sequence length -1 of row 1 is outside [0, 4]")
	require.ErrorContains(t, PackedReverse{}.ExecCPU(nil, out, []*Buf{x, NewBuf(tensor.Int32, 3)}), "lengths must be 2 int32 values")
	_, err := PackedReverse{}.InferShape(tensor.Shape{4, 2, 1}, tensor.Shape{3})
	require.ErrorContains(t, err, "one per sequence")
}

// TestGradReverse checks the reversals' gradients by central differences,
// alone and around a packed LSTM (the reverse direction of a
// bidirectional layer: reverse, run, reverse back).
func TestGradReverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const T, B, I, H = 5, 4, 3, 2
	lens := NewBuf(tensor.Int32, B)
	copy(lens.I32, []int32{3, 5, 1, 0})
	gradCheck(t, []gcInput{{name: "x", buf: randBuf(rng, 1, T, B, I), param: true}},
		func(g *Graph, n []*gorgonia.Node) *gorgonia.Node { return NewReverse(n[0], nil) }, nil)
	gradCheck(t, []gcInput{{name: "x", buf: randBuf(rng, 1, T, B, I), param: true}, {name: "lengths", buf: lens}},
		func(g *Graph, n []*gorgonia.Node) *gorgonia.Node { return NewReverse(n[0], n[1]) }, nil)
	for _, packed := range []bool{false, true} {
		ins := []gcInput{
			{name: "x", buf: randBuf(rng, 1, T, B, I), param: true},
			{name: "wih", buf: randBuf(rng, 0.6, 4*H, I), param: true},
			{name: "whh", buf: randBuf(rng, 0.6, 4*H, H), param: true},
			{name: "bih", buf: randBuf(rng, 0.6, 4*H), param: true},
			{name: "bhh", buf: randBuf(rng, 0.6, 4*H), param: true},
		}
		if packed {
			ins = append(ins, gcInput{name: "lengths", buf: lens})
		}
		gradCheck(t, ins, func(g *Graph, n []*gorgonia.Node) *gorgonia.Node {
			var lengths, out *gorgonia.Node
			if packed {
				lengths = n[5]
				out = Use(PackedLSTM{}, NewReverse(n[0], lengths), n[1], n[2], n[3], n[4], lengths)
			} else {
				out = Use(LSTM{}, NewReverse(n[0], nil), n[1], n[2], n[3], n[4])
			}
			return NewReverse(NewView(out, 0, T, B, H), lengths)
		}, nil)
	}
}
