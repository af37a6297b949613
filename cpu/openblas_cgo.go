//go:build cgo && linux

package cpu

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

// OpenBLAS is opened with dlopen so the build needs only libc headers and no
// OpenBLAS at link time; the cblas prototypes are therefore declared here.
// The enums are the CBLAS values, passed as int as the C ABI does for enums.
enum { EMBER_ROW_MAJOR = 101, EMBER_NO_TRANS = 111, EMBER_TRANS = 112 };

typedef void (*ember_sgemm_fn)(int order, int transA, int transB, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc);
typedef void (*ember_sgemv_fn)(int order, int trans, int m, int n,
	float alpha, const float *a, int lda, const float *x, int incX,
	float beta, float *y, int incY);
typedef void (*ember_set_threads_fn)(int);
typedef int (*ember_get_threads_fn)(void);
typedef char *(*ember_get_str_fn)(void);

static ember_sgemm_fn ember_sgemm_p;
static ember_sgemv_fn ember_sgemv_p;
static ember_set_threads_fn ember_set_threads_p;
static ember_get_threads_fn ember_get_threads_p;
static ember_get_str_fn ember_corename_p;

// ember_open loads name and resolves the symbols Ember uses. It returns NULL
// on success; otherwise an error message (from dlerror, or static text). The
// function pointers are published only when every required symbol resolved,
// so a failed attempt leaves an earlier successful load intact.
static const char *ember_open(const char *name) {
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *e = dlerror();
		return e != NULL ? e : "dlopen failed";
	}
	ember_sgemm_fn gemm = (ember_sgemm_fn)dlsym(h, "cblas_sgemm");
	ember_sgemv_fn gemv = (ember_sgemv_fn)dlsym(h, "cblas_sgemv");
	ember_set_threads_fn set = (ember_set_threads_fn)dlsym(h, "openblas_set_num_threads");
	ember_get_threads_fn get = (ember_get_threads_fn)dlsym(h, "openblas_get_num_threads");
	if (gemm == NULL || gemv == NULL || set == NULL || get == NULL) {
		dlclose(h);
		return "missing cblas_sgemm, cblas_sgemv or openblas_{set,get}_num_threads";
	}
	ember_sgemm_p = gemm;
	ember_sgemv_p = gemv;
	ember_set_threads_p = set;
	ember_get_threads_p = get;
	ember_corename_p = (ember_get_str_fn)dlsym(h, "openblas_get_corename"); // optional
	return NULL;
}

static void ember_sgemm(int transA, int transB, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc) {
	ember_sgemm_p(EMBER_ROW_MAJOR, transA ? EMBER_TRANS : EMBER_NO_TRANS,
		transB ? EMBER_TRANS : EMBER_NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void ember_sgemv(int trans, int m, int n, float alpha, const float *a, int lda,
	const float *x, int incX, float beta, float *y, int incY) {
	ember_sgemv_p(EMBER_ROW_MAJOR, trans ? EMBER_TRANS : EMBER_NO_TRANS,
		m, n, alpha, a, lda, x, incX, beta, y, incY);
}

static void ember_set_threads(int n) { ember_set_threads_p(n); }
static int ember_get_threads(void) { return ember_get_threads_p(); }
static const char *ember_corename(void) {
	return ember_corename_p != NULL ? ember_corename_p() : NULL;
}
*/
import "C"

import (
	"errors"
	"os"
	"strings"
	"unsafe"
)

// loadOpenBLAS tries each soname in turn and returns the first that provides
// the cblas symbols, or an error listing why each one failed.
func loadOpenBLAS(names []string) (string, error) {
	chooseOpenBLASKernels()
	var why []string
	for _, name := range names {
		cname := C.CString(name)
		msg := C.ember_open(cname)
		C.free(unsafe.Pointer(cname))
		if msg == nil {
			return name, nil
		}
		m := C.GoString(msg)
		if !strings.HasPrefix(m, name) { // dlerror already names the file
			m = name + ": " + m
		}
		why = append(why, m)
	}
	return "", errors.New("OpenBLAS not loaded: " + strings.Join(why, "; "))
}

// chooseOpenBLASKernels names the OpenBLAS kernels for the CPU's widest vector
// extensions (AVX-512 with BF16: Cooperlake; AVX-512: SkylakeX; AVX2 and
// FMA: Haswell) in OPENBLAS_CORETYPE, unless the user has set it. A
// DYNAMIC_ARCH OpenBLAS picks its kernels by CPU model when it loads, and
// one older than the CPU picks badly: Debian's 0.3.21 runs its SSE3
// (Prescott) kernels on Intel's Emerald Rapids (family 6, model 207), 4x
// slower at sgemm than Cooperlake's, and its AVX2 (Haswell) kernels on AMD
// Zen 4/5, which made the spam model's step 1.2-1.6x slower
// (benchmarks/RESULTS.md). For CPUs it knows it picks these same kernels.
// It must run before OpenBLAS is loaded; processes started afterwards (the
// PyTorch side of the benchmarks) inherit the setting.
func chooseOpenBLASKernels() {
	if os.Getenv("OPENBLAS_CORETYPE") != "" {
		return
	}
	if c := x86CoreType(); c != "" {
		os.Setenv("OPENBLAS_CORETYPE", c)
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// openblasSgemm calls cblas_sgemm. The caller has validated the arguments
// and ensured m, n, k > 0, so indexing element 0 is safe. Passing pointers to
// the slices' elements is allowed by the cgo rules: float32 data holds no Go
// pointers, and OpenBLAS does not retain them after returning.
func openblasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	C.ember_sgemm(cbool(transA), cbool(transB), C.int(m), C.int(n), C.int(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}

// openblasSgemv calls cblas_sgemv; sgemv has checked the arguments.
func openblasSgemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	C.ember_sgemv(cbool(trans), C.int(m), C.int(n), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&x[0])), C.int(incX),
		C.float(beta), (*C.float)(unsafe.Pointer(&y[0])), C.int(incY))
}

func openblasSetThreads(n int) { C.ember_set_threads(C.int(n)) }

func openblasThreads() int { return int(C.ember_get_threads()) }

func openblasCore() string {
	if s := C.ember_corename(); s != nil {
		return strings.TrimSpace(C.GoString(s))
	}
	return ""
}
