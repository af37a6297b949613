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
// (the trainer's parameter block, shared by all the programs of a model),
// or kept in the program's arena.
package cudaexec
