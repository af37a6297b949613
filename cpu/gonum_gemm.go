package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/gonum"
)

// gonum's Sgemm is fast enough as a fallback, but above a few 64×64 blocks it
// fans out by starting goroutines and making channels on every call, which
// allocates. The training step must not allocate per batch, so the fallback
// instead cuts C into tiles small enough that gonum stays on its serial,
// allocation-free path, and spreads the tiles over a persistent pool of worker
// goroutines.
const (
	// tileM×tileN is the C tile one gonum call computes. gonum goes parallel
	// once ceil(m/64)*ceil(n/64) >= 4, so 64×192 (three blocks) is the largest
	// tile that stays serial.
	tileM = 64
	tileN = 192
	// tileK bounds the shared dimension per call so the A and B panels of a
	// tile (64×256 and 256×192 floats, 64 KiB and 192 KiB) stay in L2 across
	// the tile's rows.
	tileK = 256
	// parallelMinWork is the m*n*k below which waking workers costs more
	// than it saves (about one 64×64×64 block).
	parallelMinWork = 64 * 64 * 64
)

// gemmJob is the one in-flight parallel fallback multiplication. There is a
// single job so that nothing is allocated per call; concurrent callers that
// find it busy compute their product on their own goroutine instead.
type gemmJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	tilesN         int
	tiles          int64

	next atomic.Int64 // next tile index to claim
	wg   sync.WaitGroup
}

var pool struct {
	mu      sync.Mutex    // held by the caller owning job
	job     gemmJob       // guarded by mu
	wake    chan struct{} // one token per worker asked to help with job
	workers int           // goroutines started so far; guarded by mu
}

func init() {
	// Buffered so the caller can start on its own tiles without waiting for
	// helpers to be scheduled. Every token is consumed by exactly one worker
	// (workers >= helpers, and all are idle between jobs), so the number of
	// helpers is still exactly the number of sends.
	pool.wake = make(chan struct{}, 64)
}

// gonumSgemm computes the same product as Sgemm with gonum, after Sgemm has
// validated the arguments and handled the empty and alpha == 0 cases.
func gonumSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tilesN := (n + tileN - 1) / tileN
	tiles := int64((m+tileM-1)/tileM) * int64(tilesN)
	helpers := min(runtime.GOMAXPROCS(0)-1, int(tiles)-1)
	// The work is compared in float64 so absurd shapes cannot overflow it.
	if helpers < 1 || float64(m)*float64(n)*float64(k) < parallelMinWork || !pool.mu.TryLock() {
		for t := range tiles {
			gemmTile(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, tilesN, t)
		}
		return
	}
	defer pool.mu.Unlock()
	j := &pool.job
	j.transA, j.transB = transA, transB
	j.m, j.n, j.k = m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	j.tilesN, j.tiles = tilesN, tiles
	j.next.Store(0)

	for pool.workers < helpers {
		// Started lazily and kept: a worker parked on the channel costs
		// nothing, and starting one per call would allocate.
		go gemmWorker()
		pool.workers++
	}
	j.wg.Add(helpers)
	for range helpers {
		pool.wake <- struct{}{}
	}
	j.run()
	j.wg.Wait()
	// Drop the references so the pool does not keep the caller's matrices alive.
	j.a, j.b, j.c = nil, nil, nil
}

func gemmWorker() {
	for range pool.wake {
		pool.job.run()
		pool.job.wg.Done()
	}
}

// run claims tiles until none are left.
func (j *gemmJob) run() {
	for {
		t := j.next.Add(1) - 1
		if t >= j.tiles {
			return
		}
		gemmTile(j.transA, j.transB, j.m, j.n, j.k, j.alpha, j.a, j.lda, j.b, j.ldb, j.beta, j.c, j.ldc, j.tilesN, t)
	}
}

// gemmTile computes tile t (row-major over a grid tilesN wide) of C, walking
// the shared dimension in tileK steps; only the first step applies beta.
func gemmTile(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, tilesN int, t int64) {
	i0 := int(t/int64(tilesN)) * tileM
	j0 := int(t%int64(tilesN)) * tileN
	mt, nt := min(tileM, m-i0), min(tileN, n-j0)
	ct := c[i0*ldc+j0:]
	tA, tB := toTranspose(transA), toTranspose(transB)
	for k0 := 0; k0 < k; k0 += tileK {
		kt := min(tileK, k-k0)
		var at, bt []float32
		if transA { // A stored k×m
			at = a[k0*lda+i0:]
		} else {
			at = a[i0*lda+k0:]
		}
		if transB { // B stored n×k
			bt = b[j0*ldb+k0:]
		} else {
			bt = b[k0*ldb+j0:]
		}
		bk := beta
		if k0 > 0 {
			bk = 1
		}
		gonum.Implementation{}.Sgemm(tA, tB, mt, nt, kt, alpha, at, lda, bt, ldb, bk, ct, ldc)
	}
}
