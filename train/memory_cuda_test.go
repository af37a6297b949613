//go:build embercuda || cudaemu

package train_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

// deviceInUse is ctx's device memory in use, total − free (cuMemGetInfo).
func deviceInUse(ctx *cuda.Context) func() (int64, error) {
	return func() (int64, error) {
		free, total, err := ctx.MemInfo()
		return total - free, err
	}
}

// cudaLeakCheck is the leak tests' setup on dev: on a GPU, gpuSteps of a
// small spam model; on the emulator, whose launches are slow, emuSteps of a
// tiny one.
func cudaLeakCheck(dev train.Device, gpuSteps, emuSteps int) leakCheck {
	lc := leakCheck{
		dev:         dev,
		checkpoints: 10,
		heapSlack:   leakHeapSlack,
		rssSlack:    leakRSSSlack,
		devUsed:     deviceInUse(dev.Context()),
	}
	if cuda.Backend() == "emulator" {
		lc.model = spam.Config{Vocab: 20, Embed: 4, Hidden: 8, Layers: 2, Dropout: 0.5, SeqLen: 3}
		lc.batch, lc.warmup = 4, 2
		lc.steps = emuSteps
		// The emulator counts the bytes of every live cuMemAlloc exactly:
		// any growth is memory allocated during the steps and kept.
		lc.devSlack = 0
		lc.exactDevice = true
		return lc
	}
	lc.model = spam.Config{Vocab: 1000, Embed: 32, Hidden: 64, Layers: 2, Dropout: 0.5, SeqLen: 16}
	lc.batch, lc.warmup = 32, 100
	lc.steps = gpuSteps
	// cuMemGetInfo covers the whole device and moves in allocation
	// granules (2 MiB on current GPUs). Some growth after the warm-up is
	// normal and happens once: lazy module loading (the default since CUDA
	// 12.2) loads a module at its first launch, the local-memory pool and
	// a CUDA graph's upload grow on first need. So the device figure may
	// move in the first devSettle intervals (at most devOnceSlack) and must
	// not move at all across the later ones: a slack of even one granule
	// there would let one leaked buffer per step pass (10,000 × 256 B, the
	// smallest aligned allocation, is 2.4 MiB). gpu-run.sh also sets
	// CUDA_MODULE_LOADING=EAGER, so that the one-off growth is rare.
	lc.devSettle = 2
	lc.devOnceSlack = 64 << 20
	lc.devSlack = 0
	return lc
}

// TestMemoryFlatCUDA checks that training steps on a CUDA device keep the
// device memory in use, the Go heap and the resident set flat: over the
// acceptance's 10,000 steps on a GPU (-short: 1,000); on the emulator, which
// starts a POSIX thread per emulated CUDA thread of every launch (about a
// second a step here), over 4 steps, where the exact device figure still
// catches any device buffer kept from a step. EMBER_LEAK_STEPS overrides
// both. On the emulator, closing the trainer must also give back every byte
// it allocated.
func TestMemoryFlatCUDA(t *testing.T) {
	dev := cudaDevice(t)
	lc := cudaLeakCheck(dev, 10000, 4)
	if testing.Short() {
		lc.steps = min(lc.steps, 1000)
	}
	lc.steps = leakSteps(t, lc.steps)
	lc.check(t)
}

// TestMemoryCheckCatchesDeviceLeak is a test of the leak check: it leaks a
// device buffer per step (256 B on the emulator, which counts bytes; 4 KiB
// on a GPU, so that 2,000 of them cross the driver's 2 MiB granules) and
// checks that the device figure catches it.
func TestMemoryCheckCatchesDeviceLeak(t *testing.T) {
	dev := cudaDevice(t)
	lc := cudaLeakCheck(dev, 2000, 2)
	var leaked []cuda.Buffer
	ctx := dev.Context()
	t.Cleanup(func() {
		for _, b := range leaked {
			require.NoError(t, ctx.Free(b))
		}
	})
	size := int64(4 << 10)
	if lc.exactDevice {
		size = 256
	}
	lc.leak = func() {
		b, err := ctx.Alloc(size)
		if err != nil {
			t.Fatalf("alloc: %v", err)
		}
		leaked = append(leaked, b)
	}
	r := lc.run(t)
	lc.log(t, r)
	requireCaught(t, lc.violations(r), "device memory in use grew")
}
