package cuda

import (
	"math"
)

// The kernel wrappers: each checks its arguments on the host (sizes, nil
// buffers, 32-bit limits; failures match ErrInvalidArgument), picks the
// launch geometry and enqueues the kernel on the stream. Lengths are in
// 4-byte elements. "n = y.Len()" means the kernel covers all of y and the
// inputs must hold at least as many elements (slice Buffers to size).

func need(call, what string, b Buffer, elems int) error {
	if b.IsNil() {
		return invalid(call, "%s is a nil Buffer", what)
	}
	if b.Len() < elems {
		return invalid(call, "%s holds %d elements, needs %d", what, b.Len(), elems)
	}
	return nil
}

// needOpt is need for an optional argument (a nil Buffer means zeros / skip).
func needOpt(call, what string, b Buffer, elems int) error {
	if b.IsNil() {
		return nil
	}
	return need(call, what, b, elems)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// ---- GEMM ----

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices: op(A) is m x k (A stored m x k with row stride lda, or k x m when
// transA), op(B) is k x n (B stored k x n with stride ldb, or n x k when
// transB), C is m x n with stride ldc. With beta == 0, C is not read.
//
// A product with few output tiles and a long K (a weight gradient over
// many rows: m = 4H, k = steps x batch) is split along K into up to 8
// slices run as separate blocks, whose partial sums the tile's last block
// adds in slice order: the result does not depend on which block finishes
// first. The split depends on the shape only. It uses the Context's
// scratch, so a split product must run once before it is captured.
func (c *Context) Sgemm(transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int,
	b Buffer, ldb int, beta float32, cm Buffer, ldc int) error {
	return c.sgemm("sgemm", transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc, Buffer{}, Buffer{})
}

// SgemmBias is Sgemm with bias (n elements) added to every row of C in the
// same kernel, and bias2 (optional, at most n elements; only with bias) to
// the first bias2.Len() columns of every row:
//
//	C[i][j] = alpha*(op(A)*op(B))[i][j] + beta*C[i][j] + (bias[j] + bias2[j])
//
// (an input projection and its biases, y = x*W^T + b, in one launch).
func (c *Context) SgemmBias(transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int,
	b Buffer, ldb int, beta float32, cm Buffer, ldc int, bias, bias2 Buffer) error {
	const call = "sgemm with bias"
	if err := need(call, "bias", bias, n); err != nil {
		return err
	}
	if !bias2.IsNil() && bias2.Len() > n {
		return invalid(call, "bias2 holds %d elements, more than the %d columns", bias2.Len(), n)
	}
	return c.sgemm(call, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc, bias, bias2)
}

// Split-K (Sgemm): a product whose tiles are fewer than gemmSplitTarget
// is split into up to gemmSplitMax slices of at least gemmSplitMinSteps
// K steps (of 8) each, so that about gemmSplitTarget blocks run. The
// target is an H100's SM count, rounded, and not the device's: the split,
// and so the summation order, depends on the shape only.
const (
	gemmSplitTarget   = 128
	gemmSplitMax      = 8
	gemmSplitMinSteps = 32
	syncCounters      = 1024 // SGEMM_COUNTERS (sgemm.cu): tiles a split product may have
)

// gemmSlices is the number of K slices of a product with tiles output
// tiles and k inner elements (1: not split).
func (c *Context) gemmSlices(tiles, k int) int {
	if c.gemmSplit != 0 {
		return c.gemmSplit
	}
	if tiles >= gemmSplitTarget {
		return 1
	}
	z := min(gemmSplitMax, gemmSplitTarget/tiles, ceilDiv(k, 8)/gemmSplitMinSteps)
	if z < 2 {
		return 1
	}
	return z
}

func (c *Context) sgemm(call string, transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int,
	b Buffer, ldb int, beta float32, cm Buffer, ldc int, bias, bias2 Buffer) error {
	for _, d := range []int{m, n, k, lda, ldb, ldc} {
		if d < 0 || d > math.MaxInt32 {
			return invalid(call, "dimensions m=%d n=%d k=%d lda=%d ldb=%d ldc=%d", m, n, k, lda, ldb, ldc)
		}
	}
	if m == 0 || n == 0 {
		return nil
	}
	ar, ac := m, k // A as stored: ar rows of ac
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if k > 0 {
		if lda < ac {
			return invalid(call, "lda %d < %d (transA=%v)", lda, ac, transA)
		}
		if ldb < bc {
			return invalid(call, "ldb %d < %d (transB=%v)", ldb, bc, transB)
		}
		if err := firstErr(need(call, "A", a, (ar-1)*lda+ac), need(call, "B", b, (br-1)*ldb+bc)); err != nil {
			return err
		}
	}
	if ldc < n {
		return invalid(call, "ldc %d < n %d", ldc, n)
	}
	if err := need(call, "C", cm, (m-1)*ldc+n); err != nil {
		return err
	}

	// 128x128 tiles when there are enough of them to fill the device, else
	// 64x64 tiles (4x as many blocks).
	sms := c.info.SMs
	if sms <= 0 {
		sms = 108
	}
	tile, small := 128, false
	if (c.sgemmTile == 0 && ceilDiv(m, 128)*ceilDiv(n, 128) < sms) || c.sgemmTile == 64 {
		tile, small = 64, true
	}
	gx, gy := ceilDiv(n, tile), ceilDiv(m, tile)
	if gy > 65535 {
		return invalid(call, "m=%d needs %d row tiles (grid limit 65535)", m, gy)
	}
	z := 1
	if gx*gy <= syncCounters {
		z = c.gemmSlices(gx*gy, k)
	}
	var ws Buffer
	if z > 1 {
		if !c.onThread() && c.rec == nil {
			return c.do(func() error {
				return c.sgemm(call, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc, bias, bias2)
			})
		}
		var err error
		if ws, err = c.syncScratch(syncCounters + gx*gy*z*tile*tile); err != nil {
			return err
		}
	}
	grid, block := dim3{uint32(gx), uint32(gy), uint32(z)}, dim3{256, 1, 1}
	return sgemmLaunch[b2i(small)][b2i(transA)][b2i(transB)](c.Kernels(), grid, block, m, n, k, alpha, a, lda, b, ldb,
		beta, cm, ldc, bias, bias2, bias2.Len(), ws)
}

// sgemmLaunch is the SGEMM kernel by [64x64 tiles][transA][transB].
var sgemmLaunch = [2][2][2]func(Kernels, Dim3, Dim3, int, int, int, float32, Buffer, int, Buffer, int, float32, Buffer,
	int, Buffer, Buffer, int, Buffer) error{
	{{Kernels.SgemmNN128, Kernels.SgemmNT128}, {Kernels.SgemmTN128, Kernels.SgemmTT128}},
	{{Kernels.SgemmNN64, Kernels.SgemmNT64}, {Kernels.SgemmTN64, Kernels.SgemmTT64}},
}

// ---- elementwise ----

// Fill sets every element of y to v.
func (c *Context) Fill(y Buffer, v float32) error {
	n := y.Len()
	if err := firstErr(need("fill", "y", y, 0), checkN("fill", n)); err != nil {
		return err
	}
	return c.Kernels().EWFill(c.ewGrid(n), ewBlock, y, v, n)
}

// Scale computes y = alpha*x; n = y.Len(); y may be x.
func (c *Context) Scale(y, x Buffer, alpha float32) error {
	n := y.Len()
	if err := firstErr(need("scale", "y", y, 0), need("scale", "x", x, n), checkN("scale", n)); err != nil {
		return err
	}
	return c.Kernels().EWScale(c.ewGrid(n), ewBlock, y, x, alpha, n)
}

// Axpy computes y += alpha*x; n = y.Len().
func (c *Context) Axpy(y Buffer, alpha float32, x Buffer) error {
	n := y.Len()
	if err := firstErr(need("axpy", "y", y, 0), need("axpy", "x", x, n), checkN("axpy", n)); err != nil {
		return err
	}
	return c.Kernels().EWAxpy(c.ewGrid(n), ewBlock, y, x, alpha, n)
}

// binaryN checks an elementwise op out = f(a, b) and returns n = out.Len().
func binaryN(call string, out, a, b Buffer) (int, error) {
	n := out.Len()
	return n, firstErr(need(call, "out", out, 0), need(call, "a", a, n), need(call, "b", b, n), checkN(call, n))
}

// unaryN checks an elementwise op y = f(x) and returns n = y.Len().
func unaryN(call string, y, x Buffer) (int, error) {
	n := y.Len()
	return n, firstErr(need(call, "y", y, 0), need(call, "x", x, n), checkN(call, n))
}

// Add computes out = a + b elementwise; n = out.Len().
func (c *Context) Add(out, a, b Buffer) error {
	n, err := binaryN("add", out, a, b)
	if err != nil {
		return err
	}
	return c.Kernels().EWAdd(c.ewGrid(n), ewBlock, out, a, b, n)
}

// Mul computes out = a * b elementwise; n = out.Len().
func (c *Context) Mul(out, a, b Buffer) error {
	n, err := binaryN("mul", out, a, b)
	if err != nil {
		return err
	}
	return c.Kernels().EWMul(c.ewGrid(n), ewBlock, out, a, b, n)
}

// SigmoidForward computes y = 1/(1+exp(-x)); n = y.Len().
func (c *Context) SigmoidForward(y, x Buffer) error {
	n, err := unaryN("sigmoid", y, x)
	if err != nil {
		return err
	}
	return c.Kernels().EWSigmoidFwd(c.ewGrid(n), ewBlock, y, x, n)
}

// SigmoidBackward computes dx = dy*y*(1-y) from the forward output y; n = dx.Len().
func (c *Context) SigmoidBackward(dx, dy, y Buffer) error {
	n, err := binaryN("sigmoid backward", dx, dy, y)
	if err != nil {
		return err
	}
	return c.Kernels().EWSigmoidBwd(c.ewGrid(n), ewBlock, dx, dy, y, n)
}

// TanhForward computes y = tanh(x); n = y.Len().
func (c *Context) TanhForward(y, x Buffer) error {
	n, err := unaryN("tanh", y, x)
	if err != nil {
		return err
	}
	return c.Kernels().EWTanhFwd(c.ewGrid(n), ewBlock, y, x, n)
}

// TanhBackward computes dx = dy*(1-y^2) from the forward output y; n = dx.Len().
func (c *Context) TanhBackward(dx, dy, y Buffer) error {
	n, err := binaryN("tanh backward", dx, dy, y)
	if err != nil {
		return err
	}
	return c.Kernels().EWTanhBwd(c.ewGrid(n), ewBlock, dx, dy, y, n)
}

// AddBiasRows computes y[r][c] = x[r][c] + bias[c] for rows x cols
// row-major matrices (y may be x).
func (c *Context) AddBiasRows(y, x, bias Buffer, rows, cols int) error {
	const call = "add bias"
	if rows < 0 || cols < 0 {
		return invalid(call, "rows=%d cols=%d", rows, cols)
	}
	n := rows * cols
	if err := firstErr(checkN(call, n), need(call, "y", y, n), need(call, "x", x, n),
		need(call, "bias", bias, cols)); err != nil {
		return err
	}
	return c.Kernels().AddBiasRows(c.ewGrid(n), ewBlock, y, x, bias, rows, cols)
}

// ScatterWindow writes dx[lo:hi] from the window dv placed at element off
// of dx: dv's elements inside the window, zeros outside (a view's gradient
// in its source's shape, written only over the range [lo, hi) something
// reads). One launch, none when lo == hi.
func (c *Context) ScatterWindow(dx, dv Buffer, off, lo, hi int) error {
	const call = "scatter window"
	size := dv.Len()
	if off < 0 || lo < 0 || hi < lo || off+size > dx.Len() || hi > dx.Len() {
		return invalid(call, "window [%d:+%d], range [%d:%d) of %d elements", off, size, lo, hi, dx.Len())
	}
	if err := firstErr(checkN(call, dx.Len()), need(call, "dx", dx, hi)); err != nil {
		return err
	}
	if lo == hi {
		return nil
	}
	if size > 0 {
		if err := need(call, "dv", dv, size); err != nil {
			return err
		}
	}
	return c.Kernels().ScatterWindow(c.ewGrid(hi-lo), ewBlock, dx, dv, lo, hi, off, size)
}

// ColumnSums computes out[c] = sum_r x[r][c] + beta*out[c] over a rows x cols
// row-major x (the bias gradient; beta = 1 accumulates, beta = 0 overwrites
// without reading out). Deterministic. The rows are split into runs over
// more blocks when the columns alone would give few (4H = 1024 columns:
// 32 blocks), summed in a fixed order by the last block of each column
// tile, in the same launch; the split depends on the shape only.
func (c *Context) ColumnSums(out, x Buffer, rows, cols int, beta float32) error {
	const call = "column sums"
	if rows < 0 || cols < 0 {
		return invalid(call, "rows=%d cols=%d", rows, cols)
	}
	if err := firstErr(checkN(call, rows*cols), need(call, "out", out, cols), need(call, "x", x, rows*cols)); err != nil {
		return err
	}
	if cols == 0 {
		return nil
	}
	tiles := ceilDiv(cols, 32)
	z := 1
	if tiles < gemmSplitTarget && tiles <= syncCounters {
		// Runs of at least 64 rows, about gemmSplitTarget blocks in all.
		z = max(1, min(ceilDiv(gemmSplitTarget, tiles), rows/64, 65535))
	}
	var ws Buffer
	if z > 1 {
		if !c.onThread() && c.rec == nil {
			return c.do(func() error { return c.ColumnSums(out, x, rows, cols, beta) })
		}
		var err error
		if ws, err = c.syncScratch(syncCounters + z*cols); err != nil {
			return err
		}
	}
	return c.Kernels().ColSums(dim3{uint32(tiles), uint32(z), 1}, dim3{32, 8, 1}, out, x, rows, cols, beta, ws)
}

// ---- reductions ----

// fakeScratch is the workspace address the recording (test) context uses.
const fakeScratch = 0x5c7a7c00

// syncScratch returns the Context's workspace for kernels that finish in
// their last block (sync.cuh): syncCounters counters, zero between
// launches, then room for n-syncCounters floats of partial results (n
// counts both). It grows when needed, zeroing the new counters. Called on
// the worker thread. A captured graph holds the workspace's address, so
// an outgrown one is kept (retired) until Close while graphs exist; growth
// at least doubles, so that is bounded. Launches on the one stream run in
// order, so every kernel shares it.
func (c *Context) syncScratch(n int) (Buffer, error) {
	n = max(n, syncCounters+1)
	if c.rec != nil {
		return Buffer{ptr: fakeScratch, bytes: int64(n) * 4}, nil
	}
	if c.scratch.Len() >= n {
		return c.scratch.Slice(0, n), nil
	}
	if err := c.notCapturing("kernel workspace (run the work once before capturing it)"); err != nil {
		return Buffer{}, err
	}
	old := c.scratch.Len()
	if !c.scratch.IsNil() {
		if len(c.graphs) > 0 {
			c.retired = append(c.retired, c.scratch)
		} else if err := c.Free(c.scratch); err != nil {
			return Buffer{}, err
		}
		c.scratch = Buffer{}
	}
	size := max(n, 2*syncCounters+4096, 2*old)
	b, err := c.AllocFloat32(size)
	if err != nil {
		return Buffer{}, err
	}
	if err := c.Zero(b.Slice(0, syncCounters)); err != nil {
		c.Free(b)
		return Buffer{}, err
	}
	c.enqueued-- // the Context's own one-off setup, not the caller's work (Enqueued)
	c.scratch = b
	return b.Slice(0, n), nil
}

// reduce writes f(sum over every element of bufs) to out[0]: one launch
// per buffer, each putting its blocks' sums in its own slice of the
// workspace's partials; the last block of the last launch adds them all
// up in a fixed order.
func (c *Context) reduce(call string, out Buffer, bufs []Buffer, square, sqrtOut bool, scale float32) error {
	if err := need(call, "out", out, 1); err != nil {
		return err
	}
	total := 0
	for i, b := range bufs {
		if b.Len() == 0 {
			continue
		}
		if b.IsNil() {
			return invalid(call, "buffer %d is nil", i)
		}
		if err := checkN(call, b.Len()); err != nil {
			return err
		}
		total += redBlocks(b.Len())
	}
	if total > math.MaxInt32-syncCounters {
		return invalid(call, "%d partial sums", total)
	}
	if !c.onThread() && c.rec == nil {
		return c.do(func() error { return c.reduce(call, out, bufs, square, sqrtOut, scale) })
	}
	ws, err := c.syncScratch(syncCounters + max(total, 1))
	if err != nil {
		return err
	}
	if total == 0 { // nothing to add up: one block over no elements writes f(0)
		return c.Kernels().ReduceSum(dim3{1, 1, 1}, dim3{redThreads, 1, 1}, out, ws, Buffer{}, 0, 0, 0, 1,
			b2i(sqrtOut), scale)
	}
	off := 0
	for _, b := range bufs {
		n := b.Len()
		if n == 0 {
			continue
		}
		g := redBlocks(n)
		if err := c.Kernels().ReduceSum(dim3{uint32(g), 1, 1}, dim3{redThreads, 1, 1}, out, ws, b, n, b2i(square), off,
			total, b2i(sqrtOut), scale); err != nil {
			return err
		}
		off += g
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Sum writes the sum of every element of bufs to the device scalar out[0].
func (c *Context) Sum(out Buffer, bufs ...Buffer) error {
	return c.reduce("sum", out, bufs, false, false, 1)
}

// SumSquares writes the sum of the squares of every element of bufs to out[0].
func (c *Context) SumSquares(out Buffer, bufs ...Buffer) error {
	return c.reduce("sum of squares", out, bufs, true, false, 1)
}

// GlobalNorm writes the L2 norm of all of bufs together (sqrt of SumSquares)
// to out[0]: the total gradient norm of clip_grad_norm_.
func (c *Context) GlobalNorm(out Buffer, bufs ...Buffer) error {
	return c.reduce("global norm", out, bufs, true, true, 1)
}

// ClipByNorm multiplies every buffer by min(1, maxNorm/(norm[0]+1e-6)),
// reading norm (e.g. from GlobalNorm) on the device: no host round trip.
func (c *Context) ClipByNorm(norm Buffer, maxNorm float32, bufs ...Buffer) error {
	const call = "clip by norm"
	if err := need(call, "norm", norm, 1); err != nil {
		return err
	}
	if !(maxNorm > 0) {
		return invalid(call, "maxNorm %v", maxNorm)
	}
	for i, b := range bufs {
		if b.Len() > 0 && b.IsNil() {
			return invalid(call, "buffer %d is nil", i)
		}
		if err := checkN(call, b.Len()); err != nil {
			return err
		}
	}
	for _, b := range bufs {
		n := b.Len()
		if err := c.Kernels().ScaleByClip(c.ewGrid(n), ewBlock, b, norm, maxNorm, n); err != nil {
			return err
		}
	}
	return nil
}

// ClipGradNorm is PyTorch's clip_grad_norm_(bufs, maxNorm): it writes the
// total L2 norm of bufs to norm[0] and scales every buffer by
// min(1, maxNorm/(norm+1e-6)), all on the device.
func (c *Context) ClipGradNorm(norm Buffer, maxNorm float32, bufs ...Buffer) error {
	if err := c.GlobalNorm(norm, bufs...); err != nil {
		return err
	}
	return c.ClipByNorm(norm, maxNorm, bufs...)
}

// ---- BCE loss ----

// BCELoss writes -mean(y*max(log p,-100) + (1-y)*max(log(1-p),-100)) over
// N = p.Len() probabilities to loss[0] (PyTorch's BCELoss, mean reduction).
func (c *Context) BCELoss(loss, p, y Buffer) error {
	const call = "bce loss"
	n := p.Len()
	if n == 0 {
		return invalid(call, "empty input")
	}
	if err := firstErr(need(call, "loss", loss, 1), need(call, "p", p, n), need(call, "y", y, n),
		checkN(call, n)); err != nil {
		return err
	}
	if !c.onThread() && c.rec == nil {
		return c.do(func() error { return c.BCELoss(loss, p, y) })
	}
	g := redBlocks(n)
	ws, err := c.syncScratch(syncCounters + g)
	if err != nil {
		return err
	}
	return c.Kernels().BCELoss(dim3{uint32(g), 1, 1}, dim3{redThreads, 1, 1}, loss, ws, p, y, n, float32(-1/float64(n)))
}

// BCEBackward computes dp = gradOut/N * (p-y)/max(p(1-p), 1e-12), N = p.Len().
func (c *Context) BCEBackward(dp, p, y Buffer, gradOut float32) error {
	return c.bceGrad(dp, p, y, Buffer{}, gradOut)
}

// BCEBackwardDev is BCEBackward with the upstream gradient read from the
// device scalar gradOut[0].
func (c *Context) BCEBackwardDev(dp, p, y, gradOut Buffer) error {
	if err := need("bce backward", "gradOut", gradOut, 1); err != nil {
		return err
	}
	return c.bceGrad(dp, p, y, gradOut, 0)
}

func (c *Context) bceGrad(dp, p, y, dl Buffer, dlHost float32) error {
	const call = "bce backward"
	n := p.Len()
	if n == 0 {
		return invalid(call, "empty input")
	}
	if err := firstErr(need(call, "dp", dp, n), need(call, "p", p, n), need(call, "y", y, n),
		checkN(call, n)); err != nil {
		return err
	}
	return c.Kernels().BCEGrad(c.ewGrid(n), ewBlock, dp, p, y, n, dl, dlHost)
}

// ---- embedding ----

func embedCheck(call string, out, table, ids Buffer, batch, steps, dim int) (vocab int, err error) {
	if batch < 0 || steps < 0 || dim <= 0 {
		return 0, invalid(call, "batch=%d steps=%d dim=%d", batch, steps, dim)
	}
	n := steps * batch * dim
	if err := firstErr(checkN(call, n), need(call, "table", table, dim), need(call, "output", out, n),
		need(call, "ids", ids, batch*steps)); err != nil {
		return 0, err
	}
	return min(table.Len()/dim, math.MaxInt32), nil
}

// EmbeddingForward gathers rows of table (V x dim, V = table.Len()/dim) for
// the int32 ids (batch x steps, row-major) into the time-major out
// (steps x batch x dim): out[t][b][:] = table[ids[b][t]][:]. An id outside
// [0, V) gives a zero row.
func (c *Context) EmbeddingForward(out, table, ids Buffer, batch, steps, dim int) error {
	const call = "embedding"
	vocab, err := embedCheck(call, out, table, ids, batch, steps, dim)
	if err != nil {
		return err
	}
	n := steps * batch * dim
	return c.Kernels().EmbedGather(c.ewGrid(n), ewBlock, out, table, ids, batch, steps, dim, vocab)
}

// EmbeddingBackward accumulates dOut (steps x batch x dim) into the rows of
// dTable (V x dim) selected by ids (batch x steps): dTable[ids[b][t]] +=
// dOut[t][b]. Rows with id == padIdx (0 for the usual padding token; -1 for
// none) and ids outside [0, V) get nothing. Clear dTable first for a fresh
// gradient. Uses atomicAdd, so the summation order (last bits) may vary:
// EmbeddingBackwardGrouped sums in a fixed order.
func (c *Context) EmbeddingBackward(dTable, dOut, ids Buffer, batch, steps, dim, padIdx int) error {
	const call = "embedding backward"
	vocab, err := embedCheck(call, dOut, dTable, ids, batch, steps, dim)
	if err != nil {
		return err
	}
	if padIdx < -1 || padIdx > math.MaxInt32 {
		return invalid(call, "padIdx %d", padIdx)
	}
	n := steps * batch * dim
	return c.Kernels().EmbedScatterAdd(c.ewGrid(n), ewBlock, dTable, dOut, ids, batch, steps, dim, vocab, padIdx)
}

// EmbeddingOrderLen is the length in uint32 words of the order
// EmbeddingOrder makes for batch x steps ids.
func EmbeddingOrderLen(batch, steps int) int { return 2 + 2*batch*steps }

// EmbeddingOrder writes into order (EmbeddingOrderLen words) the token
// positions of ids (batch x steps, row-major) grouped by id, for
// EmbeddingBackwardGrouped: the number of groups G, the batch*steps
// positions (t*batch + b, the time-major row of dOut) sorted by id and,
// within an id, by position, then the G+1 starts of the groups (ids
// outside [0, vocab) form one group, which the kernel skips). counts is
// scratch of vocab+2 elements. A counting sort on the host, where the ids
// are before their upload: it allocates nothing.
func EmbeddingOrder(order []uint32, ids []int32, batch, steps, vocab int, counts []int32) {
	n := batch * steps
	bin := func(id int32) int {
		if id < 0 || int(id) >= vocab {
			return vocab
		}
		return int(id)
	}
	counts = counts[:vocab+2]
	clear(counts)
	for _, id := range ids[:n] {
		counts[bin(id)+1]++
	}
	pos, start := order[1:1+n], order[1+n:]
	groups := 0
	for v := 0; v <= vocab; v++ {
		if counts[v+1] > 0 {
			start[groups] = uint32(counts[v])
			groups++
		}
		counts[v+1] += counts[v] // counts[v] is where bin v's positions start
	}
	start[groups] = uint32(n)
	order[0] = uint32(groups)
	for t := range steps {
		for b := range batch {
			v := bin(ids[b*steps+t])
			pos[counts[v]] = uint32(t*batch + b)
			counts[v]++
		}
	}
}

// EmbeddingBackwardGrouped writes the gradient EmbeddingBackward
// accumulates, with no atomics: order (EmbeddingOrderLen words on the
// device) holds the ids' positions grouped by id (EmbeddingOrder), and
// each row's gradient is summed in position order, so the result is the
// same bits on every run. Rows of ids that do not occur are left as they
// are: clear dTable first.
func (c *Context) EmbeddingBackwardGrouped(dTable, dOut, ids, order Buffer, batch, steps, dim, padIdx int) error {
	const call = "embedding backward (grouped)"
	vocab, err := embedCheck(call, dOut, dTable, ids, batch, steps, dim)
	if err != nil {
		return err
	}
	if padIdx < -1 || padIdx > math.MaxInt32 {
		return invalid(call, "padIdx %d", padIdx)
	}
	if err := need(call, "order", order, EmbeddingOrderLen(batch, steps)); err != nil {
		return err
	}
	n := steps * batch * dim
	return c.Kernels().EmbedGradGrouped(c.ewGrid(n), ewBlock, dTable, dOut, ids, order, batch, steps, dim, vocab, padIdx)
}

// ---- dropout ----

func (c *Context) dropout(call string, backward bool, out, in Buffer, p float32, seed, step uint64, stepAt Buffer,
	first uint64) error {
	n := out.Len()
	if !(p >= 0 && p <= 1) {
		return invalid(call, "p = %v outside [0, 1]", p)
	}
	if err := firstErr(need(call, "out", out, 0), need(call, "in", in, n), needOpt(call, "step counter", stepAt, 2),
		checkN(call, n)); err != nil {
		return err
	}
	if backward {
		return c.Kernels().DropoutBwd(c.ewGrid(n), ewBlock, out, in, n, p, DropoutScale(p), seed, step, first, stepAt)
	}
	return c.Kernels().DropoutFwd(c.ewGrid(n), ewBlock, out, in, n, p, DropoutScale(p), seed, step, first, stepAt)
}

// DropoutForward computes y = x*mask/(1-p), n = y.Len(), with element k kept
// when DropoutKeep(seed, step, first+k, p) (first = 0 for a whole tensor).
// Only y is written; no mask is stored.
func (c *Context) DropoutForward(y, x Buffer, p float32, seed, step, first uint64) error {
	return c.dropout("dropout", false, y, x, p, seed, step, Buffer{}, first)
}

// DropoutBackward computes dx = dy*mask/(1-p), n = dx.Len(), recomputing the
// forward pass's mask from the same (seed, step, first).
func (c *Context) DropoutBackward(dx, dy Buffer, p float32, seed, step, first uint64) error {
	return c.dropout("dropout backward", true, dx, dy, p, seed, step, Buffer{}, first)
}

// DropoutForwardAt is DropoutForward with the step read on the device from
// stepAt (a uint64 in two 4-byte elements, written by the host before the
// launch runs). A CUDA graph captured with it draws a new mask on each
// replay when the host advances the counter between replays.
func (c *Context) DropoutForwardAt(y, x Buffer, p float32, seed uint64, stepAt Buffer, first uint64) error {
	if err := need("dropout", "step counter", stepAt, 2); err != nil {
		return err
	}
	return c.dropout("dropout", false, y, x, p, seed, 0, stepAt, first)
}

// DropoutBackwardAt is DropoutBackward with the step read from stepAt.
func (c *Context) DropoutBackwardAt(dx, dy Buffer, p float32, seed uint64, stepAt Buffer, first uint64) error {
	if err := need("dropout backward", "step counter", stepAt, 2); err != nil {
		return err
	}
	return c.dropout("dropout backward", true, dx, dy, p, seed, 0, stepAt, first)
}

// ---- Adam ----

// AdamConfig holds Adam's hyper-parameters (torch.optim.Adam; WeightDecay is
// the L2 term added to the gradient, not AdamW's decoupled decay).
type AdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
}

// AdamBiasCorrection is 1 - beta^step, computed in float64 like PyTorch.
func AdamBiasCorrection(beta float32, step int) float32 {
	return float32(1 - math.Pow(float64(beta), float64(step)))
}

// AdamStep applies one fused Adam update (step >= 1 is the 1-based step
// count t) to the parameters w with gradient g and moments m, v (all the
// same length, n = w.Len()):
//
//	g' = g + wd*w;  m = b1*m + (1-b1)*g';  v = b2*v + (1-b2)*g'^2
//	w -= lr * (m/bc1) / (sqrt(v/bc2) + eps),  bc1 = 1-b1^t, bc2 = 1-b2^t
func (c *Context) AdamStep(w, g, m, v Buffer, cfg AdamConfig, step int) error {
	if step < 1 {
		return invalid("adam", "step %d (the first step is 1)", step)
	}
	bc1, bc2 := AdamBiasCorrection(cfg.Beta1, step), AdamBiasCorrection(cfg.Beta2, step)
	return c.adam(w, g, m, v, cfg, bc1, bc2, Buffer{}, Buffer{})
}

// AdamStepAt is AdamStep reading the step's bias corrections from the
// device, bc[0] = 1-b1^t and bc[1] = 1-b2^t (AdamBiasCorrection), which the
// host writes before the launch runs, so that a CUDA graph captured with it
// stays correct as t advances. When norm is not nil (the global gradient
// norm, e.g. from ClipGradNorm) and norm[0] is not finite, the kernel
// leaves w, m and v untouched: a step whose gradients overflowed is
// skipped, as the CPU trainer skips it.
func (c *Context) AdamStepAt(w, g, m, v Buffer, cfg AdamConfig, bc, norm Buffer) error {
	if err := firstErr(need("adam", "bias corrections", bc, 2), needOpt("adam", "norm", norm, 1)); err != nil {
		return err
	}
	return c.adam(w, g, m, v, cfg, 0, 0, bc, norm)
}

func (c *Context) adam(w, g, m, v Buffer, cfg AdamConfig, bc1, bc2 float32, bc, norm Buffer) error {
	const call = "adam"
	n := w.Len()
	if err := firstErr(need(call, "w", w, 0), need(call, "g", g, n), need(call, "m", m, n),
		need(call, "v", v, n), checkN(call, n)); err != nil {
		return err
	}
	return c.Kernels().AdamStep(c.ewGrid(n), ewBlock, w, g, m, v, n, cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay,
		bc1, bc2, bc, norm)
}

// ---- LSTM ----

// LSTMForwardStep is the pointwise part of one LSTM step. pre (batch x
// 4*hidden) holds x*W_ih^T + h*W_hh^T + bias with gate blocks [i f g o]
// along each row; it writes act (batch x 4*hidden, same layout) =
// [sig(i) sig(f) tanh(g) sig(o)], cell = sig(f)*cellPrev + sig(i)*tanh(g)
// and hid = sig(o)*tanh(cell) (batch x hidden). A nil cellPrev is zeros; act
// may be pre.
func (c *Context) LSTMForwardStep(act, cell, hid, pre, cellPrev Buffer, batch, hidden int) error {
	const call = "lstm forward step"
	if batch < 0 || hidden < 0 {
		return invalid(call, "batch=%d hidden=%d", batch, hidden)
	}
	n := batch * hidden
	if err := firstErr(checkN(call, 4*n), need(call, "act", act, 4*n), need(call, "cell", cell, n),
		need(call, "hid", hid, n), need(call, "pre", pre, 4*n), needOpt(call, "cellPrev", cellPrev, n)); err != nil {
		return err
	}
	return c.Kernels().LSTMFwdPointwise(c.ewGrid(n), ewBlock, act, cell, hid, pre, cellPrev, batch, hidden)
}

// LSTMBackwardStep is the backward of LSTMForwardStep. dh (batch x hidden)
// is dL/dh_t including the recurrent contribution, dcNext is dL/dc_t from
// step t+1 (nil: zeros), act/cell the step's forward outputs and cellPrev
// c_{t-1} (nil: zeros). It writes dPre (batch x 4*hidden, [i f g o] blocks;
// may be act) and dcPrev = dL/dc_{t-1} (skipped when nil; may be dcNext).
func (c *Context) LSTMBackwardStep(dPre, dcPrev, dh, dcNext, act, cell, cellPrev Buffer, batch, hidden int) error {
	const call = "lstm backward step"
	if batch < 0 || hidden < 0 {
		return invalid(call, "batch=%d hidden=%d", batch, hidden)
	}
	n := batch * hidden
	if err := firstErr(checkN(call, 4*n), need(call, "dPre", dPre, 4*n), needOpt(call, "dcPrev", dcPrev, n),
		need(call, "dh", dh, n), needOpt(call, "dcNext", dcNext, n), need(call, "act", act, 4*n),
		need(call, "cell", cell, n), needOpt(call, "cellPrev", cellPrev, n)); err != nil {
		return err
	}
	return c.Kernels().LSTMBwdPointwise(c.ewGrid(n), ewBlock, dPre, dcPrev, dh, dcNext, act, cell, cellPrev, batch, hidden)
}

// The fused recurrent step kernels (recurrent.cuh) run blocks of
// recBatchRows batch rows by U hidden units, U = 2, 4 or 8.
const (
	recBatchRows = 16
	// recTargetBlocks is the grid the units per block aim for: about one
	// block per SM of an H100 (132), so that a small batch's step, which
	// is all latency, runs on the whole device.
	recTargetBlocks = 128
)

// recUnits is the hidden units per block of a fused step: the most of 8
// and 4 that still gives recTargetBlocks blocks, else 2 (batch 10, hidden
// 256: 2 units, 128 blocks). It depends on the shape only, not on the
// device, so a shape sums in the same order everywhere.
func (c *Context) recUnits(batch, hidden int) int {
	if c.recU != 0 {
		return c.recU
	}
	rows := ceilDiv(batch, recBatchRows)
	for _, u := range []int{8, 4} {
		if ceilDiv(hidden, u)*rows >= recTargetBlocks {
			return u
		}
	}
	return 2
}

// recIndex is the index of U in the kernels' {2, 4, 8} variants.
func recIndex(u int) int {
	switch u {
	case 2:
		return 0
	case 4:
		return 1
	}
	return 2
}

var (
	lstmFwdStepLaunch = [3]func(Kernels, Dim3, Dim3, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, int, int) error{
		Kernels.LSTMFwdStepU2, Kernels.LSTMFwdStepU4, Kernels.LSTMFwdStepU8}
	lstmBwdStepLaunch = [3]func(Kernels, Dim3, Dim3, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer,
		Buffer, Buffer, int, int) error{Kernels.LSTMBwdStepU2, Kernels.LSTMBwdStepU4, Kernels.LSTMBwdStepU8}
)

var (
	gruFwdStepLaunch = [3]func(Kernels, Dim3, Dim3, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, int, int) error{
		Kernels.GRUFwdStepU2, Kernels.GRUFwdStepU4, Kernels.GRUFwdStepU8}
	gruBwdStepLaunch = [3]func(Kernels, Dim3, Dim3, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer,
		Buffer, Buffer, Buffer, Buffer, int, int) error{Kernels.GRUBwdStepU2, Kernels.GRUBwdStepU4, Kernels.GRUBwdStepU8}
)

// recGrid checks a fused step's sizes and returns its units per block and
// grid (an empty grid for an empty step).
func (c *Context) recGrid(call string, batch, hidden int) (int, dim3, error) {
	u := c.recUnits(batch, hidden)
	rows := ceilDiv(batch, recBatchRows)
	if rows > 65535 {
		return 0, dim3{}, invalid(call, "batch %d needs more than 65535 row blocks", batch)
	}
	if batch == 0 || hidden == 0 {
		return u, dim3{}, nil
	}
	return u, dim3{uint32(ceilDiv(hidden, u)), uint32(rows), 1}, nil
}

// LSTMForwardStepFused is one whole LSTM step in one kernel: with pre
// (batch x 4*hidden) holding x_t*W_ih^T + bias, it adds hPrev*whh^T (whh is
// W_hh, 4*hidden x hidden; hPrev nil at the first step, with cellPrev) and
// applies LSTMForwardStep's pointwise part, writing act (may be pre), cell
// and hid. It replaces an Sgemm and LSTMForwardStep per step.
func (c *Context) LSTMForwardStepFused(act, cell, hid, pre, hPrev, cellPrev, whh Buffer, batch, hidden int) error {
	const call = "lstm fused forward step"
	if batch < 0 || hidden < 0 {
		return invalid(call, "batch=%d hidden=%d", batch, hidden)
	}
	n := batch * hidden
	if err := firstErr(checkN(call, 4*n), checkN(call, 4*hidden*hidden), need(call, "act", act, 4*n),
		need(call, "cell", cell, n), need(call, "hid", hid, n), need(call, "pre", pre, 4*n),
		needOpt(call, "hPrev", hPrev, n), needOpt(call, "cellPrev", cellPrev, n),
		need(call, "whh", whh, 4*hidden*hidden)); err != nil {
		return err
	}
	u, grid, err := c.recGrid(call, batch, hidden)
	if err != nil {
		return err
	}
	return lstmFwdStepLaunch[recIndex(u)](c.Kernels(), grid, dim3{256, 1, 1}, act, cell, hid, pre, hPrev, cellPrev, whh,
		batch, hidden)
}

// LSTMBackwardStepFused is one whole backward LSTM step in one kernel:
// dh = dH + dPreNext*whh (dPreNext, step t+1's gate gradients, nil at the
// last step) then LSTMBackwardStep's pointwise part with dcIn = dL/dc_t
// from step t+1 (nil: zeros), writing dPre (batch x 4*hidden) and dcOut =
// dL/dc_{t-1} (nil: not written; may be dcIn). It replaces an Add, an
// Sgemm and LSTMBackwardStep per step.
//
// The product reads whh through its transpose whhT (hidden x 4*hidden,
// contiguous along the gate rows), which the last step, run first and
// with no product of its own, writes from whh: backpropagation through
// time passes the same whhT to every step (it may be nil for a single
// step). whh is read only by that step.
func (c *Context) LSTMBackwardStepFused(dPre, dcOut, dH, dPreNext, whh, whhT, act, cell, cellPrev, dcIn Buffer,
	batch, hidden int) error {
	const call = "lstm fused backward step"
	if batch < 0 || hidden < 0 {
		return invalid(call, "batch=%d hidden=%d", batch, hidden)
	}
	n := batch * hidden
	if err := firstErr(checkN(call, 4*n), checkN(call, 4*hidden*hidden), need(call, "dPre", dPre, 4*n),
		needOpt(call, "dcOut", dcOut, n), need(call, "dH", dH, n), needOpt(call, "dPreNext", dPreNext, 4*n),
		need(call, "whh", whh, 4*hidden*hidden), needOpt(call, "whhT", whhT, 4*hidden*hidden),
		need(call, "act", act, 4*n), need(call, "cell", cell, n), needOpt(call, "cellPrev", cellPrev, n),
		needOpt(call, "dcIn", dcIn, n)); err != nil {
		return err
	}
	if !dPreNext.IsNil() && whhT.IsNil() {
		return invalid(call, "whhT is nil: a step with dPreNext reads the transpose the last step wrote")
	}
	u, grid, err := c.recGrid(call, batch, hidden)
	if err != nil {
		return err
	}
	var wtOut Buffer
	if dPreNext.IsNil() {
		wtOut = whhT
	}
	return lstmBwdStepLaunch[recIndex(u)](c.Kernels(), grid, dim3{256, 1, 1}, dPre, dcOut, wtOut, dH, dPreNext, whh,
		whhT, act, cell, cellPrev, dcIn, batch, hidden)
}

// ---- GRU ----

// GRUForwardStepFused is one whole GRU step (PyTorch's nn.GRU, gates
// [r z n]) in one kernel: act (batch x 3*hidden) holds the step's input
// pre-activations x_t*W_ih^T + b_ih (+ b_hh's r and z blocks) and receives
// the activations [r z n]; with hPrev = h_{t-1} (nil at the first step:
// zero state) and whh = W_hh (3*hidden x hidden), bhn = b_hh's n block
// (hidden), it writes ghn = hPrev*W_hn^T + b_hn and hid = h_t (batch x
// hidden each).
func (c *Context) GRUForwardStepFused(act, ghn, hid, hPrev, whh, bhn Buffer, batch, hidden int) error {
	const call = "gru fused forward step"
	if batch < 0 || hidden < 0 {
		return invalid(call, "batch=%d hidden=%d", batch, hidden)
	}
	n := batch * hidden
	if err := firstErr(checkN(call, 3*n), checkN(call, 3*hidden*hidden), need(call, "act", act, 3*n),
		need(call, "ghn", ghn, n), need(call, "hid", hid, n), needOpt(call, "hPrev", hPrev, n),
		need(call, "whh", whh, 3*hidden*hidden), need(call, "bhn", bhn, hidden)); err != nil {
		return err
	}
	u, grid, err := c.recGrid(call, batch, hidden)
	if err != nil {
		return err
	}
	return gruFwdStepLaunch[recIndex(u)](c.Kernels(), grid, dim3{256, 1, 1}, act, ghn, hid, hPrev, whh, bhn, batch,
		hidden)
}

// GRUBackwardStepFused is one whole backward GRU step in one kernel: with
// dh = dH + dhzIn + dGhNext*whh (dGhNext, step t+1's recurrent-side gate
// gradients, and dhzIn = dL/dh_{t+1}*z_{t+1}, nil at the last step), act,
// ghn the step's forward values and hPrev = h_{t-1} (nil: zeros), it writes
// the input-side gate gradients dGi and the recurrent-side dGh (batch x
// 3*hidden each; they differ in the n block, dGh_n = r*dGi_n) and dhzOut =
// dh*z (nil: not written; may be dhzIn). As LSTMBackwardStepFused, the
// product reads whh's transpose whhT (hidden x 3*hidden), which the last
// step, run first, writes from whh.
func (c *Context) GRUBackwardStepFused(dGi, dGh, dhzOut, dH, dGhNext, whh, whhT, act, ghn, hPrev, dhzIn Buffer,
	batch, hidden int) error {
	const call = "gru fused backward step"
	if batch < 0 || hidden < 0 {
		return invalid(call, "batch=%d hidden=%d", batch, hidden)
	}
	n := batch * hidden
	if err := firstErr(checkN(call, 3*n), checkN(call, 3*hidden*hidden), need(call, "dGi", dGi, 3*n),
		need(call, "dGh", dGh, 3*n), needOpt(call, "dhzOut", dhzOut, n), need(call, "dH", dH, n),
		needOpt(call, "dGhNext", dGhNext, 3*n), need(call, "whh", whh, 3*hidden*hidden),
		needOpt(call, "whhT", whhT, 3*hidden*hidden), need(call, "act", act, 3*n), need(call, "ghn", ghn, n),
		needOpt(call, "hPrev", hPrev, n), needOpt(call, "dhzIn", dhzIn, n)); err != nil {
		return err
	}
	if !dGhNext.IsNil() && whhT.IsNil() {
		return invalid(call, "whhT is nil: a step with dGhNext reads the transpose the last step wrote")
	}
	u, grid, err := c.recGrid(call, batch, hidden)
	if err != nil {
		return err
	}
	var wtOut Buffer
	if dGhNext.IsNil() {
		wtOut = whhT
	}
	return gruBwdStepLaunch[recIndex(u)](c.Kernels(), grid, dim3{256, 1, 1}, dGi, dGh, dhzOut, wtOut, dH, dGhNext, whh,
		whhT, act, ghn, hPrev, dhzIn, batch, hidden)
}
