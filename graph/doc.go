// Package graph builds models as gorgonia expression graphs and runs them.
//
// Models are ordinary gorgonia ExprGraphs made of the ops in this package
// (or of ops defined elsewhere on the same terms). Every op is an exported
// type implementing gorgonia's Op and SDOp, so gorgonia.Grad differentiates
// a model symbolically and gorgonia's own machines (the TapeMachine) can
// run it through each op's Do method.
//
// # Planning and executing
//
// For speed, graphs run on the engine's own executors. NewPlan lays a graph
// out once per shape, the same for every backend: the order of the forward
// steps and of the backward steps, what each node's value is (an input the
// caller fills, a parameter bound in place, a constant, a view aliasing
// another value's storage, a step's output), and the storage slots the
// values and the kernels' scratch occupy. An executor only allocates the
// slots and dispatches each step to its kernel: Program on the CPU, package
// cudaexec's Program on a CUDA device. A planned program runs with no
// allocation per run. gorgonia's own gradient sums are planned as Add
// (IsGradSum), so that every backend has a kernel for them.
//
// Kernels are found per backend by the op's type: an op's CPU kernel is its
// ExecCPU method (CPUKernel; RegisterCPUKernel for a type that cannot have
// one), a device backend keeps a Registry of its own (cudaexec.Register).
// docs/extending.md states the kernel contract. SetProfiling makes a
// Program time each kernel; Profile (OpTime per op name and phase) is the
// format every executor reports in.
//
// Backend is what a trainer knows of a device: a Store for the model's
// parameters (with, for training, their gradients and the optimizer's
// state) and Executables compiled over it. CPU is the CPU backend.
//
// # Ops outside this package
//
// Everything an op needs is exported, so that an op can live in a package
// or module of its own (examples/swish is one, with its own CUDA kernels):
// OpBase for the methods every op shares, DoCPU for its Do, TensorType and
// TensorTypeOf for its Type, Shapes for InferShape, WriteHash and Hashcode,
// Floats and Scratch to read buffers as []float32 or []float64 in a kernel
// generic over both (Is32 tells them apart), Ctx.State for data a kernel
// keeps across runs, and the numeric blocks the engine's kernels use:
// Gemm, SigmoidOf, TanhOf, SumRows and AddRows. Package cpu's ParallelFor is
// the worker pool the kernels split float32 work over.
//
// Float32 is the working precision; every op also runs in float64 so that
// its gradient can be checked against finite differences (CheckGradients).
package graph
