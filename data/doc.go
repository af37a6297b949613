// Package data loads and prepares the SMS spam data for Ember's flagship job,
// an LSTM spam classifier (cmd/spamrnn).
//
// The pipeline follows the well-known PyTorch notebook for the SMS Spam
// Collection so that results are comparable:
//
//  1. Load labelled messages with [LoadSMSFile] or [ReadSMS]. The UCI
//     tab-separated file and the CSV variants (Kaggle's latin-1 "v1,v2,,,"
//     and "text,label") are detected automatically or forced with a
//     [Format]. Unusable rows are skipped and counted in the [LoadReport],
//     never fatal.
//  2. Tokenise with [Tokens]: lower-case, strip ASCII punctuation, split on
//     white space. Messages with no tokens left are removed by [DropEmpty].
//  3. Split the examples 70/15/15 with [Split] (seeded, deterministic).
//  4. Build a frequency-ordered [Vocab] with [BuildVocab], where index 0 is
//     padding and 1 is the unknown word.
//  5. Encode into a fixed-length [Dataset] with [NewDataset] (left-padded,
//     truncated to the first SeqLen tokens) and fill training batches with
//     [Dataset.Batch], which allocates nothing.
//
// [DemoCorpus] returns an embedded, generated demo corpus (not the SMS Spam
// Collection, which the project may not redistribute) so that training works
// offline. It is written by data/internal/gendemo via go generate.
package data

//go:generate go run ./internal/gendemo -o demo/sms_demo.tsv
