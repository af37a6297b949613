package cpu

import (
	"sync"

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

// gonumJob is one product's tiles as a Job for ParallelFor, the pool the
// OpenBLAS split uses too. It is a single value guarded by gonumMu, so
// handing it to the workers allocates nothing.
type gonumJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	tilesN         int
}

func (j *gonumJob) Run(lo, hi int) {
	for t := lo; t < hi; t++ {
		gemmTile(j.transA, j.transB, j.m, j.n, j.k, j.alpha, j.a, j.lda, j.b, j.ldb, j.beta, j.c, j.ldc, j.tilesN, int64(t))
	}
}

var (
	gonumMu sync.Mutex // guards gonumJ; a concurrent caller computes its tiles itself
	gonumJ  gonumJob
)

// gonumSgemm computes the product tile by tile on gonum's serial,
// allocation-free Sgemm (gonum's own parallel Sgemm allocates per call),
// spreading the tiles over the cores.
func gonumSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tilesN := (n + tileN - 1) / tileN
	tiles := (m + tileM - 1) / tileM * tilesN
	if tiles < 2 || float64(m)*float64(n)*float64(k) < parallelMinWork || !gonumMu.TryLock() {
		for t := range tiles {
			gemmTile(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, tilesN, int64(t))
		}
		return
	}
	defer gonumMu.Unlock()
	gonumJ = gonumJob{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, tilesN: tilesN}
	ParallelFor(tiles, 1, &gonumJ)
	gonumJ.a, gonumJ.b, gonumJ.c = nil, nil, nil // do not keep the caller's slices alive
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
