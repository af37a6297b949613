package layers

import (
	"gorgonia.org/gorgonia"

	"github.com/emberml/ember/graph"
)

// BCELoss is the mean binary cross-entropy of probabilities p against
// targets y of the same shape (log clamped at −100, as PyTorch).
func BCELoss(p, y *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.BCE{Dims: p.Dims()}, p, y)
}

// BCEWithLogitsLoss is BCELoss(sigmoid(z), y), computed stably from logits.
func BCEWithLogitsLoss(z, y *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.BCEWithLogits{Dims: z.Dims()}, z, y)
}

// SoftmaxCrossEntropyLoss is the mean cross-entropy of logits (N, C)
// against int32 class indices (N).
func SoftmaxCrossEntropyLoss(logits, targets *gorgonia.Node) *gorgonia.Node {
	return graph.Use(graph.SoftmaxCrossEntropy{}, logits, targets)
}
