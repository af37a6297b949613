// Package kmeans implements k-means clustering the way scikit-learn's
// KMeans (algorithm="lloyd") does it, and colour palettes built on it.
//
// Fit runs NInit independent clusterings and keeps the one with the lowest
// inertia (sum of squared distances of samples to their closest centroid).
// Each run starts from greedy k-means++ seeds — every new centroid is the
// best of 2+⌊ln k⌋ candidates drawn with probability proportional to the
// squared distance to the nearest centroid so far — then alternates Lloyd
// steps (assign each sample to its nearest centroid, move each centroid to
// its samples' mean) until the labels stop changing, the squared centroid
// movement drops to Tol × (mean per-feature variance), or MaxIter steps.
// An empty cluster takes the sample farthest from its centroid, as in
// scikit-learn. Like scikit-learn, the data are centred on their mean
// before clustering, which keeps the squared-norm expansion below accurate.
//
// # Tensor engine
//
// The assignment step dominates the cost. Squared distances are expanded as
// ‖x‖² − 2x·c + ‖c‖², so the n×k cross terms for a block of samples are one
// gorgonia.org/tensor MatMul of the block (rows×d) with the transposed
// centroids (d×k); ‖x‖² does not change the arg-min and is only added where
// true distances are needed. The same product scores the k-means++
// candidates. Input given as float32 (FitFloat32) is clustered in float32
// tensors, [][]float64 in float64; sums, centroids and inertia are always
// accumulated in float64. Keeping the bulk work in one matrix product per
// block is what lets a BLAS (for float32, cpu.UseWithTensor routes it to
// OpenBLAS) or a CUDA engine take it over without touching the algorithm.
//
// Runs are reproducible: all randomness comes from one math/rand/v2 PCG
// stream seeded with Seed.
package kmeans

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Default settings, those of scikit-learn's KMeans (n_init=10 as in
// scikit-learn before 1.4 made "auto" the default).
const (
	DefaultNInit   = 10
	DefaultMaxIter = 300
	DefaultTol     = 1e-4
)

// KMeans holds the settings and, after Fit, the fitted model. Create it
// with New, which fills in the defaults; the exported fields may be changed
// before Fit.
//
// The zero value is not ready to use: Fit refuses its K, NInit and MaxIter
// of 0, naming the field, rather than guessing, because a zero Tol (wait
// for stable labels) and a zero Seed are real settings that New's defaults
// would silently differ from.
type KMeans struct {
	K       int     // number of clusters, >= 1
	NInit   int     // independent k-means++ runs; the lowest inertia wins
	MaxIter int     // Lloyd iterations per run
	Tol     float64 // relative tolerance on squared centroid movement; 0 waits for stable labels
	Seed    uint64  // seeds k-means++; equal seeds give equal results

	nFeatures  int
	mean       []float64 // training mean, subtracted before clustering
	centroids  []float64 // K×nFeatures, centred coordinates
	labels     []int
	inertia    float64
	iterations int
	// restoredSizes are the cluster sizes of a model rebuilt by FromState,
	// which has no training labels to count.
	restoredSizes []int
}

// New returns a KMeans for k clusters with scikit-learn's defaults:
// NInit 10, MaxIter 300, Tol 1e-4, Seed 1.
func New(k int) *KMeans {
	return &KMeans{K: k, NInit: DefaultNInit, MaxIter: DefaultMaxIter, Tol: DefaultTol, Seed: 1}
}

// Fit clusters the rows of X (one sample per row, all rows the same
// length) in float64.
func (m *KMeans) Fit(X [][]float64) error {
	if len(X) == 0 {
		return errors.New("kmeans: Fit: empty input (no samples)")
	}
	d := len(X[0])
	flat := make([]float64, 0, len(X)*d)
	for i, row := range X {
		if len(row) != d {
			return fmt.Errorf("kmeans: Fit: row %d has %d values, row 0 has %d", i, len(row), d)
		}
		flat = append(flat, row...)
	}
	return fitFlat(m, flat, len(X), d)
}

// FitFloat32 clusters n samples of d features stored row-major in data
// (len n*d), in float32. Pixels and embeddings are usually float32; this
// avoids a float64 copy and halves the memory traffic of the assignment
// step.
func (m *KMeans) FitFloat32(data []float32, n, d int) error {
	if n < 0 || d < 0 || len(data) != n*d {
		return fmt.Errorf("kmeans: FitFloat32: %d values cannot be %d samples × %d features", len(data), n, d)
	}
	return fitFlat(m, data, n, d)
}

func (m *KMeans) checkSettings() error {
	switch {
	case m.K < 1:
		return fmt.Errorf("kmeans: K = %d; need at least 1 cluster", m.K)
	case m.NInit < 1:
		return fmt.Errorf("kmeans: NInit = %d; need at least 1 run (New sets %d)", m.NInit, DefaultNInit)
	case m.MaxIter < 1:
		return fmt.Errorf("kmeans: MaxIter = %d; need at least 1 iteration (New sets %d)", m.MaxIter, DefaultMaxIter)
	case m.Tol < 0 || math.IsNaN(m.Tol):
		return fmt.Errorf("kmeans: Tol = %v; must be >= 0", m.Tol)
	}
	return nil
}

func fitFlat[T float](m *KMeans, data []T, n, d int) error {
	if err := m.checkSettings(); err != nil {
		return err
	}
	if n == 0 {
		return errors.New("kmeans: Fit: empty input (no samples)")
	}
	if d == 0 {
		return errors.New("kmeans: Fit: samples have no features")
	}
	if err := checkFinite(data, d); err != nil {
		return err
	}
	if err := checkMagnitude(data, d); err != nil {
		return err
	}
	if distinct := countDistinct(data, d, m.K); distinct < m.K {
		return &TooFewPointsError{K: m.K, Distinct: distinct, Samples: n}
	}

	// Centre the data (float64 mean, then back to T).
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range data[i*d : (i+1)*d] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	x := make([]T, n*d)
	variance := 0.0
	for i := 0; i < n; i++ {
		for j, v := range data[i*d : (i+1)*d] {
			c := float64(v) - mean[j]
			x[i*d+j] = T(c)
			variance += c * c
		}
	}
	// scikit-learn's tolerance: tol × mean of the per-feature variances.
	tol := m.Tol * variance / float64(n) / float64(d)

	p := newProblem(x, n, d)
	rng := rand.New(rand.NewPCG(m.Seed, 0x656d626572)) // second word: "ember"
	var best *run
	for r := 0; r < m.NInit; r++ {
		seeds, err := p.kmeansPlusPlus(m.K, rng)
		if err != nil {
			return err
		}
		res, err := p.lloyd(seeds, m.K, m.MaxIter, tol)
		if err != nil {
			return err
		}
		if best == nil || res.inertia < best.inertia {
			best = res
		}
	}
	m.nFeatures, m.mean, m.restoredSizes = d, mean, nil
	m.centroids, m.labels, m.inertia, m.iterations = best.centroids, best.labels, best.inertia, best.iterations
	return nil
}

// checkFinite rejects NaN and ±Inf, naming the first one.
func checkFinite[T float](data []T, d int) error {
	for i, v := range data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("kmeans: sample %d, feature %d is %v; values must be finite", i/d, i%d, f)
		}
	}
	return nil
}

// MaxFeature and MaxFeature32 bound the magnitude of the features Fit and
// FitFloat32 accept: k-means sums squared distances, which overflow (to a
// meaningless clustering and an infinite inertia) long before the values
// themselves do. Features this large are in the wrong units.
const (
	MaxFeature   = 1e100
	MaxFeature32 = 1e15
)

// TooFewPointsError is Fit's error for data with fewer distinct points
// than K clusters (counted up to K).
type TooFewPointsError struct{ K, Distinct, Samples int }

func (e *TooFewPointsError) Error() string {
	points := "points"
	if e.Distinct == 1 {
		points = "point"
	}
	return fmt.Sprintf("kmeans: K = %d clusters but the data has only %d distinct %s (of %d samples)", e.K, e.Distinct, points, e.Samples)
}

// ErrTooLarge reports features beyond MaxFeature (MaxFeature32 in float32).
var ErrTooLarge = errors.New("features too large in magnitude: squared distances would overflow")

func checkMagnitude[T float](data []T, d int) error {
	limit := MaxFeature
	var probe T
	if _, ok := any(probe).(float32); ok {
		limit = MaxFeature32
	}
	for i, v := range data {
		if math.Abs(float64(v)) > limit {
			return fmt.Errorf("kmeans: %w: sample %d, feature %d is %g (the limit is %g); scale the features first", ErrTooLarge, i/d, i%d, float64(v), limit)
		}
	}
	return nil
}

// countDistinct counts distinct rows, stopping once it reaches limit (the
// only question is whether there are at least K).
func countDistinct[T float](data []T, d, limit int) int {
	seen := make(map[string]struct{}, limit)
	key := make([]byte, 0, 8*d)
	n := len(data) / d
	for i := 0; i < n && len(seen) < limit; i++ {
		key = key[:0]
		for _, v := range data[i*d : (i+1)*d] {
			f := float64(v)
			if f == 0 {
				f = 0 // -0 and +0 are the same point
			}
			b := math.Float64bits(f)
			key = append(key, byte(b), byte(b>>8), byte(b>>16), byte(b>>24), byte(b>>32), byte(b>>40), byte(b>>48), byte(b>>56))
		}
		seen[string(key)] = struct{}{}
	}
	return len(seen)
}

// ErrNotFitted is returned by Predict and State before a successful Fit
// (or FromState); match it with errors.Is.
var ErrNotFitted = errors.New("kmeans: model is not fitted; call Fit first")

func (m *KMeans) fitted() error {
	if m.centroids == nil {
		return ErrNotFitted
	}
	return nil
}

// Predict returns the index of the nearest centroid of each row of X, or
// ErrNotFitted before Fit.
func (m *KMeans) Predict(X [][]float64) ([]int, error) {
	if err := m.fitted(); err != nil {
		return nil, err
	}
	d := m.nFeatures
	x := make([]float64, 0, len(X)*d)
	for i, row := range X {
		if len(row) != d {
			return nil, fmt.Errorf("kmeans: Predict: row %d has %d values, the model has %d features", i, len(row), d)
		}
		for j, v := range row {
			x = append(x, v-m.mean[j])
		}
	}
	if err := checkFinite(x, d); err != nil {
		return nil, err
	}
	labels := make([]int, len(X))
	if len(X) == 0 {
		return labels, nil
	}
	if err := newProblem(x, len(X), d).assign(m.centroids, m.K, labels, nil, nil); err != nil {
		return nil, err
	}
	return labels, nil
}

// Labels returns the cluster index of each training sample.
func (m *KMeans) Labels() []int { return slices.Clone(m.labels) }

// Centroids returns the K cluster centres in input coordinates.
func (m *KMeans) Centroids() [][]float64 {
	if m.centroids == nil {
		return nil
	}
	d := m.nFeatures
	out := make([][]float64, m.K)
	for k := range out {
		out[k] = make([]float64, d)
		for j := range out[k] {
			out[k][j] = m.centroids[k*d+j] + m.mean[j]
		}
	}
	return out
}

// Inertia returns the sum of squared distances of the training samples to
// their centroids for the kept run.
func (m *KMeans) Inertia() float64 { return m.inertia }

// Iterations returns the number of Lloyd iterations of the kept run.
func (m *KMeans) Iterations() int { return m.iterations }

// Sizes returns the number of training samples in each cluster, or nil
// before a successful Fit (or FromState).
func (m *KMeans) Sizes() []int {
	if m.centroids == nil {
		return nil // nothing fitted: K clusters of 0 samples would be a lie
	}
	if m.labels == nil && m.restoredSizes != nil {
		return slices.Clone(m.restoredSizes)
	}
	sizes := make([]int, m.K)
	for _, l := range m.labels {
		sizes[l]++
	}
	return sizes
}

// NFeatures returns the number of features seen by Fit.
func (m *KMeans) NFeatures() int { return m.nFeatures }
