//go:build embercuda || cudaemu

package cuda

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The fused step kernels against float64 references: the recurrent
// product (h_{t-1}*W_hh^T forward, dP_{t+1}*W_hh backward) followed by the
// pointwise step, for shapes that leave partial unit and batch tiles and K
// chunks (H = 130: two forward chunks of 128, 4H = 520: three backward
// chunks of 256), at the first, a middle and the last step, with each
// number of units per block (2, 4, 8) and the one the shape picks. The
// outputs go through float32 sums of up to 4H products of this data
// (absolute rounding errors of about 2e-6 at H = 256), so elements are
// compared at a tenth of the data's scale at least (an indexing mistake is
// off by far more). The last step, which runs first in backpropagation
// through time, writes W_hh's transpose for the others: it must be exact.
func TestLSTMFusedStepParity(t *testing.T) {
	const floor = 0.1
	c := deviceContext(t)
	defer func() { c.recU = 0 }()
	r := rand.New(rand.NewPCG(41, 42))
	shapes := [][2]int{{1, 1}, {3, 5}, {10, 37}, {17, 64}, {33, 100}, {5, 130}}
	if !testing.Short() || !emulated() {
		shapes = append(shapes, [2]int{10, 256}, [2]int{70, 256})
	}
	for i, sh := range shapes {
		B, H := sh[0], sh[1]
		G := 4 * H
		w := randSlice(r, G*H, -0.5, 0.5)
		dw := up(t, c, w)
		wt := make([]float32, G*H)
		for g := range G {
			for k := range H {
				wt[k*G+g] = w[g*H+k]
			}
		}
		dwt := up(t, c, wt)
		units := []int{[]int{2, 4, 8}[i%3], 0} // every variant over the shapes, and the chosen one
		if !testing.Short() || !emulated() {
			units = []int{2, 4, 8, 0}
		}
		for _, u := range units {
			c.recU = u
			for _, pos := range []string{"first", "middle", "last"} {
				name := fmt.Sprintf("fused B=%d H=%d U=%d (%d) %s", B, H, u, c.recUnits(B, H), pos)
				p := randSlice(r, B*G, -2, 2)
				var hPrev, cPrev []float32
				var dhp, dcp Buffer
				if pos != "first" {
					hPrev, cPrev = randSlice(r, B*H, -1, 1), randSlice(r, B*H, -1, 1)
					dhp, dcp = up(t, c, hPrev), up(t, c, cPrev)
				}
				// Forward reference: pre = p + hPrev*W^T, then the pointwise step.
				pre := f64s(p)
				if hPrev != nil {
					for b := 0; b < B; b++ {
						for g := 0; g < G; g++ {
							s := 0.0
							for k := 0; k < H; k++ {
								s += float64(hPrev[b*H+k]) * float64(w[g*H+k])
							}
							pre[b*G+g] += s
						}
					}
				}
				var cp64 []float64
				if cPrev != nil {
					cp64 = f64s(cPrev)
				}
				wa, wc, wh := refLSTMForward(pre, cp64, B, H)
				act := up(t, c, p) // in place over the pre-activations, as the executor runs it
				cell, hid := up(t, c, make([]float32, B*H)), up(t, c, make([]float32, B*H))
				if err := c.LSTMForwardStepFused(act, cell, hid, act, dhp, dcp, dw, B, H); err != nil {
					t.Fatal(err)
				}
				gotA, gotC := down(t, c, act), down(t, c, cell)
				checkClose(t, name+" act", gotA, wa, floor, tol)
				checkClose(t, name+" c", gotC, wc, floor, tol)
				checkClose(t, name+" h", down(t, c, hid), wh, floor, tol)

				// Backward: dh = dH + dPNext*W, dc_in from step t+1 unless last.
				dH := randSlice(r, B*H, -1, 1)
				dh := f64s(dH)
				var dPNext, dcIn []float32
				var ddpn, ddcIn Buffer
				if pos != "last" {
					dPNext, dcIn = randSlice(r, B*G, -1, 1), randSlice(r, B*H, -1, 1)
					ddpn, ddcIn = up(t, c, dPNext), up(t, c, dcIn)
					for b := 0; b < B; b++ {
						for j := 0; j < H; j++ {
							s := 0.0
							for g := 0; g < G; g++ {
								s += float64(dPNext[b*G+g]) * float64(w[g*H+j])
							}
							dh[b*H+j] += s
						}
					}
				}
				var dcn64 []float64
				if dcIn != nil {
					dcn64 = f64s(dcIn)
				}
				wdP, wdc := refLSTMBackward(dh, dcn64, f64s(gotA), f64s(gotC), cp64, B, H)
				dP := up(t, c, make([]float32, B*G))
				var dcOut Buffer
				if pos != "first" {
					dcOut = ddcIn // in place over dc_in, as the executor runs it
					if dcOut.IsNil() {
						dcOut = up(t, c, make([]float32, B*H))
					}
				}
				wtBuf := dwt // read by the steps with a successor
				if pos == "last" {
					wtBuf = up(t, c, make([]float32, G*H)) // written by the last step
				}
				if err := c.LSTMBackwardStepFused(dP, dcOut, up(t, c, dH), ddpn, dw, wtBuf, act, cell, dcp, ddcIn, B, H); err != nil {
					t.Fatal(err)
				}
				checkClose(t, name+" dP", down(t, c, dP), wdP, floor, tol)
				if pos != "first" {
					checkClose(t, name+" dc_prev", down(t, c, dcOut), wdc, floor, tol)
				}
				if pos == "last" {
					if got := down(t, c, wtBuf); !slices.Equal(got, wt) {
						t.Fatalf("%s: the transpose of W_hh written by the last step differs", name)
					}
				}
			}
		}
	}
}
