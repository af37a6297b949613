package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
	"github.com/emberml/ember/optim"
)

// logistic is a small model for the loop's tests: dense → sigmoid → BCE
// on float features.
type logistic struct{ d *layers.Dense }

func newLogistic(seed uint64) *logistic {
	return &logistic{layers.NewDense("d", 2, 1, tensor.Float32, rand.New(rand.NewPCG(seed, 1)))}
}

func (m *logistic) Params() []*graph.Param { return m.d.Params() }

func (m *logistic) Build(g *graph.Graph, batch int) (*Net, error) {
	x := g.Input("x", tensor.Float32, batch, 2)
	y := g.Input("y", tensor.Float32, batch, 1)
	p := layers.Sigmoid(m.d.Forward(g, x))
	return &Net{Inputs: []*gorgonia.Node{x}, Target: y, Output: p, Loss: layers.BCELoss(p, y)}, nil
}

// blobs: two separable Gaussian clouds.
type blobs struct {
	x []float32
	y []float32
}

func newBlobs(n int, seed uint64) blobs {
	rng := rand.New(rand.NewPCG(seed, 2))
	b := blobs{x: make([]float32, 2*n), y: make([]float32, n)}
	for i := 0; i < n; i++ {
		c := float32(i % 2)
		b.y[i] = c
		b.x[2*i] = 2*c - 1 + float32(rng.NormFloat64()*0.5)
		b.x[2*i+1] = 1 - 2*c + float32(rng.NormFloat64()*0.5)
	}
	return b
}

func (b blobs) Len() int { return len(b.y) }

func (b blobs) Fill(idx []int, in []*graph.Buf, target *graph.Buf) error {
	for k, i := range idx {
		in[0].F32[2*k], in[0].F32[2*k+1] = b.x[2*i], b.x[2*i+1]
		target.F32[k] = b.y[i]
	}
	return nil
}

func TestFitLearnsAndIsRepeatable(t *testing.T) {
	var seen []int
	fit := func() *Result {
		m := newLogistic(1)
		seen = seen[:0]
		res, err := Fit(context.Background(), m, newBlobs(200, 1), newBlobs(60, 2),
			Config{Epochs: 5, BatchSize: 16, Seed: 3, ClipNorm: 5, Optimizer: optim.NewAdam(0.05),
				OnEpoch: func(e int, _ EpochStats) error { seen = append(seen, e); return nil }})
		require.NoError(t, err)
		return res
	}
	a, b := fit(), fit()
	require.Equal(t, []int{1, 2, 3, 4, 5}, seen, "OnEpoch after every epoch")
	require.Len(t, a.History, 5)
	require.Equal(t, a.History[4].TrainLoss, b.History[4].TrainLoss, "same seed, same run")
	require.Greater(t, a.Best.ValAcc, 0.95)
	require.Less(t, a.History[4].TrainLoss, a.History[0].TrainLoss)
	require.Equal(t, 5*(200/16), a.Steps, "drop_last: 12 full batches of 16 per epoch")
	require.Equal(t, 5*(200/16)*16, a.Examples)
	require.True(t, a.Validated)
}

func TestFitCountsStepsAndExamples(t *testing.T) {
	for _, tc := range []struct {
		name            string
		keepLast        bool
		steps, examples int
	}{
		{"drop the short batch", false, 2 * 3, 2 * 48},
		{"keep the short batch", true, 2 * 4, 2 * 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(context.Background(), newLogistic(1), newBlobs(50, 1), newBlobs(20, 2),
				Config{Epochs: 2, BatchSize: 16, KeepLast: tc.keepLast})
			require.NoError(t, err)
			require.Equal(t, tc.steps, res.Steps, "optimizer steps")
			require.Equal(t, tc.examples, res.Examples)
		})
	}
}

func TestFitRestoresBestWeights(t *testing.T) {
	m := newLogistic(1)
	res, err := Fit(context.Background(), m, newBlobs(200, 1), newBlobs(60, 2),
		Config{Epochs: 6, BatchSize: 10, Seed: 3, Optimizer: optim.NewAdam(0.5)})
	require.NoError(t, err)
	r, err := NewEvaluator(m, tensor.Float32).Evaluate(newBlobs(60, 2), 7)
	require.NoError(t, err)
	require.InDelta(t, res.Best.ValLoss, r.Loss, 1e-6, "the model holds the best epoch's weights")
	require.Len(t, r.Probs, 60)
}

func TestFitStopsOnNonFiniteLoss(t *testing.T) {
	m := newLogistic(1)
	d := newBlobs(40, 1)
	d.x[5] = float32(math.NaN())
	_, err := Fit(context.Background(), m, d, nil, Config{Epochs: 2, BatchSize: 40})
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "epoch 1, step 1")
	for _, p := range m.Params() {
		require.NoError(t, p.CheckFinite(), "weights are restored, not corrupted")
	}
}

func TestSelectAccuracy(t *testing.T) {
	a := EpochStats{ValLoss: 0.2, ValAcc: 0.97}
	b := EpochStats{ValLoss: 0.1, ValAcc: 0.96}
	require.True(t, SelectLoss.better(b, a, false))
	require.False(t, SelectAccuracy.better(b, a, false))
	require.True(t, SelectAccuracy.better(EpochStats{ValLoss: 0.1, ValAcc: 0.97}, a, false), "ties go to the lower loss")
	s, err := ParseSelect("accuracy")
	require.NoError(t, err)
	require.Equal(t, SelectAccuracy, s)
	_, err = ParseSelect("f1")
	require.ErrorContains(t, err, "f1")
}

func TestFitInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Fit(ctx, newLogistic(1), newBlobs(50, 1), nil, Config{Epochs: 3, BatchSize: 10})
	require.NoError(t, err)
	require.True(t, res.Interrupted)
	require.Empty(t, res.History)
	require.Zero(t, res.BestEpoch)
	require.Zero(t, res.Steps, "a context cancelled before Fit runs no step")

	// Cancelled before Fit: nothing is planned, so even a model that cannot
	// be built returns at once.
	res, err = Fit(ctx, unbuildable{}, newBlobs(50, 1), nil, Config{Epochs: 3, BatchSize: 10})
	require.NoError(t, err)
	require.True(t, res.Interrupted)
}

type unbuildable struct{}

func (unbuildable) Params() []*graph.Param { return nil }
func (unbuildable) Build(*graph.Graph, int) (*Net, error) {
	return nil, errors.New("Build must not be called")
}

func TestFitEarlyStopping(t *testing.T) {
	// A learning rate of zero never improves after the first epoch.
	res, err := Fit(context.Background(), newLogistic(1), newBlobs(50, 1), newBlobs(20, 2),
		Config{Epochs: 10, BatchSize: 10, Patience: 2, Optimizer: &optim.SGD{LR: 0}})
	require.NoError(t, err)
	require.True(t, res.StoppedEarly)
	require.Len(t, res.History, 3)
	require.Equal(t, 1, res.BestEpoch)
}

func TestFitRejectsTooLittleData(t *testing.T) {
	_, err := Fit(context.Background(), newLogistic(1), newBlobs(5, 1), nil, Config{BatchSize: 10})
	require.ErrorContains(t, err, "fewer than one batch")
}

func TestStepAllocatesNothing(t *testing.T) {
	tr, err := NewTrainer(newLogistic(1), Config{BatchSize: 8, ClipNorm: 1})
	require.NoError(t, err)
	var d Data = newBlobs(64, 1) // an interface already, as in Fit: no boxing per call
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	_, _, err = tr.Step(d, idx) // first step allocates the optimizer's state
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(50, func() {
		if _, _, err := tr.Step(d, idx); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
}

func TestFillErrorsStopTraining(t *testing.T) {
	_, err := Fit(context.Background(), newLogistic(1), failingData{}, nil, Config{Epochs: 1, BatchSize: 2})
	require.ErrorContains(t, err, "bad row")
}

type failingData struct{}

func (failingData) Len() int { return 4 }
func (failingData) Fill([]int, []*graph.Buf, *graph.Buf) error {
	return errors.New("bad row")
}

// TestStepChecksBatchSize: a trainer's program is planned for BatchSize
// examples; another number is an error, not a step on stale rows or a
// panic in Fill.
func TestStepChecksBatchSize(t *testing.T) {
	tr, err := NewTrainer(newLogistic(1), Config{BatchSize: 20})
	require.NoError(t, err)
	defer tr.Close()
	d := newBlobs(64, 1)
	for _, n := range []int{0, 5, 19, 21, 40} {
		idx := make([]int, n)
		_, _, err := tr.Step(d, idx)
		require.ErrorContains(t, err, "Trainer.Step got "+strconv.Itoa(n)+" examples, want the trainer's batch size 20")
		_, err = tr.Gradients(d, idx)
		require.ErrorContains(t, err, "Trainer.Gradients got "+strconv.Itoa(n)+" examples, want the trainer's batch size 20")
	}
	_, _, err = tr.Step(d, make([]int, 20))
	require.NoError(t, err)
}

// TestFitWithoutValidationData: with no validation examples Fit selects
// on the training figures and says so, in the Result and the progress
// lines.
func TestFitWithoutValidationData(t *testing.T) {
	for _, tc := range []struct {
		name      string
		val       Data
		validated bool
	}{
		{"nil", nil, false},
		{"empty", newBlobs(0, 2), false},
		{"with examples", newBlobs(20, 2), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := Fit(context.Background(), newLogistic(1), newBlobs(40, 1), tc.val,
				Config{Epochs: 2, Progress: &out})
			require.NoError(t, err)
			require.Equal(t, tc.validated, res.Validated)
			require.Len(t, res.History, 2)
			for _, s := range res.History {
				if !tc.validated {
					require.Equal(t, [2]float64{s.TrainLoss, s.TrainAcc}, [2]float64{s.ValLoss, s.ValAcc},
						"the training figures stand in for validation")
				}
			}
			require.Equal(t, !tc.validated, bytes.Contains(out.Bytes(), []byte("no validation data")), "progress:\n%s", out.String())
			require.Equal(t, tc.validated, bytes.Contains(out.Bytes(), []byte("val loss")), "progress:\n%s", out.String())
		})
	}
}

// TestTargetsOutsideZeroOne: Data is a binary classifier's, so a target
// outside [0, 1] (labels 1 and 2 left as the file had them, say) is an
// error naming the example and the value, from Fit, Step, Gradients and
// Evaluate alike, rather than a run that trains on a loss without a
// minimum and reports accuracies of nothing. Targets between 0 and 1 (soft
// labels) are taken.
func TestTargetsOutsideZeroOne(t *testing.T) {
	relabelled := func(i int, v float32) blobs {
		d := newBlobs(40, 1)
		d.y = append([]float32(nil), d.y...)
		d.y[i] = v
		return d
	}
	for _, v := range []float32{2, -1, float32(math.Inf(1))} {
		bad := relabelled(13, v)
		want := "example 13 has target " + strconv.FormatFloat(float64(v), 'g', -1, 32)
		_, err := Fit(context.Background(), newLogistic(1), bad, nil, Config{Epochs: 1, BatchSize: 8})
		require.ErrorContains(t, err, want)
		_, err = Fit(context.Background(), newLogistic(1), newBlobs(40, 1), bad, Config{Epochs: 1, BatchSize: 8})
		require.ErrorContains(t, err, want, "validation data")

		tr, err := NewTrainer(newLogistic(1), Config{BatchSize: 4})
		require.NoError(t, err)
		_, _, err = tr.Step(bad, []int{12, 13, 14, 15})
		require.ErrorContains(t, err, want)
		_, err = tr.Gradients(bad, []int{12, 13, 14, 15})
		require.ErrorContains(t, err, want)
		_, _, err = tr.Step(bad, []int{0, 1, 2, 3})
		require.NoError(t, err, "batches without the bad example train")

		_, err = NewEvaluator(newLogistic(1), tensor.Float32).Evaluate(bad, 5)
		require.ErrorContains(t, err, want)
	}
	soft := relabelled(13, 0.25)
	_, err := Fit(context.Background(), newLogistic(1), soft, soft, Config{Epochs: 1, BatchSize: 8})
	require.NoError(t, err)
}

// withNilParam is logistic with a nil entry in Params (a layer the model
// forgot to make).
type withNilParam struct{ *logistic }

func (m withNilParam) Params() []*graph.Param { return append(m.logistic.Params(), nil) }

// TestNilModel: a nil Model, or one listing a nil parameter, is an error
// from NewTrainer, Fit and Evaluate, not a nil dereference.
func TestNilModel(t *testing.T) {
	for _, c := range []struct {
		name string
		m    Model
		want string
	}{
		{"nil Model", nil, "train: nil Model"},
		{"nil parameter", withNilParam{newLogistic(1)}, "train: the model's parameter 2 (of Params) is nil"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewTrainer(c.m, Config{})
			require.ErrorContains(t, err, c.want)
			_, err = Fit(context.Background(), c.m, newBlobs(40, 1), nil, Config{Epochs: 1})
			require.ErrorContains(t, err, c.want)
			_, err = NewEvaluator(c.m, tensor.Float32).Evaluate(newBlobs(40, 1), 8)
			require.ErrorContains(t, err, c.want)
		})
	}
}
