package graph

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/gorgonia"
)

// TestRegisterCPUKernelRefusesNil: a nil op or kernel maker panics at
// registration, naming it, instead of a nil dereference when a program is
// planned; the op's type stays unregistered.
func TestRegisterCPUKernelRefusesNil(t *testing.T) {
	require.PanicsWithValue(t, "graph: RegisterCPUKernel(graph.cubeGrad): nil kernel maker", func() {
		RegisterCPUKernel(cubeGrad{}, nil)
	})
	_, ok := cpuKernels.Lookup(cubeGrad{})
	require.False(t, ok)
	require.PanicsWithValue(t, "graph: cpu registry: Register with a nil op", func() {
		RegisterCPUKernel(nil, func(gorgonia.Op) CPUKernel { return nil })
	})
}
