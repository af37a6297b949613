package cpu

// Transpose writes the transpose of src, a rows×cols row-major matrix, into
// dst: cols rows of rows elements, ldDst apart (ldDst ≥ rows; the elements
// between a row's end and the next row's start are left as they were). It
// panics if ldDst < rows or either slice is shorter than its matrix.
//
// A recurrent layer transposes its recurrent weights once per forward call
// so that every step's product takes the small-row kernel
// ([SmallRowKernel]), into rows [SmallRowLd] apart. Done element by
// element, the writes 4 KiB apart (a 1024-wide matrix) fall in one cache
// set and the 1024×256 transpose took 1.1 ms, a third of a short
// sequence's forward pass. Here 16×16 blocks are transposed in registers
// (AVX-512) or written one output row segment at a time (the Go loop). A
// large matrix is split by blocks of 16 rows over the cores like a
// product: the weights come from memory after the optimizer's pass over
// every parameter, and the 1024×256 transpose took 0.15 ms inside a
// training step on one core of the reference machine.
func Transpose(dst []float32, ldDst int, src []float32, rows, cols int) {
	if rows < 0 || cols < 0 || ldDst < rows || len(src) < rows*cols || (cols > 0 && len(dst) < (cols-1)*ldDst+rows) {
		panicf("cpu.Transpose: %d×%d matrix, ldDst=%d, len(src)=%d, len(dst)=%d", rows, cols, ldDst, len(src), len(dst))
	}
	if rows == 0 || cols == 0 {
		return
	}
	// Sizes first: a small transpose neither starts the workers nor loads
	// OpenBLAS (splitParts does both on first use).
	blocks := (rows + 15) / 16
	if rows*cols >= 2*transposeGrain && blocks >= 2 {
		if parts := min(splitParts(), rows*cols/transposeGrain, blocks); parts >= 2 && split.mu.TryLock() {
			defer split.mu.Unlock()
			split.transpose = transposeJob{dst: dst, ld: ldDst, src: src, rows: rows, cols: cols}
			defer func() { split.transpose = transposeJob{} }()
			dispatchRange(blocks, parts, &split.transpose)
			return
		}
	}
	transposeRows(dst, ldDst, src, rows, cols, 0, rows)
}

// transposeGrain is the fewest elements a part of a split transpose gets
// (about 15 µs of work, the hand-off's cost several times over).
const transposeGrain = 1 << 16

// transposeJob is a split Transpose; Run takes blocks of 16 source rows.
type transposeJob struct {
	dst, src       []float32
	ld, rows, cols int
}

func (j *transposeJob) Run(lo, hi int) {
	transposeRows(j.dst, j.ld, j.src, j.rows, j.cols, lo*16, min(hi*16, j.rows))
}

// transposeRows transposes src rows [lo, hi), lo a multiple of 16.
func transposeRows(dst []float32, ld int, src []float32, rows, cols, lo, hi int) {
	if vectorLevel == 2 && rows >= 16 && cols >= 16 {
		transposeNative(dst, ld, src, rows, cols, lo, hi)
		return
	}
	transposeGo(dst, ld, src, rows, cols, lo, hi)
}

// transposeGo walks the output in row segments of 16 (one cache line),
// reading 16 input rows at a time, so each output line is written whole.
func transposeGo(dst []float32, ld int, src []float32, rows, cols, lo, hi int) {
	const blk = 16
	for r0 := lo; r0 < hi; r0 += blk {
		n := min(blk, hi-r0)
		for c := 0; c < cols; c++ {
			out := dst[c*ld+r0 : c*ld+r0+n]
			for i := range out {
				out[i] = src[(r0+i)*cols+c]
			}
		}
	}
}
