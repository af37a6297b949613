package cudaexec

import (
	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// OptimizerFunc is an optimizer's update on the device, registered per
// optimizer type like an op's kernel (RegisterOptimizer): called once, when
// a store is made, with the store's buffers, it returns the update's
// per-step preparation and its launch.
type OptimizerFunc func(u *UpdateStep) (OptimizerUpdate, error)

// UpdateStep is what an OptimizerFunc is given: the optimizer and the
// store's device buffers, all in one block.
type UpdateStep struct {
	// Optimizer is the optimizer (of the type the function was registered
	// for): its settings are read when the update is prepared, each step.
	Optimizer graph.Optimizer
	// Params are the stored parameters; W and G their values and gradients
	// on the device, in the same order.
	Params []*graph.Param
	W, G   []cuda.Buffer
	// Norm is the step's global gradient norm (a device scalar, measured
	// before the update runs): an update must leave everything untouched
	// when it is not finite.
	Norm cuda.Buffer
	// Clip is the store's gradient-norm clip (0: none). An update that
	// sets OptimizerUpdate.FoldsClip scales the gradients by min(1,
	// Clip/(norm+1e-6)) itself as it reads them (and writes them back so
	// clipped when that is below 1, as clip_grad_norm_ leaves them);
	// otherwise they are clipped in a pass of their own before it runs.
	Clip float64

	// The whole block, for an update that runs one launch over every
	// parameter: WBlock and GBlock are the values' and gradients' regions
	// (Block elements each, StateBlock a state slot's), holding parameter
	// i from element Starts[i] to Starts[i+1] (Starts: int32, one more than
	// the parameters; the padding between parameters is zero and belongs
	// to the parameter before).
	Block          int
	Starts         cuda.Buffer
	WBlock, GBlock cuda.Buffer

	s *store
}

// State returns each parameter's device buffer of the optimizer's state
// slot name (one of the optimizer's Slots), zeroed or uploaded from its
// host state when the store was made.
func (u *UpdateStep) State(slot string) []cuda.Buffer { return u.s.slotBufs(slot) }

// StateBlock returns the region of the optimizer's state slot name (see
// WBlock), or a zero Buffer for a slot the optimizer does not have.
func (u *UpdateStep) StateBlock(slot string) cuda.Buffer {
	for k, n := range u.s.slotNames {
		if n == slot {
			return u.s.regionBuf(2 + k)
		}
	}
	return cuda.Buffer{}
}

// Values returns n float32 values that the host writes before each step
// (OptimizerUpdate.Prepare writes host; they are uploaded before the
// step's kernels run) and their device copy, which the update's kernels
// read: the learning rate, the bias corrections of the step count, so
// that a captured CUDA graph replays the update unchanged as they change.
func (u *UpdateStep) Values(n int) (host []float32, dev cuda.Buffer) { return u.s.values(n) }

// OptimizerUpdate is a prepared device update.
type OptimizerUpdate struct {
	// Prepare writes the step's values before each step; step is the
	// 1-based count the step will have if it is applied.
	Prepare func(step int)
	// Launch enqueues the update (it is captured with the training step).
	Launch Launch
	// Check, when set, validates the optimizer's settings before each
	// step: a step with invalid settings fails before it runs.
	Check func() error
	// FoldsClip says that Launch applies UpdateStep.Clip itself.
	FoldsClip bool
}

var optimizers = graph.NewRegistry[OptimizerFunc]("cuda optimizers")

// RegisterOptimizer makes f the device update of optimizers of opt's type
// (package optim's are registered in exec_adam.go and exec_sgd.go).
func RegisterOptimizer(opt graph.Optimizer, f OptimizerFunc) { optimizers.Register(opt, f) }
