// Package graph builds models as gorgonia expression graphs and runs them.
//
// Models are ordinary gorgonia ExprGraphs made of the ops in this package.
// Every op is an exported type implementing gorgonia's Op and SDOp, so
// gorgonia.Grad differentiates a model symbolically and gorgonia's own
// machines (the TapeMachine) can run it through each op's Do method.
//
// For speed, Program is this package's own executor: it plans a graph once
// per shape, gives every node a buffer that lives as long as the program,
// and then runs forward (and backward, when gradient nodes are among the
// outputs) with no allocation per run. Each op carries its CPU kernel
// (ExecCPU); a second backend executes the same planned graph through its
// own kernels. SetProfiling makes a Program time each kernel; Profile
// (OpTime per op name and phase) is the format every executor reports in.
//
// Float32 is the working precision; every op also runs in float64 so that
// its gradient can be checked against finite differences.
package graph
