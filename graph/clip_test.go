package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestGlobalNormSplitSameBits: GlobalNorm over gradients large enough to
// be summed over the cores gives the bits of the sum its caller computes
// alone (another caller holding the cores' state), within rounding of the
// exact sum, with an embedding's listed rows and a nil entry among them.
func TestGlobalNormSplitSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	big := NewBuf(tensor.Float32, 700, 401)
	emb := NewBuf(tensor.Float32, 8000, 100)
	bias := NewBuf(tensor.Float32, 1024)
	f64 := NewBuf(tensor.Float64, 3, 50000)
	var exact float64
	fill := func(b *Buf, rows []int32) {
		d := b.Len() / b.Shape[0]
		for r := range b.Shape[0] {
			listed := rows == nil
			for _, l := range rows {
				listed = listed || int(l) == r
			}
			if !listed {
				continue
			}
			for i := r * d; i < (r+1)*d; i++ {
				v := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-4))
				b.Set(i, v)
				exact += b.At(i) * b.At(i)
			}
		}
	}
	rows := []int32{7, 3, 5000, 7999, 12}
	for i := range 150 {
		rows = append(rows, int32(20+i*31))
	}
	fill(big, nil)
	fill(emb, rows)
	emb.NonzeroRows = rows
	fill(bias, nil)
	fill(f64, nil)
	grads := []*Buf{emb, nil, big, bias, f64}
	require.GreaterOrEqual(t, big.Len()+emb.Len(), normSplitMin, "large enough to split")

	split := GlobalNorm(grads)
	norms.mu.Lock() // another caller holds the shared state
	alone := GlobalNorm(grads)
	norms.mu.Unlock()
	require.Equal(t, math.Float64bits(alone), math.Float64bits(split), "split %v, alone %v", split, alone)
	require.InEpsilon(t, math.Sqrt(exact), split, 1e-12)
	require.Equal(t, math.Float64bits(split), math.Float64bits(GlobalNorm(grads)), "the same again")
}

// TestGlobalNormGrowingRowsAllocatesRarely: an embedding gradient listing
// one more row each step (a batch touching more rows than any before) makes
// GlobalNorm's shared state grow as append does, not on every such step.
func TestGlobalNormGrowingRowsAllocatesRarely(t *testing.T) {
	emb := NewBuf(tensor.Float32, 20000, 64) // 1.28 M elements: summed over the cores
	rows := make([]int32, 0, 20000)
	for i := range 1000 {
		rows = append(rows, int32(i))
	}
	emb.NonzeroRows = rows
	grads := []*Buf{emb}
	GlobalNorm(grads)
	allocs := testing.AllocsPerRun(200, func() {
		rows = append(rows, int32(len(rows)))
		emb.NonzeroRows = rows
		GlobalNorm(grads)
	})
	require.Less(t, allocs, 0.05, "allocations per call with one more listed row each call")
}

// TestSummedLen: GlobalNorm's split threshold counts an embedding
// gradient's listed rows only, the elements it sums.
func TestSummedLen(t *testing.T) {
	emb := NewBuf(tensor.Float32, 1000, 100)
	require.Equal(t, 100000, summedLen(emb))
	emb.NonzeroRows = []int32{3, 7, 999}
	require.Equal(t, 300, summedLen(emb))
	emb.NonzeroRows = []int32{}
	require.Equal(t, 0, summedLen(emb))
}
