package cuda

import (
	"fmt"
	"testing"
)

// TestEmbeddingOrder: the host grouping of a batch's positions by id.
func TestEmbeddingOrder(t *testing.T) {
	const B, T, V = 2, 3, 5
	ids := []int32{ // b-major: ids[b*T + t]
		3, 1, 3,
		-1, 3, 7,
	}
	order := make([]uint32, EmbeddingOrderLen(B, T))
	EmbeddingOrder(order, ids, B, T, V, make([]int32, V+2))
	// Positions t*B + b: id 1 at 2 (t1 b0); id 3 at 0 (t0 b0), 3 (t1 b1), 4 (t2 b0);
	// out of range (-1, 7) at 1 (t0 b1), 5 (t2 b1).
	want := []uint32{3, 2, 0, 3, 4, 1, 5, 0, 1, 4, 6, 0, 0, 0}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	counts := make([]int32, V+2)
	if n := testing.AllocsPerRun(10, func() { EmbeddingOrder(order, ids, B, T, V, counts) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
