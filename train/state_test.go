package train_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// dropRNN is a model whose steps depend on every part of a run's state:
// weights, Adam's moments and step count, the dropout counters of a
// two-layer LSTM with dropout between the layers, and the order of the
// examples.
type dropRNN struct {
	emb  *layers.Embedding
	lstm *layers.LSTM
	out  *layers.Dense
}

func newDropRNN(hidden int) *dropRNN {
	rng := rand.New(rand.NewPCG(7, 8))
	return &dropRNN{
		emb:  layers.NewEmbedding("emb", 12, 8, tensor.Float32, rng),
		lstm: layers.NewLSTM("lstm", 8, hidden, 2, 0.3, tensor.Float32, rng),
		out:  layers.NewDense("out", hidden, 1, tensor.Float32, rng),
	}
}

func (m *dropRNN) Params() []*graph.Param { return layers.Collect(m.emb, m.lstm, m.out) }

func (m *dropRNN) Build(g *graph.Graph, batch int) (*train.Net, error) {
	ids := g.Input("ids", tensor.Int32, batch, 6)
	y := g.Input("y", tensor.Float32, batch, 1)
	_, last := m.lstm.Forward(g, m.emb.Forward(g, ids))
	p := layers.Sigmoid(m.out.Forward(g, last))
	return &train.Net{Inputs: []*gorgonia.Node{ids}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// stopAfter is training data that cancels a run's context when it has
// filled a given number of batches after being armed.
type stopAfter struct {
	seqs
	left   int // fills until the cancel; < 0 disarmed
	cancel context.CancelFunc
}

func (d *stopAfter) Fill(idx []int, in []*graph.Buf, target *graph.Buf) error {
	if d.left > 0 {
		if d.left--; d.left == 0 {
			d.cancel() // Fit stops before the next step
		}
	}
	return d.seqs.Fill(idx, in, target)
}

// resumeCase is one run of the resume tests: a fresh model, data and
// optimizer, as a process starting the run (or resuming it) makes them.
type resumeCase struct {
	dev            train.Device
	epochs, hidden int
	batch          int
	lr             float64
	outLR          float64 // when not 0: the output layer in a parameter group of this rate
	train, val     seqs
	short          bool // leave out the parts the CPU's run covers
}

// newResumeCase makes a run of n training examples in batches of 16, the
// last short one kept: it has a training program (and dropout counters) of
// its own.
func newResumeCase(dev train.Device, n int) *resumeCase {
	rng := rand.New(rand.NewPCG(3, 4))
	return &resumeCase{dev: dev, epochs: 4, hidden: 12, batch: 16, lr: 0.02, train: makeSeqs(n, rng), val: makeSeqs(50, rng)}
}

func (c *resumeCase) config(m *dropRNN, state string, resume *train.State) train.Config {
	opt := optim.NewAdam(c.lr)
	if c.outLR != 0 {
		opt.AddGroup(m.out.Params()...).LR = c.outLR
	}
	return train.Config{Epochs: c.epochs, BatchSize: c.batch, Seed: 5, KeepLast: true, ClipNorm: 1,
		Select: train.SelectAccuracy, Optimizer: opt, Device: c.dev, StateFile: state, Resume: resume}
}

// run trains a fresh model; stopAt > 0 arms a cancel after that many
// batches of the second epoch (stopAt < 0: at the end of epoch -stopAt).
func (c *resumeCase) run(t *testing.T, state string, resume *train.State, stopAt int) (*train.Result, *dropRNN) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := newDropRNN(c.hidden)
	d := &stopAfter{seqs: c.train, left: -1, cancel: cancel}
	cfg := c.config(m, state, resume)
	cfg.OnEpoch = func(epoch int, _ train.EpochStats) error {
		switch {
		case stopAt < 0 && epoch == -stopAt:
			cancel()
		case stopAt > 0 && epoch == 1 && resume == nil:
			d.left = stopAt
		}
		return nil
	}
	res, err := train.Fit(ctx, m, d, c.val, cfg)
	require.NoError(t, err)
	return res, m
}

// requireSameRun checks that two runs ended with the same weights, bit for
// bit, and the same figures (the timings aside).
func requireSameRun(t *testing.T, want, got *train.Result, wm, gm *dropRNN) {
	t.Helper()
	require.Equal(t, want.BestEpoch, got.BestEpoch)
	require.Equal(t, want.Steps, got.Steps)
	require.Equal(t, want.Examples, got.Examples)
	require.Equal(t, want.StoppedEarly, got.StoppedEarly)
	require.Len(t, got.History, len(want.History))
	for i := range want.History {
		w, g := want.History[i], got.History[i]
		require.Equal(t, [5]float64{float64(w.Epoch), w.TrainLoss, w.TrainAcc, w.ValLoss, w.ValAcc},
			[5]float64{float64(g.Epoch), g.TrainLoss, g.TrainAcc, g.ValLoss, g.ValAcc}, "epoch %d's figures", i+1)
	}
	requireSameBits(t, wm.Params(), gm.Params())
}

func requireSameBits(t *testing.T, want, got []*graph.Param) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, p := range want {
		q := got[i]
		require.Equal(t, p.Name, q.Name)
		require.Len(t, q.Value.F32, len(p.Value.F32))
		for j, v := range p.Value.F32 {
			if math.Float32bits(v) != math.Float32bits(q.Value.F32[j]) {
				t.Fatalf("%s[%d] is %v (%#x), the uninterrupted run's %v (%#x)", p.Name, j, q.Value.F32[j], math.Float32bits(q.Value.F32[j]), v, math.Float32bits(v))
			}
		}
	}
}

func loadState(t *testing.T, path string) *train.State {
	t.Helper()
	st, err := train.LoadState(path)
	require.NoError(t, err)
	return st
}

// testResume: a run interrupted after an epoch, or in the middle of one,
// and resumed from its state file (more than once) ends as the run that
// was never interrupted, bit for bit.
func testResume(t *testing.T, c *resumeCase) {
	dir := t.TempDir()

	want, wantModel := c.run(t, filepath.Join(dir, "full.state"), nil, 0)
	if !c.short {
		plain, plainModel := c.run(t, "", nil, 0)
		requireSameRun(t, plain, want, plainModel, wantModel) // saving the state changes nothing
	}
	st := loadState(t, filepath.Join(dir, "full.state"))
	require.Equal(t, [3]int{c.epochs, 0, c.epochs}, [3]int{st.Epoch, st.Step, st.Epochs})
	require.Len(t, st.History, c.epochs)

	t.Run("after an epoch", func(t *testing.T) {
		path := filepath.Join(dir, "boundary.state")
		res, _ := c.run(t, path, nil, -2)
		require.True(t, res.Interrupted)
		require.Len(t, res.History, 2)
		st := loadState(t, path)
		require.Equal(t, [2]int{2, 0}, [2]int{st.Epoch, st.Step})
		got, gotModel := c.run(t, path, st, 0)
		require.False(t, got.Interrupted)
		requireSameRun(t, want, got, wantModel, gotModel)
	})

	t.Run("mid-epoch, twice", func(t *testing.T) {
		path := filepath.Join(dir, "mid.state")
		res, _ := c.run(t, path, nil, 3)
		require.True(t, res.Interrupted)
		st := loadState(t, path)
		require.Equal(t, [3]int{1, 3, 1}, [3]int{st.Epoch, st.Step, len(st.History)}, "stopped in epoch 2 after 3 steps")
		require.True(t, st.Interrupted)
		// The resumed run is stopped again, in the epoch after.
		ctx, cancel := context.WithCancel(context.Background())
		m := newDropRNN(c.hidden)
		cfg := c.config(m, path, st)
		cfg.OnEpoch = func(epoch int, _ train.EpochStats) error {
			if epoch == 2 {
				cancel()
			}
			return nil
		}
		res, err := train.Fit(ctx, m, &stopAfter{seqs: c.train, left: -1}, c.val, cfg)
		cancel()
		require.NoError(t, err)
		require.True(t, res.Interrupted)
		require.Equal(t, 2*want.Steps/c.epochs, res.Steps, "the steps of both parts of the run, the first one's 3 of epoch 2 included")
		require.Equal(t, 2*want.Examples/c.epochs, res.Examples)
		st = loadState(t, path)
		require.Equal(t, [2]int{2, 0}, [2]int{st.Epoch, st.Step})
		got, gotModel := c.run(t, path, st, 0)
		requireSameRun(t, want, got, wantModel, gotModel)
	})

	t.Run("more epochs", func(t *testing.T) {
		if c.short {
			t.Skip("-short on a device: the CPU's test covers it")
		}
		// A finished run resumed with more epochs is the longer run.
		longer := *c
		longer.epochs = c.epochs + 2
		wantLonger, wantLongerModel := longer.run(t, "", nil, 0)
		got, gotModel := longer.run(t, filepath.Join(dir, "more.state"), loadState(t, filepath.Join(dir, "full.state")), 0)
		requireSameRun(t, wantLonger, got, wantLongerModel, gotModel)
	})
}

// 203 examples: 12 batches of 16 and one of 11.
func TestResume(t *testing.T) { testResume(t, newResumeCase(train.CPU, 203)) }

// TestResumeGroups: parameter groups are part of the state: a run with
// one resumes exactly, and one with another group's rate is refused.
func TestResumeGroups(t *testing.T) {
	c := newResumeCase(train.CPU, 100)
	c.epochs, c.outLR = 3, 0.05
	dir := t.TempDir()
	want, wantModel := c.run(t, "", nil, 0)
	path := filepath.Join(dir, "groups.state")
	c.run(t, path, nil, 2)
	st := loadState(t, path)
	got, gotModel := c.run(t, path, st, 0)
	requireSameRun(t, want, got, wantModel, gotModel)

	other := *c
	other.outLR = 0.03
	m := newDropRNN(c.hidden)
	_, err := train.Fit(context.Background(), m, c.train, c.val, other.config(m, "", loadState(t, path)))
	require.ErrorIs(t, err, train.ErrStateMismatch)
	require.ErrorContains(t, err, "parameter group 1 has LR 0.03, the state's run 0.05")
}

// TestResumeRefused: a state of another run is refused before anything is
// changed, saying what differs.
func TestResumeRefused(t *testing.T) {
	c := newResumeCase(train.CPU, 203)
	c.epochs = 2
	path := filepath.Join(t.TempDir(), "run.state")
	c.run(t, path, nil, 0)
	st := loadState(t, path)

	cases := []struct {
		name   string
		change func(c *resumeCase)
		cfg    func(cfg *train.Config)
		want   string
	}{
		{"batch size", func(c *resumeCase) { c.batch = 8 }, nil, "batch size 8, the state's run 16"},
		{"architecture", func(c *resumeCase) { c.hidden = 10 }, nil, "another model: parameter"},
		{"learning rate", func(c *resumeCase) { c.lr = 0.01 }, nil, "optimizer settings differ: LR 0.01 (the state's run: 0.02)"},
		{"training data", func(c *resumeCase) {
			c.train = seqs{ids: append([]int32(nil), c.train.ids...), labels: c.train.labels}
			c.train.ids[100] = (c.train.ids[100] + 1) % 10
		}, nil, "other training data: the 203 examples differ"},
		{"training data size", func(c *resumeCase) {
			c.train = seqs{ids: c.train.ids[:6*200], labels: c.train.labels[:200]}
		}, nil, "other training data: 200 examples, the state's run had 203"},
		{"validation data", func(c *resumeCase) { c.val = seqs{ids: c.val.ids[:6*49], labels: c.val.labels[:49]} }, nil, "other validation data"},
		{"seed", nil, func(cfg *train.Config) { cfg.Seed = 6 }, "seed 6, the state's run 5"},
		{"optimizer", nil, func(cfg *train.Config) { cfg.Optimizer = optim.NewSGD(0.02) }, "optimizer github.com/emberml/ember/optim.SGD"},
		{"clip", nil, func(cfg *train.Config) { cfg.ClipNorm = 2 }, "gradient clipping at 2"},
		{"parameter groups", func(c *resumeCase) { c.outLR = 0.05 }, nil, "1 parameter groups, the state's run 0"},
		{"fewer epochs", nil, func(cfg *train.Config) { cfg.Epochs = 1 }, "Epochs 1 would end the run"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			if tc.change != nil {
				tc.change(&cc)
			}
			m := newDropRNN(cc.hidden)
			before := snapshotParams(m.Params())
			cfg := cc.config(m, "", st)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			_, err := train.Fit(context.Background(), m, cc.train, cc.val, cfg)
			require.ErrorContains(t, err, tc.want)
			if tc.name != "fewer epochs" {
				require.ErrorIs(t, err, train.ErrStateMismatch)
			}
			requireSameBits(t, before, m.Params()) // the model is as it was
		})
	}

	t.Run("a model built before", func(t *testing.T) {
		// Dropout seeds come from a model's builds: a model already
		// built for training is not the run's and is refused.
		m := newDropRNN(c.hidden)
		tr, err := train.NewTrainer(m, train.Config{BatchSize: 4})
		require.NoError(t, err)
		tr.Close()
		_, err = train.Fit(context.Background(), m, c.train, c.val, c.config(m, "", st))
		require.ErrorIs(t, err, train.ErrStateMismatch)
		require.ErrorContains(t, err, "dropout 1 is seeded")
	})
}

func snapshotParams(ps []*graph.Param) []*graph.Param {
	var out []*graph.Param
	for _, p := range ps {
		q := graph.NewParam(p.Name, p.Value.Dtype, p.Value.Shape...)
		_ = q.Value.CopyFrom(p.Value)
		out = append(out, q)
	}
	return out
}

// TestStateFileDamage: a truncated, corrupt or foreign state file is
// refused with an error naming it.
func TestStateFileDamage(t *testing.T) {
	c := newResumeCase(train.CPU, 203)
	c.epochs = 1
	dir := t.TempDir()
	path := filepath.Join(dir, "run.state")
	c.run(t, path, nil, 0)
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x10
	for _, tc := range []struct {
		name string
		data []byte
		kind error
	}{
		{"truncated", good[:len(good)-100], checkpoint.ErrTruncated},
		{"corrupt", flipped, checkpoint.ErrCorrupt},
		{"text", []byte("ham\thello\n"), checkpoint.ErrNotModel},
		{"empty", nil, checkpoint.ErrTruncated},
	} {
		p := write(tc.name+".state", tc.data)
		_, err := train.LoadState(p)
		require.ErrorIs(t, err, tc.kind, tc.name)
		require.ErrorContains(t, err, "training state file "+p)
	}
	model := filepath.Join(dir, "m.model")
	require.NoError(t, checkpoint.Save(model, "ember.spamrnn", map[string]int{}, checkpoint.ParamTensors(newDropRNN(4).Params())))
	_, err = train.LoadState(model)
	require.ErrorIs(t, err, checkpoint.ErrKind)
	require.ErrorContains(t, err, `it holds "ember.spamrnn", not a training state`)
}

// TestTrainerState: a custom loop saves its Trainer's state and a new
// Trainer made with it continues bit for bit.
func TestTrainerState(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := makeSeqs(64, rng)
	idx := func(s int) []int {
		out := make([]int, 8)
		for k := range out {
			out[k] = (s*8 + k*3) % d.Len()
		}
		return out
	}
	cfg := func() train.Config {
		return train.Config{BatchSize: 8, ClipNorm: 1, Optimizer: optim.NewAdam(0.01)}
	}
	steps := func(tr *train.Trainer, from, to int) {
		for s := from; s < to; s++ {
			_, _, err := tr.Step(d, idx(s))
			require.NoError(t, err)
		}
	}
	want := newDropRNN(6)
	tr, err := train.NewTrainer(want, cfg())
	require.NoError(t, err)
	steps(tr, 0, 10)
	require.NoError(t, tr.SyncHost())
	tr.Close()

	path := filepath.Join(t.TempDir(), "loop.state")
	m := newDropRNN(6)
	tr, err = train.NewTrainer(m, cfg())
	require.NoError(t, err)
	steps(tr, 0, 4)
	require.NoError(t, tr.SaveState(path, map[string]string{"note": "step 4"}))
	tr.Close()

	st := loadState(t, path)
	require.False(t, st.FromFit())
	require.Equal(t, 4, st.OptimizerSteps)
	var note map[string]string
	require.NoError(t, st.DecodeMeta(&note))
	require.Equal(t, "step 4", note["note"])
	m = newDropRNN(6)
	c := cfg()
	c.Resume = st
	tr, err = train.NewTrainer(m, c)
	require.NoError(t, err)
	steps(tr, 4, 10)
	require.NoError(t, tr.SyncHost())
	tr.Close()
	requireSameBits(t, want.Params(), m.Params())

	_, err = train.Fit(context.Background(), newDropRNN(6), d, nil, c)
	require.True(t, errors.Is(err, train.ErrStateMismatch), "Fit needs Fit's state: %v", err)
}

// TestPeekState: PeekState reads the caller's metadata from a state
// file's header as LoadState's State gives it, without the tensors: a
// file damaged there (its checksum, after every tensor) still shows it,
// where LoadState refuses it. Files of another kind or a newer layout,
// and a state without the caller's metadata, are refused as LoadState
// refuses them.
func TestPeekState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loop.state")
	tr, err := train.NewTrainer(newDropRNN(4), train.Config{BatchSize: 8, Optimizer: optim.NewAdam(0.01)})
	require.NoError(t, err)
	defer tr.Close()
	require.NoError(t, tr.SaveState(path, map[string]any{"note": "step 0", "vocab": []string{"a", "b"}}))

	type note struct {
		Note  string   `json:"note"`
		Vocab []string `json:"vocab"`
	}
	var full, peeked note
	require.NoError(t, loadState(t, path).DecodeMeta(&full))
	h, err := train.PeekState(path)
	require.NoError(t, err)
	require.Equal(t, path, h.Path)
	require.NoError(t, h.DecodeMeta(&peeked))
	require.Equal(t, note{"step 0", []string{"a", "b"}}, peeked)
	require.Equal(t, full, peeked)
	var wrong []int
	require.ErrorContains(t, h.DecodeMeta(&wrong), "training state file "+path+": metadata: json: cannot unmarshal object")

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	raw[len(raw)-1] ^= 0xff
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	_, err = train.LoadState(path)
	require.ErrorIs(t, err, checkpoint.ErrCorrupt)
	h, err = train.PeekState(path)
	require.NoError(t, err, "the tensors are not read")
	peeked = note{}
	require.NoError(t, h.DecodeMeta(&peeked))
	require.Equal(t, full, peeked)

	bare := filepath.Join(dir, "bare.state")
	require.NoError(t, tr.SaveState(bare, nil))
	h, err = train.PeekState(bare)
	require.NoError(t, err)
	require.EqualError(t, h.DecodeMeta(&peeked), "training state file "+bare+": no metadata of the caller's")

	model := filepath.Join(dir, "m.model")
	require.NoError(t, checkpoint.Save(model, "ember.spamrnn", map[string]int{}, checkpoint.ParamTensors(newDropRNN(4).Params())))
	newer := filepath.Join(dir, "newer.state")
	require.NoError(t, checkpoint.SaveAs(newer, "training state file", train.StateKind, map[string]int{"version": 99}, nil))
	text := filepath.Join(dir, "text.state")
	require.NoError(t, os.WriteFile(text, []byte("ham\thello\n"), 0o644))
	for _, tc := range []struct {
		path string
		kind error
		want string
	}{
		{model, checkpoint.ErrKind, "training state file " + model + `: wrong model kind: it holds "ember.spamrnn", not a training state`},
		{newer, checkpoint.ErrVersion, "training state file " + newer + ": "},
		{text, checkpoint.ErrNotModel, "training state file " + text + ": "},
	} {
		_, loadErr := train.LoadState(tc.path)
		_, err := train.PeekState(tc.path)
		require.ErrorIs(t, err, tc.kind, tc.path)
		require.ErrorContains(t, err, tc.want)
		require.Equal(t, loadErr.Error(), err.Error(), "refused as LoadState refuses it")
	}
}

// poisoned is training data whose targets turn NaN after a given number
// of batches once armed: the run's loss becomes non-finite.
type poisoned struct {
	seqs
	left int // fills until the NaNs start; 0: disarmed
	bad  bool
}

func (d *poisoned) Fill(idx []int, in []*graph.Buf, target *graph.Buf) error {
	if err := d.seqs.Fill(idx, in, target); err != nil {
		return err
	}
	if d.left > 0 {
		if d.left--; d.left == 0 {
			d.bad = true
		}
	}
	if d.bad {
		for k := range idx {
			target.Set(k, math.NaN())
		}
	}
	return nil
}

// TestStateAfterNonFinite: a run stopped by a non-finite loss keeps the
// state of its last epoch's end (not the steps that led to the NaN), from
// which it resumes as the run on good data would have gone on.
func TestStateAfterNonFinite(t *testing.T) {
	c := newResumeCase(train.CPU, 203)
	path := filepath.Join(t.TempDir(), "nan.state")
	m := newDropRNN(c.hidden)
	d := &poisoned{seqs: c.train}
	cfg := c.config(m, path, nil)
	cfg.OnEpoch = func(epoch int, _ train.EpochStats) error {
		if epoch == 2 {
			d.left = 4 // the NaNs start in epoch 3's 4th step
		}
		return nil
	}
	res, err := train.Fit(context.Background(), m, d, c.val, cfg)
	require.ErrorIs(t, err, train.ErrNonFinite)
	require.Len(t, res.History, 2)
	st := loadState(t, path)
	require.Equal(t, [3]int{2, 0, 2}, [3]int{st.Epoch, st.Step, len(st.History)})
	require.False(t, st.Interrupted)

	want, wantModel := c.run(t, "", nil, 0)
	got, gotModel := c.run(t, path, st, 0)
	requireSameRun(t, want, got, wantModel, gotModel)
}
