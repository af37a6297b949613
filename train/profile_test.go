package train

import (
	"context"
	"testing"
	"time"

	"gorgonia.org/gorgonia"

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
	var p graph.Profile
	// On a loaded machine one preempted step can outweigh the other 199 of
	// this tiny model: measure again (at most three times) until the ops'
	// entries cover most of the wall time, as they do on an idle core.
	for attempt := 0; attempt < 3; attempt++ {
		tr.ResetProfile()
		outside = 0
		for range steps {
			t0 := time.Now()
			_, _, err := tr.Step(d, idx)
			outside += time.Since(t0)
			require.NoError(t, err)
		}
		if p = tr.Profile(); float64(p.Total()) > 0.5*float64(p.Wall) {
			break
		}
	}
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
	require.ElementsMatch(t, []string{"GlobalNorm", "SGD"}, names,
		"the norm is measured without clipping too; the update is named after the optimizer")
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

// countingBackend is the CPU behind a backend of its own: the Trainer and
// the Evaluator must reach it only through graph.Backend.
type countingBackend struct {
	graph.Backend
	stores, compiled, steps, forwards int
}

func (b *countingBackend) NewStore(ps []*graph.Param, u graph.Update) (graph.Store, error) {
	b.stores++
	return b.Backend.NewStore(ps, u)
}

func (b *countingBackend) Compile(p *graph.Plan, st graph.Store, grads []*gorgonia.Node) (graph.Executable, error) {
	b.compiled++
	e, err := b.Backend.Compile(p, st, grads)
	return &countingExec{Executable: e, b: b}, err
}

type countingExec struct {
	graph.Executable
	b *countingBackend
}

func (e *countingExec) Step() (float64, error) { e.b.steps++; return e.Executable.Step() }
func (e *countingExec) Forward() error         { e.b.forwards++; return e.Executable.Forward() }

// TestTrainerRunsOnAnyBackend: Fit on a backend the train package does not
// know gives what it gives on the CPU, and goes through the backend for
// every step and every validation batch; the last short batch and the
// validation share the training store.
func TestTrainerRunsOnAnyBackend(t *testing.T) {
	cfg := Config{Epochs: 2, BatchSize: 16, KeepLast: true, ClipNorm: 1, Optimizer: optim.NewAdam(0.05)}
	want, err := Fit(context.Background(), newLogistic(3), newBlobs(40, 1), newBlobs(20, 2), cfg)
	require.NoError(t, err)
	b := &countingBackend{Backend: graph.CPU}
	cfg.Device = On(b)
	cfg.Optimizer = optim.NewAdam(0.05)
	got, err := Fit(context.Background(), newLogistic(3), newBlobs(40, 1), newBlobs(20, 2), cfg)
	require.NoError(t, err)
	require.Equal(t, want.History[len(want.History)-1].ValLoss, got.History[len(got.History)-1].ValLoss)
	require.Equal(t, 1, b.stores, "the tail trainer and the validation share the trainer's store")
	require.Equal(t, 4, b.compiled, "training (16), last batch (8), validation (16 and 4)")
	require.Equal(t, 2*3, b.steps)
	require.Equal(t, 2*2, b.forwards)
	require.Equal(t, "cpu", cfg.Device.String())
}
