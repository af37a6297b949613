package kmeans_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/emberml/ember/models/kmeans"
)

// Group points into three clusters, read the centres, the cluster sizes
// and the inertia, and assign new points to the nearest centre. On blobs
// this well apart every k-means++ start ends at the same centres, and
// scikit-learn's KMeans(n_clusters=3, n_init=10) finds them and the same
// inertia, to the digits printed (its cluster numbering may differ: the
// numbers are names, not an order).
func Example() {
	// 150 generated points, 50 scattered uniformly within ±1 of each of
	// three centres.
	centres := [][]float64{{0, 0}, {6, 1}, {3, 7}}
	rng := rand.New(rand.NewPCG(3, 5))
	var X [][]float64
	for i := range 150 {
		c := centres[i%3]
		X = append(X, []float64{c[0] + 2*rng.Float64() - 1, c[1] + 2*rng.Float64() - 1})
	}

	m := kmeans.New(3) // scikit-learn's defaults: 10 k-means++ runs, MaxIter 300, Tol 1e-4; Seed 1
	if err := m.Fit(X); err != nil {
		fmt.Println(err)
		return
	}
	sizes := m.Sizes()
	for k, c := range m.Centroids() {
		fmt.Printf("cluster %d: centre (%.2f, %.2f), %d points\n", k, c[0], c[1], sizes[k])
	}
	fmt.Printf("inertia %.2f\n", m.Inertia())

	newPoints := [][]float64{{0.5, -0.5}, {5, 2}, {3, 6}}
	labels, err := m.Predict(newPoints)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range newPoints {
		fmt.Printf("%v is in cluster %d\n", p, labels[i])
	}
	// Output:
	// cluster 0: centre (3.15, 7.14), 50 points
	// cluster 1: centre (0.10, -0.17), 50 points
	// cluster 2: centre (5.91, 1.03), 50 points
	// inertia 96.68
	// [0.5 -0.5] is in cluster 1
	// [5 2] is in cluster 2
	// [3 6] is in cluster 0
}
