package data_test

import (
	"errors"
	"fmt"

	"github.com/emberml/ember/data"
)

// Example runs the spam classifier's data pipeline on the embedded demo
// corpus: load, drop empty messages, split 70/15/15, build the vocabulary
// from the training part, encode to length 44 and fill one batch.
func Example() {
	ex, rep, err := data.DemoCorpus()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Loaded, rep.Ham, rep.Spam)
	ex, dropped := data.DropEmpty(ex)
	train, val, test, err := data.Split(len(ex), 0.7, 0.15, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dropped, len(train), len(val), len(test))

	lists, err := data.TokenLists(ex, train)
	if err != nil {
		fmt.Println(err)
		return
	}
	vocab := data.BuildVocab(lists, 0, 1)
	trainSet, err := data.NewDataset(ex, train, vocab, 44)
	if err != nil {
		fmt.Println(err)
		return
	}
	testSet, err := data.NewDataset(ex, test, vocab, 44)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(trainSet.Len(), trainSet.Unknown, testSet.Len(), testSet.Unknown > 0)

	ids := make([]int32, 32*trainSet.SeqLen)
	labels := make([]float32, 32)
	if err := trainSet.Batch(data.Permutation(32, 2), ids, labels); err != nil {
		fmt.Println(err)
		return
	}

	// At prediction time a message with no words gets a clear answer.
	_, err = vocab.EncodeText("!!! :)", make([]int32, 44))
	fmt.Println(errors.Is(err, data.ErrNoWords))
	// Output:
	// 3000 2610 390
	// 0 2100 450 450
	// 2100 0 450 true
	// true
}
