package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

// runRecord is what spamrnn train keeps with a run's training state (the
// state's Extra), to resume it with nothing but --resume: every train flag
// as the run had it, and the files it read and wrote as absolute paths
// (a resume may start from another directory).
type runRecord struct {
	Flags  map[string]string `json:"flags"`
	Data   string            `json:"data,omitempty"`
	Out    string            `json:"out"`
	Plot   string            `json:"plot,omitempty"`
	Device string            `json:"device"`
}

// meaningFlags are the train flags a resumed run keeps: they decide what
// the run computes (its data as read, model, batches, optimizer, seed,
// selection). --data may name another path to the same data: its content
// is checked against the run's.
var meaningFlags = []string{"format", "positive", "label", "text", "cell", "seq-len", "embed", "hidden", "layers",
	"widths", "channels", "dropout", "padding", "batch", "lr", "clip", "seed", "select", "packed", "bucket",
	"bidirectional"}

// changeable are the flags that may differ in a resumed run (the device
// is said when it is chosen).
var changeable = []string{"epochs", "patience", "out", "plot", "device"}

// record is the run's record for its state file, from the flags as they
// are now (after resumeDefaults, for a resumed run).
func (f *trainFlags) record(device string) (json.RawMessage, error) {
	r := runRecord{Flags: map[string]string{}, Device: device}
	for _, name := range append(append([]string{"data"}, meaningFlags...), changeable...) {
		r.Flags[name] = f.fs.Value(name)
	}
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	r.Data, r.Out, r.Plot = abs(*f.data), abs(*f.out), abs(*f.plot)
	return json.Marshal(r)
}

// asGiven is the path of the run's flag name as the run was given it,
// where it still names the same file (abs, as the record keeps it) from
// here; else abs.
func (r *runRecord) asGiven(name, abs string) string {
	if given := r.Flags[name]; given != "" && samePath(given, abs) {
		return given
	}
	return abs
}

// readRunRecord is the record spamrnn train kept with the run of the
// state file at path, read from the file's header (its weights are not
// read: this only says what the file is); nil when the file is no readable
// state or was not written by spamrnn train.
func readRunRecord(path string) *runRecord {
	run, err := spam.PeekRun(path)
	if err != nil {
		return nil
	}
	rec := &runRecord{}
	if err := json.Unmarshal(run.Extra, rec); err != nil || rec.Flags == nil {
		return nil
	}
	return rec
}

// resumeDefaults gives the flags not on the command line the values of
// the run being resumed, refuses flags that would change what it computes,
// and says what the flags given change. The run must have something left
// to train.
func (f *trainFlags) resumeDefaults(run *spam.Run, stdout io.Writer) (*runRecord, error) {
	rec := &runRecord{}
	if err := json.Unmarshal(run.Extra, rec); err != nil || rec.Flags == nil {
		return nil, fmt.Errorf("training state file %s: written by spam.Train, not by spamrnn train: resume it with spam.LoadRun", run.State.Path)
	}
	path := run.State.Path
	var problems []error
	for _, name := range meaningFlags {
		was, ok := rec.Flags[name] // (a flag newer than the run's file: spam.Run.RunDiff checks the setting)
		if ok && f.fs.IsSet(name) && f.fs.Value(name) != was {
			problems = append(problems, fmt.Errorf("--%s %s: the run in %s was started with --%s %s; a resumed run keeps the settings it started with (start a new run to change them)",
				name, f.fs.Value(name), path, name, quoteEmpty(was)))
		}
	}
	if f.fs.IsSet("data") && (*f.data == "") != (rec.Data == "") {
		was := "the embedded demo corpus"
		if rec.Data != "" {
			was = rec.Data
		}
		problems = append(problems, fmt.Errorf("--data %s: the run in %s trained on %s", quoteEmpty(*f.data), path, was))
	}
	if err := f.fs.Problem(problems...); err != nil {
		return nil, err
	}
	defaults := map[string]string{"data": rec.asGiven("data", rec.Data), "out": rec.asGiven("out", rec.Out), "plot": rec.asGiven("plot", rec.Plot), "state": path}
	if !f.fs.IsSet("data") && rec.Data != "" {
		// Checked here, where it is known that the path is the run's and
		// not one the user gave.
		if _, err := os.Stat(rec.Data); err != nil {
			why := "cannot be read"
			if errors.Is(err, fs.ErrNotExist) {
				why = "no such file"
			}
			return nil, f.fs.Problem(fmt.Errorf("--resume %s: the run's data %s: %s; give --data with its path now (the content is checked to be the same)",
				path, rec.Data, why))
		}
	}
	for _, name := range append(append([]string(nil), meaningFlags...), "epochs", "patience") {
		if v, ok := rec.Flags[name]; ok {
			defaults[name] = v
		}
	}
	if err := f.fs.Default(defaults); err != nil {
		return nil, err
	}

	st := run.State
	where := fmt.Sprintf("%d of %d epochs done", st.Epoch, st.Epochs)
	if st.Step > 0 {
		where += fmt.Sprintf(", stopped in epoch %d after %d steps", st.Epoch+1, st.Step)
	}
	if st.BestEpoch > 0 {
		b := st.History[st.BestEpoch-1]
		where += fmt.Sprintf("; best so far epoch %d (validation accuracy %.4f, loss %.4f)", st.BestEpoch, b.ValAcc, b.ValLoss)
	}
	fmt.Fprintf(stdout, "resuming the run in %s: %s\n", path, where)
	// A run with nothing left to train is refused before the changes
	// its flags would make are announced.
	if st.Step > 0 && *f.epochs <= st.Epoch {
		return nil, f.fs.Problem(fmt.Errorf("--epochs %d: the run in %s stopped in epoch %d; give --epochs %d or more to finish it", *f.epochs, path, st.Epoch+1, st.Epoch+1))
	}
	if st.Step == 0 {
		switch {
		case st.Epoch >= *f.epochs:
			return nil, f.fs.Problem(fmt.Errorf("--resume %s: the run has trained its %d epochs; give --epochs above %d to train on", path, st.Epoch, st.Epoch))
		case *f.patience > 0 && st.Epoch-st.BestEpoch >= *f.patience:
			return nil, f.fs.Problem(fmt.Errorf("--resume %s: the run stopped early: no better validation figure for %d epochs (--patience %d); give a larger --patience, or 0, to train on",
				path, st.Epoch-st.BestEpoch, *f.patience))
		}
	}
	if f.fs.IsSet("data") && !samePath(*f.data, rec.Data) {
		fmt.Fprintf(stdout, "  --data %s: the run read %s; the data must be the same (it is checked)\n", *f.data, rec.Data)
	}
	for _, name := range changeable {
		have, was := f.fs.Value(name), rec.Flags[name]
		switch name {
		case "out":
			was = rec.Out
		case "plot":
			was = rec.Plot
		}
		if !f.fs.IsSet(name) || have == was || (name == "out" || name == "plot") && samePath(have, was) {
			continue
		}
		what := ""
		switch name {
		case "epochs":
			what = fmt.Sprintf("the run now ends after epoch %s (it was set to %s)", have, was)
		case "patience":
			what = fmt.Sprintf("it stops after %s epochs without a better validation figure (the run's: %s; 0: never)", have, was)
		case "out":
			what = fmt.Sprintf("the best model goes here (the run saved it to %s)", was)
		case "plot":
			what = fmt.Sprintf("the training curve goes here (the run's: %s)", quoteEmpty(was))
		case "device":
			continue // said once the device is chosen
		}
		fmt.Fprintf(stdout, "  --%s %s: %s\n", name, have, what)
	}
	return rec, nil
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// samePath reports whether two paths name the same file (as absolute
// paths).
func samePath(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// stateWhen says which state a run left: where it stopped, or, after an
// error, the last epoch's end.
func stateWhen(r *train.Result) string {
	if r.Interrupted {
		return " (where the run stopped)"
	}
	return fmt.Sprintf(" (at the end of epoch %d)", len(r.History))
}

// replacesOnly is the check (cli.Replaces) of an output that may rewrite
// an Ember file of this kind and no other: a training state written over a
// model, or a model over a training state, would lose it. A file that is
// no Ember file, or a damaged one, is left to the write, as other tools
// rewrite what an output names.
func replacesOnly(kind string) func(path string) error {
	return func(path string) error {
		got, err := checkpoint.Kind(path)
		if err != nil || got == kind {
			return nil
		}
		return fmt.Errorf("holds %s, and this writes %s over it; give another file (or remove this one first)", kindNoun(got), kindNoun(kind))
	}
}

// notAModel rewords err, spam.Load's refusal of the file at path as being
// of another kind, to say what the file is and what takes it: a training
// state is resumed by train --resume, and its run's model is the --out
// file the state records; a model of the ember command is ember's; a file
// of an export (model.safetensors, given for a model) is import's.
func notAModel(path string, err error) error {
	if errors.Is(err, checkpoint.ErrNotModel) && isExport(filepath.Dir(path)) {
		dir := filepath.Dir(path)
		return reworded{fmt.Sprintf("%v; it is part of the export in %s: spamrnn import %s --out FILE makes a model file of it", err, dir, dir), err}
	}
	kind, kerr := checkpoint.Kind(path)
	if !errors.Is(err, checkpoint.ErrKind) || kerr != nil {
		return err
	}
	msg := fmt.Sprintf("model file %s: holds %s, not a spamrnn model", path, kindNoun(kind))
	var rec *runRecord
	if kind == train.StateKind {
		rec = readRunRecord(path)
	}
	switch {
	case kind == train.StateKind && rec == nil:
		msg += " (spamrnn train keeps one to resume a run)"
	case kind == train.StateKind:
		out, resume := rec.asGiven("out", rec.Out), "spamrnn train --resume "+path+" continues the run"
		if k, err := checkpoint.Kind(rec.Out); err == nil && k == spam.FileKind {
			msg += fmt.Sprintf(": the run's best model is in %s, and %s", out, resume)
		} else {
			msg += fmt.Sprintf(": the run saves its best model to %s, which holds none now; %s", out, resume)
		}
	case strings.HasPrefix(kind, "ember."):
		msg += "; ember predict scores it"
	}
	return reworded{msg, err}
}

// isExport reports whether dir holds the files of an export.
func isExport(dir string) bool {
	for _, name := range exportFiles {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// notAState rewords err, spam.LoadRun's refusal of the file at path as
// being of another kind, to say what it is; for a spamrnn model, where its
// run's training state is when it is beside it, as train keeps it by
// default.
func notAState(path string, err error) error {
	kind, kerr := checkpoint.Kind(path)
	if !errors.Is(err, checkpoint.ErrKind) || kerr != nil || kind == train.StateKind {
		return err
	}
	msg := fmt.Sprintf("--resume %s: holds %s, not a training state", path, kindNoun(kind))
	if kind == spam.FileKind {
		msg += " (spamrnn train keeps a run's state in --state, by default the model's file with .state added"
		if k, err := checkpoint.Kind(path + ".state"); err == nil && k == train.StateKind {
			msg += fmt.Sprintf(": --resume %s.state", path)
		}
		msg += ")"
	}
	return reworded{msg, err}
}

// kindNoun names an Ember file kind for messages.
func kindNoun(kind string) string {
	switch kind {
	case spam.FileKind:
		return "a spamrnn model"
	case train.StateKind:
		return "a training state"
	}
	if command, ok := strings.CutPrefix(kind, "ember."); ok && command != "" && !strings.ContainsAny(command, " \t\n") {
		return fmt.Sprintf("a model of ember %s", command)
	}
	return fmt.Sprintf("an Ember file of kind %q", kind)
}
