package cudaexec

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

func init() {
	Register(graph.PackedLSTM{}, packedLSTMForward)
	Register(graph.PackedLSTMBackward{}, packedBackward(lstmBackward))
	Register(graph.PackedGRU{}, packedGRUForward)
	Register(graph.PackedGRUBackward{}, packedBackward(gruBackward))
}

// The packed recurrent ops run the dense ones' kernels over every step and
// row (the launches of a captured CUDA graph cannot follow each batch's
// lengths), after packed_mask_gate (cuda/kernels/packed.cu) has set one
// gate's pre-activation at every padding position to the infinity that
// makes the step keep an exact zero state there: the LSTM's input gate to
// −∞, the GRU's update gate to +∞. The hidden states of padding are then
// zeros, each sequence's first real step starts from the zero state, and
// the backward kernels, run unchanged, give padding exactly zero gate
// gradients: the CPU kernels' results, which skip that work instead.

// packedLengths takes the lengths input (index i, int32, one per row of
// x) off the step, leaving the dense op's inputs, and makes the program
// refuse, on upload, lengths the CPU kernels would refuse.
func packedLengths(s *Step, i int) (*Tensor, error) {
	lens := s.In[i]
	t, b := s.In[0].Shape[0], s.In[0].Shape[1]
	if lens.Dtype != tensor.Int32 || lens.Len() != b {
		return nil, fmt.Errorf("%w: lengths are %v%v", ErrUnsupported, lens.Dtype, lens.Shape)
	}
	s.CheckInput(i, func(buf *graph.Buf) error {
		for r, l := range buf.I32 {
			if l < 0 || int(l) > t {
				return fmt.Errorf("sequence length %d of row %d is outside [0, %d]", l, r, t)
			}
		}
		return nil
	})
	s.In = s.In[:i]
	return lens, nil
}

// maskGate returns the step that sets gate block gate (of gates) to value
// at the padding positions of pre-activations laid out T x B x gates*H.
func maskGate(lens *Tensor, t, b, h, gates, gate int, value float32) func(c *cuda.Context, pre cuda.Buffer) error {
	return func(c *cuda.Context, pre cuda.Buffer) error {
		return c.Kernels().PackedMaskGate(c.ElementwiseGrid(t*b*h), cuda.ElementwiseBlock, pre, lens.Buffer(),
			t, b, h, gates, gate, value)
	}
}

func packedLSTMForward(s *Step) (Launch, error) {
	lens, err := packedLengths(s, 5)
	if err != nil {
		return nil, err
	}
	t, b, h := s.In[0].Shape[0], s.In[0].Shape[1], s.In[2].Shape[1]
	return lstmForwardWith(s, maskGate(lens, t, b, h, 4, 0, float32(math.Inf(-1))))
}

func packedGRUForward(s *Step) (Launch, error) {
	lens, err := packedLengths(s, 5)
	if err != nil {
		return nil, err
	}
	t, b, h := s.In[0].Shape[0], s.In[0].Shape[1], s.In[2].Shape[1]
	return gruForwardWith(s, maskGate(lens, t, b, h, 3, 1, float32(math.Inf(1))))
}

// packedBackward is the dense op's backward kernel: the forward's masked
// gates already make the padding's gradients zero.
func packedBackward(dense KernelFunc) KernelFunc {
	return func(s *Step) (Launch, error) {
		if _, err := packedLengths(s, 5); err != nil {
			return nil, err
		}
		return dense(s)
	}
}
