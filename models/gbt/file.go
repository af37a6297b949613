package gbt

import (
	"encoding/json"
	"errors"
	"fmt"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/tabular"
)

// FileKind is the checkpoint kind of a GBT model file.
const FileKind = "ember.gbt"

// FileVersion is the newest layout of a model file's metadata; a file with a
// newer one is refused. Version 2 added multi-class models (class bases,
// trees.class); binary and regression models are still written as version
// 1, so that an Ember from before it reads them, and refuses a
// multi-class file as newer rather than damaged. Version 3 added
// categorical splits (tensors nodes.cat_begin, nodes.cat_words and
// cats.bits); only a model that has one is written as version 3. The
// settings L1, MaxDeltaStep and Monotone need no new version: they shape
// the trees but not how they are stored or scored, a file from before
// them loads with their zero values (none), and an Ember from before them
// scores a file that has them as it should, leaving them unread; so does
// BaseScore, whose margin is the state's base, as an estimated one is.
// Version 4
// added the objectives count:poisson, reg:tweedie, reg:gamma and
// reg:pseudohubererror (with TweedieVariancePower, HuberSlope, link
// "exp"); only a model of one of them is written as version 4, so that an
// older Ember refuses it as newer, not as damaged, and the others stay
// readable by it. Version 5 added reg:absoluteerror (link "identity", its
// leaves stored as any other's); only its models are written as version
// 5, for the same reason. Version 6 added reg:squaredlogerror,
// reg:logistic, binary:logitraw, binary:hinge (link "step"),
// multi:softmax, survival:cox and survival:aft (with AFTDistribution,
// AFTSigma; link "exp"); only their models are written as version 6.
const FileVersion = 6

// Saved is what a GBT model file holds: the fitted model, the feature
// pipeline that makes its input from raw columns, and what it predicts.
type Saved struct {
	Model *Model
	// Pipeline maps raw table columns to the model's features; nil for a
	// model fitted on a feature matrix directly.
	Pipeline *tabular.Pipeline
	// Target is the label column the model was fitted to.
	Target string
	// Group is the column of query ids of a rank objective's data
	// (XGBoost's qid), so that a scorer can score the ranking of a file
	// that has it; "" for other objectives and for files saved before it
	// was recorded.
	Group string
	// Classes names a classifier's labels 0, 1, … (e.g. "no", "yes"): two
	// for binary:logistic, one per class for multi:softprob (and likewise
	// for the other binary: and multi: objectives).
	Classes []string
	// Training is the caller's record of how the model was fitted (data,
	// split, scores); Load returns it as a json.RawMessage.
	Training any
}

// fileMeta is the JSON metadata. Its top level has the layout of every
// model file `ember --save` writes (version, command, input, classes,
// settings, state, training), so one loader can read them all.
type fileMeta struct {
	Version int       `json:"version"`
	Command string    `json:"command"`
	Input   fileInput `json:"input"`
	Classes []string  `json:"classes,omitempty"`
	// Settings are the Model's options.
	Settings Model     `json:"settings"`
	State    fileState `json:"state"`
	Training any       `json:"training,omitempty"`
}

type fileInput struct {
	Kind     string            `json:"kind"` // "table"
	Features []string          `json:"features"`
	Target   string            `json:"target,omitempty"`
	Group    string            `json:"group,omitempty"`
	Pipeline *tabular.Pipeline `json:"pipeline,omitempty"`
}

type fileState struct {
	NumFeatures int     `json:"n_features"`
	Base        float32 `json:"base"`
	// ClassBases are a softmax model's base margins, one per class (its
	// trees' classes are the tensor trees.class).
	ClassBases []float32 `json:"class_bases,omitempty"`
	Link       string    `json:"link"`
	Float32Sum bool      `json:"float32_sum,omitempty"`
	Importance []float64 `json:"importance"`
	History    History   `json:"history"`
}

// Save writes the model file atomically (checkpoint's versioned,
// checksummed format, kind FileKind): the options, trees, importances,
// pipeline and labels. Loading it gives a model that predicts exactly
// what this one does.
func Save(path string, s *Saved) error {
	if s == nil || s.Model == nil || s.Model.ens == nil {
		return fmt.Errorf("gbt: save %s: %w", path, ErrNotFitted)
	}
	m, e := s.Model, s.Model.ens
	// What Load would refuse is not written.
	if p := e.saveProblem(m); p != "" {
		return fmt.Errorf("gbt: save %s: %s, so the file could not be loaded; nothing was written", path, p)
	}
	meta := fileMeta{
		Version: 1, Command: "gbt",
		Input:    fileInput{Kind: "table", Target: s.Target, Group: s.Group, Pipeline: s.Pipeline},
		Classes:  s.Classes,
		Settings: *m,
		State: fileState{NumFeatures: e.nFeature, Base: e.base, ClassBases: e.bases, Link: e.link.String(),
			Float32Sum: e.f32Sum, Importance: m.importance, History: m.history},
		Training: s.Training,
	}
	if s.Pipeline != nil {
		if len(s.Pipeline.Features) != e.nFeature {
			return fmt.Errorf("gbt: save %s: the pipeline makes %d features, the model takes %d", path, len(s.Pipeline.Features), e.nFeature)
		}
		meta.Input.Features = s.Pipeline.Inputs()
	}
	n := len(e.nodes)
	thr := graph.NewBuf(tensor.Float32, n)
	feat, left, def := graph.NewBuf(tensor.Int32, n), graph.NewBuf(tensor.Int32, n), graph.NewBuf(tensor.Int32, n)
	for i, nd := range e.nodes {
		thr.F32[i], feat.I32[i], left.I32[i], def.I32[i] = nd.Threshold, nd.Feature, nd.Left, nd.Default
	}
	roots := graph.NewBuf(tensor.Int32, len(e.roots))
	copy(roots.I32, e.roots)
	tensors := []checkpoint.Tensor{
		{Name: "trees.roots", Buf: roots},
		{Name: "nodes.threshold", Buf: thr},
		{Name: "nodes.feature", Buf: feat},
		{Name: "nodes.left", Buf: left},
		{Name: "nodes.default", Buf: def},
	}
	if e.cover != nil {
		cover := graph.NewBuf(tensor.Float32, n)
		copy(cover.F32, e.cover)
		tensors = append(tensors, checkpoint.Tensor{Name: "nodes.cover", Buf: cover})
	}
	if e.cats != nil {
		meta.Version = 3
		begin, words := graph.NewBuf(tensor.Int32, n), graph.NewBuf(tensor.Int32, n)
		for i, nd := range e.nodes {
			begin.I32[i], words.I32[i] = nd.CatBegin, nd.CatWords
		}
		bits := graph.NewBuf(tensor.Int32, len(e.cats))
		for i, w := range e.cats {
			bits.I32[i] = int32(w) // the bits as they are
		}
		tensors = append(tensors, checkpoint.Tensor{Name: "nodes.cat_begin", Buf: begin},
			checkpoint.Tensor{Name: "nodes.cat_words", Buf: words}, checkpoint.Tensor{Name: "cats.bits", Buf: bits})
	}
	switch m.Objective {
	case BinaryLogistic, MultiSoftprob, SquaredError:
	case AbsoluteError:
		meta.Version = 5
	case SquaredLogError, RegLogistic, BinaryLogitRaw, BinaryHinge, MultiSoftmax, SurvivalCox, SurvivalAFT:
		meta.Version = 6
	default:
		meta.Version = 4
	}
	if e.class != nil {
		meta.Version = max(meta.Version, 2)
		class := graph.NewBuf(tensor.Int32, len(e.class))
		copy(class.I32, e.class)
		tensors = append(tensors, checkpoint.Tensor{Name: "trees.class", Buf: class})
	}
	return checkpoint.Save(path, FileKind, meta, tensors)
}

// Load reads a model file written by Save, verifying the checkpoint and
// then that every tree is well formed (indices in range, children after
// their parent, so scoring always ends), so a damaged or foreign file is
// an error, never a panic or a hang.
func Load(path string) (*Saved, error) {
	f, err := checkpoint.Load(path, FileKind)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("model file %s: %w", path, &kindError{kind: checkpoint.ErrInvalid, msg: fmt.Sprintf(format, args...)})
	}
	var meta fileMeta
	var raw struct {
		Training json.RawMessage `json:"training"`
	}
	if err := f.DecodeMeta(&meta); err != nil {
		return nil, err
	}
	if err := f.DecodeMeta(&raw); err != nil {
		return nil, err
	}
	switch {
	case meta.Version > FileVersion:
		return nil, fmt.Errorf("model file %s: metadata version %d is newer than this Ember reads (%d); use a newer Ember", path, meta.Version, FileVersion)
	case meta.Version < 1 || meta.Command != "gbt":
		return nil, bad("metadata is not a GBT model's (version %d, command %q)", meta.Version, meta.Command)
	}
	m := meta.Settings
	if err := m.checkOptions(); err != nil {
		return nil, bad("%v", err)
	}
	st := meta.State
	e := &Ensemble{base: st.Base, nFeature: st.NumFeatures, f32Sum: st.Float32Sum}
	switch st.Link {
	case Identity.String():
		e.link = Identity
	case Logistic.String():
		e.link = Logistic
	case Softmax.String():
		e.link = Softmax
	case Exp.String():
		e.link = Exp
	case Step.String():
		e.link = Step
	default:
		return nil, bad("unknown link %q", st.Link)
	}
	if e.link != m.Objective.link() {
		return nil, bad("link %s does not fit objective %s", st.Link, m.Objective)
	}
	if (e.link == Softmax) != (st.ClassBases != nil) || (st.ClassBases != nil && (len(st.ClassBases) < 2 || len(st.ClassBases) > MaxClasses)) {
		return nil, bad("%d class bases for link %s", len(st.ClassBases), st.Link)
	}
	if p := basesProblem(st.ClassBases); p != "" {
		return nil, bad("%s", p)
	}
	if m.NumClass != 0 && m.NumClass != len(st.ClassBases) {
		return nil, bad("num_class %d but %d class bases", m.NumClass, len(st.ClassBases))
	}
	e.bases = st.ClassBases
	if st.NumFeatures < 1 || len(st.Importance) != st.NumFeatures || isNaN32(st.Base) {
		return nil, bad("%d features, %d importances, base %v", st.NumFeatures, len(st.Importance), st.Base)
	}
	if err := m.checkFeatureOptions(st.NumFeatures); err != nil {
		return nil, bad("%v", err)
	}
	get := func(name string, dt tensor.Dtype) (*graph.Buf, error) {
		b, err := f.Tensor(name)
		if err != nil {
			return nil, err
		}
		if b.Dtype != dt || len(b.Shape) != 1 {
			return nil, bad("tensor %s is not a %s vector", name, dt)
		}
		return b, nil
	}
	roots, err := get("trees.roots", tensor.Int32)
	if err != nil {
		return nil, err
	}
	var bufs [4]*graph.Buf
	for i, spec := range []struct {
		name string
		dt   tensor.Dtype
	}{{"nodes.threshold", tensor.Float32}, {"nodes.feature", tensor.Int32}, {"nodes.left", tensor.Int32}, {"nodes.default", tensor.Int32}} {
		if bufs[i], err = get(spec.name, spec.dt); err != nil {
			return nil, err
		}
	}
	n := bufs[0].Shape[0]
	for _, b := range bufs[1:] {
		if b.Shape[0] != n {
			return nil, bad("node tensors of different lengths")
		}
	}
	e.nodes = make([]node, n)
	for i := range e.nodes {
		nd := node{Threshold: bufs[0].F32[i], Feature: bufs[1].I32[i], Left: bufs[2].I32[i], Default: bufs[3].I32[i]}
		if p := nodeProblem(nd, i, n, st.NumFeatures); p != "" {
			return nil, bad("%s", p)
		}
		e.nodes[i] = nd
	}
	// Categorical splits' sets: files before version 3 have none.
	if words, err := get("nodes.cat_words", tensor.Int32); err == nil {
		begin, err := get("nodes.cat_begin", tensor.Int32)
		if err != nil {
			return nil, err
		}
		bits, err := get("cats.bits", tensor.Int32)
		if err != nil {
			return nil, err
		}
		if len(begin.I32) != n || len(words.I32) != n {
			return nil, bad("category sets for %d and %d of %d nodes", len(begin.I32), len(words.I32), n)
		}
		e.cats = make([]uint32, len(bits.I32))
		for i, w := range bits.I32 {
			e.cats[i] = uint32(w)
		}
		for i := range e.nodes {
			e.nodes[i].CatBegin, e.nodes[i].CatWords = begin.I32[i], words.I32[i]
			if p := e.catProblem(i); p != "" {
				return nil, bad("%s", p)
			}
		}
	} else if !errors.Is(err, checkpoint.ErrNoTensor) {
		return nil, err
	}
	if len(roots.I32) == 0 {
		return nil, bad("no trees")
	}
	for k, r := range roots.I32 {
		if r < 0 || int(r) >= n || (k > 0 && r <= roots.I32[k-1]) {
			return nil, bad("tree %d starts at node %d", k, r)
		}
	}
	e.roots = roots.I32
	// Node covers, for Contributions: files from before them have none.
	if cover, err := get("nodes.cover", tensor.Float32); err == nil {
		if len(cover.F32) != n {
			return nil, bad("%d node covers for %d nodes", len(cover.F32), n)
		}
		if p := coverProblem(cover.F32); p != "" {
			return nil, bad("%s", p)
		}
		e.cover = cover.F32
	} else if errors.Is(err, checkpoint.ErrNoTensor) {
		e.noCover = "the file was saved before Ember recorded them: fit the model again"
	} else {
		return nil, err
	}
	if e.bases != nil {
		class, err := get("trees.class", tensor.Int32)
		if err != nil {
			return nil, err
		}
		if len(class.I32) != len(e.roots) {
			return nil, bad("%d tree classes for %d trees", len(class.I32), len(e.roots))
		}
		for t, c := range class.I32 {
			if c < 0 || int(c) >= len(e.bases) {
				return nil, bad("tree %d's class is %d; the model has %d", t, c, len(e.bases))
			}
		}
		e.class = class.I32
	}
	if p := meta.Input.Pipeline; p != nil {
		if err := p.Check(); err != nil {
			return nil, bad("pipeline: %v", err)
		}
		if len(p.Features) != st.NumFeatures {
			return nil, bad("the pipeline makes %d features, the model takes %d", len(p.Features), st.NumFeatures)
		}
	}
	if want := max(2, len(e.bases)); meta.Classes != nil && len(meta.Classes) != want {
		return nil, bad("%d class names for a classifier of %d classes", len(meta.Classes), want)
	}
	m.ens, m.importance, m.history = e, st.Importance, st.History
	s := &Saved{Model: &m, Pipeline: meta.Input.Pipeline, Target: meta.Input.Target, Group: meta.Input.Group, Classes: meta.Classes}
	if len(raw.Training) > 0 {
		s.Training = raw.Training
	}
	return s, nil
}

// nodeProblem is what makes node i of n malformed in a model of nFeature
// features, or "": an inner node's feature or children out of range
// (children come after their parent, so every walk ends) or a NaN
// threshold; a leaf's value not finite.
func nodeProblem(nd node, i, n, nFeature int) string {
	if nd.Feature >= 0 {
		if int(nd.Feature) >= nFeature || nd.Left <= int32(i) || int(nd.Left)+1 >= n ||
			(nd.Default != 0 && nd.Default != 1) || isNaN32(nd.Threshold) {
			return fmt.Sprintf("node %d is malformed", i)
		}
	} else if nd.Feature != -1 || isNaN32(nd.Threshold) || isInf32(nd.Threshold) {
		return fmt.Sprintf("leaf %d is malformed", i)
	}
	return ""
}

// catProblem is what makes node i's category set malformed, or "": a leaf
// with one, words outside cats, more words than maxCategory needs.
func (e *Ensemble) catProblem(i int) string {
	nd := e.nodes[i]
	if nd.CatWords == 0 && nd.CatBegin == 0 {
		return ""
	}
	if nd.Feature < 0 || nd.CatWords < 0 || nd.CatWords > maxCategory/32 || nd.CatBegin < 0 ||
		int64(nd.CatBegin)+int64(nd.CatWords) > int64(len(e.cats)) {
		return fmt.Sprintf("node %d's category set (words %d..%d of %d) is malformed", i, nd.CatBegin, int64(nd.CatBegin)+int64(nd.CatWords)-1, len(e.cats))
	}
	return ""
}

// coverProblem is the first node cover that is negative or not finite, or "".
func coverProblem(cover []float32) string {
	for i, c := range cover {
		if !(c >= 0) || isInf32(c) {
			return fmt.Sprintf("node %d's cover is %v", i, c)
		}
	}
	return ""
}

// basesProblem is the first class base that is not finite, or "".
func basesProblem(bases []float32) string {
	for c, b := range bases {
		if isNaN32(b) || isInf32(b) {
			return fmt.Sprintf("class %d's base is %v", c, b)
		}
	}
	return ""
}

// saveProblem is what Load would refuse in a file of m and its fitted
// trees e, or "".
func (e *Ensemble) saveProblem(m *Model) string {
	if err := m.checkOptions(); err != nil {
		return err.Error()
	}
	if isNaN32(e.base) {
		return "the base is NaN"
	}
	if p := basesProblem(e.bases); p != "" {
		return p
	}
	for i, nd := range e.nodes {
		if p := nodeProblem(nd, i, len(e.nodes), e.nFeature); p != "" {
			return p
		}
		if p := e.catProblem(i); p != "" {
			return p
		}
	}
	return coverProblem(e.cover)
}
