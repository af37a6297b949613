package optim

import (
	"math/rand/v2"
	"testing"

	"github.com/emberml/ember/graph"
	"gorgonia.org/tensor"
)

// lstmParams returns float32 parameters and gradients shaped like the
// SMS-spam LSTM (benchmarks/pytorch/spam_lstm.py): an 8000×100 embedding,
// two LSTM layers of hidden size 256 (gates 4·256 = 1024, two biases per
// layer as PyTorch and graph.LSTM keep them) and a 1×256 dense layer,
// ≈1.7M values.
func lstmParams() ([]*graph.Param, []*graph.Buf) {
	shapes := []struct {
		name  string
		shape []int
	}{
		{"embedding", []int{8000, 100}},
		{"lstm.weight_ih_l0", []int{1024, 100}},
		{"lstm.weight_hh_l0", []int{1024, 256}},
		{"lstm.bias_ih_l0", []int{1024}},
		{"lstm.bias_hh_l0", []int{1024}},
		{"lstm.weight_ih_l1", []int{1024, 256}},
		{"lstm.weight_hh_l1", []int{1024, 256}},
		{"lstm.bias_ih_l1", []int{1024}},
		{"lstm.bias_hh_l1", []int{1024}},
		{"dense.w", []int{1, 256}},
		{"dense.b", []int{1}},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var params []*graph.Param
	var grads []*graph.Buf
	for _, s := range shapes {
		p := graph.NewParam(s.name, tensor.Float32, s.shape...)
		p.InitUniform(rng, 0.0625)
		g := graph.NewBuf(tensor.Float32, s.shape...)
		for i := range g.F32 {
			// Norm ≈ √1.7e6·1e-3 ≈ 1.3, so a clip to 1 barely changes it
			// between benchmark iterations and stays away from denormals.
			g.F32[i] = float32(rng.NormFloat64() * 1e-3)
		}
		params, grads = append(params, p), append(grads, g)
	}
	return params, grads
}

func elements(params []*graph.Param) int {
	n := 0
	for _, p := range params {
		n += p.Value.Len()
	}
	return n
}

// BenchmarkAdamStep times one Adam step over the LSTM's parameters; the
// bytes/s figure counts the four float32 streams (w, g, m, v) the step reads.
func BenchmarkAdamStep(b *testing.B) {
	params, grads := lstmParams()
	opt := NewAdam(1e-3)
	if err := opt.Step(params, grads); err != nil { // allocate the state outside the timing
		b.Fatal(err)
	}
	b.SetBytes(int64(16 * elements(params)))
	b.ReportAllocs()
	for b.Loop() {
		if err := opt.Step(params, grads); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClipGradNorm times the clip that precedes each step in training
// (norm plus scaling, since maxNorm is below the norm).
func BenchmarkClipGradNorm(b *testing.B) {
	params, grads := lstmParams()
	b.SetBytes(int64(4 * elements(params)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ClipGradNorm(grads, 1); err != nil {
			b.Fatal(err)
		}
	}
}
