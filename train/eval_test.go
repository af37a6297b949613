package train

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestEvaluateRejectsBadArguments: a batch size below 1 (which used to
// loop forever at 0), nil data and a dtype that is no float are errors.
func TestEvaluateRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model Model
		dt    tensor.Dtype
		data  Data
		batch int
		want  string
	}{
		{"batch 0", newLogistic(1), tensor.Float32, newBlobs(20, 1), 0, "evaluating in batches of 0, want at least 1"},
		{"batch -1", newLogistic(1), tensor.Float32, newBlobs(20, 1), -1, "evaluating in batches of -1, want at least 1"},
		{"nil data", newLogistic(1), tensor.Float32, nil, 10, "evaluating nil Data"},
		{"empty data", newLogistic(1), tensor.Float32, newBlobs(0, 1), 10, "evaluating an empty data set"},
		{"int dtype", newLogistic(1), tensor.Int32, newBlobs(20, 1), 10, "the evaluator's dtype int32, want tensor.Float32 or tensor.Float64"},
		{"parameters of another dtype", newMiswired("", tensor.Float64), tensor.Float32, newBlobs(20, 1), 10,
			"parameter d.weight is float64, the evaluator's dtype float32"},
		{"no Loss", newMiswired("no Loss", tensor.Float32), tensor.Float32, newBlobs(20, 1), 10, "no Loss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := NewEvaluator(tc.model, tc.dt).Evaluate(tc.data, tc.batch)
				done <- err
			}()
			select {
			case err := <-done:
				require.ErrorContains(t, err, tc.want)
			case <-time.After(30 * time.Second):
				t.Fatal("Evaluate did not return")
			}
		})
	}
}
