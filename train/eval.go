package train

import (
	"errors"
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
	// store holds the parameters the programs read: a trainer's (Fit's
	// validation reads the weights being trained where they are), or the
	// evaluator's own, which every Evaluate refreshes from the model's
	// host parameters (own).
	store graph.Store
	own   bool
}

type evalProg struct {
	net    *Net
	exec   graph.Executable
	inputs []*graph.Buf
	target *graph.Buf
	output *graph.Buf
	loss   *graph.Buf
}

// NewEvaluator prepares inference for m on the CPU.
func NewEvaluator(m Model, dt tensor.Dtype) *Evaluator {
	return NewEvaluatorOn(m, dt, CPU)
}

// NewEvaluatorOn prepares inference for m on dev. On a device every
// Evaluate uploads the model's host parameters first, so it always scores
// the weights the model holds.
func NewEvaluatorOn(m Model, dt tensor.Dtype, dev Device) *Evaluator {
	if dt == (tensor.Dtype{}) {
		dt = tensor.Float32
	}
	return &Evaluator{model: m, dtype: dt, dev: dev, progs: map[int]*evalProg{}, own: true}
}

// Close frees the evaluator's device memory (nothing on the CPU); it may
// be used again afterwards, planning its programs anew.
func (e *Evaluator) Close() error {
	var errs []error
	for b, p := range e.progs {
		errs = append(errs, p.exec.Close())
		delete(e.progs, b)
	}
	if e.own && e.store != nil {
		errs = append(errs, e.store.Close())
		e.store = nil
	}
	return errors.Join(errs...)
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
	b := e.dev.Backend()
	if e.store == nil {
		if e.store, err = b.NewStore(e.model.Params(), graph.Update{}); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	plan, err := graph.NewPlan([]*gorgonia.Node{net.Loss, net.Output}, nil, g.Binds())
	if err != nil {
		return nil, err
	}
	exec, err := b.Compile(plan, e.store, nil)
	if err != nil {
		return nil, err
	}
	p := &evalProg{net: net, exec: exec, target: exec.Input(net.Target), output: exec.Output(net.Output),
		loss: exec.Output(net.Loss)}
	for _, n := range net.Inputs {
		p.inputs = append(p.inputs, exec.Input(n))
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
	synced := !e.own
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		p, err := e.program(hi - lo)
		if err != nil {
			return nil, err
		}
		if !synced { // the model's weights, as the host holds them now
			if err := e.store.SyncDevice(); err != nil {
				return nil, err
			}
			synced = true
		}
		e.idx = e.idx[:0]
		for i := lo; i < hi; i++ {
			e.idx = append(e.idx, i)
		}
		if err := d.Fill(e.idx, p.inputs, p.target); err != nil {
			return nil, err
		}
		if err := p.exec.Forward(); err != nil {
			return nil, err
		}
		lossSum += p.loss.At(0) * float64(hi-lo)
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
