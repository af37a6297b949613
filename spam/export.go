package spam

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/atomicfile"
	"github.com/emberml/ember/layers"
)

// An export is a directory a PyTorch user can load without Ember:
//
//	model.safetensors  the weights under the reference SpamRNN's state_dict
//	                   names: emb.weight, lstm.weight_ih_l<k>,
//	                   lstm.weight_hh_l<k>, lstm.bias_ih_l<k>,
//	                   lstm.bias_hh_l<k>, fc.weight, fc.bias (float32);
//	                   a GRU model has gru.* in place of lstm.*; a
//	                   bidirectional one has each layer's reverse cell
//	                   too, under the same names with _reverse added
//	vocab.txt          one token per line; line n (from 0) is id n: 0 the
//	                   padding, 1 the unknown word
//	config.json        ExportConfigJSON: sizes, padding, packed, class
//	                   labels, cleaning rules
//
// benchmarks/pytorch/spamrnn_torch.py loads one into PyTorch. A packed
// model (Config.Packed) has the same weights as a padded one: only how
// the recurrent layers run differs, so config.json's "packed" tells the
// PyTorch model to run them on a pack_padded_sequence.
const (
	ExportWeights = "model.safetensors"
	ExportVocab   = "vocab.txt"
	ExportConfig  = "config.json"
	// ExportFormat names the layout in config.json.
	ExportFormat = "ember.spamrnn.export"
)

// ExportConfigJSON is config.json: the model's architecture in PyTorch's
// terms and the preprocessing in words, enough to rebuild the model and
// encode messages as training did.
type ExportConfigJSON struct {
	Format  string `json:"format"`  // ExportFormat
	Version int    `json:"version"` // 1
	Cell    string `json:"cell"`    // "lstm" or "gru"
	// VocabSize, EmbeddingDim, HiddenSize, NumLayers and Dropout are
	// nn.Embedding's and nn.LSTM's arguments; the LSTM is batch_first.
	VocabSize    int     `json:"vocab_size"`
	EmbeddingDim int     `json:"embedding_dim"`
	HiddenSize   int     `json:"hidden_size"`
	NumLayers    int     `json:"num_layers"`
	Dropout      float64 `json:"dropout"`
	BatchFirst   bool    `json:"batch_first"`
	// PaddingIdx is nn.Embedding's padding_idx: 0 when the padding row is
	// fixed at zero, null when it was learned like any other row.
	PaddingIdx *int `json:"padding_idx"`
	// Packed: the recurrent layers run on each message's own length, as
	// on torch.nn.utils.rnn.pack_padded_sequence of the message's tokens
	// (moved to the front of the row, where PyTorch wants them), and h is
	// each message's final state h_n[-1]. False (and absent, in exports
	// from before the field): they run over the whole left-padded row.
	Packed bool `json:"packed"`
	// Bidirectional is nn.LSTM's (nn.GRU's) bidirectional: h is then
	// torch.cat((h_n[-2], h_n[-1]), 1), the forward direction's final
	// state beside the reverse direction's, and fc reads 2·hidden_size
	// features. False (and absent, in exports from before the field):
	// one direction.
	Bidirectional bool `json:"bidirectional"`
	SeqLen        int  `json:"seq_len"`
	PadID         int  `json:"pad_id"`
	UnkID         int  `json:"unk_id"`
	// Labels name the classes: the model's probability is of Positive.
	// Absent (exports from before the field): ham and spam.
	Labels *Labels `json:"labels,omitempty"`
	// Lowercase, Punctuation and Split describe the cleaning: lower-case,
	// delete every character of Punctuation, split on white space.
	Lowercase   bool   `json:"lowercase"`
	Punctuation string `json:"punctuation"`
	Split       string `json:"split"`
	// Encoding and Output say, in words, how ids are laid out and what the
	// model computes.
	Encoding string `json:"encoding"`
	Output   string `json:"output"`
	// Train is how the model was trained (absent for an imported model
	// that was not).
	Train *TrainInfo `json:"train,omitempty"`
}

// exportNames maps Ember's names for the spam model's embedding and dense
// layer to the reference SpamRNN's; the LSTM's are PyTorch's already.
var exportNames = checkpoint.Rename{
	"embedding.weight": "emb.weight",
	"dense.weight":     "fc.weight",
	"dense.bias":       "fc.bias",
}

func (c *Classifier) exportConfig() ExportConfigJSON {
	cfg := c.Model.Cfg
	labels := c.Labels
	if labels == (Labels{}) {
		labels = SMSLabels
	}
	ec := ExportConfigJSON{
		Format: ExportFormat, Version: 1, Cell: cfg.Cell,
		VocabSize: cfg.Vocab, EmbeddingDim: cfg.Embed, HiddenSize: cfg.Hidden, NumLayers: cfg.Layers,
		Dropout: cfg.Dropout, BatchFirst: true, SeqLen: cfg.SeqLen, PadID: data.PadID, UnkID: data.UnkID,
		Lowercase: true, Punctuation: data.Punctuation, Split: "white space (Unicode), runs of it as one",
		Encoding: "keep the first seq_len tokens; map words not in vocab.txt to unk_id; " +
			"pad on the left with pad_id to exactly seq_len, so the last step holds the last kept word",
		Output: "sigmoid(fc(h)), h the top " + strings.ToUpper(cfg.Cell) +
			" layer's hidden state at the last step: the probability of " + labels.Positive,
		Packed: cfg.Packed, Bidirectional: cfg.Bidirectional, Labels: &labels,
	}
	if cfg.Packed {
		ec.Encoding += "; packed: the message's length is seq_len minus its left padding, and its tokens " +
			"are moved to the front of the row for pack_padded_sequence"
		ec.Output = "sigmoid(fc(h)), h the top " + strings.ToUpper(cfg.Cell) + " layer's final state h_n[-1] " +
			"on the packed message (zero for a message of no tokens): the probability of " + labels.Positive
	}
	if cfg.Bidirectional {
		state := "last step's hidden state"
		if cfg.Packed {
			state = "final state on the packed message"
		}
		ec.Output = "sigmoid(fc(h)), h = torch.cat((h_n[-2], h_n[-1]), 1) of the top bidirectional " +
			strings.ToUpper(cfg.Cell) + " layer: the forward direction's " + state +
			" beside the reverse direction's final state (after it has read the first step): the probability of " + labels.Positive
	}
	if p := c.Model.Emb.Padding; p != layers.NoPadding {
		ec.PaddingIdx = &p
	}
	if c.Info != (TrainInfo{}) {
		info := c.Info
		ec.Train = &info
	}
	return ec
}

// Export writes the classifier to dir (created if needed) as
// model.safetensors, vocab.txt and config.json. Each file is written
// atomically; files of other names in dir are left alone.
func (c *Classifier) Export(dir string) error {
	if err := c.check(); err != nil {
		return err
	}
	if cell := c.Model.Cfg.Cell; cell != "lstm" && cell != "gru" {
		return fmt.Errorf("a %s model has no reference PyTorch counterpart (export takes lstm and gru models)", cell)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var cfgJSON bytes.Buffer
	enc := json.NewEncoder(&cfgJSON)
	enc.SetEscapeHTML(false) // the punctuation list stays readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(c.exportConfig()); err != nil {
		return fmt.Errorf("export: config: %w", err)
	}
	var vocab bytes.Buffer
	for _, w := range c.Vocab.Words() {
		vocab.WriteString(w)
		vocab.WriteByte('\n')
	}
	meta := map[string]string{"format": "pt", "ember": ExportFormat}
	if err := checkpoint.SaveSafetensors(filepath.Join(dir, ExportWeights), c.Model.Params(), exportNames, meta); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{ExportVocab, vocab.Bytes()}, {ExportConfig, cfgJSON.Bytes()}} {
		err := atomicfile.Write(filepath.Join(dir, f.name), func(w io.Writer) error { _, err := w.Write(f.data); return err })
		if err != nil {
			return fmt.Errorf("export: %s: %w", filepath.Join(dir, f.name), err)
		}
	}
	return nil
}

// Import reads an export directory (written by Export, or by
// benchmarks/pytorch/spamrnn_torch.py from a PyTorch model) into a
// classifier. Every file is checked before the model is built: errors name
// the file and what is wrong in it (in config.json, the line and column of
// a syntax error or a value of the wrong type and what was wanted there,
// or the required fields that are missing); a directory without the three
// files gets an error matching ErrNotExport.
func Import(dir string) (*Classifier, error) {
	if err := checkExportDir(dir); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, ExportConfig)
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	ec, err := decodeExportConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	if err := ec.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	vocab, err := readVocab(filepath.Join(dir, ExportVocab), ec.VocabSize)
	if err != nil {
		return nil, err
	}
	cfg := Config{Cell: ec.Cell, SeqLen: ec.SeqLen, Embed: ec.EmbeddingDim, Hidden: ec.HiddenSize, Layers: ec.NumLayers,
		Dropout: ec.Dropout, Vocab: ec.VocabSize, Padding: PaddingZero, Packed: ec.Packed, Bidirectional: ec.Bidirectional}
	if ec.PaddingIdx == nil {
		cfg.Padding = PaddingLearned
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	// The weights file holds every parameter in at least 2 bytes (F16 or
	// BF16, which loading widens; float32 as PyTorch saves them): sizes
	// that need more than it has are wrong, and are said before the model
	// is built (which they could make take more memory than the machine
	// has). Loading checks each tensor's shape and dtype.
	weights := filepath.Join(dir, ExportWeights)
	fi, err := os.Stat(weights)
	if err != nil {
		return nil, err
	}
	if need := int64(cfg.paramBound()) * 2; need > fi.Size() {
		return nil, fmt.Errorf("%s describes %s (%s parameters, at least %s bytes at 2 bytes each), but %s holds %s bytes",
			cfgPath, cfg.describe(), groupDigits(cfg.paramBound()), groupDigits(int(need)), weights, groupDigits(int(fi.Size())))
	}
	m, err := NewModel(cfg, 1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	if _, err := checkpoint.LoadSafetensors(weights, m.Params(), exportNames); err != nil {
		if errors.Is(err, checkpoint.ErrMismatch) {
			// config.json edited, or from another model: the tensors'
			// list alone does not say which of the two is wrong.
			return nil, fmt.Errorf("%s does not hold the model %s describes (%s):\n%w", weights, cfgPath, cfg.describe(), err)
		}
		return nil, err
	}
	for _, p := range m.Params() {
		if err := p.CheckFinite(); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ExportWeights), err)
		}
	}
	info := TrainInfo{Source: "imported from " + dir}
	if ec.Train != nil {
		info = *ec.Train
	}
	labels := SMSLabels
	if ec.Labels != nil {
		labels = *ec.Labels
	}
	return &Classifier{Model: m, Vocab: vocab, Labels: labels, Info: info}, nil
}

// ErrNotExport matches Import's errors for a directory that is not an
// export, or one without all of its files.
var ErrNotExport = errors.New("not a spamrnn export")

// checkExportDir checks that dir is a directory holding the three files
// of an export, saying what an export holds when it is not one: a
// directory of something else, or one with a file missing, would
// otherwise be reported as a failed open of config.json.
func checkExportDir(dir string) error {
	holds := fmt.Sprintf("an export holds %s, %s and %s", ExportWeights, ExportVocab, ExportConfig)
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("export %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("%s: %w: not a directory (%s)", dir, ErrNotExport, holds)
	}
	var missing []string
	for _, name := range []string{ExportWeights, ExportVocab, ExportConfig} {
		if _, err := os.Stat(filepath.Join(dir, name)); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, name)
		} else if err != nil {
			return err
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w: it has no %s (%s)", dir, ErrNotExport, strings.Join(missing, " or "), holds)
}

// exportRequired are the fields of config.json that Import cannot do
// without: the architecture, the ids and the cleaning. The others have a
// meaning when absent (packed, bidirectional and labels: exports from
// before them; dropout: none at inference) or only describe.
var exportRequired = []string{"format", "version", "cell", "vocab_size", "embedding_dim", "hidden_size", "num_layers",
	"batch_first", "padding_idx", "seq_len", "pad_id", "unk_id", "lowercase", "punctuation"}

// decodeExportConfig decodes config.json. A syntax error or a value of the
// wrong type is said with its line and column and what was expected; a
// required field that is missing, or null where it may not be, by name.
// Fields it does not know are ignored, as newer exports may add some.
func decodeExportConfig(raw []byte) (ExportConfigJSON, error) {
	var ec ExportConfigJSON
	if err := json.Unmarshal(raw, &ec); err != nil {
		return ec, explainJSON(raw, err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return ec, explainJSON(raw, err) // a top-level null
	}
	var missing, null []string
	for _, name := range exportRequired {
		switch v, ok := fields[name]; {
		case !ok:
			missing = append(missing, name)
		case string(v) == "null" && name != "padding_idx": // null: the padding is learned
			null = append(null, name)
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "missing "+strings.Join(missing, ", "))
	}
	if len(null) > 0 {
		problems = append(problems, strings.Join(null, ", ")+" null where a value is needed")
	}
	if len(problems) > 0 {
		return ec, fmt.Errorf("%s (an export's config.json sets %s)", strings.Join(problems, "; "), strings.Join(exportRequired, ", "))
	}
	return ec, nil
}

// check validates config.json against what Ember's model and pipeline can
// reproduce.
func (ec ExportConfigJSON) check() error {
	if ec.Labels != nil {
		if err := ec.Labels.check(); err != nil {
			return err
		}
	}
	switch {
	case ec.Format != ExportFormat:
		return fmt.Errorf("format %q: want %q", ec.Format, ExportFormat)
	case ec.Version != 1:
		return fmt.Errorf("version %d: this Ember reads version 1", ec.Version)
	case ec.Cell != "lstm" && ec.Cell != "gru":
		return fmt.Errorf("cell %q: want lstm or gru", ec.Cell)
	case !ec.BatchFirst:
		return errors.New("batch_first is false: the export layout is batch-first ids")
	case ec.PaddingIdx != nil && *ec.PaddingIdx != data.PadID:
		return fmt.Errorf("padding_idx %d: Ember pads with id %d, so padding_idx must be %d or null", *ec.PaddingIdx, data.PadID, data.PadID)
	case ec.PadID != data.PadID || ec.UnkID != data.UnkID:
		return fmt.Errorf("pad_id %d and unk_id %d: Ember's vocabulary has padding at %d and the unknown word at %d",
			ec.PadID, ec.UnkID, data.PadID, data.UnkID)
	case ec.EmbeddingDim < 1 || ec.EmbeddingDim > maxWidth:
		return fmt.Errorf("embedding_dim %d: want 1 to %d", ec.EmbeddingDim, maxWidth)
	case ec.HiddenSize < 1 || ec.HiddenSize > maxWidth:
		return fmt.Errorf("hidden_size %d: want 1 to %d", ec.HiddenSize, maxWidth)
	case ec.NumLayers < 1 || ec.NumLayers > maxLayers:
		return fmt.Errorf("num_layers %d: want 1 to %d", ec.NumLayers, maxLayers)
	case ec.SeqLen < 1 || ec.SeqLen > maxSeqLen:
		return fmt.Errorf("seq_len %d: want 1 to %d", ec.SeqLen, maxSeqLen)
	case !ec.Lowercase || ec.Punctuation != data.Punctuation:
		return fmt.Errorf("cleaning (lowercase %v, punctuation %q): Ember cleans by lower-casing and deleting %q",
			ec.Lowercase, ec.Punctuation, data.Punctuation)
	}
	return nil
}

// readVocab reads vocab.txt: one token per line, line n is id n, starting
// with the padding and unknown tokens; it must have size entries.
func readVocab(path string, size int) (*data.Vocab, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var words []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		w := strings.TrimSuffix(sc.Text(), "\r")
		if w == "" {
			return nil, fmt.Errorf("%s: line %d is empty (every line is one token; id = line number − 1)", path, len(words)+1)
		}
		if strings.ContainsFunc(w, isSpace) {
			return nil, fmt.Errorf("%s: line %d (%q) contains white space, which no token can", path, len(words)+1, clipToken(w))
		}
		words = append(words, w)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: line %d is longer than 1 MiB: not a vocabulary (one token per line)", path, len(words)+1)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(words) != size {
		return nil, fmt.Errorf("%s: %d tokens, but config.json says vocab_size %d", path, len(words), size)
	}
	v, err := data.VocabFromWords(words)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// clipToken shortens a bad vocabulary line for an error message: a file
// that is no vocabulary (a model file copied over it) has lines of
// thousands of bytes.
func clipToken(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

func isSpace(r rune) bool { return strings.TrimSpace(string(r)) == "" }
