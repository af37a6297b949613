package checkpoint_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/layers"
)

// TestMigrateLSTMBiases: a file holding a layers.LSTM in the single-bias
// layout of Ember before the two biases (<name>.<k>.wih, .whh, .bias) is
// refused by Restore with a message that names the fix, and restores after
// MigrateLSTMBiases with bias_ih = the old bias and bias_hh = 0. Files in
// today's layout and tensors that only look alike are left alone.
func TestMigrateLSTMBiases(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lstm := layers.NewLSTM("enc", 3, 4, 2, 0, tensor.Float64, rng)
	fc := layers.NewDense("fc", 4, 1, tensor.Float64, rng)
	params := layers.Collect(lstm, fc)

	// The file as the old Ember wrote it, with an unrelated "conv.0.bias".
	old := []checkpoint.Tensor{{Name: "fc.weight", Buf: fc.W.Value}, {Name: "fc.bias", Buf: fc.B.Value}}
	var sums []*graph.Buf
	for k, c := range lstm.Cells {
		sum := graph.NewBuf(tensor.Float64, c.Bih.Value.Len())
		for j := range sum.F64 {
			sum.F64[j] = c.Bih.Value.F64[j] + c.Bhh.Value.F64[j]
		}
		sums = append(sums, sum)
		old = append(old, checkpoint.Tensor{Name: fmt.Sprintf("enc.%d.wih", k), Buf: c.Wih.Value},
			checkpoint.Tensor{Name: fmt.Sprintf("enc.%d.whh", k), Buf: c.Whh.Value},
			checkpoint.Tensor{Name: fmt.Sprintf("enc.%d.bias", k), Buf: sum})
	}
	path := filepath.Join(t.TempDir(), "old.model")
	require.NoError(t, checkpoint.Save(path, "ember.test", nil, append(old, checkpoint.Tensor{Name: "conv.0.bias", Buf: graph.NewBuf(tensor.Float64, 2)})))

	fresh := func() []*graph.Param {
		r := rand.New(rand.NewPCG(9, 9))
		return layers.Collect(layers.NewLSTM("enc", 3, 4, 2, 0, tensor.Float64, r), layers.NewDense("fc", 4, 1, tensor.Float64, r))
	}
	f, err := checkpoint.Load(path, "ember.test")
	require.NoError(t, err)
	err = checkpoint.Restore(f, fresh())
	require.ErrorIs(t, err, checkpoint.ErrMismatch)
	require.ErrorContains(t, err, "LSTM layer enc.0, enc.1 in the layout of Ember before the LSTM kept PyTorch's two biases")
	require.ErrorContains(t, err, "call checkpoint.MigrateLSTMBiases on the File before Restore")

	require.Equal(t, []string{"enc.0", "enc.1"}, checkpoint.MigrateLSTMBiases(f))
	restored := fresh()
	err = checkpoint.Restore(f, restored)
	require.ErrorContains(t, err, "unexpected tensor conv.0.bias", "only complete triples are renamed")
	f.Tensors = f.Tensors[:len(f.Tensors)-1]
	require.NoError(t, checkpoint.Restore(f, restored))
	byName := map[string]*graph.Buf{}
	for _, p := range restored {
		byName[p.Name] = p.Value
	}
	for k, c := range lstm.Cells {
		require.Equal(t, c.Wih.Value.F64, byName[fmt.Sprintf("enc.weight_ih_l%d", k)].F64)
		require.Equal(t, c.Whh.Value.F64, byName[fmt.Sprintf("enc.weight_hh_l%d", k)].F64)
		require.Equal(t, sums[k].F64, byName[fmt.Sprintf("enc.bias_ih_l%d", k)].F64)
		require.Equal(t, make([]float64, 16), byName[fmt.Sprintf("enc.bias_hh_l%d", k)].F64)
	}

	// Today's layout: nothing to do, and Restore needs no hint.
	now := filepath.Join(t.TempDir(), "new.model")
	require.NoError(t, checkpoint.Save(now, "ember.test", nil, checkpoint.ParamTensors(params)))
	f, err = checkpoint.Load(now, "ember.test")
	require.NoError(t, err)
	require.Empty(t, checkpoint.MigrateLSTMBiases(f))
	require.NoError(t, checkpoint.Restore(f, fresh()))
	err = checkpoint.Restore(f, fresh()[:3])
	require.True(t, errors.Is(err, checkpoint.ErrMismatch))
	require.NotContains(t, err.Error(), "call checkpoint.MigrateLSTMBiases")
}
