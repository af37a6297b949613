//go:build embercuda || cudaemu

package cuda

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// The device-read variants must give what the host-argument kernels give.
func TestDropoutAndAdamReadStepFromDevice(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(31, 32))
	const n = 5003
	x := up(t, c, randSlice(r, n, -2, 2))
	y1, y2 := up(t, c, make([]float32, n)), up(t, c, make([]float32, n))
	step := up(t, c, []uint32{0, 0})
	for _, s := range []uint64{1, 77, 1<<33 + 5} {
		if err := Upload(c, step, []uint32{uint32(s), uint32(s >> 32)}); err != nil {
			t.Fatal(err)
		}
		if err := c.DropoutForward(y1, x, 0.3, 9, s, 4); err != nil {
			t.Fatal(err)
		}
		if err := c.DropoutForwardAt(y2, x, 0.3, 9, step, 4); err != nil {
			t.Fatal(err)
		}
		a, b := down(t, c, y1), down(t, c, y2)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("step %d: dropout element %d = %v from the device counter, %v from the argument", s, i, b[i], a[i])
			}
		}
		if err := c.DropoutBackwardAt(y2, x, 0.3, 9, step, 4); err != nil {
			t.Fatal(err)
		}
		if got := down(t, c, y2); math.Float32bits(got[7]) != math.Float32bits(a[7]) {
			t.Fatalf("step %d: dropout backward reads another mask", s)
		}
	}

	cfg := AdamConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	w0 := randSlice(r, n, -1, 1)
	wa, wb := up(t, c, w0), up(t, c, w0)
	ma, va := up(t, c, make([]float32, n)), up(t, c, make([]float32, n))
	mb, vb := up(t, c, make([]float32, n)), up(t, c, make([]float32, n))
	bc := up(t, c, []float32{0, 0})
	norm := up(t, c, []float32{1})
	for st := 1; st <= 3; st++ {
		g := up(t, c, randSlice(r, n, -1, 1))
		if err := c.AdamStep(wa, g, ma, va, cfg, st); err != nil {
			t.Fatal(err)
		}
		if err := c.CopyHtoD(bc, []float32{AdamBiasCorrection(cfg.Beta1, st), AdamBiasCorrection(cfg.Beta2, st)}); err != nil {
			t.Fatal(err)
		}
		if err := c.AdamStepAt(wb, g, mb, vb, cfg, bc, norm); err != nil {
			t.Fatal(err)
		}
	}
	for _, pair := range [][2]Buffer{{wa, wb}, {ma, mb}, {va, vb}} {
		a, b := down(t, c, pair[0]), down(t, c, pair[1])
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("adam element %d: %v with device bias corrections, %v with host ones", i, b[i], a[i])
			}
		}
	}
	// A non-finite norm skips the update entirely.
	before := down(t, c, wb)
	g := up(t, c, randSlice(r, n, -1, 1))
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		if err := c.CopyHtoD(norm, []float32{bad}); err != nil {
			t.Fatal(err)
		}
		if err := c.AdamStepAt(wb, g, mb, vb, cfg, bc, norm); err != nil {
			t.Fatal(err)
		}
		after := down(t, c, wb)
		for i := range before {
			if math.Float32bits(before[i]) != math.Float32bits(after[i]) {
				t.Fatalf("norm %v: adam changed w[%d] from %v to %v", bad, i, before[i], after[i])
			}
		}
	}
}

// A captured graph replays kernels, memsets and device copies with the
// arguments they had when captured, while values read from device memory
// (a dropout counter) change from replay to replay.
func TestCaptureAndReplay(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(33, 34))
	const n = 4099
	xh := randSlice(r, n, -1, 1)
	x, y, z := up(t, c, xh), up(t, c, make([]float32, n)), up(t, c, make([]float32, n))
	sum := up(t, c, []float32{0})
	step := up(t, c, []uint32{0, 0})
	work := func() error {
		if err := c.Zero(y); err != nil {
			return err
		}
		if err := c.Axpy(y, 2, x); err != nil { // y = 2x
			return err
		}
		if err := c.DropoutForwardAt(z, y, 0.5, 3, step, 0); err != nil {
			return err
		}
		if err := c.CopyDtoD(y, z); err != nil {
			return err
		}
		return c.Sum(sum, y)
	}
	// Run once directly: the reduction's scratch must exist before capture.
	if err := c.Do(work); err != nil {
		t.Fatal(err)
	}
	g, err := c.Capture(work)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Nodes() < 5 {
		t.Errorf("graph has %d nodes, want at least 5", g.Nodes())
	}
	for s := uint64(1); s <= 3; s++ {
		if err := Upload(c, step, []uint32{uint32(s), 0}); err != nil {
			t.Fatal(err)
		}
		if err := c.Zero(sum); err != nil {
			t.Fatal(err)
		}
		if err := g.Launch(); err != nil {
			t.Fatal(err)
		}
		if err := c.Sync(); err != nil {
			t.Fatal(err)
		}
		got := down(t, c, y)
		want := 0.0
		for i := range xh {
			w := float32(0)
			if DropoutKeep(3, s, uint64(i), 0.5) {
				w = 2 * xh[i] * DropoutScale(0.5)
			}
			if math.Float32bits(got[i]) != math.Float32bits(w) {
				t.Fatalf("replay %d: y[%d] = %v, want %v", s, i, got[i], w)
			}
			want += float64(w)
		}
		if s := down(t, c, sum)[0]; math.Abs(float64(s)-want) > 1e-3*math.Max(1, math.Abs(want)) {
			t.Fatalf("replay: sum %v, want %v", s, want)
		}
	}
}

func TestCaptureRefusesHostWork(t *testing.T) {
	c := deviceContext(t)
	b := up(t, c, make([]float32, 16))
	host := make([]float32, 16)
	for name, fn := range map[string]func() error{
		"sync":     c.Sync,
		"upload":   func() error { return UploadAsync(c, b, host) },
		"download": func() error { return Download(c, host, b) },
		"alloc":    func() error { _, err := c.Alloc(64); return err },
		"free":     func() error { return c.Free(b) },
		"nested":   func() error { _, err := c.Capture(func() error { return nil }); return err },
	} {
		_, err := c.Capture(func() error {
			if err := c.Zero(b); err != nil {
				return err
			}
			return fn()
		})
		if err == nil {
			t.Errorf("%s during capture: no error", name)
			continue
		}
		if name != "nested" && !errors.Is(err, ResultStreamCaptureUnsupported) {
			t.Errorf("%s during capture: %v, want it to match ResultStreamCaptureUnsupported", name, err)
		}
	}
	// The stream works normally afterwards.
	if err := c.Fill(b, 2); err != nil {
		t.Fatal(err)
	}
	if got := down(t, c, b); got[15] != 2 {
		t.Fatalf("after failed captures: %v", got[15])
	}
	// fn's own error comes back, and no graph.
	boom := errors.New("boom")
	if g, err := c.Capture(func() error { return boom }); !errors.Is(err, boom) || g != nil {
		t.Fatalf("Capture = %v, %v; want nil, boom", g, err)
	}
}

func TestHostBufferAndEventTimer(t *testing.T) {
	c := deviceContext(t)
	h, err := c.AllocHost(64 * 4)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Free()
	f := h.Float32()
	if len(f) != 64 || f[63] != 0 {
		t.Fatalf("host buffer: len %d, last %v", len(f), f[63])
	}
	for i := range f {
		f[i] = float32(i)
	}
	b := up(t, c, make([]float32, 64))
	tm, err := c.NewEventTimer(3)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if err := tm.Mark(0); err != nil {
		t.Fatal(err)
	}
	if err := UploadAsync(c, b, f); err != nil {
		t.Fatal(err)
	}
	if err := c.Scale(b, b, 3); err != nil {
		t.Fatal(err)
	}
	if err := tm.Mark(1); err != nil {
		t.Fatal(err)
	}
	if err := DownloadAsync(c, f, b); err != nil {
		t.Fatal(err)
	}
	if err := tm.Mark(2); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	if f[5] != 15 || f[63] != 189 {
		t.Fatalf("round trip through pinned memory: %v %v", f[5], f[63])
	}
	d01, err := tm.Elapsed(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	d02, err := tm.Elapsed(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if d01 < 0 || d02 < d01 {
		t.Fatalf("elapsed 0-1 %v, 0-2 %v", d01, d02)
	}
	if err := h.Free(); err != nil || h.Float32() != nil {
		t.Fatalf("Free: %v", err)
	}
}

// Kernel launches and copies made on the Context's thread allocate nothing
// on the Go heap: a training step of hundreds of launches must not churn
// the garbage collector.
func TestLaunchesDoNotAllocate(t *testing.T) {
	c := deviceContext(t)
	const n = 1000
	a, b := up(t, c, make([]float32, n)), up(t, c, make([]float32, n))
	out := up(t, c, []float32{0})
	host := make([]float32, n)
	bufs := []Buffer{a, b}
	var allocs float64
	err := c.Do(func() error {
		allocs = testing.AllocsPerRun(5, func() {
			c.Add(a, a, b)
			c.Sgemm(false, true, 10, 10, 10, 1, a, 10, b, 10, 0, a, 10)
			c.ClipGradNorm(out, 1, bufs...)
			c.BCELoss(out, a, b)
			c.AdamStep(a, b, a, b, AdamConfig{LR: 1, Beta1: 0.9, Beta2: 0.9}, 1)
			UploadAsync(c, a, host)
			DownloadAsync(c, host, b)
			c.CopyDtoD(a, b)
			c.Zero(a)
		})
		return c.Sync()
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per round of launches and copies, want 0", allocs)
	}
}
