package naivebayes

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// bernoulliReference is testdata/bernoulli_reference.json, written by
// testdata/make_bernoulli_reference.py.
type bernoulliReference struct {
	SKLearn string `json:"sklearn"`
	Cases   []struct {
		Name           string        `json:"name"`
		Params         featureParams `json:"params"`
		Alpha          float64       `json:"alpha"`
		FitPrior       bool          `json:"fit_prior"`
		ClassPrior     []float64     `json:"class_prior"`
		Classes        []int         `json:"classes"`
		VocabularySize int           `json:"vocabulary_size"`
		ClassLogPrior  []float64     `json:"class_log_prior"`
		FeatureCount   [][]float64   `json:"feature_count"`
		FeatureLogProb [][]float64   `json:"feature_log_prob"`
		PredictProba   [][]float64   `json:"predict_proba"`
		Predictions    []int         `json:"predictions"`
	} `json:"cases"`
	SMS []struct {
		Name           string        `json:"name"`
		Flags          string        `json:"flags"`
		Params         featureParams `json:"params"`
		NTrain         int           `json:"n_train"`
		NTest          int           `json:"n_test"`
		VocabularySize int           `json:"vocabulary_size"`
		Bernoulli      struct {
			Accuracy      float64 `json:"accuracy"`
			SpamRecall    float64 `json:"spam_recall"`
			MeanProbaSpam float64 `json:"mean_proba_spam"`
			Predictions   string  `json:"predictions"`
		} `json:"bernoulli"`
		Multinomial struct {
			Accuracy   float64 `json:"accuracy"`
			SpamRecall float64 `json:"spam_recall"`
		} `json:"multinomial"`
	} `json:"sms"`
}

func loadBernoulliReference(t *testing.T) bernoulliReference {
	var ref bernoulliReference
	readJSONFixture(t, "bernoulli_reference.json", &ref)
	require.NotEmpty(t, ref.Cases)
	return ref
}

// denseOf copies a Matrix into a Dense, zeros included.
func denseOf(t *testing.T, X Matrix) *Dense {
	n, f := X.Dims()
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, f)
		cols, vals := X.Row(i)
		for q, j := range cols {
			rows[i][j] = vals[q]
		}
	}
	d, err := NewDense(rows)
	require.NoError(t, err)
	return d
}

// TestBernoulliMatchesScikitLearn fits BernoulliNB on the small corpus's
// features and requires scikit-learn's class_log_prior_, feature_count_,
// feature_log_prob_ and predict_proba within 1e-9 relative (1e-13 absolute
// for values near 0), and its predictions; the same on the Dense (tensor)
// path, and exactly the same from the saved state.
func TestBernoulliMatchesScikitLearn(t *testing.T) {
	ref := loadBernoulliReference(t)
	c := loadSmallCorpus(t)
	for _, tc := range ref.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			vec, Xtr, Xte := tc.Params.features(t, c.Train, c.Test)
			require.Len(t, vec.Vocabulary(), tc.VocabularySize)
			m := NewBernoulli()
			m.Alpha, m.FitPrior, m.ClassPrior = tc.Alpha, tc.FitPrior, tc.ClassPrior
			require.NoError(t, m.Fit(Xtr, c.YTrain))
			requireFittedAsSKLearn(t, m, tc.Classes, tc.ClassLogPrior, tc.FeatureLogProb)
			require.Equal(t, tc.FeatureCount, m.FeatureCount(), "feature_count: rows with the feature present")
			proba, err := m.PredictProba(Xte)
			require.NoError(t, err)
			requireRelRows(t, tc.PredictProba, proba, "predict_proba")
			pred, err := m.Predict(Xte)
			require.NoError(t, err)
			require.Equal(t, tc.Predictions, pred)

			// The tensor path: the same numbers, summed in another order.
			dense, err := m.PredictProba(denseOf(t, Xte))
			require.NoError(t, err)
			for i := range dense {
				require.InDeltaSlice(t, proba[i], dense[i], 1e-12, "dense row %d", i)
			}

			s, err := m.State()
			require.NoError(t, err)
			restored, err := BernoulliFromState(s)
			require.NoError(t, err)
			again, err := restored.PredictProba(Xte)
			require.NoError(t, err)
			require.Equal(t, proba, again, "restored from its state")
			require.Equal(t, m.FeatureLogOdds(), restored.FeatureLogOdds())
		})
	}
}

// TestBernoulliSMS fits BernoulliNB on the SMS Spam Collection (skipped
// when the shared data is absent) with the settings of the reference and
// requires scikit-learn's vocabulary size, predictions and mean P(spam);
// it logs MultinomialNB's scikit-learn accuracy on the same features.
func TestBernoulliSMS(t *testing.T) {
	ref := loadBernoulliReference(t)
	if len(ref.SMS) == 0 {
		t.Skip("bernoulli_reference.json has no sms cases: make_bernoulli_reference.py ran without the SMS data")
	}
	docs, y := loadCorpus(t, "sms")
	s := splitEveryFourth(docs, y)
	for _, tc := range ref.SMS {
		t.Run(tc.Name, func(t *testing.T) {
			require.Equal(t, tc.NTrain, len(s.train))
			require.Equal(t, tc.NTest, len(s.test))
			vec, Xtr, Xte := tc.Params.features(t, s.train, s.test)
			require.Len(t, vec.Vocabulary(), tc.VocabularySize)
			m := NewBernoulli()
			require.NoError(t, m.Fit(Xtr, s.yTrain))
			pred, err := m.Predict(Xte)
			require.NoError(t, err)
			got := scoreSpam(pred, s.yTest)
			t.Logf("sms %s (%q): BernoulliNB accuracy %.4f (sklearn %s: %.4f, spam recall %.4f); sklearn's MultinomialNB %.4f, spam recall %.4f",
				tc.Name, tc.Flags, got.accuracy, ref.SKLearn, tc.Bernoulli.Accuracy, tc.Bernoulli.SpamRecall,
				tc.Multinomial.Accuracy, tc.Multinomial.SpamRecall)
			require.Equal(t, tc.Bernoulli.Predictions, got.predictions)
			proba, err := m.PredictProba(Xte)
			require.NoError(t, err)
			require.InDelta(t, tc.Bernoulli.MeanProbaSpam, meanOfColumn1(proba), 1e-9)
		})
	}
}

// TestBernoulliEstimates checks the model on numbers worked by hand:
// counts read as presence, and the absent features scored.
func TestBernoulliEstimates(t *testing.T) {
	X := [][]float64{
		{3, 0, 1},
		{1, 2, 0},
		{0, 0, 5},
	}
	y := []int{4, 4, 9}
	for name, mm := range bothLayouts(t, X) {
		t.Run(name, func(t *testing.T) {
			m := NewBernoulli()
			m.Alpha = 0.5
			require.NoError(t, m.Fit(mm, y))
			require.Equal(t, []int{4, 9}, m.Classes())
			// Presence, not counts: class 4 has feature 0 in 2 rows.
			require.Equal(t, [][]float64{{2, 1, 1}, {0, 0, 1}}, m.FeatureCount())
			// P(present|4) = (D + 0.5) / (2 + 1); P(present|9) = (D + 0.5) / (1 + 1).
			p4 := []float64{2.5 / 3, 1.5 / 3, 1.5 / 3}
			p9 := []float64{0.5 / 2, 0.5 / 2, 1.5 / 2}
			lp := m.FeatureLogProb()
			for j := range p4 {
				require.InDelta(t, math.Log(p4[j]), lp[0][j], 1e-15)
				require.InDelta(t, math.Log(p9[j]), lp[1][j], 1e-15)
			}
			odds := m.FeatureLogOdds()
			require.InDelta(t, math.Log(p4[0]/(1-p4[0])), odds[0][0], 1e-14)

			// An empty row is scored by every feature's absence: under
			// MultinomialNB it would get the priors (2/3, 1/3).
			rows := [][]float64{{0, 0, 0}, {7, 0, 1}}
			score := func(prior float64, p []float64, x []float64) float64 {
				s := math.Log(prior)
				for j, v := range x {
					if v > 0 {
						s += math.Log(p[j])
					} else {
						s += math.Log(1 - p[j])
					}
				}
				return s
			}
			for name, q := range bothLayouts(t, rows) {
				proba, err := m.PredictProba(q)
				require.NoError(t, err, name)
				for i, x := range rows {
					s4, s9 := score(2.0/3, p4, x), score(1.0/3, p9, x)
					want := math.Exp(s4) / (math.Exp(s4) + math.Exp(s9))
					require.InDelta(t, want, proba[i][0], 1e-14, "%s row %d", name, i)
				}
			}
		})
	}

	// A stored zero is an absent feature, not a present one.
	m := NewBernoulli()
	require.NoError(t, m.Fit(toSparse(X), y))
	stored, err := m.PredictProba(oneRow(3, []int{0, 1}, []float64{4, 0}))
	require.NoError(t, err)
	plain, err := m.PredictProba(toSparse([][]float64{{4, 0, 0}}))
	require.NoError(t, err)
	require.Equal(t, plain, stored)
}

// TestBernoulliPriors: FitPrior false is uniform, ClassPrior is taken as
// given and checked, as for MultinomialNB.
func TestBernoulliPriors(t *testing.T) {
	X := toSparse([][]float64{{1, 0}, {1, 0}, {1, 0}, {0, 1}})
	y := []int{0, 0, 0, 1}
	uniform := NewBernoulli()
	uniform.FitPrior = false
	require.NoError(t, uniform.Fit(X, y))
	require.InDeltaSlice(t, []float64{math.Log(0.5), math.Log(0.5)}, uniform.ClassLogPrior(), 1e-12)

	given := NewBernoulli()
	given.ClassPrior = []float64{0.1, 0.9}
	require.NoError(t, given.Fit(X, y))
	require.InDeltaSlice(t, []float64{math.Log(0.1), math.Log(0.9)}, given.ClassLogPrior(), 1e-12)

	bad := NewBernoulli()
	bad.ClassPrior = []float64{0.5, 0.6}
	require.ErrorContains(t, bad.Fit(X, y), "ClassPrior sums to")

	var zero BernoulliNB
	require.NoError(t, zero.Fit(X, y))
	require.InDeltaSlice(t, []float64{math.Log(0.5), math.Log(0.5)}, zero.ClassLogPrior(), 1e-12, "zero value: uniform prior")
	require.Nil(t, NewBernoulli().FeatureLogOdds(), "before Fit")
}

// sameRows is a Matrix of n identical rows, each with feature 0 present.
type sameRows struct{ n int }

func (m sameRows) Dims() (int, int)         { return m.n, 1 }
func (sameRows) Row(int) ([]int, []float64) { return []int{0}, []float64{1} }

// TestBernoulliCertainFeature: a feature present in every row of a class
// with a smoothing too small to show in float64 has P(present) = 1, whose
// log(1-p) is -Inf and would make every probability NaN (as in
// scikit-learn); Fit says so instead, and BernoulliFromState refuses such
// a state.
func TestBernoulliCertainFeature(t *testing.T) {
	// 2^21 rows: alpha 1e-10 is below half a float64 step of 2^21, so
	// (n + alpha) / (n + 2 alpha) rounds to 1.
	n := 1 << 21
	y := make([]int, n+1)
	y[n] = 1
	m := NewBernoulli()
	m.Alpha = 0
	err := m.Fit(sameRows{n + 1}, y)
	require.ErrorContains(t, err, "naivebayes: Fit: P(feature 0 present|class 0) is 1 to double precision")
	require.ErrorContains(t, err, "raise Alpha")
	m.Alpha = 1e-3
	require.NoError(t, m.Fit(sameRows{n + 1}, y))

	s := State{Classes: []int{0, 1}, ClassLogPrior: []float64{-0.7, -0.7}, FeatureLogProb: [][]float64{{-1, 0}, {-2, -0.5}}}
	_, err = BernoulliFromState(s)
	require.ErrorContains(t, err, "naivebayes: state: P(feature 1 present|class 0) is 1")
	s.FeatureLogProb[0][1] = math.NaN()
	_, err = BernoulliFromState(s)
	require.ErrorContains(t, err, "log P(feature 1|class 0) is NaN")
	s.FeatureLogProb[0][1] = -0.1
	_, err = BernoulliFromState(s)
	require.NoError(t, err)
}
