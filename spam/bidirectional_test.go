package spam

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/data"
)

// TestBidirectionalTrainSaveExportLoad trains a bidirectional model of
// each recurrent cell (the LSTM packed, the GRU padded) briefly on the demo
// corpus: it learns it; its parameters are PyTorch's, _reverse cells
// included; the model file records the setting and loads back into a model
// that predicts identically; and its export holds the reverse cells under
// PyTorch's names and imports back into the same model.
func TestBidirectionalTrainSaveExportLoad(t *testing.T) {
	ex, load, err := data.DemoCorpus()
	require.NoError(t, err)
	for _, tc := range []struct {
		cell   string
		packed bool
	}{{"lstm", true}, {"gru", false}} {
		t.Run(tc.cell, func(t *testing.T) {
			cfg := Config{Cell: tc.cell, SeqLen: 20, Embed: 16, Hidden: 12, Layers: 2, Dropout: 0.2, Packed: tc.packed, Bidirectional: true}
			c, rep, err := Train(context.Background(), ex[:1200], load, Options{Model: cfg, Epochs: 2, BatchSize: 16, LR: 5e-3})
			require.NoError(t, err)
			require.Greater(t, rep.TestResult.Accuracy, 0.85, "a small bidirectional %s model learns the demo corpus", tc.cell)
			require.True(t, c.Model.RNN.Bidirectional())
			require.Equal(t, 24, c.Model.RNN.OutputSize())
			require.Equal(t, []int{1, 24}, []int(c.Model.Out.W.Shape()), "the dense layer reads both directions")
			require.Contains(t, c.Summary(), "2×bidirectional "+strings.ToUpper(tc.cell)+" 12")
			n := 0
			for _, p := range c.Model.Params() {
				n += p.Value.Len()
			}
			require.Equal(t, c.Model.Cfg.paramBound(), n, "paramBound counts the reverse cells")
			var names []string
			for _, p := range c.Model.RNN.Params() {
				names = append(names, p.Name)
			}
			require.Contains(t, names, tc.cell+".weight_ih_l1_reverse")
			require.Contains(t, names, tc.cell+".bias_hh_l0_reverse")

			path := savedModel(t, c, tc.cell+".model")
			f, err := checkpoint.Load(path, FileKind)
			require.NoError(t, err)
			var meta map[string]any
			require.NoError(t, f.DecodeMeta(&meta))
			require.Equal(t, true, meta["config"].(map[string]any)["bidirectional"], "the file records it")
			loaded, err := Load(path)
			require.NoError(t, err)
			require.Equal(t, c.Model.Cfg, loaded.Model.Cfg)
			msgs := []string{"WINNER!! claim your free prize now", "see you at dinner tonight?", ""}
			before := requireSamePredictions(t, c, loaded, msgs)

			dir := filepath.Join(t.TempDir(), "export")
			require.NoError(t, c.Export(dir))
			raw, err := os.ReadFile(filepath.Join(dir, ExportConfig))
			require.NoError(t, err)
			var ec ExportConfigJSON
			require.NoError(t, json.Unmarshal(raw, &ec))
			require.True(t, ec.Bidirectional)
			require.Contains(t, ec.Output, "torch.cat((h_n[-2], h_n[-1]), 1)")
			back, err := Import(dir)
			require.NoError(t, err)
			require.Equal(t, c.Model.Cfg, back.Model.Cfg)
			for i, p := range c.Model.Params() {
				require.Equal(t, p.Name, back.Model.Params()[i].Name)
				require.Equal(t, p.Value.F32, back.Model.Params()[i].Value.F32, p.Name)
			}
			imported, err := back.Predict(msgs)
			require.NoError(t, err)
			require.Equal(t, before, imported)
		})
	}
}

// TestOldModelFileLoadsUnidirectional: files written before
// Config.Bidirectional have no such field; they load as the
// unidirectional model they hold.
func TestOldModelFileLoadsUnidirectional(t *testing.T) {
	c, _ := small(t)
	path := savedModel(t, c, "old.model")
	rewriteModelConfig(t, path, func(cfg map[string]any) {
		delete(cfg, "bidirectional") // absent in old files (and omitted when false)
	})
	loaded, err := Load(path)
	require.NoError(t, err)
	require.False(t, loaded.Model.Cfg.Bidirectional)
	require.False(t, loaded.Model.RNN.Bidirectional())
	requireSamePredictions(t, c, loaded, []string{"free entry win a prize", "lunch?"})

	// A file that says bidirectional but holds one direction's weights is
	// refused before the model is built, naming the file.
	rewriteModelConfig(t, path, func(cfg map[string]any) { cfg["bidirectional"] = true })
	_, err = Load(path)
	require.ErrorContains(t, err, "model file "+path)
}

// TestBidirectionalConfig: the cnn has no directions, and the size
// arithmetic counts both.
func TestBidirectionalConfig(t *testing.T) {
	_, err := NewModel(Config{Cell: "cnn", SeqLen: 10, Embed: 4, Vocab: 10, Bidirectional: true}, 1)
	require.ErrorContains(t, err, "bidirectional layers apply to the recurrent cells (lstm, gru), not to the cnn")
	uni := Config{Cell: "lstm", SeqLen: 10, Embed: 4, Hidden: 5, Layers: 2, Vocab: 10}
	bi := uni
	bi.Bidirectional = true
	// Layer 0: 4·5·(4+5) + 2·4·5 = 220 per direction; layer 1 reads 2·5: 4·5·(10+5) + 40 = 340.
	require.Equal(t, 10*4+2*(220+340)+10+1, bi.paramBound())
	require.Greater(t, bi.TrainingBytes(10), uni.TrainingBytes(10))
	require.Contains(t, bi.describe(), "2×bidirectional LSTM 5")
}

// TestBidirectionalTrainStepAllocatesNothing: a training step of the
// bidirectional recurrent models, padded and packed (on batches of
// changing lengths), allocates nothing on the CPU, as the others' do.
func TestBidirectionalTrainStepAllocatesNothing(t *testing.T) {
	cfg := Config{SeqLen: 12, Embed: 8, Hidden: 8, Layers: 2, Dropout: 0.3, Bidirectional: true}
	for _, name := range []string{"lstm", "gru", "lstm-packed", "gru-packed"} {
		t.Run(name, func(t *testing.T) {
			c := cfg
			cell, packed := strings.CutSuffix(name, "-packed")
			c.Packed = packed
			requireTrainStepAllocatesNothing(t, cell, c)
		})
	}
}
