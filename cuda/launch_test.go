package cuda

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/emberml/ember/cuda/kernelgen"
)

// Argument packing and launch geometry, checked without a device: a
// recording Context captures each launch instead of running it.

func newRecorder(sms int) (*Context, *[]launchRecord) {
	var recs []launchRecord
	c := &Context{info: DeviceInfo{SMs: sms}, tid: -1}
	c.rec = func(r launchRecord) { recs = append(recs, r) }
	return c, &recs
}

// fb is a fake device buffer of n 4-byte elements at addr.
func fb(addr uintptr, n int) Buffer { return Buffer{ptr: addr, bytes: int64(n) * 4} }

type wantLaunch struct {
	kernel      string
	grid, block dim3
	args        []any // uintptr (pointer), int (i32), float32 (f32), uint64 (u64)
}

// Distinct fake addresses.
const (
	pA uintptr = 0x10000 * (iota + 1)
	pB
	pC
	pD
	pE
	pF
	pG
)

func TestKernelArgumentPacking(t *testing.T) {
	const sms = 132
	blk := dim3{256, 1, 1}
	g := func(n int) dim3 { return dim3{uint32(min((n+255)/256, 8*sms)), 1, 1} }
	ws := uintptr(fakeScratch)
	bc1, bc2 := AdamBiasCorrection(0.9, 3), AdamBiasCorrection(0.999, 3)

	cases := []struct {
		name string
		run  func(c *Context) error
		want []wantLaunch
	}{
		{"sgemm nn small -> 64 tiles", func(c *Context) error {
			return c.Sgemm(false, false, 70, 130, 33, 1.5, fb(pA, 70*40), 40, fb(pB, 33*131), 131, 0.25, fb(pC, 70*130), 130)
		}, []wantLaunch{{"sgemm_nn_64", dim3{3, 2, 1}, blk,
			[]any{70, 130, 33, float32(1.5), pA, 40, pB, 131, float32(0.25), pC, 130, uintptr(0), uintptr(0), 0, uintptr(0)}}}},
		{"sgemm nt", func(c *Context) error {
			return c.Sgemm(false, true, 64, 32, 16, 1, fb(pA, 64*16), 16, fb(pB, 32*16), 16, 0, fb(pC, 64*32), 32)
		}, []wantLaunch{{"sgemm_nt_64", dim3{1, 1, 1}, blk,
			[]any{64, 32, 16, float32(1), pA, 16, pB, 16, float32(0), pC, 32, uintptr(0), uintptr(0), 0, uintptr(0)}}}},
		{"sgemm tn large -> 128 tiles", func(c *Context) error {
			return c.Sgemm(true, false, 2048, 2048, 256, 1, fb(pA, 256*2048), 2048, fb(pB, 256*2048), 2048, 1,
				fb(pC, 2048*2048), 2048)
		}, []wantLaunch{{"sgemm_tn_128", dim3{16, 16, 1}, blk,
			[]any{2048, 2048, 256, float32(1), pA, 2048, pB, 2048, float32(1), pC, 2048, uintptr(0), uintptr(0), 0, uintptr(0)}}}},
		{"sgemm tn, few tiles and a long K -> split K", func(c *Context) error {
			// An LSTM's dW_ih at batch 256: 4H=1024 x 100 over 44*256 rows: 32 tiles of 64, 4 slices.
			return c.Sgemm(true, false, 1024, 100, 11264, 1, fb(pA, 11264*1024), 1024, fb(pB, 11264*100), 100, 0,
				fb(pC, 1024*100), 100)
		}, []wantLaunch{{"sgemm_tn_64", dim3{2, 16, 4}, blk,
			[]any{1024, 100, 11264, float32(1), pA, 1024, pB, 100, float32(0), pC, 100, uintptr(0), uintptr(0), 0, uintptr(fakeScratch)}}}},
		{"sgemm tn, a short K is not split", func(c *Context) error {
			// The same at batch 10: 440 rows, 55 steps of 8.
			return c.Sgemm(true, false, 1024, 100, 440, 1, fb(pA, 440*1024), 1024, fb(pB, 440*100), 100, 0,
				fb(pC, 1024*100), 100)
		}, []wantLaunch{{"sgemm_tn_64", dim3{2, 16, 1}, blk,
			[]any{1024, 100, 440, float32(1), pA, 1024, pB, 100, float32(0), pC, 100, uintptr(0), uintptr(0), 0, uintptr(0)}}}},
		{"sgemm with bias", func(c *Context) error {
			return c.SgemmBias(false, true, 440, 1024, 100, 1, fb(pA, 440*100), 100, fb(pB, 1024*100), 100, 0,
				fb(pC, 440*1024), 1024, fb(pD, 1024), Buffer{})
		}, []wantLaunch{{"sgemm_nt_64", dim3{16, 7, 1}, blk,
			[]any{440, 1024, 100, float32(1), pA, 100, pB, 100, float32(0), pC, 1024, pD, uintptr(0), 0, uintptr(0)}}}},
		{"sgemm with two biases", func(c *Context) error {
			return c.SgemmBias(false, true, 4, 12, 3, 1, fb(pA, 12), 3, fb(pB, 36), 3, 0, fb(pC, 48), 12, fb(pD, 12),
				fb(pE, 8))
		}, []wantLaunch{{"sgemm_nt_64", dim3{1, 1, 1}, blk,
			[]any{4, 12, 3, float32(1), pA, 3, pB, 3, float32(0), pC, 12, pD, pE, 8, uintptr(0)}}}},
		{"sgemm tt", func(c *Context) error {
			return c.Sgemm(true, true, 5, 7, 3, 2, fb(pA, 3*5), 5, fb(pB, 7*3), 3, 0, fb(pC, 5*8), 8)
		}, []wantLaunch{{"sgemm_tt_64", dim3{1, 1, 1}, blk,
			[]any{5, 7, 3, float32(2), pA, 5, pB, 3, float32(0), pC, 8, uintptr(0), uintptr(0), 0, uintptr(0)}}}},
		{"sgemm k=0 (C = beta*C, A and B unused)", func(c *Context) error {
			return c.Sgemm(false, false, 4, 4, 0, 1, Buffer{}, 0, Buffer{}, 0, 0.5, fb(pC, 16), 4)
		}, []wantLaunch{{"sgemm_nn_64", dim3{1, 1, 1}, blk,
			[]any{4, 4, 0, float32(1), uintptr(0), 0, uintptr(0), 0, float32(0.5), pC, 4, uintptr(0), uintptr(0), 0, uintptr(0)}}}},
		{"sgemm m=0 launches nothing", func(c *Context) error {
			return c.Sgemm(false, false, 0, 4, 4, 1, Buffer{}, 4, fb(pB, 16), 4, 0, Buffer{}, 4)
		}, nil},
		{"fill", func(c *Context) error { return c.Fill(fb(pA, 1000), -2.5) },
			[]wantLaunch{{"ew_fill", g(1000), blk, []any{pA, float32(-2.5), 1000}}}},
		{"fill caps the grid", func(c *Context) error { return c.Fill(fb(pA, 1<<24), 1) },
			[]wantLaunch{{"ew_fill", dim3{8 * sms, 1, 1}, blk, []any{pA, float32(1), 1 << 24}}}},
		{"scale", func(c *Context) error { return c.Scale(fb(pA, 10), fb(pB, 12), 3) },
			[]wantLaunch{{"ew_scale", g(10), blk, []any{pA, pB, float32(3), 10}}}},
		{"axpy", func(c *Context) error { return c.Axpy(fb(pA, 300), -1, fb(pB, 300)) },
			[]wantLaunch{{"ew_axpy", g(300), blk, []any{pA, pB, float32(-1), 300}}}},
		{"add", func(c *Context) error { return c.Add(fb(pC, 7), fb(pA, 7), fb(pB, 7)) },
			[]wantLaunch{{"ew_add", g(7), blk, []any{pC, pA, pB, 7}}}},
		{"mul", func(c *Context) error { return c.Mul(fb(pC, 7), fb(pA, 7), fb(pB, 9)) },
			[]wantLaunch{{"ew_mul", g(7), blk, []any{pC, pA, pB, 7}}}},
		{"sigmoid", func(c *Context) error { return c.SigmoidForward(fb(pB, 513), fb(pA, 513)) },
			[]wantLaunch{{"ew_sigmoid_fwd", g(513), blk, []any{pB, pA, 513}}}},
		{"sigmoid backward", func(c *Context) error { return c.SigmoidBackward(fb(pC, 9), fb(pA, 9), fb(pB, 9)) },
			[]wantLaunch{{"ew_sigmoid_bwd", g(9), blk, []any{pC, pA, pB, 9}}}},
		{"tanh", func(c *Context) error { return c.TanhForward(fb(pB, 9), fb(pA, 9)) },
			[]wantLaunch{{"ew_tanh_fwd", g(9), blk, []any{pB, pA, 9}}}},
		{"tanh backward", func(c *Context) error { return c.TanhBackward(fb(pC, 9), fb(pA, 9), fb(pB, 9)) },
			[]wantLaunch{{"ew_tanh_bwd", g(9), blk, []any{pC, pA, pB, 9}}}},
		{"add bias rows", func(c *Context) error { return c.AddBiasRows(fb(pA, 12), fb(pB, 12), fb(pC, 4), 3, 4) },
			[]wantLaunch{{"add_bias_rows", g(12), blk, []any{pA, pB, pC, 3, 4}}}},
		{"column sums", func(c *Context) error { return c.ColumnSums(fb(pA, 100), fb(pB, 64*100), 64, 100, 1) },
			[]wantLaunch{{"col_sums", dim3{4, 1, 1}, dim3{32, 8, 1}, []any{pA, pB, 64, 100, float32(1), uintptr(0)}}}},
		{"column sums, rows split", func(c *Context) error { return c.ColumnSums(fb(pA, 1024), fb(pB, 440*1024), 440, 1024, 0) },
			// 32 column tiles, 4 runs of rows: 128 blocks.
			[]wantLaunch{{"col_sums", dim3{32, 4, 1}, dim3{32, 8, 1}, []any{pA, pB, 440, 1024, float32(0), uintptr(fakeScratch)}}}},
		{"scatter window", func(c *Context) error { return c.ScatterWindow(fb(pA, 6000), fb(pB, 400), 5000, 0, 5400) },
			[]wantLaunch{{"scatter_window", g(5400), blk, []any{pA, pB, 0, 5400, 5000, 400}}}},
		{"scatter window, nothing read", func(c *Context) error { return c.ScatterWindow(fb(pA, 6000), fb(pB, 400), 5000, 7, 7) },
			nil},
		{"sum over two buffers", func(c *Context) error { return c.Sum(fb(pA, 1), fb(pB, 5000), fb(pC, 3)) },
			[]wantLaunch{
				{"reduce_sum", dim3{5, 1, 1}, blk, []any{pA, ws, pB, 5000, 0, 0, 6, 0, float32(1)}},
				{"reduce_sum", dim3{1, 1, 1}, blk, []any{pA, ws, pC, 3, 0, 5, 6, 0, float32(1)}},
			}},
		{"sum of squares", func(c *Context) error { return c.SumSquares(fb(pA, 1), fb(pB, 1<<20)) },
			[]wantLaunch{
				{"reduce_sum", dim3{256, 1, 1}, blk, []any{pA, ws, pB, 1 << 20, 1, 0, 256, 0, float32(1)}},
			}},
		{"global norm skips empty buffers", func(c *Context) error {
			return c.GlobalNorm(fb(pA, 1), fb(pB, 10), Buffer{}, fb(pC, 1024))
		}, []wantLaunch{
			{"reduce_sum", dim3{1, 1, 1}, blk, []any{pA, ws, pB, 10, 1, 0, 2, 1, float32(1)}},
			{"reduce_sum", dim3{1, 1, 1}, blk, []any{pA, ws, pC, 1024, 1, 1, 2, 1, float32(1)}},
		}},
		{"global norm of nothing", func(c *Context) error { return c.GlobalNorm(fb(pA, 1)) }, []wantLaunch{
			{"reduce_sum", dim3{1, 1, 1}, blk, []any{pA, ws, uintptr(0), 0, 0, 0, 1, 1, float32(1)}},
		}},
		{"clip by norm", func(c *Context) error { return c.ClipByNorm(fb(pA, 1), 5, fb(pB, 10), fb(pC, 600)) },
			[]wantLaunch{
				{"scale_by_clip", g(10), blk, []any{pB, pA, float32(5), 10}},
				{"scale_by_clip", g(600), blk, []any{pC, pA, float32(5), 600}},
			}},
		{"bce loss", func(c *Context) error { return c.BCELoss(fb(pA, 1), fb(pB, 64), fb(pC, 64)) },
			[]wantLaunch{
				{"bce_loss", dim3{1, 1, 1}, blk, []any{pA, ws, pB, pC, 64, float32(-1.0 / 64)}},
			}},
		{"bce backward", func(c *Context) error { return c.BCEBackward(fb(pA, 64), fb(pB, 64), fb(pC, 64), 1) },
			[]wantLaunch{{"bce_grad", g(64), blk, []any{pA, pB, pC, 64, uintptr(0), float32(1)}}}},
		{"bce backward, device dl", func(c *Context) error {
			return c.BCEBackwardDev(fb(pA, 64), fb(pB, 64), fb(pC, 64), fb(pD, 1))
		}, []wantLaunch{{"bce_grad", g(64), blk, []any{pA, pB, pC, 64, pD, float32(0)}}}},
		{"embedding", func(c *Context) error {
			return c.EmbeddingForward(fb(pA, 20*4*16), fb(pB, 1000*16), fb(pC, 4*20), 4, 20, 16)
		}, []wantLaunch{{"embed_gather", g(20 * 4 * 16), blk, []any{pA, pB, pC, 4, 20, 16, 1000}}}},
		{"embedding backward", func(c *Context) error {
			return c.EmbeddingBackward(fb(pA, 1000*16), fb(pB, 20*4*16), fb(pC, 4*20), 4, 20, 16, 0)
		}, []wantLaunch{{"embed_scatter_add", g(20 * 4 * 16), blk, []any{pA, pB, pC, 4, 20, 16, 1000, 0}}}},
		{"dropout", func(c *Context) error { return c.DropoutForward(fb(pA, 77), fb(pB, 77), 0.25, 42, 7, 100) },
			[]wantLaunch{{"dropout_fwd", g(77), blk,
				[]any{pA, pB, 77, float32(0.25), float32(1 / 0.75), uint64(42), uint64(7), uint64(100), uintptr(0)}}}},
		{"dropout backward", func(c *Context) error {
			return c.DropoutBackward(fb(pA, 77), fb(pB, 77), 0.5, 1<<40, 3, 0)
		}, []wantLaunch{{"dropout_bwd", g(77), blk,
			[]any{pA, pB, 77, float32(0.5), float32(2), uint64(1 << 40), uint64(3), uint64(0), uintptr(0)}}}},
		{"dropout, step on the device", func(c *Context) error {
			return c.DropoutForwardAt(fb(pA, 77), fb(pB, 77), 0.25, 42, fb(pE, 2), 100)
		}, []wantLaunch{{"dropout_fwd", g(77), blk,
			[]any{pA, pB, 77, float32(0.25), float32(1 / 0.75), uint64(42), uint64(0), uint64(100), pE}}}},
		{"dropout backward, step on the device", func(c *Context) error {
			return c.DropoutBackwardAt(fb(pA, 77), fb(pB, 77), 0.25, 42, fb(pE, 2), 100)
		}, []wantLaunch{{"dropout_bwd", g(77), blk,
			[]any{pA, pB, 77, float32(0.25), float32(1 / 0.75), uint64(42), uint64(0), uint64(100), pE}}}},
		{"adam", func(c *Context) error {
			return c.AdamStep(fb(pA, 500), fb(pB, 500), fb(pC, 500), fb(pD, 500),
				AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, 3)
		}, []wantLaunch{{"adam_step", g(500), blk, []any{pA, pB, pC, pD, 500, float32(1e-3), float32(0.9),
			float32(0.999), float32(1e-8), float32(0.01), bc1, bc2, uintptr(0), uintptr(0)}}}},
		{"adam, bias corrections and norm on the device", func(c *Context) error {
			return c.AdamStepAt(fb(pA, 500), fb(pB, 500), fb(pC, 500), fb(pD, 500),
				AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, fb(pE, 2), fb(pF, 1))
		}, []wantLaunch{{"adam_step", g(500), blk, []any{pA, pB, pC, pD, 500, float32(1e-3), float32(0.9),
			float32(0.999), float32(1e-8), float32(0), float32(0), float32(0), pE, pF}}}},
		{"lstm forward, no initial state", func(c *Context) error {
			return c.LSTMForwardStep(fb(pA, 4*8*32), fb(pB, 8*32), fb(pC, 8*32), fb(pD, 4*8*32), Buffer{}, 8, 32)
		}, []wantLaunch{{"lstm_fwd_pointwise", g(8 * 32), blk, []any{pA, pB, pC, pD, uintptr(0), 8, 32}}}},
		{"lstm backward", func(c *Context) error {
			return c.LSTMBackwardStep(fb(pA, 4*8*32), fb(pB, 8*32), fb(pC, 8*32), fb(pD, 8*32), fb(pE, 4*8*32),
				fb(pF, 8*32), fb(pG, 8*32), 8, 32)
		}, []wantLaunch{{"lstm_bwd_pointwise", g(8 * 32), blk, []any{pA, pB, pC, pD, pE, pF, pG, 8, 32}}}},
		{"fused lstm forward step, batch 10: 2 units per block", func(c *Context) error {
			return c.LSTMForwardStepFused(fb(pA, 10*1024), fb(pB, 10*256), fb(pC, 10*256), fb(pA, 10*1024),
				fb(pD, 10*256), fb(pE, 10*256), fb(pF, 1024*256), 10, 256)
		}, []wantLaunch{{"lstm_fwd_step_u2", dim3{128, 1, 1}, blk, []any{pA, pB, pC, pA, pD, pE, pF, 10, 256}}}},
		{"fused lstm forward step, batch 64: 8 units per block", func(c *Context) error {
			return c.LSTMForwardStepFused(fb(pA, 64*1024), fb(pB, 64*256), fb(pC, 64*256), fb(pA, 64*1024),
				Buffer{}, Buffer{}, fb(pF, 1024*256), 64, 256)
		}, []wantLaunch{{"lstm_fwd_step_u8", dim3{32, 4, 1}, blk,
			[]any{pA, pB, pC, pA, uintptr(0), uintptr(0), pF, 64, 256}}}},
		{"fused lstm backward, last step: writes the transpose", func(c *Context) error {
			return c.LSTMBackwardStepFused(fb(pA, 32*1024), Buffer{}, fb(pB, 32*256), Buffer{}, fb(pF, 1024*256),
				fb(pG, 1024*256), fb(pC, 32*1024), fb(pD, 32*256), fb(pE, 32*256), Buffer{}, 32, 256)
		}, []wantLaunch{{"lstm_bwd_step_u4", dim3{64, 2, 1}, blk, []any{pA, uintptr(0), pG, pB, uintptr(0), pF, pG,
			pC, pD, pE, uintptr(0), 32, 256}}}},
		{"fused lstm backward, other steps: read it", func(c *Context) error {
			return c.LSTMBackwardStepFused(fb(pA, 32*1024), fb(pB, 32*256), fb(pB, 32*256), fb(pA+0x8000, 32*1024),
				fb(pF, 1024*256), fb(pG, 1024*256), fb(pC, 32*1024), fb(pD, 32*256), Buffer{}, fb(pB, 32*256), 32, 256)
		}, []wantLaunch{{"lstm_bwd_step_u4", dim3{64, 2, 1}, blk, []any{pA, pB, uintptr(0), pB, pA + 0x8000, pF,
			pG, pC, pD, uintptr(0), pB, 32, 256}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, recs := newRecorder(sms)
			if err := tc.run(c); err != nil {
				t.Fatal(err)
			}
			if len(*recs) != len(tc.want) {
				t.Fatalf("%d launches, want %d", len(*recs), len(tc.want))
			}
			for i, w := range tc.want {
				checkLaunch(t, (*recs)[i], w)
			}
		})
	}
}

func checkLaunch(t *testing.T, r launchRecord, w wantLaunch) {
	t.Helper()
	if r.kernel.String() != w.kernel {
		t.Errorf("kernel %s, want %s", r.kernel, w.kernel)
		return
	}
	if r.grid != w.grid || r.block != w.block {
		t.Errorf("%s: grid %v block %v, want grid %v block %v", w.kernel, r.grid, r.block, w.grid, w.block)
	}
	a := r.args
	if a.n != len(w.args) || a.n != len(kernels[r.kernel].sig) {
		t.Fatalf("%s: %d parameters packed (signature %d), want %d", w.kernel, a.n,
			len(kernels[r.kernel].sig), len(w.args))
	}
	for i, want := range w.args {
		// The launch passes the driver a pointer to each 8-byte slot; a
		// 4-byte parameter is read from the slot's first 4 bytes.
		slotPtr := unsafe.Pointer(&a.vals[i])
		slot := *(*uint64)(slotPtr)
		kind := a.kinds[i]
		switch v := want.(type) {
		case uintptr:
			if (kind != argPtr && kind != argPtr8) || slot != uint64(v) {
				t.Errorf("%s: parameter %d = %v %#x, want ptr %#x", w.kernel, i, kind, slot, v)
			}
		case int:
			if kind != argI32 || int32(uint32(slot)) != int32(v) || slot>>32 != 0 {
				t.Errorf("%s: parameter %d = %v %#x, want i32 %d", w.kernel, i, kind, slot, v)
			}
			if got := *(*int32)(slotPtr); got != int32(v) {
				t.Errorf("%s: parameter %d reads as int32 %d, want %d", w.kernel, i, got, v)
			}
		case float32:
			if kind != argF32 || slot>>32 != 0 || math.Float32frombits(uint32(slot)) != v {
				t.Errorf("%s: parameter %d = %v %#x, want f32 %v", w.kernel, i, kind, slot, v)
			}
			if got := *(*float32)(slotPtr); got != v {
				t.Errorf("%s: parameter %d reads as float32 %v, want %v", w.kernel, i, got, v)
			}
		case uint64:
			if kind != argU64 || slot != v {
				t.Errorf("%s: parameter %d = %v %#x, want u64 %#x", w.kernel, i, kind, slot, v)
			}
		default:
			t.Fatalf("bad want type %T", want)
		}
		if kind.size() != ptxParamSize(kernels[r.kernel].sig[i]) {
			t.Errorf("%s: parameter %d size %d", w.kernel, i, kind.size())
		}
	}
}

func ptxParamSize(k argKind) int {
	if k == argI32 || k == argF32 {
		return 4
	}
	return 8
}

// Every wrapper must reject bad arguments on the host with ErrInvalidArgument
// and launch nothing.
func TestKernelArgumentChecks(t *testing.T) {
	cases := []struct {
		name string
		run  func(c *Context) error
	}{
		{"sgemm A too small", func(c *Context) error {
			return c.Sgemm(false, false, 8, 8, 8, 1, fb(pA, 63), 8, fb(pB, 64), 8, 0, fb(pC, 64), 8)
		}},
		{"sgemm lda too small", func(c *Context) error {
			return c.Sgemm(false, false, 8, 8, 8, 1, fb(pA, 64), 7, fb(pB, 64), 8, 0, fb(pC, 64), 8)
		}},
		{"sgemm transposed B too small", func(c *Context) error {
			return c.Sgemm(false, true, 8, 9, 8, 1, fb(pA, 64), 8, fb(pB, 64), 8, 0, fb(pC, 72), 9)
		}},
		{"sgemm nil C", func(c *Context) error {
			return c.Sgemm(false, false, 8, 8, 8, 1, fb(pA, 64), 8, fb(pB, 64), 8, 0, Buffer{}, 8)
		}},
		{"sgemm negative m", func(c *Context) error {
			return c.Sgemm(false, false, -1, 8, 8, 1, fb(pA, 64), 8, fb(pB, 64), 8, 0, fb(pC, 64), 8)
		}},
		{"add short input", func(c *Context) error { return c.Add(fb(pC, 8), fb(pA, 7), fb(pB, 8)) }},
		{"fill nil", func(c *Context) error { return c.Fill(Buffer{}, 1) }},
		{"bias short", func(c *Context) error { return c.AddBiasRows(fb(pA, 12), fb(pB, 12), fb(pC, 3), 3, 4) }},
		{"scatter window outside", func(c *Context) error { return c.ScatterWindow(fb(pA, 100), fb(pB, 10), 95, 0, 100) }},
		{"scatter window range outside", func(c *Context) error { return c.ScatterWindow(fb(pA, 100), fb(pB, 10), 5, 0, 101) }},
		{"sgemm bias short", func(c *Context) error {
			return c.SgemmBias(false, false, 8, 8, 8, 1, fb(pA, 64), 8, fb(pB, 64), 8, 0, fb(pC, 64), 8, fb(pD, 7), Buffer{})
		}},
		{"sgemm nil bias", func(c *Context) error {
			return c.SgemmBias(false, false, 8, 8, 8, 1, fb(pA, 64), 8, fb(pB, 64), 8, 0, fb(pC, 64), 8, Buffer{}, Buffer{})
		}},
		{"sgemm bias2 longer than a row", func(c *Context) error {
			return c.SgemmBias(false, false, 8, 8, 8, 1, fb(pA, 64), 8, fb(pB, 64), 8, 0, fb(pC, 64), 8, fb(pD, 8), fb(pE, 9))
		}},
		{"fused lstm backward step without the transpose", func(c *Context) error {
			return c.LSTMBackwardStepFused(fb(pA, 32), fb(pB, 8), fb(pC, 8), fb(pD, 32), fb(pE, 64), Buffer{}, fb(pF, 32),
				fb(pG, 8), Buffer{}, Buffer{}, 2, 4)
		}},
		{"dropout p > 1", func(c *Context) error { return c.DropoutForward(fb(pA, 8), fb(pB, 8), 1.5, 0, 0, 0) }},
		{"dropout p NaN", func(c *Context) error {
			return c.DropoutForward(fb(pA, 8), fb(pB, 8), float32(math.NaN()), 0, 0, 0)
		}},
		{"dropout step counter too short", func(c *Context) error {
			return c.DropoutForwardAt(fb(pA, 8), fb(pB, 8), 0.5, 0, fb(pE, 1), 0)
		}},
		{"dropout step counter at an odd element (misaligned uint64)", func(c *Context) error {
			return c.DropoutForwardAt(fb(pA, 8), fb(pB, 8), 0.5, 0, fb(pE, 3).Slice(1, 3), 0)
		}},
		{"dropout backward step counter misaligned", func(c *Context) error {
			return c.DropoutBackwardAt(fb(pA, 8), fb(pB, 8), 0.5, 0, fb(pE+4, 2), 0)
		}},
		{"dropout nil step counter", func(c *Context) error {
			return c.DropoutBackwardAt(fb(pA, 8), fb(pB, 8), 0.5, 0, Buffer{}, 0)
		}},
		{"adam nil bias corrections", func(c *Context) error {
			return c.AdamStepAt(fb(pA, 8), fb(pB, 8), fb(pC, 8), fb(pD, 8), AdamConfig{}, Buffer{}, Buffer{})
		}},
		{"adam step 0", func(c *Context) error {
			return c.AdamStep(fb(pA, 8), fb(pB, 8), fb(pC, 8), fb(pD, 8), AdamConfig{}, 0)
		}},
		{"adam short moment", func(c *Context) error {
			return c.AdamStep(fb(pA, 8), fb(pB, 8), fb(pC, 7), fb(pD, 8), AdamConfig{}, 1)
		}},
		{"lstm short cellPrev", func(c *Context) error {
			return c.LSTMForwardStep(fb(pA, 32), fb(pB, 8), fb(pC, 8), fb(pD, 32), fb(pE, 7), 2, 4)
		}},
		{"lstm nil dh", func(c *Context) error {
			return c.LSTMBackwardStep(fb(pA, 32), Buffer{}, Buffer{}, Buffer{}, fb(pE, 32), fb(pF, 8), Buffer{}, 2, 4)
		}},
		{"embedding short ids", func(c *Context) error {
			return c.EmbeddingForward(fb(pA, 64), fb(pB, 64), fb(pC, 3), 2, 2, 16)
		}},
		{"bce empty", func(c *Context) error { return c.BCELoss(fb(pA, 1), Buffer{}, Buffer{}) }},
		{"clip maxNorm 0", func(c *Context) error { return c.ClipByNorm(fb(pA, 1), 0, fb(pB, 8)) }},
		{"sum nil out", func(c *Context) error { return c.Sum(Buffer{}, fb(pB, 8)) }},
	}
	for _, tc := range cases {
		c, recs := newRecorder(132)
		err := tc.run(c)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: error %v, want ErrInvalidArgument", tc.name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "cuda: ") {
			t.Errorf("%s: error text %q", tc.name, err)
		}
		if len(*recs) != 0 {
			t.Errorf("%s: %d launches after a failed check", tc.name, len(*recs))
		}
	}
}

// The kernel table (names, parameter lists) must match the PTX: every entry
// exists with the declared parameter types, and every .entry is in the table.
func TestKernelTableMatchesPTX(t *testing.T) {
	entries := map[string][]string{} // name -> PTX parameter types
	module := map[string]string{}
	srcs := ptxSources(t)
	if len(srcs) == 0 {
		t.Fatal("no PTX (run make ptx)")
	}
	for mod, src := range srcs {
		for name, params := range parsePTXEntries(src) {
			entries[name] = params
			module[name] = mod
		}
	}
	seen := map[string]bool{}
	for k := kernelID(0); k < numKernels; k++ {
		spec := kernels[k]
		if spec.name == "" {
			t.Errorf("kernel %d has no table entry", k)
			continue
		}
		seen[spec.name] = true
		params, ok := entries[spec.name]
		if !ok {
			t.Errorf("%s: no .entry in the PTX", spec.name)
			continue
		}
		if module[spec.name] != spec.module {
			t.Errorf("%s: in %s.ptx, table says %s", spec.name, module[spec.name], spec.module)
		}
		if len(params) != len(spec.sig) {
			t.Errorf("%s: PTX has %d parameters, table %d", spec.name, len(params), len(spec.sig))
			continue
		}
		for i, p := range params {
			want := map[argKind][]string{argPtr: {".u64"}, argPtr8: {".u64"}, argU64: {".u64"}, argI32: {".u32", ".s32"},
				argF32: {".f32"}}[spec.sig[i]]
			if p != want[0] && (len(want) < 2 || p != want[1]) {
				t.Errorf("%s: parameter %d is %s in the PTX, table says %v", spec.name, i, p, spec.sig[i])
			}
		}
	}
	for name := range entries {
		if !seen[name] {
			t.Errorf("PTX entry %s is not in the kernel table", name)
		}
	}
}

// parsePTXEntries maps each .entry of a PTX module to its parameter types.
func parsePTXEntries(ptx string) map[string][]string { return kernelgen.PTXEntries([]byte(ptx)) }

func TestArenaPlanAndAlignment(t *testing.T) {
	var p ArenaPlan
	offs := []int64{p.Add(1), p.AddFloat32(100), p.Add(256), p.Add(257)}
	want := []int64{0, 256, 256 + 512, 256 + 512 + 256}
	for i := range offs {
		if offs[i] != want[i] {
			t.Errorf("offset %d = %d, want %d", i, offs[i], want[i])
		}
	}
	if p.Size() != 256+512+256+512 {
		t.Errorf("size %d", p.Size())
	}
	// An Arena over a fake block hands out the planned offsets.
	a := &Arena{base: Buffer{ptr: 0x100000, bytes: p.Size()}}
	for i, n := range []int64{1, 400, 256, 257} {
		b, err := a.Alloc(n)
		if err != nil {
			t.Fatal(err)
		}
		if b.Ptr() != 0x100000+uintptr(want[i]) || b.Bytes() != n || b.Ptr()%Alignment != 0 {
			t.Errorf("alloc %d: %v", i, b)
		}
	}
	_, err := a.Alloc(1)
	if !errors.Is(err, ErrArenaFull) || !strings.Contains(err.Error(), "requested 1 B") {
		t.Errorf("full arena: %v", err)
	}
	m := a.Mark()
	a.Reset()
	if b, _ := a.Alloc(10); b.Ptr() != 0x100000 {
		t.Errorf("after Reset: %v", b)
	}
	a.ResetTo(0)
	if a.Used() != 0 || a.Peak() != m {
		t.Errorf("used %d peak %d", a.Used(), a.Peak())
	}
	if got := a.At(256, 400); got.Ptr() != 0x100100 || got.Bytes() != 400 {
		t.Errorf("At: %v", got)
	}
}

func TestBufferSlice(t *testing.T) {
	b := fb(0x1000, 100)
	s := b.Slice(10, 30)
	if s.Ptr() != 0x1000+40 || s.Len() != 20 {
		t.Errorf("Slice: %v", s)
	}
	defer func() {
		if recover() == nil {
			t.Error("out-of-range Slice did not panic")
		}
	}()
	b.Slice(90, 101)
}

func TestErrorText(t *testing.T) {
	err := WithOp(&Error{Call: "launch lstm_fwd_pointwise", Err: ResultInvalidValue}, "LSTM")
	if got, want := err.Error(), "cuda: launch lstm_fwd_pointwise (op LSTM): CUDA_ERROR_INVALID_VALUE"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, ResultInvalidValue) {
		t.Error("errors.Is(err, ResultInvalidValue) is false")
	}
	oom := &Error{Call: "cuMemAlloc 1024 bytes", Err: ResultOutOfMemory, Detail: "requested 1.00 KiB"}
	if !errors.Is(oom, ErrOutOfMemory) {
		t.Error("out of memory does not match ErrOutOfMemory")
	}
	if s := Result(100).Error(); s != "CUDA_ERROR_NO_DEVICE" {
		t.Errorf("Result(100) = %q", s)
	}
	nd := &noDeviceError{Result(100)}
	if !errors.Is(nd, ErrNoDevice) || !strings.HasPrefix(nd.Error(), "no CUDA device: CUDA_ERROR_NO_DEVICE") {
		t.Errorf("no device error %q", nd)
	}
}
