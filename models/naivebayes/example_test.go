package naivebayes_test

import (
	"encoding/json"
	"fmt"

	"github.com/emberml/ember/models/naivebayes"
	"github.com/emberml/ember/text"
)

// Classify short messages as ham (0) or spam (1) from their word counts,
// then save the model and its vocabulary as JSON and load them back. The
// probabilities are scikit-learn's MultinomialNB's on the same counts
// (CountVectorizer(stop_words="english", token_pattern=r"(?u)[^\W\d_]+")).
func Example() {
	docs := []string{
		"are we still on for lunch today",
		"call me when you get home",
		"see you at the station at six",
		"can you pick up milk on the way",
		"WINNER! claim your free prize now",
		"free entry: text WIN to claim a cash prize",
		"urgent: your account won a free holiday, call now",
		"claim your cash reward today, text STOP to opt out",
	}
	labels := []int{0, 0, 0, 0, 1, 1, 1, 1}

	var vec text.CountVectorizer // scikit-learn's defaults: unigrams, English stop words dropped
	X, err := vec.FitTransform(docs)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := naivebayes.New() // Alpha 1, class priors from the labels
	if err := m.Fit(X, labels); err != nil {
		fmt.Println(err)
		return
	}
	newDocs := []string{"free cash prize, call now", "lunch at six?"}
	Xnew, err := vec.Transform(newDocs) // words not in the vocabulary are dropped
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, err := m.Predict(Xnew)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba, err := m.PredictProba(Xnew)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, d := range newDocs {
		fmt.Printf("%q: class %d, P(spam) %.3f\n", d, pred[i], proba[i][1])
	}

	// What a program keeps: the vocabulary and the model's State.
	state, err := m.State()
	if err != nil {
		fmt.Println(err)
		return
	}
	file, err := json.Marshal(map[string]any{"vocabulary": vec.Vocabulary(), "model": state})
	if err != nil {
		fmt.Println(err)
		return
	}

	var saved struct {
		Vocabulary []string
		Model      naivebayes.State
	}
	if err := json.Unmarshal(file, &saved); err != nil {
		fmt.Println(err)
		return
	}
	var vec2 text.CountVectorizer
	if err := vec2.SetVocabulary(saved.Vocabulary); err != nil {
		fmt.Println(err)
		return
	}
	m2, err := naivebayes.FromState(saved.Model)
	if err != nil {
		fmt.Println(err)
		return
	}
	X2, err := vec2.Transform(newDocs)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba2, err := m2.PredictProba(X2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("loaded model, same P(spam):", proba2[0][1] == proba[0][1] && proba2[1][1] == proba[1][1])
	// Output:
	// "free cash prize, call now": class 1, P(spam) 0.906
	// "lunch at six?": class 0, P(spam) 0.244
	// loaded model, same P(spam): true
}
