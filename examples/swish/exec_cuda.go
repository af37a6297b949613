package swish

//go:generate go run github.com/emberml/ember/cmd/kernelgen -module swish -emu-include ../../cuda

import (
	_ "embed"
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/cudaexec"
	"github.com/emberml/ember/graph"
)

// The CUDA kernels, registered with the CUDA backend: each loads the
// package's module (kernels/swish.ptx, embedded) on the step's Context
// once, and launches it through the typed launchers kernelgen generated
// from kernels/swish.cu (kernels_gen.go).

//go:embed kernels/swish.ptx
var ptx []byte

func init() {
	cudaexec.Register(Swish{}, forwardCUDA)
	cudaexec.Register(SwishGrad{}, backwardCUDA)
}

// module is the package's kernels on c, loaded once per Context.
func module(c *cuda.Context) (kernels, error) {
	m, err := c.Module(swishModule, ptx, swishKernelNames)
	return kernels{m}, err
}

func forwardCUDA(s *cudaexec.Step) (cudaexec.Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	k, err := module(s.Context())
	if err != nil {
		return nil, err
	}
	x, y := s.In[0], s.Out
	n := y.Len()
	return func(c *cuda.Context) error {
		if x.Buffer().Len() < n {
			return fmt.Errorf("swish: input holds %d elements, output %d", x.Buffer().Len(), n)
		}
		return k.SwishFwd(c.ElementwiseGrid(n), cuda.ElementwiseBlock, y.Buffer(), x.Buffer(), n)
	}, nil
}

func backwardCUDA(s *cudaexec.Step) (cudaexec.Launch, error) {
	if err := s.CheckFloat32(); err != nil {
		return nil, err
	}
	k, err := module(s.Context())
	if err != nil {
		return nil, err
	}
	x, dy, dx := s.In[0], s.In[1], s.Out
	n := dx.Len()
	return func(c *cuda.Context) error {
		return k.SwishBwd(c.ElementwiseGrid(n), cuda.ElementwiseBlock, dx.Buffer(), x.Buffer(), dy.Buffer(), n)
	}, nil
}

var _ graph.CPUOp = Swish{}
