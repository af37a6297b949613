package cpu

// The vector kernels are plain Go written so the compiler can drop bounds
// checks (slices re-sliced to a common length) and, where the loop carries a
// sum, unrolled with independent accumulators so the adds do not wait on
// each other. SumSq and Scale, which run over every gradient each step, have
// AVX-512/AVX twins in C (vec_cgo.go) that give the same bits. Each panics
// on mismatched lengths: in a hot loop a silently short vector is a bug, not
// a case to handle.

// Axpy computes y += alpha*x. It panics if len(x) != len(y).
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panicf("cpu.Axpy: len(x)=%d != len(y)=%d", len(x), len(y))
	}
	axpy(alpha, x, y)
}

// axpy is Axpy without the length check, for callers that have done it.
func axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		ys[0] += alpha * xs[0]
		ys[1] += alpha * xs[1]
		ys[2] += alpha * xs[2]
		ys[3] += alpha * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) {
	if nativeVec && len(x) >= nativeMin {
		scaleNative(alpha, x)
		return
	}
	scaleGo(alpha, x)
}

func scaleGo(alpha float32, x []float32) {
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs := x[i : i+4 : i+4]
		xs[0] *= alpha
		xs[1] *= alpha
		xs[2] *= alpha
		xs[3] *= alpha
	}
	for ; i < len(x); i++ {
		x[i] *= alpha
	}
}

// Dot returns the inner product of x and y, accumulated in float32 like BLAS
// sdot. It panics if len(x) != len(y).
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panicf("cpu.Dot: len(x)=%d != len(y)=%d", len(x), len(y))
	}
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// SumSq returns the sum of squares of x, accumulated in float64 so that
// gradient norms over millions of parameters neither lose small terms nor
// overflow float32. The order of the sum is fixed, so the result is the same
// bits with or without the vector kernels: element i is added to lane i mod
// 16 (a square of a float32 is exact in float64, so a fused multiply-add
// rounds as the unfused one), then lanes j and j+8, j and j+4, j and j+2, j
// and j+1 are summed, a tree that vector registers of 8 or 4 doubles follow.
func SumSq(x []float32) float64 {
	if nativeVec && len(x) >= nativeMin {
		return sumSqNative(x)
	}
	return sumSqGo(x)
}

func sumSqGo(x []float32) float64 {
	var s [sumSqLanes]float64
	i := 0
	for ; i+sumSqLanes <= len(x); i += sumSqLanes {
		xs := x[i : i+sumSqLanes : i+sumSqLanes]
		for j, v := range xs {
			s[j] += float64(v) * float64(v)
		}
	}
	for j, v := range x[i:] {
		s[j] += float64(v) * float64(v)
	}
	for w := sumSqLanes / 2; w >= 1; w /= 2 {
		for j := range w {
			s[j] += s[j+w]
		}
	}
	return s[0]
}

// sumSqLanes is SumSq's number of partial sums.
const sumSqLanes = 16

// AddBiasRows adds bias to each of the rows rows of the row-major rows×cols
// matrix c. It panics if len(bias) != cols or c holds fewer than rows*cols
// values.
func AddBiasRows(c []float32, rows, cols int, bias []float32) {
	checkRows("cpu.AddBiasRows", "c", len(c), rows, cols)
	if len(bias) != cols {
		panicf("cpu.AddBiasRows: len(bias)=%d != cols=%d", len(bias), cols)
	}
	addRows(c, rows, cols, cols, bias, nil)
}

// AddBiasRows2 adds b1 + b2 to each row of c, element by element
// c[r][j] + (b1[j] + b2[j]): a recurrent layer's two biases (PyTorch's
// b_ih and b_hh) in one pass. It panics as AddBiasRows does, for either
// bias.
func AddBiasRows2(c []float32, rows, cols int, b1, b2 []float32) {
	checkRows("cpu.AddBiasRows2", "c", len(c), rows, cols)
	if len(b1) != cols || len(b2) != cols {
		panicf("cpu.AddBiasRows2: len(b1)=%d, len(b2)=%d, want cols=%d", len(b1), len(b2), cols)
	}
	addRows(c, rows, cols, cols, b1, b2)
}

// AddBiasRowsStrided is AddBiasRows2 (b2 nil: AddBiasRows) on rows×cols
// of a matrix whose rows are ldc apart: the first columns of each row, as
// the GRU adds both biases to its r and z gates and b_ih alone to n. It
// panics as AddBiasRows2 does, and if ldc < cols.
func AddBiasRowsStrided(c []float32, rows, cols, ldc int, b1, b2 []float32) {
	if rows < 0 || cols < 0 || ldc < cols {
		panicf("cpu.AddBiasRowsStrided: rows=%d cols=%d ldc=%d", rows, cols, ldc)
	}
	if rows > 0 && len(c) < (rows-1)*ldc+cols {
		panicf("cpu.AddBiasRowsStrided: len(c)=%d < %d needed for %d rows of %d, %d apart", len(c), (rows-1)*ldc+cols, rows, cols, ldc)
	}
	if len(b1) != cols || (b2 != nil && len(b2) != cols) {
		panicf("cpu.AddBiasRowsStrided: len(b1)=%d, len(b2)=%d, want cols=%d", len(b1), len(b2), cols)
	}
	addRows(c, rows, cols, ldc, b1, b2)
}

// addRows is the AddBiasRows functions after their checks.
func addRows(c []float32, rows, cols, ldc int, b1, b2 []float32) {
	if rows == 0 || cols == 0 {
		return
	}
	if nativeVec && rows*cols >= nativeMin {
		addRowsNative(c, rows, cols, ldc, b1, b2)
		return
	}
	addRowsGo(c, rows, cols, ldc, b1, b2)
}

func addRowsGo(c []float32, rows, cols, ldc int, b1, b2 []float32) {
	b1 = b1[:cols]
	for r := range rows {
		row := c[r*ldc : r*ldc+cols]
		if b2 == nil {
			for j, v := range b1 {
				row[j] += v
			}
			continue
		}
		b2 := b2[:cols]
		for j := range row {
			row[j] += b1[j] + b2[j]
		}
	}
}

// SumRows writes the column sums of the row-major rows×cols matrix x into dst
// (len cols) — the bias gradient of AddBiasRows. With accumulate the sums are
// added to dst instead of replacing it, so gradients of several steps can be
// summed in place. Each column is summed from row 0 down, so the result
// does not depend on the kernel. It panics if len(dst) != cols or x holds
// fewer than rows*cols values.
func SumRows(dst []float32, x []float32, rows, cols int, accumulate bool) {
	checkRows("cpu.SumRows", "x", len(x), rows, cols)
	if len(dst) != cols {
		panicf("cpu.SumRows: len(dst)=%d != cols=%d", len(dst), cols)
	}
	if !accumulate {
		clear(dst)
	}
	if rows == 0 || cols == 0 {
		return
	}
	if nativeVec && rows*cols >= nativeMin {
		sumRowsNative(dst, x, rows, cols)
		return
	}
	sumRowsGo(dst, x, rows, cols)
}

// sumRowsGo goes row by row, which keeps the access sequential; summing
// down each column would stride through memory.
func sumRowsGo(dst, x []float32, rows, cols int) {
	dst = dst[:cols]
	for r := range rows {
		for j, v := range x[r*cols : (r+1)*cols] {
			dst[j] += v
		}
	}
}

func checkRows(fn, name string, n, rows, cols int) {
	if rows < 0 || cols < 0 {
		panicf("%s: negative size rows=%d cols=%d", fn, rows, cols)
	}
	if n < rows*cols {
		panicf("%s: len(%s)=%d < rows*cols=%d*%d", fn, name, n, rows, cols)
	}
}
