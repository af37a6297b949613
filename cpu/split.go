package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Ember runs OpenBLAS single-threaded and splits each large enough product
// across its own persistent workers, one part per core. Measured on the
// 2-core reference machine: OpenBLAS's own threads spin and, at the LSTM's
// thin per-step products (10×1024×256, 10×256×1024), two of them ran at
// 14 GFLOP/s against 24-36 for one; splitting C into halves computed by
// single-threaded calls keeps both cores busy at every shape.

// minSplitFlops is the smallest product worth a hand-off to a worker.
const minSplitFlops = 1 << 20

type gemmTask struct {
	small         bool // on the small-row kernel (chosen for the whole product)
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
}

// Job is work over an index range that ParallelFor splits across cores.
// Pass a pointer to a long-lived value: converting it to Job then
// allocates nothing.
type Job interface {
	Run(lo, hi int)
}

// task is one part of a split product or of a ParallelFor.
type task struct {
	gemmTask
	job    Job
	lo, hi int
}

func (t *task) run() {
	if t.job != nil {
		t.job.Run(t.lo, t.hi)
		return
	}
	if t.small {
		smallSgemm(t.m, t.n, t.k, t.alpha, t.a, t.lda, t.b, t.ldb, t.beta, t.c, t.ldc)
		return
	}
	openblasSgemm(t.tA, t.tB, t.m, t.n, t.k, t.alpha, t.a, t.lda, t.b, t.ldb, t.beta, t.c, t.ldc)
}

// SmallRowKernel reports whether Sgemm computes an m×n×k product with
// neither operand transposed on its small-row kernel (AVX-512 CPUs, 2 to 16
// rows), several times faster there than OpenBLAS. A caller that multiplies
// by the same Bᵀ many times (a recurrent layer's per-step product) can
// transpose B once to take it.
func SmallRowKernel(m, n, k int) bool {
	return current().openblas && smallGemmOK(false, false, m, n, k)
}

// SmallRowLd is the row stride to store a matrix of n columns at when it is
// written to be the B of small-row products (SmallRowKernel,
// SgemmSmallRows): n, or n+16 where n floats make a whole number of KiB.
// The kernel walks B down its rows 32 columns at a time, and rows a
// multiple of 1 KiB apart fall in few cache sets: on one core of the
// reference machine 10×256×1024 with B's rows 4 KiB apart took 20 µs
// against 15.5 µs with them 64 bytes further apart, and the transpose that
// writes them (Transpose, 1024×256) 46 against 27 µs. A recurrent layer's
// forward pass of 16 steps at batch 10 (two layers, in-process A/B) ran
// 1-4% faster; copying W_hh to such a stride for the backward products
// cost more than it saved, so only a matrix written anyway should use it.
func SmallRowLd(n int) int {
	if n > 0 && n%256 == 0 {
		return n + 16
	}
	return n
}

// SgemmSmallRows computes C = alpha·A·B + beta·C as Sgemm does with
// neither operand transposed, on the small-row kernel and unsplit, for any
// m, n, k: for a caller that found SmallRowKernel true for a whole product
// and computes blocks of its columns in parts of its own (an LSTM step
// shared out by hidden units, each part then applying the gates to its
// units). Each element is the same sum the whole product gives it. It
// panics on Sgemm's programmer errors, and on a CPU without the kernel
// (SmallRowKernel false for every shape).
func SgemmSmallRows(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !smallGemmOK(false, false, 2, 1<<14, 1) { // the kernel exists here at all
		panicf("cpu.SgemmSmallRows: no small-row kernel on this CPU or build (check SmallRowKernel)")
	}
	if sgemmTrivial("cpu.SgemmSmallRows", false, false, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	smallSgemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmWhole computes a product unsplit: with the small-row kernels where
// they apply (smallGemmOK), else with OpenBLAS.
func sgemmWhole(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if smallGemmOK(tA, tB, m, n, k) {
		smallSgemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	openblasSgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var split struct {
	once    sync.Once
	mu      sync.Mutex // one split product at a time; a concurrent caller runs unsplit
	parts   int
	tasks   []task
	workers []*worker // workers[p] runs tasks[p]; workers[0] is unused (the caller)
	pending atomic.Int32
	waiting atomic.Bool   // the caller sleeps on done for the last part
	done    chan struct{} // capacity 1: the last part's signal to a sleeping caller

	transpose transposeJob // the Transpose being split (held with mu)
}

// The LSTM's per-step products take 20-40 µs, and a hand-off to a worker
// asleep on a channel cost 15 µs (the futex wake-up of an idle vCPU), so
// workers spin a while after each part before they sleep, and the caller
// spins before it sleeps on the last part: the steps of a recurrence then
// find their worker awake. A spinning goroutine yields its thread on
// every round (runtime.Gosched), so other goroutines are not held up.
const spinWait = 200 * time.Microsecond

// worker is a persistent goroutine that runs the parts handed to it.
type worker struct {
	next     atomic.Pointer[task]
	sleeping atomic.Bool
	wake     chan struct{} // capacity 1
}

func (w *worker) loop() {
	for {
		w.take().run()
		if split.pending.Add(-1) == 0 && split.waiting.Load() {
			select {
			case split.done <- struct{}{}:
			default:
			}
		}
	}
}

// take returns the next part handed to w: spinning for spinWait, then
// asleep until the dispatcher wakes it.
func (w *worker) take() *task {
	var t *task
	if spin(func() bool { t = w.next.Swap(nil); return t != nil }) {
		return t
	}
	for {
		// The dispatcher stores the part, then reads sleeping; w sets
		// sleeping, then reads the part: one of them sees the other.
		w.sleeping.Store(true)
		if t := w.next.Swap(nil); t != nil {
			w.sleeping.Store(false)
			return t
		}
		<-w.wake
		w.sleeping.Store(false)
		if t := w.next.Swap(nil); t != nil {
			return t
		}
	}
}

// maxParts is the most parts a product or ParallelFor is split into.
const maxParts = 8

func startSplit() {
	split.parts = min(runtime.GOMAXPROCS(0), maxParts)
	if split.parts < 2 {
		return
	}
	if current().openblas { // the fallback (gonum) has no threads of its own to set
		openblasSetThreads(1)
	}
	split.tasks = make([]task, split.parts)
	split.workers = make([]*worker, split.parts)
	split.done = make(chan struct{}, 1)
	for i := 1; i < split.parts; i++ {
		w := &worker{wake: make(chan struct{}, 1)}
		split.workers[i] = w
		go w.loop()
	}
}

// splitParts reports how many parts a product is split into (1: none).
func splitParts() int {
	split.once.Do(startSplit)
	return max(split.parts, 1)
}

// openblasSplit computes the product as splitParts() independent products
// on column (or row) blocks of C, each on the kernel sgemmWhole picks for
// the whole, the first on the caller's goroutine; one too small to be
// worth a hand-off runs whole. When another caller holds the workers, the
// parts run one after another here: OpenBLAS can round a block of C
// otherwise than the whole, and a product's bits must not depend on what
// else the process does. It allocates nothing.
func openblasSplit(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	parts := splitParts()
	if parts < 2 || 2*m*n*k < minSplitFlops {
		sgemmWhole(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if !split.mu.TryLock() {
		var local [maxParts]task
		used := splitProduct(local[:], parts, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		for p := range used {
			local[p].run()
		}
		return
	}
	defer split.mu.Unlock()
	dispatch(splitProduct(split.tasks, parts, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
}

// splitProduct writes the product's parts, at most parts column (or row)
// blocks of C, into tasks and returns how many it wrote. Every part takes
// the kernel the whole product would (a column block of a small-row
// product can fall below the kernel's size test).
func splitProduct(tasks []task, parts int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) int {
	small := smallGemmOK(tA, tB, m, n, k)
	byCols := n >= m
	total := m
	if byCols {
		total = n
	}
	parts = min(parts, max(1, total/8))
	// Blocks of a multiple of 16 elements keep vector loads aligned.
	chunk := (total + parts - 1) / parts
	chunk = (chunk + 15) &^ 15
	used := 0
	for p := 0; p*chunk < total; p++ {
		lo, hi := p*chunk, min((p+1)*chunk, total)
		tasks[p].job = nil
		t := &tasks[p].gemmTask
		*t = gemmTask{small: small, tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
		if byCols { // C[:, lo:hi] = op(A) · op(B)[:, lo:hi]
			t.n = hi - lo
			if tB {
				t.b = b[lo*ldb:]
			} else {
				t.b = b[lo:]
			}
			t.c = c[lo:]
		} else { // C[lo:hi, :] = op(A)[lo:hi, :] · op(B)
			t.m = hi - lo
			if tA {
				t.a = a[lo:]
			} else {
				t.a = a[lo*lda:]
			}
			t.c = c[lo*ldc:]
		}
		used++
	}
	return used
}

// dispatch runs tasks[0:used], the first on the calling goroutine.
func dispatch(used int) {
	split.waiting.Store(false)
	select { // a signal left by a round whose caller did not sleep
	case <-split.done:
	default:
	}
	split.pending.Store(int32(used - 1))
	for p := 1; p < used; p++ {
		w := split.workers[p]
		w.next.Store(&split.tasks[p])
		if w.sleeping.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	// The workers' parts are waited for also when the caller's panics, so
	// that none of them is still running (and counted) when a recovered
	// caller starts the next round.
	defer waitParts()
	split.tasks[0].run()
}

// waitParts returns when every worker's part of the round has run.
func waitParts() {
	if spin(func() bool { return split.pending.Load() == 0 }) {
		return
	}
	// As in take: the last worker decrements pending, then reads
	// waiting; the caller sets waiting, then reads pending.
	split.waiting.Store(true)
	for split.pending.Load() != 0 {
		<-split.done
	}
}

// spin calls ready until it reports true, for spinWait at most, yielding
// the thread between calls, and reports whether it did: the workers'
// wait for a part and the caller's for the last one, before they sleep.
func spin(ready func() bool) bool {
	deadline := time.Now().Add(spinWait)
	for !ready() {
		if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
	}
	return true
}

// ParallelFor runs job over [0, n) in contiguous ranges of at least grain
// indices, one per core, the first on the calling goroutine, and returns
// when all are done. It allocates nothing; when the workers are busy (a
// concurrent caller) it runs the whole range itself.
func ParallelFor(n, grain int, job Job) {
	parts := min(splitParts(), n/max(grain, 1))
	if parts < 2 || !split.mu.TryLock() {
		job.Run(0, n)
		return
	}
	defer split.mu.Unlock()
	dispatchRange(n, parts, job)
}

// dispatchRange runs job over [0, n) in at most parts contiguous ranges on
// the workers; the caller holds split.mu.
func dispatchRange(n, parts int, job Job) {
	chunk := (n + parts - 1) / parts
	used := 0
	for p := 0; p*chunk < n; p++ {
		split.tasks[p] = task{job: job, lo: p * chunk, hi: min((p+1)*chunk, n)}
		used++
	}
	dispatch(used)
}
