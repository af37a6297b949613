package graph

import (
	"hash"

	"github.com/emberml/ember/cpu"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GRU runs one GRU layer over a whole sequence as a single op, with
// PyTorch's nn.GRU semantics:
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 − z) ⊙ n + z ⊙ h
//
// Inputs: x (T, B, I) time-major, Wih (3H, I), Whh (3H, H), bih (3H), bhh
// (3H), gate blocks in PyTorch's order r, z, n; the initial state is zero.
// The two biases stay separate, as PyTorch keeps them: b_hn sits inside
// r ⊙ (…), so it is not interchangeable with b_in.
//
// The input projection for all T steps is one matrix product; each step then
// adds its recurrent product and applies the gate arithmetic in one fused
// loop. The output is flat and holds, in order, the hidden sequence h
// (T, B, H), the gate activations r, z, n (T, B, 3H) and W_hn h + b_hn
// (T, B, H): the last two are the reserve that GRUBackward reads instead of
// recomputing the forward pass. Read the hidden states through GRUSequence
// and GRULast.
type GRU struct{ recurrentOp }

func (GRU) String() string           { return "GRU" }
func (op GRU) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op GRU) Hashcode() uint32      { return hashcode(op) }
func (op GRU) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return gruCell.forwardShape(op, ns)
}
func (op GRU) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ScratchSize: one step's recurrent product h·W_hhᵀ (B, 3H), then room for
// W_hhᵀ (H × 3H), which the per-step products use where the CPU's
// small-row kernel takes them (recurrentScratch).
func (GRU) ScratchSize(out *Buf, in []*Buf) int {
	return in[0].Shape[1]*in[2].Shape[0] + recurrentScratch(out, in)
}

func (GRU) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	return execDense(ctx, out, in, gruFwd[float32], gruFwd[float64])
}

// gruJob runs the gate arithmetic of one step on a range of batch rows, so
// cpu.ParallelFor can spread a step over the cores (float32 only); with
// units, on a range of hidden units, product first (as cellJob).
type gruJob struct {
	h                   int
	a, gh, bhn, hprev   []float32 // forward (and a, hprev backward)
	ghn, hid            []float32
	dgi, dgh, dh, dhOut []float32 // backward
	backward            bool
	units               bool // hidden units shared out, as cellJob's
	rows                int  // the step's rows, with units
	step                stepProduct
}

func (j *gruJob) Run(lo, hi int) {
	if j.units {
		j.runUnits(min(lo*unitBlock, j.h), min(hi*unitBlock, j.h))
		return
	}
	h, g := j.h, 3*j.h
	var hprev, gh []float32
	if j.hprev != nil {
		hprev = j.hprev[lo*h : hi*h]
	}
	if j.gh != nil {
		gh = j.gh[lo*g : hi*g]
	}
	a, ghn := j.a[lo*g:hi*g], j.ghn[lo*h:hi*h]
	// The C kernels (vectorised by gcc) where cgo is on, else the Go ones.
	switch {
	case j.backward && cpu.NativeGRUCells:
		cpu.GRUCellBackward(j.dgi[lo*g:hi*g], j.dgh[lo*g:hi*g], j.dh[lo*h:hi*h], j.dhOut[lo*h:hi*h], a, ghn, hprev, hi-lo, h)
	case j.backward:
		gruCellBwd(j.dgi[lo*g:hi*g], j.dgh[lo*g:hi*g], j.dh[lo*h:hi*h], j.dhOut[lo*h:hi*h], a, ghn, hprev, hi-lo, h)
	case cpu.NativeGRUCells:
		cpu.GRUCellForward(a, gh, j.bhn, hprev, ghn, j.hid[lo*h:hi*h], hi-lo, h)
	default:
		gruCellFwd(a, gh, j.bhn, hprev, ghn, j.hid[lo*h:hi*h], hi-lo, h)
	}
}

// runUnits is a part of a step shared by units: hidden units [u0, u1).
// Forward, its columns of the three gates' recurrent product into gh (not
// added to a: the n gate's is scaled by r first); backward, its columns of
// dgh_next·W_hh added to the dh·z the later step's cell left.
func (j *gruJob) runUnits(u0, u1 int) {
	h, g, p := j.h, 3*j.h, &j.step
	if !j.backward {
		if p.x != nil {
			for q := range 3 {
				cpu.SgemmSmallRows(p.rows, u1-u0, h, 1, p.x, h, p.w[q*h+u0:], p.ldw, 0, j.gh[q*h+u0:], g)
			}
		}
		cpu.GRUCellForwardUnits(j.a, j.gh, j.bhn, j.hprev, j.ghn, j.hid, j.rows, h, u0, u1)
		return
	}
	if p.x != nil {
		cpu.SgemmSmallRows(p.rows, u1-u0, g, 1, p.x, g, p.w[u0:], p.ldw, 1, j.dh[u0:], h)
	}
	cpu.GRUCellBackwardUnits(j.dgi, j.dgh, j.dh, j.dhOut, j.a, j.ghn, j.hprev, j.rows, h, u0, u1)
}

// gruByUnits is byUnits for the GRU's three gates.
func gruByUnits(rows, h int) bool {
	return stepsByUnits && cpu.NativeGRUCells && h%unitBlock == 0 && cpu.SmallRowKernel(rows, 3*h, h) && cpu.SmallRowKernel(rows, h, 3*h)
}

// gruFwd runs the layer over the steps and rows pk computes (every one for
// the GRU op); the hidden states of the others are zeros.
func gruFwd[T Float](out, work, x, wih, whh, bih, bhh []T, t, b, in, h int, pk packing, job *gruJob) {
	g := 3 * h
	bh, bg := b*h, b*g
	hs, acts, ghns := recurrentBlocks(out, t, bh, bg)
	gh := work[:bg]
	bhn := bhh[2*h : 3*h]
	f := pk.first
	clear(hs[:f*bh])
	// Input projection for every computed step at once: acts = x·Wihᵀ +
	// b_ih, plus b_hr and b_hz, which only ever appear added to it (b_hn
	// does not).
	gemm(false, true, (t-f)*b, g, in, 1, x[f*b*in:], in, wih, in, 0, acts[f*bg:], g)
	addGRUBias(acts[f*bg:], bih, bhh, (t-f)*b, h)
	wr, trR, ldR := recurrentWeights(whh, work[bg:], g, h, b) // after the projection, as lstmFwd
	for s := f; s < t; s++ {
		n := pk.n(s)
		a := acts[s*bg : s*bg+n*g]
		var hprev, ghs []T
		if s > f { // at f every previous state is zero
			hprev = hs[(s-1)*bh : (s-1)*bh+n*h]
			ghs = gh[:n*g]
		}
		ghn, hid := ghns[s*bh:s*bh+n*h], hs[s*bh:s*bh+n*h]
		// float32 (job given): the step shared out over the cores, by
		// hidden units with its product (wr is W_hhᵀ as stored there) or
		// by rows after it; float64 (gradient checks): serially. Nil
		// slices stay nil.
		units := job != nil && !trR && gruByUnits(n, h)
		if s > f && !units {
			gemm(false, trR, n, g, h, 1, hprev, h, wr, ldR, 0, ghs, g)
		}
		switch {
		case units:
			*job = gruJob{h: h, a: f32(a), gh: f32(ghs), bhn: f32(bhn), hprev: f32(hprev), ghn: f32(ghn), hid: f32(hid), units: true, rows: n}
			if s > f {
				job.step = stepProduct{x: f32(hprev), rows: n, w: f32(wr), ldw: ldR}
			}
			cpu.ParallelFor(h/unitBlock, 1, job)
		case job != nil:
			*job = gruJob{h: h, a: f32(a), gh: f32(ghs), bhn: f32(bhn), hprev: f32(hprev), ghn: f32(ghn), hid: f32(hid)}
			cpu.ParallelFor(n, cellGrain, job)
		default:
			gruCellFwd(a, ghs, bhn, hprev, ghn, hid, n, h)
		}
		clear(hs[s*bh+n*h : (s+1)*bh])
		if !pk.exact {
			for r := 0; r < n; r++ {
				if !pk.real(s, r) {
					clear(hid[r*h : (r+1)*h])
				}
			}
		}
	}
}

// addGRUBias adds b_ih, and the r and z blocks of b_hh, to every row of
// the rows×3H input pre-activations.
func addGRUBias[T Float](acts, bih, bhh []T, rows, h int) {
	g := 3 * h
	bih, bhh = bih[:g], bhh[:g]
	if is32[T]() && rows > 0 { // the same additions in cpu's vector kernels
		a := f32(acts[:rows*g])
		cpu.AddBiasRowsStrided(a, rows, 2*h, g, f32(bih[:2*h]), f32(bhh[:2*h]))
		cpu.AddBiasRowsStrided(a[2*h:], rows, h, g, f32(bih[2*h:]), nil)
		return
	}
	for r := 0; r < rows; r++ {
		row := acts[r*g : (r+1)*g]
		for j := range row[:2*h] {
			row[j] += bih[j] + bhh[j]
		}
		for j := 2 * h; j < g; j++ {
			row[j] += bih[j]
		}
	}
}

// gruCellFwd turns the input pre-activations a (B, 3H) into the
// activations r, z, n in place, writes ghn = gh_n + b_hn and the hidden
// state hid; gh (the recurrent product, B × 3H) and hprev nil mean the
// first step. It is cpu.GRUCellForward in Go, generic for the float64
// gradient checks.
func gruCellFwd[T Float](a, gh, bhn, hprev, ghn, hid []T, b, h int) {
	g := 3 * h
	for r := 0; r < b; r++ {
		ar := a[r*g : (r+1)*g]
		for j := 0; j < h; j++ {
			xr, xz, xn, hn := ar[j], ar[h+j], ar[2*h+j], bhn[j]
			var hp T
			if gh != nil {
				gr := gh[r*g : (r+1)*g]
				xr += gr[j]
				xz += gr[h+j]
				hn += gr[2*h+j]
				hp = hprev[r*h+j]
			}
			rv, zv := sigmoid(xr), sigmoid(xz)
			nv := tanh(xn + rv*hn)
			ar[j], ar[h+j], ar[2*h+j] = rv, zv, nv
			ghn[r*h+j] = hn
			hid[r*h+j] = (1-zv)*nv + zv*hp
		}
	}
}

func (GRU) DiffWRT(int) []bool { return []bool{true, true, true, true, true} }

// SymDiff adds one GRUBackward node computing every gradient by
// backpropagation through time, and views onto its output for each input.
func (GRU) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return recurrentSymDiff(GRUBackward{}, in, out, grad)
}

// GRUBackward computes, from x, Wih, Whh, the forward output (with its
// reserve) and the gradient of that output, the flat concatenation of
// dx (T,B,I), dWih (3H,I), dWhh (3H,H), dbih (3H) and dbhh (3H). Only the
// hidden-state part of the output gradient is read: the reserve is not a
// model output. The biases are not inputs: the reserve holds what the
// gradients need of them.
type GRUBackward struct{ recurrentOp }

func (GRUBackward) String() string           { return "GRUBackward" }
func (op GRUBackward) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op GRUBackward) Hashcode() uint32      { return hashcode(op) }
func (op GRUBackward) InferShape(ns ...gorgonia.DimSizer) (tensor.Shape, error) {
	return gruCell.backwardShape(op, ns)
}

// InputRange: of the output gradient (input 4), only the hidden states'
// part, the first T*B*H elements, is read.
func (GRUBackward) InputRange(i int, in []tensor.Shape) (off, n int) {
	return recurrentGradRange(i, in)
}
func (op GRUBackward) Do(v ...gorgonia.Value) (gorgonia.Value, error) { return doCPU(op, v...) }

// ScratchSize: the gradients with respect to the input pre-activations and
// to the recurrent pre-activations of every step (T,B,3H) each, and the
// running hidden-state gradient (B,H).
func (GRUBackward) ScratchSize(_ *Buf, in []*Buf) int {
	t, b, h := in[0].Shape[0], in[0].Shape[1], in[2].Shape[1]
	return 2*t*b*3*h + b*h
}

func (GRUBackward) ExecCPU(ctx *Ctx, out *Buf, in []*Buf) error {
	return execDense(ctx, out, in, gruBwd[float32], gruBwd[float64])
}

// gruBwd backpropagates through the steps and rows pk computes: the gate
// gradients of the others are zero, so no gradient flows through padding.
func gruBwd[T Float](out, work, x, wih, whh, fwd, dfwd []T, t, b, in, h int, pk packing, job *gruJob) {
	g := 3 * h
	bh, bg := b*h, b*g
	hs, acts, ghns := recurrentBlocks(fwd, t, bh, bg)
	dhs := dfwd[:t*bh]
	dx, dwih, dwhh, dbih, dbhh := recurrentGrads(out, t*b*in, g, in, h)

	dgi := work[:t*bg]             // gradients of x·W_ihᵀ + b_ih, every step
	dgh := work[t*bg : 2*t*bg]     // gradients of h·W_hhᵀ + b_hh, every step
	dh := work[2*t*bg : 2*t*bg+bh] // recurrent gradient into h of the step being processed
	clear(dh)
	f := pk.first
	// With the steps shared by hidden units, the product into dh for step
	// s runs in step s's parts (from dgh of step s+1, nNext rows), not at
	// the end of step s+1.
	nNext, pending := 0, false
	for s := t - 1; s >= f; s-- {
		n := pk.n(s)
		var hprev []T
		if s > f {
			hprev = hs[(s-1)*bh : (s-1)*bh+n*h]
		}
		dgis, dghs := dgi[s*bg:s*bg+n*g], dgh[s*bg:s*bg+n*g]
		dho, act, ghn := dhs[s*bh:s*bh+n*h], acts[s*bg:s*bg+n*g], ghns[s*bh:s*bh+n*h]
		units := job != nil && gruByUnits(n, h) && (!pending || gruByUnits(nNext, h))
		if pending && !units {
			gemm(false, false, nNext, h, g, 1, dgh[(s+1)*bg:], g, whh, h, 1, dh, h)
		}
		switch {
		case units:
			*job = gruJob{backward: true, h: h, dgi: f32(dgis), dgh: f32(dghs), dh: f32(dh), dhOut: f32(dho), a: f32(act), ghn: f32(ghn), hprev: f32(hprev), units: true, rows: n}
			if pending {
				job.step = stepProduct{x: f32(dgh[(s+1)*bg : (s+1)*bg+nNext*g]), rows: nNext, w: f32(whh), ldw: h}
			}
			cpu.ParallelFor(h/unitBlock, 1, job)
		case job != nil:
			*job = gruJob{backward: true, h: h, dgi: f32(dgis), dgh: f32(dghs), dh: f32(dh), dhOut: f32(dho), a: f32(act), ghn: f32(ghn), hprev: f32(hprev)}
			cpu.ParallelFor(n, cellGrain, job)
		default:
			gruCellBwd(dgis, dghs, dh[:n*h], dho, act, ghn, hprev, n, h)
		}
		pending = false
		clear(dgi[s*bg+n*g : (s+1)*bg])
		clear(dgh[s*bg+n*g : (s+1)*bg])
		if !pk.exact {
			for r := 0; r < n; r++ {
				if !pk.real(s, r) {
					clear(dgis[r*g : (r+1)*g])
					clear(dghs[r*g : (r+1)*g])
				}
			}
		}
		if s > f {
			// dh for step s−1 = dh·z (left by the cell) + dgh_s · Whh,
			// added at the start of step s−1.
			nNext, pending = n, true
		}
	}
	recurrentWeightGrads(dx, dwih, dwhh, dbih, dgi, dgh, x, wih, hs, t, f, b, in, g, h)
	sumRows(dbhh, dgh[f*bg:], (t-f)*b, g, false)
}

// gruCellBwd computes one step's gate gradients dgi and dgh (B, 3H) from
// the gradient into its hidden state (dhOut from above plus dh, the
// recurrent part) and leaves dh·z in dh. It is cpu.GRUCellBackward in Go.
func gruCellBwd[T Float](dgi, dgh, dh, dhOut, a, ghn, hprev []T, b, h int) {
	g := 3 * h
	for r := 0; r < b; r++ {
		ar, di, dg := a[r*g:(r+1)*g], dgi[r*g:(r+1)*g], dgh[r*g:(r+1)*g]
		for j := 0; j < h; j++ {
			k := r*h + j
			rv, zv, nv := ar[j], ar[h+j], ar[2*h+j]
			var hp T
			if hprev != nil {
				hp = hprev[k]
			}
			dhv := dhOut[k] + dh[k]
			dan := dhv * (1 - zv) * (1 - nv*nv)
			daz := dhv * (hp - nv) * zv * (1 - zv)
			dar := dan * ghn[k] * rv * (1 - rv)
			di[j], di[h+j], di[2*h+j] = dar, daz, dan
			dg[j], dg[h+j], dg[2*h+j] = dar, daz, dan*rv
			dh[k] = dhv * zv
		}
	}
}
