package checkpoint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/emberml/ember/graph"
)

// oldLSTMTensor matches a layers.LSTM tensor as Ember named it before the
// LSTM kept PyTorch's two biases: <name>.<layer>.wih, .whh and .bias.
var oldLSTMTensor = regexp.MustCompile(`^(.+)\.(\d+)\.(wih|whh|bias)$`)

// newLSTMTensor matches a layers.LSTM (or GRU) parameter under PyTorch's
// state_dict names: <name>.weight_ih_l<k> and the like.
var newLSTMTensor = regexp.MustCompile(`^(.+)\.(?:weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)$`)

// MigrateLSTMBiases rewrites, in place, the tensors of every layers.LSTM
// layer that f holds in the layout Ember wrote before the LSTM kept
// PyTorch's two biases per layer: <name>.<k>.wih, <name>.<k>.whh and
// <name>.<k>.bias become <name>.weight_ih_l<k>, <name>.weight_hh_l<k>,
// <name>.bias_ih_l<k> (the old bias) and <name>.bias_hh_l<k> (zeros). The
// gates only ever see the two biases' sum, so the model computes exactly
// what it did; training on from there treats the biases as PyTorch does.
// Only complete triples (all three tensors of a layer) are renamed, so a
// file in today's layout is left as it is. It returns the layers it
// migrated ("lstm.0", ...), none when there was nothing to do. Call it
// between Load and Restore:
//
//	f, err := checkpoint.Load(path, kind)
//	...
//	checkpoint.MigrateLSTMBiases(f)
//	err = checkpoint.Restore(f, model.Params())
func MigrateLSTMBiases(f *File) []string {
	have := map[string]int{}
	for _, t := range f.Tensors {
		if m := oldLSTMTensor.FindStringSubmatch(t.Name); m != nil {
			have[m[1]+"."+m[2]]++
		}
	}
	var migrated []string
	var out []Tensor
	for _, t := range f.Tensors {
		m := oldLSTMTensor.FindStringSubmatch(t.Name)
		if m == nil || have[m[1]+"."+m[2]] != 3 || t.Buf == nil {
			out = append(out, t)
			continue
		}
		prefix, k := m[1], m[2]
		switch m[3] {
		case "wih":
			out = append(out, Tensor{Name: prefix + ".weight_ih_l" + k, Buf: t.Buf})
			migrated = append(migrated, prefix+"."+k)
		case "whh":
			out = append(out, Tensor{Name: prefix + ".weight_hh_l" + k, Buf: t.Buf})
		case "bias":
			out = append(out, Tensor{Name: prefix + ".bias_ih_l" + k, Buf: t.Buf},
				Tensor{Name: prefix + ".bias_hh_l" + k, Buf: graph.NewBuf(t.Buf.Dtype, t.Buf.Shape...)})
		}
	}
	if len(migrated) > 0 {
		f.Tensors = out
	}
	return migrated
}

// singleBiasHint is Restore's advice when a parameter under PyTorch's
// recurrent names is missing and f holds the old single-bias LSTM layout.
func singleBiasHint(f *File, missing []string) string {
	old := map[string]bool{}
	for _, t := range f.Tensors {
		if m := oldLSTMTensor.FindStringSubmatch(t.Name); m != nil {
			old[m[1]+"."+m[2]] = true
		}
	}
	var layers []string
	seen := map[string]bool{}
	for _, name := range missing {
		m := newLSTMTensor.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if l := m[1] + "." + m[2]; old[l] && !seen[l] {
			seen[l] = true
			layers = append(layers, l)
		}
	}
	if len(layers) == 0 {
		return ""
	}
	return fmt.Sprintf("the file holds LSTM layer %s in the layout of Ember before the LSTM kept PyTorch's two biases "+
		"(.wih, .whh, one .bias): call checkpoint.MigrateLSTMBiases on the File before Restore "+
		"(bias_ih = the old bias, bias_hh = 0: the model computes exactly what it did)", strings.Join(layers, ", "))
}
