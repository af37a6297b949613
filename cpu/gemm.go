package cpu

import (
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// openblasNames are the sonames tried, in order. The versioned name comes
// first because it is what the runtime package (libopenblas0-*) installs; the
// bare name usually exists only with the -dev package.
var openblasNames = []string{"libopenblas.so.0", "libopenblas.so"}

// backend records the GEMM implementation chosen at first use.
type backend struct {
	openblas bool   // cblas_sgemm was resolved and is not disabled
	lib      string // the soname that loaded, when openblas
	reason   string // why gonum is used, when !openblas
}

var (
	backendOnce sync.Once
	active      backend
)

// current returns the selected backend, choosing it on the first call. The
// choice is deferred to first use rather than package init so that programs
// that import cpu but never multiply on the CPU (the CUDA path) neither pay for
// dlopen nor get an idle OpenBLAS thread pool.
func current() *backend {
	backendOnce.Do(func() { active = selectBackend(os.Getenv("EMBER_BLAS"), openblasNames) })
	return &active
}

// selectBackend picks OpenBLAS unless env (the value of EMBER_BLAS) asks for
// gonum or none of names can be loaded; it is separate from current so tests
// can exercise every branch without touching the process-wide choice.
func selectBackend(env string, names []string) backend {
	if strings.EqualFold(strings.TrimSpace(env), "gonum") {
		return backend{reason: "EMBER_BLAS=gonum"}
	}
	lib, err := loadOpenBLAS(names)
	if err != nil {
		return backend{reason: err.Error()}
	}
	return backend{openblas: true, lib: lib}
}

// GEMMName describes the active GEMM backend for logs and benchmark notes, for
// example "openblas (libopenblas.so.0, 2 threads, core Haswell)" or
// "gonum (pure Go; EMBER_BLAS=gonum)". When gonum is used it says why.
func GEMMName() string {
	be := current()
	if !be.openblas {
		return fmt.Sprintf("gonum (pure Go; %s)", be.reason)
	}
	parts := splitParts() // sets OpenBLAS to one thread when it splits
	threads := openblasThreads()
	plural := "s"
	if threads == 1 {
		plural = ""
	}
	name := fmt.Sprintf("openblas (%s, %d thread%s", be.lib, threads, plural)
	if core := openblasCore(); core != "" {
		name += ", core " + core
	}
	if parts > 1 {
		name += fmt.Sprintf(", products split %d ways", parts)
	}
	return name + ")"
}

// OpenBLAS reports whether products run on OpenBLAS; false means the
// pure-Go gonum fallback (GEMMName says why), several times slower.
func OpenBLAS() bool { return current().openblas }

// SetThreads sets the number of threads OpenBLAS uses (openblas_set_num_threads).
// It is a no-op on the gonum backend, whose fan-out follows GOMAXPROCS. It
// panics if n < 1.
func SetThreads(n int) {
	if n < 1 {
		panicf("cpu.SetThreads: n=%d, want >= 1", n)
	}
	if current().openblas {
		openblasSetThreads(min(n, math.MaxInt32))
	}
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C in row-major storage, where
// op(X) is X, or Xᵀ when the matching trans flag is set. After op, A is m×k,
// B is k×n and C is m×n; lda, ldb and ldc are the row strides of the matrices
// as stored (so A is stored k×m with lda >= m when transA is set).
//
// As in BLAS, beta == 0 overwrites C without reading it (NaN or Inf garbage in
// C is ignored), and alpha == 0 or k == 0 leaves only beta*C without reading A
// or B. C must not overlap A or B.
//
// Sgemm panics on programmer error: a negative size, a leading dimension
// smaller than the stored row width, or a slice shorter than its shape needs.
// It does not allocate. (The gonum fallback parks goroutines on a channel and
// a WaitGroup, so during its first few thousand calls the Go runtime may still
// allocate a few of its 112-byte wait records while warming their cache; after
// that, nothing.)
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if sgemmTrivial("cpu.Sgemm", transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	if current().openblas && fitsCInt(m, n, k, lda, ldb, ldc) {
		openblasSplit(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gonumSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmTrivial panics on Sgemm's programmer errors (fn names the caller)
// and computes the products that need neither A nor B: m or n zero (none),
// k or alpha zero (only beta·C, handled here rather than by the backends
// so all give exactly the BLAS answer without touching A or B, which may
// be empty). It reports whether it did the whole product.
func sgemmTrivial(fn string, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if m < 0 || n < 0 || k < 0 {
		panicf("%s: negative size m=%d n=%d k=%d", fn, m, n, k)
	}
	// Shapes as stored: A is m×k or k×m, B is k×n or n×k.
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix(fn, "A", ar, ac, lda, len(a))
	checkMatrix(fn, "B", br, bc, ldb, len(b))
	checkMatrix(fn, "C", m, n, ldc, len(c))
	if m == 0 || n == 0 {
		return true
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return true
	}
	return false
}

// sgemv computes y = alpha*op(A)*x + beta*y with the same dispatch as Sgemm,
// following BLAS Sgemv conventions (A stored m×n; negative increments walk
// the vectors backwards). It backs the gorgonia tensor adapter; argument
// checking is left to gonum, which panics on bad input, and OpenBLAS is only
// handed arguments gonum has already accepted.
func sgemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if current().openblas && fitsCInt(m, n, lda, incX, incY) && incX > 0 && incY > 0 && sgemvArgsOK(trans, m, n, a, lda, x, incX, y, incY) {
		openblasSgemv(trans, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	gonum.Implementation{}.Sgemv(toTranspose(trans), m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// sgemvArgsOK reports whether a positive-increment Sgemv call is well formed
// and non-empty; anything else goes to gonum, which either returns early or
// panics with its own message, so OpenBLAS never sees an out-of-bounds call.
func sgemvArgsOK(trans bool, m, n int, a []float32, lda int, x []float32, incX int, y []float32, incY int) bool {
	if m <= 0 || n <= 0 || lda < n || len(a) < (m-1)*lda+n {
		return false
	}
	lenX, lenY := n, m
	if trans {
		lenX, lenY = m, n
	}
	return len(x) > (lenX-1)*incX && len(y) > (lenY-1)*incY
}

// checkMatrix panics unless a rows×cols matrix with row stride ld fits in a
// slice of length n. The stride must be at least max(1, cols) even for an
// empty matrix, matching cblas, so a wrong stride is caught on small test
// inputs too.
func checkMatrix(fn, name string, rows, cols, ld, n int) {
	if ld < max(1, cols) {
		panicf("%s: ld%s=%d < %d, the row width of %s as stored (%d×%d)", fn, strings.ToLower(name), ld, max(1, cols), name, rows, cols)
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; n < need {
		panicf("%s: len(%s)=%d < %d needed for a %d×%d matrix with ld%s=%d", fn, strings.ToLower(name), n, need, rows, cols, strings.ToLower(name), ld)
	}
}

// scaleMatrix sets C = beta*C on an m×n matrix with row stride ldc. beta == 0
// stores zeros rather than multiplying so that NaN garbage does not survive.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else {
			Scale(beta, row)
		}
	}
}

// fitsCInt reports whether every value fits the 32-bit int of the LP64
// OpenBLAS interface; larger problems go to gonum rather than being truncated.
func fitsCInt(v ...int) bool {
	for _, x := range v {
		if x > math.MaxInt32 || x < math.MinInt32 {
			return false
		}
	}
	return true
}

func toTranspose(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// panicf formats only on the failure path, so the checks cost nothing and
// allocate nothing when the arguments are valid.
func panicf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
