package graph

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused recurrent ops (LSTM and GRU, their packed forms and their
// backward ops) differ in their cell alone. For a cell of G gate blocks
// each forward op takes x (T, B, I), W_ih (G·H, I), W_hh (G·H, H) and the
// biases b_ih and b_hh (G·H each), then, packed, the lengths (B); its flat
// output holds the hidden sequence (T, B, H), the gate activations
// (T, B, G·H) and one more (T, B, H) block of reserve. Each backward op
// takes x, the two weights, that output and its gradient (then the
// lengths), and writes the gradients of x, W_ih, W_hh, b_ih and b_hh one
// after the other. What follows from that layout lives here; each cell's
// file keeps its doc, its kernels and its gate arithmetic.

// recurrentCell describes one cell kind of the fused recurrent ops, for
// their shape checks and sizes.
type recurrentCell struct {
	name  string // "LSTM" or "GRU", which starts the shape errors
	gates int    // G: 4 for the LSTM (i, f, g, o), 3 for the GRU (r, z, n)
	// biasesApart is the GRU's shape check: it reads the biases only when
	// given (GRUBackward has none) and names one that does not fit on its
	// own. The LSTM's names the five shapes together, its backward op's
	// biases those the weights imply.
	biasesApart bool
}

var (
	lstmCell = recurrentCell{name: "LSTM", gates: 4}
	gruCell  = recurrentCell{name: "GRU", gates: 3, biasesApart: true}
)

// dims checks the shapes of x, Wih, Whh and the biases and returns T, B,
// I, H. s holds x, Wih and Whh at least (the inputs' count was checked),
// and for the LSTM the biases too wherever Whh is a matrix (see
// backwardShape).
func (c recurrentCell) dims(s []tensor.Shape) (t, b, i, h int, err error) {
	if len(s[0]) != 3 || len(s[1]) != 2 || len(s[2]) != 2 {
		return 0, 0, 0, 0, fmt.Errorf("%s: want x (T,B,I), Wih (%[2]dH,I), Whh (%[2]dH,H), bih (%[2]dH), bhh (%[2]dH); got %[3]v", c.name, c.gates, s)
	}
	t, b, i, h = s[0][0], s[0][1], s[0][2], s[2][1]
	g := c.gates * h
	weightsFit := s[1][0] == g && s[1][1] == i && s[2][0] == g
	if !c.biasesApart {
		if !weightsFit || sizeOf(s[3]) != g || sizeOf(s[4]) != g {
			return 0, 0, 0, 0, fmt.Errorf("%s: x %v, Wih %v, Whh %v, bih %v, bhh %v do not fit", c.name, s[0], s[1], s[2], s[3], s[4])
		}
		return t, b, i, h, nil
	}
	if !weightsFit {
		return 0, 0, 0, 0, fmt.Errorf("%s: x %v, Wih %v, Whh %v do not fit", c.name, s[0], s[1], s[2])
	}
	for k := 3; k < min(len(s), 5); k++ {
		if sizeOf(s[k]) != g {
			return 0, 0, 0, 0, fmt.Errorf("%s: bias %v should have %dH = %d elements", c.name, s[k], c.gates, g)
		}
	}
	return t, b, i, h, nil
}

// outputSize is the flat length of the forward ops' output.
func (c recurrentCell) outputSize(t, b, h int) int { return t*b*h + t*b*c.gates*h + t*b*h }

// LSTMOutputSize is the flat length of the LSTM op's output.
func LSTMOutputSize(t, b, h int) int { return lstmCell.outputSize(t, b, h) }

// GRUOutputSize is the flat length of the GRU op's output.
func GRUOutputSize(t, b, h int) int { return gruCell.outputSize(t, b, h) }

// forwardShape is the InferShape of the cell's forward op, dense or packed.
func (c recurrentCell) forwardShape(op gorgonia.Op, ns []gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := recurrentShapes(op, ns)
	if err != nil {
		return nil, err
	}
	t, b, _, h, err := c.dims(s[:5])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{c.outputSize(t, b, h)}, nil
}

// backwardShape is the InferShape of the cell's backward op, dense or
// packed: the flat gradients of x, Wih, Whh, bih and bhh.
func (c recurrentCell) backwardShape(op gorgonia.Op, ns []gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := recurrentShapes(op, ns)
	if err != nil {
		return nil, err
	}
	w := s[:3]
	if !c.biasesApart && len(s[2]) == 2 {
		// The LSTM's check wants the biases: those the weights imply.
		gh := tensor.Shape{c.gates * s[2][1]}
		w = []tensor.Shape{s[0], s[1], s[2], gh, gh}
	}
	t, b, i, h, err := c.dims(w)
	if err != nil {
		return nil, err
	}
	if n := c.outputSize(t, b, h); sizeOf(s[3]) != n || sizeOf(s[4]) != n {
		return nil, fmt.Errorf("%sBackward: output %v and its gradient %v should have %d elements", c.name, s[3], s[4], n)
	}
	g := c.gates * h
	return tensor.Shape{t*b*i + g*i + g*h + 2*g}, nil
}

// recurrentShapes returns the shapes of a fused recurrent op's inputs,
// after checking that there are as many as the op takes and, for a packed
// op (six), that the lengths are one per sequence of x.
func recurrentShapes(op gorgonia.Op, ns []gorgonia.DimSizer) ([]tensor.Shape, error) {
	s, err := shapes(ns)
	if err != nil {
		return nil, err
	}
	if len(s) != op.Arity() {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.Arity(), len(s))
	}
	if len(s) == 6 {
		if err := packedLengths(op.String(), s[0], s[5]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// recurrentOp supplies the arity and type of the dense fused recurrent
// ops, forward and backward: five inputs, x (T, B, I), two matrices and
// two vectors (the biases, or the forward output and its gradient), and
// one flat output.
type recurrentOp struct{ opBase }

func (recurrentOp) Arity() int { return 5 }
func (recurrentOp) Type() hm.Type {
	return hm.NewFnType(tt(3), tt(2), tt(2), tt(1), tt(1), tt(1))
}

// packedRecurrentOp is recurrentOp for the packed ops, whose sixth input
// is the int32 lengths (B).
type packedRecurrentOp struct{ opBase }

func (packedRecurrentOp) Arity() int { return 6 }
func (packedRecurrentOp) Type() hm.Type {
	return hm.NewFnType(tt(3), tt(2), tt(2), tt(1), tt(1), ttOf(1, tensor.Int32), tt(1))
}

// recurrentSymDiff is the SymDiff of a fused recurrent forward op: one
// node of its backward op bwd computes every gradient by backpropagation
// through time, and each input but the lengths gets a view onto its output.
// The views are disjoint windows: the LSTM's two bias gradients are equal
// but never share storage, so clipping scales each once.
func recurrentSymDiff(bwd gorgonia.Op, in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	args := append(gorgonia.Nodes{in[0], in[1], in[2], out, grad}, in[5:]...)
	n, err := gorgonia.ApplyOp(bwd, args...)
	if err != nil {
		return nil, err
	}
	views, err := splitViews(n, in[:5])
	if err != nil {
		return nil, err
	}
	return append(views, make(gorgonia.Nodes, len(in)-5)...), nil // no gradient for the lengths
}

// recurrentGradRange is the InputRange of the fused recurrent backward ops
// (x (T,B,I) input 0, W_hh (G,H) input 2): of the forward output's
// gradient, input 4, they read the hidden states' (T,B,H) part, the
// reserve being no model output; the other inputs whole.
func recurrentGradRange(i int, in []tensor.Shape) (off, n int) {
	if i == 4 && len(in) > 2 && len(in[0]) == 3 && len(in[2]) == 2 {
		return 0, in[0][0] * in[0][1] * in[2][1]
	}
	return 0, sizeOf(in[i])
}

// LSTMSequence views the hidden states of every step, (T, B, H), in the
// output of an LSTM or PackedLSTM node.
func LSTMSequence(lstm *gorgonia.Node, t, b, h int) *gorgonia.Node {
	return hiddenSequence(lstm, t, b, h)
}

// LSTMLast views the last step's hidden state, (B, H).
func LSTMLast(lstm *gorgonia.Node, t, b, h int) *gorgonia.Node { return lastHidden(lstm, t, b, h) }

// GRUSequence views the hidden states of every step, (T, B, H), in the
// output of a GRU or PackedGRU node.
func GRUSequence(gru *gorgonia.Node, t, b, h int) *gorgonia.Node { return hiddenSequence(gru, t, b, h) }

// GRULast views the last step's hidden state, (B, H).
func GRULast(gru *gorgonia.Node, t, b, h int) *gorgonia.Node { return lastHidden(gru, t, b, h) }

// hiddenSequence views the hidden states of every step, (T, B, H), which
// lead the output of every fused recurrent op.
func hiddenSequence(n *gorgonia.Node, t, b, h int) *gorgonia.Node { return NewView(n, 0, t, b, h) }

// lastHidden views the last step's hidden state, (B, H): with left-padded
// sequences, every sequence's last real one.
func lastHidden(n *gorgonia.Node, t, b, h int) *gorgonia.Node {
	return NewView(n, (t-1)*b*h, b, h)
}

// recurrentKernel is a fused recurrent op's kernel in one dtype (lstmFwd,
// gruBwd, ...): it writes out from the op's first five inputs, with work
// the op's scratch, over the steps and rows pk computes; job shares each
// float32 step over the cores, nil runs it on the caller.
type recurrentKernel[T Float, J any] func(out, work, x, wih, whh, in3, in4 []T, t, b, i, h int, pk packing, job *J)

// execRecurrent runs a fused recurrent op: k32 with job in float32, k64
// serially in float64 (the gradient checks).
func execRecurrent[J any](ctx *Ctx, out *Buf, in []*Buf, pk packing, job *J, k32 recurrentKernel[float32, J], k64 recurrentKernel[float64, J]) {
	t, b, i, h := in[0].Shape[0], in[0].Shape[1], in[0].Shape[2], in[2].Shape[1]
	if out.Dtype == tensor.Float32 {
		k32(out.F32, scratch[float32](ctx), in[0].F32, in[1].F32, in[2].F32, in[3].F32, in[4].F32, t, b, i, h, pk, job)
	} else {
		k64(out.F64, scratch[float64](ctx), in[0].F64, in[1].F64, in[2].F64, in[3].F64, in[4].F64, t, b, i, h, pk, nil)
	}
}

// execDense is the ExecCPU of a dense fused recurrent op, whose job
// descriptor (float32) is its kernel state. Shapes were checked by
// InferShape when the graph was built.
func execDense[J any](ctx *Ctx, out *Buf, in []*Buf, k32 recurrentKernel[float32, J], k64 recurrentKernel[float64, J]) error {
	var job *J
	if out.Dtype == tensor.Float32 {
		job = ctxState[J](ctx)
	}
	execRecurrent(ctx, out, in, densePacking(in[0].Shape[0], in[0].Shape[1]), job, k32, k64)
	return nil
}

// packedState is what a packed recurrent op's kernel keeps across runs:
// its job descriptor and the packing of its lengths.
type packedState[J any] struct {
	job J
	pk  packing
}

// execPacked is the ExecCPU of a packed fused recurrent op (lengths input
// 5): the lengths out of range are an error.
func execPacked[J any](op fmt.Stringer, ctx *Ctx, out *Buf, in []*Buf, k32 recurrentKernel[float32, J], k64 recurrentKernel[float64, J]) error {
	st := ctxState[packedState[J]](ctx)
	if err := setPacking(op, &st.pk, in[0], in[5]); err != nil {
		return err
	}
	execRecurrent(ctx, out, in, st.pk, &st.job, k32, k64)
	return nil
}

// recurrentBlocks splits a fused recurrent op's output (B·H and B·G a
// step's hidden states and gates) into the hidden states, the gate
// activations and the last block of its reserve.
func recurrentBlocks[T Float](out []T, t, bh, bg int) (hs, acts, rest []T) {
	return out[:t*bh], out[t*bh : t*bh+t*bg], out[t*bh+t*bg : t*bh+t*bg+t*bh]
}

// recurrentGrads splits a fused recurrent backward op's output into the
// gradients of x (T·B·I), W_ih (G·I), W_hh (G·H), b_ih and b_hh (G each).
func recurrentGrads[T Float](out []T, tbi, g, i, h int) (dx, dwih, dwhh, dbih, dbhh []T) {
	o := 0
	next := func(n int) []T { o += n; return out[o-n : o] }
	return next(tbi), next(g * i), next(g * h), next(g), next(g)
}

// recurrentWeightGrads writes, after the backward pass through the steps
// f … T−1, the gradients of x, W_ih, W_hh and b_ih as single products over
// all of them: din holds every step's gradient of the input
// pre-activations (T, B, G), drec that of the recurrent ones (the same
// for the LSTM), hs the hidden states. dx of the steps not computed is
// zero.
func recurrentWeightGrads[T Float](dx, dwih, dwhh, dbih, din, drec, x, wih, hs []T, t, f, b, in, g, h int) {
	bh, bg := b*h, b*g
	clear(dx[:f*b*in])
	gemm(false, false, (t-f)*b, in, g, 1, din[f*bg:], g, wih, in, 0, dx[f*b*in:], in)
	gemm(true, false, g, in, (t-f)*b, 1, din[f*bg:], g, x[f*b*in:], in, 0, dwih, in)
	if t-f > 1 {
		gemm(true, false, g, h, (t-f-1)*b, 1, drec[(f+1)*bg:], g, hs[f*bh:], h, 0, dwhh, h)
	} else {
		clear(dwhh)
	}
	sumRows(dbih, din[f*bg:], (t-f)*b, g, false)
}

// stepProduct is the recurrent product a step shared by hidden units
// computes part by part: forward, the gate pre-activations
// a[:, q·H+J] += hprev·W_hhᵀ[:, q·H+J] for each gate q; backward, the
// recurrent gradient dh[:, J] = dp_next·W_hh[:, J] (J the part's units;
// the GRU's gruJob.runUnits differs as its cell needs).
// Every part runs the small-row kernel the whole product would, so each
// element gets the same sum. A nil x means no product this step.
type stepProduct struct {
	x    []float32 // hprev (rows × H) or dp of the later step (rows × 4H or 3H)
	rows int       // rows of x
	w    []float32 // W_hhᵀ (H × 4H or 3H) or W_hh (4H or 3H × H)
	ldw  int       // w's row stride
}

// stepsByUnits lets a test turn the sharing by units off (LSTM and GRU).
var stepsByUnits = true

// unitBlock is the hidden units a part of a step shared by units takes at
// least: a cache line of each row, and whole vectors for the kernels.
const unitBlock = 16
