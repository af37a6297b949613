package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// Micro-benchmarks of the CPU kernels at the spam classifier's shapes
// (spam.DefaultConfig: sequence 44, embedding 100, hidden 256, vocabulary
// about 8000), called exactly as Program calls them: ExecCPU on buffers
// allocated once. Every kernel must allocate nothing per call, so each
// benchmark fails outright if one does rather than only printing allocs/op.
//
// GFLOP/s counts the matrix products only (2·m·n·k each); the gate
// arithmetic, gathers and bias additions are left out, as in the analytic
// counts of benchmarks/spambench and benchmarks/pytorch/spam_lstm.py.

const (
	benchSeq    = 44
	benchEmbed  = 100
	benchHidden = 256
	benchVocab  = 8000
)

// benchBatches are the batch sizes timed: the reference notebook's 10 and a
// larger one where the products are big enough for the GEMM to matter.
var benchBatches = []int{10, 64}

// benchRand returns a float32 buffer of uniform values in [-scale, scale].
func benchRand(rng *rand.Rand, scale float64, shape ...int) *Buf {
	b := NewBuf(tensor.Float32, shape...)
	for i := range b.F32 {
		b.F32[i] = float32((2*rng.Float64() - 1) * scale)
	}
	return b
}

// benchIDs returns (batch, seq) token ids drawn from [0, vocab), padding
// (id 0) included, as a real batch has.
func benchIDs(rng *rand.Rand, batch, seq, vocab int) *Buf {
	ids := NewBuf(tensor.Int32, batch, seq)
	for i := range ids.I32 {
		ids.I32[i] = int32(rng.IntN(vocab))
	}
	return ids
}

// benchKernel times run, after checking that it succeeds and allocates
// nothing (the first call is outside the check so that one-off set-up, such
// as loading the BLAS library, is not counted). flops and bytes are per
// call; zero leaves the metric out.
func benchKernel(b *testing.B, flops float64, bytes int64, run func() error) {
	b.Helper()
	if err := run(); err != nil {
		b.Fatal(err)
	}
	var runErr error
	if n := testing.AllocsPerRun(2, func() { runErr = run() }); n != 0 {
		b.Fatalf("%v allocations per call; the kernel must allocate nothing", n)
	}
	if runErr != nil {
		b.Fatal(runErr)
	}
	if bytes > 0 {
		b.SetBytes(bytes)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := run(); err != nil {
			b.Fatal(err)
		}
	}
	if flops > 0 {
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
}

// rnnBench is one recurrent layer's inputs and forward output: an LSTM
// (4 gate blocks) or a GRU (3 gate blocks), each with two biases.
type rnnBench struct {
	t, b, in, h int
	gates       int
	x, wih, whh *Buf
	biases      []*Buf
	out         *Buf
}

func newRNNBench(rng *rand.Rand, gru bool, t, b, in, h int) *rnnBench {
	// PyTorch's initialisation bound 1/√H keeps the gates out of saturation,
	// so the timing is that of realistic values (no denormals, no constant
	// activations).
	k := 1 / float64(16) // 1/√256
	l := &rnnBench{t: t, b: b, in: in, h: h, gates: 4, x: benchRand(rng, 1, t, b, in)}
	if gru {
		l.gates = 3
	}
	g := l.gates * h
	l.wih, l.whh = benchRand(rng, k, g, in), benchRand(rng, k, g, h)
	l.biases = []*Buf{benchRand(rng, k, g), benchRand(rng, k, g)}
	l.out = NewBuf(tensor.Float32, LSTMOutputSize(t, b, h))
	if gru {
		l.out = NewBuf(tensor.Float32, GRUOutputSize(t, b, h))
	}
	return l
}

func (l *rnnBench) inputs() []*Buf { return append([]*Buf{l.x, l.wih, l.whh}, l.biases...) }

func (l *rnnBench) ops() (fwd, bwd interface {
	CPUKernel
	Scratcher
}) {
	if l.gates == 3 {
		return GRU{}, GRUBackward{}
	}
	return LSTM{}, LSTMBackward{}
}

// fwdFlops counts the forward products: the input projection of every step
// at once, and the recurrent product of every step but the first (whose
// previous state is zero, so the kernel skips it).
func (l *rnnBench) fwdFlops() float64 {
	g := l.gates * l.h
	return 2*float64(l.t*l.b*l.in*g) + 2*float64((l.t-1)*l.b*l.h*g)
}

// rnnLayers are the classifier's two stacked layers: the first reads the
// embedding, the second the first's hidden states.
var rnnLayers = []int{benchEmbed, benchHidden}

// BenchmarkLSTMForward times one LSTM layer over the whole sequence.
func BenchmarkLSTMForward(b *testing.B) { benchRNNForward(b, false) }

// BenchmarkGRUForward times one GRU layer over the whole sequence.
func BenchmarkGRUForward(b *testing.B) { benchRNNForward(b, true) }

func benchRNNForward(b *testing.B, gru bool) {
	for _, bs := range benchBatches {
		for _, in := range rnnLayers {
			b.Run(fmt.Sprintf("B%d/in%d", bs, in), func(b *testing.B) {
				l := newRNNBench(rand.New(rand.NewPCG(1, uint64(bs))), gru, benchSeq, bs, in, benchHidden)
				bufs := l.inputs()
				op, _ := l.ops()
				ctx := &Ctx{Scratch: NewBuf(tensor.Float32, max(op.ScratchSize(l.out, bufs), 1))}
				benchKernel(b, l.fwdFlops(), 0, func() error { return op.ExecCPU(ctx, l.out, bufs) })
			})
		}
	}
}

// BenchmarkLSTMBackward times backpropagation through time for one layer,
// from its forward output and a gradient on every hidden state (what the
// layer below the top one receives).
func BenchmarkLSTMBackward(b *testing.B) { benchRNNBackward(b, false) }

// BenchmarkGRUBackward is BenchmarkLSTMBackward for a GRU layer.
func BenchmarkGRUBackward(b *testing.B) { benchRNNBackward(b, true) }

func benchRNNBackward(b *testing.B, gru bool) {
	for _, bs := range benchBatches {
		for _, in := range rnnLayers {
			b.Run(fmt.Sprintf("B%d/in%d", bs, in), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(2, uint64(bs)))
				l := newRNNBench(rng, gru, benchSeq, bs, in, benchHidden)
				fwd, op := l.ops()
				ins := l.inputs()
				fctx := &Ctx{Scratch: NewBuf(tensor.Float32, max(fwd.ScratchSize(l.out, ins), 1))}
				if err := fwd.ExecCPU(fctx, l.out, ins); err != nil {
					b.Fatal(err)
				}
				// Only the hidden-state part of the output gradient is read;
				// the reserve part stays zero, as in training.
				dout := NewBuf(tensor.Float32, l.out.Len())
				nh := l.t * l.b * l.h
				for i := range dout.F32[:nh] {
					dout.F32[i] = float32((2*rng.Float64() - 1) * 1e-2)
				}
				bufs := []*Buf{l.x, l.wih, l.whh, l.out, dout}
				g := l.gates * l.h
				grads := NewBuf(tensor.Float32, l.t*l.b*l.in+g*l.in+g*l.h+g*len(l.biases))
				ctx := &Ctx{Scratch: NewBuf(tensor.Float32, op.ScratchSize(grads, bufs))}
				// dx and dWih repeat the input projection's product twice,
				// dh and dWhh the recurrent one: twice the forward count.
				benchKernel(b, 2*l.fwdFlops(), 0, func() error { return op.ExecCPU(ctx, grads, bufs) })
			})
		}
	}
}

// BenchmarkEmbedding times the gather of a batch's embedding rows into the
// time-major layout the LSTM reads. bytes/s counts the rows read and written.
func BenchmarkEmbedding(b *testing.B) {
	for _, bs := range benchBatches {
		b.Run(fmt.Sprintf("B%d", bs), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, uint64(bs)))
			ids := benchIDs(rng, bs, benchSeq, benchVocab)
			table := benchRand(rng, 1, benchVocab, benchEmbed)
			out := NewBuf(tensor.Float32, benchSeq, bs, benchEmbed)
			in, ctx := []*Buf{ids, table}, &Ctx{}
			benchKernel(b, 0, int64(2*out.Len()*4), func() error { return Embedding{}.ExecCPU(ctx, out, in) })
		})
	}
}

// BenchmarkEmbeddingGrad times the scatter-add of the output gradient into
// the table's gradient, which includes clearing the whole (vocab, embed)
// table first; bytes/s counts that clear plus the rows read and updated.
func BenchmarkEmbeddingGrad(b *testing.B) {
	for _, bs := range benchBatches {
		b.Run(fmt.Sprintf("B%d", bs), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(4, uint64(bs)))
			ids := benchIDs(rng, bs, benchSeq, benchVocab)
			dout := benchRand(rng, 1, benchSeq, bs, benchEmbed)
			op := EmbeddingGrad{Vocab: benchVocab, Dim: benchEmbed}
			dtable := NewBuf(tensor.Float32, benchVocab, benchEmbed)
			in, ctx := []*Buf{ids, dout}, &Ctx{}
			bytes := int64(dtable.Len()*4 + 3*dout.Len()*4)
			benchKernel(b, 0, bytes, func() error { return op.ExecCPU(ctx, dtable, in) })
		})
	}
}

// BenchmarkLinear times the classifier's dense layer, last hidden state
// (B, 256) to one logit, and, for scale, the same op at the width of an
// LSTM gate projection (256 to 1024), where the GEMM dominates.
func BenchmarkLinear(b *testing.B) {
	for _, bs := range benchBatches {
		for _, outDim := range []int{1, 4 * benchHidden} {
			b.Run(fmt.Sprintf("B%d/%dx%d", bs, benchHidden, outDim), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(5, uint64(bs)))
				x := benchRand(rng, 1, bs, benchHidden)
				w := benchRand(rng, 1.0/16, outDim, benchHidden)
				bias := benchRand(rng, 1.0/16, outDim)
				out := NewBuf(tensor.Float32, bs, outDim)
				in, ctx := []*Buf{x, w, bias}, &Ctx{}
				flops := 2 * float64(bs*benchHidden*outDim)
				benchKernel(b, flops, 0, func() error { return Linear{}.ExecCPU(ctx, out, in) })
			})
		}
	}
}
