//go:build !embercuda && !cudaemu

package train

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Without a profiling hook in the CUDA half, a CUDA trainer says it cannot
// profile instead of returning a CPU profile it did not record.
func TestProfilingWithoutHook(t *testing.T) {
	tr := &Trainer{cu: &cudaTrainer{}}
	require.ErrorIs(t, tr.SetProfiling(true), ErrNoProfiling)
	require.Empty(t, tr.Profile().Ops)
	tr.ResetProfile() // no panic
}
