package cuda

import "testing"

func TestDropoutHashFixedValues(t *testing.T) {
	cases := []struct {
		seed, step, i uint64
		hash          uint64
		r             uint32 // uint32(hash) >> 8
	}{
		{0, 0, 0, 0, 0},
		// seed 0, counter 1: x = 0x9E3779B97F4A7C15, the first output of
		// the published SplitMix64 generator seeded with 0.
		{0, 0, 1, 0xE220A8397B1DCDAF, 0x7B1DCDAF >> 8},
		{42, 0, 0, 0xa759ea27d4727622, 13922934},
		{42, 0, 1, 0xbdd732262feb6e95, 3140462},
		{42, 7, 12345, 0x50141d7309683221, 616498},
		{0xDEADBEEF, 3, 999999, 0xb15d493691affa8d, 9547770},
		{^uint64(0), ^uint64(0), ^uint64(0), 0x1c9242d09d8b4837, 10324808},
	}
	for _, c := range cases {
		if got := DropoutHash(c.seed, c.step, c.i); got != c.hash {
			t.Errorf("DropoutHash(%#x, %d, %d) = %#x, want %#x", c.seed, c.step, c.i, got, c.hash)
		}
		u := DropoutUniform(c.seed, c.step, c.i)
		if want := float32(c.r) / (1 << 24); u != want {
			t.Errorf("DropoutUniform(%#x, %d, %d) = %v, want %v", c.seed, c.step, c.i, u, want)
		}
	}
	// keep(i) = u >= p: u(42,0,0) = 0.82987..., u(42,0,1) = 0.18718...
	keep := []struct {
		seed, step, i uint64
		p             float32
		want          bool
	}{
		{42, 0, 0, 0.5, true},
		{42, 0, 1, 0.5, false},
		{42, 0, 1, 0.18, true},
		{42, 7, 12345, 0.1, false},
		{42, 7, 12345, 0.0, true},
		{0, 0, 0, 0.0, true},   // u = 0 >= 0: p = 0 keeps everything
		{0, 0, 0, 1e-9, false}, // ... and any p > 0 drops u = 0
		{42, 0, 0, 1.0, false}, // p = 1 drops everything (u < 1 always)
		{0xDEADBEEF, 3, 999999, 0.5690914, true},
		{0xDEADBEEF, 3, 999999, 0.5690915, false},
	}
	for _, k := range keep {
		if got := DropoutKeep(k.seed, k.step, k.i, k.p); got != k.want {
			t.Errorf("DropoutKeep(%#x, %d, %d, %v) = %v, want %v", k.seed, k.step, k.i, k.p, got, k.want)
		}
	}
}

func TestDropoutKeepRate(t *testing.T) {
	for _, p := range []float32{0.1, 0.25, 0.5, 0.9} {
		kept := 0
		const n = 200000
		for i := uint64(0); i < n; i++ {
			if DropoutKeep(1234, 5, i, p) {
				kept++
			}
		}
		rate := float64(kept) / n
		if d := rate - (1 - float64(p)); d > 0.01 || d < -0.01 {
			t.Errorf("p=%v: kept %.4f of elements, want %.4f", p, rate, 1-p)
		}
	}
}

func TestDropoutScale(t *testing.T) {
	if s := DropoutScale(0); s != 1 {
		t.Errorf("DropoutScale(0) = %v", s)
	}
	if s := DropoutScale(0.5); s != 2 {
		t.Errorf("DropoutScale(0.5) = %v", s)
	}
	if s := DropoutScale(1); s != 0 {
		t.Errorf("DropoutScale(1) = %v", s)
	}
}
