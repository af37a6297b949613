package gbt

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// xgbSketchFixture is testdata/xgb_sketch.json (make_xgb_sketch.py).
type xgbSketchFixture struct {
	Rows  int `json:"rows"`
	Cases []struct {
		Column     string   `json:"column"`
		Weighted   bool     `json:"weighted"`
		MaxBin     int      `json:"max_bin"`
		Thresholds []uint32 `json:"thresholds"` // float32 bits
	} `json:"cases"`
	Sort   []int `json:"sort"`
	Parity struct {
		Every   int                   `json:"every"`
		Margins []float64             `json:"margins"`
		Trees   map[string][][3]int64 `json:"trees"` // feature, threshold bits, default left
	} `json:"parity"`
	Softprob    softprobFixture `json:"softprob"`
	SoftprobCat softprobFixture `json:"softprob_cat"`
}

// softprobFixture is a multi:softprob fit's XGBoost margins.
type softprobFixture struct {
	Stream      uint64      `json:"stream"` // label stream; 0: 57
	Categorical []int       `json:"categorical"`
	Every       int         `json:"every"`
	Rounds      int         `json:"rounds"`
	Margins     [][]float64 `json:"margins"` // k per kept row
}

func readSketchFixture(t *testing.T) xgbSketchFixture {
	t.Helper()
	var fx xgbSketchFixture
	readJSONFixture(t, "testdata/xgb_sketch.json", &fx)
	return fx
}

// sketchHash is make_xgb_sketch.py's h: splitmix64 of (stream, row).
func sketchHash(stream, row uint64) uint64 {
	x := stream<<32 | row
	x += 0x9E3779B97F4A7C15
	z := (x ^ x>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

var sketchColumns = []string{"uniform", "skewed", "repeats", "negative"}

// sketchColumn is make_xgb_sketch.py's column: n float32 values, NaN
// missing.
func sketchColumn(name string, n int) []float32 {
	s := uint64(slices.Index(sketchColumns, name) + 1)
	x := make([]float32, n)
	for i := range x {
		v := sketchHash(s, uint64(i))
		switch name {
		case "uniform":
			x[i] = float32(int64(v%(1<<20))-1<<19) / 64
		case "skewed":
			k := int64(v % 1000)
			x[i] = float32(k*k) / 8
		case "repeats":
			x[i] = float32(v % 300)
		case "negative":
			x[i] = -float32(1+v%5000) / 4
		}
		if sketchHash(10+s, uint64(i))%20 == 0 {
			x[i] = float32(math.NaN())
		}
	}
	return x
}

// sketchWeights is make_xgb_sketch.py's weights.
func sketchWeights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		v := sketchHash(20, uint64(i))
		w[i] = float64(float32(v%(1<<24)) / (1 << 23))
		if v>>32%50 == 0 {
			w[i] = 0
		}
	}
	return w
}

func sketchLabels(n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = float64(float32(sketchHash(30, uint64(i))%(1<<16)) / (1 << 16))
	}
	return y
}

// sketchSoftprobLabels is make_xgb_sketch.py's softprob_labels of label
// stream stream: 4 classes, 60% of the rows class repeats/100 (0 for a
// missing value), the others r%3 of their hash r%100, but class 3 where
// r >= 98.
func sketchSoftprobLabels(n int, stream uint64) []float64 {
	rep := sketchColumn("repeats", n)
	y := make([]float64, n)
	for i := range y {
		r := sketchHash(stream, uint64(i)) % 100
		switch {
		case r >= 98:
			y[i] = 3
		case r >= 60:
			y[i] = float64(r % 3)
		case !isNaN32(rep[i]):
			y[i] = math.Floor(float64(rep[i]) / 100)
		}
	}
	return y
}

// TestXGBoostBinningCuts: on continuous columns (up to 20,000 distinct
// values, heavy ties, all negative; 5% missing; unweighted and weighted
// with 24-bit weights, some 0) and max_bin 255, 32, 7 and 2, the cuts of
// BinningXGBoost are XGBoost 1.7.4's bit for bit: the thresholds of an
// unbounded XGBoost tree on the column (make_xgb_sketch.py) are exactly
// the cuts, plus the minimum value or last cut where a split sent every
// value one way (every case has one at the last cut). Threads 1 and 3
// agree. scikit-learn's binning, the
// default, does not give those cuts.
func TestXGBoostBinningCuts(t *testing.T) {
	fx := readSketchFixture(t)
	w := sketchWeights(fx.Rows)
	for _, tc := range fx.Cases {
		X := tabular.NewMatrix(fx.Rows, 1)
		copy(X.Data, sketchColumn(tc.Column, fx.Rows))
		var cw []float64
		if tc.Weighted {
			cw = w
		}
		bm := newXGBBinMapper(X, cw, tc.MaxBin, 1, nil)
		require.Equal(t, bm, newXGBBinMapper(X, cw, tc.MaxBin, 3, nil), "threads 3 against 1")
		want := map[float32]bool{}
		for _, b := range tc.Thresholds {
			want[math.Float32frombits(b)] = true
		}
		lo, hi := bm.splitBounds(0)
		require.True(t, want[hi], "%s weighted %v max_bin %d: the last cut %v is no XGBoost threshold", tc.Column, tc.Weighted, tc.MaxBin, hi)
		delete(want, lo)
		delete(want, hi)
		got := map[float32]bool{}
		for _, c := range bm.cuts[0] {
			got[c] = true
		}
		require.Equal(t, want, got, "%s weighted %v max_bin %d: XGBoost's thresholds, less the bounds, against the cuts", tc.Column, tc.Weighted, tc.MaxBin)
		require.Len(t, bm.cuts[0], len(got))
		require.LessOrEqual(t, len(bm.cuts[0]), tc.MaxBin-1)
		require.True(t, slices.IsSorted(bm.cuts[0]))

		sk := newBinMapper(X, tc.MaxBin, 0, 1, nil)
		if tc.MaxBin > 2 {
			require.NotEqual(t, bm.cuts[0], sk.cuts[0], "%s: scikit-learn's cuts", tc.Column)
		}
	}
}

// TestXGBSortIsLibstdcxx: xgbSort leaves values of many ties in the order
// libstdc++'s std::sort does (make_xgb_sketch.py compiles one with g++),
// the order XGBoost's sketch sums equal values' weights in.
func TestXGBSortIsLibstdcxx(t *testing.T) {
	fx := readSketchFixture(t)
	q := make([]qEntry, len(fx.Sort))
	for i := range q {
		// weight carries the index along.
		q[i] = qEntry{value: float32(sketchHash(40, uint64(i)) % 20), weight: float32(i)}
	}
	xgbSort(q)
	got := make([]int, len(q))
	for i, e := range q {
		got[i] = int(e.weight)
	}
	require.Equal(t, fx.Sort, got)
	// The heapsort fallback sorts too (too deep a quicksort is rare).
	h := []qEntry{{3, 0}, {1, 1}, {4, 2}, {1, 3}, {5, 4}, {9, 5}, {2, 6}, {6, 7}}
	heapSort(h)
	require.True(t, slices.IsSortedFunc(h, func(a, b qEntry) int { return cmp.Compare(a.value, b.value) }))
}

// TestXGBoostBinningFitMatchesXGBoost: on four continuous columns with
// missing values and weights (make_xgb_sketch.py's parity fit: squared
// error, depth 6, 20 rounds, max_bin 255), Ember with BinningXGBoost
// gives XGBoost's margins (all 20 trees; every 67th row kept) and, in
// trees 6 to 8, XGBoost's splits, thresholds and default directions too:
// BinningXGBoost scans splits in XGBoost's order, which picks among
// thresholds of equal gain and sets the default direction of a node
// without missing values as XGBoost does. With the default binning the
// margins are not XGBoost's.
func TestXGBoostBinningFitMatchesXGBoost(t *testing.T) {
	fx := readSketchFixture(t)
	n := fx.Rows
	X := tabular.NewMatrix(n, len(sketchColumns))
	for j, c := range sketchColumns {
		for i, v := range sketchColumn(c, n) {
			X.Data[i*X.Cols+j] = v
		}
	}
	y, w := sketchLabels(n), sketchWeights(n)
	worst := map[Binning]float64{}
	for _, b := range []Binning{BinningXGBoost, ""} {
		m := NewRegressor()
		m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Binning = 20, 6, 0.3, 1, b
		require.NoError(t, m.FitWeighted(X, y, w, nil))
		got, err := m.Margins(X)
		require.NoError(t, err)
		for k, want := range fx.Parity.Margins {
			worst[b] = max(worst[b], math.Abs(got[k*fx.Parity.Every]-want))
		}
		if b == BinningXGBoost {
			for key, want := range fx.Parity.Trees {
				tree, err := strconv.Atoi(key)
				require.NoError(t, err)
				require.Equal(t, want, bfsSplits(m.Ensemble(), tree), "tree %d's splits", tree)
			}
		}
	}
	t.Logf("largest |margin difference| from XGBoost: xgboost binning %.3g, sklearn %.3g", worst[BinningXGBoost], worst[""])
	require.Less(t, worst[BinningXGBoost], 1e-5)
	require.Greater(t, worst[""], 1e-3)
}

// TestXGBoostBinningSoftprobTies: a multi:softprob fit with
// BinningXGBoost from base_score 0.5 (make_xgb_sketch.py's "softprob":
// 4 classes, one rare and unrelated to the features, 15 rounds of depth 4)
// gives XGBoost 1.7's margins, though the rare class's trees split where
// XGBoost's float32 gains tie and float64 ones differ (a threshold's two
// directions for the missing values): the first scanned must win, as in
// XGBoost, which takes float32 gains (bestNumericXGB) of XGBoost's own
// gradient sums (softmax32, float32 margins and leaves). float64 gains, or
// float32 gains of float64 gradients, break ties the other way and move
// margins by 1e-2 or more.
func TestXGBoostBinningSoftprobTies(t *testing.T) {
	fx := readSketchFixture(t)
	checkSoftprobFixture(t, fx.Rows, fx.Softprob)
}

// TestXGBoostBinningSoftprobCategoricalTies: the same fit with two
// categorical columns more (make_xgb_sketch.py's "softprob_cat": 12
// categories, split by partitions, and 3, split one-hot) on a label
// stream where a categorical split's float32 gains tie and float64 ones
// do not gives XGBoost 1.7's margins: under XGBoost's scan categorical
// gains are float32 too (bestCatSplit), as in its EnumerateOneHot and
// EnumeratePart. float64 ones put the margins 1e-3 off.
func TestXGBoostBinningSoftprobCategoricalTies(t *testing.T) {
	fx := readSketchFixture(t)
	checkSoftprobFixture(t, fx.Rows, fx.SoftprobCat)
}

// checkSoftprobFixture fits sp's multi:softprob model of n rows with
// BinningXGBoost from base_score 0.5 and checks its margins are
// XGBoost's within 1e-5.
func checkSoftprobFixture(t *testing.T, n int, sp softprobFixture) {
	t.Helper()
	const k = 4
	stream := sp.Stream
	if stream == 0 {
		stream = 57
	}
	X := sketchSoftprobX(n, sp.Categorical != nil)
	m := New()
	m.Objective, m.NumClass, m.Binning, m.BaseScore = MultiSoftprob, k, BinningXGBoost, new(0.5)
	m.NumTrees, m.MaxDepth, m.LearningRate, m.L2, m.MinChildWeight = sp.Rounds, 4, 0.1, 1, 1
	m.Categorical = sp.Categorical
	require.NoError(t, m.Fit(X, sketchSoftprobLabels(n, stream), nil))
	got, err := m.Margins(X)
	require.NoError(t, err)
	require.Len(t, sp.Margins, (n+sp.Every-1)/sp.Every)
	worst := 0.0
	for r, want := range sp.Margins {
		require.Len(t, want, k)
		for c, v := range want {
			worst = max(worst, math.Abs(got[r*sp.Every*k+c]-v))
		}
	}
	t.Logf("largest |margin difference| from XGBoost %.3g", worst)
	require.Less(t, worst, 1e-5)
}

// bfsSplits is tree's inner nodes, breadth first, as make_xgb_sketch.py's
// bfs_splits lists XGBoost's.
func bfsSplits(e *Ensemble, tree int) [][3]int64 {
	var out [][3]int64
	for queue := []int32{e.roots[tree]}; len(queue) > 0; queue = queue[1:] {
		nd := e.nodes[queue[0]]
		if nd.Feature < 0 {
			continue
		}
		dl := int64(0)
		if nd.Default == 0 {
			dl = 1
		}
		out = append(out, [3]int64{int64(nd.Feature), int64(math.Float32bits(nd.Threshold)), dl})
		queue = append(queue, nd.Left, nd.Left+1)
	}
	return out
}

// TestBinningOption: an unknown Binning is refused before any work, and
// the default is left "" (a saved model records no binning).
func TestBinningOption(t *testing.T) {
	X := tabular.NewMatrix(4, 1)
	copy(X.Data, []float32{1, 2, 3, 4})
	y := []float64{0, 1, 0, 1}
	m := New()
	m.Binning = "lightgbm"
	err := m.Fit(X, y, nil)
	require.ErrorContains(t, err, `unknown Binning "lightgbm"`)
	m = New()
	require.NoError(t, m.Fit(X, y, nil))
	require.Equal(t, Binning(""), m.Binning)
}

// sketchCatColumns are make_xgb_sketch.py's cat_columns: repeats/25
// (12 categories, partition splits; missing where repeats is and 5% more)
// and a hash's 3 categories (one-hot splits; 5% missing).
func sketchCatColumns(n int) (part, onehot []float32) {
	rep := sketchColumn("repeats", n)
	part, onehot = make([]float32, n), make([]float32, n)
	for i := range part {
		part[i] = float32(math.Floor(float64(rep[i]) / 25))
		if sketchHash(16, uint64(i))%20 == 0 {
			part[i] = float32(math.NaN())
		}
		onehot[i] = float32(sketchHash(17, uint64(i)) % 3)
		if sketchHash(18, uint64(i))%20 == 0 {
			onehot[i] = float32(math.NaN())
		}
	}
	return part, onehot
}

// sketchSoftprobX is the softprob fits' rows: the four columns and, with
// cat, sketchCatColumns.
func sketchSoftprobX(n int, cat bool) *tabular.Matrix {
	cols := make([][]float32, 0, 6)
	for _, c := range sketchColumns {
		cols = append(cols, sketchColumn(c, n))
	}
	if cat {
		a, b := sketchCatColumns(n)
		cols = append(cols, a, b)
	}
	X := tabular.NewMatrix(n, len(cols))
	for j, col := range cols {
		for i, v := range col {
			X.Data[i*X.Cols+j] = v
		}
	}
	return X
}
