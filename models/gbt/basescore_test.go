package gbt

import (
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// TestBaseScoreMatchesXGBoost: fitted with BaseScore, as XGBoost 1.7's hist
// fits with base_score (testdata/make_xgb_basescore.py: binary:logistic
// from 0.3 and, weighted, from XGBoost's default 0.5; binary:logitraw from
// the margin −1; reg:squarederror from 0; count:poisson from 2;
// multi:softprob from 0.5 and, weighted, 1.5; BinningXGBoost, 6 rounds of
// depth 3), a fit starts from XGBoost's margin to the bit (its
// ProbToMargin of base_score) and every training row gets XGBoost's
// margins. Ember's own estimate starts each elsewhere, so the fixture
// tells the two apart. Save and Load keep BaseScore.
func TestBaseScoreMatchesXGBoost(t *testing.T) {
	f := readFitFixture(t, "testdata/basescore_fit.csv")
	X, cols := f.X, f.cols
	var meta map[string]struct {
		Objective  Objective `json:"objective"`
		Label      string    `json:"label"`
		Weighted   bool      `json:"weighted"`
		BaseScore  float64   `json:"base_score"`
		BaseMargin float64   `json:"base_margin"`
	}
	readJSONFixture(t, "testdata/basescore_meta.json", &meta)
	require.Len(t, meta, 7)
	for name, tc := range meta {
		t.Run(name, func(t *testing.T) {
			y := cols["y_"+tc.Label]
			var w []float64
			if tc.Weighted {
				w = cols["w"]
			}
			k := 1
			if tc.Objective == MultiSoftprob {
				k = 3
			}
			want := f.margins(t, name, k)
			fit := func(baseScore *float64) *Model {
				m := New()
				m.Objective, m.Binning, m.BaseScore = tc.Objective, BinningXGBoost, baseScore
				m.NumTrees, m.MaxDepth, m.LearningRate, m.MinChildWeight, m.Threads = 6, 3, 0.3, 1, 2
				require.NoError(t, m.FitWeighted(X, y, w, nil))
				return m
			}
			m := fit(new(tc.BaseScore))
			require.Equal(t, tc.BaseScore, *m.BaseScore, "Fit leaves BaseScore as it is")
			for c := range k {
				require.Equal(t, float32(tc.BaseMargin), m.Ensemble().ClassBase(c), "class %d's start: XGBoost's ProbToMargin(%v)", c, tc.BaseScore)
			}
			start, err := tc.Objective.BaseMargin(tc.BaseScore)
			require.NoError(t, err)
			require.Equal(t, float32(tc.BaseMargin), start)
			got, err := m.Margins(X)
			require.NoError(t, err)
			requireMarginsNear(t, got, want, 1e-5, name)

			// Ember's estimate is another start, so the fixture would
			// catch a BaseScore left unused.
			est := fit(nil)
			require.Nil(t, est.BaseScore)
			require.NotEqual(t, float32(tc.BaseMargin), est.Ensemble().ClassBase(k-1), "the estimate starts where base_score does")

			path := filepath.Join(t.TempDir(), "m.ember")
			require.NoError(t, Save(path, &Saved{Model: m}))
			s, err := Load(path)
			require.NoError(t, err)
			require.NotNil(t, s.Model.BaseScore)
			require.Equal(t, tc.BaseScore, *s.Model.BaseScore)
			again, err := s.Model.Margins(X)
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
	}
}

// TestBaseScoreRefused: a base_score the objective cannot start from is
// refused by BaseMargin (a *BaseScoreError) and by Fit before any work,
// each naming the value and why; the values the objectives take, 0 for
// an identity objective included, are not. A saved model holds no
// setting Load would refuse.
func TestBaseScoreRefused(t *testing.T) {
	for _, tc := range []struct {
		obj  Objective
		v    float64
		want string
	}{
		{BinaryLogistic, 0, "0 is not a probability in (0, 1), which binary:logistic needs: its starting margin is the log-odds"},
		{BinaryLogistic, 1, "1 is not a probability in (0, 1)"},
		{BinaryLogistic, 1.5, "1.5 is not a probability in (0, 1)"},
		{BinaryLogistic, -0.2, "-0.2 is not a probability in (0, 1)"},
		{BinaryLogistic, 1 - 1e-9, "is not a probability in (0, 1)"}, // 1 as float32
		{BinaryLogistic, 1e-45, "too close to 0 for binary:logistic"},
		{RegLogistic, 2, "which reg:logistic needs"},
		{CountPoisson, 0, "0 is not above 0 (as float32, as XGBoost keeps it), which count:poisson needs: its starting margin is the log"},
		{Tweedie, -1, "which reg:tweedie needs"},
		{Gamma, 1e-50, "1e-50 is not above 0 (as float32"},
		{SurvivalCox, -0.5, "which survival:cox needs"},
		{SurvivalAFT, 0, "which survival:aft needs"},
		{SquaredError, math.NaN(), "NaN is not a finite number within float32's range"},
		{SquaredError, math.Inf(1), "+Inf is not a finite number"},
		{MultiSoftprob, -1e39, "-1e+39 is not a finite number within float32's range (±3.4e38), where XGBoost keeps base_score"},
		{"reg:nonsense", 0.5, `not for an objective Fit knows ("reg:nonsense")`},
	} {
		_, err := tc.obj.BaseMargin(tc.v)
		var bse *BaseScoreError
		require.True(t, errors.As(err, &bse), "%s %v: %v", tc.obj, tc.v, err)
		require.Equal(t, tc.obj, bse.Objective)
		require.ErrorContains(t, err, "gbt: base_score ")
		require.ErrorContains(t, err, tc.want)
		if tc.obj == "reg:nonsense" {
			continue
		}
		m := New()
		m.Objective, m.BaseScore = tc.obj, new(tc.v)
		X, y := tabular.NewMatrix(1, 1), []float64{1}
		err = m.Fit(X, y, nil)
		require.ErrorContains(t, err, "gbt: BaseScore ")
		require.ErrorContains(t, err, tc.want)
		var fitErr *BaseScoreError
		require.True(t, errors.As(err, &fitErr), "Fit's error is a *BaseScoreError too: %v", err)
		require.Equal(t, tc.obj, fitErr.Objective)
		require.Nil(t, m.Ensemble())
	}
	for _, tc := range []struct {
		obj  Objective
		v    float64
		want float32
	}{
		{SquaredError, 0, 0},
		{SquaredError, -5.25, -5.25},
		{PseudoHuber, 3, 3},
		{BinaryLogitRaw, -2, -2},
		{BinaryHinge, 0.5, 0.5},
		{MultiSoftmax, -3, -3},
		{RankNDCG, 0, 0},
		{BinaryLogistic, 0.5, 0},
		{RegLogistic, 0.75, float32(math.Log(3))},
		{CountPoisson, 1, 0},
		{SurvivalAFT, 100, float32(math.Log(100))},
		{Gamma, 1e-30, float32(math.Log(float64(float32(1e-30))))},
	} {
		got, err := tc.obj.BaseMargin(tc.v)
		require.NoError(t, err, "%s %v", tc.obj, tc.v)
		require.InDelta(t, tc.want, got, 1e-6, "%s %v", tc.obj, tc.v)
	}
}
