//go:build !embercuda && !cudaemu

package train

import (
	"fmt"

	"github.com/emberml/ember/cuda"
	"github.com/emberml/ember/graph"
)

// This build has no CUDA executor: a Trainer or Evaluator asked for a CUDA
// Device fails with cuda.ErrNotBuilt ("built without CUDA support (rebuild
// with -tags embercuda)"), so the types below never hold a program.

type cudaTrainer struct{}

type cudaEval struct{}

func newCUDATrainer(Model, Config, *Trainer) (*Trainer, error) {
	return nil, fmt.Errorf("train: %w", cuda.ErrNotBuilt)
}

func newCUDAEval(Device, *graph.Graph, *Net) (*evalProg, error) {
	return nil, fmt.Errorf("train: %w", cuda.ErrNotBuilt)
}

func (*cudaTrainer) step(Data, []int) (float64, int, error) { return 0, 0, cuda.ErrNotBuilt }
func (*cudaTrainer) syncHost() error                        { return cuda.ErrNotBuilt }
func (*cudaTrainer) syncDevice() error                      { return cuda.ErrNotBuilt }
func (*cudaTrainer) close() error                           { return nil }
func (*cudaEval) forward(*evalProg, int) (float64, error)   { return 0, cuda.ErrNotBuilt }
func (*cudaEval) close() error                              { return nil }
