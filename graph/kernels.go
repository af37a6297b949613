package graph

import (
	"math"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/cpu"
)

// Shared CPU building blocks for the ops' kernels, generic over float32
// (the working precision, through the fast GEMM of package cpu) and float64
// (gradient checks, through gonum).

var dgemm = gonum.Implementation{}

// gemm computes C = alpha*op(A)*op(B) + beta*C in row-major layout.
func gemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if is32[T]() {
		cpu.Sgemm(tA, tB, m, n, k, float32(alpha), f32(a), lda, f32(b), ldb, float32(beta), f32(c), ldc)
		return
	}
	if k == 0 {
		// gonum rejects k=0 with non-zero leading dims on empty slices; C = beta*C.
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	dgemm.Dgemm(ta, tb, m, n, k, float64(alpha), f64(a), lda, f64(b), ldb, float64(beta), f64(c), ldc)
}

func f32[T Float](x []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

func f64[T Float](x []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// sigmoid is the logistic function: fast float32 code for the working
// precision, exact float64 math for gradient checks.
func sigmoid[T Float](x T) T {
	if is32[T]() {
		return T(sigmoidf(float32(x)))
	}
	return T(1 / (1 + math.Exp(-float64(x))))
}

func tanh[T Float](x T) T {
	if is32[T]() {
		return T(tanhf(float32(x)))
	}
	return T(math.Tanh(float64(x)))
}

// sumRows writes (or adds, when acc) the column sums of the rows×cols
// matrix x into dst, each column from row 0 down: float32 in package cpu's
// vector kernel, which keeps that order.
func sumRows[T Float](dst, x []T, rows, cols int, acc bool) {
	if is32[T]() {
		cpu.SumRows(f32(dst[:cols]), f32(x), rows, cols, acc)
		return
	}
	if !acc {
		clear(dst[:cols])
	}
	for r := 0; r < rows; r++ {
		row := x[r*cols : r*cols+cols]
		d := dst[:cols]
		for j, v := range row {
			d[j] += v
		}
	}
}

// addRows2 adds b1 + b2 to every row of the rows×cols matrix c, in one pass.
func addRows2[T Float](c, b1, b2 []T, rows, cols int) {
	if is32[T]() {
		cpu.AddBiasRows2(f32(c), rows, cols, f32(b1[:cols]), f32(b2[:cols]))
		return
	}
	b1, b2 = b1[:cols], b2[:cols]
	for r := 0; r < rows; r++ {
		row := c[r*cols : r*cols+cols]
		for j := range row {
			row[j] += b1[j] + b2[j]
		}
	}
}

// addRows adds bias to every row of the rows×cols matrix c.
func addRows[T Float](c, bias []T, rows, cols int) {
	if is32[T]() {
		cpu.AddBiasRows(f32(c), rows, cols, f32(bias[:cols]))
		return
	}
	for r := 0; r < rows; r++ {
		row := c[r*cols : r*cols+cols]
		for j, v := range bias[:cols] {
			row[j] += v
		}
	}
}

// The kernels' numeric building blocks, for ops outside this package.

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices (op
// transposes when tA, tB): float32 through package cpu's GEMM (OpenBLAS,
// split over the cores), float64 through gonum. m×k times k×n into m×n,
// with leading dimensions lda, ldb, ldc. It allocates nothing.
func Gemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SigmoidOf is the logistic function 1/(1+e^(−x)): a fast approximation
// in float32 (a few ulps), exact in float64, as the LSTM and GRU kernels
// use it.
func SigmoidOf[T Float](x T) T { return sigmoid(x) }

// TanhOf is tanh(x): a fast approximation in float32, exact in float64.
func TanhOf[T Float](x T) T { return tanh(x) }

// SumRows writes (or adds, when acc) the column sums of the rows×cols
// matrix x into dst: a bias gradient.
func SumRows[T Float](dst, x []T, rows, cols int, acc bool) { sumRows(dst, x, rows, cols, acc) }

// AddRows adds bias to every row of the rows×cols matrix c.
func AddRows[T Float](c, bias []T, rows, cols int) { addRows(c, bias, rows, cols) }

// recurrentWeights gives a recurrent layer's per-step product h·W_hhᵀ
// (rows × H times H × G) its weights: W_hh (G × H) as stored, to be used
// transposed, or, where cpu.SmallRowKernel takes the product with B as
// stored, W_hhᵀ written once into work (H rows of G, cpu.SmallRowLd(G)
// apart, when work holds that much): the small-row kernel ran 10×1024×256
// in 42 µs against OpenBLAS's 129 µs on the transposed weights, and the
// transpose (cpu.Transpose) costs less than one such product. It returns
// gemm's B, transB and ldb.
func recurrentWeights[T Float](whh, work []T, g, h, rows int) (w []T, transB bool, ldb int) {
	ld := cpu.SmallRowLd(g)
	if !is32[T]() || len(work) < h*ld || !cpu.SmallRowKernel(rows, g, h) {
		return whh, true, h
	}
	wT := work[:h*ld]
	cpu.Transpose(f32(wT), ld, f32(whh), g, h)
	return wT, false, ld
}

// recurrentScratch is the scratch recurrentWeights needs for a layer over
// x (in[0], T × B × I) with W_hh (in[2], G × H): room for W_hhᵀ where the
// CPU's small-row kernel takes the per-step products (float32, 2 to 16
// rows), else none.
func recurrentScratch(out *Buf, in []*Buf) int {
	b, g, h := in[0].Shape[1], in[2].Shape[0], in[2].Shape[1]
	if out.Dtype != tensor.Float32 || !cpu.SmallRowKernel(b, g, h) {
		return 0
	}
	return h * cpu.SmallRowLd(g)
}

// cellGrain is the fewest batch rows of a recurrent step's gate arithmetic
// worth a hand-off to another core: at batch 10 (hidden 256) the hand-off
// and wake-up cost more than the arithmetic, and running the step whole
// made the LSTM layer's forward pass 6.0 -> 4.8 ms and its backward pass
// 6.1 -> 5.0 ms on the 2-core reference machine. With workers that spin
// between parts (cpu.ParallelFor), a grain of 5 still gained nothing there.
// Where the small-row kernel takes a step, the LSTM and GRU share it by
// hidden units instead (byUnits), product and gates together, at any rows.
const cellGrain = 16
