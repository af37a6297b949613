package train

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

func TestTrainerProfile(t *testing.T) {
	tr, err := NewTrainer(newLogistic(1), Config{BatchSize: 8, ClipNorm: 1})
	require.NoError(t, err)
	var d Data = newBlobs(64, 1)
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	_, _, err = tr.Step(d, idx)
	require.NoError(t, err)
	require.Empty(t, tr.Profile().Ops, "nothing recorded before profiling is on")

	require.NoError(t, tr.SetProfiling(true))
	const steps = 200
	var outside time.Duration
	for range steps {
		t0 := time.Now()
		_, _, err := tr.Step(d, idx)
		outside += time.Since(t0)
		require.NoError(t, err)
	}
	p := tr.Profile()
	t.Logf("%d steps:\n%s", steps, p)
	require.Equal(t, steps, p.Steps)
	byName := map[string]graph.OpTime{}
	for _, o := range p.Ops {
		require.Zero(t, o.Calls%steps, o.Op)
		byName[o.Op+"/"+o.Phase] = o
	}
	for _, k := range []string{
		"Fill/data", "Linear/forward", "Sigmoid/forward", "BCE/forward",
		"BCEGrad/backward", "SigmoidGrad/backward", "LinearGradW/backward", "LinearGradB/backward",
		"ClipGradNorm/optimizer", "Adam/optimizer",
	} {
		require.Contains(t, byName, k)
		require.Equal(t, steps, byName[k].Calls, k)
		require.Positive(t, byName[k].Total, k)
	}
	require.LessOrEqual(t, p.Total(), p.Wall)
	require.LessOrEqual(t, p.Wall, outside)
	require.Greater(t, float64(p.Total()), 0.5*float64(p.Wall), "the entries cover most of the step")

	// Off: steps are not recorded, the profile is kept; Reset forgets it
	// and keeps the setting.
	require.NoError(t, tr.SetProfiling(false))
	_, _, err = tr.Step(d, idx)
	require.NoError(t, err)
	require.Equal(t, p, tr.Profile())
	tr.ResetProfile()
	require.Empty(t, tr.Profile().Ops)
	require.NoError(t, tr.SetProfiling(true))
	tr.ResetProfile()
	_, _, err = tr.Step(d, idx)
	require.NoError(t, err)
	require.Equal(t, 1, tr.Profile().Steps)
}

func TestTrainerProfileOptimizerName(t *testing.T) {
	tr, err := NewTrainer(newLogistic(1), Config{BatchSize: 8, Optimizer: &optim.SGD{LR: 0.1}})
	require.NoError(t, err)
	require.NoError(t, tr.SetProfiling(true))
	_, _, err = tr.Step(newBlobs(8, 1), []int{0, 1, 2, 3, 4, 5, 6, 7})
	require.NoError(t, err)
	var names []string
	for _, o := range tr.Profile().Ops {
		if o.Phase == graph.PhaseOptimizer {
			names = append(names, o.Op)
		}
	}
	require.Equal(t, []string{"SGD"}, names, "no clipping entry without ClipNorm; the update is named after the optimizer")
}

func TestStepAllocatesNothingProfiled(t *testing.T) {
	tr, err := NewTrainer(newLogistic(1), Config{BatchSize: 8, ClipNorm: 1})
	require.NoError(t, err)
	var d Data = newBlobs(64, 1)
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	_, _, err = tr.Step(d, idx)
	require.NoError(t, err)
	step := func() {
		if _, _, err := tr.Step(d, idx); err != nil {
			panic(err)
		}
	}
	require.NoError(t, tr.SetProfiling(true))
	require.Zero(t, testing.AllocsPerRun(50, step), "profiling on")
	require.NoError(t, tr.SetProfiling(false))
	require.Zero(t, testing.AllocsPerRun(50, step), "profiling off after being on")
}

// TestProfilingHook checks that a device executor with the stepProfiler
// methods is what a Trainer's profiling goes to.
func TestProfilingHook(t *testing.T) {
	var _ stepProfiler = (*fakeProfiler)(nil)
	f := &fakeProfiler{}
	p := profilerOf(f)
	require.NotNil(t, p)
	require.NoError(t, p.setProfiling(true))
	require.True(t, f.on)
	require.Equal(t, 3, p.profile().Steps)
	p.resetProfile()
	require.True(t, f.reset)
	require.Nil(t, profilerOf(struct{}{}))
}

type fakeProfiler struct{ on, reset bool }

func (f *fakeProfiler) setProfiling(on bool) error { f.on = on; return nil }
func (f *fakeProfiler) profile() graph.Profile     { return graph.Profile{Steps: 3} }
func (f *fakeProfiler) resetProfile()              { f.reset = true }
