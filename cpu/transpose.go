package cpu

// Transpose writes the transpose of src, a rows×cols row-major matrix, into
// dst (cols×rows). It panics if either slice is shorter than rows·cols.
//
// A recurrent layer transposes its recurrent weights once per forward call
// so that every step's product takes the small-row kernel
// ([SmallRowKernel]); done element by element, the writes 4 KiB apart (a
// 1024-wide matrix) fall in one cache set and the 1024×256 transpose took
// 1.1 ms, a third of a short sequence's forward pass. Here 16×16 blocks
// are transposed in registers (AVX-512) or written one output row segment
// at a time (the Go loop).
func Transpose(dst, src []float32, rows, cols int) {
	if rows < 0 || cols < 0 || len(src) < rows*cols || len(dst) < rows*cols {
		panicf("cpu.Transpose: %d×%d matrix, len(src)=%d, len(dst)=%d", rows, cols, len(src), len(dst))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if vectorLevel == 2 && rows >= 16 && cols >= 16 {
		transposeNative(dst, src, rows, cols)
		return
	}
	transposeGo(dst, src, rows, cols)
}

// transposeGo walks the output in row segments of 16 (one cache line),
// reading 16 input rows at a time, so each output line is written whole.
func transposeGo(dst, src []float32, rows, cols int) {
	const blk = 16
	for r0 := 0; r0 < rows; r0 += blk {
		n := min(blk, rows-r0)
		for c := 0; c < cols; c++ {
			out := dst[c*rows+r0 : c*rows+r0+n]
			for i := range out {
				out[i] = src[(r0+i)*cols+c]
			}
		}
	}
}
