package train

import (
	"errors"
	"fmt"
	"slices"

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

// NewEvaluator prepares inference for m on the CPU, in dtype dt (the zero
// Dtype: tensor.Float32), which must be the dtype of m's parameters.
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
	net, err := buildNet(e.model, g, batch, "the evaluator's dtype")
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

// SequenceData is implemented by data sets of sequences of different
// lengths (spam.Dataset): Length(i) is example i's number of real tokens.
// Evaluate scores such data longest first, so that each batch holds
// sequences of similar lengths, the batches packed recurrent models
// compute fastest; its results stay in the data's order.
type SequenceData interface {
	Data
	Length(i int) int
}

// Evaluate runs the whole of d in batches of at most batch examples (in
// order of length, longest first, for SequenceData). An empty or nil d, a
// batch below 1, and an evaluator dtype other than tensor.Float32 or
// tensor.Float64 are errors.
func (e *Evaluator) Evaluate(d Data, batch int) (*EvalResult, error) {
	if d == nil {
		return nil, errors.New("train: evaluating nil Data")
	}
	if batch < 1 {
		return nil, fmt.Errorf("train: evaluating in batches of %d, want at least 1", batch)
	}
	if err := checkDtype("the evaluator's dtype", e.dtype); err != nil {
		return nil, err
	}
	n := d.Len()
	if n == 0 {
		return nil, fmt.Errorf("train: evaluating an empty data set")
	}
	res := &EvalResult{Probs: make([]float64, n), Labels: make([]float64, n)}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if sd, ok := d.(SequenceData); ok {
		slices.SortStableFunc(order, func(a, b int) int { return sd.Length(b) - sd.Length(a) })
	}
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
		idx := order[lo:hi]
		if err := d.Fill(idx, p.inputs, p.target); err != nil {
			return nil, err
		}
		if err := checkTargets(idx, p.target); err != nil {
			return nil, err
		}
		if err := p.exec.Forward(); err != nil {
			return nil, err
		}
		lossSum += p.loss.At(0) * float64(hi-lo)
		correct += countCorrect(p.output, p.target)
		for k, i := range idx {
			res.Probs[i] = p.output.At(k)
			res.Labels[i] = p.target.At(k)
		}
	}
	res.Loss = lossSum / float64(n)
	res.Accuracy = float64(correct) / float64(n)
	return res, nil
}
