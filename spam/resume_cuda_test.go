//go:build embercuda || cudaemu

package spam

import (
	"testing"

	"github.com/emberml/ember/internal/cudatest"
	"github.com/emberml/ember/train"
)

// TestTrainResumeCUDA: a packed spam run on a CUDA device (or the
// emulator; 300 examples keep it short), batched by the bucketing sampler,
// stopped in its second epoch
// and resumed from its state file ends as the run that was never stopped,
// bit for bit (the padded model's resume on a device: train's
// TestResumeCUDA).
func TestTrainResumeCUDA(t *testing.T) {
	dev := train.CUDA(cudatest.Context(t))
	testTrainResume(t, dev, 300, []bool{true}, []int{5})
}
