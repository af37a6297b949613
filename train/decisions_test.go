package train_test

import (
	"math"
	"testing"
)

// logit is log(p/(1−p)), clamped away from ±Inf.
func logit(p float64) float64 {
	p = min(max(p, 1e-12), 1-1e-12)
	return math.Log(p / (1 - p))
}

// requireSameDecisions checks that two executors' probabilities for the same
// examples classify them alike at the 0.5 threshold, except where the
// executors' own disagreement can explain a flip. Devices differ in their
// last bits (FMA contraction, the GPU's expf/tanhf, reduction order), which
// moves every logit a little: an example may land on either side only when
// its reference logit is within margin of 0 and the two logits are within
// margin of each other, margin being four times the largest logit difference
// among the examples both classify alike (plus 1e-6). Any other disagreement
// fails. It returns how many examples flipped.
func requireSameDecisions(t testing.TB, what string, ref, got []float64) (flips int) {
	t.Helper()
	if len(ref) != len(got) {
		t.Fatalf("%s: %d reference probabilities, %d to compare", what, len(ref), len(got))
	}
	var worst float64
	for i := range ref {
		if (ref[i] >= 0.5) == (got[i] >= 0.5) {
			worst = max(worst, math.Abs(logit(ref[i])-logit(got[i])))
		}
	}
	margin := 4*worst + 1e-6
	for i := range ref {
		if (ref[i] >= 0.5) == (got[i] >= 0.5) {
			continue
		}
		if math.Abs(logit(ref[i])) > margin || math.Abs(logit(ref[i])-logit(got[i])) > margin {
			t.Fatalf("%s: example %d is classified differently (p %v and %v) although its logit %.3g is further from 0 than the devices' disagreement allows (%.3g)",
				what, i, ref[i], got[i], logit(ref[i]), margin)
		}
		flips++
	}
	if flips > 0 {
		t.Logf("%s: %d borderline example(s) classified differently (logits within %.3g of 0)", what, flips, margin)
	}
	return flips
}

func TestRequireSameDecisions(t *testing.T) {
	ref := []float64{0.1, 0.9, 0.5000001, 0.7}
	got := []float64{0.1000001, 0.8999999, 0.4999999, 0.7000002}
	if n := requireSameDecisions(t, "borderline", ref, got); n != 1 {
		t.Fatalf("flips %d, want 1", n)
	}
	// A confident example that flips must fail: run it in a fake T.
	ft := &fatalCatcher{TB: t}
	func() {
		defer func() { _ = recover() }()
		requireSameDecisions(ft, "confident", []float64{0.9, 0.2}, []float64{0.9000001, 0.8})
	}()
	if !ft.failed {
		t.Fatal("a confident example classified differently went unnoticed")
	}
}

// fatalCatcher records Fatalf instead of ending the test.
type fatalCatcher struct {
	testing.TB
	failed bool
}

func (f *fatalCatcher) Helper() {}
func (f *fatalCatcher) Fatalf(format string, args ...any) {
	f.failed = true
	panic("fatal")
}
