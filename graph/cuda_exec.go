//go:build embercuda || cudaemu

package graph

import (
	"fmt"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
)

// CUDAProgram is a graph planned for execution on a CUDA device (or the
// cudaemu emulator): the same node order as Compile, one device buffer per
// node carved from a single arena, views aliasing their input, and forward
// and backward step lists that launch the cuda package's float32 kernels.
//
// Parameters (bound inputs) and constants are uploaded when the program is
// compiled; other inputs are filled with Upload. Results are read back with
// Download. An op with no CUDA kernel makes CompileCUDA fail: nothing falls
// back to the CPU.
//
// Dropout draws its mask from the op's seed and run counter exactly as the
// CPU kernel does (the counter lives in the op and is advanced by whichever
// executor runs its forward pass), so a CPU and a CUDA program of two
// identically built graphs produce the same masks run for run. The kernels
// read the counter from device memory, which PrepareRun rewrites before
// each run: the enqueued work has no per-run host values in its kernel
// arguments, so it can be captured once as a CUDA graph (cuda.Context.Capture
// around EnqueueForward and EnqueueBackward) and replayed.
type CUDAProgram struct {
	ctx      *cuda.Context
	arena    *cuda.Arena
	fwd, bwd []cudaStep
	bufs     map[*gorgonia.Node]*cudaBuf
	binds    map[*gorgonia.Node]*Buf
	inputs   []*gorgonia.Node
	idLimits map[*gorgonia.Node]int // int32 id inputs of Embedding: ids must be < limit

	drops    []Dropout        // the forward Dropout ops, in counter order
	counters *cudaScratch     // their run counters on the device, one uint64 each
	staging  *cuda.HostBuffer // the counters on the host (page-locked), uploaded by PrepareRun

	profiling  bool
	timer      *cuda.EventTimer // marks: forward steps+1, then backward steps+1
	times      stepTimes        // device times by step index (profile.go)
	pendingFwd bool             // marks recorded, not yet collected
	pendingBwd bool
}

// cudaBuf is a node's device buffer: its place in the arena (or, for a view,
// in its source's buffer) and its logical shape.
type cudaBuf struct {
	src   *cudaBuf // non-nil for a view
	off   int64    // bytes: arena offset, or element offset*4 into src for a view
	n     int      // elements
	shape tensor.Shape
	dtype tensor.Dtype
	dev   cuda.Buffer // resolved once the arena exists
}

type cudaStep struct {
	node *gorgonia.Node
	run  func(c *cuda.Context) error
}

// cudaScratch is temporary device space of an op, placed in the arena.
type cudaScratch struct {
	off int64
	n   int
	dev cuda.Buffer
}

// CompileCUDA plans the nodes needed for fwd and bwd on ctx's device, like
// Compile: binds maps input nodes to host buffers (parameters), whose
// contents are uploaded now (and again by UploadBound). Every value must be
// float32 (int32 for token ids).
func CompileCUDA(ctx *cuda.Context, fwd, bwd []*gorgonia.Node, binds map[*gorgonia.Node]*Buf) (*CUDAProgram, error) {
	if ctx == nil {
		return nil, fmt.Errorf("graph: CompileCUDA: nil cuda.Context")
	}
	p := &CUDAProgram{ctx: ctx, bufs: map[*gorgonia.Node]*cudaBuf{}, binds: map[*gorgonia.Node]*Buf{},
		idLimits: map[*gorgonia.Node]int{}}
	fwdOrder := topo(fwd, nil)
	inFwd := make(map[*gorgonia.Node]bool, len(fwdOrder))
	for _, n := range fwdOrder {
		inFwd[n] = true
	}
	bwdOrder := topo(bwd, inFwd)

	var plan cuda.ArenaPlan
	var scratches []*cudaScratch
	addScratch := func(n int) *cudaScratch {
		s := &cudaScratch{off: plan.AddFloat32(max(n, 1)), n: n}
		scratches = append(scratches, s)
		return s
	}
	for _, n := range append(append([]*gorgonia.Node(nil), fwdOrder...), bwdOrder...) {
		if d, ok := n.Op().(Dropout); ok && p.dropIndex(d) < 0 {
			p.drops = append(p.drops, d)
		}
	}
	if len(p.drops) > 0 {
		p.counters = addScratch(2 * len(p.drops))
	}
	consts := map[*gorgonia.Node]*Buf{}
	for _, phase := range []struct {
		order []*gorgonia.Node
		dst   *[]cudaStep
	}{{fwdOrder, &p.fwd}, {bwdOrder, &p.bwd}} {
		for _, n := range phase.order {
			st, err := p.plan(n, binds, consts, &plan, addScratch)
			if err != nil {
				return nil, err
			}
			if st != nil {
				*phase.dst = append(*phase.dst, *st)
			}
		}
	}

	arena, err := ctx.NewArena(max(plan.Size(), cuda.Alignment))
	if err != nil {
		return nil, fmt.Errorf("graph: CompileCUDA: %w", err)
	}
	p.arena = arena
	fail := func(err error) (*CUDAProgram, error) {
		p.Close()
		return nil, err
	}
	for _, n := range append(append([]*gorgonia.Node(nil), fwdOrder...), bwdOrder...) {
		p.resolve(p.bufs[n])
	}
	for _, s := range scratches {
		s.dev = arena.At(s.off, int64(s.n)*4)
	}
	if len(p.drops) > 0 {
		if p.staging, err = ctx.AllocHost(int64(len(p.drops)) * 8); err != nil {
			return fail(fmt.Errorf("graph: CompileCUDA: %w", err))
		}
	}
	// Parameters and constants go up once; a node may be both planned and
	// bound only as an input, so binds is the full set.
	for n, b := range p.binds {
		if err := p.Upload(n, b); err != nil {
			return fail(err)
		}
	}
	for n, b := range consts {
		if err := p.Upload(n, b); err != nil {
			return fail(err)
		}
	}
	return p, nil
}

func (p *CUDAProgram) resolve(b *cudaBuf) cuda.Buffer {
	if b == nil || !b.dev.IsNil() {
		if b == nil {
			return cuda.Buffer{}
		}
		return b.dev
	}
	if b.src != nil {
		s := p.resolve(b.src)
		e := int(b.off / 4)
		b.dev = s.Slice(e, e+b.n)
	} else {
		b.dev = p.arena.At(b.off, int64(b.n)*4)
	}
	return b.dev
}

func (p *CUDAProgram) plan(n *gorgonia.Node, binds map[*gorgonia.Node]*Buf, consts map[*gorgonia.Node]*Buf,
	plan *cuda.ArenaPlan, addScratch func(int) *cudaScratch) (*cudaStep, error) {
	shape := nodeShape(n)
	dt := n.Dtype()
	if dt != tensor.Float32 && dt != tensor.Int32 {
		return nil, fmt.Errorf("graph: CUDA: node %v is %v; the CUDA executor runs float32 (and int32 ids) only", n, dt)
	}
	size := sizeOf(shape)
	newBuf := func() *cudaBuf {
		b := &cudaBuf{off: plan.AddFloat32(max(size, 1)), n: size, shape: shape, dtype: dt}
		p.bufs[n] = b
		return b
	}
	op := n.Op()
	if op == nil { // an input
		if b, ok := binds[n]; ok {
			if b.Dtype != dt || sizeOf(b.Shape) != size {
				return nil, fmt.Errorf("graph: input %s is %v%v, bound buffer is %v%v", n.Name(), dt, shape, b.Dtype, b.Shape)
			}
			p.binds[n] = b
			newBuf()
			return nil, nil
		}
		newBuf()
		if v := n.Value(); v != nil {
			hb := NewBuf(dt, shape...)
			if err := copyValue(hb, v); err != nil {
				return nil, fmt.Errorf("graph: input %s: %w", n.Name(), err)
			}
			consts[n] = hb
		}
		p.inputs = append(p.inputs, n)
		return nil, nil
	}
	cs := children(n)
	in := make([]*cudaBuf, len(cs))
	for i, c := range cs {
		in[i] = p.bufs[c]
		if in[i] == nil {
			return nil, fmt.Errorf("graph: %v: input %d (%v) was not planned", n, i, c)
		}
	}
	if len(cs) == 0 { // a constant: evaluate once on the host, upload at compile
		v, err := op.Do()
		if err != nil {
			return nil, fmt.Errorf("graph: constant %v: %w", n, err)
		}
		hb := NewBuf(dt, shape...)
		if err := copyValue(hb, v); err != nil {
			return nil, fmt.Errorf("graph: constant %v: %w", n, err)
		}
		newBuf()
		consts[n] = hb
		return nil, nil
	}
	if v, ok := op.(Viewer); ok {
		src := in[0]
		if v.ViewOffset()+size > src.n {
			return nil, fmt.Errorf("graph: %v: view [%d:+%d] outside its %d-element input", op, v.ViewOffset(), size, src.n)
		}
		p.bufs[n] = &cudaBuf{src: src, off: int64(v.ViewOffset()) * 4, n: size, shape: shape, dtype: dt}
		return nil, nil
	}
	for i, b := range in {
		if b.dtype != tensor.Float32 && !(b.dtype == tensor.Int32 && isIDInput(op, i)) {
			return nil, fmt.Errorf("graph: CUDA: %v: input %d is %v", op, i, b.dtype)
		}
	}
	out := newBuf()
	run, err := p.cudaKernel(n, op, out, in, cs, addScratch)
	if err != nil {
		return nil, err
	}
	name := op.String()
	return &cudaStep{node: n, run: func(c *cuda.Context) error { return cuda.WithOp(run(c), name) }}, nil
}

func isIDInput(op gorgonia.Op, i int) bool {
	switch op.(type) {
	case Embedding, EmbeddingGrad:
		return i == 0
	}
	return false
}

// cudaKernel returns the launches of one op. Device buffers are resolved at
// run time (the arena is made after planning), through the cudaBufs.
func (p *CUDAProgram) cudaKernel(n *gorgonia.Node, op gorgonia.Op, out *cudaBuf, in []*cudaBuf, cs []*gorgonia.Node,
	addScratch func(int) *cudaScratch) (func(c *cuda.Context) error, error) {
	if cudaIsAdd(op, in, out) {
		return func(c *cuda.Context) error { return c.Add(out.dev, in[0].dev, in[1].dev) }, nil
	}
	switch o := op.(type) {
	case Linear:
		nr, k, m := in[0].shape[0], in[0].shape[1], in[1].shape[0]
		return func(c *cuda.Context) error {
			if err := c.Sgemm(false, true, nr, m, k, 1, in[0].dev, k, in[1].dev, k, 0, out.dev, m); err != nil {
				return err
			}
			return c.AddBiasRows(out.dev, out.dev, in[2].dev, nr, m)
		}, nil
	case LinearGradX:
		nr, m, k := in[0].shape[0], in[0].shape[1], in[1].shape[1]
		return func(c *cuda.Context) error {
			return c.Sgemm(false, false, nr, k, m, 1, in[0].dev, m, in[1].dev, k, 0, out.dev, k)
		}, nil
	case LinearGradW:
		nr, m, k := in[0].shape[0], in[0].shape[1], in[1].shape[1]
		return func(c *cuda.Context) error {
			return c.Sgemm(true, false, m, k, nr, 1, in[0].dev, m, in[1].dev, k, 0, out.dev, k)
		}, nil
	case LinearGradB:
		nr, m := in[0].shape[0], in[0].shape[1]
		return func(c *cuda.Context) error { return c.ColumnSums(out.dev, in[0].dev, nr, m, 0) }, nil
	case Sigmoid:
		return func(c *cuda.Context) error { return c.SigmoidForward(out.dev, in[0].dev) }, nil
	case SigmoidGrad: // in: y, dy
		return func(c *cuda.Context) error { return c.SigmoidBackward(out.dev, in[1].dev, in[0].dev) }, nil
	case BCE:
		return func(c *cuda.Context) error { return c.BCELoss(out.dev, in[0].dev, in[1].dev) }, nil
	case BCEGrad: // in: p, y, dl
		return func(c *cuda.Context) error { return c.BCEBackwardDev(out.dev, in[0].dev, in[1].dev, in[2].dev) }, nil
	case Embedding:
		b, t, d := in[0].shape[0], in[0].shape[1], in[1].shape[1]
		p.limitIDs(cs[0], in[1].shape[0])
		return func(c *cuda.Context) error {
			return c.EmbeddingForward(out.dev, in[1].dev, in[0].dev, b, t, d)
		}, nil
	case EmbeddingGrad:
		b, t := in[0].shape[0], in[0].shape[1]
		p.limitIDs(cs[0], o.Vocab)
		return func(c *cuda.Context) error {
			if err := c.Zero(out.dev); err != nil {
				return err
			}
			return c.EmbeddingBackward(out.dev, in[1].dev, in[0].dev, b, t, o.Dim, 0)
		}, nil
	case Dropout:
		pf, i := float32(o.P), p.dropIndex(o)
		return func(c *cuda.Context) error {
			return c.DropoutForwardAt(out.dev, in[0].dev, pf, o.Seed, p.counters.dev.Slice(2*i, 2*i+2), 0)
		}, nil
	case DropoutGrad:
		pf, i := float32(o.Fwd.P), p.dropIndex(o.Fwd)
		if i < 0 {
			return nil, fmt.Errorf("graph: CUDA: %v: its forward Dropout is not part of the program", o)
		}
		return func(c *cuda.Context) error {
			return c.DropoutBackwardAt(out.dev, in[0].dev, pf, o.Fwd.Seed, p.counters.dev.Slice(2*i, 2*i+2), 0)
		}, nil
	case ViewGrad:
		off, size := o.Offset, in[0].n
		if off < 0 || off+size > out.n {
			return nil, fmt.Errorf("graph: %v: [%d:+%d] outside its %d-element output", o, off, size, out.n)
		}
		return func(c *cuda.Context) error {
			if err := c.Zero(out.dev); err != nil {
				return err
			}
			return c.CopyDtoD(out.dev.Slice(off, off+size), in[0].dev)
		}, nil
	case LSTM:
		return cudaLSTMForward(out, in), nil
	case LSTMBackward:
		t, b, h := in[0].shape[0], in[0].shape[1], in[2].shape[1]
		dp := addScratch(t * b * 4 * h)
		dc := addScratch(b * h)
		return cudaLSTMBackward(out, in, dp, dc), nil
	}
	return nil, fmt.Errorf("graph: CUDA: op %v (%T) of node %v has no CUDA kernel", op, op, n.Name())
}

// cudaIsAdd recognises gorgonia's elementwise "+" (IsGradSum) of two
// operands of the output's size: the sums gorgonia.Grad inserts.
func cudaIsAdd(op gorgonia.Op, in []*cudaBuf, out *cudaBuf) bool {
	if len(in) != 2 || !IsGradSum(op) {
		return false
	}
	return in[0].n == out.n && in[1].n == out.n && in[0].dtype == out.dtype && in[1].dtype == out.dtype
}

// limitIDs records that the int32 input n indexes a table of vocab rows, so
// that Upload rejects ids the CPU kernel would reject.
func (p *CUDAProgram) limitIDs(n *gorgonia.Node, vocab int) {
	if l, ok := p.idLimits[n]; !ok || vocab < l {
		p.idLimits[n] = vocab
	}
}

// cudaLSTMForward: the input projection of all steps as one Sgemm plus bias
// into the activations' slot, then one fused kernel per step (recurrent
// product and pointwise, activations in place). Layout as LSTM.ExecCPU.
func cudaLSTMForward(out *cudaBuf, in []*cudaBuf) func(c *cuda.Context) error {
	t, b, ni, h := in[0].shape[0], in[0].shape[1], in[0].shape[2], in[2].shape[1]
	g := 4 * h
	bh, bg := b*h, b*g
	return func(c *cuda.Context) error {
		o := out.dev
		hs := o.Slice(0, t*bh)
		acts := o.Slice(t*bh, t*bh+t*bg)
		cs := o.Slice(t*bh+t*bg, t*bh+t*bg+t*bh)
		x, wih, whh, bias := in[0].dev, in[1].dev, in[2].dev, in[3].dev
		if err := c.Sgemm(false, true, t*b, g, ni, 1, x, ni, wih, ni, 0, acts, g); err != nil {
			return err
		}
		if err := c.AddBiasRows(acts, acts, bias, t*b, g); err != nil {
			return err
		}
		for s := 0; s < t; s++ {
			a := acts.Slice(s*bg, (s+1)*bg)
			var hprev, cprev cuda.Buffer
			if s > 0 {
				hprev, cprev = hs.Slice((s-1)*bh, s*bh), cs.Slice((s-1)*bh, s*bh)
			}
			if err := c.LSTMForwardStepFused(a, cs.Slice(s*bh, (s+1)*bh), hs.Slice(s*bh, (s+1)*bh), a, hprev, cprev,
				whh, b, h); err != nil {
				return err
			}
		}
		return nil
	}
}

// cudaLSTMBackward: backpropagation through time with one fused kernel per
// step (the recurrent gradient dP_{t+1}*W_hh and the pointwise backward),
// then the weight gradients over all steps as single products. Output
// layout as LSTMBackward.ExecCPU: [dx | dWih | dWhh | dbias].
func cudaLSTMBackward(out *cudaBuf, in []*cudaBuf, dpS, dcS *cudaScratch) func(c *cuda.Context) error {
	t, b, ni, h := in[0].shape[0], in[0].shape[1], in[0].shape[2], in[2].shape[1]
	g := 4 * h
	bh, bg := b*h, b*g
	return func(c *cuda.Context) error {
		x, wih, whh, fwd, dfwd := in[0].dev, in[1].dev, in[2].dev, in[3].dev, in[4].dev
		hs := fwd.Slice(0, t*bh)
		acts := fwd.Slice(t*bh, t*bh+t*bg)
		cs := fwd.Slice(t*bh+t*bg, t*bh+t*bg+t*bh)
		dhs := dfwd.Slice(0, t*bh)
		o := out.dev
		dx := o.Slice(0, t*b*ni)
		dwih := o.Slice(t*b*ni, t*b*ni+g*ni)
		dwhh := o.Slice(t*b*ni+g*ni, t*b*ni+g*ni+g*h)
		dbias := o.Slice(t*b*ni+g*ni+g*h, t*b*ni+g*ni+g*h+g)
		dp, dc := dpS.dev, dcS.dev
		for s := t - 1; s >= 0; s-- {
			var cprev, dcOut, dcIn, dpNext cuda.Buffer
			if s > 0 {
				cprev, dcOut = cs.Slice((s-1)*bh, s*bh), dc
			}
			if s < t-1 {
				dcIn, dpNext = dc, dp.Slice((s+1)*bg, (s+2)*bg)
			}
			if err := c.LSTMBackwardStepFused(dp.Slice(s*bg, (s+1)*bg), dcOut, dhs.Slice(s*bh, (s+1)*bh), dpNext, whh,
				acts.Slice(s*bg, (s+1)*bg), cs.Slice(s*bh, (s+1)*bh), cprev, dcIn, b, h); err != nil {
				return err
			}
		}
		if err := c.Sgemm(false, false, t*b, ni, g, 1, dp, g, wih, ni, 0, dx, ni); err != nil {
			return err
		}
		if err := c.Sgemm(true, false, g, ni, t*b, 1, dp, g, x, ni, 0, dwih, ni); err != nil {
			return err
		}
		if t > 1 {
			if err := c.Sgemm(true, false, g, h, (t-1)*b, 1, dp.Slice(bg, t*bg), g, hs, h, 0, dwhh, h); err != nil {
				return err
			}
		} else if err := c.Zero(dwhh); err != nil {
			return err
		}
		return c.ColumnSums(dbias, dp, t*b, g, 0)
	}
}

// Upload copies host buffer b into node n's device buffer (an input, a
// parameter, or any planned node) and waits; b must match the node's dtype
// and size. Token ids feeding an Embedding are checked against its
// vocabulary, as the CPU kernel does.
func (p *CUDAProgram) Upload(n *gorgonia.Node, b *Buf) error { return p.upload(n, b, true) }

// UploadAsync is Upload queued on the stream without waiting for it (b may
// be reused at once: the driver has taken its copy of ordinary Go memory
// when this returns).
func (p *CUDAProgram) UploadAsync(n *gorgonia.Node, b *Buf) error { return p.upload(n, b, false) }

func (p *CUDAProgram) upload(n *gorgonia.Node, b *Buf, wait bool) error {
	d := p.bufs[n]
	if d == nil {
		return fmt.Errorf("graph: CUDA Upload: node %v is not part of the program", n)
	}
	if b.Dtype != d.dtype || b.Len() != d.n {
		return fmt.Errorf("graph: CUDA Upload: node %v is %v%v, buffer is %v%v", n, d.dtype, d.shape, b.Dtype, b.Shape)
	}
	switch b.Dtype {
	case tensor.Float32:
		if wait {
			return cuda.Upload(p.ctx, d.dev, b.F32)
		}
		return cuda.UploadAsync(p.ctx, d.dev, b.F32)
	case tensor.Int32:
		if v, ok := p.idLimits[n]; ok {
			for i, id := range b.I32 {
				if id < 0 || int(id) >= v {
					return fmt.Errorf("graph: CUDA Upload: %v: id %d at element %d is outside the vocabulary of %d", n, id, i, v)
				}
			}
		}
		if wait {
			return cuda.Upload(p.ctx, d.dev, b.I32)
		}
		return cuda.UploadAsync(p.ctx, d.dev, b.I32)
	}
	return fmt.Errorf("graph: CUDA Upload: unsupported dtype %v", b.Dtype)
}

// UploadBound re-uploads every bound host buffer (the parameters), e.g.
// after a host-side optimizer step.
func (p *CUDAProgram) UploadBound() error {
	for n, b := range p.binds {
		if err := p.Upload(n, b); err != nil {
			return err
		}
	}
	return nil
}

// Download copies node n's device buffer into a new host buffer of its
// shape (waiting for the queued work).
func (p *CUDAProgram) Download(n *gorgonia.Node) (*Buf, error) {
	b := NewBuf(tensor.Float32, 0)
	if err := p.DownloadInto(n, b); err != nil {
		return nil, err
	}
	return b, nil
}

// DownloadInto is Download into an existing buffer, which is reshaped (and
// reallocated only when too small).
func (p *CUDAProgram) DownloadInto(n *gorgonia.Node, b *Buf) error {
	d := p.bufs[n]
	if d == nil {
		return fmt.Errorf("graph: CUDA Download: node %v is not part of the program", n)
	}
	b.Shape, b.Dtype = d.shape.Clone(), d.dtype
	b.F64 = nil
	switch d.dtype {
	case tensor.Float32:
		if cap(b.F32) < d.n {
			b.F32 = make([]float32, d.n)
		}
		b.F32, b.I32 = b.F32[:d.n], nil
		return cuda.Download(p.ctx, b.F32, d.dev)
	default:
		if cap(b.I32) < d.n {
			b.I32 = make([]int32, d.n)
		}
		b.I32, b.F32 = b.I32[:d.n], nil
		return cuda.Download(p.ctx, b.I32, d.dev)
	}
}

// Device returns node n's device buffer (a zero Buffer if n is not planned),
// for on-device consumers such as an optimizer.
func (p *CUDAProgram) Device(n *gorgonia.Node) cuda.Buffer {
	if d := p.bufs[n]; d != nil {
		return d.dev
	}
	return cuda.Buffer{}
}

// Run executes the forward then the backward steps and waits for them.
func (p *CUDAProgram) Run() error {
	return p.ctx.Do(func() error {
		if err := p.PrepareRun(); err != nil {
			return err
		}
		if err := p.EnqueueForward(); err != nil {
			return err
		}
		if err := p.EnqueueBackward(); err != nil {
			return err
		}
		return p.syncAndCollect()
	})
}

// Forward runs the steps the forward outputs need and waits for them.
func (p *CUDAProgram) Forward() error {
	return p.ctx.Do(func() error {
		if err := p.PrepareRun(); err != nil {
			return err
		}
		if err := p.EnqueueForward(); err != nil {
			return err
		}
		return p.syncAndCollect()
	})
}

// Backward runs the remaining steps (gradients) and waits; Forward must
// have run.
func (p *CUDAProgram) Backward() error {
	return p.ctx.Do(func() error {
		if err := p.EnqueueBackward(); err != nil {
			return err
		}
		return p.syncAndCollect()
	})
}

func (p *CUDAProgram) syncAndCollect() error {
	if err := p.ctx.Sync(); err != nil {
		return err
	}
	return p.CollectProfile()
}

// PrepareRun starts a run: it advances each Dropout op's run counter (as
// the CPU executor does) and enqueues the upload of the counters, so that
// the forward and backward steps enqueued next, or a graph captured from
// them, draw this run's masks. Forward and Run call it; a caller that
// enqueues the steps itself calls it once per run.
func (p *CUDAProgram) PrepareRun() error {
	if len(p.drops) == 0 {
		return nil
	}
	st := p.staging.Uint64()
	for i, d := range p.drops {
		*d.runs++
		st[i] = *d.runs
	}
	return cuda.UploadAsync(p.ctx, p.counters.dev, p.staging.Int32())
}

// EnqueueForward enqueues the forward steps on the Context's stream without
// waiting (nor advancing the dropout counters: see PrepareRun).
func (p *CUDAProgram) EnqueueForward() error { return p.enqueue(p.fwd, false) }

// EnqueueBackward enqueues the backward steps without waiting.
func (p *CUDAProgram) EnqueueBackward() error { return p.enqueue(p.bwd, true) }

func (p *CUDAProgram) enqueue(steps []cudaStep, backward bool) error {
	return p.ctx.Do(func() error {
		base := -1
		if p.profiling {
			base = 0
			if backward {
				base = len(p.fwd) + 1
				p.pendingBwd = true
			} else {
				p.pendingFwd = true
			}
			if err := p.timer.Mark(base); err != nil {
				return err
			}
		}
		for i := range steps {
			if err := steps[i].run(p.ctx); err != nil {
				return fmt.Errorf("graph: CUDA %v: %w", steps[i].node.Op(), err)
			}
			if base >= 0 {
				if err := p.timer.Mark(base + i + 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SetProfiling turns per-op timing on or off. While on, the enqueued steps
// are separated by CUDA events and CollectProfile (called by Forward,
// Backward and Run themselves) adds each op's device time to the profile.
// Events keep kernels from overlapping and cannot be captured in a graph:
// profile to see where the time goes, measure speed without it.
func (p *CUDAProgram) SetProfiling(on bool) error {
	if on && p.timer == nil {
		t, err := p.ctx.NewEventTimer(len(p.fwd) + len(p.bwd) + 2)
		if err != nil {
			return err
		}
		p.timer = t
		p.times.ensure(len(p.fwd), len(p.bwd))
	}
	p.profiling = on
	return nil
}

// CollectProfile adds the device times of the passes enqueued since the
// last collection to the profile; the stream must have been waited for.
func (p *CUDAProgram) CollectProfile() error {
	if p.timer == nil {
		return nil
	}
	t := &p.times
	collect := func(steps []cudaStep, base int, times []time.Duration, calls []int, wall *time.Duration) error {
		for i := range steps {
			d, err := p.timer.Elapsed(base+i, base+i+1)
			if err != nil {
				return err
			}
			times[i] += d
			calls[i]++
		}
		d, err := p.timer.Elapsed(base, base+len(steps))
		*wall += d
		return err
	}
	if p.pendingFwd {
		p.pendingFwd = false
		t.fwdRuns++
		if err := collect(p.fwd, 0, t.fwd, t.fwdCalls, &t.fwdWall); err != nil {
			return err
		}
	}
	if p.pendingBwd {
		p.pendingBwd = false
		t.bwdRuns++
		if err := collect(p.bwd, len(p.fwd)+1, t.bwd, t.bwdCalls, &t.bwdWall); err != nil {
			return err
		}
	}
	return nil
}

// Profile returns the device times recorded, merged by op name and phase,
// as Program.Profile does on the CPU; Wall is the device time of the passes.
func (p *CUDAProgram) Profile() Profile {
	return p.times.profile(func(i int) gorgonia.Op { return p.fwd[i].node.Op() },
		func(i int) gorgonia.Op { return p.bwd[i].node.Op() })
}

// ResetProfile forgets the times recorded so far.
func (p *CUDAProgram) ResetProfile() { p.times.reset() }

// Steps reports how many ops the forward and backward passes run.
func (p *CUDAProgram) Steps() (forward, backward int) { return len(p.fwd), len(p.bwd) }

// Arena returns the program's device arena (for its size and peak use).
func (p *CUDAProgram) Arena() *cuda.Arena { return p.arena }

// Close frees the program's device and page-locked host memory; the
// program is unusable after.
func (p *CUDAProgram) Close() error {
	var err error
	if p.timer != nil {
		err = p.timer.Close()
		p.timer = nil
	}
	if p.staging != nil {
		if e := p.staging.Free(); err == nil {
			err = e
		}
		p.staging = nil
	}
	if p.arena != nil {
		if e := p.arena.Free(); err == nil {
			err = e
		}
		p.arena = nil
	}
	return err
}

// dropIndex is d's place among the program's counters (-1: none). Ops are
// compared by their run counter, which identifies a Dropout op and is
// shared with its DropoutGrad.
func (p *CUDAProgram) dropIndex(d Dropout) int {
	for i, x := range p.drops {
		if x.runs == d.runs {
			return i
		}
	}
	return -1
}
