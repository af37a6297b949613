//go:build ignore

// make_ember_model.go trains the small Ember model of the interop tests
// on the SMS Spam Collection: go run make_ember_model.go SMSFILE OUT
// [packed|gru|bidir|bidir_packed]. make.sh runs it for ember.model,
// ember_packed.model, ember_gru.model, ember_bidir.model and
// ember_bidir_packed.model.
package main

import (
	"context"
	"os"
	"strings"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/spam"
)

func main() {
	ex, load, err := data.LoadSMSFile(os.Args[1], data.FormatAuto)
	if err != nil {
		panic(err)
	}
	variant := ""
	if len(os.Args) > 3 {
		variant = os.Args[3]
	}
	cell := "lstm"
	if variant == "gru" {
		cell = "gru"
	}
	clf, _, err := spam.Train(context.Background(), ex, load, spam.Options{
		Model: spam.Config{Cell: cell, SeqLen: 20, Embed: 8, Hidden: 16, Layers: 2, Dropout: 0.5,
			Packed: strings.HasSuffix(variant, "packed"), Bidirectional: strings.HasPrefix(variant, "bidir")},
		Epochs: 2, MaxVocab: 500, Seed: 11,
	})
	if err != nil {
		panic(err)
	}
	if err := clf.Save(os.Args[2]); err != nil {
		panic(err)
	}
}
