//go:build ignore

// make_v1_model.go wrote v1_single_bias.model and v1_single_bias.json: a
// small spam model saved by Ember before the LSTM kept PyTorch's two biases
// (one bias per layer, tensors lstm.<k>.wih, lstm.<k>.whh, lstm.<k>.bias),
// and its probabilities for a few messages. It was run at commit 1433371:
//
//	git worktree add --detach /tmp/v1 1433371
//	cp spam/testdata/make_v1_model.go /tmp/v1/ && cd /tmp/v1 && go run make_v1_model.go OUTDIR
//
// spam's TestLoadSingleBiasModel loads the file with today's code and
// expects the same probabilities.
package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/spam"
)

var messages = []string{
	"WINNER!! You have been selected to receive a £900 prize reward! Call now",
	"Ok lar... Joking wif u oni...",
	"Free entry in 2 a wkly comp to win FA Cup final tkts",
	"I'll be home soon, do you want anything from the shop?",
}

func main() {
	out := os.Args[1]
	ex, load, err := data.DemoCorpus()
	if err != nil {
		panic(err)
	}
	clf, _, err := spam.Train(context.Background(), ex, load, spam.Options{
		Model:  spam.Config{SeqLen: 12, Embed: 6, Hidden: 8, Layers: 2, Dropout: 0.5},
		Epochs: 1, MaxVocab: 150, Seed: 7,
	})
	if err != nil {
		panic(err)
	}
	if err := clf.Save(filepath.Join(out, "v1_single_bias.model")); err != nil {
		panic(err)
	}
	preds, err := clf.Predict(messages)
	if err != nil {
		panic(err)
	}
	probs := map[string]float64{}
	for _, p := range preds {
		probs[p.Text] = p.Prob
	}
	b, _ := json.MarshalIndent(probs, "", " ")
	if err := os.WriteFile(filepath.Join(out, "v1_single_bias.json"), append(b, '\n'), 0o644); err != nil {
		panic(err)
	}
}
