package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/cpu"
)

// TestNativeCellsMatchGo checks the C gate kernels (cgo builds) against
// this package's Go kernels on the same random step.
func TestNativeCellsMatchGo(t *testing.T) {
	if !cpu.NativeLSTMCells {
		t.Skip("built without cgo: only the Go kernels exist")
	}
	const rows, h = 7, 37 // odd sizes exercise the vector loops' tails
	rng := rand.New(rand.NewPCG(3, 5))
	vec := func(n int, scale float64) []float32 { return randVec32(rng, n, scale) }
	near := func(what string, want, got []float32) { t.Helper(); nearGoC(t, what, want, got) }
	for _, withPrev := range []bool{false, true} {
		pre := vec(rows*4*h, 6) // wide enough to reach the clamps and the tanh series
		var cprev []float32
		if withPrev {
			cprev = vec(rows*h, 3)
		}
		aGo, aC := append([]float32(nil), pre...), append([]float32(nil), pre...)
		cGo, cC, hGo, hC := make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h)
		lstmCellFwd(aGo, cprev, cGo, hGo, rows, h)
		cpu.LSTMCellForward(aC, cprev, cC, hC, rows, h)
		near("act", aGo, aC)
		near("c", cGo, cC)
		near("h", hGo, hC)

		dh, dhOut := vec(rows*h, 1), vec(rows*h, 1)
		dc := vec(rows*h, 1)
		dcGo, dcC := append([]float32(nil), dc...), append([]float32(nil), dc...)
		dpGo, dpC := make([]float32, rows*4*h), make([]float32, rows*4*h)
		lstmCellBwd(dpGo, dh, dcGo, dhOut, aGo, cGo, cprev, rows, h)
		cpu.LSTMCellBackward(dpC, dh, dcC, dhOut, aGo, cGo, cprev, rows, h)
		near("dp", dpGo, dpC)
		near("dc", dcGo, dcC)
	}
}

// TestNativeCellUnitsSameBits: the C gate kernels run on ranges of hidden
// units (an LSTM step shared out by units) give each unit the bits of the
// kernels run on every unit, and leave the other units alone.
func TestNativeCellUnitsSameBits(t *testing.T) {
	if !cpu.NativeLSTMCells {
		t.Skip("built without cgo: only the Go kernels exist")
	}
	const rows, h = 3, 80
	rng := rand.New(rand.NewPCG(7, 9))
	vec := func(n int, scale float64) []float32 { return randVec32(rng, n, scale) }
	same := func(what string, want, got []float32) {
		t.Helper()
		for i := range want {
			require.Equalf(t, math.Float32bits(want[i]), math.Float32bits(got[i]), "%s[%d]: whole %v, by units %v", what, i, want[i], got[i])
		}
	}
	for _, withPrev := range []bool{false, true} {
		pre := vec(rows*4*h, 6)
		var cprev []float32
		if withPrev {
			cprev = vec(rows*h, 3)
		}
		aW, aU := append([]float32(nil), pre...), append([]float32(nil), pre...)
		cW, cU, hW, hU := make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h), make([]float32, rows*h)
		cpu.LSTMCellForward(aW, cprev, cW, hW, rows, h)
		for _, r := range [][2]int{{48, 80}, {0, 16}, {16, 48}} {
			cpu.LSTMCellForwardUnits(aU, cprev, cU, hU, rows, h, r[0], r[1])
		}
		same("act", aW, aU)
		same("c", cW, cU)
		same("h", hW, hU)

		dh, dhOut, dc := vec(rows*h, 1), vec(rows*h, 1), vec(rows*h, 1)
		dcW, dcU := append([]float32(nil), dc...), append([]float32(nil), dc...)
		dpW, dpU := make([]float32, rows*4*h), make([]float32, rows*4*h)
		cpu.LSTMCellBackward(dpW, dh, dcW, dhOut, aW, cW, cprev, rows, h)
		for _, r := range [][2]int{{32, 80}, {0, 32}} {
			cpu.LSTMCellBackwardUnits(dpU, dh, dcU, dhOut, aW, cW, cprev, rows, h, r[0], r[1])
		}
		same("dp", dpW, dpU)
		same("dc", dcW, dcU)
	}
	require.PanicsWithValue(t, "cpu.LSTMCellForwardUnits: units [16, 96) outside [0, 80)", func() {
		cpu.LSTMCellForwardUnits(make([]float32, 4*h), nil, make([]float32, h), make([]float32, h), 1, h, 16, 96)
	})
}

// randVec32 is n values drawn uniformly from [-scale, scale].
func randVec32(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((2*rng.Float64() - 1) * scale)
	}
	return v
}

// nearGoC requires a C kernel's results within 2e-6 (relative above 1) of
// its Go twin's.
func nearGoC(t *testing.T, what string, want, got []float32) {
	t.Helper()
	for i := range want {
		d := math.Abs(float64(want[i] - got[i]))
		require.LessOrEqualf(t, d, 2e-6*math.Max(1, math.Abs(float64(want[i]))), "%s[%d]: Go %v, C %v", what, i, want[i], got[i])
	}
}

// TestAddGRUBiasFloat32: the GRU's input-projection biases added by cpu's
// vector kernels (float32) give the bits of the element-by-element loop:
// b_ih + b_hh on the r and z blocks, b_ih alone on n.
func TestAddGRUBiasFloat32(t *testing.T) {
	const rows, h = 5, 37
	rng := rand.New(rand.NewPCG(8, 9))
	acts, bih, bhh := randVec32(rng, rows*3*h, 3), randVec32(rng, 3*h, 1), randVec32(rng, 3*h, 1)
	want := append([]float32(nil), acts...)
	for r := range rows {
		for j := range 3 * h {
			if j < 2*h {
				want[r*3*h+j] += bih[j] + bhh[j]
			} else {
				want[r*3*h+j] += bih[j]
			}
		}
	}
	addGRUBias(acts, bih, bhh, rows, h)
	for i := range want {
		require.Equalf(t, math.Float32bits(want[i]), math.Float32bits(acts[i]), "element %d: %v, want %v", i, acts[i], want[i])
	}
}
