package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/internal/dropmask"
)

// Dropout zeroes each element with probability P and scales the rest by
// 1/(1−P) (inverted dropout, as PyTorch). Its mask comes from a
// counter-based hash of (Seed, run number, element index), so the backward
// pass recomputes it instead of storing it, and every backend draws the
// same mask for the same run (see DropoutKeep).
type Dropout struct {
	opBase
	P    float64
	Seed uint64
	id   uint64
	runs *uint64 // forward executions so far; shared with DropoutGrad
}

// NewDropout makes a dropout op with its own identity and run counter. It
// panics unless 0 ≤ p < 1 (NaN included).
func NewDropout(p float64, seed uint64) Dropout {
	if !(p >= 0 && p < 1) { // written so that NaN fails it too
		panic(fmt.Sprintf("graph: dropout probability %v outside [0,1)", p))
	}
	return Dropout{P: p, Seed: seed, id: nextOpID(), runs: new(uint64)}
}

func (op Dropout) Arity() int { return 1 }
func (op Dropout) Type() hm.Type {
	return hm.NewFnType(hm.TypeVariable('b'), hm.TypeVariable('b'))
}
func (op Dropout) String() string        { return fmt.Sprintf("Dropout(%g,#%d)", op.P, op.id) }
func (op Dropout) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Dropout) Hashcode() uint32      { return hashcode(op) }
func (op Dropout) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op Dropout) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// Run is the number of the latest forward execution (the mask's counter).
func (op Dropout) Run() uint64 { return *op.runs }

// ID identifies the op: it is unique per NewDropout and shared by the
// DropoutGrad of the op's gradient (DropoutGrad.Fwd).
func (op Dropout) ID() uint64 { return op.id }

// AdvanceRun counts one more forward execution and returns its number, the
// counter the mask of that run is drawn at. The CPU kernel advances it
// itself; a device executor calls it once per run of the forward pass
// (before its kernels, which read the number from device memory), so that
// both backends draw the same masks run for run.
func (op Dropout) AdvanceRun() uint64 {
	*op.runs++
	return *op.runs
}

// SetRun sets the number of forward executions so far, so that the next
// run draws the mask of run n+1: a resumed training run restores the count
// its interrupted run had reached (package train's state files).
func (op Dropout) SetRun(n uint64) { *op.runs = n }

func (op Dropout) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	*op.runs++
	if out.Dtype == tensor.Float32 {
		dropoutApply32(out.F32, in[0].F32, op.P, op.Seed, *op.runs, ctxState[dropoutJob](ctx))
	} else {
		dropoutApply64(out.F64, in[0].F64, op.P, op.Seed, *op.runs)
	}
	return nil
}

// dropoutApply64 applies the mask of (seed, run) to float64 values (the
// gradient checks); dropoutApply32 is the float32 kernel.
func dropoutApply64(y, x []float64, p float64, seed, run uint64) {
	scale := 1 / (1 - p)
	pf := float32(p)
	y = y[:len(x)]
	for i, v := range x {
		if DropoutKeep(seed, run, uint64(i), pf) {
			y[i] = v * scale
		} else {
			y[i] = 0
		}
	}
}

// dropoutApply32 is dropoutApply64 for float32 without a branch per element:
// the keep test is a random coin, which a branch mispredicts half the time
// (7 ns per element on the reference machine, 11% of a batch-64 step).
// DropoutKeep's float32(u)·2⁻²⁴ >= p, with u < 2²⁴ and both sides exact, is
// u >= ⌈p·2²⁴⌉, so the mask is an integer comparison; dropped elements are
// +0 (the kept value's bits and'ed with zero), as before, NaNs included.
//
// With cgo it is cpu.Dropout, the same in C (vectorised); with job, the
// elements are split over the cores (each range's keys start at its first
// element's, so the mask is the same however it is split).
func dropoutApply32(y, x []float32, p float64, seed, run uint64, job *dropoutJob) {
	scale := float32(1 / (1 - p))
	thr := int64(math.Ceil(float64(float32(p)) * (1 << 24)))
	key := seed + dropmask.Stride*(run<<32) // element i's key is key + stride*i
	if job == nil {
		dropoutRange(y[:len(x)], x, scale, thr, key)
		return
	}
	*job = dropoutJob{y: y[:len(x)], x: x, scale: scale, thr: thr, key: key}
	cpu.ParallelFor(len(x), dropoutGrain, job)
	*job = dropoutJob{}
}

// dropoutGrain is the fewest elements worth another core: about 20 µs of
// the vectorised kernel.
const dropoutGrain = 1 << 15

// dropoutJob is one dropout application split by cpu.ParallelFor (kept in
// the op's kernel state, so that passing it allocates nothing).
type dropoutJob struct {
	y, x  []float32
	scale float32
	thr   int64
	key   uint64
}

func (j *dropoutJob) Run(lo, hi int) {
	dropoutRange(j.y[lo:hi], j.x[lo:hi], j.scale, j.thr, j.key+dropmask.Stride*uint64(lo))
}

// dropoutRange masks and scales x into y, element i keyed key + stride*i.
func dropoutRange(y, x []float32, scale float32, thr int64, key uint64) {
	if cpu.NativeDropout {
		cpu.Dropout(y, x, scale, thr, key)
		return
	}
	dropoutGo32(y, x, scale, thr, key)
}

// dropoutGo32 is dropoutApply32's loop in Go.
func dropoutGo32(y, x []float32, scale float32, thr int64, key uint64) {
	y = y[:len(x)]
	for i, v := range x {
		u := int64(uint32(dropmask.Mix(key)) >> 8)
		key += dropmask.Stride
		mask := uint32((thr - u - 1) >> 63) // all ones when u >= thr (kept), else 0
		y[i] = math.Float32frombits(math.Float32bits(v*scale) & mask)
	}
}

func (Dropout) DiffWRT(int) []bool { return []bool{true} }
func (op Dropout) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(DropoutGrad{Fwd: op}, grad)
	return gorgonia.Nodes{d}, err
}

// DropoutGrad applies the forward op's latest mask to the gradient.
type DropoutGrad struct {
	opBase
	Fwd Dropout
}

func (op DropoutGrad) Arity() int            { return 1 }
func (op DropoutGrad) Type() hm.Type         { return op.Fwd.Type() }
func (op DropoutGrad) String() string        { return "Grad" + op.Fwd.String() }
func (op DropoutGrad) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op DropoutGrad) Hashcode() uint32      { return hashcode(op) }
func (op DropoutGrad) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.Fwd.InferShape(ns...)
}
func (op DropoutGrad) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }
func (op DropoutGrad) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	if out.Dtype == tensor.Float32 {
		dropoutApply32(out.F32, in[0].F32, op.Fwd.P, op.Fwd.Seed, *op.Fwd.runs, ctxState[dropoutJob](ctx))
	} else {
		dropoutApply64(out.F64, in[0].F64, op.Fwd.P, op.Fwd.Seed, *op.Fwd.runs)
	}
	return nil
}

// DropoutKeep reports whether element i survives dropout with probability p
// in run `run` of a dropout op seeded with seed: the splitmix64 hash the
// CUDA kernels compute too (cuda.DropoutKeep), so both backends draw the
// same masks.
func DropoutKeep(seed, run, i uint64, p float32) bool { return dropmask.Keep(seed, run, i, p) }
