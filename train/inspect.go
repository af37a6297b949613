package train

import (
	"fmt"
	"math"

	"github.com/emberml/ember/graph"
)

// Params lists the parameters the trainer updates, in the order of Grads
// (the order in which the model's graph first uses them).
func (t *Trainer) Params() []*graph.Param { return t.params }

// GradNorm is the global L2 norm of the gradients of the last Step (or
// Gradients) before clipping — what torch.nn.utils.clip_grad_norm_
// returns — or 0 before the first.
func (t *Trainer) GradNorm() float64 { return t.norm }

// Grads returns the gradients of the last Step, one per parameter in the
// order of Params, as the optimizer used them (clipped when Config.ClipNorm
// is set); after Gradients, the unclipped ones. On the CPU they are the
// trainer's own buffers, overwritten by the next step: read them, do not
// keep or write them. On a device they are host copies made by this call.
func (t *Trainer) Grads() ([]*graph.Buf, error) { return t.exec.Grads() }

// Gradients runs the forward and backward passes on the examples idx
// (exactly BatchSize of them, or an error) without clipping or updating
// anything, and returns the batch's mean loss; Grads and GradNorm then give
// the raw gradients and their norm. Dropout draws a fresh mask as in a Step.
func (t *Trainer) Gradients(d Data, idx []int) (loss float64, err error) {
	if len(idx) != t.cfg.BatchSize {
		return 0, t.batchError("Gradients", len(idx))
	}
	if err := d.Fill(idx, t.inputs, t.target); err != nil {
		return 0, err
	}
	if err := checkTargets(idx, t.target); err != nil {
		return 0, err
	}
	if t.norm, err = t.exec.Gradients(); err != nil {
		return 0, err
	}
	loss = t.loss.At(0)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("loss is %v: %w", loss, ErrNonFinite)
	}
	return loss, nil
}
