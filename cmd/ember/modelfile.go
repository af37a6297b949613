package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// Model files. Every model ember saves (--save) is a checkpoint file (the
// same versioned, checksummed, atomically written format as spamrnn's) of
// kind "ember.<command>", whose metadata is a modelMeta and whose tensors
// hold the fitted numbers (coefficients, centroids, log-probabilities,
// scaler statistics), float64 and named by the command. The metadata says
// what the numbers mean and what a data file must provide to be scored,
// so `ember predict` needs nothing but the file. A command that saves
// models also registers a loader in scorers (predict.go).
const modelMetaVersion = 1

// modelMeta is the JSON metadata of an ember model file.
type modelMeta struct {
	// Version of this metadata layout (modelMetaVersion); a file with a
	// newer one is refused with a clear error.
	Version int `json:"version"`
	// Command is the subcommand that fitted the model; the file's kind is
	// "ember." + Command.
	Command string `json:"command"`
	// Input is what a data file must provide, and the preprocessing
	// fitted with the model.
	Input modelInput `json:"input"`
	// Classes are the class names of a classifier, in the order of its
	// outputs (probability columns, class indices).
	Classes []string `json:"classes,omitempty"`
	// Settings are the options of the fit (C, alpha, k, ...), for reports.
	Settings map[string]any `json:"settings,omitempty"`
	// State is the model's small non-numeric state (a scheme name, class
	// indices), decoded by the command's loader.
	State json.RawMessage `json:"state,omitempty"`
	// Training records where and how the model was fitted, and how it
	// scored.
	Training trainingInfo `json:"training"`
}

// modelInput describes the data a model scores.
type modelInput struct {
	// Kind is "table" (numeric Features of a CSV/TSV with a header) or
	// "text" (documents: Format sms or text-label, or a CSV/TSV with a Text column).
	Kind     string   `json:"kind"`
	Features []string `json:"features,omitempty"`
	// Target is the label column (Label for text in tsv/csv files): when a
	// data file has it, predict scores the predictions against it.
	Target string `json:"target,omitempty"`
	Text   string `json:"text,omitempty"`
	Label  string `json:"label,omitempty"`
	Format string `json:"format,omitempty"`
	// Standardize: the features are scaled with the tensors scaler.mean
	// and scaler.std (statistics of the training rows) before the model.
	Standardize bool `json:"standardize,omitempty"`
	// StopWords: the tokenizer drops scikit-learn's English stop words.
	StopWords bool `json:"stop_words,omitempty"`
	// Vocabulary is a text model's terms, in feature-column order.
	Vocabulary []string `json:"vocabulary,omitempty"`
	// Pipeline, when set, makes a table model's Features from the raw
	// columns (one-hot encoding, imputation; logreg files of version 2),
	// which Features then name; nil reads Features as numeric columns.
	Pipeline *tabular.Pipeline `json:"pipeline,omitempty"`
	// TextFeatures are a text model's n-gram, binary and tf-idf settings
	// (naive Bayes files of version 2); nil is unigram counts.
	TextFeatures *nbFeatures `json:"text_features,omitempty"`
}

// trainingInfo is a model's provenance.
type trainingInfo struct {
	Data     string   `json:"data"`
	Test     string   `json:"test,omitempty"` // the --test file
	Rows     int      `json:"rows"`
	NTrain   int      `json:"n_train"`
	NTest    int      `json:"n_test"`
	Seed     uint64   `json:"seed"`
	EvalOn   string   `json:"eval_on,omitempty"`
	Accuracy *float64 `json:"accuracy,omitempty"`
	Weight   string   `json:"weight,omitempty"` // the --weight column the rows were weighted by
	// AccuracyWeighted says that Accuracy is weighted by Weight's column.
	AccuracyWeighted bool `json:"accuracy_weighted,omitempty"`
	// Survival names a gbt survival model's event and upper-bound columns,
	// so that ember predict can score a file that has them; nil for other
	// models and for survival models saved before it was recorded.
	Survival *survivalColumns `json:"survival,omitempty"`
}

// survivalColumns are the columns a survival model's times were read
// with besides the target: survival:cox's --event flags and survival:aft's
// --label-upper bounds, "" for a model fitted without one.
type survivalColumns struct {
	Event      string `json:"event"`
	LabelUpper string `json:"label_upper"`
}

// modelFile is a model being saved or one loaded.
type modelFile struct {
	path    string
	meta    modelMeta
	tensors []checkpoint.Tensor
}

func newModelFile(command string) *modelFile {
	return &modelFile{meta: modelMeta{Version: modelMetaVersion, Command: command, Settings: map[string]any{}}}
}

// setState stores v as the model's small state.
func (m *modelFile) setState(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m.meta.State = b
	return nil
}

// vector adds a float64 tensor of one dimension.
func (m *modelFile) vector(name string, v []float64) {
	b := graph.NewBuf(tensor.Float64, len(v))
	copy(b.F64, v)
	m.tensors = append(m.tensors, checkpoint.Tensor{Name: name, Buf: b})
}

// matrix adds a float64 tensor of rows × len(rows[0]).
func (m *modelFile) matrix(name string, rows [][]float64) {
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	b := graph.NewBuf(tensor.Float64, len(rows), cols)
	for i, r := range rows {
		copy(b.F64[i*cols:(i+1)*cols], r)
	}
	m.tensors = append(m.tensors, checkpoint.Tensor{Name: name, Buf: b})
}

// save writes the file atomically.
func (m *modelFile) save(path string) error {
	return checkpoint.Save(path, "ember."+m.meta.Command, m.meta, m.tensors)
}

// loadModelFile reads and verifies an ember model file of any kind.
func loadModelFile(path string) (*modelFile, error) {
	f, err := checkpoint.Load(path, "")
	if err != nil {
		return nil, err
	}
	command, ok := strings.CutPrefix(f.Kind, "ember.")
	if _, known := scorers[command]; !ok || !known {
		hint := ""
		if f.Kind == "ember.spamrnn" {
			hint = "; use spamrnn predict or spamrnn eval"
		}
		return nil, fmt.Errorf("model file %s holds a %q model, which ember predict does not score (it scores %s)%s",
			path, f.Kind, strings.Join(scorerKinds(), ", "), hint)
	}
	m := &modelFile{path: path, tensors: f.Tensors}
	if err := f.DecodeMeta(&m.meta); err != nil {
		return nil, err
	}
	newest := modelMetaVersion
	switch command {
	case "gbt": // its own layout, versioned by package gbt
		newest = gbt.FileVersion
	case "naivebayes": // version 2 adds feature settings (nbFileVersion)
		newest = nbFileVersion
	case "logreg": // version 2 adds the feature pipeline, 3 its missing category (logregFileVersion)
		newest = logregFileVersion
	}
	switch {
	case m.meta.Version > newest:
		return nil, fmt.Errorf("model file %s: metadata version %d is newer than this ember reads (%d); use a newer ember",
			path, m.meta.Version, newest)
	case m.meta.Version < 1:
		return nil, fmt.Errorf("model file %s: no metadata version", path)
	case m.meta.Command != command:
		return nil, fmt.Errorf("model file %s: kind %q but metadata for %q", path, f.Kind, m.meta.Command)
	}
	return m, nil
}

func scorerKinds() []string {
	var out []string
	for k := range scorers {
		out = append(out, "ember."+k)
	}
	slices.Sort(out)
	return out
}

// tensor returns a named float64 tensor, checking its shape (-1 matches
// any length in that dimension).
func (m *modelFile) tensor(name string, shape ...int) (*graph.Buf, error) {
	for _, t := range m.tensors {
		if t.Name != name {
			continue
		}
		b := t.Buf
		ok := b != nil && b.Dtype == tensor.Float64 && len(b.Shape) == len(shape)
		for i := 0; ok && i < len(shape); i++ {
			ok = shape[i] < 0 || b.Shape[i] == shape[i]
		}
		if !ok {
			return nil, fmt.Errorf("model file %s: tensor %s is not float64 of shape %v", m.path, name, shape)
		}
		return b, nil
	}
	return nil, fmt.Errorf("model file %s: no tensor %s", m.path, name)
}

// vectorOf reads a one-dimensional tensor of n values (-1: any).
func (m *modelFile) vectorOf(name string, n int) ([]float64, error) {
	b, err := m.tensor(name, n)
	if err != nil {
		return nil, err
	}
	return slices.Clone(b.F64), nil
}

// matrixOf reads a two-dimensional tensor as rows (-1: any size).
func (m *modelFile) matrixOf(name string, rows, cols int) ([][]float64, error) {
	b, err := m.tensor(name, rows, cols)
	if err != nil {
		return nil, err
	}
	r, c := b.Shape[0], b.Shape[1]
	out := make([][]float64, r)
	for i := range out {
		out[i] = slices.Clone(b.F64[i*c : (i+1)*c])
	}
	return out, nil
}

// decodeState decodes the model's small state into v.
func (m *modelFile) decodeState(v any) error {
	if err := json.Unmarshal(m.meta.State, v); err != nil {
		return fmt.Errorf("model file %s: state: %w", m.path, err)
	}
	return nil
}
