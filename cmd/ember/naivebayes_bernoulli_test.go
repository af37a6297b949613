package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/naivebayes"
)

// TestNaiveBayesBernoulliTopTerms: for BernoulliNB the most indicative
// terms are ranked by what a term's presence adds over its absence
// (log-odds), not by its probability alone. Term "often" is in 90% of
// class a's documents and half of b's, "rare" in 20% and 10%: the
// probability ratio favours "rare" (2 against 1.8), the odds ratio
// "often" (9 against 2.25), and "often" is what moves a Bernoulli score.
func TestNaiveBayesBernoulliTopTerms(t *testing.T) {
	vocab := []string{"often", "rare", "other"}
	lp := [][]float64{
		{math.Log(0.9), math.Log(0.2), math.Log(0.1)},
		{math.Log(0.5), math.Log(0.1), math.Log(0.3)},
	}
	st := naivebayes.State{Classes: []int{0, 1}, ClassLogPrior: []float64{math.Log(0.5), math.Log(0.5)}, FeatureLogProb: lp}
	b, err := naivebayes.BernoulliFromState(st)
	require.NoError(t, err)
	terms := nbTopTermsByClass(b, vocab, []string{"a", "b"})
	require.Equal(t, []string{"often", "rare"}, terms["a"])
	require.Equal(t, []string{"other"}, terms["b"])

	// The same probabilities read as MultinomialNB's rank by probability.
	m, err := naivebayes.FromState(st)
	require.NoError(t, err)
	require.Equal(t, []string{"rare", "often"}, nbTopTermsByClass(m, vocab, []string{"a", "b"})["a"])
}

// TestNaiveBayesBernoulliSMS runs --model bernoulli on the SMS Spam
// Collection: the report names the model and its features, spam's
// indicative terms are spam's, and accuracy is that of a working
// classifier (BernoulliNB scores 0.969 on make_bernoulli_reference.py's
// split, below MultinomialNB's 0.981, on the full vocabulary).
func TestNaiveBayesBernoulliSMS(t *testing.T) {
	sms := shareddata.TestPath(t, "sms_spam", "SMSSpamCollection")
	code, out, errOut := runCmd(t, "naivebayes", "--data", sms, "--model", "bernoulli", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "features: presence or absence of each term\n")
	require.Contains(t, out, "model: Bernoulli naive Bayes, alpha=1, class priors from frequencies\n")
	var res nbResult
	decodeLastLine(t, out, &res)
	require.Equal(t, "bernoulli", res.Model)
	require.Greater(t, res.Accuracy, 0.95)
	require.Contains(t, res.TopTerms["spam"], "claim")
	require.NotContains(t, res.TopTerms["ham"], "claim")
}
