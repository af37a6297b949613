//go:build cudaemu && !embercuda

package cuda

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlockOrderDeterminism: the kernels that combine the work of several
// blocks (split-K GEMMs, column sums over split rows, the reductions and
// the BCE loss, each finished by its last block) give the same bits
// whichever order the blocks run in, as on a device, where the order
// changes from run to run. The emulator runs them in index order, in
// reverse and in two permutations (EMBER_EMU_BLOCK_ORDER). As a control,
// the atomic embedding gradient (EmbeddingBackward, kept for ids that are
// not a data input; the trainer's is EmbeddingBackwardGrouped), which adds
// a repeated token's rows with float atomicAdd in arrival order, must come
// out different under some order: otherwise the orders would not reach the
// kernels.
func TestBlockOrderDeterminism(t *testing.T) {
	testRunOrder(t, "EMBER_EMU_BLOCK_ORDER", "blocks", []string{"reverse", "7", "12345"})
}

// TestThreadOrder is TestBlockOrderDeterminism for the order the threads
// of a block run in between barriers (EMBER_EMU_THREAD_ORDER): the same
// kernels, whose blocks share partial sums through shared memory behind
// __syncthreads, give the same bits with the threads run last first; the
// atomic embedding gradient, whose threads add in the order they run,
// does not.
func TestThreadOrder(t *testing.T) {
	testRunOrder(t, "EMBER_EMU_THREAD_ORDER", "threads", []string{"reverse"})
}

// testRunOrder runs the order-sensitive kernels with env unset and set to
// each of orders, and compares their bits.
func testRunOrder(t *testing.T, env, what string, orders []string) {
	c := deviceContext(t)
	defer func() { c.gemmSplit = 0 }()
	r := rand.New(rand.NewPCG(21, 22))

	// Split-K: 2 x 1 output tiles, K = 203 in 4 slices (8 blocks).
	const m, n, k = 70, 33, 203
	a, b := up(t, c, randSlice(r, k*m, -1, 1)), up(t, c, randSlice(r, k*n, -1, 1))
	bias := up(t, c, randSlice(r, n, -1, 1))
	cm := randSlice(r, m*n, -1, 1)
	// Column sums of 4000 x 40: 2 column tiles, the rows in 62 runs.
	const rows, cols = 4000, 40
	x := up(t, c, randSlice(r, rows*cols, -1, 1))
	// Reductions over three buffers, many blocks each.
	red := []Buffer{up(t, c, randSlice(r, 70001, -1, 1)), up(t, c, randSlice(r, 3, -1, 1)), up(t, c, randSlice(r, 40000, -2, 2))}
	// BCE over enough examples for several blocks.
	p, y := randSlice(r, 50000, 0.01, 0.99), make([]float32, 50000)
	for i := range y {
		y[i] = float32(r.IntN(2))
	}
	dp, dy := up(t, c, p), up(t, c, y)
	// The control: 64 sequences of one repeated token.
	const B, T, D, V = 64, 8, 16, 4
	ids := make([]int32, B*T)
	for i := range ids {
		ids[i] = int32(r.IntN(V))
	}
	dIDs, dOut := up(t, c, ids), up(t, c, randSlice(r, T*B*D, -1, 1))

	run := func() map[string][]float32 {
		got := map[string][]float32{}
		c.gemmSplit = 4
		out := up(t, c, cm)
		if err := c.SgemmBias(true, false, m, n, k, 0.5, a, m, b, n, -1, out, n, bias, Buffer{}); err != nil {
			t.Fatal(err)
		}
		c.gemmSplit = 0
		got["split-K sgemm"] = down(t, c, out)
		sums := up(t, c, make([]float32, cols))
		if err := c.ColumnSums(sums, x, rows, cols, 0); err != nil {
			t.Fatal(err)
		}
		got["column sums"] = down(t, c, sums)
		for name, f := range map[string]func(Buffer, ...Buffer) error{"sum": c.Sum, "sum of squares": c.SumSquares, "global norm": c.GlobalNorm} {
			o := up(t, c, []float32{0})
			if err := f(o, red...); err != nil {
				t.Fatal(err)
			}
			got[name] = down(t, c, o)
		}
		loss := up(t, c, []float32{0})
		if err := c.BCELoss(loss, dp, dy); err != nil {
			t.Fatal(err)
		}
		got["bce loss"] = down(t, c, loss)
		dE := up(t, c, make([]float32, V*D))
		if err := c.EmbeddingBackward(dE, dOut, dIDs, B, T, D, -1); err != nil {
			t.Fatal(err)
		}
		got["embedding gradient"] = down(t, c, dE)
		return got
	}

	t.Setenv(env, "")
	want := run()
	controlDiffers := false
	for _, order := range orders {
		t.Setenv(env, order)
		got := run()
		for name, w := range want {
			same := slices.Equal(got[name], w)
			switch {
			case name == "embedding gradient":
				controlDiffers = controlDiffers || !same
			case !same:
				t.Errorf("%s: %s in order %q give other bits than in index order", name, what, order)
			}
		}
	}
	if !controlDiffers {
		t.Errorf("the embedding gradient (float atomicAdd) came out the same with the %s in every order: the orders did not take effect", what)
	}
}
