package cudaexec_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/internal/cudatest"
	"github.com/emberml/ember/internal/testops"
	"github.com/emberml/ember/layers"
)

// cudaContext opens device 0 (a GPU with -tags embercuda, the CPU emulator
// with -tags cudaemu), skipping the test when there is none.
func cudaContext(t *testing.T) *cuda.Context { return cudatest.Context(t) }

// spamNet is the spam model (embedding, 2 LSTM layers with dropout between,
// dense, sigmoid, BCE) at small sizes, with its gradient.
type spamNet struct {
	g           *graph.Graph
	ids, y      *gorgonia.Node
	p, loss     *gorgonia.Node
	grads       []*gorgonia.Node
	params      []*graph.Param
	dropoutSeed uint64
}

const (
	csVocab, csEmbed, csHidden, csBatch, csSteps = 50, 8, 16, 4, 6
)

// buildSpamNet builds the model from seed: two calls with the same seed
// give identical parameters and dropout seeds but their own dropout run
// counters, so a CPU and a CUDA program draw the same masks.
func buildSpamNet(t *testing.T, seed uint64, opts ...layers.EmbeddingOption) *spamNet {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	dt := tensor.Float32
	emb := layers.NewEmbedding("embedding", csVocab, csEmbed, dt, rng, opts...)
	lstm := layers.NewLSTM("lstm", csEmbed, csHidden, 2, 0.5, dt, rng)
	dense := layers.NewDense("dense", csHidden, 1, dt, rng)

	g := graph.New(dt, true)
	ids := g.Input("ids", tensor.Int32, csBatch, csSteps)
	y := g.Input("label", dt, csBatch, 1)
	_, last := lstm.Forward(g, emb.Forward(g, ids))
	p := layers.Sigmoid(dense.Forward(g, last))
	loss := layers.BCELoss(p, y)
	grads, err := g.Grad(loss)
	require.NoError(t, err)
	return &spamNet{g: g, ids: ids, y: y, p: p, loss: loss, grads: grads, params: g.Params(), dropoutSeed: lstm.Dropout.Seed}
}

func (s *spamNet) binds() map[*gorgonia.Node]*graph.Buf {
	b := map[*gorgonia.Node]*graph.Buf{}
	for _, p := range s.params {
		b[s.g.Param(p)] = p.Value
	}
	return b
}

// batch returns ids (with left padding, as the spam pipeline makes) and
// labels for run r.
func csBatchData(r int) (ids, y *graph.Buf) {
	rng := rand.New(rand.NewPCG(uint64(r), 5))
	ids = graph.NewBuf(tensor.Int32, csBatch, csSteps)
	for b := 0; b < csBatch; b++ {
		pad := rng.IntN(3)
		for s := 0; s < csSteps; s++ {
			if s >= pad {
				ids.I32[b*csSteps+s] = int32(1 + rng.IntN(csVocab-1))
			}
		}
	}
	y = graph.NewBuf(tensor.Float32, csBatch, 1)
	for b := range y.F32 {
		y.F32[b] = float32(rng.IntN(2))
	}
	return ids, y
}

// parity compares a CUDA result with the CPU one and returns
//   - elem: max |a−b| / max(|b|, 1e-6), the per-element relative error with
//     an absolute floor of 1e-6 on the denominator (reported; float32
//     rounding of sums in a different order can exceed 1e-4 on elements
//     that are 1e-4 of their tensor's scale);
//   - norm: max |a−b| / max |b|, the error relative to the tensor's scale.
//
// It requires, per element, |a−b| <= 1e-6 + 1e-4·|b| (relative error 1e-4
// with an absolute floor of 1e-6, as numpy's allclose) and norm < 1e-5,
// which a wrong layout, mask or missing term would far exceed.
func parity(t *testing.T, what string, got, want *graph.Buf) (elem, norm float64) {
	t.Helper()
	require.Equal(t, want.Len(), got.Len(), what)
	const rtol, atol = 1e-4, 1e-6
	maxDiff, maxWant := 0.0, 0.0
	for i := 0; i < want.Len(); i++ {
		a, b := got.At(i), want.At(i)
		require.False(t, math.IsNaN(a) || math.IsInf(a, 0), "%s[%d] = %v", what, i, a)
		d := math.Abs(a - b)
		require.LessOrEqual(t, d, atol+rtol*math.Abs(b), "%s[%d]: CUDA %g, CPU %g", what, i, a, b)
		elem = math.Max(elem, d/math.Max(math.Abs(b), atol))
		maxDiff, maxWant = math.Max(maxDiff, d), math.Max(maxWant, math.Abs(b))
	}
	if maxWant > 0 {
		norm = maxDiff / maxWant
	} else {
		norm = maxDiff
	}
	require.Less(t, norm, 1e-5, "%s: max |CUDA−CPU| %g against max |CPU| %g", what, maxDiff, maxWant)
	return elem, norm
}

// TestCUDAProgramSpamParity runs the spam model's loss, output and every
// parameter gradient on the CPU Program and on the CUDA program (the
// emulator without a GPU) from the same parameters, inputs and dropout
// masks, for two runs (the dropout run counter advances in step), with the
// embedding's padding row fixed (row 0) and learned.
func TestCUDAProgramSpamParity(t *testing.T) {
	for _, pad := range []int{0, layers.NoPadding} {
		t.Run(fmt.Sprintf("padding %d", pad), func(t *testing.T) { testCUDAProgramSpamParity(t, layers.WithPadding(pad)) })
	}
}

func testCUDAProgramSpamParity(t *testing.T, pad layers.EmbeddingOption) {
	ctx := cudaContext(t)
	cpuNet, gpuNet := buildSpamNet(t, 11, pad), buildSpamNet(t, 11, pad)
	require.Equal(t, len(cpuNet.params), len(gpuNet.params))
	for i, p := range cpuNet.params {
		require.Equal(t, p.Name, gpuNet.params[i].Name)
		require.NoError(t, gpuNet.params[i].Value.CopyFrom(p.Value))
	}

	cpuProg, err := cpuNet.g.Compile([]*gorgonia.Node{cpuNet.loss, cpuNet.p}, cpuNet.grads)
	require.NoError(t, err)
	gpuProg, err := cudaexec.Compile(ctx, []*gorgonia.Node{gpuNet.loss, gpuNet.p}, gpuNet.grads, gpuNet.binds())
	require.NoError(t, err)
	defer func() { require.NoError(t, gpuProg.Close()) }()
	cf, cb := cpuProg.Steps()
	gf, gb := gpuProg.Steps()
	t.Logf("steps: CPU %d+%d, CUDA %d+%d; arena %d bytes", cf, cb, gf, gb, gpuProg.Arena().Cap())

	for run := 1; run <= 2; run++ {
		ids, y := csBatchData(run)
		require.NoError(t, cpuProg.Buf(cpuNet.ids).CopyFrom(ids))
		require.NoError(t, cpuProg.Buf(cpuNet.y).CopyFrom(y))
		require.NoError(t, cpuProg.Run())

		require.NoError(t, gpuProg.Upload(gpuNet.ids, ids))
		require.NoError(t, gpuProg.Upload(gpuNet.y, y))
		require.NoError(t, gpuProg.Run())

		loss, err := gpuProg.Download(gpuNet.loss)
		require.NoError(t, err)
		e, _ := parity(t, "loss", loss, cpuProg.Buf(cpuNet.loss))
		t.Logf("run %d: loss CPU %.7f CUDA %.7f rel err %.2e", run, cpuProg.Scalar(cpuNet.loss), loss.At(0), e)

		p, err := gpuProg.Download(gpuNet.p)
		require.NoError(t, err)
		e, nrm := parity(t, "p", p, cpuProg.Buf(cpuNet.p))
		t.Logf("run %d: output p        rel err %.2e, scaled %.2e", run, e, nrm)

		for i, gn := range gpuNet.grads {
			d, err := gpuProg.Download(gn)
			require.NoError(t, err)
			name := cpuNet.params[i].Name
			want := cpuProg.Buf(cpuNet.grads[i])
			e, nrm := parity(t, name, d, want)
			nz := 0
			for j := 0; j < want.Len(); j++ {
				if want.At(j) != 0 {
					nz++
				}
			}
			t.Logf("run %d: d%-16s rel err %.2e, scaled %.2e (%d/%d nonzero)", run, name, e, nrm, nz, want.Len())
			require.Positive(t, nz, "gradient of %s is all zero", name)
		}
	}
}

// TestCUDAProgramGorgoniaAdd covers gorgonia's "+" (in the forward pass, and
// the one gorgonia.Grad inserts for a weight used twice) and the constant
// gradient seed.
func TestCUDAProgramGorgoniaAdd(t *testing.T) {
	ctx := cudaContext(t)
	rng := rand.New(rand.NewPCG(3, 3))
	build := func() (*graph.Graph, *graph.Param, *graph.Param, [3]*gorgonia.Node, *gorgonia.Node, []*gorgonia.Node) {
		g := graph.New(tensor.Float32, true)
		w := graph.NewParam("w", tensor.Float32, 3, 5)
		b := graph.NewParam("b", tensor.Float32, 3)
		x1, x2 := g.Input("x1", tensor.Float32, 4, 5), g.Input("x2", tensor.Float32, 4, 5)
		y := g.Input("y", tensor.Float32, 4, 3)
		wn, bn := g.Param(w), g.Param(b)
		s := gorgonia.Must(gorgonia.Add(graph.Use(graph.Linear{}, x1, wn, bn), graph.Use(graph.Linear{}, x2, wn, bn)))
		loss := layers.BCELoss(layers.Sigmoid(s), y)
		grads, err := g.Grad(loss)
		require.NoError(t, err)
		return g, w, b, [3]*gorgonia.Node{x1, x2, y}, loss, grads
	}
	g1, w1, b1, in1, loss1, grads1 := build()
	g2, w2, b2, in2, loss2, grads2 := build()
	w1.InitUniform(rng, 0.5)
	b1.InitUniform(rng, 0.5)
	require.NoError(t, w2.Value.CopyFrom(w1.Value))
	require.NoError(t, b2.Value.CopyFrom(b1.Value))
	cpuProg, err := g1.Compile([]*gorgonia.Node{loss1}, grads1)
	require.NoError(t, err)
	binds := map[*gorgonia.Node]*graph.Buf{g2.Param(w2): w2.Value, g2.Param(b2): b2.Value}
	gpuProg, err := cudaexec.Compile(ctx, []*gorgonia.Node{loss2}, grads2, binds)
	require.NoError(t, err)
	defer func() { require.NoError(t, gpuProg.Close()) }()
	runBoth(t, rng, cpuProg, gpuProg, in1[:], in2[:], 2, append([]*gorgonia.Node{loss1}, grads1...),
		append([]*gorgonia.Node{loss2}, grads2...))
}

// TestCUDAProgramUnsupportedOp: with NoFallback, an op without a CUDA
// kernel fails compilation with an error naming it; and float64 is refused.
func TestCUDAProgramUnsupportedOp(t *testing.T) {
	ctx := cudaContext(t)
	g := graph.New(tensor.Float32, false)
	x := g.Input("x", tensor.Float32, 4, 1)
	loss := gorgonia.Must(gorgonia.Sum(testops.Apply(x)))
	plan, err := graph.NewPlan([]*gorgonia.Node{loss}, nil, nil)
	require.NoError(t, err)
	_, err = cudaexec.CompilePlan(ctx, plan, cudaexec.Options{NoFallback: true})
	require.Error(t, err)
	require.Contains(t, err.Error(), "Softsign")
	require.Contains(t, err.Error(), "no CUDA kernel")

	g64 := graph.New(tensor.Float64, false)
	x64 := g64.Input("x", tensor.Float64, 2, 2)
	_, err = cudaexec.Compile(ctx, []*gorgonia.Node{layers.Sigmoid(x64)}, nil, nil)
	require.ErrorContains(t, err, "float32")
}

// TestCUDAProgramFallback runs a graph with an op that has only a CPU
// kernel (testops.Softsign, and gorgonia's own Σ) on the device: those
// steps run on the CPU inside the device program, the caller is told once
// per op, the profile shows them, and the results match the CPU program's.
func TestCUDAProgramFallback(t *testing.T) {
	ctx := cudaContext(t)
	build := func() (*graph.Graph, []*gorgonia.Node, *gorgonia.Node, []*gorgonia.Node) {
		rng := rand.New(rand.NewPCG(4, 4))
		g := graph.New(tensor.Float32, true)
		d1 := layers.NewDense("d1", 5, 6, tensor.Float32, rng)
		d2 := layers.NewDense("d2", 6, 1, tensor.Float32, rng)
		x, y := g.Input("x", tensor.Float32, 4, 5), g.Input("y", tensor.Float32, 4, 1)
		p := layers.Sigmoid(d2.Forward(g, testops.Apply(d1.Forward(g, x))))
		loss := gorgonia.Must(gorgonia.Add(layers.BCELoss(p, y), gorgonia.Must(gorgonia.Mean(testops.Apply(p)))))
		grads, err := g.Grad(loss)
		require.NoError(t, err)
		return g, []*gorgonia.Node{x, y}, loss, grads
	}
	g1, in1, loss1, grads1 := build()
	g2, in2, loss2, grads2 := build()
	cpuProg, err := g1.Compile([]*gorgonia.Node{loss1}, grads1)
	require.NoError(t, err)
	plan, err := graph.NewPlan([]*gorgonia.Node{loss2}, grads2, g2.Binds())
	require.NoError(t, err)
	var told []string
	gpuProg, err := cudaexec.CompilePlan(ctx, plan, cudaexec.Options{Fallback: func(op gorgonia.Op, reason string) {
		told = append(told, graph.OpName(op)+": "+reason)
	}})
	require.NoError(t, err)
	defer func() { require.NoError(t, gpuProg.Close()) }()
	require.NoError(t, gpuProg.UploadBound())
	t.Logf("CPU fallback: %v", told)
	require.Positive(t, gpuProg.HostSteps())
	require.Contains(t, told, "Softsign: no CUDA kernel is registered for it")
	require.Contains(t, told, "SoftsignGrad: no CUDA kernel is registered for it")

	rng := rand.New(rand.NewPCG(9, 9))
	require.NoError(t, gpuProg.SetProfiling(true))
	for run := 0; run < 2; run++ {
		runBoth(t, rng, cpuProg, gpuProg, in1, in2, 1, append([]*gorgonia.Node{loss1}, grads1...),
			append([]*gorgonia.Node{loss2}, grads2...))
	}
	prof := gpuProg.Profile()
	t.Logf("profile:\n%s", prof)
	names := map[string]bool{}
	for _, o := range prof.Ops {
		names[o.Op] = true
	}
	require.True(t, names["Softsign (CPU)"], "%v", names)
	require.True(t, names["SoftsignGrad (CPU)"], "%v", names)
	require.True(t, names["Linear"], "%v", names)
}

// TestCUDAProgramRejectsBadIDs: ids outside the vocabulary are refused at
// Upload, as the CPU Embedding kernel refuses them.
func TestCUDAProgramRejectsBadIDs(t *testing.T) {
	ctx := cudaContext(t)
	net := buildSpamNet(t, 1)
	prog, err := cudaexec.Compile(ctx, []*gorgonia.Node{net.loss}, nil, net.binds())
	require.NoError(t, err)
	defer func() { require.NoError(t, prog.Close()) }()
	ids, _ := csBatchData(1)
	ids.I32[3] = csVocab
	require.ErrorContains(t, prog.Upload(net.ids, ids), "outside the vocabulary")
}

// TestCUDADropoutMaskAgrees checks the CUDA package's dropout hash against
// graph's, which the CPU kernel uses.
func TestCUDADropoutMaskAgrees(t *testing.T) {
	for _, p := range []float32{0, 0.1, 0.5, 0.9} {
		for _, seed := range []uint64{0, 1, 0xdeadbeefcafe, math.MaxUint64} {
			for run := uint64(0); run < 4; run++ {
				for i := uint64(0); i < 2000; i++ {
					require.Equal(t, graph.DropoutKeep(seed, run, i, p), cuda.DropoutKeep(seed, run, i, p),
						"p=%v seed=%d run=%d i=%d", p, seed, run, i)
				}
			}
		}
	}
}

// runBoth fills the inputs in1 of the CPU program with random values (the
// input labels with 0s and 1s) and uploads them to in2 of the CUDA one,
// runs both, and compares the CPU program's nodes want with the CUDA
// program's got (parity).
func runBoth(t *testing.T, rng *rand.Rand, cpuProg *graph.Program, gpuProg *cudaexec.Program, in1, in2 []*gorgonia.Node,
	labels int, want, got []*gorgonia.Node) {
	t.Helper()
	for k := range in1 {
		b := cpuProg.Buf(in1[k])
		for i := range b.F32 {
			b.F32[i] = float32(rng.NormFloat64())
			if k == labels {
				b.F32[i] = float32(rng.IntN(2))
			}
		}
		require.NoError(t, gpuProg.Upload(in2[k], b))
	}
	require.NoError(t, cpuProg.Run())
	require.NoError(t, gpuProg.Run())
	for i, n := range got {
		d, err := gpuProg.Download(n)
		require.NoError(t, err)
		e, nrm := parity(t, n.Name(), d, cpuProg.Buf(want[i]))
		t.Logf("%s: rel err %.2e, scaled %.2e", n.Name(), e, nrm)
	}
}
