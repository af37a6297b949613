package optim

import (
	"github.com/emberml/ember/graph"
)

// ErrNonFiniteNorm is wrapped by ClipGradNorm's error when the gradients'
// norm is NaN or infinite, so a training loop can recognise it with
// errors.Is and stop. It is graph.ErrNonFiniteNorm: every backend's
// training step reports a non-finite norm with it.
var ErrNonFiniteNorm = graph.ErrNonFiniteNorm

// ClipGradNorm scales grads in place so that their global L2 norm is at most
// maxNorm, like torch.nn.utils.clip_grad_norm_: with total the norm over all
// gradients together, they are multiplied by maxNorm/(total+1e-6) when that
// is below 1, and left alone otherwise. It returns total, the norm before
// clipping. Nil entries are skipped, as PyTorch skips parameters without a
// gradient; maxNorm may be +Inf to measure without clipping.
//
// If total is NaN or ±Inf, the gradients are left untouched and the error
// (wrapping ErrNonFiniteNorm) names the value and the first gradient element
// at fault, so the caller can stop before the weights are corrupted.
//
// It is graph.ClipGradNorm, which the CPU backend's training step runs.
func ClipGradNorm(grads []*graph.Buf, maxNorm float64) (float64, error) {
	return graph.ClipGradNorm(grads, maxNorm)
}

// GlobalNorm returns the L2 norm of all gradients taken together,
// accumulated in float64 so that float32 gradients of millions of elements
// neither lose small terms nor overflow. Nil entries are skipped. It panics
// on a non-float buffer, which is a programmer error. It is
// graph.GlobalNorm.
func GlobalNorm(grads []*graph.Buf) float64 { return graph.GlobalNorm(grads) }
