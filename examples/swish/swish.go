// Package swish is an op that lives outside the engine's packages, as a
// user's own layer would: Swish (SiLU, y = x·σ(x)) with its CPU kernels and
// its own CUDA kernels (kernels/swish.cu, PTX embedded), registered with
// the CUDA backend from this package. It is the worked example of
// docs/extending.md: what the op needs from package graph (OpBase, DoCPU,
// TensorType, WriteHash, Shapes, Floats, SigmoidOf), from package cpu (the
// worker pool) and from packages cudaexec and cuda (registration, a module
// loaded from embedded PTX, generated typed launchers) is all exported.
//
// Apply adds the op to a graph; it trains on the CPU and on CUDA (or the
// cudaemu emulator) like the engine's own ops.
package swish

import (
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/graph"
)

// Swish is y = x·σ(x), elementwise, on a tensor of rank Dims.
type Swish struct {
	graph.OpBase
	Dims int
}

// Apply adds Swish(x) to x's graph.
func Apply(x *gorgonia.Node) *gorgonia.Node { return graph.Use(Swish{Dims: x.Dims()}, x) }

func (op Swish) Arity() int { return 1 }
func (op Swish) Type() hm.Type {
	return hm.NewFnType(graph.TensorType(op.Dims), graph.TensorType(op.Dims))
}
func (op Swish) String() string        { return "Swish" }
func (op Swish) WriteHash(h hash.Hash) { graph.WriteHash(h, op) }
func (op Swish) Hashcode() uint32      { return graph.Hashcode(op) }
func (op Swish) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := graph.Shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op Swish) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return graph.DoCPU(op, v...) }

// ExecCPU is the CPU kernel: float32 split over the cores by the worker
// pool (its job descriptor kept in ctx.State by graph.KernelState, so a
// run allocates nothing),
// float64 exact and serial, for gradient checks.
func (op Swish) ExecCPU(ctx *graph.Ctx, out *graph.Buf, in []*graph.Buf) error {
	if out.Dtype == tensor.Float32 {
		j := job(ctx)
		*j = swishJob{y: out.F32, x: in[0].F32}
		cpu.ParallelFor(len(out.F32), grain, j)
		return nil
	}
	forward(out.F64, in[0].F64)
	return nil
}

// grain is the fewest elements worth handing to another core.
const grain = 1 << 14

func forward[T graph.Float](y, x []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v * graph.SigmoidOf(v)
	}
}

func backward[T graph.Float](dx, x, dy []T) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		s := graph.SigmoidOf(v)
		dx[i] = dy[i] * (s + v*s*(1-s))
	}
}

// swishJob is one float32 kernel run, split by cpu.ParallelFor.
type swishJob struct {
	y, x, dy []float32
	bwd      bool
}

func (j *swishJob) Run(lo, hi int) {
	if j.bwd {
		backward(j.y[lo:hi], j.x[lo:hi], j.dy[lo:hi])
		return
	}
	forward(j.y[lo:hi], j.x[lo:hi])
}

// job is the step's job descriptor, made on its first run.
func job(ctx *graph.Ctx) *swishJob { return graph.KernelState[swishJob](ctx) }

func (op Swish) DiffWRT(int) []bool { return []bool{true} }

func (op Swish) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(SwishGrad{Dims: op.Dims}, in[0], grad)
	return gorgonia.Nodes{dx}, err
}

// SwishGrad is dx = dy·(σ(x) + x·σ(x)(1−σ(x))), from x and dy.
type SwishGrad struct {
	graph.OpBase
	Dims int
}

func (op SwishGrad) Arity() int { return 2 }
func (op SwishGrad) Type() hm.Type {
	t := graph.TensorType(op.Dims)
	return hm.NewFnType(t, t, t)
}
func (op SwishGrad) String() string        { return "SwishGrad" }
func (op SwishGrad) WriteHash(h hash.Hash) { graph.WriteHash(h, op) }
func (op SwishGrad) Hashcode() uint32      { return graph.Hashcode(op) }
func (op SwishGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := graph.Shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op SwishGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return graph.DoCPU(op, v...) }

func (op SwishGrad) ExecCPU(ctx *graph.Ctx, out *graph.Buf, in []*graph.Buf) error {
	if out.Dtype == tensor.Float32 {
		j := job(ctx)
		*j = swishJob{y: out.F32, x: in[0].F32, dy: in[1].F32, bwd: true}
		cpu.ParallelFor(len(out.F32), grain, j)
		return nil
	}
	backward(out.F64, in[0].F64, in[1].F64)
	return nil
}
