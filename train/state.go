package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/optim"
)

// StateKind is the kind (checkpoint.File.Kind) of training-state files.
const StateKind = "ember.trainstate"

// stateVersion is the layout of a state file's metadata; a file of a newer
// layout is refused rather than misread.
const stateVersion = 1

// stateNoun is what errors call a state file.
const stateNoun = "training state file"

// ErrStateMismatch matches (errors.Is) the errors of a resume refused
// because the state file is of another run: another model, batch size,
// optimizer, data, … The error says what differs.
var ErrStateMismatch = errors.New("the training state is of another run")

// State is a training run's state as a state file holds it (LoadState):
// everything the run's next step depends on, so that a run resumed from it
// continues exactly, bit for bit, as the run that wrote it would have.
//
// A Trainer's state (Trainer.SaveState) is its weights, the optimizer's
// state (its per-parameter buffers such as Adam's moments, its step count,
// its settings and parameter groups) and its dropout run counters. Fit's
// state (Config.StateFile) adds the loop's: the epoch and the position in
// that epoch's order, the sampler's random state, the epoch's running
// figures, the history of epoch figures, the best weights so far and their
// epoch, and the identity of the training and validation data (a SHA-256
// of every example as Data.Fill writes it), so that a resume on other data
// is refused.
//
// Resume a Trainer with NewTrainer and a Fit with Fit, passing the state
// as Config.Resume.
type State struct {
	// Path is where LoadState read the state.
	Path string
	// Epoch is the number of complete epochs; Step the steps done of the
	// epoch after it (0: the state is at an epoch's end). Both are 0 in a
	// Trainer's state.
	Epoch, Step int
	// Epochs is the number of epochs the run was set to train
	// (Config.Epochs).
	Epochs int
	// BestEpoch is the epoch whose weights the state keeps as the best so
	// far (0: none yet), History every complete epoch's figures.
	BestEpoch int
	History   []EpochStats
	// StoppedEarly: the run stopped for lack of progress (Config.Patience).
	StoppedEarly bool
	// Interrupted: the state was written when the run was stopped (its
	// context cancelled), not at an epoch's end.
	Interrupted bool
	// OptimizerSteps is the optimizer's step count.
	OptimizerSteps int

	meta stateMeta
	file *checkpoint.File
	// fit's float figures, kept in a tensor (JSON has no NaN)
	sums fitSums
}

// stateMeta is a state file's JSON metadata.
type stateMeta struct {
	Version int             `json:"version"`
	Trainer trainerMeta     `json:"trainer"`
	Fit     *fitMeta        `json:"fit,omitempty"`
	User    json.RawMessage `json:"meta,omitempty"`
}

// trainerMeta is what a Trainer's state holds besides its tensors.
type trainerMeta struct {
	BatchSize int           `json:"batch_size"`
	Dtype     string        `json:"dtype"`
	ClipNorm  float64       `json:"clip_norm"`
	Params    []string      `json:"params"` // names, in the store's order
	Optimizer optimizerMeta `json:"optimizer"`
	// Dropout holds the dropout ops' seeds and run counters of each
	// training program, by its batch size (Fit's last short batch has a
	// program of its own).
	Dropout map[string][]dropoutMeta `json:"dropout"`
}

type optimizerMeta struct {
	Type     string          `json:"type"` // package path and type name
	Settings json.RawMessage `json:"settings"`
	Steps    int             `json:"steps"`
	Slots    []string        `json:"slots"`
	Groups   []groupMeta     `json:"groups,omitempty"` // optim's parameter groups
}

// groupMeta is a parameter group (optim.Group): its settings and the
// names of its parameters.
type groupMeta struct {
	LR          float64  `json:"lr"`
	WeightDecay float64  `json:"weight_decay"`
	Params      []string `json:"params"`
}

// groupsOf lists opt's parameter groups, if it has any.
func groupsOf(opt any) []groupMeta {
	g, ok := opt.(interface{ Groups() []*optim.Group })
	if !ok {
		return nil
	}
	var out []groupMeta
	for _, gr := range g.Groups() {
		m := groupMeta{LR: gr.LR, WeightDecay: gr.WeightDecay, Params: []string{}}
		for _, p := range gr.Params() {
			m.Params = append(m.Params, p.Name)
		}
		out = append(out, m)
	}
	return out
}

// groupsDiff says how two lists of parameter groups differ, "" when they
// do not.
func groupsDiff(have, saved []groupMeta) string {
	if len(have) != len(saved) {
		return fmt.Sprintf("%d parameter groups, the state's run %d", len(have), len(saved))
	}
	for i, h := range have {
		s := saved[i]
		switch {
		case !slices.Equal(h.Params, s.Params):
			return fmt.Sprintf("parameter group %d holds %v, the state's run's %v", i+1, h.Params, s.Params)
		case h.LR != s.LR:
			return fmt.Sprintf("parameter group %d has LR %v, the state's run %v", i+1, h.LR, s.LR)
		case h.WeightDecay != s.WeightDecay:
			return fmt.Sprintf("parameter group %d has WeightDecay %v, the state's run %v", i+1, h.WeightDecay, s.WeightDecay)
		}
	}
	return ""
}

type dropoutMeta struct {
	Seed uint64 `json:"seed"`
	Run  uint64 `json:"run"`
}

// fitMeta is the loop's part of a state written by Fit.
type fitMeta struct {
	Epochs       int    `json:"epochs"`
	Seed         uint64 `json:"seed"`
	KeepLast     bool   `json:"keep_last"`
	Select       string `json:"select"`
	Patience     int    `json:"patience"`
	Epoch        int    `json:"epoch"`
	Step         int    `json:"step"`
	Sampler      []byte `json:"sampler"` // the sampler's state before epoch Epoch+1's order was drawn
	Correct      int    `json:"correct"` // epoch Epoch+1's running figures
	Count        int    `json:"count"`
	Seen         int    `json:"seen"` // sequences trained on over the run
	BestEpoch    int    `json:"best_epoch"`
	StoppedEarly bool   `json:"stopped_early"`
	Interrupted  bool   `json:"interrupted"`
	Data         dataID `json:"data"`
}

// fitSums are the loop's float figures: the running loss sum of the epoch
// in progress and the time spent so far.
type fitSums struct {
	LossSum, EpochSeconds, StepSeconds, TrainSeconds float64
}

// dataID identifies the data a run trains and validates on.
type dataID struct {
	Train dataHash  `json:"train"`
	Val   *dataHash `json:"validation,omitempty"`
}

type dataHash struct {
	Examples int    `json:"examples"`
	SHA256   string `json:"sha256"`
}

// Tensor names in a state file.
const (
	paramPrefix   = "param/"
	bestPrefix    = "best/"
	optPrefix     = "optimizer/" // optimizer/<slot>/<param>
	historyTensor = "fit/history"
	sumsTensor    = "fit/sums"
	historyCols   = 7 // EpochStats' fields, in order
)

// LoadState reads and verifies the state file at path (written by
// Trainer.SaveState or by Fit with Config.StateFile). A truncated, corrupt
// or foreign file is refused with an error naming it; nothing else is
// read or changed.
func LoadState(path string) (*State, error) {
	f, err := checkpoint.LoadAs(path, stateNoun, "")
	if err != nil {
		return nil, err
	}
	s := &State{Path: path, file: f}
	if s.meta, err = stateMetaOf(f); err != nil {
		return nil, err
	}
	if err := s.parse(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %w", stateNoun, path, checkpoint.ErrInvalid, err)
	}
	return s, nil
}

// StateHeader is what a state file's header says about its run
// (PeekState): the caller's metadata, unverified against the tensors.
type StateHeader struct {
	// Path is where PeekState read the header.
	Path string

	meta stateMeta
}

// PeekState reads the header of the state file at path: its kind, its
// layout and the metadata, the caller's included (Config.StateMeta, or
// SaveState's meta), which StateHeader.DecodeMeta decodes as
// State.DecodeMeta does. The tensors, most of the file (the weights, the
// optimizer's buffers, the best weights), are neither read nor verified,
// so a file damaged there still shows its metadata: PeekState tells what
// a file is at a cost that does not grow with the model. A file that is
// not a state file, or of a newer layout, is refused as LoadState refuses
// it; only LoadState's State resumes a run.
func PeekState(path string) (*StateHeader, error) {
	f, err := checkpoint.PeekAs(path, stateNoun)
	if err != nil {
		return nil, err
	}
	m, err := stateMetaOf(f)
	if err != nil {
		return nil, err
	}
	return &StateHeader{Path: path, meta: m}, nil
}

// DecodeMeta unmarshals the caller's metadata into v, as json.Unmarshal
// does.
func (h *StateHeader) DecodeMeta(v any) error { return h.meta.decodeUser(h.Path, v) }

// stateMetaOf is the metadata of f, read by LoadState or PeekState,
// refusing a file of another kind or a newer layout.
func stateMetaOf(f *checkpoint.File) (stateMeta, error) {
	var m stateMeta
	if f.Kind != StateKind {
		return m, fmt.Errorf("%s %s: %w: it holds %q, not a training state", stateNoun, f.Path, checkpoint.ErrKind, f.Kind)
	}
	if err := f.DecodeMeta(&m); err != nil {
		return m, err
	}
	if m.Version != stateVersion {
		return m, fmt.Errorf("%s %s: %w: state layout %d, this build reads %d", stateNoun, f.Path, checkpoint.ErrVersion, m.Version, stateVersion)
	}
	return m, nil
}

// parse checks the metadata against the tensors and fills the exported
// fields.
func (s *State) parse() error {
	tm := &s.meta.Trainer
	if tm.BatchSize < 1 || len(tm.Params) == 0 || tm.Dtype == "" {
		return errors.New("no trainer settings")
	}
	seen := map[string]bool{}
	for _, name := range tm.Params {
		if seen[name] {
			return fmt.Errorf("parameter %s listed twice", name)
		}
		seen[name] = true
		if _, err := s.file.Tensor(paramPrefix + name); err != nil {
			return err
		}
	}
	if tm.Optimizer.Steps < 0 {
		return fmt.Errorf("negative optimizer step count %d", tm.Optimizer.Steps)
	}
	s.OptimizerSteps = tm.Optimizer.Steps
	fm := s.meta.Fit
	if fm == nil {
		return nil
	}
	if fm.Epoch < 0 || fm.Step < 0 || fm.Epochs < 1 || fm.BestEpoch < 0 || fm.BestEpoch > fm.Epoch || fm.Count < 0 || fm.Correct < 0 || fm.Correct > fm.Count {
		return fmt.Errorf("implausible position: epoch %d of %d, step %d, best epoch %d", fm.Epoch, fm.Epochs, fm.Step, fm.BestEpoch)
	}
	h, err := s.file.Tensor(historyTensor)
	if err != nil {
		return err
	}
	if h.Dtype != tensor.Float64 || len(h.Shape) != 2 || h.Shape[0] != fm.Epoch || h.Shape[1] != historyCols {
		return fmt.Errorf("history %v %v for %d epochs", h.Dtype, h.Shape, fm.Epoch)
	}
	for e := range fm.Epoch {
		r := h.F64[e*historyCols : (e+1)*historyCols]
		s.History = append(s.History, EpochStats{Epoch: e + 1, TrainLoss: r[1], TrainAcc: r[2], ValLoss: r[3], ValAcc: r[4], Seconds: r[5], SeqPerSec: r[6]})
	}
	sums, err := s.file.Tensor(sumsTensor)
	if err != nil {
		return err
	}
	if sums.Dtype != tensor.Float64 || sums.Len() != 4 {
		return fmt.Errorf("running figures %v %v", sums.Dtype, sums.Shape)
	}
	s.sums = fitSums{LossSum: sums.F64[0], EpochSeconds: sums.F64[1], StepSeconds: sums.F64[2], TrainSeconds: sums.F64[3]}
	s.Epoch, s.Step, s.Epochs = fm.Epoch, fm.Step, fm.Epochs
	s.BestEpoch, s.StoppedEarly, s.Interrupted = fm.BestEpoch, fm.StoppedEarly, fm.Interrupted
	return nil
}

// DecodeMeta unmarshals the caller's metadata (Config.StateMeta, or
// SaveState's meta) into v, as json.Unmarshal does.
func (s *State) DecodeMeta(v any) error { return s.meta.decodeUser(s.Path, v) }

// decodeUser unmarshals the caller's metadata of the state file at path
// into v.
func (m *stateMeta) decodeUser(path string, v any) error {
	if len(m.User) == 0 {
		return fmt.Errorf("%s %s: no metadata of the caller's", stateNoun, path)
	}
	if err := json.Unmarshal(m.User, v); err != nil {
		return fmt.Errorf("%s %s: metadata: %w", stateNoun, path, err)
	}
	return nil
}

// FromFit reports whether Fit wrote the state (which then has the loop's
// position), rather than Trainer.SaveState.
func (s *State) FromFit() bool { return s.meta.Fit != nil }

// BatchSize is the batch size of the run.
func (s *State) BatchSize() int { return s.meta.Trainer.BatchSize }

// mismatch is an ErrStateMismatch error about s.
func (s *State) mismatch(format string, args ...any) error {
	return fmt.Errorf("train: resuming from %s %s: %w: %s", stateNoun, s.Path, ErrStateMismatch, fmt.Sprintf(format, args...))
}

// checkTrainer checks that a trainer of cfg over params can take s's
// state, and returns the optimizer whose state it restores.
func (s *State) checkTrainer(cfg Config, params []*graph.Param) (optim.Optimizer, error) {
	tm := &s.meta.Trainer
	if tm.BatchSize != cfg.BatchSize {
		return nil, s.mismatch("batch size %d, the state's run %d", cfg.BatchSize, tm.BatchSize)
	}
	if dt := cfg.Dtype.String(); dt != tm.Dtype {
		return nil, s.mismatch("dtype %s, the state's run %s", dt, tm.Dtype)
	}
	if cfg.ClipNorm != tm.ClipNorm {
		return nil, s.mismatch("gradient clipping at %v, the state's run at %v (0: none)", cfg.ClipNorm, tm.ClipNorm)
	}
	var problems []string
	have := map[string]*graph.Param{}
	for _, p := range params {
		have[p.Name] = p
	}
	for _, name := range tm.Params {
		p := have[name]
		b, _ := s.file.Tensor(paramPrefix + name)
		switch {
		case p == nil:
			problems = append(problems, fmt.Sprintf("the state has parameter %s %v, the model has none of that name", name, b.Shape))
		case p.Value.Dtype != b.Dtype || !slices.Equal(p.Value.Shape, b.Shape):
			problems = append(problems, fmt.Sprintf("parameter %s is %v %v, in the state %v %v", name, p.Value.Dtype, p.Value.Shape, b.Dtype, b.Shape))
		}
		delete(have, name)
	}
	for _, p := range params {
		if have[p.Name] != nil {
			problems = append(problems, fmt.Sprintf("the model's parameter %s %v is not in the state", p.Name, p.Value.Shape))
		}
	}
	if len(problems) > 0 {
		const show = 4
		more := ""
		if len(problems) > show {
			more = fmt.Sprintf("; and %d more", len(problems)-show)
			problems = problems[:show]
		}
		return nil, s.mismatch("another model: %s%s", strings.Join(problems, "; "), more)
	}
	opt, ok := cfg.Optimizer.(optim.Optimizer)
	if !ok {
		return nil, fmt.Errorf("train: the optimizer %T does not expose its state (optim.Optimizer): a run cannot be resumed with it", cfg.Optimizer)
	}
	om := &tm.Optimizer
	if typ := typeName(opt); typ != om.Type {
		return nil, s.mismatch("optimizer %s, the state's run %s", typ, om.Type)
	}
	settings, err := json.Marshal(opt)
	if err != nil {
		return nil, fmt.Errorf("train: the optimizer's settings: %w", err)
	}
	if diff := settingsDiff(settings, om.Settings); diff != "" {
		return nil, s.mismatch("optimizer settings differ: %s", diff)
	}
	if diff := groupsDiff(groupsOf(opt), om.Groups); diff != "" {
		return nil, s.mismatch("optimizer settings differ: %s", diff)
	}
	if !slices.Equal(opt.Slots(), om.Slots) {
		return nil, s.mismatch("optimizer state %v, the state's run %v", opt.Slots(), om.Slots)
	}
	for _, name := range tm.Params {
		p := paramNamed(params, name)
		n := 0
		for _, slot := range om.Slots {
			b, err := s.file.Tensor(optPrefix + slot + "/" + name)
			if err != nil {
				continue
			}
			if b.Dtype != p.Value.Dtype || b.Len() != p.Value.Len() {
				return nil, s.mismatch("the optimizer's %s state of %s is %v %v", slot, name, b.Dtype, b.Shape)
			}
			n++
		}
		if n != 0 && n != len(om.Slots) {
			return nil, fmt.Errorf("train: %s %s: %w: parameter %s has %d of the optimizer's %d state buffers", stateNoun, s.Path, checkpoint.ErrInvalid, name, n, len(om.Slots))
		}
	}
	return opt, nil
}

// restoreTrainer copies s's weights and optimizer state into params and
// opt (checked by checkTrainer): the host side, before a store is made
// from them.
func (s *State) restoreTrainer(params []*graph.Param, opt optim.Optimizer) error {
	om := &s.meta.Trainer.Optimizer
	for _, p := range params {
		b, _ := s.file.Tensor(paramPrefix + p.Name)
		if err := p.Value.CopyFrom(b); err != nil {
			return fmt.Errorf("train: restoring %s: %w", p.Name, err)
		}
		st := map[string]*graph.Buf{}
		for _, slot := range om.Slots {
			if b, err := s.file.Tensor(optPrefix + slot + "/" + p.Name); err == nil {
				st[slot] = b
			}
		}
		if err := opt.SetState(p, st); err != nil {
			return fmt.Errorf("train: restoring the optimizer's state: %w", err)
		}
	}
	return opt.SetStepCount(om.Steps)
}

// checkDropout checks that a training program of batch size batch has the
// dropout ops of s's run (their seeds).
func (s *State) checkDropout(batch int, drops []graph.Dropout) error {
	saved, ok := s.meta.Trainer.Dropout[fmt.Sprint(batch)]
	if !ok {
		return s.mismatch("no training program of batch size %d in the state", batch)
	}
	if len(saved) != len(drops) {
		return s.mismatch("the model applies dropout %d times, the state's %d", len(drops), len(saved))
	}
	for i, d := range drops {
		if d.Seed != saved[i].Seed {
			return s.mismatch("dropout %d is seeded %#x, in the state %#x (make the model afresh, as the run did, with the same seed: "+
				"a model built for training before draws new dropout seeds)", i+1, d.Seed, saved[i].Seed)
		}
	}
	return nil
}

// restoreDropout sets the run counters of drops (checked by checkDropout).
func (s *State) restoreDropout(batch int, drops []graph.Dropout) {
	saved := s.meta.Trainer.Dropout[fmt.Sprint(batch)]
	for i, d := range drops {
		d.SetRun(saved[i].Run)
	}
}

// typeName names an optimizer's type with its package path.
func typeName(v any) string {
	rt := reflect.TypeOf(v)
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	if rt.PkgPath() == "" {
		return rt.String()
	}
	return rt.PkgPath() + "." + rt.Name()
}

// settingsDiff lists the fields of two JSON objects that differ, "" when
// none do.
func settingsDiff(have, saved json.RawMessage) string {
	var a, b map[string]any
	if json.Unmarshal(have, &a) != nil || json.Unmarshal(saved, &b) != nil {
		if bytes.Equal(have, saved) {
			return ""
		}
		return fmt.Sprintf("%s, the state's run %s", have, saved)
	}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %v (the state's run: %v)", k, show(a[k]), show(b[k])))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, ", ")
}

func show(v any) any {
	if v == nil {
		return "none"
	}
	return v
}

func paramNamed(ps []*graph.Param, name string) *graph.Param {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// stateWriter gathers a state file's metadata and tensors.
type stateWriter struct {
	meta    stateMeta
	tensors []checkpoint.Tensor
}

// addTrainer records t's weights, optimizer state and dropout counters
// (the host's: sync a device first).
func (w *stateWriter) addTrainer(t *Trainer) error {
	opt, ok := t.cfg.Optimizer.(optim.Optimizer)
	if !ok {
		return fmt.Errorf("train: the optimizer %T does not expose its state (optim.Optimizer): a training state cannot be saved", t.cfg.Optimizer)
	}
	settings, err := json.Marshal(opt)
	if err != nil {
		return fmt.Errorf("train: the optimizer's settings: %w", err)
	}
	w.meta.Version = stateVersion
	w.meta.Trainer = trainerMeta{
		BatchSize: t.cfg.BatchSize, Dtype: t.cfg.Dtype.String(), ClipNorm: t.cfg.ClipNorm,
		Optimizer: optimizerMeta{Type: typeName(opt), Settings: settings, Steps: opt.StepCount(), Slots: opt.Slots(), Groups: groupsOf(opt)},
		Dropout:   map[string][]dropoutMeta{},
	}
	for _, p := range t.params {
		w.meta.Trainer.Params = append(w.meta.Trainer.Params, p.Name)
		w.tensors = append(w.tensors, checkpoint.Tensor{Name: paramPrefix + p.Name, Buf: p.Value})
	}
	for _, slot := range opt.Slots() {
		for _, p := range t.params {
			if b := opt.State(p)[slot]; b != nil {
				w.tensors = append(w.tensors, checkpoint.Tensor{Name: optPrefix + slot + "/" + p.Name, Buf: b})
			}
		}
	}
	w.addDropout(t)
	return nil
}

// addDropout records the dropout counters of t's program.
func (w *stateWriter) addDropout(t *Trainer) {
	ds := []dropoutMeta{}
	for _, d := range t.drops {
		ds = append(ds, dropoutMeta{Seed: d.Seed, Run: d.Run()})
	}
	w.meta.Trainer.Dropout[fmt.Sprint(t.cfg.BatchSize)] = ds
}

// save writes the state to path atomically, with the caller's metadata.
func (w *stateWriter) save(path string, user any) error {
	if user != nil {
		b, err := json.Marshal(user)
		if err != nil {
			return fmt.Errorf("%s %s: the caller's metadata: %w", stateNoun, path, err)
		}
		w.meta.User = b
	}
	return checkpoint.SaveAs(path, stateNoun, StateKind, w.meta, w.tensors)
}

// SaveState writes the trainer's state to path atomically (see State): its
// weights as the backend holds them, the optimizer's state and step count,
// and its dropout counters, with meta (any JSON value, or nil) for the
// caller. A trainer made by NewTrainer with the state as Config.Resume
// continues from there exactly.
func (t *Trainer) SaveState(path string, meta any) error {
	if err := t.SyncHost(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	var w stateWriter
	if err := w.addTrainer(t); err != nil {
		return err
	}
	return w.save(path, meta)
}

// fingerprint hashes every example of d as d.Fill writes it into buffers
// shaped like m's inputs for batch size batch (an inference build of m,
// which leaves the model as it was): the identity of a run's data.
func fingerprint(m Model, dt tensor.Dtype, batch int, d Data) (dataHash, error) {
	n := d.Len()
	if n == 0 {
		return dataHash{SHA256: hex.EncodeToString(sha256.New().Sum(nil))}, nil
	}
	g := graph.New(dt, false)
	net, err := buildNet(m, g, batch, "Config.Dtype")
	if err != nil {
		return dataHash{}, err
	}
	var bufs []*graph.Buf
	for _, in := range net.Inputs {
		bufs = append(bufs, graph.NewBuf(in.Dtype(), in.Shape()...))
	}
	target := graph.NewBuf(net.Target.Dtype(), net.Target.Shape()...)
	h := sha256.New()
	var scratch []byte
	hashBuf := func(b *graph.Buf) {
		scratch = scratch[:0]
		switch b.Dtype {
		case tensor.Float32:
			for _, v := range b.F32 {
				scratch = binary.LittleEndian.AppendUint32(scratch, math.Float32bits(v))
			}
		case tensor.Float64:
			for _, v := range b.F64 {
				scratch = binary.LittleEndian.AppendUint64(scratch, math.Float64bits(v))
			}
		case tensor.Int32:
			for _, v := range b.I32 {
				scratch = binary.LittleEndian.AppendUint32(scratch, uint32(v))
			}
		}
		h.Write(scratch)
	}
	idx := make([]int, batch)
	var head [8]byte
	binary.LittleEndian.PutUint64(head[:], uint64(n))
	h.Write(head[:])
	// Batches of consecutive examples, the last one wrapping around to the
	// first: every example is hashed in its place, whatever the sizes.
	for lo := 0; lo < n; lo += batch {
		for k := range idx {
			idx[k] = (lo + k) % n
		}
		if err := d.Fill(idx, bufs, target); err != nil {
			return dataHash{}, err
		}
		for _, b := range bufs {
			hashBuf(b)
		}
		hashBuf(target)
	}
	return dataHash{Examples: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// checkData compares the data's identity with the state's.
func (s *State) checkData(what string, have dataHash, saved *dataHash) error {
	switch {
	case saved == nil:
		return s.mismatch("the run had no %s data, this one has %d examples", what, have.Examples)
	case have.Examples != saved.Examples:
		return s.mismatch("other %s data: %d examples, the state's run had %d", what, have.Examples, saved.Examples)
	case have.SHA256 != saved.SHA256:
		return s.mismatch("other %s data: the %d examples differ from the state's run's (SHA-256 %.12s…, the state's %.12s…)",
			what, have.Examples, have.SHA256, saved.SHA256)
	}
	return nil
}

// dataIdentity fingerprints the training and validation data.
func dataIdentity(m Model, cfg Config, trainData, valData Data) (dataID, error) {
	var ids dataID
	var err error
	if ids.Train, err = fingerprint(m, cfg.Dtype, cfg.BatchSize, trainData); err != nil {
		return ids, fmt.Errorf("train: identifying the training data: %w", err)
	}
	if valData != nil && valData.Len() > 0 {
		v, err := fingerprint(m, cfg.Dtype, cfg.BatchSize, valData)
		if err != nil {
			return ids, fmt.Errorf("train: identifying the validation data: %w", err)
		}
		ids.Val = &v
	}
	return ids, nil
}

// checkFit checks that Fit with cfg on data of identity ids can continue
// s's run, then restores the sampler's state: the last step, the only one
// that changes anything (NewTrainer checks the dropout seeds before it
// restores the weights).
func (s *State) checkFit(cfg Config, params []*graph.Param, ids dataID, sampler Sampler) error {
	fm := s.meta.Fit
	if fm == nil {
		return s.mismatch("it is a Trainer's state (Trainer.SaveState), without a run's position for Fit")
	}
	if _, err := s.checkTrainer(cfg, params); err != nil {
		return err
	}
	switch {
	case cfg.Seed != fm.Seed:
		return s.mismatch("seed %d, the state's run %d", cfg.Seed, fm.Seed)
	case cfg.KeepLast != fm.KeepLast:
		return s.mismatch("KeepLast %v, the state's run %v", cfg.KeepLast, fm.KeepLast)
	case cfg.Select.String() != fm.Select:
		return s.mismatch("selection by validation %s, the state's run by %s", cfg.Select, fm.Select)
	}
	if err := s.checkData("training", ids.Train, &fm.Data.Train); err != nil {
		return err
	}
	if ids.Val != nil || fm.Data.Val != nil {
		if ids.Val == nil {
			return s.mismatch("no validation data; the state's run had %d examples", fm.Data.Val.Examples)
		}
		if err := s.checkData("validation", *ids.Val, fm.Data.Val); err != nil {
			return err
		}
	}
	if need := s.Epoch + min(s.Step, 1); cfg.Epochs < need {
		return fmt.Errorf("train: resuming from %s %s: it is in epoch %d; Epochs %d would end the run before it", stateNoun, s.Path, need, cfg.Epochs)
	}
	if fm.BestEpoch > 0 {
		for _, p := range params {
			b, err := s.file.Tensor(bestPrefix + p.Name)
			if err != nil {
				return fmt.Errorf("train: %w", err)
			}
			if b.Dtype != p.Value.Dtype || !slices.Equal(b.Shape, p.Value.Shape) {
				return s.mismatch("the best weights of %s are %v %v", p.Name, b.Dtype, b.Shape)
			}
		}
	}
	if err := sampler.UnmarshalBinary(fm.Sampler); err != nil {
		return s.mismatch("the sampler's state does not fit this sampler (%T): %v", sampler, err)
	}
	return nil
}

// restoreBest copies the state's best weights (checked by checkFit) into w,
// a snapshot of params.
func (s *State) restoreBest(w weights, params []*graph.Param) {
	for i, p := range params {
		b, _ := s.file.Tensor(bestPrefix + p.Name)
		_ = w[i].CopyFrom(b)
	}
}

// addFit records Fit's part of the state: the loop's position and figures,
// the history, and the best weights (best, a snapshot of params).
func (w *stateWriter) addFit(res *Result, best weights, params []*graph.Param, fm fitMeta, sums fitSums) {
	h := graph.NewBuf(tensor.Float64, len(res.History), historyCols)
	for e, st := range res.History {
		copy(h.F64[e*historyCols:], []float64{float64(st.Epoch), st.TrainLoss, st.TrainAcc, st.ValLoss, st.ValAcc, st.Seconds, st.SeqPerSec})
	}
	sb := graph.NewBuf(tensor.Float64, 4)
	copy(sb.F64, []float64{sums.LossSum, sums.EpochSeconds, sums.StepSeconds, sums.TrainSeconds})
	w.tensors = append(w.tensors, checkpoint.Tensor{Name: historyTensor, Buf: h}, checkpoint.Tensor{Name: sumsTensor, Buf: sb})
	if fm.BestEpoch > 0 {
		for i, p := range params {
			w.tensors = append(w.tensors, checkpoint.Tensor{Name: bestPrefix + p.Name, Buf: best[i]})
		}
	}
	w.meta.Fit = &fm
}
