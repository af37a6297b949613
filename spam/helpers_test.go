package spam

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/data"
)

// requireSamePredictions requires got to predict msgs exactly as want does
// (bit-identical probabilities), and returns want's predictions.
func requireSamePredictions(t *testing.T, want, got *Classifier, msgs []string) []Prediction {
	t.Helper()
	wantPreds, err := want.Predict(msgs)
	require.NoError(t, err)
	gotPreds, err := got.Predict(msgs)
	require.NoError(t, err)
	require.Equal(t, wantPreds, gotPreds)
	return wantPreds
}

// rewriteModelConfig rewrites the model file at path with its config
// (the metadata's "config" object) changed by edit and its tensors kept:
// a file as an older or a broken writer would have left it.
func rewriteModelConfig(t *testing.T, path string, edit func(cfg map[string]any)) {
	t.Helper()
	f, err := checkpoint.Load(path, FileKind)
	require.NoError(t, err)
	var meta map[string]any
	require.NoError(t, f.DecodeMeta(&meta))
	edit(meta["config"].(map[string]any))
	require.NoError(t, checkpoint.Save(path, FileKind, meta, f.Tensors))
}

// savedModel saves c as name in a fresh temporary folder and returns the
// file's path.
func savedModel(t *testing.T, c *Classifier, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, c.Save(path))
	return path
}

// exportedTinyLSTM exports an untrained one-layer LSTM (sequences of 5,
// embedding 3, hidden 4, seed 2) over a six-word vocabulary to a fresh
// temporary folder and returns the export's folder.
func exportedTinyLSTM(t *testing.T) string {
	t.Helper()
	m, err := NewModel(Config{SeqLen: 5, Embed: 3, Hidden: 4, Layers: 1, Vocab: 6}, 2)
	require.NoError(t, err)
	v, err := data.VocabFromWords([]string{data.PadToken, data.UnkToken, "a", "b", "c", "d"})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "x")
	require.NoError(t, (&Classifier{Model: m, Vocab: v}).Export(dir))
	return dir
}
