package cpu

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

func TestTranspose(t *testing.T) {
	// 1000×200 and 4097×33: split over the cores (at least twice
	// transposeGrain elements), with ragged right and bottom edges. Each
	// shape is written packed (ld = rows) and with rows padded to
	// SmallRowLd's stride and to an odd one.
	for _, sh := range [][2]int{{1, 1}, {1, 7}, {5, 1}, {3, 5}, {16, 16}, {17, 33}, {32, 16}, {40, 23}, {1024, 256}, {256, 1024}, {48, 768}, {1000, 200}, {4097, 33}} {
		rows, cols := sh[0], sh[1]
		src := make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(i) + 0.5
		}
		// "blocks": transposeRows over ranges of 16 rows, as the split
		// parts run, in reverse; "busy": the split's workers held by
		// another caller, so Transpose runs whole here.
		for name, f := range map[string]func(dst []float32, ld int, src []float32, rows, cols int){
			"Transpose": Transpose,
			"go": func(dst []float32, ld int, src []float32, rows, cols int) {
				transposeGo(dst, ld, src, rows, cols, 0, rows)
			},
			"blocks": func(dst []float32, ld int, src []float32, rows, cols int) {
				for lo := (rows - 1) / 16 * 16; lo >= 0; lo -= 16 {
					transposeRows(dst, ld, src, rows, cols, lo, min(lo+16, rows))
				}
			},
			"busy": func(dst []float32, ld int, src []float32, rows, cols int) {
				splitParts()
				split.mu.Lock()
				defer split.mu.Unlock()
				Transpose(dst, ld, src, rows, cols)
			},
		} {
			for _, ld := range []int{rows, SmallRowLd(rows), rows + 3} {
				// Every element outside the matrix (padding and one past
				// the end) must stay untouched.
				dst := make([]float32, (cols-1)*ld+rows+1)
				for i := range dst {
					dst[i] = -1
				}
				f(dst, ld, src, rows, cols)
				for i, got := range dst {
					c, r := i/ld, i%ld
					want := float32(-1)
					if c < cols && r < rows {
						want = src[r*cols+c]
					}
					if got != want {
						t.Fatalf("%s %d×%d ld %d: dst[%d] (row %d, column %d) = %v, want %v", name, rows, cols, ld, i, c, r, got, want)
					}
				}
			}
		}
	}
}

func TestTransposePanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short dst")
		}
	}()
	Transpose(make([]float32, 5), 2, make([]float32, 6), 2, 3)
}

// TestTransposeEmpty: an empty matrix is no work, whatever the stride.
func TestTransposeEmpty(t *testing.T) {
	Transpose(nil, 0, nil, 0, 5)
	Transpose(nil, 0, nil, 0, 0)
	Transpose(nil, 4, nil, 4, 0)
}

func TestTransposePanicsOnShortStride(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for ldDst < rows")
		}
	}()
	Transpose(make([]float32, 6), 1, make([]float32, 6), 2, 3)
}

// BenchmarkTranspose times the LSTM layer's recurrent weights (4H×H, H 256)
// and the GRU's (3H×H), into rows packed and SmallRowLd apart.
func BenchmarkTranspose(b *testing.B) {
	for _, sh := range [][2]int{{1024, 256}, {768, 256}} {
		rows, cols := sh[0], sh[1]
		src := make([]float32, rows*cols)
		for _, ld := range []int{rows, SmallRowLd(rows)} {
			dst := make([]float32, cols*ld)
			b.Run(fmt.Sprintf("%dx%d/ld%d", rows, cols, ld), func(b *testing.B) {
				b.SetBytes(int64(8 * len(src)))
				for b.Loop() {
					Transpose(dst, ld, src, rows, cols)
				}
			})
			b.Run(fmt.Sprintf("%dx%d/ld%d/go", rows, cols, ld), func(b *testing.B) {
				b.SetBytes(int64(8 * len(src)))
				for b.Loop() {
					transposeGo(dst, ld, src, rows, cols, 0, rows)
				}
			})
		}
	}
}

// TestSmallTransposeStartsNothing: in a fresh process, a transpose too
// small to split starts no workers and chooses no GEMM backend (a program
// that never multiplies on the CPU loads no OpenBLAS), and a large one
// starts them.
func TestSmallTransposeStartsNothing(t *testing.T) {
	if os.Getenv("EMBER_TRANSPOSE_CHILD") == "1" {
		Transpose(make([]float32, 64*64), 64, make([]float32, 64*64), 64, 64)
		if split.workers != nil || active != (backend{}) {
			t.Fatal("a 64×64 transpose started the workers or chose a backend")
		}
		Transpose(make([]float32, 1024*256), 1024, make([]float32, 1024*256), 1024, 256)
		if runtime.GOMAXPROCS(0) > 1 && split.workers == nil {
			t.Fatal("a 1024×256 transpose did not start the workers")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSmallTransposeStartsNothing$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EMBER_TRANSPOSE_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the child process failed: %v\n%s", err, out)
	}
}
