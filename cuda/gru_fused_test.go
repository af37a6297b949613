//go:build embercuda || cudaemu

package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// refGRUForward is the gate arithmetic of one GRU step in float64 (PyTorch's
// nn.GRU): a holds the input pre-activations (B x 3H, [r z n]), gh the
// recurrent products h_prev*W_hh^T (nil at the first step), bhn the n block
// of b_hh, hp h_prev (nil: zeros). It returns the activations, ghn and h.
func refGRUForward(a, gh, bhn, hp []float64, B, H int) (act, ghn, h []float64) {
	act, ghn, h = make([]float64, 3*B*H), make([]float64, B*H), make([]float64, B*H)
	for b := range B {
		for j := range H {
			rec := func(q int) float64 {
				if gh == nil {
					return 0
				}
				return gh[b*3*H+q*H+j]
			}
			base := b*3*H + j
			r := sigmoid64(a[base] + rec(0))
			z := sigmoid64(a[base+H] + rec(1))
			hn := rec(2) + bhn[j]
			n := math.Tanh(a[base+2*H] + r*hn)
			prev := 0.0
			if hp != nil {
				prev = hp[b*H+j]
			}
			act[base], act[base+H], act[base+2*H] = r, z, n
			ghn[b*H+j] = hn
			h[b*H+j] = (1-z)*n + z*prev
		}
	}
	return act, ghn, h
}

// refGRUBackward is the backward of one step given dh (the total dL/dh_t):
// the gate gradients of both sides and dh*z.
func refGRUBackward(dh, act, ghn, hp []float64, B, H int) (dgi, dgh, dhz []float64) {
	dgi, dgh, dhz = make([]float64, 3*B*H), make([]float64, 3*B*H), make([]float64, B*H)
	for b := range B {
		for j := range H {
			base, k := b*3*H+j, b*H+j
			r, z, n := act[base], act[base+H], act[base+2*H]
			prev := 0.0
			if hp != nil {
				prev = hp[k]
			}
			d := dh[k]
			dan := d * (1 - z) * (1 - n*n)
			daz := d * (prev - n) * z * (1 - z)
			dar := dan * ghn[k] * r * (1 - r)
			dgi[base], dgi[base+H], dgi[base+2*H] = dar, daz, dan
			dgh[base], dgh[base+H], dgh[base+2*H] = dar, daz, dan*r
			dhz[k] = d * z
		}
	}
	return dgi, dgh, dhz
}

// TestGRUFusedStepParity is TestLSTMFusedStepParity for the GRU's fused
// steps: the recurrent products (h_{t-1}*W_hh^T forward, dGh_{t+1}*W_hh
// backward, read through the transpose the last step writes) and the gate
// arithmetic against float64, at the first, a middle and the last step,
// for each number of units per block.
func TestGRUFusedStepParity(t *testing.T) {
	const floor = 0.1
	c := deviceContext(t)
	defer func() { c.recU = 0 }()
	r := rand.New(rand.NewPCG(43, 44))
	shapes := [][2]int{{1, 1}, {3, 5}, {10, 37}, {17, 64}, {33, 100}, {5, 130}}
	if !testing.Short() || !emulated() {
		shapes = append(shapes, [2]int{10, 256}, [2]int{70, 256})
	}
	for i, sh := range shapes {
		B, H := sh[0], sh[1]
		G := 3 * H
		w := randSlice(r, G*H, -0.5, 0.5)
		bhn := randSlice(r, H, -0.5, 0.5)
		dw, dbhn := up(t, c, w), up(t, c, bhn)
		wt := make([]float32, G*H)
		for g := range G {
			for k := range H {
				wt[k*G+g] = w[g*H+k]
			}
		}
		dwt := up(t, c, wt)
		units := []int{[]int{2, 4, 8}[i%3], 0}
		if !testing.Short() || !emulated() {
			units = []int{2, 4, 8, 0}
		}
		for _, u := range units {
			c.recU = u
			for _, pos := range []string{"first", "middle", "last"} {
				name := fmt.Sprintf("gru fused B=%d H=%d U=%d (%d) %s", B, H, u, c.recUnits(B, H), pos)
				a := randSlice(r, B*G, -2, 2)
				var hPrev []float32
				var gh, hp64 []float64
				var dhp Buffer
				if pos != "first" {
					hPrev = randSlice(r, B*H, -1, 1)
					dhp, hp64 = up(t, c, hPrev), f64s(hPrev)
					gh = make([]float64, B*G)
					for b := range B {
						for g := range G {
							s := 0.0
							for k := range H {
								s += float64(hPrev[b*H+k]) * float64(w[g*H+k])
							}
							gh[b*G+g] = s
						}
					}
				}
				wa, wg, wh := refGRUForward(f64s(a), gh, f64s(bhn), hp64, B, H)
				act := up(t, c, a)
				ghn, hid := up(t, c, make([]float32, B*H)), up(t, c, make([]float32, B*H))
				if err := c.GRUForwardStepFused(act, ghn, hid, dhp, dw, dbhn, B, H); err != nil {
					t.Fatal(err)
				}
				gotA, gotG := down(t, c, act), down(t, c, ghn)
				checkClose(t, name+" act", gotA, wa, floor, tol)
				checkClose(t, name+" ghn", gotG, wg, floor, tol)
				checkClose(t, name+" h", down(t, c, hid), wh, floor, tol)

				// Backward: dh = dH + dhz_in + dGh_next*W unless last.
				dH := randSlice(r, B*H, -1, 1)
				dh := f64s(dH)
				var ddgn, ddhz Buffer
				if pos != "last" {
					dGhNext, dhzIn := randSlice(r, B*G, -1, 1), randSlice(r, B*H, -1, 1)
					ddgn, ddhz = up(t, c, dGhNext), up(t, c, dhzIn)
					for b := range B {
						for j := range H {
							s := float64(dhzIn[b*H+j])
							for g := range G {
								s += float64(dGhNext[b*G+g]) * float64(w[g*H+j])
							}
							dh[b*H+j] += s
						}
					}
				}
				wdi, wdh, wdz := refGRUBackward(dh, f64s(gotA), f64s(gotG), hp64, B, H)
				dgi, dgh := up(t, c, make([]float32, B*G)), up(t, c, make([]float32, B*G))
				dhzOut := ddhz // in place over dhz_in, as the executor runs it
				if dhzOut.IsNil() {
					dhzOut = up(t, c, make([]float32, B*H))
				}
				wtBuf := dwt
				if pos == "last" {
					wtBuf = up(t, c, make([]float32, G*H))
				}
				if err := c.GRUBackwardStepFused(dgi, dgh, dhzOut, up(t, c, dH), ddgn, dw, wtBuf, act, ghn, dhp, ddhz,
					B, H); err != nil {
					t.Fatal(err)
				}
				checkClose(t, name+" dGi", down(t, c, dgi), wdi, floor, tol)
				checkClose(t, name+" dGh", down(t, c, dgh), wdh, floor, tol)
				checkClose(t, name+" dh*z", down(t, c, dhzOut), wdz, floor, tol)
				if pos == "last" && !slices.Equal(down(t, c, wtBuf), wt) {
					t.Fatalf("%s: the transpose of W_hh written by the last step differs", name)
				}
			}
		}
	}
}
