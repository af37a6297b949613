// Package cudaexec runs planned graphs (graph.Plan) on a CUDA device, or on
// the cudaemu emulator that tests the kernels without one: the CUDA
// backend of the engine's executor seam.
//
// # Kernels
//
// Each op's CUDA kernel is registered here, in a file named after the op
// (exec_lstm.go, exec_linear.go, ...), with Register: a KernelFunc, called
// when a program is compiled, reads the step's shapes, asks for scratch
// space, per-run values and input checks through its Step, and returns the
// Launch that enqueues the step's device work on each run. An op of
// another package registers its kernel the same way, from its own
// package. Program finds a step's kernel by looking the op's type up in
// the registry; nothing here switches over op types.
//
// A Launch reads its tensors' device buffers and calls the cuda package's
// kernel functions (Context.Sgemm, Context.AddBiasRows, ...) or the
// generated typed launchers of its own kernels (Context.Kernels, for a
// kernel added to cuda/kernels/*.cu; cuda.Module for a package shipping
// its own PTX). It must not allocate or touch the host: the training step
// is captured once as a CUDA graph and replayed.
//
// # Programs
//
// A Program allocates every slot of its plan in one device arena, aliases
// views, uploads constants, and runs the forward and backward passes as
// its steps' launches. Parameters are bound where Options.Bind puts them
// (a store's parameter block), or kept in the program's arena.
//
// # The backend
//
// Backend is the graph.Backend of a device, through which package train
// runs. Its store keeps a model's parameters, their gradients and the
// optimizer's state in one device block (each region padded per
// parameter, so that the norm is one launch over one buffer), bound
// into every program compiled over it: the training program, the one of
// a last short batch and the evaluation programs share the weights with
// no copies. A training executable runs the whole step on the device and
// brings back the loss, the outputs and the gradient norm in one wait;
// from its second step it replays the step as a captured CUDA graph.
//
// The optimizer's update is registered per optimizer type
// (RegisterOptimizer; optim.Adam in exec_adam.go, optim.SGD in
// exec_sgd.go) and reads its settings and per-step values from device
// memory, so that neither the step count nor a new learning rate calls
// for a new capture. Package optim's updates are one launch over the
// whole block, with the gradient-norm clip applied as they read the
// gradients. Fused backward ops write the weight gradients the store
// holds straight into it (Step.OutPart), so no gradient is copied: at
// batch 10 the spam model's step is 4T recurrent step kernels and 27
// others (train's TestCUDAKernelsPerStep).
package cudaexec
