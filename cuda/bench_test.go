//go:build embercuda || cudaemu

package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Device benchmarks (skip without a device, and on the emulator). Each
// enqueues b.N operations inside one Do and synchronises at the end, so the
// numbers are device throughput plus launch overhead.

func benchContext(b *testing.B) *Context {
	c := deviceContext(b)
	if emulated() {
		b.Skip("emulator: timings are meaningless")
	}
	return c
}

func benchBuf(b *testing.B, c *Context, r *rand.Rand, n int) Buffer {
	buf := up(b, c, randSlice(r, n, -1, 1))
	return buf
}

func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
		tA, tB  bool
	}{
		{"256", 256, 256, 256, false, false},
		{"1024", 1024, 1024, 1024, false, false},
		{"1024_tn", 1024, 1024, 1024, true, false},
		{"1024_nt", 1024, 1024, 1024, false, true},
		{"2048", 2048, 2048, 2048, false, false},
		{"4096", 4096, 4096, 4096, false, false},
		// LSTM, batch 64, hidden 256: gates = h * W_hh^T, and dW_hh = dGates^T * h.
		{"lstm_gates_64x1024x256_nt", 64, 1024, 256, false, true},
		{"lstm_dW_1024x256x64_tn", 1024, 256, 64, true, false},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			c := benchContext(b)
			r := rand.New(rand.NewPCG(1, 1))
			A, B, C := benchBuf(b, c, r, s.m*s.k), benchBuf(b, c, r, s.k*s.n), benchBuf(b, c, r, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.tA {
				lda = s.m
			}
			if s.tB {
				ldb = s.k
			}
			run := func(n int) error {
				return c.Do(func() error {
					for i := 0; i < n; i++ {
						if err := c.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, A, lda, B, ldb, 0, C, s.n); err != nil {
							return err
						}
					}
					return c.Sync()
				})
			}
			if err := run(2); err != nil { // warm up
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := run(b.N); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkLSTMStep(b *testing.B) {
	for _, sh := range [][2]int{{64, 256}, {128, 512}} {
		B, H := sh[0], sh[1]
		b.Run(fmt.Sprintf("B%d_H%d", B, H), func(b *testing.B) {
			c := benchContext(b)
			r := rand.New(rand.NewPCG(2, 2))
			x, h := benchBuf(b, c, r, B*H), benchBuf(b, c, r, B*H)
			wih, whh, bias := benchBuf(b, c, r, 4*H*H), benchBuf(b, c, r, 4*H*H), benchBuf(b, c, r, 4*H)
			pre, act := benchBuf(b, c, r, 4*B*H), benchBuf(b, c, r, 4*B*H)
			cell, cPrev, hOut := benchBuf(b, c, r, B*H), benchBuf(b, c, r, B*H), benchBuf(b, c, r, B*H)
			dh, dcNext, dcPrev, dP := benchBuf(b, c, r, B*H), benchBuf(b, c, r, B*H), benchBuf(b, c, r, B*H),
				benchBuf(b, c, r, 4*B*H)
			// One training-time step: the two gate GEMMs, bias, pointwise
			// forward, and the pointwise backward.
			step := func() error {
				return firstErr(
					c.Sgemm(false, true, B, 4*H, H, 1, x, H, wih, H, 0, pre, 4*H),
					c.Sgemm(false, true, B, 4*H, H, 1, h, H, whh, H, 1, pre, 4*H),
					c.AddBiasRows(pre, pre, bias, B, 4*H),
					c.LSTMForwardStep(act, cell, hOut, pre, cPrev, B, H),
					c.LSTMBackwardStep(dP, dcPrev, dh, dcNext, act, cell, cPrev, B, H),
				)
			}
			run := func(n int) error {
				return c.Do(func() error {
					for i := 0; i < n; i++ {
						if err := step(); err != nil {
							return err
						}
					}
					return c.Sync()
				})
			}
			if err := run(2); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := run(b.N); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func BenchmarkAdam(b *testing.B) {
	for _, n := range []int{1 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("n%dM", n>>20), func(b *testing.B) {
			c := benchContext(b)
			r := rand.New(rand.NewPCG(3, 3))
			w, g, m, v := benchBuf(b, c, r, n), benchBuf(b, c, r, n), benchBuf(b, c, r, n), benchBuf(b, c, r, n)
			if err := firstErr(c.Zero(m), c.Zero(v)); err != nil {
				b.Fatal(err)
			}
			cfg := AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
			run := func(n int) error {
				return c.Do(func() error {
					for i := 0; i < n; i++ {
						if err := c.AdamStep(w, g, m, v, cfg, i+1); err != nil {
							return err
						}
					}
					return c.Sync()
				})
			}
			if err := run(2); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := run(b.N); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			// 4 reads + 3 writes of 4 bytes per element.
			b.ReportMetric(float64(28*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
