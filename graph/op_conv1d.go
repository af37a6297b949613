package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv1D is a one-dimensional convolution over time (a cross-correlation,
// as PyTorch's nn.Conv1d: stride 1, no padding) on time-major input:
//
//	y[t,b,o] = bias[o] + Σ_k Σ_c W[o,k,c]·x[t+k,b,c]
//
// with x (T, B, In), W (Out, Width, In), bias (Out) and y (T−Width+1, B, Out).
// W is laid out (Out, Width, In), channels last, where PyTorch's weight is
// (Out, In, Width): exporting to PyTorch swaps the last two axes.
//
// The kernel needs no im2col copy: in time-major layout the rows of x for
// steps k … k+T'−1 are one contiguous (T'·B, In) block, so y is Width
// matrix products of shifted blocks of x with the matching slice W[:,k,:]
// (a strided view of W), accumulated into y.
type Conv1D struct{ opBase }

// conv1DDims checks x and W and returns T, B, In, Out and Width.
func conv1DDims(x, w tensor.Shape) (t, b, in, out, width int, err error) {
	if len(x) != 3 || len(w) != 3 || x[2] != w[2] {
		return 0, 0, 0, 0, 0, fmt.Errorf("Conv1D: want x (T,B,In) and W (Out,Width,In); got x %v, W %v", x, w)
	}
	t, b, in, out, width = x[0], x[1], x[2], w[0], w[1]
	if width < 1 || t < width {
		return 0, 0, 0, 0, 0, fmt.Errorf("Conv1D: filter width %d does not fit a sequence of %d steps", width, t)
	}
	return t, b, in, out, width, nil
}

func (Conv1D) Arity() int               { return 3 }
func (Conv1D) Type() hm.Type            { return hm.NewFnType(tt(3), tt(3), tt(1), tt(3)) }
func (Conv1D) String() string           { return "Conv1D" }
func (op Conv1D) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Conv1D) Hashcode() uint32      { return hashcode(op) }
func (Conv1D) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 3 {
		return nil, fmt.Errorf("Conv1D: want x, W and bias, got %d inputs", len(s))
	}
	t, b, _, out, width, err := conv1DDims(s[0], s[1])
	if err != nil {
		return nil, err
	}
	if sizeOf(s[2]) != out {
		return nil, fmt.Errorf("Conv1D: bias %v should have %d elements", s[2], out)
	}
	return tensor.Shape{t - width + 1, b, out}, nil
}
func (op Conv1D) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

func (Conv1D) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	t, b, ni, no, width := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[1].Shape[0], in[1].Shape[1]
	if out.Dtype == tensor.Float32 {
		conv1DFwd(out.F32, in[0].F32, in[1].F32, in[2].F32, t, b, ni, no, width)
	} else {
		conv1DFwd(out.F64, in[0].F64, in[1].F64, in[2].F64, t, b, ni, no, width)
	}
	return nil
}

func conv1DFwd[T Float](y, x, w, bias []T, t, b, in, out, width int) {
	rows := (t - width + 1) * b
	for k := 0; k < width; k++ {
		var beta T
		if k > 0 {
			beta = 1
		}
		// y += x[k·B : k·B+rows] · W[:,k,:]ᵀ
		gemm(false, true, rows, out, in, 1, x[k*b*in:], in, w[k*in:], width*in, beta, y, out)
	}
	addRows(y, bias, rows, out)
}

func (Conv1D) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff adds one Conv1DBackward node and views onto its output for the
// gradient of each input.
func (Conv1D) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	bwd, err := gorgonia.ApplyOp(Conv1DBackward{}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return splitViews(bwd, in)
}

// Conv1DBackward computes, from x, W and the gradient dy of Conv1D's
// output, the flat concatenation of dx (T,B,In), dW (Out,Width,In) and
// dbias (Out).
type Conv1DBackward struct{ opBase }

func (Conv1DBackward) Arity() int               { return 3 }
func (Conv1DBackward) Type() hm.Type            { return hm.NewFnType(tt(3), tt(3), tt(3), tt(1)) }
func (Conv1DBackward) String() string           { return "Conv1DBackward" }
func (op Conv1DBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op Conv1DBackward) Hashcode() uint32      { return hashcode(op) }
func (Conv1DBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != 3 {
		return nil, fmt.Errorf("Conv1DBackward: want x, W and dy, got %d inputs", len(s))
	}
	t, b, in, out, width, err := conv1DDims(s[0], s[1])
	if err != nil {
		return nil, err
	}
	if want := (tensor.Shape{t - width + 1, b, out}); !s[2].Eq(want) {
		return nil, fmt.Errorf("Conv1DBackward: dy %v, want %v", s[2], want)
	}
	return tensor.Shape{t*b*in + out*width*in + out}, nil
}
func (op Conv1DBackward) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

func (Conv1DBackward) ExecCPU(_ *Ctx, out *Buf, in []*Buf) error {
	t, b, ni, no, width := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[1].Shape[0], in[1].Shape[1]
	if out.Dtype == tensor.Float32 {
		conv1DBwd(out.F32, in[0].F32, in[1].F32, in[2].F32, t, b, ni, no, width)
	} else {
		conv1DBwd(out.F64, in[0].F64, in[1].F64, in[2].F64, t, b, ni, no, width)
	}
	return nil
}

func conv1DBwd[T Float](grads, x, w, dy []T, t, b, in, out, width int) {
	rows := (t - width + 1) * b
	dx := grads[:t*b*in]
	dw := grads[t*b*in : t*b*in+out*width*in]
	db := grads[t*b*in+out*width*in : t*b*in+out*width*in+out]
	// Each step's dx collects from up to width outputs: clear, then add the
	// shifted blocks. The products are the forward's, transposed.
	clear(dx)
	for k := 0; k < width; k++ {
		// dx[k·B : k·B+rows] += dy · W[:,k,:]
		gemm(false, false, rows, in, out, 1, dy, out, w[k*in:], width*in, 1, dx[k*b*in:], in)
		// dW[:,k,:] = dyᵀ · x[k·B : k·B+rows]
		gemm(true, false, out, in, rows, 1, dy, out, x[k*b*in:], in, 0, dw[k*in:], width*in)
	}
	sumRows(db, dy, rows, out, false)
}
