// Package optim holds Ember's optimizers and gradient clipping: Adam (with
// optional AdamW-style decoupled weight decay), SGD with momentum and
// Nesterov, and a global-norm gradient clipper.
//
// The update rules follow PyTorch exactly (torch.optim.Adam, torch.optim.SGD,
// torch.nn.utils.clip_grad_norm_), so a model trained here and its PyTorch
// reference take the same steps from the same gradients, up to float rounding.
//
// # Use in a training step
//
// A compiled graph.Program writes fresh gradients into its buffers each step;
// the optimizer then updates the parameters in place:
//
//	opt := optim.NewAdam(1e-3)
//	for batch := range batches {
//		// ... feed batch, then run forward and backward ...
//		if _, err := optim.ClipGradNorm(grads, 5); err != nil {
//			return err // NaN/Inf: stop before the weights are corrupted
//		}
//		if err := opt.Step(params, grads); err != nil {
//			return err
//		}
//	}
//
// params[i] and grads[i] must correspond, each parameter should appear once,
// and the same parameters should be passed every step: the step count (Adam's t in its bias corrections) belongs
// to the optimizer, not to each parameter.
//
// # Parameter groups
//
// As with torch.optim's param_groups, some parameters can take their own
// learning rate and weight decay: AddGroup returns a Group whose LR and
// WeightDecay start as the optimizer's and can be changed at any time.
// Parameters in no group use the optimizer's own fields. Hyper reports what
// a parameter's next step will use.
//
// # Allocation
//
// Per-parameter state (Adam's moments, SGD's momentum buffer) is allocated on
// a parameter's first Step, in the parameter's dtype. After that, Step,
// ClipGradNorm and GlobalNorm allocate nothing, so they can run inside a
// training step that must not allocate per batch. Float32 is the working
// precision; float64 is supported for checking. Norms are accumulated in
// float64 whatever the dtype.
//
// # State
//
// Every Optimizer exposes its step count and its per-parameter buffers by
// name, for checkpoints and for a device backend that takes over the update.
// The slot names are PyTorch's state_dict keys: "exp_avg" and "exp_avg_sq"
// for Adam, "momentum_buffer" for SGD.
//
// # Errors
//
// Step validates everything (hyperparameters, the pairing, sizes and dtypes of
// parameters, gradients and state) before it writes anything, so a failed
// Step leaves parameters, state and step count as they were. Errors name the
// parameter at fault. Optimizers are not safe for concurrent use.
package optim
