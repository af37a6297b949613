package spam

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/stepctx"
	"github.com/emberml/ember/optim"
	"github.com/emberml/ember/train"
)

// TestTrainResume: a spam run stopped after an epoch, or somewhere in the
// next, and resumed from its state file (LoadRun) ends with the
// uninterrupted run's weights, bit for bit, and its figures, padded and
// packed (whose bucketing sampler draws its own random orders).
func TestTrainResume(t *testing.T) {
	testTrainResume(t, train.CPU, 700, []bool{false, true}, []int{0, 5})
}

// testTrainResume is TestTrainResume on a device, on n examples, for
// padded and/or packed models, stopped when the first epoch ends (0) or the
// given numbers of steps into the second.
func testTrainResume(t *testing.T, dev train.Device, n int, modes []bool, stops []int) {
	ex, load, err := data.DemoCorpus()
	require.NoError(t, err)
	ex = ex[:n]
	for _, packed := range modes {
		opts := func() Options {
			return Options{Model: Config{SeqLen: 16, Embed: 8, Hidden: 8, Layers: 2, Dropout: 0.3, Packed: packed},
				Epochs: 3, BatchSize: 16, LR: 5e-3, Select: train.SelectAccuracy, Bucket: 4, Device: dev}
		}
		want, wantRep, err := Train(context.Background(), ex, load, opts())
		require.NoError(t, err)
		for _, after := range stops {
			path := filepath.Join(t.TempDir(), "run.state")
			ctx := stepctx.New(context.Canceled)
			o := opts()
			o.StateFile = path
			o.Progress = ctx.ArmWhen("epoch 1/3", after)
			_, rep, err := Train(ctx, ex, load, o)
			ctx.Cancel()
			require.NoError(t, err)
			if !rep.Fit.Interrupted {
				t.Fatalf("packed %v, stop %d steps into epoch 2: the run ended before the cancel", packed, after)
			}
			run, err := LoadRun(path)
			require.NoError(t, err)
			require.Equal(t, 1, run.State.Epoch)
			if after > 0 {
				require.Equal(t, after-1, run.State.Step, "steps done in epoch 2")
			}
			t.Logf("packed %v: stopped at epoch %d, step %d", packed, run.State.Epoch+1, run.State.Step)
			o = run.Options
			o.Resume, o.Device = run, dev
			got, gotRep, err := Train(context.Background(), ex, load, o)
			require.NoError(t, err)
			require.Equal(t, wantRep.Fit.BestEpoch, gotRep.Fit.BestEpoch)
			require.Equal(t, len(wantRep.Fit.History), len(gotRep.Fit.History))
			for i, w := range wantRep.Fit.History {
				g := gotRep.Fit.History[i]
				require.Equal(t, [4]float64{w.TrainLoss, w.TrainAcc, w.ValLoss, w.ValAcc}, [4]float64{g.TrainLoss, g.TrainAcc, g.ValLoss, g.ValAcc})
			}
			require.Equal(t, wantRep.TestResult.Loss, gotRep.TestResult.Loss)
			for i, p := range want.Model.Params() {
				q := got.Model.Params()[i]
				for j, v := range p.Value.F32 {
					require.Equal(t, math.Float32bits(v), math.Float32bits(q.Value.F32[j]), "%s[%d]", p.Name, j)
				}
			}
		}
	}
}

// TestTrainResumeRefused: other settings, labels or data are refused,
// saying what differs.
func TestTrainResumeRefused(t *testing.T) {
	ex, load, err := data.DemoCorpus()
	require.NoError(t, err)
	ex = ex[:400]
	path := filepath.Join(t.TempDir(), "run.state")
	o := Options{Model: Config{SeqLen: 12, Embed: 8, Hidden: 8, Layers: 1}, Epochs: 1, BatchSize: 16, StateFile: path}
	_, _, err = Train(context.Background(), ex, load, o)
	require.NoError(t, err)
	run, err := LoadRun(path)
	require.NoError(t, err)
	require.Equal(t, 1, run.State.Epoch)

	resume := func(change func(o *Options), ex []data.Example, load data.LoadReport) error {
		o := run.Options
		o.Resume, o.Epochs = run, 2
		if change != nil {
			change(&o)
		}
		_, _, err := Train(context.Background(), ex, load, o)
		return err
	}
	require.NoError(t, resume(nil, ex, load))
	err = resume(func(o *Options) { o.BatchSize = 8; o.Model.Hidden = 4 }, ex, load)
	require.ErrorIs(t, err, train.ErrStateMismatch)
	require.ErrorContains(t, err, "hidden size 4 (the run's: 8), batch size 8 (the run's: 16)")
	err = resume(func(o *Options) { o.Model.Padding = PaddingLearned }, ex, load)
	require.ErrorIs(t, err, train.ErrStateMismatch)
	require.ErrorContains(t, err, "embedding padding learned (the run's: zero)")
	err = resume(nil, ex[:390], load)
	require.ErrorIs(t, err, train.ErrStateMismatch)
	require.ErrorContains(t, err, "other data")
	changed := append([]data.Example(nil), ex...)
	changed[5].Spam = !changed[5].Spam // same words, another label: the encoded examples differ
	err = resume(nil, changed, load)
	require.ErrorIs(t, err, train.ErrStateMismatch)
	require.ErrorContains(t, err, "other ")
	other := load
	other.Negative, other.Positive = "no", "yes"
	require.ErrorContains(t, resume(nil, ex, other), `the data's labels are "no" and "yes", the run's "ham" and "spam"`)
}

// TestLoadTrainingState: Load given a run's training state says that it
// is one (it once said only that its kind was not a model's), and still
// matches checkpoint.ErrKind.
func TestLoadTrainingState(t *testing.T) {
	ex, load, err := data.DemoCorpus()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "run.state")
	o := Options{Model: Config{SeqLen: 8, Embed: 4, Hidden: 4, Layers: 1}, Epochs: 1, BatchSize: 32, StateFile: path}
	_, _, err = Train(context.Background(), ex[:300], load, o)
	require.NoError(t, err)
	_, err = Load(path)
	require.ErrorIs(t, err, checkpoint.ErrKind)
	require.EqualError(t, err, "model file "+path+": wrong model kind: it holds a training state (LoadRun reads it, to resume its run), not a model")
}

// TestPeekRun: PeekRun reads a run's settings, labels, source, vocabulary
// and caller's notes from a state file's header as LoadRun reads them from
// the whole file, without State; a state whose tensors are damaged still
// shows them (LoadRun refuses it), so PeekRun does not read them. A model
// file is refused with ErrKind.
func TestPeekRun(t *testing.T) {
	ex, load, err := data.DemoCorpus()
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "run.state")
	c, _, err := Train(context.Background(), ex[:300], load, Options{
		Model: Config{SeqLen: 8, Embed: 4, Hidden: 4, Layers: 1}, Epochs: 1, BatchSize: 16, StateFile: path,
		StateExtra: []byte(`{"note":"spamrnn's flags go here"}`),
	})
	require.NoError(t, err)
	full, err := LoadRun(path)
	require.NoError(t, err)
	peeked, err := PeekRun(path)
	require.NoError(t, err)
	require.Nil(t, peeked.State)
	require.Equal(t, full.Options, peeked.Options)
	require.Equal(t, full.Labels, peeked.Labels)
	require.Equal(t, full.Source, peeked.Source)
	require.Equal(t, full.Vocab.Words(), peeked.Vocab.Words())
	require.JSONEq(t, `{"note":"spamrnn's flags go here"}`, string(peeked.Extra))

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	raw[len(raw)-1] ^= 0xff // the checksum, after every tensor
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	_, err = LoadRun(path)
	require.ErrorIs(t, err, checkpoint.ErrCorrupt)
	peeked, err = PeekRun(path)
	require.NoError(t, err)
	require.JSONEq(t, `{"note":"spamrnn's flags go here"}`, string(peeked.Extra))

	model := filepath.Join(dir, "m.model")
	require.NoError(t, c.Save(model))
	_, err = PeekRun(model)
	require.ErrorIs(t, err, checkpoint.ErrKind)
	require.EqualError(t, err, `training state file `+model+`: wrong model kind: it holds "ember.spamrnn", not a training state`)
}

// TestRunOfAnotherTrainer: the state of a run that is not spam's (a
// Trainer's, with other metadata or none) is refused by LoadRun and
// PeekRun, saying what the metadata lacks; they once ended the message
// with "(<nil>)".
func TestRunOfAnotherTrainer(t *testing.T) {
	m, err := NewModel(Config{Vocab: 10, SeqLen: 4, Embed: 2, Hidden: 2, Layers: 1}, 1)
	require.NoError(t, err)
	tr, err := train.NewTrainer(m, train.Config{BatchSize: 4, Optimizer: optim.NewAdam(1e-3)})
	require.NoError(t, err)
	defer tr.Close()
	dir := t.TempDir()
	other, none := filepath.Join(dir, "other.state"), filepath.Join(dir, "none.state")
	require.NoError(t, tr.SaveState(other, map[string]string{"kind": "my.loop"}))
	require.NoError(t, tr.SaveState(none, nil))
	for _, tc := range []struct{ path, want string }{
		{other, "training state file " + other + `: not the state of a spam model's training: its metadata's kind is "my.loop", not "ember.spamrnn"`},
		{none, "training state file " + none + ": no metadata of the caller's (not the state of a spam model's training)"},
	} {
		_, err := LoadRun(tc.path)
		require.EqualError(t, err, tc.want)
		_, err = PeekRun(tc.path)
		require.EqualError(t, err, tc.want)
	}
}
