package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Param is a trainable tensor. Its Value lives outside any graph, so the
// same parameters serve graphs of different batch sizes (one per shape) and
// survive rebuilding; executors bind Value in place, without copying.
type Param struct {
	Name  string
	Value *Buf
}

// NewParam makes a zeroed parameter.
func NewParam(name string, dt tensor.Dtype, shape ...int) *Param {
	return &Param{Name: name, Value: NewBuf(dt, shape...)}
}

// Shape is the parameter's shape.
func (p *Param) Shape() tensor.Shape { return p.Value.Shape }

// InitUniform fills the parameter with U(-bound, bound) from rng (PyTorch's
// default for linear and recurrent layers uses bound = 1/sqrt(fan)).
func (p *Param) InitUniform(rng *rand.Rand, bound float64) {
	for i := 0; i < p.Value.Len(); i++ {
		p.Value.Set(i, (2*rng.Float64()-1)*bound)
	}
}

// InitNormal fills the parameter with N(0, std²) from rng.
func (p *Param) InitNormal(rng *rand.Rand, std float64) {
	for i := 0; i < p.Value.Len(); i++ {
		p.Value.Set(i, rng.NormFloat64()*std)
	}
}

// CheckFinite returns an error naming the parameter and the first
// non-finite element, if any.
func (p *Param) CheckFinite() error {
	for i := 0; i < p.Value.Len(); i++ {
		if v := p.Value.At(i); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("parameter %s: element %d is %v", p.Name, i, v)
		}
	}
	return nil
}
