//go:build embercuda || cudaemu

package cuda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Device tests: every kernel against a pure-Go (float64) reference on random
// inputs, memory, copies and the Context machinery. They need a device (cuda
// build) and skip with "no CUDA device: ..." when there is none; with
// -tags cudaemu they run the kernels' source on the CPU emulator.

var shared struct {
	once sync.Once
	c    *Context
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.c != nil {
		if err := shared.c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the test context:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// deviceContext is the package's test Context (one per device), or a skip.
func deviceContext(tb testing.TB) *Context {
	tb.Helper()
	shared.once.Do(func() {
		if _, err := Devices(); err != nil {
			shared.err = err
			return
		}
		shared.c, shared.err = NewContext(0)
	})
	if shared.err != nil {
		if errors.Is(shared.err, ErrNoDevice) {
			tb.Skip(shared.err.Error()) // "no CUDA device: ..."
		}
		tb.Fatal(shared.err)
	}
	return shared.c
}

func emulated() bool { return Backend() == "emulator" }

func randSlice(r *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return s
}

// up copies host data to a new device buffer freed at the end of the test.
func up[T HostElem](t testing.TB, c *Context, host []T) Buffer {
	t.Helper()
	var z T
	size := int64(len(host)) * int64(sizeOf(z))
	b, err := c.Alloc(max(size, 4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Free(b) })
	if err := Upload(c, b, host); err != nil {
		t.Fatal(err)
	}
	return b.ByteSlice(0, size)
}

func sizeOf[T HostElem](T) int {
	var z T
	switch any(z).(type) {
	case byte:
		return 1
	}
	return 4
}

func down(t testing.TB, c *Context, b Buffer) []float32 {
	t.Helper()
	h := make([]float32, b.Len())
	if err := c.CopyDtoH(h, b); err != nil {
		t.Fatal(err)
	}
	return h
}

func f64s(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// checkClose fails when max_i |got-want| / max(|want_i|, floor) >= tol, with
// floor = floorFrac * max|want| (floorFrac 1: a norm-wise error, as for GEMM;
// small: per element, measuring near-zero elements against the data's scale).
func checkClose(t testing.TB, name string, got []float32, want []float64, floorFrac, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	floor := math.Max(floorFrac*scale, 1e-30)
	worst, at := 0.0, -1
	for i := range got {
		g, w := float64(got[i]), want[i]
		if math.IsNaN(g) != math.IsNaN(w) || (math.IsInf(g, 0) || math.IsInf(w, 0)) && g != w {
			t.Errorf("%s[%d] = %v, want %v", name, i, g, w)
			return
		}
		if math.IsNaN(w) || math.IsInf(w, 0) {
			continue
		}
		if e := math.Abs(g-w) / math.Max(math.Abs(w), floor); e > worst {
			worst, at = e, i
		}
	}
	if worst >= tol {
		t.Errorf("%s: relative error %.3g at %d (got %v, want %v), tolerance %g", name, worst, at, got[at],
			want[at], tol)
	}
}

const tol = 1e-4

// ---- device, context ----

func TestDeviceInfoAndContext(t *testing.T) {
	c := deviceContext(t)
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	d := c.Device()
	t.Logf("%v", d)
	if d != devs[0] || d.Name == "" || d.SMs <= 0 || d.TotalMemory <= 0 || d.Major < 1 {
		t.Errorf("device info %+v (Devices: %+v)", d, devs[0])
	}
	if !emulated() && d.DriverVersion < 11000 {
		t.Errorf("driver version %d", d.DriverVersion)
	}
	free, total, err := c.MemInfo()
	if err != nil || free <= 0 || total < free {
		t.Errorf("MemInfo: %d free of %d, %v", free, total, err)
	}
	if _, err := NewContext(0); err == nil || !strings.Contains(err.Error(), "already has an open Context") {
		t.Errorf("second NewContext(0): %v", err)
	}
}

func TestDoNestsAndSerialises(t *testing.T) {
	c := deviceContext(t)
	b, err := c.AllocFloat32(1024)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free(b)
	// Methods called inside Do run directly on the context thread.
	err = c.Do(func() error {
		if !c.onThread() {
			return errors.New("Do body is not on the context thread")
		}
		if err := c.Fill(b, 3); err != nil {
			return err
		}
		return c.Do(func() error { return c.Scale(b, b, 2) })
	})
	if err != nil {
		t.Fatal(err)
	}
	// Many goroutines at once.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			h := make([]float32, 1024)
			for i := 0; i < 20; i++ {
				if err := c.CopyDtoH(h, b); err != nil {
					errs <- err
					return
				}
				if h[g] != 6 {
					errs <- fmt.Errorf("goroutine %d read %v", g, h[g])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A panic inside Do comes back to the caller.
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want boom", p)
			}
		}()
		c.Do(func() error { panic("boom") })
	}()
}

// A driver error names the call and the op.
func TestDriverErrorNamesCallAndOp(t *testing.T) {
	c := deviceContext(t)
	b, err := c.AllocFloat32(16)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free(b)
	err = c.DoOp("LSTM", func() error {
		// 2048 threads per block is over every device's limit.
		return c.Kernels().EWFill(dim3{1, 1, 1}, dim3{2048, 1, 1}, b, 0, 16)
	})
	want := "cuda: launch ew_fill (op LSTM): CUDA_ERROR_INVALID_VALUE"
	if err == nil || err.Error() != want || !errors.Is(err, ResultInvalidValue) {
		t.Errorf("got %v, want %q", err, want)
	}
	if err := c.Sync(); err != nil {
		t.Errorf("context unusable after a rejected launch: %v", err)
	}
}

func TestAllocOutOfMemory(t *testing.T) {
	c := deviceContext(t)
	_, total, err := c.MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Alloc(4 * total)
	if !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("allocating 4x the device memory: %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, fmt.Sprintf("cuMemAlloc %d bytes", 4*total)) || !strings.Contains(msg, "free of") ||
		!strings.Contains(msg, "CUDA_ERROR_OUT_OF_MEMORY") {
		t.Errorf("out-of-memory message %q", msg)
	}
	t.Log(msg)
	if err := c.Sync(); err != nil {
		t.Errorf("context unusable after out of memory: %v", err)
	}
}

// Allocating and freeing in a loop must leave cuMemGetInfo flat.
func TestMemoryFlat(t *testing.T) {
	c := deviceContext(t)
	c.Sync()
	// Warm up (first allocations may set up driver pools), then measure.
	cycle := func(i int) {
		sizes := []int64{256, 4096, 1 << 20, 3<<20 + 17, 64 << 20}
		var bufs []Buffer
		for _, s := range sizes {
			b, err := c.Alloc(s + int64(i%7))
			if err != nil {
				t.Fatal(err)
			}
			bufs = append(bufs, b)
		}
		a, err := c.NewArena(32 << 20)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 100; j++ {
			if _, err := a.Alloc(int64(1000 + j)); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Fill(bufs[2], float32(i)); err != nil {
			t.Fatal(err)
		}
		for _, b := range bufs {
			if err := c.Free(b); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Free(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		cycle(i)
	}
	free0, _, _ := c.MemInfo()
	n := 200
	if emulated() {
		n = 20
	}
	for i := 0; i < n; i++ {
		cycle(i)
	}
	free1, total, _ := c.MemInfo()
	// The driver may keep or return a pool page (2 MiB) on its own; a leak
	// shows as the cycles' memory (at least 64 MiB each) times n.
	const slack = 2 << 20
	if d := free1 - free0; d < -slack || d > slack {
		t.Errorf("free memory went from %d to %d bytes (%+d) over %d alloc/free cycles (total %d)",
			free0, free1, free1-free0, n, total)
	}
}

func TestArenaOnDevice(t *testing.T) {
	c := deviceContext(t)
	var plan ArenaPlan
	offA := plan.AddFloat32(1000)
	offB := plan.AddFloat32(3)
	a, err := c.NewArena(plan.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Free()
	for batch := 0; batch < 3; batch++ { // the same buffers, reused
		a.Reset()
		x, _ := a.AllocFloat32(1000)
		y, _ := a.AllocFloat32(3)
		if x != a.At(offA, 4000) || y != a.At(offB, 12) || x.Ptr()%Alignment != 0 || y.Ptr()%Alignment != 0 {
			t.Fatalf("arena buffers %v %v, planned offsets %d %d", x, y, offA, offB)
		}
		if err := c.Fill(x, float32(batch)); err != nil {
			t.Fatal(err)
		}
		if err := c.Sum(y.Slice(0, 1), x); err != nil {
			t.Fatal(err)
		}
		if got := down(t, c, y.Slice(0, 1)); got[0] != float32(1000*batch) {
			t.Errorf("batch %d: sum %v", batch, got[0])
		}
	}
	if _, err := a.Alloc(1 << 20); !errors.Is(err, ErrArenaFull) {
		t.Errorf("over-allocating the arena: %v", err)
	}
}

func TestCopies(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(1, 2))
	x := randSlice(r, 1000, -1, 1)
	b := up(t, c, x)
	// Sub-buffer round trip, async variants, device to device.
	got := make([]float32, 10)
	if err := c.CopyDtoH(got, b.Slice(500, 510)); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != x[500+i] {
			t.Fatalf("slice copy: %v vs %v", got, x[500:510])
		}
	}
	d, err := c.AllocFloat32(1000)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free(d)
	if err := c.CopyDtoD(d, b); err != nil {
		t.Fatal(err)
	}
	if err := c.CopyHtoDAsync(d.Slice(0, 3), []float32{7, 8, 9}); err != nil {
		t.Fatal(err)
	}
	all := make([]float32, 1000)
	if err := c.CopyDtoHAsync(all, d); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	if all[0] != 7 || all[2] != 9 || all[3] != x[3] || all[999] != x[999] {
		t.Errorf("async/DtoD copies: %v ... %v", all[:4], all[999])
	}
	// int32 ids and bytes.
	ids := []int32{-5, 0, 1 << 30, 42}
	ib := up(t, c, ids)
	gotIDs := make([]int32, 4)
	if err := Download(c, gotIDs, ib); err != nil || gotIDs[0] != -5 || gotIDs[2] != 1<<30 {
		t.Errorf("int32 round trip %v %v", gotIDs, err)
	}
	raw := []byte("hello, device")
	bb := up(t, c, raw)
	gotRaw := make([]byte, len(raw))
	if err := Download(c, gotRaw, bb); err != nil || string(gotRaw) != string(raw) {
		t.Errorf("byte round trip %q %v", gotRaw, err)
	}
	// Memset / Zero.
	if err := c.Memset32(d, math.Float32bits(-1.5)); err != nil {
		t.Fatal(err)
	}
	if err := c.Zero(d.Slice(0, 10)); err != nil {
		t.Fatal(err)
	}
	h := down(t, c, d)
	if h[9] != 0 || h[10] != -1.5 || h[999] != -1.5 {
		t.Errorf("memset: %v %v %v", h[9], h[10], h[999])
	}
	// Too-large copies are caught on the host.
	if err := c.CopyHtoD(b.Slice(0, 2), []float32{1, 2, 3}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("oversized upload: %v", err)
	}
}

// ---- sgemm ----

func refGemm(tA, tB bool, m, n, k int, alpha float64, a []float32, lda int, b []float32, ldb int, beta float64,
	c []float32, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				var av, bv float32
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			v := alpha * s
			if beta != 0 {
				v += beta * float64(c[i*ldc+j])
			}
			out[i*n+j] = v
		}
	}
	return out
}

// runGemm runs one Sgemm on random data with the given padding of the
// leading dimensions and checks C (all of it: the padding must be untouched).
func runGemm(t *testing.T, c *Context, r *rand.Rand, tA, tB bool, m, n, k, pad int, alpha, beta float32) {
	t.Helper()
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+pad, bc+pad, n+pad
	a := randSlice(r, max(ar*lda, 1), -1, 1)
	b := randSlice(r, max(br*ldb, 1), -1, 1)
	cm := randSlice(r, m*ldc, -1, 1)
	if beta == 0 {
		for i := range cm {
			cm[i] = float32(math.NaN()) // must not be read
		}
	}
	da, db, dc := up(t, c, a), up(t, c, b), up(t, c, cm)
	if err := c.Sgemm(tA, tB, m, n, k, alpha, da, lda, db, ldb, beta, dc, ldc); err != nil {
		t.Fatal(err)
	}
	got := down(t, c, dc)
	want := refGemm(tA, tB, m, n, k, float64(alpha), a, lda, b, ldb, float64(beta), cm, ldc)
	gotC := make([]float32, 0, m*n)
	for i := 0; i < m; i++ {
		gotC = append(gotC, got[i*ldc:i*ldc+n]...)
		for j := n; j < ldc; j++ {
			if math.Float32bits(got[i*ldc+j]) != math.Float32bits(cm[i*ldc+j]) {
				t.Fatalf("C padding [%d][%d] overwritten", i, j)
			}
		}
	}
	checkClose(t, fmt.Sprintf("sgemm tA=%v tB=%v %dx%dx%d", tA, tB, m, n, k), gotC, want, 1, tol)
}

func TestSgemmParity(t *testing.T) {
	c := deviceContext(t)
	defer func() { c.sgemmTile = 0 }()
	r := rand.New(rand.NewPCG(3, 4))
	shapes := []struct{ m, n, k, pad int }{
		{1, 1, 1, 0}, {7, 13, 5, 3}, {64, 64, 8, 0}, {65, 63, 17, 1}, {130, 129, 33, 2}, {128, 256, 64, 0},
		{33, 200, 300, 5}, {3, 4, 0, 0},
	}
	for _, tile := range []int{64, 128} {
		c.sgemmTile = tile
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for i, s := range shapes {
					alpha, beta := float32(1), float32(0)
					if i%2 == 1 {
						alpha, beta = -0.75, 0.5
					}
					runGemm(t, c, r, tA, tB, s.m, s.n, s.k, s.pad, alpha, beta)
				}
			}
		}
	}
}

func TestSgemmShapes(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(5, 6))
	sizes := []int{256, 1024}
	if emulated() && testing.Short() {
		sizes = []int{256}
	}
	for _, s := range sizes {
		for _, tt := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			runGemm(t, c, r, tt[0], tt[1], s, s, s, 0, 1, 0)
		}
		// The LSTM's shapes: batch x 4H from batch x H times (4H x H)^T, and the weight gradient.
		runGemm(t, c, r, false, true, 64, 4*s/4, s/4, 0, 1, 1)
		runGemm(t, c, r, true, false, s/4, s, 64, 0, 1, 1)
	}
}

// TestSgemmSplitKAndBias checks the K slices summed by a tile's last block
// (forced to 2, 3 and 8 slices, over K that does not divide evenly, so
// the last slice is short or empty) and the bias epilogue against the
// float64 reference, and that a second run gives the same bits (the
// counters were reset and the order is fixed).
func TestSgemmSplitKAndBias(t *testing.T) {
	c := deviceContext(t)
	defer func() { c.gemmSplit, c.sgemmTile = 0, 0 }()
	r := rand.New(rand.NewPCG(13, 14))
	for _, tile := range []int{64, 128} {
		c.sgemmTile = tile
		for _, z := range []int{2, 3, 8} {
			c.gemmSplit = z
			for _, sh := range []struct {
				tA, tB  bool
				m, n, k int
			}{{true, false, 70, 33, 203}, {false, true, 65, 130, 100}, {true, true, 9, 7, 17}, {false, false, 3, 5, 4}} {
				m, n, k := sh.m, sh.n, sh.k
				ar, ac, br, bc := m, k, k, n
				if sh.tA {
					ar, ac = k, m
				}
				if sh.tB {
					br, bc = n, k
				}
				a, b := randSlice(r, ar*ac, -1, 1), randSlice(r, br*bc, -1, 1)
				cm := randSlice(r, m*n, -1, 1)
				bias, bias2 := randSlice(r, n, -1, 1), randSlice(r, n/2, -1, 1)
				da, db := up(t, c, a), up(t, c, b)
				dbias, dbias2 := up(t, c, bias), up(t, c, bias2)
				want := refGemm(sh.tA, sh.tB, m, n, k, 0.5, a, ac, b, bc, -1, cm, n)
				for i := range want {
					j := i % n
					want[i] += float64(bias[j])
					if j < len(bias2) {
						want[i] += float64(bias2[j])
					}
				}
				name := fmt.Sprintf("sgemm tile %d, %d slices, tA=%v tB=%v %dx%dx%d", tile, z, sh.tA, sh.tB, m, n, k)
				var first []float32
				for run := range 2 {
					dc := up(t, c, cm)
					if err := c.SgemmBias(sh.tA, sh.tB, m, n, k, 0.5, da, ac, db, bc, -1, dc, n, dbias, dbias2); err != nil {
						t.Fatal(err)
					}
					got := down(t, c, dc)
					checkClose(t, name, got, want, 1, tol)
					if run == 0 {
						first = got
					} else if !slices.Equal(first, got) {
						t.Errorf("%s: a second run differs", name)
					}
				}
			}
		}
	}
}

// ---- elementwise ----

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func TestElementwiseParity(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(7, 8))
	// More elements than one grid covers, so the grid-stride loops loop.
	n := 2*8*c.Device().SMs*256 + 37
	x := randSlice(r, n, -4, 4)
	y := randSlice(r, n, -4, 4)
	dx, dy := up(t, c, x), up(t, c, y)
	out, err := c.AllocFloat32(n)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free(out)
	apply := func(f func(a, b float64) float64) []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = f(float64(x[i]), float64(y[i]))
		}
		return w
	}
	cases := []struct {
		name string
		run  func() error
		want []float64
	}{
		{"fill", func() error { return c.Fill(out, 0.375) }, apply(func(a, b float64) float64 { return 0.375 })},
		{"scale", func() error { return c.Scale(out, dx, -1.25) }, apply(func(a, b float64) float64 { return -1.25 * a })},
		{"add", func() error { return c.Add(out, dx, dy) }, apply(func(a, b float64) float64 { return a + b })},
		{"mul", func() error { return c.Mul(out, dx, dy) }, apply(func(a, b float64) float64 { return a * b })},
		{"sigmoid", func() error { return c.SigmoidForward(out, dx) }, apply(func(a, b float64) float64 { return sigmoid64(a) })},
		{"sigmoid backward", func() error { return c.SigmoidBackward(out, dx, dy) },
			apply(func(a, b float64) float64 { return a * b * (1 - b) })},
		{"tanh", func() error { return c.TanhForward(out, dx) }, apply(func(a, b float64) float64 { return math.Tanh(a) })},
		{"tanh backward", func() error { return c.TanhBackward(out, dx, dy) },
			apply(func(a, b float64) float64 { return a * (1 - b*b) })},
		{"axpy", func() error {
			if err := c.CopyDtoD(out, dy); err != nil {
				return err
			}
			return c.Axpy(out, 0.5, dx)
		}, apply(func(a, b float64) float64 { return b + 0.5*a })},
	}
	for _, tc := range cases {
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkClose(t, tc.name, down(t, c, out), tc.want, 1e-3, tol)
	}
	// In place: y = sigmoid(y).
	if err := c.SigmoidForward(dy, dy); err != nil {
		t.Fatal(err)
	}
	checkClose(t, "sigmoid in place", down(t, c, dy), apply(func(a, b float64) float64 { return sigmoid64(b) }), 1e-3, tol)
	// Extreme inputs stay finite and saturate.
	ext := up(t, c, []float32{-200, -90, 0, 90, 200})
	if err := c.SigmoidForward(ext, ext); err != nil {
		t.Fatal(err)
	}
	checkClose(t, "sigmoid extremes", down(t, c, ext), []float64{0, sigmoid64(-90), 0.5, 1, 1}, 1e-3, tol)
}

func TestBiasAndColumnSums(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(9, 10))
	// {1000, 33}, {440, 1024}, {5000, 3}: the rows split over blocks.
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {64, 1024}, {1000, 33}, {17, 100}, {440, 1024}, {5000, 3}} {
		rows, cols := sh[0], sh[1]
		x := randSlice(r, rows*cols, -1, 1)
		bias := randSlice(r, cols, -1, 1)
		dx, db := up(t, c, x), up(t, c, bias)
		y, err := c.AllocFloat32(rows * cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddBiasRows(y, dx, db, rows, cols); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, rows*cols)
		for i := range want {
			want[i] = float64(x[i]) + float64(bias[i%cols])
		}
		checkClose(t, fmt.Sprintf("add bias %dx%d", rows, cols), down(t, c, y), want, 1e-3, tol)

		prev := randSlice(r, cols, -1, 1)
		out := up(t, c, prev)
		sums := make([]float64, cols)
		for i, v := range x {
			sums[i%cols] += float64(v)
		}
		if err := c.ColumnSums(out, dx, rows, cols, 1); err != nil { // accumulate
			t.Fatal(err)
		}
		acc := make([]float64, cols)
		for j := range acc {
			acc[j] = sums[j] + float64(prev[j])
		}
		checkClose(t, fmt.Sprintf("column sums (beta 1) %dx%d", rows, cols), down(t, c, out), acc, 1e-2, tol)
		if err := c.Memset32(out, math.Float32bits(float32(math.NaN()))); err != nil {
			t.Fatal(err)
		}
		if err := c.ColumnSums(out, dx, rows, cols, 0); err != nil { // overwrite, NaN not read
			t.Fatal(err)
		}
		checkClose(t, fmt.Sprintf("column sums (beta 0) %dx%d", rows, cols), down(t, c, out), sums, 1e-2, tol)
		c.Free(y)
	}
}

// TestScatterWindow: a window's values inside it, zeros around it, over
// the range asked for only (the rest keeps what it held).
func TestScatterWindow(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []struct{ n, off, size, lo, hi int }{
		{100, 30, 10, 0, 100}, {100, 30, 10, 20, 45}, {100, 0, 100, 0, 100}, {5000, 4000, 1000, 0, 5000},
		{100, 90, 10, 0, 50}, {100, 30, 10, 30, 30},
	} {
		dv := randSlice(r, tc.size, -1, 1)
		old := randSlice(r, tc.n, 5, 6)
		dx := up(t, c, old)
		if err := c.ScatterWindow(dx, up(t, c, dv), tc.off, tc.lo, tc.hi); err != nil {
			t.Fatal(err)
		}
		got := down(t, c, dx)
		for i, g := range got {
			want := old[i]
			switch {
			case i >= tc.lo && i < tc.hi && i >= tc.off && i < tc.off+tc.size:
				want = dv[i-tc.off]
			case i >= tc.lo && i < tc.hi:
				want = 0
			}
			if g != want {
				t.Fatalf("%+v: dx[%d] = %v, want %v", tc, i, g, want)
			}
		}
	}
}

// ---- reductions, clipping ----

func TestReductions(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(11, 12))
	sizes := []int{1, 1000, 300000, 0, 4097}
	var host [][]float32
	var bufs []Buffer
	for _, n := range sizes {
		h := randSlice(r, n, 0, 1)
		host = append(host, h)
		if n == 0 {
			bufs = append(bufs, Buffer{})
			continue
		}
		bufs = append(bufs, up(t, c, h))
	}
	var sum, sq float64
	for _, h := range host {
		for _, v := range h {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
	}
	out := up(t, c, []float32{0, 0, 0})
	if err := c.Sum(out.Slice(0, 1), bufs...); err != nil {
		t.Fatal(err)
	}
	if err := c.SumSquares(out.Slice(1, 2), bufs...); err != nil {
		t.Fatal(err)
	}
	if err := c.GlobalNorm(out.Slice(2, 3), bufs...); err != nil {
		t.Fatal(err)
	}
	checkClose(t, "sum, sum of squares, norm", down(t, c, out), []float64{sum, sq, math.Sqrt(sq)}, 0, tol)
	// Deterministic: the same inputs give the same bits.
	again := up(t, c, []float32{0})
	if err := c.SumSquares(again, bufs...); err != nil {
		t.Fatal(err)
	}
	if a, b := down(t, c, again)[0], down(t, c, out.Slice(1, 2))[0]; a != b {
		t.Errorf("sum of squares not reproducible: %v vs %v", a, b)
	}
	// No buffers: 0.
	if err := c.Sum(again); err != nil {
		t.Fatal(err)
	}
	if v := down(t, c, again)[0]; v != 0 {
		t.Errorf("empty sum %v", v)
	}
}

func TestClipGradNorm(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(13, 14))
	g1, g2 := randSlice(r, 5000, -1, 1), randSlice(r, 77, -1, 1)
	var sq float64
	for _, v := range append(append([]float32{}, g1...), g2...) {
		sq += float64(v) * float64(v)
	}
	norm := math.Sqrt(sq)
	for _, maxNorm := range []float64{norm / 3, norm * 2} {
		d1, d2 := up(t, c, g1), up(t, c, g2)
		dn := up(t, c, []float32{0})
		if err := c.ClipGradNorm(dn, float32(maxNorm), d1, d2); err != nil {
			t.Fatal(err)
		}
		coef := math.Min(1, float64(float32(maxNorm))/(norm+1e-6))
		want := func(g []float32) []float64 {
			w := make([]float64, len(g))
			for i, v := range g {
				w[i] = float64(v) * coef
			}
			return w
		}
		checkClose(t, "clip norm", down(t, c, dn), []float64{norm}, 0, tol)
		checkClose(t, fmt.Sprintf("clip (max %.3g, norm %.3g) g1", maxNorm, norm), down(t, c, d1), want(g1), 1e-3, tol)
		checkClose(t, "clip g2", down(t, c, d2), want(g2), 1e-3, tol)
	}
}

// ---- BCE ----

func TestBCE(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 64, 5000} {
		p := randSlice(r, n, 0.001, 0.999)
		y := make([]float32, n)
		for i := range y {
			y[i] = float32(r.IntN(2))
			if i%7 == 3 {
				y[i] = 0.3 // soft target
			}
		}
		if n > 4 { // PyTorch's clamp: log 0 -> -100
			p[0], y[0] = 0, 1
			p[1], y[1] = 1, 0
			p[2], y[2] = 0, 0
			p[3], y[3] = 1, 1
		}
		dp, dy := up(t, c, p), up(t, c, y)
		loss := up(t, c, []float32{0})
		if err := c.BCELoss(loss, dp, dy); err != nil {
			t.Fatal(err)
		}
		var s float64
		for i := range p {
			lp := math.Max(math.Log(float64(p[i])), -100)
			l1p := math.Max(math.Log(float64(1-p[i])), -100)
			s -= float64(y[i])*lp + float64(1-y[i])*l1p
		}
		checkClose(t, fmt.Sprintf("bce loss n=%d", n), down(t, c, loss), []float64{s / float64(n)}, 0, tol)

		grad, err := c.AllocFloat32(n)
		if err != nil {
			t.Fatal(err)
		}
		want := func(dl float64) []float64 {
			w := make([]float64, n)
			for i := range w {
				den := math.Max(float64(p[i])*float64(1-p[i]), 1e-12)
				w[i] = dl / float64(n) * (float64(p[i]) - float64(y[i])) / den
			}
			return w
		}
		if err := c.BCEBackward(grad, dp, dy, 1); err != nil {
			t.Fatal(err)
		}
		checkClose(t, fmt.Sprintf("bce grad n=%d", n), down(t, c, grad), want(1), 1e-9, tol)
		dl := up(t, c, []float32{-2.5})
		if err := c.BCEBackwardDev(grad, dp, dy, dl); err != nil {
			t.Fatal(err)
		}
		checkClose(t, fmt.Sprintf("bce grad (device dl) n=%d", n), down(t, c, grad), want(-2.5), 1e-9, tol)
		c.Free(grad)
	}
}

// ---- embedding ----

func TestEmbedding(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(17, 18))
	const B, T, D, V = 5, 7, 33, 20
	table := randSlice(r, V*D, -1, 1)
	ids := make([]int32, B*T)
	for i := range ids {
		ids[i] = int32(r.IntN(V)) // repeats: atomics accumulate
	}
	ids[0], ids[1], ids[2], ids[3] = 0, -1, V, 0 // padding, out of range
	dt, di := up(t, c, table), up(t, c, ids)
	out, err := c.AllocFloat32(T * B * D)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free(out)
	if err := c.EmbeddingForward(out, dt, di, B, T, D); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, T*B*D)
	for tt := 0; tt < T; tt++ {
		for b := 0; b < B; b++ {
			id := int(ids[b*T+tt])
			if id < 0 || id >= V {
				continue
			}
			for d := 0; d < D; d++ {
				want[(tt*B+b)*D+d] = float64(table[id*D+d])
			}
		}
	}
	checkClose(t, "embedding gather", down(t, c, out), want, 1e-3, tol)

	dOut := randSlice(r, T*B*D, -1, 1)
	dd := up(t, c, dOut)
	prev := randSlice(r, V*D, -1, 1)
	for _, pad := range []int{0, -1} {
		dE := up(t, c, prev) // accumulates into existing values
		if err := c.EmbeddingBackward(dE, dd, di, B, T, D, pad); err != nil {
			t.Fatal(err)
		}
		wantE := f64s(prev)
		for tt := 0; tt < T; tt++ {
			for b := 0; b < B; b++ {
				id := int(ids[b*T+tt])
				if id < 0 || id >= V || id == pad {
					continue
				}
				for d := 0; d < D; d++ {
					wantE[id*D+d] += float64(dOut[(tt*B+b)*D+d])
				}
			}
		}
		got := down(t, c, dE)
		checkClose(t, fmt.Sprintf("embedding scatter-add (pad %d)", pad), got, wantE, 1e-3, tol)
		if pad == 0 {
			for d := 0; d < D; d++ {
				if got[d] != prev[d] {
					t.Fatalf("padding row 0 got a gradient: %v vs %v", got[d], prev[d])
				}
			}
		}
	}

	// The grouped gradient writes each occurring id's row as the sum of
	// its positions' gradients in position order, and leaves the others.
	order := make([]uint32, EmbeddingOrderLen(B, T))
	EmbeddingOrder(order, ids, B, T, V, make([]int32, V+2))
	do := up(t, c, order)
	for _, pad := range []int{0, -1} {
		dE := up(t, c, prev)
		if err := c.EmbeddingBackwardGrouped(dE, dd, di, do, B, T, D, pad); err != nil {
			t.Fatal(err)
		}
		want := f64s(prev)
		var sums [V][D]float32
		seen := [V]bool{}
		for tt := 0; tt < T; tt++ {
			for b := 0; b < B; b++ {
				id := int(ids[b*T+tt])
				if id < 0 || id >= V || id == pad {
					continue
				}
				seen[id] = true
				for d := 0; d < D; d++ {
					sums[id][d] += dOut[(tt*B+b)*D+d] // position order: t*B + b
				}
			}
		}
		for id := range V {
			if seen[id] {
				for d := 0; d < D; d++ {
					want[id*D+d] = float64(sums[id][d])
				}
			}
		}
		got := down(t, c, dE)
		for i := range got {
			if float64(got[i]) != want[i] {
				t.Fatalf("grouped embedding gradient (pad %d) [%d] = %v, want %v (the float32 sum in position order)", pad, i, got[i], want[i])
			}
		}
	}
	if err := c.EmbeddingBackwardGrouped(dd, dd, di, do.ByteSlice(0, 4), B, T, D, 0); err == nil {
		t.Fatal("a short order was accepted")
	}
}

// ---- dropout ----

func TestDropoutBitExact(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(19, 20))
	n := 3*8*c.Device().SMs*256 + 11
	x := randSlice(r, n, -2, 2)
	dx := up(t, c, x)
	y, err := c.AllocFloat32(n)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free(y)
	for _, tc := range []struct {
		p                 float32
		seed, step, first uint64
	}{{0.5, 42, 0, 0}, {0.1, 7, 123, 0}, {0.3, 1 << 40, 5, 1000}, {0, 1, 1, 0}, {1, 1, 1, 0}} {
		check := func(name string, got []float32) {
			scale := DropoutScale(tc.p)
			kept := 0
			for k := range got {
				want := float32(0)
				if DropoutKeep(tc.seed, tc.step, tc.first+uint64(k), tc.p) {
					want = x[k] * scale
					kept++
				}
				if math.Float32bits(got[k]) != math.Float32bits(want) {
					t.Fatalf("%s p=%v seed=%d step=%d: element %d = %v, want %v", name, tc.p, tc.seed, tc.step, k,
						got[k], want)
				}
			}
			if tc.p > 0 && tc.p < 1 {
				if rate := float64(kept) / float64(n); math.Abs(rate-float64(1-tc.p)) > 0.02 {
					t.Errorf("%s: kept %.3f, want %.3f", name, rate, 1-tc.p)
				}
			}
		}
		if err := c.DropoutForward(y, dx, tc.p, tc.seed, tc.step, tc.first); err != nil {
			t.Fatal(err)
		}
		check("forward", down(t, c, y))
		if err := c.DropoutBackward(y, dx, tc.p, tc.seed, tc.step, tc.first); err != nil {
			t.Fatal(err)
		}
		check("backward", down(t, c, y))
	}
}

// ---- Adam ----

func TestAdamParity(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(21, 22))
	const n = 10007
	for _, wd := range []float32{0, 0.01} {
		cfg := AdamConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd}
		w := randSlice(r, n, -1, 1)
		dw, dm, dv := up(t, c, w), up(t, c, make([]float32, n)), up(t, c, make([]float32, n))
		rw, rm, rv := f64s(w), make([]float64, n), make([]float64, n)
		for step := 1; step <= 3; step++ {
			g := randSlice(r, n, -1, 1)
			dg := up(t, c, g)
			if err := c.AdamStep(dw, dg, dm, dv, cfg, step); err != nil {
				t.Fatal(err)
			}
			b1, b2 := float64(cfg.Beta1), float64(cfg.Beta2)
			bc1, bc2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
			for i := range rw {
				gi := float64(g[i]) + float64(wd)*rw[i]
				rm[i] = b1*rm[i] + (1-b1)*gi
				rv[i] = b2*rv[i] + (1-b2)*gi*gi
				rw[i] -= float64(cfg.LR) * (rm[i] / bc1) / (math.Sqrt(rv[i]/bc2) + float64(cfg.Eps))
			}
			if got := down(t, c, dg); got[0] != g[0] {
				t.Fatal("adam modified the gradient")
			}
		}
		checkClose(t, fmt.Sprintf("adam w (wd %v)", wd), down(t, c, dw), rw, 1e-3, tol)
		checkClose(t, fmt.Sprintf("adam m (wd %v)", wd), down(t, c, dm), rm, 1e-3, tol)
		checkClose(t, fmt.Sprintf("adam v (wd %v)", wd), down(t, c, dv), rv, 1e-3, tol)
	}
}

// ---- LSTM ----

func refLSTMForward(p, cPrev []float64, B, H int) (act, cell, hid []float64) {
	act, cell, hid = make([]float64, 4*B*H), make([]float64, B*H), make([]float64, B*H)
	for b := 0; b < B; b++ {
		for j := 0; j < H; j++ {
			base := b*4*H + j
			i, f := sigmoid64(p[base]), sigmoid64(p[base+H])
			g, o := math.Tanh(p[base+2*H]), sigmoid64(p[base+3*H])
			act[base], act[base+H], act[base+2*H], act[base+3*H] = i, f, g, o
			cp := 0.0
			if cPrev != nil {
				cp = cPrev[b*H+j]
			}
			cell[b*H+j] = f*cp + i*g
			hid[b*H+j] = o * math.Tanh(cell[b*H+j])
		}
	}
	return
}

func refLSTMBackward(dh, dcNext, act, cell, cPrev []float64, B, H int) (dP, dcPrev []float64) {
	dP, dcPrev = make([]float64, 4*B*H), make([]float64, B*H)
	for b := 0; b < B; b++ {
		for j := 0; j < H; j++ {
			k, base := b*H+j, b*4*H+j
			i, f, g, o := act[base], act[base+H], act[base+2*H], act[base+3*H]
			tc := math.Tanh(cell[k])
			dcn, cp := 0.0, 0.0
			if dcNext != nil {
				dcn = dcNext[k]
			}
			if cPrev != nil {
				cp = cPrev[k]
			}
			do := dh[k] * tc * o * (1 - o)
			dc := dcn + dh[k]*o*(1-tc*tc)
			dP[base] = dc * g * i * (1 - i)
			dP[base+H] = dc * cp * f * (1 - f)
			dP[base+2*H] = dc * i * (1 - g*g)
			dP[base+3*H] = do
			dcPrev[k] = dc * f
		}
	}
	return
}

func TestLSTMStepParity(t *testing.T) {
	c := deviceContext(t)
	r := rand.New(rand.NewPCG(23, 24))
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {64, 256}, {7, 300}} {
		B, H := sh[0], sh[1]
		for _, first := range []bool{true, false} { // t = 0 (nil states) or a middle step
			name := fmt.Sprintf("lstm B=%d H=%d first=%v", B, H, first)
			p := randSlice(r, 4*B*H, -2, 2)
			var cPrev []float32
			var dcPrev Buffer
			if !first {
				cPrev = randSlice(r, B*H, -1, 1)
				dcPrev = up(t, c, make([]float32, B*H))
			}
			dpre := up(t, c, p)
			act, err := c.AllocFloat32(4 * B * H)
			if err != nil {
				t.Fatal(err)
			}
			cell, hid := up(t, c, make([]float32, B*H)), up(t, c, make([]float32, B*H))
			var dcp Buffer
			if !first {
				dcp = up(t, c, cPrev)
			}
			if err := c.LSTMForwardStep(act, cell, hid, dpre, dcp, B, H); err != nil {
				t.Fatal(err)
			}
			var cp64 []float64
			if !first {
				cp64 = f64s(cPrev)
			}
			wa, wc, wh := refLSTMForward(f64s(p), cp64, B, H)
			gotA, gotC := down(t, c, act), down(t, c, cell)
			checkClose(t, name+" act", gotA, wa, 1e-3, tol)
			checkClose(t, name+" c", gotC, wc, 1e-3, tol)
			checkClose(t, name+" h", down(t, c, hid), wh, 1e-3, tol)

			// Backward from the device's own forward outputs.
			dh := randSlice(r, B*H, -1, 1)
			var dcNext []float32
			var ddcn Buffer
			if !first {
				dcNext = randSlice(r, B*H, -1, 1)
				ddcn = up(t, c, dcNext)
			}
			ddh := up(t, c, dh)
			dP, err := c.AllocFloat32(4 * B * H)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.LSTMBackwardStep(dP, dcPrev, ddh, ddcn, act, cell, dcp, B, H); err != nil {
				t.Fatal(err)
			}
			var dcn64 []float64
			if !first {
				dcn64 = f64s(dcNext)
			}
			wdP, wdc := refLSTMBackward(f64s(dh), dcn64, f64s(gotA), f64s(gotC), cp64, B, H)
			checkClose(t, name+" dP", down(t, c, dP), wdP, 1e-3, tol)
			if !first {
				checkClose(t, name+" dc_prev", down(t, c, dcPrev), wdc, 1e-3, tol)
			}
			// In place: act over pre (forward), dP over act and dc_prev over dc_next (backward).
			if err := c.LSTMForwardStep(dpre, cell, hid, dpre, dcp, B, H); err != nil {
				t.Fatal(err)
			}
			checkClose(t, name+" act in place", down(t, c, dpre), wa, 1e-3, tol)
			if !first {
				if err := c.LSTMBackwardStep(dpre, ddcn, ddh, ddcn, dpre, cell, dcp, B, H); err != nil {
					t.Fatal(err)
				}
				checkClose(t, name+" dP in place", down(t, c, dpre), wdP, 1e-3, tol)
				checkClose(t, name+" dc_prev in place", down(t, c, ddcn), wdc, 1e-3, tol)
			}
			c.Free(act)
			c.Free(dP)
		}
	}
}

// ---- close, reopen (last: it replaces the shared context) ----

func TestZZCloseAndReopen(t *testing.T) {
	c := deviceContext(t)
	b, err := c.AllocFloat32(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	_ = b // freed by Close with the context
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
	if _, err := c.Alloc(16); !errors.Is(err, ErrClosed) {
		t.Errorf("Alloc after Close: %v", err)
	}
	c2, err := NewContext(0)
	shared.c = c2
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	free, total, err := c2.MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after reopen: %s free of %s", fmtBytes(free), fmtBytes(total))
}
