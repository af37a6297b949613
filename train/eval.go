package train

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/graph"
)

// Evaluator runs a model in inference mode (no dropout, no gradients),
// planning one program per batch size it meets and reusing it.
type Evaluator struct {
	model Model
	dtype tensor.Dtype
	dev   Device
	progs map[int]*evalProg
	idx   []int
	pass  int // Evaluate calls, so that CUDA programs upload the weights once per call
}

type evalProg struct {
	net    *Net
	prog   *graph.Program
	inputs []*graph.Buf
	target *graph.Buf
	output *graph.Buf
	cu     *cudaEval // non-nil on a CUDA device
}

// NewEvaluator prepares inference for m on the CPU.
func NewEvaluator(m Model, dt tensor.Dtype) *Evaluator {
	return NewEvaluatorOn(m, dt, CPU)
}

// NewEvaluatorOn prepares inference for m on dev. On CUDA every Evaluate
// uploads the model's host parameters first, so it always scores the
// weights the model holds.
func NewEvaluatorOn(m Model, dt tensor.Dtype, dev Device) *Evaluator {
	if dt == (tensor.Dtype{}) {
		dt = tensor.Float32
	}
	return &Evaluator{model: m, dtype: dt, dev: dev, progs: map[int]*evalProg{}}
}

// Close frees the evaluator's device memory (nothing on the CPU); it may
// be used again afterwards, planning its programs anew.
func (e *Evaluator) Close() error {
	var first error
	for b, p := range e.progs {
		if p.cu != nil {
			if err := p.cu.close(); err != nil && first == nil {
				first = err
			}
		}
		delete(e.progs, b)
	}
	return first
}

func (e *Evaluator) program(batch int) (*evalProg, error) {
	if p, ok := e.progs[batch]; ok {
		return p, nil
	}
	g := graph.New(e.dtype, false)
	net, err := e.model.Build(g, batch)
	if err != nil {
		return nil, err
	}
	if e.dev.IsCUDA() {
		p, err := newCUDAEval(e.dev, g, net)
		if err != nil {
			return nil, err
		}
		e.progs[batch] = p
		return p, nil
	}
	prog, err := g.Compile([]*gorgonia.Node{net.Loss, net.Output}, nil)
	if err != nil {
		return nil, err
	}
	p := &evalProg{net: net, prog: prog, target: prog.Buf(net.Target), output: prog.Buf(net.Output)}
	for _, n := range net.Inputs {
		p.inputs = append(p.inputs, prog.Buf(n))
	}
	e.progs[batch] = p
	return p, nil
}

// EvalResult holds the figures of one pass over a data set.
type EvalResult struct {
	Loss     float64   // mean loss per example
	Accuracy float64   // at threshold 0.5
	Probs    []float64 // the model's probability for each example, in order
	Labels   []float64 // the targets, in order
}

// Evaluate runs the whole of d in batches of at most batch examples.
func (e *Evaluator) Evaluate(d Data, batch int) (*EvalResult, error) {
	n := d.Len()
	if n == 0 {
		return nil, fmt.Errorf("train: evaluating an empty data set")
	}
	res := &EvalResult{Probs: make([]float64, 0, n), Labels: make([]float64, 0, n)}
	var lossSum float64
	correct := 0
	e.pass++
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		p, err := e.program(hi - lo)
		if err != nil {
			return nil, err
		}
		e.idx = e.idx[:0]
		for i := lo; i < hi; i++ {
			e.idx = append(e.idx, i)
		}
		if err := d.Fill(e.idx, p.inputs, p.target); err != nil {
			return nil, err
		}
		var loss float64
		if p.cu != nil {
			if loss, err = p.cu.forward(p, e.pass); err != nil {
				return nil, err
			}
		} else {
			if err := p.prog.Forward(); err != nil {
				return nil, err
			}
			loss = p.prog.Scalar(p.net.Loss)
		}
		lossSum += loss * float64(hi-lo)
		correct += countCorrect(p.output, p.target)
		for i := 0; i < hi-lo; i++ {
			res.Probs = append(res.Probs, p.output.At(i))
			res.Labels = append(res.Labels, p.target.At(i))
		}
	}
	res.Loss = lossSum / float64(n)
	res.Accuracy = float64(correct) / float64(n)
	return res, nil
}
