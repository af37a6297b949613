//go:build embercuda || cudaemu

package train_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/data"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/internal/cudatest"
	"github.com/emberml/ember/internal/testops"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

// cudaDevice opens device 0 (a GPU with -tags embercuda, the CPU emulator
// with -tags cudaemu), skipping the test when there is none.
func cudaDevice(t *testing.T) train.Device { return train.CUDA(cudatest.Context(t)) }

// randomIDs is a fixed set of random token sequences with labels.
type randomIDs struct {
	ids    [][]int32
	lens   []int32 // newPaddedIDs: each row's tokens
	labels []float32
}

func newRandomIDs(n, steps, vocab int, seed uint64) *randomIDs {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &randomIDs{}
	for range n {
		row := make([]int32, steps)
		var s int32
		for j := range row {
			row[j] = int32(rng.IntN(vocab))
			s += row[j]
		}
		d.ids = append(d.ids, row)
		d.labels = append(d.labels, float32(s%2))
	}
	return d
}

// newPaddedIDs is newRandomIDs with each row left-padded to a random
// length from 0 to steps, for packed models (Fill then fills the lengths).
func newPaddedIDs(n, steps, vocab int, seed uint64) *randomIDs {
	rng := rand.New(rand.NewPCG(seed, 2))
	d := &randomIDs{}
	for range n {
		row := make([]int32, steps)
		l := rng.IntN(steps + 1)
		var s int32
		for j := steps - l; j < steps; j++ {
			row[j] = 1 + int32(rng.IntN(vocab-1))
			s += row[j]
		}
		d.ids = append(d.ids, row)
		d.lens = append(d.lens, int32(l))
		d.labels = append(d.labels, float32(s%2))
	}
	return d
}

func (d *randomIDs) Len() int { return len(d.ids) }

func (d *randomIDs) Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error {
	ids := inputs[0].I32
	steps := len(d.ids[0])
	for k, i := range idx {
		copy(ids[k*steps:(k+1)*steps], d.ids[i])
		target.F32[k] = d.labels[i]
		if len(inputs) > 1 { // a packed model's lengths
			inputs[1].I32[k] = d.lens[i]
		}
	}
	return nil
}

// cellConfig is cfg with the given cell; the text CNN gets filter widths
// 2 and 3 and as many channels as cfg's hidden size.
func cellConfig(cell string, cfg spam.Config) spam.Config {
	cfg.Cell = cell
	if cell == "cnn" {
		cfg.Widths, cfg.Channels = []int{2, 3}, cfg.Hidden
	}
	return cfg.WithDefaults()
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6+1e-4*math.Abs(b) }

// TestCUDATrainerMatchesCPU trains two identically initialised spam models,
// one per device, on the same batches, and compares the losses and every
// parameter after each step: the reference LSTM, the GRU and the text CNN
// (whose ops' kernels are the new layers'), and the packed LSTM and GRU
// (left-padded rows of random lengths, 0 included), with Adam.
func TestCUDATrainerMatchesCPU(t *testing.T) {
	dev := cudaDevice(t)
	for _, cell := range append(slices.Clone(spam.Cells), "lstm-packed", "gru-packed") {
		t.Run(cell, func(t *testing.T) {
			name, packed := strings.CutSuffix(cell, "-packed")
			cfg := cellConfig(name, spam.Config{Vocab: 50, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5, SeqLen: 6, Packed: packed})
			trainersMatch(t, dev, cfg, 0.5, optim.NewAdam(1e-2), optim.NewAdam(1e-2))
		})
	}
}

// TestCUDAOptimizersMatchCPU is TestCUDATrainerMatchesCPU (the LSTM) for
// each optimizer with a device update: Adam, AdamW, SGD with momentum,
// dampening and weight decay, and SGD with Nesterov momentum and no
// clipping.
func TestCUDAOptimizersMatchCPU(t *testing.T) {
	dev := cudaDevice(t)
	cfg := spam.Config{Vocab: 50, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5, SeqLen: 6}
	for _, tc := range []struct {
		name string
		clip float64
		opt  func() optim.Optimizer
	}{
		{"AdamW", 0.5, func() optim.Optimizer {
			a := optim.NewAdam(1e-2)
			a.WeightDecay, a.Decoupled = 0.1, true
			return a
		}},
		{"SGD momentum", 0.5, func() optim.Optimizer {
			return &optim.SGD{LR: 0.2, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3}
		}},
		{"SGD Nesterov", 0, func() optim.Optimizer { return &optim.SGD{LR: 0.1, Momentum: 0.5, Nesterov: true} }},
	} {
		t.Run(tc.name, func(t *testing.T) { trainersMatch(t, dev, cfg, tc.clip, tc.opt(), tc.opt()) })
	}
}

// trainersMatch trains a model of cfg on the CPU with cpuOpt and on dev
// with gpuOpt (a copy of it) for six steps and compares every step's loss
// and decisions, the parameters after each, and the optimizer's state.
func trainersMatch(t *testing.T, dev train.Device, cfg spam.Config, clip float64, cpuOpt, gpuOpt optim.Optimizer) {
	cpuModel, err := spam.NewModel(cfg, 7)
	require.NoError(t, err)
	gpuModel, err := spam.NewModel(cfg, 7)
	require.NoError(t, err)
	const batch = 4
	d := newRandomIDs(40, cfg.SeqLen, cfg.Vocab, 3)
	if cfg.Packed {
		d = newPaddedIDs(40, cfg.SeqLen, cfg.Vocab, 3)
	}
	cpuTr, err := train.NewTrainer(cpuModel, train.Config{BatchSize: batch, ClipNorm: clip, Optimizer: cpuOpt})
	require.NoError(t, err)
	gpuTr, err := train.NewTrainer(gpuModel, train.Config{BatchSize: batch, ClipNorm: clip, Optimizer: gpuOpt, Device: dev})
	require.NoError(t, err)
	defer gpuTr.Close()

	rng := rand.New(rand.NewPCG(5, 5))
	var worstLoss, worstParam float64
	// Elements whose gradient was ever within 100× of Adam's eps (1e-8):
	// there m/(√v+eps) turns the devices' float32 rounding of the gradient
	// into update differences of order the learning rate (1e-2), so they
	// may differ by up to that per step; a wrong gradient shows in
	// elements whose gradient is not tiny.
	tiny := make([][]bool, len(cpuModel.Params()))
	tolerated := 0
	for step := 1; step <= 6; step++ {
		idx := rng.Perm(d.Len())[:batch]
		lc, cc, err := cpuTr.Step(d, idx)
		require.NoError(t, err)
		lg, cg, err := gpuTr.Step(d, idx)
		require.NoError(t, err)
		rel := math.Abs(lc-lg) / math.Abs(lc)
		worstLoss = max(worstLoss, rel)
		require.LessOrEqual(t, rel, 1e-5, "step %d: loss CPU %v, CUDA %v", step, lc, lg)
		flips := requireSameDecisions(t, fmt.Sprintf("step %d", step), floats(cpuTr.Outputs()), floats(gpuTr.Outputs()))
		require.LessOrEqual(t, abs(cc-cg), flips, "step %d: correct CPU %d, CUDA %d", step, cc, cg)
		require.NoError(t, gpuTr.SyncHost())
		grads, err := cpuTr.Grads()
		require.NoError(t, err)
		for i, p := range cpuModel.Params() {
			q := gpuModel.Params()[i]
			if tiny[i] == nil {
				tiny[i] = make([]bool, p.Value.Len())
			}
			for j := range p.Value.Len() {
				tiny[i][j] = tiny[i][j] || math.Abs(grads[i].At(j)) < 1e-6
				a, b := q.Value.At(j), p.Value.At(j)
				if near(a, b) {
					worstParam = max(worstParam, math.Abs(a-b)/(1e-6/1e-4+math.Abs(b)))
					continue
				}
				if !tiny[i][j] || math.Abs(a-b) > 1e-2*float64(step) {
					t.Fatalf("step %d: %s[%d]: CUDA %v, CPU %v (gradient %g)", step, p.Name, j, a, b, grads[i].At(j))
				}
				tolerated++
			}
		}
	}
	if tolerated > 0 {
		t.Logf("%d parameter comparisons of elements with gradients below 1e-6 differed beyond 1e-4 (Adam's eps amplifies rounding there)", tolerated)
	}
	require.Equal(t, 6, gpuOpt.StepCount())
	if len(gpuOpt.Slots()) > 0 {
		p := gpuModel.Params()[1]
		st, want := gpuOpt.State(p), cpuOpt.State(cpuModel.Params()[1])
		require.NotNil(t, st, "the optimizer's state comes back to the host")
		for _, slot := range gpuOpt.Slots() {
			for j := range st[slot].Len() {
				require.True(t, near(st[slot].At(j), want[slot].At(j)), "%s %s[%d]: CUDA %v, CPU %v", slot, p.Name, j,
					st[slot].At(j), want[slot].At(j))
			}
		}
	}
	t.Logf("6 steps: worst loss relative difference %.3g, worst parameter difference %.3g (relative, floor 1e-2)", worstLoss, worstParam)
}

// TestCUDAFitMatchesCPU fits the spam classifier on the demo corpus on both
// devices from the same seed and compares the validation accuracy.
func TestCUDAFitMatchesCPU(t *testing.T) {
	dev := cudaDevice(t)
	ex, load, err := data.DemoCorpus()
	require.NoError(t, err)
	ex = ex[:400]
	opts := func(d train.Device) spam.Options {
		return spam.Options{Model: spam.Config{SeqLen: 12, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5},
			Epochs: 2, BatchSize: 32, LR: 2e-2, Device: d}
	}
	var bestSeen []int
	o := opts(dev)
	o.OnBest = func(c *spam.Classifier) error { bestSeen = append(bestSeen, c.Info.BestEpoch); return nil }
	cg, rg, err := spam.Train(context.Background(), ex, load, o)
	require.NoError(t, err)
	cc, rc, err := spam.Train(context.Background(), ex, load, opts(train.CPU))
	require.NoError(t, err)
	require.Len(t, rg.Fit.History, 2)
	require.NotEmpty(t, bestSeen)
	requireSameBest(t, rc.Fit.History, rc.Fit.BestEpoch, rg.Fit.BestEpoch, 0.005)
	for e := range rc.Fit.History {
		c, g := rc.Fit.History[e], rg.Fit.History[e]
		t.Logf("epoch %d: val accuracy CPU %.4f CUDA %.4f, val loss CPU %.6f CUDA %.6f", e+1, c.ValAcc, g.ValAcc, c.ValLoss, g.ValLoss)
		require.InDelta(t, c.ValAcc, g.ValAcc, 0.005)
	}
	require.InDelta(t, rc.TestResult.Accuracy, rg.TestResult.Accuracy, 0.005)
	// The CUDA-trained weights are in host memory: the CPU scores them the same.
	cpuEval, err := train.NewEvaluator(cg.Model, tensor.Float32).Evaluate(spamVal(t, ex, cg), 64)
	require.NoError(t, err)
	gpuEval, err := train.NewEvaluatorOn(cg.Model, tensor.Float32, dev).Evaluate(spamVal(t, ex, cg), 64)
	require.NoError(t, err)
	require.InDelta(t, cpuEval.Loss, gpuEval.Loss, 1e-5*cpuEval.Loss+1e-6)
	flips := requireSameDecisions(t, "evaluation", cpuEval.Probs, gpuEval.Probs)
	require.InDelta(t, cpuEval.Accuracy, gpuEval.Accuracy, float64(flips)/float64(len(cpuEval.Probs))+1e-12)
	_ = cc
}

// requireSameBest checks that both devices kept the same epoch, or, where
// they did not, that the reference's two epochs were tied within accTol of
// validation accuracy and 1e-5 of relative validation loss (the devices'
// tolerance), so that rounding could pick either.
func requireSameBest(t *testing.T, ref []train.EpochStats, refBest, gotBest int, accTol float64) {
	t.Helper()
	if refBest == gotBest {
		return
	}
	require.NotZero(t, refBest)
	require.NotZero(t, gotBest)
	a, b := ref[refBest-1], ref[gotBest-1]
	if math.Abs(a.ValAcc-b.ValAcc) > accTol+1e-12 && math.Abs(a.ValLoss-b.ValLoss) > 1e-5*math.Abs(a.ValLoss) {
		t.Fatalf("best epoch %d on the reference, %d on the device, and the reference's figures for them are not tied: %+v, %+v",
			refBest, gotBest, a, b)
	}
	t.Logf("best epoch %d on the reference, %d on the device: tied within the devices' tolerance", refBest, gotBest)
}

// floats copies a buffer's values as float64.
func floats(b *graph.Buf) []float64 {
	out := make([]float64, b.Len())
	for i := range out {
		out[i] = b.At(i)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func spamVal(t *testing.T, ex []data.Example, c *spam.Classifier) spam.Dataset {
	t.Helper()
	kept, _ := data.DropEmpty(ex)
	idx := make([]int, 100)
	for i := range idx {
		idx[i] = i
	}
	d, err := data.NewDataset(kept, idx, c.Vocab, c.Model.Cfg.SeqLen)
	require.NoError(t, err)
	return spam.Dataset{Dataset: d}
}

// TestCUDAFitKeepLast fits with a kept short last batch (a second program
// sharing the first one's weights and Adam state on the device) and
// compares the final weights with the CPU's.
func TestCUDAFitKeepLast(t *testing.T) {
	dev := cudaDevice(t)
	cfg := spam.Config{Vocab: 50, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5, SeqLen: 6}
	d := newRandomIDs(10, cfg.SeqLen, cfg.Vocab, 9)
	val := newRandomIDs(6, cfg.SeqLen, cfg.Vocab, 10)
	fit := func(dev train.Device) (*spam.Model, *train.Result) {
		m, err := spam.NewModel(cfg, 11)
		require.NoError(t, err)
		res, err := train.Fit(context.Background(), m, d, val, train.Config{Epochs: 2, BatchSize: 4, KeepLast: true,
			ClipNorm: 1, Optimizer: optim.NewAdam(1e-2), Device: dev})
		require.NoError(t, err)
		return m, res
	}
	mc, rc := fit(train.CPU)
	mg, rg := fit(dev)
	requireSameBest(t, rc.History, rc.BestEpoch, rg.BestEpoch, 0)
	for e := range rc.History {
		require.InEpsilon(t, rc.History[e].TrainLoss, rg.History[e].TrainLoss, 1e-5)
		require.InEpsilon(t, rc.History[e].ValLoss, rg.History[e].ValLoss, 1e-5)
	}
	// Twelve Adam updates in, an element whose gradient is tiny moves by
	// lr·m/√v, which amplifies float32 rounding differences in that
	// gradient: the per-step bound (1e-4 relative) becomes 1e-3 here.
	var worst float64
	for i, p := range mc.Params() {
		q := mg.Params()[i]
		for j := range p.Value.Len() {
			a, b := q.Value.At(j), p.Value.At(j)
			worst = max(worst, math.Abs(a-b)/(1e-2+math.Abs(b)))
			if math.Abs(a-b) > 1e-6+1e-3*math.Abs(b) {
				t.Fatalf("%s[%d]: CUDA %v, CPU %v", p.Name, j, a, b)
			}
		}
	}
	t.Logf("after 2 epochs with a kept short batch: worst parameter difference %.3g (relative, floor 1e-2)", worst)
}

// TestCUDAGraphReplayMatchesKernelLaunches trains the same model twice on
// the device, once replaying the captured step and once launching every
// kernel, through a learning-rate change (which must re-capture the step),
// and compares the losses and parameters.
func TestCUDAGraphReplayMatchesKernelLaunches(t *testing.T) {
	dev := cudaDevice(t)
	cfg := spam.Config{Vocab: 40, Embed: 8, Hidden: 8, Layers: 2, Dropout: 0.5, SeqLen: 5}
	d := newRandomIDs(30, cfg.SeqLen, cfg.Vocab, 13)
	type run struct {
		m    *spam.Model
		tr   *train.Trainer
		adam *optim.Adam
	}
	mk := func(graphs bool) run {
		m, err := spam.NewModel(cfg, 17)
		require.NoError(t, err)
		a := optim.NewAdam(1e-2)
		tr, err := train.NewTrainer(m, train.Config{BatchSize: 3, ClipNorm: 1, Optimizer: a, Device: dev.WithGraphs(graphs)})
		require.NoError(t, err)
		t.Cleanup(func() { tr.Close() })
		return run{m, tr, a}
	}
	g, k := mk(true), mk(false)
	require.True(t, dev.Graphs())
	require.False(t, dev.WithGraphs(false).Graphs())
	rng := rand.New(rand.NewPCG(3, 4))
	for step := 1; step <= 5; step++ {
		if step == 4 { // a schedule lowering the rate: the captured step is stale
			g.adam.LR, k.adam.LR = 1e-3, 1e-3
		}
		idx := rng.Perm(d.Len())[:3]
		lg, _, err := g.tr.Step(d, idx)
		require.NoError(t, err)
		lk, _, err := k.tr.Step(d, idx)
		require.NoError(t, err)
		require.True(t, near(lg, lk), "step %d: loss with graph %v, without %v", step, lg, lk)
	}
	require.NoError(t, g.tr.SyncHost())
	require.NoError(t, k.tr.SyncHost())
	for i, p := range k.m.Params() {
		q := g.m.Params()[i]
		for j := range p.Value.Len() {
			if a, b := q.Value.At(j), p.Value.At(j); !near(a, b) {
				t.Fatalf("%s[%d]: graph replay %v, kernel launches %v", p.Name, j, a, b)
			}
		}
	}
}

// TestCUDAStepSkipsNonFiniteUpdate: a step whose loss is not finite
// reports ErrNonFinite and leaves the weights and Adam's step count as they
// were, as on the CPU, also when the step is a graph replay.
func TestCUDAStepSkipsNonFiniteUpdate(t *testing.T) {
	dev := cudaDevice(t)
	cfg := spam.Config{Vocab: 30, Embed: 4, Hidden: 4, Layers: 1, Dropout: 0, SeqLen: 4}
	m, err := spam.NewModel(cfg, 5)
	require.NoError(t, err)
	a := optim.NewAdam(1e-2)
	tr, err := train.NewTrainer(m, train.Config{BatchSize: 2, ClipNorm: 1, Optimizer: a, Device: dev})
	require.NoError(t, err)
	defer tr.Close()
	d := newRandomIDs(8, cfg.SeqLen, cfg.Vocab, 2)
	for range 2 { // the second step is a replay of the captured graph
		_, _, err := tr.Step(d, []int{0, 1})
		require.NoError(t, err)
	}
	require.NoError(t, tr.SyncHost())
	params := m.Params()
	var emb *graph.Param
	for _, p := range params {
		if p.Value.Len() == cfg.Vocab*cfg.Embed {
			emb = p
		}
	}
	require.NotNil(t, emb, "embedding table")
	before := make([][]float64, len(params))
	for i, p := range params {
		for j := range p.Value.Len() {
			before[i] = append(before[i], p.Value.At(j))
		}
	}
	for j := range emb.Value.Len() { // every token's vector is NaN: so is the loss
		emb.Value.Set(j, math.NaN())
	}
	before[slicesIndex(params, emb)] = nil
	require.NoError(t, tr.SyncDevice())
	_, _, err = tr.Step(d, []int{2, 3})
	require.ErrorIs(t, err, train.ErrNonFinite)
	require.Equal(t, 2, a.StepCount(), "a skipped step does not count")
	require.NoError(t, tr.SyncHost())
	for i, p := range params {
		for j, want := range before[i] {
			if got := p.Value.At(j); got != want {
				t.Fatalf("%s[%d] changed from %v to %v by a non-finite step", p.Name, j, want, got)
			}
		}
	}
}

func slicesIndex(ps []*graph.Param, p *graph.Param) int {
	for i, q := range ps {
		if q == p {
			return i
		}
	}
	return -1
}

// TestCUDATrainerProfile: a profiled CUDA step reports every op of the
// step with device times, and the clipping and Adam kernels.
func TestCUDATrainerProfile(t *testing.T) {
	dev := cudaDevice(t)
	cfg := spam.Config{Vocab: 30, Embed: 4, Hidden: 4, Layers: 2, Dropout: 0.5, SeqLen: 4}
	m, err := spam.NewModel(cfg, 5)
	require.NoError(t, err)
	tr, err := train.NewTrainer(m, train.Config{BatchSize: 2, ClipNorm: 1, Optimizer: optim.NewAdam(1e-2), Device: dev})
	require.NoError(t, err)
	defer tr.Close()
	d := newRandomIDs(8, cfg.SeqLen, cfg.Vocab, 2)
	_, _, err = tr.Step(d, []int{0, 1}) // unprofiled
	require.NoError(t, err)
	require.NoError(t, tr.SetProfiling(true))
	for range 3 {
		_, _, err = tr.Step(d, []int{2, 3})
		require.NoError(t, err)
	}
	p := tr.Profile()
	require.Equal(t, 3, p.Steps)
	seen := map[string]graph.OpTime{}
	for _, o := range p.Ops {
		seen[o.Op+"/"+o.Phase] = o
	}
	for _, want := range []string{"LSTM/forward", "LSTMBackward/backward", "Embedding/forward", "Dropout/forward",
		"Fill/data", "ClipGradNorm/optimizer", "Adam/optimizer"} {
		o, ok := seen[want]
		require.True(t, ok, "no %s entry in\n%v", want, p)
		require.Positive(t, o.Calls, want)
	}
	require.Equal(t, 6, seen["LSTM/forward"].Calls, "2 layers x 3 steps")
	require.LessOrEqual(t, p.Total(), p.Wall+p.Wall/10, "device and fill time within the steps' wall time")
	t.Logf("profile of 3 steps:\n%v", p)
	tr.ResetProfile()
	require.Zero(t, tr.Profile().Steps)
	require.NoError(t, tr.SetProfiling(false))
	_, _, err = tr.Step(d, []int{0, 1}) // back to the captured graph
	require.NoError(t, err)
}

// TestCUDAStepAllocatesNothing: once the step is captured, a CUDA training
// step (uploads, graph launch, read-back) allocates nothing on the Go heap,
// as a CPU step does not, whichever the model's cell.
func TestCUDAStepAllocatesNothing(t *testing.T) {
	dev := cudaDevice(t)
	for _, cell := range spam.Cells {
		t.Run(cell, func(t *testing.T) {
			cfg := cellConfig(cell, spam.Config{Vocab: 20, Embed: 4, Hidden: 4, Layers: 2, Dropout: 0.5, SeqLen: 3})
			m, err := spam.NewModel(cfg, 5)
			require.NoError(t, err)
			tr, err := train.NewTrainer(m, train.Config{BatchSize: 2, ClipNorm: 1, Optimizer: optim.NewAdam(1e-2), Device: dev})
			require.NoError(t, err)
			defer tr.Close()
			d := newRandomIDs(4, cfg.SeqLen, cfg.Vocab, 2)
			idx := []int{0, 1}
			for range 2 { // kernel by kernel, then capture
				_, _, err := tr.Step(d, idx)
				require.NoError(t, err)
			}
			allocs := testing.AllocsPerRun(3, func() {
				if _, _, err := tr.Step(d, idx); err != nil {
					t.Fatal(err)
				}
			})
			require.Zero(t, allocs, "allocations per CUDA step")
		})
	}
}

// softsignNet is a small classifier with an op that has no CUDA kernel
// (testops.Softsign): on a CUDA device it runs through the CPU fallback.
type softsignNet struct{ d1, d2 *layers.Dense }

func newSoftsignNet(seed uint64) *softsignNet {
	rng := rand.New(rand.NewPCG(seed, 3))
	return &softsignNet{d1: layers.NewDense("d1", 5, 8, tensor.Float32, rng),
		d2: layers.NewDense("d2", 8, 1, tensor.Float32, rng)}
}

func (m *softsignNet) Params() []*graph.Param { return layers.Collect(m.d1, m.d2) }

func (m *softsignNet) Build(g *graph.Graph, batch int) (*train.Net, error) {
	x := g.Input("x", tensor.Float32, batch, 5)
	y := g.Input("y", tensor.Float32, batch, 1)
	p := layers.Sigmoid(m.d2.Forward(g, testops.Apply(m.d1.Forward(g, x))))
	return &train.Net{Inputs: []*gorgonia.Node{x}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// gauss is n points of 5 features, labelled by the sign of a fixed
// direction.
type gauss struct {
	x [][]float32
	y []float32
}

func newGauss(n int, seed uint64) *gauss {
	rng := rand.New(rand.NewPCG(seed, 8))
	d := &gauss{}
	for range n {
		row := make([]float32, 5)
		var s float32
		for j := range row {
			row[j] = float32(rng.NormFloat64())
			s += row[j] * float32(j-2)
		}
		d.x = append(d.x, row)
		d.y = append(d.y, float32(b2f(s > 0)))
	}
	return d
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (d *gauss) Len() int { return len(d.y) }

func (d *gauss) Fill(idx []int, inputs []*graph.Buf, target *graph.Buf) error {
	for k, i := range idx {
		copy(inputs[0].F32[k*5:(k+1)*5], d.x[i])
		target.F32[k] = d.y[i]
	}
	return nil
}

// TestCUDAFallbackTrainsLikeCPU fits a model with an op that has only a CPU
// kernel on CUDA (the emulator without a GPU): the op runs on the CPU
// inside the device programs (training, last batch, validation), the
// backend says so once per op, and the parameters end where the CPU's do.
func TestCUDAFallbackTrainsLikeCPU(t *testing.T) {
	dev := cudaDevice(t)
	var warned []string
	dev = train.On(cudaexec.New(dev.Context()).WithWarnings(func(msg string) { warned = append(warned, msg) }))
	cfg := train.Config{Epochs: 3, BatchSize: 8, KeepLast: true, ClipNorm: 1, Seed: 4}
	cpuModel, gpuModel := newSoftsignNet(1), newSoftsignNet(1)
	trainSet, valSet := newGauss(60, 1), newGauss(20, 2)
	cfg.Optimizer = optim.NewAdam(0.05)
	want, err := train.Fit(context.Background(), cpuModel, trainSet, valSet, cfg)
	require.NoError(t, err)
	cfg.Optimizer, cfg.Device = optim.NewAdam(0.05), dev
	got, err := train.Fit(context.Background(), gpuModel, trainSet, valSet, cfg)
	require.NoError(t, err)
	for i, st := range want.History {
		require.True(t, near(got.History[i].ValLoss, st.ValLoss), "epoch %d: validation loss CUDA %v, CPU %v",
			i+1, got.History[i].ValLoss, st.ValLoss)
	}
	for i, p := range cpuModel.Params() {
		q := gpuModel.Params()[i]
		for j := range p.Value.Len() {
			require.True(t, near(q.Value.At(j), p.Value.At(j)), "%s[%d]: CUDA %v, CPU %v", p.Name, j, q.Value.At(j), p.Value.At(j))
		}
	}
	t.Logf("warnings:\n%s", strings.Join(warned, "\n"))
	require.Len(t, warned, 2, "once per op (Softsign, SoftsignGrad), though three programs use them")
	require.Contains(t, warned[0], "Softsign runs on the CPU inside the CUDA program")
}

// TestCUDATrainerExposesGradients: GradNorm and Grads on the device give
// what the CPU trainer gives, after Gradients (raw) and after a clipped Step.
func TestCUDATrainerExposesGradients(t *testing.T) {
	dev := cudaDevice(t)
	cfg := spam.Config{Vocab: 30, Embed: 6, Hidden: 8, Layers: 2, Dropout: 0, SeqLen: 5}
	cpuModel, err := spam.NewModel(cfg, 9)
	require.NoError(t, err)
	gpuModel, err := spam.NewModel(cfg, 9)
	require.NoError(t, err)
	d := newRandomIDs(8, cfg.SeqLen, cfg.Vocab, 4)
	idx := []int{0, 3, 5}
	mk := func(m *spam.Model, dev train.Device) *train.Trainer {
		tr, err := train.NewTrainer(m, train.Config{BatchSize: 3, ClipNorm: 0.05, Optimizer: optim.NewAdam(1e-2), Device: dev})
		require.NoError(t, err)
		t.Cleanup(func() { tr.Close() })
		return tr
	}
	cpuTr, gpuTr := mk(cpuModel, train.CPU), mk(gpuModel, dev)
	compare := func(what string) {
		require.InDelta(t, cpuTr.GradNorm(), gpuTr.GradNorm(), 1e-5*cpuTr.GradNorm(), what+": norm")
		gc, err := cpuTr.Grads()
		require.NoError(t, err)
		gg, err := gpuTr.Grads()
		require.NoError(t, err)
		require.Len(t, gg, len(gc))
		for i := range gc {
			for j := range gc[i].Len() {
				a, b := gg[i].At(j), gc[i].At(j)
				if math.Abs(a-b) > 1e-6+1e-4*math.Abs(b) {
					t.Fatalf("%s: gradient of %s[%d]: CUDA %v, CPU %v", what, cpuTr.Params()[i].Name, j, a, b)
				}
			}
		}
	}
	lc, err := cpuTr.Gradients(d, idx)
	require.NoError(t, err)
	lg, err := gpuTr.Gradients(d, idx)
	require.NoError(t, err)
	require.InDelta(t, lc, lg, 1e-5)
	require.Greater(t, cpuTr.GradNorm(), 0.05)
	compare("raw")
	for step := range 2 { // the second step replays the captured graph
		_, _, err = cpuTr.Step(d, idx)
		require.NoError(t, err)
		_, _, err = gpuTr.Step(d, idx)
		require.NoError(t, err)
		compare(fmt.Sprintf("step %d", step+1))
	}
}
