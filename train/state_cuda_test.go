//go:build embercuda || cudaemu

package train_test

import "testing"

// TestResumeCUDA: on a CUDA device (or the emulator) too, a run stopped
// after an epoch or in the middle of one and resumed from its state file
// (the device's weights and optimizer state synced into it) ends as the
// run that was never stopped, bit for bit.
//
// 71 examples (4 batches of 16 and one of 7) keep the emulator's run short.
func TestResumeCUDA(t *testing.T) {
	c := newResumeCase(cudaDevice(t), 71)
	c.epochs, c.short = 3, testing.Short()
	testResume(t, c)
}
