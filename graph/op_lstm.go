package graph

import (
	"hash"

	"github.com/emberml/ember/cpu"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LSTM runs one LSTM layer over a whole sequence as a single op.
//
// Inputs: x (T, B, I) time-major, Wih (4H, I), Whh (4H, H), and the two
// biases bih and bhh (4H) each, as PyTorch's nn.LSTM keeps them
// (weight_ih_l<k>, weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k>), with gate
// blocks in PyTorch's order i, f, g, o; the initial state is zero. The
// forward pass only ever uses bih + bhh, but the two are separate
// parameters: each gets the same gradient, so a global gradient norm counts
// it twice and an optimizer moves their sum twice as far, as in PyTorch.
// The input projection for all T steps is one matrix product (the biases
// added in the same pass); each step then adds its recurrent product and
// applies the gate arithmetic in one fused loop. In float32 a step is
// shared over the cores, by hidden units where the small-row kernel takes
// its product (each core its units' product columns, then their gates),
// else by batch rows after the product.
//
// The output is flat and holds, in order, the hidden sequence h (T, B, H),
// the gate activations (T, B, 4H) and the cell states (T, B, H): the last two
// are the reserve that the backward op reads instead of recomputing the
// forward pass. Read the hidden states through LSTMSequence and LSTMLast.
type LSTM struct{ recurrentOp }

func (LSTM) String() string           { return "LSTM" }
func (op LSTM) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op LSTM) Hashcode() uint32      { return hashcode(op) }
func (op LSTM) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return lstmCell.forwardShape(op, ns)
}
func (op LSTM) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ScratchSize: room for W_hhᵀ (H × 4H), which the per-step products use
// where the CPU's small-row kernel takes them (recurrentScratch).
func (LSTM) ScratchSize(out *Buf, in []*Buf) int { return recurrentScratch(out, in) }

func (LSTM) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	return execDense(ctx, out, in, lstmFwd[float32], lstmFwd[float64])
}

// cellJob runs the gate arithmetic of one step on a range of batch rows,
// so cpu.ParallelFor can spread a step over the cores (float32 only); with
// units, on a range of hidden units of every row instead, each part first
// computing its units' columns of the step's recurrent product
// (stepProduct).
type cellJob struct {
	h                      int
	a, cprev, c, hid       []float32 // forward
	dp, dh, dc, dhOut, act []float32 // backward, with c and cprev
	backward               bool
	units                  bool
	rows                   int // the step's rows, with units
	step                   stepProduct
}

func (j *cellJob) Run(lo, hi int) {
	if j.units {
		j.runUnits(min(lo*unitBlock, j.h), min(hi*unitBlock, j.h))
		return
	}
	h, g := j.h, 4*j.h
	var cprev []float32
	if j.cprev != nil {
		cprev = j.cprev[lo*h : hi*h]
	}
	// The C kernels (vectorised by gcc) where cgo is on, else the Go ones.
	switch {
	case j.backward && cpu.NativeLSTMCells:
		cpu.LSTMCellBackward(j.dp[lo*g:hi*g], j.dh[lo*h:hi*h], j.dc[lo*h:hi*h], j.dhOut[lo*h:hi*h], j.act[lo*g:hi*g], j.c[lo*h:hi*h], cprev, hi-lo, h)
	case j.backward:
		lstmCellBwd(j.dp[lo*g:hi*g], j.dh[lo*h:hi*h], j.dc[lo*h:hi*h], j.dhOut[lo*h:hi*h], j.act[lo*g:hi*g], j.c[lo*h:hi*h], cprev, hi-lo, h)
	case cpu.NativeLSTMCells:
		cpu.LSTMCellForward(j.a[lo*g:hi*g], cprev, j.c[lo*h:hi*h], j.hid[lo*h:hi*h], hi-lo, h)
	default:
		lstmCellFwd(j.a[lo*g:hi*g], cprev, j.c[lo*h:hi*h], j.hid[lo*h:hi*h], hi-lo, h)
	}
}

// runUnits is a part of a step shared by units: hidden units [u0, u1).
func (j *cellJob) runUnits(u0, u1 int) {
	h, g, p := j.h, 4*j.h, &j.step
	if !j.backward {
		if p.x != nil {
			for q := range 4 {
				cpu.SgemmSmallRows(p.rows, u1-u0, h, 1, p.x, h, p.w[q*h+u0:], p.ldw, 1, j.a[q*h+u0:], g)
			}
		}
		cpu.LSTMCellForwardUnits(j.a, j.cprev, j.c, j.hid, j.rows, h, u0, u1)
		return
	}
	if p.x != nil {
		cpu.SgemmSmallRows(p.rows, u1-u0, g, 1, p.x, g, p.w[u0:], p.ldw, 0, j.dh[u0:], h)
	}
	cpu.LSTMCellBackwardUnits(j.dp, j.dh, j.dc, j.dhOut, j.act, j.c, j.cprev, j.rows, h, u0, u1)
}

// byUnits reports whether a float32 step of rows rows is shared out by
// hidden units (cellJob.units): where the C gate kernels and the small-row
// kernel take it (on one core, the one part is the whole). Each part then
// computes its units' columns of the step's product and their gates with
// no hand-off between the two, so the gate arithmetic, which at fewer rows
// than two cellGrains ran on the caller alone, is spread over the cores
// too. On the 2-core reference machine that took 4% off a batch-10
// forward step (about 1% of a training step, within the host's noise);
// the serial part it removes weighs more the more cores share the product.
func byUnits(rows, h int) bool {
	return stepsByUnits && cpu.NativeLSTMCells && h%unitBlock == 0 && cpu.SmallRowKernel(rows, 4*h, h) && cpu.SmallRowKernel(rows, h, 4*h)
}

// lstmFwd runs the layer over the steps and rows pk computes (every one
// for the LSTM op); the hidden and cell states of the others are zeros.
// work is the op's scratch (see recurrentWeights), or nil.
func lstmFwd[T Float](out, work, x, wih, whh, bih, bhh []T, t, b, in, h int, pk packing, job *cellJob) {
	g := 4 * h
	bh, bg := b*h, b*g
	hs, acts, cs := recurrentBlocks(out, t, bh, bg)
	f := pk.first
	clear(hs[:f*bh])
	clear(cs[:f*bh])
	// Input projection for every computed step at once:
	// acts = x·Wihᵀ + (bih + bhh).
	gemm(false, true, (t-f)*b, g, in, 1, x[f*b*in:], in, wih, in, 0, acts[f*bg:], g)
	addRows2(acts[f*bg:], bih, bhh, (t-f)*b, g)
	// W_hh laid out for the steps' products after the input projection,
	// whose operands would push it out of the cache: the other way round,
	// two layers' 16-step forward passes at batch 10 took 3-4% longer.
	wr, trR, ldR := recurrentWeights(whh, work, g, h, b)
	for s := f; s < t; s++ {
		n := pk.n(s)
		a := acts[s*bg : s*bg+n*g]
		var cprev []T
		if s > f { // at f every previous state is zero
			cprev = cs[(s-1)*bh : (s-1)*bh+n*h]
		}
		c, hid := cs[s*bh:s*bh+n*h], hs[s*bh:s*bh+n*h]
		// float32 (job given): the step shared out over the cores, by
		// hidden units with its product (wr is W_hhᵀ as stored there) or
		// by rows after it; float64 (gradient checks): serially. A nil
		// cprev stays nil.
		units := job != nil && !trR && byUnits(n, h)
		if s > f && !units {
			gemm(false, trR, n, g, h, 1, hs[(s-1)*bh:], h, wr, ldR, 1, a, g)
		}
		switch {
		case units:
			*job = cellJob{h: h, a: f32(a), cprev: f32(cprev), c: f32(c), hid: f32(hid), units: true, rows: n}
			if s > f {
				job.step = stepProduct{x: f32(hs[(s-1)*bh : (s-1)*bh+n*h]), rows: n, w: f32(wr), ldw: ldR}
			}
			cpu.ParallelFor(h/unitBlock, 1, job)
		case job != nil:
			*job = cellJob{h: h, a: f32(a), cprev: f32(cprev), c: f32(c), hid: f32(hid)}
			cpu.ParallelFor(n, cellGrain, job)
		default:
			lstmCellFwd(a, cprev, c, hid, n, h)
		}
		clear(cs[s*bh+n*h : (s+1)*bh])
		clear(hs[s*bh+n*h : (s+1)*bh])
		if !pk.exact {
			for r := 0; r < n; r++ {
				if !pk.real(s, r) {
					clear(c[r*h : (r+1)*h])
					clear(hid[r*h : (r+1)*h])
				}
			}
		}
	}
}

// lstmCellFwd turns the pre-activations a (B, 4H) into activations in place
// and writes the cell state c and hidden state hid; cprev nil means zero.
func lstmCellFwd[T Float](a, cprev, c, hid []T, b, h int) {
	g := 4 * h
	for r := 0; r < b; r++ {
		ar := a[r*g : (r+1)*g]
		ai, af, ag, ao := ar[:h], ar[h:2*h], ar[2*h:3*h], ar[3*h:4*h]
		cr, hr := c[r*h:(r+1)*h], hid[r*h:(r+1)*h]
		for j := 0; j < h; j++ {
			iv, gv, ov := sigmoid(ai[j]), tanh(ag[j]), sigmoid(ao[j])
			fv := sigmoid(af[j])
			cv := iv * gv
			if cprev != nil {
				cv += fv * cprev[r*h+j]
			}
			ai[j], af[j], ag[j], ao[j] = iv, fv, gv, ov
			cr[j] = cv
			hr[j] = ov * tanh(cv)
		}
	}
}

func (LSTM) DiffWRT(int) []bool { return []bool{true, true, true, true, true} }

// SymDiff adds one LSTMBackward node computing every gradient by
// backpropagation through time, and views onto its output for each input
// (disjoint windows: the two bias gradients are equal but never share
// storage, so clipping scales each once).
func (LSTM) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return recurrentSymDiff(LSTMBackward{}, in, out, grad)
}

// LSTMBackward computes, from x, Wih, Whh, the forward output (with its
// reserve) and the gradient of that output, the flat concatenation of
// dx (T,B,I), dWih (4H,I), dWhh (4H,H), dbih (4H) and dbhh (4H) (the two
// bias gradients are equal). Only the hidden-state part of the output
// gradient is read: the reserve is not a model output.
type LSTMBackward struct{ recurrentOp }

func (LSTMBackward) String() string           { return "LSTMBackward" }
func (op LSTMBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op LSTMBackward) Hashcode() uint32      { return hashcode(op) }
func (op LSTMBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return lstmCell.backwardShape(op, ns)
}
func (op LSTMBackward) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// InputRange: of the output gradient (input 4), only the hidden states'
// part, the first T*B*H elements, is read.
func (LSTMBackward) InputRange(i int, in []tensor.Shape) (off, n int) {
	return recurrentGradRange(i, in)
}

// ScratchSize: the gate gradients of every step (T,B,4H), and the running
// hidden and cell gradients (B,H) each.
func (LSTMBackward) ScratchSize(_ *Buf, in []*Buf) int {
	t, b, h := in[0].Shape[0], in[0].Shape[1], in[2].Shape[1]
	return t*b*4*h + 2*b*h
}

func (LSTMBackward) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	return execDense(ctx, out, in, lstmBwd[float32], lstmBwd[float64])
}

// lstmBwd backpropagates through the steps and rows pk computes: the
// gate gradients of the others are zero, so no gradient flows through
// padding.
func lstmBwd[T Float](out, work, x, wih, whh, fwd, dfwd []T, t, b, in, h int, pk packing, job *cellJob) {
	g := 4 * h
	bh, bg := b*h, b*g
	hs, acts, cs := recurrentBlocks(fwd, t, bh, bg)
	dhs := dfwd[:t*bh]
	dx, dwih, dwhh, dbih, dbhh := recurrentGrads(out, t*b*in, g, in, h)

	dp := work[:t*bg]
	dh := work[t*bg : t*bg+bh]      // recurrent gradient into h of the step being processed
	dc := work[t*bg+bh : t*bg+2*bh] // gradient into c of the step being processed
	clear(dh)
	clear(dc)
	f := pk.first
	// With the steps shared by hidden units, the product into dh for step
	// s runs in step s's parts (from dp of step s+1, nNext rows), not at
	// the end of step s+1.
	nNext, pending := 0, false
	for s := t - 1; s >= f; s-- {
		n := pk.n(s)
		var cprev []T
		if s > f {
			cprev = cs[(s-1)*bh : (s-1)*bh+n*h]
		}
		dps, dho, act, c := dp[s*bg:s*bg+n*g], dhs[s*bh:s*bh+n*h], acts[s*bg:s*bg+n*g], cs[s*bh:s*bh+n*h]
		units := job != nil && byUnits(n, h) && (!pending || byUnits(nNext, h))
		if pending && !units {
			gemm(false, false, nNext, h, g, 1, dp[(s+1)*bg:], g, whh, h, 0, dh, h)
		}
		switch {
		case units:
			*job = cellJob{backward: true, h: h, dp: f32(dps), dh: f32(dh), dc: f32(dc), dhOut: f32(dho), act: f32(act), c: f32(c), cprev: f32(cprev), units: true, rows: n}
			if pending {
				job.step = stepProduct{x: f32(dp[(s+1)*bg : (s+1)*bg+nNext*g]), rows: nNext, w: f32(whh), ldw: h}
			}
			cpu.ParallelFor(h/unitBlock, 1, job)
		case job != nil:
			*job = cellJob{backward: true, h: h, dp: f32(dps), dh: f32(dh), dc: f32(dc), dhOut: f32(dho), act: f32(act), c: f32(c), cprev: f32(cprev)}
			cpu.ParallelFor(n, cellGrain, job)
		default:
			lstmCellBwd(dps, dh[:n*h], dc[:n*h], dho, act, c, cprev, n, h)
		}
		pending = false
		clear(dp[s*bg+n*g : (s+1)*bg])
		if !pk.exact {
			for r := 0; r < n; r++ {
				if !pk.real(s, r) {
					clear(dps[r*g : (r+1)*g])
				}
			}
		}
		if s > f {
			// dh for step s−1 = dP_s · Whh, computed at the start of
			// step s−1.
			nNext, pending = n, true
		}
	}
	// The gate gradients dp are those of the input pre-activations and of
	// the recurrent ones alike, and so the two biases' gradients.
	recurrentWeightGrads(dx, dwih, dwhh, dbih, dp, dp, x, wih, hs, t, f, b, in, g, h)
	copy(dbhh, dbih)
}

// lstmCellBwd computes the gate gradients dp (B,4H) of one step from the
// gradient into its hidden state (dhOut from the loss plus dh, the recurrent
// part) and into its cell (dc); it leaves the cell gradient for the previous
// step in dc.
func lstmCellBwd[T Float](dp, dh, dc, dhOut, a, c, cprev []T, b, h int) {
	g := 4 * h
	for r := 0; r < b; r++ {
		ar, dr := a[r*g:(r+1)*g], dp[r*g:(r+1)*g]
		for j := 0; j < h; j++ {
			k := r*h + j
			iv, fv, gv, ov := ar[j], ar[h+j], ar[2*h+j], ar[3*h+j]
			dhv := dhOut[k] + dh[k]
			tc := tanh(c[k])
			dcv := dc[k] + dhv*ov*(1-tc*tc)
			dr[3*h+j] = dhv * tc * ov * (1 - ov)
			dr[j] = dcv * gv * iv * (1 - iv)
			dr[2*h+j] = dcv * iv * (1 - gv*gv)
			if cprev != nil {
				dr[h+j] = dcv * cprev[k] * fv * (1 - fv)
			} else {
				dr[h+j] = 0
			}
			dc[k] = dcv * fv
		}
	}
}
